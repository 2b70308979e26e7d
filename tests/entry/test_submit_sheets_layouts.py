"""The form's write path on the layouts offices really have, over the fake Google Sheet.

Each test submits through `EntryWriter` (outbox, one append), then reads the sheet back
through the reader: the entries must count, every value under its own header, and the rows
below all the data, whatever stands above the header or between the rows.
"""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from tothu_core.entry.entries import Entry, Submission
from tothu_core.entry.month_lock import MonthLocks
from tothu_core.entry.outbox import MISPLACED, SENT, Outbox
from tothu_core.entry.submit import EntryWriter
from tothu_core.people.access import Viewer
from tothu_core.sheet.dataset import WARNING
from tothu_core.sheet.snapshot import SnapshotStore
from tothu_core.sheet.sources.gsheets import GoogleSheetSource

KEY = "1LayoutTestSheetKey_abcdefghijklmnopqrstuvwxy"
MONTH = pd.Period("2026-11", freq="M")
NOW = datetime(2026, 11, 20, 9, 30)
HEADERS = ["STT", "Tháng", "Mã tổ", "Mã cán bộ", "Ngày họp", "Số hộ dự", "Cán bộ dự",
           "Tình hình", "Kiến nghị", "Thời điểm nhập", "Mã phiếu"]  # fmt: skip
OLD = [  # October's entries, typed by the office (STT filled in, as a clerk does)
    [1, "10/2026", "T01A", "CB01", date(2026, 10, 9), 20, "Có", "Ổn", None,
     datetime(2026, 10, 10, 8), "OLD-1"],
    [2, "10/2026", "T01B", "CB01", None, None, None, "Hoãn họp", None,
     datetime(2026, 10, 10, 8, 5), "OLD-2"],
]  # fmt: skip


def book(meetings: list[list], *, meetings_title: str = "Sinh hoạt", extra=None) -> dict:
    """CB01 follows T01A and T01B (30 households each); `meetings` is the whole entries tab."""
    return {
        "Ấp": [["Mã ấp", "Tên ấp"], ["A1", "Ấp Mỹ An"]],
        "Cán bộ": [["Mã cán bộ", "Họ và tên"], ["CB01", "Nguyễn Văn An"]],
        "Tổ": [
            ["Mã tổ", "Tên tổ", "Mã ấp", "Số hộ"],
            ["T01A", "Tổ 1A", "A1", 30],
            ["T01B", "Tổ 1B", "A1", 30],
        ],
        "Phân công": [
            ["Mã cán bộ", "Mã tổ", "Từ ngày"],
            ["CB01", "T01A", "01/01/2016"],
            ["CB01", "T01B", "01/01/2016"],
        ],  # fmt: skip
        meetings_title: meetings,
        **(extra or {}),
    }


def shifted(rows: list[list], by: int) -> list[list]:
    """The same rows starting `by` columns to the right."""
    return [([None] * by + list(row)) if row else [] for row in rows]


def submission(sid="P01") -> Submission:
    return Submission(
        submission_id=sid,
        cadre_id="CB01",
        month=MONTH,
        entries=(
            Entry(
                "T01A",
                met=True,
                meeting_date=date(2026, 11, 10),
                households_present=21,
                cadre_attended=True,
                situation="Bà con đồng tình",
            ),
            Entry("T01B", met=False, proposals="Xin sửa cầu"),
        ),  # fmt: skip
        submitted_at=NOW,
    )


VIEWER = Viewer(name="Nguyễn Văn An", cadre_id="CB01", role="Cán bộ", via="test")


def writer_for(server, info, tmp_path, **options) -> EntryWriter:
    options = {"timeout": 2.0, "base_delay": 0.01, "give_up_after": 10.0, **options}
    source = GoogleSheetSource(
        KEY, credentials_info=info, http_adapter=server.http_adapter(), **options
    )
    return EntryWriter(
        SnapshotStore(source, ttl_seconds=3600),
        outbox=Outbox.in_folder(tmp_path),
        locks=MonthLocks(tmp_path, clock=lambda: NOW),
    )


def submit(writer: EntryWriter, sid="P01"):
    ds = writer.store.get().snapshot.dataset
    return writer.submit(submission(sid), ds=ds, viewer=VIEWER)


def november(writer: EntryWriter) -> pd.DataFrame:
    """This month's entries as the dashboards read them after the write."""
    ds = writer.store.get().snapshot.dataset
    m = ds.meetings
    return m[m["month"] == MONTH].set_index("group_id")


def assert_read_back(writer: EntryWriter, *, below: int) -> None:
    rows = november(writer)
    assert rows.loc["T01A", "households_present"] == 21
    assert bool(rows.loc["T01A", "cadre_attended"]) is True
    assert rows.loc["T01A", "situation"] == "Bà con đồng tình"
    assert rows.loc["T01A", "meeting_date"] == pd.Timestamp(2026, 11, 10)
    assert rows.loc["T01B", "proposals"] == "Xin sửa cầu"
    assert pd.isna(rows.loc["T01B", "meeting_date"])
    assert set(rows["submission_id"]) == {"P01-T01A", "P01-T01B"}
    assert (rows["row"] > below).all(), "new rows must land below all the data"
    ds = writer.store.get().snapshot.dataset
    assert not ds.errors, [p.message for p in ds.errors]


def appends_only(server) -> list[str]:
    return [r.kind for r in server.requests() if r.kind in ("batchGet", "get", "append")]


LAYOUTS = {
    "title-and-blank-row": [["NHẬT KÝ SINH HOẠT TỔ"], [], HEADERS, *OLD],
    "a-date-line-right-above-the-header": [
        ["NHẬT KÝ SINH HOẠT TỔ"],
        ["Cập nhật 01/11/2026"],
        HEADERS,
        *OLD,
    ],  # fmt: skip
    "header-starting-in-column-c": shifted([["NHẬT KÝ"], [], HEADERS, *OLD], 2),
    "an-empty-header-cell-inside": [
        ["NHẬT KÝ"],
        [],
        [*HEADERS[:4], None, *HEADERS[4:]],
        *([*row[:4], None, *row[4:]] for row in OLD),
    ],
    "blank-rows-inside-the-data": [["NHẬT KÝ"], [], HEADERS, OLD[0], [], [], OLD[1], []],
}


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_rows_land_below_the_data_under_their_headers(
    fake_sheets, service_account_info, tmp_path, layout
):
    fake_sheets.add_spreadsheet(KEY, book(LAYOUTS[layout]))
    writer = writer_for(fake_sheets, service_account_info, tmp_path)
    last_data_row = max(i for i, row in enumerate(LAYOUTS[layout], 1) if any(row))
    writer.store.get()
    fake_sheets.reset_log()
    result = submit(writer)
    assert result.sent, result.message
    assert appends_only(fake_sheets) == ["append"]  # a fresh layout: one request
    assert_read_back(writer, below=last_data_row)


def test_check_boxes_down_a_whole_column_push_rows_below_them_and_read_as_blank(
    fake_sheets, service_account_info, tmp_path
):
    # Insert → Checkbox on a whole column stores FALSE in every row of the grid (1000 rows).
    rows = [["NHẬT KÝ"], [], [*HEADERS, "Đã kiểm tra"], *([*r, False] for r in OLD)]
    rows += [[None] * len(HEADERS) + [False] for _ in range(1000 - len(rows))]
    fake_sheets.add_spreadsheet(KEY, book(rows))
    writer = writer_for(fake_sheets, service_account_info, tmp_path)
    assert submit(writer).sent
    assert_read_back(writer, below=1000)


def test_a_column_inserted_before_a_retry_days_later_shifts_nothing(
    fake_sheets, service_account_info, tmp_path
):
    fake_sheets.add_spreadsheet(KEY, book([["NHẬT KÝ"], [], HEADERS, *OLD]))
    writer = writer_for(fake_sheets, service_account_info, tmp_path, max_attempts=1)
    fake_sheets.fail_always("append", status=503)
    assert not submit(writer).sent
    # Meanwhile the office inserts "Ghi chú" before "Ngày họp" and renames "Số hộ dự".
    fake_sheets.insert_column(KEY, "Sinh hoạt", 4, {2: "Ghi chú"})
    with fake_sheets._lock:
        fake_sheets._spreadsheets[KEY].tabs["Sinh hoạt"].rows[2][6] = "Hộ dự"
    fake_sheets.clear_faults()
    fake_sheets.reset_log()
    report = writer.retry_pending()
    assert (report.sent, report.still_pending) == (1, 0)
    # The header and the Mã phiếu column in one request, then the append: two requests.
    assert appends_only(fake_sheets) == ["batchGet", "append"]
    sheet = fake_sheets.values(KEY, "Sinh hoạt")
    assert sheet[2][4:7] == ["Ghi chú", "Ngày họp", "Hộ dự"]
    new = {row[2]: row for row in sheet[5:]}
    assert new["T01A"][4:7] == ["", "10/11/2026", 21]
    assert_read_back(writer, below=5)


def test_a_first_submission_on_an_old_layout_looks_at_the_header_first(
    fake_sheets, service_account_info, tmp_path
):
    fake_sheets.add_spreadsheet(KEY, book([["NHẬT KÝ"], [], HEADERS, *OLD]))
    writer = writer_for(fake_sheets, service_account_info, tmp_path, layout_max_age=0)
    writer.store.get()
    fake_sheets.insert_column(KEY, "Sinh hoạt", 1, {2: "Ấp"})
    fake_sheets.reset_log()
    assert submit(writer).sent
    assert appends_only(fake_sheets) == ["batchGet", "append"]
    assert_read_back(writer, below=5)


def test_the_write_goes_to_the_tab_the_reader_used_and_both_warn(
    fake_sheets, service_account_info, tmp_path
):
    old_copy = [["Mã phiếu", "Tháng", "Mã tổ", "Mã cán bộ"]]
    fake_sheets.add_spreadsheet(
        KEY,
        book([["NHẬT KÝ"], [], HEADERS, *OLD], meetings_title="Sinh hoat",
             extra={"Sinh hoạt": old_copy}),
        hidden=("Sinh hoạt",),
    )  # fmt: skip
    writer = writer_for(fake_sheets, service_account_info, tmp_path)
    ds = writer.store.get().snapshot.dataset
    warned = [p.message for p in ds.problems if p.severity == WARNING and p.tab == "Sinh hoat"]
    assert any("«Sinh hoạt» (đang ẩn)" in m and "ghi vào trang «Sinh hoat»" in m for m in warned)
    assert submit(writer).sent
    assert fake_sheets.values(KEY, "Sinh hoạt") == old_copy
    assert_read_back(writer, below=5)


def test_rows_put_above_the_header_are_kept_for_the_admin_and_sent_again_once_moved(
    fake_sheets, service_account_info, tmp_path
):
    fake_sheets.add_spreadsheet(KEY, book([["NHẬT KÝ"], [], HEADERS, *OLD]))
    writer = writer_for(fake_sheets, service_account_info, tmp_path)
    writer.store.get()
    # After the read the office types a line at the top: the old header row is now blank.
    fake_sheets.insert_rows(KEY, "Sinh hoạt", 0, [["Cập nhật ngày 20/11/2026"]])
    fake_sheets.reset_log()
    result = submit(writer)
    assert not result.sent and result.misplaced
    assert "chưa được tính" in result.message and "không cần nhập lại" in result.message
    assert fake_sheets.count("append") == 1  # not retried blindly
    [kept] = writer.misplaced()
    assert kept.status == MISPLACED and "các dòng 3–4" in kept.last_error
    assert writer.pending_count() == 0
    pending = writer.outbox.pending_groups(writer.source_identity, "CB01", "11/2026")
    assert set(pending) == {"T01A", "T01B"}
    assert writer.retry_pending().sent == 0  # the automatic retry leaves it to the admin

    # The admin moves the two rows under the data, then asks for it to be sent again.
    with fake_sheets._lock:
        rows = fake_sheets._spreadsheets[KEY].tabs["Sinh hoạt"].rows
        moved = [rows.pop(2), rows.pop(2)]
        rows.extend(moved)
    again = writer.send_misplaced_again("P01")
    assert again.sent and again.rows_added == 0  # found under the header: nothing doubled
    assert writer.outbox.get("P01").status == SENT
    assert_read_back(writer, below=6)

"""The record of reminders: appended to `Nhắc nhở` exactly once, through the entries' machinery.

Against the fake Google Sheets server over real HTTP (quota, server errors, answers lost after
the sheet took the row, dropped connections, two presses at once, a sheet shared as Viewer) and
against a local workbook (open in Excel meanwhile), plus the sources that cannot take them.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import Counter
from datetime import datetime

import pandas as pd
import pytest

from tests.sheets import small_book
from tothu_core.entry.month_lock import MonthLocks
from tothu_core.entry.outbox import ENTRY, LOCAL, PENDING, REMINDER, SENT, Outbox, OutboxRecord
from tothu_core.entry.reminders import (
    CALL,
    GROUP,
    HERE,
    IN_SHEET,
    SMS,
    WAITING,
    Reminder,
    ReminderBook,
    reminder_line,
)
from tothu_core.entry.submit import EntryWriter
from tothu_core.sheet.demo import write_workbook
from tothu_core.sheet.snapshot import SnapshotStore
from tothu_core.sheet.sources.gsheets import GoogleSheetSource
from tothu_core.sheet.sources.workbook import WorkbookSource

KEY = "1ReminderSheetKey_abcdefghijklmnopqrstuvwxyz0"
SEP = pd.Period("2016-09", freq="M")
NOW = datetime(2016, 10, 3, 9, 15)
HEADERS = ["Thời điểm", "Tháng", "Mã cán bộ", "Cách nhắc", "Các tổ", "Người nhắc",
           "Mã người nhắc", "Ghi chú", "Mã nhắc"]  # fmt: skip
ID_COLUMN = HEADERS.index("Mã nhắc")


def commune(*, reminders=True, headers=HEADERS) -> dict:
    raw = small_book()
    if reminders:
        raw["Nhắc nhở"] = [["SỔ THEO DÕI NHẮC BÁO CÁO"], list(headers)]
    return raw


def reminder(cadre_id="CB01", channel=CALL, at=NOW, by="CB02") -> Reminder:
    groups = {"CB01": ("T1",), "CB02": ("T2",)}[cadre_id]
    return Reminder(SEP, cadre_id, channel, at, groups, by_id=by, by_name="Trần Thị Bình")


def google_book(server, info, tmp_path, **options) -> ReminderBook:
    options = {"timeout": 2.0, "base_delay": 0.01, "give_up_after": 10.0, **options}
    source = GoogleSheetSource(
        KEY, credentials_info=info, http_adapter=server.http_adapter(), **options
    )
    return make_book(source, tmp_path)


def make_book(source, tmp_path) -> ReminderBook:
    store = SnapshotStore(source, ttl_seconds=3600)
    locks = MonthLocks(tmp_path, clock=lambda: NOW)
    writer = EntryWriter(store, outbox=Outbox.in_folder(tmp_path), locks=locks)
    return ReminderBook(store, writer=writer)


def ids_in_sheet(server) -> Counter:
    return Counter(row[ID_COLUMN] for row in server.values(KEY, "Nhắc nhở")[2:])


def dataset(book: ReminderBook):
    return book.store.get().snapshot.dataset


# -- Google Sheets -------------------------------------------------------------------------------


def test_a_reminder_lands_once_through_server_errors_and_lost_answers(
    fake_sheets, service_account_info, tmp_path
):
    fake_sheets.add_spreadsheet(KEY, commune())
    book = google_book(fake_sheets, service_account_info, tmp_path, max_attempts=4)
    ds = dataset(book)
    assert book.where(ds) is None
    fake_sheets.fail_next("append", status=503)
    fake_sheets.fail_next("append", status=500, apply=True)  # Google wrote it, the answer is lost
    fake_sheets.fail_next("append", drop=True, apply=True)
    fake_sheets.fail_next("get", status=500)
    result = book.record([reminder()], ds=ds)
    assert result.kept == IN_SHEET and not result.repeat, result.message
    assert ids_in_sheet(fake_sheets) == {reminder().reminder_id: 1}
    row = fake_sheets.values(KEY, "Nhắc nhở")[2]
    assert row[1:7] == ["09/2016", "CB01", "Gọi điện", "T1", "Trần Thị Bình", "CB02"]
    read = dataset(book).reminders
    assert read["reminder_id"].tolist() == [reminder().reminder_id]
    assert read["reminded_at"].tolist() == [pd.Timestamp(NOW)]
    assert read["groups"].tolist() == [("T1",)]
    assert book.outbox.get(reminder().reminder_id).status == SENT


def test_a_write_refused_for_quota_waits_and_the_retry_adds_nothing_twice(
    fake_sheets, service_account_info, tmp_path
):
    fake_sheets.add_spreadsheet(KEY, commune())
    book = google_book(fake_sheets, service_account_info, tmp_path, max_attempts=3)
    ds = dataset(book)
    fake_sheets.fail_next("append", status=429)  # a write does not wait for the next minute
    result = book.record([reminder()], ds=ds)
    assert result.kept == WAITING and "tự ghi lại" in result.message
    assert ids_in_sheet(fake_sheets) == {} and book.pending_count() == 1
    listed = book.listing(dataset(book), month=SEP)
    assert listed["kept"].tolist() == [WAITING]
    assert reminder_line(listed.iloc[0]).endswith("(đang chờ ghi vào bảng tính)")
    # The retry's answer is lost after Google wrote the row: the second try finds Mã nhắc.
    fake_sheets.fail_next("append", status=500, apply=True)
    report = book.retry_pending(idle_seconds=0)
    assert report.still_pending == 0 and book.pending_count() == 0
    assert ids_in_sheet(fake_sheets) == {reminder().reminder_id: 1}
    assert book.retry_pending(idle_seconds=0).sent == 0
    listed = book.listing(dataset(book), month=SEP)
    assert listed["kept"].tolist() == [IN_SHEET], "listed once, from the sheet"


def test_a_double_press_and_two_presses_at_once_record_one_reminder(
    fake_sheets, service_account_info, tmp_path
):
    fake_sheets.add_spreadsheet(KEY, commune())
    book = google_book(fake_sheets, service_account_info, tmp_path)
    ds = dataset(book)
    barrier = threading.Barrier(4)
    results = []

    def press(minute):
        barrier.wait()
        # Four presses in the same day: the same Mã nhắc whatever the minute.
        results.append(book.record([reminder(at=NOW.replace(minute=minute))], ds=ds))

    threads = [threading.Thread(target=press, args=(m,)) for m in (15, 15, 16, 59)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert ids_in_sheet(fake_sheets) == {reminder().reminder_id: 1}
    appends = fake_sheets.count("append")
    again = book.record([reminder(at=NOW.replace(hour=17))], ds=dataset(book))
    assert again.repeat and fake_sheets.count("append") == appends
    # Another channel, another person or another day is another reminder.
    book.record([reminder(channel=SMS)], ds=dataset(book))
    book.record([reminder(by="CB09")], ds=dataset(book))
    book.record([reminder(at=NOW.replace(day=4))], ds=dataset(book))
    assert len(ids_in_sheet(fake_sheets)) == 4 and set(ids_in_sheet(fake_sheets).values()) == {1}


def test_the_group_message_records_everyone_once(fake_sheets, service_account_info, tmp_path):
    fake_sheets.add_spreadsheet(KEY, commune())
    book = google_book(fake_sheets, service_account_info, tmp_path)
    both = [reminder("CB01", GROUP), reminder("CB02", GROUP)]
    assert book.record(both, ds=dataset(book)).count == 2
    # CB02 reported meanwhile: the list is shorter, CB01's reminder is already there.
    book.record([reminder("CB01", GROUP)], ds=dataset(book))
    assert ids_in_sheet(fake_sheets) == {r.reminder_id: 1 for r in both}


def test_a_sheet_shared_as_viewer_keeps_reminders_on_the_server(
    fake_sheets, service_account_info, tmp_path
):
    fake_sheets.add_spreadsheet(KEY, commune(), role="reader")
    book = google_book(fake_sheets, service_account_info, tmp_path)
    result = book.record([reminder()], ds=dataset(book))
    assert result.kept == HERE and "Bảng tính không cho ghi" in result.message
    assert book.outbox.get(reminder().reminder_id).status == LOCAL
    assert book.pending_count() == 0, "never retried against a sheet that refuses"
    listed = book.listing(dataset(book))
    assert listed["kept"].tolist() == [HERE]
    assert (
        reminder_line(listed.iloc[0]) == "03/10 09:15 · Gọi điện · Trần Thị Bình (lưu trên máy chủ)"
    )
    appends = fake_sheets.count("append")
    assert book.record([reminder()], ds=dataset(book)).repeat
    assert fake_sheets.count("append") == appends


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        (commune(reminders=False), "chưa có trang «Nhắc nhở»"),
        (commune(headers=HEADERS[:-1]), "chưa có cột «Mã nhắc»"),
    ],
)
def test_without_a_usable_tab_reminders_stay_here_and_the_sheet_is_not_touched(
    fake_sheets, service_account_info, tmp_path, raw, why
):
    fake_sheets.add_spreadsheet(KEY, raw)
    book = google_book(fake_sheets, service_account_info, tmp_path)
    ds = dataset(book)
    assert why in book.where(ds)
    fake_sheets.reset_log()
    result = book.record([reminder()], ds=ds)
    assert result.kept == HERE and fake_sheets.count() == 0
    assert book.listing(dataset(book))["reminder_id"].tolist() == [reminder().reminder_id]


# -- local workbooks and the sources that take no reminder ----------------------------------------


def test_a_local_workbook_open_in_excel_gets_the_reminder_once_it_is_closed(tmp_path):
    path = write_workbook(commune(), tmp_path / "so-lieu.xlsx")
    book = make_book(WorkbookSource(path), tmp_path / "data")
    owner = tmp_path / "~$so-lieu.xlsx"
    owner.write_bytes(b"\x00" * 162)  # Excel's owner file while the workbook is open
    result = book.record([reminder()], ds=dataset(book))
    assert result.kept == WAITING and "đóng tệp" in result.error
    assert dataset(book).reminders.empty
    owner.unlink()
    assert book.retry_pending(idle_seconds=0).still_pending == 0
    assert book.retry_pending(idle_seconds=0).sent == 0
    read = dataset(book)
    assert read.reminders["reminder_id"].tolist() == [reminder().reminder_id]
    assert read.reminders["channel"].tolist() == ["Gọi điện"] and not read.errors
    assert book.record([reminder()], ds=read).repeat
    assert len(dataset(book).reminders) == 1


def test_an_ods_file_and_the_demo_keep_reminders_here(tmp_path):
    ods = tmp_path / "so-lieu.ods"
    ods.write_bytes(b"")
    ods_book = make_book(WorkbookSource(ods), tmp_path / "ods")
    demo_path = write_workbook(commune(), tmp_path / "demo.xlsx")
    demo_book = make_book(WorkbookSource(demo_path, is_demo=True), tmp_path / "demo")
    ds = dataset(demo_book)
    assert "tệp so-lieu.ods" in ods_book.where(ds)
    assert "dữ liệu mẫu" in demo_book.where(ds)
    before = demo_path.read_bytes()
    assert demo_book.record([reminder()], ds=ds).kept == HERE
    assert demo_path.read_bytes() == before
    assert demo_book.listing(ds, cadre_id="CB01")["kept"].tolist() == [HERE]
    assert demo_book.listing(ds, cadre_id="CB02").empty


def test_reminders_and_entries_never_count_as_each_other(tmp_path):
    path = write_workbook(commune(), tmp_path / "so-lieu.xlsx")
    book = make_book(WorkbookSource(path), tmp_path / "data")
    (tmp_path / "~$so-lieu.xlsx").write_bytes(b"\x00" * 162)
    book.record([reminder()], ds=dataset(book))
    outbox = book.outbox
    identity = book.source_identity
    assert outbox.pending_count(identity, kind=REMINDER) == 1
    assert outbox.pending_count(identity) == 0, "the sidebar counts entries only"
    assert outbox.pending_groups(identity, "CB01", "09/2016") == {}
    assert book.writer.retry_pending(idle_seconds=0).sent == 0
    assert outbox.pending(identity) == [] and len(outbox.pending(identity, kind=REMINDER)) == 1


def test_an_outbox_from_before_kinds_reads_its_rows_as_entries(tmp_path):
    from tothu_core.entry import outbox as outbox_module

    path = tmp_path / "outbox.sqlite"
    old = outbox_module._SCHEMA.replace(",\n    kind            TEXT NOT NULL DEFAULT 'entry'", "")
    with sqlite3.connect(path) as db:
        db.executescript(old)
        db.execute(
            "INSERT INTO submissions (submission_id, source_identity, tab, key_column, rows_json,"
            " row_count, cadre_id, month, groups_json, created_at, status) VALUES "
            "('S1', 'x', 'Sinh hoạt', 0, '[]', 2, 'CB01', '09/2016', '[\"T1\"]', "
            "'2016-10-01T08:00:00', 'pending')"
        )
    box = Outbox(path)
    assert box.get("S1").kind == ENTRY and box.pending_count("x") == 2
    box.add(OutboxRecord("N1", "x", "Nhắc nhở", -1, [{"cadre_id": "CB01"}], "CB01", "09/2016",
                         ("T1",), NOW, kind=REMINDER))  # fmt: skip
    assert box.get("N1").kind == REMINDER and box.get("N1").status == PENDING
    assert box.pending_count("x") == 2 and box.pending_count("x", kind=REMINDER) == 1

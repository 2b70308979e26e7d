"""The outbox keeps records by column name, keeps misplaced submissions for the admin, and still
sends what an older version stored as positional rows."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

import openpyxl

from tests.entry.test_submit_sheets import KEY_COLUMN, MEETING_HEADERS, NOW, commune
from tothu_core.entry.month_lock import MonthLocks
from tothu_core.entry.outbox import MISPLACED, PENDING, SENT, Outbox, OutboxRecord
from tothu_core.entry.submit import EntryWriter
from tothu_core.sheet.demo import write_workbook
from tothu_core.sheet.snapshot import SnapshotStore
from tothu_core.sheet.sources.base import WriteTarget
from tothu_core.sheet.sources.workbook import WorkbookSource

SOURCE = "gsheets:KEY"
TARGET = WriteTarget(
    tab="meetings",
    title="Sinh hoạt",
    header_row=3,
    columns={"month": 1, "group_id": 2, "submission_id": 11},
    first_column=1,
    anchor_row=7,
    read_at=datetime(2026, 11, 20, 9, 0, 5),
)


def record(sid="S1", rows=None, target=TARGET, source=SOURCE) -> OutboxRecord:
    return OutboxRecord(
        submission_id=sid,
        source_identity=source,
        tab="Sinh hoạt",
        key_column=11,
        rows=rows
        or [
            {
                "month": "11/2026",
                "group_id": "T01A",
                "meeting_date": date(2026, 11, 10),
                "submitted_at": datetime(2026, 11, 20, 9, 30),
                "submission_id": f"{sid}-T01A",
            },
        ],  # fmt: skip
        cadre_id="CB01",
        month="11/2026",
        groups=("T01A",),
        created_at=datetime(2026, 11, 20, 9, 30),
        target=target,
    )


def test_records_and_their_target_survive_the_disk(tmp_path):
    Outbox(tmp_path / "o.sqlite").add(record())
    [again] = Outbox(tmp_path / "o.sqlite").pending(SOURCE)
    assert again.rows == record().rows
    assert type(again.rows[0]["meeting_date"]) is date
    assert again.target == TARGET


def test_a_misplaced_submission_waits_for_the_admin_not_for_the_retry_loop(tmp_path):
    outbox = Outbox(tmp_path / "o.sqlite")
    outbox.add(record())
    assert outbox.claim("S1")
    outbox.mark_misplaced("S1", error="Google Sheets đã nhận 1 dòng nhưng ghi vào dòng 2…")
    assert outbox.pending(SOURCE) == []
    assert outbox.pending_count(SOURCE) == 0
    [kept] = outbox.misplaced(SOURCE)
    assert (kept.status, kept.last_error) == (
        MISPLACED,
        "Google Sheets đã nhận 1 dòng nhưng ghi vào dòng 2…",
    )
    # The cadre's form still shows the group as kept, so nobody types it again.
    assert set(outbox.pending_groups(SOURCE, "CB01", "11/2026")) == {"T01A"}
    assert outbox.misplaced("gsheets:OTHER") == []

    assert outbox.release_misplaced("S1")
    assert not outbox.release_misplaced("S1")
    assert outbox.get("S1").status == PENDING
    assert outbox.misplaced(SOURCE) == []


def test_positional_rows_left_by_an_older_version_are_still_sent_under_their_headers(tmp_path):
    path = tmp_path / "so-lieu.xlsx"
    write_workbook(commune(3), path)
    source = WorkbookSource(path)
    writer = EntryWriter(
        SnapshotStore(source, ttl_seconds=3600),
        outbox=Outbox.in_folder(tmp_path),
        locks=MonthLocks(tmp_path, clock=lambda: NOW),
    )
    legacy = [None] * len(MEETING_HEADERS)
    for header, value in {"Tháng": "11/2026", "Mã tổ": "T01A", "Mã cán bộ": "CB01",
                          "Thời điểm nhập": NOW, "Mã phiếu": "OLD-T01A"}.items():  # fmt: skip
        legacy[MEETING_HEADERS.index(header)] = value
    writer.outbox.add(record("OLD", rows=[legacy], target=None, source=source.identity))
    report = writer.retry_pending()
    assert (report.sent, report.rows_added, report.still_pending) == (1, 1, 0)
    assert writer.outbox.get("OLD").status == SENT
    sheet = openpyxl.load_workbook(path)["Sinh hoạt"]
    keys = Counter(row[KEY_COLUMN] for row in sheet.iter_rows(min_row=4, values_only=True))
    assert keys == Counter({"OLD-T01A": 1})
    assert [c.value for c in sheet[4][1:4]] == ["11/2026", "T01A", "CB01"]

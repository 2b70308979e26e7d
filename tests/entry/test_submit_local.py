"""The write path into a local .xlsx workbook: 40 cadres at once, a locked file, a repeat."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import openpyxl
from filelock import FileLock

from tests.entry.test_submit_sheets import (
    CADRES,
    KEY_COLUMN,
    MEETING_HEADERS,
    NOW,
    commune,
    submission,
    viewer,
)
from tothu_core.entry.entries import build_rows
from tothu_core.entry.month_lock import MonthLocks
from tothu_core.entry.outbox import Outbox, OutboxRecord
from tothu_core.entry.submit import EntryWriter
from tothu_core.sheet.demo import write_workbook
from tothu_core.sheet.snapshot import SnapshotStore
from tothu_core.sheet.sources import localfile
from tothu_core.sheet.sources.workbook import WorkbookSource

HEADER_ROW = 3


def make_writer(tmp_path, data="data") -> EntryWriter:
    path = tmp_path / "so-lieu.xlsx"
    if not path.exists():
        write_workbook(commune(), path)
    store = SnapshotStore(WorkbookSource(path), ttl_seconds=3600)
    locks = MonthLocks(tmp_path / data, clock=lambda: NOW)
    return EntryWriter(store, outbox=Outbox.in_folder(tmp_path / data), locks=locks)


def entry_rows(path) -> list[tuple]:
    sheet = openpyxl.load_workbook(path)["Sinh hoạt"]
    assert [c.value for c in sheet[HEADER_ROW]] == MEETING_HEADERS
    return [tuple(c for c in row) for row in sheet.iter_rows(min_row=HEADER_ROW + 1)]


def ids(path) -> Counter:
    return Counter(row[KEY_COLUMN].value for row in entry_rows(path))


def test_forty_cadres_at_once_each_entry_once(tmp_path):
    writer = make_writer(tmp_path)
    ds = writer.store.get().snapshot.dataset
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

    assert all(r.sent and r.rows_added == 2 for r in results.values())
    found = ids(writer.store.source.path)
    assert found == Counter({f"P{c[2:]}-T{c[2:]}{s}": 1 for c in cadres for s in "AB"})
    assert writer.pending_count() == 0
    fresh = writer.store.get().snapshot.dataset
    assert len(fresh.meetings) == 2 * CADRES
    assert fresh.errors == []


def test_cells_are_typed_and_formula_like_text_stays_text(tmp_path):
    writer = make_writer(tmp_path)
    ds = writer.store.get().snapshot.dataset
    writer.submit(submission("CB01", situation="=1+1"), ds=ds, viewer=viewer("CB01"))
    met_row = entry_rows(writer.store.source.path)[0]
    by_header = dict(zip(MEETING_HEADERS, met_row, strict=True))
    assert by_header["Tháng"].value == "11/2026"
    assert by_header["Ngày họp"].value.date().isoformat() == "2026-11-10"
    assert by_header["Ngày họp"].number_format == "dd/mm/yyyy"
    assert by_header["Số hộ dự"].value == 21
    assert by_header["Thời điểm nhập"].value == NOW
    assert by_header["Tình hình"].value == "=1+1"
    assert by_header["Tình hình"].data_type == "s"


def test_a_locked_workbook_keeps_the_entries_pending_until_it_is_free(tmp_path, monkeypatch):
    monkeypatch.setattr(localfile, "LOCK_TIMEOUT_SECONDS", 0.2)
    writer = make_writer(tmp_path)
    ds = writer.store.get().snapshot.dataset
    path = writer.store.source.path
    with FileLock(f"{path}.lock"):
        result = writer.submit(submission("CB07"), ds=ds, viewer=viewer("CB07"))
    assert not result.sent
    assert "đang được người khác ghi quá lâu" in result.message
    assert writer.pending_count() == 2
    assert ids(path) == Counter()

    # Another session (a new writer on the same data folder) sends it on its next form load.
    later = make_writer(tmp_path)
    report = later.retry_pending()
    assert (report.sent, report.rows_added, report.still_pending) == (1, 2, 0)
    assert ids(path) == Counter({"P07-T07A": 1, "P07-T07B": 1})


def test_sending_again_from_another_outbox_adds_nothing(tmp_path):
    writer = make_writer(tmp_path)
    ds = writer.store.get().snapshot.dataset
    writer.submit(submission("CB08"), ds=ds, viewer=viewer("CB08"))
    other = make_writer(tmp_path, data="other-data")
    resent = other.submit(submission("CB08"), ds=ds, viewer=viewer("CB08"))
    assert (resent.sent, resent.rows_added) == (True, 0)
    assert ids(writer.store.source.path) == Counter({"P08-T08A": 1, "P08-T08B": 1})


def test_a_double_click_writes_once_and_both_presses_hear_it_was_written(tmp_path):
    writer = make_writer(tmp_path)
    ds = writer.store.get().snapshot.dataset
    barrier = threading.Barrier(2)
    results = []

    def press():
        barrier.wait()
        results.append(writer.submit(submission("CB09"), ds=ds, viewer=viewer("CB09")))

    threads = [threading.Thread(target=press) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted((r.sent, r.repeat) for r in results) == [(True, False), (True, True)]
    assert "không tạo bản trùng" in next(r for r in results if r.repeat).message
    assert ids(writer.store.source.path) == Counter({"P09-T09A": 1, "P09-T09B": 1})


def test_a_press_while_another_sender_holds_the_submission_says_it_is_on_its_way(tmp_path):
    writer = make_writer(tmp_path)
    writer.wait_seconds = 0.3
    ds = writer.store.get().snapshot.dataset
    other = submission("CB11")
    plan = build_rows(ds, other)
    # Another process stored this very submission and is sending it right now.
    writer.outbox.add(
        OutboxRecord(
            submission_id=other.submission_id,
            source_identity=writer.source_identity,
            tab=plan.tab,
            key_column=plan.target.columns[plan.key],
            rows=plan.records,
            target=plan.target,
            cadre_id="CB11",
            month="11/2026",
            groups=("T11A", "T11B"),
            created_at=NOW,
        )
    )
    assert writer.outbox.claim(other.submission_id)
    result = writer.submit(other, ds=ds, viewer=viewer("CB11"))
    assert (result.sent, result.in_progress) == (False, True)
    assert result.message == (
        "2 báo cáo này đang được gửi vào bảng tính; đồng chí không cần gửi lại."
    )
    assert ids(writer.store.source.path) == Counter()


CRASHING_WRITER = """
import sys, time
from pathlib import Path
from tests.entry.test_submit_local import make_writer
from tests.entry.test_submit_sheets import submission, viewer
from tothu_core.sheet.sources import zipfmt

def hang(*args, **kwargs):  # the new file is half written when the process is killed
    Path(args[2].name).write_bytes(b"PK half a workbook")
    print("writing", flush=True)
    time.sleep(600)

zipfmt.write_archive = hang
writer = make_writer(Path(sys.argv[1]))
ds = writer.store.get().snapshot.dataset
writer.submit(submission("CB05"), ds=ds, viewer=viewer("CB05"))
"""


def test_a_writer_killed_mid_save_leaves_nothing_and_its_entries_go_out_at_restart(tmp_path):
    root = Path(__file__).resolve().parents[2]
    make_writer(tmp_path)  # the workbook, as the office has it
    before = (tmp_path / "so-lieu.xlsx").read_bytes()
    child = subprocess.Popen(
        [sys.executable, "-c", CRASHING_WRITER, str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    try:
        assert child.stdout.readline().strip() == "writing"
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    leftovers = list(tmp_path.glob(".so-lieu-*.xlsx.tmp"))
    assert len(leftovers) == 1 and (tmp_path / "so-lieu.xlsx").read_bytes() == before

    # The server starts again: the half-written file goes, and the claim of the dead process
    # does not hold the entries for CLAIM_SECONDS.
    restarted = make_writer(tmp_path)
    restarted.store.get()
    assert not list(tmp_path.glob(".so-lieu-*.xlsx.tmp"))
    assert restarted.pending_count() == 2
    report = restarted.retry_pending()
    assert (report.sent, report.rows_added, report.still_pending) == (1, 2, 0)
    assert ids(tmp_path / "so-lieu.xlsx") == Counter({"P05-T05A": 1, "P05-T05B": 1})


def test_a_claim_of_a_live_process_is_respected(tmp_path):
    writer = make_writer(tmp_path)
    ds = writer.store.get().snapshot.dataset
    other = submission("CB12")
    plan = build_rows(ds, other)
    writer.outbox.add(
        OutboxRecord(
            submission_id=other.submission_id,
            source_identity=writer.source_identity,
            tab=plan.tab,
            key_column=plan.target.columns[plan.key],
            rows=plan.records,
            target=plan.target,
            cadre_id="CB12",
            month="11/2026",
            groups=("T12A", "T12B"),
            created_at=NOW,
        )
    )
    assert writer.outbox.claim(other.submission_id)  # this very process holds it
    assert make_writer(tmp_path).retry_pending().sent == 0


def test_an_outbox_from_before_claims_named_their_process_still_works(tmp_path):
    import sqlite3

    from tothu_core.entry import outbox as outbox_module

    path = tmp_path / "outbox.sqlite"
    old_schema = outbox_module._SCHEMA.replace(",\n    claimed_by      TEXT", "")
    with sqlite3.connect(path) as db:
        db.executescript(old_schema)
    box = Outbox(path)
    record = OutboxRecord("S1", "workbook:x", "Sinh hoạt", 0, [["S1-T1"]], "CB01", "11/2026",
                          ("T1",), NOW)  # fmt: skip
    box.add(record)
    assert box.claim("S1") and not box.claim("S1")

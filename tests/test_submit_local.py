"""The write path into a local .xlsx workbook: 40 cadres at once, a locked file, a repeat."""

from __future__ import annotations

import threading
from collections import Counter

import openpyxl
from filelock import FileLock

from tests.test_submit_sheets import (
    CADRES,
    KEY_COLUMN,
    MEETING_HEADERS,
    NOW,
    commune,
    submission,
    viewer,
)
from tothu_core.demo import write_workbook
from tothu_core.month_lock import MonthLocks
from tothu_core.outbox import Outbox
from tothu_core.snapshot import SnapshotStore
from tothu_core.sources import workbook as workbook_module
from tothu_core.sources.workbook import WorkbookSource
from tothu_core.submit import EntryWriter

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
    monkeypatch.setattr(workbook_module, "LOCK_TIMEOUT_SECONDS", 0.2)
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

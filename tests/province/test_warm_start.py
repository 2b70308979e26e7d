"""A restarted commune app serves its last read from the data dir while the source is unchanged.

Real parts: the generated demo workbook on disk, WorkbookSource's own version (mtime and
size), the reader, and the DuckDB file the app keeps; only the read count is observed.
"""

from __future__ import annotations

import datetime as dt
import os
import time

import pandas as pd
import pytest

from tothu_core.province import warm as warm_module
from tothu_core.province.store import DATASET_FRAMES
from tothu_core.province.warm import WARM_FILE_NAME, WarmStart
from tothu_core.sheet.demo import generate_workbook, write_workbook
from tothu_core.sheet.snapshot import SnapshotStore
from tothu_core.sheet.sources.workbook import WorkbookSource

TODAY = dt.date(2027, 1, 20)


class CountingWorkbook(WorkbookSource):
    """The office's workbook, counting how often its cells are read."""

    def __init__(self, path):
        super().__init__(path)
        self.cell_reads = 0

    def read_raw(self):
        self.cell_reads += 1
        return super().read_raw()


@pytest.fixture
def workbook(tmp_path):
    return write_workbook(
        generate_workbook(months=6, end_month="10/2026", today=TODAY), tmp_path / "xa.xlsx"
    )


def app_start(path, data_dir, *, save=True, read_options=None):
    """What pages/_shared.py does when the server starts: a new SnapshotStore on the source."""
    source = CountingWorkbook(path)
    warm = WarmStart(data_dir, source.identity, read_options=read_options)
    snapshots = SnapshotStore(
        source,
        warm_start=warm.load,
        on_read=warm.save if save else None,
        read_options=read_options,
    )
    return source, snapshots


def assert_same(a, b):
    for name in DATASET_FRAMES:
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True)
    assert a.problems == b.problems
    assert a.layouts == b.layouts
    assert (a.source_label, a.read_at) == (b.source_label, b.read_at)


def test_a_restart_serves_the_saved_read_without_reading_the_source(workbook, tmp_path):
    data_dir = tmp_path / "data"
    source, first = app_start(workbook, data_dir)
    read = first.get().snapshot.dataset
    assert source.cell_reads == 1
    assert (data_dir / WARM_FILE_NAME).exists()

    again, restarted = app_start(workbook, data_dir)
    state = restarted.get()

    assert again.cell_reads == 0
    assert (restarted.reads, restarted.warm_starts) == (0, 1)
    assert state.error is None
    assert_same(state.snapshot.dataset, read)


def test_a_changed_file_is_read_again_after_a_restart(workbook, tmp_path):
    data_dir = tmp_path / "data"
    _, first = app_start(workbook, data_dir)
    old = first.get().snapshot.dataset
    # The office saves the workbook with two more months of entries.
    write_workbook(generate_workbook(months=8, end_month="12/2026", today=TODAY), workbook)
    os.utime(workbook, ns=(time.time_ns(), time.time_ns() + 10**9))

    source, restarted = app_start(workbook, data_dir)
    new = restarted.get().snapshot.dataset

    assert source.cell_reads == 1 and restarted.warm_starts == 0
    assert new.meetings["month"].max() == pd.Period("2026-12", "M")
    assert old.meetings["month"].max() == pd.Period("2026-10", "M")

    # ...and that read is what the next restart serves.
    third_source, third = app_start(workbook, data_dir)
    assert_same(third.get().snapshot.dataset, new)
    assert third_source.cell_reads == 0


def test_a_write_before_the_first_visit_still_reads_the_source(workbook, tmp_path):
    data_dir = tmp_path / "data"
    app_start(workbook, data_dir)[1].get()

    source, restarted = app_start(workbook, data_dir)
    restarted.invalidate()
    restarted.get()

    assert source.cell_reads == 1 and restarted.warm_starts == 0


def test_a_forced_refresh_reads_the_source(workbook, tmp_path):
    data_dir = tmp_path / "data"
    app_start(workbook, data_dir)[1].get()

    source, restarted = app_start(workbook, data_dir)
    restarted.get(force=True)

    assert source.cell_reads == 1 and restarted.warm_starts == 0


def test_other_read_options_or_another_reader_read_again(workbook, tmp_path, monkeypatch):
    data_dir = tmp_path / "data"
    app_start(workbook, data_dir, read_options={"max_groups_per_cadre": 5})[1].get()

    source, other_options = app_start(workbook, data_dir, read_options={"max_groups_per_cadre": 9})
    other_options.get()
    assert source.cell_reads == 1

    monkeypatch.setattr(warm_module, "reader_fingerprint", lambda: "a-newer-reader")
    source, new_release = app_start(workbook, data_dir, read_options={"max_groups_per_cadre": 9})
    new_release.get()
    assert source.cell_reads == 1


def test_a_source_without_a_version_is_always_read(workbook, tmp_path, monkeypatch):
    monkeypatch.setattr(CountingWorkbook, "version", lambda self: None)
    data_dir = tmp_path / "data"
    app_start(workbook, data_dir)[1].get()

    source, restarted = app_start(workbook, data_dir)
    restarted.get()

    assert source.cell_reads == 1 and restarted.warm_starts == 0


def test_a_damaged_saved_copy_only_costs_a_real_read(workbook, tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / WARM_FILE_NAME).write_bytes(b"not a database at all" * 100)

    source, snapshots = app_start(workbook, data_dir)
    state = snapshots.get()

    assert source.cell_reads == 1
    assert state.error is None and len(state.snapshot.dataset.groups) == 102


def test_the_app_saves_in_the_background(workbook, tmp_path):
    data_dir = tmp_path / "data"
    source = CountingWorkbook(workbook)
    warm = WarmStart(data_dir, source.identity)
    snapshots = SnapshotStore(source, warm_start=warm.load, on_read=warm.save_in_background)
    read = snapshots.get().snapshot.dataset

    deadline = time.monotonic() + 30
    while warm.load(source.version()) is None and time.monotonic() < deadline:
        time.sleep(0.05)

    assert_same(warm.load(source.version()), read)


def test_the_app_after_a_restart_shows_the_same_page_without_reading(monkeypatch, tmp_path):
    """The app itself (AppTest of app.py): a server restart is a cleared resource cache."""
    import streamlit as st

    from tests.app_support import app, use_workbook
    from tests.figures.test_assignment_view import leadership_book
    from tothu_core.province.store_duckdb import DuckDBStore

    path = use_workbook(monkeypatch, leadership_book(), tmp_path)
    reads = []
    real_read = WorkbookSource.read_raw

    def counted(self):
        reads.append(self.path)
        return real_read(self)

    monkeypatch.setattr(WorkbookSource, "read_raw", counted)
    st.cache_resource.clear()
    first = app(cadre="CB01", query={"thang": "10-2016"})
    assert not first.exception and reads == [path]
    shown = {m.label: m.value for m in first.metric}
    saved = DuckDBStore(tmp_path / "data" / WARM_FILE_NAME)
    deadline = time.monotonic() + 30
    while saved.status().empty and time.monotonic() < deadline:
        time.sleep(0.05)

    st.cache_resource.clear()
    again = app(cadre="CB01", query={"thang": "10-2016"})

    assert not again.exception
    assert {m.label: m.value for m in again.metric} == shown
    assert reads == [path]
    st.cache_resource.clear()

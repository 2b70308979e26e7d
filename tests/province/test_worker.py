"""The app's background sync: one run at a time, progress visible while it runs, a failing
run reported to the page instead of raised, runs repeated by the interval; and the real job
syncing CSV communes into DuckDB."""

from __future__ import annotations

import threading
import time

from tests.province.sync_support import commune_book, write_registry
from tests.sheets import write_csv_folder
from tothu_core.clock import office_now
from tothu_core.errors import SourceError
from tothu_core.province.store import open_store
from tothu_core.province.sync import DONE, READING, UNCHANGED, CommuneSync, SyncReport
from tothu_core.province.worker import SyncWorker, province_job


class GatedJob:
    """A job that shows one commune reading and waits for the test to let it finish."""

    def __init__(self):
        self.runs = 0
        self.forced = []
        self.started = threading.Event()
        self.release = threading.Event()

    def __call__(self, progress, force):
        self.runs += 1
        self.forced.append(force)
        report = SyncReport(started=office_now(), communes=[CommuneSync("X1", "Xã 1")])
        report.communes[0].state = READING
        progress(report.copy())
        self.started.set()
        assert self.release.wait(10)
        report.communes[0].state = DONE
        report.finished = office_now()
        return report


def test_a_second_run_now_while_running_starts_nothing():
    job = GatedJob()
    worker = SyncWorker(job, interval=None)
    try:
        assert worker.run_now(force=True) is True
        assert job.started.wait(10)
        seen = worker.progress()
        assert seen.running and seen.report.communes[0].state == READING

        assert worker.run_now() is False
        assert worker.run_now(force=True) is False

        job.release.set()
        assert worker.wait(10)
        done = worker.progress()
        assert not done.running and done.report.communes[0].state == DONE
        assert done.error is None and done.last_finished is not None and done.next_run is None
        assert job.runs == 1 and job.forced == [True]
        assert worker.run_now() is True  # idle again: a new run may start
        assert worker.wait(10) and job.runs == 2
    finally:
        job.release.set()
        worker.stop()


def test_a_failing_run_is_reported_not_raised():
    calls = []

    def job(progress, force):
        calls.append(force)
        if len(calls) == 1:
            raise SourceError("Không mở được danh sách xã.")
        raise KeyError("commune")

    worker = SyncWorker(job, interval=None)
    try:
        assert worker.run_now() and worker.wait(10)
        first = worker.progress()
        assert not first.running
        assert first.error.startswith("Đồng bộ dừng giữa chừng vì lỗi: Không mở được danh sách xã")
        assert "vẫn được giữ" in first.error
        assert worker.run_now() and worker.wait(10)
        assert "KeyError" in worker.progress().error  # the thread survived the first failure
    finally:
        worker.stop()


def test_the_interval_repeats_runs():
    runs = []

    def job(progress, force):
        runs.append(force)
        return SyncReport(started=office_now(), finished=office_now())

    worker = SyncWorker(job, interval=0.05).start()
    try:
        deadline = time.monotonic() + 10
        while len(runs) < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(runs) >= 3 and not any(runs)
        assert worker.progress().next_run is not None
        assert worker.start() is worker  # a second start starts no second thread
    finally:
        worker.stop()


def test_start_without_a_first_run_waits_for_a_request():
    runs = []
    worker = SyncWorker(lambda progress, force: runs.append(force), interval=None)
    try:
        worker.start(run_first=False)
        time.sleep(0.2)
        assert runs == [] and not worker.progress().running
    finally:
        worker.stop()


def test_province_job_syncs_the_registry_as_it_is_at_each_run(tmp_path):
    write_csv_folder(commune_book("C1"), tmp_path / "c1")
    write_csv_folder(commune_book("C2"), tmp_path / "c2")
    registry = write_registry(tmp_path / "xa.csv", [("C1", "Xã Một", "c1")])
    store = open_store(None, tmp_path / "kho")
    worker = SyncWorker(province_job(registry, store, environ={}), interval=None)
    try:
        assert worker.run_now() and worker.wait(60)
        first = worker.progress()
        assert first.error is None, first.error
        assert [(c.code, c.state) for c in first.report.communes] == [("C1", DONE)]

        write_registry(registry, [("C1", "Xã Một", "c1"), ("C2", "Xã Hai", "c2")])
        assert worker.run_now() and worker.wait(60)
        second = worker.progress().report
        assert [(c.code, c.state) for c in second.communes] == [("C1", UNCHANGED), ("C2", DONE)]
        assert set(store.read_table("dataset.groups")["commune"]) == {"C1", "C2"}
    finally:
        worker.stop()


def test_a_bad_pace_is_the_run_s_sentence_not_the_page_s_error(tmp_path):
    registry = write_registry(tmp_path / "xa.csv", [("C1", "Xã Một", "c1")])
    secrets = {"store": {"requests_per_minute": "nhanh"}}
    job = province_job(registry, open_store(None, tmp_path / "kho"), secrets=secrets, environ={})
    worker = SyncWorker(job, interval=None)
    try:
        assert worker.run_now() and worker.wait(60)
        assert "requests_per_minute" in worker.progress().error
    finally:
        worker.stop()

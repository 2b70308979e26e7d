"""The app's background sync: one thread that syncs the province now and then, on request.

A page asks `progress()` (a copy: which communes, when, what failed) and may press
`run_now()`; a run already going is never doubled, and nothing the sync raises reaches the
page (it becomes `SyncProgress.error`, a Vietnamese sentence).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from tothu_core.clock import office_now
from tothu_core.errors import TothuError
from tothu_core.province.sync import Connections, SyncReport, requests_per_minute, sync_province

#: an hour between runs: a commune's sheet changes a few times a day, and an unchanged
#: province costs one Drive request per commune
DEFAULT_INTERVAL_SECONDS = 3600.0
STOPPED = "Đồng bộ dừng giữa chừng vì lỗi: {error}. Số liệu đã đồng bộ trước đó vẫn được giữ."

#: job(progress, force) -> SyncReport: one whole run
Job = Callable[[Callable[[SyncReport], None], bool], SyncReport]


@dataclass(frozen=True)
class SyncProgress:
    """What a page shows: the run going on (or the last one) and when the next starts."""

    running: bool
    report: SyncReport | None
    #: the sentence when the last run stopped before its end, None otherwise
    error: str | None
    last_finished: datetime | None
    next_run: datetime | None


class SyncWorker:
    """Runs `job` on a daemon thread: at `start()`, then every `interval` seconds (None:
    only when asked), and at `run_now()`. One run at a time."""

    def __init__(self, job: Job, *, interval: float | None = DEFAULT_INTERVAL_SECONDS):
        self.job = job
        self.interval = interval
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._idle = threading.Event()
        self._idle.set()
        self._stop = False
        self._thread: threading.Thread | None = None
        self._running = False
        self._pending_force: bool | None = None
        self._report: SyncReport | None = None
        self._error: str | None = None
        self._last_finished: datetime | None = None
        self._next_run: datetime | None = None

    def start(self, *, run_first: bool = True) -> SyncWorker:
        """Start the thread once (later calls do nothing); it runs at once unless told not."""
        with self._lock:
            if self._thread is not None:
                return self
            if run_first:
                self._pending_force = False
                self._idle.clear()
            self._thread = threading.Thread(target=self._loop, name="tothu-sync", daemon=True)
            self._thread.start()
        if run_first:
            self._wake.set()
        return self

    def run_now(self, *, force: bool = False) -> bool:
        """Ask for a run now; False (and nothing started) when one is already going or asked."""
        with self._lock:
            if self._running or self._pending_force is not None:
                return False
            self._pending_force = force
            self._idle.clear()
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="tothu-sync", daemon=True)
                self._thread.start()
        self._wake.set()
        return True

    def progress(self) -> SyncProgress:
        with self._lock:
            return SyncProgress(
                running=self._running or self._pending_force is not None,
                report=None if self._report is None else self._report.copy(),
                error=self._error,
                last_finished=self._last_finished,
                next_run=self._next_run,
            )

    def wait(self, timeout: float | None = None) -> bool:
        """Block until no run is going or asked (for the command line and tests)."""
        return self._idle.wait(timeout)

    def stop(self, timeout: float = 5.0) -> None:
        with self._lock:
            self._stop = True
            thread = self._thread
        self._wake.set()
        if thread is not None:
            thread.join(timeout)

    # -- the thread ---------------------------------------------------------------------------

    def _loop(self) -> None:
        while True:
            woke = self._wake.wait(self.interval)
            with self._lock:
                if self._stop:
                    self._idle.set()
                    return
                self._wake.clear()
                force = self._pending_force
                if force is None and woke:
                    continue
                self._pending_force = None
                self._running = True
                self._idle.clear()
                self._error = None
            self._run(bool(force))

    def _run(self, force: bool) -> None:
        def seen(report: SyncReport) -> None:
            with self._lock:
                self._report = report

        try:
            report = self.job(seen, force)
            seen(report)
        except Exception as exc:  # the page keeps working, and says why the run stopped
            detail = str(exc) if isinstance(exc, TothuError) else f"{type(exc).__name__}: {exc}"
            with self._lock:
                self._error = STOPPED.format(error=detail.rstrip("."))
        finally:
            with self._lock:
                self._running = False
                self._last_finished = office_now()
                self._next_run = (
                    None
                    if self.interval is None
                    else self._last_finished + timedelta(seconds=self.interval)
                )
                if self._pending_force is None:
                    self._idle.set()


def province_job(
    registry_path: Path,
    store,
    *,
    secrets: Mapping | None = None,
    environ: Mapping | None = None,
    connections: Connections | None = None,
    deadline_day: int | None = None,
) -> Job:
    """The job the app's worker runs: the registry read afresh each time (the admin may have
    changed it), pacers and sources kept from one run to the next."""
    from tothu_core.province.registry import load_registry

    environ = os.environ if environ is None else environ
    kept = [connections]

    def job(progress: Callable[[SyncReport], None], force: bool) -> SyncReport:
        # Built at the first run, not here: a bad `[store] requests_per_minute` becomes the
        # run's sentence on the page instead of an error while the page starts the worker.
        if kept[0] is None:
            kept[0] = Connections(requests_per_minute=requests_per_minute(secrets))
        return sync_province(
            load_registry(registry_path),
            store,
            secrets=secrets,
            environ=environ,
            force=force,
            progress=progress,
            connections=kept[0],
            deadline_day=deadline_day,
        )

    return job

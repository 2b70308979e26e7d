"""The shared snapshot: many sessions, one read; a failed refresh keeps the last good data."""

from __future__ import annotations

import threading
import time

import pytest

from tests.sheets import small_book
from tothu_core.errors import SourceUnavailable
from tothu_core.sheet.snapshot import SnapshotStore
from tothu_core.sheet.sources.base import Source

SESSIONS = 20
TTL = 60.0
DOWN = "Chưa đọc được Google Sheets vì máy chủ Google đang gặp lỗi; đã thử 5 lần."


class CountingSource(Source):
    """A small clean commune that counts its reads; a read takes `delay` seconds."""

    kind = "counting"

    def __init__(self, *, delay: float = 0.0) -> None:
        self.delay = delay
        self.reads = 0
        self.failing = False
        self._lock = threading.Lock()

    @property
    def label(self) -> str:
        return "Bảng tính đếm lượt đọc"

    def read_raw(self):
        with self._lock:
            self.reads += 1
        time.sleep(self.delay)
        if self.failing:
            raise SourceUnavailable(DOWN)
        return small_book()

    def append_rows(self, tab, rows, *, key_column=None, known_new=False) -> int:
        raise NotImplementedError


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


def at_once(count: int, call) -> list:
    """Run `call` in `count` threads released together; their results, in no order."""
    barrier = threading.Barrier(count)
    results, failures = [], []

    def run() -> None:
        barrier.wait()
        try:
            results.append(call())
        except Exception as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not failures, failures
    assert len(results) == count
    return results


def test_twenty_sessions_at_once_cause_one_read():
    source = CountingSource(delay=0.2)
    store = SnapshotStore(source, ttl_seconds=TTL)

    states = at_once(SESSIONS, store.get)

    assert source.reads == 1
    assert store.reads == 1
    assert len({id(state.snapshot) for state in states}) == 1
    assert all(state.error is None and not state.refreshing_failed for state in states)
    assert set(states[0].snapshot.dataset.groups["group_id"]) == {"T1", "T2"}


def test_a_young_snapshot_is_served_without_reading(clock):
    source = CountingSource()
    store = SnapshotStore(source, ttl_seconds=TTL, clock=clock)
    first = store.get().snapshot
    clock.now += TTL - 1

    assert store.get().snapshot is first
    assert source.reads == 1


def test_an_expired_snapshot_is_read_once_more_for_all_sessions(clock):
    source = CountingSource(delay=0.1)
    store = SnapshotStore(source, ttl_seconds=TTL, clock=clock)
    first = store.get().snapshot
    clock.now += TTL

    states = at_once(SESSIONS, store.get)

    assert source.reads == 2
    assert {state.snapshot.version for state in states} == {first.version + 1}
    assert store.get().snapshot.version == first.version + 1
    assert source.reads == 2


def test_a_failed_refresh_keeps_the_last_good_snapshot_and_reports_why(clock):
    source = CountingSource()
    store = SnapshotStore(source, ttl_seconds=TTL, clock=clock)
    good = store.get().snapshot
    source.failing = True
    clock.now += TTL

    state = store.get()

    assert state.snapshot is good
    assert state.refreshing_failed
    assert isinstance(state.error, SourceUnavailable)
    assert str(state.error) == DOWN
    assert store.last_error is state.error
    # The broken source is not hammered: the next try waits another TTL.
    clock.now += TTL - 1
    assert store.get().snapshot is good
    assert source.reads == 2

    source.failing = False
    clock.now += 1
    recovered = store.get()
    assert source.reads == 3
    assert recovered.error is None and not recovered.refreshing_failed
    assert recovered.snapshot.version == good.version + 1
    assert store.last_error is None


def test_without_any_good_snapshot_a_failure_is_retried_after_a_pause(clock):
    source = CountingSource()
    source.failing = True
    store = SnapshotStore(source, ttl_seconds=TTL, clock=clock)

    state = store.get()
    assert state.snapshot is None
    assert isinstance(state.error, SourceUnavailable)
    clock.now += 29
    assert store.get().snapshot is None
    assert source.reads == 1

    source.failing = False
    clock.now += 1
    assert store.get().snapshot is not None
    assert source.reads == 2


def test_invalidate_makes_the_next_get_read_once(clock):
    source = CountingSource(delay=0.05)
    store = SnapshotStore(source, ttl_seconds=TTL, clock=clock)
    first = store.get().snapshot

    store.invalidate()
    states = at_once(SESSIONS, store.get)

    assert source.reads == 2
    assert {state.snapshot.version for state in states} == {first.version + 1}
    store.get()
    assert source.reads == 2


def test_force_reads_even_a_young_snapshot(clock):
    source = CountingSource()
    store = SnapshotStore(source, ttl_seconds=TTL, clock=clock)
    first = store.get().snapshot

    forced = store.get(force=True).snapshot

    assert source.reads == 2
    assert forced.version == first.version + 1
    assert store.get().snapshot is forced


def test_a_figure_is_computed_once_for_twenty_sessions_at_once():
    snapshot = SnapshotStore(CountingSource(), ttl_seconds=TTL).get().snapshot
    computed = []

    def slow_figure():
        computed.append(1)
        time.sleep(0.2)
        return {"groups": 2}

    values = at_once(SESSIONS, lambda: snapshot.memo(("overview", "09/2016"), slow_figure))

    assert len(computed) == 1
    assert all(value is values[0] for value in values)
    assert snapshot.memo(("overview", "09/2016"), slow_figure) is values[0]
    assert len(computed) == 1


def test_a_new_snapshot_starts_with_no_memoised_figures(clock):
    store = SnapshotStore(CountingSource(), ttl_seconds=TTL, clock=clock)
    old = store.get().snapshot
    old.memo("overview", lambda: "old")
    clock.now += TTL

    new = store.get().snapshot

    assert new.memo("overview", lambda: "new") == "new"


def _wait_until(predicate, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_background_mode_serves_an_aged_snapshot_at_once_and_reads_once_behind(clock):
    source = CountingSource()
    store = SnapshotStore(source, ttl_seconds=TTL, clock=clock, background=True)
    first = store.get().snapshot
    assert source.reads == 1

    clock.now += TTL + 1
    source.delay = 0.5  # a slow sheet: nobody should wait for it
    started = time.monotonic()
    served = at_once(SESSIONS, lambda: store.get().snapshot)
    assert time.monotonic() - started < 0.4
    assert all(s is first for s in served)

    _wait_until(lambda: store.get().snapshot is not first)
    assert source.reads == 2  # twenty visitors, one read behind them
    assert store.get().snapshot.version == first.version + 1


def test_background_mode_still_waits_after_a_write_and_keeps_data_when_the_read_fails(clock):
    source = CountingSource()
    store = SnapshotStore(source, ttl_seconds=TTL, clock=clock, background=True)
    first = store.get().snapshot
    store.invalidate()
    assert store.get().snapshot.version == first.version + 1  # read now, not behind

    clock.now += TTL + 1
    source.failing = True
    aged = store.get()
    assert aged.error is None and aged.snapshot.version == first.version + 1
    _wait_until(lambda: store.get().error is not None)
    state = store.get()
    assert state.snapshot.version == first.version + 1
    assert str(state.error) == DOWN

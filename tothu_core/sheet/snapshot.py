"""One shared, refreshed-on-age snapshot of the source for every session of the app.

The app holds one SnapshotStore per source (in `st.cache_resource`), so 20 people opening
the overview at once cause one read, not 20. A refresh that fails keeps the last good
snapshot and records the error for the page to show. Figures computed from a snapshot
are memoised with it, so a rerun or a second visitor never recomputes them.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import datetime

from tothu_core.clock import office_now
from tothu_core.errors import TothuError
from tothu_core.sheet.dataset import Dataset
from tothu_core.sheet.load import load_dataset
from tothu_core.sheet.sources.base import Source

_log = logging.getLogger(__name__)
# Without any good snapshot, a broken source is retried at most this often (each try may
# take the source's whole give-up time).
_RETRY_SECONDS = 30.0
# Memoised figures kept per snapshot; enough for every page × a few filter choices.
_MEMO_SIZE = 256


@dataclass
class Snapshot:
    dataset: Dataset
    version: int
    read_at: datetime
    loaded_monotonic: float
    _memo: OrderedDict = field(default_factory=OrderedDict, repr=False)
    _memo_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _computing: dict = field(default_factory=dict, repr=False)

    def memo(self, key: Hashable, compute: Callable[[], object]):
        """Compute once per snapshot; callers must not mutate what they get back.

        Sessions asking for the same figure at the same moment wait for one computation
        instead of each running it (20 visitors would otherwise cost 20 times the CPU).
        """
        with self._memo_lock:
            if key in self._memo:
                self._memo.move_to_end(key)
                return self._memo[key]
            in_flight = self._computing.setdefault(key, threading.Lock())
        with in_flight:
            with self._memo_lock:
                if key in self._memo:
                    return self._memo[key]
            try:
                value = compute()
            finally:
                with self._memo_lock:
                    self._computing.pop(key, None)
            with self._memo_lock:
                self._memo[key] = value
                while len(self._memo) > _MEMO_SIZE:
                    self._memo.popitem(last=False)
        return value


@dataclass(frozen=True)
class SnapshotState:
    """What a page needs to show: the data, and whether it is stale and why."""

    snapshot: Snapshot | None
    error: TothuError | None
    refreshing_failed: bool


class SnapshotStore:
    def __init__(
        self,
        source: Source,
        *,
        ttl_seconds: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = office_now,
        background: bool = False,
        read_options: dict | None = None,
        warm_start: Callable[[str], Dataset | None] | None = None,
        on_read: Callable[[Dataset, str | None], None] | None = None,
    ) -> None:
        self.source = source
        # A restart need not wait for a slow source: the first read asks `warm_start` for
        # the Dataset saved under the source's current version (None: not saved / changed);
        # `on_read` saves each real read with the version taken just before it. Injected
        # by the app (the sheet layer knows no store).
        self.warm_start = warm_start
        self.on_read = on_read
        self.warm_starts = 0
        # Passed on to `load_dataset` (the office's maximum groups per cadre, say).
        self.read_options = dict(read_options or {})
        # Serve an aged snapshot at once and re-read in a background thread, so nobody waits
        # for a slow sheet (20 s at province scale) just because the TTL ran out. A first
        # read, a forced refresh and a read after invalidate() still wait for fresh data.
        self.background = background
        self._refreshing = False
        self.ttl_seconds = ttl_seconds
        self._clock = clock
        self._now = now
        self._lock = threading.Lock()
        self._count_lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._error: TothuError | None = None
        # invalidate() calls so far, and how many of them the last read attempt had seen.
        self._invalidations = 0
        self._covered = 0
        self._versions = 0
        self._failed_at: float | None = None
        self.reads = 0

    def _fresh(self) -> bool:
        """True when no read is due: a young snapshot, or a failure too recent to retry."""
        if self._covered != self._invalidations:
            return False
        age_limit = self.ttl_seconds
        if self._snapshot is not None:
            return self._clock() - self._snapshot.loaded_monotonic < age_limit
        if self._failed_at is not None:
            return self._clock() - self._failed_at < min(age_limit, _RETRY_SECONDS)
        return False

    def _state(self) -> SnapshotState:
        return SnapshotState(self._snapshot, self._error, self._error is not None)

    def get(self, *, force: bool = False) -> SnapshotState:
        """The current snapshot, reading the source only when it is too old (or forced)."""
        if not force and self._fresh():
            return self._state()
        if not force and self._only_aged():
            self._refresh_in_background()
            return self._state()
        with self._lock:
            if not force and self._fresh():
                return self._state()
            return self._read_locked(first=not force)

    def _only_aged(self) -> bool:
        """A good snapshot exists and nothing but its age calls for a read."""
        return (
            self.background and self._snapshot is not None and self._covered == self._invalidations
        )

    def _refresh_in_background(self) -> None:
        with self._count_lock:
            if self._refreshing:
                return
            self._refreshing = True
        threading.Thread(target=self._background_read, name="snapshot-refresh", daemon=True).start()

    def _background_read(self) -> None:
        try:
            with self._lock:
                if not self._fresh():
                    self._read_locked()
        finally:
            with self._count_lock:
                self._refreshing = False

    def _version(self) -> str | None:
        """The source's change marker, None when unknown or when nobody needs it."""
        if self.warm_start is None and self.on_read is None:
            return None
        try:
            return self.source.version()
        except TothuError:
            return None

    def _warm(self, version: str | None) -> Dataset | None:
        try:
            return self.warm_start(version) if version is not None else None
        except Exception:  # noqa: BLE001 - a broken saved copy only costs a real read
            _log.warning("Saved snapshot unusable; reading the source", exc_info=True)
            return None

    def _read_locked(self, *, first: bool = False) -> SnapshotState:
        """One read of the source; the caller holds `_lock`.

        `first`: the store's very first read (no forced refresh, no write since): the one
        a saved Dataset of the same source version may stand in for.
        """
        seen = self._invalidations
        first = first and self.reads == 0 and self._snapshot is None and seen == 0
        version = self._version()
        if first and self.warm_start is not None:
            dataset = self._warm(version)
            if dataset is not None:
                self.warm_starts += 1
                self._covered = seen
                return self._keep(dataset)
        try:
            self.reads += 1
            dataset = load_dataset(self.source, now=self._now(), **self.read_options)
        except TothuError as exc:
            self._error = exc
            self._failed_at = self._clock()
            if self._snapshot is not None:
                # Keep serving the last good data; try again after another TTL.
                self._snapshot.loaded_monotonic = self._clock()
            return self._state()
        finally:
            self._covered = seen
        if self.on_read is not None:
            try:
                self.on_read(dataset, version)
            except Exception:  # noqa: BLE001 - saving is a convenience, never a failure
                _log.warning("Could not save the snapshot for a warm start", exc_info=True)
        return self._keep(dataset)

    def _keep(self, dataset: Dataset) -> SnapshotState:
        self._versions += 1
        self._snapshot = Snapshot(dataset, self._versions, dataset.read_at, self._clock())
        self._error = None
        self._failed_at = None
        return self._state()

    @property
    def last_error(self) -> TothuError | None:
        return self._error

    def invalidate(self) -> None:
        """After a write: no `get` from now on returns a snapshot read before this call."""
        with self._count_lock:
            self._invalidations += 1

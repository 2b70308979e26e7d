"""Sync: each commune's own source, validated by today's reader, into the province store.

Per commune, in the registry's order: ask the source for its version (`Source.version()`: a
Google Sheet's Drive modifiedTime, a file's mtime and size); when it equals the version
stored at the last good sync, nothing is read. Otherwise the source is read and validated
(`load_dataset`, the commune app's own read), and its frames ("dataset.<frame>") and the
roll-up frames ("rollup.<name>", `rollup.commune_tables`) replace that commune's rows in
one transaction. A commune that fails keeps its last good data; its error is recorded in
the store and shown. A read in which a required tab could not be read at all (renamed, its
header row gone) is such a failure: storing it would wipe the commune's rows. A commune
whose last attempt failed is read again even when its version is unchanged (access given
back, a folder moved back), so its old error never stays on show. The version is asked
BEFORE the read: an edit made while reading leaves an older version stored, so the next
sync reads again rather than missing it.

Google's quota is per user, and a service account is one user: 60 read requests per minute
per user per project (Sheets API "Usage limits"). Every request a sync sends to
sheets.googleapis.com passes one sliding-window limiter per service account (50 a minute by
default, `[store] requests_per_minute`), so a sync never spends the quota the commune apps
on the same key need; Drive's files.get has its own quota and limiter. A 429 that still
comes (another program on the same key) is waited out by the Google backend's own retry,
and a commune whose read still gave up is tried once more at the end of the run.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pandas as pd
import requests
from requests.adapters import BaseAdapter, HTTPAdapter

from tothu_core.clock import office_now
from tothu_core.errors import (
    ConfigError,
    SourceError,
    SourceNotFound,
    SourceUnavailable,
    TothuError,
)
from tothu_core.province import rollup
from tothu_core.province.store import dataset_tables as store_dataset_tables
from tothu_core.sheet import contract
from tothu_core.sheet.load import load_dataset
from tothu_core.sheet.sources import resolve_source
from tothu_core.sheet.sources.base import Source

# Pacing and the Google backend's retries share one clock (tests give one that never sleeps).
from tothu_core.sheet.sources.gsheets import Clock

WAITING, READING, DONE, UNCHANGED, FAILED = "chờ", "đang đọc", "xong", "không đổi", "lỗi"
DEFAULT_REQUESTS_PER_MINUTE = 50
# Drive API's own per-user quota is far larger than Sheets' (Drive API "Usage limits":
# queries per minute per user); a whole province's version checks fit in a few seconds.
DEFAULT_DRIVE_REQUESTS_PER_MINUTE = 600
SHEETS_HOST = "sheets.googleapis.com"
DRIVE_HOST = "www.googleapis.com"
_GOOGLE_PREFIXES = ("https://docs.google.com/spreadsheets/", "gsheets:")

BAD_RATE = (
    "Mục [store] requests_per_minute = «{value}» không hợp lệ: hãy ghi một số nguyên dương "
    "(mặc định 50 lượt mỗi phút; Google cho mỗi tài khoản dịch vụ 60 lượt đọc mỗi phút)."
)
NO_SUCH_PATH = (
    "Không tìm thấy «{spec}» (cột «Nguồn dữ liệu» của danh sách xã). Hãy kiểm tra lại đường "
    "dẫn tới tệp bảng tính hoặc thư mục CSV của xã."
)
BAD_SOURCE = (
    "Nguồn dữ liệu «{spec}» trong danh sách xã không hợp lệ: hãy ghi đường dẫn tới tệp "
    ".xlsx/.ods, một thư mục chứa các tệp CSV, hoặc địa chỉ Google Sheet."
)
VERSION_UNKNOWN = "Chưa biết bảng có đổi không ({reason}); đã đọc lại cả bảng."
UNEXPECTED = "Lỗi không mong đợi khi đồng bộ ({kind}: {detail}); số liệu cũ vẫn được giữ."
RETRIED = "Lần đầu chưa đọc được ({reason}); đã thử lại cuối lượt."
STORE_DOWN = "Chưa đồng bộ: {reason}"
UNREADABLE_TABS = (
    "Chưa đọc được {tabs} của bảng tính, nên số liệu đã lưu của xã chưa bị thay. {reasons}"
)
#: the tabs a read must find (with their header row) for its rows to replace the stored ones
REQUIRED_TABS = tuple(key for key, tab in contract.TABS.items() if not tab.optional)


class RateLimiter:
    """At most `per_minute` acquisitions in any 60 seconds (a sliding window: stricter than
    a quota refilled each minute, so it keeps under either reading of Google's rule)."""

    def __init__(self, per_minute: int, *, clock: Clock | None = None):
        self.per_minute = per_minute
        self._clock = clock or Clock()
        self._sent: deque[float] = deque()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Wait for a free slot; returns the seconds waited."""
        waited = 0.0
        with self._lock:
            while True:
                now = self._clock.monotonic()
                while self._sent and self._sent[0] <= now - 60.0:
                    self._sent.popleft()
                if len(self._sent) < self.per_minute:
                    self._sent.append(now)
                    return waited
                pause = self._sent[0] + 60.0 - now
                self._clock.sleep(pause)
                waited += pause


class PacedAdapter(BaseAdapter):
    """Carries a source's HTTPS requests; the ones to a paced host wait for its limiter.

    Mounted as the Google backend's `http_adapter`, so every Sheets and Drive request it
    makes (the retries of a 429 included) is paced, whatever the call that sent it.
    """

    def __init__(self, inner: BaseAdapter, limiters: Mapping[str, RateLimiter]):
        super().__init__()
        self.inner = inner
        self.limiters = dict(limiters)
        self.sent: dict[str, int] = {host: 0 for host in self.limiters}

    def send(self, request, **kwargs):
        host = urlsplit(request.url).netloc
        limiter = self.limiters.get(host)
        if limiter is not None:
            limiter.acquire()
            self.sent[host] += 1
        return self.inner.send(request, **kwargs)

    def close(self) -> None:
        self.inner.close()


class Connections:
    """What one sync leaves for the next: the sources built (a Google Sheet keeps its tab
    list and token) and one pacer per service account, so runs back to back share the quota.

    `http_adapter` carries Google's traffic (tests route it to the fake server); `clock`
    paces and is handed to the Google backend for its own waits.
    """

    def __init__(
        self,
        *,
        requests_per_minute: int = DEFAULT_REQUESTS_PER_MINUTE,
        drive_requests_per_minute: int = DEFAULT_DRIVE_REQUESTS_PER_MINUTE,
        clock: Clock | None = None,
        http_adapter: BaseAdapter | None = None,
    ):
        self.requests_per_minute = requests_per_minute
        self.drive_requests_per_minute = drive_requests_per_minute
        self.clock = clock or Clock()
        self._http_adapter = http_adapter
        self._adapters: dict[str, PacedAdapter] = {}
        self._sources: dict[tuple[str, str], Source] = {}
        self._lock = threading.Lock()

    def source(self, spec: str, *, secrets: Mapping | None, environ: Mapping) -> Source:
        """The Source for a registry's `Nguồn dữ liệu`, built once (ConfigError/SourceError
        when it cannot be)."""
        google = spec.strip().startswith(_GOOGLE_PREFIXES)
        email = ""
        if google:
            from tothu_core.sheet.sources.credentials import load_service_account_info

            info = load_service_account_info(secrets=secrets, environ=environ) or {}
            email = str(info.get("client_email", ""))
        with self._lock:
            cached = self._sources.get((spec, email))
            if cached is not None:
                return cached
            options: dict[str, Any] = {}
            if google:
                options = {"http_adapter": self._adapter(email), "clock": self.clock}
            elif spec.strip() != "demo" and not Path(spec.strip()).expanduser().exists():
                raise SourceNotFound(NO_SUCH_PATH.format(spec=spec.strip()))
            try:
                source = resolve_source(spec, secrets=secrets, environ=environ, **options)
            except ConfigError as exc:
                if google:
                    raise
                raise ConfigError(BAD_SOURCE.format(spec=spec.strip())) from exc
            self._sources[(spec, email)] = source
            return source

    def sent(self) -> dict[str, int]:
        """Requests sent so far through the pacers, per host (for the report and the bench)."""
        totals: dict[str, int] = {}
        for adapter in self._adapters.values():
            for host, count in adapter.sent.items():
                totals[host] = totals.get(host, 0) + count
        return totals

    def _adapter(self, email: str) -> PacedAdapter:
        adapter = self._adapters.get(email)
        if adapter is None:
            inner = self._http_adapter or HTTPAdapter(pool_maxsize=8)
            adapter = PacedAdapter(
                inner,
                {
                    SHEETS_HOST: RateLimiter(self.requests_per_minute, clock=self.clock),
                    DRIVE_HOST: RateLimiter(self.drive_requests_per_minute, clock=self.clock),
                },
            )
            self._adapters[email] = adapter
        return adapter


@dataclass
class CommuneSync:
    """One commune's line of the progress: where it is, since when, what went wrong."""

    code: str
    name: str
    state: str = WAITING
    #: when the state last changed (office clock)
    at: datetime | None = None
    #: the sentence of the failure (Vietnamese), "" unless `state` is FAILED
    error: str = ""
    #: anything else worth telling (the version could not be asked, a retry)
    note: str = ""
    version: str | None = None
    #: seconds spent reading, validating and storing (None when not read)
    seconds: float | None = None
    errors: int = 0
    warnings: int = 0

    @property
    def line(self) -> str:
        """One line for the command's output and the status page."""
        head = f"{self.code} {self.name}: {self.state}"
        if self.state == FAILED:
            return f"{head}: {self.error}"
        if self.state == DONE:
            took = f"{self.seconds:.1f} s".replace(".", ",") if self.seconds is not None else ""
            found = f"{self.errors} lỗi, {self.warnings} cảnh báo trong bảng"
            head = f"{head} ({', '.join(part for part in (took, found) if part)})"
        return f"{head}. {self.note}" if self.note else head


@dataclass
class SyncReport:
    """The whole run: one CommuneSync per registry commune, in the registry's order."""

    started: datetime
    communes: list[CommuneSync] = field(default_factory=list)
    finished: datetime | None = None

    def of_state(self, state: str) -> list[CommuneSync]:
        return [c for c in self.communes if c.state == state]

    @property
    def failed(self) -> list[CommuneSync]:
        return self.of_state(FAILED)

    @property
    def ok(self) -> bool:
        return self.finished is not None and not self.failed

    def summary(self) -> str:
        counts = {state: len(self.of_state(state)) for state in (DONE, UNCHANGED, FAILED)}
        text = (
            f"Đồng bộ {len(self.communes)} xã: {counts[DONE]} đọc lại, "
            f"{counts[UNCHANGED]} không đổi, {counts[FAILED]} lỗi"
        )
        pending = len(self.communes) - sum(counts.values())
        return text + (f", {pending} đang chờ." if pending else ".")

    def copy(self) -> SyncReport:
        return replace(self, communes=[replace(c) for c in self.communes])

    def as_frame(self) -> pd.DataFrame:
        """The progress as a table with Vietnamese headers (for a page or an export)."""
        return pd.DataFrame(
            {
                "Mã xã": [c.code for c in self.communes],
                "Tên xã": [c.name for c in self.communes],
                "Trạng thái": [c.state for c in self.communes],
                "Lúc": [c.at for c in self.communes],
                "Lỗi": [c.error for c in self.communes],
                "Ghi chú": [c.note for c in self.communes],
            }
        )


def requests_per_minute(secrets: Mapping | None) -> int:
    """`[store] requests_per_minute` of the secrets, else 50; ConfigError when it is not a
    positive whole number."""
    table = (secrets or {}).get("store")
    value = table.get("requests_per_minute") if isinstance(table, Mapping) else None
    if value is None:
        return DEFAULT_REQUESTS_PER_MINUTE
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ConfigError(BAD_RATE.format(value=value))
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ConfigError(BAD_RATE.format(value=value)) from None
    if number < 1:
        raise ConfigError(BAD_RATE.format(value=value))
    return number


def commune_spec(source: str, registry_path: Path | None) -> str:
    """A registry's `Nguồn dữ liệu` as `resolve_source` takes it: a relative path is
    relative to the registry file."""
    spec = source.strip()
    if spec.startswith(_GOOGLE_PREFIXES) or spec == "demo" or registry_path is None:
        return spec
    path = Path(spec).expanduser()
    if path.is_absolute():
        return spec
    return str(Path(registry_path).parent / path)


def commune_tables(ds, *, now: datetime, deadline_day: int | None = None) -> dict:
    """Every table stored for one commune: its Dataset as the store keeps it (frames,
    layouts, source) and its roll-up frames."""
    tables = store_dataset_tables(ds)
    options = {} if deadline_day is None else {"deadline_day": deadline_day}
    for name, frame in rollup.commune_tables(ds, now=now, **options).items():
        tables[f"rollup.{name}"] = frame
    return tables


def sync_province(
    registry,
    store,
    *,
    now: datetime | None = None,
    secrets: Mapping | None = None,
    environ: Mapping | None = None,
    force: bool = False,
    requests_per_minute: int = DEFAULT_REQUESTS_PER_MINUTE,
    progress: Callable[[SyncReport], None] | None = None,
    connections: Connections | None = None,
    deadline_day: int | None = None,
) -> SyncReport:
    """Bring every commune of `registry` up to date in `store`; never raises for a commune.

    `now` dates the reads and the roll-up (None: the office clock at each commune); `force`
    reads every commune even when unchanged. `progress` is called with a copy of the report
    after every change of a commune's state. `connections` is kept between runs by a caller
    that syncs again (the worker): its pacers and sources carry over.
    """
    environ = os.environ if environ is None else environ
    connections = connections or Connections(requests_per_minute=requests_per_minute)
    report = SyncReport(
        started=now or office_now(),
        communes=[CommuneSync(c.code, c.name) for c in registry.communes],
    )
    registry_path = getattr(registry, "path", None)

    def emit() -> None:
        if progress is not None:
            # a broken display must not stop the sync
            with contextlib.suppress(Exception):
                progress(report.copy())

    def tell(line: CommuneSync, state: str, **changes) -> None:
        line.state = state
        line.at = now or office_now()
        for name, value in changes.items():
            setattr(line, name, value)
        emit()

    emit()
    stored = _stored_versions(store)
    again = []
    for position, (commune, line) in enumerate(
        zip(registry.communes, report.communes, strict=True)
    ):
        spec = commune_spec(commune.source, registry_path)
        job = _CommuneJob(
            commune.code, spec, store, connections, secrets, environ, now, force, stored
        )
        failure = job.run(line, tell, deadline_day)
        if job.store_down:
            # Not even the failure could be written: every other commune would wait for
            # the store as long, twice, for nothing. Their last good data stays.
            for rest in report.communes[position + 1 :]:
                tell(rest, FAILED, error=STORE_DOWN.format(reason=str(job.store_down)))
            again = []
            break
        if isinstance(failure, SourceUnavailable):
            again.append((job, line))
    for job, line in again:
        first = line.error
        tell(line, WAITING, error="", note=RETRIED.format(reason=first.rstrip(".")))
        job.run(line, tell, deadline_day)
    report.finished = now or office_now()
    emit()
    return report


def _stored_versions(store) -> dict[str, str | None] | None:
    """Every commune's version at its last good sync, in one query (None when the store
    cannot say; each commune then asks on its own, and fails on its own if it must).
    A commune whose last attempt failed has none: it is read again, so a success clears
    the error even when the source did not change meanwhile."""
    try:
        status = store.status()
        return {
            str(code): (None if pd.isna(version) or not pd.isna(error) else str(version))
            for code, version, error in zip(
                status["commune"], status["version"], status["error"], strict=True
            )
        }
    except Exception:
        return None


def _unreadable_tabs(ds) -> str | None:
    """The failure's sentence when a required tab could not be read at all, else None."""
    missing = [key for key in REQUIRED_TABS if key not in ds.layouts]
    if not missing:
        return None
    read = {layout.title for layout in ds.layouts.values()}
    # the tab-level errors (missing tab, no header row) of the tabs that were not read
    reasons = dict.fromkeys(p.message for p in ds.errors if p.tab not in read and not p.column)
    tabs = ", ".join(f"trang «{contract.TABS[key].name}»" for key in missing)
    return UNREADABLE_TABS.format(tabs=tabs, reasons=" ".join(reasons)).strip()


class UnreadableSheet(SourceError):
    """The source was read, but a tab the commune's rows need was not found in it."""


@dataclass
class _CommuneJob:
    code: str
    spec: str
    store: Any
    connections: Connections
    secrets: Mapping | None
    environ: Mapping
    now: datetime | None
    force: bool
    #: every commune's stored version, read once per run (None: ask the store each time)
    stored: Mapping[str, str | None] | None = None
    #: what stopped even the failure from being recorded (the store itself is down)
    store_down: Exception | None = None

    def run(self, line: CommuneSync, tell, deadline_day: int | None) -> Exception | None:
        """Sync one commune; returns the failure (already recorded), None on success."""
        try:
            source = self.connections.source(self.spec, secrets=self.secrets, environ=self.environ)
            note = line.note
            version = None
            try:
                raw = source.version()
                version = None if raw is None else f"{source.identity}|{raw}"
            except TothuError as exc:
                note = VERSION_UNKNOWN.format(reason=str(exc).rstrip("."))
            if self.stored is not None:
                known = self.stored.get(self.code)
            else:
                known = self.store.version(self.code)
            if not self.force and version is not None and version == known:
                tell(line, UNCHANGED, version=version, note=note)
                return None
            tell(line, READING, note=note)
            started = time.perf_counter()
            at = self.now or office_now()
            ds = load_dataset(source, now=at)
            unreadable = _unreadable_tabs(ds)
            if unreadable:
                raise UnreadableSheet(unreadable)
            tables = commune_tables(ds, now=at, deadline_day=deadline_day)
            self.store.replace_commune(
                self.code, tables, ds.problems, version=version, synced_at=at
            )
            tell(
                line,
                DONE,
                version=version,
                seconds=time.perf_counter() - started,
                errors=len(ds.errors),
                warnings=len(ds.warnings),
                error="",
            )
            return None
        except (TothuError, requests.RequestException) as exc:
            failure = exc
            message = str(exc)
        except Exception as exc:  # one commune's surprise never stops the province's sync
            failure = exc
            message = UNEXPECTED.format(kind=type(exc).__name__, detail=exc)
        at = self.now or office_now()
        try:
            self.store.record_failure(self.code, message, at=at)
        except Exception as exc:
            self.store_down = exc
            if str(exc) != message:
                message = f"{message} (chưa ghi được lỗi vào kho: {exc})"
        # the failure says it all (a version that could not be asked adds nothing to it)
        tell(line, FAILED, error=message, note="")
        return failure

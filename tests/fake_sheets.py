"""A small fake of the Google Sheets v4 API and Google's OAuth token endpoint.

A real HTTP server on 127.0.0.1 (a free port), so gspread and google-auth talk to it exactly
as they talk to Google: tokens are obtained with a signed JWT, every API call carries the
bearer token, errors come in the API's JSON shape. What it adds for tests and benchmarks:
a request log with counters by kind, planned failures (429, 5xx, a response lost after the
change was applied, a dropped connection, a slow answer), permanent failures and latency.

It behaves as Google documents and as recorded real answers show; each rule below names its
source. "Cassette" means a recorded real answer in burnash/gspread `tests/cassettes/`:
- `values.append` finds a table in its range and appends after its last row, from the
  table's first column (reference spreadsheets.values.append; guide "Reading & writing cell
  values → Append values"): see `_append` and `_table_at`.
- cells are typed and rendered per `valueRenderOption` / `dateTimeRenderOption`
  (reference ValueRenderOption, DateTimeRenderOption): see `_render`.
- answers leave out trailing empty cells and rows and the `values` key of an empty range
  (ValueRange: "empty trailing rows and columns will not be included"): `_value_range`.
- metadata reports title, locale, timeZone, every tab's grid size, `hidden` only when true
  and its protected ranges (cassette SpreadsheetTest.test_worksheets_exclude_hidden): `_metadata`.
- errors carry Google's own bodies: `_google_error` and the messages in `_ERRORS`.
- Drive v3 `files.get` answers the fields asked (`fields=modifiedTime`), modifiedTime as an
  RFC 3339 UTC time with milliseconds, advancing on every change of the spreadsheet
  (reference: Drive API v3 files.get and File.modifiedTime; cassettes
  CellTest.test_a1_value, SpreadsheetTest.test_get_lastUpdateTime): see `_drive_get`.
- quotas: with `quota_per_minute` set, a user's read (or write) requests beyond it within one
  minute of the server's clock get Google's 429 (Sheets API "Usage limits": 60 read and 60
  write requests per minute per user per project, "refilled every minute"); Drive's own
  limit (`drive_quota_per_minute`) answers 403 userRateLimitExceeded (Drive guide "Resolve
  errors"): see `_over_quota`.

Kinds of request: "token", "metadata", "batchGet", "get", "append", "driveGet" (Drive
files.get), "allowedLocations" (google-auth's own side lookup), "unknown". A new endpoint
is one `_ROUTES` line plus one handler in `_HANDLERS` (a section of its own below).

Importable without pytest: the benchmark script uses it too.
"""

from __future__ import annotations

import functools
import itertools
import json
import re
import socket
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit, urlunsplit

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.auth import jwt as google_jwt
from google.auth.transport.requests import AuthorizedSession, Request
from google.oauth2 import service_account
from requests.adapters import HTTPAdapter

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
# google-auth signs the assertion for Google's token endpoint, whatever token_uri says.
GOOGLE_TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token"
DEFAULT_EMAIL = "tothu-test@tothu-test.iam.gserviceaccount.com"
_SERIAL_EPOCH = datetime(1899, 12, 30)
# Google Sheets: "up to 10 million cells or 18,278 columns" per spreadsheet (Help: "Files you
# can store in Google Drive"); the error text is gspread#516's with today's limit.
CELL_LIMIT = 10_000_000
# A new tab's grid: 1000 rows x 26 columns (cassette test_append_row...: "clearedRange":
# "Sheet1!A1:Z1000").
NEW_TAB_ROWS, NEW_TAB_COLUMNS = 1000, 26
# Locales whose dates are month first (CLDR short date "M/d/yy"): the fake parses typed
# dates and formats date cells by them, as Sheets does by the spreadsheet's locale.
_MONTH_FIRST = frozenset({"en", "en_US", "en_PH", "fil", "fil_PH", "es_PR", "es_PA"})

_STATUS_NAMES = {
    400: ("INVALID_ARGUMENT", "Request contains an invalid argument."),
    401: (
        "UNAUTHENTICATED",
        "Request had invalid authentication credentials. Expected OAuth 2 access token, login "
        "cookie or other valid authentication credential.",
    ),
    # Cassette ClientTest.test_access_private_spreadsheet (a sheet not shared with the caller);
    # Google answers a Viewer's write with the same body.
    403: ("PERMISSION_DENIED", "The caller does not have permission"),
    # Cassette ClientTest.test_access_non_existing_spreadsheet.
    404: ("NOT_FOUND", "Requested entity was not found."),
    429: ("RESOURCE_EXHAUSTED", None),
    500: ("INTERNAL", "Internal error encountered."),
    502: ("UNAVAILABLE", "Bad gateway."),
    503: ("UNAVAILABLE", "The service is currently unavailable."),
    504: ("DEADLINE_EXCEEDED", "The request timed out."),
}
_ERRORS = {
    # node-google-spreadsheet#20 quotes Google's sentence for a write into a protected range.
    "protected": (
        "You are trying to edit a protected cell or object. Please contact the spreadsheet "
        "owner to remove protection if you need to edit."
    ),
    # gspread#516 (then with the old 2,000,000 limit).
    "cells": (
        "This action would increase the number of cells in the workbook above the limit of "
        "{limit} cells."
    ),
    "range": "Unable to parse range: {range}",
    "input": "'valueInputOption' is required but not specified",
}
# 429 bodies as recorded in Sage-Bionetworks/data_curator#110 (write) and
# AutomaApp/automa#1877 (read): one user's per-minute quota, with an ErrorInfo detail.
_QUOTA = {
    "read": ("Read requests", "ReadRequestsPerMinutePerUser", "read_requests"),
    "write": ("Write requests", "WriteRequestsPerMinutePerUser", "write_requests"),
}
_WRITE_KINDS = frozenset({"append"})
_SHEETS_KINDS = frozenset({"metadata", "batchGet", "get", "append"})
# Scopes that let Drive's files.get read a file's metadata (reference: files.get,
# "Authorization scopes").
_DRIVE_SCOPES = frozenset(
    "https://www.googleapis.com/auth/" + name
    for name in (
        "drive",
        "drive.file",
        "drive.readonly",
        "drive.metadata",
        "drive.metadata.readonly",
    )
)
# Drive v3 errors carry an `errors` list and no `status` (Drive guide "Resolve errors":
# 404 notFound "File not found: {fileId}", 403 userRateLimitExceeded in domain usageLimits).
_DRIVE_NOT_FOUND = "File not found: {key}."
_DRIVE_RATE_LIMIT = "User rate limit exceeded."
# A token without a Drive scope: Google's answer (google.rpc.ErrorInfo reason
# ACCESS_TOKEN_SCOPE_INSUFFICIENT, as google-api-python-client#1186 users quote it).
_SCOPE_INSUFFICIENT = "Request had insufficient authentication scopes."
# Drive v3 files.get without `fields`: its default answer (reference: files.get).
_DRIVE_DEFAULT_FIELDS = ("kind", "id", "name", "mimeType")


@dataclass(frozen=True)
class Formula:
    """A formula cell: its text, and the value Sheets calculated for it (`value`).

    USER_ENTERED "=..." makes one (no calculated value here); RAW input must never."""

    text: str
    value: Any = None


@dataclass(frozen=True)
class CellError:
    """A formula's error value (#N/A, #REF!, ...): Sheets renders its code as the value."""

    code: str


@dataclass(frozen=True)
class Percent:
    """A number formatted as a percentage: 0.5 shown as 50% (UNFORMATTED_VALUE gives 0.5)."""

    value: float


@dataclass
class PlannedFault:
    """How to answer one request instead of answering it normally.

    status None with a delay is a slow but correct answer. `apply` carries the request
    out first (an append lands) and then fails: the client never learns it worked.
    `drop` closes the connection without any answer.
    """

    status: int | None = 500
    apply: bool = False
    drop: bool = False
    retry_after: float | None = None
    delay: float = 0.0

    @property
    def fails(self) -> bool:
        return self.drop or self.status is not None


@dataclass
class LoggedRequest:
    kind: str
    method: str
    path: str
    params: dict[str, list[str]]
    body: Any
    status: int | None = None
    started: float = field(default_factory=time.monotonic)
    #: arrival on the server's clock (the one quotas count by)
    at: float = 0.0

    def param(self, name: str) -> str | None:
        values = self.params.get(name)
        return values[0] if values else None


@dataclass
class _Tab:
    rows: list[list[Any]]
    sheet_id: int
    hidden: bool = False
    grid_rows: int = NEW_TAB_ROWS
    grid_columns: int = NEW_TAB_COLUMNS
    #: protected row spans (0-based, end exclusive); (0, None) is the whole tab
    protected: list[tuple[int, int | None]] = field(default_factory=list)


@dataclass
class _Spreadsheet:
    title: str
    tabs: dict[str, _Tab]
    #: what the service account may do: "writer" (Editor), "reader" (Viewer) or None
    role: str | None
    locale: str
    time_zone: str
    #: Drive's modifiedTime, seconds since the epoch on the server's clock
    modified: float = 0.0

    def cells(self) -> int:
        return sum(t.grid_rows * t.grid_columns for t in self.tabs.values())


class FakeSheetsServer:
    """Start with `with FakeSheetsServer() as server:` or `start()` / `stop()`."""

    def __init__(
        self,
        *,
        latency: float = 0.0,
        cell_limit: int = CELL_LIMIT,
        quota_per_minute: int | None = None,
        drive_quota_per_minute: int | None = None,
        clock=None,
    ):
        """`clock` (anything with `time()`) dates modifiedTime and counts the quota's
        minutes: tests share one with the client so nobody really waits a minute."""
        self.latency = latency
        self.cell_limit = cell_limit
        self.quota_per_minute = quota_per_minute
        self.drive_quota_per_minute = drive_quota_per_minute
        self._clock = clock
        self._minute_counts: dict[tuple[str, str, int], int] = defaultdict(int)
        self._lock = threading.RLock()
        self._spreadsheets: dict[str, _Spreadsheet] = {}
        self._public_keys: dict[str, str] = {}
        self._tokens: dict[str, str] = {}
        self._token_scopes: dict[str, frozenset[str]] = {}
        self._token_numbers = itertools.count(1)
        self._planned: dict[str, deque[PlannedFault]] = defaultdict(deque)
        self._always: dict[str, PlannedFault] = {}
        self._log: list[LoggedRequest] = []
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._port: int | None = None

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> FakeSheetsServer:
        self._httpd = _HTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.fake = self
        self._port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop answering; the port stays known so clients now meet a closed port."""
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeSheetsServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/token"

    # -- data --------------------------------------------------------------------------------

    def add_spreadsheet(
        self,
        key: str,
        tabs: dict[str, list[list[Any]]],
        *,
        title: str = "Bảng tính thử",
        shared: bool = True,
        role: str | None = None,
        hidden: tuple[str, ...] = (),
        locale: str = "vi_VN",
        time_zone: str = "Asia/Ho_Chi_Minh",
    ) -> None:
        """Cells may be str, int, float, bool, date, datetime, None (an empty cell), or a
        Formula, CellError or Percent. `role` "reader" shares the sheet as Viewer; `shared`
        False shares it not at all."""
        with self._lock:
            book_tabs = {}
            for index, (name, rows) in enumerate(tabs.items()):
                width = max((len(r) for r in rows), default=0)
                book_tabs[name] = _Tab(
                    rows=[list(row) for row in rows],
                    sheet_id=1000 + index,
                    hidden=name in hidden,
                    grid_rows=max(NEW_TAB_ROWS, len(rows)),
                    grid_columns=max(NEW_TAB_COLUMNS, width),
                )
            old = self._spreadsheets.get(key)
            self._spreadsheets[key] = _Spreadsheet(
                title=title,
                tabs=book_tabs,
                role=(role or "writer") if shared else None,
                locale=locale,
                time_zone=time_zone,
                modified=old.modified if old else 0.0,
            )
            self._touch(key)

    def now(self) -> float:
        return (self._clock or time).time()

    def _touch(self, key: str) -> None:
        """A change of the spreadsheet: its modifiedTime moves on, at least by 1 ms (the
        answer's precision), so two edits in one millisecond still differ."""
        book = self._spreadsheets[key]
        book.modified = max(self.now(), book.modified + 0.001)

    def modified_time(self, key: str) -> str:
        """The spreadsheet's modifiedTime as Drive writes it (RFC 3339, UTC, milliseconds)."""
        with self._lock:
            return _rfc3339(self._spreadsheets[key].modified)

    def edit(self, key: str, tab: str, rows: list[list[Any]]) -> None:
        """What the office does when it edits a tab: new cells, and modifiedTime moves on."""
        with self._lock:
            sheet = self._spreadsheets[key].tabs[tab]
            sheet.rows = [list(row) for row in rows]
            sheet.grid_rows = max(sheet.grid_rows, len(rows))
            self._touch(key)

    def values(self, key: str, tab: str) -> list[list[Any]]:
        """A copy of the stored cells of one tab, exactly as stored (no rendering)."""
        with self._lock:
            return [list(row) for row in self._spreadsheets[key].tabs[tab].rows]

    def rename_tab(self, key: str, old: str, new: str) -> None:
        with self._lock:
            book = self._spreadsheets[key]
            book.tabs = {(new if name == old else name): t for name, t in book.tabs.items()}
            self._touch(key)

    def insert_column(self, key: str, tab: str, index: int, cells: dict[int, Any] = ()) -> None:
        """What Insert → Column does: every row shifts right from `index` (0-based);
        `cells` (0-based row -> value) fills the new column, e.g. its header."""
        with self._lock:
            sheet = self._spreadsheets[key].tabs[tab]
            for number, row in enumerate(sheet.rows):
                if len(row) > index:
                    row.insert(index, None)
                if number in dict(cells):
                    row.extend([None] * (index + 1 - len(row)))
                    row[index] = dict(cells)[number]
            sheet.grid_columns += 1
            self._touch(key)

    def insert_rows(self, key: str, tab: str, index: int, rows: list[list[Any]]) -> None:
        """What Insert → Row does: `rows` go in at `index` (0-based), the rest shifts down."""
        with self._lock:
            sheet = self._spreadsheets[key].tabs[tab]
            sheet.rows[index:index] = [list(row) for row in rows]
            sheet.grid_rows += len(rows)
            self._touch(key)

    def protect(self, key: str, tab: str, rows: tuple[int, int | None] = (0, None)) -> None:
        """A protected range the service account may not edit (0-based rows, end exclusive)."""
        with self._lock:
            self._spreadsheets[key].tabs[tab].protected.append(rows)

    def share(self, key: str, role: str | None) -> None:
        with self._lock:
            self._spreadsheets[key].role = role

    # -- faults and log ----------------------------------------------------------------------

    def fail_next(
        self,
        kind: str,
        *,
        status: int | None = 500,
        times: int = 1,
        apply: bool = False,
        drop: bool = False,
        retry_after: float | None = None,
        delay: float = 0.0,
    ) -> None:
        """Plan how the next `times` requests of `kind` are answered (see PlannedFault)."""
        fault = PlannedFault(
            status=status, apply=apply, drop=drop, retry_after=retry_after, delay=delay
        )
        with self._lock:
            self._planned[kind].extend([fault] * times)

    def fail_always(self, kind: str, *, status: int = 500, drop: bool = False) -> None:
        with self._lock:
            self._always[kind] = PlannedFault(status=status, drop=drop)

    def clear_faults(self) -> None:
        with self._lock:
            self._planned.clear()
            self._always.clear()

    def count(self, kind: str | None = None) -> int:
        with self._lock:
            return sum(1 for r in self._log if kind is None or r.kind == kind)

    def requests(self, kind: str | None = None) -> list[LoggedRequest]:
        with self._lock:
            return [r for r in self._log if kind is None or r.kind == kind]

    def reset_log(self) -> None:
        with self._lock:
            self._log.clear()

    # -- credentials -------------------------------------------------------------------------

    def service_account_info(self, *, email: str = DEFAULT_EMAIL, register: bool = True) -> dict:
        """A service-account key whose token_uri is this server; `register=False` = unknown key."""
        private_pem, public_pem = _test_key_pair()
        if register:
            with self._lock:
                self._public_keys[email] = public_pem
        return {
            "type": "service_account",
            "project_id": "tothu-test",
            "private_key_id": "fake-key-1",
            "private_key": private_pem,
            "client_email": email,
            "client_id": "100000000000000000001",
            "auth_uri": f"{self.base_url}/auth",
            "token_uri": self.token_url,
            "universe_domain": "googleapis.com",
        }

    def http_adapter(self, *, pool_maxsize: int = 64) -> RedirectAdapter:
        """An adapter to mount on "https://": Google's hosts are answered by this server."""
        return RedirectAdapter(self.base_url, pool_maxsize=pool_maxsize)

    def authorized_session(
        self,
        credentials_info: dict,
        *,
        scopes: tuple[str, ...] = ("https://www.googleapis.com/auth/spreadsheets",),
    ) -> AuthorizedSession:
        """A google-auth session signed with `credentials_info`, all its traffic to this server."""
        credentials = service_account.Credentials.from_service_account_info(
            credentials_info, scopes=list(scopes)
        )
        adapter = self.http_adapter()
        auth_session = requests.Session()
        auth_session.mount("https://", adapter)
        session = AuthorizedSession(credentials, auth_request=Request(auth_session))
        session.mount("https://", adapter)
        return session

    # -- request handling (called from the server threads) -----------------------------------

    def _record(self, entry: LoggedRequest) -> None:
        with self._lock:
            self._log.append(entry)

    def _next_fault(self, kind: str) -> PlannedFault | None:
        with self._lock:
            queue = self._planned.get(kind)
            if queue:
                return queue.popleft()
            return self._always.get(kind)

    def _answer(self, kind: str, groups: tuple[str, ...], entry: LoggedRequest, headers) -> tuple:
        """(status, json payload) for one request, applying any change it asks for."""
        if kind == "token":
            return self._token(entry.body)
        if kind == "allowedLocations":
            return 200, {"locations": [], "encodedLocations": "0x0"}
        if kind == "unknown":
            return _google_error(404)
        with self._lock:
            email = self._bearer_email(headers)
            if email is None:
                return _google_error(401)
            refusal = self._over_quota(email, kind)
            if refusal is not None:
                return refusal
            key = unquote(groups[0])
            if kind == "driveGet":
                return _drive_get(self, key, self._token_scopes.get(_bearer(headers)), entry)
            book = self._spreadsheets.get(key)
            if book is None:
                return _google_error(404)
            if book.role is None or (kind in _WRITE_KINDS and book.role != "writer"):
                return _google_error(403)
            return _HANDLERS[kind](self, key, book, groups[1:], entry)

    def _token(self, form: Any) -> tuple[int, dict]:
        if not isinstance(form, dict) or form.get("grant_type") != JWT_BEARER:
            return 400, {
                "error": "unsupported_grant_type",
                "error_description": "Invalid grant_type",
            }
        assertion = form.get("assertion", "")
        try:
            claims = google_jwt.decode(assertion, verify=False)
            public_pem = self._public_keys.get(claims.get("iss", ""))
            if public_pem is None:
                return 400, {
                    "error": "invalid_grant",
                    "error_description": "Invalid grant: account not found",
                }
            google_jwt.decode(assertion, certs=public_pem, audience=GOOGLE_TOKEN_AUDIENCE)
        except ValueError:
            return 400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}
        token = f"fake-token-{next(self._token_numbers)}"
        with self._lock:
            self._tokens[token] = claims["iss"]
            self._token_scopes[token] = frozenset(str(claims.get("scope", "")).split())
        return 200, {"access_token": token, "expires_in": 3600, "token_type": "Bearer"}

    def _bearer_email(self, headers) -> str | None:
        token = _bearer(headers)
        return None if token is None else self._tokens.get(token)

    def _over_quota(self, email: str, kind: str) -> tuple[int, dict] | None:
        """Google's refusal when this user's requests of one kind of quota (Sheets reads,
        Sheets writes, Drive) this minute exceed the limit; None otherwise. The count starts
        afresh each minute of the clock (Sheets API "Usage limits": quotas are "refilled
        every minute"). Refused arrivals count too: Google does not say whether they do, and
        counting them is the stricter reading (a client that retries at once stays refused)."""
        if kind in _SHEETS_KINDS:
            limit, bucket = self.quota_per_minute, "write" if kind in _WRITE_KINDS else "read"
        elif kind == "driveGet":
            limit, bucket = self.drive_quota_per_minute, "drive"
        else:
            return None
        if limit is None:
            return None
        minute = int(self.now() // 60)
        self._minute_counts[(email, bucket, minute)] += 1
        if self._minute_counts[(email, bucket, minute)] <= limit:
            return None
        if bucket == "drive":
            return _drive_error(403, _DRIVE_RATE_LIMIT, "userRateLimitExceeded", "usageLimits")
        return _google_error(429, kind=kind)


def _bearer(headers) -> str | None:
    value = headers.get("Authorization", "")
    if not value.startswith("Bearer "):
        return None
    return value.removeprefix("Bearer ").strip()


def _rfc3339(seconds: float) -> str:
    moment = datetime.fromtimestamp(seconds, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class RedirectAdapter(HTTPAdapter):
    """Sends every request to the fake server instead of its host, over real HTTP."""

    def __init__(self, target: str, **kwargs):
        super().__init__(**kwargs)
        self._target = urlsplit(target)

    def send(self, request, **kwargs):
        parts = urlsplit(request.url)
        request.url = urlunsplit(
            (self._target.scheme, self._target.netloc, parts.path, parts.query, "")
        )
        request.headers["X-Original-Host"] = parts.netloc
        # Never through a proxy from the environment: this traffic stays on 127.0.0.1.
        kwargs["proxies"] = {}
        return super().send(request, **kwargs)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    # Benchmarks open dozens of connections at once; the default backlog of 5 refuses some.
    request_queue_size = 256
    fake: FakeSheetsServer

    def handle_error(self, request, client_address) -> None:
        """A client that gave up (timeout) leaves a broken pipe behind: not worth a trace."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes; without this, Nagle's algorithm and
        # the client's delayed ACK add 40 ms to every answer.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format, *args) -> None:
        return

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def _serve(self, method: str) -> None:
        fake = self.server.fake
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw_body = self.rfile.read(length) if length else b""
        kind, groups = _route(method, parts.path)
        entry = LoggedRequest(
            kind=kind,
            method=method,
            path=parts.path,
            params=parse_qs(parts.query, keep_blank_values=True),
            body=_decode_body(raw_body, self.headers.get("Content-Type", "")),
            at=fake.now(),
        )
        fake._record(entry)
        if fake.latency:
            time.sleep(fake.latency)
        fault = fake._next_fault(kind)
        if fault is not None and fault.delay:
            time.sleep(fault.delay)
        if fault is not None and fault.fails and not fault.apply:
            self._fail(fault, entry)
            return
        status, payload = fake._answer(kind, groups, entry, self.headers)
        if fault is not None and fault.fails:
            self._fail(fault, entry)
            return
        self._send(status, payload, entry)

    def _fail(self, fault: PlannedFault, entry: LoggedRequest) -> None:
        if fault.drop:
            entry.status = None
            self.close_connection = True
            return
        status, payload = _google_error(fault.status, kind=entry.kind)
        extra = {}
        if fault.retry_after is not None:
            extra["Retry-After"] = f"{fault.retry_after:g}"
        self._send(status, payload, entry, extra)

    def _send(self, status: int, payload: Any, entry: LoggedRequest, extra=None) -> None:
        entry.status = status
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


# -- routing -------------------------------------------------------------------------------------

_ROUTES = (
    ("token", "POST", re.compile(r"^/token$")),
    ("batchGet", "GET", re.compile(r"^/v4/spreadsheets/([^/]+)/values:batchGet$")),
    ("append", "POST", re.compile(r"^/v4/spreadsheets/([^/]+)/values/([^/]+):append$")),
    ("get", "GET", re.compile(r"^/v4/spreadsheets/([^/]+)/values/([^/]+)$")),
    ("metadata", "GET", re.compile(r"^/v4/spreadsheets/([^/]+)$")),
    ("driveGet", "GET", re.compile(r"^/drive/v3/files/([^/]+)$")),
    (
        "allowedLocations",
        "GET",
        re.compile(r"^/v1/projects/-/serviceAccounts/([^/]+)/allowedLocations$"),
    ),
)
_CELLS = re.compile(r"^([A-Z]*)(\d*)(?::([A-Z]*)(\d*))?$")


def _route(method: str, path: str) -> tuple[str, tuple[str, ...]]:
    for kind, route_method, pattern in _ROUTES:
        found = pattern.match(path)
        if found and method == route_method:
            return kind, found.groups()
    return "unknown", ()


def _decode_body(raw: bytes, content_type: str) -> Any:
    if not raw:
        return None
    if "x-www-form-urlencoded" in content_type:
        return {k: v[0] for k, v in parse_qs(raw.decode("utf-8")).items()}
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _google_error(status: int, message: str | None = None, *, kind: str = "") -> tuple[int, dict]:
    name, default = _STATUS_NAMES.get(status, ("UNKNOWN", "Unknown error."))
    error: dict[str, Any] = {"code": status, "message": message or default, "status": name}
    if status == 429:
        metric, limit, quota = _QUOTA["write" if kind in _WRITE_KINDS else "read"]
        error["message"] = (
            f"Quota exceeded for quota metric '{metric}' and limit '{metric} per minute per "
            "user' of service 'sheets.googleapis.com' for consumer 'project_number:100000000001'."
        )
        error["details"] = [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "RATE_LIMIT_EXCEEDED",
                "domain": "googleapis.com",
                "metadata": {
                    "consumer": "projects/100000000001",
                    "quota_limit": limit,
                    "quota_metric": f"sheets.googleapis.com/{quota}",
                    "service": "sheets.googleapis.com",
                },
            }
        ]
    return status, {"error": error}


def _drive_error(status: int, message: str, reason: str, domain: str = "global", **where):
    """A Drive v3 error body: `errors` entries, no `status` (Drive guide "Resolve errors")."""
    detail = {"domain": domain, "reason": reason, "message": message} | where
    return status, {"error": {"code": status, "message": message, "errors": [detail]}}


# -- the Drive API: files.get ---------------------------------------------------------------------


def _drive_get(fake, key: str, scopes: frozenset[str] | None, entry) -> tuple[int, dict]:
    """files.get of a spreadsheet: the `fields` asked (default: kind, id, name, mimeType).

    A file not shared with the caller answers 404 notFound, as a missing one does (Drive
    guide: "The user doesn't have read access to a file, or the file doesn't exist"); a
    token without a Drive scope is refused with 403.
    """
    if not (scopes or frozenset()) & _DRIVE_SCOPES:
        status, body = _google_error(403, _SCOPE_INSUFFICIENT)
        body["error"]["details"] = [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
                "domain": "googleapis.com",
                "metadata": {"service": "drive.googleapis.com", "method": "drive.files.get"},
            }
        ]
        return status, body
    book = fake._spreadsheets.get(key)
    if book is None or book.role is None:
        message = _DRIVE_NOT_FOUND.format(key=key)
        return _drive_error(404, message, "notFound", location="fileId", locationType="parameter")
    known = {
        "kind": "drive#file",
        "id": key,
        "name": book.title,
        "mimeType": "application/vnd.google-apps.spreadsheet",
        "modifiedTime": _rfc3339(book.modified),
    }
    fields = entry.param("fields")
    wanted = _DRIVE_DEFAULT_FIELDS if not fields else [f.strip() for f in fields.split(",")]
    return 200, {name: known[name] for name in wanted if name in known}


# -- the Sheets API: metadata, reading -----------------------------------------------------------


def _metadata(fake, key: str, book: _Spreadsheet, groups, entry) -> tuple[int, dict]:
    """spreadsheets.get without grid data. `hidden` appears only on hidden tabs and
    `protectedRanges` only on tabs that have some (cassette test_worksheets_exclude_hidden)."""
    sheets = []
    for index, (title, tab) in enumerate(book.tabs.items()):
        properties: dict[str, Any] = {
            "sheetId": tab.sheet_id,
            "title": title,
            "index": index,
            "sheetType": "GRID",
            "gridProperties": {"rowCount": tab.grid_rows, "columnCount": tab.grid_columns},
        }
        if tab.hidden:
            properties["hidden"] = True
        sheet: dict[str, Any] = {"properties": properties}
        if tab.protected:
            sheet["protectedRanges"] = [
                {
                    "protectedRangeId": tab.sheet_id * 10 + number,
                    "range": {"sheetId": tab.sheet_id, "startRowIndex": start}
                    | ({} if end is None else {"endRowIndex": end}),
                    "requestingUserCanEdit": False,
                    "editors": {},
                }
                for number, (start, end) in enumerate(tab.protected)
            ]
        sheets.append(sheet)
    return 200, {
        "spreadsheetId": key,
        "properties": {
            "title": book.title,
            "locale": book.locale,
            "autoRecalc": "ON_CHANGE",
            "timeZone": book.time_zone,
        },
        "sheets": sheets,
        "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{key}/edit",
    }


def _batch_get(fake, key: str, book: _Spreadsheet, groups, entry) -> tuple[int, dict]:
    value_ranges = []
    for a1 in entry.params.get("ranges", []):
        found = _resolve(book, a1)
        if found is None:
            return _google_error(400, _ERRORS["range"].format(range=a1))
        value_ranges.append(_value_range(book, *found, entry))
    return 200, {"spreadsheetId": key, "valueRanges": value_ranges}


def _values_get(fake, key: str, book: _Spreadsheet, groups, entry) -> tuple[int, dict]:
    a1 = unquote(groups[0])
    found = _resolve(book, a1)
    if found is None:
        return _google_error(400, _ERRORS["range"].format(range=a1))
    return 200, _value_range(book, *found, entry)


def _value_range(book: _Spreadsheet, title: str, box: tuple, entry: LoggedRequest) -> dict:
    """One ValueRange. A whole tab answers with the range its data covers ("Sheet1!A1:D2",
    cassette test_get_all_values_date_time_render_options); any other range with the range
    asked, cut to the grid ("Sheet1!A2:Z2" for A2:2, cassette test_append_row...)."""
    tab = book.tabs[title]
    rows = tab.rows
    first_row, first_col, last_row, last_col = box
    stop_row = len(rows) if last_row < 0 else min(len(rows), last_row + 1)
    value_option = entry.param("valueRenderOption") or "FORMATTED_VALUE"
    date_option = entry.param("dateTimeRenderOption") or "SERIAL_NUMBER"
    out = []
    for row in rows[first_row:stop_row]:
        stop_col = len(row) if last_col < 0 else min(len(row), last_col + 1)
        out.append(
            [_render(v, value_option, date_option, book.locale) for v in row[first_col:stop_col]]
        )
    for row in out:
        while row and row[-1] == "":
            row.pop()
    while out and not out[-1]:
        out.pop()
    dimension = entry.param("majorDimension") or "ROWS"
    if dimension == "COLUMNS":
        width = max((len(r) for r in out), default=0)
        out = [[r[c] if c < len(r) else "" for r in out] for c in range(width)]
        for column in out:
            while column and column[-1] == "":
                column.pop()
    if box == (0, 0, -1, -1) and out:
        across, down = max(len(r) for r in out), len(out)
        if dimension == "COLUMNS":
            across, down = down, across
        shown = f"A1:{_letters(across)}{down}"
    else:
        end_row = tab.grid_rows if last_row < 0 else min(last_row + 1, tab.grid_rows)
        end_col = tab.grid_columns if last_col < 0 else min(last_col + 1, tab.grid_columns)
        shown = f"{_letters(first_col + 1)}{first_row + 1}:{_letters(end_col)}{end_row}"
    answer = {"range": f"{_a1_title(title)}!{shown}", "majorDimension": dimension}
    if out:
        answer["values"] = out
    return answer


def _render(value: Any, value_option: str, date_option: str, locale: str) -> Any:
    """A stored cell as the API returns it (reference ValueRenderOption, DateTimeRenderOption).

    FORMATTED_VALUE: as shown in the sheet, by the spreadsheet's locale (TRUE/FALSE, 50%,
    dates day or month first). UNFORMATTED_VALUE: the number, boolean or text itself; dates
    as serial numbers counting days from 1899-12-30 (SERIAL_NUMBER) or as shown
    (FORMATTED_STRING). FORMULA: the formula's text. Error values render as their code.
    """
    if value is None:
        return ""
    if isinstance(value, Formula):
        if value_option == "FORMULA":
            return value.text
        return _render(value.value, value_option, date_option, locale)
    if isinstance(value, CellError):
        return value.code
    if isinstance(value, Percent):
        if value_option == "FORMATTED_VALUE":
            return f"{value.value * 100:g}%"
        return value.value
    if isinstance(value, (date, datetime)):
        if value_option == "FORMATTED_VALUE" or date_option == "FORMATTED_STRING":
            return _date_text(value, locale)
        moment = (
            value if isinstance(value, datetime) else datetime(value.year, value.month, value.day)
        )
        serial = (moment - _SERIAL_EPOCH).total_seconds() / 86400
        return int(serial) if serial.is_integer() else serial
    if value_option == "FORMATTED_VALUE":
        if isinstance(value, bool):
            return "TRUE" if value else "FALSE"
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)
    return value


def _date_text(value: date, locale: str) -> str:
    if locale in _MONTH_FIRST:
        text = f"{value.month}/{value.day}/{value.year}"
    else:
        text = value.strftime("%d/%m/%Y")
    if isinstance(value, datetime):
        text += value.strftime(" %H:%M:%S")
    return text


# -- the Sheets API: appending -------------------------------------------------------------------


def _append(fake, key: str, book: _Spreadsheet, groups, entry) -> tuple[int, dict]:
    """spreadsheets.values.append (reference and guide "Append values").

    The range is searched for a table: from one cell, the table around that cell
    (`_table_at`); from a wider range or a whole tab, the LAST table inside it, which may
    start in another column (guide: "B2:D4 ... the last table in the range is the B4:D6
    table"; cassette test_append_row_with_empty_value: range 'Sheet1' after a row
    [x, "", y] gives "tableRange": "Sheet1!C1", "updatedRange": "Sheet1!C2:E2"). Values go
    in the row after the table, from its first column; with no table, at the range's first
    cell ("E4 would start writing at E4, because it's not in any table"). `tableRange` is
    there only when a table was found (reference: "Empty if no table was found"; cassette
    first append on an empty tab). INSERT_ROWS inserts rows for the data, shifting what is
    below; OVERWRITE (the default) writes over it.
    """
    a1 = unquote(groups[0])
    found = _resolve(book, a1)
    if found is None:
        return _google_error(400, _ERRORS["range"].format(range=a1))
    option = entry.param("valueInputOption")
    if option not in ("RAW", "USER_ENTERED"):
        return _google_error(400, _ERRORS["input"])
    title, (r1, c1, r2, c2) = found
    tab = book.tabs[title]
    body = entry.body if isinstance(entry.body, dict) else {}
    new_rows = [[_entered(v, option, book.locale) for v in row] for row in body.get("values", [])]
    one_cell = r1 == r2 >= 0 and c1 == c2 >= 0
    table = _table_at(tab.rows, r1, c1) if one_cell else _last_table(tab.rows, found[1])
    start_row, start_col = (table[2] + 1, table[1]) if table else (max(r1, 0), max(c1, 0))
    count = len(new_rows)
    width = max((len(r) for r in new_rows), default=0)
    insert = entry.param("insertDataOption") == "INSERT_ROWS"
    if any(
        start < start_row + count and (end is None or start_row < end)
        for start, end in tab.protected
    ):
        return _google_error(400, _ERRORS["protected"])
    grow_rows = count if insert else max(0, start_row + count - tab.grid_rows)
    grow_cols = max(0, start_col + width - tab.grid_columns)
    added = grow_rows * (tab.grid_columns + grow_cols) + grow_cols * tab.grid_rows
    if book.cells() + added > fake.cell_limit:
        return _google_error(400, _ERRORS["cells"].format(limit=fake.cell_limit))
    tab.grid_rows += grow_rows
    tab.grid_columns += grow_cols
    rows = tab.rows
    if len(rows) < start_row:
        rows.extend([] for _ in range(start_row - len(rows)))
    if insert:
        rows[start_row:start_row] = [[] for _ in range(count)]
    elif len(rows) < start_row + count:
        rows.extend([] for _ in range(start_row + count - len(rows)))
    for offset, values in enumerate(new_rows):
        row = rows[start_row + offset]
        for column, value in enumerate(values, start=start_col):
            if value is _SKIP:
                continue
            row.extend([None] * (column + 1 - len(row)))
            row[column] = value
    fake._touch(key)
    quoted = _a1_title(title)
    last_col = _letters(start_col + max(width, 1))
    answer: dict[str, Any] = {"spreadsheetId": key}
    if table:
        top, left, bottom, right = table
        answer["tableRange"] = f"{quoted}!{_box_a1(top, left, bottom, right)}"
    answer["updates"] = {
        "spreadsheetId": key,
        "updatedRange": (
            f"{quoted}!{_letters(start_col + 1)}{start_row + 1}:{last_col}{start_row + count}"
        ),
        "updatedRows": count,
        "updatedColumns": width,
        "updatedCells": sum(len(r) for r in new_rows),
    }
    return 200, answer


def _filled(rows: list[list[Any]], r: int, c: int) -> bool:
    """A cell the table search counts: any value, FALSE of an unticked check box included."""
    if r < 0 or c < 0 or r >= len(rows) or c >= len(rows[r]):
        return False
    value = rows[r][c]
    return value is not None and value != ""


def _table_at(rows: list[list[Any]], r: int, c: int) -> tuple[int, int, int, int] | None:
    """The table around one cell (top, left, bottom, right; 0-based): grown up from it,
    then sideways along those rows, then down while any of its columns has a value
    (issue 10's reading of the guide; cassette test_append_row_with_empty_value_and_table_range:
    anchor A1 on a row [x, "", y] gives "tableRange": "Sheet1!A1", "updatedRange":
    "Sheet1!A2:C2"). None when the cell itself is empty."""
    if not _filled(rows, r, c):
        return None
    top = r
    while _filled(rows, top - 1, c):
        top -= 1
    span = range(top, r + 1)
    left = right = c
    while any(_filled(rows, i, left - 1) for i in span):
        left -= 1
    while any(_filled(rows, i, right + 1) for i in span):
        right += 1
    bottom = r
    while any(_filled(rows, bottom + 1, j) for j in range(left, right + 1)):
        bottom += 1
    return top, left, bottom, right


def _last_table(rows: list[list[Any]], box: tuple) -> tuple[int, int, int, int] | None:
    """The last table touching `box`: blocks of filled cells joined side by side or one
    above the other, the one ending lowest (then furthest right) wins."""
    r1, c1, r2, c2 = box
    r2 = len(rows) - 1 if r2 < 0 else r2
    c2 = max((len(r) for r in rows), default=0) - 1 if c2 < 0 else c2
    seen: set[tuple[int, int]] = set()
    best = None
    for r in range(max(r1, 0), min(r2, len(rows) - 1) + 1):
        for c in range(max(c1, 0), min(c2, len(rows[r]) - 1) + 1):
            if (r, c) in seen or not _filled(rows, r, c):
                continue
            top, left, bottom, right = r, c, r, c
            stack = [(r, c)]
            seen.add((r, c))
            while stack:
                i, j = stack.pop()
                top, left = min(top, i), min(left, j)
                bottom, right = max(bottom, i), max(right, j)
                for ni, nj in ((i - 1, j), (i + 1, j), (i, j - 1), (i, j + 1)):
                    if (ni, nj) not in seen and _filled(rows, ni, nj):
                        seen.add((ni, nj))
                        stack.append((ni, nj))
            table = (top, left, bottom, right)
            if best is None or (bottom, right) > (best[2], best[3]):
                best = table
    return best


_SKIP = object()


def _entered(value: Any, option: str, locale: str) -> Any:
    """A value as Sheets stores it. JSON null leaves the cell as it is (ValueRange: "Null
    values will be skipped"); RAW keeps text as typed; USER_ENTERED parses it as the UI
    does: a formula, TRUE/FALSE, a number, a percentage, a date by the locale, and a
    leading apostrophe keeps the rest as text."""
    if value is None:
        return _SKIP
    if option == "RAW" or not isinstance(value, str):
        return value
    if value.startswith("'"):
        return value[1:]
    if value.startswith("="):
        return Formula(value)
    if value.upper() in ("TRUE", "FALSE"):
        return value.upper() == "TRUE"
    typed_date = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", value.strip())
    if typed_date:
        first, second, year = (int(g) for g in typed_date.groups())
        month, day = (first, second) if locale in _MONTH_FIRST else (second, first)
        try:
            return date(year, month, day)
        except ValueError:
            return value
    text = value.strip()
    try:
        if text.endswith("%"):
            return Percent(float(text[:-1]) / 100)
        number = float(text)
    except ValueError:
        return value
    return int(number) if number.is_integer() else number


# -- the Sheets API: ranges ----------------------------------------------------------------------


def _resolve(book: _Spreadsheet, a1: str) -> tuple[str, tuple[int, int, int, int]] | None:
    """(tab title, (first row, first col, last row, last col) 0-based, -1 = open) or None."""
    if a1.startswith("'"):
        i, title = 1, []
        while i < len(a1):
            if a1[i] == "'":
                if a1[i + 1 : i + 2] == "'":
                    title.append("'")
                    i += 2
                    continue
                break
            title.append(a1[i])
            i += 1
        name, rest = "".join(title), a1[i + 1 :]
    else:
        name, _, cells = a1.partition("!")
        rest = f"!{cells}" if cells else ""
    if name not in book.tabs:
        return None
    if not rest:
        return name, (0, 0, -1, -1)
    if not rest.startswith("!"):
        return None
    found = _CELLS.match(rest[1:].upper())
    if found is None:
        return None
    col1, row1, col2, row2 = found.groups()
    if found.group(0).count(":") == 0:
        col2, row2 = col1, row1
    first_row = int(row1) - 1 if row1 else 0
    first_col = _column_index(col1) if col1 else 0
    last_row = int(row2) - 1 if row2 else -1
    last_col = _column_index(col2) if col2 else -1
    return name, (first_row, first_col, last_row, last_col)


def _a1_title(title: str) -> str:
    """A tab title as Google writes it in a range: bare when it is a plain word ("Sheet1!A1",
    cassettes), quoted otherwise ("'🌵 test_values_batch_get 1'!A1:A10", cassette
    SpreadsheetTest.test_values_batch_get)."""
    plain = re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", title)
    if plain and not re.fullmatch(r"[A-Za-z]{1,3}\d+", title):
        return title
    return "'{}'".format(title.replace("'", "''"))


def _box_a1(top: int, left: int, bottom: int, right: int) -> str:
    first = f"{_letters(left + 1)}{top + 1}"
    last = f"{_letters(right + 1)}{bottom + 1}"
    return first if first == last else f"{first}:{last}"


def _column_index(letters: str) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + (ord(ch) - ord("A") + 1)
    return index - 1


def _letters(count: int) -> str:
    out = ""
    while count:
        count, rest = divmod(count - 1, 26)
        out = chr(ord("A") + rest) + out
    return out


# -- what answers each kind of request -----------------------------------------------------------

_HANDLERS = {
    "metadata": _metadata,
    "batchGet": _batch_get,
    "get": _values_get,
    "append": _append,
}


@functools.cache
def _test_key_pair() -> tuple[str, str]:
    """One RSA key per process, made at run time: no key is ever committed."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private_pem, public_pem

"""A small fake of the Google Sheets v4 API and Google's OAuth token endpoint.

A real HTTP server on 127.0.0.1 (a free port), so gspread and google-auth talk to it exactly
as they talk to Google: tokens are obtained with a signed JWT, every API call carries the
bearer token, errors come in the API's JSON shape. What it adds for tests and benchmarks:
a request log with counters by kind, planned failures (429, 5xx, a response lost after the
change was applied, a dropped connection, a slow answer), permanent failures and latency.

Kinds of request: "token", "metadata", "batchGet", "get", "append", "allowedLocations"
(google-auth's own side lookup), "unknown".

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
from datetime import date, datetime
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

_STATUS_NAMES = {
    400: ("INVALID_ARGUMENT", "Request contains an invalid argument."),
    401: ("UNAUTHENTICATED", "Request had invalid authentication credentials."),
    403: ("PERMISSION_DENIED", "The caller does not have permission"),
    404: ("NOT_FOUND", "Requested entity was not found."),
    429: ("RESOURCE_EXHAUSTED", "Quota exceeded for quota metric 'Requests per minute per user'."),
    500: ("INTERNAL", "Internal error encountered."),
    502: ("UNAVAILABLE", "Bad gateway."),
    503: ("UNAVAILABLE", "The service is currently unavailable."),
    504: ("DEADLINE_EXCEEDED", "The request timed out."),
}

_ROUTES = (
    ("token", "POST", re.compile(r"^/token$")),
    ("batchGet", "GET", re.compile(r"^/v4/spreadsheets/([^/]+)/values:batchGet$")),
    ("append", "POST", re.compile(r"^/v4/spreadsheets/([^/]+)/values/([^/]+):append$")),
    ("get", "GET", re.compile(r"^/v4/spreadsheets/([^/]+)/values/([^/]+)$")),
    ("metadata", "GET", re.compile(r"^/v4/spreadsheets/([^/]+)$")),
    (
        "allowedLocations",
        "GET",
        re.compile(r"^/v1/projects/-/serviceAccounts/([^/]+)/allowedLocations$"),
    ),
)
_CELLS = re.compile(r"^([A-Z]*)(\d*)(?::([A-Z]*)(\d*))?$")


@dataclass(frozen=True)
class Formula:
    """A cell typed as a formula (USER_ENTERED "=..."): what RAW input must never create."""

    text: str


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

    def param(self, name: str) -> str | None:
        values = self.params.get(name)
        return values[0] if values else None


@dataclass
class _Spreadsheet:
    title: str
    tabs: dict[str, list[list[Any]]]
    shared: bool
    sheet_ids: dict[str, int]


class FakeSheetsServer:
    """Start with `with FakeSheetsServer() as server:` or `start()` / `stop()`."""

    def __init__(self, *, latency: float = 0.0):
        self.latency = latency
        self._lock = threading.RLock()
        self._spreadsheets: dict[str, _Spreadsheet] = {}
        self._public_keys: dict[str, str] = {}
        self._tokens: dict[str, str] = {}
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
    ) -> None:
        """Cells may be str, int, float, bool, date, datetime or None (an empty cell)."""
        with self._lock:
            self._spreadsheets[key] = _Spreadsheet(
                title=title,
                tabs={name: [list(row) for row in rows] for name, rows in tabs.items()},
                shared=shared,
                sheet_ids={name: 1000 + i for i, name in enumerate(tabs)},
            )

    def values(self, key: str, tab: str) -> list[list[Any]]:
        """A copy of the stored cells of one tab, exactly as stored (no rendering)."""
        with self._lock:
            return [list(row) for row in self._spreadsheets[key].tabs[tab]]

    def rename_tab(self, key: str, old: str, new: str) -> None:
        with self._lock:
            book = self._spreadsheets[key]
            book.tabs = {(new if name == old else name): rows for name, rows in book.tabs.items()}
            book.sheet_ids[new] = book.sheet_ids.pop(old)

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

    def authorized_session(self, credentials_info: dict) -> AuthorizedSession:
        """A google-auth session signed with `credentials_info`, all its traffic to this server."""
        credentials = service_account.Credentials.from_service_account_info(
            credentials_info, scopes=["https://www.googleapis.com/auth/spreadsheets"]
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
            if self._bearer_email(headers) is None:
                return _google_error(401)
            book = self._spreadsheets.get(unquote(groups[0]))
            if book is None:
                return _google_error(404)
            if not book.shared:
                return _google_error(403)
            key = unquote(groups[0])
            if kind == "metadata":
                return 200, _metadata(key, book)
            if kind == "batchGet":
                return _batch_get(key, book, entry)
            if kind == "get":
                return _values_get(book, unquote(groups[1]), entry)
            return _append(key, book, unquote(groups[1]), entry)

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
        return 200, {"access_token": token, "expires_in": 3600, "token_type": "Bearer"}

    def _bearer_email(self, headers) -> str | None:
        value = headers.get("Authorization", "")
        if not value.startswith("Bearer "):
            return None
        return self._tokens.get(value.removeprefix("Bearer ").strip())


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
        status, payload = _google_error(fault.status)
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


# -- the API's behaviour ----------------------------------------------------------------------


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


def _google_error(status: int, message: str | None = None) -> tuple[int, dict]:
    name, default = _STATUS_NAMES.get(status, ("UNKNOWN", "Unknown error."))
    return status, {"error": {"code": status, "message": message or default, "status": name}}


def _metadata(key: str, book: _Spreadsheet) -> dict:
    sheets = []
    for index, (title, rows) in enumerate(book.tabs.items()):
        width = max((len(r) for r in rows), default=0)
        sheets.append(
            {
                "properties": {
                    "sheetId": book.sheet_ids[title],
                    "title": title,
                    "index": index,
                    "sheetType": "GRID",
                    "gridProperties": {
                        "rowCount": max(1000, len(rows)),
                        "columnCount": max(26, width),
                    },
                }
            }
        )
    return {
        "spreadsheetId": key,
        "properties": {"title": book.title, "locale": "vi_VN", "timeZone": "Asia/Ho_Chi_Minh"},
        "sheets": sheets,
        "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{key}/edit",
    }


def _batch_get(key: str, book: _Spreadsheet, entry: LoggedRequest) -> tuple[int, dict]:
    value_ranges = []
    for a1 in entry.params.get("ranges", []):
        found = _resolve(book, a1)
        if found is None:
            return _google_error(400, f"Unable to parse range: {a1}")
        value_ranges.append(_value_range(book, *found, entry))
    return 200, {"spreadsheetId": key, "valueRanges": value_ranges}


def _values_get(book: _Spreadsheet, a1: str, entry: LoggedRequest) -> tuple[int, dict]:
    found = _resolve(book, a1)
    if found is None:
        return _google_error(400, f"Unable to parse range: {a1}")
    return 200, _value_range(book, *found, entry)


def _append(key: str, book: _Spreadsheet, a1: str, entry: LoggedRequest) -> tuple[int, dict]:
    found = _resolve(book, a1)
    if found is None:
        return _google_error(400, f"Unable to parse range: {a1}")
    option = entry.param("valueInputOption")
    if option not in ("RAW", "USER_ENTERED"):
        return _google_error(400, "'valueInputOption' is required but not specified")
    body = entry.body if isinstance(entry.body, dict) else {}
    new_rows = [[_entered(v, option) for v in row] for row in body.get("values", [])]
    title = found[0]
    rows = book.tabs[title]
    while rows and all(_blank(v) for v in rows[-1]):
        rows.pop()
    start = len(rows) + 1
    rows.extend(new_rows)
    width = max((len(r) for r in new_rows), default=0)
    quoted = _quote(title)
    updated = f"{quoted}!A{start}:{_letters(max(width, 1))}{start + len(new_rows) - 1}"
    return 200, {
        "spreadsheetId": key,
        "tableRange": f"{quoted}!A1:{_letters(max(width, 1))}{max(start - 1, 1)}",
        "updates": {
            "spreadsheetId": key,
            "updatedRange": updated,
            "updatedRows": len(new_rows),
            "updatedColumns": width,
            "updatedCells": sum(len(r) for r in new_rows),
        },
    }


def _entered(value: Any, option: str) -> Any:
    """USER_ENTERED parses text the way the Sheets UI does; RAW keeps it as typed."""
    if option == "RAW" or not isinstance(value, str):
        return value
    if value.startswith("="):
        return Formula(value)
    try:
        number = float(value)
    except ValueError:
        return value
    return int(number) if number.is_integer() else number


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


def _value_range(book: _Spreadsheet, title: str, box: tuple, entry: LoggedRequest) -> dict:
    first_row, first_col, last_row, last_col = box
    rows = book.tabs[title]
    stop_row = len(rows) if last_row < 0 else min(len(rows), last_row + 1)
    value_option = entry.param("valueRenderOption") or "FORMATTED_VALUE"
    date_option = entry.param("dateTimeRenderOption") or "SERIAL_NUMBER"
    out = []
    for row in rows[first_row:stop_row]:
        stop_col = len(row) if last_col < 0 else min(len(row), last_col + 1)
        out.append([_render(v, value_option, date_option) for v in row[first_col:stop_col]])
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
    shown = _quote(title)
    answer = {"range": f"{shown}!A1:{_letters(max(len(out[0]) if out else 1, 1))}{len(rows) or 1}"}
    answer["majorDimension"] = dimension
    if out:
        answer["values"] = out
    return answer


def _render(value: Any, value_option: str, date_option: str) -> Any:
    if value is None:
        return ""
    if isinstance(value, Formula):
        return value.text if value_option == "FORMULA" else ""
    if isinstance(value, (date, datetime)):
        if value_option == "FORMATTED_VALUE" or date_option == "FORMATTED_STRING":
            shown = "%d/%m/%Y %H:%M:%S" if isinstance(value, datetime) else "%d/%m/%Y"
            return value.strftime(shown)
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


def _blank(value: Any) -> bool:
    return value is None or value == ""


def _quote(title: str) -> str:
    return "'{}'".format(title.replace("'", "''"))


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

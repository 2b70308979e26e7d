"""Google Sheets backend: the only module that talks to Google.

Everything goes through gspread's `HTTPClient` (its URLs, quoting and error parsing), wrapped
so that every request has a timeout and a failing call gives up after a bounded number of
attempts and seconds: gspread's own `BackOffHTTPClient` retries without end, which would
freeze a page. Google's failures leave this module only as our own error types, each with a
sentence a commune clerk can act on.

Reading costs one metadata request per source instance (the tab titles are cached) plus one
`values:batchGet` for all tabs; appending is one `values:append` for all rows.
"""

from __future__ import annotations

import email.utils
import math
import numbers
import random
import re
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

import requests
from google.auth.exceptions import RefreshError, TransportError
from google.auth.transport.requests import AuthorizedSession, Request
from google.oauth2 import service_account
from gspread.exceptions import APIError
from gspread.http_client import HTTPClient
from gspread.utils import absolute_range_name, rowcol_to_a1
from urllib3.exceptions import ConnectTimeoutError

from tothu_core.errors import (
    ConfigError,
    SourceAccessDenied,
    SourceError,
    SourceNotFound,
    SourceUnavailable,
)
from tothu_core.sheet.sources.base import Cell, RawWorkbook, Source

SCOPES = ("https://www.googleapis.com/auth/spreadsheets",)
EDIT_URL = "https://docs.google.com/spreadsheets/d/{key}/edit"

_KEY_IN_URL = re.compile(r"/spreadsheets/d/([A-Za-z0-9_-]+)")
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# However many attempts failed, one wait never exceeds this: a clerk is looking at the page.
_MAX_DELAY = 8.0
_READ_PARAMS = {
    "valueRenderOption": "UNFORMATTED_VALUE",
    "dateTimeRenderOption": "SERIAL_NUMBER",
    "majorDimension": "ROWS",
}
_APPEND_PARAMS = {
    # RAW: a text such as "=HYPERLINK(...)" typed into the form stays text in the sheet.
    "valueInputOption": "RAW",
    "insertDataOption": "INSERT_ROWS",
    "includeValuesInResponse": "false",
}
_METADATA_PARAMS = {
    "includeGridData": "false",
    "fields": "properties.title,sheets.properties(sheetId,title,index,sheetType)",
}

NOT_SHARED = (
    "Bảng tính chưa được chia sẻ cho tài khoản dịch vụ {email}. "
    "Hãy mở bảng tính, bấm Chia sẻ và thêm địa chỉ này với quyền Người chỉnh sửa."
)
API_DISABLED = (
    "Google Sheets API chưa được bật cho dự án của tài khoản dịch vụ {email}. "
    "Hãy bật Google Sheets API trong Google Cloud Console rồi thử lại."
)
NOT_FOUND = (
    "Không tìm thấy bảng tính có mã «{key}». "
    "Hãy kiểm tra lại đường link hoặc mã bảng tính trong cấu hình."
)
NOT_A_SPREADSHEET = (
    "«{value}» không phải đường link hay mã của một bảng tính Google. "
    "Hãy dán đường link dạng https://docs.google.com/spreadsheets/d/…"
)
TAB_NOT_FOUND = (
    "Không tìm thấy trang «{tab}» trong bảng tính. "
    "Có thể trang vừa bị đổi tên hoặc xóa; hãy tải lại dữ liệu rồi thử lại."
)
KEY_INVALID = (
    "Tệp khóa tài khoản dịch vụ không dùng được (thiếu trường hoặc khóa riêng bị hỏng). "
    "Hãy tải lại tệp khóa JSON của tài khoản dịch vụ từ Google Cloud Console."
)
KEY_REJECTED = (
    "Google từ chối khóa của tài khoản dịch vụ {email} (khóa có thể đã bị xóa hoặc thu hồi). "
    "Hãy tạo khóa JSON mới và cập nhật tệp khóa trong cấu hình."
)
UNAVAILABLE = (
    "Chưa {action} được Google Sheets vì {cause}; đã thử {attempts} lần. Hãy thử lại sau ít phút."
)
CAUSES = {
    "quota": "Google đang giới hạn số lượt truy cập",
    "server": "máy chủ Google đang gặp lỗi",
    "network": "không kết nối được tới Google (hãy kiểm tra mạng Internet)",
}
UNREADABLE_ANSWER = "Google Sheets trả về dữ liệu không đọc được. Hãy thử lại sau ít phút."
REJECTED = (
    "Google Sheets từ chối yêu cầu (mã lỗi {code}). "
    "Hãy kiểm tra cấu hình bảng tính hoặc báo cho người quản trị."
)
READ, WRITE = "đọc", "ghi"

T = TypeVar("T")


def spreadsheet_key(spreadsheet: str) -> str:
    """The key inside a docs.google.com URL, or the bare key itself (`gsheets:` prefix allowed)."""
    value = spreadsheet.strip().removeprefix("gsheets:")
    found = _KEY_IN_URL.search(value)
    if found:
        return found.group(1)
    if _BARE_KEY.fullmatch(value):
        return value
    raise SourceNotFound(NOT_A_SPREADSHEET.format(value=spreadsheet.strip()))


@dataclass(frozen=True)
class RetryPolicy:
    """How long one public call may keep trying: per request, per attempt and in total."""

    timeout: float
    max_attempts: int
    give_up_after: float
    base_delay: float


class _Transient(Exception):
    """One attempt failed in a way that may pass when tried again."""

    def __init__(self, cause: str, *, maybe_applied: bool, retry_after: float | None = None):
        super().__init__(cause)
        self.cause = cause
        # The server may have carried the request out even though we saw no answer.
        self.maybe_applied = maybe_applied
        self.retry_after = retry_after


class _CallClient(HTTPClient):
    """gspread's HTTP client for ONE public call, owning that call's deadline.

    `request` makes exactly one attempt (its timeout cut to the time left) and classifies
    what went wrong; `retry` repeats a whole gspread operation with full-jitter backoff.
    A fresh client per call keeps the deadline out of shared state, so one source can
    serve many threads at once.
    """

    def __init__(self, session: requests.Session, policy: RetryPolicy, *, action: str):
        super().__init__(auth=None, session=session)
        self._policy = policy
        self._action = action
        self._deadline = time.monotonic() + policy.give_up_after

    def _remaining(self) -> float:
        return self._deadline - time.monotonic()

    def request(
        self,
        method: str,
        endpoint: str,
        params=None,
        data=None,
        json=None,
        files=None,
        headers=None,
    ) -> requests.Response:
        timeout = max(0.001, min(self._policy.timeout, self._remaining()))
        try:
            response = self.session.request(
                method=method,
                url=endpoint,
                params=params,
                data=data,
                json=json,
                files=files,
                headers=headers,
                timeout=timeout,
            )
        except RefreshError as exc:
            if exc.retryable:
                raise _Transient("server", maybe_applied=False) from exc
            raise
        except TransportError as exc:
            # Raised while fetching a token, before our request left.
            raise _Transient("network", maybe_applied=False) from exc
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise _Transient("network", maybe_applied=_may_have_arrived(exc)) from exc
        if response.ok:
            return response
        if response.status_code in _RETRY_STATUSES:
            raise _Transient(
                "quota" if response.status_code == 429 else "server",
                maybe_applied=response.status_code != 429,
                retry_after=_retry_after_seconds(response),
            )
        raise APIError(response)

    def retry(
        self, operation: Callable[[], T], *, before_retry: Callable[[], None] | None = None
    ) -> T:
        """Run `operation` until it succeeds, the attempts run out or the deadline nears.

        `before_retry` runs before a new attempt when the failed one may have been applied
        (the append uses it to drop rows that already landed).
        """
        attempt = 0
        while True:
            attempt += 1
            try:
                return operation()
            except _Transient as failure:
                delay = self._delay_before(attempt + 1, failure.retry_after)
                if attempt >= self._policy.max_attempts or delay >= self._remaining():
                    message = UNAVAILABLE.format(
                        action=self._action, cause=CAUSES[failure.cause], attempts=attempt
                    )
                    raise SourceUnavailable(message) from failure
                time.sleep(delay)
                if failure.maybe_applied and before_retry is not None:
                    before_retry()

    def _delay_before(self, attempt: int, retry_after: float | None) -> float:
        """Full jitter: a random wait up to base * 2^(n-2), capped; at least Retry-After."""
        ceiling = min(_MAX_DELAY, self._policy.base_delay * 2 ** (attempt - 2))
        delay = random.uniform(0, ceiling)
        if retry_after is not None:
            delay = max(delay, retry_after)
        return delay


def _may_have_arrived(exc: requests.RequestException) -> bool:
    """False only when the connection was never made, so the server cannot have acted."""
    if isinstance(exc, requests.ConnectTimeout):
        return False
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return not isinstance(reason, ConnectTimeoutError)


def _retry_after_seconds(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _api_cell(value: Cell) -> Any:
    """A cell as sent with RAW input: dates become the day-first text the office reads."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return value
    if isinstance(value, datetime):
        return "" if value != value else value.strftime("%d/%m/%Y %H:%M:%S")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        number = float(value)
        return "" if math.isnan(number) or math.isinf(number) else number
    return str(value)


def _key_text(value: Any) -> str:
    """Keys compared as the sheet shows them: 12 and 12.0 and "12" are the same key."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "" if value is None else str(value).strip()


def _column_letter(index: int) -> str:
    return rowcol_to_a1(1, index + 1).rstrip("0123456789")


class GoogleSheetSource(Source):
    """A Google Sheet reached with a service account's key.

    `spreadsheet` is the sheet's URL or its bare key. `http_adapter`, when given, carries
    every HTTPS request this source makes to Google: the Sheets API calls and google-auth's
    own side calls. Tests mount an adapter that routes them to a local fake server;
    `token_uri` in the key is honoured as is.

    Each request waits at most `timeout` seconds and is tried at most `max_attempts` times;
    a whole `read_raw` / `append_rows` call gives up after `give_up_after` seconds. Waits
    between tries are random up to `base_delay` * 2^n (full jitter), or Retry-After.

    Nothing touches the network until `read_raw` or `append_rows` is called, and one
    instance may serve many threads at once.
    """

    kind = "gsheets"

    def __init__(
        self,
        spreadsheet: str,
        *,
        credentials_info: dict,
        http_adapter: requests.adapters.BaseAdapter | None = None,
        timeout: float = 10.0,
        max_attempts: int = 5,
        give_up_after: float = 30.0,
        base_delay: float = 0.5,
    ):
        self.key = spreadsheet_key(spreadsheet)
        self._email = str(credentials_info.get("client_email") or "")
        self._policy = RetryPolicy(
            timeout=timeout,
            max_attempts=max(1, max_attempts),
            give_up_after=give_up_after,
            base_delay=base_delay,
        )
        self._session = _authorized_session(credentials_info, http_adapter)
        self._metadata_lock = threading.Lock()
        self._title: str | None = None
        self._tab_titles: list[str] | None = None

    @property
    def label(self) -> str:
        return f"Google Sheet {self._title or self.key}"

    @property
    def url(self) -> str:
        return EDIT_URL.format(key=self.key)

    @property
    def identity(self) -> str:
        # The key, not the label: the title is only known after the first read.
        return f"{self.kind}:{self.key}"

    @property
    def service_account_email(self) -> str:
        return self._email

    def read_raw(self) -> RawWorkbook:
        call = _CallClient(self._session, self._policy, action=READ)
        with self._our_errors():
            titles = self._titles(call)
            try:
                return self._batch_get(call, titles)
            except APIError as exc:
                if not _is_unknown_range(exc):
                    raise
            # A tab was renamed or removed since the titles were cached.
            return self._batch_get(call, self._titles(call, refresh=True))

    def append_rows(
        self,
        tab: str,
        rows: list[list[Cell]],
        *,
        key_column: int | None = None,
        known_new: bool = False,
    ) -> int:
        """One `values:append` for all rows, as RAW text (dates written day first).

        With `key_column`, the tab's key column is read before appending (unless the caller
        vouches the rows are `known_new`: then the submission is exactly one request) and
        again after any failure that may have landed (5xx, timeout, dropped connection), so
        neither a resubmission nor a retry writes a row twice. Without it such a retry may.
        """
        pending = [[_api_cell(cell) for cell in row] for row in rows]
        if not pending:
            return 0
        call = _CallClient(self._session, self._policy, action=WRITE)

        def drop_rows_already_there() -> None:
            present = self._keys_in_column(call, tab, key_column)
            pending[:] = [row for row in pending if not _row_key_in(row, key_column, present)]

        def append_pending() -> int:
            if pending:
                call.values_append(
                    self.key,
                    absolute_range_name(tab, "A1"),
                    params=dict(_APPEND_PARAMS),
                    body={"majorDimension": "ROWS", "values": pending},
                )
            return len(pending)

        with self._our_errors(tab=tab):
            if key_column is None:
                return call.retry(append_pending)
            if not known_new:
                drop_rows_already_there()
            return call.retry(append_pending, before_retry=drop_rows_already_there)

    def _titles(self, call: _CallClient, *, refresh: bool = False) -> list[str]:
        with self._metadata_lock:
            if self._tab_titles is None or refresh:
                metadata = call.retry(
                    lambda: call.fetch_sheet_metadata(self.key, params=dict(_METADATA_PARAMS))
                )
                self._title = metadata.get("properties", {}).get("title") or self._title
                self._tab_titles = [
                    sheet["properties"]["title"]
                    for sheet in metadata.get("sheets", [])
                    if sheet["properties"].get("sheetType", "GRID") == "GRID"
                ]
            return list(self._tab_titles)

    def _batch_get(self, call: _CallClient, titles: list[str]) -> RawWorkbook:
        if not titles:
            return {}
        ranges = [absolute_range_name(title) for title in titles]
        answer = call.retry(
            lambda: call.values_batch_get(self.key, ranges, params=dict(_READ_PARAMS))
        )
        value_ranges = answer.get("valueRanges", [])
        return _share_repeated_texts(
            {
                title: value_range.get("values", [])
                for title, value_range in zip(titles, value_ranges, strict=False)
            }
        )

    def _keys_in_column(self, call: _CallClient, tab: str, column: int) -> set[str]:
        letter = _column_letter(column)
        answer = call.retry(
            lambda: call.values_get(
                self.key,
                absolute_range_name(tab, f"{letter}:{letter}"),
                params={"majorDimension": "COLUMNS", "valueRenderOption": "UNFORMATTED_VALUE"},
            )
        )
        keys = {_key_text(value) for values in answer.get("values", []) for value in values}
        keys.discard("")
        return keys

    @contextmanager
    def _our_errors(self, *, tab: str | None = None):
        """Turn what gspread and google-auth raise into our error types."""
        try:
            yield
        except APIError as exc:
            raise self._api_error(exc, tab=tab) from exc
        except RefreshError as exc:
            raise ConfigError(KEY_REJECTED.format(email=self._email)) from exc
        except requests.JSONDecodeError as exc:
            raise SourceUnavailable(UNREADABLE_ANSWER) from exc

    def _api_error(self, exc: APIError, *, tab: str | None) -> SourceError | ConfigError:
        status = exc.response.status_code
        if status == 403:
            if _is_api_disabled(exc):
                return ConfigError(API_DISABLED.format(email=self._email))
            return SourceAccessDenied(NOT_SHARED.format(email=self._email))
        if status == 404:
            return SourceNotFound(NOT_FOUND.format(key=self.key))
        if status == 401:
            return ConfigError(KEY_REJECTED.format(email=self._email))
        if status == 400 and tab is not None and _is_unknown_range(exc):
            return SourceNotFound(TAB_NOT_FOUND.format(tab=tab))
        return SourceError(REJECTED.format(code=status))


def _authorized_session(
    credentials_info: dict, http_adapter: requests.adapters.BaseAdapter | None
) -> AuthorizedSession:
    """A session that signs requests with the service account; built offline."""
    try:
        credentials = service_account.Credentials.from_service_account_info(
            dict(credentials_info), scopes=SCOPES
        )
    except (ValueError, TypeError, KeyError) as exc:
        raise ConfigError(KEY_INVALID) from exc
    auth_request = None
    if http_adapter is not None:
        auth_session = requests.Session()
        auth_session.mount("https://", http_adapter)
        auth_request = Request(auth_session)
    session = AuthorizedSession(credentials, auth_request=auth_request)
    if http_adapter is not None:
        session.mount("https://", http_adapter)
    return session


def _share_repeated_texts(raw: RawWorkbook) -> RawWorkbook:
    """Keep one string per distinct text, in place: JSON gives every cell its own copy, and a
    province's sheet repeats the same month, ids and sentences hundreds of thousands of times
    (this roughly halves the memory a read holds while it is validated)."""
    texts: dict[str, str] = {}
    for rows in raw.values():
        for row in rows:
            for index, value in enumerate(row):
                if type(value) is str:
                    row[index] = texts.setdefault(value, value)
    return raw


def _row_key_in(row: list[Any], key_column: int | None, present: set[str]) -> bool:
    if key_column is None or key_column >= len(row):
        return False
    key = _key_text(row[key_column])
    return bool(key) and key in present


def _is_unknown_range(exc: APIError) -> bool:
    return exc.response.status_code == 400 and "Unable to parse range" in str(
        exc.error.get("message", "")
    )


def _is_api_disabled(exc: APIError) -> bool:
    details = exc.error.get("details") or []
    reasons = {d.get("reason") for d in details if isinstance(d, dict)}
    return "SERVICE_DISABLED" in reasons or "has not been used" in str(exc.error.get("message"))

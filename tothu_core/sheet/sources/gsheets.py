"""Google Sheets backend: the only module that talks to Google.

Everything goes through gspread's `HTTPClient` (its URLs, quoting and error parsing), wrapped
so that every request has a timeout and a failing call gives up after a bounded number of
attempts and seconds: gspread's own `BackOffHTTPClient` retries without end, which would
freeze a page. Google's failures leave this module only as our own error types, each with a
sentence a commune clerk can act on.

Requests. A read is one metadata request per source instance (tab titles, hidden tabs,
locale, time zone; cached) plus one `values:batchGet` of the contract's tabs only. A first
submission on a fresh layout is one `values:append`; on an older layout (an outbox retry,
a form left open) one `values:batchGet` of the top of the tab (and of the Mã phiếu column
on a retry) comes first, so values go under the header names as they are now: two requests.

Where rows land. `values.append` "searches the range for a table and appends after its
last row, starting with the table's first column" (reference: spreadsheets.values.append;
guide "Reading & writing cell values → Append values"). From a one-cell anchor the table is
the block of filled cells around it; a whole-tab range uses the *last* table of the tab,
which may start in another column (burnash/gspread#537). So the anchor is one cell in the
header's first column: the header cell itself, or the first cell of the last block of data
below a blank row (`reader.append_anchor`) so rows land below ALL the data. Titles above the
header, a header starting after column A, an empty header cell, check boxes down a column
change nothing. Every answer is checked (`updates.updatedRange` below the header, in its
first column, `updatedRows` as sent); rows that landed elsewhere raise RowsMisplaced and are
never retried blindly.
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
from gspread.utils import a1_to_rowcol, absolute_range_name, rowcol_to_a1
from urllib3.exceptions import ConnectTimeoutError

from tothu_core import texts
from tothu_core.clock import office_now
from tothu_core.errors import (
    ConfigError,
    SourceAccessDenied,
    SourceError,
    SourceNotFound,
    SourceUnavailable,
    WriteError,
)
from tothu_core.sheet import contract, reader
from tothu_core.sheet.sources.base import (
    AppendResult,
    Cell,
    RawWorkbook,
    Record,
    RowsMisplaced,
    Source,
    WriteTarget,
)

# drive.metadata.readonly: Drive's files.get may read a file's metadata (its modifiedTime)
# with it, and nothing of any file's content (reference: files.get, Authorization scopes).
SCOPES = (
    "https://www.googleapis.com/auth/spreadsheets",
    "https://www.googleapis.com/auth/drive.metadata.readonly",
)
EDIT_URL = "https://docs.google.com/spreadsheets/d/{key}/edit"
# Drive API v3 files.get: a spreadsheet is a Drive file with the same id as its key.
DRIVE_FILE_URL = "https://www.googleapis.com/drive/v3/files/{key}"
_VERSION_PARAMS = {"fields": "modifiedTime", "supportsAllDrives": "true"}

_KEY_IN_URL = re.compile(r"/spreadsheets/d/([A-Za-z0-9_-]+)")
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_CELLS = re.compile(r"^([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?$")
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# However many attempts failed, one wait never exceeds this: a clerk is looking at the page.
_MAX_DELAY = 8.0
# Sheets stops processing a request after 180 s and answers with a timeout error (Usage
# limits: "When Sheets processes a request for more than 180 seconds, the request returns
# a timeout error"), so waiting that long for one answer never waits for nothing.
API_TIME_LIMIT = 180.0
# The read budget: one answer as slow as Google allows, or a wait into the next minute
# after a 429 (quotas "are refilled every minute": 60 requests per minute per user, and a
# service account is one user), and then the read itself.
READ_GIVE_UP_AFTER = 240.0
# A submission is written while the cadre looks at the page; if Google is slow or out of
# quota it waits in the outbox instead (it is safe there) and is sent again later.
WRITE_TIMEOUT = 30.0
WRITE_GIVE_UP_AFTER = 30.0
# How old a read may be for its header positions to be trusted without looking again.
LAYOUT_MAX_AGE_SECONDS = 300.0
# The top of a tab read to find its header again: the header row as last seen, plus room
# for rows inserted above it since.
HEADER_SEARCH_ROWS = 30
# Columns read either side of the key column on a retry (see `_look_at_header`).
KEY_COLUMN_SLACK = 2
_READ_PARAMS = {
    "valueRenderOption": "UNFORMATTED_VALUE",
    "dateTimeRenderOption": "SERIAL_NUMBER",
    "majorDimension": "ROWS",
}
_APPEND_PARAMS = {
    # RAW: a text such as "=HYPERLINK(...)" typed into the form stays text in the sheet.
    "valueInputOption": "RAW",
    # INSERT_ROWS: rows are inserted for the new data, so nothing below the table (a block
    # after a blank row, a note) is ever overwritten.
    "insertDataOption": "INSERT_ROWS",
    "includeValuesInResponse": "false",
}
_METADATA_PARAMS = {
    "includeGridData": "false",
    "fields": (
        "properties(title,locale,timeZone),"
        "sheets.properties(sheetId,title,index,sheetType,hidden,gridProperties)"
    ),
}

NOT_SHARED = (
    "Bảng tính chưa được chia sẻ cho tài khoản dịch vụ {email}. "
    "Hãy mở bảng tính, bấm Chia sẻ và thêm địa chỉ này với quyền Người chỉnh sửa."
)
VIEWER_ONLY = (
    "Tài khoản dịch vụ {email} chỉ được xem bảng tính này nên chưa ghi được báo cáo. "
    "Hãy mở bảng tính, bấm Chia sẻ và đổi quyền của địa chỉ này thành Người chỉnh sửa; "
    "các báo cáo đang chờ sẽ tự được gửi lại."
)
PROTECTED = (
    "Trang «{tab}» (hoặc một vùng trong trang) đang được bảo vệ nên tài khoản dịch vụ {email} "
    "không ghi được. Hãy vào Dữ liệu → Trang và dải ô được bảo vệ, cho phép địa chỉ này chỉnh "
    "sửa (hoặc bỏ bảo vệ); các báo cáo đang chờ sẽ tự được gửi lại."
)
CELL_LIMIT = (
    "Bảng tính đã chạm giới hạn 10 triệu ô của Google nên không thêm được dòng mới. Hãy chuyển "
    "các tháng cũ sang một bảng tính khác hoặc xóa các trang, cột, dòng trống không dùng, rồi "
    "gửi lại; các báo cáo vẫn được giữ lại."
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
    "quota": (
        "Google đang giới hạn số lượt truy cập (mỗi tài khoản dịch vụ được 60 lượt mỗi phút)"
    ),
    "server": "máy chủ Google đang gặp lỗi",
    "network": "không kết nối được tới Google (hãy kiểm tra mạng Internet)",
    "slow": "Google trả lời quá chậm (bảng tính rất lớn hoặc mạng chậm)",
}
UNREADABLE_ANSWER = "Google Sheets trả về dữ liệu không đọc được. Hãy thử lại sau ít phút."
DRIVE_DISABLED = (
    "Google Drive API chưa được bật cho dự án của tài khoản dịch vụ {email}, nên chưa biết "
    "bảng tính có đổi hay không (mỗi lần đồng bộ phải đọc lại cả bảng). Hãy bật Google Drive "
    "API trong Google Cloud Console."
)
DRIVE_REFUSED = (
    "Google Drive không cho biết ngày sửa của bảng tính (mã lỗi {code}), nên mỗi lần đồng bộ "
    "phải đọc lại cả bảng."
)
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
    """How long one public call may keep trying: per request, per attempt and in total.

    `wait_for_quota`: after a 429, wait into the next minute (reads) or give up at once and
    leave the work for later (writes: the submission is safe in the outbox).
    """

    timeout: float
    max_attempts: int
    give_up_after: float
    base_delay: float
    wait_for_quota: bool = True


class Clock:
    """Time as the retry loop sees it; tests pass one that does not really sleep."""

    def monotonic(self) -> float:
        return time.monotonic()

    def time(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


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

    def __init__(
        self, session: requests.Session, policy: RetryPolicy, *, action: str, clock: Clock
    ):
        super().__init__(auth=None, session=session)
        self._policy = policy
        self._action = action
        self._clock = clock
        self._deadline = clock.monotonic() + policy.give_up_after

    def _remaining(self) -> float:
        return self._deadline - self._clock.monotonic()

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
        except requests.ReadTimeout as exc:
            raise _Transient("slow", maybe_applied=True) from exc
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
                delay = self._delay_before(attempt + 1, failure)
                out_of_tries = attempt >= self._policy.max_attempts
                if delay is None or out_of_tries or delay >= self._remaining():
                    message = UNAVAILABLE.format(
                        action=self._action, cause=CAUSES[failure.cause], attempts=attempt
                    )
                    raise SourceUnavailable(message) from failure
                self._clock.sleep(delay)
                if failure.maybe_applied and before_retry is not None:
                    before_retry()

    def _delay_before(self, attempt: int, failure: _Transient) -> float | None:
        """Full jitter: a random wait up to base * 2^(n-2), capped; at least Retry-After.

        A 429 means this minute's quota is spent, so a read waits into the next minute
        (trying again within it would only fail again); a write does not wait (None).
        """
        if failure.cause == "quota" and failure.retry_after is None:
            if not self._policy.wait_for_quota:
                return None
            return 60.0 - self._clock.time() % 60.0 + random.uniform(0.5, 2.0)
        ceiling = min(_MAX_DELAY, self._policy.base_delay * 2 ** (attempt - 2))
        delay = random.uniform(0, ceiling)
        if failure.retry_after is not None:
            delay = max(delay, failure.retry_after)
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


def _updated_box(a1: Any) -> tuple[int, int, int, int] | None:
    """(first row, first column, last row, last column), rows 1-based and columns 0-based,
    of an answer's range such as "'Sinh hoạt'!B4:M5" or "Sheet1!A2:C2"."""
    if not isinstance(a1, str) or "!" not in a1:
        return None
    found = _CELLS.match(a1.rpartition("!")[2].upper())
    if found is None:
        return None
    first_row, first_col = a1_to_rowcol(found.group(1) + found.group(2))
    if found.group(3):
        last_row, last_col = a1_to_rowcol(found.group(3) + found.group(4))
    else:
        last_row, last_col = first_row, first_col
    return first_row, first_col - 1, last_row, last_col - 1


@dataclass(frozen=True)
class _Book:
    """What the metadata request says about the spreadsheet."""

    title: str | None
    titles: tuple[str, ...]
    hidden: frozenset[str]
    locale: str | None
    time_zone: str | None


@dataclass(frozen=True)
class _Layout:
    """The header of the tab written to, as trusted for this write."""

    title: str
    header_row: int
    first_column: int
    columns: dict[str, int]
    anchor_row: int


class GoogleSheetSource(Source):
    """A Google Sheet reached with a service account's key.

    `spreadsheet` is the sheet's URL or its bare key. `http_adapter`, when given, carries
    every HTTPS request this source makes to Google: the Sheets API calls and google-auth's
    own side calls. Tests mount an adapter that routes them to a local fake server;
    `token_uri` in the key is honoured as is.

    A read waits at most `timeout` seconds for one answer (default: Google's own 180 s
    limit, so a province's sheet is not cut off) and gives up after `give_up_after` seconds
    in all with one sentence; a write uses `write_timeout` / `write_give_up_after` (at
    most 30 s: the submission is safe in the outbox). Each request is tried at most
    `max_attempts` times; waits between tries are random up to `base_delay` * 2^n (full
    jitter), or Retry-After, or for a read that met 429 into the next minute. Header
    positions from a read younger than `layout_max_age` seconds are trusted for a first
    submission; older ones are looked at again first.

    Nothing touches the network until `read_raw` or `append_records` is called, and one
    instance may serve many threads at once.
    """

    kind = "gsheets"

    def __init__(
        self,
        spreadsheet: str,
        *,
        credentials_info: dict,
        http_adapter: requests.adapters.BaseAdapter | None = None,
        timeout: float = API_TIME_LIMIT,
        max_attempts: int = 5,
        give_up_after: float = READ_GIVE_UP_AFTER,
        base_delay: float = 0.5,
        write_timeout: float | None = None,
        write_give_up_after: float | None = None,
        layout_max_age: float = LAYOUT_MAX_AGE_SECONDS,
        clock: Clock | None = None,
    ):
        self.key = spreadsheet_key(spreadsheet)
        self._email = str(credentials_info.get("client_email") or "")
        attempts = max(1, max_attempts)
        self._read_policy = RetryPolicy(
            timeout=timeout,
            max_attempts=attempts,
            give_up_after=give_up_after,
            base_delay=base_delay,
        )
        self._write_policy = RetryPolicy(
            timeout=write_timeout if write_timeout is not None else min(timeout, WRITE_TIMEOUT),
            max_attempts=attempts,
            give_up_after=(
                write_give_up_after
                if write_give_up_after is not None
                else min(give_up_after, WRITE_GIVE_UP_AFTER)
            ),
            base_delay=base_delay,
            wait_for_quota=False,
        )
        self.layout_max_age = layout_max_age
        self._clock = clock or Clock()
        self._session = _authorized_session(credentials_info, http_adapter)
        self._metadata_lock = threading.Lock()
        self._book: _Book | None = None

    @property
    def label(self) -> str:
        title = self._book.title if self._book else None
        return f"Google Sheet {title or self.key}"

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

    # -- reading ---------------------------------------------------------------------------

    def version(self) -> str | None:
        """The spreadsheet's Drive `modifiedTime` (files.get with fields=modifiedTime): one
        request, no cell read; it advances on every edit of the sheet (reference: Drive API
        v3 files.get and File.modifiedTime; cassette SpreadsheetTest.test_get_lastUpdateTime).

        Drive answers its per-user rate limit with 403 `userRateLimitExceeded` (domain
        `usageLimits`; Drive guide "Resolve errors", and gspread's BackOffHTTPClient retries
        it for that reason) or 429: both are waited out like a Sheets 429.
        """
        call = self._call(READ)
        url = DRIVE_FILE_URL.format(key=self.key)

        def ask() -> dict:
            try:
                return call.request("get", url, params=dict(_VERSION_PARAMS)).json()
            except APIError as exc:
                if _is_drive_rate_limit(exc):
                    raise _Transient("quota", maybe_applied=False) from exc
                raise

        try:
            with self._our_errors():
                answer = call.retry(ask)
        except (SourceError, ConfigError) as exc:
            cause = exc.__cause__
            if isinstance(cause, APIError) and cause.response.status_code == 403:
                if _is_api_disabled(cause):
                    raise ConfigError(DRIVE_DISABLED.format(email=self._email)) from cause
                raise SourceAccessDenied(DRIVE_REFUSED.format(code=403)) from cause
            raise
        modified = answer.get("modifiedTime") if isinstance(answer, dict) else None
        return str(modified) if modified else None

    def read_raw(self) -> RawWorkbook:
        call = self._call(READ)
        with self._our_errors():
            book = self._metadata(call)
            try:
                return self._batch_get(call, book)
            except APIError as exc:
                if not _is_unknown_range(exc):
                    raise
            # A tab was renamed or removed since the titles were cached.
            return self._batch_get(call, self._metadata(call, refresh=True))

    def _batch_get(self, call: _CallClient, book: _Book) -> RawWorkbook:
        """One request for the contract's tabs only: a book with hundreds of other tabs
        costs neither a longer URL nor a bigger answer."""
        wanted = reader.contract_titles(book.titles)
        tabs: dict[str, list] = {}
        if wanted:
            ranges = [absolute_range_name(title) for title in wanted]
            answer = call.retry(
                lambda: call.values_batch_get(self.key, ranges, params=dict(_READ_PARAMS))
            )
            value_ranges = answer.get("valueRanges", [])
            tabs = {
                title: value_range.get("values", [])
                for title, value_range in zip(wanted, value_ranges, strict=False)
            }
        return _share_repeated_texts(
            RawWorkbook(
                tabs,
                hidden=book.hidden & set(wanted),
                locale=book.locale,
                time_zone=book.time_zone,
                titles=book.titles,
            )
        )

    def _metadata(self, call: _CallClient, *, refresh: bool = False) -> _Book:
        with self._metadata_lock:
            if self._book is None or refresh:
                answer = call.retry(
                    lambda: call.fetch_sheet_metadata(self.key, params=dict(_METADATA_PARAMS))
                )
                properties = answer.get("properties", {})
                sheets = [
                    sheet.get("properties", {})
                    for sheet in answer.get("sheets", [])
                    if sheet.get("properties", {}).get("sheetType", "GRID") == "GRID"
                ]
                self._book = _Book(
                    title=properties.get("title") or (self._book.title if self._book else None),
                    titles=tuple(p["title"] for p in sheets),
                    hidden=frozenset(p["title"] for p in sheets if p.get("hidden")),
                    locale=properties.get("locale"),
                    time_zone=properties.get("timeZone"),
                )
            return self._book

    # -- writing ---------------------------------------------------------------------------

    def append_records(
        self,
        target: WriteTarget,
        records: list[Record],
        *,
        key: str | None = None,
        known_new: bool = False,
    ) -> AppendResult:
        """One `values:append` (RAW, INSERT_ROWS) anchored in the header's first column.

        A first submission (`known_new`) on a layout younger than `layout_max_age` is that
        one request. Otherwise the top of the tab (and the `key` column, unless
        `known_new`) is read first, so values go under their headers as they are now and a
        retry adds no row twice; after a failure that may have landed (5xx, timeout,
        dropped connection) the key column is read again before trying once more.
        """
        if not records:
            return AppendResult(0)
        spec = contract.TABS[target.tab]
        call = self._call(WRITE)
        title = target.title
        with self._our_errors(tab=title, writing=True):
            try:
                return self._append(call, spec, target, title, records, key, known_new)
            except APIError as exc:
                if not _is_unknown_range(exc):
                    raise
            # The tab was renamed since the read: find it again as the reader would.
            book = self._metadata(call, refresh=True)
            renamed, _ = reader.choose_tab(spec, book.titles, book.hidden)
            if renamed is None or renamed == title:
                raise SourceNotFound(TAB_NOT_FOUND.format(tab=title))
            title = renamed
            return self._append(call, spec, target, title, records, key, known_new, stale=True)

    def _append(self, call, spec, target, title, records, key, known_new, *, stale=False):
        present: set[str] = set()
        if known_new and not stale and self._fresh(target):
            layout = _Layout(
                title=title,
                header_row=target.header_row,
                first_column=target.first_column,
                columns=dict(target.columns),
                anchor_row=target.anchor_row or target.header_row,
            )
        else:
            layout, present = self._look_at_header(call, spec, target, title, key, known_new)
        if key is not None and key not in layout.columns:
            header = spec.column(key).header
            raise WriteError(texts.WRITE_COLUMN_GONE.format(title=title, headers=f"«{header}»"))
        rows = reader.records_as_rows(
            spec, title, records, layout.columns, start=layout.first_column
        )
        offset = None if key is None else layout.columns[key] - layout.first_column
        pending = [
            [_api_cell(cell) for cell in row]
            for row in rows
            if not _row_key_in(row, offset, present)
        ]
        anchor = absolute_range_name(
            title, f"{_column_letter(layout.first_column)}{layout.anchor_row}"
        )
        landed: list[AppendResult] = []

        def drop_rows_already_there() -> None:
            there = self._keys_in_column(call, title, layout.columns[key], layout.header_row)
            pending[:] = [row for row in pending if not _row_key_in(row, offset, there)]

        def append_pending() -> int:
            if pending:
                answer = call.values_append(
                    self.key,
                    anchor,
                    params=dict(_APPEND_PARAMS),
                    body={"majorDimension": "ROWS", "values": pending},
                )
                landed.append(_checked(answer, layout, len(pending)))
            return len(pending)

        if key is None:
            added = call.retry(append_pending)
        else:
            added = call.retry(append_pending, before_retry=drop_rows_already_there)
        where = landed[-1] if landed and added else AppendResult(added)
        return AppendResult(added, where.first_row, where.last_row)

    def _fresh(self, target: WriteTarget) -> bool:
        if target.read_at is None:
            return False
        age = (office_now() - target.read_at).total_seconds()
        return 0 <= age <= self.layout_max_age

    def _look_at_header(self, call, spec, target, title, key, known_new):
        """The header as it is now (one batchGet of the tab's top, with the key column on a
        retry), and the keys already below it."""
        depth = max(target.header_row + HEADER_SEARCH_ROWS, HEADER_SEARCH_ROWS)
        ranges = [absolute_range_name(title, f"1:{depth}")]
        old_key = target.columns.get(key) if key is not None and not known_new else None
        if old_key is not None:
            # The key column as last seen and two columns either side: one inserted or
            # deleted column since then still costs no extra request.
            left, right = max(0, old_key - KEY_COLUMN_SLACK), old_key + KEY_COLUMN_SLACK
            span = f"{_column_letter(left)}:{_column_letter(right)}"
            ranges.append(absolute_range_name(title, span))
        answer = call.retry(
            lambda: call.values_batch_get(self.key, ranges, params=dict(_READ_PARAMS))
        )
        value_ranges = answer.get("valueRanges", [])
        top = value_ranges[0].get("values", []) if value_ranges else []
        # Trailing empty rows are left out of an answer: fewer rows than asked means the
        # data ends inside them, so the last block of data is known too.
        complete = len(top) < depth
        found = reader.find_header(spec, top)
        if found is None and not complete:
            whole = call.retry(
                lambda: call.values_get(
                    self.key, absolute_range_name(title), params=dict(_READ_PARAMS)
                )
            )
            top, complete = whole.get("values", []), True
            found = reader.find_header(spec, top)
        if found is None:
            missing = ", ".join(c.header for c in spec.required_columns)
            raise WriteError(texts.WRITE_NO_HEADER.format(title=title, missing=missing))
        index, columns = found
        first = reader.first_filled(top[index])
        anchor = reader.append_anchor(top, index, first) if complete else index
        layout = _Layout(title, index + 1, first, columns, anchor + 1)
        present: set[str] = set()
        if key is not None and not known_new and key in columns:
            at = None if old_key is None else columns[key] - max(0, old_key - KEY_COLUMN_SLACK)
            if at is not None and 0 <= at <= 2 * KEY_COLUMN_SLACK and len(value_ranges) > 1:
                cells = value_ranges[1].get("values", [])[index + 1 :]
                present = {_key_text(row[at]) for row in cells if len(row) > at}
                present.discard("")
            else:
                present = self._keys_in_column(call, title, columns[key], index + 1)
        return layout, present

    def _keys_in_column(self, call: _CallClient, title: str, column: int, header_row: int):
        """The keys below the header: rows above it (a title, misplaced rows) are not read
        by the reader, so they do not count as written."""
        letter = _column_letter(column)
        answer = call.retry(
            lambda: call.values_get(
                self.key,
                absolute_range_name(title, f"{letter}:{letter}"),
                params={"majorDimension": "COLUMNS", "valueRenderOption": "UNFORMATTED_VALUE"},
            )
        )
        columns = answer.get("values", [])
        keys = {_key_text(value) for value in (columns[0] if columns else [])[header_row:]}
        keys.discard("")
        return keys

    # -- errors ----------------------------------------------------------------------------

    def _call(self, action: str) -> _CallClient:
        policy = self._read_policy if action == READ else self._write_policy
        return _CallClient(self._session, policy, action=action, clock=self._clock)

    @contextmanager
    def _our_errors(self, *, tab: str | None = None, writing: bool = False):
        """Turn what gspread and google-auth raise into our error types."""
        try:
            yield
        except APIError as exc:
            raise self._api_error(exc, tab=tab, writing=writing) from exc
        except RefreshError as exc:
            raise ConfigError(KEY_REJECTED.format(email=self._email)) from exc
        except requests.JSONDecodeError as exc:
            raise SourceUnavailable(UNREADABLE_ANSWER) from exc

    def _api_error(self, exc: APIError, *, tab: str | None, writing: bool) -> TothuErrorType:
        status = exc.response.status_code
        message = str(exc.error.get("message", ""))
        if status == 403:
            if _is_api_disabled(exc):
                return ConfigError(API_DISABLED.format(email=self._email))
            if writing and exc.response.request.method == "POST":
                # Reading worked (the header was read, or the last read was): Viewer only.
                return SourceAccessDenied(VIEWER_ONLY.format(email=self._email))
            return SourceAccessDenied(NOT_SHARED.format(email=self._email))
        if status == 404:
            return SourceNotFound(NOT_FOUND.format(key=self.key))
        if status == 401:
            return ConfigError(KEY_REJECTED.format(email=self._email))
        if status == 400 and "protected cell or object" in message:
            return SourceAccessDenied(PROTECTED.format(tab=tab, email=self._email))
        if status == 400 and "above the limit of" in message and "cells" in message:
            return SourceError(CELL_LIMIT)
        if status == 400 and tab is not None and _is_unknown_range(exc):
            return SourceNotFound(TAB_NOT_FOUND.format(tab=tab))
        return SourceError(REJECTED.format(code=status))


TothuErrorType = SourceError | ConfigError | WriteError


def _checked(answer: dict, layout: _Layout, sent: int) -> AppendResult:
    """Where the rows went, by the append's own answer; RowsMisplaced unless below the
    header, from its first column, every row sent."""
    updates = answer.get("updates") or {}
    box = _updated_box(updates.get("updatedRange"))
    rows = updates.get("updatedRows")
    if box is None:
        raise SourceUnavailable(UNREADABLE_ANSWER)
    first_row, first_col, last_row, _ = box
    if first_row > layout.header_row and first_col == layout.first_column and rows == sent:
        return AppendResult(sent, first_row, last_row)
    if first_row <= layout.header_row:
        why = texts.MISPLACED_ABOVE
    elif first_col != layout.first_column:
        why = texts.MISPLACED_COLUMN.format(
            got=_column_letter(first_col), want=_column_letter(layout.first_column)
        )
    else:
        why = texts.MISPLACED_COUNT.format(got=rows, want=sent)
    span = f"dòng {first_row}" if first_row == last_row else f"các dòng {first_row}–{last_row}"
    message = texts.ROWS_MISPLACED.format(
        count=sent, rows=span, title=layout.title, why=why, header_row=layout.header_row
    )
    raise RowsMisplaced(
        message, first_row=first_row, last_row=last_row, where=str(updates["updatedRange"])
    )


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
    texts_seen: dict[str, str] = {}
    for rows in raw.values():
        for row in rows:
            for index, value in enumerate(row):
                if type(value) is str:
                    row[index] = texts_seen.setdefault(value, value)
    return raw


def _row_key_in(row: list[Any], key_column: int | None, present: set[str]) -> bool:
    if key_column is None or key_column >= len(row) or not present:
        return False
    key = _key_text(row[key_column])
    return bool(key) and key in present


def _is_unknown_range(exc: APIError) -> bool:
    return exc.response.status_code == 400 and "Unable to parse range" in str(
        exc.error.get("message", "")
    )


def _is_drive_rate_limit(exc: APIError) -> bool:
    """Drive's quota answer: 403 with an `errors` entry in domain `usageLimits`."""
    if exc.response.status_code != 403:
        return False
    errors = exc.error.get("errors") or []
    return any(isinstance(e, dict) and e.get("domain") == "usageLimits" for e in errors)


def _is_api_disabled(exc: APIError) -> bool:
    details = exc.error.get("details") or []
    reasons = {d.get("reason") for d in details if isinstance(d, dict)}
    return "SERVICE_DISABLED" in reasons or "has not been used" in str(exc.error.get("message"))

"""The Google Sheets backend end to end: gspread and google-auth over real HTTP to the fake."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import replace
from datetime import date, datetime, timedelta
from urllib.parse import unquote

import gspread
import pytest

from tests.fake_sheets import FakeSheetsServer, Formula
from tothu_core.clock import office_now
from tothu_core.errors import (
    ConfigError,
    SourceAccessDenied,
    SourceError,
    SourceNotFound,
    SourceUnavailable,
)
from tothu_core.sheet.load import load_dataset
from tothu_core.sheet.reader import write_target
from tothu_core.sheet.sources.base import RowsMisplaced, WriteTarget
from tothu_core.sheet.sources.credentials import load_service_account_info, spreadsheet_from_secrets
from tothu_core.sheet.sources.gsheets import Clock, GoogleSheetSource

KEY = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcd"
MEETING_HEADERS = ["Tháng", "Mã tổ", "Mã cán bộ", "Ngày họp", "Tình hình", "Thời điểm nhập",
                   "Mã phiếu"]  # fmt: skip
TABS = {
    "Ấp": [["DANH SÁCH ẤP"], ["Mã ấp", "Tên ấp"], ["A1", "Ấp Mỹ An"], ["A2", "Ấp Mỹ Hòa"]],
    "Tổ": [["Mã tổ", "Tên tổ", "Mã ấp", "", "Số hộ"], ["T001", "Tổ 1", "A1", None, 45]],
    "Phân công": [["Mã cán bộ", "Mã tổ", "Từ ngày"], ["CB01", "T001", date(2016, 9, 26)]],
    "Sinh hoạt": [
        ["NHẬT KÝ SINH HOẠT TỔ"],
        [],
        MEETING_HEADERS,
        ["09/2016", "T001", "CB01", date(2016, 9, 26), "Ổn", datetime(2016, 9, 27, 8), "P-0"],
    ],
}


@pytest.fixture
def book(fake_sheets):
    fake_sheets.add_spreadsheet(KEY, TABS, title="Tổ tự quản xã Mỹ An")
    return fake_sheets


def make_source(server: FakeSheetsServer, info: dict, spreadsheet: str = KEY, **options):
    options = {"timeout": 2.0, "base_delay": 0.01, "give_up_after": 5.0, **options}
    return GoogleSheetSource(
        spreadsheet, credentials_info=info, http_adapter=server.http_adapter(), **options
    )


def sheet_kinds(server: FakeSheetsServer) -> list[str]:
    """Sheets API requests only: google-auth's background side lookups are not ours."""
    return [
        r.kind for r in server.requests() if r.kind in ("metadata", "batchGet", "get", "append")
    ]


class FakeClock(Clock):
    """Sleeps without sleeping; the wall clock starts `second` seconds into a minute."""

    def __init__(self, second: float = 0.0):
        self.offset = 0.0
        self.wall = 1_800_000_000.0 + second
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return time.monotonic() + self.offset

    def time(self) -> float:
        return self.wall + self.offset

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.offset += seconds


def record(sid: str, **values) -> dict:
    return {"month": "10/2016", "group_id": "T001", "cadre_id": "CB01", "submission_id": sid,
            **values}  # fmt: skip


def read_target(source) -> WriteTarget:
    """What the form's write path gets: the meetings tab as the reader just found it."""
    return write_target(load_dataset(source), "meetings")


def meeting_keys(server, tab="Sinh hoạt", column=6, start=3) -> list:
    return [row[column] for row in server.values(KEY, tab)[start:]]


# -- reading ----------------------------------------------------------------------------------


def test_construction_touches_no_network(book, service_account_info):
    source = make_source(book, service_account_info)
    assert book.count() == 0
    assert source.url == f"https://docs.google.com/spreadsheets/d/{KEY}/edit"
    assert source.identity == f"gsheets:{KEY}"


def test_read_returns_every_tab_with_one_metadata_and_one_batch_get(book, service_account_info):
    source = make_source(book, service_account_info)
    workbook = source.read_raw()
    assert list(workbook) == list(TABS)
    assert workbook["Ấp"][2] == ["A1", "Ấp Mỹ An"]
    # Empty cells inside a row stay, trailing ones are dropped, numbers stay numbers.
    assert workbook["Tổ"][1] == ["T001", "Tổ 1", "A1", "", 45]
    # Date cells arrive as serial numbers (days since 1899-12-30).
    assert workbook["Phân công"][1][2] == 42639
    assert sheet_kinds(book) == ["metadata", "batchGet"]
    assert book.count("token") == 1
    batch = book.requests("batchGet")[0]
    assert batch.params["ranges"] == [f"'{title}'" for title in TABS]
    assert batch.param("valueRenderOption") == "UNFORMATTED_VALUE"
    assert batch.param("dateTimeRenderOption") == "SERIAL_NUMBER"
    assert batch.param("majorDimension") == "ROWS"
    assert source.label == "Google Sheet Tổ tự quản xã Mỹ An"


def test_second_read_on_the_same_source_is_exactly_one_more_request(book, service_account_info):
    source = make_source(book, service_account_info)
    source.read_raw()
    before = sheet_kinds(book)
    again = source.read_raw()
    assert sheet_kinds(book) == [*before, "batchGet"]
    assert again["Ấp"][3] == ["A2", "Ấp Mỹ Hòa"]
    assert book.count("token") == 1


def test_full_url_with_gid_is_accepted(book, service_account_info):
    url = f"https://docs.google.com/spreadsheets/d/{KEY}/edit#gid=0"
    assert list(make_source(book, service_account_info, url).read_raw()) == list(TABS)


def test_renamed_tab_refetches_metadata_once(book, service_account_info):
    source = make_source(book, service_account_info)
    source.read_raw()
    book.rename_tab(KEY, "Tổ", "Tổ tự quản")
    workbook = source.read_raw()
    assert "Tổ tự quản" in workbook and "Tổ" not in workbook
    assert workbook["Tổ tự quản"][1][0] == "T001"
    assert book.count("metadata") == 2
    assert book.count("batchGet") == 3


def test_429_then_success(book, service_account_info):
    book.fail_next("batchGet", status=429)
    clock = FakeClock(second=59.0)
    workbook = make_source(book, service_account_info, clock=clock).read_raw()
    assert workbook["Ấp"][2][0] == "A1"
    assert [r.status for r in book.requests("batchGet")] == [429, 200]


def test_retry_after_is_honoured(book, service_account_info):
    book.fail_next("batchGet", status=503, retry_after=0.4)
    started = time.monotonic()
    make_source(book, service_account_info, base_delay=0.001).read_raw()
    assert time.monotonic() - started >= 0.4
    assert book.count("batchGet") == 2


def test_retry_after_beyond_the_deadline_gives_up_at_once(book, service_account_info):
    book.fail_next("batchGet", status=429, retry_after=60)
    source = make_source(book, service_account_info, give_up_after=2.0)
    started = time.monotonic()
    with pytest.raises(SourceUnavailable, match="giới hạn số lượt truy cập"):
        source.read_raw()
    assert time.monotonic() - started < 1.0
    assert book.count("batchGet") == 1


def test_slow_answer_times_out_and_the_retry_succeeds(book, service_account_info):
    book.fail_next("batchGet", status=None, delay=1.0)
    source = make_source(book, service_account_info, timeout=0.2)
    started = time.monotonic()
    assert "Ấp" in source.read_raw()
    assert time.monotonic() - started < 0.9
    assert book.count("batchGet") == 2


def test_permanent_500_gives_up_within_the_deadline(book, service_account_info):
    book.fail_always("batchGet", status=500)
    source = make_source(book, service_account_info, max_attempts=1000, give_up_after=1.0)
    started = time.monotonic()
    with pytest.raises(SourceUnavailable) as caught:
        source.read_raw()
    elapsed = time.monotonic() - started
    assert elapsed < 1.5
    tries = book.count("batchGet")
    assert tries >= 3
    assert str(caught.value) == (
        f"Chưa đọc được Google Sheets vì máy chủ Google đang gặp lỗi; đã thử {tries} lần. "
        "Hãy thử lại sau ít phút."
    )


def test_max_attempts_bounds_the_tries(book, service_account_info):
    book.fail_always("batchGet", status=502)
    with pytest.raises(SourceUnavailable, match="đã thử 3 lần"):
        make_source(book, service_account_info, max_attempts=3).read_raw()
    assert book.count("batchGet") == 3


def test_not_shared_is_access_denied_naming_the_service_account(fake_sheets, service_account_info):
    fake_sheets.add_spreadsheet(KEY, TABS, shared=False)
    with pytest.raises(SourceAccessDenied) as caught:
        make_source(fake_sheets, service_account_info).read_raw()
    assert service_account_info["client_email"] in str(caught.value)
    assert "Chia sẻ" in str(caught.value)
    assert fake_sheets.count("metadata") == 1


def test_unknown_key_is_not_found_naming_the_key(book, service_account_info):
    with pytest.raises(SourceNotFound, match="NoSuchKey123"):
        make_source(book, service_account_info, "NoSuchKey123").read_raw()
    assert book.count("metadata") == 1


def test_text_that_is_no_spreadsheet_address_is_refused_without_network(book, service_account_info):
    with pytest.raises(SourceNotFound, match="không phải đường link"):
        make_source(book, service_account_info, "https://example.com/a b")
    assert book.count() == 0


def test_server_down_is_unavailable(fake_sheets, service_account_info):
    fake_sheets.stop()
    source = make_source(fake_sheets, service_account_info, max_attempts=3)
    with pytest.raises(SourceUnavailable, match="không kết nối được tới Google.*đã thử 3 lần"):
        source.read_raw()


def test_rejected_key_is_a_config_error_without_retries(fake_sheets):
    fake_sheets.add_spreadsheet(KEY, TABS)
    stranger = fake_sheets.service_account_info(
        email="stranger@x.iam.gserviceaccount.com", register=False
    )
    with pytest.raises(ConfigError, match="stranger@x.iam.gserviceaccount.com"):
        make_source(fake_sheets, stranger).read_raw()
    assert fake_sheets.count("token") == 1
    assert sheet_kinds(fake_sheets) == []


def test_broken_key_is_a_config_error_at_construction(fake_sheets, service_account_info):
    broken = {**service_account_info, "private_key": "not a key"}
    with pytest.raises(ConfigError, match="khóa"):
        make_source(fake_sheets, broken)


def test_the_metadata_request_asks_for_locale_time_zone_and_hidden_tabs(
    fake_sheets, service_account_info
):
    fake_sheets.add_spreadsheet(
        KEY,
        {**TABS, "Sinh hoat": TABS["Sinh hoạt"]},
        hidden=("Sinh hoat",),
        locale="en_US",
        time_zone="America/New_York",
    )
    raw = make_source(fake_sheets, service_account_info).read_raw()
    fields = fake_sheets.requests("metadata")[0].param("fields")
    assert "locale" in fields and "timeZone" in fields and "hidden" in fields
    assert (raw.locale, raw.time_zone) == ("en_US", "America/New_York")
    assert raw.hidden == frozenset({"Sinh hoat"})


def test_only_the_contract_tabs_are_fetched_from_a_book_with_three_hundred_others(
    fake_sheets, service_account_info
):
    others = {f"Bảng phụ {i}": [["x"] * 5] * 20 for i in range(300)}
    fake_sheets.add_spreadsheet(KEY, {**others, **TABS})
    raw = make_source(fake_sheets, service_account_info).read_raw()
    assert list(raw) == list(TABS)
    assert len(raw.titles) == 304
    [batch] = fake_sheets.requests("batchGet")
    assert batch.params["ranges"] == [f"'{title}'" for title in TABS]


def test_a_read_that_meets_429_waits_into_the_next_minute(book, service_account_info):
    book.fail_next("batchGet", status=429)
    clock = FakeClock(second=20.0)
    source = make_source(book, service_account_info, give_up_after=240.0, clock=clock)
    assert source.read_raw()["Ấp"][2][0] == "A1"
    assert [r.status for r in book.requests("batchGet")] == [429, 200]
    [wait] = clock.sleeps
    assert 40.0 < wait <= 42.0  # from second 20 to just past the next minute


def test_a_read_whose_budget_ends_inside_the_minute_gives_up_at_once(book, service_account_info):
    book.fail_next("batchGet", status=429)
    clock = FakeClock(second=5.0)
    source = make_source(book, service_account_info, give_up_after=30.0, clock=clock)
    with pytest.raises(SourceUnavailable, match="60 lượt mỗi phút.*đã thử 1 lần"):
        source.read_raw()
    assert clock.sleeps == [] and book.count("batchGet") == 1


def test_the_quota_answer_has_googles_shape(book, service_account_info):
    book.fail_next("batchGet", status=429)
    session = book.authorized_session(service_account_info)
    answer = session.get(f"https://sheets.googleapis.com/v4/spreadsheets/{KEY}/values:batchGet")
    error = answer.json()["error"]
    assert (answer.status_code, error["status"]) == (429, "RESOURCE_EXHAUSTED")
    assert "'Read requests per minute per user'" in error["message"]
    assert error["details"][0]["reason"] == "RATE_LIMIT_EXCEEDED"


def test_google_answering_too_slowly_ends_with_a_sentence_saying_so(book, service_account_info):
    book.fail_next("batchGet", status=None, delay=0.6, times=3)
    source = make_source(book, service_account_info, timeout=0.2, max_attempts=3)
    with pytest.raises(SourceUnavailable, match="trả lời quá chậm.*đã thử 3 lần"):
        source.read_raw()


def test_by_default_one_slow_answer_of_a_large_sheet_is_waited_for(book, service_account_info):
    book.fail_next("batchGet", status=None, delay=2.5)
    source = GoogleSheetSource(
        KEY, credentials_info=service_account_info, http_adapter=book.http_adapter()
    )
    assert "Ấp" in source.read_raw()
    assert book.count("batchGet") == 1


# -- appending --------------------------------------------------------------------------------


def test_a_fresh_first_submission_is_one_raw_insert_rows_append_anchored_on_the_header(
    book, service_account_info
):
    source = make_source(book, service_account_info)
    target = read_target(source)
    assert (target.header_row, target.first_column, target.anchor_row) == (3, 0, 3)
    book.reset_log()
    when = datetime(2024, 5, 6, 8, 30, 5)
    formula = '=HYPERLINK("x")'
    result = source.append_records(
        target,
        [record("P-1", meeting_date=date(2024, 5, 1), situation=formula, submitted_at=when)],
        key="submission_id",
        known_new=True,
    )
    assert (result.added, result.first_row, result.last_row) == (1, 5, 5)
    assert sheet_kinds(book) == ["append"]
    append = book.requests("append")[0]
    assert unquote(append.path).endswith("/values/'Sinh hoạt'!A3:append")
    assert append.param("valueInputOption") == "RAW"
    assert append.param("insertDataOption") == "INSERT_ROWS"
    last = book.values(KEY, "Sinh hoạt")[-1]
    assert last == ["10/2016", "T001", "CB01", "01/05/2024", formula, "06/05/2024 08:30:05", "P-1"]
    assert not any(isinstance(cell, Formula) for cell in last)
    assert source.read_raw()["Sinh hoạt"][4][6] == "P-1"


def test_a_tab_with_an_odd_title_is_quoted_and_written_below_its_data(
    fake_sheets, service_account_info
):
    title = "Nhật ký 'tháng'"
    fake_sheets.add_spreadsheet(KEY, {title: [MEETING_HEADERS, ["09/2016", "T1", "CB01"]]})
    source = make_source(fake_sheets, service_account_info)
    target = WriteTarget(
        tab="meetings",
        title=title,
        header_row=1,
        columns={"month": 0, "group_id": 1, "cadre_id": 2, "submission_id": 6},
        read_at=office_now(),
    )
    assert source.append_records(target, [record("P-1"), record("P-2")], known_new=True).added == 2
    assert meeting_keys(fake_sheets, tab=title, start=2) == ["P-1", "P-2"]
    quoted = "'Nhật ký ''tháng'''!A1:append"
    assert unquote(fake_sheets.requests("append")[0].path).endswith(quoted)


def test_a_retry_reads_the_header_and_the_key_column_in_one_request_and_skips_known_keys(
    book, service_account_info
):
    source = make_source(book, service_account_info)
    target = read_target(source)
    book.reset_log()
    added = source.append_records(target, [record("P-0"), record("P-9")], key="submission_id")
    assert added.added == 1
    assert meeting_keys(book) == ["P-0", "P-9"]
    assert sheet_kinds(book) == ["batchGet", "append"]
    ranges = book.requests("batchGet")[0].params["ranges"]
    assert ranges == ["'Sinh hoạt'!1:33", "'Sinh hoạt'!E:I"]


def test_a_layout_read_long_ago_is_looked_at_again_before_a_first_submission(
    book, service_account_info
):
    source = make_source(book, service_account_info)
    old = replace(read_target(source), read_at=office_now() - timedelta(hours=2))
    book.reset_log()
    assert source.append_records(old, [record("P-1")], key="submission_id", known_new=True).added
    assert sheet_kinds(book) == ["batchGet", "append"]
    assert book.requests("batchGet")[0].params["ranges"] == ["'Sinh hoạt'!1:33"]


def test_a_429_on_a_write_gives_up_at_once_and_writes_nothing(book, service_account_info):
    book.fail_next("append", status=429)
    source = make_source(book, service_account_info)
    target = read_target(source)
    with pytest.raises(SourceUnavailable, match="60 lượt mỗi phút.*đã thử 1 lần"):
        source.append_records(target, [record("P-1")], key="submission_id", known_new=True)
    assert book.count("append") == 1
    assert meeting_keys(book) == ["P-0"]


@pytest.mark.parametrize("drop", [False, True], ids=["lost-500", "dropped-connection"])
def test_a_lost_answer_then_a_retry_adds_no_duplicate(book, service_account_info, drop):
    source = make_source(book, service_account_info)
    target = read_target(source)
    book.reset_log()
    book.fail_next("append", status=500, apply=True, drop=drop)
    result = source.append_records(
        target, [record("P-1"), record("P-2")], key="submission_id", known_new=True
    )
    assert meeting_keys(book) == ["P-0", "P-1", "P-2"]
    assert result.added == 0
    assert sheet_kinds(book) == ["append", "get"]


def test_a_renamed_tab_is_found_again_as_the_reader_finds_it(book, service_account_info):
    source = make_source(book, service_account_info)
    target = read_target(source)
    book.rename_tab(KEY, "Sinh hoạt", "Nhật ký")
    assert source.append_records(target, [record("P-1")], known_new=True).added == 1
    assert meeting_keys(book, tab="Nhật ký") == ["P-0", "P-1"]


def test_no_meetings_tab_at_all_names_the_tab(fake_sheets, service_account_info):
    fake_sheets.add_spreadsheet(KEY, {"Ấp": TABS["Ấp"]})
    columns = {"month": 0, "group_id": 1, "cadre_id": 2, "submission_id": 6}
    target = WriteTarget("meetings", "Sinh hoạt", 3, columns, read_at=office_now())
    with pytest.raises(SourceNotFound, match="Sinh hoạt"):
        make_source(fake_sheets, service_account_info).append_records(
            target, [record("P-1")], known_new=True
        )


def test_a_sheet_shared_as_viewer_reads_but_says_to_share_as_editor(
    fake_sheets, service_account_info
):
    fake_sheets.add_spreadsheet(KEY, TABS, role="reader")
    source = make_source(fake_sheets, service_account_info)
    target = read_target(source)
    with pytest.raises(SourceAccessDenied) as caught:
        source.append_records(target, [record("P-1")], known_new=True)
    assert "chỉ được xem" in str(caught.value) and "Người chỉnh sửa" in str(caught.value)
    assert service_account_info["client_email"] in str(caught.value)
    assert [r.status for r in fake_sheets.requests("append")] == [403]


def test_a_protected_tab_says_so(book, service_account_info):
    book.protect(KEY, "Sinh hoạt")
    source = make_source(book, service_account_info)
    with pytest.raises(SourceAccessDenied, match="đang được bảo vệ"):
        source.append_records(read_target(source), [record("P-1")], known_new=True)
    assert meeting_keys(book) == ["P-0"]


def test_the_ten_million_cell_limit_says_what_to_do(book, service_account_info):
    source = make_source(book, service_account_info)
    target = read_target(source)
    book.cell_limit = 4 * 1000 * 26  # the four tabs' grids fill it
    with pytest.raises(SourceError, match="10 triệu ô"):
        source.append_records(target, [record("P-1")], known_new=True)
    assert meeting_keys(book) == ["P-0"]


def test_a_failing_write_gives_up_saying_it_did_not_write(book, service_account_info):
    book.fail_always("append", status=503)
    source = make_source(book, service_account_info, max_attempts=2)
    with pytest.raises(SourceUnavailable, match="Chưa ghi được.*đã thử 2 lần"):
        source.append_records(read_target(source), [record("P")], known_new=True)


def test_rows_that_land_above_the_header_are_misplaced_and_not_retried(book, service_account_info):
    source = make_source(book, service_account_info)
    target = read_target(source)
    # After the read, the office types a line at the top: row 3 is now the blank line.
    book.insert_rows(KEY, "Sinh hoạt", 0, [["Cập nhật ngày 01/12/2026"]])
    book.reset_log()
    with pytest.raises(RowsMisplaced) as caught:
        source.append_records(target, [record("P-1")], key="submission_id", known_new=True)
    assert (caught.value.first_row, caught.value.last_row) == (3, 3)
    assert "dòng 3" in str(caught.value) and "phía trên dòng tiêu đề" in str(caught.value)
    assert sheet_kinds(book) == ["append"]


def test_forty_threads_appending_with_faults_write_every_row_once(book, service_account_info):
    source = make_source(book, service_account_info, max_attempts=12, give_up_after=20.0)
    target = read_target(source)
    book.fail_next("append", status=429, times=6)
    book.fail_next("append", status=500, times=4)
    book.fail_next("append", status=500, apply=True, times=4)
    book.fail_next("get", status=503, times=3)
    results: dict[int, int] = {}
    quota: list[int] = []
    start = threading.Barrier(40)

    def submit(i: int) -> None:
        start.wait()
        try:
            results[i] = source.append_records(
                target, [record(f"K{i:02d}")], key="submission_id", known_new=True
            ).added
        except SourceUnavailable:
            quota.append(i)

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(40)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert time.monotonic() - started < 15
    # A 429 leaves the write for later (the outbox sends it again): here, a second round.
    assert len(quota) == 6
    for i in quota:
        again = source.append_records(target, [record(f"K{i:02d}")], key="submission_id")
        results[i] = again.added
    assert sorted(meeting_keys(book, start=4)) == [f"K{i:02d}" for i in range(40)]
    # The four lost appends landed but were reported as already there, not appended again.
    assert sorted(results.values()).count(0) == 4
    assert sum(results.values()) == 36


def test_plain_gspread_works_against_the_fake(book, service_account_info):
    """The fake speaks enough of the API for gspread itself; USER_ENTERED makes a formula."""
    client = gspread.Client(None, session=book.authorized_session(service_account_info))
    worksheet = client.open_by_key(KEY).worksheet("Ấp")
    assert worksheet.get_all_values()[2] == ["A1", "Ấp Mỹ An"]
    worksheet.append_row(["A3", "=1+1"], value_input_option="USER_ENTERED")
    assert book.values(KEY, "Ấp")[-1] == ["A3", Formula("=1+1")]


# -- credentials ------------------------------------------------------------------------------


def test_credentials_from_the_environment_file(tmp_path, service_account_info):
    path = tmp_path / "key.json"
    path.write_text(json.dumps(service_account_info), encoding="utf-8")
    info = load_service_account_info(environ={"GOOGLE_APPLICATION_CREDENTIALS": str(path)})
    assert info == service_account_info


def test_credentials_from_secrets_with_escaped_newlines(service_account_info):
    pasted = {
        **service_account_info,
        "private_key": service_account_info["private_key"].replace("\n", "\\n"),
    }
    del pasted["token_uri"]
    info = load_service_account_info(secrets={"gcp_service_account": pasted}, environ={})
    assert info["private_key"] == service_account_info["private_key"]
    assert info["token_uri"] == "https://oauth2.googleapis.com/token"


def test_no_credentials_configured_is_none():
    assert load_service_account_info(secrets={"sheets": {}}, environ={}) is None


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "Không tìm thấy tệp khóa"),
        ("{not json", "không phải tệp khóa JSON"),
        (
            json.dumps({"type": "authorized_user", "client_id": "x"}),
            "không phải khóa của tài khoản dịch vụ",
        ),
        (
            json.dumps({"type": "service_account", "client_email": "a@b"}),
            "thiếu trường private_key",
        ),
    ],
    ids=["missing", "not-json", "user-credentials", "incomplete"],
)
def test_bad_key_file_is_a_config_error(tmp_path, content, expected):
    path = tmp_path / "key.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match=expected):
        load_service_account_info(environ={"GOOGLE_APPLICATION_CREDENTIALS": str(path)})


def test_spreadsheet_from_secrets():
    url = f"https://docs.google.com/spreadsheets/d/{KEY}/edit#gid=0"
    assert spreadsheet_from_secrets({"sheets": {"spreadsheet": f" {url} "}}) == url
    assert spreadsheet_from_secrets({"sheets": {"spreadsheet": KEY}}) == f"gsheets:{KEY}"
    assert spreadsheet_from_secrets({"sheets": {"spreadsheet": ""}}) is None
    assert spreadsheet_from_secrets({}) is None
    assert spreadsheet_from_secrets(None) is None

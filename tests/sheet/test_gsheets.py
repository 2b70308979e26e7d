"""The Google Sheets backend end to end: gspread and google-auth over real HTTP to the fake."""

from __future__ import annotations

import json
import threading
import time
from datetime import date, datetime

import gspread
import pytest

from tests.fake_sheets import FakeSheetsServer, Formula
from tothu_core.errors import (
    ConfigError,
    SourceAccessDenied,
    SourceNotFound,
    SourceUnavailable,
)
from tothu_core.sheet.sources.credentials import load_service_account_info, spreadsheet_from_secrets
from tothu_core.sheet.sources.gsheets import GoogleSheetSource

KEY = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcd"
TABS = {
    "Ấp": [["DANH SÁCH ẤP"], ["Mã ấp", "Tên ấp"], ["A1", "Ấp Mỹ An"], ["A2", "Ấp Mỹ Hòa"]],
    "Tổ": [["Mã tổ", "Tên tổ", "Mã ấp", "", "Số hộ"], ["T001", "Tổ 1", "A1", None, 45]],
    "Phân công": [["Mã cán bộ", "Mã tổ", "Từ ngày"], ["CB01", "T001", date(2016, 9, 26)]],
    "Sinh hoạt": [["Mã phiếu", "Tháng", "Mã tổ"], ["P-0", "09/2016", "T001"]],
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
    workbook = make_source(book, service_account_info).read_raw()
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


# -- appending --------------------------------------------------------------------------------


def test_append_is_one_raw_insert_rows_request_and_formulas_stay_text(book, service_account_info):
    source = make_source(book, service_account_info)
    when = datetime(2024, 5, 6, 8, 30, 5)
    added = source.append_rows(
        "Sinh hoạt",
        [["P-1", date(2024, 5, 1), "T001", '=HYPERLINK("x")', when, None, 12, True]],
    )
    assert added == 1
    assert sheet_kinds(book) == ["append"]
    append = book.requests("append")[0]
    assert append.param("valueInputOption") == "RAW"
    assert append.param("insertDataOption") == "INSERT_ROWS"
    assert append.path.endswith(":append")
    last = book.values(KEY, "Sinh hoạt")[-1]
    assert last == [
        "P-1",
        "01/05/2024",
        "T001",
        '=HYPERLINK("x")',
        "06/05/2024 08:30:05",
        "",
        12,
        True,
    ]
    assert not any(isinstance(cell, Formula) for cell in last)


def test_append_lands_after_the_last_row_of_a_tab_with_an_odd_title(
    fake_sheets, service_account_info
):
    title = "Nhật ký 'tháng'"
    fake_sheets.add_spreadsheet(KEY, {title: [["Mã phiếu"], ["P-0"], [], [""]]})
    source = make_source(fake_sheets, service_account_info)
    assert source.append_rows(title, [["P-1"], ["P-2"]]) == 2
    assert fake_sheets.values(KEY, title) == [["Mã phiếu"], ["P-0"], ["P-1"], ["P-2"]]


def test_append_with_a_key_skips_rows_already_in_the_tab(book, service_account_info):
    source = make_source(book, service_account_info)
    assert source.append_rows("Sinh hoạt", [["P-0", "x"], ["P-9", "y"]], key_column=0) == 1
    keys = [row[0] for row in book.values(KEY, "Sinh hoạt")]
    assert keys == ["Mã phiếu", "P-0", "P-9"]
    get = book.requests("get")[0]
    assert get.param("majorDimension") == "COLUMNS"
    assert sheet_kinds(book) == ["get", "append"]


def test_append_429_is_retried_without_checking_again(book, service_account_info):
    book.fail_next("append", status=429)
    source = make_source(book, service_account_info)
    assert source.append_rows("Sinh hoạt", [["P-1"]], key_column=0) == 1
    assert sheet_kinds(book) == ["get", "append", "append"]


@pytest.mark.parametrize("drop", [False, True], ids=["lost-500", "dropped-connection"])
def test_lost_response_then_retry_adds_no_duplicate(book, service_account_info, drop):
    book.fail_next("append", status=500, apply=True, drop=drop)
    source = make_source(book, service_account_info)
    added = source.append_rows("Sinh hoạt", [["P-1", "a"], ["P-2", "b"]], key_column=0)
    keys = [row[0] for row in book.values(KEY, "Sinh hoạt")]
    assert keys == ["Mã phiếu", "P-0", "P-1", "P-2"]
    assert added == 0
    assert sheet_kinds(book) == ["get", "append", "get"]


def test_append_to_a_missing_tab_names_it(book, service_account_info):
    with pytest.raises(SourceNotFound, match="Nhật ký cũ"):
        make_source(book, service_account_info).append_rows("Nhật ký cũ", [["x"]])


def test_append_gives_up_as_unavailable_saying_it_did_not_write(book, service_account_info):
    book.fail_always("append", status=503)
    with pytest.raises(SourceUnavailable, match="Chưa ghi được.*đã thử 2 lần"):
        make_source(book, service_account_info, max_attempts=2).append_rows("Sinh hoạt", [["P"]])


def test_forty_threads_appending_with_faults_write_every_row_once(book, service_account_info):
    source = make_source(book, service_account_info, max_attempts=12, give_up_after=20.0)
    book.fail_next("append", status=429, times=6)
    book.fail_next("append", status=500, times=4)
    book.fail_next("append", status=500, apply=True, times=4)
    book.fail_next("get", status=503, times=3)
    results: dict[int, int] = {}
    failures: list[BaseException] = []
    start = threading.Barrier(40)

    def submit(i: int) -> None:
        start.wait()
        try:
            results[i] = source.append_rows("Sinh hoạt", [[f"K{i:02d}", i]], key_column=0)
        except Exception as exc:
            failures.append(exc)

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(40)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not failures
    assert time.monotonic() - started < 15
    keys = [row[0] for row in book.values(KEY, "Sinh hoạt")[2:]]
    assert sorted(keys) == [f"K{i:02d}" for i in range(40)]
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

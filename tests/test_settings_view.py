"""What the Cài đặt page tells an admin: values, their origin, how to change them, no secrets."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from tests.people.test_access import dataset
from tothu_core import settings_view
from tothu_core.people import access
from tothu_core.people.accounts import AccountInfo
from tothu_core.settings import Settings, read_saved
from tothu_core.sheet.sources.base import Source

NOW = datetime(2026, 11, 3, 9, 30, tzinfo=timezone(timedelta(hours=7)))


class FakeSource(Source):
    kind = "gsheets"

    def __init__(self, *, is_demo=False, url=None, robot=None):
        self.is_demo = is_demo
        self._url = url
        if robot:
            self.service_account_email = robot

    @property
    def label(self) -> str:
        return "Google Sheet Tổ tự quản"

    @property
    def url(self):
        return self._url

    def read_raw(self):
        raise AssertionError("the settings page must not read the source")

    def append_rows(self, tab, rows, *, key_column=None):
        raise AssertionError("the settings page must not write")


def test_a_google_sheet_shows_its_link_and_the_service_account_to_share_it_with():
    source = FakeSource(url="https://docs.google.com/spreadsheets/d/K/edit", robot="bot@p.iam")
    rows = settings_view.source_rows(
        "gsheets:K", "secrets.toml", source=source, environ={"GOOGLE_APPLICATION_CREDENTIALS": "x"}
    )
    assert [(r.name, r.value, r.origin) for r in rows] == [
        (
            "Nguồn dữ liệu",
            "Google Sheet Tổ tự quản – https://docs.google.com/spreadsheets/d/K/edit",
            "mục [sheets] trong secrets.toml",
        ),
        ("Tài khoản dịch vụ Google", "bot@p.iam", "biến môi trường GOOGLE_APPLICATION_CREDENTIALS"),
    ]
    assert "TOTHU_SOURCE" in rows[0].how_to_change


def test_the_origin_of_the_source_is_said_in_words():
    (row,) = settings_view.source_rows("/x/a.xlsx", "TOTHU_SOURCE", source=FakeSource())
    assert (row.value, row.origin) == (
        "Google Sheet Tổ tự quản (/x/a.xlsx)",
        "biến môi trường TOTHU_SOURCE",
    )


def test_the_demo_says_it_is_sample_data():
    (row,) = settings_view.source_rows("demo", "mặc định", source=FakeSource(is_demo=True))
    assert row.value == "Dữ liệu mẫu (Google Sheet Tổ tự quản)"


def test_each_setting_says_where_its_value_came_from(tmp_path):
    settings = Settings(
        cache_ttl_seconds=120, deadline_day=7, lock_days=3, data_dir=tmp_path,
        issuing_body="Đảng ủy xã Mỹ Thạnh", superior_body="Đảng bộ tỉnh Vĩnh Long",
    )  # fmt: skip
    rows = settings_view.settings_rows(
        settings,
        environ={"TOTHU_DEADLINE_DAY": "7"},
        secrets={"tothu": {"cache_ttl_seconds": 120}, "auth": {"client_secret": "hush"}},
        saved={"issuing_body": "Đảng ủy xã Mỹ Thạnh"},
        demo=True,
    )
    by_name = {r.name: (r.value, r.origin) for r in rows}
    assert by_name["Thời gian dùng lại một lần đọc bảng tính"] == (
        "120 giây (khoảng 2 phút)", "mục [tothu] của secrets.toml (cache_ttl_seconds)"
    )  # fmt: skip
    assert by_name["Hạn báo cáo"] == (
        "hết ngày 7 của tháng sau",
        "biến môi trường TOTHU_DEADLINE_DAY",
    )
    assert by_name["Khóa sổ tháng"] == ("3 ngày sau hạn báo cáo", "mặc định")
    assert by_name["Số tổ mỗi cán bộ"] == ("kế hoạch 3 tổ, tối đa 5 tổ", "mặc định")
    assert by_name["Cấp ủy ban hành (dòng dưới của tiêu đề)"] == (
        "Đảng ủy xã Mỹ Thạnh", f"trang «Cài đặt» (tệp {tmp_path / 'cai-dat.json'})"
    )  # fmt: skip
    assert by_name["Cấp ủy cấp trên (dòng trên của tiêu đề)"][1] == "dữ liệu mẫu"
    assert by_name["Địa danh ghi trước ngày tháng"][0] == "Mỹ Thạnh (lấy từ tên cấp ủy ban hành)"
    assert by_name["Thư mục dữ liệu của ứng dụng"] == (str(tmp_path), "mặc định")
    assert all("TOTHU_" in r.how_to_change for r in rows)
    assert "Sửa ở mục «Sửa cài đặt»" in rows[1].how_to_change
    assert not any("hush" in str(r) for r in rows)


def test_the_form_locks_what_the_server_sets_and_saves_the_rest(tmp_path):
    settings = Settings(data_dir=tmp_path)
    fields = {
        f.key: f for f in settings_view.editable_fields(settings, environ={"TOTHU_LOCK_DAYS": "4"})
    }
    assert list(fields) == list(settings_view.EDITABLE_ORDER)
    assert fields["lock_days"].locked_by == "biến môi trường TOTHU_LOCK_DAYS"
    assert "TOTHU_LOCK_DAYS" in fields["lock_days"].note
    assert fields["deadline_day"].locked_by is None and fields["deadline_day"].note is None
    assert fields["recipients"].value.splitlines()[0].startswith("Ban Tuyên giáo và Dân vận")
    path, problems = settings_view.save_from_form(
        settings, {"lock_days": 9, "deadline_day": 6}, environ={"TOTHU_LOCK_DAYS": "4"}
    )
    assert problems == {} and path == tmp_path / "cai-dat.json"
    assert read_saved(tmp_path) == {"deadline_day": 6}, "the server's value is not copied"
    path, problems = settings_view.save_from_form(settings, {"deadline_day": 40}, environ={})
    assert path is None
    assert problems == {"Hạn nộp báo cáo (ngày của tháng sau)": "phải từ 1 đến 28"}
    assert read_saved(tmp_path) == {"deadline_day": 6}


def test_files_show_the_sign_in_mode_and_whether_each_file_exists(tmp_path):
    accounts = tmp_path / "accounts.json"
    locks = tmp_path / "month_locks.json"
    locks.write_text("{}")
    rows = settings_view.file_rows(
        mode=access.LOCAL,
        accounts_path=accounts,
        other_files={"Tệp khóa sổ tháng": locks},
        environ={"TOTHU_ACCOUNTS_FILE": str(accounts)},
    )
    assert [(r.name, r.value) for r in rows] == [
        ("Cách đăng nhập", "Tài khoản cục bộ (tên đăng nhập và mật khẩu)"),
        ("Tệp tài khoản cục bộ", f"{accounts} (chưa có tệp)"),
        ("Tệp khóa sổ tháng", str(locks)),
    ]
    assert rows[1].origin == "biến môi trường TOTHU_ACCOUNTS_FILE"


def test_the_accounts_table_names_each_cadre_and_flags_locked_and_orphan_accounts():
    accounts = [
        AccountInfo("an", "CB01"),
        AccountInfo("dung", "qt01", locked_until=NOW + timedelta(minutes=10)),
        AccountInfo("cu", "CB99"),
        AccountInfo("cuong", "LD01", locked_until=NOW - timedelta(minutes=1)),
    ]
    table = settings_view.accounts_table(dataset(), accounts, now=NOW)
    assert list(table.columns) == [
        "Tên đăng nhập",
        "Họ và tên",
        "Tình trạng",
        "Vai trò",
        "Mã cán bộ",
    ]
    assert table.values.tolist() == [
        ["an", "Nguyễn Văn An", "Dùng được", "Cán bộ", "CB01"],
        ["dung", "Phạm Thị Dung", "Tạm khóa đến 09:40 03/11/2026", "Quản trị", "qt01"],
        ["cu", "", "Mã cán bộ không có trong bảng tính: chưa đăng nhập được", "", "CB99"],
        ["cuong", "Lê Văn Cường", "Dùng được", "Lãnh đạo", "LD01"],
    ]


def test_no_accounts_give_an_empty_table_with_the_headers():
    table = settings_view.accounts_table(dataset(), [], now=NOW)
    assert table.empty and "Tên đăng nhập" in table.columns

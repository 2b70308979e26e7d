"""What the Cài đặt page shows an admin: each setting, where its value came from, how to change it.

Built from the configuration's names and values only: a secret (the service account's private
key, the OIDC client secret, a password hash) has no field here, so it cannot be shown.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd

from tothu_core.people import access
from tothu_core.people.accounts import ACCOUNTS_FILE_ENV, AccountInfo
from tothu_core.settings import Settings
from tothu_core.sheet.dataset import Dataset
from tothu_core.sheet.sources.base import Source

RESTART = "rồi khởi động lại ứng dụng"
SOURCE_HOW = (
    "Đặt biến môi trường TOTHU_SOURCE (đường dẫn tệp .xlsx/.ods, thư mục CSV hoặc địa chỉ "
    "Google Sheet), hoặc ghi `spreadsheet` trong mục [sheets] của .streamlit/secrets.toml, "
    f"{RESTART}."
)
KEY_HOW = (
    "Đặt biến GOOGLE_APPLICATION_CREDENTIALS trỏ tới tệp khóa JSON, hoặc chép khóa vào mục "
    f"[gcp_service_account] của .streamlit/secrets.toml, {RESTART}. Nhớ chia sẻ bảng tính cho "
    "địa chỉ này với quyền Người chỉnh sửa."
)
SIGN_IN_HOW = {
    access.GOOGLE: "Bỏ mục [auth] khỏi .streamlit/secrets.toml để chuyển sang tài khoản cục bộ.",
    access.LOCAL: "Thêm mục [auth] vào .streamlit/secrets.toml để đăng nhập bằng Google.",
    access.DEMO: (
        "Chỉ có trên dữ liệu mẫu: khi khai báo bảng tính thật, chế độ dùng thử tự tắt; khi đó "
        "cần tài khoản cục bộ hoặc đăng nhập Google."
    ),
    access.UNCONFIGURED: (
        "Tạo tài khoản bằng lệnh `python -m tothu_core account add TEN --cadre CB01`, hoặc "
        "thêm mục [auth] vào .streamlit/secrets.toml."
    ),
}
SIGN_IN_NAMES = {
    access.GOOGLE: "Tài khoản Google (cột Email của trang Cán bộ)",
    access.LOCAL: "Tài khoản cục bộ (tên đăng nhập và mật khẩu)",
    access.DEMO: "Dùng thử: chọn vai trò trên dữ liệu mẫu",
    access.UNCONFIGURED: "Chưa cấu hình: chưa ai đăng nhập được",
}
ACCOUNT_COMMANDS = (
    ("Thêm tài khoản", "python -m tothu_core account add TEN --cadre CB01"),
    ("Đặt lại mật khẩu, mở khóa", "python -m tothu_core account reset TEN"),
    ("Xóa tài khoản", "python -m tothu_core account remove TEN"),
    ("Xem danh sách", "python -m tothu_core account list"),
)
# Name and status first: on a phone only the first columns fit.
ACCOUNT_HEADERS = {
    "username": "Tên đăng nhập",
    "name": "Họ và tên",
    "status": "Tình trạng",
    "role": "Vai trò",
    "cadre_id": "Mã cán bộ",
}
SOURCE_ORIGINS = {
    "TOTHU_SOURCE": "biến môi trường TOTHU_SOURCE",
    "secrets.toml": "mục [sheets] trong secrets.toml",
    "--source": "tham số --source",
    "mặc định": "mặc định (chưa khai báo nguồn nào)",
}
ACCOUNT_OK = "Dùng được"
ACCOUNT_LOCKED = "Tạm khóa đến {until}"
ACCOUNT_ORPHAN = "Mã cán bộ không có trong bảng tính: chưa đăng nhập được"


@dataclass(frozen=True)
class SettingRow:
    """One line of the page: what it is, its value, where that came from, how to change it."""

    name: str
    value: str
    origin: str
    how_to_change: str


def _origin(name: str, *, environ: Mapping, secrets: Mapping | None) -> str:
    """Which of the places `load_settings` reads gave this setting its value."""
    env_name = f"TOTHU_{name.upper()}"
    if environ.get(env_name):
        return f"biến môi trường {env_name}"
    table = (secrets or {}).get("tothu") or {}
    if name in table:
        return f"mục [tothu] {name} trong secrets.toml"
    return "mặc định"


def _how(name: str) -> str:
    return (
        f"Đặt biến môi trường TOTHU_{name.upper()} hoặc ghi `{name} = …` trong mục [tothu] "
        f"của .streamlit/secrets.toml, {RESTART}."
    )


def source_rows(
    spec: str,
    origin: str,
    *,
    source: Source,
    environ: Mapping = os.environ,
) -> list[SettingRow]:
    """The data source and, for a Google Sheet, the service account it is read with."""
    if source.is_demo:
        value = f"Dữ liệu mẫu ({source.label})"
    elif source.url:
        value = f"{source.label} – {source.url}"
    else:
        value = f"{source.label} ({spec.strip()})"
    rows = [SettingRow("Nguồn dữ liệu", value, SOURCE_ORIGINS.get(origin, origin), SOURCE_HOW)]
    robot = getattr(source, "service_account_email", None)
    if robot:
        where = (
            "biến môi trường GOOGLE_APPLICATION_CREDENTIALS"
            if environ.get("GOOGLE_APPLICATION_CREDENTIALS")
            else "mục [gcp_service_account] trong secrets.toml"
        )
        rows.append(SettingRow("Tài khoản dịch vụ Google", str(robot), where, KEY_HOW))
    return rows


def settings_rows(
    settings: Settings, *, environ: Mapping = os.environ, secrets: Mapping | None = None
) -> list[SettingRow]:
    """Cache time, deadline day, lock days and the data folder, each with its origin."""
    ttl = settings.cache_ttl_seconds
    minutes = f" (khoảng {ttl // 60} phút)" if ttl >= 60 else ""
    values = (
        ("cache_ttl_seconds", "Thời gian dùng lại một lần đọc bảng tính", f"{ttl} giây{minutes}"),
        (
            "deadline_day",
            "Hạn báo cáo",
            f"hết ngày {settings.deadline_day} của tháng sau",
        ),
        (
            "lock_days",
            "Khóa sổ tháng",
            f"{settings.lock_days} ngày sau hạn báo cáo",
        ),
        ("data_dir", "Thư mục dữ liệu của ứng dụng", str(settings.data_dir)),
    )
    return [
        SettingRow(title, value, _origin(key, environ=environ, secrets=secrets), _how(key))
        for key, title, value in values
    ]


def file_rows(
    *,
    mode: str,
    accounts_path: Path,
    other_files: Mapping[str, Path] | None = None,
    environ: Mapping = os.environ,
) -> list[SettingRow]:
    """How people sign in, and where the app keeps the files it writes itself."""
    accounts_origin = (
        f"biến môi trường {ACCOUNTS_FILE_ENV}" if environ.get(ACCOUNTS_FILE_ENV) else "mặc định"
    )
    exists = "" if accounts_path.is_file() else " (chưa có tệp)"
    rows = [
        SettingRow("Cách đăng nhập", SIGN_IN_NAMES[mode], "", SIGN_IN_HOW[mode]),
        SettingRow(
            "Tệp tài khoản cục bộ",
            f"{accounts_path}{exists}",
            accounts_origin,
            f"Đặt biến môi trường {ACCOUNTS_FILE_ENV} tới một tệp ngoài thư mục mã nguồn, "
            f"{RESTART}.",
        ),
    ]
    for title, path in (other_files or {}).items():
        rows.append(
            SettingRow(
                title,
                str(path) + ("" if path.exists() else " (chưa có tệp)"),
                "",
                "Nằm trong thư mục dữ liệu: đổi theo thư mục đó (TOTHU_DATA_DIR).",
            )
        )
    return rows


def accounts_table(ds: Dataset, accounts: list[AccountInfo], *, now: datetime) -> pd.DataFrame:
    """Local accounts with the cadre each one signs in as (never a hash), Vietnamese headers.

    An account whose Mã cán bộ is not in the sheet is flagged: it would be refused at sign-in.
    """
    rows = []
    for account in accounts:
        person = access.viewer_for_cadre(ds, account.cadre_id, via=access.LOCAL)
        rows.append(
            {
                "username": account.username,
                "cadre_id": account.cadre_id,
                "name": person.name if person else "",
                "role": person.role if person else "",
                "status": _status(person, account.locked_until, now),
            }
        )
    return pd.DataFrame(rows, columns=list(ACCOUNT_HEADERS)).rename(columns=ACCOUNT_HEADERS)


def _status(person: access.Viewer | None, locked_until, now: datetime) -> str:
    if person is None:
        return ACCOUNT_ORPHAN
    if locked_until is not None and locked_until > now:
        local = locked_until.astimezone(now.tzinfo)
        return ACCOUNT_LOCKED.format(until=local.strftime("%H:%M %d/%m/%Y"))
    return ACCOUNT_OK

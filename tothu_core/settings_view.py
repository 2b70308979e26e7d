"""What the Cài đặt page shows an admin: each setting, where its value came from, how to change it,
and the form that edits the settings the office may change in the browser.

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

from tothu_core import settings as settings_module
from tothu_core.people import access
from tothu_core.people.accounts import ACCOUNTS_FILE_ENV, AccountInfo
from tothu_core.settings import FIELDS, ORGANISATION_KEYS, Settings, origins, settings_path
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
# Every setting the page edits: its label and what it is for.
FIELD_LABELS = {
    "deadline_day": "Hạn nộp báo cáo (ngày của tháng sau)",
    "lock_days": "Khóa sổ sau hạn (số ngày)",
    "cache_ttl_seconds": "Thời gian dùng lại một lần đọc bảng tính (giây)",
    "planned_load": "Số tổ mỗi cán bộ theo kế hoạch",
    "max_load": "Số tổ tối đa mỗi cán bộ",
    "superior_body": "Cấp ủy cấp trên (dòng trên của tiêu đề)",
    "issuing_body": "Cấp ủy ban hành (dòng dưới của tiêu đề)",
    "place_name": "Địa danh ghi trước ngày tháng",
    "report_board": "Ban nhận báo cáo của cán bộ",
    "number_code": "Ký hiệu văn bản",
    "signer_title": "Chức vụ người ký",
    "signing_for": "Thay mặt",
    "recipients": "Nơi nhận",
    "data_dir": "Thư mục dữ liệu của ứng dụng",
}
FIELD_HELP = {
    "deadline_day": "Báo cáo tháng nộp đúng hạn đến hết ngày này của tháng sau (1 đến 28).",
    "lock_days": "Tháng tự khóa sổ sau hạn nộp bấy nhiêu ngày (0 đến 60).",
    "cache_ttl_seconds": "Đọc lại bảng tính sau chừng ấy giây (0 đến 3600; nên từ 60 trở lên).",
    "planned_load": "Kế hoạch của Đảng ủy: bình quân mỗi đồng chí phụ trách mấy tổ.",
    "max_load": "Phụ trách nhiều hơn số tổ này là quá tải: trang «Kiểm tra dữ liệu» cảnh báo.",
    "superior_body": "Ví dụ «Đảng bộ tỉnh Vĩnh Long» (từ 1/7/2025 xã trực thuộc Tỉnh ủy).",
    "issuing_body": "Ví dụ «Đảng ủy xã Mỹ Thạnh».",
    "place_name": "Ví dụ «Mỹ Thạnh»; để trống thì lấy từ tên cấp ủy ban hành.",
    "report_board": "Cơ quan của Đảng ủy tổng hợp báo cáo của cán bộ, ví dụ «Ban Xây dựng Đảng».",
    "number_code": "Phần sau số của văn bản: «Số 12-BC/ĐU» có ký hiệu «BC/ĐU».",
    "signer_title": "Ví dụ «Bí thư», «Phó Bí thư», «Phó Bí thư Thường trực».",
    "signing_for": "«T/M ĐẢNG ỦY» hoặc «T/M BAN THƯỜNG VỤ».",
    "recipients": "Mỗi dòng một nơi nhận; dòng cuối thường là «Lưu Văn phòng Đảng ủy».",
}
EDITABLE_ORDER = (
    "deadline_day", "lock_days", "cache_ttl_seconds", "planned_load", "max_load",
    *ORGANISATION_KEYS,
)  # fmt: skip
SAVED_ORIGIN = "trang «Cài đặt» (tệp {path})"
DEMO_ORIGIN = "dữ liệu mẫu"
ON_SERVER = (
    "Đặt trên máy chủ ({where}) nên không sửa ở đây được: người phụ trách kỹ thuật bỏ giá trị "
    "đó đi thì sửa được ở trang này."
)
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


def _origin(
    name: str,
    *,
    environ: Mapping,
    secrets: Mapping | None,
    saved: Mapping | None = None,
    data_dir: Path | None = None,
    demo: bool = False,
) -> str:
    """Which of the places `load_settings` reads gave this setting its value."""
    server = origins(environ=environ, secrets=secrets)
    if name in server:
        return server[name]
    if saved and name in saved:
        return SAVED_ORIGIN.format(path=settings_path(data_dir) if data_dir else "cai-dat.json")
    if demo and name in settings_module.DEMO_ORGANISATION:
        return DEMO_ORIGIN
    return "mặc định"


def _how(name: str) -> str:
    if FIELDS[name].editable:
        return (
            "Sửa ở mục «Sửa cài đặt» của trang này (áp dụng ngay, không cần khởi động lại); "
            f"biến môi trường TOTHU_{name.upper()} hay `{name} = …` trong mục [tothu] của "
            ".streamlit/secrets.toml thì được ưu tiên hơn."
        )
    return (
        f"Đặt biến môi trường TOTHU_{name.upper()} hoặc ghi `{name} = …` trong mục [tothu] "
        f"của .streamlit/secrets.toml, {RESTART}."
    )


@dataclass(frozen=True)
class EditableField:
    """One field of the settings form: what it is, its value in force, and whether the
    server's configuration holds it (then the page shows it but cannot change it)."""

    key: str
    label: str
    help: str
    value: object
    kind: str
    low: int | None
    high: int | None
    choices: tuple[str, ...]
    locked_by: str | None

    @property
    def note(self) -> str | None:
        return ON_SERVER.format(where=self.locked_by) if self.locked_by else None


def editable_fields(
    settings: Settings, *, environ: Mapping = os.environ, secrets: Mapping | None = None
) -> list[EditableField]:
    server = origins(environ=environ, secrets=secrets)
    out = []
    for key in EDITABLE_ORDER:
        field = FIELDS[key]
        value = getattr(settings, key)
        out.append(
            EditableField(
                key=key,
                label=FIELD_LABELS[key],
                help=FIELD_HELP[key],
                value="\n".join(value) if field.kind == settings_module.LINES else value,
                kind=field.kind,
                low=field.low,
                high=field.high,
                choices=field.choices,
                locked_by=server.get(key),
            )
        )
    return out


def save_from_form(
    settings: Settings,
    values: Mapping,
    *,
    environ: Mapping = os.environ,
    secrets: Mapping | None = None,
) -> tuple[Path | None, dict[str, str]]:
    """Save what the form sent (fields the server does not hold), keeping earlier saved values.

    Returns (the file written, {}) or (None, {label: reason}) when a value cannot be used;
    then nothing is written.
    """
    server = origins(environ=environ, secrets=secrets)
    kept = settings_module.read_saved(settings.data_dir)
    wanted = dict(kept)
    wanted.update({k: v for k, v in values.items() if k not in server and k in FIELD_LABELS})
    _good, bad = settings_module.check_values(wanted)
    if bad:
        return None, {FIELD_LABELS.get(k, k): reason for k, reason in bad.items()}
    return settings_module.save_settings(settings.data_dir, wanted), {}


def changed_read(before: Settings, after: Settings) -> bool:
    """Whether the change calls for a new read of the sheet (cache time, maximum load)."""
    return (before.cache_ttl_seconds, before.max_load) != (after.cache_ttl_seconds, after.max_load)


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
    settings: Settings,
    *,
    environ: Mapping = os.environ,
    secrets: Mapping | None = None,
    saved: Mapping | None = None,
    demo: bool = False,
) -> list[SettingRow]:
    """Every setting in force, each with its origin and how to change it."""
    ttl = settings.cache_ttl_seconds
    minutes = f" (khoảng {ttl // 60} phút)" if ttl >= 60 else ""
    values = [
        ("cache_ttl_seconds", "Thời gian dùng lại một lần đọc bảng tính", f"{ttl} giây{minutes}"),
        ("deadline_day", "Hạn báo cáo", f"hết ngày {settings.deadline_day} của tháng sau"),
        ("lock_days", "Khóa sổ tháng", f"{settings.lock_days} ngày sau hạn báo cáo"),
        (
            "planned_load",
            "Số tổ mỗi cán bộ",
            f"kế hoạch {settings.planned_load} tổ, tối đa {settings.max_load} tổ",
        ),
    ]
    for key in ORGANISATION_KEYS:
        value = getattr(settings, key)
        text = "; ".join(value) if isinstance(value, tuple) else str(value)
        if key == "place_name" and not text:
            text = f"{settings.place} (lấy từ tên cấp ủy ban hành)" if settings.place else ""
        values.append((key, FIELD_LABELS[key], text or "(chưa cài đặt)"))
    values.append(("data_dir", "Thư mục dữ liệu của ứng dụng", str(settings.data_dir)))
    return [
        SettingRow(
            title,
            value,
            _origin(
                key,
                environ=environ,
                secrets=secrets,
                saved=saved,
                data_dir=settings.data_dir,
                demo=demo,
            ),
            _how(key),
        )
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

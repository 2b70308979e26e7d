"""Who may open which page and see whose groups: decided here, enforced by the server.

The app gives `st.navigation` only the pages of `Viewer.pages`, so a page outside the list
cannot be reached even by typing its URL; the write path checks every entry against the
assignments on its own. Roles come from the `Vai trò` column of `Cán bộ` (the reader turns
a blank or unknown value into `Cán bộ`, the least privileged role).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from tothu_core.errors import AccessDenied, ConfigError
from tothu_core.sheet import contract
from tothu_core.sheet.dataset import Dataset

OVERVIEW = "overview"
ASSIGNMENT_MAP = "assignment_map"
MEETINGS = "meetings"
REPORTS = "reports"
ENTRY_FORM = "entry_form"
MY_HISTORY = "my_history"
MONTHLY_REPORT = "monthly_report"
MONTH_LOCK = "month_lock"
DATA_CHECK = "data_check"
SETTINGS = "settings"
FOLLOWUP = "followup"

_CADRE_PAGES = (OVERVIEW, ENTRY_FORM, MY_HISTORY)
_LEADER_PAGES = (
    OVERVIEW,
    ASSIGNMENT_MAP,
    MEETINGS,
    REPORTS,
    FOLLOWUP,
    MONTHLY_REPORT,
    ENTRY_FORM,
    MY_HISTORY,
    MONTH_LOCK,
)
PAGES_BY_ROLE: dict[str, tuple[str, ...]] = {
    contract.ROLE_CADRE: _CADRE_PAGES,
    contract.ROLE_LEADER: _LEADER_PAGES,
    contract.ROLE_ADMIN: _LEADER_PAGES + (DATA_CHECK, SETTINGS),
}

_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")

# How people sign in, in order of precedence.
GOOGLE, LOCAL, DEMO, UNCONFIGURED = "google", "local", "demo", "unconfigured"

SIGN_IN_LABELS = {
    GOOGLE: "Tài khoản Google",
    LOCAL: "Tài khoản cục bộ",
    DEMO: "Dùng thử",
}

NOT_IN_SHEET = (
    "Địa chỉ {email} chưa có trong danh sách cán bộ của bảng tính (cột Email), nên chưa xem "
    "được dữ liệu. Vui lòng liên hệ người quản trị để được bổ sung."
)
EMAIL_NOT_VERIFIED = (
    "Google chưa xác minh địa chỉ {email}, nên chưa thể dùng để đăng nhập. "
    "Hãy xác minh địa chỉ với Google hoặc đăng nhập bằng tài khoản khác."
)
EMAIL_SHARED = (
    "Địa chỉ {email} được ghi cho nhiều cán bộ ({cadres}) trong bảng tính, nên chưa biết "
    "đồng chí là ai. Vui lòng báo người quản trị sửa cột Email để mỗi địa chỉ chỉ thuộc một người."
)
ACCOUNT_CADRE_GONE = (
    "Tài khoản này gắn với Mã cán bộ {cadre_id}, nhưng mã đó không còn trong danh sách cán bộ "
    "của bảng tính. Vui lòng báo người quản trị kiểm tra lại tài khoản."
)


@dataclass(frozen=True)
class Viewer:
    """The signed-in person as the sheet knows them."""

    name: str
    cadre_id: str
    role: str
    via: str

    @property
    def pages(self) -> tuple[str, ...]:
        """The pages this person may open; an unknown role gets the cadre's."""
        return PAGES_BY_ROLE.get(self.role, _CADRE_PAGES)

    @property
    def sees_everything(self) -> bool:
        """Leadership and admins see every hamlet and cadre; a cadre only their own."""
        return self.role in (contract.ROLE_LEADER, contract.ROLE_ADMIN)

    @property
    def may_export(self) -> bool:
        return self.sees_everything

    @property
    def may_reopen_months(self) -> bool:
        return self.sees_everything

    def may_open(self, page: str) -> bool:
        return page in self.pages

    def cadre_scope(self, chosen: str | None) -> str | None:
        """The cadre whose groups a page shows: a cadre always sees their own, whatever was chosen.

        None means every cadre, which only leadership and admins may get.
        """
        return chosen if self.sees_everything else self.cadre_id


def sign_in_mode(
    *, google_configured: bool, accounts_file_exists: bool, source_is_demo: bool
) -> str:
    """Google when `[auth]` is configured, else local accounts when their file exists.

    The demo's role picker lets anyone be anyone, so it is offered only on the bundled demo
    data: once a real source is configured without a way to sign in, nobody gets in.
    """
    if google_configured:
        return GOOGLE
    if accounts_file_exists:
        return LOCAL
    if source_is_demo:
        return DEMO
    return UNCONFIGURED


def _viewer(row: pd.Series, via: str) -> Viewer:
    return Viewer(name=row["name"], cadre_id=row["cadre_id"], role=row["role"], via=via)


def email_key(email) -> str:
    """The form two e-mails are compared in: Unicode NFKC, case folded, outer spaces gone.

    NFKC makes a full-width `ａｎ＠example.org` typed on a phone keyboard, or a name typed in
    decomposed form, equal to the plain one; casefold (not lower) also folds `ß`-like letters.
    Zero-width characters pasted along with an address are dropped.
    """
    text = unicodedata.normalize("NFKC", str(email)).casefold()
    text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))
    return text.strip()


def viewer_for_email(ds: Dataset, email: str | None, *, via: str = GOOGLE) -> Viewer | None:
    """Match a signed-in e-mail to the `Email` column after `email_key` on both sides.

    None when nobody has it; AccessDenied when several cadres share it, because picking
    one of them could hand someone else's role to the person signing in.
    """
    wanted = email_key(email or "")
    if not wanted:
        return None
    emails = ds.cadres["email"].astype("string").map(email_key, na_action="ignore")
    match = ds.cadres[(emails == wanted).fillna(False).astype(bool)]
    if match["cadre_id"].nunique() > 1:
        cadres = ", ".join(sorted(match["cadre_id"].unique()))
        raise AccessDenied(EMAIL_SHARED.format(email=email.strip(), cadres=cadres))
    return _viewer(match.iloc[0], via) if len(match) else None


def viewer_for_cadre(ds: Dataset, cadre_id: str | None, *, via: str) -> Viewer | None:
    """The cadre with this `Mã cán bộ` (a local account's link), or None when the sheet
    no longer has them."""
    if not cadre_id or not cadre_id.strip():
        return None
    ids = ds.cadres["cadre_id"].astype("string")
    match = ds.cadres[(ids == cadre_id.strip()).fillna(False).astype(bool)]
    if match.empty:
        # An account typed as "cb01" still finds CB01, as long as that is unambiguous.
        folded = (ids.str.casefold() == cadre_id.strip().casefold()).fillna(False).astype(bool)
        match = ds.cadres[folded] if folded.sum() == 1 else match
    return _viewer(match.iloc[0], via) if len(match) else None


# -- the `[auth]` table of secrets.toml (Streamlit's st.login) -----------------------------------

# What st.login needs (Streamlit's `st.login` documentation): two shared settings, and for the
# provider (the flat table itself, or a sub-table such as `[auth.google]`) three more.
AUTH_SHARED_FIELDS = ("redirect_uri", "cookie_secret")
AUTH_PROVIDER_FIELDS = ("client_id", "client_secret", "server_metadata_url")
AUTH_INCOMPLETE = (
    "{where} thiếu {fields}, nên chưa đăng nhập bằng Google được: hãy chép đủ các trường theo "
    "tệp mẫu .streamlit/secrets.toml.example, hoặc xóa cả mục [auth] để dùng tài khoản cục bộ."
)
AUTH_BAD_REDIRECT = (
    "{where} ghi redirect_uri «{value}», nhưng địa chỉ đó phải kết thúc bằng /oauth2callback "
    "(ví dụ https://tothu.example.vn/oauth2callback): hãy sửa lại cho đúng."
)


def auth_provider(table: Mapping) -> str | None:
    """None for a flat `[auth]` table; the provider's name for `[auth.google]`-style tables."""
    if "client_id" in table:
        return None
    providers = [name for name, value in table.items() if isinstance(value, Mapping)]
    return "google" if "google" in providers else (providers[0] if providers else None)


def check_auth_table(table, *, where: str = "Mục [auth] của .streamlit/secrets.toml") -> None:
    """ConfigError (one sentence naming the file) when `[auth]` exists but st.login cannot use it.

    `where` names the table and, when known, the file and line ("Mục [auth] của tệp …").
    """
    if not isinstance(table, Mapping):
        raise ConfigError(AUTH_INCOMPLETE.format(where=where, fields=", ".join(AUTH_SHARED_FIELDS)))
    provider = auth_provider(table)
    fields = table if provider is None else table.get(provider, {})
    missing = [name for name in AUTH_SHARED_FIELDS if not _filled(table.get(name))]
    missing += [name for name in AUTH_PROVIDER_FIELDS if not _filled(fields.get(name))]
    if provider is not None:
        missing = [m if m in AUTH_SHARED_FIELDS else f"{provider}.{m}" for m in missing]
    if missing:
        raise ConfigError(AUTH_INCOMPLETE.format(where=where, fields=", ".join(missing)))
    redirect = str(table["redirect_uri"]).strip()
    if not redirect.endswith("/oauth2callback"):
        raise ConfigError(AUTH_BAD_REDIRECT.format(where=where, value=redirect))


def _filled(value) -> bool:
    return value is not None and bool(str(value).strip())


# -- province mode (a registry of communes is configured) ----------------------------------------

PROVINCE_OVERVIEW = "province_overview"
PROVINCE_SYNC = "province_sync"
PROVINCE_REGISTRY = "province_registry"

# Role keys (what accounts files and secrets.toml hold) and the names people read by default;
# `[province.role_names]` in secrets.toml renames them (the bodies' names are configuration).
PROVINCE_STAFF, PROVINCE_ADMIN, COMMUNE_ACCOUNT = "province", "province_admin", "commune"
PROVINCE_ROLE_NAMES = {
    PROVINCE_STAFF: "Lãnh đạo, chuyên viên tỉnh",
    PROVINCE_ADMIN: "Quản trị cấp tỉnh",
    COMMUNE_ACCOUNT: "Tài khoản xã",
}
PROVINCE_PAGES_BY_ROLE: dict[str, tuple[str, ...]] = {
    PROVINCE_STAFF: (PROVINCE_OVERVIEW, PROVINCE_SYNC),
    PROVINCE_ADMIN: (PROVINCE_OVERVIEW, PROVINCE_SYNC, PROVINCE_REGISTRY),
    COMMUNE_ACCOUNT: (PROVINCE_OVERVIEW, PROVINCE_SYNC),
}

NOT_A_PROVINCE_ACCOUNT = (
    "Tài khoản này dùng cho ứng dụng của một xã (gắn với Mã cán bộ), chưa được giao quyền xem "
    "số liệu toàn tỉnh hay của xã nào. Vui lòng nhờ người quản trị cấp tỉnh giao quyền (lệnh "
    "«python -m tothu_core account reset TEN --commune MÃ_XÃ» hoặc «--province province»)."
)
NOT_IN_PROVINCE_LIST = (
    "Địa chỉ {email} chưa có trong danh sách người dùng cấp tỉnh (mục [province] của "
    ".streamlit/secrets.toml), nên chưa xem được số liệu. Vui lòng liên hệ người quản trị."
)
COMMUNE_NOT_IN_REGISTRY = (
    "Tài khoản này gắn với xã có mã {commune}, nhưng mã đó không có trong danh sách xã. "
    "Vui lòng báo người quản trị cấp tỉnh kiểm tra lại."
)


def province_role_names(secrets: Mapping | None = None) -> dict[str, str]:
    """The roles' names, with `[province.role_names]` of secrets.toml over the defaults."""
    table = ((secrets or {}).get("province") or {}).get("role_names") or {}
    names = dict(PROVINCE_ROLE_NAMES)
    names.update({k: str(v).strip() for k, v in table.items() if k in names and str(v).strip()})
    return names


@dataclass(frozen=True)
class ProvinceViewer:
    """Somebody signed in to the province view: province staff, an admin, or one commune."""

    name: str
    role: str
    commune: str | None
    via: str

    @property
    def pages(self) -> tuple[str, ...]:
        return PROVINCE_PAGES_BY_ROLE.get(self.role, ())

    @property
    def sees_every_commune(self) -> bool:
        return self.role in (PROVINCE_STAFF, PROVINCE_ADMIN)

    @property
    def may_manage_registry(self) -> bool:
        return self.role == PROVINCE_ADMIN

    @property
    def may_sync(self) -> bool:
        return self.sees_every_commune

    @property
    def may_export(self) -> bool:
        return True

    def may_open(self, page: str) -> bool:
        return page in self.pages

    def communes(self, codes) -> list[str]:
        """The communes of `codes` this person may see (a commune account: its own only)."""
        codes = list(codes)
        if self.sees_every_commune:
            return codes
        return [c for c in codes if c == self.commune]


def province_viewer_for_account(
    username: str, *, commune: str | None, province_role: str | None, via: str = LOCAL
) -> ProvinceViewer | None:
    """A local account's province role: its `province_role`, else its commune; None when it
    has neither (an account of a commune's own app)."""
    if province_role in (PROVINCE_STAFF, PROVINCE_ADMIN):
        return ProvinceViewer(name=username, role=province_role, commune=None, via=via)
    if commune:
        return ProvinceViewer(name=username, role=COMMUNE_ACCOUNT, commune=commune, via=via)
    return None


def province_viewer_for_email(
    email: str | None, secrets: Mapping | None, *, via: str = GOOGLE
) -> ProvinceViewer | None:
    """A Google e-mail's province role from secrets.toml: `[province] admins = [...]`,
    `staff = [...]`, and `[province.communes] X001 = ["…"]` (e-mails compared by email_key);
    the highest role wins when an e-mail is listed twice."""
    wanted = email_key(email or "")
    if not wanted:
        return None
    table = (secrets or {}).get("province") or {}

    def listed(values) -> bool:
        values = [values] if isinstance(values, str) else list(values or [])
        return wanted in {email_key(v) for v in values}

    name = str(email).strip()
    for role, key in ((PROVINCE_ADMIN, "admins"), (PROVINCE_STAFF, "staff")):
        if listed(table.get(key)):
            return ProvinceViewer(name=name, role=role, commune=None, via=via)
    for code, emails in sorted((table.get("communes") or {}).items()):
        if listed(emails):
            return ProvinceViewer(name=name, role=COMMUNE_ACCOUNT, commune=str(code), via=via)
    return None


PROVINCE_TABLE_BAD = (
    "Mục [province] của .streamlit/secrets.toml ghi «{key}» chưa đúng: {expected}. Hãy sửa lại "
    "cho đúng."
)
_EMAILS_EXPECTED = (
    'phải là danh sách địa chỉ e-mail, ví dụ {key} = ["a@tinh.example", "b@tinh.example"]'
)


def check_province_table(table) -> None:
    """ConfigError (one sentence) when `[province]` cannot be read as the roles it lists:
    otherwise a list typed where a table belongs (or one string holding several e-mails)
    would refuse everybody, or stop every Google sign-in with a Python error."""

    def emails(key: str, value) -> None:
        if isinstance(value, str) and "," not in value:
            return
        if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
            return
        raise ConfigError(
            PROVINCE_TABLE_BAD.format(key=key, expected=_EMAILS_EXPECTED.format(key=key))
        )

    if not isinstance(table, Mapping):
        raise ConfigError(PROVINCE_TABLE_BAD.format(key="province", expected="phải là một mục"))
    for key in ("admins", "staff"):
        if table.get(key) is not None:
            emails(key, table[key])
    communes = table.get("communes")
    if communes is not None:
        if not isinstance(communes, Mapping):
            expected = 'phải là mục [province.communes], mỗi dòng MÃ_XÃ = ["e-mail", …]'
            raise ConfigError(PROVINCE_TABLE_BAD.format(key="communes", expected=expected))
        for code, value in communes.items():
            emails(f"communes.{code}", value)
    names = table.get("role_names")
    if names is not None and not isinstance(names, Mapping):
        expected = 'phải là mục [province.role_names], ví dụ province = "Ban Tổ chức Tỉnh ủy"'
        raise ConfigError(PROVINCE_TABLE_BAD.format(key="role_names", expected=expected))

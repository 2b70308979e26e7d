"""Province mode (a registry of communes is configured): sign-in, the shared store, the router.

The province pages never read a commune's sheet: the sync (`tothu_core.province.sync`) has
stored each commune's roll-up frames, and they are read from the store once per store
version for the whole server (every session shares them, a rerun reads nothing). Whether
the store changed is asked at most every `CHECK_SECONDS`, or at once after a sync.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import streamlit as st

from pages import _auth, _shared
from tothu_core.clock import office_now
from tothu_core.errors import ConfigError, TothuError
from tothu_core.figures.numbers import display_styler
from tothu_core.people import access
from tothu_core.people.access import GOOGLE, LOCAL, ProvinceViewer
from tothu_core.people.accounts import AccountStore, default_accounts_path
from tothu_core.people.sign_in_limit import AttemptWindow
from tothu_core.province import rollup
from tothu_core.province.registry import load_registry, registry_location
from tothu_core.province.store import open_store, store_setting
from tothu_core.province.worker import SyncWorker, province_job
from tothu_core.settings import Settings
from tothu_core.textnorm import escape_markdown

KEY_ACCOUNT = "province_account"
KEY_FORM_ERROR = "province_form_error"
KEY_MONTH = "province_month"
_CONTEXT_KEY = "province_context"
CHECK_SECONDS = 30.0
ROLLUP_TABLES = tuple(rollup.SCHEMAS)

PAGES = {
    access.PROVINCE_OVERVIEW: (
        "pages/province_overview.py",
        "Tổng hợp các xã",
        ":material/account_balance:",
    ),
    access.PROVINCE_SYNC: ("pages/province_sync.py", "Đồng bộ dữ liệu", ":material/sync:"),
    access.PROVINCE_REGISTRY: (
        "pages/province_registry.py",
        "Danh sách xã",
        ":material/format_list_bulleted:",
    ),
}

NO_SIGN_IN = (
    "Chế độ tổng hợp toàn tỉnh chưa được cấu hình cách đăng nhập, nên chưa ai xem được số liệu. "
    "Người quản trị hãy tạo tài khoản bằng lệnh  \n"
    "`python -m tothu_core account add TEN_DANG_NHAP --province province` (xem mọi xã), "
    "`--province province_admin` (thêm quản lý danh sách xã) hoặc `--commune MÃ_XÃ` (một xã), "
    "hoặc khai báo đăng nhập Google trong mục `[auth]` của `.streamlit/secrets.toml`."
)
REGISTRY_UNREADABLE = "Không đọc được danh sách xã {path}: {error}"


def registry_path() -> Path | None:
    """The registry configured (`[province] registry` or TOTHU_REGISTRY), or None."""
    return registry_location(secrets=_shared.secrets(), environ=os.environ)


def province_mode() -> bool:
    """A registry is configured. A configuration that cannot be read is not province mode:
    the commune app's check then shows its sentence as the only page."""
    try:
        return registry_path() is not None
    except TothuError:
        return False


# -- the registry and the store, shared by every session -----------------------------------------


@st.cache_resource(show_spinner=False)
def _registry(path: str, stamp: tuple):
    """The registry file, read again only when it changed on disk (mtime and size)."""
    return load_registry(Path(path))


def registry():
    path = registry_path()
    try:
        stat = path.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
    except OSError:
        stamp = (0, 0)
    try:
        return _registry(str(path), stamp)
    except TothuError as error:
        st.error(
            REGISTRY_UNREADABLE.format(path=escape_markdown(path), error=escape_markdown(error))
        )
        st.stop()


def forget_registry() -> None:
    _registry.clear()


def _store_location() -> tuple[str | None, str]:
    url, _where = store_setting(secrets=_shared.secrets(), environ=os.environ)
    return url, str(_shared.settings().data_dir)


@st.cache_resource(show_spinner=False)
def _open_store(url: str | None, data_dir: str):
    # The sentence of a store that cannot be opened names where its address was written.
    _url, where = store_setting(secrets=_shared.secrets(), environ=os.environ)
    return open_store(url, Path(data_dir), where=where)


@dataclass
class ProvinceData:
    """The roll-up frames of every commune as stored at one version, and figures memoised."""

    tables: dict[str, pd.DataFrame]
    status: pd.DataFrame
    token: tuple
    _memo: dict = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def memo(self, key, compute):
        """A figure computed once per store version, shared by every visitor."""
        with self._lock:
            if key in self._memo:
                return self._memo[key]
        value = compute()
        with self._lock:
            self._memo.setdefault(key, value)
        return value


@dataclass
class _Holder:
    lock: threading.Lock = field(default_factory=threading.Lock)
    data: ProvinceData | None = None
    checked_at: float = float("-inf")


@st.cache_resource(show_spinner=False)
def _holder(url: str | None, data_dir: str) -> _Holder:
    return _Holder()


def _token(status: pd.DataFrame) -> tuple:
    if not len(status):
        return ()
    columns = [c for c in ("commune", "last_success", "version") if c in status]
    return tuple(map(tuple, status[columns].astype(str).itertuples(index=False)))


def _read(the_store, name: str) -> pd.DataFrame:
    """A stored roll-up frame; before any commune was synced, an empty frame of its schema."""
    frame = the_store.read_table(f"rollup.{name}")
    if set(rollup.SCHEMAS[name]) <= set(frame.columns):
        return frame
    empty = rollup.empty_table(name)
    empty.insert(0, "commune", pd.Series(dtype="string"))
    return empty


def province_data(*, force: bool = False) -> ProvinceData:
    """The stored roll-up, read once per store version for the whole server."""
    location = _store_location()
    holder = _holder(*location)
    with holder.lock:
        fresh = time.monotonic() - holder.checked_at < CHECK_SECONDS
        if holder.data is not None and fresh and not force:
            return holder.data
        the_store = _open_store(*location)
        status = the_store.status()
        token = _token(status)
        if holder.data is None or holder.data.token != token:
            with st.spinner("Đang đọc số liệu tổng hợp…"):
                tables = {name: _read(the_store, name) for name in ROLLUP_TABLES}
            holder.data = ProvinceData(tables=tables, status=status, token=token)
        elif not holder.data.status.equals(status):
            holder.data = ProvinceData(tables=holder.data.tables, status=status, token=token)
        holder.checked_at = time.monotonic()
        return holder.data


# -- the background sync --------------------------------------------------------------------------


@st.cache_resource(show_spinner=False)
def _worker(path: str, url: str | None, data_dir: str, deadline_day: int):
    """One sync thread for the server, started by the first visit of province staff: it syncs
    every hour after that (the worker's interval) and at once on «Đồng bộ ngay»; a scheduled
    `python -m tothu_core sync` may run beside it (they take turns on the store)."""
    job = province_job(
        Path(path), _open_store(url, data_dir), secrets=_shared.secrets(), deadline_day=deadline_day
    )
    return SyncWorker(job).start(run_first=False)


def worker():
    return _worker(str(registry_path()), *_store_location(), _shared.settings().deadline_day)


# -- sign-in --------------------------------------------------------------------------------------


def _sign_in_mode() -> str:
    return _auth.mode()


def signed_in_viewer() -> ProvinceViewer | None:
    """Who is signed in to the province view, without reading the store; None if nobody."""
    current = _sign_in_mode()
    if current == GOOGLE:
        if not getattr(st.user, "is_logged_in", False):
            return None
        email = str(getattr(st.user, "email", "") or "")
        return access.province_viewer_for_email(email, _shared.secrets())
    if current == LOCAL:
        account = st.session_state.get(KEY_ACCOUNT)
        if not account:
            return None
        # The role lives in the accounts file, not the sheet: read again on every run, so a
        # role narrowed or an account removed applies at once, not at the next sign-in.
        info = _auth._store().get(account["username"])
        if info is None:
            return None
        return access.province_viewer_for_account(
            info.username, commune=info.commune, province_role=info.province_role
        )
    return None


def _check_password() -> None:
    """As the commune app's form (`_auth._check_password`): the session's allowance first,
    then the account, the password never kept in the session."""
    state = st.session_state
    username = str(state.get(_auth.KEY_USERNAME) or "")
    password = str(state.get(_auth.KEY_PASSWORD) or "")
    state[_auth.KEY_PASSWORD] = ""
    window = state.setdefault(_auth.KEY_ATTEMPTS, AttemptWindow())
    limited = window.reserve(office_now())
    if limited:
        state[KEY_FORM_ERROR] = limited
        return
    try:
        info = _auth._store().sign_in(username, password)
    except TothuError as exc:
        state[KEY_FORM_ERROR] = str(exc)
        return
    viewer = access.province_viewer_for_account(
        info.username, commune=info.commune, province_role=info.province_role
    )
    if viewer is None:
        state[KEY_FORM_ERROR] = access.NOT_A_PROVINCE_ACCOUNT
        return
    _auth._clear_session()
    state[KEY_ACCOUNT] = {
        "username": info.username,
        "commune": info.commune,
        "role": info.province_role,
    }


def sign_in_page() -> None:
    st.title("Tổng hợp tổ nhân dân tự quản toàn tỉnh")
    current = _sign_in_mode()
    if current == GOOGLE:
        if getattr(st.user, "is_logged_in", False):
            email = escape_markdown(getattr(st.user, "email", ""))
            st.error(access.NOT_IN_PROVINCE_LIST.format(email=email))
            sign_out_button()
            return
        _auth._google_button()
        return
    if current != LOCAL:
        st.error(NO_SIGN_IN)
        return
    with st.form("province_sign_in"):
        st.subheader("Đăng nhập")
        st.text_input("Tên đăng nhập", key=_auth.KEY_USERNAME, autocomplete="username")
        st.text_input(
            "Mật khẩu", type="password", key=_auth.KEY_PASSWORD, autocomplete="current-password"
        )
        st.form_submit_button(
            "Đăng nhập", type="primary", width="stretch", on_click=_check_password
        )
    error = st.session_state.pop(KEY_FORM_ERROR, None)
    if error:
        st.error(escape_markdown(error))
    accounts = _auth._store()
    minutes = max(1, round(accounts.lockout.total_seconds() / 60))
    st.caption(_auth.LOCK_RULE.format(attempts=accounts.max_attempts, minutes=minutes))


def sign_out_button() -> None:
    if st.button("Đăng xuất", key="province_sign_out", icon=":material/logout:", width="stretch"):
        current = _sign_in_mode()
        _auth._clear_session()
        if current == GOOGLE:
            st.logout()
            st.stop()
        st.rerun()


def show_identity(viewer: ProvinceViewer, ctx: ProvinceContext) -> None:
    names = access.province_role_names(_shared.secrets())
    role = names.get(viewer.role, viewer.role)
    with st.sidebar, st.container(border=True):
        st.markdown(f"**{escape_markdown(viewer.name)}**  \n{escape_markdown(role)}")
        if viewer.commune:
            st.caption(escape_markdown(ctx.names.get(viewer.commune, viewer.commune)))
        sign_out_button()


# -- the context every province page reads ---------------------------------------------------------


@dataclass(frozen=True)
class ProvinceContext:
    viewer: ProvinceViewer
    registry: object
    data: ProvinceData
    settings: Settings

    @property
    def names(self) -> dict[str, str]:
        """Code -> name of the communes this person may see, in the registry's order."""
        everyone = {c.code: c.name for c in self.registry.communes}
        return {code: everyone[code] for code in self.viewer.communes(everyone)}

    def table(self, name: str) -> pd.DataFrame:
        """A stored roll-up frame, only the rows of the communes this person may see."""
        frame = self.data.tables[name]
        return frame[frame["commune"].isin(list(self.names))]

    @property
    def status(self) -> pd.DataFrame:
        """`Store.status()` of the communes this person may see."""
        status = self.data.status
        return status[status["commune"].isin(list(self.names))]

    def memo(self, key, compute):
        """Keyed by the communes seen and their names: a rename in the registry shows at once."""
        return self.data.memo((tuple(self.names.items()), *key), compute)


@dataclass(frozen=True)
class ExportScope:
    """What `_shared.table_with_downloads` needs: who may export, the month in the file name."""

    viewer: ProvinceViewer
    filters: _shared.Filters


def export_scope(ctx: ProvinceContext, month: pd.Period) -> ExportScope:
    return ExportScope(ctx.viewer, _shared.Filters(month=month, hamlet=None, cadre=None))


def show_table(frame: pd.DataFrame) -> None:
    """A table without download buttons, its numbers written the Vietnamese way."""
    styled = display_styler(frame)
    st.dataframe(frame if styled is None else styled, hide_index=True, width="stretch")


def context() -> ProvinceContext:
    """The province context app.py built in this very run, after sign-in."""
    return _shared.run_context(_CONTEXT_KEY)


def month_picker(ctx: ProvinceContext) -> pd.Period | None:
    """The month to show (newest one due by default), kept in the session and the URL."""
    months_frame = ctx.table("months")
    months = list(reversed(rollup.province_months(months_frame)))
    if not months:
        return None
    texts = [m.strftime("%m/%Y") for m in months]
    state = st.session_state
    if state.get(KEY_MONTH) not in texts:
        wanted = (st.query_params.get(_shared.QP_MONTH) or "").replace("-", "/")
        default = rollup.default_month(
            months_frame, now=office_now(), deadline_day=ctx.settings.deadline_day
        )
        state[KEY_MONTH] = wanted if wanted in texts else default.strftime("%m/%Y")
    chosen = st.selectbox("Tháng", texts, key=KEY_MONTH)
    st.query_params[_shared.QP_MONTH] = chosen.replace("/", "-")
    return months[texts.index(chosen)]


def configuration_problem() -> str | None:
    """As the commune app's check, without its need for a source: each commune's source is
    in the registry. Secrets, the accounts file, `[auth]` and the settings must be usable."""
    try:
        secrets = _shared.secrets()
        AccountStore(default_accounts_path()).check()
        if "auth" in secrets:
            access.check_auth_table(secrets["auth"])
        if "province" in secrets:
            access.check_province_table(secrets["province"])
        _shared.settings()
    except ConfigError as error:
        return str(error)
    return None


def require_usable_configuration() -> None:
    problem = configuration_problem()
    if problem is None:
        return

    def broken_configuration() -> None:
        st.title(_shared.CONFIG_BROKEN_TITLE)
        st.error(escape_markdown(problem), icon=":material/settings_alert:")
        st.caption(_shared.CONFIG_BROKEN_HINT)

    st.navigation(
        [st.Page(broken_configuration, title="Cấu hình chưa đúng", icon=":material/error:")]
    ).run()
    st.stop()


def run() -> None:
    """The province app: sign-in, then the pages this person's role allows."""
    require_usable_configuration()
    viewer = signed_in_viewer()
    if viewer is None:
        st.navigation([st.Page(sign_in_page, title="Đăng nhập", icon=":material/login:")]).run()
        return
    the_registry = registry()
    if viewer.commune and viewer.commune not in {c.code for c in the_registry.communes}:

        def refusal() -> None:
            st.title("Không có quyền truy cập")
            st.markdown(
                access.COMMUNE_NOT_IN_REGISTRY.format(commune=escape_markdown(viewer.commune))
            )
            sign_out_button()

        st.navigation([st.Page(refusal, title="Không có quyền", icon=":material/block:")]).run()
        return
    pages = [
        st.Page(path, title=title, icon=icon, default=(key == access.PROVINCE_OVERVIEW))
        for key, (path, title, icon) in PAGES.items()
        if viewer.may_open(key)
    ]
    navigation = st.navigation(pages)
    try:
        data = province_data()
    except TothuError as error:
        st.error(f"Không mở được kho dữ liệu tổng hợp: {escape_markdown(error)}")
        st.stop()
    ctx = ProvinceContext(
        viewer=viewer, registry=the_registry, data=data, settings=_shared.settings()
    )
    show_identity(viewer, ctx)
    st.session_state[_CONTEXT_KEY] = ctx
    try:
        navigation.run()
    finally:
        st.session_state.pop(_CONTEXT_KEY, None)

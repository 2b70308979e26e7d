"""Who is using the app: Google sign-in, local accounts, or the demo's role picker.

Deciding whether somebody is signed in never reads the source, so a signed-out visitor
causes no request to the spreadsheet. Only once somebody is signed in does `app.py` load
the snapshot and match them to the `Cán bộ` tab (e-mail or Mã cán bộ) for their role.
Somebody the sheet does not know is refused once per browser session: the refusal is
remembered, so their reruns and page switches never ask the source for anything again
(see README, "Sign-in and roles").
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from streamlit.errors import StreamlitAuthError

from tothu_core.clock import office_now
from tothu_core.errors import AccessDenied, TothuError
from tothu_core.people import access
from tothu_core.people.access import DEMO, GOOGLE, LOCAL, Viewer
from tothu_core.people.accounts import ACCOUNTS_FILE_ENV, AccountStore, default_accounts_path
from tothu_core.people.sign_in_limit import AttemptWindow
from tothu_core.sheet import contract
from tothu_core.sheet.dataset import Dataset
from tothu_core.textnorm import escape_markdown
from tothu_core.vietnamese import sort_by_name

from . import _shared

KEY_LOCAL_CADRE = "auth_local_cadre"
KEY_LOCAL_USERNAME = "auth_local_username"
KEY_DEMO_ROLE = "auth_demo_role"
KEY_DEMO_CADRE = "auth_demo_cadre"
KEY_USERNAME = "auth_form_username"
KEY_PASSWORD = "auth_form_password"
KEY_FORM_ERROR = "auth_form_error"
KEY_REFUSAL = "auth_refusal"
KEY_REFUSED = "auth_refused"
KEY_ATTEMPTS = "auth_attempts"
# Kept when the session is cleared (sign-in, sign-out): signing in and out again must not
# give a fresh allowance of attempts.
_KEPT_ON_CLEAR = (KEY_ATTEMPTS,)

GOOGLE_NOT_READY = (
    "Chưa đăng nhập bằng Google được vì cấu hình [auth] trong .streamlit/secrets.toml chưa đủ "
    "hoặc máy chủ thiếu gói Authlib ({detail}). Vui lòng báo người quản trị."
)
NOT_CONFIGURED = (
    "Ứng dụng đang dùng bảng tính thật nhưng chưa được cấu hình cách đăng nhập, "
    "nên chưa ai xem được dữ liệu."
)
HOW_TO_CONFIGURE = (
    "Người quản trị hãy tạo tài khoản cục bộ bằng lệnh  \n"
    "`python -m tothu_core account add TEN_DANG_NHAP --cadre CB01`  \n"
    f"(tệp tài khoản: biến môi trường `{ACCOUNTS_FILE_ENV}`, mặc định "
    "`~/.config/tothu/accounts.json`), hoặc khai báo đăng nhập Google trong mục `[auth]` của "
    "`.streamlit/secrets.toml` (xem README)."
)
DEMO_ROLE_EMPTY = "Dữ liệu mẫu không có ai với vai trò này; hãy chọn vai trò khác ở thanh bên."
REFUSED = "Đồng chí chưa có quyền xem dữ liệu. Vui lòng liên hệ người quản trị."
REFUSED_NEXT_STEP = (
    "Khi đã được bổ sung vào danh sách cán bộ, đồng chí bấm «Đăng xuất» rồi đăng nhập lại."
)
LOCK_RULE = (
    "Nhập sai mật khẩu {attempts} lần liền thì tài khoản tạm khóa {minutes} phút (kể cả khi "
    "sau đó nhập đúng). Quên mật khẩu hoặc tài khoản bị khóa? Hãy nhờ người quản trị đặt lại "
    "mật khẩu."
)
ROLE_HINTS = {
    contract.ROLE_LEADER: "Lãnh đạo – xem mọi trang, tải số liệu, mở lại tháng",
    contract.ROLE_CADRE: "Cán bộ – nhập báo cáo cho tổ mình phụ trách",
    contract.ROLE_ADMIN: "Quản trị – như lãnh đạo, thêm kiểm tra dữ liệu và cài đặt",
}


def mode() -> str:
    """Google when `[auth]` is configured; local accounts when their file exists; demo only on
    the bundled demo data (see `access.sign_in_mode`)."""
    return access.sign_in_mode(
        google_configured=bool(_shared.secrets().get("auth")),
        accounts_file_exists=default_accounts_path().is_file(),
        source_is_demo=_shared.uses_demo(),
    )


def signed_in() -> bool:
    """Decided without reading the source, so a visitor who is not signed in causes no request.

    A configuration that cannot be used ends the run here with its sentence, before any
    sign-in (see `_shared.require_usable_configuration`); so does a person this session
    has already refused, without a second look at the sheet.
    """
    _shared.require_usable_configuration()
    current = mode()
    if current == GOOGLE:
        signed = bool(getattr(st.user, "is_logged_in", False))
    elif current == LOCAL:
        signed = bool(st.session_state.get(KEY_LOCAL_CADRE))
    else:
        return current == DEMO
    if signed:
        _stop_if_refused_before(current)
    return signed


def _identity(current: str) -> tuple[str, str]:
    """Who is signed in, as the refusal remembers them (the e-mail, or the account's cadre)."""
    if current == GOOGLE:
        return GOOGLE, access.email_key(getattr(st.user, "email", "") or "")
    return LOCAL, str(st.session_state.get(KEY_LOCAL_CADRE) or "")


def _stop_if_refused_before(current: str) -> None:
    refused = st.session_state.get(KEY_REFUSED)
    if refused is None or refused != _identity(current):
        return
    st.navigation([st.Page(refusal, title="Không có quyền", icon=":material/block:")]).run()
    st.stop()


def sign_in_page() -> None:
    """The only page a signed-out visitor can reach."""
    st.title("Theo dõi tổ nhân dân tự quản")
    current = mode()
    if current == GOOGLE:
        _google_button()
    elif current == LOCAL:
        _local_form()
    else:
        st.error(NOT_CONFIGURED)
        st.markdown(HOW_TO_CONFIGURE)


def _google_provider() -> str | None:
    """None for a flat `[auth]` table; the provider's name for `[auth.google]`-style tables."""
    return access.auth_provider(_shared.secrets().get("auth") or {})


def _google_button() -> None:
    st.write("Vui lòng đăng nhập bằng tài khoản Google đã ghi trong danh sách cán bộ.")
    if st.button("Đăng nhập bằng Google", type="primary", icon=":material/login:"):
        try:
            st.login(_google_provider())
        except StreamlitAuthError as exc:
            st.error(GOOGLE_NOT_READY.format(detail=type(exc).__name__))


@st.cache_resource(show_spinner=False)
def _account_store(path: str) -> AccountStore:
    """One store per accounts file for the whole server: its timing-equalising dummy hash is
    then made once, not on every sign-in attempt."""
    return AccountStore(Path(path))


def _store() -> AccountStore:
    return _account_store(str(default_accounts_path()))


def _clear_session() -> None:
    """Forget everything this session held, except its count of sign-in attempts."""
    state = st.session_state
    kept = {key: state[key] for key in _KEPT_ON_CLEAR if key in state}
    state.clear()
    state.update(kept)


def _check_password() -> None:
    """Runs before the rerun, so the password leaves the session whatever the outcome.

    The session's own allowance is taken first, before any username is looked at; then the
    store checks the account (the same sentence and the same time for every refusal).
    """
    state = st.session_state
    username = str(state.get(KEY_USERNAME) or "")
    password = str(state.get(KEY_PASSWORD) or "")
    state[KEY_PASSWORD] = ""
    window = state.setdefault(KEY_ATTEMPTS, AttemptWindow())
    limited = window.reserve(office_now())
    if limited:
        state[KEY_FORM_ERROR] = limited
        return
    try:
        cadre_id = _store().verify(username, password)
    except TothuError as exc:
        state[KEY_FORM_ERROR] = str(exc)
        return
    # A fresh session: nothing chosen before signing in carries over to the new person.
    _clear_session()
    state[KEY_LOCAL_CADRE] = cadre_id
    state[KEY_LOCAL_USERNAME] = username.strip().casefold()


def _local_form() -> None:
    """Username and password; repeated failures lock the account for a while (AccountStore)."""
    with st.form("auth_sign_in"):
        st.subheader("Đăng nhập")
        st.text_input("Tên đăng nhập", key=KEY_USERNAME, autocomplete="username")
        st.text_input(
            "Mật khẩu", type="password", key=KEY_PASSWORD, autocomplete="current-password"
        )
        st.form_submit_button(
            "Đăng nhập", type="primary", width="stretch", on_click=_check_password
        )
    error = st.session_state.pop(KEY_FORM_ERROR, None)
    if error:
        st.error(escape_markdown(error))
    store = _store()
    minutes = max(1, round(store.lockout.total_seconds() / 60))
    st.caption(LOCK_RULE.format(attempts=store.max_attempts, minutes=minutes))


def resolve_viewer(ds: Dataset) -> Viewer | None:
    """Match the signed-in person to the sheet; None (the reason kept for `refusal`) when
    the sheet does not know them."""
    current = mode()
    if current == GOOGLE:
        viewer, reason = _google_viewer(ds)
    elif current == LOCAL:
        cadre_id = st.session_state.get(KEY_LOCAL_CADRE)
        viewer = access.viewer_for_cadre(ds, cadre_id, via=LOCAL)
        reason = access.ACCOUNT_CADRE_GONE.format(cadre_id=cadre_id)
    elif current == DEMO:
        viewer, reason = _demo_picker(ds), DEMO_ROLE_EMPTY
    else:
        viewer, reason = None, NOT_CONFIGURED
    if viewer is None:
        st.session_state[KEY_REFUSAL] = reason
        if current in (GOOGLE, LOCAL):
            # Remembered for the session: the next runs refuse without reading (signed_in).
            st.session_state[KEY_REFUSED] = _identity(current)
    return viewer


def _google_viewer(ds: Dataset) -> tuple[Viewer | None, str]:
    email = str(getattr(st.user, "email", "") or "").strip()
    if getattr(st.user, "email_verified", True) is False:
        return None, access.EMAIL_NOT_VERIFIED.format(email=email)
    try:
        viewer = access.viewer_for_email(ds, email, via=GOOGLE)
    except AccessDenied as exc:
        return None, str(exc)
    return viewer, access.NOT_IN_SHEET.format(email=email or "(không rõ)")


def _demo_picker(ds: Dataset) -> Viewer | None:
    """Try each role on the bundled demo data; never offered once a real source is set."""
    state = st.session_state
    state.setdefault(KEY_DEMO_ROLE, contract.ROLE_LEADER)
    with st.sidebar:
        st.warning("**Chế độ dùng thử** trên dữ liệu mẫu.", icon=":material/science:")
        role = st.selectbox(
            "Vai trò dùng thử",
            contract.ROLES,
            key=KEY_DEMO_ROLE,
            help="  \n".join(ROLE_HINTS[r] for r in contract.ROLES),
        )
        people = sort_by_name(ds.cadres[ds.cadres["role"] == role], "name")
        if people.empty:
            return None
        names = dict(zip(people["cadre_id"], people["name"], strict=True))
        if state.get(KEY_DEMO_CADRE) not in names:
            state[KEY_DEMO_CADRE] = next(iter(names))
        cadre_id = st.selectbox(
            "Người dùng thử", list(names), key=KEY_DEMO_CADRE, format_func=names.get
        )
    return access.viewer_for_cadre(ds, cadre_id, via=DEMO)


def refusal() -> None:
    """A polite refusal and nothing else: no figure, no filter, no link to another page."""
    st.title("Không có quyền truy cập")
    st.markdown(escape_markdown(st.session_state.get(KEY_REFUSAL) or REFUSED))
    if mode() in (GOOGLE, LOCAL):
        st.caption(REFUSED_NEXT_STEP)
    sign_out_button()


def sign_out_button() -> None:
    """Forget everything this session held, then sign out of Google or the local account."""
    current = mode()
    if current not in (GOOGLE, LOCAL):
        return
    if st.button("Đăng xuất", key="auth_sign_out", icon=":material/logout:", width="stretch"):
        _clear_session()
        if current == GOOGLE:
            st.logout()
            st.stop()
        st.rerun()


def _how_signed_in(viewer: Viewer) -> str:
    if viewer.via == GOOGLE:
        return f"Google: {escape_markdown(getattr(st.user, 'email', ''))}"
    if viewer.via == LOCAL:
        return f"Tài khoản: {escape_markdown(st.session_state.get(KEY_LOCAL_USERNAME, ''))}"
    return "Dùng thử trên dữ liệu mẫu"


def show_identity(viewer: Viewer) -> None:
    """Name and role in the sidebar with sign-out; in demo mode, a banner over every page."""
    name, role = escape_markdown(viewer.name), escape_markdown(viewer.role)
    if viewer.via == DEMO:
        st.info(
            f"**Chế độ dùng thử** trên dữ liệu mẫu (không phải số liệu thật): đang xem với vai "
            f"trò **{role}** – {name}. Đổi vai trò ở thanh bên.",
            icon=":material/science:",
        )
    with st.sidebar, st.container(border=True):
        st.markdown(f"**{name}**  \n{role} · {escape_markdown(viewer.cadre_id)}")
        st.caption(_how_signed_in(viewer))
        sign_out_button()

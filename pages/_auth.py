"""Who is using the app: Google sign-in, local accounts, or the demo's role picker.

Signing in never reads the source: only once somebody is signed in does `app.py` load the
snapshot and match them to the `Cán bộ` tab (e-mail or Mã cán bộ) for their role.
"""

from __future__ import annotations

import streamlit as st

from tothu_core import contract
from tothu_core.access import Viewer, viewer_for_cadre, viewer_for_email
from tothu_core.accounts import AccountStore, default_accounts_path
from tothu_core.dataset import Dataset
from tothu_core.errors import AccessDenied
from tothu_core.vietnamese import sort_by_name

from . import _shared

GOOGLE, LOCAL, DEMO, UNCONFIGURED = "google", "local", "demo", "unconfigured"
KEY_LOCAL_CADRE = "auth_local_cadre"
KEY_DEMO_ROLE = "auth_demo_role"
KEY_DEMO_CADRE = "auth_demo_cadre"


def mode() -> str:
    """Google when `[auth]` is configured; local accounts when the file exists; demo only on demo data."""
    secrets = _shared.secrets()
    if secrets.get("auth"):
        return GOOGLE
    if default_accounts_path().exists():
        return LOCAL
    if _shared.uses_demo():
        return DEMO
    return UNCONFIGURED


def signed_in() -> bool:
    """Decided without reading the source, so a visitor who is not signed in causes no request."""
    current = mode()
    if current == GOOGLE:
        return bool(getattr(st.user, "is_logged_in", False))
    if current == LOCAL:
        return KEY_LOCAL_CADRE in st.session_state
    return current == DEMO


def sign_in_page() -> None:
    """The only page a signed-out visitor can reach."""
    st.title("Theo dõi tổ nhân dân tự quản")
    current = mode()
    if current == GOOGLE:
        st.write("Vui lòng đăng nhập bằng tài khoản Google đã đăng ký trong danh sách cán bộ.")
        if st.button("Đăng nhập bằng Google", type="primary"):
            st.login()
    elif current == LOCAL:
        _local_form()
    else:
        st.error("Ứng dụng chưa được cấu hình đăng nhập cho nguồn dữ liệu thật.")
        st.markdown(
            "Người quản trị hãy tạo tài khoản bằng lệnh  \n"
            "`python -m tothu_core account add TEN_DANG_NHAP --cadre CB01`  \n"
            "hoặc cấu hình đăng nhập Google trong `.streamlit/secrets.toml` (xem README)."
        )


def _local_form() -> None:
    with st.form("sign_in"):
        st.subheader("Đăng nhập")
        username = st.text_input("Tên đăng nhập", autocomplete="username")
        password = st.text_input("Mật khẩu", type="password", autocomplete="current-password")
        submitted = st.form_submit_button("Đăng nhập", type="primary", width="stretch")
    if submitted:
        try:
            cadre_id = AccountStore().verify(username, password)
        except AccessDenied as exc:
            st.error(str(exc))
            return
        st.session_state[KEY_LOCAL_CADRE] = cadre_id
        st.rerun()


def resolve_viewer(ds: Dataset) -> Viewer | None:
    """Match the signed-in person to the sheet; None when the sheet does not know them."""
    current = mode()
    if current == GOOGLE:
        return viewer_for_email(ds, getattr(st.user, "email", None))
    if current == LOCAL:
        return viewer_for_cadre(ds, st.session_state.get(KEY_LOCAL_CADRE), via=LOCAL)
    if current == DEMO:
        return _demo_picker(ds)
    return None


def _demo_picker(ds: Dataset) -> Viewer | None:
    """Try each role on the bundled demo data; never offered once a real source is set."""
    with st.sidebar:
        st.info("**Chế độ dùng thử** trên dữ liệu mẫu: chọn vai trò để xem thử.", icon="🧪")
        role = st.selectbox(
            "Vai trò dùng thử", contract.ROLES, key=KEY_DEMO_ROLE, index=0
        )
        people = sort_by_name(ds.cadres[ds.cadres["role"] == role], "name")
        if people.empty:
            st.warning("Dữ liệu mẫu không có ai với vai trò này.")
            return None
        names = dict(zip(people["cadre_id"], people["name"], strict=True))
        if st.session_state.get(KEY_DEMO_CADRE) not in names:
            st.session_state[KEY_DEMO_CADRE] = next(iter(names))
        cadre_id = st.selectbox(
            "Người dùng thử", list(names), key=KEY_DEMO_CADRE, format_func=names.get
        )
    return viewer_for_cadre(ds, cadre_id, via=DEMO)


def refusal() -> None:
    st.title("Không có quyền truy cập")
    st.write(
        "Tài khoản của anh/chị chưa có trong danh sách cán bộ của bảng tính (cột Email), "
        "nên chưa xem được dữ liệu. Vui lòng liên hệ Ban Tuyên giáo Đảng ủy để được bổ sung."
    )
    sign_out_button()


def sign_out_button() -> None:
    current = mode()
    if current == GOOGLE and st.button("Đăng xuất"):
        st.logout()
    elif current == LOCAL and st.button("Đăng xuất"):
        st.session_state.pop(KEY_LOCAL_CADRE, None)
        st.rerun()


def sidebar_identity(viewer: Viewer) -> None:
    with st.sidebar:
        st.markdown(f"**{viewer.name}**  \n{viewer.role}")
        sign_out_button()

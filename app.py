"""The router: page config, sign-in, the shared sidebar, and the pages this person may open."""

from __future__ import annotations

import streamlit as st

from pages import _auth, _province, _shared
from tothu_core.people import access

st.set_page_config(
    page_title="Tổ tự quản – Theo dõi, hỗ trợ",
    page_icon="🏘️",
    layout="wide",
    initial_sidebar_state="auto",
    menu_items={"About": "Theo dõi cán bộ phụ trách tổ nhân dân tự quản."},
)

# key -> (file, title, icon). Only the pages the viewer's role allows are given to
# st.navigation, so any other page cannot be reached even by typing its URL.
PAGES = {
    access.OVERVIEW: ("pages/overview.py", "Tổng quan", ":material/dashboard:"),
    access.ASSIGNMENT_MAP: ("pages/assignment_map.py", "Bản đồ phân công", ":material/map:"),
    access.MEETINGS: ("pages/meetings.py", "Sinh hoạt & tham dự", ":material/groups:"),
    access.REPORTS: ("pages/reports.py", "Báo cáo tháng", ":material/fact_check:"),
    access.FOLLOWUP: ("pages/followup.py", "Nhắc báo cáo", ":material/notifications_active:"),
    access.ENTRY_FORM: ("pages/entry_form.py", "Nhập báo cáo tháng", ":material/edit_note:"),
    access.MY_HISTORY: ("pages/my_history.py", "Báo cáo của tôi", ":material/history:"),
    access.MONTHLY_REPORT: (
        "pages/monthly_report.py",
        "Báo cáo gửi cấp trên",
        ":material/description:",
    ),
    access.MONTH_LOCK: ("pages/month_lock.py", "Khóa sổ tháng", ":material/lock_clock:"),
    access.DATA_CHECK: ("pages/data_check.py", "Kiểm tra dữ liệu", ":material/rule:"),
    access.SETTINGS: ("pages/settings.py", "Cài đặt", ":material/settings:"),
}


def main() -> None:
    if _province.province_mode():
        # A registry of communes is configured: the province view (see pages/_province.py).
        _province.run()
        return
    if not _auth.signed_in():
        st.navigation(
            [st.Page(_auth.sign_in_page, title="Đăng nhập", icon=":material/login:")]
        ).run()
        return

    snapshot = _shared.load_snapshot()
    viewer = _auth.resolve_viewer(snapshot.dataset)
    if viewer is None:
        st.navigation(
            [st.Page(_auth.refusal, title="Không có quyền", icon=":material/block:")]
        ).run()
        return

    pages = [
        st.Page(path, title=title, icon=icon, default=(key == access.OVERVIEW))
        for key, (path, title, icon) in PAGES.items()
        if key in viewer.pages
    ]
    navigation = st.navigation(pages)
    _auth.show_identity(viewer)
    filters = _shared.sidebar_filters(snapshot.dataset, viewer)
    _shared.freshness(snapshot)
    _shared.set_context(
        _shared.PageContext(
            viewer=viewer,
            snapshot=snapshot,
            filters=filters,
            settings=_shared.settings(),
            store=_shared.store(),
        )
    )
    try:
        navigation.run()
    finally:
        _shared.clear_context()


main()

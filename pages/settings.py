"""Cài đặt (admins only): where the data comes from, the settings in force and the local accounts.

Read-only: each item says how to change it (environment variable, secrets.toml or the
account command), because those changes need someone at the server anyway.
"""

from __future__ import annotations

import os
from datetime import datetime

import streamlit as st

from pages import _auth
from pages._shared import context, secrets, source_choice, table_with_downloads
from tothu_core import settings_view
from tothu_core.entry.month_lock import LOCKS_FILE_NAME
from tothu_core.entry.outbox import outbox_path
from tothu_core.errors import TothuError
from tothu_core.people import access
from tothu_core.people.accounts import AccountStore, default_accounts_path
from tothu_core.sheet.template import TEMPLATE_FILE_NAME, XLSX_MIME, template_bytes
from tothu_core.textnorm import escape_markdown


def show_rows(rows: list[settings_view.SettingRow]) -> None:
    for row in rows:
        with st.container(border=True):
            st.markdown(f"**{escape_markdown(row.name)}**  \n{escape_markdown(row.value)}")
            origin = f"Lấy từ: {escape_markdown(row.origin)}. " if row.origin else ""
            st.caption(origin + escape_markdown(row.how_to_change))


ctx = context()
# Navigation already hides this page from everyone else; this keeps it so if a link slips through.
if not ctx.viewer.may_open(access.SETTINGS):
    st.error("Chỉ người quản trị mới xem được trang Cài đặt.")
    st.stop()


st.title("Cài đặt")
st.caption("Chỉ để xem. Mỗi mục ghi rõ cách thay đổi; không mục nào hiện khóa bí mật hay mật khẩu.")

st.subheader("Nguồn dữ liệu")
spec, origin = source_choice()
show_rows(settings_view.source_rows(spec, origin, source=ctx.store.source))
st.download_button(
    "⬇ Tải bảng tính mẫu (.xlsx)",
    data=template_bytes,
    on_click="ignore",
    file_name=TEMPLATE_FILE_NAME,
    mime=XLSX_MIME,
    key="settings_template",
    help="Bảng tính trống đúng quy ước, có trang «Hướng dẫn»: để văn phòng bắt đầu, "
    "rồi tải lên Google Drive hoặc chọn làm nguồn dữ liệu.",
)

st.subheader("Báo cáo và bộ nhớ đệm")
show_rows(settings_view.settings_rows(ctx.settings, environ=os.environ, secrets=secrets()))

st.subheader("Đăng nhập và các tệp của ứng dụng")
accounts_path = default_accounts_path()
show_rows(
    settings_view.file_rows(
        mode=_auth.mode(),
        accounts_path=accounts_path,
        other_files={
            "Hàng chờ gửi báo cáo (outbox)": outbox_path(ctx.settings.data_dir),
            "Tệp khóa sổ tháng": ctx.settings.data_dir / LOCKS_FILE_NAME,
        },
    )
)

st.subheader("Tài khoản cục bộ")
st.markdown("\n".join(f"- {what}: `{command}`" for what, command in settings_view.ACCOUNT_COMMANDS))
try:
    accounts = AccountStore(accounts_path).list()
except TothuError as exc:
    st.error(escape_markdown(exc))
else:
    table_with_downloads(
        settings_view.accounts_table(ctx.ds, accounts, now=datetime.now().astimezone()),
        slug="tai-khoan",
        ctx=ctx,
        key="settings_accounts",
        empty_message=f"Chưa có tài khoản cục bộ nào trong {accounts_path}.",
    )

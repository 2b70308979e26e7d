"""Cài đặt (admins only): the settings the office changes in the browser, where the data comes
from, the settings in force with their origin, and the local accounts.

What is saved here goes into the data folder (beside the outbox) and applies on the next run,
for everyone, without a restart. A value set on the server (environment, secrets.toml) wins
and is shown but not editable; the source, keys and accounts stay the technician's job.
"""

from __future__ import annotations

import os
from datetime import datetime

import streamlit as st

from pages import _auth
from pages._shared import (
    context,
    forget_stores,
    secrets,
    settings,
    source_choice,
    table_with_downloads,
    uses_demo,
)
from tothu_core import settings_view
from tothu_core.entry.month_lock import LOCKS_FILE_NAME
from tothu_core.entry.outbox import outbox_path
from tothu_core.errors import TothuError
from tothu_core.people import access
from tothu_core.people.accounts import AccountStore, default_accounts_path
from tothu_core.settings import CHOICE, INT, LINES, read_saved, settings_path
from tothu_core.sheet.template import TEMPLATE_FILE_NAME, XLSX_MIME, template_bytes
from tothu_core.textnorm import escape_markdown

KEY_FORM = "settings_form"
KEY_FIELD = "settings_field_{key}"
KEY_FLASH = "settings_flash"
GROUPS = (
    ("Báo cáo tháng và phân công", settings_view.EDITABLE_ORDER[:5]),
    ("Văn bản báo cáo", settings_view.EDITABLE_ORDER[5:]),
)


def show_rows(rows: list[settings_view.SettingRow]) -> None:
    for row in rows:
        with st.container(border=True):
            st.markdown(f"**{escape_markdown(row.name)}**  \n{escape_markdown(row.value)}")
            origin = f"Lấy từ: {escape_markdown(row.origin)}. " if row.origin else ""
            st.caption(origin + escape_markdown(row.how_to_change))


def _field(field: settings_view.EditableField):
    """One input of the form; a value the server holds is shown, disabled, with the reason."""
    key = KEY_FIELD.format(key=field.key)
    help_text = field.help + (f" {field.note}" if field.note else "")
    common = {"key": key, "help": help_text, "disabled": field.locked_by is not None}
    if key not in st.session_state or field.locked_by:
        st.session_state[key] = field.value
    if field.kind == INT:
        return st.number_input(
            field.label, min_value=field.low, max_value=field.high, step=1, **common
        )
    if field.kind == CHOICE:
        return st.selectbox(field.label, list(field.choices), **common)
    if field.kind == LINES:
        return st.text_area(field.label, height=140, **common)
    return st.text_input(field.label, **common)


def _edit_form(current) -> None:
    st.subheader("Sửa cài đặt")
    st.caption(
        "Lưu xong là áp dụng ngay cho mọi người, không cần khởi động lại ứng dụng. Cài đặt "
        f"được lưu trong tệp {escape_markdown(settings_path(current.data_dir))}."
    )
    fields = {
        f.key: f
        for f in settings_view.editable_fields(current, environ=os.environ, secrets=secrets())
    }
    sent = {}
    with st.form(KEY_FORM, border=True):
        for title, keys in GROUPS:
            st.markdown(f"**{title}**")
            for key in keys:
                sent[key] = _field(fields[key])
        pressed = st.form_submit_button("Lưu cài đặt", type="primary", width="stretch")
    if not pressed:
        return
    values = {k: v for k, v in sent.items() if fields[k].locked_by is None}
    path, problems = settings_view.save_from_form(
        current, values, environ=os.environ, secrets=secrets()
    )
    if problems:
        st.error(
            "Chưa lưu: "
            + "; ".join(f"«{escape_markdown(k)}» {escape_markdown(v)}" for k, v in problems.items())
            + ". Hãy sửa rồi bấm «Lưu cài đặt» lại."
        )
        return
    after = settings()
    if settings_view.changed_read(current, after):
        forget_stores()
    st.session_state[KEY_FLASH] = f"Đã lưu cài đặt vào {path}."
    for key in fields:
        st.session_state.pop(KEY_FIELD.format(key=key), None)
    st.rerun()


ctx = context()
# Navigation already hides this page from everyone else; this keeps it so if a link slips through.
if not ctx.viewer.may_open(access.SETTINGS):
    st.error("Chỉ người quản trị mới xem được trang Cài đặt.")
    st.stop()


st.title("Cài đặt")
st.caption(
    "Người quản trị sửa được hạn báo cáo, số tổ mỗi cán bộ và phần văn bản của báo cáo ngay ở "
    "đây; nguồn dữ liệu, khóa và tài khoản do người phụ trách kỹ thuật đặt trên máy chủ. Không "
    "mục nào hiện khóa bí mật hay mật khẩu."
)
flash = st.session_state.pop(KEY_FLASH, None)
if flash:
    st.success(escape_markdown(flash), icon=":material/check_circle:")

_edit_form(ctx.settings)

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

st.subheader("Các cài đặt đang dùng")
show_rows(
    settings_view.settings_rows(
        ctx.settings,
        environ=os.environ,
        secrets=secrets(),
        saved=read_saved(ctx.settings.data_dir),
        demo=uses_demo(),
    )
)

st.subheader("Đăng nhập và các tệp của ứng dụng")
accounts_path = default_accounts_path()
show_rows(
    settings_view.file_rows(
        mode=_auth.mode(),
        accounts_path=accounts_path,
        other_files={
            "Hàng chờ gửi báo cáo": outbox_path(ctx.settings.data_dir),
            "Tệp khóa sổ tháng": ctx.settings.data_dir / LOCKS_FILE_NAME,
            "Tệp cài đặt": settings_path(ctx.settings.data_dir),
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

"""Danh sách xã (admins only): add, edit or remove communes of the registry, checked first."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pages import _province
from tothu_core.errors import TothuError
from tothu_core.province import registry as registry_file
from tothu_core.textnorm import escape_markdown

COLUMNS = {"code": "Mã xã", "name": "Tên xã", "source": "Nguồn dữ liệu", "note": "Ghi chú"}
KEY_EDITOR = "province_registry_editor"
KEY_SAVED = "province_registry_saved"

ctx = _province.context()
if not ctx.viewer.may_manage_registry:
    # Never reached through the navigation (the page is not listed for other roles).
    st.stop()
current = _province.registry()

st.title("Danh sách xã")
st.caption(
    f"Tệp: {escape_markdown(current.path)}. Mỗi dòng là một xã, phường với bảng tính riêng của "
    "xã (đường dẫn Google Sheet, tệp .xlsx/.ods hoặc thư mục CSV). Sửa trực tiếp trong bảng, "
    "thêm dòng ở cuối, chọn dòng rồi bấm thùng rác để xóa; xong bấm «Lưu danh sách xã»."
)
for problem in current.problems:
    st.warning(escape_markdown(problem.message), icon=":material/warning:")
saved = st.session_state.pop(KEY_SAVED, None)
if saved:
    st.success(saved, icon=":material/check_circle:")

frame = pd.DataFrame(
    [{COLUMNS[k]: getattr(c, k) for k in COLUMNS} for c in current.communes],
    columns=list(COLUMNS.values()),
).astype("string")
edited = st.data_editor(
    frame,
    num_rows="dynamic",
    hide_index=True,
    width="stretch",
    key=KEY_EDITOR,
    column_config={
        COLUMNS["code"]: st.column_config.TextColumn(required=True, help="Mã riêng của mỗi xã"),
        COLUMNS["name"]: st.column_config.TextColumn(required=True),
        COLUMNS["source"]: st.column_config.TextColumn(
            required=True, help="Đường dẫn Google Sheet, tệp .xlsx/.ods hoặc thư mục CSV"
        ),
        COLUMNS["note"]: st.column_config.TextColumn(),
    },
)


def communes_of(table: pd.DataFrame) -> list:
    """The edited rows as Communes; a row left wholly blank is not a commune."""
    text = table.astype("string").fillna("").apply(lambda column: column.str.strip())
    text = text[(text != "").any(axis=1)]
    return [
        registry_file.Commune(
            code=row[COLUMNS["code"]],
            name=row[COLUMNS["name"]],
            source=row[COLUMNS["source"]],
            note=row[COLUMNS["note"]],
        )
        for _, row in text.iterrows()
    ]


if st.button("Lưu danh sách xã", type="primary", icon=":material/save:", width="stretch"):
    communes = communes_of(edited)
    problems = registry_file.check_communes(communes)
    if problems:
        st.error(
            "Chưa lưu, vì:  \n" + "  \n".join(f"- {escape_markdown(p)}" for p in problems),
            icon=":material/error:",
        )
        st.caption("Bảng vẫn giữ những gì đồng chí đã sửa; sửa xong bấm lưu lại.")
    else:
        try:
            registry_file.save_registry(current.path, communes)
        except (OSError, TothuError) as error:
            st.error(
                f"Chưa lưu được tệp danh sách xã ({escape_markdown(error)}). Tệp cũ vẫn nguyên; "
                "bảng vẫn giữ những gì đồng chí đã sửa.",
                icon=":material/error:",
            )
        else:
            _province.forget_registry()
            st.session_state.pop(KEY_EDITOR, None)
            st.session_state[KEY_SAVED] = (
                f"Đã lưu danh sách {len(communes)} xã. Xã mới có số liệu sau lần đồng bộ tới "
                "(trang «Đồng bộ dữ liệu»)."
            )
            st.rerun()

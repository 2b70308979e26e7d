"""Danh sách xã (admins only): add, edit or remove a commune of the registry, checked first.

One commune at a time through a form (clear on a phone, nothing half-typed is lost: a
refused save keeps every field as typed), the whole list checked by
`registry.check_communes` before `registry.save_registry` replaces the file atomically.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pages import _province
from tothu_core.errors import TothuError
from tothu_core.province import registry as registry_file
from tothu_core.textnorm import escape_markdown

KEY_SAVED = "province_registry_saved"
FIELDS = {"code": "Mã xã", "name": "Tên xã", "source": "Nguồn dữ liệu", "note": "Ghi chú"}
NEW = ""

ctx = _province.context()
if not ctx.viewer.may_manage_registry:
    # Never reached through the navigation (the page is not listed for other roles).
    st.stop()
current = _province.registry()
communes = list(current.communes)
by_code = {c.code: c for c in communes}

st.title("Danh sách xã")
st.caption(
    f"Tệp: {escape_markdown(current.path)}. Mỗi xã, phường giữ bảng tính riêng của mình "
    "(đường dẫn Google Sheet, tệp .xlsx/.ods hoặc thư mục CSV); đường dẫn tương đối tính từ "
    "thư mục của tệp danh sách."
)
for problem in current.problems:
    st.warning(escape_markdown(problem.message), icon=":material/warning:")
saved = st.session_state.pop(KEY_SAVED, None)
if saved:
    st.success(escape_markdown(saved), icon=":material/check_circle:")

st.dataframe(
    pd.DataFrame(
        [{FIELDS[k]: getattr(c, k) for k in FIELDS} for c in communes],
        columns=list(FIELDS.values()),
    ),
    hide_index=True,
    width="stretch",
)


def save(new_list: list, message: str) -> None:
    """Check, then write the whole list; on a refusal nothing is written and the form keeps
    what was typed."""
    if current.errors:
        # Rows the reader left out are not in `communes`: writing the list would delete them.
        st.error(
            f"Chưa lưu: tệp danh sách xã có {len(current.errors)} dòng lỗi nên chưa được đọc "
            "(xem các cảnh báo ở trên); lưu từ trang này sẽ làm mất các dòng đó. Hãy sửa chúng "
            "ngay trong tệp trước; những gì đồng chí đã nhập vẫn còn trong ô.",
            icon=":material/error:",
        )
        return
    problems = registry_file.check_communes(new_list)
    if problems:
        st.error(
            "Chưa lưu, vì:  \n" + "  \n".join(f"- {escape_markdown(p)}" for p in problems),
            icon=":material/error:",
        )
        return
    try:
        registry_file.save_registry(current.path, new_list)
    except (OSError, TothuError) as error:
        st.error(
            f"Chưa lưu được tệp danh sách xã ({escape_markdown(error)}). Tệp cũ vẫn nguyên; "
            "những gì đồng chí đã nhập vẫn còn trong ô.",
            icon=":material/error:",
        )
        return
    _province.forget_registry()
    # Saved: the forms start blank again, and a removal's confirmation is not carried over
    # to the next commune picked.
    for key in [k for k in st.session_state if str(k).startswith("reg_")]:
        del st.session_state[key]
    st.session_state[KEY_SAVED] = message
    st.rerun()


st.subheader("Thêm hoặc sửa một xã")
chosen = st.selectbox(
    "Xã cần sửa",
    [NEW, *by_code],
    format_func=lambda code: f"{by_code[code].name} ({code})" if code else "— Thêm xã mới —",
    key="province_registry_pick",
)
editing = by_code.get(chosen)
with st.form(f"province_registry_form_{chosen or 'new'}"):
    values = {
        key: st.text_input(
            label, value=getattr(editing, key) if editing else "", key=f"reg_{chosen}_{key}"
        )
        for key, label in FIELDS.items()
    }
    submitted = st.form_submit_button("Lưu xã này", type="primary", width="stretch")
if submitted:
    entry = registry_file.Commune(**{k: v.strip() for k, v in values.items()})
    if editing is None:
        save([*communes, entry], f"Đã thêm {entry.name} ({entry.code}) vào danh sách xã.")
    else:
        replaced = [entry if c.code == editing.code else c for c in communes]
        save(replaced, f"Đã lưu thay đổi của {entry.name} ({entry.code}).")

if communes:
    st.subheader("Bỏ một xã khỏi danh sách")
    with st.form("province_registry_remove"):
        gone = st.selectbox(
            "Xã cần bỏ",
            list(by_code),
            format_func=lambda code: f"{by_code[code].name} ({code})",
            key="reg_remove",
        )
        sure = st.checkbox(
            "Tôi chắc chắn bỏ xã này (số liệu đã đồng bộ của xã không còn hiện trên các trang "
            "tổng hợp).",
            key="reg_remove_sure",
        )
        removed = st.form_submit_button("Bỏ xã", width="stretch")
    if removed:
        if not sure:
            st.error("Hãy đánh dấu ô xác nhận trước khi bỏ xã.", icon=":material/error:")
        else:
            name = by_code[gone].name
            save(
                [c for c in communes if c.code != gone],
                f"Đã bỏ {name} ({gone}) khỏi danh sách xã.",
            )

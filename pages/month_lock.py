"""Khóa sổ tháng: leadership see which months take entries, and reopen or close them.

The rule and the record of decisions live in `tothu_core.month_lock`; this page only shows
them and passes on the leader's choice (the core refuses anyone else, whatever the page shows).
"""

from __future__ import annotations

import streamlit as st

from pages._shared import context, table_with_downloads
from tothu_core.entry.month_lock import MonthLocks, history_frame, states_frame
from tothu_core.errors import TothuError
from tothu_core.sheet import contract

KEY_MONTH = "month_lock_month"
KEY_ACTION = "month_lock_action"
KEY_FLASH = "month_lock_flash"
MONTHS_SHOWN = 12


def _decide(locks: MonthLocks, ctx, chosen) -> None:
    """Reopen a closed month or close an open one, then show the result on the next run."""
    state = locks.state(chosen)
    text = chosen.strftime(contract.MONTH_FORMAT)
    try:
        if state.is_open:
            locks.close(chosen, ctx.viewer)
            message = f"Đã khóa sổ tháng {text}: tháng này không nhận báo cáo mới nữa."
        else:
            locks.reopen(chosen, ctx.viewer)
            message = (
                f"Đã mở lại tháng {text}: cán bộ nhập hoặc sửa được báo cáo tháng này cho đến "
                "khi lãnh đạo khóa sổ lại."
            )
    except TothuError as exc:
        st.error(str(exc))
        return
    st.session_state[KEY_FLASH] = message
    st.rerun()


def main() -> None:
    ctx = context()
    settings = ctx.settings
    st.title("Khóa sổ tháng")
    st.caption(
        f"Mỗi tháng tự khóa sổ {settings.lock_days} ngày sau hạn nộp (hết ngày "
        f"{settings.deadline_day} tháng sau). Tháng đã khóa không nhận báo cáo mới; lãnh đạo mở "
        "lại khi cần bổ sung hay sửa, rồi khóa lại. Mỗi lần mở, khóa đều được ghi lại."
    )
    if not ctx.viewer.may_reopen_months:
        st.error("Chỉ lãnh đạo Đảng ủy mới mở lại hoặc khóa sổ được một tháng.")
        return
    flash = st.session_state.pop(KEY_FLASH, None)
    if flash:
        st.success(flash)

    locks = MonthLocks.from_settings(settings)
    states = {s.month: s for s in locks.states(locks.recent_months(count=MONTHS_SHOWN))}
    labels = {m.strftime(contract.MONTH_FORMAT): m for m in states}
    if st.session_state.get(KEY_MONTH) not in labels:
        st.session_state[KEY_MONTH] = next(iter(labels))

    st.subheader("Mở lại hoặc khóa sổ một tháng")
    chosen_text = st.selectbox(
        "Tháng",
        list(labels),
        key=KEY_MONTH,
        format_func=lambda t: f"{t} — {states[labels[t]].text}",
    )
    chosen = states[labels[chosen_text]]
    if chosen.is_open:
        st.caption(f"Tháng {chosen_text} đang nhận báo cáo.")
        pressed = st.button(
            f"Khóa sổ tháng {chosen_text}", key=KEY_ACTION, icon=":material/lock:", width="stretch"
        )
    else:
        st.caption(f"Tháng {chosen_text} đã khóa sổ, không nhận báo cáo mới.")
        pressed = st.button(
            f"Mở lại tháng {chosen_text}",
            key=KEY_ACTION,
            type="primary",
            icon=":material/lock_open:",
            width="stretch",
        )
    if pressed:
        _decide(locks, ctx, chosen.month)

    st.subheader("Tình trạng các tháng")
    table_with_downloads(
        states_frame(list(states.values())), slug="khoa-so-thang", ctx=ctx, key="month_lock_table"
    )
    st.subheader("Các lần mở lại, khóa sổ")
    table_with_downloads(
        history_frame(locks.history()),
        slug="lich-su-khoa-so",
        ctx=ctx,
        key="month_lock_history",
        empty_message="Chưa có lần mở lại hay khóa sổ nào: các tháng đều theo lịch tự khóa.",
    )


main()

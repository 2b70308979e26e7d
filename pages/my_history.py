"""Báo cáo của tôi: every report the signed-in cadre typed, corrections included, and how
complete their reporting was month by month. Only the viewer's own rows, whatever the sidebar
filters say: this page is about the person signed in."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import streamlit as st

from pages._shared import ENTRY_COLUMNS, context, show_chart, table_with_downloads
from tothu_core.entry import history_view
from tothu_core.entry.reminders import ReminderBook
from tothu_core.figures import activity
from tothu_core.figures.figures import month_text
from tothu_core.textnorm import escape_markdown

KEY_MONTH = "my_history_month"
ALL_MONTHS = ""
# Months in the completeness chart: a year reads well on a phone.
CHART_MONTHS = 12


def _month_status(months: pd.DataFrame, month: pd.Period, month_label: str) -> None:
    now = months[months["month"] == month]
    if now.empty:
        st.info(f"Tháng {month_label} đồng chí không được phân công tổ nào.")
        return
    row = now.iloc[0]
    cards = (
        ("Tổ phụ trách", int(row["expected"])),
        ("Đã báo cáo", int(row["received"])),
        ("Đúng hạn", int(row["on_time"])),
        ("Còn thiếu", int(row["missing"])),
    )
    st.markdown(f"**Tháng {month_label}**")
    with st.container(horizontal=True):
        for label, value in cards:
            st.metric(label, value)


def _completeness(ctx, months: pd.DataFrame) -> None:
    st.subheader("Tỷ lệ nộp báo cáo theo tháng")
    if months.empty:
        st.info("Đồng chí chưa được phân công tổ nào trong các tháng có dữ liệu.")
        return
    recent = months.head(CHART_MONTHS).iloc[::-1]
    fig = px.bar(
        recent.assign(label=month_text(recent["month"])),
        x="label",
        y="completeness_pct",
        text="completeness_pct",
        labels={"label": "Tháng", "completeness_pct": "Đã nộp (%)"},
    )
    fig.update_traces(
        texttemplate="%{text:.0f}%",
        textposition="outside",
        cliponaxis=False,
        marker_color="#1565c0",
    )
    fig.update_yaxes(range=[0, 115], ticksuffix="%", tickvals=[0, 25, 50, 75, 100])
    fig.update_xaxes(type="category", title=None)
    show_chart(fig, height=300, toolbar=False)
    columns = ["month", "expected", "received", "on_time", "missing", "completeness_pct",
               "on_time_pct"]  # fmt: skip
    table_with_downloads(
        activity.for_display(months, columns),
        slug="bao-cao-cua-toi-theo-thang",
        ctx=ctx,
        key="my_history_months_table",
        placeholder="",
    )


def _entries(ctx, history: pd.DataFrame) -> None:
    st.subheader("Các báo cáo đã nhập")
    if history.empty:
        st.info(
            "Đồng chí chưa có báo cáo nào trong bảng tính. "
            "Báo cáo mới nhập ở trang «Nhập báo cáo tháng»."
        )
        return
    st.caption(
        "Khi một báo cáo được sửa, bản nhập sau cùng được tính; các bản trước giữ lại làm lịch sử."
    )
    labels = month_text(history["month"].drop_duplicates()).tolist()
    if st.session_state.get(KEY_MONTH) not in (ALL_MONTHS, *labels):
        st.session_state[KEY_MONTH] = ALL_MONTHS
    chosen = st.selectbox(
        "Tháng",
        [ALL_MONTHS, *labels],
        key=KEY_MONTH,
        format_func=lambda m: m or "Tất cả các tháng",
        placeholder="Chọn tháng",
        filter_mode=None,
    )
    shown = history if not chosen else history[month_text(history["month"]) == chosen]
    # On a phone the key columns come first, each just wide enough, within the screen.
    key_columns = {
        header: st.column_config.Column(width=width)
        for header, width in zip(history_view.key_headers(), history_view.KEY_WIDTHS, strict=True)
    }
    table_with_downloads(
        history_view.entries_table(shown),
        slug="bao-cao-cua-toi",
        ctx=ctx,
        key="my_history_entries_table",
        date_columns=(activity.HEADERS["meeting_date"],),
        datetime_columns=(activity.HEADERS["submitted_at"],),
        column_config={**ENTRY_COLUMNS, **key_columns},
        placeholder="",
    )


def _reminders(ctx) -> None:
    """The times leadership reminded this cadre of a missing report (issue 16): when, how,
    by whom, about which month. Only the viewer's own; no one else's phone is ever shown."""
    listing = ReminderBook.for_settings(ctx.store, ctx.settings).listing(
        ctx.ds, cadre_id=ctx.viewer.cadre_id
    )
    st.subheader("Các lần được nhắc")
    if listing.empty:
        st.caption("Đồng chí chưa được nhắc lần nào về báo cáo chưa nộp.")
        return
    shown = pd.DataFrame(
        {
            "Tháng": month_text(listing["month"]),
            "Lúc": listing["reminded_at"],
            "Cách nhắc": listing["channel"],
            "Người nhắc": listing["by_name"],
            "Các tổ": listing["groups"].map(lambda g: ", ".join(g)),
        }
    )
    table_with_downloads(
        shown,
        slug="cac-lan-duoc-nhac",
        ctx=ctx,
        key="my_history_reminders",
        datetime_columns=("Lúc",),
        column_config={"Lúc": st.column_config.DatetimeColumn(format="DD/MM/YYYY HH:mm")},
        placeholder="",
    )


def main() -> None:
    ctx = context()
    ds, viewer, f = ctx.ds, ctx.viewer, ctx.filters
    day = ctx.settings.deadline_day
    st.title("Báo cáo của tôi")
    who = f"{escape_markdown(viewer.name)} ({escape_markdown(viewer.cadre_id)})"
    st.caption(f"{who} · mọi tháng có dữ liệu")
    if f.cadre and f.cadre != viewer.cadre_id:
        st.caption("Trang này luôn hiện báo cáo của chính đồng chí, không theo bộ lọc cán bộ.")
    months = ctx.snapshot.memo(
        ("my_history_months", viewer.cadre_id, day),
        lambda: activity.cadre_months(ds, viewer.cadre_id, deadline_day=day),
    )
    history = ctx.snapshot.memo(
        ("my_history_entries", viewer.cadre_id),
        lambda: activity.cadre_history(ds, viewer.cadre_id),
    )
    _month_status(months, f.month, f.month_text)
    _completeness(ctx, months)
    _entries(ctx, history)
    _reminders(ctx)


main()

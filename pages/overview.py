"""Tổng quan: the month's headline figures against last month, their trends, and who needs help."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pages._shared import context, headline_metrics, page_header, table_with_downloads, trend_charts
from tothu_core.clock import office_now
from tothu_core.entry.dues import viewer_dues
from tothu_core.figures import figures, headline
from tothu_core.people import access
from tothu_core.textnorm import escape_markdown

# Card width that puts two cards side by side on a 390 px phone and four or more on a desktop.

ctx = context()
f = ctx.filters
# A cadre (not leadership) sees only the groups they follow, whatever the sidebar holds.
cadre = f.cadre if ctx.viewer.sees_everything else ctx.viewer.cadre_id
deadline_day = ctx.settings.deadline_day
now = office_now()

page_header("Tổng quan", ctx)

notice = headline.month_notice(
    ctx.ds, f.month, now=now, hamlet=f.hamlet, cadre=cadre, deadline_day=deadline_day
)
if notice:
    st.info(notice, icon=":material/event:")

# Issue 16: the signed-in person's own reports still due, with the way to the form.
my_dues = viewer_dues(ctx.ds, ctx.viewer.cadre_id, ctx.settings, ctx.store.source.identity, now=now)
if my_dues:
    st.warning(
        "**Báo cáo đồng chí cần nộp**  \n"
        + "  \n".join(escape_markdown(due.text) for due in my_dues),
        icon=":material/assignment_late:",
    )
    st.page_link("pages/entry_form.py", label="Nhập báo cáo tháng", icon=":material/edit_note:")

trend = ctx.memo(
    "overview_trend",
    lambda: figures.overview(
        ctx.ds, ctx.ds.months(), hamlet=f.hamlet, cadre=cadre, deadline_day=deadline_day
    ),
    cadre,
)
months = pd.PeriodIndex(trend["month"])
still_open = headline.open_months(months, now=now, deadline_day=deadline_day)
provisional = f.month in still_open
cards = headline.headline_cards(
    trend, f.month, provisional=provisional, planned_load=ctx.settings.planned_load
)
if cards[0].value == 0:
    st.info("Không có tổ nào trong phạm vi đang chọn. Hãy chọn ấp hoặc cán bộ khác ở thanh bên.")
    st.stop()

headline_metrics(cards)
st.caption(headline.delta_caption(trend, f.month, provisional=provisional))

st.subheader("Diễn biến qua các tháng")
trend_charts(trend, f.month, still_open)

st.subheader("Tổ cần quan tâm")
attention, total = ctx.memo(
    "overview_attention",
    lambda: headline.attention_table(ctx.ds, f.month, hamlet=f.hamlet, cadre=cadre),
    cadre,
)
if not total:
    st.success(f"Tháng {f.month_text} không có tổ nào cần quan tâm đặc biệt.")
else:
    shown = min(total, headline.ATTENTION_LIMIT)
    st.caption(
        f"{shown} trong số {total} tổ cần quan tâm tháng {f.month_text}, tổ nhiều lý do nhất trước."
    )
    st.html(headline.attention_html(attention))
    with st.expander("Bảng chi tiết và tải về"):
        table_with_downloads(attention, slug="can-quan-tam", ctx=ctx, key="overview_attention")
if access.ASSIGNMENT_MAP in ctx.viewer.pages:
    st.page_link(
        "pages/assignment_map.py",
        label="Xem các tổ trên Bản đồ phân công",
        icon=":material/map:",
    )

"""Tổng quan: the month's headline figures against last month, their trends, and who needs help."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import streamlit as st

from pages._shared import context, page_header, show_chart, table_with_downloads
from tothu_core.clock import office_now
from tothu_core.entry.dues import viewer_dues
from tothu_core.figures import figures, headline
from tothu_core.people import access
from tothu_core.textnorm import escape_markdown

# Card width that puts two cards side by side on a 390 px phone and four or more on a desktop.
_CARD_WIDTH = 170

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

with st.container(horizontal=True, gap="small"):
    for card in cards:
        st.metric(
            card.label,
            card.value_text,
            delta=card.delta,
            delta_color=card.delta_color,
            help=card.help,
            chart_data=card.trend if len(card.trend) > 1 else None,
            border=True,
            width=_CARD_WIDTH,
        )
st.caption(headline.delta_caption(trend, f.month, provisional=provisional))

st.subheader("Diễn biến qua các tháng")
if len(months) < 2:
    st.caption("Mới có dữ liệu của một tháng, chưa vẽ được diễn biến.")
else:
    for title, keys in (
        ("Sinh hoạt tổ", headline.MEETING_TREND),
        ("Báo cáo của cán bộ", headline.REPORT_TREND),
    ):
        fig = px.line(
            headline.trend_long(trend, keys),
            x="Tháng",
            y="Tỷ lệ (%)",
            color="Chỉ số",
            markers=True,
            title=title,
        )
        fig.update_yaxes(range=[0, 105], ticksuffix="\u00a0%", title=None)
        fig.update_traces(
            hovertemplate="%{x|%m/%Y} · %{y:.1f}\u00a0%<extra>%{fullData.name}</extra>"
        )
        fig.update_xaxes(tickformat="%m/%Y", title=None)
        fig.add_vline(x=f.month.to_timestamp(), line_dash="dot", line_color="#6b7280")
        if len(still_open):
            fig.add_vrect(
                x0=(still_open[0].to_timestamp() - pd.Timedelta(days=15)),
                x1=(still_open[-1].to_timestamp() + pd.Timedelta(days=15)),
                fillcolor="#9ca3af",
                opacity=0.2,
                line_width=0,
            )
        fig.update_layout(legend_title_text="")
        show_chart(fig, height=320)
    notes = ["Đường chấm: tháng đang xem."]
    if len(still_open):
        notes.append("Vùng xám: tháng còn đang nhận báo cáo, số liệu chưa đủ.")
    st.caption(" ".join(notes))

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

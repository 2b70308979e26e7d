"""Tổng hợp các xã: each commune's month against the province, drill-down, trend, attention."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import streamlit as st

from pages import _province
from pages._shared import (
    chart_text,
    headline_metrics,
    show_chart,
    table_with_downloads,
    trend_charts,
)
from tothu_core.clock import office_now
from tothu_core.figures import headline
from tothu_core.outputs.exportfile import MIME_TYPES, export_filename, to_xlsx_bytes
from tothu_core.province import rollup, views
from tothu_core.textnorm import escape_markdown

ATTENTION_SHOWN = 10
CHART_COMMUNES = 15
FAILED_NAMED = 5

ctx = _province.context()
names = ctx.names
deadline_day = ctx.settings.deadline_day
now = office_now()
one_commune = len(names) == 1

# A registry's names are typed by people: shown as text, never as Markdown.
only = escape_markdown(next(iter(names.values()))) if one_commune else ""
st.title(f"Tổng hợp {only}" if one_commune else "Tổng hợp các xã")
st.caption(escape_markdown(views.last_sync_text(ctx.status)))
# A commune whose last sync failed shows the data of its last good one: say which.
sync_status = ctx.memo(("sync_status",), lambda: views.status_table(names.items(), ctx.status))
failed = list(sync_status.loc[sync_status["Trạng thái"] == views.SYNC_FAILED, "Tên xã"])
if failed:
    listed = ", ".join(failed[:FAILED_NAMED])
    if len(failed) > FAILED_NAMED:
        listed += f" và {len(failed) - FAILED_NAMED} xã khác"
    st.warning(
        f"Lần đồng bộ gần nhất bị lỗi: {escape_markdown(listed)}. Số liệu của "
        f"{'xã' if len(failed) == 1 else 'các xã'} này lấy từ lần đồng bộ thành công trước đó "
        "(nếu có); xem lý do ở trang «Đồng bộ dữ liệu».",
        icon=":material/sync_problem:",
    )

month = _province.month_picker(ctx)
if month is None:
    if not names:
        ask = (
            "hãy thêm ở trang «Danh sách xã»."
            if ctx.viewer.may_manage_registry
            else "vui lòng báo người quản trị cấp tỉnh."
        )
        st.info(f"Danh sách xã chưa có xã, phường nào: {ask}")
    elif len(ctx.status) and ctx.status["last_success"].notna().any():
        whose = "của xã" if one_commune else "của các xã đã đồng bộ"
        st.info(
            f"Chưa có số liệu tổng hợp: bảng tính {whose} chưa có tháng nào có số liệu sinh hoạt."
        )
    elif one_commune:
        st.info(
            f"Chưa có số liệu tổng hợp của {only}: xã chưa được đồng bộ thành công lần nào. "
            "Trang «Đồng bộ dữ liệu» cho biết lý do."
        )
    else:
        st.info(
            "Chưa có số liệu tổng hợp: chưa xã nào được đồng bộ. Hãy mở trang «Đồng bộ dữ liệu»."
        )
    st.stop()
scope = _province.export_scope(ctx, month)

trend = ctx.memo(("trend",), lambda: rollup.trend(ctx.table("months")))
months = pd.PeriodIndex(trend["month"])
still_open = headline.open_months(months, now=now, deadline_day=deadline_day)
provisional = month in still_open
if provisional:
    st.info(
        f"Tháng {month:%m/%Y} còn đang nhận báo cáo, nên các tỷ lệ sinh hoạt và báo cáo sẽ còn "
        "tăng.",
        icon=":material/event:",
    )

cards = headline.headline_cards(
    trend, month, provisional=provisional, planned_load=ctx.settings.planned_load
)
headline_metrics(cards, sparklines=False)
st.caption(headline.delta_caption(trend, month, provisional=provisional))

per_commune = ctx.memo(
    ("by_commune", month), lambda: rollup.by_commune(ctx.table("months"), month, names)
)
# Each commune keeps its needs-attention list for its last few months only.
attention_kept = rollup.attention_kept(ctx.table("summary"), month)
attention_counts = ctx.memo(
    ("attention_counts", month),
    lambda: rollup.attention_counts(ctx.table("attention"), month, names),
)

if not one_commune:
    st.subheader("Từng xã, phường")
    st.caption(
        "Tỷ lệ của mỗi xã tính từ số liệu của chính xã đó; dòng trống: chưa có số liệu tháng này."
    )
    _province.show_table(views.compact_commune_table(per_commune))
    with st.expander("Bảng đầy đủ và tải về"):
        table_with_downloads(
            views.commune_table(per_commune, attention_counts if attention_kept else None),
            slug="tong-hop-cac-xa",
            ctx=scope,
            key="province_communes",
            placeholder="–",
        )
    # On a phone a bar per commune of a whole province would run for metres: the lowest ones.
    chart = per_commune.dropna(subset=["meeting_pct"]).sort_values("meeting_pct", kind="stable")
    lowest = len(chart) > CHART_COMMUNES
    chart = chart.head(CHART_COMMUNES).iloc[::-1]
    if len(chart):
        title = f"Tỷ lệ tổ sinh hoạt tháng {month:%m/%Y}"
        if lowest:
            title = f"{CHART_COMMUNES} xã có tỷ lệ tổ sinh hoạt thấp nhất, tháng {month:%m/%Y}"
        fig = px.bar(
            chart.assign(name=chart_text(chart["commune_name"])),
            x="meeting_pct",
            y="name",
            orientation="h",
            title=title,
            labels={"meeting_pct": "Tổ sinh hoạt (%)", "name": ""},
        )
        fig.update_xaxes(range=[0, 105], ticksuffix="\u00a0%")
        fig.update_traces(hovertemplate="%{y} · %{x:.1f}\u00a0%<extra></extra>")
        show_chart(fig, height=max(260, 28 * len(chart) + 80), toolbar=False)

st.subheader("Chi tiết theo xã cũ và ấp")
codes = list(names)
if one_commune:
    chosen = codes[0]
else:
    chosen = st.selectbox(
        "Xem chi tiết xã", codes, format_func=names.get, key="province_drill_commune"
    )


def drilldown(communes: list[str] | None = None) -> pd.DataFrame:
    """Commune → former commune → hamlet for the month shown (every commune when None)."""
    return ctx.memo(
        ("drilldown", month, tuple(communes) if communes else None),
        lambda: rollup.drilldown(
            ctx.table("months"),
            ctx.table("former_months"),
            ctx.table("hamlet_months"),
            month,
            names,
            communes,
        ),
    )


detail = drilldown([chosen])
table_with_downloads(
    views.drilldown_table(detail),
    slug=f"chi-tiet-{chosen}",
    ctx=scope,
    key="province_drilldown",
    placeholder="–",
    empty_message="Xã này chưa có số liệu.",
)
if not one_commune:

    def every_commune() -> bytes:
        """Built only when the button is pressed: every commune, former commune and hamlet."""
        table = views.drilldown_table(drilldown())
        return to_xlsx_bytes(table, sheet_name="chi-tiet-moi-xa")

    st.download_button(
        "⬇ Tải chi tiết mọi xã (Excel)",
        data=every_commune,
        on_click="ignore",
        file_name=export_filename("chi-tiet-moi-xa", ext="xlsx", month=f"{month:%m/%Y}"),
        mime=MIME_TYPES["xlsx"],
        key="province_drilldown_all",
        width="stretch",
    )

st.subheader("Diễn biến qua các tháng")
trend_charts(trend, month, still_open, note="Tỷ lệ toàn tỉnh tính từ tổng số của các xã.")
with st.expander("Bảng theo tháng và tải về"):
    table_with_downloads(
        views.trend_table(trend), slug="dien-bien-theo-thang", ctx=scope, key="province_trend"
    )

st.subheader("Tổ cần quan tâm")
attention = ctx.memo(
    ("attention", month), lambda: rollup.attention(ctx.table("attention"), month, names)
)
kept_note = (
    f"Danh sách tổ cần quan tâm chỉ được lưu cho {rollup.ATTENTION_MONTHS} tháng gần nhất của "
    "mỗi xã, nên "
)
if attention.empty:
    if attention_kept:
        st.success(f"Tháng {month:%m/%Y} không có tổ nào cần quan tâm đặc biệt.")
    else:
        st.info(f"{kept_note}không còn danh sách của tháng {month:%m/%Y}.")
else:
    if not attention_kept:
        st.caption(f"{kept_note}có xã không còn danh sách của tháng {month:%m/%Y}.")
    st.caption(
        f"{len(attention)} tổ cần quan tâm tháng {month:%m/%Y}; "
        f"{min(len(attention), ATTENTION_SHOWN)} tổ nhiều lý do nhất:"
    )
    _province.show_table(views.attention_table(attention.head(ATTENTION_SHOWN)))
    with st.expander("Cả danh sách và tải về"):
        table_with_downloads(
            views.attention_table(attention),
            slug="can-quan-tam",
            ctx=scope,
            key="province_attention",
        )

missing = ctx.table("missing")
if len(missing):
    # A commune last synced before the month changed still holds an older month's list.
    due = missing["month"].max()
    missing = missing[missing["month"] == due]
    with st.expander(f"Báo cáo tháng {due:%m/%Y} còn thiếu ({int(missing['missing'].sum())})"):
        table_with_downloads(
            views.missing_table(missing, names),
            slug="bao-cao-con-thieu",
            ctx=_province.export_scope(ctx, due),
            key="province_missing",
        )

"""Sinh hoạt & tham dự: which groups met, how many households came, whether the cadre came,
and which propaganda topics reached which groups."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import streamlit as st

from pages._shared import chart_text, context, page_header, show_chart, table_with_downloads
from tothu_core.figures import activity
from tothu_core.figures.figures import month_text
from tothu_core.figures.numbers import vn_change, vn_percent

# Months shown in the group × month heat map: a year fits a phone screen.
HEAT_MONTHS = 12
KEY_HEAT_HAMLET = "meetings_heat_hamlet"


def _kpis(totals: pd.DataFrame, month: pd.Period) -> None:
    cards = (
        ("Tỷ lệ tổ sinh hoạt", "meeting_pct"),
        ("Tỷ lệ hộ dự", "attendance_pct"),
        ("Buổi sinh hoạt có cán bộ dự", "cadre_presence_pct"),
    )
    row = st.container(horizontal=True)
    for label, key in cards:
        value, change = activity.month_and_change(totals, month, key)
        row.metric(label, vn_percent(value), delta=vn_change(change, 1, unit=" điểm %"))


def _trend(by_hamlet: pd.DataFrame) -> None:
    st.subheader("Tỷ lệ hộ dự theo tháng")
    with_groups = by_hamlet[by_hamlet["groups"] > 0]
    frame = with_groups.assign(
        month_label=month_text(with_groups["month"]),
        hamlet_name=chart_text(with_groups["hamlet_name"]),
    )
    if frame["attendance_pct"].isna().all():
        st.info("Chưa có buổi sinh hoạt nào được báo cáo trong phạm vi đang xem.")
        return
    fig = px.line(
        frame,
        x="month_label",
        y="attendance_pct",
        color="hamlet_name",
        markers=True,
        labels={"month_label": "Tháng", "attendance_pct": "Tỷ lệ hộ dự (%)", "hamlet_name": ""},
    )
    fig.update_yaxes(range=[0, 100], ticksuffix="\u00a0%")
    fig.update_xaxes(title=None, nticks=8)
    fig.update_traces(hovertemplate="%{x} · %{y:.1f}\u00a0%<extra>%{fullData.name}</extra>")
    show_chart(fig)


def _month_by_hamlet(ctx, month_rows: pd.DataFrame) -> None:
    st.subheader(f"Các ấp trong tháng {ctx.filters.month_text}")
    if month_rows["groups"].sum() == 0:
        st.info("Phạm vi đang xem không có tổ nào.")
        return
    if month_rows["groups_met"].sum() == 0:
        st.info(f"Tháng {ctx.filters.month_text} chưa có báo cáo nào cho biết tổ đã sinh hoạt.")
    else:
        long = month_rows.melt(
            id_vars="hamlet_name",
            value_vars=["meeting_pct", "attendance_pct", "cadre_presence_pct"],
            var_name="measure",
            value_name="pct",
        )
        names = {
            "meeting_pct": "Tổ sinh hoạt",
            "attendance_pct": "Hộ dự",
            "cadre_presence_pct": "Có cán bộ dự",
        }
        long["measure"] = long["measure"].map(names)
        long["hamlet_name"] = chart_text(long["hamlet_name"])
        fig = px.bar(
            long,
            y="hamlet_name",
            x="pct",
            color="measure",
            barmode="group",
            orientation="h",
            labels={"hamlet_name": "", "pct": "%", "measure": ""},
            color_discrete_sequence=["#1565c0", "#64b5f6", "#2e7d32"],
        )
        fig.update_xaxes(range=[0, 100], dtick=25, ticksuffix="\u00a0%", title=None)
        fig.update_traces(hovertemplate="%{y} · %{x:.1f}\u00a0%<extra>%{fullData.name}</extra>")
        fig.update_yaxes(autorange="reversed")
        show_chart(fig, height=120 + 70 * len(month_rows))
    columns = [
        "hamlet_name", "groups", "groups_met", "meeting_pct", "households", "households_present",
        "attendance_pct", "cadre_present", "cadre_presence_pct",
    ]  # fmt: skip
    shown = activity.for_display(month_rows, ["month", *columns])
    table_with_downloads(
        shown,
        slug="sinh-hoat-theo-ap",
        ctx=ctx,
        key="meetings_hamlets",
    )


def _heat_scope(ctx) -> str | None:
    """The hamlet of the heat map: the filter's, else one chosen here (the first by default)."""
    f = ctx.filters
    if f.hamlet or f.cadre:
        return f.hamlet
    hamlets = ctx.ds.hamlets
    hamlets = hamlets[hamlets["hamlet_id"].isin(ctx.ds.groups["hamlet_id"])]
    if hamlets.empty:
        return None
    names = dict(zip(hamlets["hamlet_id"], hamlets["hamlet_name"], strict=True))
    if st.session_state.get(KEY_HEAT_HAMLET) not in names:
        st.session_state[KEY_HEAT_HAMLET] = next(iter(names))
    return st.selectbox("Xem các tổ của ấp", list(names), key=KEY_HEAT_HAMLET,
                        format_func=names.get)  # fmt: skip


def _group_heat_map(ctx) -> None:
    st.subheader("Tỷ lệ hộ dự của từng tổ")
    ds, f = ctx.ds, ctx.filters
    months = ds.months()
    window = months[months <= f.month][-HEAT_MONTHS:]
    hamlet = _heat_scope(ctx)
    matrix = ctx.memo(
        "meetings_group_matrix",
        lambda: activity.group_attendance_matrix(ds, window, hamlet=hamlet, cadre=f.cadre),
        hamlet,
    )
    if matrix.empty:
        st.info("Không có tổ nào trong phạm vi đang xem.")
        return
    text = matrix.map(lambda v: "" if pd.isna(v) else f"{v:.0f}")
    fig = go.Figure(
        go.Heatmap(
            z=matrix.to_numpy(),
            x=matrix.columns.tolist(),
            y=chart_text(matrix.index.tolist()),
            text=text.to_numpy(),
            texttemplate="%{text}",
            textfont={"size": 10},
            colorscale="RdYlGn",
            zmin=0,
            zmax=100,
            xgap=1,
            ygap=1,
            colorbar={"title": "%", "thickness": 10, "ticksuffix": "\u00a0%"},
            hovertemplate="%{y} · %{x}: %{z:.1f}\u00a0%<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(type="category", tickangle=-45)
    show_chart(fig, height=110 + 22 * len(matrix))
    st.caption("Ô trống: tháng đó tổ không sinh hoạt hoặc chưa có báo cáo.")


def _topics(ctx) -> None:
    st.subheader("Nội dung tuyên truyền đến được các tổ")
    ds, f = ctx.ds, ctx.filters
    reach = ctx.memo("meetings_topic_reach", lambda: activity.topic_reach(ds, f.month, **f.kwargs))
    if reach.empty:
        st.info(f"Tháng {f.month_text} chưa có buổi sinh hoạt nào ghi nội dung tuyên truyền.")
        return
    st.caption("Mỗi ô: số tổ được tuyên truyền chủ đề đó / số tổ đã sinh hoạt trong ấp.")
    topics = reach["topic"].drop_duplicates().tolist()
    hamlets = reach.drop_duplicates("hamlet_id")
    grid = {
        value: reach.pivot(index="topic", columns="hamlet_id", values=value).loc[
            topics, hamlets["hamlet_id"]
        ]
        for value in ("reach_pct", "groups_reached", "groups_met")
    }
    cells = grid["groups_reached"].astype(str) + "/" + grid["groups_met"].astype(str)
    fig = go.Figure(
        go.Heatmap(
            z=grid["reach_pct"].to_numpy(dtype=float),
            x=chart_text(
                activity.short_labels(hamlets["hamlet_name"].map(activity.short_hamlet_name), 12)
            ),
            y=chart_text(activity.short_labels(topics, 24)),
            text=cells.to_numpy(),
            customdata=[[chart_text(topic)] * len(hamlets) for topic in topics],
            texttemplate="%{text}",
            textfont={"size": 11},
            colorscale="Blues",
            zmin=0,
            zmax=100,
            xgap=1,
            ygap=1,
            showscale=False,
            hovertemplate="%{customdata}<br>%{x}: %{text} tổ<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(type="category", side="top")
    show_chart(fig, height=120 + 34 * len(topics))

    totals = activity.topic_totals(reach)
    table_with_downloads(
        activity.for_display(totals, ["topic", "reach_pct", "groups_reached", "groups_met"]),
        slug="chu-de",
        ctx=ctx,
        key="meetings_topics",
        column_config={
            activity.HEADERS["topic"]: st.column_config.TextColumn(width="medium"),
        },
    )
    with st.expander("Chi tiết theo ấp"):
        table_with_downloads(
            activity.for_display(
                reach, ["topic", "hamlet_name", "groups_met", "groups_reached", "reach_pct"]
            ),
            slug="chu-de-theo-ap",
            ctx=ctx,
            key="meetings_topics_hamlets",
        )


def main() -> None:
    ctx = context()
    ds, f = ctx.ds, ctx.filters
    page_header("Sinh hoạt & tham dự", ctx)
    months = ds.months()
    by_hamlet = ctx.memo(
        "meetings_by_hamlet", lambda: activity.hamlet_activity(ds, months, **f.kwargs)
    )
    totals = ctx.memo("meetings_by_month", lambda: activity.activity_by_month(by_hamlet))
    _kpis(totals, f.month)
    _trend(by_hamlet)
    _month_by_hamlet(ctx, by_hamlet[by_hamlet["month"] == f.month])
    _group_heat_map(ctx)
    _topics(ctx)


main()

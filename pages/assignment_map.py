"""Bản đồ phân công: every group of each hamlet as a tile with its cadres and state."""

from __future__ import annotations

import plotly.express as px
import streamlit as st

from pages._shared import chart_text, context, page_header, show_chart, table_with_downloads
from tothu_core.figures import assignment_view as view
from tothu_core.textnorm import escape_markdown

ctx = context()
f = ctx.filters

page_header("Bản đồ phân công", ctx)

tiles = ctx.memo("assignment_map_tiles", lambda: view.group_tiles(ctx.ds, f.month, **f.kwargs))
summaries = view.hamlet_summaries(ctx.ds, tiles, **f.kwargs)

if summaries.empty:
    st.info(
        f"Tháng {f.month_text} cán bộ đang chọn không phụ trách tổ nào, nên bản đồ trống. "
        "Hãy chọn «Tất cả cán bộ» ở thanh bên."
        if f.cadre
        else "Trang Ấp của bảng tính chưa có ấp nào."
    )
    st.stop()

by_hamlet, on_map, load_tab, history_tab = st.tabs(["Các tổ", "Vị trí", "Cán bộ", "Lịch sử"])

with by_hamlet:
    st.html(view.legend_html())
    if len(summaries) > 1:
        st.caption("Chọn một ấp ở thanh bên để xem riêng ấp đó.")
    for _, summary in summaries.iterrows():
        st.subheader(escape_markdown(summary["hamlet_name"]), divider="gray")
        st.html(view.hamlet_intro_html(summary))
        if summary["groups"] == 0:
            name = escape_markdown(summary["hamlet_name"])
            st.info(f"{name} chưa có tổ nào trong trang Tổ của bảng tính.")
            continue
        st.html(view.tiles_html(tiles[tiles["hamlet_id"] == summary["hamlet_id"]]))

with on_map:
    points = view.map_points(tiles)
    if points.empty:
        st.info(
            "Các tổ chưa có tọa độ. Điền cột «Vĩ độ» và «Kinh độ» trong trang Tổ "
            "để xem vị trí trên bản đồ."
        )
    else:
        centre, zoom = view.map_view(points)
        fig = px.scatter_map(
            points.assign(**{c: chart_text(points[c]) for c in ("Tổ", "Ấp", "Cán bộ")}),
            lat="Vĩ độ",
            lon="Kinh độ",
            color="Tình trạng",
            color_discrete_map=view.state_colours(),
            hover_name="Tổ",
            hover_data={"Ấp": True, "Cán bộ": True, "Vĩ độ": False, "Kinh độ": False},
            center=centre,
            zoom=zoom,
            map_style="open-street-map",
        )
        fig.update_traces(marker={"size": 12})
        fig.update_layout(legend_title_text="")
        show_chart(fig, height=480)
        unplaced = view.unplaced_text(tiles, points)
        if unplaced:
            st.caption(unplaced)

with load_tab:
    st.caption(f"Số tổ mỗi cán bộ phụ trách trong tháng {f.month_text}, tính trên toàn xã.")
    load = ctx.memo(
        "assignment_map_load", lambda: view.cadre_load_view(ctx.ds, f.month, **f.kwargs)
    )
    st.caption(view.load_summary_text(load))
    table_with_downloads(
        view.cadre_load_table(load),
        slug="so-to-can-bo",
        ctx=ctx,
        key="assignment_map_load",
        empty_message=f"Tháng {f.month_text} không có cán bộ nào trong phạm vi đang chọn.",
    )

with history_tab:
    history = ctx.memo(
        "assignment_map_history",
        lambda: view.reassignments(ctx.ds, **f.kwargs, until=f.month),
    )
    st.caption(f"Các lần đổi cán bộ phụ trách tổ đến hết tháng {f.month_text}, mới nhất trước.")
    table_with_downloads(
        view.reassignment_table(history),
        slug="thay-doi-phan-cong",
        ctx=ctx,
        key="assignment_map_history",
        date_columns=("Ngày",),
        column_config={"Ngày": st.column_config.DateColumn(format="DD/MM/YYYY")},
        empty_message=f"Chưa có lần đổi cán bộ phụ trách nào đến hết tháng {f.month_text}.",
    )

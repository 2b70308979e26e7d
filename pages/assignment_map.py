"""Bản đồ phân công: every group of each hamlet as a tile with its cadres and state, the cadres'
loads, the history of reassignments, and the lists each hamlet's Chi bộ prints."""

from __future__ import annotations

import plotly.express as px
import streamlit as st

from pages._shared import chart_text, context, page_header, show_chart, table_with_downloads
from tothu_core.figures import assignment_view as view
from tothu_core.outputs import hamlet_list
from tothu_core.outputs.exportfile import MIME_TYPES
from tothu_core.textnorm import escape_markdown

KEY_LIST_HAMLET = "assignment_map_list_hamlet"

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

by_hamlet, on_map, load_tab, history_tab, print_tab = st.tabs(
    ["Các tổ", "Vị trí", "Cán bộ", "Lịch sử", "In danh sách"]
)

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
    planned, most = ctx.settings.planned_load, ctx.settings.max_load
    load = ctx.memo(
        "assignment_map_load",
        lambda: view.cadre_load_view(ctx.ds, f.month, **f.kwargs, max_load=most),
        most,
    )
    st.caption(view.load_summary_text(load, planned_load=planned, max_load=most))
    table_with_downloads(
        view.cadre_load_table(load, max_load=most),
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

with print_tab:
    st.caption(
        "Danh sách để chi bộ ấp in ra dùng khi sinh hoạt: các tổ, tổ trưởng, số hộ, cán bộ phụ "
        f"trách và số điện thoại (tháng {f.month_text}), kết quả sinh hoạt "
        f"{hamlet_list.RESULT_MONTHS} tháng gần nhất."
    )
    names = dict(zip(ctx.ds.hamlets["hamlet_id"], ctx.ds.hamlets["hamlet_name"], strict=True))
    options = ["", *names]
    if st.session_state.get(KEY_LIST_HAMLET) not in options:
        st.session_state[KEY_LIST_HAMLET] = f.hamlet or ""
    chosen = st.selectbox(
        "Ấp",
        options,
        key=KEY_LIST_HAMLET,
        format_func=lambda h: names.get(h, "Tất cả các ấp (mỗi ấp một trang)"),
    )
    hamlet = chosen or None
    committee = ctx.settings.issuing_body
    if ctx.viewer.may_export:
        left, right = st.columns(2)
        left.download_button(
            "⬇ Tải danh sách Excel",
            data=lambda: hamlet_list.to_xlsx(ctx.ds, f.month, hamlet=hamlet, committee=committee),
            on_click="ignore",
            file_name=hamlet_list.list_filename(f.month, hamlet=hamlet, ext="xlsx"),
            mime=MIME_TYPES["xlsx"],
            key="assignment_map_list_xlsx",
            width="stretch",
        )
        right.download_button(
            "⬇ Tải danh sách Word",
            data=lambda: hamlet_list.to_docx(ctx.ds, f.month, hamlet=hamlet, committee=committee),
            on_click="ignore",
            file_name=hamlet_list.list_filename(f.month, hamlet=hamlet, ext="docx"),
            mime=MIME_TYPES["docx"],
            key="assignment_map_list_docx",
            width="stretch",
        )
    preview_hamlet = hamlet or next(iter(names), None)
    if preview_hamlet:
        st.markdown(f"**{escape_markdown(names[preview_hamlet])}**")
        preview = ctx.memo(
            "assignment_map_list",
            lambda: hamlet_list.hamlet_table(ctx.ds, preview_hamlet, f.month),
            preview_hamlet,
        )
        table_with_downloads(
            preview,
            slug="xem-danh-sach-to",
            ctx=ctx,
            key="assignment_map_list_preview",
            empty_message="Ấp chưa có tổ nào trong trang Tổ của bảng tính.",
        )

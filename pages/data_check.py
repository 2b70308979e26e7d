"""Kiểm tra dữ liệu: everything the last read found wrong in the sheet, tab by tab, with the
sheet's own row numbers so the clerk can go straight to the cell."""

from __future__ import annotations

import streamlit as st

from pages._shared import context, table_with_downloads
from tothu_core.entry.submit import EntryWriter
from tothu_core.figures import activity
from tothu_core.figures.numbers import vn_int
from tothu_core.sheet.dataset import ERROR, WARNING
from tothu_core.sheet.template import TEMPLATE_FILE_NAME, XLSX_MIME, template_bytes
from tothu_core.textnorm import escape_markdown, fold

KEY_SEVERITY = "data_check_severity"
SHOW_ALL, SHOW_ERRORS, SHOW_WARNINGS = "Tất cả", "Chỉ lỗi", "Chỉ cảnh báo"
SEVERITY_OF = {SHOW_ALL: None, SHOW_ERRORS: ERROR, SHOW_WARNINGS: WARNING}
COLUMN_CONFIG = {
    activity.HEADERS["row"]: st.column_config.NumberColumn(format="%d", width="small"),
    activity.HEADERS["severity"]: st.column_config.TextColumn(width="small"),
    activity.HEADERS["message"]: st.column_config.TextColumn(width="large"),
}


def _sheet_link(ctx) -> None:
    if ctx.ds.source_url:
        st.link_button(
            "Mở bảng tính Google để sửa", ctx.ds.source_url, icon=":material/open_in_new:"
        )


def _template_button() -> None:
    """The empty office workbook, to start from or to compare the sheet in use against."""
    st.download_button(
        "⬇ Tải bảng tính mẫu (.xlsx)",
        data=template_bytes,
        on_click="ignore",
        file_name=TEMPLATE_FILE_NAME,
        mime=XLSX_MIME,
        key="data_check_template",
        help="Bảng tính trống đúng quy ước: đủ các trang, tên cột, danh sách chọn và trang "
        "«Hướng dẫn». Dùng để bắt đầu, hoặc để so với bảng tính đang dùng.",
    )


KEY_MISPLACED_OUTCOME = "data_check_misplaced_outcome"


def _misplaced_rows(ctx) -> None:
    """Submissions Google took but put where the program does not read (above the header,
    shifted columns): where they landed, and a button to send them again once moved."""
    writer = EntryWriter.for_settings(ctx.store, ctx.settings)
    outcome = st.session_state.pop(KEY_MISPLACED_OUTCOME, None)
    if outcome is not None:
        (st.success if outcome[0] else st.warning)(outcome[1])
    kept = writer.misplaced()
    if not kept:
        return
    st.subheader("Báo cáo ghi sai chỗ trong bảng tính")
    st.warning(
        f"{len(kept)} lần gửi báo cáo đã vào bảng tính nhưng ở chỗ chương trình không đọc tới, "
        "nên chưa được tính. Hãy mở bảng tính, chuyển các dòng nêu dưới đây xuống dưới dòng "
        "tiêu đề, đúng cột (hoặc xóa chúng), rồi bấm «Gửi lại»: chương trình kiểm tra Mã phiếu "
        "nên không ghi trùng.",
        icon=":material/report:",
    )
    for record in kept:
        with st.container(border=True):
            groups = ", ".join(map(escape_markdown, record.groups))
            st.markdown(
                f"**Đồng chí {escape_markdown(record.cadre_id)}** · tháng {record.month} · "
                f"{len(record.rows)} báo cáo (tổ {groups}) · "
                f"gửi lúc {record.created_at:%H:%M ngày %d/%m/%Y}"
            )
            st.caption(escape_markdown(record.last_error))
            if st.button("Gửi lại", key=f"data_check_resend_{record.submission_id}"):
                with st.spinner("Đang gửi lại…"):
                    result = writer.send_misplaced_again(record.submission_id)
                st.session_state[KEY_MISPLACED_OUTCOME] = (
                    (True, result.message)
                    if result is not None and result.sent
                    else (False, result.message if result else "Báo cáo này đang được gửi.")
                )
                st.rerun()


def main() -> None:
    ctx = context()
    ds = ctx.ds
    st.title("Kiểm tra dữ liệu")
    read_at = f" lúc {ds.read_at:%H:%M ngày %d/%m/%Y}" if ds.read_at else ""
    st.caption(f"Kết quả đọc bảng tính{read_at} — nguồn: {escape_markdown(ds.source_label)}")
    _sheet_link(ctx)
    _template_button()
    _misplaced_rows(ctx)

    if not ds.problems:
        st.success("Không có lỗi nào: mọi dòng của bảng tính đều đọc được và được tính.", icon="✅")
        return

    errors, warnings = len(ds.errors), len(ds.warnings)
    with st.container(horizontal=True):
        st.metric("Lỗi", vn_int(errors))
        st.metric("Cảnh báo", vn_int(warnings))
    st.caption(
        "**Lỗi**: dòng đó bị bỏ ra khỏi mọi số liệu cho tới khi được sửa. "
        "**Cảnh báo**: dòng vẫn được tính, nhưng nên xem lại. "
        "Số dòng là số dòng trong bảng tính (kể cả các dòng tiêu đề)."
    )
    choice = st.segmented_control(
        "Hiển thị", list(SEVERITY_OF), key=KEY_SEVERITY, default=SHOW_ALL, required=True
    )
    severity = SEVERITY_OF[choice or SHOW_ALL]
    rows = activity.problem_rows(ds.problems, severity=severity)
    if rows.empty:
        st.success("Không có lỗi nào." if severity == ERROR else "Không có cảnh báo nào.")
        return

    for tab in activity.problem_tabs(ds.problems).itertuples(index=False):
        mine = rows[rows["tab"] == tab.tab]
        if mine.empty:
            continue
        label = f"Trang «{escape_markdown(tab.tab)}» — {tab.errors} lỗi, {tab.warnings} cảnh báo"
        with st.expander(label, expanded=tab.errors > 0):
            table_with_downloads(
                activity.for_display(mine, ["row", "message", "column", "value", "severity"]),
                slug=f"kiem-tra-{fold(tab.tab)}",
                ctx=ctx,
                key=f"data_check_{tab.tab}",
                column_config=COLUMN_CONFIG,
            )


main()

"""Báo cáo gửi Ban Tuyên giáo: the month's report previewed, then downloaded as Word (and PDF),
with the month's figure tables as the CLI exports them."""

from __future__ import annotations

from datetime import date

import streamlit as st

from pages._shared import context, page_header, table_with_downloads
from tothu_core.clock import office_now
from tothu_core.outputs import report as content
from tothu_core.outputs.exportfile import MIME_TYPES
from tothu_core.outputs.report_docx import render_docx
from tothu_core.outputs.report_pdf import NOT_INSTALLED, docx_to_pdf, find_converter
from tothu_core.outputs.tables import SLUGS, Scope, export_table

KEY_NUMBER = "monthly_report_number"
KEY_DATE = "monthly_report_date"
KEY_SIGNER = "monthly_report_signer"
KEY_PDF = "monthly_report_pdf"
KEY_TABLE = "monthly_report_table"
# The contract's derived tables, as `python -m tothu_core export` names them.
ANNEX_TABLES = {
    "coverage": "Phủ cán bộ theo ấp",
    "attendance": "Sinh hoạt, tham dự theo ấp",
    "completeness": "Báo cáo theo cán bộ",
    "attention": "Tổ cần quan tâm",
}


def _document_details(ctx, secretary: str) -> tuple[content.Letterhead, date]:
    # A report is dated on or after the first day of the month it reports on.
    first_day = ctx.filters.month.to_timestamp().date()
    dated = st.session_state.get(KEY_DATE)
    if dated is None or dated < first_day:
        st.session_state[KEY_DATE] = max(office_now().date(), first_day)
    with st.expander("Thông tin trên văn bản (số, ngày, người ký)"):
        number = st.text_input("Số báo cáo", key=KEY_NUMBER, placeholder="ví dụ 45")
        issued = st.date_input(
            "Ngày báo cáo", key=KEY_DATE, min_value=first_day, format="DD/MM/YYYY"
        )
        signer = st.text_input(
            "Người ký (T/M Đảng ủy, Bí thư)",
            key=KEY_SIGNER,
            placeholder=secretary or "họ và tên",
        )
        st.caption("Văn phòng vẫn sửa được mọi câu chữ trong tệp Word trước khi trình ký.")
    letterhead = content.letterhead_from_settings(ctx.settings, number=number, signer=signer)
    return letterhead, issued


def _key_figures(report: content.MonthlyReport) -> None:
    f = report.figures
    cards = (
        ("Tổ có cán bộ", f.coverage_pct, f"{f.groups_covered}/{f.groups} tổ"),
        ("Tổ sinh hoạt", f.meeting_pct, f"{f.groups_met}/{f.groups} tổ"),
        ("Hộ dự", f.attendance_pct, f"{content.vn_int(f.households_present)} hộ"),
        ("Đã nộp báo cáo", f.completeness_pct, f"{f.received}/{f.expected} báo cáo"),
        ("Đúng hạn", f.on_time_pct, f"{f.on_time}/{f.expected} báo cáo"),
    )
    with st.container(horizontal=True, gap="small"):
        for label, rate, counts in cards:
            st.metric(
                label,
                content.vn_pct(rate),
                delta=counts,
                delta_color="off",
                delta_arrow="off",
                border=True,
                width=150,
            )


def _downloads(ctx, report: content.MonthlyReport) -> None:
    st.download_button(
        "⬇ Tải báo cáo Word (.docx)",
        data=lambda: render_docx(report),
        on_click="ignore",
        file_name=content.report_filename(report.month, ext="docx"),
        mime=MIME_TYPES["docx"],
        key="monthly_report_docx",
        type="primary",
        width="stretch",
    )
    if find_converter() is None:
        st.info(NOT_INSTALLED, icon=":material/picture_as_pdf:")
        return
    made_for = (ctx.snapshot.version, report.month_text, report.letterhead, report.issued)
    if st.button("Tạo bản PDF", key="monthly_report_make_pdf", width="stretch"):
        with st.spinner("Đang chuyển sang PDF…"):
            st.session_state[KEY_PDF] = (made_for, docx_to_pdf(render_docx(report)))
    made = st.session_state.get(KEY_PDF)
    if made is None or made[0] != made_for:
        return
    result = made[1]
    if not result.ok:
        st.error(result.reason)
        return
    st.download_button(
        "⬇ Tải bản PDF",
        data=result.data,
        on_click="ignore",
        file_name=content.report_filename(report.month, ext="pdf"),
        mime="application/pdf",
        key="monthly_report_pdf_download",
        width="stretch",
    )


def _preview(ctx, report: content.MonthlyReport) -> None:
    general, hamlets, attention, topics, missing, proposals = st.tabs(
        [
            "Tình hình chung",
            "Theo ấp",
            "Cần quan tâm",
            "Tuyên truyền",
            "Chưa báo cáo",
            "Kiến nghị",
        ]  # fmt: skip
    )
    with general:
        for number, (lead, sentence) in enumerate(report.summary, start=1):
            st.markdown(f"{number}. *{lead}:* {sentence}")
    with hamlets:
        frame = content.hamlet_preview(report)
        table_with_downloads(
            frame,
            slug="ket-qua-theo-ap",
            ctx=ctx,
            key="monthly_report_hamlets",
            empty_message="Bảng tính chưa có ấp nào.",
        )
    with attention:
        st.write(content.attention_intro(report))
        if len(report.attention):
            table_with_downloads(
                content.attention_preview(report),
                slug="to-can-quan-tam",
                ctx=ctx,
                key="monthly_report_attention",
            )
    with topics:
        st.write(content.topic_intro(report))
        if len(report.topics):
            frame = content.topic_preview(report)
            table_with_downloads(
                frame,
                slug="noi-dung-tuyen-truyen",
                ctx=ctx,
                key="monthly_report_topics",
            )
    with missing:
        st.write(content.missing_intro(report))
        if len(report.missing):
            table_with_downloads(
                content.missing_preview(report),
                slug="can-bo-chua-bao-cao",
                ctx=ctx,
                key="monthly_report_missing",
            )
    with proposals:
        st.write(content.proposals_intro(report))
        if len(report.proposals):
            table_with_downloads(
                content.proposal_preview(report),
                slug="kien-nghi",
                ctx=ctx,
                key="monthly_report_proposals",
            )


def _annex(ctx) -> None:
    """The contract's figure tables, filters applied: the same files as the CLI's `export`."""
    st.subheader("Bảng số liệu kèm theo")
    f = ctx.filters
    table = st.selectbox("Bảng", list(ANNEX_TABLES), key=KEY_TABLE, format_func=ANNEX_TABLES.get)
    scope = Scope(month=f.month, hamlet=f.hamlet, cadre=f.cadre)
    frame = ctx.memo("monthly_report_annex", lambda: export_table(ctx.ds, table, scope), table)
    table_with_downloads(
        frame,
        slug=SLUGS[table],
        ctx=ctx,
        key=f"monthly_report_annex_{table}",
        empty_message=f"Tháng {f.month_text} không có dòng nào trong phạm vi đang chọn.",
    )


def main() -> None:
    ctx = context()
    f = ctx.filters
    page_header("Báo cáo gửi Ban Tuyên giáo", ctx, caption="báo cáo chung của toàn xã")
    if f.hamlet or f.cadre:
        st.info(
            "Báo cáo luôn tính cho toàn xã; bộ lọc ấp và cán bộ ở thanh bên chỉ áp dụng cho "
            "các bảng số liệu kèm theo ở cuối trang.",
            icon=":material/filter_alt:",
        )
    secretary = ctx.memo("monthly_report_secretary", lambda: content.secretary_name(ctx.ds))
    letterhead, issued = _document_details(ctx, secretary)
    day = ctx.settings.deadline_day
    report = ctx.memo(
        "monthly_report",
        lambda: content.build_report(
            ctx.ds, f.month, letterhead=letterhead, issued=issued, deadline_day=day
        ),
        letterhead,
        issued,
        day,
    )
    if report.figures.groups == 0:
        st.info(f"Tháng {f.month_text} chưa có tổ nào trong bảng tính, nên chưa có gì để báo cáo.")
    _key_figures(report)
    _downloads(ctx, report)
    st.subheader(report.title_line)
    _preview(ctx, report)
    _annex(ctx)


main()

"""Báo cáo gửi cấp trên: the committee's report on the groups for a month, a quarter, six months
or a year, previewed, its narrative sections edited, then downloaded as Word (and PDF), with the
month's figure tables as the command line exports them."""

from __future__ import annotations

import dataclasses
from datetime import date

import streamlit as st

from pages._shared import context, page_header, table_with_downloads
from tothu_core import settings_view
from tothu_core.clock import office_now
from tothu_core.figures.numbers import vn_int, vn_percent
from tothu_core.outputs import report as content
from tothu_core.outputs.exportfile import MIME_TYPES
from tothu_core.outputs.narrative import SECTION_KEYS, Narrative, draft
from tothu_core.outputs.report_docx import render_docx
from tothu_core.outputs.report_pdf import NOT_INSTALLED, docx_to_pdf, find_converter
from tothu_core.outputs.tables import SLUGS, Scope, export_table
from tothu_core.people import access
from tothu_core.textnorm import escape_markdown

TITLE = "Báo cáo gửi cấp trên"
KEY_KIND = "monthly_report_kind"
KEY_PERIOD = "monthly_report_period_{kind}"
KEY_NUMBER = "monthly_report_number"
KEY_DATE = "monthly_report_date"
KEY_SIGNER = "monthly_report_signer"
KEY_PDF = "monthly_report_pdf"
KEY_TABLE = "monthly_report_table"
# The office's own wording of the narrative sections, per period and section: kept apart
# from the text boxes' state, which Streamlit forgets when the boxes are not on screen.
KEY_TEXTS = "monthly_report_texts"
KEY_TEXT = "monthly_report_text_{slug}_{section}"
SECTION_LABELS = {
    "situation": "I.5. Tình hình các tổ (theo ghi chép «Tình hình» của cán bộ phụ trách)",
    "strengths": "II.1. Ưu điểm",
    "shortcomings": "II.2. Tồn tại, hạn chế và nguyên nhân",
    "tasks": "III. Phương hướng, nhiệm vụ",
}
# The contract's derived tables, as `python -m tothu_core export` names them.
ANNEX_TABLES = {
    "coverage": "Tổ có cán bộ phụ trách theo ấp",
    "attendance": "Sinh hoạt, tham dự theo ấp",
    "completeness": "Báo cáo theo cán bộ",
    "attention": "Tổ cần quan tâm",
}


def _choose_period(ctx) -> content.Period:
    """Month (the sidebar's), or a quarter, six months or a year of the data's months."""
    kind = st.segmented_control(
        "Loại báo cáo",
        list(content.PERIOD_KINDS),
        key=KEY_KIND,
        default=content.MONTH,
        required=True,
        format_func=content.PERIOD_NAMES.get,
    )
    kind = kind or content.MONTH
    if kind == content.MONTH:
        st.caption("Báo cáo tháng theo tháng chọn ở thanh bên.")
        return content.Period.of_month(ctx.filters.month)
    options = ctx.memo("monthly_report_periods", lambda: content.periods_in(ctx.ds, kind), kind)
    key = KEY_PERIOD.format(kind=kind)
    if st.session_state.get(key) not in options:
        wanted = content.Period.containing(kind, ctx.filters.month)
        st.session_state[key] = wanted if wanted in options else options[0]
    return st.selectbox("Kỳ báo cáo", options, key=key, format_func=lambda p: p.option)


def _organisation_gaps(ctx) -> None:
    """Flag, before any download, what the letterhead still lacks (printed «……»)."""
    gaps = ctx.settings.organisation_gaps()
    if not gaps:
        return
    names = ", ".join(f"«{settings_view.FIELD_LABELS[key]}»" for key in gaps)
    st.warning(
        f"Chưa cài đặt {names}: văn bản sẽ ghi «{content.PLACEHOLDER}» ở các chỗ đó. Người quản "
        "trị điền ở trang «Cài đặt» (mục «Văn bản báo cáo»).",
        icon=":material/edit_document:",
    )
    if access.SETTINGS in ctx.viewer.pages:
        st.page_link("pages/settings.py", label="Mở trang Cài đặt", icon=":material/settings:")


def _document_details(ctx, period: content.Period) -> tuple[content.Letterhead, date]:
    # A report is dated on or after the first day of the period it reports on.
    first_day = period.first.to_timestamp().date()
    dated = st.session_state.get(KEY_DATE)
    if dated is None or dated < first_day:
        st.session_state[KEY_DATE] = max(office_now().date(), first_day)
    settings = ctx.settings
    default_signer = ctx.memo(
        "monthly_report_signer",
        lambda: content.signer_name_for(ctx.ds, settings.signer_title),
        settings.signer_title,
    )
    with st.expander("Thông tin trên văn bản (số, ngày, người ký)", expanded=False):
        number = st.text_input("Số báo cáo", key=KEY_NUMBER, placeholder="ví dụ 45")
        issued = st.date_input(
            "Ngày báo cáo", key=KEY_DATE, min_value=first_day, format="DD/MM/YYYY"
        )
        signer = st.text_input(
            f"Người ký ({settings.signing_for}, {settings.signer_title})",
            key=KEY_SIGNER,
            placeholder=default_signer or "họ và tên",
        )
        st.caption("Văn phòng vẫn sửa được mọi câu chữ trong tệp Word trước khi trình ký.")
    if not number.strip():
        st.caption(
            "Chưa ghi số báo cáo: văn bản chừa trống chỗ số trước «-"
            f"{escape_markdown(settings.number_code)}» để văn thư ghi khi vào sổ."
        )
    if not (signer.strip() or default_signer):
        st.warning(
            f"Chưa có tên người ký: bảng tính không có ai giữ chức vụ «{settings.signer_title}"
            " Đảng ủy». Hãy ghi tên ở mục «Thông tin trên văn bản».",
            icon=":material/signature:",
        )
    letterhead = content.letterhead_from_settings(settings, number=number, signer=signer)
    return letterhead, issued


def _key_figures(report: content.Report) -> None:
    f = report.figures
    meetings = "tổ" if report.period.is_month else "lượt"

    def share(part: int, whole: int, unit: str) -> str:
        return f"{vn_int(part)}/{vn_int(whole)} {unit}"

    cards = (
        ("Tổ có cán bộ", f.coverage_pct, share(f.groups_covered, f.groups, "tổ")),
        ("Tổ sinh hoạt", f.meeting_pct, share(f.groups_met, f.group_months, meetings)),
        ("Hộ dự", f.attendance_pct, f"{vn_int(f.households_present)} hộ"),
        ("Đã nộp báo cáo", f.completeness_pct, share(f.received, f.expected, "báo cáo")),
        ("Đúng hạn", f.on_time_pct, share(f.on_time, f.expected, "báo cáo")),
    )
    with st.container(horizontal=True, gap="small"):
        for label, rate, counts in cards:
            st.metric(
                label,
                vn_percent(rate),
                delta=counts,
                delta_color="off",
                delta_arrow="off",
                border=True,
                width=150,
            )


def _remember(widget_key: str, stored: tuple) -> None:
    st.session_state.setdefault(KEY_TEXTS, {})[stored] = st.session_state[widget_key]


def _narrative(ctx, report: content.Report) -> Narrative:
    """The four narrative sections as text boxes, drafted by the core, kept as edited."""
    st.subheader("Nội dung đánh giá (sửa được trước khi tải về)")
    st.caption(
        "Ứng dụng soạn sẵn từ số liệu và các ghi chép «Tình hình» của cán bộ phụ trách. Mỗi "
        "dòng là một đoạn; dòng bắt đầu bằng «- » là một ý. Phần đã sửa được giữ lại khi đổi "
        "tháng, đổi trang rồi quay lại."
    )
    drafted = ctx.memo(
        "monthly_report_draft",
        lambda: draft(report),
        report.period,
        report.letterhead,
        report.issued,
        report.planned_load,
    )
    stored = st.session_state.setdefault(KEY_TEXTS, {})
    texts = {}
    for section in SECTION_KEYS:
        widget = KEY_TEXT.format(slug=report.period.slug, section=section)
        where = (report.period.slug, section)
        if widget not in st.session_state:
            st.session_state[widget] = stored.get(where, drafted.get(section))
        label = SECTION_LABELS[section]
        if section == "tasks":
            label = f"III. Phương hướng, nhiệm vụ {report.period.next_label}"
        texts[section] = st.text_area(
            label,
            key=widget,
            height=160 if section != "situation" else 220,
            on_change=_remember,
            args=(widget, where),
        )
    if st.button("Khôi phục nội dung gợi ý", key="monthly_report_reset_texts"):
        for section in SECTION_KEYS:
            stored.pop((report.period.slug, section), None)
            st.session_state.pop(KEY_TEXT.format(slug=report.period.slug, section=section), None)
        st.rerun()
    return Narrative(**texts)


def _downloads(ctx, report: content.Report) -> None:
    st.download_button(
        "⬇ Tải báo cáo Word (.docx)",
        data=lambda: render_docx(report),
        on_click="ignore",
        file_name=content.report_filename(report.period, ext="docx"),
        mime=MIME_TYPES["docx"],
        key="monthly_report_docx",
        type="primary",
        width="stretch",
    )
    if find_converter() is None:
        st.info(NOT_INSTALLED, icon=":material/picture_as_pdf:")
        return
    made_for = (
        ctx.snapshot.version,
        report.period,
        report.letterhead,
        report.issued,
        report.narrative,
    )
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
        file_name=content.report_filename(report.period, ext="pdf"),
        mime="application/pdf",
        key="monthly_report_pdf_download",
        width="stretch",
    )


def _preview(ctx, report: content.Report) -> None:
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
            st.markdown(f"{number}. *{lead}:* {escape_markdown(sentence)}")
    with hamlets:
        table_with_downloads(
            content.hamlet_preview(report),
            slug="ket-qua-theo-ap",
            ctx=ctx,
            key="monthly_report_hamlets",
            empty_message="Bảng tính chưa có ấp nào.",
        )
    with attention:
        st.write(escape_markdown(content.attention_intro(report)))
        if len(report.attention):
            table_with_downloads(
                content.attention_preview(report),
                slug="to-can-quan-tam",
                ctx=ctx,
                key="monthly_report_attention",
            )
    with topics:
        st.write(escape_markdown(content.topic_intro(report)))
        if len(report.topics):
            table_with_downloads(
                content.topic_preview(report),
                slug="noi-dung-tuyen-truyen",
                ctx=ctx,
                key="monthly_report_topics",
            )
    with missing:
        st.write(escape_markdown(content.missing_intro(report)))
        if len(report.missing):
            table_with_downloads(
                content.missing_preview(report),
                slug="can-bo-chua-bao-cao",
                ctx=ctx,
                key="monthly_report_missing",
            )
    with proposals:
        st.write(escape_markdown(content.proposals_intro(report)))
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
    st.caption(f"Tháng {f.month_text}, theo bộ lọc ở thanh bên.")
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
    page_header(TITLE, ctx, caption="báo cáo chung của toàn xã")
    if f.hamlet or f.cadre:
        st.info(
            "Báo cáo luôn tính cho toàn xã; bộ lọc ấp và cán bộ ở thanh bên chỉ áp dụng cho "
            "các bảng số liệu kèm theo ở cuối trang.",
            icon=":material/filter_alt:",
        )
    period = _choose_period(ctx)
    _organisation_gaps(ctx)
    letterhead, issued = _document_details(ctx, period)
    settings = ctx.settings
    report = ctx.memo(
        "monthly_report",
        lambda: content.build_report(
            ctx.ds,
            period,
            letterhead=letterhead,
            issued=issued,
            deadline_day=settings.deadline_day,
            planned_load=settings.planned_load,
        ),
        period,
        letterhead,
        issued,
        settings.deadline_day,
        settings.planned_load,
        office_now().date(),
    )
    if report.provisional_note:
        st.warning(report.provisional_note, icon=":material/event:")
    if report.scope_note:
        st.caption(report.scope_note)
    if report.figures.groups == 0:
        st.info(f"{period.option} chưa có tổ nào trong bảng tính, nên chưa có gì để báo cáo.")
    _key_figures(report)
    st.subheader(report.title_line)
    _preview(ctx, report)
    narrative = _narrative(ctx, report)
    _downloads(ctx, dataclasses.replace(report, narrative=narrative))
    _annex(ctx)


main()

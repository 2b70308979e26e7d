"""The monthly report laid out as an editable Word document, in a Party committee's usual form.

Layout follows the usual form of Party documents (Hướng dẫn 36-HD/VPTW; margins within the
ranges of Nghị định 30/2020): A4, margins top and bottom 20 mm, left 30 mm, right 15 mm;
Times New Roman 14 pt (tables 12 pt); the committee's name on the left and "ĐẢNG CỘNG SẢN
VIỆT NAM" underlined on the right; the date line in italics; numbered sections; the
signature block "T/M ĐẢNG ỦY". Everything is plain text the office can edit before signing:
no field, link or formula comes from the sheet's text (the only field is the page number).
"""

from __future__ import annotations

import io
import re

import pandas as pd
from docx import Document
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from tothu_core.outputs.report import (
    TITLE,
    MonthlyReport,
    attention_intro,
    missing_intro,
    proposal_lines,
    proposals_intro,
    topic_intro,
    topic_line,
    vn_int,
    vn_pct,
)

FONT = "Times New Roman"
BODY_SIZE = Pt(14)
TABLE_SIZE = Pt(12)
SMALL_SIZE = Pt(12)
PAGE_WIDTH, PAGE_HEIGHT = Mm(210), Mm(297)
MARGINS = {"top": Mm(20), "bottom": Mm(20), "left": Mm(30), "right": Mm(15)}
TEXT_WIDTH_MM = 210 - 30 - 15
FIRST_LINE_INDENT = Mm(10)
CELL_MARGIN = Mm(1.2)
# Control characters Word's XML cannot hold; a stray one in a cell must not break the file.
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

SECTIONS = (
    "I. TÌNH HÌNH CHUNG",
    "II. KẾT QUẢ THEO TỪNG ẤP",
    "III. TỔ CẦN QUAN TÂM, CỦNG CỐ",
    "IV. NỘI DUNG TUYÊN TRUYỀN",
    "V. CÁN BỘ CHƯA BÁO CÁO",
    "VI. KIẾN NGHỊ, ĐỀ XUẤT",
    "VII. PHƯƠNG HƯỚNG THÁNG TỚI",
)
# (header, width in mm) of each table; widths add up to the text width (165 mm).
HAMLET_COLUMNS = (
    ("TT", 10),
    ("Ấp", 30),
    ("Số tổ", 13),
    ("Tổ có cán bộ phụ trách", 19),
    ("Tổ sinh hoạt", 16),
    ("Hộ dự /\nsố hộ", 27),
    ("Tỷ lệ hộ dự", 16),
    ("Báo cáo đã nộp / phải nộp", 20),
    ("Đúng hạn", 14),
)
ATTENTION_COLUMNS = (("TT", 10), ("Tổ", 24), ("Ấp", 32), ("Lý do", 99))
MISSING_COLUMNS = (("TT", 10), ("Họ và tên", 42), ("Chức vụ", 50), ("Tổ chưa có báo cáo", 63))
TOTAL_LABEL = "Toàn xã"


def render_docx(report: MonthlyReport) -> bytes:
    """The report as .docx bytes."""
    doc = Document()
    _setup(doc, report)
    _letterhead(doc, report)
    _title(doc, report)
    _section_general(doc, report)
    _section_hamlets(doc, report)
    _section_attention(doc, report)
    _section_topics(doc, report)
    _section_missing(doc, report)
    _section_proposals(doc, report)
    _section_plans(doc, report)
    _closing(doc, report)
    _signature(doc, report)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def clean(text) -> str:
    """Text as Word can store it: no control characters, never None."""
    return _ILLEGAL_XML.sub("", "" if text is None or pd.isna(text) else str(text))


# --- page, fonts, numbering ------------------------------------------------------------------


def _setup(doc, report: MonthlyReport) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.top_margin, section.bottom_margin = MARGINS["top"], MARGINS["bottom"]
    section.left_margin, section.right_margin = MARGINS["left"], MARGINS["right"]
    section.header_distance = section.footer_distance = Mm(10)

    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = BODY_SIZE
    _font_everywhere(normal.element.get_or_add_rPr())
    fmt = normal.paragraph_format
    fmt.space_before, fmt.space_after, fmt.line_spacing = Pt(0), Pt(6), 1.1

    _page_numbers(section)
    props = doc.core_properties
    props.title = f"{TITLE} tháng {report.month_text}"
    props.author = report.letterhead.committee
    props.language = "vi-VN"


def _font_everywhere(rpr) -> None:
    """Times New Roman for every script slot, and Vietnamese as the proofing language."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for slot in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(slot), FONT)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "vi-VN")


def _page_numbers(section) -> None:
    """Page number at the top centre from page 2 on, as Party documents number them."""
    section.different_first_page_header_footer = True
    paragraph = section.header.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "2"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


# --- paragraphs -----------------------------------------------------------------------------


def _paragraph(
    container,
    text: str = "",
    *,
    bold: bool = False,
    italic: bool = False,
    underline: bool = False,
    size=None,
    align=None,
    indent: bool = False,
    after=None,
):
    paragraph = container.add_paragraph()
    if text:
        _run(paragraph, text, bold=bold, italic=italic, underline=underline, size=size)
    fmt = paragraph.paragraph_format
    if align is not None:
        paragraph.alignment = align
    if indent:
        fmt.first_line_indent = FIRST_LINE_INDENT
    if after is not None:
        fmt.space_after = after
    return paragraph


def _run(paragraph, text: str, *, bold=False, italic=False, underline=False, size=None):
    run = paragraph.add_run(clean(text))
    run.bold, run.italic, run.underline = bold or None, italic or None, underline or None
    if size is not None:
        run.font.size = size
    return run


def _body(doc, text: str) -> None:
    _paragraph(doc, text, align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent=True)


def _dash(doc, text: str) -> None:
    _paragraph(doc, f"- {text}", align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent=True, after=Pt(3))


def _heading(doc, text: str) -> None:
    paragraph = _paragraph(doc, text, bold=True, indent=True)
    paragraph.paragraph_format.space_before = Pt(6)
    paragraph.paragraph_format.keep_with_next = True


# --- letterhead and title --------------------------------------------------------------------


def _borderless_table(doc, widths_mm: tuple[int, ...], rows: int = 1):
    table = doc.add_table(rows=rows, cols=len(widths_mm))
    table.autofit = False
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for row in table.rows:
        for cell, width in zip(row.cells, widths_mm, strict=True):
            cell.width = Mm(width)
    _fixed_layout(table, widths_mm)
    return table


def _fixed_layout(table, widths_mm) -> None:
    """Fixed column widths, so Word and LibreOffice lay the table out the same way."""
    tbl_pr = table._tbl.tblPr
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tbl_pr.append(layout)
    grid = table._tbl.tblGrid
    for col, width in zip(grid.findall(qn("w:gridCol")), widths_mm, strict=True):
        col.set(qn("w:w"), str(int(Mm(width).twips)))


def _cell_paragraph(cell, text: str = "", *, first: bool = False, **style):
    """The cell's own first paragraph for the first line, a new one for the next lines."""
    paragraph = cell.paragraphs[0] if first else cell.add_paragraph()
    paragraph.alignment = style.pop("align", WD_ALIGN_PARAGRAPH.CENTER)
    paragraph.paragraph_format.space_after = style.pop("after", Pt(0))
    if text:
        _run(paragraph, text, **style)
    return paragraph


def _letterhead(doc, report: MonthlyReport) -> None:
    head = report.letterhead
    table = _borderless_table(doc, (72, 93), rows=2)
    left, right = table.rows[0].cells
    _cell_paragraph(left, head.parent.upper(), first=True, size=BODY_SIZE)
    _cell_paragraph(left, head.committee.upper(), bold=True, size=BODY_SIZE)
    _cell_paragraph(left, "*", size=BODY_SIZE)
    _cell_paragraph(right, "ĐẢNG CỘNG SẢN VIỆT NAM", first=True, bold=True, underline=True,
                    size=Pt(15))  # fmt: skip
    number, date_line = table.rows[1].cells
    _cell_paragraph(number, head.number_line, first=True, size=BODY_SIZE)
    _cell_paragraph(date_line, report.date_line, first=True, italic=True, size=BODY_SIZE)


def _title(doc, report: MonthlyReport) -> None:
    _paragraph(doc, "", after=Pt(6))
    _paragraph(doc, "BÁO CÁO", bold=True, size=Pt(16), align=WD_ALIGN_PARAGRAPH.CENTER,
               after=Pt(0))  # fmt: skip
    _paragraph(doc, report.title_line, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=Pt(0))
    _paragraph(doc, "-----", align=WD_ALIGN_PARAGRAPH.CENTER, after=Pt(12))


# --- tables ---------------------------------------------------------------------------------


def _grid_table(doc, columns: tuple[tuple[str, int], ...], rows: list[list[str]], *,
                left_aligned: tuple[int, ...] = (), bold_last: bool = False):  # fmt: skip
    """A bordered table with a bold header row that repeats on every page."""
    table = doc.add_table(rows=1 + len(rows), cols=len(columns))
    table.style = doc.styles["Table Grid"]
    table.autofit = False
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _fixed_layout(table, tuple(w for _, w in columns))
    _cell_margins(table, CELL_MARGIN)
    header = table.rows[0]
    _repeat_header(header)
    for cell, (label, width) in zip(header.cells, columns, strict=True):
        cell.width = Mm(width)
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        _cell_paragraph(cell, label, first=True, bold=True, size=TABLE_SIZE)
    for index, values in enumerate(rows, start=1):
        row = table.rows[index]
        _keep_row_together(row)
        bold = bold_last and index == len(rows)
        for position, (cell, value) in enumerate(zip(row.cells, values, strict=True)):
            cell.width = Mm(columns[position][1])
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            align = (
                WD_ALIGN_PARAGRAPH.LEFT if position in left_aligned else WD_ALIGN_PARAGRAPH.CENTER
            )
            _cell_paragraph(cell, value, first=True, bold=bold, size=TABLE_SIZE, align=align)
    _paragraph(doc, "", after=Pt(0))
    return table


def _cell_margins(table, margin) -> None:
    """Narrow left/right cell padding: nine columns of figures must fit a portrait page."""
    margins = OxmlElement("w:tblCellMar")
    for side in ("w:left", "w:right"):
        edge = OxmlElement(side)
        edge.set(qn("w:w"), str(int(margin.twips)))
        edge.set(qn("w:type"), "dxa")
        margins.append(edge)
    table._tbl.tblPr.append(margins)


def _repeat_header(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    tr_pr.append(flag)


def _keep_row_together(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    flag = OxmlElement("w:cantSplit")
    flag.set(qn("w:val"), "true")
    tr_pr.append(flag)


def hamlet_table_rows(report: MonthlyReport) -> list[list[str]]:
    """Section II's rows, the commune's total last: what the Word table shows, cell by cell."""
    rows = []
    for number, h in enumerate(report.hamlets.itertuples(index=False), start=1):
        rows.append(_hamlet_cells(str(number), h.hamlet_name, h))
    f = report.figures
    rows.append(_hamlet_cells("", TOTAL_LABEL, f))
    return rows


def _hamlet_cells(number: str, name: str, h) -> list[str]:
    return [
        number,
        name,
        vn_int(h.groups),
        vn_int(h.groups_covered),
        vn_int(h.groups_met),
        f"{vn_int(h.households_present)}/{vn_int(h.households)}",
        vn_pct(h.attendance_pct),
        f"{vn_int(h.received)}/{vn_int(h.expected)}",
        vn_int(h.on_time),
    ]


# --- sections -------------------------------------------------------------------------------


def _section_general(doc, report: MonthlyReport) -> None:
    _heading(doc, SECTIONS[0])
    for number, (lead, sentence) in enumerate(report.summary, start=1):
        paragraph = _paragraph(doc, align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent=True)
        _run(paragraph, f"{number}. {lead}: ", italic=True)
        _run(paragraph, sentence)


def _section_hamlets(doc, report: MonthlyReport) -> None:
    _heading(doc, SECTIONS[1])
    if report.hamlets.empty:
        _body(doc, "Bảng tính chưa có ấp nào.")
        return
    _grid_table(doc, HAMLET_COLUMNS, hamlet_table_rows(report), left_aligned=(1,),
                bold_last=True)  # fmt: skip


def _section_attention(doc, report: MonthlyReport) -> None:
    _heading(doc, SECTIONS[2])
    _body(doc, attention_intro(report))
    if report.attention.empty:
        return
    rows = [
        [str(n), row.group_name, row.hamlet_name, row.reasons]
        for n, row in enumerate(report.attention.itertuples(index=False), start=1)
    ]
    _grid_table(doc, ATTENTION_COLUMNS, rows, left_aligned=(1, 2, 3))


def _section_topics(doc, report: MonthlyReport) -> None:
    _heading(doc, SECTIONS[3])
    _body(doc, topic_intro(report))
    for _, row in report.topics.iterrows():
        _dash(doc, topic_line(row))


def _section_missing(doc, report: MonthlyReport) -> None:
    _heading(doc, SECTIONS[4])
    _body(doc, missing_intro(report))
    if report.missing.empty:
        return
    rows = [
        [str(n), row.name, clean(row.position), row.missing_groups]
        for n, row in enumerate(report.missing.itertuples(index=False), start=1)
    ]
    _grid_table(doc, MISSING_COLUMNS, rows, left_aligned=(1, 2, 3))


def _section_proposals(doc, report: MonthlyReport) -> None:
    _heading(doc, SECTIONS[5])
    _body(doc, proposals_intro(report))
    for hamlet_name, lines in proposal_lines(report.proposals):
        paragraph = _paragraph(doc, indent=True, after=Pt(3))
        _run(paragraph, f"{hamlet_name}:", italic=True)
        paragraph.paragraph_format.keep_with_next = True
        for line in lines:
            _dash(doc, line)


def _section_plans(doc, report: MonthlyReport) -> None:
    _heading(doc, SECTIONS[6])
    for line in report.plans:
        _dash(doc, line)


def _closing(doc, report: MonthlyReport) -> None:
    """The closing sentence, kept on the page of the signature it leads to."""
    closing = _paragraph(doc, report.closing, align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent=True)
    closing.paragraph_format.keep_with_next = True
    spacer = _paragraph(doc, "", after=Pt(0))
    spacer.paragraph_format.keep_with_next = True


def _signature(doc, report: MonthlyReport) -> None:
    table = _borderless_table(doc, (80, 85))
    recipients, signer = table.rows[0].cells
    _cell_paragraph(recipients, "Nơi nhận:", first=True, underline=True, size=BODY_SIZE,
                    align=WD_ALIGN_PARAGRAPH.LEFT)  # fmt: skip
    for line in report.letterhead.recipients:
        _cell_paragraph(recipients, f"- {line}", size=SMALL_SIZE, align=WD_ALIGN_PARAGRAPH.LEFT)
    _cell_paragraph(signer, "T/M ĐẢNG ỦY", first=True, bold=True, size=BODY_SIZE)
    _cell_paragraph(signer, "BÍ THƯ", bold=True, size=BODY_SIZE)
    for _ in range(4):
        _cell_paragraph(signer, "", size=BODY_SIZE)
    _cell_paragraph(signer, report.signer_name, bold=True, size=BODY_SIZE)
    _keep_row_together(table.rows[0])

"""The committee's report laid out as an editable Word document, in the form of Party documents.

Layout follows Hướng dẫn 36-HD/VPTW ngày 03/4/2018 (thể thức và kỹ thuật trình bày văn bản
của Đảng; margins within the ranges of Nghị định 30/2020): A4, margins top and bottom 20 mm,
left 30 mm, right 15 mm; Times New Roman 14 pt (tables 12 pt). Top left: the superior body
(capitals, 14 pt) and the issuing body (capitals, 14 pt, bold) over a star; top right:
«ĐẢNG CỘNG SẢN VIỆT NAM» (capitals, 15 pt, bold) with a separate solid line below it as long
as the words (a line, not an underline of the letters). Under them the number «Số 12-BC/ĐU»
(no colon) and the place and date in italics. The type of document «BÁO CÁO» (16 pt, bold),
its subject (14 pt, bold) and five dashes; numbered parts; the closing «./.»; the recipients
«Nơi nhận:» (the words underlined, the list in 12 pt) and the signature block (on whose
behalf, «T/M ĐẢNG ỦY» or «T/M BAN THƯỜNG VỤ», and the title in capitals, bold; the name in
bold). Everything is plain text the office can edit before signing: no field, link or formula
comes from the sheet's text (the only field is the page number).
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

from tothu_core.figures.numbers import vn_int, vn_percent
from tothu_core.outputs.narrative import narrative_of, paragraphs
from tothu_core.outputs.report import (
    PART_ONE,
    PLACEHOLDER,
    SHORTCOMINGS,
    STRENGTHS,
    TITLE,
    Report,
    attention_intro,
    missing_intro,
    proposal_lines,
    proposals_intro,
    section_titles,
    topic_intro,
    topic_lines,
)

FONT = "Times New Roman"
BODY_SIZE = Pt(14)
TABLE_SIZE = Pt(12)
SMALL_SIZE = Pt(12)
HEADING_SIZE = Pt(15)
PAGE_WIDTH, PAGE_HEIGHT = Mm(210), Mm(297)
MARGINS = {"top": Mm(20), "bottom": Mm(20), "left": Mm(30), "right": Mm(15)}
TEXT_WIDTH_MM = 210 - 30 - 15
FIRST_LINE_INDENT = Mm(10)
CELL_MARGIN = Mm(1.2)
# The letterhead's two columns (mm): the bodies on the left, the Party's name on the right.
LETTERHEAD_COLUMNS = (72, 93)
PARTY_NAME = "ĐẢNG CỘNG SẢN VIỆT NAM"
# "ĐẢNG CỘNG SẢN VIỆT NAM" in Times New Roman bold 15 pt is 206 pt ≈ 72.7 mm wide (measured
# with Liberation Serif 2, whose widths are Times New Roman's): the line under it is as long.
PARTY_NAME_WIDTH_MM = 73
# Control characters Word's XML cannot hold; a stray one in a cell must not break the file.
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

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
# A longer period counts meetings in "lượt" (a group meeting once in a month).
PERIOD_MEETINGS_HEADER = "Lượt sinh hoạt"
ATTENTION_COLUMNS = (("TT", 10), ("Tổ", 24), ("Ấp", 32), ("Lý do", 99))
MISSING_COLUMNS = (("TT", 10), ("Họ và tên", 42), ("Chức vụ", 50), ("Tổ chưa có báo cáo", 63))
TOTAL_LABEL = "Toàn xã"


def render_docx(report: Report) -> bytes:
    """The report as .docx bytes."""
    doc = Document()
    _setup(doc, report)
    _letterhead(doc, report)
    _title(doc, report)
    _part_one(doc, report)
    _part_two(doc, report)
    _part_three(doc, report)
    _closing(doc, report)
    _signature(doc, report)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def clean(text) -> str:
    """Text as Word can store it: no control characters, never None."""
    return _ILLEGAL_XML.sub("", "" if text is None or pd.isna(text) else str(text))


# --- page, fonts, numbering ------------------------------------------------------------------


def _setup(doc, report: Report) -> None:
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
    props.title = f"{TITLE} {report.period.label}"
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


def _letterhead(doc, report: Report) -> None:
    head = report.letterhead
    table = _borderless_table(doc, LETTERHEAD_COLUMNS, rows=2)
    left, right = table.rows[0].cells
    _cell_paragraph(left, (head.superior or PLACEHOLDER).upper(), first=True, size=BODY_SIZE)
    _cell_paragraph(left, head.committee.upper(), bold=True, size=BODY_SIZE)
    _cell_paragraph(left, "*", size=BODY_SIZE)
    _cell_paragraph(right, PARTY_NAME, first=True, bold=True, size=HEADING_SIZE)
    _rule_below(_cell_paragraph(right, ""), width_mm=PARTY_NAME_WIDTH_MM,
                cell_mm=LETTERHEAD_COLUMNS[1])  # fmt: skip
    number, date_line = table.rows[1].cells
    _cell_paragraph(number, head.number_line, first=True, size=BODY_SIZE)
    _cell_paragraph(date_line, report.date_line, first=True, italic=True, size=BODY_SIZE)


def _rule_below(paragraph, *, width_mm: float, cell_mm: float) -> None:
    """A solid line as long as the words above it: the empty paragraph's top border, indented
    so it is `width_mm` long and centred in its cell, drawn 1 pt high so it hugs the words."""
    side = Mm(max(0.0, (cell_mm - width_mm) / 2))
    fmt = paragraph.paragraph_format
    fmt.left_indent = fmt.right_indent = side
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.line_spacing = Pt(2)
    p_pr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    top = OxmlElement("w:top")
    for name, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"),
                        ("w:color", "auto")):  # fmt: skip
        top.set(qn(name), value)
    borders.append(top)
    p_pr.append(borders)


def _title(doc, report: Report) -> None:
    _paragraph(doc, "", after=Pt(6))
    _paragraph(doc, "BÁO CÁO", bold=True, size=Pt(16), align=WD_ALIGN_PARAGRAPH.CENTER,
               after=Pt(0))  # fmt: skip
    _paragraph(doc, report.title_line, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=Pt(0))
    _paragraph(doc, "-----", align=WD_ALIGN_PARAGRAPH.CENTER, after=Pt(6))
    for note in (report.provisional_note, report.scope_note):
        if note:
            _paragraph(doc, f"({note})", italic=True, size=SMALL_SIZE,
                       align=WD_ALIGN_PARAGRAPH.CENTER, after=Pt(6))  # fmt: skip
    _body(doc, report.intro)


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


def hamlet_columns(report: Report) -> tuple[tuple[str, int], ...]:
    if report.period.is_month:
        return HAMLET_COLUMNS
    return tuple(
        (PERIOD_MEETINGS_HEADER, width) if header == "Tổ sinh hoạt" else (header, width)
        for header, width in HAMLET_COLUMNS
    )


def hamlet_table_rows(report: Report) -> list[list[str]]:
    """Part I.4's rows, the commune's total last: what the Word table shows, cell by cell."""
    rows = []
    for number, h in enumerate(report.hamlets.itertuples(index=False), start=1):
        rows.append(_hamlet_cells(str(number), h.hamlet_name, h))
    rows.append(_hamlet_cells("", TOTAL_LABEL, report.figures))
    return rows


def _hamlet_cells(number: str, name: str, h) -> list[str]:
    return [
        number,
        name,
        vn_int(h.groups),
        vn_int(h.groups_covered),
        vn_int(h.groups_met),
        f"{vn_int(h.households_present)}/{vn_int(h.households)}",
        vn_percent(h.attendance_pct),
        f"{vn_int(h.received)}/{vn_int(h.expected)}",
        vn_int(h.on_time),
    ]


# --- parts ----------------------------------------------------------------------------------


def _item(doc, number: int, title: str) -> None:
    """'1. Phân công cán bộ phụ trách': an item of a part, bold, kept with what follows."""
    paragraph = _paragraph(doc, f"{number}. {title}", bold=True, indent=True)
    paragraph.paragraph_format.keep_with_next = True


def _narrative(doc, text: str) -> None:
    for is_item, line in paragraphs(text):
        (_dash if is_item else _body)(doc, line)


def _part_one(doc, report: Report) -> None:
    heading = section_titles(report.period)[0]
    _heading(doc, heading)
    summary = dict(report.summary)
    for number, title in enumerate(PART_ONE[:3], start=1):
        _item(doc, number, title)
        if summary.get(title):
            _body(doc, summary[title])
    _item(doc, 4, PART_ONE[3])
    if report.hamlets.empty:
        _body(doc, "Bảng tính chưa có ấp nào.")
    else:
        _grid_table(doc, hamlet_columns(report), hamlet_table_rows(report), left_aligned=(1,),
                    bold_last=True)  # fmt: skip
    _item(doc, 5, PART_ONE[4])
    _narrative(doc, narrative_of(report).situation)
    _item(doc, 6, PART_ONE[5])
    _body(doc, topic_intro(report))
    for line in topic_lines(report):
        _dash(doc, line)
    _item(doc, 7, PART_ONE[6])
    _body(doc, attention_intro(report))
    if len(report.attention):
        rows = [
            [str(n), row.group_name, row.hamlet_name, row.reasons]
            for n, row in enumerate(report.attention.itertuples(index=False), start=1)
        ]
        _grid_table(doc, ATTENTION_COLUMNS, rows, left_aligned=(1, 2, 3))
    _item(doc, 8, PART_ONE[7])
    _body(doc, missing_intro(report))
    if len(report.missing):
        rows = [
            [str(n), row.name, clean(row.position), row.missing_groups]
            for n, row in enumerate(report.missing.itertuples(index=False), start=1)
        ]
        _grid_table(doc, MISSING_COLUMNS, rows, left_aligned=(1, 2, 3))
    _item(doc, 9, PART_ONE[8])
    _body(doc, proposals_intro(report))
    for hamlet_name, lines in proposal_lines(report.proposals):
        paragraph = _paragraph(doc, indent=True, after=Pt(3))
        _run(paragraph, f"{hamlet_name}:", italic=True)
        paragraph.paragraph_format.keep_with_next = True
        for line in lines:
            _dash(doc, line)


def _part_two(doc, report: Report) -> None:
    _heading(doc, section_titles(report.period)[1])
    narrative = narrative_of(report)
    _item(doc, 1, STRENGTHS)
    _narrative(doc, narrative.strengths)
    _item(doc, 2, SHORTCOMINGS)
    _narrative(doc, narrative.shortcomings)


def _part_three(doc, report: Report) -> None:
    _heading(doc, section_titles(report.period)[2])
    _narrative(doc, narrative_of(report).tasks)


def _closing(doc, report: Report) -> None:
    """The closing sentence, kept on the page of the signature it leads to."""
    closing = _paragraph(doc, report.closing, align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent=True)
    closing.paragraph_format.keep_with_next = True
    spacer = _paragraph(doc, "", after=Pt(0))
    spacer.paragraph_format.keep_with_next = True


def _signature(doc, report: Report) -> None:
    head = report.letterhead
    table = _borderless_table(doc, (80, 85))
    recipients, signer = table.rows[0].cells
    heading = _cell_paragraph(recipients, "Nơi nhận", first=True, underline=True, size=BODY_SIZE,
                              align=WD_ALIGN_PARAGRAPH.LEFT)  # fmt: skip
    _run(heading, ":", size=BODY_SIZE)
    for line in head.recipient_lines():
        _cell_paragraph(recipients, line, size=SMALL_SIZE, align=WD_ALIGN_PARAGRAPH.LEFT)
    _cell_paragraph(signer, head.signing_for.upper() or PLACEHOLDER, first=True, bold=True,
                    size=BODY_SIZE)  # fmt: skip
    _cell_paragraph(signer, head.signer_title.upper() or PLACEHOLDER, bold=True, size=BODY_SIZE)
    for _ in range(4):
        _cell_paragraph(signer, "", size=BODY_SIZE)
    _cell_paragraph(signer, report.signer_name, bold=True, size=BODY_SIZE)
    _keep_row_together(table.rows[0])

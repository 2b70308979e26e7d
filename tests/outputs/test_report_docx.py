"""The committee's report as Word writes it, read back with python-docx: the letterhead and its
solid line, the number and date lines of HD 36-HD/VPTW, the parts and their figures, the
narrative sections, the signature block; and the PDF made from it."""

import dataclasses
import io
import time
import zipfile
from datetime import date, datetime

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Pt

from tests.outputs.test_report import HYPERLINK, ISSUED, NOW, SEPT, commune_with_texts
from tests.sheets import COMMUNE, cadre, tab
from tothu_core.outputs import report_pdf
from tothu_core.outputs.narrative import Narrative, draft
from tothu_core.outputs.report import (
    PART_ONE,
    QUARTER,
    Period,
    build_report,
    letterhead_from_settings,
    section_titles,
)
from tothu_core.outputs.report_docx import (
    LETTERHEAD_COLUMNS,
    PARTY_NAME_WIDTH_MM,
    clean,
    hamlet_table_rows,
    render_docx,
)
from tothu_core.settings import Settings
from tothu_core.sheet.reader import read_dataset

CONFIGURED = Settings(
    superior_body="Đảng bộ tỉnh Vĩnh Long",
    issuing_body="Đảng ủy xã Mỹ Thạnh",
    place_name="Mỹ Thạnh",
)


def with_positions(raw: dict) -> dict:
    raw = dict(raw)
    raw["Cán bộ"] = tab(
        ["Mã cán bộ", "Họ và tên", "Chức vụ"],
        [cadre("CB01", "Nguyễn Văn An") + ["Bí thư Đảng ủy - Chủ tịch HĐND xã"],
         cadre("CB02", "Trần Thị Bình") + ["Phó Bí thư Thường trực Đảng ủy"],
         cadre("CB03", "Lê Văn Cường") + [""], cadre("CB04", "Phạm Thị Dung") + [""]],
    )  # fmt: skip
    return raw


@pytest.fixture(scope="module")
def ds():
    dataset = read_dataset(with_positions(commune_with_texts()))
    assert dataset.errors == []
    return dataset


@pytest.fixture(scope="module")
def report(ds):
    head = letterhead_from_settings(CONFIGURED, number="12")
    return build_report(ds, SEPT, letterhead=head, issued=ISSUED, now=NOW)


def read(report) -> Document:
    return Document(io.BytesIO(render_docx(report)))


@pytest.fixture(scope="module")
def doc(report):
    return read(report)


def texts(document) -> list[str]:
    return [p.text for p in document.paragraphs]


def every_text(document) -> str:
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join(texts(document) + cells)


def table_rows(table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


def table_after(document, heading: str):
    """The first table after the paragraph `heading`, before the next numbered item."""
    seen = False
    for block in document.iter_inner_content():
        text = getattr(block, "text", None)
        if text == heading:
            seen = True
        elif seen and text is None:
            return block
        elif seen and text and text[:2] in {f"{n}." for n in range(1, 10)}:
            return None
    return None


# --- page and fonts -----------------------------------------------------------------------------


def test_page_is_a4_with_administrative_margins(doc):
    section = doc.sections[0]
    sizes = [section.page_width, section.page_height, section.top_margin, section.bottom_margin,
             section.left_margin, section.right_margin]  # fmt: skip
    assert [round(size.mm) for size in sizes] == [210, 297, 20, 20, 30, 15]


def all_runs(document) -> list:
    cells = [c for t in document.tables for row in t.rows for c in row.cells]
    paragraphs = list(document.paragraphs) + [p for c in cells for p in c.paragraphs]
    return [r for p in paragraphs for r in p.runs]


def test_times_new_roman_12_to_16_points(doc):
    normal = doc.styles["Normal"]
    assert normal.font.name == "Times New Roman"
    assert normal.font.size == Pt(14)
    fonts = normal.element.rPr.rFonts
    slots = ("ascii", "hAnsi", "eastAsia", "cs")
    assert {fonts.get(qn(f"w:{slot}")) for slot in slots} == {"Times New Roman"}
    runs = all_runs(doc)
    assert {r.font.name for r in runs} <= {None, "Times New Roman"}
    assert {r.font.size.pt for r in runs if r.font.size is not None} <= {12.0, 14.0, 15.0, 16.0}


# --- the letterhead (HD 36) --------------------------------------------------------------------


def test_letterhead_names_the_bodies_of_the_2025_structure(doc):
    left, right = table_rows(doc.tables[0])[0]
    assert left.split("\n") == ["ĐẢNG BỘ TỈNH VĨNH LONG", "ĐẢNG ỦY XÃ MỸ THẠNH", "*"]
    superior, issuing, _star = doc.tables[0].rows[0].cells[0].paragraphs
    assert not superior.runs[0].bold and issuing.runs[0].bold
    assert "HUYỆN" not in every_text(doc) and "Huyện" not in every_text(doc)


def test_party_name_is_bold_15_with_a_separate_solid_line_below(doc):
    cell = doc.tables[0].rows[0].cells[1]
    title, rule = cell.paragraphs
    assert title.text == "ĐẢNG CỘNG SẢN VIỆT NAM"
    (run,) = title.runs
    assert run.bold and run.font.size == Pt(15)
    assert not run.underline, "a line of its own, not an underline of the letters"
    assert rule.text == ""
    border = rule._p.pPr.find(qn("w:pBdr")).find(qn("w:top"))
    assert border.get(qn("w:val")) == "single"
    fmt = rule.paragraph_format
    length = LETTERHEAD_COLUMNS[1] - fmt.left_indent.mm - fmt.right_indent.mm
    assert length == pytest.approx(PARTY_NAME_WIDTH_MM, abs=0.5)
    assert fmt.left_indent == fmt.right_indent, "centred under the name"


def test_number_and_date_lines(doc):
    number, date_line = table_rows(doc.tables[0])[1]
    assert number == "Số 12-BC/ĐU"
    assert date_line == "Mỹ Thạnh, ngày 07 tháng 10 năm 2016"
    assert doc.tables[0].rows[1].cells[1].paragraphs[0].runs[0].italic


def test_the_date_line_keeps_months_3_to_12_without_zero(ds):
    head = letterhead_from_settings(CONFIGURED)
    for day, text in ((date(2026, 4, 3), "ngày 03 tháng 4 năm 2026"),
                      (date(2026, 2, 9), "ngày 09 tháng 02 năm 2026")):  # fmt: skip
        report = build_report(ds, SEPT, letterhead=head, issued=day, now=NOW)
        assert table_rows(read(report).tables[0])[1][1] == f"Mỹ Thạnh, {text}"


def test_a_configured_report_prints_no_placeholder(doc):
    assert "……" not in every_text(doc)


def test_an_unconfigured_report_shows_its_gaps(ds):
    report = build_report(ds, SEPT, letterhead=letterhead_from_settings(Settings()), now=NOW)
    left = table_rows(read(report).tables[0])[0][0].split("\n")
    assert left == ["……", "……", "*"]
    assert Settings().organisation_gaps() == ["superior_body", "issuing_body", "place_name"]
    assert CONFIGURED.organisation_gaps() == []


def test_title_parts_and_items_in_order(doc, report):
    paragraphs = texts(doc)
    title = paragraphs.index("BÁO CÁO")
    assert paragraphs[title + 1] == "Kết quả theo dõi, hỗ trợ tổ nhân dân tự quản tháng 9 năm 2016"
    assert paragraphs[title + 2] == "-----"
    assert paragraphs[title + 3].startswith("Thực hiện sự phân công của Đảng ủy xã Mỹ Thạnh")
    parts = section_titles(report.period)
    assert parts[2] == "III. PHƯƠNG HƯỚNG, NHIỆM VỤ THÁNG TỚI"
    positions = [paragraphs.index(p) for p in parts]
    assert positions == sorted(positions)
    items = [paragraphs.index(f"{n}. {t}") for n, t in enumerate(PART_ONE, start=1)]
    assert positions[0] < items[0] and items == sorted(items) and items[-1] < positions[1]
    strengths = paragraphs.index("1. Ưu điểm", positions[1])
    shortcomings = paragraphs.index("2. Tồn tại, hạn chế và nguyên nhân", positions[1])
    assert positions[1] < strengths < shortcomings < positions[2]
    closing = (
        "Trên đây là báo cáo kết quả theo dõi, hỗ trợ tổ nhân dân tự quản tháng 9 năm 2016 "
        "của Đảng ủy xã Mỹ Thạnh./."
    )
    assert paragraphs.index(closing) > positions[2]


def test_part_one_reads_the_figures(doc, report):
    paragraphs = texts(doc)
    for lead, sentence in report.summary:
        at = paragraphs.index(f"{PART_ONE.index(lead) + 1}. {lead}")
        assert paragraphs[at + 1] == sentence
    assert "đạt 55,0\u00a0%" in paragraphs[paragraphs.index("2. Sinh hoạt tổ") + 1]


def test_hamlet_table_cell_by_cell(doc, report):
    rows = table_rows(table_after(doc, "4. Kết quả theo từng ấp"))
    assert rows[0] == [
        "TT", "Ấp", "Số tổ", "Tổ có cán bộ phụ trách", "Tổ sinh hoạt", "Hộ dự /\nsố hộ",
        "Tỷ lệ hộ dự", "Báo cáo đã nộp / phải nộp", "Đúng hạn",
    ]  # fmt: skip
    assert rows[1:] == [
        ["1", "Ấp Mỹ An", "3", "3", "3", "22/40", "55,0\u00a0%", "4/4", "3"],
        ["2", "Ấp Bình Hòa", "2", "1", "0", "0/0", "–", "0/1", "0"],
        ["3", "Ấp Tân Lợi", "0", "0", "0", "0/0", "–", "0/0", "0"],
        ["", "Toàn xã", "5", "4", "3", "22/40", "55,0\u00a0%", "4/5", "3"],
    ]
    assert rows[1:] == hamlet_table_rows(report)


def test_tables_repeat_their_header_row(doc):
    grid_tables = [t for t in doc.tables if t.style is not None and t.style.name == "Table Grid"]
    assert len(grid_tables) == 3  # hamlets, attention, missing cadres
    for table in grid_tables:
        assert table.rows[0]._tr.xpath("./w:trPr/w:tblHeader"), "header row repeats on each page"
        assert all(run.bold for cell in table.rows[0].cells for run in cell.paragraphs[0].runs)


def test_attention_table(doc):
    rows = table_rows(table_after(doc, "7. Tổ cần quan tâm, củng cố"))
    assert rows == [
        ["TT", "Tổ", "Ấp", "Lý do"],
        ["1", "Tổ T3", "Ấp Mỹ An",
         "Xếp loại Yếu; tỷ lệ hộ dự 41,7\u00a0% (dưới 50\u00a0%); cán bộ phụ trách vắng 02 "
         "tháng liền"],
        ["2", "Tổ T4", "Ấp Bình Hòa", "Không sinh hoạt 02 tháng liền"],
    ]  # fmt: skip


def test_topics_and_missing_cadres(doc):
    paragraphs = texts(doc)
    assert "- Trữ nước ngọt: 3 tổ (100,0\u00a0% số buổi sinh hoạt)." in paragraphs
    assert "- An toàn giao thông: 1 tổ (33,3\u00a0% số buổi sinh hoạt)." in paragraphs
    assert (
        "Tính đến ngày 07/10/2016, còn 1 đồng chí chưa nộp đủ báo cáo tháng 9 năm 2016 "
        "(1 báo cáo):" in paragraphs
    )
    rows = table_rows(table_after(doc, "8. Đồng chí chưa nộp đủ báo cáo"))
    assert rows[1] == ["1", "Lê Văn Cường", "", "Tổ T5 – Ấp Bình Hòa"]


def test_proposals_by_hamlet_and_group(doc):
    paragraphs = texts(doc)
    start = paragraphs.index("9. Kiến nghị, đề xuất")
    assert paragraphs[start + 1 : start + 6] == [
        "Qua sinh hoạt tổ, nhân dân và cán bộ phụ trách nêu 4 lượt kiến nghị, đề xuất:",
        "Ấp Mỹ An:",
        "- Tổ T1, Tổ T2: Đề nghị nạo vét kênh.",
        f"- Tổ T2: {HYPERLINK}",
        "- Tổ T3: Đề nghị hỗ trợ lu chứa nước.",
    ]
    assert "Bản đã được sửa lại" not in " ".join(paragraphs)


def test_situation_section_groups_the_notes_by_hamlet(doc):
    paragraphs = texts(doc)
    start = paragraphs.index("5. Tình hình các tổ")
    assert paragraphs[start + 2] == (
        "- Ấp Mỹ An: an ninh trật tự ổn định (Tổ T1, Tổ T2); tổ trưởng bệnh (Tổ T2); nhiều hộ "
        "vắng sinh hoạt (Tổ T3)."
    )


def test_assessment_and_tasks_are_drafted_from_the_figures(doc):
    paragraphs = texts(doc)
    two = paragraphs.index("II. ĐÁNH GIÁ CHUNG")
    three = paragraphs.index("III. PHƯƠNG HƯỚNG, NHIỆM VỤ THÁNG TỚI")
    assessment = paragraphs[two:three]
    assert "- Còn 1 tổ chưa có cán bộ phụ trách." in assessment
    assert any(p.startswith("- Còn 2 tổ không sinh hoạt trong tháng (chỉ 60,0\u00a0% có sinh")
               and "tổ trưởng bệnh (Tổ T2 (Ấp Mỹ An))" in p for p in assessment)  # fmt: skip
    tasks = paragraphs[three + 1 :]
    assert "- Tập trung củng cố các tổ: Tổ T3 (Ấp Mỹ An), Tổ T4 (Ấp Bình Hòa)." in tasks
    assert any("(chậm nhất ngày 05 tháng sau)" in p and "qua Ban Xây dựng Đảng" in p
               for p in tasks)  # fmt: skip


def test_the_offices_own_wording_goes_into_the_file(report):
    edited = Narrative(
        situation="Các tổ ổn định.",
        strengths="- Ưu điểm do văn phòng viết.",
        shortcomings="Không có.",
        tasks="- Việc thứ nhất.\n\n- Việc thứ hai.",
    )
    paragraphs = texts(read(dataclasses.replace(report, narrative=edited)))
    three = paragraphs.index("III. PHƯƠNG HƯỚNG, NHIỆM VỤ THÁNG TỚI")
    assert paragraphs[three + 1 : three + 3] == ["- Việc thứ nhất.", "- Việc thứ hai."]
    assert "- Ưu điểm do văn phòng viết." in paragraphs
    assert "Các tổ ổn định." in paragraphs
    assert draft(report).tasks.splitlines()[0] not in paragraphs


def test_planted_formula_is_plain_text_in_the_docx(report):
    data = render_docx(report)
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        body = package.read("word/document.xml").decode("utf-8")
    assert "=HYPERLINK(&quot;http://evil.example&quot;" in body or '=HYPERLINK("http://evil' in body
    for element in ("w:fldSimple", "w:instrText", "w:hyperlink", "w:fldChar"):
        assert f"<{element}" not in body, element


def test_recipients_and_signature_block(doc):
    recipients, signer = table_rows(doc.tables[-1])[0]
    lines = recipients.split("\n")
    assert lines[0] == "Nơi nhận:"
    heading = doc.tables[-1].rows[0].cells[0].paragraphs[0]
    assert [(r.text, bool(r.underline)) for r in heading.runs] == [("Nơi nhận", True), (":", False)]
    assert lines[1:] == [
        "- Ban Tuyên giáo và Dân vận Tỉnh ủy (để báo cáo),",
        "- Thường trực Đảng ủy,",
        "- Ban Xây dựng Đảng Đảng ủy,",
        "- Các chi bộ ấp,",
        "- Lưu Văn phòng Đảng ủy.",
    ]
    lines = signer.split("\n")
    assert lines[:2] == ["T/M ĐẢNG ỦY", "BÍ THƯ"]
    assert lines[-1] == "Nguyễn Văn An", "the sheet's Bí thư Đảng ủy signs by default"
    assert lines[2:-1] == ["", "", "", ""], "room to sign"


def test_a_deputy_signs_for_the_standing_committee(ds):
    settings = dataclasses.replace(
        CONFIGURED, signing_for="T/M BAN THƯỜNG VỤ", signer_title="Phó Bí thư"
    )
    report = build_report(ds, SEPT, letterhead=letterhead_from_settings(settings), now=NOW)
    lines = table_rows(read(report).tables[-1])[0][1].split("\n")
    assert (lines[0], lines[1], lines[-1]) == ("T/M BAN THƯỜNG VỤ", "PHÓ BÍ THƯ", "Trần Thị Bình")


def test_a_quarter_report_in_the_same_form(ds):
    head = letterhead_from_settings(CONFIGURED, number="3")
    report = build_report(ds, Period(QUARTER, 2016, 3), letterhead=head, issued=ISSUED, now=NOW)
    document = read(report)
    paragraphs = texts(document)
    assert "Kết quả theo dõi, hỗ trợ tổ nhân dân tự quản quý III năm 2016" in paragraphs
    assert "III. PHƯƠNG HƯỚNG, NHIỆM VỤ QUÝ TỚI" in paragraphs
    assert "(Số liệu tính từ tháng 08/2016, tháng đầu tiên có trong bảng tính.)" in paragraphs
    rows = table_rows(table_after(document, "4. Kết quả theo từng ấp"))
    assert rows[0][4] == "Lượt sinh hoạt"
    assert rows[-1] == ["", "Toàn xã", "5", "4", "6", "53/90", "58,9\u00a0%", "9/10", "7"]
    assert table_rows(document.tables[0])[1][0] == "Số 3-BC/ĐU"


def test_an_open_month_is_flagged_in_the_document(ds):
    head = letterhead_from_settings(CONFIGURED)
    early = build_report(ds, SEPT, letterhead=head, issued=date(2016, 10, 3),
                         now=datetime(2016, 10, 3, 8))  # fmt: skip
    paragraphs = texts(read(early))
    assert f"({early.provisional_note})" in paragraphs
    assert "còn đang nhận báo cáo" in early.provisional_note


def test_document_properties(doc):
    assert (
        doc.core_properties.title
        == "Báo cáo kết quả theo dõi, hỗ trợ tổ nhân dân tự quản tháng 9 năm 2016"
    )
    assert doc.core_properties.author == "Đảng ủy xã Mỹ Thạnh"


def test_control_characters_do_not_break_the_file(report):
    dirty = report.proposals.assign(proposals=["Đề nghị\x0b sửa\x07 cầu", "a", "b", "c"])
    data = render_docx(dataclasses.replace(report, proposals=dirty))
    assert "- Tổ T1: Đề nghị sửa cầu" in texts(Document(io.BytesIO(data)))
    assert clean(None) == "" and clean(float("nan")) == "" and clean("a\x00b") == "ab"


def test_a_month_without_groups_still_makes_a_document():
    raw = dict(COMMUNE)
    raw["Tổ"] = COMMUNE["Tổ"][:1]
    raw["Phân công"] = COMMUNE["Phân công"][:1]
    raw["Sinh hoạt"] = COMMUNE["Sinh hoạt"][:1]
    report = build_report(read_dataset(raw), SEPT, issued=ISSUED, now=NOW)
    paragraphs = texts(read(report))
    assert "Không có tổ nào cần quan tâm, củng cố." in paragraphs
    assert "Chưa có báo cáo nào ghi nội dung tuyên truyền trong tháng." in paragraphs
    assert "Trong tháng, các báo cáo không ghi kiến nghị, đề xuất nào." in paragraphs


# --- PDF ---------------------------------------------------------------------------------------


def test_pdf_without_libreoffice_says_why(monkeypatch, report):
    monkeypatch.setattr(report_pdf.shutil, "which", lambda name: None)
    assert report_pdf.find_converter() is None
    result = report_pdf.docx_to_pdf(render_docx(report))
    assert not result.ok and result.data is None
    assert result.reason == report_pdf.NOT_INSTALLED
    assert "LibreOffice" in result.reason and "Word" in result.reason


def test_pdf_converter_that_fails_says_why(tmp_path, report):
    broken = tmp_path / "soffice"
    broken.write_text("#!/bin/sh\necho 'Error: source file could not be loaded' >&2\nexit 1\n")
    broken.chmod(0o755)
    result = report_pdf.docx_to_pdf(render_docx(report), converter=str(broken))
    assert not result.ok
    assert "source file could not be loaded" in result.reason
    assert result.reason.startswith("LibreOffice không chuyển được")


def test_pdf_converter_that_hangs_times_out(tmp_path, report):
    slow = tmp_path / "soffice"
    slow.write_text("#!/bin/sh\nsleep 30 &\nexec sleep 30\n")
    slow.chmod(0o755)
    started = time.monotonic()
    result = report_pdf.docx_to_pdf(render_docx(report), converter=str(slow), timeout=1)
    assert time.monotonic() - started < 10, "the converter and its children are stopped"
    assert not result.ok
    assert "quá 1 giây" in result.reason

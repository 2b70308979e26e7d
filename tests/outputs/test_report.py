"""The monthly report to the Propaganda Board: its content on the hand-made commune of
tests/sheets.py (numbers worked out by hand below), and the Word file read back with python-docx."""

import dataclasses
import io
import time
import zipfile
from datetime import date
from types import SimpleNamespace

import pandas as pd
import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Pt

from tests.sheets import COMMUNE, cadre, tab
from tothu_core.figures import figures
from tothu_core.outputs import report_pdf
from tothu_core.outputs.report import (
    DEFAULT_COMMITTEE,
    Letterhead,
    build_report,
    letterhead_from_settings,
    missing_intro,
    place_of,
    proposal_lines,
    report_filename,
    secretary_name,
    vn_decimal,
    vn_int,
    vn_pct,
)
from tothu_core.outputs.report_docx import SECTIONS, clean, hamlet_table_rows, render_docx
from tothu_core.sheet.reader import read_dataset

SEPT = pd.Period("2016-09", freq="M")
HYPERLINK = '=HYPERLINK("http://evil.example","Bấm vào đây")'
ISSUED = date(2016, 10, 7)

# Topics and proposals for the 09/2016 entries of COMMUNE, by (group, cadre, submitted at).
EXTRA = {
    ("T1", "CB01", "5/10/2016 23:59:59"): ("Trữ nước ngọt\nAn toàn giao thông",
                                           "Đề nghị nạo vét kênh."),
    ("T2", "CB01", "6/10/2016 00:00:00"): ("", "Đề nghị nạo vét kênh"),
    ("T2", "CB02", "2/10/2016 09:00"): ("Trữ nước ngọt", HYPERLINK),
    ("T3", "CB03", "1/10/2016 08:00"): ("An toàn giao thông", "Bản đã được sửa lại"),
    ("T3", "CB03", "10/10/2016 08:00"): ("Trữ nước ngọt", "Đề nghị hỗ trợ lu chứa nước."),
}  # fmt: skip


def commune_with_texts() -> dict:
    """COMMUNE with topics and proposals on its 09/2016 entries (the first T3 one is replaced)."""
    raw = dict(COMMUNE)
    header, *rows = COMMUNE["Sinh hoạt"]
    extended = []
    for row in rows:
        topics, proposals = EXTRA.get((row[1], row[2], row[6]), ("", ""))
        extended.append([*row, topics, proposals])
    raw["Sinh hoạt"] = [header + ["Nội dung tuyên truyền", "Kiến nghị"], *extended]
    return raw


@pytest.fixture(scope="module")
def ds():
    dataset = read_dataset(commune_with_texts())
    assert dataset.errors == []
    return dataset


@pytest.fixture(scope="module")
def report(ds):
    head = Letterhead(number="12", signer="Nguyễn Hoàng Thái")
    return build_report(ds, SEPT, letterhead=head, issued=ISSUED)


@pytest.fixture(scope="module")
def doc(report):
    return Document(io.BytesIO(render_docx(report)))


def texts(document) -> list[str]:
    return [p.text for p in document.paragraphs]


def table_rows(table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


def table_after(document, heading: str):
    """The first table between the paragraph `heading` and the next section heading."""
    seen = False
    for block in document.iter_inner_content():
        text = getattr(block, "text", None)
        if text == heading:
            seen = True
        elif seen and text is None:
            return block
        elif seen and text in SECTIONS:
            return None
    return None


# --- content ---------------------------------------------------------------------------------


def test_commune_figures_of_september(report):
    f = report.figures
    # Groups T1..T5; T4 has nobody in 09 -> 4 of 5 covered; cadres CB01, CB02, CB03;
    # pairs CB01-T1, CB01-T2, CB02-T2, CB03-T3, CB03-T5 = 5 expected reports, 5/3 = 1.67.
    assert (f.groups, f.groups_covered, f.coverage_pct, f.cadres) == (5, 4, 80.0, 3)
    assert f.average_load == pytest.approx(1.67)
    # Met: T1 (7 of 8), T2 (CB02's entry: 10 of 20), T3 (the correction: 5 of 12).
    assert (f.groups_met, f.meeting_pct) == (3, 60.0)
    assert (f.households_present, f.households, f.attendance_pct) == (22, 40, 55.0)
    # Only T1's cadre attended: 1 of 3 meetings.
    assert (f.cadre_present, f.cadre_presence_pct) == (1, 33.3)
    # Received: T1, T2 x2, T3; on time all but CB01's T2 (6/10 00:00); CB03-T5 missing.
    assert (f.expected, f.received, f.on_time, f.late, f.missing) == (5, 4, 3, 1, 1)
    assert (f.completeness_pct, f.on_time_pct) == (80.0, 60.0)


def test_hamlet_rows_add_up_to_the_commune(report):
    sums = report.hamlets[["groups", "groups_covered", "groups_met", "households",
                           "households_present", "cadre_present", "expected", "received",
                           "on_time"]].sum()  # fmt: skip
    f = report.figures
    assert sums.tolist() == [f.groups, f.groups_covered, f.groups_met, f.households,
                             f.households_present, f.cadre_present, f.expected, f.received,
                             f.on_time]  # fmt: skip


def test_commune_figures_are_the_overview_row(ds, report):
    row = figures.overview(ds, SEPT).iloc[0]
    f = report.figures
    for name in ("groups", "groups_covered", "groups_met", "households", "households_present",
                 "expected", "received", "on_time", "cadres"):  # fmt: skip
        assert getattr(f, name) == row[name], name
    for name in ("coverage_pct", "meeting_pct", "attendance_pct", "completeness_pct",
                 "on_time_pct"):  # fmt: skip
        assert getattr(f, name) == pytest.approx(row[name]), name


def test_previous_month_is_august(report):
    # 08: T1 (6/8), T3 (5/12), T5 (20/30) met: 3 of 5, 31 of 50 households.
    before = report.previous
    assert before.month == SEPT - 1
    assert (before.groups_met, before.meeting_pct, before.attendance_pct) == (3, 60.0, 62.0)


def test_first_month_has_no_previous(ds):
    assert build_report(ds, SEPT - 1, issued=ISSUED).previous is None


def test_hamlet_rows_in_sheet_order(report):
    got = report.hamlets.set_index("hamlet_id")
    assert list(got.index) == ["A1", "A2", "A3"]
    cols = ["groups", "groups_covered", "groups_met", "households", "households_present",
            "cadre_present", "expected", "received", "on_time"]  # fmt: skip
    assert got.loc["A1", cols].tolist() == [3, 3, 3, 40, 22, 1, 4, 4, 3]
    # A2: T5 covered, nothing met; CB03 owes T5's report.
    assert got.loc["A2", cols].tolist() == [2, 1, 0, 0, 0, 0, 1, 0, 0]
    assert got.loc["A3", cols].tolist() == [0, 0, 0, 0, 0, 0, 0, 0, 0]
    assert got.loc["A1", "attendance_pct"] == 55.0
    assert pd.isna(got.loc["A2", "attendance_pct"])


def test_attention_rows_with_reasons(report):
    rows = report.attention[["group_id", "hamlet_name", "reasons"]].values.tolist()
    assert rows == [
        # T3: rated Yếu; 5 of 12 = 41,7 %; met without its cadre in 08 and 09.
        ["T3", "Ấp Mỹ An",
         "Xếp loại Yếu; Tỷ lệ hộ dự 41,7% (dưới 50%); Cán bộ phụ trách vắng 2 tháng liền"],
        # T4: no meeting in 08 nor 09.
        ["T4", "Ấp Bình Hòa", "Không họp 2 tháng liền"],
    ]  # fmt: skip


def test_topics_count_groups_that_met(report):
    # Trữ nước ngọt: T1, T2 (CB02), T3 (its correction); An toàn giao thông: T1 only
    # (T3's first entry named it, but the correction counts).
    got = report.topics[["topic", "groups_reached", "reach_pct"]].values.tolist()
    assert got == [["Trữ nước ngọt", 3, 100.0], ["An toàn giao thông", 1, 33.3]]


def test_missing_cadres(report):
    got = report.missing[["cadre_id", "missing", "missing_groups"]].values.tolist()
    assert got == [["CB03", 1, "Tổ T5 – Ấp Bình Hòa"]]


def test_proposals_from_counting_entries_only(report):
    got = report.proposals[["group_id", "cadre_id", "proposals"]].values.tolist()
    assert got == [
        ["T1", "CB01", "Đề nghị nạo vét kênh."],
        ["T2", "CB01", "Đề nghị nạo vét kênh"],
        ["T2", "CB02", HYPERLINK],
        ["T3", "CB03", "Đề nghị hỗ trợ lu chứa nước."],
    ]
    # The same request from two groups is one line naming both.
    assert proposal_lines(report.proposals) == [
        ("Ấp Mỹ An", [
            "Tổ T1, Tổ T2: Đề nghị nạo vét kênh.",
            f"Tổ T2: {HYPERLINK}",
            "Tổ T3: Đề nghị hỗ trợ lu chứa nước.",
        ]),
    ]  # fmt: skip


def test_summary_sentences(report):
    lines = dict(report.summary)
    assert lines["Phân công cán bộ phụ trách"] == (
        "Toàn xã có 5 tổ nhân dân tự quản ở 3 ấp; 4 tổ có cán bộ phụ trách, đạt 80,0%; "
        "3 cán bộ, công chức, người hoạt động không chuyên trách được phân công, bình quân "
        "1,67 tổ/người; còn 1 tổ chưa có cán bộ phụ trách."
    )
    assert lines["Sinh hoạt tổ"] == (
        "3/5 tổ sinh hoạt trong tháng, đạt 60,0% (tháng 08/2016: 60,0%); số hộ dự 22/40 hộ "
        "của các tổ có sinh hoạt, đạt 55,0% (tháng 08/2016: 62,0%); cán bộ phụ trách dự 1/3 "
        "buổi sinh hoạt, đạt 33,3%."
    )
    assert lines["Báo cáo của cán bộ phụ trách"] == (
        "Phải nộp 5 báo cáo (mỗi tổ phụ trách một báo cáo); đã nộp 4, đạt 80,0%; trong đó "
        "đúng hạn (đến hết ngày 05/10/2016) 3, đạt 60,0%; nộp trễ 1; chưa nộp 1."
    )


def test_a_month_without_groups_still_makes_a_report():
    raw = dict(COMMUNE)
    raw["Tổ"] = COMMUNE["Tổ"][:1]
    raw["Phân công"] = COMMUNE["Phân công"][:1]
    raw["Sinh hoạt"] = COMMUNE["Sinh hoạt"][:1]
    empty = read_dataset(raw)
    report = build_report(empty, SEPT, issued=ISSUED)
    assert report.figures.groups == 0
    assert report.summary == [
        ("Phân công cán bộ phụ trách", "Bảng tính chưa có tổ nhân dân tự quản nào trong tháng này.")
    ]
    paragraphs = texts(Document(io.BytesIO(render_docx(report))))
    assert "Trong tháng không có tổ nào cần quan tâm, củng cố." in paragraphs
    assert "Chưa có báo cáo nào ghi nội dung tuyên truyền trong tháng." in paragraphs
    assert "Trong tháng, các báo cáo không ghi kiến nghị, đề xuất nào." in paragraphs


def test_missing_reports_before_the_deadline_are_still_in_time(report):
    early = dataclasses.replace(report, issued=date(2016, 10, 5))
    late = dataclasses.replace(report, issued=date(2016, 10, 6))
    assert missing_intro(early).startswith("Tính đến ngày 05/10/2016 (còn trong hạn nộp), còn 1")
    assert missing_intro(late).startswith("Tính đến ngày 06/10/2016, còn 1 cán bộ")


# --- letterhead, names, numbers ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("committee", "place"),
    [
        ("Đảng ủy xã Mỹ Thạnh", "Mỹ Thạnh"),
        ("Đảng uỷ phường An Hội", "An Hội"),
        ("ĐẢNG ỦY THỊ TRẤN Giồng Trôm", "Giồng Trôm"),
        ("Mỹ Thạnh", "Mỹ Thạnh"),
    ],
)
def test_place_of_committee(committee, place):
    assert place_of(committee) == place


def test_letterhead_from_settings():
    assert letterhead_from_settings(None).committee == DEFAULT_COMMITTEE
    settings = SimpleNamespace(
        committee_name="Đảng ủy xã An Thạnh", parent_committee="Đảng bộ huyện Ba Tri"
    )
    head = letterhead_from_settings(settings, number="7", signer=None)
    assert (head.committee, head.parent, head.number, head.place) == (
        "Đảng ủy xã An Thạnh", "Đảng bộ huyện Ba Tri", "7", "An Thạnh"
    )  # fmt: skip
    assert head.number_line == "Số: 7-BC/ĐU"
    assert Letterhead().number_line == "Số: ……-BC/ĐU"
    overridden = letterhead_from_settings(settings, committee="Đảng ủy xã Mỹ Thạnh")
    assert overridden.committee == "Đảng ủy xã Mỹ Thạnh"


def test_secretary_signs_unless_someone_is_named():
    raw = dict(COMMUNE)
    raw["Cán bộ"] = tab(
        ["Mã cán bộ", "Họ và tên", "Chức vụ"],
        [cadre("CB01", "Nguyễn Văn An") + ["Phó Bí thư Đảng ủy"],
         cadre("CB02", "Trần Thị Bình") + ["Bí thư Đảng ủy xã"],
         cadre("CB03") + [""], cadre("CB04") + [""]],
    )  # fmt: skip
    ds = read_dataset(raw)
    assert secretary_name(ds) == "Trần Thị Bình"
    assert build_report(ds, SEPT, issued=ISSUED).signer_name == "Trần Thị Bình"
    assert secretary_name(read_dataset(COMMUNE)) == ""


def test_a_named_signer_wins(report):
    assert report.signer_name == "Nguyễn Hoàng Thái"


@pytest.mark.parametrize(
    ("value", "int_text", "pct_text"),
    [(0, "0", "0,0%"), (7, "7", "7,0%"), (3210, "3.210", "3.210,0%"), (1234567, "1.234.567", None)],
)
def test_vietnamese_numbers(value, int_text, pct_text):
    assert vn_int(value) == int_text
    if pct_text:
        assert vn_pct(float(value)) == pct_text


def test_vietnamese_decimals_and_blank_rates():
    assert vn_decimal(5 / 3, 2) == "1,67"
    assert vn_decimal(1234.5) == "1.234,5"
    assert vn_pct(84.5) == "84,5%"
    assert vn_pct(float("nan")) == "–"
    assert vn_pct(None) == "–"
    assert vn_pct(pd.NA) == "–"


def test_report_filename():
    assert report_filename(SEPT, ext="docx") == "bao-cao-ban-tuyen-giao_09-2016.docx"
    assert report_filename("10/2016", ext="pdf") == "bao-cao-ban-tuyen-giao_10-2016.pdf"


# --- the Word document ------------------------------------------------------------------------


def test_page_is_a4_with_administrative_margins(doc):
    section = doc.sections[0]
    sizes = [section.page_width, section.page_height, section.top_margin, section.bottom_margin,
             section.left_margin, section.right_margin]  # fmt: skip
    assert [round(size.mm) for size in sizes] == [210, 297, 20, 20, 30, 15]


def all_runs(document) -> list:
    cells = [c for t in document.tables for row in t.rows for c in row.cells]
    paragraphs = list(document.paragraphs) + [p for c in cells for p in c.paragraphs]
    return [r for p in paragraphs for r in p.runs]


def test_times_new_roman_13_to_16_points(doc):
    normal = doc.styles["Normal"]
    assert normal.font.name == "Times New Roman"
    assert normal.font.size == Pt(14)
    fonts = normal.element.rPr.rFonts
    slots = ("ascii", "hAnsi", "eastAsia", "cs")
    assert {fonts.get(qn(f"w:{slot}")) for slot in slots} == {"Times New Roman"}
    runs = all_runs(doc)
    assert runs
    assert {r.font.name for r in runs} <= {None, "Times New Roman"}
    sizes = {r.font.size.pt for r in runs if r.font.size is not None}
    assert sizes <= {12.0, 14.0, 15.0, 16.0}
    body_sizes = {r.font.size for p in doc.paragraphs for r in p.runs if r.text.strip()}
    assert body_sizes <= {None, Pt(14), Pt(16)}


def test_letterhead_block(doc):
    head = table_rows(doc.tables[0])
    left, right = head[0]
    assert left.split("\n") == ["ĐẢNG BỘ HUYỆN ……", "ĐẢNG ỦY XÃ MỸ THẠNH", "*"]
    assert right == "ĐẢNG CỘNG SẢN VIỆT NAM"
    assert head[1] == ["Số: 12-BC/ĐU", "Mỹ Thạnh, ngày 07 tháng 10 năm 2016"]
    party = doc.tables[0].rows[0].cells[1].paragraphs[0].runs[0]
    assert party.underline and party.bold
    committee = doc.tables[0].rows[0].cells[0].paragraphs[1].runs[0]
    assert committee.bold
    date_run = doc.tables[0].rows[1].cells[1].paragraphs[0].runs[0]
    assert date_run.italic


def test_title_and_numbered_sections(doc):
    paragraphs = texts(doc)
    title = paragraphs.index("BÁO CÁO")
    assert paragraphs[title + 1] == "Kết quả theo dõi, hỗ trợ tổ nhân dân tự quản tháng 09/2016"
    positions = [paragraphs.index(s) for s in SECTIONS]
    assert positions == sorted(positions)
    assert [s.split(".")[0] for s in SECTIONS] == ["I", "II", "III", "IV", "V", "VI", "VII"]
    assert (
        "Trên đây là báo cáo kết quả theo dõi, hỗ trợ tổ nhân dân tự quản tháng 09/2016 "
        "của Đảng ủy xã Mỹ Thạnh./." in paragraphs
    )


def test_general_section_reads_the_figures(doc, report):
    paragraphs = texts(doc)
    start = paragraphs.index(SECTIONS[0])
    for number, (lead, sentence) in enumerate(report.summary, start=1):
        assert paragraphs[start + number] == f"{number}. {lead}: {sentence}"
    assert "đạt 55,0%" in paragraphs[start + 2]


def test_hamlet_table_cell_by_cell(doc, report):
    rows = table_rows(table_after(doc, SECTIONS[1]))
    assert rows[0] == [
        "TT", "Ấp", "Số tổ", "Tổ có cán bộ phụ trách", "Tổ sinh hoạt", "Hộ dự /\nsố hộ",
        "Tỷ lệ hộ dự", "Báo cáo đã nộp / phải nộp", "Đúng hạn",
    ]  # fmt: skip
    assert rows[1:] == [
        ["1", "Ấp Mỹ An", "3", "3", "3", "22/40", "55,0%", "4/4", "3"],
        ["2", "Ấp Bình Hòa", "2", "1", "0", "0/0", "–", "0/1", "0"],
        ["3", "Ấp Tân Lợi", "0", "0", "0", "0/0", "–", "0/0", "0"],
        ["", "Toàn xã", "5", "4", "3", "22/40", "55,0%", "4/5", "3"],
    ]
    assert rows[1:] == hamlet_table_rows(report)


def test_tables_repeat_their_header_row(doc):
    grid_tables = [t for t in doc.tables if t.style is not None and t.style.name == "Table Grid"]
    assert len(grid_tables) == 3  # hamlets, attention, missing cadres
    for table in grid_tables:
        header = table.rows[0]._tr
        assert header.xpath("./w:trPr/w:tblHeader"), "header row must repeat on each page"
        assert all(run.bold for cell in table.rows[0].cells for run in cell.paragraphs[0].runs)


def test_attention_table(doc):
    rows = table_rows(table_after(doc, SECTIONS[2]))
    assert rows == [
        ["TT", "Tổ", "Ấp", "Lý do"],
        ["1", "Tổ T3", "Ấp Mỹ An",
         "Xếp loại Yếu; Tỷ lệ hộ dự 41,7% (dưới 50%); Cán bộ phụ trách vắng 2 tháng liền"],
        ["2", "Tổ T4", "Ấp Bình Hòa", "Không họp 2 tháng liền"],
    ]  # fmt: skip
    assert "Có 2 tổ cần quan tâm, củng cố" in " ".join(texts(doc))


def test_topics_and_missing_cadres(doc):
    paragraphs = texts(doc)
    assert "- Trữ nước ngọt: 3 tổ (100,0% số tổ sinh hoạt)." in paragraphs
    assert "- An toàn giao thông: 1 tổ (33,3% số tổ sinh hoạt)." in paragraphs
    assert "Qua 3 cuộc sinh hoạt tổ, cán bộ phụ trách đã tuyên truyền 2 nội dung:" in paragraphs
    assert (
        "Tính đến ngày 07/10/2016, còn 1 cán bộ chưa nộp đủ báo cáo tháng 09/2016 (1 báo cáo):"
        in paragraphs
    )
    rows = table_rows(table_after(doc, SECTIONS[4]))
    assert rows[1] == ["1", "Lê Văn Cường", "", "Tổ T5 – Ấp Bình Hòa"]


def test_proposals_by_hamlet_and_group(doc):
    paragraphs = texts(doc)
    start = paragraphs.index(SECTIONS[5])
    assert paragraphs[start + 1 : start + 6] == [
        "Qua sinh hoạt tổ, nhân dân và cán bộ phụ trách nêu 4 lượt kiến nghị, đề xuất:",
        "Ấp Mỹ An:",
        "- Tổ T1, Tổ T2: Đề nghị nạo vét kênh.",
        f"- Tổ T2: {HYPERLINK}",
        "- Tổ T3: Đề nghị hỗ trợ lu chứa nước.",
    ]
    assert "Bản đã được sửa lại" not in " ".join(paragraphs)


def test_planted_formula_is_plain_text_in_the_docx(report):
    data = render_docx(report)
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        body = package.read("word/document.xml").decode("utf-8")
    assert "=HYPERLINK(&quot;http://evil.example&quot;" in body or '=HYPERLINK("http://evil' in body
    # No field, link or formula anywhere in the body: the text is only text.
    for element in ("w:fldSimple", "w:instrText", "w:hyperlink", "w:fldChar"):
        assert f"<{element}" not in body, element


def test_plans_and_signature_block(doc):
    paragraphs = texts(doc)
    start = paragraphs.index(SECTIONS[6])
    plans = [p for p in paragraphs[start + 1 :] if p.startswith("- ")]
    assert "- Tập trung củng cố các tổ nêu tại mục III." in plans
    assert any("trước hết ngày 05 của tháng sau" in p for p in plans)
    recipients, signer = table_rows(doc.tables[-1])[0]
    assert recipients.split("\n")[0] == "Nơi nhận:"
    assert "- Ban Tuyên giáo Huyện ủy (báo cáo)," in recipients.split("\n")
    lines = signer.split("\n")
    assert lines[:2] == ["T/M ĐẢNG ỦY", "BÍ THƯ"]
    assert lines[-1] == "Nguyễn Hoàng Thái"
    assert lines[2:-1] == ["", "", "", ""], "room to sign"


def test_document_properties(doc):
    assert (
        doc.core_properties.title
        == "Báo cáo kết quả theo dõi, hỗ trợ tổ nhân dân tự quản tháng 09/2016"
    )
    assert doc.core_properties.author == "Đảng ủy xã Mỹ Thạnh"


def test_control_characters_do_not_break_the_file(report):
    dirty = report.proposals.assign(proposals=["Đề nghị\x0b sửa\x07 cầu", "a", "b", "c"])
    data = render_docx(dataclasses.replace(report, proposals=dirty))
    assert "- Tổ T1: Đề nghị sửa cầu" in texts(Document(io.BytesIO(data)))
    assert clean(None) == "" and clean(float("nan")) == "" and clean("a\x00b") == "ab"


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

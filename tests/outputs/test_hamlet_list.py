"""The lists a hamlet's Chi bộ prints: groups, leaders, cadres with phones, the last months'
results, in Excel and Word, read back as the office opens them."""

import io

import openpyxl
import pytest
from docx import Document

from tests.sheets import COMMUNE, book, cadre, group, hamlet, tab
from tothu_core.outputs import hamlet_list
from tothu_core.sheet.reader import read_dataset

NBSP = "\u00a0"


def commune() -> dict:
    raw = dict(COMMUNE)
    raw["Ấp"] = tab(["Mã ấp", "Tên ấp", "Bí thư chi bộ"],
                    [["A1", "Ấp Mỹ An", "Võ Văn Tám"], ["A2", "Ấp Bình Hòa", ""],
                     ["A3", "Ấp Tân Lợi", ""]])  # fmt: skip
    raw["Cán bộ"] = tab(["Mã cán bộ", "Họ và tên", "Điện thoại"],
                        [cadre("CB01", "Nguyễn Văn An") + ["0912000001"],
                         cadre("CB02", "Trần Thị Bình") + ["0912000002"],
                         cadre("CB03", "Lê Văn Cường") + [""], cadre("CB04") + [""]])  # fmt: skip
    header, *rows = COMMUNE["Tổ"]
    raw["Tổ"] = [header + ["Tổ trưởng"], *[[*r, f"Tổ trưởng {r[0]}"] for r in rows]]
    return raw


@pytest.fixture(scope="module")
def ds():
    dataset = read_dataset(commune())
    assert dataset.errors == []
    return dataset


def test_the_hamlets_table_as_a_chi_bo_reads_it(ds):
    table = hamlet_list.hamlet_table(ds, "A1", "09/2016", months=2)
    assert list(table.columns) == [*hamlet_list.COLUMNS, "Sinh hoạt 08/2016", "Sinh hoạt 09/2016"]
    assert table[["STT", "Tổ", "Tổ trưởng", "Số hộ", "Xếp loại"]].values.tolist() == [
        [1, "Tổ T1", "Tổ trưởng T1", 8, "Tốt"],
        [2, "Tổ T2", "Tổ trưởng T2", 20, "Khá"],
        [3, "Tổ T3", "Tổ trưởng T3", 12, "Yếu"],
    ]
    # In 09/2016 T2 has CB01 (to 1/9) and CB02 (from 30/9): both, in name order, with phones.
    assert table["Cán bộ phụ trách"].tolist() == [
        "Nguyễn Văn An", "Nguyễn Văn An\nTrần Thị Bình", "Lê Văn Cường",
    ]  # fmt: skip
    assert table["Điện thoại"].tolist() == ["0912000001", "0912000001\n0912000002", ""]
    assert table["Sinh hoạt 08/2016"].tolist() == [
        f"6/8 hộ (75,0{NBSP}%)", "Không sinh hoạt", f"5/12 hộ (41,7{NBSP}%); cán bộ vắng",
    ]  # fmt: skip
    assert table["Sinh hoạt 09/2016"].tolist() == [
        f"7/8 hộ (87,5{NBSP}%)", f"10/20 hộ (50,0{NBSP}%); cán bộ vắng",
        f"5/12 hộ (41,7{NBSP}%); cán bộ vắng",
    ]  # fmt: skip


def test_groups_without_cadre_or_report_say_so(ds):
    table = hamlet_list.hamlet_table(ds, "A2", "09/2016", months=1)
    assert table["Cán bộ phụ trách"].tolist() == ["Chưa phân công", "Lê Văn Cường"]
    assert table["Sinh hoạt 09/2016"].tolist() == ["Chưa có báo cáo", "Chưa có báo cáo"]


def test_excel_has_a_printable_sheet_per_hamlet(ds):
    data = hamlet_list.to_xlsx(ds, "09/2016", committee="Đảng ủy xã Mỹ Thạnh", months=2)
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == ["Ấp Mỹ An", "Ấp Bình Hòa", "Ấp Tân Lợi"]
    sheet = workbook["Ấp Mỹ An"]
    assert [sheet.cell(row=r, column=1).value for r in range(1, 5)] == [
        "ĐẢNG ỦY XÃ MỸ THẠNH",
        hamlet_list.TITLE,
        "Ấp Mỹ An – Bí thư chi bộ: đồng chí Võ Văn Tám",
        "(Cán bộ phụ trách tháng 09/2016; kết quả sinh hoạt 08/2016 – 09/2016)",
    ]
    header = [c.value for c in sheet[6]]
    assert header[:4] == ["STT", "Tổ", "Tổ trưởng", "Số hộ"]
    first = [c.value for c in sheet[7]]
    assert first[:4] == [1, "Tổ T1", "Tổ trưởng T1", 8], "counts stay numbers"
    assert sheet.print_title_rows == "$6:$6"
    assert sheet.page_setup.orientation == "landscape"
    assert str(sheet.page_setup.paperSize) == sheet.PAPERSIZE_A4
    one = openpyxl.load_workbook(io.BytesIO(hamlet_list.to_xlsx(ds, "09/2016", hamlet="A2")))
    assert one.sheetnames == ["Ấp Bình Hòa"]


def test_word_has_a_landscape_section_per_hamlet(ds):
    data = hamlet_list.to_docx(ds, "09/2016", committee="Đảng ủy xã Mỹ Thạnh", months=2)
    document = Document(io.BytesIO(data))
    assert len(document.sections) == 3
    assert all(round(s.page_width.mm) == 297 for s in document.sections)
    paragraphs = [p.text for p in document.paragraphs]
    assert paragraphs[:3] == ["ĐẢNG ỦY XÃ MỸ THẠNH", hamlet_list.TITLE,
                              "Ấp Mỹ An – Bí thư chi bộ: đồng chí Võ Văn Tám"]  # fmt: skip
    table = document.tables[0]
    assert [c.text for c in table.rows[0].cells][-2:] == ["Sinh hoạt 08/2016", "Sinh hoạt 09/2016"]
    assert [c.text for c in table.rows[2].cells][5:7] == [
        "Nguyễn Văn An\nTrần Thị Bình", "0912000001\n0912000002",
    ]  # fmt: skip
    assert table.rows[0]._tr.xpath("./w:trPr/w:tblHeader"), "the header repeats on each page"
    assert "Ấp chưa có tổ nào trong trang Tổ của bảng tính." in paragraphs


def test_file_names():
    assert hamlet_list.list_filename("10/2026", hamlet="A1", ext="xlsx") == (
        "danh-sach-to_A1_10-2026.xlsx"
    )
    assert hamlet_list.list_filename("10/2026", hamlet=None, ext="docx") == (
        "danh-sach-to_10-2026.docx"
    )


def test_sheet_text_stays_text_in_both_files():
    raw = book(
        hamlets=[hamlet("A1", '=HYPERLINK("http://x")')],
        groups=[group("T1", "A1", 10)],
        cadres=[cadre("CB01", "@cmd")],
        assignments=[["CB01", "T1", "1/1/2016", ""]],
        meetings=[["09/2016", "T1", "CB01", "", "", "", "2/10/2016 08:00"]],
    )
    ds = read_dataset(raw)
    sheet = openpyxl.load_workbook(io.BytesIO(hamlet_list.to_xlsx(ds, "09/2016"))).worksheets[0]
    assert sheet.cell(row=3, column=1).data_type == "s"
    assert (
        sheet.cell(row=7, column=6).value == "@cmd" and sheet.cell(row=7, column=6).data_type == "s"
    )

"""Local backends: an .xlsx/.ods workbook and a folder of CSV files."""

from __future__ import annotations

import datetime as dt
import os
import threading
import unicodedata
from concurrent.futures import ThreadPoolExecutor

import openpyxl
import pandas as pd
import pytest
from odf.opendocument import OpenDocumentSpreadsheet
from odf.table import Table, TableCell, TableRow
from odf.text import P

from tothu_core.errors import SourceError, SourceNotFound, WriteError
from tothu_core.sheet.sources.csvdir import CsvFolderSource
from tothu_core.sheet.sources.workbook import WorkbookSource

ENTRY_HEADER = ["Tháng", "Mã tổ", "Mã cán bộ", "Ngày họp", "Mã phiếu"]


def make_xlsx(path, sheets: dict[str, dict[str, object]]):
    """Workbook with cells placed by address, e.g. {"Cán bộ": {"B4": "Mã cán bộ"}}."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, cells in sheets.items():
        sheet = workbook.create_sheet(title)
        for address, value in cells.items():
            sheet[address] = value
    workbook.save(path)
    return path


def entries_xlsx(path):
    """A 'Sinh hoạt' tab with a title row, a blank row, the header on row 3 and one entry."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Sinh hoạt"
    sheet.append(["NHẬT KÝ SINH HOẠT TỔ"])
    sheet.append([])
    sheet.append(ENTRY_HEADER)
    sheet.append(["09/2016", "T001", "CB01", dt.date(2016, 9, 26), "P1"])
    # A formatted but empty row far below: appending must not jump past it.
    sheet["A40"].number_format = "dd/mm/yyyy"
    workbook.create_sheet("Cán bộ").append(["Mã cán bộ", "Họ và tên"])
    workbook.save(path)
    return path


def run_together(count: int, job) -> list:
    """Start `count` threads at the same instant so their writes really collide."""
    barrier = threading.Barrier(count)

    def start(i):
        barrier.wait()
        return job(i)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(start, range(count)))


def disk_full(*args, **kwargs):
    raise OSError(28, "No space left on device")


# --- workbook: reading -------------------------------------------------------------------


def test_xlsx_rows_keep_the_sheet_numbering(tmp_path):
    path = make_xlsx(
        tmp_path / "so.xlsx",
        {
            "Cán bộ": {
                "C2": "DANH SÁCH CÁN BỘ",
                "B4": "Mã cán bộ",
                "C4": "Từ ngày",
                "D4": "Số hộ",
                "E4": "Thời điểm nhập",
                "B5": "CB01",
                "C5": dt.date(2016, 7, 21),
                "D5": 45,
                "E5": dt.datetime(2016, 10, 3, 8, 30, 15),
                "F5": 10.15,
            },
            "Trống": {},
        },
    )
    source = WorkbookSource(path)
    raw = source.read_raw()
    assert list(raw) == ["Cán bộ", "Trống"]
    rows = raw["Cán bộ"]
    assert rows[0] == [None] * 6 and rows[2] == [None] * 6
    assert rows[1][2] == "DANH SÁCH CÁN BỘ"
    assert rows[3][1:5] == ["Mã cán bộ", "Từ ngày", "Số hộ", "Thời điểm nhập"]
    entered = dt.datetime(2016, 10, 3, 8, 30, 15)
    assert rows[4] == [None, "CB01", dt.date(2016, 7, 21), 45, entered, 10.15]
    assert type(rows[4][2]) is dt.date and type(rows[4][3]) is int
    assert raw["Trống"] == []
    assert source.label == "Tệp so.xlsx" and source.kind == "workbook" and not source.is_demo


def test_ods_is_read_like_xlsx(tmp_path):
    document = OpenDocumentSpreadsheet()
    table = Table(name="Phân công")
    contents = [
        ["PHÂN CÔNG CÁN BỘ"],
        [],
        ["Mã cán bộ", "Mã tổ", "Từ ngày", "Số hộ"],
        ["CB01", "T001", dt.date(2016, 7, 21), 45],
    ]
    for values in contents:
        row = TableRow()
        for value in values or [None]:
            if isinstance(value, dt.date):
                cell = TableCell(valuetype="date", datevalue=value.isoformat())
                cell.addElement(P(text=value.strftime("%d/%m/%Y")))
            elif isinstance(value, int):
                cell = TableCell(valuetype="float", value=value)
                cell.addElement(P(text=str(value)))
            elif value is None:
                cell = TableCell()
            else:
                cell = TableCell(valuetype="string")
                cell.addElement(P(text=value))
            row.addElement(cell)
        table.addElement(row)
    document.spreadsheet.addElement(table)
    document.save(str(tmp_path / "so.ods"))

    rows = WorkbookSource(tmp_path / "so.ods").read_raw()["Phân công"]
    assert rows[0][0] == "PHÂN CÔNG CÁN BỘ"
    assert all(cell is None for cell in rows[1])
    assert rows[2] == ["Mã cán bộ", "Mã tổ", "Từ ngày", "Số hộ"]
    assert rows[3] == ["CB01", "T001", dt.date(2016, 7, 21), 45]


def test_missing_or_broken_workbook_says_so(tmp_path):
    with pytest.raises(SourceNotFound, match="Không tìm thấy tệp"):
        WorkbookSource(tmp_path / "khong-co.xlsx").read_raw()
    broken = tmp_path / "hong.xlsx"
    broken.write_text("không phải bảng tính")
    with pytest.raises(SourceError, match="hong.xlsx") as caught:
        WorkbookSource(broken).read_raw()
    assert not isinstance(caught.value, SourceNotFound)


# --- workbook: appending -----------------------------------------------------------------


def test_append_lands_below_the_last_row_and_skips_known_keys(tmp_path):
    source = WorkbookSource(entries_xlsx(tmp_path / "so.xlsx"))
    rows = [
        ["10/2016", "T002", "CB01", dt.date(2016, 10, 5), "P2"],
        ["10/2016", "T003", "CB02", None, "P3"],
    ]
    assert source.append_rows("Sinh hoạt", rows, key_column=4) == 2
    retried = [rows[1], ["10/2016", "T004", "CB02", None, "P4"], ["x", "T004", "", None, "P4"]]
    assert source.append_rows("Sinh hoạt", retried, key_column=4) == 1
    assert source.append_rows("Sinh hoạt", [rows[0]], key_column=4) == 0

    table = source.read_raw()["Sinh hoạt"]
    assert [row[4] for row in table[3:]] == ["P1", "P2", "P3", "P4"]
    assert table[4][3] == dt.date(2016, 10, 5) and type(table[4][3]) is dt.date
    assert table[5][3] is None
    sheet = openpyxl.load_workbook(source.path)["Sinh hoạt"]
    # The new date takes the date format of the office's own cell above it.
    assert sheet["D5"].is_date and sheet["D5"].number_format == sheet["D4"].number_format


def test_text_starting_with_equals_stays_text(tmp_path):
    source = WorkbookSource(entries_xlsx(tmp_path / "so.xlsx"))
    evil = '=HYPERLINK("http://x.example","bấm vào")'
    source.append_rows("Sinh hoạt", [["10/2016", "T002", "CB01", None, "P2", evil]])
    cell = openpyxl.load_workbook(source.path)["Sinh hoạt"]["F5"]
    assert cell.data_type == "s"
    assert cell.value == evil
    assert source.read_raw()["Sinh hoạt"][4][5] == evil


def test_ods_cannot_be_written(tmp_path):
    with pytest.raises(WriteError, match=r"\.xlsx"):
        WorkbookSource(tmp_path / "so.ods").append_rows("Sinh hoạt", [["x"]])


def test_unknown_tab_is_a_write_error(tmp_path):
    source = WorkbookSource(entries_xlsx(tmp_path / "so.xlsx"))
    with pytest.raises(WriteError, match="Báo cáo"):
        source.append_rows("Báo cáo", [["x"]])
    assert source.append_rows("sinh hoat", [["10/2016", "T002", "CB01"]]) == 1


def test_forty_writers_at_once_lose_nothing(tmp_path):
    source = WorkbookSource(entries_xlsx(tmp_path / "so.xlsx"))

    def submit(i):
        row = ["10/2016", f"T{i:03d}", "CB01", dt.date(2016, 10, 1 + i % 28), f"Q{i}"]
        first = WorkbookSource(source.path).append_rows("Sinh hoạt", [row], key_column=4)
        retry = WorkbookSource(source.path).append_rows("Sinh hoạt", [row], key_column=4)
        return first, retry

    results = run_together(40, submit)
    assert results == [(1, 0)] * 40
    ids = [row[4] for row in source.read_raw()["Sinh hoạt"][4:]]
    assert sorted(ids) == sorted(f"Q{i}" for i in range(40))


def test_a_failed_save_leaves_the_file_intact(tmp_path, monkeypatch):
    source = WorkbookSource(entries_xlsx(tmp_path / "so.xlsx"))
    before = source.path.read_bytes()

    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(WriteError, match="nguyên vẹn"):
        source.append_rows("Sinh hoạt", [["10/2016", "T002", "CB01", None, "P2"]])
    assert source.path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix != ".lock") == ["so.xlsx"]


# --- CSV folder ----------------------------------------------------------------------------


def make_csv_folder(folder):
    folder.mkdir()
    (folder / "Cán bộ.csv").write_bytes(
        "\ufeffMã cán bộ,Họ và tên,Điện thoại\r\nCB01,Nguyễn Hoàng Thái,\r\n".encode()
    )
    (folder / "Sinh hoạt.csv").write_text(
        "Tháng,Mã tổ,Mã cán bộ,Ngày họp,Mã phiếu\n09/2016,T001,CB01,26/09/2016,P1", "utf-8"
    )
    (folder / "ghi chú.txt").write_text("không phải một trang", "utf-8")
    return CsvFolderSource(folder)


def test_csv_folder_reads_every_file_as_text(tmp_path):
    source = make_csv_folder(tmp_path / "so")
    raw = source.read_raw()
    assert set(raw) == {"Cán bộ", "Sinh hoạt"}
    assert raw["Cán bộ"][0] == ["Mã cán bộ", "Họ và tên", "Điện thoại"]
    assert raw["Cán bộ"][1] == ["CB01", "Nguyễn Hoàng Thái", None]
    assert raw["Sinh hoạt"][1] == ["09/2016", "T001", "CB01", "26/09/2016", "P1"]
    assert source.kind == "csv" and "so" in source.label


def test_csv_folder_problems_name_the_place(tmp_path):
    with pytest.raises(SourceNotFound, match="khong-co"):
        CsvFolderSource(tmp_path / "khong-co").read_raw()
    folder = tmp_path / "so"
    folder.mkdir()
    # Saved by an old program in a Western code page: not UTF-8.
    (folder / "Tổ.csv").write_bytes("Mã,Tên\nT001,Hòa\n".encode("latin-1"))
    with pytest.raises(SourceError, match="Tổ.csv"):
        CsvFolderSource(folder).read_raw()


def test_csv_append_keeps_the_file_and_skips_known_keys(tmp_path):
    source = make_csv_folder(tmp_path / "so")
    row = ["10/2016", "T002", "CB01", dt.date(2016, 10, 5), "P2"]
    assert source.append_rows("Sinh hoạt", [row, row], key_column=4) == 1
    assert source.append_rows("Sinh hoạt", [row], key_column=4) == 0
    evil = ["11/2016", "T003", "CB01", None, "P3", '=HYPERLINK("x")']
    assert source.append_rows("Sinh hoạt", [evil], key_column=4) == 1
    text = (source.folder / "Sinh hoạt.csv").read_text("utf-8")
    assert text == (
        "Tháng,Mã tổ,Mã cán bộ,Ngày họp,Mã phiếu\n09/2016,T001,CB01,26/09/2016,P1\n"
        '10/2016,T002,CB01,05/10/2016,P2\n11/2016,T003,CB01,,P3,"\'=HYPERLINK(""x"")"\n'
    )
    assert source.append_rows("Cán bộ", [["CB02", "Phạm Thanh Diễn", "0912345678"]]) == 1
    raw = (source.folder / "Cán bộ.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and raw.endswith(b"0912345678\r\n")


def test_csv_forty_writers_at_once_lose_nothing(tmp_path):
    source = make_csv_folder(tmp_path / "so")

    def submit(i):
        row = ["10/2016", f"T{i:03d}", "CB01", None, f"Q{i}"]
        first = CsvFolderSource(source.folder).append_rows("Sinh hoạt", [row], key_column=4)
        retry = CsvFolderSource(source.folder).append_rows("Sinh hoạt", [row], key_column=4)
        return first, retry

    assert run_together(40, submit) == [(1, 0)] * 40
    ids = [row[4] for row in source.read_raw()["Sinh hoạt"][2:]]
    assert sorted(ids) == sorted(f"Q{i}" for i in range(40))


def test_csv_failed_save_leaves_the_file_intact(tmp_path, monkeypatch):
    source = make_csv_folder(tmp_path / "so")
    before = (source.folder / "Sinh hoạt.csv").read_bytes()
    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(WriteError):
        source.append_rows("Sinh hoạt", [["10/2016", "T002", "CB01", None, "P2"]])
    assert (source.folder / "Sinh hoạt.csv").read_bytes() == before
    assert set(source.read_raw()) == {"Cán bộ", "Sinh hoạt"}
    assert not [p for p in source.folder.iterdir() if p.name.endswith(".tmp")]


# --- CSV folder: sizes, encodings, neutralising ---------------------------------------------


def test_csv_fields_of_any_size_are_read(tmp_path):
    folder = tmp_path / "so"
    folder.mkdir()
    long_text = "Bà con kiến nghị sửa đường. " * 10_000  # 290,000 characters, over csv's 128 kB
    (folder / "Sinh hoạt.csv").write_text(f'Mã tổ,Kiến nghị\nT1,"{long_text}"\n', "utf-8")
    assert CsvFolderSource(folder).read_raw()["Sinh hoạt"][1] == ["T1", long_text]


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("utf-16-le", b"\xff\xfe"),
     ("utf-16-be", b"\xfe\xff"), ("cp1258", b"")],
    ids=["utf-8", "utf-8-bom", "utf-16-le", "utf-16-be", "windows-1258"],
)  # fmt: skip
def test_csv_encodings_are_read_and_kept_when_appending(tmp_path, encoding, prefix):
    folder = tmp_path / "so"
    folder.mkdir()
    text = "Mã tổ,Tên tổ,Mã phiếu\r\nT1,Tổ Mỹ Thạnh,P1\r\n"
    if encoding == "cp1258":
        # Windows-1258 keeps tone marks apart from their letters (ổ = ô + U+0309).
        data = (
            "Ma\u0303 tô\u0309,Tên tô\u0309,Ma\u0303 phiê\u0301u\r\n"
            "T1,Tô\u0309 My\u0303 Tha\u0323nh,P1\r\n"
        )
        raw = data.encode("cp1258")
    else:
        raw = prefix + text.encode(encoding)
    (folder / "Tổ.csv").write_bytes(raw)
    source = CsvFolderSource(folder)
    rows = source.read_raw()["Tổ"]
    assert [[unicodedata.normalize("NFC", c) for c in row] for row in rows] == [
        ["Mã tổ", "Tên tổ", "Mã phiếu"],
        ["T1", "Tổ Mỹ Thạnh", "P1"],
    ]
    assert source.append_rows("Tổ", [["T2", "Tổ Ấp Đông", "P2"]], key_column=2) == 1
    after = (folder / "Tổ.csv").read_bytes()
    assert after.startswith(raw)  # the office's bytes as they were
    codec = "cp1258" if encoding == "cp1258" else encoding
    added = after[len(raw) :].decode(codec)
    assert unicodedata.normalize("NFC", added) == "T2,Tổ Ấp Đông,P2\r\n"
    assert unicodedata.normalize("NFC", source.read_raw()["Tổ"][2][1]) == "Tổ Ấp Đông"


def test_csv_in_another_encoding_is_refused_naming_the_encodings(tmp_path):
    folder = tmp_path / "so"
    folder.mkdir()
    (folder / "Tổ.csv").write_bytes("Mã,Tên\nT001,Hòa\n".encode("latin-1"))
    with pytest.raises(SourceError, match="UTF-8, UTF-16 và Windows-1258") as caught:
        CsvFolderSource(folder).read_raw()
    assert "Tổ.csv" in str(caught.value) and "CSV UTF-8" in str(caught.value)


def test_csv_formula_like_text_is_neutralised_like_the_exports(tmp_path):
    from tothu_core.outputs.exportfile import to_csv_bytes

    source = make_csv_folder(tmp_path / "so")
    typed = ['=HYPERLINK("http://x","bấm")', "+84 912", "-5 hộ", "@SUM(A1)", " =1+1", "Tốt"]
    rows = [["12/2016", "T009", "CB01", None, f"N{i}", text] for i, text in enumerate(typed)]
    source.append_rows("Sinh hoạt", rows, key_column=4)
    written = (source.folder / "Sinh hoạt.csv").read_text("utf-8").splitlines()[2:]
    export = to_csv_bytes(pd.DataFrame({"x": typed})).decode("utf-8-sig").splitlines()[1:]
    assert [line.split(",", 5)[5] for line in written] == export
    # Read back, the cells are what the cadre typed; numbers stay numbers, not text.
    assert [row[5] for row in source.read_raw()["Sinh hoạt"][2:]] == typed
    source.append_rows("Sinh hoạt", [["12/2016", "T010", "CB01", None, "Q1", -5]])
    assert (source.folder / "Sinh hoạt.csv").read_text("utf-8").endswith(",Q1,-5\n")


def test_a_crashed_csv_write_leaves_nothing_behind_at_the_next_start(tmp_path):
    source = make_csv_folder(tmp_path / "so")
    leftover = source.folder / ".Sinh hoạt-x1y2.csv.tmp"
    leftover.write_text("nửa tệp", "utf-8")
    assert set(CsvFolderSource(source.folder).read_raw()) == {"Cán bộ", "Sinh hoạt"}
    assert not leftover.exists()

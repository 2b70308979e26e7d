"""Every exported file opened with its own library: CSV with `csv`, Excel with openpyxl, the
report with python-docx. Headers, row counts, figures against the core, number formats, a
planted formula that must stay text, file names, and the same bytes from the command line as
from the page's download buttons."""

import csv
import io
import zipfile
from datetime import date, datetime

import pandas as pd
import pytest
from docx import Document
from openpyxl import load_workbook
from streamlit.runtime.media_file_manager import MediaFileManager

from tests.app_support import app, use_workbook
from tests.sheets import COMMUNE, tab
from tothu_core import cli
from tothu_core.figures import figures
from tothu_core.outputs import report_pdf
from tothu_core.outputs.tables import SLUGS, Scope, export_table
from tothu_core.sheet.demo import generate_workbook, write_workbook
from tothu_core.sheet.reader import read_dataset

SEPT = pd.Period("2016-09", freq="M")
HYPERLINK = '=HYPERLINK("http://evil.example","Bấm vào đây")'
DERIVED = ["coverage", "attendance", "completeness", "attention"]
BOM = b"\xef\xbb\xbf"


def planted_commune() -> dict:
    """COMMUNE with a formula typed into Kiến nghị, and CB01 as leadership (for the page)."""
    raw = dict(COMMUNE)
    header, *rows = COMMUNE["Sinh hoạt"]
    raw["Sinh hoạt"] = [
        header + ["Kiến nghị"],
        *[[*row, HYPERLINK if (row[1], row[2]) == ("T2", "CB02") else ""] for row in rows],
    ]
    raw["Cán bộ"] = tab(
        ["Mã cán bộ", "Họ và tên", "Vai trò"],
        [["CB01", "Nguyễn Văn An", "Lãnh đạo"], ["CB02", "Trần Thị Bình", ""],
         ["CB03", "Lê Văn Cường", ""], ["CB04", "Phạm Thị Dung", ""]],
    )  # fmt: skip
    return raw


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    return str(write_workbook(planted_commune(), tmp_path_factory.mktemp("src") / "so-lieu.xlsx"))


@pytest.fixture(scope="module")
def ds():
    dataset = read_dataset(planted_commune())
    assert dataset.errors == []
    return dataset


def run_cli(*args) -> int:
    return cli.main([str(a) for a in args])


@pytest.fixture(scope="module")
def exported(source, tmp_path_factory):
    """(table, format) -> the bytes `python -m tothu_core export` wrote for 09/2016."""
    folder = tmp_path_factory.mktemp("exports")
    files = {}
    for table in DERIVED + ["meetings"]:
        for fmt in ("csv", "xlsx"):
            out = folder / f"{table}.{fmt}"
            args = ("--source", source, "--month", "09/2016", "--format", fmt, "-o", out)
            assert run_cli("export", table, *args) == 0
            files[table, fmt] = out.read_bytes()
    return files


@pytest.fixture(scope="module")
def report_doc(source, tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "bc.docx"
    assert run_cli("report", "--source", source, "--month", "09/2016", "-o", out) == 0
    return Document(str(out))


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(BOM), "UTF-8 with BOM, so Excel shows the diacritics"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


# --- CSV -------------------------------------------------------------------------------------


@pytest.mark.parametrize("table", DERIVED + ["meetings"])
def test_csv_headers_and_row_counts(exported, ds, table):
    rows = read_csv(exported[table, "csv"])
    frame = export_table(ds, table, Scope(month=SEPT))
    assert rows[0] == list(frame.columns)
    assert len(rows) - 1 == len(frame) > 0


def test_csv_attendance_figures_against_the_core(exported, ds):
    rows = read_csv(exported["attendance", "csv"])
    header, body = rows[0], rows[1:]
    core = figures.attendance(ds, SEPT)
    got = {r[header.index("Mã ấp")]: r for r in body}
    for _, hamlet in core.iterrows():
        row = got[hamlet["hamlet_id"]]
        assert row[header.index("Số tổ sinh hoạt")] == str(hamlet["groups_met"])
        assert row[header.index("Số hộ dự")] == str(hamlet["households_present"])
        rate = hamlet["attendance_pct"]
        assert row[header.index("Tỷ lệ dự (%)")] == ("" if pd.isna(rate) else f"{rate:.1f}")
    # A1 by hand: T1 7 of 8, T2 10 of 20, T3 5 of 12 -> 22 of 40 = 55.0.
    assert got["A1"][3:] == ["3", "3", "40", "22", "55.0"]
    assert got["A1"][0] == "09/2016"


def test_csv_completeness_against_the_core(exported, ds):
    rows = read_csv(exported["completeness", "csv"])
    core = figures.completeness(ds, SEPT)
    assert [r[1] for r in rows[1:]] == core["cadre_id"].tolist()
    assert [r[3:6] for r in rows[1:]] == core[["expected", "received", "on_time"]].astype(
        str
    ).values.tolist()


def test_csv_planted_formula_is_text(exported):
    rows = read_csv(exported["meetings", "csv"])
    proposals = [r[rows[0].index("Kiến nghị")] for r in rows[1:]]
    assert "'" + HYPERLINK in proposals
    assert not any(cell.startswith("=") for row in rows for cell in row)
    dates = [r[rows[0].index("Ngày họp")] for r in rows[1:]]
    assert "10/09/2016" in dates


# --- XLSX ------------------------------------------------------------------------------------


def open_xlsx(data: bytes):
    return load_workbook(io.BytesIO(data)).active


@pytest.mark.parametrize("table", DERIVED + ["meetings"])
def test_xlsx_header_rows_and_sheet(exported, ds, table):
    sheet = open_xlsx(exported[table, "xlsx"])
    frame = export_table(ds, table, Scope(month=SEPT))
    header = [c.value for c in sheet[1]]
    assert header == list(frame.columns)
    assert all(c.font.bold for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.title == SLUGS[table]
    assert sheet.max_row - 1 == len(frame)


def test_xlsx_percentages_are_numbers_formatted_as_percent(exported, ds):
    sheet = open_xlsx(exported["coverage", "xlsx"])
    header = [c.value for c in sheet[1]]
    core = figures.coverage(ds, SEPT).set_index("hamlet_id")
    rate_col = header.index("Tổ có cán bộ phụ trách (%)") + 1
    for row in sheet.iter_rows(min_row=2):
        hamlet = row[header.index("Mã ấp")].value
        cell = row[rate_col - 1]
        expected = core.loc[hamlet, "coverage_pct"]
        if pd.isna(expected):
            assert cell.value is None
        else:
            assert cell.number_format == "0.0%"
            assert cell.value == pytest.approx(expected / 100)
        assert row[header.index("Số tổ")].value == core.loc[hamlet, "groups"]
        assert isinstance(row[header.index("Số tổ")].value, int)
    # A2 by hand: T5 covered, T4 not: 50 %.
    a2 = next(r for r in sheet.iter_rows(min_row=2) if r[1].value == "A2")
    assert a2[rate_col - 1].value == pytest.approx(0.5)


def test_xlsx_dates_are_real_dates_and_formula_is_text(exported):
    data = exported["meetings", "xlsx"]
    sheet = open_xlsx(data)
    header = [c.value for c in sheet[1]]
    met = sheet.cell(row=2, column=header.index("Ngày họp") + 1)
    assert isinstance(met.value, datetime) and met.value.date() == date(2016, 9, 10)
    assert met.number_format == "dd/mm/yyyy"
    planted = [
        row[header.index("Kiến nghị")]
        for row in sheet.iter_rows(min_row=2)
        if row[header.index("Kiến nghị")].value
    ]
    assert len(planted) == 1
    assert planted[0].value == HYPERLINK
    assert planted[0].data_type == "s" and planted[0].quotePrefix
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        sheet_xml = package.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml


# --- file names ------------------------------------------------------------------------------


def test_default_file_names(source, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = ("--source", source, "--month", "09/2016")
    assert run_cli("export", "attendance", *args, "--hamlet", "A1", "--format", "xlsx") == 0
    assert run_cli("report", *args) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "bao-cao-to-tu-quan_09-2016.docx",
        "tham-du_A1_09-2016.xlsx",
    ]


# --- the report from the command line ---------------------------------------------------------


def test_report_command_writes_the_docx(report_doc, ds):
    doc = report_doc
    paragraphs = [p.text for p in doc.paragraphs]
    assert "Kết quả theo dõi, hỗ trợ tổ nhân dân tự quản tháng 9 năm 2016" in paragraphs
    total = [c.text for c in doc.tables[1].rows[-1].cells]
    row = figures.overview(ds, SEPT).iloc[0]
    assert total[1:] == [
        "Toàn xã",
        str(row["groups"]),
        str(row["groups_covered"]),
        str(row["groups_met"]),
        f"{row['households_present']}/{row['households']}",
        f"{row['attendance_pct']:.1f}\u00a0%".replace(".", ","),
        f"{row['received']}/{row['expected']}",
        str(row["on_time"]),
    ]
    assert f"- Tổ T2: {HYPERLINK}" in paragraphs


def test_report_command_committee_option(source, tmp_path):
    out = tmp_path / "bc.docx"
    args = ("report", "--source", source, "--month", "09/2016", "-o", out)
    assert run_cli(*args, "--committee", "Đảng ủy xã An Thạnh") == 0
    left, _ = [c.text for c in Document(str(out)).tables[0].rows[0].cells]
    assert "ĐẢNG ỦY XÃ AN THẠNH" in left.split("\n")


def test_report_command_pdf_without_libreoffice(source, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(report_pdf, "find_converter", lambda: None)
    out = tmp_path / "bc.docx"
    code = run_cli("report", "--source", source, "--month", "09/2016", "-o", out, "--pdf")
    assert code == cli.EXIT_PROBLEMS
    assert out.exists() and not out.with_suffix(".pdf").exists()
    assert report_pdf.NOT_INSTALLED in capsys.readouterr().err


@pytest.mark.skipif(report_pdf.find_converter() is None, reason="LibreOffice (soffice) không có")
def test_report_command_pdf_with_libreoffice(source, tmp_path):
    out = tmp_path / "bc.docx"
    assert run_cli("report", "--source", source, "--month", "09/2016", "-o", out, "--pdf") == 0
    assert out.with_suffix(".pdf").read_bytes().startswith(b"%PDF")


def test_report_on_demo_data_equals_the_core(tmp_path):
    """A realistic month (the demo's 102 groups): every number of section II against the core."""
    book = generate_workbook(months=2, end_month="09/2016", today=date(2016, 10, 20))
    path = write_workbook(book, tmp_path / "demo.xlsx")
    out = tmp_path / "demo.docx"
    assert run_cli("report", "--source", path, "--month", "09/2016", "-o", out) == 0
    ds = read_dataset(book)
    doc = Document(str(out))
    table = next(t for t in doc.tables if t.rows[0].cells[0].text == "TT")
    rows = [[c.text for c in r.cells] for r in table.rows[1:]]
    coverage = figures.coverage(ds, SEPT)
    attendance = figures.attendance(ds, SEPT)
    assert [r[1] for r in rows[:-1]] == coverage["hamlet_name"].tolist()
    assert [int(r[2]) for r in rows[:-1]] == coverage["groups"].tolist()
    assert [int(r[3]) for r in rows[:-1]] == coverage["groups_covered"].tolist()
    assert [int(r[4]) for r in rows[:-1]] == attendance["groups_met"].tolist()
    present = [r[5].replace(".", "").split("/") for r in rows[:-1]]
    assert [int(p) for p, _ in present] == attendance["households_present"].tolist()
    assert [int(h) for _, h in present] == attendance["households"].tolist()
    rates = [float(r[6].removesuffix("\u00a0%").replace(",", ".")) for r in rows[:-1]]
    assert rates == attendance["attendance_pct"].tolist()
    total = figures.overview(ds, SEPT).iloc[0]
    assert rows[-1][2] == str(total["groups"])
    assert rows[-1][7] == f"{total['received']}/{total['expected']}"
    assert rows[-1][8] == str(total["on_time"])
    paragraphs = [p.text for p in doc.paragraphs]
    general = paragraphs[paragraphs.index("3. Báo cáo của cán bộ phụ trách") + 1]
    assert f"đã nộp {total['received']}, đạt" in general
    assert f"{total['completeness_pct']:.1f}\u00a0%".replace(".", ",") in general


# --- the same bytes from the page and from the command line --------------------------------------


@pytest.fixture
def captured_downloads(monkeypatch):
    """file name -> the deferred callable a download button registered (the latest one)."""
    found = {}
    original = MediaFileManager.add_deferred

    def record(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        found[file_name] = data_callable
        return original(self, data_callable, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", record)
    return found


def xlsx_parts(data: bytes) -> dict[str, bytes]:
    """Every part of the package except the creation time openpyxl stamps on each save."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return {n: package.read(n) for n in package.namelist() if n != "docProps/core.xml"}


def test_page_downloads_equal_the_command_line(
    monkeypatch, tmp_path, captured_downloads
):  # fmt: skip
    path = use_workbook(monkeypatch, planted_commune(), tmp_path)
    at = app(cadre="CB01", page="pages/monthly_report.py", query={"thang": "09-2016", "ap": "A1"})
    assert not at.exception
    for table in DERIVED:
        at.selectbox(key="monthly_report_table").set_value(table).run()
        assert not at.exception
        for fmt in ("csv", "xlsx"):
            name = f"{SLUGS[table]}_A1_09-2016.{fmt}"
            assert name in captured_downloads, sorted(captured_downloads)
            page_bytes = captured_downloads[name]()
            out = tmp_path / name
            args = ("--source", path, "--month", "09/2016", "--hamlet", "A1", "--format", fmt)
            assert run_cli("export", table, *args, "-o", out) == 0
            cli_bytes = out.read_bytes()
            if fmt == "csv":
                assert page_bytes == cli_bytes, table
            else:
                assert xlsx_parts(page_bytes) == xlsx_parts(cli_bytes), table

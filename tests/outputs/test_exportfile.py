"""CSV and XLSX exports, read back with the library each format is meant for.

Formula injection: CSV has no cell types, so risky text carries a leading `'`. XLSX does:
risky text is kept exactly as typed in a string cell (data_type "s") with Excel's quote-prefix
flag, so it can never be a formula, shows without a stray `'`, and re-imports unchanged.
"""

import codecs
import csv
import io
import unicodedata
import zipfile
from datetime import date, datetime
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from tothu_core.outputs.exportfile import (
    MIME_TYPES,
    export_filename,
    neutralize,
    safe_sheet_name,
    to_csv_bytes,
    to_xlsx_bytes,
)

PLANTED = '=HYPERLINK("http://x","y")'
LONG_NAME = "Tổ nhân dân tự quản số 12 ấp Phước Lợi"
HEADERS = [
    "Tháng",
    "Mã tổ",
    "Tên tổ",
    "Ghi chú",
    "Điện thoại",
    "Số hộ",
    "Ngày họp",
    "Thời điểm nhập",
    "Tỷ lệ dự (%)",
]


@pytest.fixture
def table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Tháng": ["09/2016", "09/2016", "10/2016"],
            "Mã tổ": ["T01", "T02", "T03"],
            "Tên tổ": [LONG_NAME, "Tổ Đồng Tâm", None],
            "Ghi chú": [PLANTED, "-5 hộ", "Họp đủ, vui vẻ\ndòng hai"],
            "Điện thoại": ["+84912345678", "0912345678", "@me"],
            "Số hộ": [-5.0, 12.0, np.nan],
            "Ngày họp": [date(2016, 9, 26), None, date(2016, 10, 3)],
            "Thời điểm nhập": [datetime(2016, 9, 26, 19, 5), None, datetime(2016, 10, 3, 7, 0, 9)],
            "Tỷ lệ dự (%)": [87.5, 100.0, np.nan],
        }
    )


def read_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def read_xlsx(data: bytes):
    return load_workbook(io.BytesIO(data)).active


def xlsx(table: pd.DataFrame, **options) -> bytes:
    options.setdefault("sheet_name", "tham-du")
    return to_xlsx_bytes(
        table,
        percent_columns=["Tỷ lệ dự (%)"],
        date_columns=["Ngày họp"],
        datetime_columns=["Thời điểm nhập"],
        **options,
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (PLANTED, "'" + PLANTED),
        ("+84912345678", "'+84912345678"),
        ("-5 hộ", "'-5 hộ"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("  =1+1", "'  =1+1"),
        ("Nguyễn Văn A", "Nguyễn Văn A"),
        ("a=b+c", "a=b+c"),
        ("", ""),
    ],
)
def test_neutralize_text(text, expected):
    assert neutralize(text) == expected


@pytest.mark.parametrize(
    "number", [-5, -2.5, Decimal("-3.10"), np.int64(-7), np.float64(-1.5), 0, True]
)
def test_neutralize_keeps_real_numbers(number):
    result = neutralize(number)
    assert result == number
    assert type(result) is type(number)


@pytest.mark.parametrize("blank", [None, float("nan"), np.nan, pd.NA, pd.NaT, Decimal("NaN")])
def test_neutralize_blanks_are_empty(blank):
    assert neutralize(blank) == ""


def test_csv_has_bom_headers_rows_and_diacritics(table):
    data = to_csv_bytes(table)
    assert data.startswith(codecs.BOM_UTF8)
    assert not data[3:].startswith(codecs.BOM_UTF8)
    rows = read_csv(data)
    assert rows[0] == HEADERS
    assert len(rows) == 1 + len(table)
    assert rows[1][2] == LONG_NAME
    assert rows[2][2] == "Tổ Đồng Tâm"


def test_csv_neutralises_text_but_not_numbers(table):
    rows = read_csv(to_csv_bytes(table))
    notes = [row[3] for row in rows[1:]]
    assert notes[0] == "'" + PLANTED
    assert notes[1] == "'-5 hộ"
    assert notes[2] == "Họp đủ, vui vẻ\ndòng hai"
    assert [row[4] for row in rows[1:]] == ["'+84912345678", "0912345678", "'@me"]
    assert [row[5] for row in rows[1:]] == ["-5", "12", ""]


def test_csv_dates_months_and_percentages(table):
    rows = read_csv(to_csv_bytes(table))
    assert [row[0] for row in rows[1:]] == ["09/2016", "09/2016", "10/2016"]
    assert [row[6] for row in rows[1:]] == ["26/09/2016", "", "03/10/2016"]
    assert [row[7] for row in rows[1:]] == ["26/09/2016 19:05:00", "", "03/10/2016 07:00:09"]
    assert [row[8] for row in rows[1:]] == ["87.5", "100.0", ""]


def test_csv_percentages_rounded_to_one_decimal():
    frame = pd.DataFrame({"Tỷ lệ (%)": [2 / 3 * 100, 0.1 + 0.2]})
    assert [row[0] for row in read_csv(to_csv_bytes(frame))[1:]] == ["66.7", "0.3"]


def test_csv_datetime64_columns_use_day_first_formats():
    frame = pd.DataFrame(
        {
            "Từ ngày": pd.to_datetime(["2016-09-26", None]),
            "Lúc": pd.to_datetime(["2016-09-26 08:30", "2016-10-01 00:00"]),
            "Ngày nhập": pd.to_datetime(["2016-09-26", "2016-10-01"]),
        }
    )
    rows = read_csv(to_csv_bytes(frame, datetime_columns=["Ngày nhập"]))
    assert rows[1:] == [
        ["26/09/2016", "26/09/2016 08:30:00", "26/09/2016 00:00:00"],
        ["", "01/10/2016 00:00:00", "01/10/2016 00:00:00"],
    ]


def test_csv_mixed_column_and_planted_header():
    frame = pd.DataFrame({"=cmd": [1, "=2+3", date(2016, 9, 26), None, Decimal("-1.5")]})
    rows = read_csv(to_csv_bytes(frame))
    assert rows[0] == ["'=cmd"]
    assert [row[0] for row in rows[1:]] == ["1", "'=2+3", "26/09/2016", "", "-1.5"]


def test_csv_uses_crlf_and_ignores_the_index(table):
    data = to_csv_bytes(table.set_index("Mã tổ", drop=False))
    assert data.count(b"\r\n") == len(table) + 1
    assert read_csv(data)[0] == HEADERS


def test_xlsx_header_row_bold_frozen_and_filtered(table):
    sheet = read_xlsx(xlsx(table))
    assert sheet.title == "tham-du"
    assert [cell.value for cell in sheet[1]] == HEADERS
    assert all(cell.font.bold for cell in sheet[1])
    assert not sheet["A2"].font.bold
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:I4"
    assert sheet.max_row == 1 + len(table)


def test_xlsx_planted_formula_is_a_plain_string(table):
    data = xlsx(table)
    sheet = read_xlsx(data)
    planted = sheet["D2"]
    assert planted.data_type == "s"
    assert planted.value == PLANTED
    assert planted.quotePrefix
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        sheet_xml = package.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml


def test_xlsx_numbers_stay_numbers_and_risky_text_stays_text(table):
    sheet = read_xlsx(xlsx(table))
    assert sheet["F2"].data_type == "n" and sheet["F2"].value == -5
    assert not sheet["F2"].quotePrefix
    assert sheet["F4"].value is None
    for coordinate, text in (("D3", "-5 hộ"), ("E2", "+84912345678"), ("E4", "@me")):
        assert sheet[coordinate].data_type == "s"
        assert sheet[coordinate].value == text
        assert sheet[coordinate].quotePrefix
    assert sheet["E3"].value == "0912345678" and sheet["E3"].data_type == "s"
    assert sheet["C2"].value == LONG_NAME


def test_xlsx_percentages_are_fractions_formatted_as_percent(table):
    sheet = read_xlsx(xlsx(table))
    assert sheet["I2"].value == 0.875
    assert sheet["I3"].value == 1.0
    assert "%" in sheet["I2"].number_format
    assert sheet["I2"].number_format == "0.0%"
    assert sheet["I4"].value is None


def test_xlsx_dates_are_real_dates(table):
    sheet = read_xlsx(xlsx(table))
    assert sheet["G2"].is_date
    assert sheet["G2"].value == datetime(2016, 9, 26)
    assert sheet["G2"].number_format == "dd/mm/yyyy"
    assert sheet["G3"].value is None
    assert sheet["H2"].is_date
    assert sheet["H4"].value == datetime(2016, 10, 3, 7, 0, 9)
    assert sheet["H4"].number_format == "dd/mm/yyyy hh:mm:ss"
    assert sheet["A2"].data_type == "s" and sheet["A2"].value == "09/2016"


def test_xlsx_infers_percent_and_date_columns_when_not_named(table):
    sheet = read_xlsx(to_xlsx_bytes(table, sheet_name="x"))
    assert sheet["I2"].value == 0.875 and sheet["I2"].number_format == "0.0%"
    assert sheet["G2"].number_format == "dd/mm/yyyy"
    assert sheet["H2"].number_format == "dd/mm/yyyy hh:mm:ss"


def test_xlsx_column_widths_follow_content(table):
    frame = table.assign(**{"Lý do": ["x" * 200, "ngắn", None]})
    frame["Tên tổ"] = frame["Tên tổ"].map(
        lambda v: unicodedata.normalize("NFD", v) if isinstance(v, str) else v
    )
    widths = read_xlsx(xlsx(frame)).column_dimensions
    name_width = widths["C"].width
    assert len(LONG_NAME) + 1 <= name_width <= len(LONG_NAME) + 4
    assert widths["A"].width < 15
    assert widths["J"].width == 60
    assert widths["H"].width >= 19
    assert widths["I"].width >= len("Tỷ lệ dự (%)")


def test_xlsx_title_goes_to_properties_not_the_grid(table):
    data = xlsx(table, title="Tham dự sinh hoạt tháng 09/2016")
    workbook = load_workbook(io.BytesIO(data))
    assert workbook.properties.title == "Tham dự sinh hoạt tháng 09/2016"
    assert workbook.active["A1"].value == "Tháng"


def test_xlsx_reimports_unchanged_with_calamine(table):
    back = pd.read_excel(io.BytesIO(xlsx(table)), engine="calamine", dtype=object)
    assert list(back.columns) == HEADERS
    assert back.loc[0, "Ghi chú"] == PLANTED
    assert back.loc[1, "Ghi chú"] == "-5 hộ"
    assert back.loc[0, "Điện thoại"] == "+84912345678"


def test_xlsx_odd_text_does_not_break_the_file():
    frame = pd.DataFrame({"Ghi chú": ["#N/A", "bell\x07here", "=", "ok"], "Số": [1, -2, 3, 4]})
    sheet = read_xlsx(to_xlsx_bytes(frame, sheet_name="a/b"))
    assert [sheet.cell(row, 1).value for row in range(2, 6)] == ["#N/A", "bellhere", "=", "ok"]
    assert all(sheet.cell(row, 1).data_type == "s" for row in range(2, 6))
    assert [sheet.cell(row, 2).value for row in range(2, 6)] == [1, -2, 3, 4]


def test_xlsx_empty_table_keeps_its_header():
    sheet = read_xlsx(to_xlsx_bytes(pd.DataFrame(columns=["Mã ấp", "Tên ấp"]), sheet_name="ap"))
    assert [cell.value for cell in sheet[1]] == ["Mã ấp", "Tên ấp"]
    assert sheet.max_row == 1


def test_sheet_names_are_what_excel_accepts():
    name = safe_sheet_name("Báo cáo [tháng] 09/2016: ấp *Phước Lợi* và các ấp khác?")
    assert len(name) <= 31
    assert not set(name) & set("[]:*?/\\")
    assert name.startswith("Báo cáo tháng 092016")
    assert safe_sheet_name("'/'") == "Bảng"
    assert load_workbook(io.BytesIO(to_xlsx_bytes(pd.DataFrame({"a": [1]}), sheet_name="x" * 40)))


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"hamlet": "A1", "month": "09/2016", "ext": "xlsx"}, "tham-du_A1_09-2016.xlsx"),
        ({"ext": "csv"}, "tham-du.csv"),
        ({"hamlet": "Ấp Phước Lợi", "ext": ".CSV"}, "tham-du_Ap-Phuoc-Loi.csv"),
        (
            {"cadre": "CB/01 Đức", "month": "10/2016", "ext": "docx"},
            "tham-du_CB-01-Duc_10-2016.docx",
        ),
        (
            {"hamlet": "A1", "cadre": "CB01", "month": "09/2016", "ext": "csv"},
            "tham-du_A1_CB01_09-2016.csv",
        ),
        ({"hamlet": "../..\\x", "ext": "xlsx"}, "tham-du_x.xlsx"),
        ({"hamlet": "", "cadre": None, "ext": "xlsx"}, "tham-du.xlsx"),
    ],
)
def test_export_filename(kwargs, expected):
    assert export_filename("tham-du", **kwargs) == expected


@pytest.mark.parametrize(("slug", "ext"), [("tham-du", "x/y"), ("tham-du", ""), ("//", "csv")])
def test_export_filename_refuses_unusable_parts(slug, ext):
    with pytest.raises(ValueError):
        export_filename(slug, ext=ext)


def test_mime_types():
    assert MIME_TYPES["csv"] == "text/csv"
    assert MIME_TYPES["xlsx"].endswith("spreadsheetml.sheet")
    assert MIME_TYPES["docx"].endswith("wordprocessingml.document")

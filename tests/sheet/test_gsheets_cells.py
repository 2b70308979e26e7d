"""Typed cells as Google Sheets stores what a clerk types, read through the backend and the reader.

The fake keeps each cell's type and renders it per valueRenderOption, as the API does; the
backend asks for UNFORMATTED_VALUE + SERIAL_NUMBER, so the reader sees numbers, serial dates,
booleans and error codes, never the sheet's display text.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from tests.fake_sheets import CellError, Formula, Percent
from tothu_core import texts
from tothu_core.sheet.dataset import ERROR, WARNING
from tothu_core.sheet.load import load_dataset
from tothu_core.sheet.sources.gsheets import GoogleSheetSource

KEY = "1TypedCellsSheetKey_abcdefghijklmnopqrstuvwxyz"
MEETING_HEADERS = ["Tháng", "Mã tổ", "Mã cán bộ", "Ngày họp", "Số hộ dự", "Cán bộ dự",
                   "Thời điểm nhập", "Mã phiếu"]  # fmt: skip


def commune(groups: list[list], meetings: list[list], **extra) -> dict:
    return {
        "Ấp": [["Mã ấp", "Tên ấp"], ["A1", "Ấp Mỹ An"]],
        "Cán bộ": [["Mã cán bộ", "Họ và tên"], ["CB01", "Nguyễn Văn An"]],
        "Tổ": [["Mã tổ", "Tên tổ", "Mã ấp", "Số hộ"], *groups],
        "Phân công": [["Mã cán bộ", "Mã tổ", "Từ ngày"]]
        + [["CB01", g[0], date(2016, 1, 1)] for g in groups],
        "Sinh hoạt": [["NHẬT KÝ"], [], MEETING_HEADERS, *meetings],
        **extra,
    }


def source_for(server, info) -> GoogleSheetSource:
    return GoogleSheetSource(
        KEY, credentials_info=info, http_adapter=server.http_adapter(), timeout=5.0
    )


def messages(ds, severity=ERROR) -> list[str]:
    return [p.message for p in ds.problems if p.severity == severity]


def test_typed_cells_read_as_what_the_clerk_typed(fake_sheets, service_account_info):
    groups = [
        ["T1", "Tổ 1", "A1", 30],  # a number cell
        ["T2", "Tổ 2", "A1", 30.0],  # Sheets stores every number as a double
        ["T3", "Tổ 3", "A1", "30"],  # a number stored as text ('30)
        ["T4", "Tổ 4", "A1", Formula("=20+10", value=30)],  # a formula: its calculated value
    ]
    meetings = [
        ["11/2026", "T1", "CB01", date(2026, 11, 10), 21, True,
         datetime(2026, 11, 20, 9, 30, 15), "P-1"],
        [date(2026, 11, 1), "T2", "CB01", date(2026, 11, 12), 12, False,
         datetime(2026, 11, 20, 9, 31), "P-2"],
        ["11/2026", "T3", "CB01", date(2026, 11, 13), Percent(0.5), True, None, "P-3"],
        ["11/2026", "T4", "CB01", date(2026, 11, 14), CellError("#N/A"), True, None, "P-4"],
        [CellError("#REF!"), "T4", "CB01", None, None, None, None, "P-5"],
    ]  # fmt: skip
    fake_sheets.add_spreadsheet(KEY, commune(groups, meetings))
    ds = load_dataset(source_for(fake_sheets, service_account_info))

    households = ds.groups.set_index("group_id")["households"]
    assert households.to_dict() == {"T1": 30, "T2": 30, "T3": 30, "T4": 30}
    m = ds.meetings.set_index("submission_id")
    assert list(m.index) == ["P-1", "P-2"]
    assert m.loc["P-1", "submitted_at"] == datetime(2026, 11, 20, 9, 30, 15)
    assert m.loc["P-1", "meeting_date"] == datetime(2026, 11, 10)
    assert (bool(m.loc["P-1", "cadre_attended"]), bool(m.loc["P-2", "cadre_attended"])) == (
        True,
        False,
    )
    assert m.loc["P-2", "month"].strftime("%m/%Y") == "11/2026"  # a date cell in Tháng

    errors = {(p.row, p.column): p.message for p in ds.problems if p.severity == ERROR}
    assert errors[(6, "Số hộ dự")] == texts.BAD_VALUE["int"].format(value="0.5")
    assert errors[(7, "Số hộ dự")] == texts.FORMULA_ERROR.format(cell="E7", value="#N/A")
    assert errors[(8, "Tháng")] == texts.FORMULA_ERROR.format(cell="A8", value="#REF!")
    assert len(errors) == 3


def test_the_fake_renders_each_value_option_as_the_api_does(fake_sheets, service_account_info):
    row = [date(2026, 11, 10), True, Percent(0.5), CellError("#N/A"), Formula("=1+1", 2), 45.0]
    fake_sheets.add_spreadsheet(KEY, {"Tab": [row]})
    session = fake_sheets.authorized_session(service_account_info)
    url = f"https://sheets.googleapis.com/v4/spreadsheets/{KEY}/values/Tab"

    def values(**params):
        return session.get(url, params=params).json()["values"][0]

    assert values() == ["10/11/2026", "TRUE", "50%", "#N/A", "2", "45"]
    assert values(valueRenderOption="UNFORMATTED_VALUE") == [46336, True, 0.5, "#N/A", 2, 45.0]
    assert (
        values(valueRenderOption="UNFORMATTED_VALUE", dateTimeRenderOption="FORMATTED_STRING")[0]
        == "10/11/2026"
    )
    assert values(valueRenderOption="FORMULA")[4] == "=1+1"


def test_check_boxes_down_two_whole_columns_are_blank_rows_not_errors(
    fake_sheets, service_account_info
):
    """Insert → Checkbox on whole columns stores FALSE in every row: 1,500 of them here."""
    headers = [*MEETING_HEADERS, "Đã duyệt"]
    entries = [
        ["11/2026", "T1", "CB01", date(2026, 11, 10), 21, False, None, "P-1", False],
        ["11/2026", "T2", "CB01", None, None, False, None, "P-2", True],
    ]
    boxes = [[None] * 5 + [False, None, None, False] for _ in range(1500 - len(entries))]
    book = commune([["T1", "Tổ 1", "A1", 30], ["T2", "Tổ 2", "A1", 30]], [])
    book["Sinh hoạt"] = [["NHẬT KÝ"], [], headers, *entries, *boxes]
    fake_sheets.add_spreadsheet(KEY, book)
    ds = load_dataset(source_for(fake_sheets, service_account_info))
    assert sorted(ds.meetings["submission_id"]) == ["P-1", "P-2"]
    assert not any("Thiếu giá trị bắt buộc" in m for m in messages(ds))
    assert messages(ds) == []


@pytest.mark.parametrize(
    ("locale", "warned"), [("en_US", True), ("en", True), ("vi_VN", False), ("en_GB", False)]
)
def test_a_month_first_locale_is_warned_naming_it_and_the_fix(
    fake_sheets, service_account_info, locale, warned
):
    fake_sheets.add_spreadsheet(KEY, commune([["T1", "Tổ 1", "A1", 30]], []), locale=locale)
    ds = load_dataset(source_for(fake_sheets, service_account_info))
    said = [m for m in messages(ds, WARNING) if "Cài đặt" in m]
    assert bool(said) is warned
    if warned:
        assert f"«{locale}»" in said[0] and "Việt Nam" in said[0]

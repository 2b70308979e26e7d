"""Exported tables: the spec's headers, the sheet's own formats, and the filters."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from tests.sheets import COMMUNE, tab
from tothu_core.outputs.tables import Scope, date_headers, export_table, raw_table
from tothu_core.sheet.reader import read_dataset

SEPT = pd.Period("2016-09", freq="M")

# The spec's headers, written out here (not read from the code under test).
RAW_HEADERS = {
    "hamlets": ["Mã ấp", "Tên ấp", "Bí thư chi bộ", "Xã cũ"],
    "cadres": ["Mã cán bộ", "Họ và tên", "Chức vụ", "Loại", "Điện thoại", "Email", "Vai trò"],
    "groups": ["Mã tổ", "Tên tổ", "Mã ấp", "Tổ trưởng", "Số hộ", "Xếp loại", "Vĩ độ", "Kinh độ"],
    "assignments": ["Mã cán bộ", "Mã tổ", "Từ ngày", "Đến ngày", "Căn cứ"],
    "meetings": ["Tháng", "Mã tổ", "Mã cán bộ", "Ngày họp", "Số hộ dự", "Cán bộ dự",
                 "Nội dung tuyên truyền", "Tình hình", "Kiến nghị", "Thời điểm nhập", "Mã phiếu"],
    "topics": ["Chủ đề", "Từ tháng", "Đến tháng"],
}  # fmt: skip
DERIVED_HEADERS = {
    "coverage": ["Tháng", "Mã ấp", "Tên ấp", "Số tổ", "Số tổ có cán bộ", "Số cán bộ",
                 "Tỷ lệ phủ (%)"],
    "attendance": ["Tháng", "Mã ấp", "Tên ấp", "Số tổ", "Số tổ họp", "Số hộ", "Số hộ dự",
                   "Tỷ lệ dự (%)"],
    "completeness": ["Tháng", "Mã cán bộ", "Họ và tên", "Số tổ phụ trách", "Số báo cáo",
                     "Số báo cáo đúng hạn", "Tỷ lệ (%)"],
    "attention": ["Tháng", "Mã tổ", "Tên tổ", "Mã ấp", "Lý do"],
}  # fmt: skip


@pytest.fixture(scope="module")
def ds():
    """The hand-made commune of test_figures, plus one entry with every column for T5 in 09."""
    raw = dict(COMMUNE)
    header, *rows = COMMUNE["Sinh hoạt"]
    more = ["Nội dung tuyên truyền", "Tình hình", "Kiến nghị", "Mã phiếu"]
    t5 = ["09/2016", "T5", "CB03", "12/9/2016", 25, "Có", "3/10/2016 17:45:30",
          "Trữ nước ngọt\nAn toàn giao thông", "", "", "F-9"]  # fmt: skip
    raw["Sinh hoạt"] = [header + more, *rows, t5]
    raw["Chủ đề"] = tab(["Chủ đề", "Từ tháng", "Đến tháng"], [["Trữ nước ngọt", "1/2016", ""]])
    dataset = read_dataset(raw)
    assert dataset.errors == []
    return dataset


@pytest.mark.parametrize("table", RAW_HEADERS)
def test_raw_tables_have_the_spec_headers(ds, table):
    assert list(export_table(ds, table).columns) == RAW_HEADERS[table]


@pytest.mark.parametrize("table", DERIVED_HEADERS)
def test_derived_tables_have_the_spec_headers(ds, table):
    assert list(export_table(ds, table, Scope(month=SEPT)).columns) == DERIVED_HEADERS[table]


def test_raw_meetings_in_the_sheet_formats(ds):
    got = export_table(ds, "meetings")
    assert len(got) == 11  # every valid entry, the T3 correction included
    row = got.iloc[-1]
    assert row["Tháng"] == "09/2016"
    assert row["Ngày họp"] == dt.date(2016, 9, 12)
    assert row["Thời điểm nhập"] == dt.datetime(2016, 10, 3, 17, 45, 30)
    assert row["Cán bộ dự"] == "Có"
    assert row["Nội dung tuyên truyền"] == "Trữ nước ngọt; An toàn giao thông"
    assert row["Số hộ dự"] == 25
    assert row["Mã phiếu"] == "F-9"
    did_not_meet = got.iloc[1]
    assert did_not_meet["Ngày họp"] is None
    assert did_not_meet["Cán bộ dự"] == "Không"
    assert set(got["Tháng"]) == {"08/2016", "09/2016"}


def test_raw_assignments_keep_blank_end_dates_blank(ds):
    got = export_table(ds, "assignments")
    assert got.loc[0, "Từ ngày"] == dt.date(2016, 1, 1)
    assert got.loc[0, "Đến ngày"] is None
    assert got.loc[1, "Đến ngày"] == dt.date(2016, 9, 1)


def test_raw_topics_months_are_mm_yyyy(ds):
    got = export_table(ds, "topics")
    assert got.values.tolist() == [["Trữ nước ngọt", "01/2016", None]]


def test_derived_tables_write_month_as_mm_yyyy(ds):
    for table in DERIVED_HEADERS:
        got = export_table(ds, table, Scope(month=SEPT))
        assert set(got["Tháng"]) == {"09/2016"}, table


def test_derived_table_values(ds):
    coverage = export_table(ds, "coverage", Scope(month=SEPT))
    assert coverage.iloc[:2].values.tolist() == [
        ["09/2016", "A1", "Ấp Mỹ An", 3, 3, 3, 100.0],
        ["09/2016", "A2", "Ấp Bình Hòa", 2, 1, 1, 50.0],
    ]
    assert np.isnan(coverage.loc[2, "Tỷ lệ phủ (%)"])
    # With the extra T5 entry: A2 met 25/30 = 83.3 %.
    attendance = export_table(ds, "attendance", Scope(month=SEPT)).set_index("Mã ấp")
    assert attendance.loc["A2", ["Số tổ họp", "Số hộ", "Số hộ dự", "Tỷ lệ dự (%)"]].tolist() == [
        1,
        30,
        25,
        83.3,
    ]
    completeness = export_table(ds, "completeness", Scope(month=SEPT)).set_index("Mã cán bộ")
    assert completeness.loc["CB03"].tolist() == ["09/2016", "Lê Văn Cường", 2, 2, 2, 100.0]
    attention = export_table(ds, "attention", Scope(month=SEPT))
    assert attention["Mã tổ"].tolist() == ["T3", "T4"]


def test_derived_tables_default_to_the_latest_month_with_entries(ds):
    assert export_table(ds, "coverage").equals(export_table(ds, "coverage", Scope(month=SEPT)))


def test_raw_filters(ds):
    a2 = Scope(hamlet="A2")
    assert export_table(ds, "hamlets", a2)["Mã ấp"].tolist() == ["A2"]
    assert export_table(ds, "groups", a2)["Mã tổ"].tolist() == ["T4", "T5"]
    assert export_table(ds, "assignments", a2)["Mã tổ"].tolist() == ["T4", "T5"]
    assert export_table(ds, "meetings", a2)["Mã tổ"].tolist() == ["T4", "T5", "T5"]

    cb02 = Scope(cadre="CB02")
    assert export_table(ds, "cadres", cb02)["Mã cán bộ"].tolist() == ["CB02"]
    assert set(export_table(ds, "assignments", cb02)["Mã cán bộ"]) == {"CB02"}
    assert export_table(ds, "meetings", cb02)["Mã tổ"].tolist() == ["T4", "T2"]

    sept = Scope(month=SEPT)
    # Assigned in 09: all but CB02-T4 (ended 31/8) and CB02-T3 (from 1/10).
    assert len(export_table(ds, "assignments", sept)) == 5
    assert set(export_table(ds, "meetings", sept)["Tháng"]) == {"09/2016"}
    # CB02 follows T2 in 09 only (T4 until 31/8, T3 from 1/10).
    assert export_table(ds, "groups", Scope(month=SEPT, cadre="CB02"))["Mã tổ"].tolist() == ["T2"]


def test_derived_filters(ds):
    a2 = Scope(month=SEPT, hamlet="A2")
    assert export_table(ds, "coverage", a2)["Mã ấp"].tolist() == ["A2"]
    assert export_table(ds, "attention", a2)["Mã tổ"].tolist() == ["T4"]
    cb01 = Scope(month=SEPT, cadre="CB01")
    assert export_table(ds, "completeness", cb01)["Mã cán bộ"].tolist() == ["CB01"]
    assert export_table(ds, "coverage", cb01)[["Mã ấp", "Số tổ"]].values.tolist() == [["A1", 2]]


def test_unknown_table_is_refused(ds):
    with pytest.raises(KeyError):
        export_table(ds, "passwords")


def test_empty_sheet_exports_headers_only():
    empty = read_dataset({})
    for table, headers in {**RAW_HEADERS, **DERIVED_HEADERS}.items():
        got = export_table(empty, table)
        assert list(got.columns) == headers and got.empty, table


def test_date_headers_for_real_date_cells():
    assert date_headers("assignments") == (["Từ ngày", "Đến ngày"], [])
    assert date_headers("meetings") == (["Ngày họp"], ["Thời điểm nhập"])
    assert date_headers("coverage") == ([], [])


def test_raw_table_round_trips_through_the_reader(ds):
    """What we export, the reader reads back to the same data: the office can paste it back."""
    raw = {}
    for table, title in (("hamlets", "Ấp"), ("cadres", "Cán bộ"), ("groups", "Tổ"),
                         ("assignments", "Phân công"), ("meetings", "Sinh hoạt")):  # fmt: skip
        frame = raw_table(ds, table).astype(object)
        frame = frame.where(frame.notna(), None)
        raw[title] = [list(frame.columns)] + frame.values.tolist()
    again = read_dataset(raw)
    assert again.errors == []
    for key in ("month", "group_id", "cadre_id", "meeting_date", "households_present",
                "cadre_attended", "topics", "submitted_at"):  # fmt: skip
        assert again.meetings[key].tolist() == ds.meetings[key].tolist(), key
    assert again.assignments["end"].isna().tolist() == ds.assignments["end"].isna().tolist()

"""read_dataset on the sheets a commune office really keeps: messy layout, loose names, mistakes."""

import datetime as dt

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.sheets import (
    GROUP_HEADERS,
    HAMLET_HEADERS,
    assign,
    book,
    cadre,
    group,
    hamlet,
    meeting,
    small_book,
    tab,
)
from tothu_core.figures import figures
from tothu_core.sheet.dataset import ERROR, WARNING
from tothu_core.sheet.reader import read_dataset

SEPT = pd.Period("2016-09", freq="M")


def errors(ds):
    return [p for p in ds.problems if p.severity == ERROR]


def warnings(ds):
    return [p for p in ds.problems if p.severity == WARNING]


def where(problems):
    """(tab, row, column, value) of each problem: what a clerk needs to find the cell."""
    return [(p.tab, p.row, p.column, p.value) for p in problems]


# --- a clean sheet --------------------------------------------------------------------------


def test_clean_sheet_reads_without_problems():
    ds = read_dataset(small_book())
    assert ds.problems == []
    assert ds.groups[["group_id", "hamlet_id", "households", "row"]].to_dict("records") == [
        {"group_id": "T1", "hamlet_id": "A1", "households": 10, "row": 2},
        {"group_id": "T2", "hamlet_id": "A1", "households": 20, "row": 3},
    ]
    first = ds.meetings.iloc[0]
    assert first["month"] == SEPT
    assert first["meeting_date"] == pd.Timestamp("2016-09-10")
    assert first["households_present"] == 8
    assert bool(first["cadre_attended"]) is True
    assert first["submitted_at"] == pd.Timestamp("2016-09-12 08:00")


# --- layout: titles, blank rows, ordinal and unknown columns ---------------------------------


def test_title_and_blank_rows_above_header_are_skipped_and_rows_keep_sheet_numbers():
    raw = small_book()
    raw["Ấp"] = [
        ["DANH SÁCH ẤP", None, None],  # row 1
        ["Cập nhật ngày 01/09/2016"],  # row 2
        [],  # row 3
        ["", None, "  "],  # row 4
        ["STT", "Mã ấp", "Tên ấp", "Ghi chú"],  # row 5: the header
        [1, "A1", "Ấp Mỹ An", "gần chợ"],  # row 6
        [None, "", "   ", None],  # row 7: fully blank, skipped
        [2, "A2", "Ấp Bình Hòa"],  # row 8: shorter than the header
        [3, "A3", "Ấp Tân Lợi", "x", "cột thừa"],  # row 9: longer than the header
    ]
    ds = read_dataset(raw)
    assert ds.problems == []
    assert ds.hamlets[["hamlet_id", "hamlet_name", "row"]].to_dict("records") == [
        {"hamlet_id": "A1", "hamlet_name": "Ấp Mỹ An", "row": 6},
        {"hamlet_id": "A2", "hamlet_name": "Ấp Bình Hòa", "row": 8},
        {"hamlet_id": "A3", "hamlet_name": "Ấp Tân Lợi", "row": 9},
    ]
    assert ds.layouts["hamlets"].header_row == 5
    assert ds.layouts["hamlets"].columns == {"hamlet_id": 1, "hamlet_name": 2}


def test_problem_rows_count_title_rows():
    raw = small_book()
    raw["Tổ"] = tab(
        GROUP_HEADERS,
        [group("T1", "A1", 10), group("T2", "A1", "mười")],
        above=[["DANH SÁCH TỔ NHÂN DÂN TỰ QUẢN"], []],
    )
    ds = read_dataset(raw)
    # title (1), blank (2), header (3), T1 (4), T2 (5)
    assert ("Tổ", 5, "Số hộ", "mười") in where(errors(ds))


def test_cells_are_trimmed_and_inner_spaces_folded():
    raw = small_book(
        hamlets=[hamlet("  A1 ", "  Ấp    Mỹ   An  ")],
        cadres=[cadre(" CB01", "Nguyễn   Văn  An "), cadre("CB02 ", "Trần Thị Bình")],
    )
    ds = read_dataset(raw)
    assert ds.errors == []
    assert ds.hamlets.loc[0, "hamlet_id"] == "A1"
    assert ds.hamlets.loc[0, "hamlet_name"] == "Ấp Mỹ An"
    assert ds.cadres["cadre_id"].tolist() == ["CB01", "CB02"]
    assert ds.cadres.loc[0, "name"] == "Nguyễn Văn An"


# --- loose tab and header names ---------------------------------------------------------------

# Every tab alias of the spec, plus loose spellings (case, diacritics, spaces, "_", "."),
# all five tabs renamed at once.
TAB_SPELLINGS = [
    {"Ấp": "Ap", "Cán bộ": "Can bo", "Tổ": "To", "Phân công": "Phan cong",
     "Sinh hoạt": "Sinh hoat"},
    {"Ấp": "Danh sách ấp", "Cán bộ": "CBCC", "Tổ": "Tổ tự quản", "Phân công": "PC",
     "Sinh hoạt": "Nhật ký"},
    {"Ấp": "DANH SÁCH ẤP", "Cán bộ": "Danh sách cán bộ", "Tổ": "Tổ NDTQ",
     "Phân công": "PHÂN CÔNG", "Sinh hoạt": "Báo cáo tháng"},
    {"Ấp": " ấp ", "Cán bộ": "CanBo", "Tổ": "TỔ", "Phân công": "phan_cong",
     "Sinh hoạt": "SINH_HOAT"},
    {"Ấp": "Danh_sach_ap", "Cán bộ": "CAN_BO", "Tổ": "to_tu_quan", "Phân công": "PhanCong",
     "Sinh hoạt": "bao.cao.thang"},
    {"Ấp": "ẤP", "Cán bộ": "Cán.bộ", "Tổ": "To.NDTQ", "Phân công": "Phân  công",
     "Sinh hoạt": "sinh hoạt"},
]  # fmt: skip


@pytest.mark.parametrize("spelling", TAB_SPELLINGS, ids=lambda s: "|".join(s.values()))
def test_tab_names_match_loosely_and_by_alias(spelling):
    raw = {spelling[title]: rows for title, rows in small_book().items()}
    ds = read_dataset(raw)
    assert ds.problems == []
    assert len(ds.hamlets) == 1 and len(ds.cadres) == 2 and len(ds.groups) == 2
    assert len(ds.assignments) == 2 and len(ds.meetings) == 2


def test_the_exact_tab_name_wins_over_an_alias():
    raw = small_book()
    raw["Danh sách ấp"] = tab(HAMLET_HEADERS, [hamlet("A9", "Ấp cũ")])
    ds = read_dataset(raw)
    assert ds.hamlets["hamlet_id"].tolist() == ["A1"]


def test_topics_tab_is_optional_and_found_by_alias():
    assert read_dataset(small_book()).topics.empty
    raw = small_book()
    raw["Chu de"] = tab(["Chủ đề", "Từ tháng", "Đến tháng"], [["Trữ nước ngọt", "01/2016", ""]])
    ds = read_dataset(raw)
    assert ds.problems == []
    assert ds.topics["topic"].tolist() == ["Trữ nước ngọt"]
    assert ds.topics.loc[0, "from_month"] == pd.Period("2016-01", freq="M")


# One full row per tab, with every column of the spec, and what it must read as.
FULL = {
    "Ấp": (
        ["Mã ấp", "Tên ấp", "Bí thư chi bộ", "Xã cũ"],
        ["A1", "Ấp Mỹ An", "Lê Văn Tám", "Xã Mỹ Thạnh"],
    ),
    "Cán bộ": (
        ["Mã cán bộ", "Họ và tên", "Chức vụ", "Loại", "Điện thoại", "Email", "Vai trò"],
        ["CB01", "Nguyễn Văn An", "Phó Chủ tịch UBND xã", "Công chức", "0912345678",
         "an@example.com", "Lãnh đạo"],
    ),
    "Tổ": (
        ["Mã tổ", "Tên tổ", "Mã ấp", "Tổ trưởng", "Số hộ", "Xếp loại", "Vĩ độ", "Kinh độ"],
        ["T1", "Tổ 5", "A1", "Phạm Văn Ba", 40, "Khá", 10.25, 106.5],
    ),
    "Phân công": (
        ["Mã cán bộ", "Mã tổ", "Từ ngày", "Đến ngày", "Căn cứ"],
        ["CB01", "T1", "21/7/2016", "31/12/2017", "KH 33-KH/ĐU ngày 21/7/2016"],
    ),
    "Sinh hoạt": (
        ["Tháng", "Mã tổ", "Mã cán bộ", "Ngày họp", "Số hộ dự", "Cán bộ dự",
         "Nội dung tuyên truyền", "Tình hình", "Kiến nghị", "Thời điểm nhập", "Mã phiếu"],
        ["09/2016", "T1", "CB01", "10/9/2016", 30, "Có", "Trữ nước ngọt; An toàn giao thông",
         "Ổn định", "Sửa đường", "12/9/2016 08:30", "F-001"],
    ),
}  # fmt: skip
FRAME_OF = {
    "Ấp": "hamlets",
    "Cán bộ": "cadres",
    "Tổ": "groups",
    "Phân công": "assignments",
    "Sinh hoạt": "meetings",
}
EXPECTED = {
    ("Ấp", "Mã ấp"): ("hamlet_id", "A1"),
    ("Ấp", "Tên ấp"): ("hamlet_name", "Ấp Mỹ An"),
    ("Ấp", "Bí thư chi bộ"): ("secretary", "Lê Văn Tám"),
    ("Ấp", "Xã cũ"): ("former_commune", "Xã Mỹ Thạnh"),
    ("Cán bộ", "Mã cán bộ"): ("cadre_id", "CB01"),
    ("Cán bộ", "Họ và tên"): ("name", "Nguyễn Văn An"),
    ("Cán bộ", "Chức vụ"): ("position", "Phó Chủ tịch UBND xã"),
    ("Cán bộ", "Loại"): ("kind", "Công chức"),
    ("Cán bộ", "Điện thoại"): ("phone", "0912345678"),
    ("Cán bộ", "Email"): ("email", "an@example.com"),
    ("Cán bộ", "Vai trò"): ("role", "Lãnh đạo"),
    ("Tổ", "Mã tổ"): ("group_id", "T1"),
    ("Tổ", "Tên tổ"): ("group_name", "Tổ 5"),
    ("Tổ", "Mã ấp"): ("hamlet_id", "A1"),
    ("Tổ", "Tổ trưởng"): ("leader", "Phạm Văn Ba"),
    ("Tổ", "Số hộ"): ("households", 40),
    ("Tổ", "Xếp loại"): ("rating", "Khá"),
    ("Tổ", "Vĩ độ"): ("lat", 10.25),
    ("Tổ", "Kinh độ"): ("lon", 106.5),
    ("Phân công", "Mã cán bộ"): ("cadre_id", "CB01"),
    ("Phân công", "Mã tổ"): ("group_id", "T1"),
    ("Phân công", "Từ ngày"): ("start", pd.Timestamp("2016-07-21")),
    ("Phân công", "Đến ngày"): ("end", pd.Timestamp("2017-12-31")),
    ("Phân công", "Căn cứ"): ("basis", "KH 33-KH/ĐU ngày 21/7/2016"),
    ("Sinh hoạt", "Tháng"): ("month", SEPT),
    ("Sinh hoạt", "Mã tổ"): ("group_id", "T1"),
    ("Sinh hoạt", "Mã cán bộ"): ("cadre_id", "CB01"),
    ("Sinh hoạt", "Ngày họp"): ("meeting_date", pd.Timestamp("2016-09-10")),
    ("Sinh hoạt", "Số hộ dự"): ("households_present", 30),
    ("Sinh hoạt", "Cán bộ dự"): ("cadre_attended", True),
    ("Sinh hoạt", "Nội dung tuyên truyền"): ("topics", ("Trữ nước ngọt", "An toàn giao thông")),
    ("Sinh hoạt", "Tình hình"): ("situation", "Ổn định"),
    ("Sinh hoạt", "Kiến nghị"): ("proposals", "Sửa đường"),
    ("Sinh hoạt", "Thời điểm nhập"): ("submitted_at", pd.Timestamp("2016-09-12 08:30")),
    ("Sinh hoạt", "Mã phiếu"): ("submission_id", "F-001"),
}
# Every header alias of the spec, written out here (not taken from the code under test).
ALIASES = {
    ("Ấp", "Mã ấp"): ["Ma ap", "Mã"],
    ("Ấp", "Tên ấp"): ["Ấp", "Tên"],
    ("Ấp", "Bí thư chi bộ"): ["Bí thư"],
    ("Ấp", "Xã cũ"): ["Xã (cũ)", "Xã trước sáp nhập"],
    ("Cán bộ", "Mã cán bộ"): ["Mã CB", "Ma can bo"],
    ("Cán bộ", "Họ và tên"): ["Họ tên", "Tên cán bộ"],
    ("Cán bộ", "Chức vụ"): ["Chức danh"],
    ("Cán bộ", "Loại"): ["Đối tượng"],
    ("Cán bộ", "Điện thoại"): ["SĐT", "Số điện thoại"],
    ("Cán bộ", "Email"): ["Gmail"],
    ("Cán bộ", "Vai trò"): ["Quyền"],
    ("Tổ", "Mã tổ"): ["Ma to", "Mã"],
    ("Tổ", "Tên tổ"): ["Tổ", "Tên"],
    ("Tổ", "Mã ấp"): ["Ấp"],
    ("Tổ", "Số hộ"): ["Số hộ dân", "Hộ"],
    ("Tổ", "Xếp loại"): ["Phân loại"],
    ("Tổ", "Vĩ độ"): ["Lat"],
    ("Tổ", "Kinh độ"): ["Lon"],
    ("Phân công", "Mã cán bộ"): ["Mã CB"],
    ("Phân công", "Từ ngày"): ["Ngày bắt đầu"],
    ("Phân công", "Đến ngày"): ["Ngày kết thúc"],
    ("Phân công", "Căn cứ"): ["Văn bản"],
    ("Sinh hoạt", "Tháng"): ["Kỳ báo cáo"],
    ("Sinh hoạt", "Mã cán bộ"): ["Người báo cáo"],
    ("Sinh hoạt", "Ngày họp"): ["Ngày sinh hoạt"],
    ("Sinh hoạt", "Số hộ dự"): ["Hộ dự"],
    ("Sinh hoạt", "Cán bộ dự"): ["Có dự"],
    ("Sinh hoạt", "Nội dung tuyên truyền"): ["Chủ đề"],
    ("Sinh hoạt", "Tình hình"): ["Nắm tình hình"],
    ("Sinh hoạt", "Kiến nghị"): ["Đề xuất"],
    ("Sinh hoạt", "Thời điểm nhập"): ["Ngày nhập"],
}


def full_book() -> dict:
    return {title: tab(headers, [row]) for title, (headers, row) in FULL.items()}


def assert_reads_full_row(raw):
    ds = read_dataset(raw)
    assert ds.problems == []
    for (title, header), (key, value) in EXPECTED.items():
        frame = getattr(ds, FRAME_OF[title])
        assert frame.iloc[0][key] == value, (title, header, raw[title][0])


def test_full_sheet_reads_every_column_of_the_spec():
    assert_reads_full_row(full_book())


@pytest.mark.parametrize("which", [0, 1], ids=["first aliases", "second aliases"])
def test_every_header_alias_of_the_spec(which):
    """Every header written as one of its aliases: the first, or the second where there is one."""
    raw = full_book()
    for (title, header), aliases in ALIASES.items():
        headers = raw[title][0]
        headers[headers.index(header)] = aliases[min(which, len(aliases) - 1)]
    assert_reads_full_row(raw)


def test_the_former_commune_of_each_hamlet_is_read_and_blank_is_nothing():
    """A merged commune names each hamlet's former commune; the others leave it blank."""
    raw = small_book()
    raw["Ấp"] = [
        ["Mã ấp", "Tên ấp", "Xã trước sáp nhập"],
        ["A1", "Ấp Mỹ An", "  Xã  Mỹ Thạnh "],
        ["A2", "Ấp Bình Hòa", ""],
        ["A3", "Ấp Tân Lợi", None],
        ["A4", "Ấp Phú Lợi", "Xã Mỹ Thạnh"],
    ]
    ds = read_dataset(raw)
    assert ds.problems == []
    former = ds.hamlets.set_index("hamlet_id")["former_commune"]
    assert former["A1"] == former["A4"] == "Xã Mỹ Thạnh"
    assert former[["A2", "A3"]].isna().all()
    assert former.dtype == "str"


def test_without_a_former_commune_column_the_column_is_there_and_empty():
    ds = read_dataset(small_book())
    assert ds.problems == []
    assert "former_commune" in ds.hamlets
    assert len(ds.hamlets) and ds.hamlets["former_commune"].isna().all()
    assert ds.hamlets["former_commune"].dtype == "str"


LOOSE_HEADERS = {
    ("Ấp", "Tên ấp"): "TEN_AP",
    ("Cán bộ", "Mã cán bộ"): "  MÃ   CÁN  BỘ ",
    ("Cán bộ", "Họ và tên"): "ho.va.ten",
    ("Tổ", "Mã tổ"): "MaTo",
    ("Tổ", "Số hộ"): "SO HO",
    ("Phân công", "Từ ngày"): "tu.ngay",
    ("Phân công", "Đến ngày"): "DEN_NGAY",
    ("Sinh hoạt", "Số hộ dự"): "so_ho_du",
    ("Sinh hoạt", "Thời điểm nhập"): "THỜI ĐIỂM NHẬP",
    ("Sinh hoạt", "Cán bộ dự"): "Cán Bộ Dự",
}


def test_header_names_match_loosely():
    raw = full_book()
    for (title, header), loose in LOOSE_HEADERS.items():
        headers = raw[title][0]
        headers[headers.index(header)] = loose
    assert_reads_full_row(raw)


def test_a_column_headed_as_the_spec_wins_over_an_alias_column():
    raw = small_book()
    raw["Sinh hoạt"] = tab(
        ["Tháng", "Mã tổ", "Người báo cáo", "Mã cán bộ", "Ngày họp", "Số hộ dự"],
        [["09/2016", "T1", "Nguyễn Văn An", "CB01", "10/9/2016", 8]],
    )
    ds = read_dataset(raw)
    assert ds.problems == []
    assert ds.meetings["cadre_id"].tolist() == ["CB01"]


def test_ordinal_and_unknown_columns_are_ignored():
    raw = small_book()
    raw["Tổ"] = tab(
        ["STT", "Ghi chú", *GROUP_HEADERS, "Người cập nhật"],
        [[1, "mới lập", *group("T1", "A1", 10), "Hà"], [2, "", *group("T2", "A1", 20), ""]],
    )
    ds = read_dataset(raw)
    assert ds.problems == []
    assert ds.groups["households"].tolist() == [10, 20]
    assert "STT" not in ds.groups.columns


# --- missing tabs and headers --------------------------------------------------------------------


def test_missing_tab_is_named_with_the_tabs_found():
    raw = small_book()
    del raw["Phân công"]
    ds = read_dataset(raw)
    [problem] = errors(ds)
    assert problem.tab == "Phân công" and problem.row is None
    assert "«Phân công»" in problem.message
    for found in ("«Ấp»", "«Cán bộ»", "«Tổ»", "«Sinh hoạt»"):
        assert found in problem.message
    assert ds.assignments.empty


def test_missing_required_header_is_named_with_the_headers_found():
    raw = small_book()
    raw["Tổ"] = [["DANH SÁCH TỔ"], ["Mã tổ", "Tên tổ", "Hộ", "Ghi chú"], ["T1", "Tổ 1", 10, ""]]
    ds = read_dataset(raw)
    [tab_error] = [p for p in errors(ds) if p.tab == "Tổ"]
    assert tab_error.row == 2
    assert "Mã ấp" in tab_error.message
    assert "Mã tổ, Tên tổ, Hộ, Ghi chú" in tab_error.message
    assert ds.groups.empty
    # Without groups, every assignment and entry points nowhere.
    assert ds.assignments.empty and ds.meetings.empty


def test_empty_tab_is_an_error_naming_the_required_headers():
    raw = small_book()
    raw["Sinh hoạt"] = [["BÁO CÁO THÁNG"], []]
    ds = read_dataset(raw)
    [problem] = errors(ds)
    assert problem.tab == "Sinh hoạt"
    for header in ("Tháng", "Mã tổ", "Mã cán bộ"):
        assert header in problem.message


# --- bad values -------------------------------------------------------------------------------


def test_bad_values_are_errors_located_to_the_cell_and_their_rows_left_out():
    raw = small_book(
        assignments=[
            assign("CB01", "T1", "1/1/2016"),
            assign("CB02", "T2", "31/02/2016"),  # row 3: impossible date
        ],
        meetings=[
            meeting("09/2016", "T1", "CB01", "10/9/2016", 8, "x"),
            meeting("13/2016", "T1", "CB01", "10/9/2016", 8, "x"),  # row 3: bad month
            meeting("09/2016", "T2", "CB02", "11/9/2016", "4a"),  # row 4: bad number
            meeting("09/2016", "T2", "CB02", "11/9/2016", 45.5),  # row 5: not whole
            meeting("09/2016", "T2", "CB02", "11/9/2016", -1),  # row 6: negative
            meeting("09/2016", "T2", "CB02", "hôm qua", 5),  # row 7: bad date
            meeting("09/2016", "T2", "CB02", "11/9/2016", 5, "chắc có"),  # row 8: bad yes/no
            meeting("09/2016", "T2", "CB02", "11/9/2016", 5, at="12/9/2016 26:00"),  # row 9
        ],
    )
    ds = read_dataset(raw)
    assert sorted(where(errors(ds)), key=lambda w: (w[0], w[1])) == [
        ("Phân công", 3, "Từ ngày", "31/02/2016"),
        ("Sinh hoạt", 3, "Tháng", "13/2016"),
        ("Sinh hoạt", 4, "Số hộ dự", "4a"),
        ("Sinh hoạt", 5, "Số hộ dự", "45.5"),
        ("Sinh hoạt", 6, "Số hộ dự", "-1"),
        ("Sinh hoạt", 7, "Ngày họp", "hôm qua"),
        ("Sinh hoạt", 8, "Cán bộ dự", "chắc có"),
        ("Sinh hoạt", 9, "Thời điểm nhập", "12/9/2016 26:00"),
    ]
    assert ds.assignments["row"].tolist() == [2]
    assert ds.meetings["row"].tolist() == [2]
    assert all(p.message for p in ds.problems)


def test_missing_required_values_are_errors():
    raw = small_book(
        cadres=[cadre("CB01", "Nguyễn Văn An"), cadre("CB02", "")],
        meetings=[
            meeting("", "T1", "CB01", "10/9/2016", 8),  # row 2: no month
            meeting("09/2016", "T1", None, "10/9/2016", 8),  # row 3: no cadre
            meeting("09/2016", "T1", "CB01", "10/9/2016", ""),  # row 4: met, no count
        ],
    )
    ds = read_dataset(raw)
    got = where(errors(ds))
    assert ("Cán bộ", 3, "Họ và tên", None) in got
    assert ("Sinh hoạt", 2, "Tháng", None) in got
    assert ("Sinh hoạt", 3, "Mã cán bộ", None) in got
    assert ("Sinh hoạt", 4, "Số hộ dự", None) in got
    assert ds.meetings.empty
    assert ds.cadres["cadre_id"].tolist() == ["CB01"]


def test_households_must_be_positive():
    raw = small_book(groups=[group("T1", "A1", 10), group("T2", "A1", 0)])
    ds = read_dataset(raw)
    assert ("Tổ", 3, "Số hộ", "0") in where(errors(ds))
    assert ds.groups["group_id"].tolist() == ["T1"]


# --- ids ----------------------------------------------------------------------------------------


def test_duplicate_ids_the_later_row_is_the_error_and_the_first_counts():
    raw = small_book(
        hamlets=[hamlet("A1", "Ấp Mỹ An"), hamlet("A1", "Ấp Trùng")],
        cadres=[cadre("CB01", "Nguyễn Văn An"), cadre("CB02", "Trần Thị Bình"),
                cadre("CB01", "Lê Văn Khác")],
        groups=[group("T1", "A1", 10), group("T2", "A1", 20), group("T2", "A1", 99)],
    )  # fmt: skip
    ds = read_dataset(raw)
    assert where(errors(ds)) == [
        ("Ấp", 3, "Mã ấp", "A1"),
        ("Cán bộ", 4, "Mã cán bộ", "CB01"),
        ("Tổ", 4, "Mã tổ", "T2"),
    ]
    assert "dòng 2" in errors(ds)[0].message
    assert ds.hamlets["hamlet_name"].tolist() == ["Ấp Mỹ An"]
    assert ds.cadres["name"].tolist() == ["Nguyễn Văn An", "Trần Thị Bình"]
    assert ds.groups["households"].tolist() == [10, 20]


def test_a_duplicate_of_a_row_in_error_does_not_take_its_place():
    raw = small_book(groups=[group("T1", "A1", 10), group("T2", "A1", "4a"), group("T2", "A1", 20)])
    ds = read_dataset(raw)
    assert sorted(where(errors(ds))) == [
        ("Phân công", 3, "Mã tổ", "T2"),  # CB02 follows a group that is not there
        ("Sinh hoạt", 3, "Mã tổ", "T2"),
        ("Tổ", 3, "Số hộ", "4a"),
        ("Tổ", 4, "Mã tổ", "T2"),
    ]
    assert ds.groups["group_id"].tolist() == ["T1"]


def test_rows_without_an_id_are_not_duplicates_of_each_other():
    raw = small_book(hamlets=[hamlet("A1"), hamlet(None, "Ấp X"), hamlet("", "Ấp Y")])
    ds = read_dataset(raw)
    assert where(errors(ds)) == [("Ấp", 3, "Mã ấp", None), ("Ấp", 4, "Mã ấp", None)]


def test_problems_name_the_column_as_the_sheet_writes_it():
    raw = small_book()
    raw["Tổ"] = tab(["Mã", "Tên", "Ấp", "Hộ"], [["T1", "Tổ 1", "A1", 10], ["T1", "Tổ 1b", "A9", 5],
                                              ["T2", "Tổ 2", "A9", 5]])  # fmt: skip
    ds = read_dataset(raw)
    got = where(errors(ds))
    assert ("Tổ", 3, "Mã", "T1") in got
    assert ("Tổ", 4, "Ấp", "A9") in got


def test_ids_that_point_nowhere_are_errors():
    raw = small_book(
        groups=[group("T1", "A1", 10), group("T2", "A1", 20), group("T3", "A9", 5)],
        assignments=[
            assign("CB01", "T1", "1/1/2016"),
            assign("CB02", "T2", "1/1/2016"),
            assign("CB09", "T1", "1/1/2016"),  # row 4: unknown cadre
            assign("CB01", "T9", "1/1/2016"),  # row 5: unknown group
            assign("CB01", "T3", "1/1/2016"),  # row 6: group in error
        ],
        meetings=[
            meeting("09/2016", "T1", "CB01", "10/9/2016", 8),
            meeting("09/2016", "T9", "CB01", "10/9/2016", 8),  # row 3
            meeting("09/2016", "T1", "CB99", "10/9/2016", 8),  # row 4
        ],
    )
    ds = read_dataset(raw)
    assert where(errors(ds)) == [
        ("Tổ", 4, "Mã ấp", "A9"),
        ("Phân công", 5, "Mã tổ", "T9"),
        ("Phân công", 6, "Mã tổ", "T3"),
        ("Phân công", 4, "Mã cán bộ", "CB09"),
        ("Sinh hoạt", 3, "Mã tổ", "T9"),
        ("Sinh hoạt", 4, "Mã cán bộ", "CB99"),
    ]
    assert ds.groups["group_id"].tolist() == ["T1", "T2"]
    assert ds.assignments["row"].tolist() == [2, 3]
    assert ds.meetings["row"].tolist() == [2]


@pytest.mark.parametrize("written", ["Ấp Mỹ An", "Mỹ An", "ấp mỹ an", "AP MY AN", "A1"])
def test_a_hamlet_name_is_accepted_in_the_group_tab(written):
    ds = read_dataset(small_book(groups=[group("T1", written, 10), group("T2", "A1", 20)]))
    assert ds.errors == []
    assert ds.groups["hamlet_id"].tolist() == ["A1", "A1"]


# --- rules between cells -------------------------------------------------------------------


def test_households_present_above_the_group_is_an_error_equal_is_fine():
    raw = small_book(
        meetings=[
            meeting("09/2016", "T1", "CB01", "10/9/2016", 10),  # T1 has exactly 10 households
            meeting("09/2016", "T2", "CB02", "11/9/2016", 21),  # T2 has 20
        ]
    )
    ds = read_dataset(raw)
    assert where(errors(ds)) == [("Sinh hoạt", 3, "Số hộ dự", "21")]
    assert ds.meetings["row"].tolist() == [2]


def test_end_before_start_is_an_error_same_day_is_fine():
    raw = small_book(
        assignments=[
            assign("CB01", "T1", "1/1/2016", "1/1/2016"),
            assign("CB02", "T2", "1/1/2016", "31/12/2015"),
        ]
    )
    ds = read_dataset(raw)
    assert [w for w in where(errors(ds))] == [("Phân công", 3, "Đến ngày", "31/12/2015")]
    assert ds.assignments["row"].tolist() == [2]


def test_meeting_date_outside_its_month_is_an_error():
    raw = small_book(
        meetings=[
            meeting("09/2016", "T1", "CB01", "30/9/2016", 8),
            meeting("09/2016", "T2", "CB02", "1/10/2016", 8),
            meeting("Tháng 10/2016", "T2", "CB02", "31/8/2016", 8),
        ]
    )
    ds = read_dataset(raw)
    assert where(errors(ds)) == [
        ("Sinh hoạt", 3, "Ngày họp", "01/10/2016"),
        ("Sinh hoạt", 4, "Ngày họp", "31/08/2016"),
    ]
    assert ds.meetings["row"].tolist() == [2]


def test_error_rows_are_left_out_of_every_figure():
    # T1 (10 households) met; T2's only entry has 21 present out of 20: an error row;
    # T3 has a bad household count: not a group at all.
    raw = small_book(
        groups=[group("T1", "A1", 10), group("T2", "A1", 20), group("T3", "A1", "nhiều")],
        assignments=[
            assign("CB01", "T1", "1/1/2016"),
            assign("CB02", "T2", "1/1/2016"),
            assign("CB02", "T1", "1/13/2016"),  # bad date: CB02 does not follow T1
        ],
        meetings=[
            meeting("09/2016", "T1", "CB01", "10/9/2016", 5, "x", at="1/10/2016 08:00"),
            meeting("09/2016", "T2", "CB02", "11/9/2016", 21, "x", at="1/10/2016 08:00"),
        ],
    )
    ds = read_dataset(raw)
    row = figures.overview(ds, SEPT).iloc[0]
    assert row["groups"] == 2  # T1, T2 (T3 left out)
    assert row["groups_met"] == 1  # T2's entry is left out
    assert row["households"] == 10 and row["households_present"] == 5
    assert row["attendance_pct"] == 50.0
    assert row["expected"] == 2  # CB01-T1, CB02-T2 (the bad assignment is left out)
    assert row["received"] == 1
    assert figures.cadre_load(ds, SEPT).set_index("cadre_id")["groups"].to_dict() == {
        "CB01": 1,
        "CB02": 1,
    }


# --- warnings keep the row -----------------------------------------------------------------


def test_group_without_cadre_in_a_month_is_a_warning():
    raw = small_book(
        assignments=[
            assign("CB01", "T1", "1/1/2016"),
            assign("CB02", "T2", "1/1/2016", "31/8/2016"),  # T2 has nobody from 09/2016
        ],
        meetings=[
            meeting("09/2016", "T1", "CB01", "10/9/2016", 8),
            meeting("10/2016", "T1", "CB01", "10/10/2016", 8),
        ],
    )
    ds = read_dataset(raw)
    assert ds.errors == []
    [warning] = warnings(ds)
    assert (warning.tab, warning.row, warning.value) == ("Tổ", 3, "T2")
    assert "09/2016" in warning.message and "10/2016" in warning.message
    assert ds.groups["group_id"].tolist() == ["T1", "T2"]


def _commune_with_one_busy_cadre(group_count):
    groups = [group(f"T{i}", "A1", 10) for i in range(1, group_count + 1)]
    return small_book(
        groups=groups,
        assignments=[assign("CB01", f"T{i}", "1/1/2016") for i in range(1, group_count + 1)],
        meetings=[meeting("09/2016", "T1", "CB01", "10/9/2016", 8)],
    )


def test_cadre_with_more_than_five_groups_is_a_warning():
    assert read_dataset(_commune_with_one_busy_cadre(5)).problems == []
    ds = read_dataset(_commune_with_one_busy_cadre(6))
    assert ds.errors == []
    [warning] = warnings(ds)
    assert (warning.tab, warning.row, warning.value) == ("Cán bộ", 2, "CB01")
    assert "6" in warning.message
    assert len(ds.assignments) == 6


def test_entry_from_an_unassigned_cadre_is_a_warning_and_counts_as_history():
    raw = small_book(
        meetings=[
            meeting("09/2016", "T1", "CB01", "10/9/2016", 8),
            meeting("09/2016", "T1", "CB02", "10/9/2016", 9),  # CB02 follows T2, not T1
            meeting("09/2016", "T2", "CB02", "10/9/2016", 9),
        ]
    )
    ds = read_dataset(raw)
    assert where(ds.problems) == [("Sinh hoạt", 3, "Mã cán bộ", "CB02")]
    assert warnings(ds) == ds.problems
    assert ds.meetings["row"].tolist() == [2, 3, 4]


@pytest.mark.parametrize("text", ["=SUM(A1)", "+84 abc", "-gạch đầu dòng", "@mention"])
def test_formula_like_text_is_a_warning_and_kept_as_text(text):
    raw = small_book(cadres=[cadre("CB01", text), cadre("CB02", "Trần Thị Bình")])
    ds = read_dataset(raw)
    assert where(ds.problems) == [("Cán bộ", 2, "Họ và tên", text)]
    assert ds.problems[0].severity == WARNING
    assert ds.cadres.loc[0, "name"] == text


def test_phone_numbers_starting_with_plus_are_not_formulas():
    raw = small_book()
    raw["Cán bộ"] = tab(
        ["Mã cán bộ", "Họ và tên", "Điện thoại"],
        [["CB01", "An", "+84 912 345 678"], ["CB02", "Bình", "0912.345.678"]],
    )
    assert read_dataset(raw).problems == []


def test_formula_like_warning_in_a_list_column():
    raw = small_book()
    raw["Sinh hoạt"] = tab(
        ["Tháng", "Mã tổ", "Mã cán bộ", "Chủ đề"],
        [["09/2016", "T1", "CB01", '=HYPERLINK("x")'], ["09/2016", "T2", "CB02", "Ổn"]],
    )
    ds = read_dataset(raw)
    assert where(ds.problems) == [("Sinh hoạt", 2, "Chủ đề", '=HYPERLINK("x")')]
    assert len(ds.meetings) == 2


# --- corrections ----------------------------------------------------------------------------


def test_latest_submission_counts_and_history_stays():
    raw = small_book(
        meetings=[
            meeting("09/2016", "T1", "CB01", "10/9/2016", 8, "x", at="12/9/2016 08:00"),
            meeting("09/2016", "T2", "CB02", "11/9/2016", 15, "x", at="12/9/2016 09:00"),
            # A correction of T1 typed above an older one: time decides, not position.
            meeting("09/2016", "T1", "CB01", "10/9/2016", 9, "x", at="20/9/2016 10:00:00"),
            meeting("09/2016", "T1", "CB01", "10/9/2016", 7, "x", at="15/9/2016 10:00"),
        ]
    )
    ds = read_dataset(raw)
    assert ds.problems == []
    assert ds.meetings["row"].tolist() == [2, 3, 4, 5]
    latest = ds.latest_meetings
    assert latest["row"].tolist() == [3, 4]
    assert latest.set_index("group_id")["households_present"].to_dict() == {"T1": 9, "T2": 15}


def test_without_submission_times_the_lower_row_wins():
    raw = small_book(
        meetings=[
            meeting("09/2016", "T1", "CB01", "10/9/2016", 8),
            meeting("09/2016", "T1", "CB01", "10/9/2016", 6),
            meeting("09/2016", "T1", "CB01", "10/9/2016", 4, at="1/9/2016 07:00"),
        ]
    )
    # A timed entry outranks untimed ones; among the untimed, the lower row.
    assert read_dataset(raw).latest_meetings["row"].tolist() == [4]
    raw["Sinh hoạt"].pop()
    assert read_dataset(raw).latest_meetings["row"].tolist() == [3]


def test_months_and_latest_month_follow_the_entries():
    raw = small_book(
        meetings=[
            meeting("07/2016", "T1", "CB01", "10/7/2016", 8),
            meeting("09/2016", "T1", "CB01", "10/9/2016", 8),
        ]
    )
    ds = read_dataset(raw)
    assert list(ds.months()) == [pd.Period(m, freq="M") for m in ("2016-07", "2016-08", "2016-09")]
    assert ds.latest_month() == SEPT


# --- the read never raises ---------------------------------------------------------------------

cells = st.one_of(
    st.none(),
    st.text(max_size=12),
    st.sampled_from(["", " ", "x", "Có", "09/2016", "31/02/2016", "=1+1", "A1", "T1", "CB01",
                     "1/1/2016", "Ấp Mỹ An", "Mã tổ", "Tháng", "Số hộ", "\n", "nan"]),
    st.integers(min_value=-10**6, max_value=10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(),
    st.datetimes(),
)  # fmt: skip
rows = st.lists(st.lists(cells, max_size=8), max_size=6)


@settings(
    max_examples=25, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    garbage=st.dictionaries(
        st.sampled_from(["Ấp", "Cán bộ", "Tổ", "Phân công", "Sinh hoạt", "Chủ đề"]), rows
    ),
    extra_rows=rows,
)
def test_read_never_raises_on_garbage(garbage, extra_rows):
    raw = small_book()
    for title, junk in garbage.items():
        raw[title] = junk
    raw["Sinh hoạt"] = raw.get("Sinh hoạt", []) + extra_rows
    raw["Tổ"] = raw.get("Tổ", []) + extra_rows
    ds = read_dataset(raw)
    for p in ds.problems:
        assert p.severity in (ERROR, WARNING)
        assert p.message
        if p.row is not None:
            assert 1 <= p.row <= len(raw[p.tab])
    for frame in (ds.hamlets, ds.cadres, ds.groups, ds.assignments, ds.meetings):
        assert frame["row"].is_unique
    month = ds.latest_month()
    if month is not None:
        figures.overview(ds, month)
        figures.needs_attention(ds, month)


@settings(max_examples=12, deadline=None, database=None)
@given(body=st.lists(st.lists(cells, min_size=7, max_size=7), max_size=8))
def test_garbage_entries_under_a_good_header_never_raise(body):
    raw = small_book()
    raw["Sinh hoạt"] = raw["Sinh hoạt"] + body
    ds = read_dataset(raw)
    assert set(ds.meetings["row"]) <= set(range(2, len(raw["Sinh hoạt"]) + 1))
    month = ds.latest_month()
    figures.completeness(ds, month)
    figures.attendance(ds, month)


def test_real_date_cells_from_a_workbook():
    raw = small_book(
        assignments=[
            assign("CB01", "T1", dt.datetime(2016, 1, 1)),
            assign("CB02", "T2", dt.date(2016, 1, 1), None),
        ],
        meetings=[
            meeting(dt.datetime(2016, 9, 1), "T1", "CB01", dt.datetime(2016, 9, 10), 8.0, True,
                    at=dt.datetime(2016, 9, 12, 8, 0, 5)),
            meeting(42614, "T2", "CB02", 42624, 15, 1, at=42625.5),  # Google Sheets serials
        ],
    )  # fmt: skip
    ds = read_dataset(raw)
    assert ds.problems == []
    m = ds.meetings
    assert m["month"].tolist() == [SEPT, SEPT]
    assert m["meeting_date"].tolist() == [pd.Timestamp("2016-09-10"), pd.Timestamp("2016-09-11")]
    assert m["submitted_at"].tolist() == [
        pd.Timestamp("2016-09-12 08:00:05"),
        pd.Timestamp("2016-09-12 12:00"),
    ]


def test_missing_tab_problem_and_header_row_use_1_based_rows():
    raw = book(
        hamlets=[hamlet("A1")],
        cadres=[cadre("CB01")],
        groups=[group("T1", "A1", 10)],
        assignments=[assign("CB01", "T1", "1/1/2016")],
        meetings=[],
    )
    raw["Ấp"] = tab(HAMLET_HEADERS, [hamlet("A1")], above=[["x"], ["y"]])
    ds = read_dataset(raw)
    assert ds.layouts["hamlets"].header_row == 3
    assert ds.hamlets["row"].tolist() == [4]


# --- check boxes, formula errors, tabs that fold together, locale ----------------------------


def test_rows_holding_only_unticked_check_boxes_are_blank_rows():
    """Sheets stores FALSE in every row of a column given check boxes, data or not."""
    raw = small_book()
    header = [*raw["Sinh hoạt"][0], "Đã xem"]
    data = [[*row, True] for row in raw["Sinh hoạt"][1:]]
    # 1,500 rows below the data where only the check-box columns hold FALSE (real booleans,
    # as Sheets and calamine give them) or "FALSE" (as a CSV export of the sheet writes them).
    boxes = [[None, None, None, None, None, False, None, False] for _ in range(1000)]
    boxes += [["", "", "", "", "", "FALSE", "", " false "] for _ in range(500)]
    raw["Sinh hoạt"] = [header, *data, *boxes]
    ds = read_dataset(raw)
    assert ds.problems == []
    assert len(ds.meetings) == len(data)


def test_a_row_with_a_ticked_box_only_is_not_blank():
    raw = small_book()
    raw["Sinh hoạt"] = [*raw["Sinh hoạt"], [None, None, None, None, None, True, None]]
    ds = read_dataset(raw)
    assert {(p.severity, p.tab, p.row) for p in ds.problems} == {(ERROR, "Sinh hoạt", 4)}


@pytest.mark.parametrize("error_value", ["#REF!", "#N/A", "#VALUE!", "#DIV/0!", "#ERROR!"])
def test_a_formula_error_value_is_an_error_naming_the_cell(error_value):
    raw = small_book()
    raw["Tổ"][2][3] = error_value  # T2's Số hộ, sheet row 3, column D
    ds = read_dataset(raw)
    # The group's row is left out, so what refers to T2 is in error too (as for any bad row).
    own = [p for p in errors(ds) if p.tab == "Tổ"]
    assert where(own) == [("Tổ", 3, "Số hộ", error_value)]
    assert "D3" in own[0].message and error_value in own[0].message
    assert list(ds.groups["group_id"]) == ["T1"]


def test_a_formula_error_in_an_optional_column_still_leaves_the_row_out():
    raw = small_book()
    raw["Sinh hoạt"][1][5] = "#NAME?"  # Cán bộ dự of the first entry
    ds = read_dataset(raw)
    assert where(errors(ds)) == [("Sinh hoạt", 2, "Cán bộ dự", "#NAME?")]
    assert 2 not in set(ds.meetings["row"])


def test_text_that_merely_starts_with_a_hash_is_not_an_error():
    raw = small_book()
    raw["Tổ"][1][1] = "#1 Tổ Mỹ An"
    assert errors(read_dataset(raw)) == []


def test_two_tabs_folding_to_one_name_warn_and_the_contract_spelling_is_read():
    from tothu_core.sheet.sources.base import RawWorkbook

    raw = small_book()
    tabs = dict(raw)
    groups = tabs.pop("Tổ")
    old = [row[:] for row in groups]
    old[1][0] = "T9"  # a stale copy under an alias, listed first
    book_ = RawWorkbook({"Tổ tự quản": old, **tabs, "Tổ": groups})
    ds = read_dataset(book_)
    tab_warnings = [p for p in warnings(ds) if "cùng ứng với trang" in p.message]
    assert [(p.tab, p.row) for p in tab_warnings] == [("Tổ", None)]
    assert "«Tổ tự quản»" in tab_warnings[0].message and "«Tổ»" in tab_warnings[0].message
    assert ds.layouts["groups"].title == "Tổ"
    assert list(ds.groups["group_id"]) == ["T1", "T2"]


def test_a_visible_tab_wins_over_a_hidden_one_and_a_hidden_match_is_named():
    from tothu_core.sheet.sources.base import RawWorkbook

    raw = small_book()
    entries = raw["Sinh hoạt"]
    visible = RawWorkbook({**raw, "Sinh hoat": [entries[0]]}, hidden={"Sinh hoạt"})
    ds = read_dataset(visible)
    assert ds.layouts["meetings"].title == "Sinh hoat"
    assert any("«Sinh hoạt» (đang ẩn)" in p.message for p in warnings(ds))

    only_hidden = RawWorkbook(raw, hidden={"Sinh hoạt"})
    ds = read_dataset(only_hidden)
    assert ds.layouts["meetings"].title == "Sinh hoạt"
    hidden = [p for p in warnings(ds) if "đang bị ẩn" in p.message]
    assert [p.tab for p in hidden] == ["Sinh hoạt"]
    assert len(ds.meetings) == len(entries) - 1


@pytest.mark.parametrize(("locale", "warned"), [("en_US", True), ("vi_VN", False), (None, False)])
def test_a_month_first_locale_is_warned_with_how_to_change_it(locale, warned):
    from tothu_core.sheet.sources.base import RawWorkbook

    ds = read_dataset(RawWorkbook(small_book(), locale=locale))
    found = [p for p in warnings(ds) if p.value == locale and "Settings" in p.message]
    assert bool(found) is warned
    if warned:
        assert "en_US" in found[0].message and "Việt Nam" in found[0].message

"""The activity figures on a hand-made commune whose every number is worked out by hand.

The commune (months 08–10/2016, report deadline the 5th of the next month):
  Ấp Mỹ An (A1): T1 «Tổ 1» 10 hộ, T2 «Tổ 2» 20 hộ
  Ấp Bình Hòa (A2): T3 «Tổ 1» 40 hộ, T4 «Tổ 2» 50 hộ
  Ấp Tân Lợi (A3): no groups
  CB01 Nguyễn Văn An follows T1 and T3, CB02 Trần Thị Đào T2, CB03 Lê Văn Cường T4.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from tests.sheets import assign, book, group, hamlet, tab
from tothu_core.figures import activity, figures
from tothu_core.sheet.dataset import ERROR, WARNING, Problem
from tothu_core.sheet.reader import read_dataset

SEP, AUG, OCT = pd.Period("2016-09", "M"), pd.Period("2016-08", "M"), pd.Period("2016-10", "M")

FULL_MEETING_HEADERS = [
    "Tháng", "Mã tổ", "Mã cán bộ", "Ngày họp", "Số hộ dự", "Cán bộ dự",
    "Nội dung tuyên truyền", "Tình hình", "Kiến nghị", "Thời điểm nhập",
]  # fmt: skip


def entry(month, group_id, cadre_id, date="", present="", attended="", topics="", situation="",
          proposals="", *, at=""):  # fmt: skip
    return [month, group_id, cadre_id, date, present, attended, topics, situation, proposals, at]


ENTRIES = [
    entry("08/2016", "T1", "CB01", "5/8/2016", 5, "x", at="2/9/2016 08:00"),
    entry("08/2016", "T3", "CB01", "", "", "", "Phòng chống dịch", at="2/9/2016 09:00"),
    entry("09/2016", "T1", "CB01", "10/9/2016", 8, "x", "Trữ nước ngọt; An toàn giao thông",
          "Dân lo hạn mặn", "Xin bồn chứa nước", at="12/9/2016 08:00"),
    entry("09/2016", "T2", "CB02", "11/9/2016", 15, "", "TRỮ NƯỚC NGỌT; An toàn giao thông",
          at="6/10/2016 09:00"),
    entry("09/2016", "T3", "CB01", "15/9/2016", 30, "Có", "an toan giao thong",
          "Đường ngập", at="1/10/2016 10:00"),
    entry("09/2016", "T1", "CB01", "10/9/2016", 9, "x", "Trữ nước ngọt; An toàn giao thông",
          "Dân lo hạn mặn", "Xin bồn chứa nước", at="20/9/2016 08:00"),
    entry("10/2016", "T2", "CB02", "9/10/2016", 12, "x", at="10/10/2016 08:00"),
]  # fmt: skip


def activity_book(*, entries=ENTRIES, extra_tabs: dict | None = None) -> dict:
    """The commune above as a raw workbook (also used by the page tests)."""
    tabs = {
        "Cán bộ": tab(
            ["Mã cán bộ", "Họ và tên", "Điện thoại", "Vai trò"],
            [
                ["CB01", "Nguyễn Văn An", "0901 111 111", "Quản trị"],
                ["CB02", "Trần Thị Đào", "0902 222 222", "Cán bộ"],
                ["CB03", "Lê Văn Cường", "0903 333 333", "Lãnh đạo"],
            ],
        ),
        "Sinh hoạt": tab(FULL_MEETING_HEADERS, entries),
        "Chủ đề": tab(["Chủ đề"], [["Trữ nước ngọt"]]),
        **(extra_tabs or {}),
    }
    return book(
        hamlets=[hamlet("A1", "Ấp Mỹ An"), hamlet("A2", "Ấp Bình Hòa"), hamlet("A3", "Ấp Tân Lợi")],
        groups=[
            group("T1", "A1", 10, name="Tổ 1"),
            group("T2", "A1", 20, name="Tổ 2"),
            group("T3", "A2", 40, name="Tổ 1"),
            group("T4", "A2", 50, "Yếu", name="Tổ 2"),
        ],
        assignments=[
            assign("CB01", "T1", "1/1/2016"),
            assign("CB01", "T3", "1/1/2016"),
            assign("CB02", "T2", "1/1/2016"),
            assign("CB03", "T4", "1/1/2016"),
        ],
        extra=tabs,
    )


# Problems planted in the commune above; error rows are left out, so no figure changes.
PLANTED_ENTRIES = [
    *ENTRIES,
    entry("13/2016", "T1", "CB01", at="1/9/2016 08:00"),  # row 9: bad month
    entry("09/2016", "T1", "CB01", "10/9/2016", 99, "x", at="1/10/2016 08:00"),  # row 10: 99 > 10
    entry("09/2016", "T9", "CB01", at="1/10/2016 08:00"),  # row 11: unknown group
]
PLANTED_ERRORS = 4
PLANTED_WARNINGS = 1


def planted_book() -> dict:
    """The commune with 4 errors (Tổ row 6; Sinh hoạt rows 9, 10, 11) and 1 warning (Tổ row 2)."""
    raw = activity_book(entries=PLANTED_ENTRIES)
    groups = raw["Tổ"]
    groups[1] = [*groups[1][:4], "Tạm"]  # T1: unknown rating, a warning only
    groups.append(group("T5", "A1", "abc", name="Tổ 5"))  # row 6: households not a number
    return raw


@pytest.fixture(scope="module")
def ds():
    data = read_dataset(activity_book())
    assert data.errors == [], data.errors
    return data


def rows_of(frame: pd.DataFrame, key: str) -> dict:
    return {k: r for k, r in zip(frame[key], frame.to_dict("records"), strict=True)}


# --- meetings and attendance ----------------------------------------------------------------


def test_hamlet_activity_september_by_hand(ds):
    out = rows_of(activity.hamlet_activity(ds, SEP), "hamlet_id")
    a1, a2, a3 = out["A1"], out["A2"], out["A3"]
    # A1: both met; the correction (9 hộ) counts for T1; only T1's cadre attended.
    assert (a1["groups"], a1["groups_met"], a1["households"], a1["households_present"]) == (
        2, 2, 30, 24,
    )  # fmt: skip
    assert (a1["meeting_pct"], a1["attendance_pct"], a1["cadre_present"]) == (100.0, 80.0, 1)
    assert a1["cadre_presence_pct"] == 50.0
    # A2: T3 met with its cadre (30/40), T4 sent nothing.
    assert (a2["groups_met"], a2["households"], a2["households_present"]) == (1, 40, 30)
    assert (a2["meeting_pct"], a2["attendance_pct"], a2["cadre_presence_pct"]) == (
        50.0,
        75.0,
        100.0,
    )
    # A3 has no groups: every rate is blank, not 0.
    assert a3["groups"] == 0
    assert all(math.isnan(a3[c]) for c in ("meeting_pct", "attendance_pct", "cadre_presence_pct"))


def test_hamlet_activity_agrees_with_figures_attendance(ds):
    months = ds.months()
    mine = activity.hamlet_activity(ds, months)
    theirs = figures.attendance(ds, months)
    pd.testing.assert_frame_equal(mine[list(theirs.columns)], theirs)


def test_activity_by_month_sums_hamlets_and_agrees_with_overview(ds):
    months = ds.months()
    totals = activity.activity_by_month(activity.hamlet_activity(ds, months)).set_index("month")
    sep = totals.loc[SEP]
    assert (sep["groups_met"], sep["households"], sep["households_present"]) == (3, 70, 54)
    assert (sep["meeting_pct"], sep["attendance_pct"], sep["cadre_presence_pct"]) == (
        75.0, 77.1, 66.7,
    )  # fmt: skip
    aug = totals.loc[AUG]  # only T1 met (5 of 10 hộ); T3's entry says no meeting
    assert (aug["groups_met"], aug["attendance_pct"], aug["cadre_presence_pct"]) == (1, 50.0, 100.0)
    overview = figures.overview(ds, months).set_index("month")
    for col in ("meeting_pct", "attendance_pct"):
        assert totals[col].tolist() == overview[col].tolist()


def test_hamlet_activity_with_cadre_filter_keeps_that_cadres_groups(ds):
    out = rows_of(activity.hamlet_activity(ds, SEP, cadre="CB01"), "hamlet_id")
    assert set(out) == {"A1", "A2"}
    assert (out["A1"]["groups"], out["A1"]["attendance_pct"]) == (1, 90.0)
    assert (out["A2"]["groups"], out["A2"]["cadre_present"]) == (1, 1)


def test_group_attendance_matrix_for_one_hamlet(ds):
    wide = activity.group_attendance_matrix(ds, ds.months(), hamlet="A1")
    assert wide.index.tolist() == ["Tổ 1", "Tổ 2"]
    assert wide.columns.tolist() == ["08/2016", "09/2016", "10/2016"]
    assert wide.loc["Tổ 1", "08/2016"] == 50.0
    assert wide.loc["Tổ 1", "09/2016"] == 90.0
    assert math.isnan(wide.loc["Tổ 1", "10/2016"])  # no entry: blank, not 0
    assert math.isnan(wide.loc["Tổ 2", "08/2016"])
    assert wide.loc["Tổ 2", "09/2016"] == 75.0
    assert wide.loc["Tổ 2", "10/2016"] == 60.0


def test_group_attendance_matrix_names_shared_group_names(ds):
    wide = activity.group_attendance_matrix(ds, [SEP], cadre="CB01")
    assert wide.index.tolist() == ["Tổ 1 (T1)", "Tổ 1 (T3)"]
    assert wide["09/2016"].tolist() == [90.0, 75.0]


def test_group_attendance_matrix_of_a_hamlet_without_groups_is_empty(ds):
    assert activity.group_attendance_matrix(ds, [SEP], hamlet="A3").empty


# --- topics --------------------------------------------------------------------------------


def test_topic_reach_september_by_hand(ds):
    reach = activity.topic_reach(ds, SEP)
    # Most reached first; the Chủ đề tab's spelling wins over "TRỮ NƯỚC NGỌT"; the entries'
    # most common spelling wins over "an toan giao thong".
    assert reach["topic"].drop_duplicates().tolist() == ["An toàn giao thông", "Trữ nước ngọt"]
    cells = {(r["topic"], r["hamlet_id"]): r for r in reach.to_dict("records")}
    road = cells[("An toàn giao thông", "A1")]
    assert (road["groups_reached"], road["groups_met"], road["reach_pct"]) == (2, 2, 100.0)
    assert cells[("An toàn giao thông", "A2")]["groups_reached"] == 1
    water_a2 = cells[("Trữ nước ngọt", "A2")]
    assert (water_a2["groups_reached"], water_a2["groups_met"], water_a2["reach_pct"]) == (
        0, 1, 0.0,
    )  # fmt: skip
    assert math.isnan(cells[("Trữ nước ngọt", "A3")]["reach_pct"])  # no group met there

    totals = activity.topic_totals(reach)
    assert totals.to_dict("list") == {
        "topic": ["An toàn giao thông", "Trữ nước ngọt"],
        "groups_met": [3, 3],
        "groups_reached": [3, 2],
        "reach_pct": [100.0, 66.7],
    }


def test_topics_of_an_entry_without_a_meeting_reach_nobody(ds):
    # August's only topic sits on T3's entry, which says the group did not meet.
    assert activity.topic_reach(ds, AUG).empty


def test_topic_reach_within_a_hamlet(ds):
    reach = activity.topic_reach(ds, SEP, hamlet="A2")
    assert reach[["topic", "groups_reached"]].values.tolist() == [
        ["An toàn giao thông", 1],
        ["Trữ nước ngọt", 0],
    ]


# --- reports -------------------------------------------------------------------------------


def test_reports_by_hamlet_september_by_hand(ds):
    out = rows_of(activity.reports_by_hamlet(ds, SEP), "hamlet_id")
    a1, a2 = out["A1"], out["A2"]
    # T2's report came on 6/10, after the 5/10 deadline.
    assert (a1["expected"], a1["received"], a1["on_time"], a1["missing"]) == (2, 2, 1, 0)
    assert (a1["completeness_pct"], a1["on_time_pct"]) == (100.0, 50.0)
    assert (a2["expected"], a2["received"], a2["on_time"], a2["missing"]) == (2, 1, 1, 1)
    assert (a2["completeness_pct"], a2["on_time_pct"]) == (50.0, 50.0)
    assert out["A3"]["expected"] == 0 and math.isnan(out["A3"]["completeness_pct"])


def test_reports_by_hamlet_agree_with_overview(ds):
    for month in ds.months():
        mine = activity.reports_by_hamlet(ds, month)
        theirs = figures.overview(ds, month).iloc[0]
        assert mine["expected"].sum() == theirs["expected"]
        assert mine["received"].sum() == theirs["received"]
        assert mine["on_time"].sum() == theirs["on_time"]


def test_reports_by_cadre_in_vietnamese_name_order(ds):
    out = activity.reports_by_cadre(ds, SEP)
    # An < Cường < Đào (đ comes after d), whatever the ids say.
    assert out["cadre_id"].tolist() == ["CB01", "CB03", "CB02"]
    assert out[["expected", "received", "on_time", "missing"]].values.tolist() == [
        [2, 2, 2, 0],
        [1, 0, 0, 1],
        [1, 1, 0, 0],
    ]
    assert out["on_time_pct"].tolist()[0] == 100.0
    assert out["phone"].tolist() == ["0901 111 111", "0903 333 333", "0902 222 222"]
    expected = figures.completeness(ds, SEP).set_index("cadre_id")["completeness_pct"]
    assert out.set_index("cadre_id")["completeness_pct"].to_dict() == expected.to_dict()


def test_missing_reports_one_row_per_cadre_with_groups_joined(ds):
    out = activity.missing_reports(ds, OCT)
    assert out["name"].tolist() == ["Nguyễn Văn An", "Lê Văn Cường"]  # An before Cường
    assert out["missing"].tolist() == [2, 1]
    assert out["missing_groups"].tolist() == ["Tổ 1 – Ấp Mỹ An; Tổ 1 – Ấp Bình Hòa",
                                              "Tổ 2 – Ấp Bình Hòa"]  # fmt: skip
    assert out["phone"].tolist() == ["0901 111 111", "0903 333 333"]


def test_missing_reports_filters_and_empty_state(ds):
    assert activity.missing_reports(ds, SEP)["cadre_id"].tolist() == ["CB03"]
    assert activity.missing_reports(ds, SEP, hamlet="A1").empty
    assert activity.missing_reports(ds, OCT, cadre="CB03")["missing"].tolist() == [1]


# --- entries ------------------------------------------------------------------------------


def test_month_entries_are_the_counting_ones(ds):
    out = activity.month_entries(ds, SEP)
    assert out[["group_id", "cadre_id"]].values.tolist() == [
        ["T1", "CB01"], ["T2", "CB02"], ["T3", "CB01"],
    ]  # fmt: skip
    t1 = out.iloc[0]
    assert (t1["households_present"], t1["attendance_pct"], t1["versions"]) == (9, 90.0, 2)
    assert t1["topics"] == "Trữ nước ngọt; An toàn giao thông"
    assert (t1["situation"], t1["proposals"]) == ("Dân lo hạn mặn", "Xin bồn chứa nước")
    assert out["on_time"].tolist() == [True, False, True]
    assert (t1["hamlet_name"], t1["name"], t1["group_name"]) == (
        "Ấp Mỹ An",
        "Nguyễn Văn An",
        "Tổ 1",
    )


def test_month_entries_filters_and_no_meeting(ds):
    assert activity.month_entries(ds, SEP, hamlet="A2")["group_id"].tolist() == ["T3"]
    assert activity.month_entries(ds, SEP, cadre="CB02")["group_id"].tolist() == ["T2"]
    aug = activity.month_entries(ds, AUG).set_index("group_id")
    assert math.isnan(aug.loc["T3", "attendance_pct"])  # did not meet: blank


@pytest.mark.parametrize(
    ("query", "groups"),
    [
        ("nuoc ngot", ["T1", "T2"]),  # topics, any case or diacritics
        ("bồn chứa", ["T1"]),  # proposals
        ("duong ngap", ["T3"]),  # situation
        ("binh hoa", ["T3"]),  # hamlet
        ("dao", ["T2"]),  # cadre's name
        ("", ["T1", "T2", "T3"]),
        ("khong co dau", []),
    ],
)
def test_search_entries_ignores_diacritics(ds, query, groups):
    out = activity.search_entries(activity.month_entries(ds, SEP), query)
    assert out["group_id"].tolist() == groups


# --- a cadre's history -------------------------------------------------------------------


def test_cadre_history_shows_corrections_and_marks_the_counting_one(ds):
    out = activity.cadre_history(ds, "CB01")
    assert set(out["cadre_id"]) == {"CB01"}
    got = [
        (m.strftime("%m/%Y"), g, v, c)
        for m, g, v, c in zip(out["month"], out["group_id"], out["version"], out["counts"],
                              strict=True)
    ]  # fmt: skip
    assert got == [
        ("09/2016", "T1", 2, True),
        ("09/2016", "T1", 1, False),
        ("09/2016", "T3", 1, True),
        ("08/2016", "T1", 1, True),
        ("08/2016", "T3", 1, True),
    ]
    assert out["households_present"].iloc[:2].tolist() == [9, 8]
    assert out["attendance_pct"].iloc[:2].tolist() == [90.0, 80.0]


def test_cadre_history_never_shows_someone_else(ds):
    assert activity.cadre_history(ds, "CB02")["group_id"].tolist() == ["T2", "T2"]
    assert activity.cadre_history(ds, "CB03").empty
    assert activity.cadre_history(ds, "NOBODY").empty


def test_untimed_entry_ranks_before_a_timed_correction():
    entries = [
        entry("09/2016", "T1", "CB01", "10/9/2016", 7, "x", at="15/9/2016 08:00"),
        entry("09/2016", "T1", "CB01", "10/9/2016", 6, "x"),
    ]
    data = read_dataset(activity_book(entries=entries))
    out = activity.cadre_history(data, "CB01")
    assert out[["households_present", "version", "counts"]].values.tolist() == [
        [7, 2, True],
        [6, 1, False],
    ]


def test_cadre_months_newest_first(ds):
    out = activity.cadre_months(ds, "CB01")
    assert [m.strftime("%m/%Y") for m in out["month"]] == ["10/2016", "09/2016", "08/2016"]
    assert out[["expected", "received", "on_time", "missing"]].values.tolist() == [
        [2, 0, 0, 2],
        [2, 2, 2, 0],
        [2, 2, 2, 0],
    ]
    assert out["completeness_pct"].tolist() == [0.0, 100.0, 100.0]
    late = activity.cadre_months(ds, "CB02").set_index("month")
    assert late.loc[SEP, "on_time_pct"] == 0.0


# --- problems -----------------------------------------------------------------------------

PROBLEMS = [
    Problem(WARNING, "Tổ", 5, None, "T9", "Tổ T9 chưa có cán bộ phụ trách."),
    Problem(ERROR, "Sinh hoạt", 7, "Số hộ dự", "99", "Số hộ dự lớn hơn số hộ."),
    Problem(ERROR, "Sinh hoạt", 3, "Tháng", "13/2016", "Tháng không đọc được."),
    Problem(WARNING, "Sinh hoạt", 2, "Mã cán bộ", "CB09", "Không được phân công."),
    Problem(ERROR, "CAN BO", None, None, None, "Trang thiếu cột bắt buộc."),
    Problem(WARNING, "CAN BO", 4, "Vai trò", "Sếp", "Vai trò lạ."),
]


def test_problem_tabs_errors_first_then_contract_order():
    out = activity.problem_tabs(PROBLEMS)
    assert out.values.tolist() == [["CAN BO", 1, 1], ["Sinh hoạt", 2, 1], ["Tổ", 0, 1]]


def test_problem_rows_by_tab_errors_first_then_row():
    out = activity.problem_rows(PROBLEMS)
    assert [(t, s, r) for t, s, r in zip(out["tab"], out["severity"], out["row"], strict=True)] == [
        ("CAN BO", "Lỗi", pd.NA),
        ("CAN BO", "Cảnh báo", 4),
        ("Sinh hoạt", "Lỗi", 3),
        ("Sinh hoạt", "Lỗi", 7),
        ("Sinh hoạt", "Cảnh báo", 2),
        ("Tổ", "Cảnh báo", 5),
    ]
    only_errors = activity.problem_rows(PROBLEMS, severity=ERROR)
    assert only_errors["row"].tolist() == [pd.NA, 3, 7]
    assert activity.problem_rows(PROBLEMS, severity=WARNING)["tab"].tolist() == [
        "CAN BO", "Sinh hoạt", "Tổ",
    ]  # fmt: skip


def test_no_problems_gives_empty_frames():
    assert activity.problem_tabs([]).empty
    assert activity.problem_rows([]).empty


def test_problem_rows_carry_the_sheets_row_numbers():
    data = read_dataset(planted_book())
    out = activity.problem_rows(data.problems, severity=ERROR)
    assert out[["tab", "row", "column"]].values.tolist() == [
        ["Tổ", 6, "Số hộ"],
        ["Sinh hoạt", 9, "Tháng"],
        ["Sinh hoạt", 10, "Số hộ dự"],
        ["Sinh hoạt", 11, "Mã tổ"],
    ]
    assert out["value"].tolist() == ["abc", "13/2016", "99", "T9"]
    warnings = activity.problem_rows(data.problems, severity=WARNING)
    assert warnings[["tab", "row", "value"]].values.tolist() == [["Tổ", 2, "Tạm"]]


def test_planted_problems_leave_the_figures_alone(ds):
    planted = read_dataset(planted_book())
    for frame in (activity.hamlet_activity, activity.reports_by_hamlet):
        pd.testing.assert_frame_equal(frame(planted, SEP), frame(ds, SEP))


# --- display helpers ----------------------------------------------------------------------


def test_for_display_uses_vietnamese_headers_and_words(ds):
    shown = activity.for_display(
        activity.month_entries(ds, SEP), ["month", "group_name", "cadre_attended", "on_time"]
    )
    assert shown.columns.tolist() == ["Tháng", "Tên tổ", "Cán bộ dự", "Đúng hạn"]
    assert shown.values.tolist()[1] == ["09/2016", "Tổ 2", "Không", "Không"]


@pytest.mark.parametrize(
    ("text", "short"),
    [
        ("Trữ nước ngọt", "Trữ nước ngọt"),
        ("Trữ nước ngọt phục vụ sinh hoạt và sản xuất", "Trữ nước ngọt phục vụ sinh…"),
    ],
)
def test_shorten(text, short):
    assert activity.shorten(text, 28) == short
    assert len(activity.shorten(text, 28)) <= 28


def test_late_reports_and_deadline(ds):
    out = rows_of(activity.reports_by_hamlet(ds, SEP), "hamlet_id")
    assert (out["A1"]["late"], out["A2"]["late"]) == (1, 0)
    end = pd.Timestamp("2016-10-05 23:59:59")
    assert not activity.deadline_passed(SEP, now=end.to_pydatetime())
    assert activity.deadline_passed(SEP, now=(end + pd.Timedelta(seconds=1)).to_pydatetime())
    assert activity.deadline_passed(SEP, now=pd.Timestamp("2016-10-03"), deadline_day=2)


def test_short_labels_stay_distinct():
    texts = [
        "Phòng chống dịch bệnh mùa mưa năm nay",
        "Phòng chống dịch bệnh mùa khô năm nay",
        "Ngắn",
    ]
    assert activity.short_labels(texts, 24) == [
        "Phòng chống dịch bệnh… (1)",
        "Phòng chống dịch bệnh… (2)",
        "Ngắn",
    ]


@pytest.mark.parametrize(
    ("name", "short"), [("Ấp Mỹ An", "Mỹ An"), ("ấp Bình Hòa", "Bình Hòa"), ("Ấp", "Ấp"),
                        ("Khu phố 3", "Khu phố 3")]
)  # fmt: skip
def test_short_hamlet_name(name, short):
    assert activity.short_hamlet_name(name) == short


def test_month_and_change(ds):
    totals = activity.activity_by_month(activity.hamlet_activity(ds, ds.months()))
    assert activity.month_and_change(totals, SEP, "meeting_pct") == (75.0, 50.0)  # 25 % -> 75 %
    value, change = activity.month_and_change(totals, AUG, "meeting_pct")
    assert value == 25.0 and math.isnan(change)  # nothing before August
    value, change = activity.month_and_change(totals, "12/2016", "meeting_pct")
    assert math.isnan(value) and math.isnan(change)


def test_report_totals(ds):
    totals = activity.report_totals(activity.reports_by_hamlet(ds, SEP))
    assert totals[["expected", "received", "on_time", "late", "missing"]].tolist() == [
        4,
        3,
        2,
        1,
        1,
    ]
    assert (totals["completeness_pct"], totals["on_time_pct"]) == (75.0, 50.0)
    empty = activity.report_totals(activity.reports_by_hamlet(ds, SEP, hamlet="A3"))
    assert empty["expected"] == 0 and math.isnan(empty["completeness_pct"])

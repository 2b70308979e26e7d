"""The contract's figures on a small commune whose every number is worked out by hand below."""

import numpy as np
import pandas as pd
import pytest

from tests.sheets import COMMUNE, assign, book, cadre, group, hamlet, meeting, small_book
from tothu_core.figures import figures
from tothu_core.sheet.assigned import assigned_pairs
from tothu_core.sheet.reader import read_dataset

AUG, SEPT, OCT = (pd.Period(m, freq="M") for m in ("2016-08", "2016-09", "2016-10"))

# COMMUNE is laid out in tests/sheets.py; each test works its numbers out beside it.


@pytest.fixture(scope="module")
def ds():
    dataset = read_dataset(COMMUNE)
    assert dataset.errors == []
    return dataset


def frame(rows, columns, **dtypes):
    out = pd.DataFrame(rows, columns=columns)
    return out.astype(dtypes) if dtypes else out


def months_of(df, month):
    return df[df["month"] == month].reset_index(drop=True)


# --- assigned in month M --------------------------------------------------------------------


def _assignments(*spans):
    return pd.DataFrame(
        {
            "cadre_id": [f"CB{i}" for i in range(len(spans))],
            "group_id": [f"T{i}" for i in range(len(spans))],
            "start": pd.to_datetime([s for s, _ in spans]),
            "end": pd.to_datetime([e for _, e in spans]),
        }
    )


def test_assigned_in_month_boundaries():
    a = _assignments(
        ("2016-09-30", None),  # CB0: starts on the last day of 09 -> counts in 09
        ("2016-01-01", "2016-09-01"),  # CB1: ends on the first day of 09 -> counts in 09
        ("2016-01-01", "2016-08-31"),  # CB2: ends the day before 09 -> not in 09
        ("2016-10-01", None),  # CB3: starts the day after 09 -> not in 09
        ("2016-09-15", "2016-09-15"),  # CB4: one day inside 09 -> counts
    )
    pairs = assigned_pairs(a, pd.PeriodIndex([SEPT]))
    assert sorted(pairs["cadre_id"]) == ["CB0", "CB1", "CB4"]
    pairs = assigned_pairs(a, pd.period_range(AUG, OCT, freq="M"))
    by_cadre = pairs.groupby("cadre_id")["month"].apply(lambda m: sorted(str(p) for p in m))
    assert by_cadre.to_dict() == {
        "CB0": ["2016-09", "2016-10"],
        "CB1": ["2016-08", "2016-09"],
        "CB2": ["2016-08"],
        "CB3": ["2016-10"],
        "CB4": ["2016-09"],
    }


def test_overlapping_assignments_of_one_pair_count_once():
    a = pd.DataFrame(
        {
            "cadre_id": ["CB1", "CB1"],
            "group_id": ["T1", "T1"],
            "start": pd.to_datetime(["2016-01-01", "2016-09-10"]),
            "end": pd.to_datetime(["2016-12-31", None]),
        }
    )
    assert len(assigned_pairs(a, pd.PeriodIndex([SEPT]))) == 1


def test_no_assignments_no_pairs():
    empty = _assignments()
    assert assigned_pairs(empty, pd.PeriodIndex([SEPT])).empty


# --- coverage --------------------------------------------------------------------------------

COVERAGE_COLUMNS = [
    "month",
    "hamlet_id",
    "hamlet_name",
    "groups",
    "groups_covered",
    "cadres",
    "coverage_pct",
]


def test_coverage(ds):
    got = figures.coverage(ds, SEPT)
    # A1: T1 (CB01), T2 (CB01, CB02), T3 (CB03): 3 of 3, cadres CB01 CB02 CB03.
    # A2: T5 (CB03); T4's assignment ended 31/8: 1 of 2 = 50 %, one cadre.
    # A3: no groups: nothing to divide by -> NaN, not 0.
    expected = frame(
        [
            [SEPT, "A1", "Ấp Mỹ An", 3, 3, 3, 100.0],
            [SEPT, "A2", "Ấp Bình Hòa", 2, 1, 1, 50.0],
            [SEPT, "A3", "Ấp Tân Lợi", 0, 0, 0, np.nan],
        ],
        COVERAGE_COLUMNS,
    )
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)


def test_coverage_over_several_months(ds):
    got = figures.coverage(ds, [AUG, SEPT, OCT]).set_index(["month", "hamlet_id"])
    # 08: A1 CB01 (T1, T2) + CB03 (T3): 2 cadres; A2: CB02 (T4) + CB03 (T5): 2/2, 2 cadres.
    assert got.loc[(AUG, "A1"), ["groups_covered", "cadres"]].tolist() == [3, 2]
    assert got.loc[(AUG, "A2"), ["groups_covered", "cadres", "coverage_pct"]].tolist() == [
        2,
        2,
        100,
    ]
    # 10: A1: T1 (CB01), T2 (CB02), T3 (CB03, CB02): 3 cadres; A2: only T5.
    assert got.loc[(OCT, "A1"), ["groups_covered", "cadres"]].tolist() == [3, 3]
    assert got.loc[(OCT, "A2"), "coverage_pct"] == 50.0


def test_coverage_filters(ds):
    only_a2 = figures.coverage(ds, SEPT, hamlet="A2")
    assert only_a2[["hamlet_id", "groups", "groups_covered", "coverage_pct"]].values.tolist() == [
        ["A2", 2, 1, 50.0]
    ]
    # CB03 follows T3 (A1) and T5 (A2) in 09: one group in each hamlet, both covered by CB03.
    cb03 = figures.coverage(ds, SEPT, cadre="CB03")
    assert cb03[["hamlet_id", "groups", "groups_covered", "cadres"]].values.tolist() == [
        ["A1", 1, 1, 1],
        ["A2", 1, 1, 1],
    ]


# --- cadre load ----------------------------------------------------------------------------------


def test_cadre_load(ds):
    got = figures.cadre_load(ds, SEPT).set_index("cadre_id")
    # 09: CB01 T1 T2; CB02 T2; CB03 T5 T3; CB04 nothing.
    assert got["groups"].to_dict() == {"CB01": 2, "CB02": 1, "CB03": 2, "CB04": 0}
    assert got.loc["CB04", "load"] == "none"
    assert got.loc["CB01", "load"] == "ok"
    # 10: CB01 T1; CB02 T2 T3; CB03 T5 T3.
    assert figures.cadre_load(ds, OCT).set_index("cadre_id")["groups"].to_dict() == {
        "CB01": 1,
        "CB02": 2,
        "CB03": 2,
        "CB04": 0,
    }


def test_cadre_load_filters(ds):
    # Hamlet A1 in 09: CB01 (T1, T2), CB02 (T2), CB03 (T3); CB04 follows nobody there.
    a1 = figures.cadre_load(ds, SEPT, hamlet="A1").set_index("cadre_id")["groups"].to_dict()
    assert a1 == {"CB01": 2, "CB02": 1, "CB03": 1}
    assert figures.cadre_load(ds, SEPT, cadre="CB03")[["cadre_id", "groups"]].values.tolist() == [
        ["CB03", 2]
    ]


def test_cadre_with_more_than_five_groups_is_too_many():
    ds = read_dataset(
        small_book(
            groups=[group(f"T{i}", "A1", 10) for i in range(1, 8)],
            assignments=[assign("CB01", f"T{i}", "1/1/2016") for i in range(1, 7)]
            + [assign("CB02", "T7", "1/1/2016")],
            meetings=[meeting("09/2016", "T1", "CB01", "1/9/2016", 5)],
        )
    )
    load = figures.cadre_load(ds, SEPT).set_index("cadre_id")
    assert load.loc["CB01", "groups"] == 6 and load.loc["CB01", "load"] == "too_many"
    assert load.loc["CB02", "load"] == "ok"


# --- meeting and attendance rates -----------------------------------------------------------------

ATTENDANCE_COLUMNS = [
    "month",
    "hamlet_id",
    "hamlet_name",
    "groups",
    "groups_met",
    "households",
    "households_present",
    "attendance_pct",
]


def test_attendance(ds):
    got = figures.attendance(ds, [AUG, SEPT])
    # 08 A1: T1 met 6/8, T2 did not meet, T3 met 5/12 -> (6+5)/(8+12) = 11/20 = 55.0
    # 08 A2: T4 did not meet, T5 met 20/30 -> 2/3 = 66.7 (half-up)
    # 09 A1: T1 7/8; T2 met (CB02's entry; CB01 says no meeting) 10/20;
    #        T3 5/12 (the correction counts, not the first 4) -> 22/40 = 55.0
    # 09 A2: nobody met -> NaN; A3 has no groups -> NaN
    expected = frame(
        [
            [AUG, "A1", "Ấp Mỹ An", 3, 2, 20, 11, 55.0],
            [AUG, "A2", "Ấp Bình Hòa", 2, 1, 30, 20, 66.7],
            [AUG, "A3", "Ấp Tân Lợi", 0, 0, 0, 0, np.nan],
            [SEPT, "A1", "Ấp Mỹ An", 3, 3, 40, 22, 55.0],
            [SEPT, "A2", "Ấp Bình Hòa", 2, 0, 0, 0, np.nan],
            [SEPT, "A3", "Ấp Tân Lợi", 0, 0, 0, 0, np.nan],
        ],
        ATTENDANCE_COLUMNS,
    )
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)


def test_attendance_filters(ds):
    # CB03 follows T3 (A1, met 5/12 = 41.7 %) and T5 (A2, no entry in 09).
    got = figures.attendance(ds, SEPT, cadre="CB03")
    counts = ["hamlet_id", "groups", "groups_met", "households", "households_present"]
    assert got[counts].values.tolist() == [
        ["A1", 1, 1, 12, 5],
        ["A2", 1, 0, 0, 0],
    ]  # fmt: skip
    assert got["attendance_pct"].iloc[0] == 41.7
    assert np.isnan(got["attendance_pct"].iloc[1])
    a2 = figures.attendance(ds, AUG, hamlet="A2")
    assert a2[["hamlet_id", "attendance_pct"]].values.tolist() == [["A2", 66.7]]


def test_group_month_panel(ds):
    panel = figures.group_month_panel(ds, SEPT).set_index("group_id")
    assert panel["met"].to_dict() == {"T1": True, "T2": True, "T3": True, "T4": False, "T5": False}
    assert panel["present"].to_dict() == {"T1": 7, "T2": 10, "T3": 5, "T4": 0, "T5": 0}
    assert panel["cadres"].to_dict() == {"T1": 1, "T2": 2, "T3": 1, "T4": 0, "T5": 1}
    # Per meeting: 7/8, 10/20, 5/12; no rate without a meeting.
    assert panel.loc["T1", "attendance"] == 7 / 8
    assert panel.loc["T2", "attendance"] == 0.5
    assert panel.loc["T3", "attendance"] == 5 / 12
    assert np.isnan(panel.loc["T4", "attendance"])
    # T1's cadre attended; T2 (CB02 wrote Không) and T3 did not.
    assert panel["attended"].to_dict() == {
        "T1": True,
        "T2": False,
        "T3": False,
        "T4": False,
        "T5": False,
    }


# --- expected reports, completeness, on time -----------------------------------------------------


def test_expected_reports_and_on_time(ds):
    got = figures.expected_reports(ds, SEPT).set_index(["cadre_id", "group_id"]).sort_index()
    # Expected in 09: one per assigned pair.
    # CB01-T1 sent 5/10 23:59:59: on time (the deadline is inclusive).
    # CB01-T2 sent 6/10 00:00:00: one second late.
    # CB02-T2 sent 2/10: on time.  CB03-T3 first sent 1/10 (corrected 10/10): on time.
    # CB03-T5: nothing.
    assert got[["received", "on_time"]].to_dict("index") == {
        ("CB01", "T1"): {"received": True, "on_time": True},
        ("CB01", "T2"): {"received": True, "on_time": False},
        ("CB02", "T2"): {"received": True, "on_time": True},
        ("CB03", "T3"): {"received": True, "on_time": True},
        ("CB03", "T5"): {"received": False, "on_time": False},
    }


COMPLETENESS_COLUMNS = [
    "month",
    "cadre_id",
    "name",
    "expected",
    "received",
    "on_time",
    "completeness_pct",
]


def test_completeness(ds):
    got = figures.completeness(ds, SEPT)
    # CB01: 2 expected, 2 received, 1 on time; CB02: 1/1/1; CB03: 2 expected, 1 received (T3).
    # CB04 follows nothing, so expects nothing and has no row.
    expected = frame(
        [
            [SEPT, "CB01", "Nguyễn Văn An", 2, 2, 1, 100.0],
            [SEPT, "CB02", "Trần Thị Bình", 1, 1, 1, 100.0],
            [SEPT, "CB03", "Lê Văn Cường", 2, 1, 1, 50.0],
        ],
        COMPLETENESS_COLUMNS,
    )
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)


def test_completeness_previous_month(ds):
    got = figures.completeness(ds, AUG).set_index("cadre_id")
    # 08: CB01 T1 (3/9), T2 (4/9); CB02 T4 (20/9: late); CB03 T3 (5/9 23:59:59), T5 (1/9).
    assert got[["expected", "received", "on_time"]].values.tolist() == [
        [2, 2, 2],
        [1, 1, 0],
        [2, 2, 2],
    ]


def test_completeness_filters_and_deadline_day(ds):
    # Hamlet A2 in 09: only CB03-T5, with no entry.
    a2 = figures.completeness(ds, SEPT, hamlet="A2")
    assert a2[["cadre_id", "expected", "received", "completeness_pct"]].values.tolist() == [
        ["CB03", 1, 0, 0.0]
    ]
    cb01 = figures.completeness(ds, SEPT, cadre="CB01")
    assert cb01[["cadre_id", "expected", "on_time"]].values.tolist() == [["CB01", 2, 1]]
    # With the 10th as deadline, CB01-T2 (sent 6/10) is on time too.
    late_deadline = figures.completeness(ds, SEPT, cadre="CB01", deadline_day=10)
    assert late_deadline["on_time"].tolist() == [2]


def test_a_late_first_report_stays_late_after_a_correction():
    ds = read_dataset(
        small_book(
            meetings=[
                meeting("09/2016", "T1", "CB01", "10/9/2016", 8, at="7/10/2016 08:00"),
                meeting("09/2016", "T1", "CB01", "10/9/2016", 9, at="8/10/2016 08:00"),
                meeting("09/2016", "T2", "CB02", "10/9/2016", 9),  # no time: not counted late
            ]
        )
    )
    got = figures.expected_reports(ds, SEPT).set_index("group_id")
    assert got["on_time"].to_dict() == {"T1": False, "T2": True}


def test_deadline_is_the_fifth_of_next_month_end_of_day():
    assert figures.deadline(SEPT) == pd.Timestamp("2016-10-05 23:59:59")
    assert figures.deadline(pd.Period("2016-12", freq="M")) == pd.Timestamp("2017-01-05 23:59:59")
    assert figures.deadline(SEPT, day=10) == pd.Timestamp("2016-10-10 23:59:59")


# --- overview ------------------------------------------------------------------------------


def test_overview(ds):
    row = figures.overview(ds, [AUG, SEPT]).set_index("month").loc[SEPT]
    # 09: 5 groups; covered T1 T2 T3 T5 = 4 (80 %); met T1 T2 T3 = 3 (60 %);
    # 22 present of 40 households (55 %); 5 expected reports from 3 cadres (load 5/3 = 1.67);
    # 4 received (80 %), 3 on time (60 %).
    groups = ["groups", "groups_covered", "groups_met", "households", "households_present"]
    assert row[groups].tolist() == [5, 4, 3, 40, 22]
    assert row[["cadres", "expected", "received", "on_time"]].tolist() == [3, 5, 4, 3]
    assert row["average_load"] == 1.67
    rates = ["coverage_pct", "meeting_pct", "attendance_pct", "completeness_pct", "on_time_pct"]
    assert row[rates].tolist() == [80.0, 60.0, 55.0, 80.0, 60.0]


def test_overview_of_a_month_without_anything_is_nan_not_an_error():
    ds = read_dataset(book(hamlets=[hamlet("A1")], cadres=[cadre("CB01")]))
    row = figures.overview(ds, SEPT).iloc[0]
    assert row["groups"] == 0 and row["expected"] == 0
    for col in ("coverage_pct", "meeting_pct", "attendance_pct", "completeness_pct", "on_time_pct"):
        assert np.isnan(row[col]), col
    assert np.isnan(row["average_load"])


# --- needs attention -----------------------------------------------------------------------------


def test_needs_attention(ds):
    got = figures.needs_attention(ds, SEPT)
    # T3: Yếu; 5/12 = 41.7 % present; met in 08 and 09 with its cadre absent both times.
    # T4: no meeting in 08 (its entry has no date) nor in 09 (no entry).
    # T2: exactly 50 % is not "below 50 %"; absent in 09 but in 08 it did not meet.
    # T1, T5: nothing (T5 sent nothing in 09 but met in 08).
    assert got[["group_id", "group_name", "hamlet_id", "reason_count"]].values.tolist() == [
        ["T3", "Tổ T3", "A1", 3],
        ["T4", "Tổ T4", "A2", 1],
    ]
    # Joined as one sentence: a capital first, lower case after each semicolon.
    assert got.loc[0, "reasons"] == (
        "Xếp loại Yếu; tỷ lệ hộ dự 41,7\u00a0% (dưới 50\u00a0%); cán bộ phụ trách vắng 02 "
        "tháng liền"
    )
    assert got.loc[1, "reasons"] == "Không sinh hoạt 02 tháng liền"
    assert (got["month"] == SEPT).all()


def test_needs_attention_filters(ds):
    assert figures.needs_attention(ds, SEPT, hamlet="A2")["group_id"].tolist() == ["T4"]
    assert figures.needs_attention(ds, SEPT, cadre="CB03")["group_id"].tolist() == ["T3"]
    assert figures.needs_attention(ds, SEPT, cadre="CB01").empty


def test_needs_attention_for_a_cadre_keeps_the_history_of_a_handed_over_group(ds):
    # CB02 follows T2 and T3 from 10/2016. Neither has an entry in 10, but both met in 09
    # (under CB01/CB02 and CB03), so neither is idle; T3 is still rated Yếu.
    got = figures.needs_attention(ds, OCT, cadre="CB02")
    assert got[["group_id", "reasons"]].values.tolist() == [["T3", "Xếp loại Yếu"]]


@pytest.mark.parametrize(
    "figure",
    [figures.coverage, figures.attendance, figures.completeness, figures.expected_reports,
     figures.cadre_load, figures.needs_attention, figures.group_month_panel],
    ids=lambda f: f.__name__,
)  # fmt: skip
@pytest.mark.parametrize("scope", [{"cadre": "CB04"}, {"hamlet": "A3"}, {"cadre": "CB99"}], ids=str)
def test_a_filter_that_selects_nothing_gives_no_rows_not_an_error(ds, figure, scope):
    got = figure(ds, SEPT, **scope)
    if figure is figures.coverage and "hamlet" in scope:
        assert got["groups"].tolist() == [0]  # the hamlet still shows, with no groups
    elif figure is figures.attendance and "hamlet" in scope:
        assert got["groups"].tolist() == [0]
    elif figure is figures.cadre_load and scope == {"cadre": "CB04"}:
        assert got[["cadre_id", "groups"]].values.tolist() == [["CB04", 0]]
    else:
        assert got.empty


def _two_months(rating="", aug=("10/8/2016", 8, "x"), sept=("10/9/2016", 8, "x")):
    """One group T1 (10 households) followed by CB01, with its 08 and 09 entries."""
    meetings = []
    for month, entry in (("08/2016", aug), ("09/2016", sept)):
        if entry is not None:
            meetings.append(meeting(month, "T1", "CB01", *entry))
    return read_dataset(
        book(
            hamlets=[hamlet("A1")],
            cadres=[cadre("CB01")],
            groups=[group("T1", "A1", 10, rating)],
            assignments=[assign("CB01", "T1", "1/1/2016")],
            meetings=meetings,
        )
    )


def reasons(ds):
    got = figures.needs_attention(ds, SEPT)
    return got["reasons"].tolist()


def test_attention_weak_alone():
    assert reasons(_two_months()) == []
    assert reasons(_two_months(rating="Yếu")) == ["Xếp loại Yếu"]
    assert reasons(_two_months(rating="yeu")) == ["Xếp loại Yếu"]  # typed without accents


def test_attention_low_attendance_alone():
    assert reasons(_two_months(sept=("10/9/2016", 5, "x"))) == []  # 5/10 = 50 %: not below
    assert reasons(_two_months(sept=("10/9/2016", 4, "x"))) == [
        "Tỷ lệ hộ dự 40,0\u00a0% (dưới 50\u00a0%)"
    ]


def test_attention_no_meeting_two_months_alone():
    assert reasons(_two_months(aug=("", "", ""))) == []  # met in 09
    assert reasons(_two_months(sept=("", "", ""))) == []  # met in 08
    assert reasons(_two_months(aug=("", "", ""), sept=("", "", ""))) == [
        "Không sinh hoạt 02 tháng liền"
    ]
    # No August report at all: when the sheet's entries start in September, August is
    # simply not covered, so one quiet month is not "two months without a meeting".
    assert reasons(_two_months(aug=None, sept=("", "", ""))) == []


def test_attention_missing_report_counts_as_no_meeting_once_the_sheet_covers_the_month():
    quiet = _two_months(aug=None, sept=("", "", ""))
    covered = read_dataset(
        book(
            hamlets=[hamlet("A1")],
            cadres=[cadre("CB01"), cadre("CB02")],
            groups=[group("T1", "A1", 10, ""), group("T2", "A1", 10, "")],
            assignments=[assign("CB01", "T1", "1/1/2016"), assign("CB02", "T2", "1/1/2016")],
            meetings=[
                meeting("08/2016", "T2", "CB02", "10/8/2016", 8, "x"),
                meeting("09/2016", "T1", "CB01", "", "", ""),
                meeting("09/2016", "T2", "CB02", "10/9/2016", 8, "x"),
            ],
        )
    )
    assert reasons(quiet) == []
    got = figures.needs_attention(covered, SEPT)
    assert got["group_id"].tolist() == ["T1"]
    assert got["reasons"].tolist() == ["Không sinh hoạt 02 tháng liền"]


def test_attention_cadre_absent_two_months_alone():
    assert reasons(_two_months(aug=("10/8/2016", 8, "Không"))) == []
    assert reasons(_two_months(sept=("10/9/2016", 8, ""))) == []
    both = _two_months(aug=("10/8/2016", 8, "Không"), sept=("10/9/2016", 8, "0"))
    assert reasons(both) == ["Cán bộ phụ trách vắng 02 tháng liền"]


def test_attention_all_reasons_that_can_combine():
    got = figures.needs_attention(
        _two_months(rating="Yếu", aug=("10/8/2016", 8, ""), sept=("10/9/2016", 1, "")), SEPT
    )
    assert got["reasons"].tolist() == [
        "Xếp loại Yếu; tỷ lệ hộ dự 10,0\u00a0% (dưới 50\u00a0%); cán bộ phụ trách vắng 02 "
        "tháng liền"
    ]
    assert got["reason_count"].tolist() == [3]
    idle_and_weak = _two_months(rating="Yếu", aug=("", "", ""), sept=("", "", ""))
    assert reasons(idle_and_weak) == ["Xếp loại Yếu; không sinh hoạt 02 tháng liền"]


# --- rounding and division by zero ----------------------------------------------------------------


@pytest.mark.parametrize(
    "numerator, denominator, expected",
    [
        (7, 8, 87.5),
        (1, 3, 33.3),
        (2, 3, 66.7),
        (349, 400, 87.3),  # 87.25 rounds half up
        (0.8725, 1, 87.3),
        (1, 16, 6.3),  # 6.25: half up, not to even
        (1, 80, 1.3),  # 1.25
        (1, 1, 100.0),
        (0, 5, 0.0),
    ],
)
def test_percentages_round_half_up_to_one_decimal(numerator, denominator, expected):
    assert figures.pct(numerator, denominator) == expected


def test_percentages_never_divide_by_zero():
    assert np.isnan(figures.pct(0, 0))
    assert np.isnan(figures.pct(3, 0))
    got = figures.pct(pd.Series([1, 0, 2]), pd.Series([8, 0, 3]))
    assert got[0] == 12.5 and np.isnan(got[1]) and got[2] == 66.7


def test_a_group_rate_of_seven_eighths_reads_87_5():
    ds = read_dataset(
        small_book(
            groups=[group("T1", "A1", 8), group("T2", "A1", 20)],
            meetings=[meeting("09/2016", "T1", "CB01", "1/9/2016", 7)],
        )
    )
    got = figures.attendance(ds, SEPT)
    assert got[["households", "households_present", "attendance_pct"]].values.tolist() == [
        [8, 7, 87.5]
    ]


@pytest.mark.parametrize("month", ["09/2016", "2016-09", "Tháng 9/2016", SEPT])
def test_months_can_be_given_as_text(ds, month):
    assert figures.as_month(month) == SEPT
    assert figures.coverage(ds, month)["month"].tolist() == [SEPT] * 3


@pytest.mark.parametrize("text", ["13/2016", "0/2016", "2016", "tháng chín"])
def test_impossible_months_are_refused_not_rolled_over(text):
    with pytest.raises(ValueError):
        figures.as_month(text)

"""Every cell form the contract accepts ("Cell values"), and the ones it must refuse."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from tothu_core.sheet.parsing import (
    missing_mask,
    parse_bool,
    parse_date,
    parse_datetime,
    parse_int,
    parse_list,
    parse_month,
    parse_text,
)

SEPT_26 = pd.Timestamp("2016-09-26")


def one(parser, cell):
    """Parse a single cell: (value, bad)."""
    values, bad = parser(pd.Series([cell], dtype=object))
    return values.iloc[0], bool(bad.iloc[0])


# --- dates -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cell",
    [
        "26/9/2016",
        "26/09/2016",
        "2016-09-26",
        " 26/9/2016 ",
        dt.date(2016, 9, 26),
        dt.datetime(2016, 9, 26, 14, 30),  # a date-time cell in a date column: the day counts
        pd.Timestamp("2016-09-26"),
        42639,  # Google Sheets serial number of 26/09/2016 (days since 30/12/1899)
        42639.0,
    ],
)
def test_date_forms(cell):
    assert one(parse_date, cell) == (SEPT_26, False)


def test_day_comes_first_always():
    assert one(parse_date, "5/9/2016") == (pd.Timestamp("2016-09-05"), False)
    assert one(parse_date, "12/1/2017") == (pd.Timestamp("2017-01-12"), False)
    # 13 cannot be a month, and is not silently swapped into one.
    assert one(parse_date, "9/13/2016")[1] is True


@pytest.mark.parametrize(
    "cell", ["31/02/2016", "29/02/2015", "32/1/2016", "0/1/2016", "1/13/2016", "2016-02-30"]
)
def test_impossible_dates_are_refused(cell):
    value, bad = one(parse_date, cell)
    assert bad and pd.isna(value)


def test_leap_day_is_a_real_date():
    assert one(parse_date, "29/02/2016") == (pd.Timestamp("2016-02-29"), False)


@pytest.mark.parametrize("cell", ["abc", "26/9/16", "tháng 9", "2016", True, 12])
def test_garbage_dates_are_refused(cell):
    value, bad = one(parse_date, cell)
    assert bad and pd.isna(value)


@pytest.mark.parametrize("cell", [dt.date(3016, 9, 26), dt.datetime(1, 1, 1), 2e6, -5])
def test_date_cells_out_of_any_sensible_range_are_refused(cell):
    value, bad = one(parse_date, cell)
    assert bad and pd.isna(value)


@pytest.mark.parametrize("cell", [None, "", float("nan")])
def test_blank_date_is_missing_not_bad(cell):
    value, bad = one(parse_date, cell)
    assert pd.isna(value) and not bad


def test_dates_mixed_in_one_column_keep_their_rows():
    cells = pd.Series(["26/9/2016", None, 42639, "31/02/2016", dt.date(2016, 9, 5)], dtype=object)
    values, bad = parse_date(cells)
    expected = pd.Series(
        [SEPT_26, pd.NaT, SEPT_26, pd.NaT, pd.Timestamp("2016-09-05")], dtype="datetime64[ns]"
    )
    pd.testing.assert_series_equal(values, expected, check_names=False)
    assert bad.tolist() == [False, False, False, True, False]


# --- date-times ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cell, expected",
    [
        ("26/9/2016 08:30", "2016-09-26 08:30:00"),
        ("26/09/2016 8:30", "2016-09-26 08:30:00"),
        ("26/09/2016 08:30:15", "2016-09-26 08:30:15"),
        ("2016-09-26 23:59:59", "2016-09-26 23:59:59"),
        ("5/10/2016 17:00", "2016-10-05 17:00:00"),
        ("26/9/2016", "2016-09-26 00:00:00"),
        (dt.datetime(2016, 9, 26, 8, 30, 15), "2016-09-26 08:30:15"),
        (42639.5, "2016-09-26 12:00:00"),  # serial: half a day is noon
    ],
)
def test_datetime_forms(cell, expected):
    assert one(parse_datetime, cell) == (pd.Timestamp(expected), False)


@pytest.mark.parametrize(
    "cell", ["26/9/2016 25:00", "26/9/2016 08:61", "26/9/2016 08:30:60", "31/02/2016 08:00", "x"]
)
def test_impossible_datetimes_are_refused(cell):
    value, bad = one(parse_datetime, cell)
    assert bad and pd.isna(value)


# --- months --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cell",
    [
        "9/2016",
        "09/2016",
        "2016-09",
        "Tháng 9/2016",
        "tháng 09/2016",
        "THÁNG 9/2016",
        "26/9/2016",
        "2016-09-26",
        dt.date(2016, 9, 26),
        dt.datetime(2016, 9, 1),
        42639,
    ],
)
def test_month_forms(cell):
    assert one(parse_month, cell) == (pd.Period("2016-09", freq="M"), False)


@pytest.mark.parametrize("cell", ["13/2016", "0/2016", "x", "2016", "31/02/2016"])
def test_bad_months_are_refused(cell):
    value, bad = one(parse_month, cell)
    assert bad and pd.isna(value)


def test_blank_month_is_missing_not_bad():
    value, bad = one(parse_month, None)
    assert pd.isna(value) and not bad


def test_months_come_back_as_monthly_periods():
    values, _ = parse_month(pd.Series(["1/2017", "12/2016"], dtype=object))
    assert values.dtype == "period[M]"
    assert values.tolist() == [pd.Period("2017-01", "M"), pd.Period("2016-12", "M")]


# --- yes / no ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cell", ["Có", "có", "CÓ", "co", "x", "X", "1", 1, 1.0, "TRUE", "true", True, np.True_, "yes"]
)
def test_yes_forms(cell):
    assert one(parse_bool, cell) == (True, False)


@pytest.mark.parametrize(
    "cell", ["Không", "không", "KHONG", "0", 0, 0.0, "FALSE", False, "no", "No", "", None]
)
def test_no_forms(cell):
    assert one(parse_bool, cell) == (False, False)


@pytest.mark.parametrize("cell", ["maybe", "2", 2, "có lẽ"])
def test_other_words_are_not_yes_or_no(cell):
    value, bad = one(parse_bool, cell)
    assert bad and pd.isna(value)


# --- whole numbers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cell, expected", [("45", 45), (" 45 ", 45), (45, 45), (45.0, 45), (np.int64(7), 7), ("0", 0)]
)
def test_whole_numbers(cell, expected):
    assert one(parse_int, cell) == (expected, False)


@pytest.mark.parametrize(
    "cell",
    ["4a", 45.5, "45.5", -3, "-3", "1,000", "1e3", True, "bốn", 9.3e18, float("inf"), "9" * 25],
)
def test_not_whole_numbers_are_refused(cell):
    value, bad = one(parse_int, cell)
    assert bad and pd.isna(value)


def test_blank_number_is_missing_not_bad():
    values, bad = parse_int(pd.Series([None, "", 12], dtype=object))
    assert values.dtype == "Int64"
    assert values.isna().tolist() == [True, True, False]
    assert not bad.any()


# --- lists and text ------------------------------------------------------------------------


def test_lists_split_on_semicolons_and_new_lines():
    cells = pd.Series(
        ["Trữ nước ngọt; Phòng chống dịch;An toàn giao thông", "Một\nHai\n\nBa", "a;;b", "", None],
        dtype=object,
    )
    values, bad = parse_list(cells)
    assert values.tolist() == [
        ("Trữ nước ngọt", "Phòng chống dịch", "An toàn giao thông"),
        ("Một", "Hai", "Ba"),
        ("a", "b"),
        (),
        (),
    ]
    assert not bad.any()


def test_text_keeps_ids_typed_as_numbers_without_dot_zero():
    values, bad = parse_text(pd.Series(["T001", 12.0, 12, "0901234567", None, ""], dtype=object))
    assert values.tolist()[:4] == ["T001", "12", "12", "0901234567"]
    assert values.isna().tolist() == [False, False, False, False, True, True]
    assert not bad.any()


def test_missing_mask_sees_every_kind_of_blank():
    cells = pd.Series([None, "", float("nan"), 0, False, "x", dt.date(2016, 1, 1)], dtype=object)
    assert missing_mask(cells).tolist() == [True, True, True, False, False, False, False]

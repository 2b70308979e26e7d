"""Numbers the Vietnamese way, in one place: what every page, chart, report and list shows."""

import math

import numpy as np
import pandas as pd
import pytest

from tothu_core.figures.numbers import (
    MISSING,
    PLOTLY_SEPARATORS,
    STYLED_CELLS_LIMIT,
    display_styler,
    vn_change,
    vn_decimal,
    vn_int,
    vn_number,
    vn_percent,
)

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("value", "decimals", "text"),
    [
        (0, 0, "0"),
        (7, 0, "7"),
        (3210, 0, "3.210"),
        (1234567, 0, "1.234.567"),
        (5 / 3, 2, "1,67"),
        (1234.5, 1, "1.234,5"),
        (2.675, 2, "2,68"),  # half up, as typed (2.675 is 2.67499… in binary)
        (87.25, 1, "87,3"),
        (-3.5, 1, "-3,5"),
        (-0.04, 1, "0,0"),
        (np.int64(40773), 0, "40.773"),
    ],
)
def test_vn_number(value, decimals, text):
    assert vn_number(value, decimals) == text


def test_percentages_keep_the_sign_on_the_line():
    assert vn_percent(89.2) == f"89,2{NBSP}%"
    assert vn_percent(100) == f"100,0{NBSP}%"
    assert vn_percent(3210.0) == f"3.210,0{NBSP}%"
    for nothing in (float("nan"), None, pd.NA, math.inf):
        assert vn_percent(nothing) == MISSING
    assert vn_int(3210) == "3.210" and vn_decimal(2.756, 2) == "2,76"


def test_changes_are_signed_zero_or_unknown():
    assert vn_change(2.46, 1, unit=" điểm %") == "+2,5 điểm %"
    assert vn_change(-7.5, 1, unit=" điểm %") == "-7,5 điểm %"
    assert vn_change(0.04, 1) == 0
    assert vn_change(float("nan")) is None


def test_plotly_gets_a_decimal_comma_and_a_thousands_dot():
    assert PLOTLY_SEPARATORS == ",."


def test_a_table_is_styled_without_changing_its_values():
    frame = pd.DataFrame(
        {"Tên ấp": ["Ấp Mỹ An", "Ấp Mỹ Hòa"], "Số hộ": [3210, 40],
         "Tỷ lệ dự (%)": [89.25, np.nan], "Bình quân": [2.756, 3.0], "Có": [True, False]}
    )  # fmt: skip
    styler = display_styler(frame)
    html = styler.to_html()
    assert "3.210" in html and f"89,3{NBSP}%" in html and "2,76" in html
    assert "89.25" not in html
    pd.testing.assert_frame_equal(styler.data, frame)
    assert display_styler(frame[["Tên ấp"]]) is None, "nothing to style"


def test_a_large_table_is_left_to_the_browser():
    rows = STYLED_CELLS_LIMIT // 2 + 1
    assert display_styler(pd.DataFrame({"a": range(rows), "b": range(rows)})) is None

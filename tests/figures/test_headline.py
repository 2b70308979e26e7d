"""Headline cards, month notices and the attention list of the overview, on hand-made data."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from tests.figures.test_assignment_view import leadership_book
from tothu_core.figures import figures, headline
from tothu_core.sheet.reader import read_dataset


@pytest.fixture(scope="module")
def ds():
    return read_dataset(leadership_book())


def cards_by_key(cards):
    return {c.key: c for c in cards}


def test_cards_for_the_hand_made_commune(ds):
    """10/2016 against 09/2016 (see leadership_book), worked by hand:

    groups 7 / 7; cadres 3 (CB01-03) / 4 (CB04 had T6); pairs 7 / 7 -> load 2.33 / 1.75;
    covered 6 of 7 both months (T4) -> 85.7 %; met T1 T2 T3 T7 -> 4 of 7 = 57.1 % / 0 %;
    attendance (8+4+4+8) / (10+20+10+8) = 50.0 % / none; received T1 T2 T3 T6 T7 -> 5 of 7
    = 71.4 % / 0 %; on time all but T3 (6/11 > 5/11) -> 4 of 7 = 57.1 % / 0 %.
    """
    trend = figures.overview(ds, ds.months())
    cards = cards_by_key(headline.headline_cards(trend, "10/2016"))
    shown = {k: (c.value_text, c.delta) for k, c in cards.items()}
    assert shown == {
        "groups": ("7", 0),
        "cadres": ("3", "-1"),
        "average_load": ("2,33", "+0,58"),
        "coverage_pct": ("85,7\u00a0%", 0),
        "meeting_pct": ("57,1\u00a0%", "+57,1 điểm %"),
        "attendance_pct": ("50,0\u00a0%", None),
        "completeness_pct": ("71,4\u00a0%", "+71,4 điểm %"),
        "on_time_pct": ("57,1\u00a0%", "+57,1 điểm %"),
    }
    labels = {k: c.label for k, c in cards.items()}
    assert labels["average_load"] == "Bình quân tổ/cán bộ (kế hoạch: 3)"
    assert labels["coverage_pct"] == "Tổ có cán bộ phụ trách"
    planned = headline.headline_cards(trend, "10/2016", planned_load=4)
    assert cards_by_key(planned)["average_load"].label == "Bình quân tổ/cán bộ (kế hoạch: 4)"
    assert cards["meeting_pct"].delta_color == "normal"
    assert cards["cadres"].delta_color == "off"
    # Sparklines run from the first month up to the chosen one; a month without rate is left out.
    # 08/2016: all met but T4 (6 of 7); (9+10+6+5+6+8) of (10+20+10+10+12+8) = 44/70 present.
    assert cards["meeting_pct"].trend == (85.7, 0.0, 57.1)
    assert cards["attendance_pct"].trend == (62.9, 50.0)
    assert headline.delta_caption(trend, "10/2016").startswith(
        "Số nhỏ dưới mỗi chỉ số: thay đổi so với tháng 09/2016"
    )


def test_a_month_still_taking_reports_shows_changes_in_grey(ds):
    trend = figures.overview(ds, ds.months())
    cards = headline.headline_cards(trend, "10/2016", provisional=True)
    assert {c.delta_color for c in cards} == {"off"}
    assert cards_by_key(cards)["meeting_pct"].delta == "+57,1 điểm %"
    assert headline.delta_caption(trend, "10/2016", provisional=True).endswith(
        "Tháng này chưa hết hạn báo cáo nên mức giảm chưa đáng lo."
    )


def test_first_month_has_no_delta(ds):
    trend = figures.overview(ds, ds.months())
    cards = headline.headline_cards(trend, "08/2016")
    assert all(c.delta is None for c in cards)
    assert (
        headline.delta_caption(trend, "08/2016") == "Chưa có tháng trước trong dữ liệu để so sánh."
    )


def test_number_and_percentage_texts():
    assert headline.number_text(2.756, decimals=2) == "2,76"
    assert headline.number_text(3210) == "3.210"
    assert headline.number_text(float("nan")) == "–"
    assert headline.pct_text(85.3) == "85,3\u00a0%"
    assert headline.pct_text(100) == "100,0\u00a0%"
    assert headline.pct_text(math.nan) == "–"


def test_small_changes_round_to_zero_and_negative_changes_keep_their_sign():
    trend = pd.DataFrame(
        {
            "month": pd.PeriodIndex(["2016-01", "2016-02"], freq="M"),
            "groups": [10, 12],
            "cadres": [4, 4],
            "average_load": [2.5, 3.0],
            "coverage_pct": [90.0, 90.04],
            "meeting_pct": [80.0, 72.5],
            "attendance_pct": [math.nan, 60.0],
            "completeness_pct": [100.0, 95.0],
            "on_time_pct": [90.0, 92.5],
        }
    )
    cards = cards_by_key(headline.headline_cards(trend, "02/2016"))
    assert cards["groups"].delta == "+2"
    assert cards["cadres"].delta == 0
    assert cards["average_load"].delta == "+0,50"
    assert cards["coverage_pct"].delta == 0
    assert cards["meeting_pct"].delta == "-7,5 điểm %"
    assert cards["attendance_pct"].delta is None
    assert cards["on_time_pct"].delta == "+2,5 điểm %"


def test_month_notice(ds):
    late = dt.datetime(2026, 1, 1)
    assert headline.month_notice(ds, "10/2016", now=late) is None
    assert headline.month_notice(ds, "09/2016", now=late) == (
        "Chưa có báo cáo nào cho tháng 09/2016, dù đã quá hạn nộp (hết ngày 05/10/2016)."
    )
    assert headline.month_notice(ds, "10/2016", now=dt.datetime(2016, 11, 5, 23, 0)) == (
        "Tháng 10/2016 còn đang nhận báo cáo (hạn hết ngày 05/11/2016), "
        "nên các tỷ lệ sinh hoạt và báo cáo sẽ còn tăng."
    )
    assert headline.month_notice(ds, "09/2016", now=dt.datetime(2016, 10, 1)) == (
        "Chưa có báo cáo nào cho tháng 09/2016. Hạn nộp là hết ngày 05/10/2016."
    )
    # A hamlet or cadre without entries in a month that has some elsewhere.
    assert headline.month_notice(ds, "10/2016", now=late, hamlet="A3").startswith(
        "Chưa có báo cáo nào cho tháng 10/2016"
    )
    assert headline.month_notice(ds, "10/2016", now=late, cadre="CB04") is not None


def test_entries_in_scope(ds):
    assert headline.entries_in_scope(ds, "10/2016") == 5
    assert headline.entries_in_scope(ds, "10/2016", hamlet="A2") == 2
    assert headline.entries_in_scope(ds, "10/2016", cadre="CB03") == 2
    assert headline.entries_in_scope(ds, "09/2016") == 0


def test_open_months():
    months = pd.period_range("2016-08", "2016-10", freq="M")
    now = dt.datetime(2016, 10, 5, 12, 0)  # 09's deadline is the end of 5/10
    assert list(headline.open_months(months, now=now, deadline_day=5)) == [
        pd.Period("2016-09", "M"),
        pd.Period("2016-10", "M"),
    ]
    assert list(headline.open_months(months, now=now, deadline_day=4)) == [
        pd.Period("2016-10", "M")
    ]


def test_attention_table_most_reasons_first_and_total(ds):
    """10/2016: T2 weak and 20 % present (2 reasons); T4 T5 T6 no meeting in 09 nor 10;
    T3 40 % present. One reason each: no attendance (NaN) sorts before 40 %."""
    table, total = headline.attention_table(ds, "10/2016")
    assert total == 5
    assert table["Mã tổ"].tolist() == ["T2", "T4", "T5", "T6", "T3"]
    assert table.loc[0, "Lý do"] == "Xếp loại Yếu; tỷ lệ hộ dự 20,0\u00a0% (dưới 50\u00a0%)"
    assert table.loc[3, "Ấp"] == "Ấp Hai"
    top, total = headline.attention_table(ds, "10/2016", limit=2)
    assert (len(top), total) == (2, 5)
    html = headline.attention_html(headline.attention_table(ds, "10/2016", hamlet="A2")[0])
    assert "<b>Tổ 6</b> (T6) · Ấp Hai" in html


def test_attention_html_escapes_sheet_values():
    table = pd.DataFrame(
        {"Mã tổ": ["T9"], "Tên tổ": ["<script>x</script>"], "Ấp": ["Ấp <b>"], "Lý do": ["a & b"]}
    )
    html = headline.attention_html(table)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "Ấp &lt;b&gt;" in html and "a &amp; b" in html


def test_trend_long_for_the_chart(ds):
    trend = figures.overview(ds, ds.months())
    long = headline.trend_long(trend, headline.REPORT_TREND)
    assert long.columns.tolist() == ["Tháng", "Chỉ số", "Tỷ lệ (%)"]
    assert long["Chỉ số"].unique().tolist() == ["Báo cáo đã nộp", "Đúng hạn"]
    assert long["Tháng"].iloc[-1] == pd.Timestamp("2016-10-01")
    assert long["Tỷ lệ (%)"].tolist() == [100.0, 0.0, 71.4, 100.0, 0.0, 57.1]

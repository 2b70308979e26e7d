"""Tổng quan in AppTest: the core's figures on the demo, hand-worked ones on a small workbook."""

from __future__ import annotations

from tests.app_support import app, use_demo, use_workbook
from tests.figures.test_assignment_view import leadership_book
from tothu_core.figures import figures, headline
from tothu_core.settings import load_settings


def shown_metrics(at) -> dict[str, tuple[str, str]]:
    return {m.label: (m.value, m.delta) for m in at.metric}


def main_captions(at) -> str:
    return " ".join(c.value for c in at.main.caption)


def expected_metrics(ds, month, **scope) -> dict[str, tuple[str, str]]:
    deadline_day = load_settings().deadline_day
    trend = figures.overview(ds, ds.months(), deadline_day=deadline_day, **scope)
    return {
        c.label: (c.value_text, "" if c.delta is None else str(c.delta))
        for c in headline.headline_cards(trend, month)
    }


def test_demo_figures_filters_and_query_string(monkeypatch, demo_dir, demo_ds):
    use_demo(monkeypatch, demo_dir)
    month = demo_ds.months()[-2]
    at = app(demo_role="Lãnh đạo", query={"thang": month.strftime("%m-%Y"), "ap": "A2"})
    assert not at.exception
    # The link's month and hamlet are the sidebar's choice.
    assert at.sidebar.selectbox(key="filter_month").value == month.strftime("%m/%Y")
    assert at.sidebar.selectbox(key="filter_hamlet").value == "A2"
    assert at.title[0].value == "Tổng quan"
    shown = shown_metrics(at)
    assert shown == expected_metrics(demo_ds, month, hamlet="A2")
    groups_in_a2 = (demo_ds.groups["hamlet_id"] == "A2").sum()
    assert shown["Số tổ"][0] == str(groups_in_a2)

    # Another hamlet: other figures, and the link follows.
    at.sidebar.selectbox(key="filter_hamlet").select("A5").run()
    assert at.query_params["ap"] == "A5"
    assert shown_metrics(at) == expected_metrics(demo_ds, month, hamlet="A5")
    assert shown_metrics(at) != shown

    # The whole commune, one month earlier.
    at.sidebar.selectbox(key="filter_hamlet").select("").run()
    earlier = month - 1
    at.sidebar.selectbox(key="filter_month").select(earlier.strftime("%m/%Y")).run()
    assert "ap" not in at.query_params
    assert at.query_params["thang"] == earlier.strftime("%m-%Y")
    assert shown_metrics(at) == expected_metrics(demo_ds, earlier)
    table, total = headline.attention_table(demo_ds, earlier)
    assert headline.attention_html(table) in [h.proto.body for h in at.get("html")]
    assert at.dataframe[0].value.values.tolist() == table.values.tolist()
    assert f"{len(table)} trong số {total} tổ cần quan tâm" in main_captions(at)
    assert len(at.get("plotly_chart")) == 2


def test_hand_made_commune_for_a_leader(monkeypatch, tmp_path):
    """10/2016 of leadership_book against 09/2016, worked by hand in test_headline."""
    use_workbook(monkeypatch, leadership_book(), tmp_path)
    at = app(cadre="CB01", query={"thang": "10-2016"})
    assert not at.exception
    assert shown_metrics(at) == {
        "Số tổ": ("7", "0"),
        "Cán bộ phụ trách": ("3", "-1"),
        "Bình quân tổ/cán bộ (kế hoạch: 3)": ("2,33", "+0,58"),
        "Tổ có cán bộ phụ trách": ("85,7\u00a0%", "0"),
        "Tổ sinh hoạt": ("57,1\u00a0%", "+57,1 điểm %"),
        "Hộ dự sinh hoạt": ("50,0\u00a0%", ""),
        "Báo cáo đã nộp": ("71,4\u00a0%", "+71,4 điểm %"),
        "Báo cáo đúng hạn": ("57,1\u00a0%", "+57,1 điểm %"),
    }
    assert [i.value for i in at.info] == []  # a closed month with entries: no notice
    assert at.dataframe[0].value["Mã tổ"].tolist() == ["T2", "T4", "T5", "T6", "T3"]
    assert "5 trong số 5 tổ cần quan tâm tháng 10/2016" in main_captions(at)

    # A month without any entry says so.
    at.sidebar.selectbox(key="filter_month").select("09/2016").run()
    assert at.query_params["thang"] == "09-2016"
    assert "Chưa có báo cáo nào cho tháng 09/2016, dù đã quá hạn nộp (hết ngày 05/10/2016)." in [
        i.value for i in at.info
    ]
    assert shown_metrics(at)["Tổ sinh hoạt"] == ("0,0\u00a0%", "-85,7 điểm %")

    # A hamlet without groups: a sentence instead of figures.
    at.sidebar.selectbox(key="filter_hamlet").select("A3").run()
    assert not at.exception
    assert at.query_params["ap"] == "A3"
    assert not at.metric
    assert any("Không có tổ nào trong phạm vi đang chọn" in i.value for i in at.info)


def test_a_cadre_sees_only_their_own_groups(monkeypatch, tmp_path):
    use_workbook(monkeypatch, leadership_book(), tmp_path)
    at = app(cadre="CB02", query={"thang": "10-2016"})
    assert not at.exception
    shown = shown_metrics(at)
    # CB02 follows T3 (met, 4 of 10) and T5 (no report): 2 groups, 1 of 2 reports.
    assert shown["Số tổ"][0] == "2"
    assert shown["Tổ sinh hoạt"][0] == "50,0\u00a0%"
    assert shown["Hộ dự sinh hoạt"][0] == "40,0\u00a0%"
    assert shown["Báo cáo đã nộp"][0] == "50,0\u00a0%"
    assert not at.get("download_button")  # a cadre may not export

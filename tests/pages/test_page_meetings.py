"""Sinh hoạt & tham dự, run in AppTest on the demo and on the hand-made commune of test_activity."""

from __future__ import annotations

import json

from tests.app_support import app, use_demo, use_workbook
from tests.figures.test_activity import planted_book
from tothu_core.figures import activity
from tothu_core.figures.figures import as_month
from tothu_core.figures.numbers import vn_percent

PAGE = "pages/meetings.py"
HEAT_HAMLET = "meetings_heat_hamlet"


def chart_data(at, index: int) -> list[dict]:
    return json.loads(at.get("plotly_chart")[index].proto.spec)["data"]


def test_demo_for_leadership_shows_the_cores_figures(monkeypatch, demo_dir, demo_ds):
    use_demo(monkeypatch, demo_dir)
    at = app(demo_role="Lãnh đạo", page=PAGE)
    assert not at.exception
    ds = demo_ds
    month = as_month(at.sidebar.selectbox(key="filter_month").value)
    totals = activity.activity_by_month(activity.hamlet_activity(ds, ds.months()))
    row = totals[totals["month"] == month].iloc[0]
    shown = {m.label: m.value for m in at.metric}
    assert shown["Tỷ lệ tổ sinh hoạt"] == vn_percent(row["meeting_pct"])
    assert shown["Tỷ lệ hộ dự"] == vn_percent(row["attendance_pct"])
    assert shown["Buổi sinh hoạt có cán bộ dự"] == vn_percent(row["cadre_presence_pct"])
    # Charts write numbers the Vietnamese way (decimal comma) on axes and in hover labels.
    layout = json.loads(at.get("plotly_chart")[0].proto.spec)["layout"]
    assert layout["separators"] == ",."
    # The heat map shows one hamlet at a time: the first one until another is chosen.
    first = ds.hamlets["hamlet_id"].iloc[0]
    assert at.selectbox(key=HEAT_HAMLET).value == first
    in_first = ds.groups[ds.groups["hamlet_id"] == first]
    assert len(chart_data(at, 2)[0]["y"]) == len(in_first)


def test_hand_made_commune_figures_filters_and_empty_states(monkeypatch, tmp_path):
    use_workbook(monkeypatch, planted_book(), tmp_path)
    at = app(cadre="CB01", page=PAGE, query={"thang": "09-2016"})
    assert not at.exception
    assert [m.value for m in at.metric] == ["75,0\u00a0%", "77,1\u00a0%", "66,7\u00a0%"]

    hamlets = at.dataframe[0].value
    assert hamlets["Tên ấp"].tolist() == ["Ấp Mỹ An", "Ấp Bình Hòa", "Ấp Tân Lợi"]
    assert hamlets["Tỷ lệ dự (%)"].tolist()[:2] == [80.0, 75.0]
    assert hamlets["Tỷ lệ cán bộ dự (%)"].tolist()[:2] == [50.0, 100.0]
    topics = at.dataframe[1].value
    assert topics.values.tolist() == [["An toàn giao thông", 100.0, 3, 3],
                                      ["Trữ nước ngọt", 66.7, 2, 3]]  # fmt: skip
    assert chart_data(at, 2)[0]["y"] == ["Tổ 1", "Tổ 2"]
    assert chart_data(at, 2)[0]["text"] == [["50", "90"], ["", "75"]]

    # Another hamlet in the heat map; only hamlets that have groups are offered.
    picker = at.selectbox(key=HEAT_HAMLET)
    assert picker.options == ["Ấp Mỹ An", "Ấp Bình Hòa"]
    picker.select("A2").run()
    assert chart_data(at, 2)[0]["y"] == ["Tổ 1", "Tổ 2"]
    # T3 met only in 09/2016 (30 of 40 households); T4 never reported.
    assert chart_data(at, 2)[0]["text"] == [["", "75"], ["", ""]]

    # The sidebar's cadre: that cadre's groups, wherever they are, and no hamlet to choose.
    at.sidebar.selectbox(key="filter_cadre").select("CB01").run()
    assert chart_data(at, 2)[0]["y"] == ["Tổ 1 (T1)", "Tổ 1 (T3)"]
    assert HEAT_HAMLET not in [s.key for s in at.selectbox]
    assert [m.value for m in at.metric] == ["100,0\u00a0%", "78,0\u00a0%", "100,0\u00a0%"]

    # A hamlet without groups: sentences instead of charts.
    at.sidebar.selectbox(key="filter_cadre").select("").run()
    at.sidebar.selectbox(key="filter_hamlet").select("A3").run()
    assert not at.exception
    infos = [i.value for i in at.info]
    assert "Phạm vi đang xem không có tổ nào." in infos
    assert "Không có tổ nào trong phạm vi đang xem." in infos


def test_month_without_topics_says_so(monkeypatch, tmp_path):
    use_workbook(monkeypatch, planted_book(), tmp_path)
    at = app(cadre="CB01", page=PAGE, query={"thang": "08-2016"})
    assert not at.exception
    assert "Tháng 08/2016 chưa có buổi sinh hoạt nào ghi nội dung tuyên truyền." in [
        i.value for i in at.info
    ]

"""Báo cáo tháng, run in AppTest on the demo and on the hand-made commune of test_activity."""

from __future__ import annotations

import pandas as pd

from tests.app_support import app, use_demo, use_workbook
from tests.figures.test_activity import planted_book
from tothu_core.figures import activity, figures
from tothu_core.sheet.load import load_dataset
from tothu_core.sheet.sources import resolve_source

PAGE = "pages/reports.py"
SEP = pd.Period("2016-09", "M")


def shown_frame(at, index: int) -> pd.DataFrame:
    return at.dataframe[index].value.reset_index(drop=True)


def test_hand_made_commune_tables_match_the_core(monkeypatch, tmp_path):
    use_workbook(monkeypatch, planted_book(), tmp_path)
    at = app(cadre="CB01", page=PAGE, query={"thang": "09-2016"})
    assert not at.exception
    ds = load_dataset(resolve_source())
    assert [(m.label, m.value, m.delta) for m in at.metric] == [
        ("Phải nộp", "4", ""),
        ("Đã nộp", "3", "75,0\u00a0%"),
        ("Đúng hạn", "2", "50,0\u00a0%"),
        ("Chưa nộp", "1", ""),
    ]
    hamlets = shown_frame(at, 0)
    expected = activity.reports_by_hamlet(ds, SEP)
    assert hamlets["Tên ấp"].tolist() == expected["hamlet_name"].tolist()
    assert hamlets["Nộp trễ"].tolist() == [1, 0, 0]
    assert hamlets["Tỷ lệ đã nộp (%)"].tolist()[:2] == [100.0, 50.0]

    cadres = shown_frame(at, 1)
    assert cadres["Họ và tên"].tolist() == ["Nguyễn Văn An", "Lê Văn Cường", "Trần Thị Đào"]
    core = figures.completeness(ds, SEP).set_index("name")["completeness_pct"]
    assert cadres.set_index("Họ và tên")["Tỷ lệ đã nộp (%)"].to_dict() == core.to_dict()

    # The deadline (05/10/2016) is long past: the clerk is told to call.
    assert at.warning[0].value == "1 đồng chí đã quá hạn mà chưa nộp đủ báo cáo."
    missing = shown_frame(at, 2)
    assert missing[["Họ và tên", "Điện thoại", "Các tổ chưa có báo cáo"]].values.tolist() == [
        ["Lê Văn Cường", "0903 333 333", "Tổ 2 – Ấp Bình Hòa"]
    ]

    entries = shown_frame(at, 3)
    assert entries["Số hộ dự"].tolist() == [9, 15, 30]  # the correction counts for Tổ 1
    assert entries["Số lần nhập"].tolist() == [2, 1, 1]
    assert entries["Đúng hạn"].tolist() == ["Có", "Không", "Có"]
    assert entries["Kiến nghị"].tolist()[0] == "Xin bồn chứa nước"

    at.text_input(key="reports_search").input("nuoc ngot").run()
    assert shown_frame(at, 3)["Họ và tên"].tolist() == ["Nguyễn Văn An", "Trần Thị Đào"]
    assert "Tìm thấy 2 trong 3 báo cáo." in [c.value for c in at.caption]
    at.text_input(key="reports_search").input("khong co dau").run()
    assert "Không có báo cáo nào khớp với từ cần tìm." in [i.value for i in at.info]


def test_hamlet_filter_and_nobody_missing(monkeypatch, tmp_path):
    use_workbook(monkeypatch, planted_book(), tmp_path)
    at = app(cadre="CB01", page=PAGE, query={"thang": "09-2016", "ap": "A1"})
    assert not at.exception
    assert at.success[0].value == "Mọi đồng chí trong phạm vi đang xem đã nộp báo cáo tháng này."
    assert shown_frame(at, 0)["Tên ấp"].tolist() == ["Ấp Mỹ An"]
    assert shown_frame(at, 2)["Tên ấp"].tolist() == ["Ấp Mỹ An", "Ấp Mỹ An"]  # the entries


def test_demo_for_leadership_agrees_with_the_overview(monkeypatch, demo_dir, demo_ds):
    use_demo(monkeypatch, demo_dir)
    at = app(demo_role="Lãnh đạo", page=PAGE)
    assert not at.exception
    ds = demo_ds
    month = figures.as_month(at.sidebar.selectbox(key="filter_month").value)
    totals = figures.overview(ds, month).iloc[0]
    shown = {m.label: m.value for m in at.metric}
    assert shown["Phải nộp"] == str(totals["expected"])
    assert shown["Đã nộp"] == str(totals["received"])
    assert shown["Đúng hạn"] == str(totals["on_time"])
    assert shown["Chưa nộp"] == str(totals["expected"] - totals["received"])
    owed = activity.missing_reports(ds, month)
    if owed.empty:
        assert at.success
    else:
        assert shown_frame(at, 2)["Họ và tên"].tolist() == owed["name"].tolist()

"""Kiểm tra dữ liệu, run in AppTest on a workbook with planted problems and on the clean demo."""

from __future__ import annotations

import pandas as pd

from tests.app_support import app, use_demo, use_workbook
from tests.figures.test_activity import PLANTED_ERRORS, PLANTED_WARNINGS, planted_book
from tothu_core.sheet.sources.workbook import WorkbookSource

PAGE = "pages/data_check.py"
SHEET_URL = "https://docs.google.com/spreadsheets/d/so-lieu-xa"


def tables(at) -> list[pd.DataFrame]:
    return [d.value.reset_index(drop=True) for d in at.dataframe]


def test_planted_problems_are_listed_with_their_rows(monkeypatch, tmp_path):
    use_workbook(monkeypatch, planted_book(), tmp_path)
    at = app(cadre="CB01", page=PAGE)
    assert not at.exception
    assert [(m.label, m.value) for m in at.metric] == [
        ("Lỗi", str(PLANTED_ERRORS)),
        ("Cảnh báo", str(PLANTED_WARNINGS)),
    ]
    # Tabs with errors first (in the contract's order), errors before warnings in a tab.
    assert [e.label for e in at.expander] == [
        "Trang «Tổ» — 1 lỗi, 1 cảnh báo",
        "Trang «Sinh hoạt» — 3 lỗi, 0 cảnh báo",
    ]
    groups, meetings = tables(at)
    assert groups[["Dòng", "Cột", "Giá trị", "Mức"]].values.tolist() == [
        [6, "Số hộ", "abc", "Lỗi"],
        [2, "Xếp loại", "Tạm", "Cảnh báo"],
    ]
    assert meetings[["Dòng", "Cột", "Giá trị"]].values.tolist() == [
        [9, "Tháng", "13/2016"],
        [10, "Số hộ dự", "99"],
        [11, "Mã tổ", "T9"],
    ]
    assert meetings["Nội dung"].iloc[1] == "Số hộ dự (99) lớn hơn số hộ của tổ (10)."
    assert not at.get("link_button")  # a local workbook has no web address

    at.segmented_control(key="data_check_severity").set_value("Chỉ cảnh báo").run()
    assert [len(t) for t in tables(at)] == [1]
    assert tables(at)[0]["Giá trị"].tolist() == ["Tạm"]


def test_google_sheet_gets_a_link(monkeypatch, tmp_path):
    use_workbook(monkeypatch, planted_book(), tmp_path)
    monkeypatch.setattr(WorkbookSource, "url", property(lambda self: SHEET_URL))
    at = app(cadre="CB01", page=PAGE)
    assert not at.exception
    assert [b.proto.url for b in at.get("link_button")] == [SHEET_URL]


def test_clean_demo_says_no_errors(monkeypatch, demo_dir):
    use_demo(monkeypatch, demo_dir)
    at = app(demo_role="Quản trị", page=PAGE)
    assert not at.exception
    assert at.success[0].value.startswith("Không có lỗi nào")
    assert not at.dataframe

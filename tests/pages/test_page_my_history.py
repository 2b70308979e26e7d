"""Báo cáo của tôi, run in AppTest: a cadre sees their own entries and nobody else's."""

from __future__ import annotations

import pandas as pd

from tests.app_support import app, use_demo, use_workbook
from tests.figures.test_activity import planted_book
from tothu_core.entry import history_view
from tothu_core.figures import activity
from tothu_core.sheet.load import load_dataset
from tothu_core.sheet.sources import resolve_source
from tothu_core.textnorm import escape_markdown

PAGE = "pages/my_history.py"


def tables(at) -> list[pd.DataFrame]:
    return [d.value.reset_index(drop=True) for d in at.dataframe]


def test_cadre_sees_own_entries_and_month(monkeypatch, tmp_path):
    use_workbook(monkeypatch, planted_book(), tmp_path)
    at = app(cadre="CB02", page=PAGE, query={"thang": "09-2016"})
    assert not at.exception
    # CB02 reported Tổ 2 for 09/2016 on 6/10: received but late.
    assert [(m.label, m.value) for m in at.metric] == [
        ("Tổ phụ trách", "1"),
        ("Đã báo cáo", "1"),
        ("Đúng hạn", "0"),
        ("Còn thiếu", "0"),
    ]
    months, entries = tables(at)
    assert months["Tháng"].tolist() == ["10/2016", "09/2016", "08/2016"]
    assert months["Tỷ lệ đã nộp (%)"].tolist() == [100.0, 100.0, 0.0]
    assert entries[["Tháng", "Tên tổ", "Tên ấp"]].values.tolist() == [
        ["10/2016", "Tổ 2", "Ấp Mỹ An"],
        ["09/2016", "Tổ 2", "Ấp Mỹ An"],
    ]
    # On a phone the columns that say what was reported come first.
    assert list(entries.columns[:5]) == history_view.key_headers()


def test_corrections_show_as_history_whatever_the_cadre_filter(monkeypatch, tmp_path):
    use_workbook(monkeypatch, planted_book(), tmp_path)
    # An admin who filtered the dashboards on CB03 still sees only their own reports here.
    at = app(cadre="CB01", page=PAGE, query={"thang": "09-2016", "canbo": "CB03"})
    assert not at.exception
    assert "không theo bộ lọc cán bộ" in " ".join(c.value for c in at.caption)
    entries = tables(at)[1]
    ds = load_dataset(resolve_source())
    assert len(entries) == len(activity.cadre_history(ds, "CB01")) == 5
    first_two = entries.iloc[:2]
    assert first_two[["Tháng", "Tên tổ", "Lần nhập", "Được tính", "Số hộ dự"]].values.tolist() == [
        ["09/2016", "Tổ 1", 2, "Có", 9],
        ["09/2016", "Tổ 1", 1, "Không", 8],
    ]

    at.selectbox(key="my_history_month").select("08/2016").run()
    assert tables(at)[1]["Tháng"].tolist() == ["08/2016", "08/2016"]


def test_cadre_without_entries_is_told_where_to_report(monkeypatch, tmp_path):
    use_workbook(monkeypatch, planted_book(), tmp_path)
    at = app(cadre="CB03", page=PAGE, query={"thang": "09-2016"})
    assert not at.exception
    assert any("chưa có báo cáo nào" in i.value for i in at.info)
    assert tables(at)[0]["Tỷ lệ đã nộp (%)"].tolist() == [0.0, 0.0, 0.0]


def test_demo_cadre_sees_only_their_rows(monkeypatch, demo_dir, demo_ds):
    use_demo(monkeypatch, demo_dir)
    at = app(demo_role="Cán bộ", page=PAGE)
    assert not at.exception
    ds = demo_ds
    me = at.sidebar.selectbox(key="auth_demo_cadre").value
    mine = activity.cadre_history(ds, me)
    entries = tables(at)[1]
    assert len(entries) == len(mine) > 0
    shown = set(pd.to_datetime(entries["Thời điểm nhập"]))
    assert shown == set(mine["submitted_at"])
    assert not shown & set(ds.meetings.loc[ds.meetings["cadre_id"] != me, "submitted_at"])


def test_the_cadres_name_from_the_sheet_is_shown_as_text(monkeypatch, tmp_path):
    raw = planted_book()
    name = "Trần *Thị* [Đào](http://x.vn)"
    for row in raw["Cán bộ"]:
        if row and row[0] == "CB02":
            row[1] = name
    use_workbook(monkeypatch, raw, tmp_path)
    at = app(cadre="CB02", page=PAGE, query={"thang": "09-2016"})
    assert not at.exception
    assert at.caption[0].value == f"{escape_markdown(name)} (CB02) · mọi tháng có dữ liệu"

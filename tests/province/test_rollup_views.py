"""The province tables as the pages show and export them, and the sync status in words."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from tests.province.test_rollup import NAMES, NOW, stacked
from tests.province.test_rollup import communes as communes  # noqa: F401 - fixtures
from tests.province.test_rollup import tables as tables  # noqa: F401
from tests.province.test_rollup import union as union  # noqa: F401
from tothu_core.province import rollup, views
from tothu_core.province.store import open_store


def test_the_commune_table_keeps_the_figures_under_vietnamese_headers(tables):  # noqa: F811
    months = stacked(tables, "months")
    per = rollup.by_commune(months, "10/2026", NAMES)
    counts = rollup.attention_counts(stacked(tables, "attention"), "10/2026", NAMES)
    table = views.commune_table(per, counts)
    assert list(table.columns[:5]) == ["Mã xã", "Tên xã", "Tháng", "Số tổ", "Số tổ có cán bộ"]
    assert list(table["Tháng"]) == ["10/2026"] * 3
    assert list(table["Tỷ lệ dự (%)"].iloc[:2]) == list(per["attendance_pct"].iloc[:2])
    assert list(table["Tổ cần quan tâm"]) == list(counts)
    compact = views.compact_commune_table(per)
    assert list(compact.columns) == [
        "Xã, phường",
        "Có cán bộ (%)",
        "Sinh hoạt (%)",
        "Hộ dự (%)",
        "Đã nộp (%)",
        "Đúng hạn (%)",
    ]


def test_the_trend_table_is_one_row_per_month(tables):  # noqa: F811
    trend = rollup.trend(stacked(tables, "months"))
    table = views.trend_table(trend)
    # 8 months of entries (03–10/2026), then the sync's month 11/2026.
    assert list(table["Tháng"]) == [f"{m:02d}/2026" for m in range(3, 12)]
    assert list(table["Số báo cáo đúng hạn"]) == list(trend["on_time"])
    assert list(table["Đúng hạn (%)"]) == list(trend["on_time_pct"])


def test_the_drilldown_table_indents_former_communes_and_hamlets(tables):  # noqa: F811
    detail = rollup.drilldown(
        stacked(tables, "months"),
        stacked(tables, "former_months"),
        stacked(tables, "hamlet_months"),
        "10/2026",
        NAMES,
        ["X001"],
    )
    table = views.drilldown_table(detail)
    assert list(table["Cấp"][:3]) == ["Xã, phường", "Xã cũ", "Ấp"]
    assert list(table["Tên"][:3]) == ["Xã Mỹ Thạnh", "· Mỹ An", "· · Ấp Mỹ An (X001)"]
    assert table["Mã ấp"].iloc[0] == "" and table["Mã ấp"].iloc[2] == "X001-A1"


def test_the_status_says_when_each_commune_synced_and_why_one_failed(tmp_path, tables):  # noqa: F811
    store = open_store(None, tmp_path)
    store.replace_commune(
        "X001",
        {f"rollup.{k}": v for k, v in tables["X001"].items()},
        [],
        version="v1",
        synced_at=NOW,
    )
    later = NOW + dt.timedelta(hours=1)
    store.record_failure("X001", "Bảng tính chưa được chia sẻ.", at=later)
    store.record_failure("X002", "Không có tệp.", at=later)
    summary = store.read_table("rollup.summary")
    table = views.status_table(NAMES.items(), store.status(), summary)
    assert list(table["Trạng thái"]) == [views.SYNC_FAILED, views.SYNC_FAILED, views.SYNC_NEVER]
    first = table.iloc[0]
    # The last good sync is kept beside the failure that came after it.
    assert (first["Đồng bộ được lúc"], first["Lần thử gần nhất"]) == (
        "09:00 20/11/2026",
        "10:00 20/11/2026",
    )
    assert first["Lỗi"] == "Bảng tính chưa được chia sẻ."
    assert table.iloc[1]["Đồng bộ được lúc"] == ""
    assert first["Lỗi trong bảng tính"] == 0 and pd.isna(table.iloc[1]["Cảnh báo"])
    assert views.status_counts(table) == {
        views.SYNC_OK: 0,
        views.SYNC_FAILED: 2,
        views.SYNC_NEVER: 1,
    }
    assert views.last_sync_text(store.status()) == "Số liệu đồng bộ gần nhất lúc 09:00 20/11/2026."


def test_nothing_synced_yet():
    empty = pd.DataFrame(
        {"commune": [], "last_attempt": [], "last_success": [], "version": [], "error": []}
    )
    assert views.last_sync_text(empty) == "Chưa có xã nào được đồng bộ."
    table = views.status_table([("X001", "Xã Mỹ Thạnh")], empty)
    assert list(table["Trạng thái"]) == [views.SYNC_NEVER]


@pytest.mark.parametrize("month", ["09/2026", "10/2026"])
def test_attention_and_missing_tables_name_the_commune(tables, month):  # noqa: F811
    attention = rollup.attention(stacked(tables, "attention"), month, NAMES)
    table = views.attention_table(attention)
    assert list(table.columns) == ["Xã, phường", "Xã cũ", "Ấp", "Mã tổ", "Tên tổ", "Lý do"]
    # Without any former commune of its own, the column would only repeat the commune.
    alone = views.attention_table(attention[attention["commune"] == "X002"])
    assert "Xã cũ" not in alone.columns and len(alone) == (attention["commune"] == "X002").sum()
    assert set(table["Xã, phường"]) <= {"Xã Mỹ Thạnh", "Xã Phú Túc"}
    missing = views.missing_table(stacked(tables, "missing"), NAMES)
    assert set(missing["Xã, phường"]) <= {"Xã Mỹ Thạnh", "Xã Phú Túc"}
    assert (missing["Số báo cáo chưa nộp"] <= missing["Số tổ phụ trách"]).all()

"""«Báo cáo của tôi» on a phone: what was reported comes first."""

from __future__ import annotations

from datetime import date, datetime

from tests.entry.test_entries import dataset, entry_book
from tothu_core.entry.history_view import entries_table, key_headers
from tothu_core.figures import activity


def test_key_columns_come_first_and_met_reads_co_khong():
    rows = [
        [1, "11/2026", "T1", "CB01", date(2026, 11, 12), 7, "Có", None, None, None,
         datetime(2026, 11, 13, 8, 0), "A-1"],
    ]  # fmt: skip
    raw = entry_book()
    raw["Sinh hoạt"] = raw["Sinh hoạt"] + rows
    table = entries_table(activity.cadre_history(dataset(raw), "CB01"))
    assert key_headers() == ["Tháng", "Tên tổ", "Sinh hoạt", "Số hộ dự", "Được tính"]
    assert list(table.columns[:5]) == key_headers()
    key = table[key_headers()].astype(object)
    assert key.where(key.notna(), None).values.tolist() == [
        ["11/2026", "Tổ 1", "Có", 7, "Có"],
        ["10/2026", "Tổ 1", "Có", 8, "Có"],
        ["10/2026", "Tổ 2", "Không", None, "Có"],
    ]
    assert "Ngày sinh hoạt" in table.columns and "Kiến nghị" in table.columns

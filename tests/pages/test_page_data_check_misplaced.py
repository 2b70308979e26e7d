"""Kiểm tra dữ liệu shows submissions written in the wrong place and sends them again on request."""

from __future__ import annotations

from datetime import datetime

import openpyxl
import pandas as pd

from tests.app_support import app, use_workbook
from tests.entry.test_entries import entry_book
from tothu_core import texts
from tothu_core.clock import office_now
from tothu_core.entry.outbox import SENT, Outbox, OutboxRecord
from tothu_core.sheet.sources.base import WriteTarget
from tothu_core.sheet.sources.workbook import WorkbookSource

PAGE = "pages/data_check.py"


def kept_in_the_wrong_place(path, data_dir, month: pd.Period) -> None:
    """What EntryWriter leaves behind when Google put a submission above the header."""
    month_text = month.strftime("%m/%Y")
    outbox = Outbox.in_folder(data_dir)
    outbox.add(
        OutboxRecord(
            submission_id="P77",
            source_identity=WorkbookSource(path).identity,
            tab="Sinh hoạt",
            key_column=11,
            rows=[
                {
                    "month": month_text,
                    "group_id": "T1",
                    "cadre_id": "CB01",
                    "submitted_at": datetime(2026, 11, 20, 9),
                    "submission_id": "P77-T1",
                },
                {
                    "month": month_text,
                    "group_id": "T2",
                    "cadre_id": "CB01",
                    "submitted_at": datetime(2026, 11, 20, 9),
                    "submission_id": "P77-T2",
                },
            ],  # fmt: skip
            cadre_id="CB01",
            month=month_text,
            groups=("T1", "T2"),
            created_at=datetime(2026, 11, 20, 9),
            target=WriteTarget(tab="meetings", title="Sinh hoạt", header_row=3),
        )
    )
    assert outbox.claim("P77")
    sentence = texts.ROWS_MISPLACED.format(
        count=2, rows="các dòng 1–2", title="Sinh hoạt", why=texts.MISPLACED_ABOVE, header_row=3
    )
    outbox.mark_misplaced("P77", error=sentence)


def test_the_admin_sees_where_the_rows_landed_and_sends_them_again(monkeypatch, tmp_path):
    month = pd.Period(office_now(), freq="M")
    raw = entry_book(month)
    raw["Cán bộ"].append(["CB99", "Phan Quản Trị", "Quản trị"])
    path = use_workbook(monkeypatch, raw, tmp_path)
    kept_in_the_wrong_place(path, tmp_path / "data", month)

    at = app(cadre="CB99", page=PAGE)
    assert not at.exception
    assert [h.value for h in at.subheader] == ["Báo cáo ghi sai chỗ trong bảng tính"]
    assert "chưa được tính" in at.warning[0].value
    assert any("các dòng 1–2" in c.value and "«Gửi lại»" in c.value for c in at.caption)
    assert any("Đồng chí CB01" in m.value and "tổ T1, T2" in m.value for m in at.markdown)

    at.button(key="data_check_resend_P77").click().run()
    assert not at.exception
    assert at.success[0].value == "Đã ghi 2 báo cáo vào bảng tính. Cảm ơn anh/chị."
    assert not at.subheader
    assert Outbox.in_folder(tmp_path / "data").get("P77").status == SENT
    sheet = openpyxl.load_workbook(path)["Sinh hoạt"]
    keys = [row[11] for row in sheet.iter_rows(min_row=4, values_only=True)]
    assert keys[-2:] == ["P77-T1", "P77-T2"]


def test_nothing_kept_shows_no_section(monkeypatch, tmp_path):
    month = pd.Period(office_now(), freq="M")
    raw = entry_book(month)
    raw["Cán bộ"].append(["CB99", "Phan Quản Trị", "Quản trị"])
    use_workbook(monkeypatch, raw, tmp_path)
    at = app(cadre="CB99", page=PAGE)
    assert not at.exception
    assert not at.subheader

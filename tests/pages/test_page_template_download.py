"""The template workbook is offered where an administrator sets the sheet up: «Kiểm tra dữ liệu»
(with or without problems in the sheet) and «Cài đặt». The bytes themselves are checked by the
browser journey that downloads them (tests/e2e/test_guide_screenshots.py)."""

from __future__ import annotations

import json

import openpyxl

from tests.app_support import app, use_demo, use_workbook
from tests.figures.test_activity import planted_book
from tothu_core.sheet import contract, template

LABEL = "⬇ Tải bảng tính mẫu (.xlsx)"


def template_buttons(at) -> list:
    return [b for b in at.get("download_button") if b.proto.label == LABEL]


def test_data_check_offers_the_template_on_a_clean_sheet(monkeypatch, demo_dir):
    use_demo(monkeypatch, demo_dir)
    at = app(demo_role="Quản trị", page="pages/data_check.py")
    assert not at.exception
    assert [s.value for s in at.success][0].startswith("Không có lỗi nào")
    (button,) = template_buttons(at)
    assert button.proto.HasField("deferred_file_id"), "built only when pressed"


def test_data_check_offers_the_template_beside_the_problems(monkeypatch, tmp_path):
    use_workbook(monkeypatch, planted_book(), tmp_path)
    at = app(cadre="CB01", page="pages/data_check.py")
    assert not at.exception
    assert at.metric, "the problems are listed"
    assert len(template_buttons(at)) == 1


def test_settings_offer_the_template(monkeypatch, demo_dir):
    use_demo(monkeypatch, demo_dir)
    at = app(demo_role="Quản trị", page="pages/settings.py")
    assert not at.exception
    assert len(template_buttons(at)) == 1


def test_an_office_starting_from_the_template_sees_its_first_month(monkeypatch, tmp_path):
    """The template, with the guide's example typed in, is a sheet the app runs on."""
    path = template.write_template(tmp_path / "bang-tinh.xlsx")
    book = openpyxl.load_workbook(path)
    for key, tab in contract.TABS.items():
        for index, column in enumerate(tab.columns, start=1):
            cell = book[tab.name].cell(row=template.FIRST_DATA_ROW, column=index)
            cell.value = template.EXAMPLES[key][column.key]
    book.save(path)
    accounts = tmp_path / "accounts.json"
    accounts.write_text(json.dumps({}), encoding="utf-8")
    monkeypatch.setenv("TOTHU_SOURCE", str(path))
    monkeypatch.setenv("TOTHU_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TOTHU_ACCOUNTS_FILE", str(accounts))

    at = app(cadre="CB01")
    assert not at.exception
    assert at.title[0].value == "Tổng quan"
    cards = {m.label: m.value for m in at.metric}
    assert cards["Số tổ"] == "1"

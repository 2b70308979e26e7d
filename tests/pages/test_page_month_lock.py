"""Khóa sổ tháng under AppTest: leadership reopens a closed month, closes it again, on record."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from tests.app_support import app, use_workbook
from tests.entry.test_entries import entry_book
from tothu_core.clock import office_now
from tothu_core.entry.month_lock import LOCKS_FILE_NAME

PAGE = "pages/month_lock.py"


@pytest.fixture
def month() -> pd.Period:
    return pd.Period(office_now(), freq="M")


@pytest.fixture
def book(monkeypatch, tmp_path, month):
    return use_workbook(monkeypatch, entry_book(month), tmp_path)


def states(at) -> dict[str, str]:
    frame = at.dataframe[0].value
    return dict(zip(frame["Tháng"], frame["Trạng thái"], strict=True))


def test_a_leader_reopens_and_closes_a_month_and_each_step_is_recorded(book, month, tmp_path):
    at = app(cadre="CB09", page=PAGE)
    assert not at.exception
    # Two months back always closed on the 15th of last month.
    old = (month - 2).strftime("%m/%Y")
    shown = states(at)
    assert len(shown) == 12
    assert shown[month.strftime("%m/%Y")] == "Đang mở"
    assert shown[old] == "Đã khóa sổ"
    assert at.info[-1].value.startswith("Chưa có lần mở lại hay khóa sổ nào")

    at.selectbox(key="month_lock_month").select(old).run()
    assert at.button(key="month_lock_action").label == f"Mở lại tháng {old}"
    at.button(key="month_lock_action").click().run()
    assert not at.exception
    assert at.success[0].value.startswith(f"Đã mở lại tháng {old}")
    assert states(at)[old] == "Đang mở (được mở lại)"
    saved = json.loads((tmp_path / "data" / LOCKS_FILE_NAME).read_text(encoding="utf-8"))
    key = (month - 2).strftime("%Y-%m")
    assert (saved["months"][key]["state"], saved["months"][key]["by"]) == ("open", "CB09")
    assert saved["months"][key]["by_name"] == "Lê Văn Lãnh"

    form = app(cadre="CB01", page="pages/entry_form.py")
    assert old in form.selectbox(key="entry_form_month").options

    assert at.button(key="month_lock_action").label == f"Khóa sổ tháng {old}"
    at.button(key="month_lock_action").click().run()
    assert at.success[0].value == f"Đã khóa sổ tháng {old}: tháng này không nhận báo cáo mới nữa."
    assert states(at)[old] == "Đã khóa sổ (do lãnh đạo khóa)"
    history = at.dataframe[1].value
    assert list(history["Việc làm"]) == ["Khóa sổ", "Mở lại sổ"]
    assert set(history["Người làm"]) == {"Lê Văn Lãnh"}

    form = app(cadre="CB01", page="pages/entry_form.py")
    assert old not in form.selectbox(key="entry_form_month").options


def test_a_cadre_cannot_reach_the_page(book):
    with pytest.raises(ValueError, match="not a registered page|registered"):
        app(cadre="CB01", page=PAGE)

"""The monthly entry form under AppTest, writing to a real .xlsx read back with openpyxl."""

from __future__ import annotations

from datetime import date

import openpyxl
import pandas as pd
import pytest
from filelock import FileLock

from tests.app_support import app, use_workbook
from tests.entry.test_entries import LEADER, MEETING_HEADERS, entry_book
from tothu_core.clock import office_now
from tothu_core.entry.month_lock import MonthLocks
from tothu_core.entry.outbox import Outbox
from tothu_core.sheet.sources import workbook as workbook_module

PAGE = "pages/entry_form.py"
HEADER_ROW = 3
OLD_ROWS = 2


@pytest.fixture
def month() -> pd.Period:
    return pd.Period(office_now(), freq="M")


@pytest.fixture
def book(monkeypatch, tmp_path, month):
    return use_workbook(monkeypatch, entry_book(month), tmp_path)


def key(month: pd.Period, group: str, name: str) -> str:
    return f"entry_form_{month.strftime('%Y-%m')}_{group}_{name}"


def open_form(cadre: str = "CB01"):
    at = app(cadre=cadre, page=PAGE)
    assert not at.exception
    return at


def fill(at, month, group, *, met=None, day=None, present=None, attended=None, topics=(),
         situation=None, proposals=None) -> None:  # fmt: skip
    if met is not None:
        at.radio(key=key(month, group, "met")).set_value(met)
    if day is not None:
        at.date_input(key=key(month, group, "meeting_date")).set_value(day)
    if present is not None:
        at.number_input(key=key(month, group, "households_present")).set_value(present)
    if attended is not None:
        at.radio(key=key(month, group, "cadre_attended")).set_value(attended)
    if topics:
        at.multiselect(key=key(month, group, "topics")).set_value(list(topics))
    if situation is not None:
        at.text_area(key=key(month, group, "situation")).input(situation)
    if proposals is not None:
        at.text_area(key=key(month, group, "proposals")).input(proposals)


def send(at):
    at.button(key="entry_form_submit").click().run()
    assert not at.exception
    return at


def new_rows(path) -> list[dict]:
    """The Sinh hoạt rows below the two the book starts with, by header."""
    sheet = openpyxl.load_workbook(path)["Sinh hoạt"]
    rows = list(sheet.iter_rows(min_row=HEADER_ROW + 1 + OLD_ROWS, values_only=True))
    return [dict(zip(MEETING_HEADERS, row, strict=False)) for row in rows if any(row)]


def labels(at) -> list[str]:
    return [e.label for e in at.expander]


def first_day(month: pd.Period) -> date:
    return month.start_time.date()


def test_the_cadre_sees_their_groups_with_last_month_beside_them(book, month):
    at = open_form()
    assert labels(at) == ["Tổ 1 · Ấp Mỹ An — chưa báo cáo", "Tổ 2 · Ấp Mỹ An — chưa báo cáo"]
    before = (month - 1).strftime("%m/%Y")
    t1, t2 = at.expander
    assert (
        f"Tháng trước ({before}): họp ngày 10/{before[:2]}, 8/10 hộ dự (80,0%), cán bộ có dự."
        in [c.value for c in t1.caption]
    )
    assert f"Tháng trước ({before}): tổ không họp." in [c.value for c in t2.caption]
    assert at.number_input(key=key(month, "T1", "households_present")).label == (
        "Số hộ dự (tổ có 10 hộ)"
    )
    assert at.selectbox(key="entry_form_month").value == month.strftime("%m/%Y")
    assert "Bầu cử đại biểu" in at.multiselect(key=key(month, "T1", "topics")).options


def test_happy_path_writes_one_row_per_group(book, month):
    at = open_form()
    topics = ["Trữ nước ngọt", "Bầu cử đại biểu"]
    fill(at, month, "T1", met=True, day=first_day(month), present=7, attended=True,
         topics=topics, situation="=1+1 bà con đồng tình")  # fmt: skip
    fill(at, month, "T2", met=False, proposals="Xin sửa cầu")
    send(at)

    assert [s.value for s in at.success] == ["Đã ghi 2 báo cáo vào bảng tính. Cảm ơn anh/chị."]
    rows = new_rows(book)
    assert [(r["Mã tổ"], r["Mã cán bộ"], r["Tháng"]) for r in rows] == [
        ("T1", "CB01", month.strftime("%m/%Y")),
        ("T2", "CB01", month.strftime("%m/%Y")),
    ]
    t1, t2 = rows
    assert t1["Ngày họp"].date() == first_day(month)
    assert (t1["Số hộ dự"], t1["Cán bộ dự"]) == (7, "Có")
    assert t1["Nội dung tuyên truyền"] == "Trữ nước ngọt; Bầu cử đại biểu"
    assert t1["Tình hình"] == "=1+1 bà con đồng tình"
    assert (t2["Ngày họp"], t2["Số hộ dự"], t2["Kiến nghị"]) == (None, None, "Xin sửa cầu")
    assert t1["Mã phiếu"] != t2["Mã phiếu"] and t1["Mã phiếu"].endswith("-T1")
    assert abs(pd.Timestamp(t1["Thời điểm nhập"]) - pd.Timestamp(office_now())) < pd.Timedelta(
        minutes=5
    )
    assert all(label.split(" — ")[1].startswith("đã gửi lúc ") for label in labels(at))
    assert not at.warning


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"met": True, "present": 7, "attended": True}, "meeting_date", "Hãy chọn ngày họp."),
        ({"met": True, "day": "first", "attended": True}, "households_present",
         "Hãy ghi số hộ dự họp."),
        ({"met": True, "day": "first", "present": 7}, "cadre_attended",
         "Hãy chọn anh/chị có dự buổi họp hay không."),
        ({"situation": "Tổ đi làm ăn xa"}, "met", "Hãy chọn «Có họp» hoặc «Không họp»."),
    ],
)  # fmt: skip
def test_each_validation_error_shows_next_to_its_field_and_nothing_is_written(
    book, month, values, field, message
):
    at = open_form()
    if values.get("day") == "first":
        values = {**values, "day": first_day(month)}
    fill(at, month, "T1", **values)
    fill(at, month, "T2", met=False)
    send(at)

    assert [e.value for e in at.error][0].startswith("Chưa gửi được: có 1 chỗ cần sửa")
    t1 = at.expander[0]
    assert t1.label == "Tổ 1 · Ấp Mỹ An — cần sửa"
    assert [e.value for e in t1.error] == [message]
    assert _element_after(t1, key(month, "T1", field)) == message
    assert new_rows(book) == []
    # What was typed stays, so the cadre only fixes the one field.
    assert at.radio(key=key(month, "T2", "met")).value is False


def test_a_correction_is_a_new_row_and_the_latest_counts(book, month):
    at = open_form()
    fill(at, month, "T1", met=True, day=first_day(month), present=7, attended=True)
    send(at)
    assert "đã gửi lúc" in labels(at)[0]
    assert at.number_input(key=key(month, "T1", "households_present")).value == 7

    at.number_input(key=key(month, "T1", "households_present")).set_value(9)
    send(at)
    assert [s.value for s in at.success] == ["Đã ghi 1 báo cáo vào bảng tính. Cảm ơn anh/chị."]
    rows = new_rows(book)
    assert [(r["Mã tổ"], r["Số hộ dự"]) for r in rows] == [("T1", 7), ("T1", 9)]
    assert rows[0]["Mã phiếu"] != rows[1]["Mã phiếu"]
    assert rows[1]["Thời điểm nhập"] >= rows[0]["Thời điểm nhập"]
    assert at.number_input(key=key(month, "T1", "households_present")).value == 9

    send(at)
    assert [i.value for i in at.info][-1].startswith("Các báo cáo này giống hệt bản đã gửi")
    assert len(new_rows(book)) == 2


def test_a_closed_month_is_refused_with_a_clear_message_and_reopening_lets_it_in(
    book, month, tmp_path
):
    at = open_form()
    locks = MonthLocks(tmp_path / "data")
    locks.close(month, LEADER)
    fill(at, month, "T1", met=False, situation="Hoãn họp")
    send(at)
    assert f"Tháng {month:%m/%Y} đã khóa sổ từ" in at.error[0].value
    assert "đề nghị lãnh đạo Đảng ủy mở lại tháng này" in at.error[0].value
    assert new_rows(book) == []
    choices = [w for w in at.selectbox if w.key == "entry_form_month"]
    offered = choices[0].options if choices else []
    assert month.strftime("%m/%Y") not in offered

    locks.reopen(month, LEADER)
    at = open_form()
    assert at.selectbox(key="entry_form_month").value == month.strftime("%m/%Y")
    assert any(c.value.endswith("Sổ tháng này được mở lại.") for c in at.caption)
    fill(at, month, "T1", met=False, situation="Hoãn họp")
    send(at)
    assert [(r["Mã tổ"], r["Tình hình"]) for r in new_rows(book)] == [("T1", "Hoãn họp")]


def test_when_the_workbook_is_busy_the_entries_wait_and_are_sent_later(book, month, monkeypatch):
    monkeypatch.setattr(workbook_module, "LOCK_TIMEOUT_SECONDS", 0.2)
    at = open_form()
    fill(at, month, "T1", met=False, situation="Hoãn họp")
    with FileLock(f"{book}.lock"):
        send(at)
    assert "đã được lưu an toàn trên máy chủ" in at.warning[0].value
    assert Outbox.in_folder(book.parent / "data").pending_count() == 1
    assert labels(at)[0] == "Tổ 1 · Ấp Mỹ An — đang chờ gửi"
    assert new_rows(book) == []

    at.button(key="entry_form_retry").click().run()
    assert [s.value for s in at.success] == ["Đã gửi hết các báo cáo đang chờ vào bảng tính."]
    assert [(r["Mã tổ"], r["Tình hình"]) for r in new_rows(book)] == [("T1", "Hoãn họp")]
    assert Outbox.in_folder(book.parent / "data").pending_count() == 0
    assert labels(at)[0].startswith("Tổ 1 · Ấp Mỹ An — đã gửi lúc")


def test_a_cadre_without_groups_is_told_so(book, month):
    at = open_form(cadre="CB02")
    assert labels(at) == ["Tổ 3 · Ấp Mỹ Hòa — chưa báo cáo"]
    at = open_form(cadre="CB10")
    assert at.info[0].value.startswith(f"Tháng {month:%m/%Y} anh/chị không được phân công")


def _element_after(container, widget_key: str):
    """The value of the element placed right after the widget `widget_key` in `container`."""
    children = list(container.children.values())
    for index, child in enumerate(children):
        if getattr(child, "key", None) == widget_key:
            return children[index + 1].value
    raise AssertionError(f"{widget_key} not found")


def test_a_sheet_without_ma_phieu_gets_a_sentence_instead_of_a_form(monkeypatch, tmp_path, month):
    headers = [h for h in MEETING_HEADERS if h != "Mã phiếu"]
    use_workbook(monkeypatch, entry_book(month, meeting_headers=headers, meetings=[]), tmp_path)
    at = open_form()
    assert [e.value for e in at.error] == [
        "Trang «Sinh hoạt» chưa có cột «Mã phiếu» nên biểu mẫu chưa ghi được báo cáo. Hãy thêm "
        "tiêu đề «Mã phiếu» vào dòng tiêu đề (dòng 3) ở các cột trống bên phải, rồi bấm «Làm "
        "mới dữ liệu»."
    ]
    assert not at.expander

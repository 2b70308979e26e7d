"""The monthly entry form under AppTest, writing to a real .xlsx read back with openpyxl."""

from __future__ import annotations

import re
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
from tothu_core.textnorm import escape_markdown

PAGE = "pages/entry_form.py"
HISTORY = "pages/my_history.py"
HEADER_ROW = 3
OLD_ROWS = 2
KINDS = {"met": "radio", "meeting_date": "selectbox", "households_present": "number_input",
         "cadre_attended": "radio", "other_topics": "text_input", "situation": "text_area",
         "proposals": "text_area"}  # fmt: skip


@pytest.fixture
def month() -> pd.Period:
    return pd.Period(office_now(), freq="M")


@pytest.fixture
def book(monkeypatch, tmp_path, month):
    return use_workbook(monkeypatch, entry_book(month), tmp_path)


def plain(text: str) -> str:
    """What a person reads: the Markdown escapes the page adds to sheet text taken off."""
    return re.sub(r"\\(.)", r"\1", text)


def widget(at, month: pd.Period, group: str, name: str):
    """The group's widget for `name` in the showing drawn now (its key ends in a revision)."""
    prefix = f"entry_form__{month.strftime('%Y-%m')}__{group}__{name}__"
    found = [w for w in getattr(at, KINDS[name]) if (w.key or "").startswith(prefix)]
    assert len(found) == 1, (prefix, [w.key for w in getattr(at, KINDS[name])])
    return found[0]


def topic_boxes(at, month: pd.Period, group: str) -> dict:
    """The group's topic check boxes by the topic they name."""
    prefix = f"entry_form__{month.strftime('%Y-%m')}__{group}__topic"
    return {plain(c.label): c for c in at.checkbox if (c.key or "").startswith(prefix)}


def values(at, month, group) -> dict:
    shown = {name: widget(at, month, group, name).value for name in KINDS}
    shown["topics"] = [t for t, box in topic_boxes(at, month, group).items() if box.value]
    return shown


EMPTY = {"met": None, "meeting_date": None, "households_present": None, "cadre_attended": None,
         "topics": [], "other_topics": "", "situation": "", "proposals": ""}  # fmt: skip


def open_form(cadre: str = "CB01"):
    at = app(cadre=cadre, page=PAGE)
    assert not at.exception
    return at


def fill(at, month, group, *, met=None, day=None, present=None, attended=None, topics=(),
         situation=None, proposals=None) -> None:  # fmt: skip
    if met is not None:
        widget(at, month, group, "met").set_value(met)
    if day is not None:
        widget(at, month, group, "meeting_date").set_value(day)
    if present is not None:
        widget(at, month, group, "households_present").set_value(present)
    if attended is not None:
        widget(at, month, group, "cadre_attended").set_value(attended)
    boxes = topic_boxes(at, month, group)
    for topic in topics:
        boxes[topic].check()
    if situation is not None:
        widget(at, month, group, "situation").input(situation)
    if proposals is not None:
        widget(at, month, group, "proposals").input(proposals)


def send(at, key: str = "entry_form_submit"):
    at.button(key=key).click().run()
    assert not at.exception
    return at


def new_rows(path) -> list[dict]:
    """The Sinh hoạt rows below the two the book starts with, by header."""
    sheet = openpyxl.load_workbook(path)["Sinh hoạt"]
    rows = list(sheet.iter_rows(min_row=HEADER_ROW + 1 + OLD_ROWS, values_only=True))
    return [dict(zip(MEETING_HEADERS, row, strict=False)) for row in rows if any(row)]


def labels(at) -> list[str]:
    return [plain(e.label) for e in at.expander]


def texts(elements) -> list[str]:
    return [plain(e.value) for e in elements]


def first_day(month: pd.Period) -> date:
    return month.start_time.date()


def test_the_cadre_sees_their_groups_with_nothing_chosen_for_them(book, month):
    at = open_form()
    assert labels(at) == ["Tổ 1 · Ấp Mỹ An — chưa báo cáo", "Tổ 2 · Ấp Mỹ An — chưa báo cáo"]
    before = (month - 1).strftime("%m/%Y")
    t1, t2 = at.expander
    assert (
        f"Tháng trước ({before}): sinh hoạt ngày 10/{before[:2]}, 8/10 hộ dự (80,0%), cán bộ "
        "có dự." in texts(t1.caption)
    )
    assert f"Tháng trước ({before}): tổ không sinh hoạt." in texts(t2.caption)
    # No default «Có sinh hoạt», no 0 households, no default date or attendance.
    assert values(at, month, "T1") == EMPTY
    assert values(at, month, "T2") == EMPTY
    households = widget(at, month, "T1", "households_present")
    assert households.label == "Số hộ dự (tổ có 10 hộ)"
    # No client-side limit that would silently block the button: the server names the problem.
    assert (households.min, households.max) == (None, None)
    days = widget(at, month, "T1", "meeting_date").options
    assert days[0] == f"{first_day(month):%d/%m/%Y}" + days[0][10:]
    assert len(days) == office_now().day  # up to today on the office clock
    assert at.selectbox(key="entry_form_month").value == month.strftime("%m/%Y")
    assert list(topic_boxes(at, month, "T1")) == ["Trữ nước ngọt", "Bầu cử đại biểu"]


def _forms(node) -> list:
    """The st.form blocks under `node`, as Streamlit sends them to the browser."""
    found = []
    for child in getattr(node, "children", {}).values():
        proto = getattr(child, "proto", None)
        if type(proto).__name__ == "Block" and proto.WhichOneof("type") == "form":
            found.append(proto.form)
        found += _forms(child)
    return found


def test_enter_in_a_field_never_sends_the_form(book, month):
    (form,) = _forms(open_form()._tree)
    assert form.form_id == f"entry_form_{month:%Y-%m}"
    assert form.enter_to_submit is False


def test_happy_path_writes_one_row_per_group_and_shows_what_was_sent(book, month):
    at = open_form()
    topics = ["Trữ nước ngọt", "Bầu cử đại biểu"]
    fill(at, month, "T1", met=True, day=first_day(month), present=7, attended=True,
         topics=topics, situation="=1+1 bà con đồng tình")  # fmt: skip
    fill(at, month, "T2", met=False, proposals="Xin sửa cầu")
    send(at)

    assert (
        texts(at.success)
        == [
            "Đã ghi 2 báo cáo vào bảng tính: Tổ 1 · Ấp Mỹ An, Tổ 2 · Ấp Mỹ An.",
        ]
        * 2
    )  # at the top, and beside the button
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
    shown = values(at, month, "T1")
    assert (shown["met"], shown["households_present"], shown["cadre_attended"]) == (True, 7, True)
    assert sorted(shown["topics"]) == sorted(topics)


@pytest.mark.parametrize(
    ("typed", "field", "message"),
    [
        ({"met": True, "present": 7, "attended": True}, "meeting_date",
         "Hãy chọn ngày sinh hoạt."),
        ({"met": True, "day": "first", "attended": True}, "households_present",
         "Hãy ghi số hộ dự (từ 0 đến 10)."),
        ({"met": True, "day": "first", "present": 11, "attended": True}, "households_present",
         "Số hộ dự (11) lớn hơn số hộ của tổ (10); hãy ghi từ 0 đến 10."),
        ({"met": True, "day": "first", "present": -2, "attended": True}, "households_present",
         "Số hộ dự (-2) không thể là số âm; hãy ghi từ 0 đến 10."),
        ({"met": True, "day": "first", "present": 7}, "cadre_attended",
         "Hãy chọn đồng chí có dự buổi sinh hoạt hay không."),
        ({"situation": "Tổ đi làm ăn xa"}, "met",
         "Hãy chọn «Có sinh hoạt» hoặc «Không sinh hoạt»."),
    ],
)  # fmt: skip
def test_each_wrong_value_is_named_under_its_field_and_at_the_top_on_the_first_press(
    book, month, typed, field, message
):
    at = open_form()
    if typed.get("day") == "first":
        typed = {**typed, "day": first_day(month)}
    fill(at, month, "T1", **typed)
    fill(at, month, "T2", met=False)
    send(at)

    top, *under, beside = texts(at.error)
    assert top.startswith("Chưa gửi được: có 1 chỗ cần sửa")
    label = {"meeting_date": "Ngày sinh hoạt", "households_present": "Số hộ dự",
             "cadre_attended": "Cán bộ dự", "met": "Sinh hoạt"}[field]  # fmt: skip
    assert top.endswith(f"- Tổ 1 · Ấp Mỹ An — {label}: {message}")
    assert beside.startswith("Chưa gửi được: có 1 chỗ cần sửa")
    t1 = at.expander[0]
    assert plain(t1.label) == "Tổ 1 · Ấp Mỹ An — cần sửa"
    assert texts(t1.error) == [message]
    assert plain(_element_after(t1, widget(at, month, "T1", field).key)) == message
    assert new_rows(book) == []
    # What was typed stays, so the cadre only fixes the one field.
    assert widget(at, month, "T2", "met").value is False


def test_an_untouched_press_writes_nothing_and_says_so(book, month):
    at = open_form()
    send(at)
    assert texts(at.info)[-1].startswith("Chưa có tổ nào được điền nên chưa ghi gì")
    assert new_rows(book) == []

    fill(at, month, "T1", met=False, situation="Hoãn")
    send(at)
    assert len(new_rows(book)) == 1
    send(at)
    assert texts(at.info)[-1].startswith("Không có gì mới để ghi")
    assert len(new_rows(book)) == 1


def test_after_a_month_round_trip_the_form_shows_what_counts_and_writes_nothing(book, month):
    at = open_form()
    fill(at, month, "T1", met=True, day=first_day(month), present=7, attended=True)
    send(at)
    assert len(new_rows(book)) == 1
    other = (month - 1).strftime("%m/%Y")
    at.selectbox(key="entry_form_month").select(other).run()
    at.selectbox(key="entry_form_month").select(month.strftime("%m/%Y")).run()
    assert not at.exception
    t1 = values(at, month, "T1")
    assert (t1["met"], t1["meeting_date"], t1["households_present"], t1["cadre_attended"]) == (
        True, first_day(month), 7, True,
    )  # fmt: skip
    assert values(at, month, "T2") == EMPTY
    send(at)
    assert texts(at.info)[-1].startswith("Không có gì mới để ghi")
    assert len(new_rows(book)) == 1


def test_after_another_page_the_form_shows_the_sent_values_and_keeps_the_month(book, month):
    locks = MonthLocks(book.parent / "data")
    locks.reopen(month - 1, LEADER)  # open whatever day the test runs
    at = open_form()
    previous = (month - 1).strftime("%m/%Y")
    at.selectbox(key="entry_form_month").select(previous).run()
    fill(at, month - 1, "T2", met=True, day=first_day(month - 1), present=12, attended=False)
    send(at)
    at.switch_page(HISTORY).run()
    assert not at.exception
    at.switch_page(PAGE).run()
    assert not at.exception
    assert at.selectbox(key="entry_form_month").value == previous
    t2 = values(at, month - 1, "T2")
    assert (t2["met"], t2["households_present"], t2["cadre_attended"]) == (True, 12, False)
    assert labels(at)[1].startswith("Tổ 2 · Ấp Mỹ An — đã gửi lúc ")
    send(at)
    assert len(new_rows(book)) == 1


def test_a_second_session_never_writes_back_what_it_only_showed(book, month):
    first, second = open_form(), open_form()
    fill(first, month, "T1", met=True, day=first_day(month), present=7, attended=True)
    send(first)
    # The second tab still shows T1 empty; a press there must not touch T1.
    fill(second, month, "T2", met=False)
    send(second)
    assert [r["Mã tổ"] for r in new_rows(book)] == ["T1", "T2"]
    # ... and it now shows the report the first tab sent.
    assert values(second, month, "T1")["households_present"] == 7
    assert values(second, month, "T2")["met"] is False


def test_not_met_with_numbers_typed_asks_before_dropping_them(book, month):
    at = open_form()
    fill(at, month, "T1", met=False, present=5, situation="Mưa")
    send(at)
    assert new_rows(book) == []
    assert plain(at.expander[0].label) == "Tổ 1 · Ấp Mỹ An — cần trả lời"
    question = texts(at.expander[0].warning)
    assert len(question) == 1 and "còn ghi số hộ dự (5)" in question[0]
    assert "Cần đồng chí trả lời ở 1 tổ" in texts(at.warning)[0]
    # Pressing «Gửi báo cáo» again asks again: nothing is dropped without an answer.
    send(at)
    assert new_rows(book) == []
    send(at, key="entry_form_drop")
    assert [(r["Mã tổ"], r["Số hộ dự"], r["Tình hình"]) for r in new_rows(book)] == [
        ("T1", None, "Mưa")
    ]
    assert values(at, month, "T1")["households_present"] is None


def test_a_question_and_a_wrong_value_are_both_named_on_the_first_press(book, month):
    at = open_form()
    fill(at, month, "T1", met=False, present=5)
    fill(at, month, "T2", met=True, day=first_day(month), present=99, attended=True)
    send(at)
    top = texts(at.warning)[0]
    assert "có 1 chỗ cần sửa" in top and "Cần đồng chí trả lời ở 1 tổ" in top
    assert "Tổ 2 · Ấp Mỹ An — Số hộ dự: Số hộ dự (99) lớn hơn số hộ của tổ (20)" in top
    assert texts(at.expander[1].error) == [
        "Số hộ dự (99) lớn hơn số hộ của tổ (20); hãy ghi từ 0 đến 20."
    ]
    assert new_rows(book) == []


def test_a_correction_is_a_new_row_and_the_latest_counts(book, month):
    at = open_form()
    fill(at, month, "T1", met=True, day=first_day(month), present=7, attended=True)
    send(at)
    assert "đã gửi lúc" in labels(at)[0]
    assert widget(at, month, "T1", "households_present").value == 7

    widget(at, month, "T1", "households_present").set_value(9)
    send(at)
    assert texts(at.success)[0] == "Đã ghi 1 báo cáo vào bảng tính: Tổ 1 · Ấp Mỹ An."
    rows = new_rows(book)
    assert [(r["Mã tổ"], r["Số hộ dự"]) for r in rows] == [("T1", 7), ("T1", 9)]
    assert rows[0]["Mã phiếu"] != rows[1]["Mã phiếu"]
    assert rows[1]["Thời điểm nhập"] >= rows[0]["Thời điểm nhập"]
    assert widget(at, month, "T1", "households_present").value == 9

    send(at)
    assert texts(at.info)[-1].startswith("Không có gì mới để ghi")
    assert len(new_rows(book)) == 2


def test_a_closed_month_is_refused_with_a_clear_message_and_reopening_lets_it_in(
    book, month, tmp_path
):
    at = open_form()
    locks = MonthLocks(tmp_path / "data")
    locks.close(month, LEADER)
    fill(at, month, "T1", met=False, situation="Hoãn sinh hoạt")
    send(at)
    assert f"Tháng {month:%m/%Y} đã khóa sổ từ" in plain(at.error[0].value)
    assert "đề nghị lãnh đạo Đảng ủy mở lại tháng này" in plain(at.error[0].value)
    assert new_rows(book) == []
    choices = [w for w in at.selectbox if w.key == "entry_form_month"]
    offered = choices[0].options if choices else []
    assert month.strftime("%m/%Y") not in offered

    locks.reopen(month, LEADER)
    at = open_form()
    assert at.selectbox(key="entry_form_month").value == month.strftime("%m/%Y")
    assert any("Sổ tháng này được mở lại." in c.value for c in at.caption)
    fill(at, month, "T1", met=False, situation="Hoãn sinh hoạt")
    send(at)
    assert [(r["Mã tổ"], r["Tình hình"]) for r in new_rows(book)] == [("T1", "Hoãn sinh hoạt")]


def test_the_form_opens_on_the_month_that_is_due_with_its_deadline(monkeypatch, tmp_path, month):
    previous = month - 1
    book = entry_book(month)
    # Last month only T1 was reported: T2's report is still missing.
    book["Sinh hoạt"] = book["Sinh hoạt"][:4]
    use_workbook(monkeypatch, book, tmp_path)
    MonthLocks(tmp_path / "data").reopen(previous, LEADER)  # open whatever day the test runs
    at = open_form()
    assert at.selectbox(key="entry_form_month").value == previous.strftime("%m/%Y")
    deadline = (previous + 1).start_time.date().replace(day=5)
    assert any(
        c.value.startswith(f"Hạn nộp: hết ngày {deadline:%d/%m/%Y}.")
        and c.value.endswith("Còn 1/2 tổ chưa báo cáo.")
        for c in at.caption
    )
    # Once it is complete, a new visit opens on the current month.
    fill(at, previous, "T2", met=False)
    send(at)
    assert open_form().selectbox(key="entry_form_month").value == month.strftime("%m/%Y")


def test_when_the_workbook_is_busy_the_entries_wait_and_are_sent_later(book, month, monkeypatch):
    monkeypatch.setattr(workbook_module, "LOCK_TIMEOUT_SECONDS", 0.2)
    at = open_form()
    fill(at, month, "T1", met=False, situation="Hoãn sinh hoạt")
    with FileLock(f"{book}.lock"):
        send(at)
    assert any("đã được lưu an toàn trên máy chủ" in w for w in texts(at.warning))
    assert Outbox.in_folder(book.parent / "data").pending_count() == 1
    assert labels(at)[0] == "Tổ 1 · Ấp Mỹ An — đang chờ gửi"
    # What was typed stays on screen while it waits.
    assert widget(at, month, "T1", "met").value is False
    assert new_rows(book) == []

    at.button(key="entry_form_retry").click().run()
    assert texts(at.success) == ["Đã gửi hết các báo cáo đang chờ vào bảng tính."]
    assert [(r["Mã tổ"], r["Tình hình"]) for r in new_rows(book)] == [("T1", "Hoãn sinh hoạt")]
    assert Outbox.in_folder(book.parent / "data").pending_count() == 0
    assert labels(at)[0].startswith("Tổ 1 · Ấp Mỹ An — đã gửi lúc")


def test_a_cadre_without_groups_is_told_so(book, month):
    at = open_form(cadre="CB02")
    assert labels(at) == ["Tổ 3 · Ấp Mỹ Hòa — chưa báo cáo"]
    at = open_form(cadre="CB10")
    assert at.info[0].value.startswith(f"Tháng {month:%m/%Y} đồng chí không được phân công")


def test_sheet_text_is_shown_as_text_not_markdown(monkeypatch, tmp_path, month):
    book = entry_book(month)
    book["Tổ"][1][1] = "[Tổ 1](http://x.vn) *mới*"
    book["Ấp"][1][1] = "Ấp `Mỹ An`"
    book["Chủ đề"].append(["**Bầu cử**", None, None])
    use_workbook(monkeypatch, book, tmp_path)
    at = open_form()
    assert at.expander[0].label == (
        f"{escape_markdown('[Tổ 1](http://x.vn) *mới*')} · {escape_markdown('Ấp `Mỹ An`')} — "
        "chưa báo cáo"
    )
    boxes = [c.label for c in at.expander[0].checkbox]
    assert escape_markdown("**Bầu cử**") in boxes


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
    assert texts(at.error) == [
        "Trang «Sinh hoạt» chưa có cột «Mã phiếu» nên biểu mẫu chưa ghi được báo cáo. Hãy thêm "
        "tiêu đề «Mã phiếu» vào dòng tiêu đề (dòng 3) ở các cột trống bên phải, rồi bấm «Làm "
        "mới dữ liệu»."
    ]
    assert not at.expander

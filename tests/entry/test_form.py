"""The form's view model: nothing pre-chosen, only what was changed is sent, the due month."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from tests.entry.test_entries import CADRE, LEADER, MONTH, dataset, entry_book, locks, met
from tothu_core.entry.entries import FORM, MET, Entry, form_groups
from tothu_core.entry.form import (
    NOT_SENT,
    PENDING,
    SENT,
    TO_CONFIRM,
    TO_FIX,
    FormDisplay,
    GroupValues,
    current_display,
    day_text,
    due_month,
    group_status,
    meeting_days,
    month_caption,
    nothing_new_text,
    precheck,
    problem_lines,
    read_press,
    refusal_headline,
    sent_text,
    split_topics,
    topic_options,
)
from tothu_core.entry.submit import SubmitResult

OCTOBER, NOVEMBER, DECEMBER = (pd.Period(m, freq="M") for m in ("2026-10", "2026-11", "2026-12"))


def cards(rows=None, month=MONTH, cadre="CB01"):
    return form_groups(dataset(entry_book(meetings=rows)), cadre, month)


def sent_rows():
    """CB01 reported T1 for 11/2026 (met, 7 households); T2 has no report this month."""
    return [
        [1, "11/2026", "T1", "CB01", date(2026, 11, 12), 7, "Có", "Trữ nước ngọt",
         "Bà con đồng tình", None, datetime(2026, 11, 13, 8, 0), "A-1"],
    ]  # fmt: skip


# -- what a group shows --------------------------------------------------------------------------


def test_a_group_without_a_report_shows_nothing_chosen():
    values = GroupValues.of(None)
    assert (values.met, values.meeting_date, values.households_present, values.cadre_attended) == (
        None,
        None,
        None,
        None,
    )
    assert values.is_blank()


def test_a_group_with_a_report_shows_exactly_the_report_that_counts():
    t1, _t2 = cards(sent_rows())
    values = GroupValues.of(t1.latest)
    assert values == GroupValues(
        met=True,
        meeting_date=date(2026, 11, 12),
        households_present=7,
        cadre_attended=True,
        topics=("Trữ nước ngọt",),
        situation="Bà con đồng tình",
    )
    assert values.entry("T1") == t1.latest


def test_widget_values_become_the_entry_written():
    values = GroupValues.from_widgets(
        {MET: True, "meeting_date": date(2026, 11, 3), "households_present": 5.0,
         "cadre_attended": False, "topics": ["A"], "other_topics": "B; C\nA", "situation": None}
    )  # fmt: skip
    assert values.households_present == 5 and isinstance(values.households_present, int)
    assert values.entry("T1") == Entry(
        "T1", True, date(2026, 11, 3), 5, False, ("A", "B", "C"), "", ""
    )
    assert split_topics(" x ;; y \n") == ("x", "y")


def test_meeting_days_run_to_today_and_keep_a_saved_day():
    assert meeting_days(NOVEMBER, date(2026, 12, 2))[-1] == date(2026, 11, 30)
    assert len(meeting_days(NOVEMBER, date(2026, 12, 2))) == 30
    assert meeting_days(DECEMBER, date(2026, 12, 2)) == [date(2026, 12, 1), date(2026, 12, 2)]
    assert meeting_days(DECEMBER, date(2026, 12, 2), date(2026, 12, 9))[-1] == date(2026, 12, 9)
    assert day_text(date(2026, 11, 2)) == "02/11/2026 (Thứ Hai)"
    assert day_text(date(2026, 11, 1)) == "01/11/2026 (Chủ nhật)"


def test_topic_options_keep_a_saved_topic_no_longer_offered():
    assert topic_options(["A", "B"], ["C", "A"]) == ["A", "B", "C"]


# -- a press -------------------------------------------------------------------------------------


def shown_of(groups):
    return {c.group_id: GroupValues.of(c.latest) for c in groups}


def test_an_untouched_form_sends_nothing_and_says_so():
    groups = cards(sent_rows())
    shown = shown_of(groups)
    press = read_press(groups, shown, dict(shown))
    assert press.entries == () and press.nothing_new
    assert "Không có gì mới để ghi" in nothing_new_text(groups)
    assert "Chưa có tổ nào được điền" in nothing_new_text(cards())


def test_only_the_groups_changed_are_sent():
    groups = cards(sent_rows())
    shown = shown_of(groups)
    typed = {**shown, "T2": GroupValues(met=False, situation="Hoãn")}
    press = read_press(groups, shown, typed)
    assert press.entries == (Entry("T2", met=False, situation="Hoãn"),)

    corrected = {
        **shown,
        "T1": GroupValues.from_widgets({**vars(shown["T1"]), "households_present": 9}),
    }
    assert [e.households_present for e in read_press(groups, shown, corrected).entries] == [9]


def test_a_change_back_to_what_already_counts_adds_no_row():
    groups = cards(sent_rows())
    shown = {**shown_of(groups), "T1": GroupValues()}  # shown before the report arrived
    typed = {**shown, "T1": GroupValues.of(groups[0].latest)}
    assert read_press(groups, shown, typed).nothing_new


def test_a_group_left_as_shown_is_not_written_back_over_a_newer_report():
    """Tab A showed T1 empty; tab B sent T1 since. A press in A must not touch T1."""
    groups = cards(sent_rows())
    shown = {"T1": GroupValues(), "T2": GroupValues()}
    press = read_press(groups, shown, dict(shown))
    assert press.nothing_new


def test_topic_order_alone_is_no_change():
    a = GroupValues(met=True, topics=("A", "B"))
    assert not a.differs_from(GroupValues(met=True, topics=("B", "A")))


def test_not_met_with_details_typed_is_asked_about_until_confirmed():
    groups = cards()
    shown = shown_of(groups)
    values = GroupValues(met=False, meeting_date=date(2026, 11, 4), households_present=5)
    typed = {**shown, "T1": values}
    press = read_press(groups, shown, typed)
    assert list(press.questions) == ["T1"]
    assert "ngày sinh hoạt 04/11/2026, số hộ dự (5)" in press.questions["T1"]
    assert "«Bỏ các mục đó và gửi»" in press.questions["T1"]
    assert press.asked == {"T1": values}
    # What would be sent drops them; it is sent only once the cadre confirms these values.
    assert press.entries == (Entry("T1", met=False),)

    confirmed = read_press(groups, shown, typed, confirmed=press.asked)
    assert confirmed.questions == {} and confirmed.entries == (Entry("T1", met=False),)

    other = {**typed, "T1": GroupValues(met=False, households_present=6)}
    assert list(read_press(groups, shown, other, confirmed=press.asked).questions) == ["T1"]
    assert GroupValues(met=False, other_topics=" ; ").dropped() == ()
    assert GroupValues(met=True, households_present=5).dropped() == ()


def test_precheck_names_every_wrong_value_without_writing(tmp_path):
    ds = dataset()
    wrong = [met("T1", households_present=11), met("T2", meeting_date=None)]
    problems = precheck(ds, wrong, cadre_id="CB01", month=MONTH, viewer=CADRE,
                        locks=locks(tmp_path))  # fmt: skip
    assert set(problems) == {"T1", "T2"}
    assert precheck(ds, [], cadre_id="CB01", month=MONTH, viewer=CADRE, locks=locks(tmp_path)) == {}
    good = [met("T1")]
    assert precheck(ds, good, cadre_id="CB01", month=MONTH, viewer=CADRE,
                    locks=locks(tmp_path)) == {}  # fmt: skip


def test_the_summary_lists_every_refusal_by_group_and_field_in_form_order():
    groups = cards()
    problems = {
        "T2": {"cadre_attended": "C.", MET: "M."},
        "T1": {"households_present": "H."},
        FORM: {FORM: "Tháng đã khóa sổ."},
    }
    assert problem_lines(groups, problems) == [
        "Tháng đã khóa sổ.",
        "Tổ 1 · Ấp Mỹ An — Số hộ dự: H.",
        "Tổ 2 · Ấp Mỹ An — Sinh hoạt: M.",
        "Tổ 2 · Ấp Mỹ An — Cán bộ dự: C.",
    ]
    assert problem_lines(groups, {}, {"T2": "Bỏ không?"}) == ["Tổ 2 · Ấp Mỹ An: Bỏ không?"]
    headline = refusal_headline(problems, {"T1": "?"})
    assert headline.startswith("Tháng đã khóa sổ. Chưa gửi được: có 3 chỗ cần sửa")
    assert "Cần đồng chí trả lời ở 1 tổ" in headline
    assert headline.endswith("Chưa có báo cáo nào được ghi.")


def test_the_message_after_a_write_names_the_groups_written():
    groups = cards()
    entries = [Entry("T2", met=False)]
    sent = SubmitResult("S", True, 1, 1)
    assert sent_text(sent, entries, groups) == "Đã ghi 1 báo cáo vào bảng tính: Tổ 2 · Ấp Mỹ An."
    again = SubmitResult("S", True, 1, 0, repeat=True)
    assert "không tạo bản trùng" in sent_text(again, entries, groups)
    kept = SubmitResult("S", False, 1, 0, error="mất mạng")
    assert sent_text(kept, entries, groups) == kept.message


# -- one showing of the form ---------------------------------------------------------------------


def test_a_showing_lives_while_its_widgets_do_and_follows_a_newer_report():
    before = cards()
    display = FormDisplay.start(MONTH, "CB01", before)
    keys = {display.key(c.group_id, MET) for c in before}
    assert (
        current_display(display, MONTH, "CB01", before, widgets_kept=keys.__contains__) is display
    )
    # Streamlit dropped the widgets (another page, another month, a reload): start again.
    again = current_display(display, MONTH, "CB01", before, widgets_kept=lambda key: False)
    assert again is not display
    assert again.key("T1", MET) != display.key("T1", MET)
    assert (
        current_display(display, OCTOBER, "CB01", before, widgets_kept=keys.__contains__)
        is not display
    )

    after = cards(sent_rows())
    t2_key = display.key("T2", MET)
    kept = current_display(display, MONTH, "CB01", after, widgets_kept=keys.__contains__)
    assert kept is display
    assert kept.shown["T1"] == GroupValues.of(after[0].latest)
    assert kept.key("T2", MET) == t2_key  # what is being typed in T2 stays


def test_keys_name_month_group_and_field():
    display = FormDisplay.start(MONTH, "CB01", cards())
    assert display.key("T1", "households_present").startswith(
        "entry_form__2026-11__T1__households_present__"
    )
    assert display.topic_key("T1", 2).startswith("entry_form__2026-11__T1__topic2__")


def test_each_group_offers_the_months_topics_and_keeps_its_saved_ones():
    groups = cards(sent_rows())
    display = FormDisplay.start(MONTH, "CB01", groups, offered=["Bầu cử đại biểu"])
    assert display.topics == {"T1": ["Bầu cử đại biểu", "Trữ nước ngọt"], "T2": ["Bầu cử đại biểu"]}
    keys = {display.key(c.group_id, MET) for c in groups}
    # The sheet's topics changed: the check boxes are laid out again from scratch.
    changed = current_display(
        display, MONTH, "CB01", groups, offered=["Khác"], widgets_kept=keys.__contains__
    )
    assert changed is not display and changed.topics["T2"] == ["Khác"]


# -- the month and headings ----------------------------------------------------------------------


def november_book_rows():
    """CB01 reported T1 of 11/2026 only: T2 is missing."""
    return sent_rows()


def test_the_form_opens_on_the_oldest_open_month_with_a_missing_report():
    ds = dataset(entry_book(meetings=november_book_rows()))

    def cards_of(month):
        return form_groups(ds, "CB01", month)

    assert due_month([DECEMBER, NOVEMBER], current=DECEMBER, cards_of=cards_of) == NOVEMBER
    # T2 waiting in the outbox counts as sent: nothing is missing in November any more.
    pending = {NOVEMBER: {"T2"}}
    assert (
        due_month([DECEMBER, NOVEMBER], current=DECEMBER, cards_of=cards_of,
                  pending_of=lambda m: pending.get(m, ())) == DECEMBER
    )  # fmt: skip
    assert due_month([], current=DECEMBER, cards_of=cards_of) is None
    # A cadre with nothing missing anywhere lands on the current month.
    assert due_month([DECEMBER, NOVEMBER], current=DECEMBER, cards_of=lambda m: []) == DECEMBER
    # The current month closed by a leader: the newest open month.
    assert due_month([OCTOBER], current=DECEMBER, cards_of=lambda m: []) == OCTOBER


def test_the_caption_shows_the_deadline_and_what_is_missing(tmp_path):
    clock = locks(tmp_path, now=datetime(2026, 12, 2, 4, 50))
    groups = cards(november_book_rows())
    assert month_caption(clock.state(NOVEMBER), groups) == (
        "Hạn nộp: hết ngày 05/12/2026. Sổ tháng này tự khóa sau ngày 15/12/2026. "
        "Còn 1/2 tổ chưa báo cáo."
    )
    assert month_caption(clock.state(NOVEMBER), groups, ["T2"]).endswith("Đã báo cáo đủ 2 tổ.")
    clock.reopen(OCTOBER, LEADER)
    assert month_caption(clock.state(OCTOBER), []) == (
        "Hạn nộp: hết ngày 05/11/2026. Sổ tháng này được mở lại."
    )


@pytest.mark.parametrize(
    ("kwargs", "status", "words"),
    [
        ({"problems": {"T1": {}}}, TO_FIX, "cần sửa"),
        ({"questions": {"T1": "?"}}, TO_CONFIRM, "cần trả lời"),
        ({"pending": {"T1": "x"}}, PENDING, "đang chờ gửi"),
        ({}, SENT, "đã gửi lúc 08:00 13/11"),
    ],
)
def test_each_heading_says_where_the_report_stands(kwargs, status, words):
    t1 = cards(sent_rows())[0]
    assert group_status(t1, **kwargs) == (status, words)
    assert group_status(cards()[0]) == (NOT_SENT, "chưa báo cáo")

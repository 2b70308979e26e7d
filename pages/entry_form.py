"""Nhập báo cáo tháng: the signed-in cadre reports each of their groups for one open month.

Every decision is the core's (`tothu_core.entry.form` says what a group shows and what a press
sends, `entries.validate` and `submit` check and write); this page lays one expander per group
inside ONE st.form, so a phone sends the whole month with a single rerun, and shows each
refusal under its field and in a list at the top.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd
import streamlit as st

from pages._shared import context
from tothu_core.entry.dues import form_notice, viewer_dues
from tothu_core.entry.entries import (
    FORM,
    GROUP,
    MAX_TEXT_CHARS,
    MAX_TOPIC_CHARS,
    MET,
    FormGroup,
    FormMemory,
    form_groups,
    text_fields,
    topics_offered,
    write_columns_problem,
)
from tothu_core.entry.form import (
    DROP_BUTTON,
    MET_TEXT,
    NOT_SENT,
    PENDING,
    SENT,
    SUBMIT_BUTTON,
    TO_CONFIRM,
    TO_FIX,
    YES_NO_TEXT,
    FormDisplay,
    GroupValues,
    current_display,
    day_text,
    due_month,
    group_status,
    group_title,
    meeting_days,
    month_caption,
    nothing_new_text,
    precheck,
    problem_lines,
    read_press,
    refusal_headline,
    sent_text,
)
from tothu_core.entry.outbox import Outbox
from tothu_core.entry.submit import AUTO_RETRY_IDLE_SECONDS, AUTO_RETRY_LIMIT, EntryWriter
from tothu_core.errors import EntryRejected, TothuError
from tothu_core.sheet import contract
from tothu_core.textnorm import escape_markdown

KEY_MONTH = "entry_form_month"
# The month the cadre picked, kept while they visit other pages (the widget's own value is not).
KEY_MONTH_CHOSEN = "entry_form_month_chosen"
KEY_DISPLAY = "entry_form_display"
KEY_MEMORY = "entry_form_memory"
KEY_OUTCOME = "entry_form_outcome"
KEY_OUTCOME_TOP = "entry_form_outcome_top"
KEY_PRESSES = "entry_form_presses"
KEY_ASKED = "entry_form_asked"
KEY_RETRY = "entry_form_retry"
KEY_SUBMIT = "entry_form_submit"
KEY_DROP = "entry_form_drop"
STALE_PRESS = (
    "Biểu mẫu vừa được mở lại nên chưa ghi gì. Hãy xem lại các tổ rồi bấm «Gửi báo cáo» lần nữa."
)
FIELDS = (MET, "meeting_date", "households_present", "cadre_attended", "other_topics", "situation",
          "proposals")  # fmt: skip
ICONS = {
    TO_FIX: ":material/error:",
    TO_CONFIRM: ":material/help:",
    PENDING: ":material/schedule_send:",
    SENT: ":material/task_alt:",
    NOT_SENT: ":material/edit_note:",
}


@dataclass
class Outcome:
    """What the last press gave, shown on the next run: at the top and beside the button."""

    month: str
    kind: str
    message: str
    problems: dict = field(default_factory=dict)
    questions: dict = field(default_factory=dict)
    lines: list = field(default_factory=list)
    #: which press of this session it answers (each answer is brought into view anew)
    press: int = field(default_factory=lambda: _count_press())


def _count_press() -> int:
    presses = st.session_state.get(KEY_PRESSES, 0) + 1
    st.session_state[KEY_PRESSES] = presses
    return presses


def _month_key(month: pd.Period) -> str:
    return month.strftime("%Y-%m")


def _writer(ctx) -> EntryWriter:
    return EntryWriter.for_settings(ctx.store, ctx.settings)


def _pending(ctx, writer: EntryWriter, month: pd.Period) -> dict[str, str]:
    return Outbox.in_folder(ctx.settings.data_dir).pending_groups(
        writer.source_identity, ctx.viewer.cadre_id, month.strftime(contract.MONTH_FORMAT)
    )


def _cards(ctx, month: pd.Period, ds=None) -> list[FormGroup]:
    """The form's groups on the store's newest snapshot (after a write it re-reads once)."""
    return form_groups(ds or ctx.store.get().snapshot.dataset, ctx.viewer.cadre_id, month)


# -- a press (runs in the button's callback, before the next run) ------------------------------


def _typed(display: FormDisplay, group_id: str) -> GroupValues:
    """The group's values as its widgets hold them (a widget not drawn keeps what was shown)."""
    state = st.session_state
    shown = display.shown[group_id]

    values = {name: state.get(display.key(group_id, name), getattr(shown, name)) for name in FIELDS}
    values["topics"] = [
        topic
        for index, topic in enumerate(display.topics[group_id])
        if state.get(display.topic_key(group_id, index), topic in shown.topics)
    ]
    return GroupValues.from_widgets(values)


def _on_press(ctx, month: pd.Period, *, drop_confirmed: bool) -> None:
    state = st.session_state
    month_key = _month_key(month)
    asked = state.pop(KEY_ASKED, None) or {}
    display: FormDisplay | None = state.get(KEY_DISPLAY)
    if display is None or display.month != month:
        state[KEY_OUTCOME] = Outcome(month_key, "info", STALE_PRESS)
        return
    writer = _writer(ctx)
    ds = ctx.store.get().snapshot.dataset
    cards = _cards(ctx, month, ds)
    typed = {g: _typed(display, g) for g in display.shown}
    confirmed = asked.get(month_key, {}) if drop_confirmed else {}
    press = read_press(cards, display.shown, typed, confirmed=confirmed)
    if press.questions:
        problems = precheck(
            ds,
            press.entries,
            cadre_id=ctx.viewer.cadre_id,
            month=month,
            viewer=ctx.viewer,
            locks=writer.locks,
        )
        state[KEY_ASKED] = {month_key: dict(press.asked)}
        state[KEY_OUTCOME] = Outcome(
            month_key,
            "question",
            refusal_headline(problems, press.questions),
            problems,
            dict(press.questions),
            problem_lines(cards, problems, press.questions),
        )
        return
    if press.nothing_new:
        state[KEY_OUTCOME] = Outcome(month_key, "info", nothing_new_text(cards))
        return
    memory = state.setdefault(KEY_MEMORY, {}).setdefault(month_key, FormMemory())
    submission = memory.prepare(
        press.entries, cadre_id=ctx.viewer.cadre_id, month=month, at=writer.locks.now()
    )
    try:
        result = writer.submit(submission, ds=ds, viewer=ctx.viewer)
    except EntryRejected as exc:
        problems = dict(exc.problems)
        state[KEY_OUTCOME] = Outcome(
            month_key, "error", refusal_headline(problems, {}), problems, {},
            problem_lines(cards, problems),
        )  # fmt: skip
        return
    except TothuError as exc:
        state[KEY_OUTCOME] = Outcome(month_key, "error", str(exc))
        return
    kind = "success" if result.sent else ("info" if result.in_progress else "warning")
    state[KEY_OUTCOME] = Outcome(month_key, kind, sent_text(result, submission.entries, cards))


# -- laying out --------------------------------------------------------------------------------


def _alert(kind: str, text: str) -> None:
    show = {
        "success": st.success,
        "info": st.info,
        "warning": st.warning,
        "question": st.warning,
        "error": st.error,
    }
    show[kind](text)


def _outcome_at_top(outcome: Outcome) -> None:
    """The message, and every refusal or question listed by group and field, brought into view.

    The button is at the bottom of a long form; without the scroll a phone would stay where
    the press left it, now somewhere in the middle of the fields, and the answer out of sight.
    """
    body = escape_markdown(outcome.message)
    if outcome.lines:
        body += "\n\n" + "\n".join(f"- {escape_markdown(line)}" for line in outcome.lines)
    with st.container(key=KEY_OUTCOME_TOP):
        _alert(outcome.kind, body)
    # scroll-margin keeps the answer clear of the page's fixed header; the scroll is made again
    # once the rest of the page has been redrawn below it (groups folding change its height).
    st.html(
        f"<script data-press='{outcome.press}'>{{"
        f"const show = () => {{ const answer = document.querySelector('.st-key-{KEY_OUTCOME_TOP}');"
        " if (answer) { answer.style.scrollMarginTop = '4.5rem';"
        " answer.scrollIntoView({block: 'start'}); } };"
        " show(); setTimeout(show, 250); setTimeout(show, 800); }</script>",
        unsafe_allow_javascript=True,
    )


def _problem(problems: dict, group_id: str, name: str) -> None:
    message = problems.get(group_id, {}).get(name)
    if message:
        st.error(escape_markdown(message), icon=":material/error:")


def _group_fields(
    display: FormDisplay,
    card: FormGroup,
    *,
    month: pd.Period,
    fields: set,
    today: date,
    problems: dict,
    questions: dict,
) -> None:
    def key(name: str) -> str:
        return display.key(card.group_id, name)

    shown = display.shown[card.group_id]
    st.caption(escape_markdown(card.previous))
    if card.submitted_at is not None:
        st.caption(
            "Đã gửi; các ô dưới đây là bản đang được tính. Muốn sửa, hãy đổi nội dung rồi bấm "
            f"«{SUBMIT_BUTTON}»: bản sửa được ghi thành dòng mới, bản cũ giữ lại làm lịch sử."
        )
    _problem(problems, card.group_id, GROUP)
    yes_no = [True, False]
    st.radio(
        "Trong tháng, tổ có sinh hoạt không?",
        yes_no,
        index=None if shown.met is None else yes_no.index(shown.met),
        format_func=MET_TEXT.get,
        horizontal=True,
        key=key(MET),
    )
    _problem(problems, card.group_id, MET)
    if card.group_id in questions:
        st.warning(escape_markdown(questions[card.group_id]), icon=":material/help:")
    days = meeting_days(month, today, shown.meeting_date)
    st.selectbox(
        "Ngày sinh hoạt",
        days,
        index=days.index(shown.meeting_date) if shown.meeting_date in days else None,
        format_func=day_text,
        placeholder="Chọn ngày",
        filter_mode=None,
        key=key("meeting_date"),
    )
    _problem(problems, card.group_id, "meeting_date")
    st.number_input(
        f"Số hộ dự (tổ có {card.households} hộ)",
        value=shown.households_present,
        step=1,
        placeholder=f"từ 0 đến {card.households}",
        key=key("households_present"),
    )
    _problem(problems, card.group_id, "households_present")
    st.radio(
        "Đồng chí có dự buổi sinh hoạt không?",
        yes_no,
        index=None if shown.cadre_attended is None else yes_no.index(shown.cadre_attended),
        format_func=YES_NO_TEXT.get,
        horizontal=True,
        key=key("cadre_attended"),
    )
    _problem(problems, card.group_id, "cadre_attended")
    if "topics" in fields:
        # Check boxes, not chips or a drop-down: a long topic wraps and is read whole on a phone.
        st.markdown(":small[Nội dung tuyên truyền]")
        for index, topic in enumerate(display.topics[card.group_id]):
            st.checkbox(
                escape_markdown(topic),
                value=topic in shown.topics,
                key=display.topic_key(card.group_id, index),
            )
        st.text_input(
            "Nội dung khác (nếu có)",
            value=shown.other_topics,
            max_chars=MAX_TOPIC_CHARS,
            placeholder="nhiều nội dung thì cách nhau bằng dấu ;",
            key=key("other_topics"),
        )
        _problem(problems, card.group_id, "topics")
    if "situation" in fields:
        st.text_area(
            "Tình hình (nắm được gì ở tổ)",
            value=shown.situation,
            key=key("situation"),
            height=90,
            max_chars=MAX_TEXT_CHARS,
        )
        _problem(problems, card.group_id, "situation")
    if "proposals" in fields:
        st.text_area(
            "Kiến nghị của tổ",
            value=shown.proposals,
            key=key("proposals"),
            height=90,
            max_chars=MAX_TEXT_CHARS,
        )
        _problem(problems, card.group_id, "proposals")


def _pending_notice(writer: EntryWriter) -> None:
    """Entries kept in the outbox: retried on each visit (bounded) and on request."""
    if writer.pending_count() == 0:
        return
    with st.spinner("Đang gửi lại các báo cáo đang chờ…"):
        report = writer.retry_pending(limit=AUTO_RETRY_LIMIT, idle_seconds=AUTO_RETRY_IDLE_SECONDS)
    if report.sent:
        st.toast(escape_markdown(report.message), icon=":material/task_alt:")
    if report.still_pending == 0:
        return
    st.warning(
        f"{report.still_pending} báo cáo đã lưu trên máy chủ nhưng chưa ghi được vào bảng "
        "tính. Chương trình tự gửi lại mỗi khi có người mở trang này; không ai phải nhập lại.",
        icon=":material/schedule_send:",
    )
    if st.button("Gửi lại ngay", key=KEY_RETRY, icon=":material/send:"):
        with st.spinner("Đang gửi…"):
            report = writer.retry_pending()
        if report.sent:
            st.session_state[KEY_OUTCOME] = Outcome("", "success", report.message)
            st.rerun()
        st.error(escape_markdown(report.message))


def _remember_month() -> None:
    st.session_state[KEY_MONTH_CHOSEN] = st.session_state.get(KEY_MONTH)


def _choose_month(ctx, writer: EntryWriter, ds) -> pd.Period | None:
    """The month picked, opening on the month that is due (or the one the cadre picked)."""
    months = writer.locks.open_months()
    if not months:
        current = writer.locks.current_month()
        st.info(
            "Hiện không có tháng nào đang mở sổ để nhập báo cáo. "
            + (writer.locks.refusal(current) or "")
        )
        return None
    labels = {m.strftime(contract.MONTH_FORMAT): m for m in months}
    chosen = st.session_state.get(KEY_MONTH_CHOSEN)
    if chosen not in labels:
        due = due_month(
            months,
            current=writer.locks.current_month(),
            cards_of=lambda m: _cards(ctx, m, ds),
            pending_of=lambda m: _pending(ctx, writer, m),
        )
        chosen = due.strftime(contract.MONTH_FORMAT)
    picked = st.selectbox(
        "Tháng báo cáo",
        list(labels),
        index=list(labels).index(chosen),
        placeholder="Chọn tháng",
        filter_mode=None,
        key=KEY_MONTH,
        on_change=_remember_month,
    )
    return labels[picked]


def run() -> None:
    ctx = context()
    state = st.session_state
    st.title("Nhập báo cáo tháng")
    st.caption(
        f"{escape_markdown(ctx.viewer.name)} ({escape_markdown(ctx.viewer.cadre_id)}) — báo cáo "
        "các tổ đồng chí phụ trách."
    )
    writer = _writer(ctx)
    outcome: Outcome | None = state.pop(KEY_OUTCOME, None)
    if outcome is not None and not outcome.month:
        _alert(outcome.kind, escape_markdown(outcome.message))
        outcome = None
    _pending_notice(writer)
    ds = ctx.store.get().snapshot.dataset
    blocked = write_columns_problem(ds)
    if blocked:
        st.error(escape_markdown(blocked))
        return
    month = _choose_month(ctx, writer, ds)
    if month is None:
        return
    month_text = month.strftime(contract.MONTH_FORMAT)
    cards = _cards(ctx, month, ds)
    pending = _pending(ctx, writer, month)
    st.caption(month_caption(writer.locks.state(month), cards, pending))
    dues = viewer_dues(
        ds, ctx.viewer.cadre_id, ctx.settings, writer.source_identity, now=writer.locks.now()
    )
    st.caption(
        escape_markdown(
            form_notice(dues, month, now=writer.locks.now(), deadline_day=ctx.settings.deadline_day)
        )
    )
    if outcome is not None:
        _outcome_at_top(outcome)
        if outcome.month != _month_key(month):
            # The month pressed for is no longer offered (closed meanwhile): said above, only.
            outcome = None
    if not cards:
        st.info(
            f"Tháng {month_text} đồng chí không được phân công tổ nào, nên không có báo cáo cần "
            f"nhập. Nếu phân công chưa đúng, hãy báo {escape_markdown(ctx.settings.report_board)}."
        )
        return
    fields = text_fields(ds)
    display = current_display(
        state.get(KEY_DISPLAY),
        month,
        ctx.viewer.cadre_id,
        cards,
        offered=topics_offered(ds, month) if "topics" in fields else (),
        widgets_kept=lambda key: key in state,
    )
    state[KEY_DISPLAY] = display
    problems = questions = {}
    if outcome is not None:
        problems = {k: v for k, v in outcome.problems.items() if k != FORM}
        questions = outcome.questions
    today = writer.locks.now().date()
    st.caption(
        f"Mỗi tổ một mục. Chọn «{MET_TEXT[True]}» hoặc «{MET_TEXT[False]}» cho tổ cần báo cáo; "
        "tổ để trống, hay không đổi gì, sẽ không được gửi lần này."
    )
    with st.form(f"entry_form_{_month_key(month)}", border=False, enter_to_submit=False):
        for card in cards:
            status, words = group_status(
                card, pending=pending, problems=problems, questions=questions
            )
            label = f"{escape_markdown(group_title(card))} — {words}"
            expanded = status != SENT
            with st.expander(label, expanded=expanded, icon=ICONS[status]):
                _group_fields(
                    display,
                    card,
                    month=month,
                    fields=fields,
                    today=today,
                    problems=problems,
                    questions=questions,
                )
        st.form_submit_button(
            SUBMIT_BUTTON,
            type="primary",
            width="stretch",
            key=KEY_SUBMIT,
            on_click=_on_press,
            args=(ctx, month),
            kwargs={"drop_confirmed": False},
            icon=":material/send:",
        )
        if questions:
            st.form_submit_button(
                DROP_BUTTON,
                width="stretch",
                key=KEY_DROP,
                on_click=_on_press,
                args=(ctx, month),
                kwargs={"drop_confirmed": True},
                icon=":material/delete_sweep:",
            )
        if outcome is not None:
            # Beside the button too: on a phone the top of the page is out of sight.
            _alert(outcome.kind, escape_markdown(outcome.message))


run()

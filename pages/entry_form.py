"""Nhập báo cáo tháng: the signed-in cadre reports each of their groups for one open month.

Everything is checked and written by the core (`tothu_core.entries`, `tothu_core.submit`);
this page lays out one expander per group inside ONE st.form, so a phone sends the whole
month with a single rerun, and shows each refusal next to the field it concerns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import partial

import pandas as pd
import streamlit as st

from pages._shared import context
from tothu_core.entry.entries import (
    FORM,
    GROUP,
    MAX_TEXT_CHARS,
    MET,
    Entry,
    FormGroup,
    FormMemory,
    changed_entries,
    form_groups,
    text_fields,
    topics_offered,
    write_columns_problem,
)
from tothu_core.entry.outbox import Outbox
from tothu_core.entry.submit import AUTO_RETRY_IDLE_SECONDS, AUTO_RETRY_LIMIT, EntryWriter
from tothu_core.errors import EntryRejected, TothuError
from tothu_core.sheet import contract
from tothu_core.textnorm import escape_markdown

KEY_MONTH = "entry_form_month"
KEY_MEMORY = "entry_form_memory"
KEY_OUTCOME = "entry_form_outcome"
KEY_RETRY = "entry_form_retry"
KEY_SUBMIT = "entry_form_submit"
FIELDS = (MET, "meeting_date", "households_present", "cadre_attended", "topics", "situation",
          "proposals")  # fmt: skip
MET_TEXT = {True: "Có họp", False: "Không họp"}
YES_NO_TEXT = {True: "Có", False: "Không"}
# Marks which saved report a group's widgets were last filled from.
_FILLED_FROM = "filled_from"


@dataclass
class Outcome:
    """What the last press of «Gửi báo cáo» gave, shown on the next run."""

    month: str
    kind: str
    message: str
    problems: dict = field(default_factory=dict)


def _month_key(month: pd.Period) -> str:
    return month.strftime("%Y-%m")


def _key(month: pd.Period, group_id: str, name: str) -> str:
    return f"entry_form_{_month_key(month)}_{group_id}_{name}"


def _writer(ctx) -> EntryWriter:
    return EntryWriter.for_settings(ctx.store, ctx.settings)


# -- reading the widgets (runs in the submit callback, before the next run) -----------------


def _entry_from_widgets(month: pd.Period, card: FormGroup) -> Entry | None:
    """The group's entry as typed; None when nothing was filled in (not reported this time)."""
    state = st.session_state
    values = {name: state.get(_key(month, card.group_id, name)) for name in FIELDS}
    met = values[MET]
    typed = any(values[n] not in (None, "", []) for n in FIELDS if n != MET)
    if met is None and not typed:
        return None
    return Entry(
        group_id=card.group_id,
        met=met,
        meeting_date=values["meeting_date"],
        households_present=values["households_present"],
        cadre_attended=values["cadre_attended"],
        topics=tuple(values["topics"] or ()),
        situation=values["situation"] or "",
        proposals=values["proposals"] or "",
    )


def _on_submit(ctx, month: pd.Period, cards: list[FormGroup]) -> None:
    state = st.session_state
    month_key = _month_key(month)
    entries = [e for e in (_entry_from_widgets(month, c) for c in cards) if e is not None]
    changed = changed_entries(cards, entries)
    if entries and not changed:
        state[KEY_OUTCOME] = Outcome(
            month_key,
            "info",
            "Các báo cáo này giống hệt bản đã gửi nên không gửi lại. Muốn sửa, hãy đổi nội "
            "dung rồi bấm «Gửi báo cáo».",
        )
        return
    writer = _writer(ctx)
    memory = state.setdefault(KEY_MEMORY, {}).setdefault(month_key, FormMemory())
    submission = memory.prepare(
        changed, cadre_id=ctx.viewer.cadre_id, month=month, at=writer.locks.now()
    )
    try:
        result = writer.submit(submission, ds=ctx.store.get().snapshot.dataset, viewer=ctx.viewer)
    except EntryRejected as exc:
        state[KEY_OUTCOME] = Outcome(month_key, "error", str(exc), exc.problems)
        return
    except TothuError as exc:
        state[KEY_OUTCOME] = Outcome(month_key, "error", str(exc))
        return
    kind = "success" if result.sent else ("info" if result.in_progress else "warning")
    state[KEY_OUTCOME] = Outcome(month_key, kind, result.message)


# -- laying out --------------------------------------------------------------------------------


def _fill(month: pd.Period, card: FormGroup) -> None:
    """Pre-fill a group's widgets from its latest saved report, once per saved report."""
    state = st.session_state
    marker = card.submitted_at.isoformat() if card.submitted_at else "none"
    marker_key = _key(month, card.group_id, _FILLED_FROM)
    if state.get(marker_key) == marker:
        return
    latest = card.latest
    values = {name: None for name in FIELDS}
    values.update(topics=[], situation="", proposals="")
    if latest is not None:
        values.update(
            met=latest.met,
            meeting_date=latest.meeting_date,
            households_present=latest.households_present,
            cadre_attended=latest.cadre_attended,
            topics=list(latest.topics),
            situation=latest.situation,
            proposals=latest.proposals,
        )
    for name, value in values.items():
        state[_key(month, card.group_id, name)] = value
    state[marker_key] = marker


def _problem(problems: dict, group_id: str, name: str) -> None:
    message = problems.get(group_id, {}).get(name)
    if message:
        st.error(message, icon=":material/error:")


def _group_label(card: FormGroup, pending: dict, problems: dict) -> tuple[str, str]:
    """The expander's label and icon: the group, and where its report stands."""
    name = f"{card.group_name} · {card.hamlet_name}" if card.hamlet_name else card.group_name
    if card.group_id in problems:
        return f"{name} — cần sửa", ":material/error:"
    if card.group_id in pending:
        return f"{name} — đang chờ gửi", ":material/schedule_send:"
    if card.submitted_at is not None:
        return f"{name} — đã gửi lúc {card.submitted_at:%H:%M %d/%m}", ":material/task_alt:"
    return f"{name} — chưa báo cáo", ":material/edit_note:"


def _group_fields(
    month: pd.Period,
    card: FormGroup,
    *,
    topics: list[str],
    fields: set,
    today: date,
    problems: dict,
) -> None:
    key = partial(_key, month, card.group_id)
    st.caption(card.previous)
    if card.submitted_at is not None:
        st.caption(
            "Đã gửi. Muốn sửa, hãy đổi nội dung rồi bấm «Gửi báo cáo»: bản sửa được ghi thành "
            "dòng mới và được tính, bản cũ giữ lại làm lịch sử."
        )
    _problem(problems, card.group_id, GROUP)
    st.radio(
        "Trong tháng, tổ có họp không?",
        list(MET_TEXT),
        format_func=MET_TEXT.get,
        horizontal=True,
        key=key(MET),
    )
    _problem(problems, card.group_id, MET)
    first_day = month.start_time.date()
    last_day = min(month.end_time.date(), max(today, first_day))
    saved_day = card.latest.meeting_date if card.latest else None
    if saved_day is not None:
        # A date typed into the sheet ahead of time must still fit the widget's range.
        last_day = max(last_day, saved_day)
    st.date_input(
        "Ngày họp",
        min_value=first_day,
        max_value=last_day,
        format="DD/MM/YYYY",
        key=key("meeting_date"),
        help="Bỏ trống nếu tổ không họp.",
    )
    _problem(problems, card.group_id, "meeting_date")
    st.number_input(
        f"Số hộ dự (tổ có {card.households} hộ)",
        min_value=0,
        max_value=card.households,
        step=1,
        key=key("households_present"),
    )
    _problem(problems, card.group_id, "households_present")
    st.radio(
        "Anh/chị có dự buổi họp không?",
        list(YES_NO_TEXT),
        format_func=YES_NO_TEXT.get,
        horizontal=True,
        key=key("cadre_attended"),
    )
    _problem(problems, card.group_id, "cadre_attended")
    if "topics" in fields:
        saved = list(card.latest.topics) if card.latest else []
        st.multiselect(
            "Nội dung tuyên truyền",
            list(dict.fromkeys([*topics, *saved])),
            key=key("topics"),
            accept_new_options=True,
            placeholder="Chọn, hoặc gõ nội dung khác",
        )
        _problem(problems, card.group_id, "topics")
    if "situation" in fields:
        st.text_area(
            "Tình hình (nắm được gì ở tổ)",
            key=key("situation"),
            height=90,
            max_chars=MAX_TEXT_CHARS,
        )
        _problem(problems, card.group_id, "situation")
    if "proposals" in fields:
        st.text_area("Kiến nghị của tổ", key=key("proposals"), height=90, max_chars=MAX_TEXT_CHARS)
        _problem(problems, card.group_id, "proposals")


def _pending_notice(writer: EntryWriter) -> None:
    """Entries kept in the outbox: retried on each visit (bounded) and on request."""
    if writer.pending_count() == 0:
        return
    with st.spinner("Đang gửi lại các báo cáo đang chờ…"):
        report = writer.retry_pending(limit=AUTO_RETRY_LIMIT, idle_seconds=AUTO_RETRY_IDLE_SECONDS)
    if report.sent:
        st.toast(report.message, icon=":material/task_alt:")
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
        st.error(report.message)


def _choose_month(writer: EntryWriter) -> pd.Period | None:
    months = writer.locks.open_months()
    if not months:
        current = writer.locks.current_month()
        st.info(
            "Hiện không có tháng nào đang mở sổ để nhập báo cáo. "
            + (writer.locks.refusal(current) or "")
        )
        return None
    labels = {m.strftime(contract.MONTH_FORMAT): m for m in months}
    if st.session_state.get(KEY_MONTH) not in labels:
        st.session_state[KEY_MONTH] = next(iter(labels))
    chosen = labels[st.selectbox("Tháng báo cáo", list(labels), key=KEY_MONTH)]
    state = writer.locks.state(chosen)
    st.caption(
        f"Hạn nộp: hết ngày {state.deadline:%d/%m/%Y}. "
        f"Sổ tháng này {'được mở lại' if state.decision else 'tự khóa'}"
        + ("" if state.decision else f" sau ngày {state.closes_at:%d/%m/%Y}")
        + "."
    )
    return chosen


def _show_outcome() -> Outcome | None:
    """The last press of «Gửi báo cáo», shown once (its field errors go next to the fields)."""
    outcome: Outcome | None = st.session_state.pop(KEY_OUTCOME, None)
    if outcome is not None:
        show = {"success": st.success, "info": st.info, "warning": st.warning, "error": st.error}
        show[outcome.kind](outcome.message)
    return outcome


def run() -> None:
    ctx = context()
    st.title("Nhập báo cáo tháng")
    who = escape_markdown(ctx.viewer.name)
    st.caption(f"{who} ({ctx.viewer.cadre_id}) — báo cáo các tổ anh/chị phụ trách.")
    writer = _writer(ctx)
    outcome = _show_outcome()
    _pending_notice(writer)
    # The store, not ctx.ds: after a write it re-reads once, so the form shows what was sent.
    ds = ctx.store.get().snapshot.dataset
    blocked = write_columns_problem(ds)
    if blocked:
        st.error(blocked)
        return
    month = _choose_month(writer)
    if month is None:
        return
    month_text = month.strftime(contract.MONTH_FORMAT)
    cards = form_groups(ds, ctx.viewer.cadre_id, month)
    if not cards:
        st.info(
            f"Tháng {month_text} anh/chị không được phân công tổ nào, nên không có báo cáo cần "
            "nhập. Nếu phân công chưa đúng, hãy báo Ban Tuyên giáo Đảng ủy."
        )
        return
    problems = {}
    if outcome is not None and outcome.month == _month_key(month):
        problems = {k: v for k, v in outcome.problems.items() if k != FORM}
    pending = Outbox.in_folder(ctx.settings.data_dir).pending_groups(
        writer.source_identity, ctx.viewer.cadre_id, month_text
    )
    topics = topics_offered(ds, month)
    fields = text_fields(ds)
    today = writer.locks.now().date()
    st.caption(
        "Mỗi tổ một mục. Chọn «Có họp» hoặc «Không họp» cho tổ cần báo cáo; tổ để trống sẽ "
        "không được gửi lần này."
    )
    with st.form(f"entry_form_{_month_key(month)}", border=False):
        for card in cards:
            _fill(month, card)
            label, icon = _group_label(card, pending, problems)
            expanded = card.submitted_at is None or card.group_id in problems
            with st.expander(escape_markdown(label), expanded=expanded, icon=icon):
                _group_fields(
                    month, card, topics=topics, fields=fields, today=today, problems=problems
                )
        st.form_submit_button(
            "Gửi báo cáo",
            type="primary",
            width="stretch",
            key=KEY_SUBMIT,
            on_click=_on_submit,
            args=(ctx, month, cards),
            icon=":material/send:",
        )


run()

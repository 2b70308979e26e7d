"""The monthly form's view model: which month is due, what each group shows, what a press sends.

The page only lays widgets out; every decision it shows is taken here, once, and tested here:

- a group's fields show exactly what counts for it now (the cadre's latest sent report), or
  nothing at all: no answer is ever pre-chosen for the cadre (`GroupValues.of`);
- a showing of the form (`FormDisplay`) remembers what it filled each group with, so a press
  sends only the groups the cadre changed, and a press with no change sends nothing (`read_press`);
- «Không sinh hoạt» with a date or households typed is asked about, never dropped silently;
- the form opens on the month that is due (`due_month`), with its deadline (`month_caption`);
- every refusal is named under its field and listed at the top (`problem_lines`).

`entries.validate` stays the authority: `precheck` runs the very same checks early, so a press
that must be asked about still names every wrong value on that first press.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from itertools import count

import pandas as pd

from tothu_core.entry.entries import (
    FORM,
    GROUP,
    MET,
    Entry,
    FormGroup,
    Submission,
    validate,
)
from tothu_core.entry.month_lock import MonthLocks, MonthState
from tothu_core.entry.submit import SubmitResult
from tothu_core.errors import EntryRejected
from tothu_core.people.access import Viewer

MET_TEXT = {True: "Có sinh hoạt", False: "Không sinh hoạt"}
YES_NO_TEXT = {True: "Có", False: "Không"}
# Order of the fields in a group, as the form lays them out (and the summary lists them).
FIELD_ORDER = (GROUP, MET, "meeting_date", "households_present", "cadre_attended", "topics",
               "other_topics", "situation", "proposals")  # fmt: skip
FIELD_LABELS = {
    GROUP: "Tổ",
    MET: "Sinh hoạt",
    "meeting_date": "Ngày sinh hoạt",
    "households_present": "Số hộ dự",
    "cadre_attended": "Cán bộ dự",
    "topics": "Nội dung tuyên truyền",
    "other_topics": "Nội dung khác",
    "situation": "Tình hình",
    "proposals": "Kiến nghị",
}
# Python's weekday(): Monday is 0. Vietnamese calendars start the week on Monday.
WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")
DROP_BUTTON = "Bỏ các mục đó và gửi"
SUBMIT_BUTTON = "Gửi báo cáo"

# Where a group's report stands, for its heading.
TO_FIX, TO_CONFIRM, PENDING, SENT, NOT_SENT = "to_fix", "to_confirm", "pending", "sent", "not_sent"


def day_text(day: date) -> str:
    """'02/11/2026 (Thứ Hai)': the day as the office writes it, with its weekday to recall it by."""
    return f"{day:%d/%m/%Y} ({WEEKDAYS[day.weekday()]})"


def meeting_days(month: pd.Period, today: date, saved: date | None = None) -> list[date]:
    """The days a meeting of `month` can be reported on: the month's days up to today.

    The month is fixed by the form, so a choice of day within it replaces a calendar (whose
    names Streamlit only shows in English). A day already saved stays choosable whatever it is.
    """
    first, last = month.start_time.date(), month.end_time.date()
    last = min(last, today)
    days = [d.date() for d in pd.date_range(first, last, freq="D")] if last >= first else []
    if saved is not None and saved not in days:
        days = sorted([*days, saved])
    return days


def topic_options(offered: Sequence[str], saved: Iterable[str] = ()) -> list[str]:
    """The month's topics, then any topic the saved report has that is not offered any more."""
    return list(dict.fromkeys([*offered, *saved]))


def split_topics(text: str) -> tuple[str, ...]:
    """Topics typed in the «Nội dung khác» box, one per `;` or line."""
    parts = (p.strip() for p in str(text or "").replace(";", "\n").splitlines())
    return tuple(p for p in parts if p)


@dataclass(frozen=True)
class GroupValues:
    """One group's fields exactly as the widgets hold them; None or empty = left empty."""

    met: bool | None = None
    meeting_date: date | None = None
    households_present: int | float | None = None
    cadre_attended: bool | None = None
    topics: tuple[str, ...] = ()
    other_topics: str = ""
    situation: str = ""
    proposals: str = ""

    @classmethod
    def of(cls, entry: Entry | None) -> GroupValues:
        """What a group shows: its latest sent report, or nothing at all (no default answer)."""
        if entry is None:
            return cls()
        return cls(
            met=entry.met,
            meeting_date=entry.meeting_date,
            households_present=entry.households_present,
            cadre_attended=entry.cadre_attended,
            topics=tuple(entry.topics),
            situation=entry.situation or "",
            proposals=entry.proposals or "",
        )

    @classmethod
    def from_widgets(cls, values: Mapping[str, object]) -> GroupValues:
        """From the widgets' values by field name (a missing name counts as left empty)."""
        present = values.get("households_present")
        if isinstance(present, float) and present.is_integer():
            present = int(present)
        return cls(
            met=values.get(MET),
            meeting_date=values.get("meeting_date"),
            households_present=present,
            cadre_attended=values.get("cadre_attended"),
            topics=tuple(values.get("topics") or ()),
            other_topics=str(values.get("other_topics") or ""),
            situation=str(values.get("situation") or ""),
            proposals=str(values.get("proposals") or ""),
        )

    def _compared(self) -> tuple:
        # The order topics were picked in says nothing new.
        return (*(getattr(self, f.name) for f in fields(self) if f.name != "topics"),
                frozenset(self.topics))  # fmt: skip

    def differs_from(self, other: GroupValues) -> bool:
        return self._compared() != other._compared()

    def is_blank(self) -> bool:
        return not self.differs_from(GroupValues())

    def dropped(self) -> tuple[str, ...]:
        """The meeting's details typed although «Không sinh hoạt» is chosen (lost if sent)."""
        if self.met is not False:
            return ()
        typed = {
            "meeting_date": self.meeting_date is not None,
            "households_present": self.households_present is not None,
            "cadre_attended": self.cadre_attended is not None,
            "topics": bool(self.topics),
            "other_topics": bool(split_topics(self.other_topics)),
        }
        return tuple(name for name, is_typed in typed.items() if is_typed)

    def entry(self, group_id: str) -> Entry:
        """The report these values make, as it will be validated and written."""
        return Entry(
            group_id=group_id,
            met=self.met,
            meeting_date=self.meeting_date,
            households_present=self.households_present,
            cadre_attended=self.cadre_attended,
            topics=(*self.topics, *split_topics(self.other_topics)),
            situation=self.situation,
            proposals=self.proposals,
        ).normalized()


def group_title(card: FormGroup) -> str:
    """'Tổ 1 · Ấp Mỹ An' (plain text: the page escapes it where Markdown is rendered)."""
    return f"{card.group_name} · {card.hamlet_name}" if card.hamlet_name else card.group_name


# -- one showing of the form ---------------------------------------------------------------------

_REVISIONS = count(1)


@dataclass
class FormDisplay:
    """What one showing of the form filled each group with, and the widget keys it used.

    Streamlit forgets a widget's value once a run does not draw it (another month, another
    page, a reload), so a showing that lost its widgets is started again from what the sheet
    holds now. Each filling gets widget keys of its own: a browser never keeps a value typed
    into an earlier showing, and a group whose saved report changed (sent here or from another
    tab) is filled again with it while the other groups keep what the cadre is typing.
    """

    month: pd.Period
    cadre_id: str
    offered: tuple[str, ...] = ()
    shown: dict[str, GroupValues] = field(default_factory=dict)
    #: group -> the topics it offers, one check box each (the month's, then its saved ones)
    topics: dict[str, list[str]] = field(default_factory=dict)
    filled_from: dict[str, datetime | None] = field(default_factory=dict)
    revisions: dict[str, int] = field(default_factory=dict)

    @classmethod
    def start(
        cls,
        month: pd.Period,
        cadre_id: str,
        cards: Sequence[FormGroup],
        offered: Sequence[str] = (),
    ) -> FormDisplay:
        display = cls(month=month, cadre_id=cadre_id, offered=tuple(offered))
        for card in cards:
            display._fill(card)
        return display

    def _fill(self, card: FormGroup) -> None:
        shown = GroupValues.of(card.latest)
        self.shown[card.group_id] = shown
        self.topics[card.group_id] = topic_options(self.offered, shown.topics)
        self.filled_from[card.group_id] = card.submitted_at
        self.revisions[card.group_id] = next(_REVISIONS)

    def topic_key(self, group_id: str, index: int) -> str:
        """The check box of the group's `index`-th topic."""
        return self.key(group_id, f"topic{index}")

    def key(self, group_id: str, name: str) -> str:
        return (
            f"entry_form__{self.month.strftime('%Y-%m')}__{group_id}__{name}__"
            f"{self.revisions[group_id]}"
        )

    def is_for(
        self, month: pd.Period, cadre_id: str, cards: Sequence[FormGroup], offered: Sequence[str]
    ) -> bool:
        return (
            self.month == month
            and self.cadre_id == cadre_id
            and [c.group_id for c in cards] == list(self.shown)
            and tuple(offered) == self.offered
        )

    def follow(self, cards: Sequence[FormGroup]) -> list[str]:
        """Fill again the groups whose saved report changed since; returns their ids."""
        changed = [c for c in cards if c.submitted_at != self.filled_from.get(c.group_id)]
        for card in changed:
            self._fill(card)
        return [c.group_id for c in changed]


def current_display(
    previous: FormDisplay | None,
    month: pd.Period,
    cadre_id: str,
    cards: Sequence[FormGroup],
    *,
    offered: Sequence[str] = (),
    widgets_kept: Callable[[str], bool],
) -> FormDisplay:
    """The showing to draw now: the previous one while its widgets live, else a new one.

    `widgets_kept(key)` says whether Streamlit still holds the widget `key` (it drops the
    widgets a run did not draw: a month switch, another page, a new session).
    """
    if (
        previous is not None
        and previous.is_for(month, cadre_id, cards, offered)
        and all(widgets_kept(previous.key(c.group_id, MET)) for c in cards)
    ):
        previous.follow(cards)
        return previous
    return FormDisplay.start(month, cadre_id, cards, offered)


# -- a press of «Gửi báo cáo» --------------------------------------------------------------------


@dataclass(frozen=True)
class Press:
    """What one press would send, and what must be asked before anything is sent."""

    entries: tuple[Entry, ...]
    #: group -> the question about details typed although the group did not meet
    questions: Mapping[str, str] = field(default_factory=dict)
    #: group -> the values the question was about (a confirmation holds only for those)
    asked: Mapping[str, GroupValues] = field(default_factory=dict)

    @property
    def nothing_new(self) -> bool:
        return not self.entries and not self.questions


def read_press(
    cards: Sequence[FormGroup],
    shown: Mapping[str, GroupValues],
    typed: Mapping[str, GroupValues],
    *,
    confirmed: Mapping[str, GroupValues] | None = None,
) -> Press:
    """The entries a press sends: only the groups the cadre changed on this showing.

    A group left as it was shown is never sent, even when the sheet has a newer report for it
    (sent from another tab): the form must not write back what the cadre only looked at.
    A change that leaves the report as it already counts adds no row either. Details typed
    under «Không sinh hoạt» are asked about, unless the cadre confirmed these very values.
    """
    confirmed = confirmed or {}
    entries: list[Entry] = []
    questions: dict[str, str] = {}
    asked: dict[str, GroupValues] = {}
    for card in cards:
        values = typed.get(card.group_id)
        before = shown.get(card.group_id, GroupValues())
        if values is None or not values.differs_from(before) or values.is_blank():
            continue
        dropped = values.dropped()
        if dropped and confirmed.get(card.group_id) != values:
            questions[card.group_id] = drop_question(values, dropped)
            asked[card.group_id] = values
        entry = values.entry(card.group_id)
        if entry == card.latest:
            continue
        entries.append(entry)
    return Press(tuple(entries), questions, asked)


def drop_question(values: GroupValues, dropped: Sequence[str]) -> str:
    """«Không sinh hoạt» with details typed: say what would be lost, and the two ways out."""
    described = {
        "meeting_date": lambda: (
            f"ngày sinh hoạt {values.meeting_date:%d/%m/%Y}"
            if values.meeting_date
            else "ngày sinh hoạt"
        ),
        "households_present": lambda: f"số hộ dự ({values.households_present})",
        "cadre_attended": lambda: "việc đồng chí có dự hay không",
        "topics": lambda: "nội dung tuyên truyền",
        "other_topics": lambda: "nội dung khác",
    }
    parts = list(dict.fromkeys(described[name]() for name in dropped))
    return (
        f"Đã chọn «{MET_TEXT[False]}» nhưng còn ghi {', '.join(parts)}. Tổ không sinh hoạt "
        f"thì các mục này không được ghi. Nếu tổ có sinh hoạt, hãy chọn «{MET_TEXT[True]}» rồi "
        f"bấm «{SUBMIT_BUTTON}»; nếu không, bấm «{DROP_BUTTON}»."
    )


def precheck(
    ds,
    entries: Sequence[Entry],
    *,
    cadre_id: str,
    month: pd.Period,
    viewer: Viewer,
    locks: MonthLocks,
) -> dict[str, dict[str, str]]:
    """`validate`'s refusals for these entries, without keeping or writing anything."""
    if not entries:
        return {}
    trial = Submission("kiem-tra", cadre_id, month, tuple(entries), locks.now())
    try:
        validate(ds, trial, viewer=viewer, locks=locks)
    except EntryRejected as exc:
        return dict(exc.problems)
    return {}


def problem_lines(
    cards: Sequence[FormGroup],
    problems: Mapping[str, Mapping[str, str]],
    questions: Mapping[str, str] | None = None,
) -> list[str]:
    """The summary at the top of the form: every refusal, by group and field in form order,
    then every question asked."""
    lines = [problems[FORM][FORM]] if FORM in problems else []
    titles = {c.group_id: group_title(c) for c in cards}
    ordered = [*[c.group_id for c in cards], *[g for g in problems if g not in titles]]
    rank = {name: i for i, name in enumerate(FIELD_ORDER)}
    for group_id in ordered:
        found = problems.get(group_id)
        if not found or group_id == FORM:
            continue
        title = titles.get(group_id, f"Tổ {group_id}")
        for name in sorted(found, key=lambda n: rank.get(n, len(rank))):
            lines.append(f"{title} — {FIELD_LABELS.get(name, name)}: {found[name]}")
    for group_id in [g for g in titles if g in (questions or {})]:
        lines.append(f"{titles[group_id]}: {questions[group_id]}")
    return lines


def refusal_headline(problems: Mapping[str, Mapping[str, str]], questions: Mapping) -> str:
    """One sentence for the top of the page and beside the button, whatever was refused."""
    wrong = sum(len(v) for g, v in problems.items() if g != FORM)
    parts = []
    if FORM in problems:
        parts.append(problems[FORM][FORM])
    if wrong:
        parts.append(
            f"Chưa gửi được: có {wrong} chỗ cần sửa (ghi dưới từng ô và liệt kê ở đầu trang)."
        )
    if questions:
        parts.append(
            f"Cần đồng chí trả lời ở {len(questions)} tổ chọn «{MET_TEXT[False]}» nhưng còn ghi "
            "số liệu sinh hoạt."
        )
    return " ".join(parts) + " Chưa có báo cáo nào được ghi."


def nothing_new_text(cards: Sequence[FormGroup]) -> str:
    """A press that changed nothing: nothing is written, and the cadre is told why."""
    if any(c.submitted_at is not None for c in cards):
        return (
            "Không có gì mới để ghi: các tổ đều như bản đã gửi hoặc chưa được điền, nên chưa "
            f"ghi thêm dòng nào. Muốn sửa, hãy đổi nội dung của tổ đó rồi bấm «{SUBMIT_BUTTON}»."
        )
    return (
        "Chưa có tổ nào được điền nên chưa ghi gì. Hãy chọn "
        f"«{MET_TEXT[True]}» hoặc «{MET_TEXT[False]}» cho tổ cần báo cáo rồi bấm "
        f"«{SUBMIT_BUTTON}»."
    )


def sent_text(result: SubmitResult, entries: Sequence[Entry], cards: Sequence[FormGroup]) -> str:
    """After a press that reached the write path: which groups were written, or why not yet."""
    if not result.sent:
        return result.message
    titles = {c.group_id: group_title(c) for c in cards}
    names = ", ".join(titles.get(e.group_id, e.group_id) for e in entries)
    again = " (bấm gửi thêm lần nữa không tạo bản trùng)" if result.repeat else ""
    return f"Đã ghi {len(entries)} báo cáo vào bảng tính{again}: {names}."


# -- the month and each group's heading ----------------------------------------------------------


def missing_groups(cards: Sequence[FormGroup], pending: Iterable[str] = ()) -> list[FormGroup]:
    """The groups with no report from this cadre yet (a report waiting in the outbox is sent)."""
    waiting = set(pending)
    return [c for c in cards if c.latest is None and c.group_id not in waiting]


def due_month(
    open_months: Sequence[pd.Period],
    *,
    current: pd.Period,
    cards_of: Callable[[pd.Period], Sequence[FormGroup]],
    pending_of: Callable[[pd.Period], Iterable[str]] = lambda month: (),
) -> pd.Period | None:
    """The month the form opens on: the oldest open month whose reports from this cadre are
    still missing, else the current month (else the newest open one); None when none is open.

    On 2 December November is still open and due by the 5th: a cadre who has not reported it
    must land on it, not on the month that has barely begun.
    """
    if not open_months:
        return None
    for month in sorted(open_months):
        if missing_groups(cards_of(month), pending_of(month)):
            return month
    return current if current in open_months else max(open_months)


def month_caption(
    state: MonthState, cards: Sequence[FormGroup], pending: Iterable[str] = ()
) -> str:
    """'Hạn nộp: hết ngày 05/12/2026. Sổ tháng này tự khóa sau ngày 15/12/2026. Còn 2/3 tổ …'"""
    text = f"Hạn nộp: hết ngày {state.deadline:%d/%m/%Y}. "
    if state.decision is not None:
        text += "Sổ tháng này được mở lại."
    else:
        text += f"Sổ tháng này tự khóa sau ngày {state.closes_at:%d/%m/%Y}."
    if cards:
        missing = len(missing_groups(cards, pending))
        text += (
            f" Còn {missing}/{len(cards)} tổ chưa báo cáo."
            if missing
            else f" Đã báo cáo đủ {len(cards)} tổ."
        )
    return text


def group_status(
    card: FormGroup,
    *,
    pending: Mapping[str, str] | Iterable[str] = (),
    problems: Mapping = {},  # noqa: B006 - read only
    questions: Mapping = {},  # noqa: B006 - read only
) -> tuple[str, str]:
    """(status, words) for a group's heading: what needs doing, or where its report stands."""
    if card.group_id in problems:
        return TO_FIX, "cần sửa"
    if card.group_id in questions:
        return TO_CONFIRM, "cần trả lời"
    if card.group_id in set(pending):
        return PENDING, "đang chờ gửi"
    if card.submitted_at is not None:
        return SENT, f"đã gửi lúc {card.submitted_at:%H:%M %d/%m}"
    return NOT_SENT, "chưa báo cáo"

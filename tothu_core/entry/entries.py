"""A cadre's monthly entries: the model, the server-side checks and the sheet rows they become.

The form lets anything be typed and names what is wrong (see `form`); nothing a browser sends
is trusted anyway: `validate` checks every entry again against the snapshot (the group assigned
to THIS cadre in THIS month, numbers and dates in range, the month open) and refuses the whole
submission, with one Vietnamese sentence per field, when any entry is wrong. Only then are rows
built, in the sheet's own column order, each with `Thời điểm nhập` and a `Mã phiếu` that makes
a repeat harmless.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime

import pandas as pd

from tothu_core.entry.month_lock import MonthLocks
from tothu_core.errors import EntryRejected
from tothu_core.figures.figures import pct
from tothu_core.people.access import Viewer
from tothu_core.sheet import contract
from tothu_core.sheet.assigned import assigned_pairs
from tothu_core.sheet.dataset import Dataset
from tothu_core.sheet.reader import write_target
from tothu_core.sheet.sources.base import WriteTarget
from tothu_core.textnorm import clean_cell_text

# Key of `EntryRejected.problems` for what concerns the whole submission, not one group.
FORM = "_form"
# Field names in `EntryRejected.problems[group_id]`: the contract's keys, plus "met".
MET = "met"
GROUP = "group_id"
MAX_TEXT_CHARS = 2000
MAX_TOPIC_CHARS = 300
MAX_TOPICS = 12
# Without these the program cannot write a report a clerk can trust (see write_columns_problem).
WRITE_REQUIRED = ("meeting_date", "households_present", "cadre_attended", "submitted_at",
                  "submission_id")  # fmt: skip
# Offered when the sheet has no `Chủ đề` tab, or none of its topics is offered that month.
DEFAULT_TOPICS = (
    "Chủ trương của Đảng, chính sách pháp luật của Nhà nước",
    "An toàn giao thông",
    "Phòng chống tội phạm, tệ nạn xã hội",
    "Phòng chống dịch bệnh",
    "Xây dựng nông thôn mới",
)
YES, NO = "Có", "Không"


@dataclass(frozen=True)
class Entry:
    """One group's report for the month, as the cadre filled it in.

    `met` None means the cadre chose neither "met" nor "did not meet" (refused by `validate`).
    """

    group_id: str
    met: bool | None
    meeting_date: date | None = None
    households_present: int | None = None
    cadre_attended: bool | None = None
    topics: tuple[str, ...] = ()
    situation: str = ""
    proposals: str = ""

    def normalized(self) -> Entry:
        """As it will be written and read back: text cleaned the way the reader cleans it,
        the meeting's details only when the group met."""
        topics: list[str] = []
        for topic in self.topics or ():
            for part in str(topic).replace(";", "\n").splitlines():
                cleaned = clean_cell_text(part)
                if cleaned and cleaned not in topics:
                    topics.append(cleaned)
        meeting_date = self.meeting_date
        if isinstance(meeting_date, datetime):
            meeting_date = meeting_date.date()
        present = self.households_present
        if isinstance(present, float) and present.is_integer():
            present = int(present)
        met = self.met
        return replace(
            self,
            group_id=str(self.group_id).strip(),
            meeting_date=meeting_date if met else None,
            households_present=present if met else None,
            cadre_attended=self.cadre_attended if met else None,
            topics=tuple(topics) if met else (),
            situation=clean_cell_text(self.situation or ""),
            proposals=clean_cell_text(self.proposals or ""),
        )


@dataclass(frozen=True)
class Submission:
    """What one press of «Gửi báo cáo» sends: the entries of one cadre for one month."""

    submission_id: str
    cadre_id: str
    month: pd.Period
    entries: tuple[Entry, ...]
    submitted_at: datetime
    #: Mã phiếu per group; a group not listed gets "<submission id>-<group id>".
    row_ids: Mapping[str, str] = field(default_factory=dict)

    def row_id(self, group_id: str) -> str:
        return self.row_ids.get(group_id) or f"{self.submission_id}-{group_id}"


@dataclass(frozen=True)
class RowsPlan:
    """The records to append (contract key -> value), where, and the key they are deduped on.

    Records name their columns, not positions: the backend puts each value under its header
    as the tab is when it writes, so a column inserted since the read shifts nothing.
    """

    tab: str
    target: WriteTarget
    records: list[dict]
    key: str = "submission_id"


@dataclass(frozen=True)
class FormGroup:
    """One group of the form: who it is, last month's figures, and what was sent this month."""

    group_id: str
    group_name: str
    hamlet_name: str
    households: int
    previous: str
    latest: Entry | None
    submitted_at: datetime | None


def new_display_id() -> str:
    """Eight unambiguous characters, made once when the form is shown."""
    return base64.b32encode(secrets.token_bytes(5)).decode("ascii")


@dataclass
class FormMemory:
    """What one form display remembers between reruns (kept in session state).

    An entry identical to one already sent from this form keeps its Mã phiếu, and a submission
    made only of such entries keeps its id: a double click, or pressing again after a failure,
    re-sends the same ids and the backend adds nothing. Anything new gets a new id, so a
    correction (even back to an earlier answer) is always a new row.
    """

    display_id: str = field(default_factory=new_display_id)
    attempts: int = 0
    last_submission_id: str | None = None
    last_row_ids: frozenset[str] = frozenset()
    sent: dict[str, tuple[Entry, str]] = field(default_factory=dict)

    def prepare(
        self, entries: Iterable[Entry], *, cadre_id: str, month: pd.Period, at: datetime
    ) -> Submission:
        entries = tuple(e.normalized() for e in entries)
        row_ids: dict[str, str] = {}
        fresh: list[Entry] = []
        for entry in entries:
            known = self.sent.get(entry.group_id)
            if known is not None and known[0] == entry:
                row_ids[entry.group_id] = known[1]
            else:
                fresh.append(entry)
        if not fresh and frozenset(row_ids.values()) == self.last_row_ids:
            submission_id = self.last_submission_id
        else:
            self.attempts += 1
            submission_id = f"{self.display_id}-{self.attempts}"
        for entry in fresh:
            row_ids[entry.group_id] = f"{submission_id}-{entry.group_id}"
        for entry in entries:
            self.sent[entry.group_id] = (entry, row_ids[entry.group_id])
        self.last_submission_id = submission_id
        self.last_row_ids = frozenset(row_ids.values())
        return Submission(submission_id, cadre_id, month, entries, at, row_ids)


# -- what the form shows -------------------------------------------------------------------


def assigned_groups(ds: Dataset, cadre_id: str, month: pd.Period) -> pd.DataFrame:
    """The groups assigned to `cadre_id` in `month` (spec: "Assigned in month M"), by hamlet."""
    pairs = assigned_pairs(ds.assignments, pd.PeriodIndex([month]))
    mine = pairs.loc[pairs["cadre_id"] == cadre_id, ["group_id"]]
    hamlets = ds.hamlets[["hamlet_id", "hamlet_name"]]
    groups = ds.groups[["group_id", "group_name", "hamlet_id", "households"]]
    found = mine.merge(groups, on="group_id").merge(hamlets, on="hamlet_id", how="left")
    return found.sort_values(["hamlet_name", "group_id"], kind="stable").reset_index(drop=True)


def topics_offered(ds: Dataset, month: pd.Period) -> list[str]:
    """The `Chủ đề` topics offered in `month` (Từ/Đến tháng, blank = always), else defaults."""
    t = ds.topics
    if len(t):
        starts_ok = t["from_month"].isna() | (t["from_month"] <= month)
        ends_ok = t["to_month"].isna() | (t["to_month"] >= month)
        offered = t.loc[starts_ok & ends_ok, "topic"].dropna().astype(str)
        offered = list(dict.fromkeys(offered))
        if offered:
            return offered
    return list(DEFAULT_TOPICS)


def form_groups(ds: Dataset, cadre_id: str, month: pd.Period) -> list[FormGroup]:
    """The form's groups for this cadre and month, each with last month's figures beside it."""
    groups = assigned_groups(ds, cadre_id, month)
    latest = ds.latest_meetings
    mine = latest[(latest["month"] == month) & (latest["cadre_id"] == cadre_id)]
    mine = mine.set_index("group_id")
    before = latest[latest["month"] == month - 1]
    # Several cadres may report one group: a report with a meeting, then the latest, counts.
    before = before.assign(_met=before["meeting_date"].notna()).sort_values(
        ["_met", "submitted_at"], na_position="first", kind="stable"
    )
    before = before.drop_duplicates("group_id", keep="last").set_index("group_id")
    cards = []
    for g in groups.itertuples(index=False):
        households = int(g.households)
        previous = before.loc[g.group_id] if g.group_id in before.index else None
        current = mine.loc[g.group_id] if g.group_id in mine.index else None
        cards.append(
            FormGroup(
                group_id=g.group_id,
                group_name=g.group_name,
                hamlet_name=g.hamlet_name if isinstance(g.hamlet_name, str) else "",
                households=households,
                previous=previous_month_text(previous, month - 1, households),
                latest=None if current is None else entry_from_row(current),
                submitted_at=None if current is None else _moment(current["submitted_at"]),
            )
        )
    return cards


def previous_month_text(row: pd.Series | None, month: pd.Period, households: int) -> str:
    """'Tháng trước (10/2026): sinh hoạt ngày 12/10, 30/45 hộ dự (66,7%), cán bộ có dự.'"""
    label = f"Tháng trước ({month.strftime(contract.MONTH_FORMAT)})"
    if row is None:
        return f"{label}: chưa có báo cáo."
    if pd.isna(row["meeting_date"]):
        return f"{label}: tổ không sinh hoạt."
    parts = [f"sinh hoạt ngày {row['meeting_date']:%d/%m}"]
    present = row["households_present"]
    if pd.notna(present):
        share = pct(int(present), households)
        shown = f"{share:.1f}".replace(".", ",")
        parts.append(f"{int(present)}/{households} hộ dự ({shown}%)")
    if pd.notna(row["cadre_attended"]):
        parts.append("cán bộ có dự" if row["cadre_attended"] else "cán bộ vắng")
    return f"{label}: {', '.join(parts)}."


def entry_from_row(row: pd.Series) -> Entry:
    """A `Sinh hoạt` row of the dataset as the form's Entry (to pre-fill and to compare)."""
    met = pd.notna(row["meeting_date"])

    def value(key):
        v = row[key]
        return None if v is None or (pd.api.types.is_scalar(v) and pd.isna(v)) else v

    present = value("households_present")
    attended = value("cadre_attended")
    return Entry(
        group_id=str(row.name if "group_id" not in row.index else row["group_id"]),
        met=met,
        meeting_date=row["meeting_date"].date() if met else None,
        households_present=int(present) if present is not None else None,
        cadre_attended=bool(attended) if attended is not None else None,
        topics=tuple(value("topics") or ()),
        situation=value("situation") or "",
        proposals=value("proposals") or "",
    ).normalized()


def text_fields(ds: Dataset) -> set[str]:
    """The optional text fields this sheet has columns for; the form asks only those."""
    layout = ds.layouts.get("meetings")
    columns = layout.columns if layout is not None else {}
    return {key for key in ("topics", "situation", "proposals") if key in columns}


# -- checking ------------------------------------------------------------------------------


def write_columns_problem(ds: Dataset) -> str | None:
    """Why the form cannot write to this sheet, as a sentence for the clerk; None when it can.

    Mã phiếu and Thời điểm nhập are required (not added silently): without the first, a retry
    after a lost answer would double a report; without the second, a correction could not be
    told from the report it corrects, nor a late report from an early one. Adding a header is
    the office's decision about its own sheet, so the program asks rather than reshapes it.
    """
    layout = ds.layouts.get("meetings")
    if layout is None:
        return (
            f"Bảng tính chưa có trang «{contract.MEETINGS.name}» với đủ cột bắt buộc nên chưa ghi "
            "được báo cáo. Hãy báo người quản trị xem trang «Kiểm tra dữ liệu»."
        )
    missing = [contract.MEETINGS.column(k).header for k in WRITE_REQUIRED
               if k not in layout.columns]  # fmt: skip
    if not missing:
        return None
    names = ", ".join(f"«{h}»" for h in missing)
    return (
        f"Trang «{layout.title}» chưa có cột {names} nên biểu mẫu chưa ghi được báo cáo. "
        f"Hãy thêm tiêu đề {names} vào dòng tiêu đề (dòng {layout.header_row}) ở các cột trống "
        "bên phải, rồi bấm «Làm mới dữ liệu»."
    )


def validate(ds: Dataset, submission: Submission, *, viewer: Viewer, locks: MonthLocks) -> None:
    """Refuse the whole submission (EntryRejected) when anything in it is wrong."""
    month = submission.month
    month_text = month.strftime(contract.MONTH_FORMAT)
    form_problem = None
    if submission.cadre_id != viewer.cadre_id:
        form_problem = (
            f"Đồng chí chỉ gửi được báo cáo của chính mình (mã {viewer.cadre_id}), không gửi thay "
            f"cho mã {submission.cadre_id} được."
        )
    else:
        form_problem = locks.refusal(month) or write_columns_problem(ds)
    if form_problem is None and not submission.entries:
        form_problem = (
            "Chưa có tổ nào được điền để gửi. Hãy chọn «Có sinh hoạt» hoặc «Không sinh hoạt» cho "
            "ít nhất một tổ rồi bấm «Gửi báo cáo»."
        )
    if form_problem is not None:
        raise EntryRejected(form_problem, {FORM: {FORM: form_problem}})

    assigned = assigned_groups(ds, submission.cadre_id, month).set_index("group_id")
    known = ds.groups.set_index("group_id")
    columns = ds.layouts["meetings"].columns
    today = locks.now().date()
    problems: dict[str, dict[str, str]] = {}
    seen: set[str] = set()
    for entry in submission.entries:
        group_id = str(entry.group_id).strip()
        found: dict[str, str] = {}
        if group_id in seen:
            found[GROUP] = f"Tổ {group_id} có hai báo cáo trong cùng một lần gửi; hãy gửi một."
        elif group_id not in known.index:
            found[GROUP] = f"Không có tổ mã «{group_id}» trong trang Tổ."
        elif group_id not in assigned.index:
            found[GROUP] = (
                f"Đồng chí không được phân công phụ trách {known.loc[group_id, 'group_name']} "
                f"trong tháng {month_text}, nên không gửi báo cáo cho tổ này được."
            )
        else:
            households = int(assigned.loc[group_id, "households"])
            found.update(_entry_problems(entry, month, households, today))
            found.update(_missing_column_problems(entry.normalized(), columns))
        seen.add(group_id)
        if found:
            problems[group_id] = found
    if problems:
        count = sum(len(p) for p in problems.values())
        raise EntryRejected(
            f"Chưa gửi được: có {count} chỗ cần sửa (xem dòng báo đỏ dưới từng ô). "
            "Chưa có báo cáo nào được ghi.",
            problems,
        )


def _entry_problems(entry: Entry, month: pd.Period, households: int, today: date) -> dict:
    found: dict[str, str] = {}
    month_text = month.strftime(contract.MONTH_FORMAT)
    if entry.met is None:
        found[MET] = "Hãy chọn «Có sinh hoạt» hoặc «Không sinh hoạt»."
    elif entry.met:
        day = entry.meeting_date
        if isinstance(day, datetime):
            day = day.date()
        if not isinstance(day, date):
            found["meeting_date"] = "Hãy chọn ngày sinh hoạt."
        elif pd.Period(day, freq="M") != month:
            found["meeting_date"] = (
                f"Ngày sinh hoạt {day:%d/%m/%Y} không thuộc tháng {month_text}; "
                f"hãy chọn một ngày trong tháng {month_text}."
            )
        elif day > today:
            found["meeting_date"] = (
                f"Ngày sinh hoạt {day:%d/%m/%Y} chưa đến (hôm nay là {today:%d/%m/%Y}); "
                "hãy chọn ngày tổ đã sinh hoạt."
            )
        present = entry.households_present
        if isinstance(present, float) and present.is_integer():
            present = int(present)
        if present is None:
            found["households_present"] = f"Hãy ghi số hộ dự (từ 0 đến {households})."
        elif isinstance(present, bool) or not isinstance(present, int):
            found["households_present"] = f"Số hộ dự phải là số nguyên từ 0 đến {households}."
        elif present < 0:
            found["households_present"] = (
                f"Số hộ dự ({present}) không thể là số âm; hãy ghi từ 0 đến {households}."
            )
        elif present > households:
            found["households_present"] = (
                f"Số hộ dự ({present}) lớn hơn số hộ của tổ ({households}); "
                f"hãy ghi từ 0 đến {households}."
            )
        if entry.cadre_attended not in (True, False):
            found["cadre_attended"] = "Hãy chọn đồng chí có dự buổi sinh hoạt hay không."
        topics = entry.normalized().topics
        if len(topics) > MAX_TOPICS:
            found["topics"] = f"Chọn nhiều nhất {MAX_TOPICS} nội dung tuyên truyền."
        elif any(len(t) > MAX_TOPIC_CHARS for t in topics):
            found["topics"] = f"Mỗi nội dung tuyên truyền ghi gọn trong {MAX_TOPIC_CHARS} ký tự."
    for key, label in (("situation", "Tình hình"), ("proposals", "Kiến nghị")):
        text = getattr(entry, key) or ""
        if not isinstance(text, str):
            found[key] = f"Mục {label} phải là chữ."
        elif len(text) > MAX_TEXT_CHARS:
            found[key] = (
                f"Mục {label} dài {len(text)} ký tự, quá {MAX_TEXT_CHARS} ký tự; hãy viết gọn lại."
            )
    return found


def _missing_column_problems(entry: Entry, columns: Mapping[str, int]) -> dict:
    """Text for a column the sheet does not have would be lost: refuse it, saying why."""
    found = {}
    values = {"topics": entry.topics, "situation": entry.situation, "proposals": entry.proposals}
    for key, value in values.items():
        if value and key not in columns:
            header = contract.MEETINGS.column(key).header
            found[key] = (
                f"Trang «{contract.MEETINGS.name}» không có cột «{header}» nên chưa ghi được mục "
                "này. Hãy để trống, hoặc nhờ người quản trị thêm cột đó."
            )
    return found


# -- writing -------------------------------------------------------------------------------


def build_rows(ds: Dataset, submission: Submission) -> RowsPlan:
    """One record per entry, ready for `Source.append_records`; empty values left out.

    Call after `validate`. The month is written MM/YYYY as text, Có/Không as the office
    writes it, and `Thời điểm nhập` is the moment the cadre pressed Gửi (a retry later does
    not make a report late).
    """
    target = write_target(ds, "meetings")
    records = []
    for entry in submission.entries:
        entry = entry.normalized()
        values = {
            "month": submission.month.strftime(contract.MONTH_FORMAT),
            "group_id": entry.group_id,
            "cadre_id": submission.cadre_id,
            "meeting_date": entry.meeting_date,
            "households_present": entry.households_present,
            "cadre_attended": _yes_no(entry.cadre_attended),
            "topics": "; ".join(entry.topics) or None,
            "situation": entry.situation or None,
            "proposals": entry.proposals or None,
            "submitted_at": submission.submitted_at.replace(microsecond=0),
            "submission_id": submission.row_id(entry.group_id),
        }
        records.append({key: value for key, value in values.items() if value is not None})
    return RowsPlan(tab=target.title, target=target, records=records)


def _yes_no(value: bool | None) -> str | None:
    """Có/Không, as the office writes it (a TRUE/FALSE cell would read the same)."""
    return None if value is None else (YES if value else NO)


def _moment(value) -> datetime | None:
    return None if pd.isna(value) else pd.Timestamp(value).to_pydatetime()

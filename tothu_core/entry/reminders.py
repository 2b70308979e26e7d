"""The record of reminders: who was reminded of a missing report, when, how and by whom.

A reminder is written exactly like the monthly entries (`submit.EntryWriter`): kept in the
outbox first, then ONE append to the `Nhắc nhở` tab checked against Google's answer, retried
with the same rows, deduplicated on `Mã nhắc`. When the sheet cannot take it — no `Nhắc nhở`
tab (or one without `Mã nhắc`), the demo, an `.ods` file, a Google Sheet shared as Viewer —
the same outbox keeps it for good (`local`), so it is still shown and backed up.

**One reminder per cadre, month, channel, person and day.** `Mã nhắc` is made of those, not
drawn at random: a double press, a reload and a second press, two tabs, a retry after a lost
answer or a scheduled job run twice the same day all give the same Mã nhắc, and the outbox
and the sheet keep it once. A call tomorrow is a new reminder.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd

from tothu_core.clock import office_now
from tothu_core.entry.outbox import (
    LOCAL,
    MISPLACED,
    PENDING,
    REMINDER,
    SENT,
    Outbox,
    OutboxRecord,
)
from tothu_core.entry.submit import AUTO_RETRY_IDLE_SECONDS, EntryWriter, RetryReport
from tothu_core.figures.figures import as_month
from tothu_core.settings import Settings
from tothu_core.sheet import contract
from tothu_core.sheet.dataset import Dataset
from tothu_core.sheet.reader import write_target
from tothu_core.sheet.snapshot import SnapshotStore
from tothu_core.sheet.sources.workbook import WRITABLE_SUFFIXES
from tothu_core.textnorm import clean_cell_text

# How a reminder was made: the key a page or a job uses -> the word the record keeps.
CALL, SMS, ZALO, COPY, GROUP, EMAIL = "call", "sms", "zalo", "copy", "group", "email"
CHANNEL_WORDS = {
    CALL: contract.CHANNEL_CALL,
    SMS: contract.CHANNEL_SMS,
    ZALO: contract.CHANNEL_ZALO,
    COPY: contract.CHANNEL_COPY,
    GROUP: contract.CHANNEL_GROUP,
    EMAIL: contract.CHANNEL_EMAIL,
}
#: who a scheduled job's reminders are from (`python -m tothu_core remind --send`)
JOB_NAME = "Nhắc tự động (lệnh remind)"
JOB_ID = "tu-dong"
# Where a reminder is kept, as the page words it.
IN_SHEET, WAITING, HERE, MISPLACED_IN_SHEET = "sheet", "pending", "local", "misplaced"
KEPT_TEXT = {
    IN_SHEET: "",
    WAITING: "đang chờ ghi vào bảng tính",
    HERE: "lưu trên máy chủ",
    MISPLACED_IN_SHEET: "ghi sai chỗ trong bảng tính",
}
COLUMNS = ["reminder_id", "month", "cadre_id", "channel", "reminded_at", "groups", "by_name",
           "by_id", "note", "kept"]  # fmt: skip
RETRY_LIMIT = 5


@dataclass(frozen=True)
class Reminder:
    """One reminder of one cadre about one month's missing reports."""

    month: pd.Period
    cadre_id: str
    channel: str
    at: datetime
    groups: tuple[str, ...] = ()
    by_id: str = ""
    by_name: str = ""
    note: str = ""

    def __post_init__(self) -> None:
        if self.channel not in CHANNEL_WORDS:
            raise ValueError(f"unknown reminder channel {self.channel!r}")

    @property
    def reminder_id(self) -> str:
        """'N-202611-CB07-call-CB01-20261201': the same press on the same day, the same id."""
        by = _id_part(self.by_id or JOB_ID)
        return f"N-{self.month:%Y%m}-{_id_part(self.cadre_id)}-{self.channel}-{by}-{self.at:%Y%m%d}"

    def record(self) -> dict:
        """The `Nhắc nhở` row (contract keys), empty values left out."""
        values = {
            "reminded_at": self.at.replace(microsecond=0),
            "month": self.month.strftime(contract.MONTH_FORMAT),
            "cadre_id": self.cadre_id,
            "channel": CHANNEL_WORDS[self.channel],
            "groups": "; ".join(self.groups) or None,
            "by_name": clean_cell_text(self.by_name) or None,
            "by_id": self.by_id or None,
            "note": clean_cell_text(self.note) or None,
            "reminder_id": self.reminder_id,
        }
        return {key: value for key, value in values.items() if value is not None}


def _id_part(text: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in str(text).strip()) or "_"


@dataclass(frozen=True)
class RecordResult:
    """What a press recorded: how many reminders, where they are kept, and why not the sheet."""

    count: int
    kept: str
    repeat: bool = False
    in_progress: bool = False
    error: str | None = None

    @property
    def message(self) -> str:
        who = "lần nhắc" if self.count == 1 else f"{self.count} lần nhắc"
        if self.repeat:
            return f"Đã ghi {who} này từ trước (bấm lại trong ngày không ghi thêm)."
        if self.in_progress:
            return f"{who[0].upper()}{who[1:]} này đang được ghi vào bảng tính."
        if self.kept == IN_SHEET:
            return f"Đã ghi {who} vào trang «{contract.REMINDERS.name}» của bảng tính."
        if self.kept == HERE:
            # Why it is not in the sheet is said once on the page; a refusal is news.
            refused = self.error if self.error and self.error.startswith("Bảng tính") else ""
            return f"Đã lưu {who} trên máy chủ. {refused}".strip()
        if self.kept == MISPLACED_IN_SHEET:
            return f"Đã lưu {who} trên máy chủ; Google Sheets ghi chưa đúng chỗ: {self.error}"
        return (
            f"Đã lưu {who} trên máy chủ, chưa ghi được vào bảng tính; chương trình sẽ tự ghi "
            f"lại. Lý do: {self.error}"
        )


def keep_locally_because(ds: Dataset, source) -> str | None:
    """Why this source's reminders stay on the server; None when the sheet takes them."""
    tab = contract.REMINDERS.name
    if getattr(source, "is_demo", False):
        return "Đang dùng dữ liệu mẫu nên các lần nhắc được lưu trên máy chủ của ứng dụng."
    path = getattr(source, "path", None)
    if source.kind == "workbook" and Path(path).suffix.lower() not in WRITABLE_SUFFIXES:
        return (
            f"Ứng dụng không ghi được vào tệp {Path(path).name} nên các lần nhắc được lưu trên "
            "máy chủ của ứng dụng."
        )
    layout = ds.layouts.get("reminders")
    if layout is None:
        return (
            f"Bảng tính chưa có trang «{tab}» nên các lần nhắc được lưu trên máy chủ của ứng "
            f"dụng. Muốn giữ chúng trong bảng tính, hãy thêm trang «{tab}» với các cột như "
            "bảng tính mẫu (tải ở trang «Kiểm tra dữ liệu»)."
        )
    if "reminder_id" not in layout.columns:
        header = contract.REMINDERS.column("reminder_id").header
        return (
            f"Trang «{layout.title}» chưa có cột «{header}» nên các lần nhắc được lưu trên máy "
            f"chủ của ứng dụng. Hãy thêm tiêu đề «{header}» vào dòng tiêu đề (dòng "
            f"{layout.header_row}) rồi bấm «Làm mới dữ liệu»."
        )
    return None


class ReminderBook:
    """Records reminders for one source (through its snapshot store) in one outbox."""

    def __init__(self, store: SnapshotStore, *, writer: EntryWriter):
        self.store = store
        self.writer = writer
        self.outbox: Outbox = writer.outbox

    @classmethod
    def for_settings(cls, store: SnapshotStore, settings: Settings, *, clock=office_now):
        return cls(store, writer=EntryWriter.for_settings(store, settings, clock=clock))

    @property
    def source_identity(self) -> str:
        return self.store.source.identity

    def where(self, ds: Dataset) -> str | None:
        """None when reminders go into the sheet, else the sentence saying where and why."""
        return keep_locally_because(ds, self.store.source)

    def record(self, reminders: Sequence[Reminder], *, ds: Dataset) -> RecordResult:
        """Keep the reminders (a press: one cadre, or every cadre of the group message) and
        write them once. Never raises for a source that fails: they wait in the outbox."""
        reminders = list(reminders)
        if not reminders:
            return RecordResult(0, HERE)
        ids = sorted(r.reminder_id for r in reminders)
        sid = ids[0] if len(ids) == 1 else "NG-" + hashlib.sha1("|".join(ids).encode()).hexdigest()
        before = self.outbox.get(sid)
        reason = self.where(ds)
        stored = before or self.outbox.add(self._outbox_record(sid, reminders, ds, reason))
        count = len(reminders)
        if stored.status == LOCAL:
            return RecordResult(count, HERE, repeat=before is not None, error=stored.last_error)
        if stored.status == SENT:
            return RecordResult(count, IN_SHEET, repeat=True)
        if stored.status == MISPLACED:
            return RecordResult(count, MISPLACED_IN_SHEET, repeat=True, error=stored.last_error)
        result = self.writer.send_stored(stored)
        if result.sent:
            return RecordResult(count, IN_SHEET, repeat=result.repeat)
        if result.misplaced:
            return RecordResult(count, MISPLACED_IN_SHEET, error=result.error)
        if result.refused:
            self.outbox.mark_local(sid, error=result.error or "")
            return RecordResult(count, HERE, error=f"Bảng tính không cho ghi ({result.error})")
        return RecordResult(count, WAITING, in_progress=result.in_progress, error=result.error)

    def _outbox_record(
        self, sid: str, reminders: list[Reminder], ds: Dataset, reason: str | None
    ) -> OutboxRecord:
        target = None if reason else write_target(ds, "reminders")
        groups = tuple(dict.fromkeys(g for r in reminders for g in r.groups))
        return OutboxRecord(
            submission_id=sid,
            source_identity=self.source_identity,
            tab=target.title if target else contract.REMINDERS.name,
            key_column=target.columns.get("reminder_id", -1) if target else -1,
            rows=[r.record() for r in reminders],
            cadre_id=reminders[0].cadre_id if len(reminders) == 1 else "",
            month=reminders[0].month.strftime(contract.MONTH_FORMAT),
            groups=groups,
            created_at=min(r.at for r in reminders).replace(microsecond=0),
            status=LOCAL if reason else PENDING,
            last_error=reason,
            target=target,
            kind=REMINDER,
        )

    def retry_pending(
        self, *, limit: int = RETRY_LIMIT, idle_seconds: float = AUTO_RETRY_IDLE_SECONDS
    ) -> RetryReport:
        """Reminders still waiting for the sheet, sent again (bounded, not hammering)."""
        return self.writer.retry_pending(limit=limit, idle_seconds=idle_seconds, kind=REMINDER)

    def pending_count(self) -> int:
        return self.writer.pending_count(kind=REMINDER)

    def listing(self, ds: Dataset, *, month=None, cadre_id: str | None = None) -> pd.DataFrame:
        """Every reminder known: the sheet's `Nhắc nhở` rows and those the outbox keeps
        (waiting, misplaced, kept here), each once by Mã nhắc, newest first."""
        kept = self.outbox.of_kind(
            self.source_identity, REMINDER, statuses=(PENDING, MISPLACED, LOCAL)
        )
        status_kept = {PENDING: WAITING, MISPLACED: MISPLACED_IN_SHEET, LOCAL: HERE}
        rows = [
            {**_from_record(row), "kept": status_kept[record.status]}
            for record in kept
            for row in record.rows
            if isinstance(row, dict)
        ]
        frames = [_sheet_rows(ds), pd.DataFrame(rows, columns=COLUMNS)]
        frames = [f for f in frames if len(f)]
        if not frames:
            return pd.DataFrame({c: pd.Series(dtype=object) for c in COLUMNS})
        out = pd.concat(frames, ignore_index=True)
        has_id = out["reminder_id"].notna() & (out["reminder_id"].astype(str) != "")
        out = pd.concat([out[has_id].drop_duplicates("reminder_id", keep="first"), out[~has_id]])
        if month is not None:
            out = out[out["month"] == as_month(month)]
        if cadre_id is not None:
            out = out[out["cadre_id"] == cadre_id]
        out = out.sort_values("reminded_at", ascending=False, kind="stable", na_position="last")
        return out[COLUMNS].reset_index(drop=True)


def _sheet_rows(ds: Dataset) -> pd.DataFrame:
    frame = ds.reminders
    if frame is None or frame.empty:
        return pd.DataFrame(columns=COLUMNS)
    out = frame.reindex(columns=[c for c in COLUMNS if c != "kept"]).copy()
    out["groups"] = out["groups"].map(lambda g: tuple(g) if isinstance(g, list | tuple) else ())
    out["kept"] = IN_SHEET
    return out


def _from_record(row: dict) -> dict:
    groups = str(row.get("groups") or "")
    at = row.get("reminded_at")
    return {
        "reminder_id": row.get("reminder_id"),
        "month": as_month(row["month"]),
        "cadre_id": row.get("cadre_id"),
        "channel": row.get("channel"),
        "reminded_at": pd.Timestamp(at) if at is not None else pd.NaT,
        "groups": tuple(g.strip() for g in groups.split(";") if g.strip()),
        "by_name": row.get("by_name"),
        "by_id": row.get("by_id"),
        "note": row.get("note"),
    }


def reminder_line(row) -> str:
    """'01/12 09:12 · Gọi điện · Trần Thị Lan' (+ where it is kept when not in the sheet).

    Plain text: a page escapes it where Markdown is rendered."""
    at = row["reminded_at"]
    when = f"{at:%d/%m %H:%M}" if pd.notna(at) else "(không rõ giờ)"
    parts = [when, str(row["channel"] or "")]
    if isinstance(row["by_name"], str) and row["by_name"]:
        parts.append(row["by_name"])
    line = " · ".join(p for p in parts if p)
    kept = KEPT_TEXT.get(row["kept"], "")
    return f"{line} ({kept})" if kept else line


def reminders_by_cadre(listing: pd.DataFrame) -> dict[str, list[str]]:
    """Cadre id -> their reminders as lines, newest first (for a page's cards)."""
    out: dict[str, list[str]] = {}
    for _, row in listing.iterrows():
        out.setdefault(row["cadre_id"], []).append(reminder_line(row))
    return out

"""The write path of the monthly form: validate -> outbox -> ONE append -> mark sent -> refresh.

Nothing reaches the sheet unchecked, and nothing checked is ever lost: the submission is on
disk (the outbox) before the sheet is touched; a failed write leaves it pending, to be sent
again with the same records, whose Mã phiếu the backend uses to add nothing twice. Records
name their columns (contract keys), so a retry days later still puts every value under its
header. A successful write marks the snapshot stale, so every page shows the new entries on
its next run after exactly one re-read. Rows the sheet took but put where the reader does
not look are not reported as written: the submission waits, `misplaced`, for the admin.

The same path carries the record of a reminder (`entry.reminders`, kind `reminder`): one
outbox, one checked append, deduplicated on its tab's key (`Mã nhắc` instead of `Mã phiếu`).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace

from tothu_core.clock import office_now
from tothu_core.entry.entries import Submission, build_rows, validate
from tothu_core.entry.month_lock import MonthLocks
from tothu_core.entry.outbox import ENTRY, SENT, Outbox, OutboxRecord
from tothu_core.errors import SourceAccessDenied, TothuError, WriteError
from tothu_core.people.access import Viewer
from tothu_core.settings import Settings
from tothu_core.sheet import contract
from tothu_core.sheet.dataset import Dataset
from tothu_core.sheet.reader import write_target
from tothu_core.sheet.snapshot import SnapshotStore
from tothu_core.sheet.sources.base import RowsMisplaced, WriteTarget

log = logging.getLogger(__name__)

# Retrying from a page load waits this long after the last try, so reruns do not hammer a
# source that is down; the «Gửi lại ngay» button does not wait.
AUTO_RETRY_IDLE_SECONDS = 60.0
AUTO_RETRY_LIMIT = 3
BUTTON_RETRY_LIMIT = 20
# A second press while the first is still writing waits this long for the first's answer.
DOUBLE_SUBMIT_WAIT_SECONDS = 20.0
_WAIT_STEP_SECONDS = 0.2
UNEXPECTED = "Có lỗi không lường trước khi ghi vào bảng tính; hãy báo người quản trị."
# The column each tab's appends are deduplicated on (what makes a retry harmless).
APPEND_KEYS = {"meetings": "submission_id", "reminders": "reminder_id"}
LEGACY_WITHOUT_LAYOUT = (
    "Chưa đọc được trang «Sinh hoạt» để biết chỗ ghi các báo cáo đang chờ; chương trình sẽ "
    "thử lại sau."
)


@dataclass(frozen=True)
class SubmitResult:
    submission_id: str
    sent: bool
    entries: int
    rows_added: int
    error: str | None = None
    #: the submission had already been written (a double click, a repeat)
    repeat: bool = False
    #: another session is writing this very submission right now
    in_progress: bool = False
    #: the sheet took the rows but not under the header: kept for the admin to check
    misplaced: bool = False
    #: the source refused the write for lack of rights (shared as Viewer, a protected range)
    refused: bool = False

    @property
    def message(self) -> str:
        """What the cadre reads after pressing Gửi."""
        if self.misplaced:
            return (
                f"{self.entries} báo cáo của đồng chí đã được lưu an toàn trên máy chủ nhưng "
                "Google Sheets ghi chưa đúng chỗ trong bảng tính, nên chưa được tính. Người "
                "quản trị sẽ thấy việc này ở trang «Kiểm tra dữ liệu» để xử lý; đồng chí không "
                "cần nhập lại."
            )
        if self.sent and self.repeat:
            return (
                f"Đã ghi {self.entries} báo cáo vào bảng tính; bấm gửi thêm lần nữa không tạo "
                "bản trùng."
            )
        if self.sent:
            return f"Đã ghi {self.entries} báo cáo vào bảng tính. Cảm ơn đồng chí."
        if self.in_progress:
            return (
                f"{self.entries} báo cáo này đang được gửi vào bảng tính; "
                "đồng chí không cần gửi lại."
            )
        return (
            f"{self.entries} báo cáo của đồng chí đã được lưu an toàn trên máy chủ nhưng chưa "
            "ghi được vào bảng tính; chương trình sẽ tự gửi lại, đồng chí không cần nhập lại. "
            f"Lý do: {self.error}"
        )


@dataclass(frozen=True)
class RetryReport:
    sent: int
    rows_added: int
    still_pending: int
    error: str | None = None

    @property
    def message(self) -> str:
        if self.error:
            return (
                f"Còn {self.still_pending} báo cáo đang chờ, chưa ghi được vào bảng tính; "
                f"chương trình sẽ thử lại sau. Lý do: {self.error}"
            )
        if self.still_pending:
            return (
                f"Đã ghi thêm {self.rows_added} báo cáo; còn {self.still_pending} báo cáo "
                "đang chờ gửi."
            )
        return "Đã gửi hết các báo cáo đang chờ vào bảng tính."


class EntryWriter:
    """Submits forms to one source (through its snapshot store) via one outbox."""

    def __init__(
        self,
        store: SnapshotStore,
        *,
        outbox: Outbox,
        locks: MonthLocks,
        wait_seconds: float = DOUBLE_SUBMIT_WAIT_SECONDS,
    ):
        self.store = store
        self.outbox = outbox
        self.locks = locks
        self.wait_seconds = wait_seconds

    @classmethod
    def for_settings(cls, store: SnapshotStore, settings: Settings, *, clock=office_now):
        return cls(
            store,
            outbox=Outbox.in_folder(settings.data_dir),
            locks=MonthLocks.from_settings(settings, clock=clock),
        )

    @property
    def source_identity(self) -> str:
        return self.store.source.identity

    def submit(self, submission: Submission, *, ds: Dataset, viewer: Viewer) -> SubmitResult:
        """Check, keep, write once. Raises EntryRejected (nothing kept, nothing written)."""
        validate(ds, submission, viewer=viewer, locks=self.locks)
        plan = build_rows(ds, submission)
        stored = self.outbox.add(
            OutboxRecord(
                submission_id=submission.submission_id,
                source_identity=self.source_identity,
                tab=plan.tab,
                key_column=plan.target.columns.get(plan.key, -1),
                rows=plan.records,
                target=plan.target,
                cadre_id=submission.cadre_id,
                month=submission.month.strftime(contract.MONTH_FORMAT),
                groups=tuple(e.group_id for e in submission.entries),
                created_at=submission.submitted_at,
            )
        )
        return self._send_once(stored)

    def send_stored(self, stored: OutboxRecord) -> SubmitResult:
        """Write a submission already in the outbox once (another kind of record, such as a
        reminder, built and stored by its own module): the same claim, append and check."""
        return self._send_once(stored)

    def _send_once(self, stored: OutboxRecord) -> SubmitResult:
        """Send unless already sent; if another run is sending it (a double click), wait for
        that run's answer for a while rather than answer "in progress" at once."""
        count = len(stored.rows)
        deadline = time.monotonic() + self.wait_seconds
        while True:
            if stored.status == SENT:
                return SubmitResult(stored.submission_id, True, count, 0, repeat=True)
            if self.outbox.claim(stored.submission_id):
                return self._send(stored)
            if time.monotonic() >= deadline:
                return SubmitResult(stored.submission_id, False, count, 0, in_progress=True)
            time.sleep(_WAIT_STEP_SECONDS)
            stored = self.outbox.get(stored.submission_id)

    def retry_pending(
        self, *, limit: int = BUTTON_RETRY_LIMIT, idle_seconds: float = 0.0, kind: str = ENTRY
    ) -> RetryReport:
        """Send pending submissions of `kind` for this source, oldest first; bounded by
        `limit`, and stopping at the first failure (the source is then most likely down for
        all of them)."""
        sent = added = 0
        error = None
        for record in self.outbox.pending(
            self.source_identity, limit=limit, idle_seconds=idle_seconds, kind=kind
        ):
            if not self.outbox.claim(record.submission_id):
                continue
            result = self._send(record)
            if not result.sent:
                error = result.error
                break
            sent += 1
            added += result.rows_added
        remaining = self.outbox.pending_count(self.source_identity, kind=kind)
        return RetryReport(sent=sent, rows_added=added, still_pending=remaining, error=error)

    def pending_count(self, *, kind: str = ENTRY) -> int:
        """Rows of `kind` (entries by default) of this source still waiting in the outbox."""
        return self.outbox.pending_count(self.source_identity, kind=kind)

    def misplaced(self) -> list[OutboxRecord]:
        """Submissions the sheet took but put where the reader does not look."""
        return self.outbox.misplaced(self.source_identity)

    def send_misplaced_again(self, submission_id: str) -> SubmitResult | None:
        """The admin moved or deleted the rows: send once more, checking the Mã phiếu column
        first, so rows already moved under the header are not written twice."""
        if not self.outbox.release_misplaced(submission_id):
            return None
        if not self.outbox.claim(submission_id):
            return None
        return self._send(self.outbox.get(submission_id))

    def _send(self, record: OutboxRecord) -> SubmitResult:
        """One append of the record's rows (the caller holds its claim)."""
        count = len(record.rows)
        try:
            target, records = self._what_to_send(record)
            key = APPEND_KEYS.get(target.tab, "submission_id")
            result = self.store.source.append_records(
                target, records, key=key, known_new=_never_sent(record, key)
            )
            added = result.added
        except RowsMisplaced as error:
            log.warning("submission %s landed at %s", record.submission_id, error.where)
            self.outbox.mark_misplaced(record.submission_id, error=str(error))
            self.store.invalidate()
            return SubmitResult(
                record.submission_id, False, count, 0, error=str(error), misplaced=True
            )
        except TothuError as error:
            self.outbox.mark_failed(record.submission_id, error=str(error))
            refused = isinstance(error, SourceAccessDenied)
            return SubmitResult(
                record.submission_id, False, count, 0, error=str(error), refused=refused
            )
        except Exception as error:  # noqa: BLE001 - whatever broke, the entries stay pending
            log.exception("append of submission %s failed", record.submission_id)
            self.outbox.mark_failed(record.submission_id, error=f"{UNEXPECTED}: {error}")
            return SubmitResult(record.submission_id, False, count, 0, error=UNEXPECTED)
        self.outbox.mark_sent(record.submission_id, rows_added=added)
        self.store.invalidate()
        return SubmitResult(record.submission_id, True, count, added)

    def _what_to_send(self, record: OutboxRecord) -> tuple[WriteTarget, list[dict]]:
        """The record's target and records; an outbox from an older version holds positional
        rows without a target: they are read as the current layout places them (what that
        version assumed) and sent after a fresh look at the header."""
        if record.target is not None and all(isinstance(r, dict) for r in record.rows):
            return record.target, list(record.rows)
        state = self.store.get()
        if state.snapshot is None or "meetings" not in state.snapshot.dataset.layouts:
            raise state.error or WriteError(LEGACY_WITHOUT_LAYOUT)
        target = replace(write_target(state.snapshot.dataset, "meetings"), read_at=None)
        columns = target.columns
        records = [
            row
            if isinstance(row, dict)
            else {
                key: row[index]
                for key, index in columns.items()
                if index < len(row) and row[index] not in (None, "")
            }
            for row in record.rows
        ]
        return record.target or target, records


def _never_sent(record: OutboxRecord, key: str = "submission_id") -> bool:
    """True on the first attempt of a submission whose every key (Mã phiếu) it minted itself.

    Such rows cannot be in the sheet yet, so the Google backend may skip reading the
    Mã phiếu column first and the submission costs one request. A retry, or a submission
    that re-uses a Mã phiếu of an earlier one, is checked against the sheet as before.
    """
    if record.attempts or record.target is None:
        return False
    prefix = f"{record.submission_id}-"
    return all(
        isinstance(row, dict) and str(row.get(key, "")).startswith(prefix) for row in record.rows
    )

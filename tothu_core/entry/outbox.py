"""The durable outbox: every submission is on disk before the sheet is touched.

One SQLite file (`settings.data_dir / "outbox.sqlite"`, WAL, synchronous FULL) holds one row
per submission: its sheet rows as JSON, the source it is meant for, and whether it has been
sent. If the write fails (quota, network, a locked file) the submission simply stays pending
and is sent again later with the same rows and Mã phiếu, so nothing is lost and nothing is
doubled. A short claim (a lease) keeps two sessions from sending the same submission at once.

A submission whose rows Google took but put where the reader does not look (above the
header, shifted columns: `RowsMisplaced`) is `misplaced`: not sent, not retried blindly, shown
to the admin with the sheet rows it landed on until they ask for it to be sent again.

Each submission has a `kind`: the monthly entries (`entry`), or the record of a reminder
(`reminder`, issue 16), which goes through the very same path into the `Nhắc nhở` tab. A
reminder for a sheet the app cannot write to (no such tab, the demo, an .ods file, a Google
Sheet shared as Viewer) is `local`: kept here for good, never sent — the outbox is then its
store. Counts and retries of one kind never touch the other.

Each call opens its own connection: safe from many threads and processes at once.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from tothu_core.sheet.sources.base import WriteTarget

OUTBOX_FILE_NAME = "outbox.sqlite"
PENDING, SENT = "pending", "sent"
#: kept on this server for good: the source cannot take it (reminders only)
LOCAL = "local"
# What a submission holds.
ENTRY, REMINDER = "entry", "reminder"
#: written by the sheet where the reader does not look; waits for the admin
MISPLACED = "misplaced"
# Longer than a source's whole give-up time, so a live sender is never overtaken.
CLAIM_SECONDS = 120.0
_BUSY_TIMEOUT_SECONDS = 30.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS submissions (
    submission_id   TEXT PRIMARY KEY,
    source_identity TEXT NOT NULL,
    tab             TEXT NOT NULL,
    key_column      INTEGER NOT NULL,
    rows_json       TEXT NOT NULL,
    row_count       INTEGER NOT NULL,
    cadre_id        TEXT NOT NULL,
    month           TEXT NOT NULL,
    groups_json     TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    last_attempt_at REAL,
    claimed_until   REAL,
    sent_at         TEXT,
    rows_added      INTEGER,
    claimed_by      TEXT,
    kind            TEXT NOT NULL DEFAULT 'entry'
);
CREATE INDEX IF NOT EXISTS submissions_pending ON submissions (status, source_identity);
"""
# Who holds a claim, and what a submission holds (added to outboxes made before them; see
# _add_missing_columns).
_CLAIMANT_COLUMN = "claimed_by"
_ADDED_COLUMNS = {_CLAIMANT_COLUMN: "TEXT", "kind": "TEXT NOT NULL DEFAULT 'entry'"}


@dataclass(frozen=True)
class OutboxRecord:
    """One submission. `rows` are records (contract key -> value) sent with `target`; an
    outbox written by an older version holds positional rows and no target."""

    submission_id: str
    source_identity: str
    tab: str
    key_column: int
    rows: list
    cadre_id: str
    month: str
    groups: tuple[str, ...]
    created_at: datetime
    status: str = PENDING
    attempts: int = 0
    last_error: str | None = None
    rows_added: int | None = None
    target: WriteTarget | None = None
    kind: str = ENTRY


def outbox_path(data_dir: str | Path) -> Path:
    return Path(data_dir) / OUTBOX_FILE_NAME


class Outbox:
    def __init__(self, path: str | Path, *, clock=time.time):
        self.path = Path(path)
        self._clock = clock
        self._ready = False

    @classmethod
    def in_folder(cls, data_dir: str | Path) -> Outbox:
        return cls(outbox_path(data_dir))

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        if not self._ready:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, timeout=_BUSY_TIMEOUT_SECONDS, isolation_level=None)
        try:
            connection.execute("PRAGMA synchronous=FULL")
            if not self._ready:
                connection.execute("PRAGMA journal_mode=WAL")
                connection.executescript(_SCHEMA)
                _add_missing_columns(connection)
                self._ready = True
            yield connection
        finally:
            connection.close()

    def add(self, record: OutboxRecord) -> OutboxRecord:
        """Store `record` (pending, or `local` when it says so) unless its submission is
        already here; returns what is stored."""
        with self._connect() as db:
            db.execute(
                "INSERT OR IGNORE INTO submissions (submission_id, source_identity, tab, "
                "key_column, rows_json, row_count, cadre_id, month, groups_json, created_at, "
                "status, kind, last_error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    record.submission_id,
                    record.source_identity,
                    record.tab,
                    record.key_column,
                    _encode_payload(record.rows, record.target),
                    len(record.rows),
                    record.cadre_id,
                    record.month,
                    json.dumps(list(record.groups), ensure_ascii=False),
                    record.created_at.isoformat(timespec="seconds"),
                    LOCAL if record.status == LOCAL else PENDING,
                    record.kind,
                    record.last_error if record.status == LOCAL else None,
                ),
            )
        return self.get(record.submission_id)

    def get(self, submission_id: str) -> OutboxRecord | None:
        with self._connect() as db:
            row = db.execute(
                f"SELECT {_COLUMNS} FROM submissions WHERE submission_id = ?", (submission_id,)
            ).fetchone()
        return _record(row) if row else None

    def claim(self, submission_id: str, *, seconds: float = CLAIM_SECONDS) -> bool:
        """Take the right to send a pending submission for a while; False if sent or taken.

        The claim records which process took it (see `process_identity`), so a claim whose
        process has died (killed during a write, the server restarted) is released at once
        instead of blocking the entry until it expires.
        """
        now = self._clock()
        with self._connect() as db:
            _release_dead_claims(db, now)
            changed = db.execute(
                "UPDATE submissions SET claimed_until = ?, attempts = attempts + 1, "
                f"last_attempt_at = ?, {_CLAIMANT_COLUMN} = ? WHERE submission_id = ? "
                "AND status = ? AND (claimed_until IS NULL OR claimed_until < ?)",
                (now + seconds, now, process_identity(), submission_id, PENDING, now),
            ).rowcount
        return changed == 1

    def mark_sent(self, submission_id: str, *, rows_added: int) -> None:
        with self._connect() as db:
            db.execute(
                "UPDATE submissions SET status = ?, sent_at = ?, rows_added = ?, "
                "claimed_until = NULL, last_error = NULL WHERE submission_id = ?",
                (SENT, datetime.now().isoformat(timespec="seconds"), rows_added, submission_id),
            )

    def mark_failed(self, submission_id: str, *, error: str) -> None:
        """Still pending: release the claim and keep the reason for the page to show."""
        with self._connect() as db:
            db.execute(
                "UPDATE submissions SET claimed_until = NULL, last_error = ? "
                "WHERE submission_id = ? AND status = ?",
                (error, submission_id, PENDING),
            )

    def mark_misplaced(self, submission_id: str, *, error: str) -> None:
        """The sheet took the rows but not where the reader looks: keep it for the admin."""
        with self._connect() as db:
            db.execute(
                "UPDATE submissions SET status = ?, claimed_until = NULL, last_error = ? "
                "WHERE submission_id = ? AND status = ?",
                (MISPLACED, error, submission_id, PENDING),
            )

    def mark_local(self, submission_id: str, *, error: str) -> None:
        """The source refuses it for good (shared as Viewer): keep it here, never retried."""
        with self._connect() as db:
            db.execute(
                "UPDATE submissions SET status = ?, claimed_until = NULL, last_error = ? "
                "WHERE submission_id = ? AND status = ?",
                (LOCAL, error, submission_id, PENDING),
            )

    def misplaced(self, source_identity: str, *, kind: str = ENTRY) -> list[OutboxRecord]:
        """Submissions written in the wrong place, oldest first (for «Kiểm tra dữ liệu»)."""
        if not self._ready and not self.path.exists():
            return []
        with self._connect() as db:
            rows = db.execute(
                f"SELECT {_COLUMNS} FROM submissions WHERE status = ? AND source_identity = ? "
                "AND kind = ? ORDER BY created_at, rowid",
                (MISPLACED, source_identity, kind),
            ).fetchall()
        return [_record(r) for r in rows]

    def of_kind(
        self, source_identity: str, kind: str, *, statuses: tuple[str, ...] = (PENDING,)
    ) -> list[OutboxRecord]:
        """Every submission of `kind` for this source in one of `statuses`, oldest first."""
        if not self._ready and not self.path.exists():
            return []
        marks = ", ".join("?" * len(statuses))
        with self._connect() as db:
            rows = db.execute(
                f"SELECT {_COLUMNS} FROM submissions WHERE source_identity = ? AND kind = ? "
                f"AND status IN ({marks}) ORDER BY created_at, rowid",
                (source_identity, kind, *statuses),
            ).fetchall()
        return [_record(r) for r in rows]

    def release_misplaced(self, submission_id: str) -> bool:
        """The admin moved or deleted the rows: pending again, sent with the Mã phiếu check
        (rows moved under the header are found and not written twice)."""
        with self._connect() as db:
            changed = db.execute(
                "UPDATE submissions SET status = ?, last_attempt_at = NULL "
                "WHERE submission_id = ? AND status = ?",
                (PENDING, submission_id, MISPLACED),
            ).rowcount
        return changed == 1

    def pending(
        self,
        source_identity: str,
        *,
        limit: int = 50,
        idle_seconds: float = 0.0,
        kind: str = ENTRY,
    ) -> list[OutboxRecord]:
        """Pending submissions of `kind` for this source, oldest first, not tried in the last
        `idle_seconds` and not claimed by a sender right now."""
        now = self._clock()
        with self._connect() as db:
            _release_dead_claims(db, now)
            rows = db.execute(
                f"SELECT {_COLUMNS} FROM submissions WHERE status = ? AND source_identity = ? "
                "AND kind = ? AND (claimed_until IS NULL OR claimed_until < ?) "
                "AND (last_attempt_at IS NULL OR last_attempt_at <= ?) "
                "ORDER BY created_at, rowid LIMIT ?",
                (PENDING, source_identity, kind, now, now - idle_seconds, limit),
            ).fetchall()
        return [_record(r) for r in rows]

    def pending_count(self, source_identity: str | None = None, *, kind: str = ENTRY) -> int:
        """Rows of `kind` (entries by default) still waiting to be written; 0 when there is
        no outbox yet."""
        if not self._ready and not self.path.exists():
            return 0
        query = "SELECT COALESCE(SUM(row_count), 0) FROM submissions WHERE status = ? AND kind = ?"
        args: tuple = (PENDING, kind)
        if source_identity is not None:
            query += " AND source_identity = ?"
            args += (source_identity,)
        with self._connect() as db:
            return int(db.execute(query, args).fetchone()[0])

    def pending_groups(self, source_identity: str, cadre_id: str, month: str) -> dict[str, str]:
        """Group id -> when its pending submission was made, for one cadre and month."""
        if not self._ready and not self.path.exists():
            return {}
        with self._connect() as db:
            rows = db.execute(
                "SELECT groups_json, created_at FROM submissions WHERE status IN (?, ?) "
                "AND source_identity = ? AND cadre_id = ? AND month = ? AND kind = ? "
                "ORDER BY created_at",
                (PENDING, MISPLACED, source_identity, cadre_id, month, ENTRY),
            ).fetchall()
        return {group: created for groups, created in rows for group in json.loads(groups)}


# -- claims held by processes that are gone --------------------------------------------------


def _add_missing_columns(db: sqlite3.Connection) -> None:
    """An outbox made before claims named their process, or before submissions had a kind,
    gets the column (once: several connections may try at the same moment); its rows are
    entries, the only kind there was."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(submissions)")}
    for name, declaration in _ADDED_COLUMNS.items():
        if name in columns:
            continue
        try:
            db.execute(f"ALTER TABLE submissions ADD COLUMN {name} {declaration}")
        except sqlite3.OperationalError as error:
            if "duplicate column" not in str(error):
                raise


def _boot_id() -> str:
    """This boot of the machine (Linux: /proc/sys/kernel/random/boot_id); "" elsewhere."""
    try:
        with open("/proc/sys/kernel/random/boot_id", encoding="ascii") as handle:
            return handle.read().strip()
    except OSError:
        return ""


def _start_ticks(pid: int) -> str | None:
    """When process `pid` started, in clock ticks since boot (proc(5), /proc/PID/stat field
    22), which tells a live process from a later one that got the same pid; None if gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            stat = handle.read()
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may hold spaces: split after it.
    fields = stat.rpartition(")")[2].split()
    return fields[19] if len(fields) > 19 else None


_BOOT = _boot_id()


def process_identity() -> str:
    """host|boot|pid|start of this process, as stored with a claim."""
    pid = os.getpid()
    return f"{socket.gethostname()}|{_BOOT}|{pid}|{_start_ticks(pid) or ''}"


def claimant_is_gone(identity: str | None) -> bool:
    """True only when we can tell for sure: same host and boot, and no process with that pid
    and start time (a machine rebooted since counts as gone). Without /proc (Windows, macOS)
    nothing is judged gone and claims simply expire."""
    if not identity:
        return False
    host, boot, pid, start = (identity.split("|") + ["", "", "", ""])[:4]
    if host != socket.gethostname() or not _BOOT or not boot or not start:
        return False
    if boot != _BOOT:
        return True
    return not pid.isdigit() or _start_ticks(int(pid)) != start


def _release_dead_claims(db: sqlite3.Connection, now: float) -> None:
    held = db.execute(
        f"SELECT submission_id, {_CLAIMANT_COLUMN} FROM submissions WHERE status = ? "
        "AND claimed_until IS NOT NULL AND claimed_until >= ?",
        (PENDING, now),
    ).fetchall()
    for submission_id, identity in held:
        if claimant_is_gone(identity):
            db.execute(
                f"UPDATE submissions SET claimed_until = NULL WHERE submission_id = ? "
                f"AND {_CLAIMANT_COLUMN} = ?",
                (submission_id, identity),
            )


_COLUMNS = (
    "submission_id, source_identity, tab, key_column, rows_json, cadre_id, month, groups_json, "
    "created_at, status, attempts, last_error, rows_added, kind"
)


def _record(row: tuple) -> OutboxRecord:
    (sid, identity, tab, key_column, rows_json, cadre_id, month, groups_json, created_at,
     status, attempts, last_error, rows_added, kind) = row  # fmt: skip
    rows, target = _decode_payload(rows_json)
    return OutboxRecord(
        submission_id=sid,
        source_identity=identity,
        tab=tab,
        key_column=int(key_column),
        rows=rows,
        cadre_id=cadre_id,
        month=month,
        groups=tuple(json.loads(groups_json)),
        created_at=datetime.fromisoformat(created_at),
        status=status,
        attempts=int(attempts),
        last_error=last_error,
        rows_added=rows_added,
        target=target,
        kind=kind,
    )


def _encode_payload(rows: list, target: WriteTarget | None) -> str:
    """Records with their target as one JSON object; legacy positional rows as a list."""
    if target is None:
        return encode_rows(rows)
    body = {"target": target.as_json(), "records": json.loads(encode_rows(rows))}
    return json.dumps(body, ensure_ascii=False)


def _decode_payload(text: str) -> tuple[list, WriteTarget | None]:
    data = json.loads(text)
    if isinstance(data, dict):
        records = [_decode_row(row) for row in data.get("records", [])]
        return records, WriteTarget.from_json(data["target"])
    return [_decode_row(row) for row in data], None


# -- cells as JSON: dates keep their type, so a retried row is written exactly like the first --


def encode_rows(rows: list) -> str:
    """Rows as JSON: positional lists, or records (contract key -> value)."""
    return json.dumps([_encode_row(row) for row in rows], ensure_ascii=False)


def decode_rows(text: str) -> list:
    return [_decode_row(row) for row in json.loads(text)]


def _encode_row(row):
    if isinstance(row, dict):
        return {"record": {key: _encode(value) for key, value in row.items()}}
    return [_encode(cell) for cell in row]


def _decode_row(row):
    if isinstance(row, dict):
        return {key: _decode(value) for key, value in row["record"].items()}
    return [_decode(cell) for cell in row]


def _encode(cell):
    if isinstance(cell, datetime):
        return {"datetime": cell.isoformat()}
    if isinstance(cell, date):
        return {"date": cell.isoformat()}
    return cell


def _decode(cell):
    if isinstance(cell, dict):
        if "datetime" in cell:
            return datetime.fromisoformat(cell["datetime"])
        if "date" in cell:
            return date.fromisoformat(cell["date"])
    return cell

"""Which months still take entries: a month closes `lock_days` days after its deadline.

Leadership may reopen a closed month (a late report, a correction) and close it again. Those
are decisions someone takes, so each one is kept with who took it and when, in a small JSON
file under `settings.data_dir`, rewritten whole under a file lock and swapped in atomically:
two leaders clicking at once never lose each other's decision, a crash never leaves half a file.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd
from filelock import FileLock, Timeout

from tothu_core.clock import office_now
from tothu_core.errors import AccessDenied, TothuError
from tothu_core.figures.figures import as_month, deadline
from tothu_core.people.access import Viewer
from tothu_core.settings import Settings
from tothu_core.sheet import contract

LOCKS_FILE_NAME = "month_locks.json"
# Vietnam keeps UTC+7 all year (no daylight saving), so a fixed offset is exact.
OPEN, CLOSED = "open", "closed"
# Why a month is open or closed; the page words each one.
FUTURE, AUTO_OPEN, AUTO_CLOSED, REOPENED, CLOSED_BY_LEADER = (
    "future",
    "auto_open",
    "auto_closed",
    "reopened",
    "closed_by_leader",
)
# How far back the form looks for months still open without a leader's decision.
_LOOKBACK_MONTHS = 24
_LOCK_TIMEOUT_SECONDS = 10

STATE_TEXT = {
    FUTURE: "Chưa đến",
    AUTO_OPEN: "Đang mở",
    AUTO_CLOSED: "Đã khóa sổ",
    REOPENED: "Đang mở (được mở lại)",
    CLOSED_BY_LEADER: "Đã khóa sổ (do lãnh đạo khóa)",
}
HEADERS = {
    "month": "Tháng",
    "state": "Trạng thái",
    "deadline": "Hạn nộp",
    "closes_at": "Tự khóa sổ sau",
    "by_name": "Người mở/khóa",
    "at": "Lúc",
}
HISTORY_HEADERS = {
    "at": "Lúc",
    "month": "Tháng",
    "action": "Việc làm",
    "by_name": "Người làm",
    "by": "Mã cán bộ",
}
ACTION_TEXT = {OPEN: "Mở lại sổ", CLOSED: "Khóa sổ"}


def closes_at(month: pd.Period, *, deadline_day: int, lock_days: int) -> pd.Timestamp:
    """The last moment `month` takes entries on its own: `lock_days` days after its deadline."""
    return deadline(month, day=deadline_day) + pd.Timedelta(days=lock_days)


@dataclass(frozen=True)
class MonthDecision:
    """A leader's decision about one month: open it again, or close it."""

    month: pd.Period
    state: str
    by: str
    by_name: str
    at: datetime

    def as_json(self) -> dict:
        return {
            "month": self.month.strftime("%Y-%m"),
            "state": self.state,
            "by": self.by,
            "by_name": self.by_name,
            "at": self.at.isoformat(timespec="seconds"),
        }

    @classmethod
    def from_json(cls, data: dict) -> MonthDecision:
        return cls(
            month=pd.Period(data["month"], freq="M"),
            state=data["state"],
            by=str(data.get("by", "")),
            by_name=str(data.get("by_name", "")),
            at=datetime.fromisoformat(data["at"]),
        )


@dataclass(frozen=True)
class MonthState:
    month: pd.Period
    is_open: bool
    reason: str
    deadline: pd.Timestamp
    closes_at: pd.Timestamp
    decision: MonthDecision | None

    @property
    def text(self) -> str:
        return STATE_TEXT[self.reason]


class MonthLocks:
    """Open and closed months for one office (one data folder)."""

    def __init__(
        self,
        data_dir: str | os.PathLike,
        *,
        deadline_day: int = 5,
        lock_days: int = 10,
        clock=office_now,
    ):
        self.path = Path(data_dir) / LOCKS_FILE_NAME
        self.deadline_day = deadline_day
        self.lock_days = lock_days
        self._clock = clock

    @classmethod
    def from_settings(cls, settings: Settings, *, clock=office_now) -> MonthLocks:
        return cls(
            settings.data_dir,
            deadline_day=settings.deadline_day,
            lock_days=settings.lock_days,
            clock=clock,
        )

    def now(self) -> datetime:
        return self._clock()

    def current_month(self) -> pd.Period:
        return pd.Period(self.now(), freq="M")

    # -- reading ---------------------------------------------------------------------------

    def state(self, month) -> MonthState:
        return self._state(as_month(month), self._read()["months"])

    def states(self, months) -> list[MonthState]:
        decisions = self._read()["months"]
        return [self._state(as_month(m), decisions) for m in months]

    def is_open(self, month) -> bool:
        return self.state(month).is_open

    def open_months(self) -> list[pd.Period]:
        """Months that take entries now, newest first (never a month still to come)."""
        current = self.current_month()
        decisions = self._read()["months"]
        candidates = {current - back for back in range(_LOOKBACK_MONTHS)}
        candidates |= {pd.Period(key, freq="M") for key in decisions}
        states = (self._state(m, decisions) for m in candidates if m <= current)
        return sorted((s.month for s in states if s.is_open), reverse=True)

    def recent_months(self, *, count: int = 12) -> list[pd.Period]:
        """The last `count` months up to this one, plus any older month a leader decided on."""
        current = self.current_month()
        months = {current - back for back in range(count)}
        months |= {pd.Period(key, freq="M") for key in self._read()["months"]}
        return sorted((m for m in months if m <= current), reverse=True)

    def refusal(self, month) -> str | None:
        """Why `month` takes no entry now, as a sentence for the cadre; None when it is open."""
        state = self.state(month)
        if state.is_open:
            return None
        text = as_month(month).strftime(contract.MONTH_FORMAT)
        if state.reason == FUTURE:
            return f"Tháng {text} chưa đến nên chưa nhận báo cáo. Hãy chọn tháng hiện tại."
        since = state.closes_at
        if state.reason == CLOSED_BY_LEADER:
            since = pd.Timestamp(state.decision.at)
        return (
            f"Tháng {text} đã khóa sổ từ {since:%H:%M ngày %d/%m/%Y}, không nhận báo cáo mới. "
            "Nếu cần bổ sung hay sửa, hãy đề nghị lãnh đạo Đảng ủy mở lại tháng này "
            "ở trang «Khóa sổ tháng»."
        )

    def history(self) -> list[MonthDecision]:
        """Every reopening and closing, newest first (the file keeps them in order taken)."""
        return [MonthDecision.from_json(d) for d in reversed(self._read()["history"])]

    # -- leadership's decisions ------------------------------------------------------------

    def reopen(self, month, viewer: Viewer) -> MonthState:
        return self._decide(as_month(month), OPEN, viewer)

    def close(self, month, viewer: Viewer) -> MonthState:
        return self._decide(as_month(month), CLOSED, viewer)

    def _decide(self, month: pd.Period, state: str, viewer: Viewer) -> MonthState:
        if not viewer.may_reopen_months:
            raise AccessDenied(
                "Chỉ lãnh đạo Đảng ủy mới mở lại hoặc khóa sổ được một tháng. "
                "Đồng chí hãy báo cho lãnh đạo nếu cần."
            )
        if month > self.current_month():
            raise TothuError(
                f"Tháng {month.strftime(contract.MONTH_FORMAT)} chưa đến nên chưa cần mở hay "
                "khóa sổ."
            )
        decision = MonthDecision(month, state, viewer.cadre_id, viewer.name, self.now())
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with FileLock(f"{self.path}.lock", timeout=_LOCK_TIMEOUT_SECONDS):
                data = self._read()
                data["months"][month.strftime("%Y-%m")] = decision.as_json()
                data["history"].append(decision.as_json())
                _write_atomically(self.path, data)
        except Timeout as error:
            raise TothuError(
                "Đang có người khác mở hoặc khóa sổ cùng lúc. Hãy chờ một chút rồi bấm lại."
            ) from error
        return self.state(month)

    # -- internals -------------------------------------------------------------------------

    def _state(self, month: pd.Period, decisions: dict) -> MonthState:
        due = deadline(month, day=self.deadline_day)
        closing = closes_at(month, deadline_day=self.deadline_day, lock_days=self.lock_days)
        raw = decisions.get(month.strftime("%Y-%m"))
        decision = MonthDecision.from_json(raw) if raw else None
        now = pd.Timestamp(self.now())
        if month > pd.Period(now, freq="M"):
            return MonthState(month, False, FUTURE, due, closing, decision)
        if decision is not None:
            reopened = decision.state == OPEN
            reason = REOPENED if reopened else CLOSED_BY_LEADER
            return MonthState(month, reopened, reason, due, closing, decision)
        if now <= closing:
            return MonthState(month, True, AUTO_OPEN, due, closing, None)
        return MonthState(month, False, AUTO_CLOSED, due, closing, None)

    def _read(self) -> dict:
        """The decisions on file; a missing or unreadable file means none (the rule applies)."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {"months": {}, "history": []}
        if not isinstance(data, dict):
            return {"months": {}, "history": []}
        return {
            "months": dict(data.get("months") or {}),
            "history": list(data.get("history") or []),
        }


def states_frame(states: list[MonthState]) -> pd.DataFrame:
    """The lock page's table, newest month first, with the Vietnamese headers of HEADERS."""
    rows = [
        {
            "month": s.month.strftime(contract.MONTH_FORMAT),
            "state": s.text,
            "deadline": s.deadline.strftime(contract.DATE_FORMAT),
            "closes_at": s.closes_at.strftime("%H:%M %d/%m/%Y"),
            "by_name": s.decision.by_name if s.decision else "",
            "at": s.decision.at.strftime("%H:%M %d/%m/%Y") if s.decision else "",
        }
        for s in sorted(states, key=lambda s: s.month, reverse=True)
    ]
    return pd.DataFrame(rows, columns=list(HEADERS)).rename(columns=HEADERS)


def history_frame(decisions: list[MonthDecision]) -> pd.DataFrame:
    rows = [
        {
            "at": d.at.strftime("%H:%M %d/%m/%Y"),
            "month": d.month.strftime(contract.MONTH_FORMAT),
            "action": ACTION_TEXT.get(d.state, d.state),
            "by_name": d.by_name,
            "by": d.by,
        }
        for d in decisions
    ]
    return pd.DataFrame(rows, columns=list(HISTORY_HEADERS)).rename(columns=HISTORY_HEADERS)


def _write_atomically(path: Path, data: dict) -> None:
    handle, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(data, out, ensure_ascii=False, indent=1)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp_name, path)
    finally:
        if os.path.exists(temp_name):
            os.remove(temp_name)

"""Months close on their own after the deadline; leadership reopens and closes them again."""

from __future__ import annotations

import json
import threading
from datetime import datetime

import pandas as pd
import pytest

from tothu_core.entry.month_lock import (
    AUTO_CLOSED,
    AUTO_OPEN,
    CLOSED_BY_LEADER,
    FUTURE,
    LOCKS_FILE_NAME,
    REOPENED,
    MonthLocks,
    closes_at,
    history_frame,
    office_now,
    states_frame,
)
from tothu_core.errors import AccessDenied, TothuError
from tothu_core.people.access import Viewer

OCT, NOV, DEC = (pd.Period(m, freq="M") for m in ("2026-10", "2026-11", "2026-12"))
LEADER = Viewer(name="Lê Văn Lãnh", cadre_id="CB09", role="Lãnh đạo", via="test")
CADRE = Viewer(name="Nguyễn Văn An", cadre_id="CB01", role="Cán bộ", via="test")


class Clock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def make(tmp_path, now=datetime(2026, 11, 20, 9, 0), **options) -> tuple[MonthLocks, Clock]:
    clock = Clock(now)
    return MonthLocks(
        tmp_path, clock=clock, **{"deadline_day": 5, "lock_days": 10, **options}
    ), clock


def test_a_month_closes_lock_days_after_its_deadline():
    assert closes_at(OCT, deadline_day=5, lock_days=10) == pd.Timestamp("2026-11-15 23:59:59")
    assert closes_at(OCT, deadline_day=10, lock_days=0) == pd.Timestamp("2026-11-10 23:59:59")


def test_open_until_the_last_second_then_closed(tmp_path):
    locks, clock = make(tmp_path, datetime(2026, 11, 15, 23, 59, 59))
    assert locks.state(OCT).reason == AUTO_OPEN
    assert locks.open_months() == [NOV, OCT]
    clock.now = datetime(2026, 11, 16, 0, 0, 0)
    assert locks.state(OCT).reason == AUTO_CLOSED
    assert not locks.is_open(OCT)
    assert locks.open_months() == [NOV]
    assert locks.state(DEC).reason == FUTURE
    assert not locks.is_open(DEC)


def test_lock_days_come_from_the_settings(tmp_path):
    locks, _ = make(tmp_path, datetime(2026, 11, 16, 8, 0), lock_days=30)
    assert locks.is_open(OCT)
    # September's deadline 05/10 + 30 days ended on 04/11; October's runs to 05/12.
    assert locks.open_months() == [NOV, OCT]
    assert locks.state(OCT).closes_at == pd.Timestamp("2026-12-05 23:59:59")


def test_a_leader_reopens_a_closed_month_and_the_decision_is_recorded(tmp_path):
    locks, clock = make(tmp_path)
    assert locks.refusal(OCT).startswith("Tháng 10/2026 đã khóa sổ từ 23:59 ngày 15/11/2026")
    state = locks.reopen(OCT, LEADER)
    assert state.is_open and state.reason == REOPENED
    assert (state.decision.by, state.decision.by_name) == ("CB09", "Lê Văn Lãnh")
    assert state.decision.at == datetime(2026, 11, 20, 9, 0)
    assert locks.refusal(OCT) is None
    assert locks.open_months() == [NOV, OCT]
    # A fresh reader of the same folder (another session, another process) sees it too.
    assert MonthLocks(tmp_path, clock=clock).is_open(OCT)

    clock.now = datetime(2026, 11, 21, 10, 30)
    closed = locks.close(OCT, LEADER)
    assert not closed.is_open and closed.reason == CLOSED_BY_LEADER
    assert "đã khóa sổ từ 10:30 ngày 21/11/2026" in locks.refusal(OCT)
    assert [(d.month, d.state, d.by) for d in locks.history()] == [
        (OCT, "closed", "CB09"),
        (OCT, "open", "CB09"),
    ]


def test_a_leader_may_close_the_current_month_early(tmp_path):
    locks, _ = make(tmp_path)
    locks.close(NOV, LEADER)
    assert locks.open_months() == []
    assert "Tháng 11/2026 đã khóa sổ" in locks.refusal(NOV)


def test_only_leadership_decides(tmp_path):
    locks, _ = make(tmp_path)
    with pytest.raises(AccessDenied, match="Chỉ lãnh đạo"):
        locks.reopen(OCT, CADRE)
    with pytest.raises(TothuError, match="chưa đến"):
        locks.reopen(DEC, LEADER)
    assert not (tmp_path / LOCKS_FILE_NAME).exists()


def test_the_file_is_whole_json_and_no_temporary_file_is_left(tmp_path):
    locks, _ = make(tmp_path)
    locks.reopen(OCT, LEADER)
    data = json.loads((tmp_path / LOCKS_FILE_NAME).read_text(encoding="utf-8"))
    assert data["months"]["2026-10"] == {
        "month": "2026-10",
        "state": "open",
        "by": "CB09",
        "by_name": "Lê Văn Lãnh",
        "at": "2026-11-20T09:00:00",
    }
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".lock")) == [
        LOCKS_FILE_NAME
    ]


def test_leaders_deciding_at_once_lose_nothing(tmp_path):
    months = [OCT - i for i in range(20)]
    barrier = threading.Barrier(len(months))

    def reopen(month):
        locks, _ = make(tmp_path)
        barrier.wait()
        locks.reopen(month, LEADER)

    threads = [threading.Thread(target=reopen, args=(m,)) for m in months]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    locks, _ = make(tmp_path)
    assert all(locks.is_open(m) for m in months)
    assert len(locks.history()) == 20


def test_an_unreadable_file_falls_back_to_the_rule(tmp_path):
    (tmp_path / LOCKS_FILE_NAME).write_text("{not json", encoding="utf-8")
    locks, _ = make(tmp_path)
    assert locks.open_months() == [NOV]


def test_tables_for_the_page(tmp_path):
    locks, _ = make(tmp_path)
    locks.reopen(OCT, LEADER)
    frame = states_frame(locks.states([OCT, NOV]))
    assert list(frame.columns) == ["Tháng", "Trạng thái", "Hạn nộp", "Tự khóa sổ sau",
                                   "Người mở/khóa", "Lúc"]  # fmt: skip
    assert frame.to_dict("records") == [
        {"Tháng": "11/2026", "Trạng thái": "Đang mở", "Hạn nộp": "05/12/2026",
         "Tự khóa sổ sau": "23:59 15/12/2026", "Người mở/khóa": "", "Lúc": ""},
        {"Tháng": "10/2026", "Trạng thái": "Đang mở (được mở lại)", "Hạn nộp": "05/11/2026",
         "Tự khóa sổ sau": "23:59 15/11/2026", "Người mở/khóa": "Lê Văn Lãnh",
         "Lúc": "09:00 20/11/2026"},
    ]  # fmt: skip
    history = history_frame(locks.history())
    assert history.to_dict("records") == [
        {"Lúc": "09:00 20/11/2026", "Tháng": "10/2026", "Việc làm": "Mở lại sổ",
         "Người làm": "Lê Văn Lãnh", "Mã cán bộ": "CB09"}
    ]  # fmt: skip
    assert locks.recent_months(count=3) == [NOV, OCT, pd.Period("2026-09", freq="M")]


def test_office_time_is_vietnam_time():
    utc = pd.Timestamp.now(tz="UTC").tz_localize(None)
    assert abs((pd.Timestamp(office_now()) - utc) - pd.Timedelta(hours=7)) < pd.Timedelta(minutes=1)

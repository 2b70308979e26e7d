"""The outbox keeps each submission on disk until the sheet has it; one sender at a time."""

from __future__ import annotations

import sqlite3
import threading
from datetime import date, datetime

from tothu_core.entry.outbox import PENDING, SENT, Outbox, OutboxRecord, decode_rows, encode_rows

SOURCE = "workbook:/office/so-lieu.xlsx"


class Clock:
    def __init__(self, now: float = 1_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def record(sid="S1", *, rows=2, source=SOURCE, cadre="CB01", month="11/2026") -> OutboxRecord:
    return OutboxRecord(
        submission_id=sid,
        source_identity=source,
        tab="Sinh hoạt",
        key_column=3,
        rows=[[month, f"T{i}", cadre, f"{sid}-T{i}"] for i in range(rows)],
        cadre_id=cadre,
        month=month,
        groups=tuple(f"T{i}" for i in range(rows)),
        created_at=datetime(2026, 11, 20, 9, 0),
    )


def test_cells_keep_their_types_through_json():
    rows = [[None, "=1+1", 7, True, 2.5, date(2026, 11, 2), datetime(2026, 11, 3, 8, 15, 2)]]
    assert decode_rows(encode_rows(rows)) == rows


def test_a_submission_survives_a_new_outbox_on_the_same_file(tmp_path):
    path = tmp_path / "outbox.sqlite"
    Outbox(path).add(record(rows=3))
    again = Outbox(path)
    assert again.pending_count(SOURCE) == 3
    [pending] = again.pending(SOURCE)
    assert pending.rows == record(rows=3).rows
    assert (pending.status, pending.attempts, pending.groups) == (PENDING, 0, ("T0", "T1", "T2"))
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_adding_the_same_submission_twice_keeps_the_first(tmp_path):
    outbox = Outbox(tmp_path / "o.sqlite")
    outbox.add(record(rows=2))
    stored = outbox.add(record(rows=5))
    assert len(stored.rows) == 2
    assert outbox.pending_count() == 2


def test_one_sender_at_a_time_and_a_stale_claim_expires(tmp_path):
    clock = Clock()
    outbox = Outbox(tmp_path / "o.sqlite", clock=clock)
    outbox.add(record())
    assert outbox.claim("S1", seconds=60)
    assert not outbox.claim("S1", seconds=60)
    assert outbox.pending(SOURCE) == []
    clock.now += 61
    assert outbox.claim("S1", seconds=60)
    assert outbox.get("S1").attempts == 2


def test_failed_stays_pending_with_its_reason_and_sent_is_done(tmp_path):
    clock = Clock()
    outbox = Outbox(tmp_path / "o.sqlite", clock=clock)
    outbox.add(record("S1"))
    outbox.add(record("S2", rows=1))
    outbox.claim("S1")
    outbox.mark_failed("S1", error="Google đang giới hạn số lượt truy cập.")
    assert outbox.get("S1").last_error == "Google đang giới hạn số lượt truy cập."
    # Just tried: an automatic retry leaves it alone for a while, a button does not.
    assert [r.submission_id for r in outbox.pending(SOURCE, idle_seconds=60)] == ["S2"]
    assert [r.submission_id for r in outbox.pending(SOURCE)] == ["S1", "S2"]
    clock.now += 61
    assert [r.submission_id for r in outbox.pending(SOURCE, idle_seconds=60)] == ["S1", "S2"]

    outbox.claim("S1")
    outbox.mark_sent("S1", rows_added=2)
    assert outbox.get("S1").status == SENT
    assert not outbox.claim("S1")
    assert outbox.pending_count(SOURCE) == 1


def test_pending_is_counted_per_source_and_listed_per_cadre_and_month(tmp_path):
    outbox = Outbox(tmp_path / "o.sqlite")
    outbox.add(record("S1", rows=2))
    outbox.add(record("S2", rows=1, cadre="CB02"))
    outbox.add(record("S3", rows=4, source="gsheets:KEY"))
    assert outbox.pending_count(SOURCE) == 3
    assert outbox.pending_count() == 7
    assert outbox.pending_groups(SOURCE, "CB01", "11/2026") == {
        "T0": "2026-11-20T09:00:00",
        "T1": "2026-11-20T09:00:00",
    }
    assert outbox.pending_groups(SOURCE, "CB01", "10/2026") == {}


def test_no_file_means_nothing_pending_and_nothing_created(tmp_path):
    outbox = Outbox(tmp_path / "sub" / "o.sqlite")
    assert outbox.pending_count(SOURCE) == 0
    assert outbox.pending_groups(SOURCE, "CB01", "11/2026") == {}
    assert not (tmp_path / "sub").exists()


def test_many_threads_add_and_claim_without_losing_or_sharing_anything(tmp_path):
    path = tmp_path / "o.sqlite"
    barrier = threading.Barrier(30)
    claimed: list[str] = []
    lock = threading.Lock()

    def work(i):
        outbox = Outbox(path)
        barrier.wait()
        outbox.add(record(f"S{i % 10}", rows=1))
        if outbox.claim(f"S{i % 10}"):
            with lock:
                claimed.append(f"S{i % 10}")

    threads = [threading.Thread(target=work, args=(i,)) for i in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(claimed) == sorted(f"S{i}" for i in range(10))
    assert Outbox(path).pending_count() == 10

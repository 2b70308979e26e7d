"""Local sign-in under attack, against the real accounts file and its file lock.

- Simultaneous guesses (threads of one server, and two server processes sharing the file)
  never get more than `max_attempts` passwords compared with the account's hash.
- Known, unknown, locked and impossible usernames get the same sentence and take the same
  time (measured, compared by medians with a tolerance: this machine is shared).
- One browser session gets a limited number of attempts, whatever usernames it tries.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from tests.people.attempt_worker import SlowCountingHasher, guess
from tothu_core.errors import AccessDenied
from tothu_core.people.accounts import AccountStore
from tothu_core.people.sign_in_limit import AttemptWindow

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "mật-khẩu-Đúng-2026"
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
# Long enough that every attempt of a burst is reserved before the first hash is done.
DELAY = 0.4
MAX_ATTEMPTS = 5


def account_file(tmp_path: Path) -> tuple[Path, str]:
    """An accounts file with «lan» (CB01); its stored hash, to count the checks made with it."""
    path = tmp_path / "accounts.json"
    AccountStore(path, hasher=CHEAP_HASHER).set_password("lan", PASSWORD, cadre_id="CB01")
    return path, json.loads(path.read_text())["accounts"]["lan"]["password_hash"]


def stored(path: Path) -> dict:
    return json.loads(path.read_text())["accounts"]["lan"]


# -- many attempts at once ----------------------------------------------------------------------


@pytest.mark.parametrize("per_thread", [False, True], ids=["one-store", "store-per-thread"])
def test_a_burst_of_wrong_passwords_from_threads_checks_only_the_allowed_number(
    tmp_path, per_thread
):
    path, real_hash = account_file(tmp_path)
    hasher = SlowCountingHasher(DELAY)
    shared = AccountStore(path, hasher=hasher)
    stores = [AccountStore(path, hasher=hasher) if per_thread else shared for _ in range(12)]
    answers = [""] * 12
    barrier = threading.Barrier(12)

    def attempt(number: int) -> None:
        barrier.wait()
        try:
            stores[number].verify("lan", f"doan-sai-{number}")
        except AccessDenied as refused:
            answers[number] = str(refused)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [h for h, _ in hasher.checked].count(real_hash) == MAX_ATTEMPTS
    assert set(answers) == {shared.refusal}
    assert stored(path)["locked_until"] is not None
    # Locked: the right password is refused now, and not even compared with the hash.
    with pytest.raises(AccessDenied):
        shared.verify("lan", PASSWORD)
    assert [h for h, _ in hasher.checked].count(real_hash) == MAX_ATTEMPTS


def test_a_burst_with_the_right_password_among_wrong_ones_checks_at_most_the_limit(tmp_path):
    path, real_hash = account_file(tmp_path)
    hasher = SlowCountingHasher(DELAY)
    store = AccountStore(path, hasher=hasher)
    passwords = [f"doan-sai-{n}" for n in range(12)]
    right = random.Random(13).randrange(12)
    passwords[right] = PASSWORD

    answers = guess(store, "lan", passwords)

    checked = [p for h, p in hasher.checked if h == real_hash]
    assert len(checked) <= MAX_ATTEMPTS
    # The right password gets in only if it was one of the attempts allowed a check.
    assert (answers[right] == "in:CB01") == (PASSWORD in checked)
    assert all(a == store.refusal for n, a in enumerate(answers) if n != right)


def test_two_server_processes_sharing_the_file_check_only_the_allowed_number(tmp_path):
    path, real_hash = account_file(tmp_path)
    go = tmp_path / "go"
    command = [sys.executable, "-m", "tests.people.attempt_worker", str(path), str(go), "12"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    workers = [
        subprocess.Popen(
            [*command, str(DELAY)], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    # Both have built their store and wait for the file; start them together.
    time.sleep(2.0)
    go.touch()
    results = []
    for worker in workers:
        out, _ = worker.communicate(timeout=120)
        assert worker.returncode == 0
        results.append(json.loads(out))

    real_checks = sum(r["checked"].count(real_hash) for r in results)
    assert real_checks == MAX_ATTEMPTS
    # Each process really guessed at the same time as the other (the burst was shared).
    assert all(len(r["answers"]) == 12 for r in results)
    assert stored(path)["locked_until"] is not None
    with pytest.raises(AccessDenied):
        AccountStore(path, hasher=CHEAP_HASHER).verify("lan", PASSWORD)


# -- nothing tells which usernames exist ----------------------------------------------------------


def test_known_unknown_locked_and_impossible_usernames_get_the_same_sentence_and_time(tmp_path):
    """Medians of interleaved measurements, with the OWASP minimum argon2id parameters
    (m=19 MiB, t=2, p=1) so the hash dominates as it does in production."""
    path = tmp_path / "accounts.json"
    hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
    store = AccountStore(path, hasher=hasher, max_attempts=10**6)
    store.set_password("lan", PASSWORD, cadre_id="CB01")
    store.set_password("khoa", PASSWORD, cadre_id="CB02")
    locker = AccountStore(path, hasher=hasher, max_attempts=1)
    with pytest.raises(AccessDenied):
        locker.verify("khoa", "doan-sai")
    assert store.get("khoa").locked_until is not None
    attempts = {
        "known, wrong password": ("lan", "doan-sai"),
        "unknown": ("khong-co-ai", "doan-sai"),
        "locked, right password": ("khoa", PASSWORD),
        "impossible name": ("tên có dấu", "doan-sai"),
    }
    times: dict[str, list[float]] = {kind: [] for kind in attempts}
    messages: set[str] = set()
    order = [kind for kind in attempts for _ in range(15)]
    random.Random(7).shuffle(order)
    for kind in list(attempts) + order:  # one warm-up round first
        username, password = attempts[kind]
        started = time.perf_counter()
        with pytest.raises(AccessDenied) as refused:
            store.verify(username, password)
        times[kind].append(time.perf_counter() - started)
        messages.add(str(refused.value))

    assert messages == {store.refusal}
    medians = {kind: statistics.median(values[1:]) for kind, values in times.items()}
    fastest, slowest = min(medians.values()), max(medians.values())
    assert fastest > 0.005, medians  # the hash really ran on every path
    assert slowest / fastest < 1.35, medians


# -- one browser session ------------------------------------------------------------------------

VIETNAM = timezone(timedelta(hours=7))


def test_a_session_window_refuses_beyond_its_limit_and_reopens_as_attempts_age():
    window = AttemptWindow(limit=3, window=timedelta(minutes=15))
    start = datetime(2026, 12, 1, 8, 0, tzinfo=VIETNAM)
    assert [window.reserve(start + timedelta(minutes=m)) for m in (0, 1, 2)] == [None] * 3
    refused = window.reserve(start + timedelta(minutes=3))
    assert refused == (
        "Trình duyệt này đã thử đăng nhập 3 lần trong 15 phút; đồng chí vui lòng đợi đến 08:15 "
        "rồi thử lại, hoặc nhờ người quản trị đặt lại mật khẩu."
    )
    assert window.reserve(start + timedelta(minutes=14, seconds=59)) is not None
    assert window.reserve(start + timedelta(minutes=15)) is None  # the first attempt aged out
    assert window.reserve(start + timedelta(minutes=15, seconds=1)) is not None


def test_a_session_window_names_the_day_when_it_reopens_tomorrow():
    window = AttemptWindow(limit=1, window=timedelta(hours=2))
    late = datetime(2026, 12, 1, 23, 30, tzinfo=VIETNAM)
    assert window.reserve(late) is None
    assert "đợi đến 01:30 ngày 02/12/2026" in window.reserve(late + timedelta(minutes=1))


def test_a_session_window_lets_exactly_its_limit_through_when_attempts_race():
    window = AttemptWindow(limit=10)
    now = datetime(2026, 12, 1, 8, 0, tzinfo=VIETNAM)
    barrier = threading.Barrier(40)
    allowed = []

    def attempt() -> None:
        barrier.wait()
        if window.reserve(now) is None:
            allowed.append(1)

    threads = [threading.Thread(target=attempt) for _ in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(allowed) == 10

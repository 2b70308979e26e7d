"""One server process guessing passwords, for the two-process lock-out test.

    python -m tests.people.attempt_worker ACCOUNTS_FILE GO_FILE THREADS DELAY

Builds one AccountStore on the shared accounts file (as a server process does, shared by its
threads), waits until GO_FILE exists, then makes THREADS simultaneous sign-in attempts with
wrong passwords. Prints, as JSON, every hash a password was compared with and every answer.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path

from argon2 import PasswordHasher

from tothu_core.errors import AccessDenied
from tothu_core.people.accounts import AccountStore


class SlowCountingHasher(PasswordHasher):
    """Cheap argon2id whose every verification takes at least `delay` seconds and is recorded.

    The delay stands for a production hash (tens of milliseconds): it holds the window between
    "may this attempt be checked?" and "count the failure" open, where a race would show.
    """

    def __init__(self, delay: float):
        super().__init__(time_cost=1, memory_cost=8, parallelism=1)
        self.delay = delay
        self.checked: list[tuple[str, str]] = []
        self._lock = threading.Lock()

    def verify(self, hash, password) -> bool:  # noqa: A002 - argon2's own parameter name
        with self._lock:
            self.checked.append((str(hash), str(password)))
        time.sleep(self.delay)
        return super().verify(hash, password)


def guess(store: AccountStore, username: str, passwords: list[str]) -> list[str]:
    """All attempts at once (a barrier releases the threads together); the answers."""
    barrier = threading.Barrier(len(passwords))
    answers: list[str] = [""] * len(passwords)

    def attempt(number: int) -> None:
        barrier.wait()
        try:
            answers[number] = "in:" + store.verify(username, passwords[number])
        except AccessDenied as refused:
            answers[number] = str(refused)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(len(passwords))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def main(argv: list[str]) -> int:
    accounts, go, count, delay = Path(argv[0]), Path(argv[1]), int(argv[2]), float(argv[3])
    hasher = SlowCountingHasher(delay)
    store = AccountStore(accounts, hasher=hasher)
    deadline = time.monotonic() + 60
    while not go.exists() and time.monotonic() < deadline:
        time.sleep(0.002)
    answers = guess(store, "lan", [f"doan-sai-{n}" for n in range(count)])
    print(json.dumps({"checked": [h for h, _ in hasher.checked], "answers": answers}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

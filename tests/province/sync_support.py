"""What the sync tests share: a clock nobody waits for, communes in the fake Sheets server,
in CSV folders and in workbooks, and a registry naming them."""

from __future__ import annotations

import csv
import threading
from datetime import datetime
from pathlib import Path

from tests.sheets import assign, book, cadre, group, hamlet, meeting

NOW = datetime(2016, 10, 20, 9, 0)


class FakeClock:
    """Monotonic and wall time that only move when someone sleeps: pacing and Google's
    quota minutes are checked without waiting a real minute. Starts at 10:00:00.5 of a day."""

    def __init__(self, start: float = 1_780_000_000.5):
        self._now = start
        self._lock = threading.Lock()
        self.slept: list[float] = []

    def monotonic(self) -> float:
        with self._lock:
            return self._now

    def time(self) -> float:
        return self.monotonic()

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.slept.append(seconds)
            self._now += max(0.0, seconds)


def commune_book(code: str, groups: int = 3, *, extra_group: bool = False) -> dict:
    """A clean commune: one hamlet, `groups` groups each followed by its own cadre, a meeting
    each in 09/2016. Ids carry the commune's code, so communes never share one."""
    ids = [f"{code}-T{n}" for n in range(1, groups + 1 + int(extra_group))]
    cadres = [f"{code}-CB{n}" for n in range(1, len(ids) + 1)]
    return book(
        hamlets=[hamlet(f"{code}-A1", f"Ấp {code}")],
        cadres=[cadre(c) for c in cadres],
        groups=[group(g, f"{code}-A1", 10 + n) for n, g in enumerate(ids)],
        assignments=[assign(c, g, "1/1/2016") for c, g in zip(cadres, ids, strict=True)],
        meetings=[
            meeting("09/2016", g, c, "10/9/2016", 8, "x", at="12/9/2016 08:00")
            for c, g in zip(cadres, ids, strict=True)
        ],
    )


def write_registry(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    """A registry file as the province office keeps it: a CSV with Vietnamese headers."""
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Mã xã", "Tên xã", "Nguồn dữ liệu"])
        writer.writerows(rows)
    return path

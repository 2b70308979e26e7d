"""A cadre's own reports still due: which groups, for which month, by when.

The months looked at are those the form still takes (`MonthLocks.open_months`) that have
ended (a month in progress is not due yet; a month leadership reopened is). Groups whose
report waits in the outbox count as sent, as the form counts them. The missing groups come
from `followup.missing_by_cadre`, so the cadre sees exactly what leadership's follow-up list
says about them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from tothu_core.figures import followup
from tothu_core.figures.followup import DeadlineState
from tothu_core.sheet import contract
from tothu_core.sheet.dataset import Dataset


@dataclass(frozen=True)
class Due:
    month: pd.Period
    state: DeadlineState
    missing: int
    expected: int
    groups_text: str

    @property
    def month_text(self) -> str:
        return self.month.strftime(contract.MONTH_FORMAT)

    @property
    def text(self) -> str:
        """'Tháng 11/2026: 2/3 tổ chưa báo cáo (Tổ 1, Tổ 2 (Ấp Mỹ An)), hạn nộp hết ngày
        05/12/2026 (còn 3 ngày).'"""
        return (
            f"Tháng {self.month_text}: {self.missing}/{self.expected} tổ chưa báo cáo "
            f"({self.groups_text}), hạn nộp hết ngày {self.state.deadline_text} "
            f"({self.state.distance_text})."
        )


def due_reports(
    ds: Dataset,
    cadre_id: str,
    *,
    open_months: Iterable[pd.Period],
    now: datetime,
    deadline_day: int,
    pending_of: Callable[[pd.Period], Iterable[str]] = lambda month: (),
) -> list[Due]:
    """The cadre's missing reports in each open month that has ended, oldest first."""
    last = followup.month_due(now)
    months = sorted(m for m in open_months if m <= last)
    if not months:
        return []
    missing = followup.missing_by_cadre(ds, months, cadre=cadre_id, deadline_day=deadline_day)
    found = []
    for row in missing.itertuples(index=False):
        waiting = set(pending_of(row.month))
        kept = [i for i, g in enumerate(row.group_ids) if g not in waiting]
        if not kept:
            continue
        labels = [row.group_labels[i] for i in kept]
        found.append(
            Due(
                month=row.month,
                state=followup.deadline_state(row.month, now=now, deadline_day=deadline_day),
                missing=len(kept),
                expected=int(row.expected),
                groups_text=row.groups_text if len(kept) == row.missing else ", ".join(labels),
            )
        )
    return found


def other_months_text(dues: Sequence[Due], shown: pd.Period) -> str | None:
    """For the form: the other months the cadre still owes, or None."""
    others = [d for d in dues if d.month != shown]
    if not others:
        return None
    parts = [
        f"tháng {d.month_text} ({d.missing} tổ, hạn hết ngày {d.state.deadline_text}, "
        f"{d.state.distance_text})"
        for d in others
    ]
    return "Đồng chí còn phải báo cáo " + "; ".join(parts) + ": chọn tháng đó ở ô «Tháng báo cáo»."


def form_notice(dues: Sequence[Due], shown: pd.Period, *, now: datetime, deadline_day: int) -> str:
    """For the form, below its month: how far the shown month's deadline is, and any other
    month still owed. 'Hạn nộp tháng 11/2026 còn 3 ngày. Đồng chí còn phải báo cáo …'"""
    state = followup.deadline_state(shown, now=now, deadline_day=deadline_day)
    month = shown.strftime(contract.MONTH_FORMAT)
    text = f"Hạn nộp tháng {month}: {state.distance_text}."
    others = other_months_text(dues, shown)
    return f"{text} {others}" if others else text


def viewer_dues(ds: Dataset, cadre_id: str, settings, source_identity: str, *, now: datetime):
    """`due_reports` for the signed-in cadre, with the months open now and the outbox's
    pending groups (what the overview and the form show)."""
    from tothu_core.entry.month_lock import MonthLocks
    from tothu_core.entry.outbox import Outbox

    locks = MonthLocks.from_settings(settings, clock=lambda: now)
    outbox = Outbox.in_folder(settings.data_dir)
    return due_reports(
        ds,
        cadre_id,
        open_months=locks.open_months(),
        now=now,
        deadline_day=settings.deadline_day,
        pending_of=lambda m: outbox.pending_groups(
            source_identity, cadre_id, m.strftime(contract.MONTH_FORMAT)
        ),
    )

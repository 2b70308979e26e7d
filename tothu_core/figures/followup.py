"""Who still owes which report, per hamlet and per cadre, and how far the deadline is.

Built on `figures.expected_reports` (the contract's "expected reports": one per cadre and group
assigned in the month, received when any entry exists), so the follow-up list is exactly the
«Chưa nộp» of the reports page, the report and the exports. Days to the deadline are counted
on the office's calendar (`tothu_core.clock`): on 1 December, a deadline at the end of
5 December is 4 days away; on the 5th it is today; on the 8th it is 3 days past.

Decisions where the contract is silent:
- **the month due** is the last month that has ended (on 1 December, November): its reports
  are the ones being chased until the next month ends; any other month can be chosen;
- a cadre whose missing groups lie in two hamlets is listed under each hamlet with that
  hamlet's groups; the message to them (one per cadre) names all of them;
- groups are listed in the sheet's own order (as a clerk reads the `Tổ` tab).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from tothu_core.figures import figures
from tothu_core.sheet import contract
from tothu_core.sheet.dataset import Dataset
from tothu_core.vietnamese import sort_by_name

CADRE_COLUMNS = ["cadre_id", "name", "position", "phone", "email"]
BY_CADRE = ["month", *CADRE_COLUMNS, "expected", "missing", "group_ids", "group_labels",
            "groups_text"]  # fmt: skip
BY_HAMLET = ["month", "hamlet_id", "hamlet_name", *CADRE_COLUMNS, "expected", "missing",
             "group_ids", "group_labels"]  # fmt: skip


def month_due(now: datetime) -> pd.Period:
    """The month whose reports are being chased: the last one that has ended."""
    return pd.Period(now, freq="M") - 1


@dataclass(frozen=True)
class DeadlineState:
    """A month's deadline seen from a day: `days` > 0 still to go, 0 today, < 0 past."""

    month: pd.Period
    deadline: pd.Timestamp
    days: int

    @property
    def overdue(self) -> bool:
        return self.days < 0

    @property
    def deadline_text(self) -> str:
        return self.deadline.strftime(contract.DATE_FORMAT)

    @property
    def distance_text(self) -> str:
        """'còn 4 ngày', 'hạn là hôm nay', 'đã quá hạn 3 ngày'."""
        if self.days > 0:
            return f"còn {self.days} ngày"
        if self.days == 0:
            return "hạn là hôm nay"
        return f"đã quá hạn {-self.days} ngày"


def deadline_state(
    month, *, now: datetime, deadline_day: int = figures.DEADLINE_DAY
) -> DeadlineState:
    month = figures.as_month(month)
    limit = figures.deadline(month, day=deadline_day)
    days = (limit.date() - pd.Timestamp(now).date()).days
    return DeadlineState(month, limit, days)


def _owed(ds: Dataset, months, hamlet, cadre, deadline_day) -> pd.DataFrame:
    """Expected reports not received, with the group's hamlet, name and sheet order."""
    reports = figures.expected_reports(
        ds, months, hamlet=hamlet, cadre=cadre, deadline_day=deadline_day
    )
    counts = reports.groupby(["month", "cadre_id", "hamlet_id"], observed=True).agg(
        expected=("group_id", "size")
    )
    owed = reports.loc[~reports["received"], ["month", "cadre_id", "group_id", "hamlet_id"]]
    groups = ds.groups[["group_id", "group_name"]].assign(order=ds.groups["row"].to_numpy())
    owed = owed.merge(groups, on="group_id", how="left").merge(
        ds.hamlets[["hamlet_id", "hamlet_name"]], on="hamlet_id", how="left"
    )
    owed = owed.sort_values(["month", "cadre_id", "order"], kind="stable")
    return owed, counts.reset_index()


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


def _with_cadres(ds: Dataset, frame: pd.DataFrame) -> pd.DataFrame:
    cadres = ds.cadres.reindex(columns=CADRE_COLUMNS)
    return frame.merge(cadres, on="cadre_id", how="left")


def missing_by_hamlet(
    ds: Dataset,
    month,
    *,
    hamlet: str | None = None,
    cadre: str | None = None,
    deadline_day: int = figures.DEADLINE_DAY,
) -> pd.DataFrame:
    """Per (hamlet, cadre) with a report missing in `month`: their groups there, in the
    hamlets' sheet order and then by name (Vietnamese order)."""
    month = figures.as_month(month)
    owed, counts = _owed(ds, month, hamlet, cadre, deadline_day)
    if owed.empty:
        return _empty(BY_HAMLET)
    keys = ["month", "hamlet_id", "cadre_id"]
    per = (
        owed.groupby(keys, observed=True, sort=False)
        .agg(
            hamlet_name=("hamlet_name", "first"),
            missing=("group_id", "size"),
            group_ids=("group_id", tuple),
            group_labels=("group_name", tuple),
        )
        .reset_index()
        .merge(counts, on=keys, how="left")
    )
    out = _with_cadres(ds, per)
    order = {h: i for i, h in enumerate(ds.hamlets["hamlet_id"])}
    out = sort_by_name(out, "name")
    out = out.assign(_hamlet=out["hamlet_id"].map(order)).sort_values("_hamlet", kind="stable")
    return out[BY_HAMLET].reset_index(drop=True)


def missing_by_cadre(
    ds: Dataset,
    months,
    *,
    hamlet: str | None = None,
    cadre: str | None = None,
    deadline_day: int = figures.DEADLINE_DAY,
) -> pd.DataFrame:
    """Per (month, cadre) with a report missing: every missing group, labelled
    'Tổ 3 (Ấp Mỹ An)', and all of them as one text ('Tổ 3, Tổ 5 (Ấp Mỹ An); Tổ 1 (Ấp Mỹ
    Hòa)'), oldest month first, then by name."""
    owed, counts = _owed(ds, figures.as_months(months), hamlet, cadre, deadline_day)
    if owed.empty:
        return _empty(BY_CADRE)
    owed = owed.assign(
        label=owed["group_name"].astype(str)
        + owed["hamlet_name"].map(lambda h: f" ({h})" if isinstance(h, str) else "")
    )
    per = (
        owed.groupby(["month", "cadre_id"], observed=True, sort=False)
        .agg(
            missing=("group_id", "size"),
            group_ids=("group_id", tuple),
            group_labels=("label", tuple),
            names=("group_name", tuple),
            hamlets=("hamlet_name", tuple),
        )  # fmt: skip
        .reset_index()
    )
    per["groups_text"] = [
        _joined(names, hamlets) for names, hamlets in zip(per["names"], per["hamlets"], strict=True)
    ]
    expected = counts.groupby(["month", "cadre_id"], observed=True)["expected"].sum()
    per = per.merge(expected.reset_index(), on=["month", "cadre_id"], how="left")
    out = sort_by_name(_with_cadres(ds, per), "name").sort_values("month", kind="stable")
    return out[BY_CADRE].reset_index(drop=True)


def _joined(names: tuple, hamlets: tuple) -> str:
    """Group names with each hamlet named once, hamlets in the order their groups come."""
    by_hamlet: dict = {}
    for name, hamlet in zip(names, hamlets, strict=True):
        by_hamlet.setdefault(hamlet if isinstance(hamlet, str) else "", []).append(str(name))
    parts = [", ".join(groups) + (f" ({h})" if h else "") for h, groups in by_hamlet.items()]
    return "; ".join(parts)

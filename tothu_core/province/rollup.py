"""The province roll-up: each commune's figures as small additive frames, and their sums.

`commune_tables` runs at sync time, on one commune's Dataset, with the commune pages' own
functions (`figures.group_month_panel` and `expected_reports`, the base of coverage,
attendance and overview; `needs_attention`; `followup.missing_by_hamlet`), so a figure has
one definition (tests/province/test_rollup.py checks it equal to the pages'). It keeps
only counts (numerators and denominators) per month, per former commune × month and per
hamlet × month: a rate is always recomputed from summed counts, never averaged, so a
province, a merged commune or a former commune gets exactly the rate its union would.
Distinct cadres are not additive across hamlets (a cadre may follow groups in two), so each
level keeps its own count; across communes they add up (each sheet has its own cadres).

The province functions read those frames back from the store (a `commune` column first)
and return English-named frames; `province.views` gives them Vietnamese headers.

Decisions where the contract is silent:
- a commune's months run from its first month with data to the month of the sync (`now`),
  so a commune that stopped reporting still counts its groups (as not met) in the latest
  months instead of leaving the province's denominators;
- a hamlet with a blank `Xã cũ` belongs to the merged commune itself (its former commune
  is shown with the commune's name);
- needs attention is kept for the last `ATTENTION_MONTHS` months; the follow-up list of
  missing reports for the month being chased (`followup.month_due`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

import numpy as np
import pandas as pd

from tothu_core.figures import figures, followup
from tothu_core.sheet.dataset import ERROR, WARNING, Dataset

ATTENTION_MONTHS = 3

COUNTS = (
    "groups",
    "groups_covered",
    "groups_met",
    "households",
    "households_present",
    "expected",
    "received",
    "on_time",
)
RATES = ("coverage_pct", "meeting_pct", "attendance_pct", "completeness_pct", "on_time_pct")

_INT = "int64"
_TEXT = "string"
_MONTH = "period[M]"
_COUNT_TYPES = {c: _INT for c in ("cadres", *COUNTS)}

# The frames `commune_tables` returns, with their columns and types (the store keeps them so).
SCHEMAS: dict[str, dict[str, str]] = {
    "months": {"month": _MONTH, **_COUNT_TYPES},
    "former_months": {"month": _MONTH, "former_commune": _TEXT, **_COUNT_TYPES},
    "hamlet_months": {
        "month": _MONTH,
        "hamlet_id": _TEXT,
        "hamlet_name": _TEXT,
        "former_commune": _TEXT,
        **_COUNT_TYPES,
    },
    "attention": {
        "month": _MONTH,
        "group_id": _TEXT,
        "group_name": _TEXT,
        "hamlet_id": _TEXT,
        "hamlet_name": _TEXT,
        "former_commune": _TEXT,
        "reasons": _TEXT,
        "reason_count": _INT,
        "attendance": "float64",
    },
    "missing": {
        "month": _MONTH,
        "hamlet_id": _TEXT,
        "hamlet_name": _TEXT,
        "cadre_id": _TEXT,
        "name": _TEXT,
        "position": _TEXT,
        "expected": _INT,
        "missing": _INT,
        "groups": _TEXT,
    },
    "summary": {
        "computed_at": "datetime64[ns]",
        "first_month": _MONTH,
        "last_month": _MONTH,
        "hamlets": _INT,
        "groups": _INT,
        "cadres": _INT,
        "errors": _INT,
        "warnings": _INT,
        "deadline_day": _INT,
    },
}


def _typed(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """Exactly the schema's columns in its order and types (an empty frame stays typed)."""
    schema = SCHEMAS[name]
    out = pd.DataFrame(index=frame.index)
    for column, dtype in schema.items():
        values = frame[column] if column in frame else pd.Series(pd.NA, index=frame.index)
        if dtype == _MONTH:
            values = pd.PeriodIndex(values, freq="M") if len(values) else values
            out[column] = pd.Series(values, index=frame.index, dtype=_MONTH)
        elif dtype == _TEXT:
            out[column] = values.astype(object).where(values.notna(), None).astype(_TEXT)
        else:
            out[column] = values.astype(dtype)
    return out.reset_index(drop=True)


def empty_table(name: str) -> pd.DataFrame:
    return _typed(pd.DataFrame(), name)


def commune_months(ds: Dataset, *, now: datetime) -> pd.PeriodIndex:
    """The commune's months: its first month with data to the month of `now` (or its last)."""
    months = ds.months()
    if not len(months):
        return months
    last = max(months[-1], pd.Period(pd.Timestamp(now), freq="M"))
    return pd.period_range(months[0], last, freq="M")


def _former(ds: Dataset) -> pd.Series:
    """hamlet_id -> its former commune as typed (blank -> <NA>); absent column -> all <NA>."""
    hamlets = ds.hamlets
    if "former_commune" in hamlets:
        values = hamlets["former_commune"].astype(_TEXT).str.strip()
        values = values.mask(values == "")
    else:
        values = pd.Series(pd.NA, index=hamlets.index, dtype=_TEXT)
    return pd.Series(values.to_numpy(), index=hamlets["hamlet_id"].to_numpy(), dtype=_TEXT)


def _report_counts(reports: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return reports.groupby(keys, observed=True, dropna=False).agg(
        expected=("group_id", "size"),
        received=("received", "sum"),
        on_time=("on_time", "sum"),
        cadres=("cadre_id", "nunique"),
    )


def commune_tables(
    ds: Dataset, *, now: datetime, deadline_day: int = figures.DEADLINE_DAY
) -> dict[str, pd.DataFrame]:
    """One commune's roll-up frames (see SCHEMAS), computed with the commune pages' functions."""
    months = commune_months(ds, now=now)
    summary = _summary(ds, months, now=now, deadline_day=deadline_day)
    if not len(months):
        tables = {name: empty_table(name) for name in SCHEMAS}
        tables["summary"] = summary
        return tables
    former = _former(ds)

    # The figures' own base frames, once: every group-month with its cadres and meeting,
    # and every expected report with its flags. coverage, attendance and overview are sums
    # of these; summing them here per hamlet costs one pass instead of three.
    panel = figures.group_month_panel(ds, months)
    reports = figures.expected_reports(ds, months, deadline_day=deadline_day)
    reports["former_commune"] = reports["hamlet_id"].map(former).astype(_TEXT)
    keys = ["month", "hamlet_id"]
    panel["households_met"] = panel["households"].where(panel["met"], 0)
    panel["covered"] = panel["cadres"] > 0
    groups = panel.groupby(keys, observed=True).agg(
        groups=("group_id", "size"),
        groups_covered=("covered", "sum"),
        groups_met=("met", "sum"),
        households=("households_met", "sum"),
        households_present=("present", "sum"),
    )
    # Every hamlet every month, as `figures.coverage` lists them (a hamlet without groups: 0).
    grid = pd.merge(
        pd.DataFrame({"month": months}), ds.hamlets[["hamlet_id", "hamlet_name"]], how="cross"
    )
    hamlets = grid.merge(groups.reset_index(), on=keys, how="left").merge(
        _report_counts(reports, keys).reset_index(), on=keys, how="left"
    )
    hamlets[["cadres", *COUNTS]] = hamlets[["cadres", *COUNTS]].fillna(0)
    hamlets["former_commune"] = hamlets["hamlet_id"].map(former)

    per_month = hamlets.groupby("month", observed=True)[list(COUNTS)].sum()
    per_month = per_month.join(_report_counts(reports, ["month"])["cadres"])
    overview = per_month.reindex(pd.PeriodIndex(months, name="month")).fillna(0).reset_index()

    by_former = hamlets.groupby(["month", "former_commune"], dropna=False, observed=True)[
        list(COUNTS)
    ].sum()
    former_cadres = _report_counts(reports, ["month", "former_commune"])["cadres"]
    by_former = by_former.join(former_cadres).fillna({"cadres": 0}).reset_index()

    return {
        "months": _typed(overview, "months"),
        "former_months": _typed(by_former, "former_months"),
        "hamlet_months": _typed(hamlets, "hamlet_months"),
        "attention": _attention(ds, months, former),
        "missing": _missing(ds, now=now, deadline_day=deadline_day),
        "summary": summary,
    }


def _attention(ds: Dataset, months: pd.PeriodIndex, former: pd.Series) -> pd.DataFrame:
    names = ds.hamlets.set_index("hamlet_id")["hamlet_name"]
    frames = [figures.needs_attention(ds, month) for month in months[-ATTENTION_MONTHS:]]
    frames = [f for f in frames if len(f)]
    if not frames:
        return empty_table("attention")
    out = pd.concat(frames, ignore_index=True)
    out["hamlet_name"] = out["hamlet_id"].map(names)
    out["former_commune"] = out["hamlet_id"].map(former)
    return _typed(out, "attention")


def _missing(ds: Dataset, *, now: datetime, deadline_day: int) -> pd.DataFrame:
    month = followup.month_due(now)
    owed = followup.missing_by_hamlet(ds, month, deadline_day=deadline_day)
    if owed.empty:
        return empty_table("missing")
    owed = owed.assign(groups=owed["group_labels"].map(lambda labels: ", ".join(map(str, labels))))
    return _typed(owed, "missing")


def _summary(ds: Dataset, months, *, now: datetime, deadline_day: int) -> pd.DataFrame:
    severities = pd.Series([p.severity for p in ds.problems], dtype=object)
    row = {
        "computed_at": pd.Timestamp(now).tz_localize(None),
        "first_month": months[0] if len(months) else pd.NaT,
        "last_month": months[-1] if len(months) else pd.NaT,
        "hamlets": len(ds.hamlets),
        "groups": len(ds.groups),
        "cadres": len(ds.cadres),
        "errors": int((severities == ERROR).sum()),
        "warnings": int((severities == WARNING).sum()),
        "deadline_day": deadline_day,
    }
    return _typed(pd.DataFrame([row]), "summary")


# -- the province: sums of the communes' frames, read back from the store ------------------------


def with_rates(frame: pd.DataFrame) -> pd.DataFrame:
    """The rates of `figures.overview`, from the summed counts (never averaged percentages)."""
    out = frame.copy()
    cadres = out["cadres"].astype(float)
    out["average_load"] = np.where(
        cadres > 0, np.round(out["expected"] / cadres.where(cadres > 0), 2), np.nan
    )
    out["coverage_pct"] = figures.pct(out["groups_covered"], out["groups"])
    out["meeting_pct"] = figures.pct(out["groups_met"], out["groups"])
    out["attendance_pct"] = figures.pct(out["households_present"], out["households"])
    out["completeness_pct"] = figures.pct(out["received"], out["expected"])
    out["on_time_pct"] = figures.pct(out["on_time"], out["expected"])
    return out


def _scope(frame: pd.DataFrame, communes: Iterable[str] | None) -> pd.DataFrame:
    if communes is None:
        return frame
    return frame[frame["commune"].isin(list(communes))]


def _commune_names(frame: pd.DataFrame, names: Mapping[str, str]) -> pd.Series:
    return frame["commune"].map(lambda code: names.get(code, code)).astype(_TEXT)


def _sum_counts(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    columns = ["cadres", *COUNTS]
    return frame.groupby(keys, observed=True, dropna=False, sort=False)[columns].sum().reset_index()


def trend(months: pd.DataFrame, communes: Iterable[str] | None = None) -> pd.DataFrame:
    """Per month, over the chosen communes (all by default): counts summed, then the rates.

    For one commune this is `figures.overview` of its sheet; for several, that of their union.
    """
    rows = _scope(months, communes)
    out = _sum_counts(rows, ["month"]).sort_values("month", ignore_index=True)
    return with_rates(out)


def province_months(months: pd.DataFrame) -> pd.PeriodIndex:
    """Every month some commune has, oldest first."""
    return pd.PeriodIndex(sorted(set(months["month"].dropna())), freq="M")


def default_month(months: pd.DataFrame, *, now: datetime, deadline_day: int) -> pd.Period | None:
    """The newest month whose reporting deadline has passed (as on the commune pages)."""
    known = province_months(months)
    due = [m for m in known if figures.deadline(m, day=deadline_day) < pd.Timestamp(now)]
    if due:
        return due[-1]
    return known[-1] if len(known) else None


def by_commune(months: pd.DataFrame, month, names: Mapping[str, str]) -> pd.DataFrame:
    """One row per commune of the registry (`names`, in its order) for `month`, with its rates.

    A commune without data for that month keeps its row, with zero counts and blank rates.
    """
    month = figures.as_month(month)
    rows = months[months["month"] == month]
    rows = _sum_counts(rows, ["commune"]).set_index("commune")
    codes = list(names) + [c for c in rows.index if c not in names]
    out = rows.reindex(codes).fillna(0).astype(_INT).rename_axis("commune").reset_index()
    out.insert(1, "commune_name", _commune_names(out, names))
    out.insert(2, "month", pd.Series([month] * len(out), dtype=_MONTH))
    return with_rates(out)


def _former_label(frame: pd.DataFrame, names: Mapping[str, str]) -> pd.Series:
    """A blank former commune is the merged commune itself: shown with its name."""
    own = _commune_names(frame, names)
    return frame["former_commune"].astype(_TEXT).fillna(own)


def by_former_commune(
    former_months: pd.DataFrame,
    month,
    names: Mapping[str, str],
    communes: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Per (commune, former commune) for `month`: counts and rates."""
    month = figures.as_month(month)
    rows = _scope(former_months, communes)
    rows = rows[rows["month"] == month].copy()
    rows["former_commune"] = _former_label(rows, names)
    out = _sum_counts(rows, ["commune", "former_commune"])
    out.insert(1, "commune_name", _commune_names(out, names))
    out.insert(3, "month", pd.Series([month] * len(out), dtype=_MONTH))
    return with_rates(_registry_order(out, names))


def by_hamlet(
    hamlet_months: pd.DataFrame,
    month,
    names: Mapping[str, str],
    communes: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Per hamlet for `month`: counts and rates (each hamlet as the commune's own pages show)."""
    month = figures.as_month(month)
    rows = _scope(hamlet_months, communes)
    rows = rows[rows["month"] == month].copy()
    rows["former_commune"] = _former_label(rows, names)
    rows.insert(1, "commune_name", _commune_names(rows, names))
    return with_rates(_registry_order(rows.reset_index(drop=True), names))


def _registry_order(frame: pd.DataFrame, names: Mapping[str, str]) -> pd.DataFrame:
    order = {code: i for i, code in enumerate(names)}
    rank = frame["commune"].map(order).fillna(len(order))
    return (
        frame.assign(_rank=rank.to_numpy())
        .sort_values("_rank", kind="stable")
        .drop(columns="_rank")
        .reset_index(drop=True)
    )


LEVEL_COMMUNE, LEVEL_FORMER, LEVEL_HAMLET = "commune", "former_commune", "hamlet"


def drilldown(
    months: pd.DataFrame,
    former_months: pd.DataFrame,
    hamlet_months: pd.DataFrame,
    month,
    names: Mapping[str, str],
    communes: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Merged commune → former commune → hamlet rows in one table (`level`, `label`).

    Each row's rates come from its own counts; the former-commune rows are shown only
    where a commune has more than one former commune (otherwise they repeat the commune).
    """
    wanted = list(names) if communes is None else list(communes)
    top = by_commune(months, month, names)
    top = top[top["commune"].isin(wanted)]
    former = by_former_commune(former_months, month, names, wanted)
    hamlets = by_hamlet(hamlet_months, month, names, wanted)
    # Sorted by keys (commune, former commune, hamlet in the sheet's order), not in a loop:
    # the whole province is 124 communes and ~2,000 hamlets.
    rank = {code: i for i, code in enumerate(top["commune"])}
    former = former.assign(_former=former.groupby("commune", sort=False).cumcount() + 1)
    order = former.set_index(["commune", "former_commune"])["_former"]
    split = former.groupby("commune")["former_commune"].transform("size") > 1
    hamlet_former = pd.MultiIndex.from_frame(hamlets[["commune", "former_commune"]])
    parts = [
        top.assign(level=LEVEL_COMMUNE, label=top["commune_name"], _former=0, _row=0),
        former[split.to_numpy()].assign(
            level=LEVEL_FORMER, label=lambda f: f["former_commune"], _row=0
        ),
        hamlets.assign(
            level=LEVEL_HAMLET,
            label=hamlets["hamlet_name"],
            _former=order.reindex(hamlet_former).to_numpy(),
            _row=hamlets.groupby("commune", sort=False).cumcount() + 1,
        ),
    ]
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=["level", "label", "commune", "former_commune", "hamlet_id"])
    out = pd.concat(parts, ignore_index=True)
    out["_commune"] = out["commune"].map(rank)
    out = out.sort_values(["_commune", "_former", "_row"], kind="stable", ignore_index=True)
    out = out.drop(columns=["_commune", "_former", "_row"])
    front = ["level", "label", "commune", "commune_name", "former_commune", "hamlet_id"]
    return out.reindex(columns=front + [c for c in out.columns if c not in front])


def attention(
    frame: pd.DataFrame,
    month,
    names: Mapping[str, str],
    communes: Iterable[str] | None = None,
) -> pd.DataFrame:
    """The groups needing attention in `month`, every commune's, most reasons first."""
    month = figures.as_month(month)
    rows = _scope(frame, communes)
    rows = rows[rows["month"] == month].copy()
    rows.insert(1, "commune_name", _commune_names(rows, names))
    rows["former_commune"] = _former_label(rows, names)
    return rows.sort_values(
        ["reason_count", "attendance", "commune", "group_id"],
        ascending=[False, True, True, True],
        na_position="first",
        ignore_index=True,
    )


def attention_kept(summary: pd.DataFrame, month) -> bool:
    """Whether every commune's stored needs-attention list covers `month`: each keeps only
    the last `ATTENTION_MONTHS` months up to its sync, so an older month's empty list does
    not mean that no group needed attention."""
    month = figures.as_month(month)
    last = summary["last_month"].dropna()
    if not len(last):
        return False
    return bool((last - (ATTENTION_MONTHS - 1) <= month).all())


def attention_counts(frame: pd.DataFrame, month, names: Mapping[str, str]) -> pd.Series:
    """How many groups need attention in `month`, per commune of the registry (0 when none)."""
    month = figures.as_month(month)
    rows = frame[frame["month"] == month]
    counts = rows.groupby("commune", observed=True).size()
    return counts.reindex(list(names), fill_value=0).astype(_INT)

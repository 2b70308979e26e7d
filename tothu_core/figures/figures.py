"""Every figure of the contract ("Figures"), computed once here with vectorised pandas.

All functions take the Dataset, one month or several, and optional hamlet / cadre
filters, and return DataFrames with English column names (the export headers are in
`contract.DERIVED_HEADERS`). Percentages are rounded half-up to one decimal, as a clerk
rounds by hand; a rate with nothing to divide by is NaN (shown blank), never 0.

Decisions where the contract is silent (kept consistent everywhere):
- the cadre filter keeps the groups assigned to that cadre in each month;
- a group "met" in M when its counting entry (the latest) has a Ngày họp; when two
  cadres report the same group, the latest entry that has a meeting gives Số hộ dự;
- the cadre is "absent" in M when the group met and no entry says a cadre attended;
  a month without any entry is not counted as an absence (the missing report is
  already counted by completeness);
- "on time" judges the FIRST submission of a report (a later correction does not make
  it late); an entry typed without Thời điểm nhập is not counted late;
- the on-time rate is on-time reports / expected reports.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from tothu_core import texts
from tothu_core.figures.numbers import vn_percent
from tothu_core.sheet import contract
from tothu_core.sheet.assigned import assigned_pairs
from tothu_core.sheet.dataset import Dataset
from tothu_core.sheet.parsing import parse_month

# The defaults of the office's settings (Cài đặt): about 3 groups per cadre, at most 5.
PLANNED_LOAD = 3
MAX_LOAD = 5
LOW_ATTENDANCE = 0.5
DEADLINE_DAY = 5

Months = pd.Period | str | Iterable


def as_month(value) -> pd.Period:
    """'09/2016', '2016-09', 'Tháng 9/2016', a Period or a date -> Period('2016-09').

    Text is read as the sheet's Tháng column is, so '13/2016' is refused (ValueError)
    instead of rolling over into 01/2017.
    """
    if isinstance(value, pd.Period):
        return value.asfreq("M")
    if isinstance(value, str):
        parsed, _ = parse_month(pd.Series([value], dtype=object))
        if pd.isna(parsed.iloc[0]):
            raise ValueError(f"Tháng «{value}» không hợp lệ, hãy ghi MM/YYYY.")
        return parsed.iloc[0]
    return pd.Period(value, freq="M")


def month_text(values: pd.Series) -> pd.Series:
    """Months as the contract writes them (MM/YYYY); a missing month stays missing."""
    return values.map(lambda m: m.strftime(contract.MONTH_FORMAT) if pd.notna(m) else None)


def as_months(months: Months) -> pd.PeriodIndex:
    if isinstance(months, pd.PeriodIndex):
        return months
    if isinstance(months, pd.Period | str):
        return pd.PeriodIndex([as_month(months)])
    return pd.PeriodIndex([as_month(m) for m in months], freq="M")


def pct(numerator, denominator):
    """Half-up percentage with one decimal; NaN where the denominator is 0."""
    num = np.asarray(numerator, dtype=float)
    den = np.asarray(denominator, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.floor(num * 1000.0 / den + 0.5) / 10.0
    value = np.where(den > 0, value, np.nan)
    return value if value.ndim else float(value)


def deadline(month: pd.Period, *, day: int = DEADLINE_DAY) -> pd.Timestamp:
    """The last moment a report for `month` is on time: end of the `day`-th of the next month."""
    nxt = (month + 1).to_timestamp()
    return nxt + pd.Timedelta(days=day) - pd.Timedelta(seconds=1)


def _pairs(ds: Dataset, months: pd.PeriodIndex, hamlet, cadre) -> pd.DataFrame:
    """Assigned (month, cadre, group) pairs in scope, with the group's hamlet."""
    span = pd.period_range(months.min(), months.max(), freq="M")
    pairs = assigned_pairs(ds.assignments, span)
    pairs = pairs[pairs["month"].isin(months)]
    pairs = pairs.merge(ds.groups[["group_id", "hamlet_id"]], on="group_id", how="inner")
    if hamlet:
        pairs = pairs[pairs["hamlet_id"] == hamlet]
    if cadre:
        pairs = pairs[pairs["cadre_id"] == cadre]
    return pairs.reset_index(drop=True)


def _group_grid(ds: Dataset, months: pd.PeriodIndex, hamlet, cadre, pairs) -> pd.DataFrame:
    """One row per (month, group) in scope, with its cadre count."""
    groups = ds.groups
    if hamlet:
        groups = groups[groups["hamlet_id"] == hamlet]
    cols = ["group_id", "group_name", "hamlet_id", "households", "rating"]
    if cadre:
        grid = pairs[["month", "group_id"]].drop_duplicates()
        grid = grid.merge(groups[cols], on="group_id")
    else:
        grid = pd.merge(pd.DataFrame({"month": months}), groups[cols], how="cross")
    counts = (
        pairs.groupby(["month", "group_id"], observed=True)["cadre_id"]
        .nunique()
        .rename("cadres")
        .reset_index()
    )
    grid = grid.merge(counts, on=["month", "group_id"], how="left")
    grid["cadres"] = grid["cadres"].fillna(0).astype("int64")
    return grid


def _group_facts(ds: Dataset, months: pd.PeriodIndex) -> pd.DataFrame:
    """Per (month, group): met, households present, whether a cadre attended."""
    m = ds.latest_meetings
    m = m[m["month"].isin(months)]
    met = m["meeting_date"].notna()
    e = pd.DataFrame(
        {
            "month": m["month"],
            "group_id": m["group_id"],
            "met": met,
            "present": m["households_present"].where(met),
            "attended": m["cadre_attended"].fillna(False).astype(bool) & met,
            "submitted_at": m["submitted_at"],
        }
    ).sort_values(["met", "submitted_at"], na_position="first", kind="stable")
    facts = e.groupby(["month", "group_id"], observed=True).agg(
        met=("met", "any"), present=("present", "last"), attended=("attended", "any")
    )
    return facts.reset_index()


def group_month_panel(
    ds: Dataset, months: Months, *, hamlet: str | None = None, cadre: str | None = None
) -> pd.DataFrame:
    """The base of every group figure: (month, group) with cadres, met, present, attended."""
    months = as_months(months)
    pairs = _pairs(ds, months, hamlet, cadre)
    grid = _group_grid(ds, months, hamlet, cadre, pairs)
    panel = grid.merge(_group_facts(ds, months), on=["month", "group_id"], how="left")
    panel["met"] = panel["met"].fillna(False).astype(bool)
    panel["attended"] = panel["attended"].fillna(False).astype(bool)
    panel["present"] = panel["present"].astype("Float64").fillna(0).astype(float)
    panel["attendance"] = np.where(
        panel["met"], panel["present"] / panel["households"].astype(float), np.nan
    )
    return panel


def _hamlet_grid(ds: Dataset, months: pd.PeriodIndex, hamlet, cadre, pairs) -> pd.DataFrame:
    """Every hamlet in scope for every month, so a hamlet without groups still shows (as 0)."""
    hamlets = ds.hamlets[["hamlet_id", "hamlet_name"]]
    if hamlet:
        hamlets = hamlets[hamlets["hamlet_id"] == hamlet]
    if cadre:
        hamlets = hamlets[hamlets["hamlet_id"].isin(pairs["hamlet_id"])]
    return pd.merge(pd.DataFrame({"month": months}), hamlets, how="cross")


def coverage(
    ds: Dataset, months: Months, *, hamlet: str | None = None, cadre: str | None = None
) -> pd.DataFrame:
    """Per (month, hamlet): groups, groups with a cadre assigned, distinct cadres, coverage %."""
    months = as_months(months)
    pairs = _pairs(ds, months, hamlet, cadre)
    grid = _group_grid(ds, months, hamlet, cadre, pairs)
    by_hamlet = grid.groupby(["month", "hamlet_id"], observed=True).agg(
        groups=("group_id", "size"), groups_covered=("cadres", lambda c: int((c > 0).sum()))
    )
    cadres = pairs.groupby(["month", "hamlet_id"], observed=True)["cadre_id"].nunique()
    out = _hamlet_grid(ds, months, hamlet, cadre, pairs).merge(
        by_hamlet.join(cadres.rename("cadres")).reset_index(), on=["month", "hamlet_id"], how="left"
    )
    for col in ("groups", "groups_covered", "cadres"):
        out[col] = out[col].fillna(0).astype("int64")
    out["coverage_pct"] = pct(out["groups_covered"], out["groups"])
    return out[list(contract.DERIVED_HEADERS["coverage"])]


def attendance(
    ds: Dataset, months: Months, *, hamlet: str | None = None, cadre: str | None = None
) -> pd.DataFrame:
    """Per (month, hamlet): groups, groups that met, Σ households and Σ present of those, rate %."""
    months = as_months(months)
    panel = group_month_panel(ds, months, hamlet=hamlet, cadre=cadre)
    panel["households_met"] = panel["households"].where(panel["met"], 0)
    pairs = panel[panel["cadres"] > 0] if cadre else panel
    by_hamlet = panel.groupby(["month", "hamlet_id"], observed=True).agg(
        groups=("group_id", "size"),
        groups_met=("met", "sum"),
        households=("households_met", "sum"),
        households_present=("present", "sum"),
    )
    out = _hamlet_grid(ds, months, hamlet, cadre, pairs).merge(
        by_hamlet.reset_index(), on=["month", "hamlet_id"], how="left"
    )
    for col in ("groups", "groups_met", "households", "households_present"):
        out[col] = out[col].fillna(0).astype("int64")
    out["attendance_pct"] = pct(out["households_present"], out["households"])
    return out[list(contract.DERIVED_HEADERS["attendance"])]


def expected_reports(
    ds: Dataset,
    months: Months,
    *,
    hamlet: str | None = None,
    cadre: str | None = None,
    deadline_day: int = DEADLINE_DAY,
) -> pd.DataFrame:
    """One row per expected report (month, cadre, group), with received / on-time flags."""
    months = as_months(months)
    pairs = _pairs(ds, months, hamlet, cadre)
    keys = ["month", "cadre_id", "group_id"]
    history = ds.meetings[ds.meetings["month"].isin(months)]
    first = history.groupby(keys, observed=True).agg(
        first_submitted=("submitted_at", "min"), entries=("row", "size")
    )
    out = pairs.merge(first.reset_index(), on=keys, how="left")
    out["received"] = out["entries"].fillna(0).astype("int64") > 0
    # One deadline per month, not per row: a per-row call cost seconds at district scale.
    limits = {m: deadline(m, day=deadline_day) for m in out["month"].unique()}
    limit = out["month"].map(limits).astype("datetime64[ns]")
    out["on_time"] = out["received"] & ~(out["first_submitted"] > limit).fillna(False)
    return out.drop(columns="entries")


def completeness(
    ds: Dataset,
    months: Months,
    *,
    hamlet: str | None = None,
    cadre: str | None = None,
    deadline_day: int = DEADLINE_DAY,
) -> pd.DataFrame:
    """Per (month, cadre): groups followed, reports received, on time, completeness %."""
    reports = expected_reports(ds, months, hamlet=hamlet, cadre=cadre, deadline_day=deadline_day)
    out = (
        reports.groupby(["month", "cadre_id"], observed=True)
        .agg(
            expected=("group_id", "size"), received=("received", "sum"), on_time=("on_time", "sum")
        )
        .reset_index()
        .merge(ds.cadres[["cadre_id", "name"]], on="cadre_id", how="left")
    )
    out["completeness_pct"] = pct(out["received"], out["expected"])
    return out[list(contract.DERIVED_HEADERS["completeness"])].sort_values(
        ["month", "cadre_id"], ignore_index=True
    )


def cadre_load(
    ds: Dataset,
    month,
    *,
    hamlet: str | None = None,
    cadre: str | None = None,
    max_load: int = MAX_LOAD,
) -> pd.DataFrame:
    """Groups followed by each cadre in `month` (every cadre, 0 included), against the plan:
    `load` is "none", "too_many" (more than `max_load`, the office's setting) or "ok"."""
    month = as_month(month)
    pairs = _pairs(ds, pd.PeriodIndex([month]), hamlet, cadre)
    counts = pairs.groupby("cadre_id")["group_id"].nunique().rename("groups")
    cadres = ds.cadres
    if cadre:
        cadres = cadres[cadres["cadre_id"] == cadre]
    elif hamlet:
        cadres = cadres[cadres["cadre_id"].isin(pairs["cadre_id"])]
    out = cadres[["cadre_id", "name", "position", "kind"]].merge(
        counts.reset_index(), on="cadre_id", how="left"
    )
    out["groups"] = out["groups"].fillna(0).astype("int64")
    out["load"] = np.select(
        [out["groups"] == 0, out["groups"] > max_load], ["none", "too_many"], "ok"
    )
    return out.reset_index(drop=True)


def needs_attention(
    ds: Dataset, month, *, hamlet: str | None = None, cadre: str | None = None
) -> pd.DataFrame:
    """Groups that need attention in `month`, with their reasons, most reasons first."""
    month = as_month(month)
    # A group's history does not depend on who follows it now: the cadre filter only picks
    # the groups, so a group handed over in `month` still shows how it did in month - 1.
    panel = group_month_panel(ds, pd.PeriodIndex([month - 1, month]), hamlet=hamlet)
    now = panel[panel["month"] == month].set_index("group_id")
    if cadre:
        mine = _pairs(ds, pd.PeriodIndex([month]), hamlet, cadre)["group_id"]
        now = now[now.index.isin(mine)]
    before = panel[panel["month"] == month - 1].set_index("group_id").reindex(now.index)

    weak = now["rating"] == contract.RATING_WEAK
    low = (now["attendance"] < LOW_ATTENDANCE).fillna(False)
    # "No meeting in M and M-1" needs M-1 to be a month the sheet covers: before the first
    # entry there is no record either way, and the first month would flag every quiet group.
    covered_before = bool(len(ds.meetings)) and month - 1 >= ds.meetings["month"].min()
    idle = ~now["met"] & ~before["met"].fillna(False).astype(bool) & covered_before
    absent_now = now["met"] & ~now["attended"]
    absent_before = (before["met"] & ~before["attended"]).fillna(False).astype(bool)
    absent = absent_now & absent_before

    reasons = pd.DataFrame(
        {
            "weak": np.where(weak.fillna(False), texts.REASON_WEAK, ""),
            "low": [
                texts.REASON_LOW_ATTENDANCE.format(pct=vn_percent(float(pct(a, 1)))) if flag else ""
                for a, flag in zip(now["attendance"], low, strict=True)
            ],
            "idle": np.where(idle, texts.REASON_NO_MEETING, ""),
            "absent": np.where(absent, texts.REASON_CADRE_ABSENT, ""),
        },
        index=now.index,
    )
    count = (reasons != "").sum(axis=1)
    joined = pd.Series(
        [_sentence(x for x in r if x) for r in reasons.itertuples(index=False)],
        index=reasons.index,
        dtype=object,
    )
    out = now[["group_name", "hamlet_id", "attendance"]].assign(
        month=month, reasons=joined, reason_count=count
    )
    out = out[count > 0].reset_index()
    out = out.sort_values(
        ["reason_count", "attendance", "group_id"],
        ascending=[False, True, True],
        na_position="first",
    )
    cols = list(contract.DERIVED_HEADERS["attention"]) + ["reason_count", "attendance"]
    return out[cols].reset_index(drop=True)


def _sentence(reasons) -> str:
    """'xếp loại Yếu; không sinh hoạt 02 tháng liền' with its first letter in capitals."""
    text = texts.REASON_SEPARATOR.join(reasons)
    return text[:1].upper() + text[1:]


def overview(
    ds: Dataset,
    months: Months,
    *,
    hamlet: str | None = None,
    cadre: str | None = None,
    deadline_day: int = DEADLINE_DAY,
) -> pd.DataFrame:
    """Headline figures per month (one row per month), for the KPI cards and trend lines."""
    months = as_months(months)
    panel = group_month_panel(ds, months, hamlet=hamlet, cadre=cadre)
    panel["households_met"] = panel["households"].where(panel["met"], 0)
    g = panel.groupby("month").agg(
        groups=("group_id", "size"),
        groups_covered=("cadres", lambda c: int((c > 0).sum())),
        groups_met=("met", "sum"),
        households=("households_met", "sum"),
        households_present=("present", "sum"),
    )
    reports = expected_reports(ds, months, hamlet=hamlet, cadre=cadre, deadline_day=deadline_day)
    r = reports.groupby("month").agg(
        cadres=("cadre_id", "nunique"),
        expected=("group_id", "size"),
        received=("received", "sum"),
        on_time=("on_time", "sum"),
    )
    out = pd.DataFrame(index=pd.PeriodIndex(months, name="month")).join(g).join(r).fillna(0)
    out = out.astype("int64")
    out["average_load"] = np.where(
        out["cadres"] > 0,
        np.round(out["expected"] / out["cadres"].where(out["cadres"] > 0), 2),
        np.nan,
    )
    out["coverage_pct"] = pct(out["groups_covered"], out["groups"])
    out["meeting_pct"] = pct(out["groups_met"], out["groups"])
    out["attendance_pct"] = pct(out["households_present"], out["households"])
    out["completeness_pct"] = pct(out["received"], out["expected"])
    out["on_time_pct"] = pct(out["on_time"], out["expected"])
    return out.reset_index()

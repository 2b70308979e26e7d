"""The exportable tables, with the contract's Vietnamese headers, for CLI, pages and reports.

Raw tables come back in the sheet's own words (dates, `MM/YYYY` months, Có/Không, lists
joined by "; "); derived tables are the figures of `tothu_core.figures`, one row per key.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from tothu_core.figures import figures
from tothu_core.figures.figures import month_text
from tothu_core.sheet import contract
from tothu_core.sheet.assigned import assigned_pairs
from tothu_core.sheet.dataset import Dataset

YES, NO = "Có", "Không"

# File-name slugs (Vietnamese, without diacritics) for each table.
SLUGS = {
    "hamlets": "ap",
    "cadres": "can-bo",
    "groups": "to",
    "assignments": "phan-cong",
    "meetings": "sinh-hoat",
    "topics": "chu-de",
    "reminders": "nhac-nho",
    "coverage": "phu-to",
    "attendance": "tham-du",
    "completeness": "bao-cao",
    "attention": "can-quan-tam",
}
PERCENT_HEADERS = {
    contract.DERIVED_HEADERS["coverage"]["coverage_pct"],
    contract.DERIVED_HEADERS["attendance"]["attendance_pct"],
    contract.DERIVED_HEADERS["completeness"]["completeness_pct"],
}


@dataclass(frozen=True)
class Scope:
    """The filters a table is cut by; month None means "all months" for raw tables."""

    month: pd.Period | None = None
    hamlet: str | None = None
    cadre: str | None = None


def _scoped_groups(ds: Dataset, scope: Scope) -> pd.Series:
    groups = ds.groups
    if scope.hamlet:
        groups = groups[groups["hamlet_id"] == scope.hamlet]
    ids = groups["group_id"]
    if scope.cadre:
        months = pd.PeriodIndex([scope.month]) if scope.month is not None else ds.months()
        pairs = assigned_pairs(ds.assignments, months)
        ids = ids[ids.isin(pairs.loc[pairs["cadre_id"] == scope.cadre, "group_id"])]
    return ids


def _raw_frame(ds: Dataset, table: str, scope: Scope) -> pd.DataFrame:
    df = getattr(ds, table)
    if table == "hamlets" and scope.hamlet:
        df = df[df["hamlet_id"] == scope.hamlet]
    elif table == "cadres" and scope.cadre:
        df = df[df["cadre_id"] == scope.cadre]
    elif table == "groups" and (scope.hamlet or scope.cadre):
        df = df[df["group_id"].isin(_scoped_groups(ds, scope))]
    elif table == "assignments":
        if scope.hamlet or scope.cadre:
            df = df[df["group_id"].isin(_scoped_groups(ds, scope))]
        if scope.cadre:
            df = df[df["cadre_id"] == scope.cadre]
        if scope.month is not None:
            first = scope.month.to_timestamp()
            last = (scope.month + 1).to_timestamp() - pd.Timedelta(days=1)
            df = df[(df["start"] <= last) & ~(df["end"] < first)]
    elif table == "meetings":
        if scope.month is not None:
            df = df[df["month"] == scope.month]
        if scope.hamlet:
            df = df[df["group_id"].isin(_scoped_groups(ds, Scope(hamlet=scope.hamlet)))]
        if scope.cadre:
            df = df[df["cadre_id"] == scope.cadre]
    return df


def raw_table(ds: Dataset, table: str, scope: Scope = Scope()) -> pd.DataFrame:
    """A tab as the office would type it again: spec headers, sheet formats."""
    spec = contract.TABS[table]
    df = _raw_frame(ds, table, scope)
    out = {}
    for col in spec.columns:
        values = df[col.key]
        if col.kind == contract.MONTH:
            values = month_text(values)
        elif col.kind == contract.BOOL:
            values = values.map(lambda v: None if pd.isna(v) else (YES if v else NO))
        elif col.kind == contract.LIST:
            values = values.map(lambda v: "; ".join(v) if isinstance(v, tuple) else None)
        elif col.kind == contract.DATE:
            values = values.dt.date.where(values.notna(), None)
        elif col.kind == contract.DATETIME:
            values = values.dt.to_pydatetime() if len(values) else values
            values = pd.Series(values, index=df.index, dtype=object).where(
                df[col.key].notna(), None
            )
        out[col.header] = values
    return pd.DataFrame(out).reset_index(drop=True)


def derived_table(ds: Dataset, table: str, scope: Scope) -> pd.DataFrame:
    """coverage / attendance / completeness / attention for one month, spec headers."""
    month = scope.month if scope.month is not None else ds.latest_month()
    kwargs = {"hamlet": scope.hamlet, "cadre": scope.cadre}
    if month is None:
        return pd.DataFrame(columns=list(contract.DERIVED_HEADERS[table].values()))
    frame = {
        "coverage": lambda: figures.coverage(ds, month, **kwargs),
        "attendance": lambda: figures.attendance(ds, month, **kwargs),
        "completeness": lambda: figures.completeness(ds, month, **kwargs),
        "attention": lambda: figures.needs_attention(ds, month, **kwargs),
    }[table]()
    headers = contract.DERIVED_HEADERS[table]
    frame = frame[list(headers)].assign(month=month_text(frame["month"]))
    return frame.rename(columns=headers).reset_index(drop=True)


def export_table(ds: Dataset, table: str, scope: Scope = Scope()) -> pd.DataFrame:
    if table in contract.RAW_TABLES:
        return raw_table(ds, table, scope)
    if table in contract.DERIVED_TABLES:
        return derived_table(ds, table, scope)
    raise KeyError(table)


def date_headers(table: str) -> tuple[list[str], list[str]]:
    """(date headers, date-time headers) of a raw table, for real date cells in Excel."""
    if table not in contract.TABS:
        return [], []
    cols = contract.TABS[table].columns
    return (
        [c.header for c in cols if c.kind == contract.DATE],
        [c.header for c in cols if c.kind == contract.DATETIME],
    )

"""The validated snapshot of the office's spreadsheet that every page and export reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    """One thing wrong in the sheet, located so a clerk can go straight to the cell."""

    severity: str
    tab: str
    row: int | None
    column: str | None
    value: str | None
    message: str

    def as_dict(self) -> dict:
        return {
            "severity": self.severity,
            "tab": self.tab,
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "message": self.message,
        }


@dataclass(frozen=True)
class TabLayout:
    """Where a tab's columns sit in the sheet, so an appended row lands under the right headers."""

    title: str
    header_row: int
    columns: dict[str, int]
    width: int


@dataclass
class Dataset:
    """Typed frames (English column names, one row per valid sheet row) plus the problems found.

    `meetings` keeps every valid entry, corrections included (the history);
    `latest_meetings` keeps only the entry that counts for each (month, group, cadre).
    Every frame has a `row` column: the sheet's own row number.
    """

    hamlets: pd.DataFrame
    cadres: pd.DataFrame
    groups: pd.DataFrame
    assignments: pd.DataFrame
    meetings: pd.DataFrame
    topics: pd.DataFrame
    #: the optional `Nhắc nhở` tab (empty without it): reminders of missing reports
    reminders: pd.DataFrame = field(default_factory=pd.DataFrame)
    problems: list[Problem] = field(default_factory=list)
    layouts: dict[str, TabLayout] = field(default_factory=dict)
    source_label: str = ""
    source_url: str | None = None
    read_at: datetime | None = None
    _latest: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == WARNING]

    @property
    def latest_meetings(self) -> pd.DataFrame:
        """One entry per (month, group, cadre): the one with the latest `Thời điểm nhập`.

        Entries without a submission time rank before timed ones; among equals the lower
        row wins, as a clerk reading top to bottom would expect.
        """
        if self._latest is None:
            m = self.meetings
            order = m.sort_values(["submitted_at", "row"], na_position="first", kind="stable")
            self._latest = order.drop_duplicates(
                ["month", "group_id", "cadre_id"], keep="last"
            ).sort_index()
        return self._latest

    def problems_frame(self) -> pd.DataFrame:
        cols = ["severity", "tab", "row", "column", "value", "message"]
        return pd.DataFrame([p.as_dict() for p in self.problems], columns=cols)

    def months(self) -> pd.PeriodIndex:
        """The months the figures span: first to last month with entries.

        Without any entry yet, from the first assignment to the last one's start, so a
        new sheet still shows its coverage.
        """
        if len(self.meetings):
            first, last = self.meetings["month"].min(), self.meetings["month"].max()
        elif len(self.assignments):
            starts = self.assignments["start"].dt.to_period("M")
            first, last = starts.min(), starts.max()
        else:
            return pd.PeriodIndex([], freq="M")
        return pd.period_range(first, last, freq="M")

    def latest_month(self) -> pd.Period | None:
        """The latest month that has entries: the default month everywhere."""
        if len(self.meetings):
            return self.meetings["month"].max()
        months = self.months()
        return months[-1] if len(months) else None

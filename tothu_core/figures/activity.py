"""What the activity pages show beyond the contract's figures: who met, heard what, reported what.

Everything is built on `figures` (group_month_panel, attendance, expected_reports,
completeness), so a number here always agrees with the overview and the exports.

Decisions where the contract is silent (kept consistent on every page):
- a topic "reaches" a group in M when the group's counting entry for M has a meeting and
  lists the topic, so a reach never exceeds the groups that met; topics typed differently
  only in case, spaces or diacritics are one topic, spelt as in the `Chủ đề` tab when it
  lists it, else as most entries spell it;
- the cadre filter on entry listings keeps the entries that cadre reported (as the exports
  do), while figures keep the groups assigned to that cadre;
- missing reports are one row per cadre with the groups joined: the clerk calls a person;
- a cadre's history is every entry they typed, corrections included, numbered in the order
  `Dataset.latest_meetings` uses, so the last one is the one that counts.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import numpy as np
import pandas as pd

from tothu_core.figures import figures
from tothu_core.figures.figures import month_text
from tothu_core.sheet import contract
from tothu_core.sheet.dataset import ERROR, WARNING, Dataset, Problem
from tothu_core.textnorm import fold, loose_key
from tothu_core.vietnamese import search_mask, sort_by_name

YES, NO = "Có", "Không"
SEVERITY_LABELS = {ERROR: "Lỗi", WARNING: "Cảnh báo"}
ENTRY_KEYS = ["month", "group_id", "cadre_id"]

# English column key -> the Vietnamese header a page shows and exports.
HEADERS = {
    "month": "Tháng",
    "hamlet_id": "Mã ấp",
    "hamlet_name": "Tên ấp",
    "group_id": "Mã tổ",
    "group_name": "Tên tổ",
    "cadre_id": "Mã cán bộ",
    "name": "Họ và tên",
    "position": "Chức vụ",
    "phone": "Điện thoại",
    "groups": "Số tổ",
    "groups_met": "Số tổ sinh hoạt",
    "meeting_pct": "Tỷ lệ tổ sinh hoạt (%)",
    "households": "Số hộ",
    "households_present": "Số hộ dự",
    "attendance_pct": "Tỷ lệ dự (%)",
    "cadre_present": "Số buổi sinh hoạt có cán bộ dự",
    "cadre_presence_pct": "Tỷ lệ cán bộ dự (%)",
    "topic": "Chủ đề",
    "groups_reached": "Số tổ được tuyên truyền",
    "reach_pct": "Tỷ lệ tổ được tuyên truyền (%)",
    "expected": "Số báo cáo phải nộp",
    "received": "Đã nộp",
    "on_time": "Đúng hạn",
    "late": "Nộp trễ",
    "missing": "Chưa nộp",
    "completeness_pct": "Tỷ lệ đã nộp (%)",
    "on_time_pct": "Tỷ lệ đúng hạn (%)",
    "missing_groups": "Các tổ chưa có báo cáo",
    "meeting_date": "Ngày sinh hoạt",
    "cadre_attended": "Cán bộ dự",
    "topics": "Nội dung tuyên truyền",
    "situation": "Tình hình",
    "proposals": "Kiến nghị",
    "submitted_at": "Thời điểm nhập",
    "versions": "Số lần nhập",
    "version": "Lần nhập",
    "counts": "Bản được tính",
    "severity": "Mức",
    "tab": "Trang",
    "row": "Dòng",
    "column": "Cột",
    "value": "Giá trị",
    "message": "Nội dung",
    "errors": "Số lỗi",
    "warnings": "Số cảnh báo",
}


def for_display(frame: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    """Only `columns`, under their Vietnamese headers: months as MM/YYYY, yes/no as Có/Không."""
    columns = list(columns)
    out = frame[columns].copy()
    for col in columns:
        values = out[col]
        if isinstance(values.dtype, pd.PeriodDtype):
            out[col] = month_text(values)
        elif pd.api.types.is_bool_dtype(values.dtype):
            out[col] = values.map(lambda v: None if pd.isna(v) else (YES if v else NO))
    return out.rename(columns=HEADERS).reset_index(drop=True)


def shorten(text: str, width: int = 32) -> str:
    """A chart label that fits a phone: cut at a word, with an ellipsis."""
    text = str(text)
    if len(text) <= width:
        return text
    cut = text[: width - 1].rsplit(" ", 1)[0] or text[: width - 1]
    return cut.rstrip(" ,;:") + "…"


def short_hamlet_name(name: str) -> str:
    """'Ấp Mỹ An' -> 'Mỹ An' for chart axes that are only about hamlets."""
    first, _, rest = str(name).partition(" ")
    return rest.strip() if fold(first) == "ap" and rest.strip() else str(name)


def short_labels(texts: Iterable[str], width: int = 32) -> list[str]:
    """`shorten` each text, numbering any that would then read the same, so no label hides
    another on a chart axis."""
    short = [shorten(t, width) for t in texts]
    seen: dict[str, int] = {}
    out = []
    for label in short:
        seen[label] = seen.get(label, 0) + 1
        out.append(label if short.count(label) == 1 else f"{label} ({seen[label]})")
    return out


# --- meetings and attendance ----------------------------------------------------------------


def hamlet_activity(
    ds: Dataset, months: figures.Months, *, hamlet: str | None = None, cadre: str | None = None
) -> pd.DataFrame:
    """Per (month, hamlet): the attendance table plus the meeting rate and the cadre's presence.

    Cadre presence = meetings whose counting entry says a cadre attended / groups that met.
    """
    months = figures.as_months(months)
    base = figures.attendance(ds, months, hamlet=hamlet, cadre=cadre)
    panel = figures.group_month_panel(ds, months, hamlet=hamlet, cadre=cadre)
    present = (
        panel.groupby(["month", "hamlet_id"], observed=True)["attended"]
        .sum()
        .rename("cadre_present")
        .reset_index()
    )
    out = base.merge(present, on=["month", "hamlet_id"], how="left")
    out["cadre_present"] = out["cadre_present"].fillna(0).astype("int64")
    return _activity_rates(out)


def _activity_rates(frame: pd.DataFrame) -> pd.DataFrame:
    frame["meeting_pct"] = figures.pct(frame["groups_met"], frame["groups"])
    frame["attendance_pct"] = figures.pct(frame["households_present"], frame["households"])
    frame["cadre_presence_pct"] = figures.pct(frame["cadre_present"], frame["groups_met"])
    return frame


def activity_by_month(by_hamlet: pd.DataFrame) -> pd.DataFrame:
    """The hamlet rows of `hamlet_activity` summed per month (the commune, or the scope)."""
    counts = ["groups", "groups_met", "households", "households_present", "cadre_present"]
    out = by_hamlet.groupby("month", observed=True)[counts].sum().reset_index()
    return _activity_rates(out)


def month_and_change(by_month: pd.DataFrame, month, column: str) -> tuple[float, float]:
    """(value in `month`, change in points since the month before) of a per-month rate;
    NaN where either month has no value, so no change is claimed out of nothing."""
    month = figures.as_month(month)
    rates = by_month.set_index("month")[column]
    now = float(rates.get(month, np.nan))
    before = float(rates.get(month - 1, np.nan))
    return now, round(now - before, 1)


def group_attendance_matrix(
    ds: Dataset, months: figures.Months, *, hamlet: str | None = None, cadre: str | None = None
) -> pd.DataFrame:
    """Attendance % of each group (rows, sheet order) in each month (columns, MM/YYYY).

    Blank where the group did not meet. A group name shared by two groups in scope gets
    its Mã tổ added, so no row hides another.
    """
    months = figures.as_months(months)
    panel = figures.group_month_panel(ds, months, hamlet=hamlet, cadre=cadre)
    if panel.empty:
        return pd.DataFrame()
    panel["attendance_pct"] = np.where(
        panel["met"], figures.pct(panel["present"], panel["households"]), np.nan
    )
    wide = panel.pivot(index="group_id", columns="month", values="attendance_pct")
    groups = ds.groups[ds.groups["group_id"].isin(wide.index)]
    names = groups["group_name"]
    shared = names.duplicated(keep=False)
    labels = names.where(~shared, names + " (" + groups["group_id"] + ")")
    wide = wide.reindex(groups["group_id"])
    wide.index = pd.Index(labels.to_list(), name="group")
    wide.columns = pd.Index(month_text(pd.Series(wide.columns)).to_list(), name="month")
    return wide


# --- propaganda topics ----------------------------------------------------------------------

_REACH_COLUMNS = ["topic", "hamlet_id", "hamlet_name", "groups_met", "groups_reached", "reach_pct"]


def _topic_spelling(ds: Dataset, told: pd.DataFrame) -> pd.Series:
    """Folded topic -> how to write it: the Chủ đề tab's spelling, else the most common one."""
    common = told.groupby("key")["topic"].agg(lambda s: s.value_counts(sort=True).index[0])
    listed: dict[str, str] = {}
    for topic in ds.topics["topic"].dropna():
        listed.setdefault(fold(topic), topic)
    return pd.Series(listed, dtype="str").reindex(common.index).fillna(common)


def topic_reach(
    ds: Dataset, month, *, hamlet: str | None = None, cadre: str | None = None
) -> pd.DataFrame:
    """Per (topic, hamlet) in `month`: groups that met, groups the topic reached, reach %.

    The topics are those of the whole commune's meetings that month, so a hamlet sees what
    it missed (0 reached) and a topic keeps one spelling whatever the filter. Every topic
    gets a row for every hamlet in scope; most-reached topics first, hamlets in sheet order.
    """
    month = figures.as_month(month)
    m = ds.latest_meetings
    m = m[(m["month"] == month) & m["meeting_date"].notna()]
    told = m[["group_id", "topics"]].explode("topics").dropna(subset=["topics"])
    told = told.rename(columns={"topics": "topic"})
    if told.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in _REACH_COLUMNS})
    told["key"] = told["topic"].map(fold)
    spelling = _topic_spelling(ds, told)

    hamlets = figures.attendance(ds, month, hamlet=hamlet, cadre=cadre)[
        ["hamlet_id", "hamlet_name", "groups_met"]
    ]
    panel = figures.group_month_panel(ds, month, hamlet=hamlet, cadre=cadre)
    met = panel.loc[panel["met"], ["group_id", "hamlet_id"]]
    reached = told.drop_duplicates(["key", "group_id"]).merge(met, on="group_id")
    counts = reached.groupby(["key", "hamlet_id"]).size().rename("groups_reached").reset_index()
    totals = counts.groupby("key")["groups_reached"].sum().reindex(spelling.index, fill_value=0)
    keys = pd.DataFrame({"key": totals.index, "total": totals.to_numpy()})
    keys = keys.sort_values(["total", "key"], ascending=[False, True], kind="stable")

    out = keys[["key"]].merge(hamlets, how="cross")
    out = out.merge(counts, on=["key", "hamlet_id"], how="left")
    out["groups_reached"] = out["groups_reached"].fillna(0).astype("int64")
    out["reach_pct"] = figures.pct(out["groups_reached"], out["groups_met"])
    out["topic"] = out["key"].map(spelling)
    return out[_REACH_COLUMNS].reset_index(drop=True)


def topic_totals(reach: pd.DataFrame) -> pd.DataFrame:
    """The rows of `topic_reach` summed over hamlets: the whole scope per topic, same order."""
    out = reach.groupby("topic", sort=False)[["groups_met", "groups_reached"]].sum().reset_index()
    out["reach_pct"] = figures.pct(out["groups_reached"], out["groups_met"])
    return out


# --- monthly reports ------------------------------------------------------------------------


def reports_by_hamlet(
    ds: Dataset,
    month,
    *,
    hamlet: str | None = None,
    cadre: str | None = None,
    deadline_day: int = figures.DEADLINE_DAY,
) -> pd.DataFrame:
    """Per hamlet in `month`: reports expected, received, on time, missing, and their rates."""
    month = figures.as_month(month)
    reports = figures.expected_reports(
        ds, month, hamlet=hamlet, cadre=cadre, deadline_day=deadline_day
    )
    hamlets = ds.hamlets[["hamlet_id", "hamlet_name"]]
    if hamlet:
        hamlets = hamlets[hamlets["hamlet_id"] == hamlet]
    if cadre:
        hamlets = hamlets[hamlets["hamlet_id"].isin(reports["hamlet_id"])]
    per_hamlet = reports.groupby("hamlet_id").agg(
        expected=("group_id", "size"), received=("received", "sum"), on_time=("on_time", "sum")
    )
    out = hamlets.merge(per_hamlet.reset_index(), on="hamlet_id", how="left")
    for col in ("expected", "received", "on_time"):
        out[col] = out[col].fillna(0).astype("int64")
    out.insert(0, "month", pd.PeriodIndex([month] * len(out), freq="M"))
    return _report_rates(out).reset_index(drop=True)


def _report_rates(frame: pd.DataFrame) -> pd.DataFrame:
    frame["late"] = frame["received"] - frame["on_time"]
    frame["missing"] = frame["expected"] - frame["received"]
    frame["completeness_pct"] = figures.pct(frame["received"], frame["expected"])
    frame["on_time_pct"] = figures.pct(frame["on_time"], frame["expected"])
    return frame


def report_totals(by_hamlet: pd.DataFrame) -> pd.Series:
    """The rows of `reports_by_hamlet` summed: the month's counts and rates for the scope."""
    counts = ["expected", "received", "on_time"]
    totals = by_hamlet[counts].sum().astype("int64").to_frame().T
    return _report_rates(totals).iloc[0]


def deadline_passed(month, *, now: datetime, deadline_day: int = figures.DEADLINE_DAY) -> bool:
    """Whether reports for `month` are already late at `now` (so a missing one is overdue)."""
    return pd.Timestamp(now) > figures.deadline(figures.as_month(month), day=deadline_day)


def reports_by_cadre(
    ds: Dataset,
    month,
    *,
    hamlet: str | None = None,
    cadre: str | None = None,
    deadline_day: int = figures.DEADLINE_DAY,
) -> pd.DataFrame:
    """figures.completeness for `month` with phone, missing and on-time %, in name order."""
    out = figures.completeness(ds, month, hamlet=hamlet, cadre=cadre, deadline_day=deadline_day)
    out = out.merge(ds.cadres[["cadre_id", "phone"]], on="cadre_id", how="left")
    return sort_by_name(_report_rates(out), "name").reset_index(drop=True)


def missing_reports(
    ds: Dataset, month, *, hamlet: str | None = None, cadre: str | None = None
) -> pd.DataFrame:
    """Who still owes a report for `month`: one row per cadre, their groups joined, name order."""
    month = figures.as_month(month)
    reports = figures.expected_reports(ds, month, hamlet=hamlet, cadre=cadre)
    owed = reports.loc[~reports["received"], ["cadre_id", "group_id"]]
    columns = ["cadre_id", "name", "position", "phone", "missing", "missing_groups"]
    if owed.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    groups = ds.groups[["group_id", "group_name", "hamlet_id"]].merge(
        ds.hamlets[["hamlet_id", "hamlet_name"]], on="hamlet_id", how="left"
    )
    groups["label"] = groups["group_name"] + " – " + groups["hamlet_name"]
    groups["order"] = ds.groups["row"].to_numpy()
    owed = owed.merge(groups[["group_id", "label", "order"]], on="group_id").sort_values(
        ["cadre_id", "order"]
    )
    per_cadre = owed.groupby("cadre_id").agg(
        missing=("group_id", "size"), missing_groups=("label", "; ".join)
    )
    out = ds.cadres[["cadre_id", "name", "position", "phone"]].merge(
        per_cadre.reset_index(), on="cadre_id"
    )
    return sort_by_name(out[columns], "name").reset_index(drop=True)


def _entry_details(ds: Dataset, entries: pd.DataFrame) -> pd.DataFrame:
    """Entries with their group, hamlet, cadre name, attendance % and topics as text."""
    groups = ds.groups[["group_id", "group_name", "hamlet_id", "households"]]
    out = (
        entries.merge(groups, on="group_id", how="left")
        .merge(ds.hamlets[["hamlet_id", "hamlet_name"]], on="hamlet_id", how="left")
        .merge(ds.cadres[["cadre_id", "name"]], on="cadre_id", how="left")
    )
    met = out["meeting_date"].notna().to_numpy()
    present = out["households_present"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    rate = figures.pct(present, out["households"].astype(float).to_numpy())
    out["attendance_pct"] = np.where(met, rate, np.nan)
    out["topics"] = out["topics"].map(lambda t: "; ".join(t) if isinstance(t, tuple) else "")
    return out


def month_entries(
    ds: Dataset,
    month,
    *,
    hamlet: str | None = None,
    cadre: str | None = None,
    deadline_day: int = figures.DEADLINE_DAY,
) -> pd.DataFrame:
    """The counting entries of `month`, with how often each was typed and whether on time."""
    month = figures.as_month(month)
    latest = ds.latest_meetings
    latest = latest[latest["month"] == month]
    if hamlet:
        in_hamlet = ds.groups.loc[ds.groups["hamlet_id"] == hamlet, "group_id"]
        latest = latest[latest["group_id"].isin(in_hamlet)]
    if cadre:
        latest = latest[latest["cadre_id"] == cadre]
    history = ds.meetings[ds.meetings["month"] == month]
    stats = history.groupby(ENTRY_KEYS, observed=True).agg(
        first_submitted=("submitted_at", "min"), versions=("row", "size")
    )
    out = _entry_details(ds, latest.merge(stats.reset_index(), on=ENTRY_KEYS, how="left"))
    limit = figures.deadline(month, day=deadline_day)
    out["on_time"] = ~(out["first_submitted"] > limit).fillna(False).astype(bool)
    out = out.drop(columns="first_submitted")
    return out.sort_values(["hamlet_id", "group_id", "cadre_id"], ignore_index=True)


_SEARCHED = ["group_id", "group_name", "hamlet_name", "cadre_id", "name", "topics", "situation",
             "proposals"]  # fmt: skip


def search_entries(entries: pd.DataFrame, query: str) -> pd.DataFrame:
    """Entries whose group, hamlet, cadre, topics, situation or proposals hold every word of
    `query`, ignoring case and diacritics ('nuoc ngot' finds 'nước ngọt')."""
    if entries.empty or not fold(query or ""):
        return entries
    text = entries[_SEARCHED].fillna("").astype(str).agg(" ".join, axis=1)
    return entries[search_mask(text, query).to_numpy()]


# --- a cadre's own history ------------------------------------------------------------------


def cadre_history(ds: Dataset, cadre_id: str) -> pd.DataFrame:
    """Every entry `cadre_id` typed, corrections included, newest month first.

    `version` numbers the entries of one (month, group) in the order the counting rule uses;
    `counts` marks the one that counts. Only this cadre's rows ever come back.
    """
    mine = ds.meetings[ds.meetings["cadre_id"] == cadre_id]
    mine = mine.sort_values(["submitted_at", "row"], na_position="first", kind="stable")
    mine = mine.assign(
        version=mine.groupby(ENTRY_KEYS, observed=True).cumcount() + 1,
        versions=mine.groupby(ENTRY_KEYS, observed=True)["row"].transform("size"),
        counts=mine["row"].isin(ds.latest_meetings["row"]),
    )
    out = _entry_details(ds, mine)
    return out.sort_values(
        ["month", "group_id", "version"], ascending=[False, True, False], ignore_index=True
    )


def cadre_months(
    ds: Dataset, cadre_id: str, *, deadline_day: int = figures.DEADLINE_DAY
) -> pd.DataFrame:
    """The cadre's completeness in every month of the data they were assigned, newest first."""
    months = ds.months()
    columns = [*contract.DERIVED_HEADERS["completeness"], "missing", "on_time_pct"]
    if not len(months):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    out = figures.completeness(ds, months, cadre=cadre_id, deadline_day=deadline_day)
    out = _report_rates(out)
    return out[columns].sort_values("month", ascending=False, ignore_index=True)


# --- problems found by the read ---------------------------------------------------------------

_TAB_ORDER = {
    loose_key(name): rank
    for rank, spec in enumerate(contract.TABS.values())
    for name in (spec.name, *spec.aliases)
}
_PROBLEM_COLUMNS = ["severity", "tab", "row", "column", "value", "message"]


def problem_tabs(problems: list[Problem]) -> pd.DataFrame:
    """Per tab: errors and warnings; tabs with errors first, then in the contract's order."""
    frame = pd.DataFrame([p.as_dict() for p in problems], columns=_PROBLEM_COLUMNS)
    if frame.empty:
        return pd.DataFrame({"tab": [], "errors": [], "warnings": []}).astype(
            {"tab": object, "errors": "int64", "warnings": "int64"}
        )
    frame["error"] = frame["severity"] == ERROR
    out = frame.groupby("tab", sort=False).agg(
        errors=("error", "sum"), warnings=("error", lambda e: int((~e).sum()))
    )
    out = out.reset_index()
    out["rank"] = out["tab"].map(lambda t: _TAB_ORDER.get(loose_key(t), len(_TAB_ORDER)))
    out["clean"] = out["errors"] == 0
    out = out.sort_values(["clean", "rank", "tab"], kind="stable")
    return out[["tab", "errors", "warnings"]].astype({"errors": "int64", "warnings": "int64"})


def problem_rows(problems: list[Problem], *, severity: str | None = None) -> pd.DataFrame:
    """Every problem (or only errors / warnings), tab by tab as `problem_tabs` orders them,
    errors before warnings, then by the sheet's row (whole-tab problems first)."""
    frame = pd.DataFrame([p.as_dict() for p in problems], columns=_PROBLEM_COLUMNS)
    frame["row"] = frame["row"].astype("Int64")
    if severity:
        frame = frame[frame["severity"] == severity]
    order = {tab: rank for rank, tab in enumerate(problem_tabs(problems)["tab"])}
    frame = frame.assign(
        tab_rank=frame["tab"].map(order), warning=frame["severity"] != ERROR
    ).sort_values(["tab_rank", "warning", "row"], na_position="first", kind="stable")
    frame["severity"] = frame["severity"].map(SEVERITY_LABELS)
    return frame[_PROBLEM_COLUMNS].reset_index(drop=True)

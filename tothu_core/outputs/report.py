"""The committee's report on the groups (month, quarter, six months, year) as data, before layout.

Every number comes from `figures` and `activity`, so the report says what the pages and the
exports say. The sentences live here too (not in the Word writer) so the page can preview
exactly the wording that goes into the document; the narrative sections the office rewrites
(situation, strengths, shortcomings, tasks) are drafted in `narrative`.

Decisions where the contract is silent:
- the report is always for the whole commune: it is the committee's report, whatever
  hamlet or cadre a page happens to be filtered on;
- a quarter, six months or a year adds its months up: meetings are counted as "lượt" (one
  group meeting once in one month), attendance is Σ households present / Σ households of the
  meetings held, reports are Σ received / Σ expected; coverage, cadres, load and the groups
  needing attention are those of the period's last month (the state the committee acts on);
- a period whose last month still takes reports (its deadline has not passed) is provisional:
  the page and the document say so;
- "cadres who have not reported" are counted as of the report's date, so a report written
  before the deadline says the missing ones are still within time;
- the groups needing attention, the notes, the proposals and the hamlet table follow the
  sheet's order of hamlets and groups, the order the office reads its own lists in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

import pandas as pd

from tothu_core.clock import office_now
from tothu_core.figures import activity, figures
from tothu_core.figures.numbers import vn_decimal, vn_int, vn_percent
from tothu_core.outputs.exportfile import export_filename
from tothu_core.settings import Settings
from tothu_core.sheet import contract
from tothu_core.sheet.assigned import assigned_pairs
from tothu_core.sheet.dataset import Dataset
from tothu_core.textnorm import fold
from tothu_core.vietnamese import sort_by_name

PLACEHOLDER = "……"
FILE_SLUG = "bao-cao-to-tu-quan"
# The title used on the page, in the file and in the Word document's properties.
TITLE = "Báo cáo kết quả theo dõi, hỗ trợ tổ nhân dân tự quản"
SUBJECT = "Kết quả theo dõi, hỗ trợ tổ nhân dân tự quản"
# A number not given yet: the clerk of the office writes it in by hand when registering
# the document, so the line keeps room for it instead of a made-up number.
NUMBER_ROOM = "\u00a0" * 6

MONTH, QUARTER, HALF, YEAR = "month", "quarter", "half", "year"
PERIOD_KINDS = (MONTH, QUARTER, HALF, YEAR)
PERIOD_NAMES = {MONTH: "Tháng", QUARTER: "Quý", HALF: "6 tháng", YEAR: "Năm"}
ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
_ROMAN_VALUES = {v: k for k, v in ROMAN.items()}
_PERIOD_TEXT = re.compile(r"^\s*([0-9]{1,2}|I{1,3}|IV)\s*[/-]\s*([0-9]{4})\s*$", re.IGNORECASE)


# --- periods ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A month, a quarter, a half-year or a year the report covers."""

    kind: str
    year: int
    number: int = 1
    #: the last month with data, when the period has not ended yet (its figures stop there)
    until: pd.Period | None = None
    #: the first month with data, when the sheet starts inside the period
    since: pd.Period | None = None

    @classmethod
    def of_month(cls, month) -> Period:
        month = figures.as_month(month)
        return cls(MONTH, month.year, month.month)

    @classmethod
    def containing(cls, kind: str, month) -> Period:
        """The period of `kind` that `month` falls in."""
        month = figures.as_month(month)
        number = {
            MONTH: month.month,
            QUARTER: (month.month - 1) // 3 + 1,
            HALF: (month.month - 1) // 6 + 1,
            YEAR: 1,
        }[kind]
        return cls(kind, month.year, number)

    @property
    def all_months(self) -> pd.PeriodIndex:
        size = {MONTH: 1, QUARTER: 3, HALF: 6, YEAR: 12}[self.kind]
        first = pd.Period(year=self.year, month=(self.number - 1) * size + 1, freq="M")
        return pd.period_range(first, periods=size, freq="M")

    @property
    def months(self) -> pd.PeriodIndex:
        """The months the figures cover: all of them, or up to `until`."""
        months = self.all_months
        if self.until is not None:
            months = months[months <= self.until]
        if self.since is not None:
            months = months[months >= self.since]
        return months

    @property
    def complete(self) -> bool:
        return self.until is None or self.until >= self.all_months[-1]

    def covered_by(self, ds: Dataset) -> Period:
        """This period cut to the months the data covers: a year in progress stops at the
        data's last month, and a sheet begun inside the period counts from its first month."""
        data = ds.months()
        months = self.all_months
        if self.kind == MONTH or not len(data) or not set(months) & set(data):
            return self
        until = data[-1] if data[-1] < months[-1] else None
        since = data[0] if data[0] > months[0] else None
        return Period(self.kind, self.year, self.number, until=until, since=since)

    @property
    def first(self) -> pd.Period:
        return self.months[0]

    @property
    def last(self) -> pd.Period:
        return self.months[-1]

    @property
    def is_month(self) -> bool:
        return self.kind == MONTH

    @property
    def label(self) -> str:
        """As the title says it: 'tháng 11 năm 2026', 'quý IV năm 2026', '6 tháng đầu năm 2026'."""
        if self.kind == MONTH:
            return f"tháng {self.number} năm {self.year}"
        if self.kind == QUARTER:
            return f"quý {ROMAN[self.number]} năm {self.year}"
        if self.kind == HALF:
            return f"6 tháng {'đầu' if self.number == 1 else 'cuối'} năm {self.year}"
        return f"năm {self.year}"

    @property
    def short(self) -> str:
        """For lists and comparisons: '11/2026', 'quý III/2026', '6 tháng đầu năm 2026'."""
        if self.kind == MONTH:
            return self.first.strftime(contract.MONTH_FORMAT)
        if self.kind == QUARTER:
            return f"quý {ROMAN[self.number]}/{self.year}"
        return self.label

    @property
    def option(self) -> str:
        """For the page's choice of period: 'Tháng 11/2026', 'Quý IV/2026', 'Năm 2026'."""
        text = self.short if self.kind != MONTH else f"tháng {self.short}"
        return text[:1].upper() + text[1:]

    @property
    def noun(self) -> str:
        """'Trong tháng', 'trong quý', 'trong 6 tháng', 'trong năm'."""
        return {MONTH: "tháng", QUARTER: "quý", HALF: "6 tháng", YEAR: "năm"}[self.kind]

    @property
    def next_label(self) -> str:
        """The period the tasks are for: 'tháng tới', 'quý tới', '6 tháng cuối năm', 'năm 2027'."""
        if self.kind == MONTH:
            return "tháng tới"
        if self.kind == QUARTER:
            return "quý tới"
        if self.kind == HALF and self.number == 1:
            return "6 tháng cuối năm"
        return f"năm {self.year + 1}"

    @property
    def slug(self) -> str:
        """For file names: '11-2026', 'quy-4-2026', '6-thang-dau-2026', 'nam-2026'."""
        if self.kind == MONTH:
            return f"{self.number:02d}-{self.year}"
        if self.kind == QUARTER:
            return f"quy-{self.number}-{self.year}"
        if self.kind == HALF:
            return f"6-thang-{'dau' if self.number == 1 else 'cuoi'}-{self.year}"
        return f"nam-{self.year}"

    def previous(self) -> Period:
        """The period before (whole, even when this one is cut at `until`)."""
        count = {MONTH: 12, QUARTER: 4, HALF: 2, YEAR: 1}[self.kind]
        if self.number > 1:
            return Period(self.kind, self.year, self.number - 1)
        return Period(self.kind, self.year - 1, count)


def parse_period(kind: str, text: str) -> Period:
    """'11/2026' (month), '4/2026' or 'IV/2026' (quarter), '2/2026' (half), '2026' (year)."""
    text = str(text).strip()
    if kind == MONTH:
        return Period.of_month(text)
    if kind == YEAR:
        if not re.fullmatch(r"[0-9]{4}", text):
            raise ValueError(f"Năm «{text}» không hợp lệ, hãy ghi bốn chữ số, ví dụ 2026.")
        return Period(YEAR, int(text), 1)
    found = _PERIOD_TEXT.match(text)
    count = 4 if kind == QUARTER else 2
    number = None
    if found:
        head = found.group(1).upper()
        number = _ROMAN_VALUES.get(head) if not head.isdigit() else int(head)
    if number is None or not 1 <= number <= count:
        example = "4/2026 (hoặc IV/2026)" if kind == QUARTER else "1/2026 hoặc 2/2026"
        what = "Quý" if kind == QUARTER else "Kỳ 6 tháng"
        raise ValueError(f"{what} «{text}» không hợp lệ, hãy ghi dạng {example}.")
    return Period(kind, int(found.group(2)), number)


def periods_in(ds: Dataset, kind: str) -> list[Period]:
    """Every period of `kind` that the data's months touch, newest first."""
    seen = []
    for month in reversed(ds.months()):
        period = Period.containing(kind, month)
        if period not in seen:
            seen.append(period)
    return seen


# --- the letterhead ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Letterhead:
    """What the office types at the top and the bottom of the report (HD 36-HD/VPTW)."""

    superior: str = ""
    issuing: str = ""
    place: str = ""
    number: str = ""
    number_code: str = "BC/ĐU"
    signing_for: str = "T/M ĐẢNG ỦY"
    signer_title: str = "Bí thư"
    signer: str = ""
    recipients: tuple[str, ...] = ()
    report_board: str = "Ban Xây dựng Đảng"

    @property
    def committee(self) -> str:
        return self.issuing.strip() or PLACEHOLDER

    @property
    def number_line(self) -> str:
        """'Số 12-BC/ĐU': HD 36 writes the number after «Số» with no colon."""
        number = self.number.strip() or NUMBER_ROOM
        return f"Số {number}-{self.number_code.strip() or PLACEHOLDER}"

    def recipient_lines(self) -> list[str]:
        """'- Ban Tuyên giáo và Dân vận Tỉnh ủy (để báo cáo),' … '- Lưu Văn phòng Đảng ủy.'"""
        lines = [line.strip().rstrip(",.;") for line in self.recipients if line.strip()]
        return [f"- {line}{'.' if i == len(lines) - 1 else ','}" for i, line in enumerate(lines)]


def letterhead_from_settings(settings: Settings | None = None, **overrides) -> Letterhead:
    """The Letterhead the office's settings describe; `overrides` (not None) win.

    `committee=` (the command line's --committee) names the issuing body for one report.
    """
    settings = settings or Settings()
    committee = overrides.pop("committee", None)
    values = {
        "superior": settings.superior_body,
        "issuing": committee or settings.issuing_body,
        "place": settings.place_name.strip()
        or (Settings(issuing_body=committee).place if committee else settings.place),
        "number_code": settings.number_code,
        "signing_for": settings.signing_for,
        "signer_title": settings.signer_title,
        "recipients": tuple(settings.recipients),
        "report_board": settings.report_board,
    }
    values.update({k: v for k, v in overrides.items() if v is not None})
    return Letterhead(**values)


def signer_name_for(ds: Dataset, title: str) -> str:
    """The cadre whose Chức vụ is `title` of the Party committee ('Bí thư Đảng ủy - …'); ''.

    'Bí thư' matches 'Bí thư Đảng ủy - Chủ tịch HĐND xã', not 'Bí thư Đoàn xã'; 'Phó Bí thư'
    matches the first 'Phó Bí thư … Đảng ủy' of the sheet.
    """
    wanted = fold(title)
    if not wanted:
        return ""
    positions = ds.cadres["position"].fillna("").map(lambda p: fold(str(p).split(" - ")[0]))
    match = ds.cadres[
        positions.str.startswith(wanted) & positions.str.contains("dang uy", regex=False)
    ]
    return str(match["name"].iloc[0]) if len(match) else ""


def secretary_name(ds: Dataset) -> str:
    """The name of the cadre whose position is Bí thư Đảng ủy, for the signature; '' if none."""
    return signer_name_for(ds, "Bí thư")


# --- the figures of a period ------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodFigures:
    """The commune's figures over a period: states at its last month, sums over its months.

    For one month the sums are that month's counts, so `groups_met` / `group_months` is the
    month's meeting rate, as on the overview.
    """

    period: Period
    months: int
    hamlets: int
    groups: int
    groups_covered: int
    cadres: int
    average_load: float
    coverage_pct: float
    group_months: int
    groups_met: int
    meeting_pct: float
    households: int
    households_present: int
    attendance_pct: float
    cadre_present: int
    cadre_presence_pct: float
    expected: int
    received: int
    on_time: int
    completeness_pct: float
    on_time_pct: float

    @property
    def month(self) -> pd.Period:
        return self.period.last

    @property
    def late(self) -> int:
        return self.received - self.on_time

    @property
    def missing(self) -> int:
        return self.expected - self.received

    @property
    def uncovered(self) -> int:
        return self.groups - self.groups_covered

    @property
    def not_met(self) -> int:
        return self.group_months - self.groups_met


def period_figures(
    ds: Dataset, period: Period, *, deadline_day: int = figures.DEADLINE_DAY
) -> PeriodFigures:
    """The figures of `period` from `figures.overview`, one row per month, added up."""
    months = period.months
    rows = figures.overview(ds, months, deadline_day=deadline_day).set_index("month")
    panel = figures.group_month_panel(ds, months)
    attended = int(panel["attended"].sum())
    last = rows.loc[period.last]
    sums = rows[["groups", "groups_met", "households", "households_present", "expected",
                 "received", "on_time"]].sum().astype("int64")  # fmt: skip
    return PeriodFigures(
        period=period,
        months=len(months),
        hamlets=len(ds.hamlets),
        groups=int(last["groups"]),
        groups_covered=int(last["groups_covered"]),
        cadres=int(last["cadres"]),
        average_load=float(last["average_load"]),
        coverage_pct=float(last["coverage_pct"]),
        group_months=int(sums["groups"]),
        groups_met=int(sums["groups_met"]),
        meeting_pct=float(figures.pct(sums["groups_met"], sums["groups"])),
        households=int(sums["households"]),
        households_present=int(sums["households_present"]),
        attendance_pct=float(figures.pct(sums["households_present"], sums["households"])),
        cadre_present=attended,
        cadre_presence_pct=float(figures.pct(attended, sums["groups_met"])),
        expected=int(sums["expected"]),
        received=int(sums["received"]),
        on_time=int(sums["on_time"]),
        completeness_pct=float(figures.pct(sums["received"], sums["expected"])),
        on_time_pct=float(figures.pct(sums["on_time"], sums["expected"])),
    )


def hamlet_rows(
    ds: Dataset, period: Period, *, deadline_day: int = figures.DEADLINE_DAY
) -> pd.DataFrame:
    """Per hamlet (sheet order): coverage at the period's end, meetings, attendance, cadre
    presence and reports added up over its months."""
    months = period.months
    per_month = activity.hamlet_activity(ds, months)
    counts = ["groups_met", "households", "households_present", "cadre_present"]
    meetings = per_month.groupby("hamlet_id", sort=False)[counts].sum().reset_index()
    meetings = meetings.merge(
        per_month.groupby("hamlet_id", sort=False)["groups"].sum().rename("group_months"),
        on="hamlet_id",
    )
    coverage = figures.coverage(ds, period.last)[
        ["hamlet_id", "hamlet_name", "groups", "groups_covered", "cadres", "coverage_pct"]
    ]
    reports = figures.expected_reports(ds, months, deadline_day=deadline_day)
    per_hamlet = reports.groupby("hamlet_id").agg(
        expected=("group_id", "size"), received=("received", "sum"), on_time=("on_time", "sum")
    )
    out = coverage.merge(meetings, on="hamlet_id", how="left").merge(
        per_hamlet.reset_index(), on="hamlet_id", how="left"
    )
    for column in [*counts, "group_months", "expected", "received", "on_time"]:
        out[column] = out[column].fillna(0).astype("int64")
    out["meeting_pct"] = figures.pct(out["groups_met"], out["group_months"])
    out["attendance_pct"] = figures.pct(out["households_present"], out["households"])
    out["cadre_presence_pct"] = figures.pct(out["cadre_present"], out["groups_met"])
    out["completeness_pct"] = figures.pct(out["received"], out["expected"])
    out["on_time_pct"] = figures.pct(out["on_time"], out["expected"])
    return out.reset_index(drop=True)


def _sheet_order(ds: Dataset, frame: pd.DataFrame) -> pd.DataFrame:
    """Rows with a group_id, sorted by their hamlet's then their group's row in the sheet."""
    hamlet_rank = ds.hamlets.set_index("hamlet_id")["row"]
    group_rank = ds.groups.set_index("group_id")["row"]
    ranked = frame.assign(
        _hamlet=frame["hamlet_id"].map(hamlet_rank), _group=frame["group_id"].map(group_rank)
    )
    ranked = ranked.sort_values(["_hamlet", "_group"], kind="stable")
    return ranked.drop(columns=["_hamlet", "_group"]).reset_index(drop=True)


def _hamlet_names(ds: Dataset, frame: pd.DataFrame) -> pd.DataFrame:
    return frame.merge(ds.hamlets[["hamlet_id", "hamlet_name"]], on="hamlet_id", how="left")


def attention_rows(ds: Dataset, month) -> pd.DataFrame:
    """The groups needing attention in `month`, with hamlet names and reasons, in sheet order."""
    frame = figures.needs_attention(ds, month)
    frame = _hamlet_names(ds, frame[["group_id", "group_name", "hamlet_id", "reasons"]])
    return _sheet_order(ds, frame)


def topic_rows(ds: Dataset, period: Period) -> pd.DataFrame:
    """Topics spread in the period: meetings (lượt) that told each, and their share of all
    the meetings held in the period (for one month: groups reached / groups that met)."""
    columns = ("topic", "groups_met", "groups_reached", "reach_pct")
    frames = [activity.topic_totals(activity.topic_reach(ds, m)) for m in period.months]
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    every = pd.concat(frames, ignore_index=True)
    every["key"] = every["topic"].map(fold)
    out = every.groupby("key", sort=False).agg(
        topic=("topic", "first"), groups_reached=("groups_reached", "sum")
    )
    out = out.sort_values("groups_reached", ascending=False, kind="stable").reset_index(drop=True)
    held = int(figures.group_month_panel(ds, period.months)["met"].sum())
    out["groups_met"] = held
    out["reach_pct"] = figures.pct(out["groups_reached"], out["groups_met"])
    return out[list(columns)]


def _counting_entries(ds: Dataset, period: Period, column: str) -> pd.DataFrame:
    """The counting entries of the period whose `column` holds text, with names attached."""
    entries = ds.latest_meetings
    entries = entries[entries["month"].isin(period.months) & entries[column].notna()]
    entries = entries[entries[column].astype(str).str.strip() != ""]
    frame = (
        entries[["month", "group_id", "cadre_id", "meeting_date", column]]
        .merge(ds.groups[["group_id", "group_name", "hamlet_id"]], on="group_id", how="left")
        .merge(ds.cadres[["cadre_id", "name"]], on="cadre_id", how="left")
    )
    return _sheet_order(ds, _hamlet_names(ds, frame))


def proposal_rows(ds: Dataset, period: Period) -> pd.DataFrame:
    """The counting entries' Kiến nghị, one row each, with group, hamlet and cadre names."""
    columns = ["hamlet_id", "hamlet_name", "group_id", "group_name", "cadre_id", "name",
               "proposals", "month"]  # fmt: skip
    return _counting_entries(ds, period, "proposals")[columns]


def situation_rows(ds: Dataset, period: Period) -> pd.DataFrame:
    """The counting entries' Tình hình (what the cadre learned of the group), with `met`."""
    frame = _counting_entries(ds, period, "situation")
    frame["met"] = frame["meeting_date"].notna()
    columns = ["hamlet_id", "hamlet_name", "group_id", "group_name", "cadre_id", "name",
               "situation", "met", "month"]  # fmt: skip
    return frame[columns]


def missing_rows(ds: Dataset, period: Period) -> pd.DataFrame:
    """Who still owes reports of the period: one row per cadre, groups (and months) joined."""
    if period.is_month:
        return activity.missing_reports(ds, period.last)
    reports = figures.expected_reports(ds, period.months)
    owed = reports.loc[~reports["received"], ["month", "cadre_id", "group_id"]]
    columns = ["cadre_id", "name", "position", "phone", "missing", "missing_groups"]
    if owed.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    groups = _hamlet_names(ds, ds.groups[["group_id", "group_name", "hamlet_id", "row"]])
    owed = owed.merge(groups, on="group_id").sort_values(["cadre_id", "row", "month"])
    owed["label"] = owed["group_name"] + " – " + owed["hamlet_name"]
    per_group = owed.groupby(["cadre_id", "label"], sort=False)["month"].agg(
        lambda ms: ", ".join(m.strftime(contract.MONTH_FORMAT) for m in ms)
    )
    text = per_group.index.get_level_values("label") + " (" + per_group.to_numpy() + ")"
    per_cadre = pd.Series(text, index=per_group.index.get_level_values("cadre_id"))
    joined = per_cadre.groupby(level=0, sort=False).agg("; ".join).rename("missing_groups")
    count = owed.groupby("cadre_id").size().rename("missing")
    out = ds.cadres[["cadre_id", "name", "position", "phone"]].merge(
        pd.concat([count, joined], axis=1).reset_index(), on="cadre_id"
    )
    return sort_by_name(out[columns], "name").reset_index(drop=True)


def plan_basis(ds: Dataset, month) -> str:
    """'Kế hoạch số 08-KH/ĐU ngày 21/7/2025': the plan most assignments of `month` rest on."""
    month = figures.as_month(month)
    pairs = assigned_pairs(ds.assignments, pd.PeriodIndex([month]))
    if pairs.empty or "basis" not in ds.assignments:
        return ""
    current = ds.assignments.merge(pairs[["cadre_id", "group_id"]], on=["cadre_id", "group_id"])
    first_day, last_day = month.to_timestamp(), (month + 1).to_timestamp() - pd.Timedelta(days=1)
    current = current[(current["start"] <= last_day) & ~(current["end"] < first_day)]
    plans = current["basis"].dropna().astype(str)
    plans = plans[plans.map(fold).str.startswith("kh ")]
    if plans.empty:
        return ""
    return "Kế hoạch số " + plans.value_counts().index[0][3:].strip()


# --- the report -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    """Everything the report says about one period, ready to be laid out."""

    period: Period
    issued: date
    now: datetime
    deadline: pd.Timestamp
    letterhead: Letterhead
    signer_name: str
    figures: PeriodFigures
    previous: PeriodFigures | None
    hamlets: pd.DataFrame
    attention: pd.DataFrame
    topics: pd.DataFrame
    missing: pd.DataFrame
    proposals: pd.DataFrame
    situations: pd.DataFrame
    basis: str = ""
    #: the plan's groups per cadre (the office's setting), for the assessment
    planned_load: int = figures.PLANNED_LOAD
    #: the topics of the Chủ đề tab offered in the next period, for the tasks ahead
    next_topics: tuple[str, ...] = ()
    #: the office's own wording of the narrative sections; None: the draft of `narrative`
    narrative: object | None = field(default=None, compare=False)

    @property
    def month(self) -> pd.Period:
        return self.period.last

    @property
    def month_text(self) -> str:
        return self.period.short

    @property
    def open_for_reports(self) -> bool:
        """The period's last month still takes reports: its figures will still rise."""
        return pd.Timestamp(self.now) <= self.deadline

    @property
    def provisional_note(self) -> str | None:
        """Why the figures are not final yet, or None: the period has not ended, or its last
        month still takes reports."""
        last = self.period.last.strftime(contract.MONTH_FORMAT)
        parts = []
        if not self.period.complete:
            parts.append(f"tính đến hết tháng {last} ({self.period.label} chưa kết thúc)")
        if self.open_for_reports:
            parts.append(
                f"tháng {last} còn đang nhận báo cáo (hạn nộp hết ngày "
                f"{self.deadline:%d/%m/%Y}), các tỷ lệ sẽ còn thay đổi"
            )
        if not parts:
            return None
        text = "Số liệu tạm tính: " + "; ".join(parts) + "."
        return text

    @property
    def scope_note(self) -> str | None:
        """When the sheet begins inside the period: from which month the figures count."""
        if self.period.since is None:
            return None
        first = self.period.first.strftime(contract.MONTH_FORMAT)
        return f"Số liệu tính từ tháng {first}, tháng đầu tiên có trong bảng tính."

    @property
    def summary(self) -> list[tuple[str, str]]:
        return summary_lines(self)

    @property
    def title_line(self) -> str:
        return f"{SUBJECT} {self.period.label}"

    @property
    def date_line(self) -> str:
        return date_line(self.letterhead.place or PLACEHOLDER, self.issued)

    @property
    def intro(self) -> str:
        committee = self.letterhead.committee
        basis = f"{self.basis} của {committee}" if self.basis else f"sự phân công của {committee}"
        return (
            f"Thực hiện {basis} về việc cán bộ, công chức theo dõi, hỗ trợ tổ nhân dân tự quản, "
            f"{committee} báo cáo kết quả {self.period.label} như sau:"
        )

    @property
    def closing(self) -> str:
        return (
            f"Trên đây là báo cáo kết quả theo dõi, hỗ trợ tổ nhân dân tự quản "
            f"{self.period.label} của {self.letterhead.committee}./."
        )


# Kept for callers of before quarterly reports: a month's report is a Report.
MonthlyReport = Report


def date_line(place: str, day: date) -> str:
    """'Mỹ Thạnh, ngày 03 tháng 4 năm 2026'.

    Hướng dẫn 36-HD/VPTW ngày 03/4/2018 (thể thức văn bản của Đảng), part "Địa danh và ngày,
    tháng, năm ban hành văn bản": the day, month and year are written in full in Arabic
    numerals, and the days below 10 and the months 1 and 2 get a leading 0 (so nobody can
    turn «ngày 3» into «ngày 13» or «tháng 1» into «tháng 11»; no month 13 exists, so March
    to December need none). The guideline is itself dated «ngày 03 tháng 4 năm 2018», and
    its sample table writes «Hạ Long, ngày 20 tháng 02 năm 2018».
    """
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def report_filename(period, *, ext: str) -> str:
    """`bao-cao-to-tu-quan_11-2026.docx`, `bao-cao-to-tu-quan_quy-4-2026.docx`."""
    if not isinstance(period, Period):
        period = Period.of_month(period)
    return export_filename(FILE_SLUG, month=period.slug, ext=ext)


def build_report(
    ds: Dataset,
    period,
    *,
    letterhead: Letterhead | None = None,
    issued: date | None = None,
    deadline_day: int = figures.DEADLINE_DAY,
    now: datetime | None = None,
    planned_load: int = figures.PLANNED_LOAD,
) -> Report:
    """The report of `period` (a Period, or a month) for the whole commune, dated `issued`."""
    if not isinstance(period, Period):
        period = Period.of_month(period)
    period = period.covered_by(ds)
    letterhead = letterhead or Letterhead()
    now = now or office_now()
    before = period.previous()
    previous = (
        period_figures(ds, before, deadline_day=deadline_day)
        if set(before.months) & set(ds.months())
        else None
    )
    return Report(
        period=period,
        issued=issued or now.date(),
        now=now,
        deadline=figures.deadline(period.last, day=deadline_day),
        letterhead=letterhead,
        signer_name=letterhead.signer.strip() or signer_name_for(ds, letterhead.signer_title),
        figures=period_figures(ds, period, deadline_day=deadline_day),
        previous=previous,
        hamlets=hamlet_rows(ds, period, deadline_day=deadline_day),
        attention=attention_rows(ds, period.last),
        topics=topic_rows(ds, period),
        missing=missing_rows(ds, period),
        proposals=proposal_rows(ds, period),
        situations=situation_rows(ds, period),
        basis=plan_basis(ds, period.last),
        planned_load=planned_load,
        next_topics=offered_topics(ds, period.last + 1),
    )


def offered_topics(ds: Dataset, month) -> tuple[str, ...]:
    """The Chủ đề tab's topics offered in `month` (its Từ tháng / Đến tháng), tab order."""
    month = figures.as_month(month)
    topics = ds.topics
    if topics.empty:
        return ()
    starts = topics["from_month"].map(lambda m: pd.isna(m) or m <= month)
    ends = topics["to_month"].map(lambda m: pd.isna(m) or m >= month)
    return tuple(dict.fromkeys(topics.loc[starts & ends, "topic"].astype(str)))


# --- the sentences ----------------------------------------------------------------------------

# Part I's items, in the order the document numbers them (I.1 … I.9).
PART_ONE = (
    "Phân công cán bộ phụ trách",
    "Sinh hoạt tổ",
    "Báo cáo của cán bộ phụ trách",
    "Kết quả theo từng ấp",
    "Tình hình các tổ",
    "Nội dung tuyên truyền",
    "Tổ cần quan tâm, củng cố",
    "Đồng chí chưa nộp đủ báo cáo",
    "Kiến nghị, đề xuất",
)
STRENGTHS, SHORTCOMINGS = "Ưu điểm", "Tồn tại, hạn chế và nguyên nhân"


def section_titles(period: Period) -> tuple[str, str, str]:
    """The document's three parts, as a commune committee's report has them."""
    return (
        "I. KẾT QUẢ THỰC HIỆN",
        "II. ĐÁNH GIÁ CHUNG",
        f"III. PHƯƠNG HƯỚNG, NHIỆM VỤ {period.next_label.upper()}",
    )


def _versus(report: Report, attribute: str) -> str:
    if report.previous is None:
        return ""
    before = getattr(report.previous, attribute)
    if pd.isna(before):
        return ""
    return f" ({report.previous.period.short}: {vn_percent(before)})"


def summary_lines(report: Report) -> list[tuple[str, str]]:
    """Part I's first three items as (lead-in, sentence): assignment, meetings, reports."""
    f, p = report.figures, report.period
    if f.groups == 0:
        nothing = f"Bảng tính chưa có tổ nhân dân tự quản nào trong {p.noun} này."
        return [("Phân công cán bộ phụ trách", nothing)]

    at_end = "" if p.is_month else f" (đến tháng {p.last.strftime(contract.MONTH_FORMAT)})"
    assignment = (
        f"Toàn xã có {vn_int(f.groups)} tổ nhân dân tự quản ở {vn_int(f.hamlets)} ấp{at_end}; "
        f"{vn_int(f.groups_covered)} tổ có cán bộ phụ trách, đạt {vn_percent(f.coverage_pct)}"
    )
    if f.cadres:
        assignment += (
            f"; {vn_int(f.cadres)} đồng chí cán bộ, công chức được phân công, bình quân "
            f"{vn_decimal(f.average_load, 2)} tổ/đồng chí"
        )
    if f.uncovered:
        assignment += f"; còn {vn_int(f.uncovered)} tổ chưa có cán bộ phụ trách"

    if f.groups_met == 0:
        meetings = f"Chưa có tổ nào báo cáo đã sinh hoạt trong {p.noun}."
    elif p.is_month:
        meetings = (
            f"{vn_int(f.groups_met)}/{vn_int(f.groups)} tổ sinh hoạt trong tháng, đạt "
            f"{vn_percent(f.meeting_pct)}{_versus(report, 'meeting_pct')}; số hộ dự "
            f"{vn_int(f.households_present)}/{vn_int(f.households)} hộ của các tổ có sinh "
            f"hoạt, đạt {vn_percent(f.attendance_pct)}{_versus(report, 'attendance_pct')}"
        )
    else:
        meetings = (
            f"Trong {p.noun}, các tổ sinh hoạt {vn_int(f.groups_met)}/{vn_int(f.group_months)} "
            f"lượt (mỗi tổ mỗi tháng một lượt), đạt "
            f"{vn_percent(f.meeting_pct)}{_versus(report, 'meeting_pct')}; số hộ dự "
            f"{vn_int(f.households_present)}/{vn_int(f.households)} lượt hộ của các buổi sinh "
            f"hoạt, đạt {vn_percent(f.attendance_pct)}{_versus(report, 'attendance_pct')}"
        )
    if f.groups_met:
        meetings += (
            f"; cán bộ phụ trách dự {vn_int(f.cadre_present)}/{vn_int(f.groups_met)} buổi sinh "
            f"hoạt, đạt {vn_percent(f.cadre_presence_pct)}."
        )

    if f.expected == 0:
        reports = f"Trong {p.noun} không có tổ nào được phân công nên chưa có báo cáo phải nộp."
    else:
        each = "mỗi tổ phụ trách một báo cáo" + ("" if p.is_month else " mỗi tháng")
        due = (
            f"đến hết ngày {report.deadline:%d/%m/%Y}"
            if p.is_month
            else f"đến hết ngày {report.deadline.day:02d} tháng sau"
        )
        reports = (
            f"Phải nộp {vn_int(f.expected)} báo cáo ({each}); đã nộp {vn_int(f.received)}, "
            f"đạt {vn_percent(f.completeness_pct)}; trong đó đúng hạn ({due}) "
            f"{vn_int(f.on_time)}, đạt {vn_percent(f.on_time_pct)}; nộp trễ {vn_int(f.late)}; "
            f"chưa nộp {vn_int(f.missing)}."
        )
    return [
        ("Phân công cán bộ phụ trách", assignment + "."),
        ("Sinh hoạt tổ", meetings),
        ("Báo cáo của cán bộ phụ trách", reports),
    ]


def attention_intro(report: Report) -> str:
    count = len(report.attention)
    when = (
        ""
        if report.period.is_month
        else (f" (tình hình tháng {report.period.last.strftime(contract.MONTH_FORMAT)})")
    )
    if count == 0:
        return f"Không có tổ nào cần quan tâm, củng cố{when}."
    return (
        f"Có {vn_int(count)} tổ cần quan tâm, củng cố{when} (xếp loại Yếu; tỷ lệ hộ dự dưới "
        "50\u00a0%; không sinh hoạt 02 tháng liền; hoặc cán bộ phụ trách vắng 02 tháng liền):"
    )


def topic_intro(report: Report) -> str:
    if report.topics.empty:
        return f"Chưa có báo cáo nào ghi nội dung tuyên truyền trong {report.period.noun}."
    meetings = vn_int(report.figures.groups_met)
    return (
        f"Qua {meetings} cuộc sinh hoạt tổ, cán bộ phụ trách đã tuyên truyền "
        f"{vn_int(len(report.topics))} nội dung:"
    )


def topic_lines(report: Report) -> list[str]:
    unit = "tổ" if report.period.is_month else "lượt tổ"
    return [
        f"{row.topic}: {vn_int(row.groups_reached)} {unit} "
        f"({vn_percent(row.reach_pct)} số buổi sinh hoạt)."
        for row in report.topics.itertuples(index=False)
    ]


def missing_intro(report: Report) -> str:
    as_of = f"Tính đến ngày {report.issued:%d/%m/%Y}"
    if report.missing.empty:
        return f"{as_of}, tất cả các đồng chí được phân công đã nộp báo cáo {report.period.label}."
    still = " (còn trong hạn nộp)" if pd.Timestamp(report.issued) <= report.deadline else ""
    reports = int(report.missing["missing"].sum())
    return (
        f"{as_of}{still}, còn {vn_int(len(report.missing))} đồng chí chưa nộp đủ báo cáo "
        f"{report.period.label} ({vn_int(reports)} báo cáo):"
    )


def proposals_intro(report: Report) -> str:
    if report.proposals.empty:
        return f"Trong {report.period.noun}, các báo cáo không ghi kiến nghị, đề xuất nào."
    return (
        f"Qua sinh hoạt tổ, nhân dân và cán bộ phụ trách nêu {vn_int(len(report.proposals))} "
        "lượt kiến nghị, đề xuất:"
    )


def grouped_lines(rows: pd.DataFrame, column: str, *, limit: int | None = None):
    """Hamlet by hamlet, each text once with the groups that wrote it (sheet order).

    The same request typed in several groups (a water tank for poor households) is one
    line, "Tổ 4, Tổ 8: ...", so the reader sees what is said and how widely. With `limit`,
    the texts written by most groups come first and the rest are counted.
    """
    out = []
    for hamlet_name, in_hamlet in rows.groupby("hamlet_name", sort=False):
        keys = in_hamlet[column].map(lambda text: fold(text).rstrip(" .;"))
        lines = []
        for _, same in in_hamlet.groupby(keys, sort=False):
            groups = list(dict.fromkeys(same["group_name"]))
            lines.append((len(same), groups, str(same[column].iloc[0]).strip()))
        left = 0
        if limit is not None and len(lines) > limit:
            ranked = sorted(range(len(lines)), key=lambda i: -lines[i][0])
            kept = sorted(ranked[:limit])
            left = len(lines) - limit
            lines = [lines[i] for i in kept]
        out.append((hamlet_name, [(groups, text) for _, groups, text in lines], left))
    return out


def proposal_lines(proposals: pd.DataFrame) -> list[tuple[str, list[str]]]:
    """Part I.9: hamlet by hamlet, each proposal once with the groups that raised it."""
    return [
        (hamlet, [f"{', '.join(groups)}: {text}" for groups, text in lines])
        for hamlet, lines, _ in grouped_lines(proposals, "proposals")
    ]


# --- the same content as tables, for the page's preview ------------------------------------

_EXTRA_HEADERS = {
    "groups_covered": "Số tổ có cán bộ",
    "cadres": "Số cán bộ",
    "coverage_pct": contract.DERIVED_HEADERS["coverage"]["coverage_pct"],
    "reasons": contract.DERIVED_HEADERS["attention"]["reasons"],
    "group_months": "Lượt tổ",
    "groups_met": "Số lượt sinh hoạt",
}
HAMLET_PREVIEW = [
    "hamlet_name", "groups", "groups_covered", "groups_met", "households", "households_present",
    "attendance_pct", "expected", "received", "on_time",
]  # fmt: skip


def preview_table(frame: pd.DataFrame, columns: list[str], *, period: Period) -> pd.DataFrame:
    """`columns` of a report part under the Vietnamese headers the app uses everywhere."""
    shown = activity.for_display(frame, columns)
    headers = dict(_EXTRA_HEADERS)
    if period.is_month:
        headers.pop("groups_met")
    return shown.rename(columns=headers)


def hamlet_preview(report: Report) -> pd.DataFrame:
    return preview_table(report.hamlets, HAMLET_PREVIEW, period=report.period)


def attention_preview(report: Report) -> pd.DataFrame:
    return preview_table(
        report.attention, ["group_name", "hamlet_name", "reasons"], period=report.period
    )


def topic_preview(report: Report) -> pd.DataFrame:
    return preview_table(
        report.topics, ["topic", "groups_reached", "reach_pct"], period=report.period
    )


def missing_preview(report: Report) -> pd.DataFrame:
    return preview_table(
        report.missing, ["name", "position", "missing", "missing_groups"], period=report.period
    )


def proposal_preview(report: Report) -> pd.DataFrame:
    return preview_table(
        report.proposals, ["hamlet_name", "group_name", "name", "proposals"], period=report.period
    )

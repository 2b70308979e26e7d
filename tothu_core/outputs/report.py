"""The monthly report to the Propaganda Board (Ban Tuyên giáo) as data, before any layout.

Every number comes from `figures` and `activity`, so the report says what the pages and the
exports say. The sentences live here too (not in the Word writer) so the page can preview
exactly the wording that goes into the document.

Decisions where the contract is silent:
- the report is always for the whole commune: it is the committee's report, whatever
  hamlet or cadre a page happens to be filtered on;
- numbers are written the Vietnamese way (3.210 hộ, 84,5%), as in any administrative text;
- "cadres who have not reported" are counted as of the report's date, so a report written
  before the deadline says the missing ones are still within time;
- the groups needing attention, the proposals and the hamlet table follow the sheet's order
  of hamlets and groups, the order the office reads its own lists in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from tothu_core.clock import office_now
from tothu_core.figures import activity, figures
from tothu_core.outputs.exportfile import export_filename
from tothu_core.sheet import contract
from tothu_core.sheet.dataset import Dataset
from tothu_core.textnorm import fold

DEFAULT_COMMITTEE = "Đảng ủy xã Mỹ Thạnh"
DEFAULT_PARENT = "Đảng bộ huyện ……"
DEFAULT_RECIPIENTS = (
    "Ban Tuyên giáo Huyện ủy (báo cáo),",
    "Thường trực Đảng ủy,",
    "Các chi bộ ấp,",
    "Lưu Văn phòng Đảng ủy.",
)
NUMBER_PLACEHOLDER = "……"
FILE_SLUG = "bao-cao-ban-tuyen-giao"
# The title used on the page, in the file and in the Word document's properties.
TITLE = "Báo cáo kết quả theo dõi, hỗ trợ tổ nhân dân tự quản"
SUBJECT = "Kết quả theo dõi, hỗ trợ tổ nhân dân tự quản"
# A position in the Cán bộ tab that marks the committee's secretary (the signer).
_SECRETARY_POSITION = "bi thu dang uy"
# "41.9%" in a reason written by the core becomes "41,9%" like every other rate here.
_DECIMAL_POINT = r"(\d)\.(\d+%)"


@dataclass(frozen=True)
class Letterhead:
    """What the office would type at the top and the bottom of the report."""

    committee: str = DEFAULT_COMMITTEE
    parent: str = DEFAULT_PARENT
    number: str = ""
    signer: str = ""
    recipients: tuple[str, ...] = DEFAULT_RECIPIENTS

    @property
    def place(self) -> str:
        return place_of(self.committee)

    @property
    def number_line(self) -> str:
        return f"Số: {self.number.strip() or NUMBER_PLACEHOLDER}-BC/ĐU"


def place_of(committee: str) -> str:
    """'Đảng ủy xã Mỹ Thạnh' -> 'Mỹ Thạnh': the place written before the date."""
    words = str(committee).split()
    folded = [fold(w) for w in words]
    start = 2 if folded[:2] == ["dang", "uy"] else 0
    if folded[start : start + 1] in (["xa"], ["phuong"]):
        start += 1
    elif folded[start : start + 2] == ["thi", "tran"]:
        start += 2
    return " ".join(words[start:]) or str(committee).strip()


def letterhead_from_settings(settings=None, **overrides) -> Letterhead:
    """A Letterhead from the office's settings, when they name the committee, then overrides.

    Settings that do not (yet) carry `committee_name` / `parent_committee` give the demo's.
    """
    values = {
        "committee": getattr(settings, "committee_name", None) or DEFAULT_COMMITTEE,
        "parent": getattr(settings, "parent_committee", None) or DEFAULT_PARENT,
    }
    values.update({k: v for k, v in overrides.items() if v is not None})
    return Letterhead(**values)


@dataclass(frozen=True)
class CommuneFigures:
    """The month's headline figures for the whole commune (one row of `figures.overview`)."""

    month: pd.Period
    hamlets: int
    groups: int
    groups_covered: int
    cadres: int
    average_load: float
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
    coverage_pct: float
    completeness_pct: float
    on_time_pct: float

    @property
    def late(self) -> int:
        return self.received - self.on_time

    @property
    def missing(self) -> int:
        return self.expected - self.received

    @property
    def uncovered(self) -> int:
        return self.groups - self.groups_covered


@dataclass(frozen=True)
class MonthlyReport:
    """Everything the report says about one month, ready to be laid out."""

    month: pd.Period
    issued: date
    deadline: pd.Timestamp
    letterhead: Letterhead
    signer_name: str
    figures: CommuneFigures
    previous: CommuneFigures | None
    hamlets: pd.DataFrame
    attention: pd.DataFrame
    topics: pd.DataFrame
    missing: pd.DataFrame
    proposals: pd.DataFrame

    @property
    def month_text(self) -> str:
        return self.month.strftime(contract.MONTH_FORMAT)

    @property
    def summary(self) -> list[tuple[str, str]]:
        return summary_lines(self)

    @property
    def plans(self) -> list[str]:
        return plan_lines(self)

    @property
    def title_line(self) -> str:
        return f"{SUBJECT} tháng {self.month_text}"

    @property
    def date_line(self) -> str:
        d = self.issued
        return f"{self.letterhead.place}, ngày {d:%d} tháng {d:%m} năm {d:%Y}"

    @property
    def closing(self) -> str:
        return (
            f"Trên đây là báo cáo kết quả theo dõi, hỗ trợ tổ nhân dân tự quản tháng "
            f"{self.month_text} của {self.letterhead.committee}./."
        )


def report_filename(month, *, ext: str) -> str:
    """`bao-cao-ban-tuyen-giao_10-2026.docx`."""
    text = figures.as_month(month).strftime(contract.MONTH_FORMAT)
    return export_filename(FILE_SLUG, month=text, ext=ext)


# --- numbers written the Vietnamese way ------------------------------------------------------


def vn_int(value) -> str:
    """3210 -> '3.210'."""
    return f"{int(value):,}".replace(",", ".")


def vn_decimal(value, digits: int = 1) -> str:
    """2.75 -> '2,75'; thousands with dots, decimals with a comma."""
    text = f"{float(value):,.{digits}f}"
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")


def vn_pct(value) -> str:
    """84.5 -> '84,5%'; a rate with nothing to divide by is '–'."""
    if value is None or pd.isna(value):
        return "–"
    return f"{vn_decimal(value)}%"


# --- building the report ----------------------------------------------------------------------


def build_report(
    ds: Dataset,
    month,
    *,
    letterhead: Letterhead | None = None,
    issued: date | None = None,
    deadline_day: int = figures.DEADLINE_DAY,
) -> MonthlyReport:
    """The month's report for the whole commune; `issued` (default today) dates it."""
    month = figures.as_month(month)
    letterhead = letterhead or Letterhead()
    months = [month - 1, month] if (month - 1) in ds.months() else [month]
    trend = commune_figures(ds, months, deadline_day=deadline_day)
    return MonthlyReport(
        month=month,
        issued=issued or office_now().date(),
        deadline=figures.deadline(month, day=deadline_day),
        letterhead=letterhead,
        signer_name=letterhead.signer.strip() or secretary_name(ds),
        figures=trend[month],
        previous=trend.get(month - 1),
        hamlets=hamlet_rows(ds, month, deadline_day=deadline_day),
        attention=attention_rows(ds, month),
        topics=topic_rows(ds, month),
        missing=activity.missing_reports(ds, month),
        proposals=proposal_rows(ds, month),
    )


def hamlet_rows(ds: Dataset, month, *, deadline_day: int = figures.DEADLINE_DAY) -> pd.DataFrame:
    """Per hamlet (sheet order): coverage, meetings, attendance, cadre presence, reports."""
    month = figures.as_month(month)
    meetings = activity.hamlet_activity(ds, month)
    coverage = figures.coverage(ds, month)[
        ["hamlet_id", "groups_covered", "cadres", "coverage_pct"]
    ]
    reports = activity.reports_by_hamlet(ds, month, deadline_day=deadline_day)[
        ["hamlet_id", "expected", "received", "on_time", "completeness_pct", "on_time_pct"]
    ]
    out = (
        meetings.drop(columns="month")
        .merge(coverage, on="hamlet_id")
        .merge(reports, on="hamlet_id")
    )
    return out.reset_index(drop=True)


def commune_figures(
    ds: Dataset, months, *, deadline_day: int = figures.DEADLINE_DAY
) -> dict[pd.Period, CommuneFigures]:
    """Each month's row of `figures.overview`, plus the meetings a cadre attended."""
    months = figures.as_months(months)
    rows = figures.overview(ds, months, deadline_day=deadline_day).set_index("month")
    panel = figures.group_month_panel(ds, months)
    attended = panel.groupby("month")["attended"].sum().reindex(months, fill_value=0)
    ints = ("groups", "groups_covered", "cadres", "groups_met", "households",
            "households_present", "expected", "received", "on_time")  # fmt: skip
    rates = ("coverage_pct", "meeting_pct", "attendance_pct", "completeness_pct", "on_time_pct")
    out = {}
    for month in months:
        row, cadre_present = rows.loc[month], int(attended[month])
        out[month] = CommuneFigures(
            month=month,
            hamlets=len(ds.hamlets),
            average_load=float(row["average_load"]),
            cadre_present=cadre_present,
            cadre_presence_pct=float(figures.pct(cadre_present, int(row["groups_met"]))),
            **{k: int(row[k]) for k in ints},
            **{k: float(row[k]) for k in rates},
        )
    return out


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
    """The groups needing attention, with hamlet names and reasons, hamlet by hamlet."""
    frame = figures.needs_attention(ds, month)
    frame = _hamlet_names(ds, frame[["group_id", "group_name", "hamlet_id", "reasons"]])
    frame["reasons"] = frame["reasons"].str.replace(_DECIMAL_POINT, r"\1,\2", regex=True)
    return _sheet_order(ds, frame)


def topic_rows(ds: Dataset, month) -> pd.DataFrame:
    """Topics spread in the month: groups reached and the share of the groups that met."""
    return activity.topic_totals(activity.topic_reach(ds, month)).reset_index(drop=True)


def proposal_rows(ds: Dataset, month) -> pd.DataFrame:
    """The counting entries' Kiến nghị, one row each, with group, hamlet and cadre names."""
    month = figures.as_month(month)
    entries = ds.latest_meetings
    entries = entries[(entries["month"] == month) & entries["proposals"].notna()]
    entries = entries[entries["proposals"].astype(str).str.strip() != ""]
    frame = (
        entries[["group_id", "cadre_id", "proposals"]]
        .merge(ds.groups[["group_id", "group_name", "hamlet_id"]], on="group_id", how="left")
        .merge(ds.cadres[["cadre_id", "name"]], on="cadre_id", how="left")
    )
    frame = _hamlet_names(ds, frame)
    columns = ["hamlet_id", "hamlet_name", "group_id", "group_name", "cadre_id", "name",
               "proposals"]  # fmt: skip
    return _sheet_order(ds, frame[columns])


def secretary_name(ds: Dataset) -> str:
    """The name of the cadre whose position is Bí thư Đảng ủy, for the signature; '' if none."""
    positions = ds.cadres["position"].fillna("").map(fold)
    match = ds.cadres[positions.str.startswith(_SECRETARY_POSITION)]
    return str(match["name"].iloc[0]) if len(match) else ""


# --- the sentences ----------------------------------------------------------------------------


def _versus(report: MonthlyReport, attribute: str) -> str:
    if report.previous is None:
        return ""
    before = getattr(report.previous, attribute)
    if pd.isna(before):
        return ""
    return f" (tháng {report.previous.month.strftime(contract.MONTH_FORMAT)}: {vn_pct(before)})"


def summary_lines(report: MonthlyReport) -> list[tuple[str, str]]:
    """Section I as (lead-in, sentence) pairs: assignment, meetings, reports."""
    f = report.figures
    if f.groups == 0:
        nothing = "Bảng tính chưa có tổ nhân dân tự quản nào trong tháng này."
        return [("Phân công cán bộ phụ trách", nothing)]

    assignment = (
        f"Toàn xã có {vn_int(f.groups)} tổ nhân dân tự quản ở {vn_int(f.hamlets)} ấp; "
        f"{vn_int(f.groups_covered)} tổ có cán bộ phụ trách, đạt {vn_pct(f.coverage_pct)}"
    )
    if f.cadres:
        assignment += (
            f"; {vn_int(f.cadres)} cán bộ, công chức, người hoạt động không chuyên trách "
            f"được phân công, bình quân {vn_decimal(f.average_load, 2)} tổ/người"
        )
    if f.uncovered:
        assignment += f"; còn {vn_int(f.uncovered)} tổ chưa có cán bộ phụ trách"

    if f.groups_met == 0:
        meetings = "Chưa có tổ nào báo cáo đã sinh hoạt trong tháng."
    else:
        meetings = (
            f"{vn_int(f.groups_met)}/{vn_int(f.groups)} tổ sinh hoạt trong tháng, đạt "
            f"{vn_pct(f.meeting_pct)}{_versus(report, 'meeting_pct')}; số hộ dự "
            f"{vn_int(f.households_present)}/{vn_int(f.households)} hộ của các tổ có sinh hoạt, "
            f"đạt {vn_pct(f.attendance_pct)}{_versus(report, 'attendance_pct')}; cán bộ phụ "
            f"trách dự {vn_int(f.cadre_present)}/{vn_int(f.groups_met)} buổi sinh hoạt, "
            f"đạt {vn_pct(f.cadre_presence_pct)}."
        )

    if f.expected == 0:
        reports = "Trong tháng không có tổ nào được phân công nên chưa có báo cáo phải nộp."
    else:
        reports = (
            f"Phải nộp {vn_int(f.expected)} báo cáo (mỗi tổ phụ trách một báo cáo); đã nộp "
            f"{vn_int(f.received)}, đạt {vn_pct(f.completeness_pct)}; trong đó đúng hạn (đến "
            f"hết ngày {report.deadline:%d/%m/%Y}) {vn_int(f.on_time)}, đạt "
            f"{vn_pct(f.on_time_pct)}; nộp trễ {vn_int(f.late)}; chưa nộp {vn_int(f.missing)}."
        )
    return [
        ("Phân công cán bộ phụ trách", assignment + "."),
        ("Sinh hoạt tổ", meetings),
        ("Báo cáo của cán bộ phụ trách", reports),
    ]


def attention_intro(report: MonthlyReport) -> str:
    count = len(report.attention)
    if count == 0:
        return "Trong tháng không có tổ nào cần quan tâm, củng cố."
    return (
        f"Có {vn_int(count)} tổ cần quan tâm, củng cố (xếp loại Yếu; tỷ lệ hộ dự dưới 50%; "
        "không sinh hoạt 2 tháng liền; hoặc cán bộ phụ trách vắng 2 tháng liền):"
    )


def topic_intro(report: MonthlyReport) -> str:
    if report.topics.empty:
        return "Chưa có báo cáo nào ghi nội dung tuyên truyền trong tháng."
    return (
        f"Qua {vn_int(report.figures.groups_met)} cuộc sinh hoạt tổ, cán bộ phụ trách đã "
        f"tuyên truyền {vn_int(len(report.topics))} nội dung:"
    )


def topic_line(row) -> str:
    return (
        f"{row['topic']}: {vn_int(row['groups_reached'])} tổ "
        f"({vn_pct(row['reach_pct'])} số tổ sinh hoạt)."
    )


def missing_intro(report: MonthlyReport) -> str:
    as_of = f"Tính đến ngày {report.issued:%d/%m/%Y}"
    if report.missing.empty:
        return f"{as_of}, tất cả cán bộ được phân công đã nộp báo cáo tháng {report.month_text}."
    still = " (còn trong hạn nộp)" if pd.Timestamp(report.issued) <= report.deadline else ""
    reports = int(report.missing["missing"].sum())
    return (
        f"{as_of}{still}, còn {vn_int(len(report.missing))} cán bộ chưa nộp đủ báo cáo "
        f"tháng {report.month_text} ({vn_int(reports)} báo cáo):"
    )


def proposals_intro(report: MonthlyReport) -> str:
    if report.proposals.empty:
        return "Trong tháng, các báo cáo không ghi kiến nghị, đề xuất nào."
    return (
        f"Qua sinh hoạt tổ, nhân dân và cán bộ phụ trách nêu {vn_int(len(report.proposals))} "
        "lượt kiến nghị, đề xuất:"
    )


def proposal_lines(proposals: pd.DataFrame) -> list[tuple[str, list[str]]]:
    """Section VI: hamlet by hamlet, each proposal once with the groups that raised it.

    The same request typed in several groups (a water tank for poor households) is one line,
    "Tổ 4, Tổ 8: ...", so the Board reads what is asked and how widely.
    """
    out = []
    for hamlet_name, rows in proposals.groupby("hamlet_name", sort=False):
        keys = rows["proposals"].map(lambda text: fold(text).rstrip(" .;"))
        lines = []
        for _, same in rows.groupby(keys, sort=False):
            groups = ", ".join(dict.fromkeys(same["group_name"]))
            lines.append(f"{groups}: {str(same['proposals'].iloc[0]).strip()}")
        out.append((hamlet_name, lines))
    return out


def plan_lines(report: MonthlyReport) -> list[str]:
    """Section VII: a short draft the office rewrites before signing."""
    day = report.deadline.day
    lines = [
        "Tiếp tục duy trì sinh hoạt tổ nhân dân tự quản định kỳ hằng tháng; cán bộ phụ trách "
        "dự sinh hoạt, nắm tình hình và tuyên truyền đến các hộ.",
        f"Đôn đốc cán bộ phụ trách nộp báo cáo tháng đúng hạn (trước hết ngày {day:02d} "
        "của tháng sau).",
    ]
    if len(report.attention):
        lines.insert(1, "Tập trung củng cố các tổ nêu tại mục III.")
    if len(report.proposals):
        lines.append("Chuyển các kiến nghị nêu tại mục VI đến cơ quan, đơn vị có thẩm quyền.")
    return lines


# --- the same content as tables, for the page's preview ------------------------------------

_EXTRA_HEADERS = {
    "groups_covered": contract.DERIVED_HEADERS["coverage"]["groups_covered"],
    "cadres": contract.DERIVED_HEADERS["coverage"]["cadres"],
    "coverage_pct": contract.DERIVED_HEADERS["coverage"]["coverage_pct"],
    "reasons": contract.DERIVED_HEADERS["attention"]["reasons"],
}
HAMLET_PREVIEW = [
    "hamlet_name", "groups", "groups_covered", "groups_met", "households", "households_present",
    "attendance_pct", "expected", "received", "on_time",
]  # fmt: skip


def preview_table(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """`columns` of a report part under the Vietnamese headers the app uses everywhere."""
    shown = activity.for_display(frame, columns)
    return shown.rename(columns=_EXTRA_HEADERS)


def hamlet_preview(report: MonthlyReport) -> pd.DataFrame:
    return preview_table(report.hamlets, HAMLET_PREVIEW)


def attention_preview(report: MonthlyReport) -> pd.DataFrame:
    return preview_table(report.attention, ["group_name", "hamlet_name", "reasons"])


def topic_preview(report: MonthlyReport) -> pd.DataFrame:
    return preview_table(report.topics, ["topic", "groups_reached", "reach_pct"])


def missing_preview(report: MonthlyReport) -> pd.DataFrame:
    return preview_table(report.missing, ["name", "position", "missing", "missing_groups"])


def proposal_preview(report: MonthlyReport) -> pd.DataFrame:
    return preview_table(report.proposals, ["hamlet_name", "group_name", "name", "proposals"])

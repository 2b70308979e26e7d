"""The overview page's figures: headline cards with last month's change, trends, attention list.

Everything here reads `figures.overview` (one row per month), so a card, its sparkline and
the trend chart always agree. A change in a rate is given in percentage points ("điểm %"),
never as a ratio of ratios.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from tothu_core.figures import figures
from tothu_core.figures.numbers import vn_change, vn_number, vn_percent
from tothu_core.sheet import contract
from tothu_core.sheet.dataset import Dataset

COUNT, LOAD, RATE = "count", "load", "rate"
ATTENTION_LIMIT = 5


@dataclass(frozen=True)
class CardSpec:
    key: str
    label: str
    kind: str
    help: str


def card_specs(planned_load: int = figures.PLANNED_LOAD) -> tuple[CardSpec, ...]:
    """The overview's cards; the plan's groups per cadre is the office's setting."""
    return (
        CardSpec("groups", "Số tổ", COUNT, "Tổ nhân dân tự quản trong phạm vi đang xem."),
        CardSpec("cadres", "Cán bộ phụ trách", COUNT, "Cán bộ được phân công ít nhất một tổ."),
        CardSpec(
            "average_load",
            f"Bình quân tổ/cán bộ (kế hoạch: {planned_load})",
            LOAD,
            f"Bình quân số tổ mỗi cán bộ phụ trách; kế hoạch {planned_load} tổ mỗi đồng chí.",
        ),
        CardSpec(
            "coverage_pct",
            "Tổ có cán bộ phụ trách",
            RATE,
            "Tỷ lệ tổ có cán bộ phụ trách trong tháng.",
        ),
        CardSpec("meeting_pct", "Tổ sinh hoạt", RATE, "Tỷ lệ tổ có sinh hoạt trong tháng."),
        CardSpec(
            "attendance_pct",
            "Hộ dự sinh hoạt",
            RATE,
            "Tổng số hộ dự / tổng số hộ của các tổ có sinh hoạt.",
        ),
        CardSpec(
            "completeness_pct",
            "Báo cáo đã nộp",
            RATE,
            "Báo cáo đã nhận / báo cáo phải có (mỗi cán bộ, mỗi tổ).",
        ),
        CardSpec(
            "on_time_pct",
            "Báo cáo đúng hạn",
            RATE,
            "Báo cáo nộp lần đầu đúng hạn / báo cáo phải có.",
        ),
    )


CARD_SPECS = card_specs()

# Short legend names for the trend charts (readable on a phone), split in two small charts.
TREND_LABELS = {
    "coverage_pct": "Tổ có cán bộ",
    "meeting_pct": "Tổ sinh hoạt",
    "attendance_pct": "Hộ dự sinh hoạt",
    "completeness_pct": "Báo cáo đã nộp",
    "on_time_pct": "Đúng hạn",
}
MEETING_TREND = ("coverage_pct", "meeting_pct", "attendance_pct")
REPORT_TREND = ("completeness_pct", "on_time_pct")


@dataclass(frozen=True)
class Card:
    """What one st.metric shows. `delta` is None without a previous month to compare with,
    0 when nothing changed (shown grey), else a signed text."""

    key: str
    label: str
    value: float
    value_text: str
    delta: str | int | None
    delta_color: str
    help: str
    trend: tuple[float, ...]


def number_text(value, *, decimals: int = 0) -> str:
    """2.756 -> '2,76' (decimals=2); NaN -> '–': the Vietnamese way, as everywhere."""
    return vn_number(value, decimals)


def pct_text(value) -> str:
    """85.3 -> '85,3 %'; NaN -> '–'."""
    return vn_percent(value)


def _value_text(value, kind: str) -> str:
    if kind == RATE:
        return pct_text(value)
    return number_text(value, decimals=2 if kind == LOAD else 0)


def _delta(now, before, kind: str) -> str | int | None:
    if any(v is None or (isinstance(v, float) and math.isnan(v)) for v in (now, before)):
        return None
    decimals = {COUNT: 0, LOAD: 2, RATE: 1}[kind]
    unit = " điểm %" if kind == RATE else ""
    return vn_change(float(now) - float(before), decimals, unit=unit)


def headline_cards(
    trend: pd.DataFrame,
    month,
    *,
    provisional: bool = False,
    planned_load: int = figures.PLANNED_LOAD,
) -> list[Card]:
    """One card per CARD_SPECS for `month`, compared with the month before (when in `trend`).

    `trend` is `figures.overview` over several months; the sparkline runs up to `month`.
    A `provisional` month (still taking reports) gets grey changes: its rates can only
    rise, and a red arrow would alarm for nothing.
    """
    month = figures.as_month(month)
    rows = trend.set_index("month")
    now = rows.loc[month]
    before = rows.loc[month - 1] if (month - 1) in rows.index else None
    upto = rows[rows.index <= month]
    cards = []
    for spec in card_specs(planned_load):
        value = float(now[spec.key])
        delta = None if before is None else _delta(value, float(before[spec.key]), spec.kind)
        cards.append(
            Card(
                key=spec.key,
                label=spec.label,
                value=value,
                value_text=_value_text(value, spec.kind),
                delta=delta,
                delta_color="normal" if spec.kind == RATE and not provisional else "off",
                help=spec.help,
                trend=tuple(float(v) for v in upto[spec.key].dropna()),
            )
        )
    return cards


def delta_caption(trend: pd.DataFrame, month, *, provisional: bool = False) -> str:
    """What the small numbers under the cards compare with, said once for all cards."""
    previous = figures.as_month(month) - 1
    if previous not in set(trend["month"]):
        return "Chưa có tháng trước trong dữ liệu để so sánh."
    text = (
        f"Số nhỏ dưới mỗi chỉ số: thay đổi so với tháng {previous.strftime(contract.MONTH_FORMAT)}"
        " (với tỷ lệ: tính bằng điểm phần trăm, «điểm %»)."
    )
    if provisional:
        text += " Tháng này chưa hết hạn báo cáo nên mức giảm chưa đáng lo."
    return text


def trend_long(trend: pd.DataFrame, keys: tuple[str, ...]) -> pd.DataFrame:
    """Tidy rows (Tháng, Chỉ số, Tỷ lệ (%)) for a line chart of the rates in `keys`."""
    long = trend.melt(id_vars="month", value_vars=list(keys), var_name="key", value_name="value")
    return pd.DataFrame(
        {
            "Tháng": long["month"].map(lambda m: m.to_timestamp()),
            "Chỉ số": long["key"].map(TREND_LABELS),
            "Tỷ lệ (%)": long["value"].astype(float),
        }
    )


def open_months(months: pd.PeriodIndex, *, now: datetime, deadline_day: int) -> pd.PeriodIndex:
    """The months whose reporting deadline has not passed yet: their rates will still rise."""
    limits = pd.DatetimeIndex([figures.deadline(m, day=deadline_day) for m in months])
    return months[limits >= pd.Timestamp(now)]


def attention_html(table: pd.DataFrame) -> str:
    """The attention table as a short list (group, hamlet, reasons) that reads well on a phone."""
    items = "".join(
        f"<li><b>{html.escape(row['Tên tổ'])}</b> ({html.escape(row['Mã tổ'])}) · "
        f"{html.escape(str(row['Ấp']))}<br><span>{html.escape(row['Lý do'])}</span></li>"
        for _, row in table.iterrows()
    )
    return f'<ol style="margin:0 0 .5rem 0;padding-left:1.4rem;line-height:1.45">{items}</ol>'


def entries_in_scope(
    ds: Dataset, month, *, hamlet: str | None = None, cadre: str | None = None
) -> int:
    """Entries that count (latest per group and cadre) for `month` within the filters."""
    month = figures.as_month(month)
    entries = ds.latest_meetings
    entries = entries[entries["month"] == month]
    if hamlet:
        in_hamlet = ds.groups.loc[ds.groups["hamlet_id"] == hamlet, "group_id"]
        entries = entries[entries["group_id"].isin(in_hamlet)]
    if cadre:
        entries = entries[entries["cadre_id"] == cadre]
    return len(entries)


def month_notice(
    ds: Dataset,
    month,
    *,
    now: datetime,
    hamlet: str | None = None,
    cadre: str | None = None,
    deadline_day: int = figures.DEADLINE_DAY,
) -> str | None:
    """A sentence when the month's figures cannot be read as final: no entry yet, or the
    reporting deadline has not passed (rates will still rise). None otherwise."""
    month = figures.as_month(month)
    limit = figures.deadline(month, day=deadline_day)
    month_text = month.strftime(contract.MONTH_FORMAT)
    limit_text = limit.strftime(contract.DATE_FORMAT)
    open_for_reports = pd.Timestamp(now) <= limit
    if entries_in_scope(ds, month, hamlet=hamlet, cadre=cadre) == 0:
        if open_for_reports:
            return f"Chưa có báo cáo nào cho tháng {month_text}. Hạn nộp là hết ngày {limit_text}."
        return (
            f"Chưa có báo cáo nào cho tháng {month_text}, "
            f"dù đã quá hạn nộp (hết ngày {limit_text})."
        )
    if open_for_reports:
        return (
            f"Tháng {month_text} còn đang nhận báo cáo (hạn hết ngày {limit_text}), "
            "nên các tỷ lệ sinh hoạt và báo cáo sẽ còn tăng."
        )
    return None


def attention_table(
    ds: Dataset,
    month,
    *,
    hamlet: str | None = None,
    cadre: str | None = None,
    limit: int = ATTENTION_LIMIT,
) -> tuple[pd.DataFrame, int]:
    """The `limit` groups most in need of attention (most reasons first), Vietnamese headers,
    and how many need attention in all."""
    attention = figures.needs_attention(ds, month, hamlet=hamlet, cadre=cadre)
    names = ds.hamlets.set_index("hamlet_id")["hamlet_name"]
    top = attention.head(limit)
    table = pd.DataFrame(
        {
            "Mã tổ": top["group_id"],
            "Tên tổ": top["group_name"],
            "Ấp": top["hamlet_id"].map(names),
            "Lý do": top["reasons"],
        }
    ).reset_index(drop=True)
    return table, len(attention)

"""The province pages' tables with Vietnamese headers, and the sync status in words.

The figures come from `province.rollup`; this module only picks, orders and names columns
(the headers of the commune pages' exports where a figure is the same), so a table on the
screen is the table in the CSV and Excel downloads.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from tothu_core.figures import figures
from tothu_core.province import rollup
from tothu_core.sheet import contract

COUNT_HEADERS = {
    "groups": "Số tổ",
    "groups_covered": "Số tổ có cán bộ",
    "cadres": "Số cán bộ",
    "groups_met": "Số tổ họp",
    "households": "Số hộ",
    "households_present": "Số hộ dự",
    "expected": "Báo cáo phải có",
    "received": "Số báo cáo",
    "on_time": "Số báo cáo đúng hạn",
}
RATE_HEADERS = {
    "coverage_pct": "Tỷ lệ phủ (%)",
    "meeting_pct": "Tổ sinh hoạt (%)",
    "attendance_pct": "Tỷ lệ dự (%)",
    "completeness_pct": "Báo cáo đã nộp (%)",
    "on_time_pct": "Đúng hạn (%)",
}
ATTENTION_HEADER = "Tổ cần quan tâm"
LEVEL_NAMES = {
    rollup.LEVEL_COMMUNE: "Xã, phường",
    rollup.LEVEL_FORMER: "Xã cũ",
    rollup.LEVEL_HAMLET: "Ấp",
}
# Short names for the phone's narrow chart and compact table.
SHORT_RATES = {
    "coverage_pct": "Có cán bộ",
    "meeting_pct": "Sinh hoạt",
    "attendance_pct": "Hộ dự",
    "completeness_pct": "Đã nộp",
    "on_time_pct": "Đúng hạn",
}

SYNC_OK, SYNC_FAILED, SYNC_NEVER = "Đã đồng bộ", "Lỗi lần gần nhất", "Chưa đồng bộ"


def _month(values: pd.Series) -> pd.Series:
    return figures.month_text(values)


def commune_table(frame: pd.DataFrame, attention_counts: pd.Series | None = None) -> pd.DataFrame:
    """`rollup.by_commune` as the page shows and exports it."""
    out = pd.DataFrame(
        {
            "Mã xã": frame["commune"],
            "Tên xã": frame["commune_name"],
            "Tháng": _month(frame["month"]),
        }
    )
    for key, header in {**COUNT_HEADERS, **RATE_HEADERS}.items():
        out[header] = frame[key].to_numpy()
    if attention_counts is not None:
        out[ATTENTION_HEADER] = frame["commune"].map(attention_counts).fillna(0).astype("int64")
    return out.reset_index(drop=True)


def trend_table(frame: pd.DataFrame) -> pd.DataFrame:
    """`rollup.trend`: one row per month, counts and rates, oldest month first."""
    out = pd.DataFrame({"Tháng": _month(frame["month"])})
    for key, header in {**COUNT_HEADERS, **RATE_HEADERS}.items():
        out[header] = frame[key].to_numpy()
    return out.reset_index(drop=True)


def compact_commune_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Name and the five rates only: what fits a 390 px phone."""
    out = pd.DataFrame({"Xã, phường": frame["commune_name"]})
    for key, header in SHORT_RATES.items():
        out[f"{header} (%)"] = frame[key].to_numpy()
    return out.reset_index(drop=True)


def drilldown_table(frame: pd.DataFrame) -> pd.DataFrame:
    """`rollup.drilldown`: level, name, then the counts and rates of each row."""
    indent = frame["level"].map(
        {rollup.LEVEL_COMMUNE: "", rollup.LEVEL_FORMER: "· ", rollup.LEVEL_HAMLET: "· · "}
    )
    out = pd.DataFrame(
        {
            "Cấp": frame["level"].map(LEVEL_NAMES),
            "Tên": indent + frame["label"].astype(str),
            "Mã ấp": frame["hamlet_id"].astype(object).where(frame["hamlet_id"].notna(), ""),
        }
    )
    for key, header in {**COUNT_HEADERS, **RATE_HEADERS}.items():
        out[header] = frame[key].to_numpy()
    return out.reset_index(drop=True)


def attention_table(frame: pd.DataFrame) -> pd.DataFrame:
    """`rollup.attention` with the commune pages' headers, plus the commune (and the former
    commune, when some group's differs from its commune: otherwise it repeats the name)."""
    headers = contract.DERIVED_HEADERS["attention"]
    out = pd.DataFrame(
        {
            "Xã, phường": frame["commune_name"],
            "Xã cũ": frame["former_commune"],
            "Ấp": frame["hamlet_name"],
            headers["group_id"]: frame["group_id"],
            headers["group_name"]: frame["group_name"],
            headers["reasons"]: frame["reasons"],
        }
    ).reset_index(drop=True)
    merged = (frame["former_commune"] != frame["commune_name"]).fillna(False).any()
    return out if merged else out.drop(columns="Xã cũ")


def missing_table(frame: pd.DataFrame, names) -> pd.DataFrame:
    """Reports still missing for the month being chased, per commune, hamlet and cadre."""
    return pd.DataFrame(
        {
            "Xã, phường": frame["commune"].map(lambda c: names.get(c, c)),
            "Tháng": _month(frame["month"]),
            "Ấp": frame["hamlet_name"],
            "Họ và tên": frame["name"],
            "Chức vụ": frame["position"],
            "Số tổ phụ trách": frame["expected"],
            "Số báo cáo chưa nộp": frame["missing"],
            "Tổ chưa có báo cáo": frame["groups"],
        }
    ).reset_index(drop=True)


def _when(value) -> str:
    if value is None or pd.isna(value):
        return ""
    return pd.Timestamp(value).strftime("%H:%M %d/%m/%Y")


def status_table(
    communes: Iterable, status: pd.DataFrame, summary: pd.DataFrame | None = None
) -> pd.DataFrame:
    """One row per commune of the registry: when it was last synced, and what failed and why.

    `communes` are the registry's (code, name); `status` is `Store.status()`; `summary` the
    stored `rollup.summary` (problems found in the commune's sheet at its last good sync).
    """
    rows = status.set_index("commune") if len(status) else pd.DataFrame()
    sums = summary.set_index("commune") if summary is not None and len(summary) else None
    records = []
    for code, name in communes:
        row = rows.loc[code] if code in rows.index else None
        success = None if row is None else row.get("last_success")
        attempt = None if row is None else row.get("last_attempt")
        error = "" if row is None or pd.isna(row.get("error")) else str(row.get("error") or "")
        if error:
            state = SYNC_FAILED
        elif success is not None and not pd.isna(success):
            state = SYNC_OK
        else:
            state = SYNC_NEVER
        record = {
            "Mã xã": code,
            "Tên xã": name,
            "Trạng thái": state,
            "Đồng bộ được lúc": _when(success),
            "Lần thử gần nhất": _when(attempt),
            "Lỗi": error,
        }
        if sums is not None:
            known = code in sums.index
            record["Lỗi trong bảng tính"] = int(sums.loc[code, "errors"]) if known else None
            record["Cảnh báo"] = int(sums.loc[code, "warnings"]) if known else None
        records.append(record)
    # A registry without any commune still gives the table its columns (the page filters on them).
    columns = ["Mã xã", "Tên xã", "Trạng thái", "Đồng bộ được lúc", "Lần thử gần nhất", "Lỗi"]
    if sums is not None:
        columns += ["Lỗi trong bảng tính", "Cảnh báo"]
    out = pd.DataFrame(records, columns=columns)
    if sums is not None:
        for column in ("Lỗi trong bảng tính", "Cảnh báo"):
            out[column] = out[column].astype("Int64")
    return out


def status_counts(table: pd.DataFrame) -> dict[str, int]:
    """How many communes are in each state (for the line above the status table)."""
    counts = table["Trạng thái"].value_counts() if len(table) else pd.Series(dtype=int)
    return {state: int(counts.get(state, 0)) for state in (SYNC_OK, SYNC_FAILED, SYNC_NEVER)}


def last_sync_text(status: pd.DataFrame) -> str:
    """'Lần đồng bộ gần nhất: 08:15 02/12/2026' (or that no commune was synced yet)."""
    if not len(status) or status["last_success"].isna().all():
        return "Chưa có xã nào được đồng bộ."
    latest = status["last_success"].max()
    return f"Số liệu đồng bộ gần nhất lúc {_when(latest)}."

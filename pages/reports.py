"""Báo cáo tháng: who reported, who is late, who still owes a report (with a phone number to
call), and what the reports say."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import streamlit as st

from pages._shared import (
    ENTRY_COLUMNS,
    chart_text,
    context,
    page_header,
    show_chart,
    table_with_downloads,
)
from tothu_core.clock import office_now
from tothu_core.figures import activity, figures
from tothu_core.figures.numbers import is_missing, vn_int, vn_percent
from tothu_core.textnorm import escape_markdown

KEY_SEARCH = "reports_search"
# Reports written out in full below the table; more would make a phone page endless.
CARDS_SHOWN = 30


def _kpis(by_hamlet: pd.DataFrame) -> None:
    totals = activity.report_totals(by_hamlet)

    def share(column: str) -> str | None:
        return None if is_missing(totals[column]) else vn_percent(totals[column])

    cards = (
        ("Phải nộp", totals["expected"], None),
        ("Đã nộp", totals["received"], share("completeness_pct")),
        ("Đúng hạn", totals["on_time"], share("on_time_pct")),
        ("Chưa nộp", totals["missing"], None),
    )
    with st.container(horizontal=True):
        for label, value, note in cards:
            st.metric(label, vn_int(value), delta=note, delta_color="off", delta_arrow="off")


def _by_hamlet(ctx, by_hamlet: pd.DataFrame, *, overdue: bool) -> None:
    if by_hamlet["expected"].sum() == 0:
        st.info("Phạm vi đang xem không có tổ nào được phân công trong tháng này.")
        return
    long = by_hamlet.melt(
        id_vars="hamlet_name",
        value_vars=["on_time", "late", "missing"],
        var_name="state",
        value_name="reports",
    )
    missing = "Chưa nộp" if overdue else "Chưa nộp (còn hạn)"
    long["state"] = long["state"].map(
        {"on_time": "Đúng hạn", "late": "Nộp trễ", "missing": missing}
    )
    long["hamlet_name"] = chart_text(long["hamlet_name"])
    fig = px.bar(
        long,
        y="hamlet_name",
        x="reports",
        color="state",
        orientation="h",
        color_discrete_map={
            "Đúng hạn": "#2e7d32",
            "Nộp trễ": "#f9a825",
            missing: "#c62828" if overdue else "#bdbdbd",
        },
        labels={"hamlet_name": "", "reports": "Số báo cáo", "state": ""},
    )
    fig.update_yaxes(autorange="reversed")
    show_chart(fig, height=120 + 40 * len(by_hamlet))
    columns = ["hamlet_name", "expected", "received", "on_time", "late", "missing",
               "completeness_pct", "on_time_pct"]  # fmt: skip
    table_with_downloads(
        activity.for_display(by_hamlet, ["month", *columns]),
        slug="bao-cao-theo-ap",
        ctx=ctx,
        key="reports_hamlets",
    )


def _by_cadre(ctx, by_cadre: pd.DataFrame) -> None:
    columns = ["name", "cadre_id", "phone", "expected", "received", "on_time", "missing",
               "completeness_pct", "on_time_pct"]  # fmt: skip
    table_with_downloads(
        activity.for_display(by_cadre, ["month", *columns]),
        slug="bao-cao-theo-can-bo",
        ctx=ctx,
        key="reports_cadres",
        empty_message="Không có cán bộ nào được phân công trong phạm vi đang xem.",
    )


def _missing(ctx, missing: pd.DataFrame, *, overdue: bool) -> None:
    if missing.empty:
        st.success("Mọi đồng chí trong phạm vi đang xem đã nộp báo cáo tháng này.")
        return
    if overdue:
        st.warning(f"{len(missing)} đồng chí đã quá hạn mà chưa nộp đủ báo cáo.", icon="📞")
    else:
        st.caption(f"{len(missing)} đồng chí chưa nộp đủ; vẫn còn trong hạn nộp.")
    columns = ["name", "phone", "missing", "missing_groups", "position"]
    table_with_downloads(
        activity.for_display(missing, columns),
        slug="chua-nop-bao-cao",
        ctx=ctx,
        key="reports_missing",
        column_config={
            activity.HEADERS["missing_groups"]: st.column_config.TextColumn(width="large")
        },
    )


def _entry_card(row: pd.Series) -> None:
    with st.container(border=True):
        met = (
            "không sinh hoạt"
            if pd.isna(row["meeting_date"])
            else f"sinh hoạt {row['meeting_date']:%d/%m}"
        )
        group, hamlet, name = (
            escape_markdown(row[c]) for c in ("group_name", "hamlet_name", "name")
        )
        st.markdown(f"**{group} – {hamlet}** · {name} · {met}")
        if isinstance(row["situation"], str):
            st.markdown(f"*Tình hình:* {escape_markdown(row['situation'])}")
        if isinstance(row["proposals"], str):
            st.markdown(f"*Kiến nghị:* {escape_markdown(row['proposals'])}")


def _entries(ctx, entries: pd.DataFrame) -> None:
    if entries.empty:
        st.info(f"Chưa có báo cáo nào của tháng {ctx.filters.month_text} trong phạm vi đang xem.")
        return
    query = st.text_input(
        "Tìm trong báo cáo",
        key=KEY_SEARCH,
        placeholder="gõ không cần dấu, ví dụ: nuoc ngot, kien nghi",
    )
    found = activity.search_entries(entries, query)
    if query.strip():
        st.caption(f"Tìm thấy {len(found)} trong {len(entries)} báo cáo.")
    columns = ["group_name", "hamlet_name", "name", "meeting_date", "households_present",
               "attendance_pct", "cadre_attended", "topics", "situation", "proposals",
               "submitted_at", "on_time", "versions"]  # fmt: skip
    table_with_downloads(
        activity.for_display(found, columns),
        slug="noi-dung-bao-cao",
        ctx=ctx,
        key="reports_entries",
        date_columns=(activity.HEADERS["meeting_date"],),
        datetime_columns=(activity.HEADERS["submitted_at"],),
        column_config=ENTRY_COLUMNS,
        empty_message="Không có báo cáo nào khớp với từ cần tìm.",
    )
    written = found[found["situation"].notna() | found["proposals"].notna()]
    if written.empty:
        return
    st.markdown("**Tình hình và kiến nghị**")
    for _, row in written.head(CARDS_SHOWN).iterrows():
        _entry_card(row)
    if len(written) > CARDS_SHOWN:
        st.caption(
            f"Đang hiện {CARDS_SHOWN} trong {len(written)} báo cáo; gõ từ cần tìm để thu hẹp."
        )


def main() -> None:
    ctx = context()
    ds, f = ctx.ds, ctx.filters
    day = ctx.settings.deadline_day
    limit = figures.deadline(f.month, day=day)
    page_header("Báo cáo tháng", ctx, caption=f"hạn nộp hết ngày {limit:%d/%m/%Y}")
    by_hamlet = ctx.memo(
        "reports_by_hamlet",
        lambda: activity.reports_by_hamlet(ds, f.month, **f.kwargs, deadline_day=day),
        day,
    )
    overdue = activity.deadline_passed(f.month, now=office_now(), deadline_day=day)
    _kpis(by_hamlet)
    hamlets, cadres, missing, entries = st.tabs(
        ["Theo ấp", "Theo cán bộ", "Chưa nộp", "Nội dung báo cáo"]
    )
    with hamlets:
        _by_hamlet(ctx, by_hamlet, overdue=overdue)
    with cadres:
        _by_cadre(
            ctx,
            ctx.memo(
                "reports_by_cadre",
                lambda: activity.reports_by_cadre(ds, f.month, **f.kwargs, deadline_day=day),
                day,
            ),
        )
    with missing:
        owed = ctx.memo(
            "reports_missing", lambda: activity.missing_reports(ds, f.month, **f.kwargs)
        )
        _missing(ctx, owed, overdue=overdue)
    with entries:
        _entries(
            ctx,
            ctx.memo(
                "reports_entries",
                lambda: activity.month_entries(ds, f.month, **f.kwargs, deadline_day=day),
                day,
            ),
        )


main()

"""The province roll-up gives, for each commune and for their union, the commune pages' figures.

The data is the generated demo of two communes (ids prefixed X001-, X002-), read by the real
reader. Each commune is cut out of the book as its own Dataset (its own sheet), its roll-up
frames are stacked with a `commune` column as the store gives them back, and every province
figure is compared with `figures` computed on that commune's sheet, or on the union sheet.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from tothu_core.figures import figures, followup
from tothu_core.province import rollup
from tothu_core.sheet.dataset import Dataset
from tothu_core.sheet.demo import generate_workbook
from tothu_core.sheet.reader import read_dataset

NOW = dt.datetime(2026, 11, 20, 9, 0)
NAMES = {"X001": "Xã Mỹ Thạnh", "X002": "Xã Phú Túc", "X003": "Xã Chưa Đồng Bộ"}
OVERVIEW_COLUMNS = ["month", "cadres", *rollup.COUNTS, "average_load", *rollup.RATES]


def cut(ds: Dataset, prefix: str, *, hamlets=None) -> Dataset:
    """The part of `ds` whose ids start with `prefix` (or lie in `hamlets`), as its own sheet."""

    def rows(frame, column, keep):
        return frame[frame[column].isin(keep)].reset_index(drop=True)

    hamlet_ids = ds.hamlets.loc[ds.hamlets["hamlet_id"].str.startswith(prefix), "hamlet_id"]
    if hamlets is not None:
        hamlet_ids = hamlet_ids[hamlet_ids.isin(hamlets)]
    groups = rows(ds.groups, "hamlet_id", set(hamlet_ids))
    return Dataset(
        hamlets=rows(ds.hamlets, "hamlet_id", set(hamlet_ids)),
        cadres=ds.cadres[ds.cadres["cadre_id"].str.startswith(prefix)].reset_index(drop=True),
        groups=groups,
        assignments=rows(ds.assignments, "group_id", set(groups["group_id"])),
        meetings=rows(ds.meetings, "group_id", set(groups["group_id"])),
        topics=ds.topics,
        reminders=ds.reminders,
    )


@pytest.fixture(scope="module")
def union():
    book = generate_workbook(communes=2, months=8, end_month="10/2026", today=NOW.date())
    ds = read_dataset(book)
    assert not ds.errors
    return ds


@pytest.fixture(scope="module")
def communes(union):
    """Two commune sheets; X001's first three hamlets were the former commune «Mỹ An»,
    the others have a blank Xã cũ (the merged commune itself)."""
    first, second = cut(union, "X001-"), cut(union, "X002-")
    former = pd.Series(pd.NA, index=first.hamlets.index, dtype="string")
    former[first.hamlets["hamlet_id"].isin(["X001-A1", "X001-A2", "X001-A3"])] = "Mỹ An"
    first.hamlets["former_commune"] = former
    return {"X001": first, "X002": second}


@pytest.fixture(scope="module")
def tables(communes):
    return {code: rollup.commune_tables(ds, now=NOW) for code, ds in communes.items()}


def stacked(tables, name):
    """What the store's read_table gives back: every commune's rows, `commune` first."""
    return pd.concat(
        [frame.assign(commune=code) for code, t in tables.items() for frame in [t[name]]],
        ignore_index=True,
    ).pipe(lambda f: f[["commune", *f.columns.drop("commune")]])


def test_the_frames_are_small_typed_and_span_to_the_sync_month(tables, communes):
    t = tables["X001"]
    assert set(t) == set(rollup.SCHEMAS)
    for name, frame in t.items():
        assert {c: str(d) for c, d in frame.dtypes.items()} == {
            c: str(pd.Series(dtype=d).dtype) for c, d in rollup.SCHEMAS[name].items()
        }
    months = communes["X001"].months()
    assert list(t["months"]["month"]) == list(pd.period_range(months[0], "2026-11", freq="M"))
    assert len(t["hamlet_months"]) == len(communes["X001"].hamlets) * len(t["months"])
    summary = t["summary"].iloc[0]
    assert (summary["groups"], summary["hamlets"]) == (102, 6)
    assert summary["computed_at"] == pd.Timestamp(NOW)


def test_one_commune_rolled_up_is_its_overview_page(tables, communes):
    months = rollup.commune_months(communes["X001"], now=NOW)
    expected = figures.overview(communes["X001"], months)
    got = rollup.trend(stacked(tables, "months"), ["X001"])
    pd.testing.assert_frame_equal(got[OVERVIEW_COLUMNS], expected[OVERVIEW_COLUMNS])
    # The commune's own page spans its entries only; its months agree row for row.
    page = figures.overview(communes["X001"], communes["X001"].months())
    same = got[got["month"].isin(page["month"])].reset_index(drop=True)
    pd.testing.assert_frame_equal(same[OVERVIEW_COLUMNS], page[OVERVIEW_COLUMNS])


def test_two_communes_rolled_up_equal_the_figures_of_their_union(tables, union):
    months = rollup.commune_months(union, now=NOW)
    expected = figures.overview(union, months)
    got = rollup.trend(stacked(tables, "months"))
    pd.testing.assert_frame_equal(got[OVERVIEW_COLUMNS], expected[OVERVIEW_COLUMNS])
    # Rates from summed counts, not the mean of the communes' rates.
    per = stacked(tables, "months")
    mean = rollup.with_rates(per).groupby("month")["attendance_pct"].mean().to_numpy()
    assert not np.allclose(mean, got["attendance_pct"].to_numpy())


def test_per_commune_rows_for_a_month(tables, communes):
    table = rollup.by_commune(stacked(tables, "months"), "09/2026", NAMES)
    assert list(table["commune"]) == ["X001", "X002", "X003"]
    assert list(table["commune_name"]) == list(NAMES.values())
    for code in ("X001", "X002"):
        page = figures.overview(communes[code], "09/2026").iloc[0]
        row = table.set_index("commune").loc[code]
        for column in OVERVIEW_COLUMNS[1:]:
            assert row[column] == pytest.approx(page[column], nan_ok=True), (code, column)
    # A commune of the registry that has no data yet: zero counts, blank rates.
    missing = table.set_index("commune").loc["X003"]
    assert missing["groups"] == 0 and np.isnan(missing["coverage_pct"])


def test_each_hamlet_as_the_commune_pages_show_it(tables, communes):
    month = "09/2026"
    ds = communes["X002"]
    table = rollup.by_hamlet(stacked(tables, "hamlet_months"), month, NAMES, ["X002"])
    coverage = figures.coverage(ds, month).set_index("hamlet_id")
    attendance = figures.attendance(ds, month).set_index("hamlet_id")
    assert list(table["hamlet_id"]) == list(coverage.index)
    for row in table.itertuples():
        assert row.coverage_pct == pytest.approx(coverage.loc[row.hamlet_id, "coverage_pct"])
        assert row.cadres == coverage.loc[row.hamlet_id, "cadres"]
        assert row.attendance_pct == pytest.approx(
            attendance.loc[row.hamlet_id, "attendance_pct"], nan_ok=True
        )
        page = figures.overview(ds, month, hamlet=row.hamlet_id).iloc[0]
        for column in ("meeting_pct", "completeness_pct", "on_time_pct", "expected", "on_time"):
            assert getattr(row, column) == pytest.approx(page[column], nan_ok=True), column
    assert set(table["former_commune"]) == {"Xã Phú Túc"}


def test_a_former_commune_is_the_union_of_its_hamlets(tables, communes, union):
    month = "08/2026"
    table = rollup.by_former_commune(stacked(tables, "former_months"), month, NAMES)
    got = table.set_index(["commune", "former_commune"])
    first = ["X001-A1", "X001-A2", "X001-A3"]
    rest = [h for h in communes["X001"].hamlets["hamlet_id"] if h not in first]
    for label, hamlets in (("Mỹ An", first), ("Xã Mỹ Thạnh", rest)):
        page = figures.overview(cut(union, "X001-", hamlets=hamlets), month).iloc[0]
        row = got.loc[("X001", label)]
        for column in OVERVIEW_COLUMNS[1:]:
            assert row[column] == pytest.approx(page[column], nan_ok=True), (label, column)
    assert list(got.loc["X002"].index) == ["Xã Phú Túc"]


def test_drilldown_commune_then_former_commune_then_hamlets(tables):
    table = rollup.drilldown(
        stacked(tables, "months"),
        stacked(tables, "former_months"),
        stacked(tables, "hamlet_months"),
        "09/2026",
        NAMES,
    )
    x001 = table[table["commune"] == "X001"]
    assert list(x001["level"]) == (
        ["commune", "former_commune"] + ["hamlet"] * 3 + ["former_commune"] + ["hamlet"] * 3
    )
    assert list(x001["label"][:2]) == ["Xã Mỹ Thạnh", "Mỹ An"]
    # X002 has one former commune (itself): its hamlets come straight under it.
    x002 = table[table["commune"] == "X002"]
    assert list(x002["level"]) == ["commune"] + ["hamlet"] * 6
    for frame in (x001, x002):
        hamlets = frame[frame["level"] == "hamlet"]
        top = frame[frame["level"] == "commune"].iloc[0]
        for column in ("groups", "groups_met", "households_present", "expected", "on_time"):
            assert hamlets[column].sum() == top[column]
    assert list(table[table["commune"] == "X003"]["level"]) == ["commune"]
    # Communes in the registry's order, each one's rows together; hamlets in the sheet's order.
    assert list(dict.fromkeys(table["commune"])) == ["X001", "X002", "X003"]
    assert list(table["commune"]) == sorted(table["commune"])
    assert list(x002["hamlet_id"].dropna()) == [f"X002-A{i}" for i in range(1, 7)]


def test_needs_attention_is_the_commune_list(tables, communes):
    frame = stacked(tables, "attention")
    assert sorted(set(frame["month"].astype(str))) == ["2026-09", "2026-10", "2026-11"]
    table = rollup.attention(frame, "10/2026", NAMES)
    for code, ds in communes.items():
        page = figures.needs_attention(ds, "10/2026")
        mine = table[table["commune"] == code]
        assert sorted(mine["group_id"]) == sorted(page["group_id"])
        assert dict(zip(mine["group_id"], mine["reasons"], strict=True)) == dict(
            zip(page["group_id"], page["reasons"], strict=True)
        )
    assert list(table["reason_count"]) == sorted(table["reason_count"], reverse=True)
    counts = rollup.attention_counts(frame, "10/2026", NAMES)
    assert counts.to_dict() == {
        "X001": (table["commune"] == "X001").sum(),
        "X002": (table["commune"] == "X002").sum(),
        "X003": 0,
    }


def test_missing_reports_are_the_followup_list(tables, communes):
    frame = stacked(tables, "missing")
    for code, ds in communes.items():
        page = followup.missing_by_hamlet(ds, "10/2026")
        mine = frame[frame["commune"] == code]
        assert list(mine["cadre_id"]) == list(page["cadre_id"])
        assert list(mine["missing"]) == list(page["missing"])
        assert list(mine["groups"]) == [", ".join(g) for g in page["group_labels"]]


def test_an_empty_sheet_gives_empty_typed_frames():
    book = generate_workbook(months=1, end_month="10/2026", today=NOW.date())
    ds = read_dataset(book)
    empty = Dataset(
        hamlets=ds.hamlets,
        cadres=ds.cadres,
        groups=ds.groups,
        assignments=ds.assignments.iloc[0:0],
        meetings=ds.meetings.iloc[0:0],
        topics=ds.topics,
    )
    tables = rollup.commune_tables(empty, now=NOW)
    assert all(tables[name].empty for name in rollup.SCHEMAS if name != "summary")
    assert str(tables["months"]["month"].dtype) == "period[M]"
    assert tables["summary"].iloc[0]["groups"] == len(ds.groups)
    assert rollup.trend(stacked({"X": tables}, "months")).empty


def test_default_month_is_the_newest_one_due():
    months = pd.DataFrame(
        {
            "commune": ["A", "A", "B"],
            "month": pd.PeriodIndex(["2026-10", "2026-11", "2026-09"], freq="M"),
        }
    )
    assert rollup.default_month(months, now=NOW, deadline_day=5) == pd.Period("2026-10")
    assert rollup.default_month(months, now=dt.datetime(2026, 11, 3), deadline_day=5) == (
        pd.Period("2026-09")
    )


def test_the_former_commune_comes_from_the_sheets_xa_cu_column():
    """Read by the real reader: «Xã cũ» typed for some hamlets, blank (the commune) for others."""
    book = generate_workbook(months=3, end_month="10/2026", today=NOW.date())
    header, *rows = book["Ấp"]
    assert header[-1] == "Xã cũ"
    former = {"A1": "Mỹ An", "A2": " Mỹ An ", "A3": "Mỹ Hòa"}
    book["Ấp"] = [header] + [[*r[:4], former.get(r[1], "")] for r in rows]
    ds = read_dataset(book)
    tables = rollup.commune_tables(ds, now=NOW)
    by_former = tables["former_months"]
    assert sorted(set(by_former["former_commune"].dropna())) == ["Mỹ An", "Mỹ Hòa"]
    assert by_former["former_commune"].isna().any()
    table = rollup.by_former_commune(
        stacked({"X001": tables}, "former_months"), "10/2026", {"X001": "Xã Mỹ Thạnh"}
    )
    assert list(table["former_commune"]) == ["Mỹ An", "Mỹ Hòa", "Xã Mỹ Thạnh"]
    mine = cut(ds, "", hamlets=["A1", "A2"])
    first = table.iloc[0]
    assert first["groups"] == figures.overview(mine, "10/2026").iloc[0]["groups"]
    page = figures.overview(ds, "10/2026").iloc[0]
    assert table["groups"].sum() == page["groups"]
    assert table["households_present"].sum() == page["households_present"]


def test_attention_is_kept_for_the_last_months_of_each_communes_sync(tables, communes):
    summary = stacked(tables, "summary")
    # Synced in 11/2026: 09, 10 and 11/2026 kept; 08/2026 is not "no group needs attention".
    kept = [rollup.attention_kept(summary, m) for m in ("08/2026", "09/2026", "11/2026")]
    assert kept == [False, True, True]
    assert set(stacked(tables, "attention")["month"].astype(str)) == {
        "2026-09",
        "2026-10",
        "2026-11",
    }
    # X002 synced on 20/09/2026 (entries up to 10/2026) keeps 08–10/2026: 08/2026 is kept
    # for it, not for X001, so the province's 08/2026 list is not whole.
    early = rollup.commune_tables(communes["X002"], now=dt.datetime(2026, 9, 20))
    alone = stacked({"X002": early}, "summary")
    assert rollup.attention_kept(alone, "08/2026") and not rollup.attention_kept(alone, "07/2026")
    both = stacked({"X001": tables["X001"], "X002": early}, "summary")
    assert not rollup.attention_kept(both, "08/2026") and rollup.attention_kept(both, "09/2026")
    assert not rollup.attention_kept(summary.iloc[0:0], "10/2026")

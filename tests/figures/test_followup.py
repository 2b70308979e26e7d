"""Who still owes which report (figures.followup), on a hand-made commune."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest

from tests.sheets import assign, book, cadre, group, hamlet, meeting
from tothu_core.figures import figures, followup
from tothu_core.sheet.reader import read_dataset

NOV = pd.Period("2026-11", freq="M")


@pytest.fixture
def ds():
    """Two hamlets. Lan follows T1, T2 (Mỹ An) and T3 (Mỹ Hòa) and reported only T2; Bình
    follows T4 and reported it; An follows T5 and reported it only in October; Cường's group
    T6 ended in September."""
    raw = book(
        hamlets=[hamlet("A1", "Ấp Mỹ An"), hamlet("A2", "Ấp Mỹ Hòa")],
        cadres=[
            cadre("CB01", "Trần Thị Lan"),
            cadre("CB02", "Nguyễn Văn Bình"),
            cadre("CB03", "Lê Văn An"),
            cadre("CB04", "Phạm Cường"),
        ],
        groups=[
            group("T1", "A1", 30, name="Tổ 1"),
            group("T2", "A1", 30, name="Tổ 2"),
            group("T3", "A2", 30, name="Tổ 3"),
            group("T4", "A2", 30, name="Tổ 4"),
            group("T5", "A2", 30, name="Tổ 5"),
            group("T6", "A1", 30, name="Tổ 6"),
        ],
        assignments=[
            assign("CB01", "T1", "1/1/2026"),
            assign("CB01", "T2", "1/1/2026"),
            assign("CB01", "T3", "1/1/2026"),
            assign("CB02", "T4", "1/1/2026"),
            assign("CB03", "T5", "1/1/2026"),
            assign("CB04", "T6", "1/1/2026", "30/9/2026"),
        ],
        meetings=[
            meeting("11/2026", "T2", "CB01", "10/11/2026", 20, "x", at="12/11/2026 08:00"),
            meeting("11/2026", "T4", "CB02", "", at="20/11/2026 08:00"),
            meeting("10/2026", "T5", "CB03", "10/10/2026", 20, "x", at="12/10/2026 08:00"),
        ],
    )
    return read_dataset(raw)


def test_the_month_due_is_the_last_month_that_has_ended():
    assert followup.month_due(datetime(2026, 12, 1, 9)) == NOV
    assert followup.month_due(datetime(2026, 12, 31, 23, 59)) == NOV
    assert followup.month_due(datetime(2027, 1, 1, 0, 0)) == pd.Period("2026-12", freq="M")


@pytest.mark.parametrize(
    ("now", "days", "text"),
    [
        (datetime(2026, 12, 1, 9), 4, "còn 4 ngày"),
        (datetime(2026, 12, 4, 23, 59), 1, "còn 1 ngày"),
        (datetime(2026, 12, 5, 0, 1), 0, "hạn là hôm nay"),
        (datetime(2026, 12, 5, 23, 59), 0, "hạn là hôm nay"),
        (datetime(2026, 12, 6, 0, 0), -1, "đã quá hạn 1 ngày"),
        (datetime(2026, 12, 20, 8), -15, "đã quá hạn 15 ngày"),
    ],
)
def test_days_to_the_deadline_are_counted_on_the_office_calendar(now, days, text):
    state = followup.deadline_state(NOV, now=now)
    assert state.deadline == figures.deadline(NOV)
    assert (state.days, state.distance_text, state.overdue) == (days, text, days < 0)
    assert state.deadline_text == "05/12/2026"


def test_another_deadline_day_moves_the_count():
    state = followup.deadline_state(NOV, now=datetime(2026, 12, 1), deadline_day=10)
    assert (state.deadline_text, state.days) == ("10/12/2026", 9)


def test_per_hamlet_each_cadre_with_the_groups_missing_there(ds):
    table = followup.missing_by_hamlet(ds, NOV)
    rows = table[["hamlet_id", "cadre_id", "missing", "expected", "group_ids"]].values.tolist()
    assert rows == [
        ["A1", "CB01", 1, 2, ("T1",)],
        ["A2", "CB03", 1, 1, ("T5",)],
        ["A2", "CB01", 1, 1, ("T3",)],
    ]
    assert table.loc[0, "hamlet_name"] == "Ấp Mỹ An"


def test_per_cadre_every_missing_group_once_with_its_hamlet(ds):
    table = followup.missing_by_cadre(ds, NOV)
    assert table["cadre_id"].tolist() == ["CB03", "CB01"]  # Vietnamese order: An, Lan
    lan = table.iloc[1]
    assert (lan["missing"], lan["expected"], lan["group_ids"]) == (2, 3, ("T1", "T3"))
    assert lan["group_labels"] == ("Tổ 1 (Ấp Mỹ An)", "Tổ 3 (Ấp Mỹ Hòa)")
    assert lan["groups_text"] == "Tổ 1 (Ấp Mỹ An); Tổ 3 (Ấp Mỹ Hòa)"
    assert lan["name"] == "Trần Thị Lan"


def test_the_list_is_the_completeness_figure(ds):
    """One definition: what is missing here is expected minus received of figures."""
    table = followup.missing_by_cadre(ds, NOV)
    done = figures.completeness(ds, NOV).set_index("cadre_id")
    owed = done["expected"] - done["received"]
    assert dict(zip(table["cadre_id"], table["missing"], strict=True)) == owed[owed > 0].to_dict()


def test_several_months_and_the_filters(ds):
    both = followup.missing_by_cadre(ds, [pd.Period("2026-10", freq="M"), NOV])
    assert both[["month", "cadre_id"]].astype(str).values.tolist() == [
        ["2026-10", "CB02"],  # Bình before Lan
        ["2026-10", "CB01"],
        ["2026-11", "CB03"],
        ["2026-11", "CB01"],
    ]
    october = both.iloc[1]
    assert october["groups_text"] == "Tổ 1, Tổ 2 (Ấp Mỹ An); Tổ 3 (Ấp Mỹ Hòa)"
    assert followup.missing_by_cadre(ds, NOV, hamlet="A1")["cadre_id"].tolist() == ["CB01"]
    assert followup.missing_by_cadre(ds, NOV, cadre="CB02").empty
    assert followup.missing_by_hamlet(ds, NOV, cadre="CB02").empty
    assert list(followup.missing_by_hamlet(ds, NOV, cadre="CB02")) == followup.BY_HAMLET


def test_a_group_handed_over_is_no_longer_owed_by_its_old_cadre(ds):
    assert "CB04" not in followup.missing_by_cadre(ds, NOV)["cadre_id"].tolist()
    assert (
        "CB04" in followup.missing_by_cadre(ds, pd.Period("2026-09", freq="M"))["cadre_id"].tolist()
    )

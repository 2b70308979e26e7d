"""Parsing each distinct cell once gives what parsing every cell on its own gives.

The reader groups a column's cells (`parsing.distinct`), parses each group once and takes
the result back to every row. The oracle here is independent of that: every cell parsed
alone, in a Series of its own. Cells are the hostile mix the backends and the office
produce: the same date as text, as a serial number and as a date cell; check boxes beside
1, 1.0 and "1" (True == 1 == 1.0 in Python, yet they do not read alike); blanks of every
kind; duplicates everywhere.
"""

from __future__ import annotations

import datetime as dt
import functools
import random

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.sheets import small_book
from tothu_core.sheet import contract, parsing, reader
from tothu_core.sheet.demo import generate_workbook
from tothu_core.sheet.parsing import PARSERS, Distinct, distinct
from tothu_core.sheet.reader import read_dataset

HOSTILE = [
    # the same day in every form a backend gives it
    "26/9/2016", "26/09/2016", " 26/9/2016 ", "2016-09-26", "26/9/2016 14:30", "26.9.2016",
    dt.date(2016, 9, 26), dt.datetime(2016, 9, 26), dt.datetime(2016, 9, 26, 14, 30),
    pd.Timestamp("2016-09-26"), 42639, 42639.0, 42639.5, np.int64(42639),
    # impossible or out-of-range dates
    "31/02/2016", "2016-02-30", dt.date(3016, 9, 26), dt.datetime(1, 1, 1), 2e6,
    # months
    "9/2016", "09/2016", "Tháng 9/2016", "tháng 09 / 2016", "2016-09", "13/2016", "9/16",
    # check boxes and their look-alikes: equal in Python, not alike in a sheet
    True, False, np.True_, np.False_, 1, 0, 1.0, 0.0, -0.0, "1", "0", "TRUE", "FALSE",
    "true", "x", "X", "Có", "có", " Có ", "Không", "khong", "✓", "v",
    # counts and decimals
    45, 45.0, "45", "45.0", " 45 ", 45.5, "4,5", "-3", -3, 2**60, float(2**53), np.float64(7),
    float("inf"), "1e3",
    # blanks of every kind
    None, "", "   ", "\n", float("nan"), np.float64("nan"),
    # formula errors and formula-like text
    "#REF!", "#N/A", "#DIV/0!", "=SUM(A1:A3)", "+84 912 345 678", "+cộng", "-", "@ai",
    # text, lists, ids
    "Ấp Mỹ An", "Ấp  Mỹ   An", "a; b", "a\nb", "  a ;; b ", "T1", "CB01", "CB01 ", "Tốt", "yếu",
]  # fmt: skip

cells = st.lists(
    st.one_of(
        st.sampled_from(HOSTILE),
        st.sampled_from(HOSTILE),  # drawn twice as often: duplicates are the point
        st.text(max_size=6),
        st.integers(min_value=-(10**6), max_value=10**6),
        st.floats(),
        st.booleans(),
        st.dates(),
        st.datetimes(),
    ),
    max_size=25,
)


def each_alone(parser, values: list):
    """The oracle: every cell parsed in a Series of its own, results put side by side."""
    parsed = [parser(pd.Series([v], dtype=object)) for v in values]
    if not parsed:
        return parser(pd.Series([], dtype=object))
    typed = pd.concat([p[0] for p in parsed], ignore_index=True)
    bad = pd.concat([p[1] for p in parsed], ignore_index=True)
    return typed, bad


def once_each(parser, values: list):
    """What the reader does: parse the distinct cells, take the results to every cell."""
    grouped = distinct(values)
    typed, bad = parser(grouped.values)
    return grouped.take(typed), grouped.expand(bad.to_numpy(dtype=bool))


def same_cell(a, b) -> bool:
    """Same type and equal, or both NaN."""
    return type(a) is type(b) and (a == b or (a != a and b != b))


@pytest.mark.parametrize("kind", sorted(PARSERS))
@settings(max_examples=40, deadline=None, database=None)
@given(values=cells)
def test_parsing_the_distinct_cells_once_equals_parsing_each_cell_alone(kind, values):
    parser = PARSERS[kind]
    typed, bad = once_each(parser, values)
    expected_typed, expected_bad = each_alone(parser, values)
    pd.testing.assert_series_equal(typed, expected_typed, check_exact=True)
    assert bad.tolist() == expected_bad.astype(bool).tolist()


@settings(max_examples=60, deadline=None, database=None)
@given(values=cells)
def test_every_cell_keeps_its_own_value_and_type(values):
    grouped = distinct(values)
    assert len(grouped.codes) == len(values)
    for value, code in zip(values, grouped.codes, strict=True):
        assert same_cell(grouped.values.iloc[code], value)
    shown = list(grouped.values)
    for i, a in enumerate(shown):
        assert not any(same_cell(a, b) for b in shown[i + 1 :])


def test_look_alikes_stay_apart_and_repeats_are_grouped():
    values = [True, 1, 1.0, "1", np.True_, None, float("nan"), pd.NaT, "", True, 1, None]
    grouped = distinct(values)
    assert len(grouped.values) == 9
    assert grouped.codes.tolist() == [0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 5]
    counts, _ = parsing.parse_int(grouped.values)
    assert grouped.take(counts).tolist()[:5] == [pd.NA, 1, 1, 1, pd.NA]  # a tick is no count
    _, bad = parsing.parse_date(grouped.values)
    # A blank is no problem; NaT, a date object holding no date, is not a blank.
    assert grouped.expand(bad.to_numpy()).tolist()[5:9] == [False, False, True, False]
    text, _ = parsing.parse_text(distinct([True, 1, 1.0, "1", True]).values)
    assert text.tolist() == ["TRUE", "1", "1", "1"]


# --- the whole read: frames and problems as when every cell is parsed alone ------------------


@functools.cache
def _demo_book() -> dict:
    return generate_workbook(communes=1, months=2, end_month="12/2025", today=dt.date(2026, 1, 10))


def _hostile_book(seed: int) -> dict:
    """The demo commune (2 months) with hostile cells, duplicates, blank and ragged rows."""
    book = _demo_book()
    rng = random.Random(seed)
    hostile = {}
    for title, rows in book.items():
        header = next(i for i, r in enumerate(rows) if sum(c is not None for c in r) > 2)
        body = [list(r) for r in rows[header + 1 :]]
        for row in body:
            for j in range(len(row)):
                roll = rng.random()
                if roll < 0.08:
                    row[j] = rng.choice(HOSTILE)
                elif roll < 0.12:
                    row[j] = rng.choice(body)[j]  # another row's cell: duplicates
        body += [list(rng.choice(body)) for _ in range(len(body) // 10)]  # whole repeated rows
        body += [[None, "  ", False], ["FALSE", None], [], [True]]
        rng.shuffle(body)
        for row in rng.sample(body, len(body) // 10):
            del row[rng.randrange(len(row) + 1) :]  # ragged rows
        hostile[title] = rows[: header + 1] + body
    return hostile


def _alone(parser):
    def parse(cells: pd.Series):
        return each_alone(parser, list(cells))

    return parse


def _without_sharing(cells) -> Distinct:
    return Distinct(pd.Series(list(cells), dtype=object), np.arange(len(cells)))


@pytest.mark.parametrize("seed", [1, 2])
def test_the_read_equals_a_read_parsing_every_cell_alone(seed, monkeypatch):
    raw = _hostile_book(seed)
    read_at = dt.datetime(2026, 1, 10, 8)
    ds = read_dataset(raw, read_at=read_at)

    monkeypatch.setattr(reader, "distinct", _without_sharing)
    monkeypatch.setattr(reader, "PARSERS", {kind: _alone(p) for kind, p in PARSERS.items()})
    oracle = read_dataset(raw, read_at=read_at)

    for key in contract.TABS:
        pd.testing.assert_frame_equal(getattr(ds, key), getattr(oracle, key), check_exact=True)
    assert ds.problems == oracle.problems
    assert ds.layouts == oracle.layouts
    # The book is hostile enough for the comparison to mean something.
    assert min(len(ds.meetings), len(ds.groups), len(ds.assignments)) > 20
    messages = {p.message.split("«")[0] for p in ds.problems}
    assert len(ds.problems) > 100 and len(messages) > 10


@settings(
    max_examples=15, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(body=st.lists(st.lists(st.sampled_from(HOSTILE), min_size=0, max_size=12), max_size=12))
def test_hostile_entries_read_as_when_every_cell_is_parsed_alone(body):
    raw = small_book()
    raw["Sinh hoạt"] = raw["Sinh hoạt"] + body
    ds = read_dataset(raw)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(reader, "distinct", _without_sharing)
        patch.setattr(reader, "PARSERS", {kind: _alone(p) for kind, p in PARSERS.items()})
        oracle = read_dataset(raw, read_at=ds.read_at)
    pd.testing.assert_frame_equal(ds.meetings, oracle.meetings, check_exact=True)
    assert ds.problems == oracle.problems

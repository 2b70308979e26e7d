"""Vectorised parsers for the cell values the office types (see the contract's "Cell values").

Each parser takes an object Series of raw cells (str, int, float, bool, date, datetime or
None) and returns the typed Series plus a mask of cells that were present but unreadable.
Cells arrive as a backend holds them: a Google Sheet gives date cells as serial numbers,
a workbook gives real dates, a CSV gives strings; all are accepted.

Every parser reads each cell on its own (no cell's result depends on another's), so the
reader parses a column's distinct values once (`distinct`) and takes the results back to
every cell: a month, a Mã tổ or a «Có» is typed on thousands of rows.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from tothu_core.sheet import contract
from tothu_core.textnorm import fold

# Google Sheets and Excel count days from 1899-12-30.
_SERIAL_EPOCH = pd.Timestamp("1899-12-30")
# Serial numbers we accept as dates: 1950-01-01 .. 2099-12-31.
_SERIAL_MIN, _SERIAL_MAX = 18264, 73050

_DMY = re.compile(
    r"^(?P<d>\d{1,2})[/.\-](?P<m>\d{1,2})[/.\-](?P<y>\d{4})"
    r"(?:[ T]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?$"
)
_YMD = re.compile(
    r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"
    r"(?:[ T]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?$"
)
_MONTH_MY = re.compile(r"^(?:thang\s*)?(?P<m>\d{1,2})\s*[/.\-]\s*(?P<y>\d{4})$")
_MONTH_YM = re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})$")
_WHOLE = re.compile(r"^\d+(?:\.0+)?$")
# Beyond this a float no longer holds every whole number: not a count anyone typed.
_WHOLE_MAX = 2**53
_DECIMAL = re.compile(r"^-?\d+(?:[.,]\d+)?$")

_TRUE = {"co", "x", "1", "true", "yes", "y", "v", "dung", "\u2713", "\u2714"}
_FALSE = {"khong", "0", "false", "no", "n", "k", "sai"}


@dataclass(frozen=True)
class Distinct:
    """A column's cells as its distinct values, each once, and which one every cell holds."""

    #: object Series, one per distinct cell
    values: pd.Series
    #: for every cell, the position of its value in `values`
    codes: np.ndarray

    def expand(self, per_value) -> np.ndarray:
        """A result computed once per distinct value, for every cell."""
        return np.asarray(per_value)[self.codes]

    def take(self, typed: pd.Series) -> pd.Series:
        """A typed Series parsed from `values`, for every cell (the dtype kept)."""
        return pd.Series(typed.array.take(self.codes))


def distinct(cells: Sequence) -> Distinct:
    """Group equal cells of the same type, at C speed (pd.factorize).

    Equal is not enough: True == 1 == 1.0 and None, NaN and NaT are all "missing" to
    factorize, yet a check box, a count and a decimal, or a blank and a broken date cell,
    do not read alike. So unless the column holds one type (or text and blanks, which
    factorize keeps apart), a cell's type is part of its key.
    """
    count = len(cells)
    array = np.fromiter(cells, dtype=object, count=count)
    codes, values = pd.factorize(array)
    types = set(map(type, cells))
    if len(types) > 1 and not types <= _TEXT_OR_BLANK:
        kinds, kind_count = pd.factorize(np.fromiter(map(id, map(type, cells)), np.int64, count))
        codes, _ = pd.factorize(codes.astype(np.int64) * len(kind_count) + kinds)
        _, first = np.unique(codes, return_index=True)
        values = array[first]
    elif (codes < 0).any():
        # The blanks (all None, or all NaN) as one more value, after the others.
        codes = np.where(codes < 0, len(values), codes)
        values = np.append(values, array[np.argmax(codes == len(values))])
    return Distinct(pd.Series(values, dtype=object), codes.astype(np.intp))


_TEXT_OR_BLANK = {str, type(None)}


# The kind of the cell types backends give, looked up before any isinstance test.
_KIND_OF_TYPE = {str: "s", int: "n", float: "n", bool: "b", dt.date: "t", dt.datetime: "t",
                 pd.Timestamp: "t", type(None): "-"}  # fmt: skip


def _kind(v) -> str:
    """s(tring) n(umber) b(ool) t(ime) -(missing)."""
    kind = _KIND_OF_TYPE.get(type(v))
    if kind == "s":
        return "s" if v else "-"
    if kind == "n":
        return "-" if v != v else "n"
    if kind is not None:
        return kind
    if isinstance(v, str):
        return "s" if v else "-"
    if isinstance(v, bool | np.bool_):
        return "b"
    if isinstance(v, int | float | np.integer | np.floating):
        return "-" if v != v else "n"
    if isinstance(v, dt.date):
        return "t"
    return "s"


def _kinds(s: pd.Series) -> pd.Series:
    """A one-letter kind per cell (see `_kind`)."""
    return pd.Series([_kind(v) for v in s], index=s.index, dtype=object)


def missing_mask(s: pd.Series) -> pd.Series:
    return _kinds(s) == "-"


def parse_text(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Text as typed; a whole number cell (a phone, an id typed as 12) loses its '.0'."""

    def text(v):
        if v is None or v == "" or (isinstance(v, float) and v != v):
            return None
        if isinstance(v, bool):
            return "TRUE" if v else "FALSE"
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        if isinstance(v, dt.datetime):
            return v.strftime(contract.DATETIME_FORMAT)
        if isinstance(v, dt.date):
            return v.strftime(contract.DATE_FORMAT)
        return str(v)

    # Most cells are already text: kept as they are, without a call.
    out = pd.Series([v if type(v) is str and v else text(v) for v in s], index=s.index, dtype="str")
    return out, pd.Series(False, index=s.index)


def _from_parts(parts: pd.DataFrame) -> pd.Series:
    """Build timestamps from regex parts; impossible dates (31/02) become NaT."""
    nums = parts.apply(pd.to_numeric, errors="coerce")
    frame = pd.DataFrame(
        {
            "year": nums["y"],
            "month": nums["m"],
            "day": nums["d"],
            "hour": nums.get("H", 0),
            "minute": nums.get("M", 0),
            "second": nums.get("S", 0),
        }
    ).fillna({"hour": 0, "minute": 0, "second": 0})
    if frame.empty:
        return pd.Series(pd.NaT, index=parts.index, dtype="datetime64[ns]")
    # pandas adds hours/minutes as durations (25:00 -> next day 01:00): refuse them instead.
    clock_ok = (frame["hour"] < 24) & (frame["minute"] < 60) & (frame["second"] < 60)
    return pd.to_datetime(frame, errors="coerce").where(clock_ok)


def _date_cells(cells: pd.Series) -> pd.Series:
    """Date cells as Timestamps, at once; a typo such as year 3016 is unreadable, not a crash."""
    stamps = pd.to_datetime(cells, errors="coerce")
    in_range = (stamps >= pd.Timestamp.min) & (stamps <= pd.Timestamp.max)
    return stamps.where(in_range).astype("datetime64[ns]")


def _fold_each(texts: pd.Series) -> pd.Series:
    """fold() once per distinct text: the same month or 'x' is typed on thousands of rows."""
    return texts.map({text: fold(text) for text in texts.unique()})


def _parse_timestamp(s: pd.Series, *, keep_time: bool) -> tuple[pd.Series, pd.Series]:
    kinds = _kinds(s)
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")

    t = kinds == "t"
    if t.any():
        out[t] = _date_cells(s[t])

    n = kinds == "n"
    if n.any():
        serial = pd.to_numeric(s[n], errors="coerce").astype(float)
        ok = serial.between(_SERIAL_MIN, _SERIAL_MAX)
        out[n & ok.reindex(s.index, fill_value=False)] = _SERIAL_EPOCH + pd.to_timedelta(
            serial[ok], unit="D"
        ).dt.round("s")

    st = kinds == "s"
    if st.any():
        text = s[st].astype(str).str.strip()
        dmy = text.str.extract(_DMY)
        ymd = text.str.extract(_YMD)
        parts = dmy.where(dmy["y"].notna(), ymd)
        out[st] = _from_parts(parts)

    if not keep_time:
        out = out.dt.normalize()
    bad = (kinds != "-") & out.isna()
    return out, bad


def parse_date(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Day-first dates: 26/9/2016, 26/09/2016, 2016-09-26, a date cell or a serial number."""
    return _parse_timestamp(s, keep_time=False)


def parse_datetime(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """A date as above, optionally followed by HH:MM or HH:MM:SS."""
    return _parse_timestamp(s, keep_time=True)


def parse_month(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """9/2016, 09/2016, 2016-09, 'Tháng 9/2016', or any date (its month is taken)."""
    kinds = _kinds(s)
    months = pd.Series(np.nan, index=s.index)
    st = kinds == "s"
    if st.any():
        text = _fold_each(s[st].astype(str))
        my = text.str.extract(_MONTH_MY)
        ym = text.str.extract(_MONTH_YM)
        parts = my.where(my["y"].notna(), ym).apply(pd.to_numeric, errors="coerce")
        valid = parts["m"].between(1, 12) & parts["y"].between(1900, 2999)
        months[st] = (parts["y"] * 12 + parts["m"] - 1).where(valid)
    as_date, _ = _parse_timestamp(s.where(~st | months.isna(), None), keep_time=False)
    from_date = as_date.dt.year * 12 + as_date.dt.month - 1
    months = months.fillna(from_date)
    out = pd.Series(pd.PeriodIndex([pd.NaT] * len(s), freq="M"), index=s.index)
    ok = months.notna()
    if ok.any():
        ordinal = months[ok].astype("int64") - (1970 * 12)
        out[ok] = pd.PeriodIndex.from_ordinals(ordinal.to_numpy(), freq="M")
    bad = (kinds != "-") & out.isna()
    return out, bad


def parse_bool(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Có/Không, x/blank, 1/0, TRUE/FALSE (check boxes), yes/no. Blank is 'no'."""
    folded: dict[str, str] = {}

    def boolean(v):
        if v is None or v == "" or (isinstance(v, float) and v != v):
            return False
        if isinstance(v, bool | np.bool_):
            return bool(v)
        if isinstance(v, int | float) and v in (0, 1):
            return bool(v)
        text = str(v)
        key = folded.get(text)
        if key is None:
            key = folded[text] = fold(text)
        if key in _TRUE:
            return True
        if key in _FALSE:
            return False
        return None

    out = s.map(boolean)
    bad = out.isna()
    return out.astype("boolean"), bad


def parse_int(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Whole numbers: digits, or a number cell holding a whole number (45.0 is 45)."""
    kinds = _kinds(s)
    values = pd.Series(np.nan, index=s.index)
    n = kinds == "n"
    if n.any():
        num = pd.to_numeric(s[n], errors="coerce").astype(float)
        values[n] = num.where((num % 1 == 0) & (num >= 0))
    st = kinds == "s"
    if st.any():
        text = s[st].astype(str).str.strip()
        values[st] = pd.to_numeric(text.where(text.str.match(_WHOLE)), errors="coerce")
    values = values.where(values < _WHOLE_MAX)
    bad = (kinds != "-") & values.isna()
    return values.astype("Int64"), bad


def parse_float(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Decimal numbers (coordinates); a decimal comma is accepted."""
    kinds = _kinds(s)
    values = pd.Series(np.nan, index=s.index)
    n = kinds == "n"
    if n.any():
        values[n] = pd.to_numeric(s[n], errors="coerce").astype(float)
    st = kinds == "s"
    if st.any():
        text = s[st].astype(str).str.strip()
        text = text.where(text.str.match(_DECIMAL)).str.replace(",", ".", regex=False)
        values[st] = pd.to_numeric(text, errors="coerce")
    bad = (kinds != "-") & values.isna()
    return values.astype(float), bad


def parse_list(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Items separated by ';' or new lines, kept as a tuple of cleaned strings."""
    text, _ = parse_text(s)

    def items(v):
        if not isinstance(v, str):
            return ()
        return tuple(x.strip() for x in re.split(r"[;\n]", v) if x.strip())

    return text.map(items).astype(object), pd.Series(False, index=s.index)


PARSERS = {
    contract.TEXT: parse_text,
    contract.ID: parse_text,
    contract.DATE: parse_date,
    contract.DATETIME: parse_datetime,
    contract.MONTH: parse_month,
    contract.BOOL: parse_bool,
    contract.INT: parse_int,
    contract.FLOAT: parse_float,
    contract.LIST: parse_list,
}

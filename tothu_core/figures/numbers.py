"""Numbers as Vietnamese readers write them: 3.210 hộ, 89,2 %, +2,5 điểm %.

One formatter (`vn_number`) for every place a person reads a number: the pages' cards and
tables, the charts' hover labels and axes, the report, the printed lists. Files made for
programs (CSV, Excel) keep plain numbers; Excel shows them with its own number formats.

Decisions where the contract is silent:
- a dot groups thousands and a comma marks decimals (TCVN and every administrative text);
- a percentage is written with a no-break space before the sign, «89,2 %», so Word and a
  phone never break the line between the number and its sign;
- a value that does not exist (a rate with nothing to divide by) is an en dash «–».
"""

from __future__ import annotations

import math

import pandas as pd

MISSING = "–"
PERCENT_SIGN = "\u00a0%"
# Plotly's `layout.separators`: the decimal mark first, then the thousands separator.
PLOTLY_SEPARATORS = ",."
# Above this many cells a page table keeps the browser's own number format: formatting
# every cell in Python would cost more than the page's whole time budget.
STYLED_CELLS_LIMIT = 20_000


def is_missing(value) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def vn_number(value, decimals: int = 0) -> str:
    """3210 -> '3.210'; 2.756 (decimals=2) -> '2,76'; NaN -> '–'. Rounded half away from 0."""
    if is_missing(value):
        return MISSING
    number = float(value)
    if math.isinf(number):
        return MISSING
    scaled = abs(number) * 10**decimals
    rounded = math.floor(scaled + 0.5 + 1e-9) / 10**decimals
    text = f"{rounded:,.{decimals}f}"
    text = text.replace(",", " ").replace(".", ",").replace(" ", ".")
    return ("-" if number < 0 and rounded else "") + text


def vn_int(value) -> str:
    """3210 -> '3.210'."""
    return vn_number(value, 0)


def vn_decimal(value, decimals: int = 1) -> str:
    """2.75 -> '2,75' (decimals=2)."""
    return vn_number(value, decimals)


def vn_percent(value, decimals: int = 1) -> str:
    """84.5 -> '84,5 %' (the value is already a percentage); NaN -> '–'."""
    text = vn_number(value, decimals)
    return text if text == MISSING else text + PERCENT_SIGN


def vn_change(value, decimals: int = 1, *, unit: str = "") -> str | int | None:
    """A signed change for a card: '+2,5 điểm %'; 0 when nothing changed; None when unknown."""
    if is_missing(value):
        return None
    number = round(float(value), decimals)
    if number == 0:
        return 0
    sign = "+" if number > 0 else "-"
    return f"{sign}{vn_number(abs(number), decimals)}{unit}"


def _column_decimals(header: str, values: pd.Series) -> int:
    """One decimal for rates and any column holding fractions, none for whole counts."""
    if str(header).endswith("(%)"):
        return 1
    present = values.dropna()
    if present.empty or pd.api.types.is_integer_dtype(values.dtype):
        return 0
    as_float = present.astype(float)
    return 0 if bool((as_float == as_float.round()).all()) else 2


def number_columns(frame: pd.DataFrame) -> list:
    return [
        c
        for c in frame.columns
        if pd.api.types.is_numeric_dtype(frame[c].dtype)
        and not pd.api.types.is_bool_dtype(frame[c].dtype)
    ]


def display_styler(frame: pd.DataFrame, *, skip: tuple = ()):
    """`frame` with its numbers shown the Vietnamese way, values untouched (a pandas Styler).

    Streamlit draws the Styler's text but keeps the numbers underneath, so a column still
    sorts as numbers. None when the frame is too large to style quickly, or has no numbers.
    """
    columns = [c for c in number_columns(frame) if c not in skip]
    if not columns or frame.size > STYLED_CELLS_LIMIT:
        return None
    formats = {}
    for column in columns:
        decimals = _column_decimals(column, frame[column])
        show = vn_percent if str(column).endswith("(%)") else vn_number
        formats[column] = lambda v, d=decimals, f=show: "" if is_missing(v) else f(v, d)
    return frame.style.format(formats)

"""Text a spreadsheet program could run as a formula, made safe (OWASP "CSV Injection").

Used where our program writes cells a person typed: the exports (outputs/exportfile) and a
CSV-folder source (sheet/sources/csvdir). CSV has no cell types, so such text gets a
leading `'`, which every spreadsheet program shows as text.
"""

from __future__ import annotations

import numbers
import re
from datetime import date, time
from typing import Any

import pandas as pd

# OWASP's formula starters plus NUL (ASVS 1.2.10). Leading spaces do not hide a formula:
# importers may trim them (Google Sheets does by default).
FORMULA_START = r"^(?:[\t\r\x00]|[ \t\r\n\u00a0]*[=+\-@])"
FORMULA_START_RE = re.compile(FORMULA_START)


def is_missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, numbers.Number) and not isinstance(value, bool):
        try:
            return bool(pd.isna(value))
        except (TypeError, ValueError):
            return False
    return False


def neutralize(value: Any) -> Any:
    """One cell made safe for a spreadsheet: formula-looking text gets a leading `'`.

    Real numbers (a negative one included), booleans, dates and times are returned as they
    are; missing values (None, NaN, NaT, NA) become ""; anything else is written as text.
    """
    if is_missing(value):
        return ""
    if isinstance(value, (numbers.Number, date, time)):
        return value
    text = str(value)
    return "'" + text if FORMULA_START_RE.match(text) else text


def unneutralize(text: str) -> str:
    """The text as typed, from a cell `neutralize` wrote (`'=1+1` -> `=1+1`)."""
    if text.startswith("'") and FORMULA_START_RE.match(text[1:]):
        return text[1:]
    return text

"""Table exports as bytes: CSV for any program, XLSX for Excel, both safe to open.

A cell typed into the shared sheet can start with `=`; a spreadsheet program opening our
export would run it as a formula (CSV/formula injection, OWASP). CSV has no cell types, so
such text gets a leading `'` there. XLSX does have types: text is written as a string cell,
kept exactly as typed, and flagged with Excel's own "quote prefix" (what Excel stores when a
user types `'=...`), so it re-imports unchanged and stays text even when edited in Excel.
"""

from __future__ import annotations

import io
import math
import numbers
import re
import unicodedata
from collections.abc import Iterable
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from tothu_core.sheet.cellsafety import FORMULA_START_RE as _FORMULA_START_RE
from tothu_core.sheet.cellsafety import is_missing as _is_missing
from tothu_core.sheet.cellsafety import neutralize
from tothu_core.sheet.contract import DATE_FORMAT, DATETIME_FORMAT
from tothu_core.textnorm import strip_diacritics

MIME_TYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}

# Cheap first-character filter before the regex: it keeps 400k-row exports fast.
_SUSPECT_FIRST = ("=", "+", "-", "@", "\t", "\r", "\x00", " ", "\n", "\u00a0")
# Control characters XML (hence XLSX) cannot hold; same set as openpyxl's check.
_ILLEGAL_XML = "[\x00-\x08\x0b\x0c\x0e-\x1f]"

XLSX_DATE_FORMAT = "dd/mm/yyyy"
XLSX_DATETIME_FORMAT = "dd/mm/yyyy hh:mm:ss"
XLSX_PERCENT_FORMAT = "0.0%"
# Column widths in characters; wider columns would push the next ones off screen.
_MAX_COLUMN_WIDTH = 60
_MIN_COLUMN_WIDTH = 6
_MAX_NUMBER_WIDTH = 15
# Room for the bold header and the filter arrow drawn beside it.
_HEADER_PADDING = 4
# Excel's own limits on sheet names.
_SHEET_NAME_MAX = 31
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\\x00-\x1f]")

DATE, DATETIME = "date", "datetime"


def to_csv_bytes(
    df: pd.DataFrame,
    *,
    percent_columns: Iterable[str] | None = None,
    date_columns: Iterable[str] = (),
    datetime_columns: Iterable[str] = (),
) -> bytes:
    """UTF-8 CSV with a BOM (so Excel shows diacritics), comma separated, CRLF lines.

    Dates are written dd/mm/YYYY and date-times dd/mm/YYYY HH:MM:SS, as the sheet expects.
    Columns not named in `date_columns`/`datetime_columns` are recognised by their values
    (see `_temporal_kind`). Percent columns (by default the headers ending in "(%)") are
    written as plain numbers with one decimal: 87.5.
    """
    df = df.reset_index(drop=True)
    percent = _percent_headers(df, percent_columns)
    dates, datetimes = set(date_columns), set(datetime_columns)
    out = {}
    for position, header in enumerate(df.columns):
        column = df.iloc[:, position]
        kind = _temporal_kind(column, header, dates, datetimes)
        if header in percent and pd.api.types.is_numeric_dtype(column):
            out[position] = column.astype("float64").round(1)
        elif kind is not None and pd.api.types.is_datetime64_any_dtype(column):
            out[position] = column.dt.strftime(DATE_FORMAT if kind == DATE else DATETIME_FORMAT)
        elif kind is not None:
            out[position] = _csv_temporal_objects(column, kind)
        elif pd.api.types.is_bool_dtype(column) or pd.api.types.is_numeric_dtype(column):
            out[position] = _whole_floats_as_integers(column)
        elif _is_all_text(column):
            out[position] = _neutralize_text(column.astype("str"))
        else:
            out[position] = column.map(_csv_cell, na_action=None).astype("object")
    frame = pd.DataFrame(out, index=df.index)
    frame.columns = [neutralize(str(header)) for header in df.columns]
    # One encode of the whole text: much faster than letting pandas encode row by row.
    return frame.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def to_xlsx_bytes(
    df: pd.DataFrame,
    *,
    sheet_name: str,
    percent_columns: Iterable[str] | None = None,
    date_columns: Iterable[str] = (),
    datetime_columns: Iterable[str] = (),
    title: str | None = None,
) -> bytes:
    """One-sheet workbook: header in row 1 (bold, frozen, with filters) so it re-imports as is.

    Dates and date-times are real date cells (dd/mm/yyyy [hh:mm:ss]); percent columns (by
    default the headers ending in "(%)") hold 87.5 meaning 87.5 % and are written 0.875 with
    the `0.0%` format; text is always a string cell, never a formula. The title, if any,
    goes to the workbook properties, not into the grid.
    """
    df = df.reset_index(drop=True)
    percent = _percent_headers(df, percent_columns)
    dates, datetimes = set(date_columns), set(datetime_columns)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(safe_sheet_name(sheet_name))
    if title:
        workbook.properties.title = title

    bold = Font(bold=True)
    header_cells, columns = [], []
    for position, header in enumerate(df.columns):
        column = df.iloc[:, position]
        kind = "percent" if header in percent else _temporal_kind(column, header, dates, datetimes)
        cells, width = _xlsx_column(sheet, column, kind)
        header_cell = _xlsx_text(sheet, str(header))
        if isinstance(header_cell, str):
            header_cell = WriteOnlyCell(sheet, value=header_cell)
        header_cell.font = bold
        header_width = _text_width(str(header)) + _HEADER_PADDING
        letter = get_column_letter(position + 1)
        sheet.column_dimensions[letter].width = min(
            max(width + 2, header_width, _MIN_COLUMN_WIDTH), _MAX_COLUMN_WIDTH
        )
        header_cells.append(header_cell)
        columns.append(cells)

    sheet.freeze_panes = "A2"
    if len(df.columns):
        last = get_column_letter(len(df.columns))
        sheet.auto_filter.ref = f"A1:{last}{len(df) + 1}"
    sheet.append(header_cells)
    for row in zip(*columns, strict=True):
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def safe_sheet_name(name: str) -> str:
    """Excel refuses sheet names over 31 characters, with []:*?/\\ or quotes at either end."""
    cleaned = _SHEET_NAME_BAD.sub("", str(name)).strip().strip("'").strip()
    return cleaned[:_SHEET_NAME_MAX].rstrip().rstrip("'") or "Bảng"


def export_filename(
    table_slug: str,
    *,
    month: str | None = None,
    hamlet: str | None = None,
    cadre: str | None = None,
    ext: str,
) -> str:
    """`tham-du_A1_09-2016.xlsx`: ASCII letters, digits and dashes only, safe on every OS."""
    extension = str(ext).strip().lstrip(".").lower()
    if not extension.isascii() or not extension.isalnum():
        raise ValueError(f"Đuôi tệp «{ext}» không hợp lệ; hãy dùng csv, xlsx hoặc docx.")
    parts = [_filename_part(p) for p in (table_slug, hamlet, cadre, month) if p]
    parts = [p for p in parts if p]
    if not parts or parts[0] != _filename_part(table_slug):
        raise ValueError(f"Tên bảng «{table_slug}» không dùng được để đặt tên tệp.")
    stem = "_".join(parts)[:120].rstrip("-_")
    return f"{stem}.{extension}"


def _filename_part(text: str) -> str:
    ascii_text = strip_diacritics(unicodedata.normalize("NFC", str(text)))
    return re.sub(r"[^A-Za-z0-9]+", "-", ascii_text).strip("-")


def _is_plain_number(value: Any) -> bool:
    """int, float, Decimal and their numpy kin; not bool (True is an int to Python)."""
    return isinstance(value, (numbers.Real, Decimal)) and not isinstance(value, bool)


def _percent_headers(df: pd.DataFrame, percent_columns: Iterable[str] | None) -> set:
    if percent_columns is not None:
        return set(percent_columns)
    return {c for c in df.columns if str(c).rstrip().endswith("(%)")}


def _temporal_kind(column: pd.Series, header, dates: set, datetimes: set) -> str | None:
    """date / datetime / None. Named columns win; otherwise the values decide.

    `datetime.date` values are dates and `datetime.datetime` values are date-times (that is
    what the table builders hand over); a datetime64 column counts as dates when every value
    is at midnight, since pandas keeps plain dates that way.
    """
    if header in dates:
        return DATE
    if header in datetimes:
        return DATETIME
    if pd.api.types.is_datetime64_any_dtype(column):
        present = column.dropna()
        at_midnight = (present == present.dt.normalize()).all()
        return DATE if len(present) and at_midnight else DATETIME
    if column.dtype != object:
        return None
    inferred = pd.api.types.infer_dtype(column, skipna=True)
    return {"date": DATE, "datetime": DATETIME}.get(inferred)


def _is_all_text(column: pd.Series) -> bool:
    if pd.api.types.is_string_dtype(column) and column.dtype != object:
        return True
    return column.dtype == object and pd.api.types.infer_dtype(column, skipna=True) in (
        "string",
        "empty",
    )


def _formula_mask(texts: pd.Series) -> pd.Series:
    """True where a text cell would be taken for a formula (vectorised `neutralize`)."""
    risky = texts.str.startswith(_SUSPECT_FIRST, na=False).astype(bool)
    suspects = texts[risky]
    if len(suspects):
        risky[risky] = suspects.map(lambda text: bool(_FORMULA_START_RE.match(text)))
    return risky


def _neutralize_text(texts: pd.Series) -> pd.Series:
    return texts.mask(_formula_mask(texts), "'" + texts)


def _whole_floats_as_integers(column: pd.Series) -> pd.Series:
    """12.0 -> 12: a count column with a blank in it is float, but the office wrote 12."""
    if not pd.api.types.is_float_dtype(column):
        return column
    present = column.dropna()
    if len(present) and (present % 1 == 0).all() and (present.abs() < 2**53).all():
        return column.astype("Int64")
    return column


def _csv_temporal_objects(column: pd.Series, kind: str) -> pd.Series:
    pattern = DATE_FORMAT if kind == DATE else DATETIME_FORMAT
    if pd.api.types.infer_dtype(column, skipna=True) in ("date", "datetime"):
        try:
            return pd.to_datetime(column).dt.strftime(pattern)
        except (ValueError, TypeError):
            pass  # time zones mixed or a year pandas cannot hold: format one by one

    def cell(value):
        if _is_missing(value):
            return ""
        if isinstance(value, date):
            if kind == DATETIME and not isinstance(value, datetime):
                value = datetime.combine(value, time())
            return value.strftime(pattern)
        return _csv_cell(value)

    return column.map(cell).astype("object")


def _csv_cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.strftime(DATETIME_FORMAT)
    if isinstance(value, date):
        return value.strftime(DATE_FORMAT)
    return neutralize(value)


def _text_width(text: str) -> int:
    """Characters on the longest line; NFC so a Vietnamese letter with its marks counts once."""
    return max(len(line) for line in unicodedata.normalize("NFC", text).split("\n"))


def _text_widths(texts: pd.Series) -> int:
    """`_text_width` of the widest cell of a text column, without a Python loop per cell."""
    composed = texts.str.normalize("NFC")
    lengths = composed.str.len()
    multiline = composed.str.contains("\n", regex=False, na=False)
    if multiline.any():
        lengths = lengths.astype("float64")
        lengths[multiline] = composed[multiline].map(_text_width)
    widest = lengths.max()
    return 0 if pd.isna(widest) else int(widest)


def _present_values(column: pd.Series) -> list:
    """Python values with None for every kind of blank (NaN, NaT, NA)."""
    return column.astype("object").where(column.notna(), None).tolist()


def _forced_text(sheet, text: str, *, quote_prefix: bool):
    """A string cell even where openpyxl would guess a formula (`=...`) or an error (`#N/A`)."""
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"
    if quote_prefix:
        cell.quotePrefix = True
    return cell


def _xlsx_text(sheet, text: str):
    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    risky = bool(_FORMULA_START_RE.match(text))
    if risky or text in ERROR_CODES:
        return _forced_text(sheet, text, quote_prefix=risky)
    return text


def _styled(sheet, value, number_format: str):
    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = number_format
    return cell


def _xlsx_column(sheet, column: pd.Series, kind: str | None) -> tuple[list, int]:
    """The column's cells ready for `append`, and its widest value in characters."""
    plain_numbers = pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)
    if kind == "percent" and plain_numbers:
        return _xlsx_percents(sheet, column)
    if kind in (DATE, DATETIME):
        return _xlsx_mixed(sheet, column, kind)
    if plain_numbers or pd.api.types.is_bool_dtype(column):
        return _xlsx_numbers(column)
    if _is_all_text(column):
        return _xlsx_texts(sheet, column.astype("str"))
    return _xlsx_mixed(sheet, column, kind)


def _xlsx_numbers(column: pd.Series) -> tuple[list, int]:
    if pd.api.types.is_float_dtype(column):
        column = column.where(column.abs() != math.inf)
    present = column.dropna()
    widths = present.astype("str").str.len()
    width = min(int(widths.max()), _MAX_NUMBER_WIDTH) if len(present) else 0
    return _present_values(column), width


def _xlsx_percents(sheet, column: pd.Series) -> tuple[list, int]:
    column = column.astype("float64")
    column = column.where(column.abs() != math.inf)
    present = column.dropna()
    width = int(present.map(lambda v: len(f"{v:.1f}%")).max()) if len(present) else 0
    fractions = _present_values((column / 100).round(6))
    cells = [None if v is None else _styled(sheet, v, XLSX_PERCENT_FORMAT) for v in fractions]
    return cells, width


def _xlsx_texts(sheet, texts: pd.Series) -> tuple[list, int]:
    if texts.str.contains(_ILLEGAL_XML, regex=True, na=False).any():
        texts = texts.str.replace(_ILLEGAL_XML, "", regex=True)
    risky = _formula_mask(texts)
    forced = risky | texts.isin(ERROR_CODES)
    cells = _present_values(texts)
    for row in np.flatnonzero(forced.to_numpy()):
        cells[row] = _forced_text(sheet, cells[row], quote_prefix=bool(risky.iloc[row]))
    return cells, _text_widths(texts)


def _xlsx_mixed(sheet, column: pd.Series, kind: str | None) -> tuple[list, int]:
    """Cell by cell, for date columns and columns mixing numbers, text and dates."""
    cells, width = [], 0
    for value in _present_values(column):
        if value is None or _is_missing(value):
            cells.append(None)
            continue
        if isinstance(value, datetime):
            value = _naive(value)
        if kind == DATE and isinstance(value, date):
            value = value.date() if isinstance(value, datetime) else value
        elif kind == DATETIME and isinstance(value, date) and not isinstance(value, datetime):
            value = datetime.combine(value, time())
        if isinstance(value, datetime):
            cell, cell_width = _styled(sheet, value, XLSX_DATETIME_FORMAT), 19
        elif isinstance(value, date):
            cell, cell_width = _styled(sheet, value, XLSX_DATE_FORMAT), 10
        elif isinstance(value, (bool, time)):
            cell, cell_width = value, 8
        elif _is_plain_number(value):
            finite = math.isfinite(value)
            cell = value if finite else None
            cell_width = min(len(str(value)), _MAX_NUMBER_WIDTH) if finite else 0
        else:
            cell, cell_width = _xlsx_text(sheet, str(value)), _text_width(str(value))
        cells.append(cell)
        width = max(width, cell_width)
    return cells, width


def _naive(value: datetime) -> datetime:
    """Excel has no time zones: keep the wall-clock time the office saw."""
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime(warn=False)
    return value.replace(tzinfo=None)

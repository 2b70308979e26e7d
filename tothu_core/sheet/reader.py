"""Turn the raw cells of any backend into one validated, typed Dataset.

The read never stops at the first problem: every bad cell becomes a Problem with the
sheet's own row number, its row is left out of every figure, and the rest is read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter

import numpy as np
import pandas as pd
from openpyxl.utils.cell import get_column_letter

from tothu_core import texts
from tothu_core.clock import office_now
from tothu_core.errors import WriteError
from tothu_core.sheet import contract
from tothu_core.sheet.assigned import assigned_pairs
from tothu_core.sheet.dataset import ERROR, WARNING, Dataset, Problem, TabLayout
from tothu_core.sheet.parsing import PARSERS, Distinct, distinct
from tothu_core.sheet.sources.base import Cell, RawTab, RawWorkbook, Record, WriteTarget
from tothu_core.textnorm import clean_cell_text, fold, loose_key

# How many groups one cadre may follow before the office is warned (the setting's default).
MAX_GROUPS_PER_CADRE = 5
# Phone numbers legitimately start with '+'; they are not formula injection.
_PHONE_LIKE = r"^\+?[\d\s.\-()]+$"
_FORMULA_STARTS = ("=", "+", "-", "@")


@dataclass(frozen=True)
class SheetLayout(TabLayout):
    """A TabLayout plus what a writer needs to append below the data (see `write_target`)."""

    #: 0-based column of the header row's first filled cell
    first_column: int = 0
    #: 1-based row an append is anchored on (see `append_anchor`)
    anchor_row: int | None = None


@dataclass
class _TabRead:
    spec: contract.Tab
    frame: pd.DataFrame
    layout: TabLayout | None
    # Column key -> the header as the sheet writes it, so problems name the cell's own column.
    headers: dict[str, str] = field(default_factory=dict)


class _Problems:
    def __init__(self) -> None:
        self.items: list[Problem] = []

    def add(self, severity, tab, row, column, value, message) -> None:
        value = None if pd.api.types.is_scalar(value) and pd.isna(value) else value
        self.items.append(Problem(severity, tab, row, column, _show(value), message))

    def add_many(self, severity, tab, rows, column, values, messages) -> None:
        for row, value, message in zip(rows, values, messages, strict=True):
            self.add(severity, tab, int(row), column, value, message)


def _show(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, pd.Period):
        return value.strftime(contract.MONTH_FORMAT)
    if isinstance(value, pd.Timestamp | datetime):
        return value.strftime(contract.DATE_FORMAT)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _header_lookup(spec: contract.Tab) -> dict[str, str]:
    """Loose header name -> column key; canonical headers win over aliases."""
    lookup: dict[str, str] = {}
    for col in spec.columns:
        lookup.setdefault(loose_key(col.header), col.key)
    for col in spec.columns:
        for alias in col.aliases:
            lookup.setdefault(loose_key(alias), col.key)
    return lookup


def _map_header_row(
    row: list, lookup: dict[str, str], canonical: frozenset[str] = frozenset()
) -> dict[str, int]:
    """Column key -> index. A column headed as the spec names it wins over one headed with an
    alias (a `Người báo cáo` column of names beside `Mã cán bộ`); otherwise the first wins."""
    mapping: dict[str, int] = {}
    exact: set[str] = set()
    for index, cell in enumerate(row):
        if not isinstance(cell, str) or not cell.strip():
            continue
        name = loose_key(cell)
        key = lookup.get(name)
        if key is None or key in exact:
            continue
        if name in canonical:
            exact.add(key)
            mapping[key] = index
        elif key not in mapping:
            mapping[key] = index
    return mapping


def _tab_names(spec: contract.Tab) -> set[str]:
    return {loose_key(spec.name), *(loose_key(a) for a in spec.aliases)}


def choose_tab(spec: contract.Tab, titles, hidden=frozenset()) -> tuple[str | None, list[str]]:
    """(the tab read and written for `spec`, every tab that folds to its name).

    Several tabs may fold to the contract's name (`Sinh hoạt` and `Sinh hoat`, a hidden
    old copy): a visible tab wins over a hidden one, the contract's own name over an
    alias, then the book's order. Writers call this too, so they use the tab read.
    """
    canonical = loose_key(spec.name)
    names = _tab_names(spec)
    titles = list(titles)
    matches = [t for t in titles if loose_key(t) in names]
    if not matches:
        return None, []
    order = {title: index for index, title in enumerate(titles)}
    used = min(matches, key=lambda t: (t in hidden, loose_key(t) != canonical, order[t]))
    return used, matches


def contract_titles(titles) -> list[str]:
    """The titles (in the book's order) that fold to one of the contract's tabs: all a read
    needs, so a book with hundreds of other tabs costs no more than a small one."""
    names = set().union(*(_tab_names(spec) for spec in contract.TABS.values()))
    return [t for t in titles if loose_key(t) in names]


def _find_tab(spec: contract.Tab, raw: RawWorkbook, problems: _Problems) -> str | None:
    """The tab read (and written) for `spec`, warning when the choice is not obvious."""
    hidden = getattr(raw, "hidden", frozenset())
    used, matches = choose_tab(spec, raw, hidden)
    if used is None:
        return None
    if len(matches) > 1:
        titles = ", ".join(f"«{t}»" + (" (đang ẩn)" if t in hidden else "") for t in matches)
        message = texts.DUPLICATE_TABS.format(
            count=len(matches), tab=spec.name, titles=titles, used=used
        )
        problems.add(WARNING, used, None, None, None, message)
    if used in hidden:
        problems.add(
            WARNING, used, None, None, None, texts.HIDDEN_TAB.format(title=used, tab=spec.name)
        )
    return used


def _scan_headers(spec: contract.Tab, rows: RawTab) -> tuple[int | None, dict[str, int], tuple]:
    """(header row index or None, its column map, the best partial match seen)."""
    lookup = _header_lookup(spec)
    canonical = frozenset(loose_key(c.header) for c in spec.columns)
    required = {c.key for c in spec.required_columns}
    best: tuple = (-1, None, {})
    for index, row in enumerate(rows):
        found = _map_header_row(row, lookup, canonical)
        if required <= found.keys():
            return index, found, best
        if len(found) > best[0]:
            best = (len(found), index, found)
    return None, {}, best


def find_header(spec: contract.Tab, rows: RawTab) -> tuple[int, dict[str, int]] | None:
    """(0-based header row index, contract key -> 0-based column) as the reader finds it."""
    index, mapping, _ = _scan_headers(spec, rows)
    return None if index is None else (index, mapping)


def has_value(cell: Cell) -> bool:
    """A cell Google's table detection counts: anything but empty (an unticked FALSE too)."""
    return cell is not None and cell != ""


def _has_values(row: list) -> bool:
    return any(map(has_value, row))


def first_filled(row: list) -> int:
    """0-based column of a row's first filled cell (the header row's: where appends start)."""
    return next((i for i, cell in enumerate(row) if has_value(cell)), 0)


def append_anchor(rows: RawTab, header_index: int, first_column: int) -> int:
    """0-based row an append is anchored on, so new rows land below ALL the data.

    From a one-cell anchor, Sheets takes the block of filled cells around it (grown up,
    then sideways, then down) and appends after its last row, from its first column
    (spreadsheets.values.append; guide "Reading & writing cell values → Append values").
    Anchored on the header, a blank row inside the data would end that block early, so
    when the data has blank rows the anchor is the first row of the last block instead —
    but only when that cell is filled and the cell left of it empty, so the block still
    starts in the header's first column; otherwise the header itself.
    """
    last = len(rows) - 1
    while last > header_index and not _has_values(rows[last]):
        last -= 1
    start = last
    while start > header_index and _has_values(rows[start - 1]):
        start -= 1
    if start <= header_index:
        return header_index
    row = rows[start]
    filled = first_column < len(row) and has_value(row[first_column])
    left_empty = first_column == 0 or not has_value(row[first_column - 1])
    return start if filled and left_empty else header_index


def _empty_frame(spec: contract.Tab) -> pd.DataFrame:
    cols = {c.key: pd.Series(dtype=_dtype(c.kind)) for c in spec.columns}
    cols["row"] = pd.Series(dtype="int64")
    return pd.DataFrame(cols)


def _dtype(kind: str):
    return {
        contract.DATE: "datetime64[ns]",
        contract.DATETIME: "datetime64[ns]",
        contract.MONTH: "period[M]",
        contract.BOOL: "boolean",
        contract.INT: "Int64",
        contract.FLOAT: "float64",
        contract.LIST: object,
    }.get(kind, "str")


def _is_blank(cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip()) or cell != cell


def _is_void(cell) -> bool:
    """Blank, or an unticked check box: FALSE as Sheets and calamine give it, "FALSE" from a
    CSV (a row of nothing else is a blank row)."""
    if cell is None:
        return True
    if isinstance(cell, str):
        text = cell.strip()
        return not text or text.upper() == contract.UNTICKED[1]
    if isinstance(cell, bool | np.bool_):
        return not cell
    return cell != cell


def _is_blank_row(row: list) -> bool:
    return all(map(_is_void, row))


def _formula_errors(cells: pd.Series) -> np.ndarray:
    """Cells holding a formula's error value; only text equals one of those words."""
    return cells.isin(contract.FORMULA_ERRORS).to_numpy(dtype=bool)


def _read_tab(spec: contract.Tab, raw: RawWorkbook, problems: _Problems) -> _TabRead:
    title = _find_tab(spec, raw, problems)
    if title is None:
        if not spec.optional:
            titles = getattr(raw, "titles", None) or list(raw)
            found = ", ".join(f"«{t}»" for t in titles) or "không có trang nào"
            problems.add(
                ERROR,
                spec.name,
                None,
                None,
                None,
                texts.MISSING_TAB.format(tab=spec.name, found=found),
            )
        return _TabRead(spec, _empty_frame(spec), None)

    rows: RawTab = raw[title]
    header_index, mapping, best = _scan_headers(spec, rows)

    if header_index is None:
        missing = ", ".join(c.header for c in spec.required_columns if c.key not in best[2])
        if best[1] is None or best[0] == 0:
            message = texts.NO_HEADER_ROW.format(title=title, missing=missing)
            problems.add(ERROR, title, None, None, None, message)
        else:
            header_row = rows[best[1]]
            found = ", ".join(str(c).strip() for c in header_row if not _is_blank(c))
            message = texts.MISSING_HEADERS.format(
                title=title, missing=missing, row=best[1] + 1, found=found
            )
            problems.add(ERROR, title, best[1] + 1, None, None, message)
        return _TabRead(spec, _empty_frame(spec), None)

    header = rows[header_index]
    width = max(len(header), max((i for i in mapping.values()), default=0) + 1)
    first_column = first_filled(header)
    layout = SheetLayout(
        title=title,
        header_row=header_index + 1,
        columns=mapping,
        width=width,
        first_column=first_column,
        anchor_row=append_anchor(rows, header_index, first_column) + 1,
    )

    body = rows[header_index + 1 :]
    numbers = np.arange(header_index + 2, header_index + 2 + len(body))
    keep = [i for i, r in enumerate(body) if not _is_blank_row(r)]
    numbers = numbers[keep]
    # Short rows padded up to the last column read, so a column is taken at C speed.
    read_width = max(mapping.values()) + 1
    padding = [None] * read_width
    body = [
        r if len(r) >= read_width else [*r, *padding[len(r) :]] for r in map(body.__getitem__, keep)
    ]

    frame: dict[str, pd.Series] = {}
    headers: dict[str, str] = {}
    bad_rows = np.zeros(len(body), dtype=bool)
    for col in spec.columns:
        if col.key not in mapping:
            frame[col.key] = (
                pd.Series([None] * len(body), dtype=_dtype(col.kind))
                if body
                else (pd.Series(dtype=_dtype(col.kind)))
            )
            continue
        index = mapping[col.key]
        header_text = str(header[index]).strip()
        headers[col.key] = header_text
        # Each distinct cell is cleaned, checked and parsed once; `codes` maps it to its rows.
        cells = distinct(list(map(itemgetter(index), body)))
        codes = cells.codes
        values = pd.Series([_clean(v) for v in cells.values], dtype=object)
        broken_once = _formula_errors(values)
        broken = cells.expand(broken_once)
        if broken_once.any():
            idx = np.flatnonzero(broken)
            shown = values.to_numpy()[codes[idx]]
            letter = get_column_letter(index + 1)
            problems.add_many(
                ERROR,
                title,
                numbers[idx],
                header_text,
                shown,
                [
                    texts.FORMULA_ERROR.format(cell=f"{letter}{row}", value=value)
                    for row, value in zip(numbers[idx], shown, strict=True)
                ],
            )
            bad_rows |= broken
            values = values.mask(broken_once, None)
        cells = Distinct(values, codes)
        parsed, bad_once = PARSERS[col.kind](values)
        bad_once = bad_once.to_numpy(dtype=bool)
        if bad_once.any():
            bad = cells.expand(bad_once)
            idx = np.flatnonzero(bad)
            message = texts.BAD_VALUE[col.kind]
            said = {
                c: message.format(value=_show(values.iloc[c])) for c in np.flatnonzero(bad_once)
            }
            problems.add_many(
                ERROR,
                title,
                numbers[idx],
                header_text,
                values.to_numpy()[codes[idx]],
                [said[c] for c in codes[idx]],
            )
            bad_rows |= bad
        if col.required:
            missing_once = (values.isna() | (values == "")).to_numpy() & ~bad_once & ~broken_once
            if missing_once.any():
                idx = np.flatnonzero(cells.expand(missing_once))
                message = texts.MISSING_VALUE.format(column=header_text)
                problems.add_many(
                    ERROR, title, numbers[idx], header_text, [None] * len(idx), [message] * len(idx)
                )
                bad_rows[idx] = True
        if col.kind in (contract.TEXT, contract.LIST) and len(body):
            _warn_formula_like(col, header_text, cells, numbers, title, problems)
        frame[col.key] = cells.take(parsed)
    frame["row"] = pd.Series(numbers, dtype="int64")
    df = pd.DataFrame(frame)
    if spec.id_column:
        bad_rows |= _duplicates(df, spec.id_column, title, headers[spec.id_column], problems)
    df = df[~bad_rows].reset_index(drop=True)
    return _TabRead(spec, df, layout, headers)


def _clean(cell):
    if isinstance(cell, str):
        cleaned = clean_cell_text(cell)
        return cleaned or None
    return cell


def _warn_formula_like(
    col, header_text, cells: Distinct, numbers, title, problems: _Problems
) -> None:
    values = cells.values
    text = values.where(values.map(lambda v: isinstance(v, str)), "").astype(str)
    risky = text.str[:1].isin(_FORMULA_STARTS)
    if col.key == "phone":
        risky &= ~text.str.match(_PHONE_LIKE)
    if risky.any():
        idx = np.flatnonzero(cells.expand(risky))
        shown = text.to_numpy()[cells.codes[idx]]
        problems.add_many(
            WARNING,
            title,
            numbers[idx],
            header_text,
            shown,
            [texts.FORMULA_LIKE.format(first=value[0]) for value in shown],
        )


def _drop_rows(tab: _TabRead, mask: pd.Series) -> None:
    tab.frame = tab.frame[~mask.to_numpy()].reset_index(drop=True)


def _header_of(tab: _TabRead, key: str) -> str:
    return tab.headers.get(key) or tab.spec.column(key).header


def _title(tab: _TabRead) -> str:
    return tab.layout.title if tab.layout else tab.spec.name


def _duplicates(df: pd.DataFrame, key: str, title: str, header: str, problems) -> np.ndarray:
    """Rows repeating an id of an earlier row, judged over every row: when the first row is
    itself in error, the later one still does not take its place."""
    present = df[key].notna()
    dup = df[key].duplicated(keep="first") & present
    if dup.any():
        first_row = df[present].drop_duplicates(key).set_index(key)["row"]
        for _, r in df[dup].iterrows():
            problems.add(
                ERROR,
                title,
                int(r["row"]),
                header,
                r[key],
                texts.DUPLICATE_ID.format(value=r[key], first_row=first_row[r[key]]),
            )
    return dup.to_numpy()


def _report_rows(tab, mask, key, message_of, problems, severity=ERROR) -> None:
    """Add one problem per masked row; message_of receives the masked sub-frame."""
    if not mask.any():
        return
    sub = tab.frame[mask.to_numpy()]
    messages = message_of(sub)
    column = _header_of(tab, key) if key else None
    values = sub[key] if key else [None] * len(sub)
    problems.add_many(severity, _title(tab), sub["row"], column, list(values), list(messages))


def _canonical(values: pd.Series, choices: tuple[str, ...]) -> pd.Series:
    """Map loosely typed words ('yeu', 'YẾU') to the contract's spelling; unknown -> NA."""
    table = {fold(c): c for c in choices}
    return values.map(lambda v: table.get(fold(v)) if isinstance(v, str) else None)


def _validate_hamlets_and_groups(hamlets, groups, problems) -> None:
    ids = set(hamlets.frame["hamlet_id"])
    by_name: dict[str, str] = {}
    for hid, name in zip(hamlets.frame["hamlet_id"], hamlets.frame["hamlet_name"], strict=True):
        folded = fold(name)
        by_name.setdefault(folded, hid)
        if folded.startswith("ap "):
            by_name.setdefault(folded[3:], hid)
    g = groups.frame
    given = g["hamlet_id"]
    resolved = given.where(given.isin(ids), given.map(lambda v: by_name.get(fold(v))))
    unknown = resolved.isna()
    _report_rows(
        groups,
        unknown,
        "hamlet_id",
        lambda s: [texts.UNKNOWN_HAMLET.format(value=v) for v in s["hamlet_id"]],
        problems,
    )
    g = g.assign(hamlet_id=resolved.astype("str"))
    groups.frame = g
    not_positive = groups.frame["households"] <= 0
    bad = (unknown | not_positive.fillna(False)).astype(bool)
    _report_rows(
        groups,
        not_positive.fillna(False) & ~unknown,
        "households",
        lambda s: [texts.HOUSEHOLDS_NOT_POSITIVE] * len(s),
        problems,
    )
    _drop_rows(groups, bad)

    rating = groups.frame["rating"]
    canonical = _canonical(rating, contract.RATINGS)
    odd = rating.notna() & canonical.isna()
    _report_rows(
        groups,
        odd,
        "rating",
        lambda s: [texts.UNKNOWN_RATING.format(value=v) for v in s["rating"]],
        problems,
        WARNING,
    )
    groups.frame = groups.frame.assign(rating=canonical.astype("str"))


def _validate_cadres(cadres, problems) -> None:
    role = cadres.frame["role"]
    canonical = _canonical(role, contract.ROLES)
    odd = role.notna() & canonical.isna()
    _report_rows(
        cadres,
        odd,
        "role",
        lambda s: [texts.UNKNOWN_ROLE.format(value=v) for v in s["role"]],
        problems,
        WARNING,
    )
    role = canonical.fillna(contract.ROLE_CADRE).astype("str")
    email = cadres.frame["email"].str.lower()
    cadres.frame = cadres.frame.assign(role=role, email=email)


def _validate_refs(tab, groups, cadres, problems) -> pd.Series:
    df = tab.frame
    bad_group = ~df["group_id"].isin(groups.frame["group_id"])
    bad_cadre = ~df["cadre_id"].isin(cadres.frame["cadre_id"])
    _report_rows(
        tab,
        bad_group,
        "group_id",
        lambda s: [texts.UNKNOWN_GROUP.format(value=v) for v in s["group_id"]],
        problems,
    )
    _report_rows(
        tab,
        bad_cadre,
        "cadre_id",
        lambda s: [texts.UNKNOWN_CADRE.format(value=v) for v in s["cadre_id"]],
        problems,
    )
    return bad_group | bad_cadre


def _validate_assignments(assignments, groups, cadres, problems) -> None:
    bad = _validate_refs(assignments, groups, cadres, problems)
    df = assignments.frame
    backwards = (df["end"] < df["start"]).fillna(False) & ~bad
    _report_rows(
        assignments,
        backwards,
        "end",
        lambda s: [
            texts.END_BEFORE_START.format(end=_show(e), start=_show(b))
            for e, b in zip(s["end"], s["start"], strict=True)
        ],
        problems,
    )
    _drop_rows(assignments, bad | backwards)


def _validate_meetings(meetings, groups, cadres, problems) -> None:
    bad_ref = _validate_refs(meetings, groups, cadres, problems)
    df = meetings.frame
    households = df["group_id"].map(groups.frame.set_index("group_id")["households"])
    met = df["meeting_date"].notna()
    present = df["households_present"]

    no_count = met & present.isna() & ~bad_ref
    _report_rows(
        meetings,
        no_count,
        "households_present",
        lambda s: [texts.PRESENT_WITHOUT_DATE] * len(s),
        problems,
    )

    above = (present > households).fillna(False).astype(bool) & ~bad_ref
    _report_rows(
        meetings,
        above,
        "households_present",
        lambda s: [
            texts.PRESENT_ABOVE_HOUSEHOLDS.format(present=p, households=h)
            for p, h in zip(s["households_present"], households[above], strict=True)
        ],
        problems,
    )

    month_of_date = df["meeting_date"].dt.to_period("M")
    outside = met & (month_of_date != df["month"]) & ~bad_ref
    _report_rows(
        meetings,
        outside,
        "meeting_date",
        lambda s: [
            texts.MEETING_OUTSIDE_MONTH.format(date=_show(d), month=_show(m))
            for d, m in zip(s["meeting_date"], s["month"], strict=True)
        ],
        problems,
    )

    stray = ~met & present.notna() & ~bad_ref
    _report_rows(
        meetings,
        stray,
        "households_present",
        lambda s: [texts.PRESENT_WITHOUT_MEETING] * len(s),
        problems,
        WARNING,
    )
    _drop_rows(meetings, bad_ref | no_count | above | outside)


def _month_list(months: pd.Series, limit: int = 6) -> str:
    shown = [m.strftime(contract.MONTH_FORMAT) for m in months[:limit]]
    return ", ".join(shown) + (", …" if len(months) > limit else "")


def _assignment_warnings(
    ds: Dataset, groups_title: str, problems: _Problems, max_groups: int = MAX_GROUPS_PER_CADRE
) -> None:
    months = ds.months()
    if not len(months) or not len(ds.groups):
        return
    pairs = assigned_pairs(ds.assignments, months)

    grid = pd.MultiIndex.from_product([ds.groups["group_id"], months], names=["group_id", "month"])
    covered = pd.MultiIndex.from_frame(pairs[["group_id", "month"]].drop_duplicates())
    uncovered = grid.difference(covered).to_frame(index=False)
    if len(uncovered):
        row_of = ds.groups.set_index("group_id")["row"]
        for group_id, sub in uncovered.groupby("group_id", sort=False):
            months_missing = sub["month"].sort_values()
            problems.add(
                WARNING,
                groups_title,
                int(row_of[group_id]),
                None,
                group_id,
                texts.GROUP_UNASSIGNED.format(
                    group=group_id, count=len(sub), months=_month_list(months_missing)
                ),
            )

    load = pairs.groupby(["cadre_id", "month"]).size()
    heavy = load[load > max_groups].reset_index(name="groups")
    if len(heavy):
        cadres = ds.cadres.set_index("cadre_id")
        title = ds.layouts["cadres"].title if "cadres" in ds.layouts else contract.CADRES.name
        for cadre_id, sub in heavy.groupby("cadre_id", sort=False):
            problems.add(
                WARNING,
                title,
                int(cadres.loc[cadre_id, "row"]),
                None,
                cadre_id,
                texts.CADRE_OVERLOADED.format(
                    cadre=cadre_id,
                    limit=max_groups,
                    most=int(sub["groups"].max()),
                    count=len(sub),
                    months=_month_list(sub["month"]),
                ),
            )

    m = ds.meetings
    if len(m):
        known = pd.MultiIndex.from_frame(pairs[["month", "cadre_id", "group_id"]])
        keys = pd.MultiIndex.from_frame(m[["month", "cadre_id", "group_id"]])
        stray = ~keys.isin(known)
        if stray.any():
            title = (
                ds.layouts["meetings"].title if "meetings" in ds.layouts else contract.MEETINGS.name
            )
            header = contract.MEETINGS.column("cadre_id").header
            for _, r in m[stray].iterrows():
                problems.add(
                    WARNING,
                    title,
                    int(r["row"]),
                    header,
                    r["cadre_id"],
                    texts.ENTRY_NOT_ASSIGNED.format(
                        cadre=r["cadre_id"], group=r["group_id"], month=_show(r["month"])
                    ),
                )


def read_dataset(
    raw: RawWorkbook,
    *,
    source_label: str = "",
    source_url: str | None = None,
    read_at: datetime | None = None,
    max_groups_per_cadre: int = MAX_GROUPS_PER_CADRE,
) -> Dataset:
    """Validate every tab of `raw` and return the typed Dataset with all problems found.

    `max_groups_per_cadre` is the office's setting (Cài đặt): more groups than that for one
    cadre in a month is a warning."""
    problems = _Problems()
    locale = getattr(raw, "locale", None)
    if locale and locale.replace("-", "_") in contract.MONTH_FIRST_LOCALES:
        problems.add(
            WARNING,
            texts.WHOLE_BOOK,
            None,
            None,
            locale,
            texts.LOCALE_MONTH_FIRST.format(locale=locale),
        )
    tabs = {key: _read_tab(spec, raw, problems) for key, spec in contract.TABS.items()}
    _validate_hamlets_and_groups(tabs["hamlets"], tabs["groups"], problems)
    _validate_cadres(tabs["cadres"], problems)
    _validate_assignments(tabs["assignments"], tabs["groups"], tabs["cadres"], problems)
    _validate_meetings(tabs["meetings"], tabs["groups"], tabs["cadres"], problems)

    ds = Dataset(
        **{key: tab.frame for key, tab in tabs.items()},
        layouts={key: tab.layout for key, tab in tabs.items() if tab.layout is not None},
        source_label=source_label,
        source_url=source_url,
        read_at=read_at or office_now(),
    )
    _assignment_warnings(ds, _title(tabs["groups"]), problems, max_groups_per_cadre)
    ds.problems = problems.items
    return ds


# -- writing: records under the header as it is now --------------------------------------------


def write_target(ds: Dataset, tab_key: str) -> WriteTarget:
    """Where a writer appends to the tab `tab_key` of `ds`: the tab read and its layout."""
    layout = ds.layouts[tab_key]
    return WriteTarget(
        tab=tab_key,
        title=layout.title,
        header_row=layout.header_row,
        columns=dict(layout.columns),
        first_column=getattr(layout, "first_column", 0),
        anchor_row=getattr(layout, "anchor_row", None),
        read_at=ds.read_at,
    )


@dataclass(frozen=True)
class AppendPlan:
    """Records laid out under a tab's header as found when writing."""

    #: 1-based row of the header
    header_row: int
    #: 0-based column of the header row's first filled cell
    first_column: int
    #: contract key -> 0-based column
    columns: dict[str, int]
    #: one list per record; cell i belongs to column `start + i`
    rows: list[list]
    #: 0-based column holding the dedupe key, None without a key
    key_column: int | None


def records_as_rows(
    spec: contract.Tab,
    title: str,
    records: list[Record],
    columns: dict[str, int],
    *,
    start: int = 0,
) -> list[list]:
    """Each record's values in the columns `columns` names, from column `start` on.

    A value whose header the tab no longer has is refused, not dropped: nothing a cadre
    entered may silently disappear (the submission stays in the outbox meanwhile).
    """
    gone = [
        c.header
        for c in spec.columns
        if c.key not in columns and any(r.get(c.key) not in (None, "") for r in records)
    ]
    if gone:
        names = ", ".join(f"«{h}»" for h in gone)
        raise WriteError(texts.WRITE_COLUMN_GONE.format(title=title, headers=names))
    width = max(columns.values(), default=start) + 1 - start
    rows = []
    for record in records:
        row: list = [None] * width
        for key, value in record.items():
            if key in columns:
                row[columns[key] - start] = value
        rows.append(row)
    return rows


def plan_append(
    tab_key: str,
    title: str,
    rows: RawTab,
    records: list[Record],
    *,
    key: str | None = None,
    from_first_column: bool = False,
) -> AppendPlan:
    """Find the header in `rows` (the top of the tab, or all of it) the way the reader does
    and lay `records` out under it. Raises WriteError naming what is missing."""
    spec = contract.TABS[tab_key]
    found = find_header(spec, rows)
    if found is None:
        missing = ", ".join(c.header for c in spec.required_columns)
        raise WriteError(texts.WRITE_NO_HEADER.format(title=title, missing=missing))
    index, columns = found
    if key is not None and key not in columns:
        header = spec.column(key).header
        raise WriteError(texts.WRITE_COLUMN_GONE.format(title=title, headers=f"«{header}»"))
    first_column = first_filled(rows[index])
    start = first_column if from_first_column else 0
    return AppendPlan(
        header_row=index + 1,
        first_column=first_column,
        columns=columns,
        rows=records_as_rows(spec, title, records, columns, start=start),
        key_column=None if key is None else columns[key],
    )

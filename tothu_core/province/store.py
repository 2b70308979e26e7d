"""The province's store: every commune's validated rows, problems and sync status.

One interface, two databases: DuckDB (embedded, a file in the data dir, the default) and
PostgreSQL (`[store] url = "postgresql://…"` in secrets.toml, or TOTHU_STORE_URL). Each
named table ("dataset.meetings", "rollup.…") is one SQL table holding every commune's rows
under a `commune` column; `replace_commune` swaps one commune's rows of every table in a
single transaction, so a failure half-way leaves the old data whole. Frames come back
typed exactly as they were saved (see `tablecodec`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from tothu_core.clock import OFFICE_TIMEZONE
from tothu_core.errors import ConfigError, TothuError
from tothu_core.province import tablecodec
from tothu_core.province.tablecodec import Column, UnstorableFrame
from tothu_core.sheet.dataset import Dataset, Problem
from tothu_core.sheet.reader import SheetLayout

STORE_FILE_NAME = "tong-hop.duckdb"
STORE_URL_ENV = "TOTHU_STORE_URL"
#: the Dataset's frames, stored as "dataset.<name>"
DATASET_FRAMES = (
    "hamlets",
    "cadres",
    "groups",
    "assignments",
    "meetings",
    "topics",
    "reminders",
)
DATASET_PREFIX = "dataset."
#: where a Dataset keeps what is not a frame: tab layouts and the source's label and link
LAYOUTS_TABLE = "dataset.layouts"
SOURCE_TABLE = "dataset.source"
PROBLEMS_TABLE = "tothu.problems"
PROBLEM_FIELDS = ("severity", "tab", "row", "column", "value", "message")
STATUS_COLUMNS = ("commune", "last_attempt", "last_success", "version", "error")

__all__ = [
    "DATASET_FRAMES",
    "STORE_FILE_NAME",
    "Store",
    "StoreError",
    "dataset_tables",
    "open_store",
    "store_setting",
    "store_url",
]


class StoreError(TothuError):
    """The store could not be read or written (the database is down, the disk is full…)."""


def store_setting(
    *, secrets: Mapping | None = None, environ: Mapping = os.environ
) -> tuple[str | None, str]:
    """(store URL or None for the embedded default, where it was configured)."""
    section = (secrets or {}).get("store") or {}
    url = section.get("url") if isinstance(section, Mapping) else None
    if url and str(url).strip():
        return str(url).strip(), "mục [store] url của tệp secrets.toml"
    url = environ.get(STORE_URL_ENV, "")
    if url.strip():
        return url.strip(), f"biến môi trường {STORE_URL_ENV}"
    return None, "mặc định (tệp DuckDB trong thư mục dữ liệu)"


def store_url(*, secrets: Mapping | None = None, environ: Mapping = os.environ) -> str | None:
    """`[store] url` in secrets, else TOTHU_STORE_URL; None means the embedded DuckDB file."""
    return store_setting(secrets=secrets, environ=environ)[0]


def open_store(url: str | None, data_dir: Path, *, where: str | None = None) -> Store:
    """The store `url` names (None: DuckDB file data_dir/tong-hop.duckdb), ready to use.

    Raises ConfigError (naming `where` the URL was configured) when the URL is not one we
    know or the database cannot be reached.
    """
    where = where or ("cấu hình kho dữ liệu" if url else "thư mục dữ liệu")
    if url is None or url.startswith("duckdb:"):
        from tothu_core.province.store_duckdb import DuckDBStore

        path = Path(url.removeprefix("duckdb:")) if url else Path(data_dir) / STORE_FILE_NAME
        return DuckDBStore(path, where=where)
    if url.startswith(("postgresql://", "postgres://")):
        from tothu_core.province.store_postgres import PostgresStore

        return PostgresStore(url, where=where)
    raise ConfigError(
        f"Địa chỉ kho dữ liệu «{_hide_password(url)}» (khai báo ở {where}) không hợp lệ: hãy "
        "ghi «postgresql://người_dùng:mật_khẩu@máy_chủ:cổng/tên_cơ_sở_dữ_liệu», hoặc bỏ trống "
        "để dùng tệp DuckDB trong thư mục dữ liệu."
    )


_PASSWORD_PARAM = re.compile(r"([?&]password=)([^&]*)", re.IGNORECASE)


def _hide_password(url: str) -> str:
    """A URL fit for a message: the password, if any (user part or `?password=`), as ***."""
    head, sep, tail = url.partition("://")
    if not sep:
        return url
    tail = _PASSWORD_PARAM.sub(lambda m: m.group(1) + "***" if m.group(2) else m.group(0), tail)
    if "@" not in tail:
        return f"{head}://{tail}"
    credentials, _, host = tail.rpartition("@")
    user = credentials.split(":", 1)[0]
    return f"{head}://{user}:***@{host}" if ":" in credentials else f"{head}://{tail}"


def hide_password_in(text: str, url: str) -> str:
    """`text` (a database driver's message about `url`) with the URL's password, as
    written or percent-decoded, replaced by *** (libpq quotes what it cannot parse)."""
    head, sep, tail = url.partition("://")
    found = [m.group(2) for m in _PASSWORD_PARAM.finditer(tail)]
    if sep and "@" in tail:
        credentials = tail.rpartition("@")[0]
        if ":" in credentials:
            found.append(credentials.split(":", 1)[1])
    secrets = {variant for raw in found for variant in (raw, unquote(raw)) if variant}
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


def dataset_tables(dataset: Dataset) -> dict[str, pd.DataFrame]:
    """Every table a Dataset is stored as: its frames, its tab layouts and its source.

    `Store.dataset` rebuilds the Dataset from exactly these (problems travel apart).
    """
    tables = {DATASET_PREFIX + name: getattr(dataset, name) for name in DATASET_FRAMES}
    layouts = [
        {
            "frame": key,
            "title": layout.title,
            "header_row": layout.header_row,
            "columns": json.dumps(layout.columns, ensure_ascii=False),
            "width": layout.width,
            "first_column": getattr(layout, "first_column", 0),
            "anchor_row": getattr(layout, "anchor_row", None),
        }
        for key, layout in dataset.layouts.items()
    ]
    tables[LAYOUTS_TABLE] = pd.DataFrame(
        layouts,
        columns=["frame", "title", "header_row", "columns", "width", "first_column", "anchor_row"],
    ).astype(
        {
            "frame": "str",
            "title": "str",
            "header_row": "int64",
            "columns": "str",
            "width": "int64",
            "first_column": "int64",
            "anchor_row": "Int64",
        }
    )
    tables[SOURCE_TABLE] = pd.DataFrame(
        {
            "label": pd.Series([dataset.source_label], dtype="str"),
            "url": pd.Series([dataset.source_url], dtype="str"),
            "read_at": pd.Series([dataset.read_at], dtype="datetime64[us]"),
        }
    )
    return tables


def problems_frame(problems: Sequence[Problem]) -> pd.DataFrame:
    """Problems as a typed frame (the Problem.as_dict fields)."""
    rows = [p.as_dict() for p in problems]
    frame = pd.DataFrame(rows, columns=list(PROBLEM_FIELDS))
    return frame.astype(
        {
            "severity": "str",
            "tab": "str",
            "row": "Int64",
            "column": "str",
            "value": "str",
            "message": "str",
        }
    )


def _sql_table(name: str) -> str:
    """A SQL table name for a stored table's name: readable, and unique by its digest."""
    readable = "".join(ch if ch.isascii() and ch.isalnum() else "_" for ch in name.lower())[:40]
    return f"t_{readable}_{hashlib.sha1(name.encode()).hexdigest()[:8]}"


def _naive(moment: datetime | None) -> datetime | None:
    """Office time without a zone (as `clock.office_now` gives it)."""
    if moment is None or moment.tzinfo is None:
        return moment
    return moment.astimezone(OFFICE_TIMEZONE).replace(tzinfo=None)


class Session(ABC):
    """One transaction on one backend: the few statements the Store is built from."""

    dialect: str

    @abstractmethod
    def execute(self, sql: str, params: Sequence = ()) -> None:
        """Run a statement; `%s` marks a parameter."""

    @abstractmethod
    def rows(self, sql: str, params: Sequence = ()) -> list[tuple]:
        """A small query's rows."""

    @abstractmethod
    def arrow(
        self, sql: str, params: Sequence, kinds: Sequence[tuple[str, str]], *, breaks: bool = True
    ) -> pa.Table:
        """A bulk query's result as Arrow, columns named and typed by `kinds` (sql, kind).

        `breaks=False` promises no text value holds a line break (a faster parse)."""

    @abstractmethod
    def insert(self, sql_table: str, table: pa.Table) -> None:
        """Append an Arrow table's rows (columns by name) in one bulk operation."""

    def read_snapshot(self) -> None:  # noqa: B027 - DuckDB's transactions are snapshots
        """Make every statement of this (reading) transaction see the same commit."""

    def lock_writes(self) -> None:  # noqa: B027 - DuckDB's file lock already serialises
        """Wait until no other transaction writes the store (first statement of a write)."""

    def created(self, sql_table: str) -> None:  # noqa: B027 - most backends need nothing
        """A table was just created (PostgreSQL indexes it by commune here)."""

    def sql_type(self, kind: str) -> str:
        return tablecodec.SQL_TYPES[self.dialect][kind]


class Store(ABC):
    """Every commune's tables, problems and sync status, in one database."""

    #: "duckdb" or "postgres"
    dialect: str = ""

    def __init__(self, *, where: str) -> None:
        self.where = where

    @abstractmethod
    def _session(self) -> Iterator[Session]:
        """A context manager: one transaction, committed on success, rolled back on error."""

    # -- schema ---------------------------------------------------------------------------

    def _ensure_schema(self) -> None:
        with self._session() as session:
            session.lock_writes()
            for statement in (
                "CREATE TABLE IF NOT EXISTS tothu_tables "
                "(name {text} NOT NULL, sql_table {text} NOT NULL, storage {text} NOT NULL)",
                "CREATE TABLE IF NOT EXISTS tothu_frames "
                "(name {text} NOT NULL, commune {text} NOT NULL, details {text} NOT NULL)",
                "CREATE TABLE IF NOT EXISTS tothu_communes (commune {text} NOT NULL, "
                "last_attempt {ts}, last_success {ts}, version {text}, error {text})",
            ):
                types = {"text": session.sql_type("text"), "ts": session.sql_type("timestamp")}
                session.execute(statement.format(**types))

    # -- writing --------------------------------------------------------------------------

    def replace_commune(
        self,
        code: str,
        tables: Mapping[str, pd.DataFrame],
        problems: Sequence[Problem],
        *,
        version: str | None,
        synced_at: datetime,
    ) -> None:
        """One transaction: this commune's rows of every table replaced, others untouched.

        A table this commune had before but `tables` does not name is emptied for it.
        Raises UnstorableFrame (nothing changed) when a frame holds a value no column type
        can keep exactly, StoreError when the database fails.
        """
        code = str(code)
        everything = {**tables, PROBLEMS_TABLE: problems_frame(problems)}
        with self._session() as session:
            session.lock_writes()
            catalogue = self._catalogue(session)
            for (name,) in session.rows(
                "SELECT name FROM tothu_frames WHERE commune = %s", (code,)
            ):
                if name not in everything and name in catalogue:
                    self._delete_rows(session, catalogue[name][0], name, code)
            for name, frame in everything.items():
                self._write_table(session, catalogue, code, name, frame)
            self._set_status(session, code, synced_at, success=True, version=version, error=None)

    def record_failure(self, code: str, message: str, *, at: datetime) -> None:
        """A sync of this commune failed: note when and why; its last good data stays."""
        with self._session() as session:
            session.lock_writes()
            self._set_status(session, str(code), at, success=False, version=None, error=message)

    def forget(self, code: str) -> None:
        """Remove every row and the status of a commune (it left the registry)."""
        code = str(code)
        with self._session() as session:
            session.lock_writes()
            catalogue = self._catalogue(session)
            for name, (sql_table, _storage) in catalogue.items():
                self._delete_rows(session, sql_table, name, code)
            session.execute("DELETE FROM tothu_communes WHERE commune = %s", (code,))

    def _catalogue(self, session: Session) -> dict[str, tuple[str, dict[str, str]]]:
        return {
            name: (sql_table, json.loads(storage))
            for name, sql_table, storage in session.rows(
                "SELECT name, sql_table, storage FROM tothu_tables"
            )
        }

    def _delete_rows(self, session: Session, sql_table: str, name: str, code: str) -> None:
        session.execute(f'DELETE FROM "{sql_table}" WHERE commune = %s', (code,))
        session.execute("DELETE FROM tothu_frames WHERE name = %s AND commune = %s", (name, code))

    def _write_table(
        self, session: Session, catalogue: dict, code: str, name: str, frame: pd.DataFrame
    ) -> None:
        if not isinstance(frame, pd.DataFrame):
            raise UnstorableFrame(f"Bảng «{name}» không phải một bảng dữ liệu, không lưu được.")
        columns, details, arrays = tablecodec.describe_and_encode(frame, name)
        if name not in catalogue:
            sql_table = _sql_table(name)
            session.execute(
                f'CREATE TABLE "{sql_table}" (commune {session.sql_type("text")} NOT NULL, '
                f"_pos {session.sql_type('int')} NOT NULL)"
            )
            catalogue[name] = (sql_table, {})
            session.execute(
                "INSERT INTO tothu_tables (name, sql_table, storage) VALUES (%s, %s, '{}')",
                (name, sql_table),
            )
        sql_table, storage = catalogue[name]
        self._delete_rows(session, sql_table, name, code)
        columns, arrays = self._fit(session, sql_table, name, code, storage, columns, arrays)
        session.execute(
            "UPDATE tothu_tables SET storage = %s WHERE name = %s", (json.dumps(storage), name)
        )
        details = {
            **details,
            "columns": [c.as_json() for c in columns],
            "breaks": _has_line_breaks(columns, arrays),
        }
        session.execute(
            "INSERT INTO tothu_frames (name, commune, details) VALUES (%s, %s, %s)",
            (name, code, json.dumps(details, ensure_ascii=False)),
        )
        length = len(frame)
        table = pa.table(
            [
                pa.repeat(pa.scalar(code, pa.string()), length),
                pa.array(range(length), type=pa.int64()),
                *arrays,
            ],
            names=["commune", "_pos", *[c.sql for c in columns]],
        )
        if length:
            session.insert(sql_table, table)

    def _fit(self, session, sql_table, name, code, storage, columns, arrays):
        """Make the SQL table hold these columns; returns them as they will be stored.

        A new column is added; an empty column takes the type the others gave it; a column
        only ever empty takes the new type. A real clash (numbers now, text before) drops
        the other communes' rows of this table and clears their version, so the next sync
        reads them again instead of showing them wrong.
        """
        fitted, fitted_arrays = [], []
        for column, array in zip(columns, arrays, strict=True):
            stored = storage.get(column.sql)
            if stored is None:
                session.execute(
                    f'ALTER TABLE "{sql_table}" ADD COLUMN "{column.sql}" '
                    f"{session.sql_type(column.kind)}"
                )
                storage[column.sql] = column.kind
            elif stored != column.kind:
                if array.null_count == len(array):
                    column, array = tablecodec.adopt(column, stored, len(array))
                else:
                    self._retype(session, sql_table, name, code, column)
                    storage[column.sql] = column.kind
            fitted.append(column)
            fitted_arrays.append(array)
        return fitted, fitted_arrays

    def _retype(self, session, sql_table, name, code, column: Column) -> None:
        ((filled,),) = session.rows(
            f'SELECT count("{column.sql}") FROM "{sql_table}" WHERE commune <> %s', (code,)
        )
        if filled:
            others = [c for (c,) in session.rows(f'SELECT DISTINCT commune FROM "{sql_table}"')]
            session.execute(f'DELETE FROM "{sql_table}"')
            session.execute("DELETE FROM tothu_frames WHERE name = %s", (name,))
            for other in others:
                session.execute(
                    "UPDATE tothu_communes SET version = NULL WHERE commune = %s", (other,)
                )
        session.execute(f'ALTER TABLE "{sql_table}" DROP COLUMN "{column.sql}"')
        session.execute(
            f'ALTER TABLE "{sql_table}" ADD COLUMN "{column.sql}" {session.sql_type(column.kind)}'
        )

    def _set_status(self, session, code, at, *, success, version, error) -> None:
        at = _naive(at)
        existing = session.rows("SELECT 1 FROM tothu_communes WHERE commune = %s", (code,))
        if not existing:
            session.execute("INSERT INTO tothu_communes (commune) VALUES (%s)", (code,))
        if success:
            session.execute(
                "UPDATE tothu_communes SET last_attempt = %s, last_success = %s, version = %s, "
                "error = NULL WHERE commune = %s",
                (at, at, version, code),
            )
        else:
            session.execute(
                "UPDATE tothu_communes SET last_attempt = %s, error = %s WHERE commune = %s",
                (at, error, code),
            )

    # -- reading --------------------------------------------------------------------------

    def read_table(self, name: str, communes: Iterable[str] | None = None) -> pd.DataFrame:
        """Every (or the listed) communes' rows of a table, `commune` first, typed as saved.

        Each commune's rows come together, in the order saved (communes in no set order).
        Nothing stored
        gives an empty frame: typed like a stored commune's when there is one.
        """
        wanted = None if communes is None else sorted({str(c) for c in communes})
        with self._session() as session:
            session.read_snapshot()
            catalogue = self._catalogue(session)
            if name not in catalogue:
                return pd.DataFrame({"commune": pd.Series(dtype="str")})
            sql_table, _storage = catalogue[name]
            groups: dict[str, list[str]] = {}
            for commune, details in session.rows(
                "SELECT commune, details FROM tothu_frames WHERE name = %s", (name,)
            ):
                if wanted is None or commune in wanted:
                    groups.setdefault(details, []).append(commune)
            if not groups:
                sample = session.rows(
                    "SELECT details FROM tothu_frames WHERE name = %s LIMIT 1", (name,)
                )
                if not sample:
                    return pd.DataFrame({"commune": pd.Series(dtype="str")})
                return self._decode(session, sql_table, json.loads(sample[0][0]), [], False)
            every = len(groups) == 1 and wanted is None
            frames = [
                self._decode(session, sql_table, json.loads(details), sorted(codes), every)
                for details, codes in groups.items()
            ]
        stacked = sum(len(codes) for codes in groups.values()) > 1
        if len(frames) == 1:
            frame = frames[0]
        else:
            ranges = all(isinstance(f.index, pd.RangeIndex) for f in frames)
            frame = pd.concat(frames, ignore_index=ranges)
        if stacked and isinstance(frame.index, pd.RangeIndex):
            # One commune's saved RangeIndex cannot number several communes' rows.
            frame.index = pd.RangeIndex(len(frame))
        return frame

    def read_frame(self, name: str, code: str) -> pd.DataFrame | None:
        """One commune's frame exactly as saved (index and column labels too), or None."""
        with self._session() as session:
            session.read_snapshot()
            return self._frames_in(session, str(code), [name]).get(name)

    def _frames_in(self, session, code: str, names: Iterable[str]) -> dict[str, pd.DataFrame]:
        """This commune's frames of these names that are stored, in one session."""
        catalogue = self._catalogue(session)
        details = dict(
            session.rows("SELECT name, details FROM tothu_frames WHERE commune = %s", (code,))
        )
        frames = {}
        for name in names:
            if name in catalogue and name in details:
                sql_table = catalogue[name][0]
                decoded = json.loads(details[name])
                frames[name], _ = self._decode_rows(session, sql_table, decoded, [code], False)
        return frames

    def _decode(self, session, sql_table, details, codes: list[str], every: bool) -> pd.DataFrame:
        """One query for these communes' rows (all of the table's when `every`), decoded,
        with the `commune` column first."""
        frame, commune = self._decode_rows(session, sql_table, details, codes, every)
        key = "commune"
        if isinstance(frame.columns, pd.MultiIndex):
            key = ("commune",) + ("",) * (frame.columns.nlevels - 1)
        frame.insert(0, key, pd.Series(commune.array, index=frame.index).astype("str"))
        return frame

    def _decode_rows(self, session, sql_table, details, codes, every):
        """(the frame as saved, the commune of each row)."""
        columns = [Column.from_json(c) for c in details["columns"]]
        kinds = [("commune", "text"), ("_pos", "int"), *((c.sql, c.kind) for c in columns)]
        names = ", ".join(f'"{sql}"' for sql, _kind in kinds)
        sql = f'SELECT {names} FROM "{sql_table}"'
        params: list[str] = []
        if not codes:
            sql += " WHERE false"
        elif not every:
            sql += f" WHERE commune IN ({', '.join(['%s'] * len(codes))})"
            params = codes
        # No ORDER BY: sorting 2 M rows in the database costs seconds; the rows come in
        # runs per commune almost always, and `_in_commune_order` sorts when they do not.
        breaks = details.get("breaks", True)
        table = _in_commune_order(session.arrow(sql, params, kinds, breaks=breaks))
        return tablecodec.decode(table, columns, details), table.column("commune").to_pandas()

    def problems(self, code: str | None = None) -> pd.DataFrame:
        """The problems each (or this) commune's last good read found: commune + fields."""
        frame = self.read_table(PROBLEMS_TABLE, None if code is None else [code])
        if len(frame.columns) == 1:
            empty = problems_frame([])
            empty.insert(0, "commune", pd.Series(dtype="str"))
            return empty
        return frame

    def status(self) -> pd.DataFrame:
        """One row per commune: last attempt, last success, version and last error."""
        with self._session() as session:
            rows = session.rows(
                "SELECT commune, last_attempt, last_success, version, error "
                "FROM tothu_communes ORDER BY commune"
            )
        frame = pd.DataFrame(rows, columns=list(STATUS_COLUMNS))
        return frame.astype(
            {
                "commune": "str",
                "last_attempt": "datetime64[us]",
                "last_success": "datetime64[us]",
                "version": "str",
                "error": "str",
            }
        )

    def version(self, code: str) -> str | None:
        """The source version of this commune's last good sync (None: unknown / never)."""
        with self._session() as session:
            rows = session.rows(
                "SELECT version FROM tothu_communes "
                "WHERE commune = %s AND last_success IS NOT NULL",
                (str(code),),
            )
        return rows[0][0] if rows else None

    def dataset(self, code: str) -> Dataset | None:
        """The Dataset last stored for this commune (None when it never synced)."""
        names = [DATASET_PREFIX + name for name in DATASET_FRAMES]
        with self._session() as session:
            session.read_snapshot()
            stored = self._frames_in(
                session, str(code), [*names, PROBLEMS_TABLE, LAYOUTS_TABLE, SOURCE_TABLE]
            )
        if not all(name in stored for name in names):
            return None
        frames = {name: stored[DATASET_PREFIX + name] for name in DATASET_FRAMES}
        problems = [
            Problem(**{k: _plain(v) for k, v in row.items()})
            for row in stored.get(PROBLEMS_TABLE, problems_frame([])).to_dict("records")
        ]
        layouts = {}
        for row in stored.get(LAYOUTS_TABLE, pd.DataFrame()).to_dict("records"):
            anchor = row["anchor_row"]
            layouts[row["frame"]] = SheetLayout(
                title=row["title"],
                header_row=int(row["header_row"]),
                columns=json.loads(row["columns"]),
                width=int(row["width"]),
                first_column=int(row["first_column"]),
                anchor_row=None if pd.isna(anchor) else int(anchor),
            )
        label, url, read_at = "", None, None
        source = stored.get(SOURCE_TABLE)
        if source is not None and len(source):
            first = source.iloc[0]
            label = "" if pd.isna(first["label"]) else first["label"]
            url = None if pd.isna(first["url"]) else first["url"]
            read_at = None if pd.isna(first["read_at"]) else first["read_at"].to_pydatetime()
        return Dataset(
            **frames,
            problems=problems,
            layouts=layouts,
            source_label=label,
            source_url=url,
            read_at=read_at,
        )


def _plain(value):
    """A cell as the reader's Problem holds it: None for a gap, int rather than numpy."""
    if pd.isna(value):
        return None
    return int(value) if hasattr(value, "dtype") and value.dtype.kind in "iu" else value


def _has_line_breaks(columns: list[Column], arrays: list[pa.Array]) -> bool:
    """Whether any text this frame stores holds a line break (CSV must then quote lines)."""
    texts = [
        array
        for column, array in zip(columns, arrays, strict=True)
        if column.kind in ("text", "json") and array.null_count < len(array)
    ]
    return any(pc.any(pc.match_substring_regex(a, "[\r\n]")).as_py() for a in texts)


def _in_commune_order(table: pa.Table) -> pa.Table:
    """Each commune's rows together and as saved; sorted only when the database mixed them.

    DuckDB scans a table in the order its rows were written, so each commune comes as one
    run in saved order (a re-synced commune's run moves to the end): checking that costs
    milliseconds, sorting 2 M rows a second or more. PostgreSQL places rows wherever a
    page has room, so its rows are sorted here (cheaper than ORDER BY on the server).
    Runs that each count 0, 1, 2… in `_pos` are whole communes, as a
    commune's `_pos` values are unique.
    """
    if table.num_rows == 0:
        return table
    commune = table.column("commune")
    changes = pc.not_equal(commune.slice(1), commune.slice(0, len(commune) - 1))
    starts = np.r_[0, np.flatnonzero(changes.to_numpy(zero_copy_only=False)) + 1]
    lengths = np.diff(np.r_[starts, table.num_rows])
    positions = table.column("_pos").to_numpy()
    if np.array_equal(positions, np.arange(table.num_rows) - np.repeat(starts, lengths)):
        return table
    return table.sort_by([("commune", "ascending"), ("_pos", "ascending")])


@contextmanager
def translated_errors(where: str, *errors: type[BaseException]) -> Iterator[None]:
    """Database errors as a StoreError sentence (UnstorableFrame passes through)."""
    try:
        yield
    except (UnstorableFrame, TothuError):
        raise
    except errors as exc:
        raise StoreError(
            f"Không đọc/ghi được kho dữ liệu tổng hợp ({where}): {exc}".strip()
        ) from exc

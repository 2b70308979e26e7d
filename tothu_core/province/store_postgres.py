"""The store on a PostgreSQL server (psycopg 3), for a province that runs one.

Rows travel in bulk both ways with COPY in CSV form, written and parsed by Arrow's C++
CSV code: no Python loop per row. Each call takes its own connection (a few milliseconds
on a local network), so a restarted server or a dropped link costs one failed call only.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import psycopg
import pyarrow as pa
import pyarrow.csv as pacsv

from tothu_core.errors import ConfigError
from tothu_core.province.store import (
    Session,
    Store,
    StoreError,
    _hide_password,
    hide_password_in,
    translated_errors,
)
from tothu_core.province.tablecodec import ARROW_TYPES

_CONNECT_SECONDS = 10
_COPY_CHUNK = 1 << 20
# The advisory lock every write of the store takes (any constant; "tothu" in ASCII).
_WRITE_LOCK = 0x746F746875
# Times in UTC and ISO form (what Arrow parses); a scan that starts at the table's first
# row and runs in one process, so rows come back in heap order.
_OPTIONS = (
    "-c TimeZone=UTC -c DateStyle=ISO,YMD -c synchronize_seqscans=off "
    "-c max_parallel_workers_per_gather=0"
)


class _PostgresSession(Session):
    dialect = "postgres"

    def __init__(self, connection: psycopg.Connection) -> None:
        self.connection = connection

    def execute(self, sql: str, params: Sequence = ()) -> None:
        self.connection.execute(sql, list(params) or None)

    def rows(self, sql: str, params: Sequence = ()) -> list[tuple]:
        return self.connection.execute(sql, list(params) or None).fetchall()

    def arrow(self, sql: str, params: Sequence, kinds, *, breaks: bool = True) -> pa.Table:
        names = [name for name, _kind in kinds]
        buffer = io.BytesIO()
        query = sql
        if params:
            # COPY takes no parameters: bind them client-side (psycopg quotes them).
            query = psycopg.ClientCursor(self.connection).mogrify(sql, list(params))
        with (
            self.connection.cursor() as cursor,
            cursor.copy(f"COPY ({query}) TO STDOUT (FORMAT csv)") as copy,
        ):
            for chunk in copy:
                buffer.write(chunk)
        if not buffer.tell():
            return pa.table({name: pa.array([], ARROW_TYPES[kind]) for name, kind in kinds})
        buffer.seek(0)
        return pacsv.read_csv(
            buffer,
            read_options=pacsv.ReadOptions(column_names=names),
            # Without line breaks in values Arrow parses blocks in parallel, twice as fast.
            parse_options=pacsv.ParseOptions(newlines_in_values=breaks),
            convert_options=pacsv.ConvertOptions(
                column_types={name: ARROW_TYPES[kind] for name, kind in kinds},
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=False,
                true_values=["t"],
                false_values=["f"],
            ),
        )

    def read_snapshot(self) -> None:
        # READ COMMITTED gives each statement its own snapshot: a sync committing between
        # the frame's description and its rows would mix two writes.
        self.connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")

    def lock_writes(self) -> None:
        # Two writers of one commune under READ COMMITTED would each delete only the rows
        # committed before their DELETE began, and both inserts would stay: one writer at
        # a time (a transaction-scoped advisory lock, released at commit or rollback).
        self.connection.execute("SELECT pg_advisory_xact_lock(%s)", [_WRITE_LOCK])

    def created(self, sql_table: str) -> None:
        self.connection.execute(
            f'CREATE INDEX "{sql_table}_commune" ON "{sql_table}" (commune, _pos)'
        )

    def insert(self, sql_table: str, table: pa.Table) -> None:
        buffer = io.BytesIO()
        pacsv.write_csv(table, buffer, pacsv.WriteOptions(include_header=False))
        names = ", ".join(f'"{name}"' for name in table.column_names)
        data = buffer.getbuffer()
        with (
            self.connection.cursor() as cursor,
            cursor.copy(f'COPY "{sql_table}" ({names}) FROM STDIN (FORMAT csv)') as copy,
        ):
            for start in range(0, len(data), _COPY_CHUNK):
                copy.write(data[start : start + _COPY_CHUNK])


class PostgresStore(Store):
    dialect = "postgres"

    def __init__(self, url: str, *, where: str = "cấu hình kho dữ liệu") -> None:
        super().__init__(where=where)
        self.url = url
        try:
            self._ensure_schema()
        except StoreError as exc:
            raise ConfigError(
                f"Không kết nối được kho dữ liệu PostgreSQL «{_hide_password(url)}» (khai báo ở "
                f"{where}). Hãy kiểm tra địa chỉ, tên người dùng, mật khẩu và máy chủ. "
                f"Chi tiết: {hide_password_in(str(exc.__cause__ or exc), url)}"
            ) from exc

    @contextmanager
    def _session(self) -> Iterator[Session]:
        with translated_errors(_hide_password(self.url), psycopg.Error):
            try:
                connection = psycopg.connect(
                    self.url,
                    connect_timeout=_CONNECT_SECONDS,
                    options=_OPTIONS,
                )
            except psycopg.ProgrammingError as exc:
                detail = hide_password_in(str(exc), self.url)
                raise StoreError(f"Địa chỉ kho dữ liệu không đúng dạng: {detail}") from exc
            try:
                with connection.transaction():
                    yield _PostgresSession(connection)
            finally:
                connection.close()

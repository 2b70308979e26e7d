"""The embedded store: one DuckDB file in the data dir, nothing to install or run.

The file is opened for each call and closed after, so the app and a scheduled
`python -m tothu_core sync` (another process) can take turns: DuckDB lets one process at a
time open a file for writing, and a call that finds it busy waits a little and retries.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pyarrow as pa

from tothu_core.errors import ConfigError
from tothu_core.province.store import Session, Store, StoreError, translated_errors

# How long a call waits for another process to close the file before giving up.
_BUSY_SECONDS = 60.0
_locks: dict[Path, threading.Lock] = {}
_locks_guard = threading.Lock()


class _DuckDBSession(Session):
    dialect = "duckdb"

    def __init__(self, connection: duckdb.DuckDBPyConnection) -> None:
        self.connection = connection
        self._views = 0

    def execute(self, sql: str, params: Sequence = ()) -> None:
        self.connection.execute(sql.replace("%s", "?"), list(params))

    def rows(self, sql: str, params: Sequence = ()) -> list[tuple]:
        return self.connection.execute(sql.replace("%s", "?"), list(params)).fetchall()

    def arrow(self, sql: str, params: Sequence, kinds, *, breaks: bool = True) -> pa.Table:
        return self.connection.sql(sql.replace("%s", "?"), params=list(params)).to_arrow_table()

    def insert(self, sql_table: str, table: pa.Table) -> None:
        self._views += 1
        view = f"tothu_incoming_{self._views}"
        self.connection.register(view, table)
        try:
            names = ", ".join(f'"{name}"' for name in table.column_names)
            self.connection.execute(
                f'INSERT INTO "{sql_table}" ({names}) SELECT {names} FROM "{view}"'
            )
        finally:
            self.connection.unregister(view)


class DuckDBStore(Store):
    dialect = "duckdb"

    def __init__(self, path: Path, *, where: str = "thư mục dữ liệu") -> None:
        super().__init__(where=where)
        self.path = Path(path)
        with _locks_guard:
            self._lock = _locks.setdefault(self.path.resolve(), threading.Lock())
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._ensure_schema()
        except (OSError, StoreError) as exc:
            raise ConfigError(
                f"Không mở được tệp kho dữ liệu «{self.path}» (khai báo ở {where}): {exc}"
            ) from exc

    def _connect(self) -> duckdb.DuckDBPyConnection:
        deadline = time.monotonic() + _BUSY_SECONDS
        while True:
            try:
                return duckdb.connect(str(self.path))
            except duckdb.IOException as exc:
                if "lock" not in str(exc).lower():
                    raise StoreError(f"Tệp kho dữ liệu «{self.path}» không mở được: {exc}") from exc
                if time.monotonic() > deadline:
                    raise StoreError(self._busy(exc)) from exc
                time.sleep(0.2)

    def _busy(self, exc: Exception) -> str:
        """The sentence for a file another process kept open for the whole wait."""
        holder = re.search(r"\(PID (\d+)\)", str(exc))
        who = f" (tiến trình số {holder.group(1)})" if holder else ""
        return (
            f"Tệp kho dữ liệu «{self.path}» đang bị một chương trình khác{who} giữ suốt "
            f"{_BUSY_SECONDS:g} giây, nên chưa đọc/ghi được: hãy chờ lượt đồng bộ khác chạy "
            "xong, hoặc đóng chương trình đang mở tệp này, rồi thử lại."
        )

    @contextmanager
    def _session(self) -> Iterator[Session]:
        with self._lock, translated_errors(str(self.path), duckdb.Error):
            connection = self._connect()
            # Text as Arrow large_string: what pandas' own `str` columns hold, so no copy.
            connection.execute("SET arrow_large_buffer_size = true")
            try:
                connection.begin()
                try:
                    yield _DuckDBSession(connection)
                except BaseException:
                    connection.rollback()
                    raise
                connection.commit()
            finally:
                connection.close()

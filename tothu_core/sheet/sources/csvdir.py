"""A folder of CSV files, one per tab, named after the tab (`Cán bộ.csv`, `Sinh hoạt.csv`...).

For offices that export from another program. Every cell is text, as CSV has no types;
the reader parses dates and numbers the same way it does for typed cells.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from pathlib import Path

from tothu_core.errors import SourceError, SourceNotFound, WriteError
from tothu_core.sheet import contract
from tothu_core.sheet.reader import plan_append
from tothu_core.sheet.sources.base import (
    AppendResult,
    Cell,
    RawTab,
    RawWorkbook,
    Source,
    WriteTarget,
)
from tothu_core.sheet.sources.workbook import file_lock, replace_file_atomically
from tothu_core.textnorm import loose_key

_BOM = "\ufeff"


class CsvFolderSource(Source):
    kind = "csv"

    def __init__(self, folder: str | os.PathLike):
        self.folder = Path(folder)

    @property
    def label(self) -> str:
        return f"Thư mục CSV {self.folder.name}"

    @property
    def identity(self) -> str:
        return f"{self.kind}:{self.folder.resolve()}"

    def read_raw(self) -> RawWorkbook:
        return {path.stem: _read_rows(path)[0] for path in self._csv_files()}

    def append_rows(
        self,
        tab: str,
        rows: list[list[Cell]],
        *,
        key_column: int | None = None,
        known_new: bool = False,
    ) -> int:
        path = self._file_of(tab)
        with file_lock(path):
            existing, text = _read_rows(path)
            known = {
                row[key_column].strip()
                for row in existing
                if key_column is not None and key_column < len(row) and row[key_column]
            }
            new_rows = []
            for row in rows:
                cells = [_as_text(value) for value in row]
                has_key = key_column is not None and key_column < len(cells)
                key = cells[key_column].strip() if has_key else ""
                if key and key in known:
                    continue
                if key:
                    known.add(key)
                new_rows.append(cells)
            if not new_rows:
                return 0
            replace_file_atomically(path, lambda temp: _write(temp, text, new_rows))
        return len(new_rows)

    def append_records(
        self,
        target: WriteTarget,
        records: list,
        *,
        key: str | None = None,
        known_new: bool = False,
    ) -> AppendResult:
        """Each value under its header as the file has it now (`reader.plan_append`), then
        written by `append_rows`."""
        rows, _ = _read_rows(self._file_of(target.title))
        plan = plan_append(target.tab, target.title, rows, records, key=key)
        return AppendResult(self.append_rows(target.title, plan.rows, key_column=plan.key_column))

    def _csv_files(self) -> list[Path]:
        if not self.folder.is_dir():
            raise SourceNotFound(
                f"Không tìm thấy thư mục {self.folder}. "
                "Hãy kiểm tra lại đường dẫn thư mục CSV trong phần cấu hình nguồn dữ liệu."
            )
        return sorted(
            p for p in self.folder.iterdir() if p.is_file() and p.suffix.lower() == ".csv"
        )

    def _file_of(self, tab: str) -> Path:
        """The file for `tab`: same name, else the same name loosely (case, accents, spaces)."""
        files = self._csv_files()
        exact = [p for p in files if p.stem == tab]
        loose = [p for p in files if loose_key(p.stem) == loose_key(tab)]
        if exact or len(loose) == 1:
            return (exact or loose)[0]
        raise WriteError(
            f"Thư mục {self.folder.name} không có tệp «{tab}.csv» để ghi. "
            "Hãy tạo lại tệp đó (dòng đầu là tiêu đề cột) rồi gửi lại."
        )


def _read_rows(path: Path) -> tuple[RawTab, str]:
    """Rows of one CSV file (all text, "" as None) and its decoded text."""
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        raise SourceError(
            f"Tệp {path.name} không phải mã UTF-8 nên chữ tiếng Việt bị lỗi. "
            "Hãy mở tệp bằng Excel hoặc LibreOffice và lưu lại dạng CSV UTF-8."
        ) from error
    except OSError as error:
        raise SourceError(
            f"Không đọc được tệp {path.name} ({error.strerror or error}). "
            "Hãy kiểm tra quyền truy cập thư mục."
        ) from error
    body = text.removeprefix(_BOM)
    try:
        rows = [[cell or None for cell in row] for row in csv.reader(io.StringIO(body, newline=""))]
    except csv.Error as error:
        raise SourceError(
            f"Tệp {path.name} không đúng định dạng CSV ({error}). "
            "Hãy mở tệp bằng Excel hoặc LibreOffice và lưu lại dạng CSV UTF-8."
        ) from error
    return rows, text


def _write(temp_path: str, old_text: str, new_rows: list[list[str]]) -> None:
    """The old text as it was, then the new rows in the file's own line ending.

    A new (empty) file gets a BOM, so Excel opens its Vietnamese text as UTF-8.
    """
    if old_text.strip(_BOM + " \r\n"):
        line_end = "\r\n" if "\r\n" in old_text else "\n"
        head = old_text if old_text.endswith(("\n", "\r")) else old_text + line_end
    else:
        line_end, head = "\r\n", _BOM
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator=line_end).writerows(new_rows)
    with open(temp_path, "w", encoding="utf-8", newline="") as handle:
        handle.write(head + buffer.getvalue())


def _as_text(value: Cell) -> str:
    """Cells as the office would type them: day-first dates, Có/Không, 45 not 45.0."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, dt.datetime):
        return value.strftime(contract.DATETIME_FORMAT)
    if isinstance(value, dt.date):
        return value.strftime(contract.DATE_FORMAT)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)

"""A workbook file on this computer (.xlsx, or .ods read-only): the offline backend.

Reading uses python-calamine (fast, xlsx and ods alike). Writing loads the workbook with
openpyxl under a file lock and swaps in a complete new file with os.replace, so a crash or a
full disk halfway through never leaves a half-written workbook behind.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import openpyxl
import python_calamine
from filelock import FileLock, Timeout
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from tothu_core.errors import SourceError, SourceNotFound, WriteError
from tothu_core.sheet.reader import plan_append
from tothu_core.sheet.sources.base import AppendResult, Cell, RawWorkbook, Source, WriteTarget
from tothu_core.textnorm import loose_key

# How long a writer waits for another writer of the same file before giving up.
LOCK_TIMEOUT_SECONDS = 30
WRITABLE_SUFFIXES = (".xlsx", ".xlsm")
# Excel shows appended dates the way the office writes them, day first.
DATE_CELL_FORMAT = "dd/mm/yyyy"
DATETIME_CELL_FORMAT = "dd/mm/yyyy hh:mm:ss"
# Rows read to find a tab's header again before writing: as last seen, plus room.
HEADER_SEARCH_ROWS = 30


class WorkbookSource(Source):
    kind = "workbook"

    def __init__(self, path: str | os.PathLike, *, is_demo: bool = False):
        self.path = Path(path)
        self.is_demo = is_demo

    @property
    def label(self) -> str:
        return f"Tệp {self.path.name}"

    @property
    def identity(self) -> str:
        return f"{self.kind}:{self.path.resolve()}"

    def read_raw(self) -> RawWorkbook:
        if not self.path.is_file():
            raise SourceNotFound(
                f"Không tìm thấy tệp bảng tính {self.path}. "
                "Hãy kiểm tra lại đường dẫn trong phần cấu hình nguồn dữ liệu."
            )
        try:
            workbook = python_calamine.CalamineWorkbook.from_path(str(self.path))
        except python_calamine.PasswordError as error:
            raise SourceError(
                f"Tệp {self.path.name} đang đặt mật khẩu nên chương trình không đọc được. "
                "Hãy bỏ mật khẩu (lưu lại bản không mật khẩu) rồi thử lại."
            ) from error
        except (python_calamine.CalamineError, OSError, ValueError) as error:
            raise SourceError(
                f"Không đọc được tệp {self.path.name}: tệp bị hỏng hoặc không phải bảng tính "
                ".xlsx/.ods. Hãy mở thử bằng Excel hoặc LibreOffice rồi lưu lại thành .xlsx."
            ) from error
        with workbook:
            return {
                sheet.name: _sheet_rows(workbook, sheet.name)
                for sheet in workbook.sheets_metadata
                if sheet.typ == python_calamine.SheetTypeEnum.WorkSheet
            }

    def append_rows(
        self,
        tab: str,
        rows: list[list[Cell]],
        *,
        key_column: int | None = None,
        known_new: bool = False,
    ) -> int:
        if self.path.suffix.lower() not in WRITABLE_SUFFIXES:
            raise WriteError(
                f"Chương trình chỉ ghi được vào tệp .xlsx, không ghi được vào tệp "
                f"{self.path.name}. Hãy mở tệp bằng LibreOffice hoặc Excel, chọn Lưu thành "
                "(Save As) định dạng .xlsx, rồi chọn tệp .xlsx đó làm nguồn dữ liệu."
            )
        if not self.path.is_file():
            raise SourceNotFound(
                f"Không tìm thấy tệp bảng tính {self.path}. "
                "Hãy kiểm tra lại đường dẫn trong phần cấu hình nguồn dữ liệu."
            )
        with file_lock(self.path):
            workbook = self._load_for_writing()
            sheet = _find_sheet(workbook, tab, self.path.name)
            last_row, existing_keys = _scan(sheet, key_column)
            new_rows = _without_known_keys(rows, key_column, existing_keys)
            if not new_rows:
                return 0
            for offset, row in enumerate(new_rows, start=1):
                for column, value in enumerate(row, start=1):
                    _set_cell(sheet.cell(row=last_row + offset, column=column), value)
            replace_file_atomically(self.path, workbook.save)
        return len(new_rows)

    def append_records(
        self,
        target: WriteTarget,
        records: list,
        *,
        key: str | None = None,
        known_new: bool = False,
    ) -> AppendResult:
        """Each value under its header as the file has it now (`reader.plan_append` on the
        tab's top rows), then written by `append_rows`."""
        if self.path.suffix.lower() not in WRITABLE_SUFFIXES or not self.path.is_file():
            self.append_rows(target.title, [])  # raises the sentence saying why not
        top = _top_rows(self.path, target.title, target.header_row + HEADER_SEARCH_ROWS)
        try:
            plan = plan_append(target.tab, target.title, top, records, key=key)
        except WriteError:
            # The header moved further down than expected: look at the whole tab.
            top = _top_rows(self.path, target.title, None)
            plan = plan_append(target.tab, target.title, top, records, key=key)
        return AppendResult(self.append_rows(target.title, plan.rows, key_column=plan.key_column))

    def _load_for_writing(self) -> openpyxl.Workbook:
        try:
            return openpyxl.load_workbook(self.path, keep_vba=self.path.suffix == ".xlsm")
        except Exception as error:  # openpyxl raises many unrelated types for a bad file
            raise WriteError(
                f"Không mở được tệp {self.path.name} để ghi: tệp bị hỏng hoặc không phải .xlsx. "
                "Hãy mở thử bằng Excel rồi lưu lại; các báo cáo chưa ghi vẫn được giữ lại."
            ) from error


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """One writer at a time for `path`, across threads and processes."""
    try:
        with FileLock(f"{path}.lock", timeout=LOCK_TIMEOUT_SECONDS):
            yield
    except Timeout as error:
        raise WriteError(
            f"Tệp {path.name} đang được người khác ghi quá lâu. "
            "Hãy chờ ít phút rồi gửi lại; báo cáo chưa ghi vẫn được giữ lại."
        ) from error


def replace_file_atomically(path: Path, write: Callable[[str], object]) -> None:
    """Write a complete new file beside `path` with `write(temp_path)`, then swap it in."""
    handle, temp_name = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.stem}-", suffix=f"{path.suffix}.tmp"
    )
    os.close(handle)
    try:
        write(temp_name)
        shutil.copymode(path, temp_name)
        os.replace(temp_name, path)
    except OSError as error:
        raise WriteError(
            f"Không ghi được vào tệp {path.name} ({error.strerror or error}). "
            "Nếu tệp đang mở trong Excel, hãy đóng lại rồi gửi lại; tệp cũ vẫn nguyên vẹn."
        ) from error
    except Exception as error:  # any failure while saving: the old file must stay in place
        raise WriteError(
            f"Không ghi được vào tệp {path.name}: lỗi khi lưu ({error}). "
            "Tệp cũ vẫn nguyên vẹn; báo cáo chưa ghi vẫn được giữ lại để gửi lại."
        ) from error
    finally:
        if os.path.exists(temp_name):
            os.remove(temp_name)


def _sheet_rows(workbook: python_calamine.CalamineWorkbook, name: str) -> list[list[Cell]]:
    """Rows from the sheet's own row 1 and column A, so row numbers in messages match the sheet.

    Rows are converted one at a time and a repeated text is kept once: a province's workbook
    holds the same month, ids and sentences hundreds of thousands of times, and one Python
    string per cell took most of the memory of a read.
    """
    sheet = workbook.get_sheet_by_name(name)
    # iter_rows starts at row 1 but at the first used column: put the empty columns back.
    lead = [None] * sheet.start[1] if sheet.start else []
    texts: dict[str, str] = {}
    return [lead + [_cell(value, texts) for value in row] for row in sheet.iter_rows()]


def _cell(value: Cell, texts: dict[str, str]) -> Cell:
    """Empty cells are None; Excel stores every number as a float, so 45.0 comes back as 45."""
    if value == "":
        return None
    if type(value) is float and value.is_integer():
        return int(value)
    if type(value) is str:
        return texts.setdefault(value, value)
    return value


def _top_rows(path: Path, tab: str, limit: int | None) -> list[list[Cell]]:
    """The first `limit` rows of a tab (None: all), streamed without loading the workbook."""
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many unrelated types for a bad file
        raise WriteError(
            f"Không mở được tệp {path.name} để ghi: tệp bị hỏng hoặc không phải .xlsx. "
            "Hãy mở thử bằng Excel rồi lưu lại; các báo cáo chưa ghi vẫn được giữ lại."
        ) from error
    try:
        sheet = _find_sheet(workbook, tab, path.name)
        return [list(row) for row in sheet.iter_rows(max_row=limit, values_only=True)]
    finally:
        workbook.close()


def _find_sheet(workbook: openpyxl.Workbook, tab: str, file_name: str):
    if tab in workbook.sheetnames:
        return workbook[tab]
    loose = [name for name in workbook.sheetnames if loose_key(name) == loose_key(tab)]
    if len(loose) == 1:
        return workbook[loose[0]]
    found = ", ".join(f"«{name}»" for name in workbook.sheetnames)
    raise WriteError(
        f"Tệp {file_name} không có trang «{tab}» để ghi (các trang đang có: {found}). "
        "Hãy thêm lại trang đó rồi gửi lại."
    )


def _key_text(value: Cell) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _scan(sheet, key_column: int | None) -> tuple[int, set[str]]:
    """The last row holding any value (formatted blank rows below it don't count) and keys."""
    last_row = 0
    keys: set[str] = set()
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        if any(_key_text(v) is not None for v in values):
            last_row = number
        if key_column is not None and key_column < len(values):
            key = _key_text(values[key_column])
            if key is not None:
                keys.add(key)
    return last_row, keys


def _without_known_keys(
    rows: list[list[Cell]], key_column: int | None, known: set[str]
) -> list[list[Cell]]:
    """Rows whose key is new; a key repeated within `rows` is appended once."""
    if key_column is None:
        return [list(row) for row in rows]
    seen = set(known)
    fresh = []
    for row in rows:
        key = _key_text(row[key_column]) if key_column < len(row) else None
        if key is not None and key in seen:
            continue
        if key is not None:
            seen.add(key)
        fresh.append(list(row))
    return fresh


def _set_cell(cell, value: Cell) -> None:
    """Text stays text (a leading '=' never becomes a formula); dates become date cells."""
    if isinstance(value, str):
        text = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.value = text
        if text.startswith("="):
            cell.data_type = "s"
            cell.quotePrefix = True
        return
    cell.value = value
    if isinstance(value, dt.datetime):
        cell.number_format = DATETIME_CELL_FORMAT
    elif isinstance(value, dt.date):
        cell.number_format = DATE_CELL_FORMAT

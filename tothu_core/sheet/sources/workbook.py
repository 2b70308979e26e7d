"""A workbook file on this computer (.xlsx/.xlsm, or .ods read-only): the offline backend.

Reading: the file is first checked as a package (`xlsx_package`: what it really is, zip
bombs, how far each tab's cells reach, so memory follows the data present), then read by
python-calamine, which gives what Excel and LibreOffice cached for formulas. Two things
python-calamine drops are put back from our scan: formula error values (`#REF!`, read as
that text so the reader names the cell) and, in .ods files, merged blocks. A merged block's
value is given to every cell it covers, in its first row and in every covered row that
holds data of its own: a block reaching below the last entry does not turn blank rows into
half-filled ones. Hidden tabs are listed in `RawWorkbook.hidden`.

Writing (`xlsx_append`): rows go into the tab's worksheet part and every other part of the
package is copied byte for byte, under a file lock, into a new file swapped in whole; a
file open for editing in Excel or LibreOffice is not written (the office's next Save would
undo it) and the entries wait in the outbox.

Every failure, whatever the file holds, is a SourceError (reading) or WriteError (writing)
with one sentence naming the file, the tab and the fix: never an uncaught exception or a
dead process, so the app keeps serving its last good snapshot.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import openpyxl
import python_calamine

from tothu_core.errors import SourceError, SourceNotFound, WriteError
from tothu_core.sheet.reader import plan_append
from tothu_core.sheet.sources import localfile
from tothu_core.sheet.sources.base import AppendResult, Cell, RawWorkbook, Source, WriteTarget
from tothu_core.sheet.sources.localfile import (  # noqa: F401 - the names csvdir and tests use
    LOCK_TIMEOUT_SECONDS,
    file_lock,
    replace_file_atomically,
)
from tothu_core.sheet.sources.xlsx_append import (
    DATE_FORMAT_CODE,
    DATETIME_FORMAT_CODE,
    append_rows_to_package,
)
from tothu_core.sheet.sources.xlsx_package import (
    MAX_CELLS,
    MAX_TOTAL_AREA,
    Package,
    Sentences,
    SheetScan,
    allowed_area,
    check_shared_strings,
    count_text,
    open_package,
    scan_ods,
    scan_worksheet,
)

WRITABLE_SUFFIXES = (".xlsx", ".xlsm")
# Excel shows appended dates the way the office writes them, day first (the demo uses these).
DATE_CELL_FORMAT = DATE_FORMAT_CODE
DATETIME_CELL_FORMAT = DATETIME_FORMAT_CODE
Merge = tuple[tuple[int, int], tuple[int, int]]
# Rows read to find a tab's header again before writing: as last seen, plus room.
HEADER_SEARCH_ROWS = 30


class WorkbookSource(Source):
    kind = "workbook"

    def __init__(self, path: str | os.PathLike, *, is_demo: bool = False):
        self.path = Path(path)
        self.is_demo = is_demo
        self._tidied = False

    @property
    def label(self) -> str:
        return f"Tệp {self.path.name}"

    @property
    def identity(self) -> str:
        return f"{self.kind}:{self.path.resolve()}"

    def version(self) -> str | None:
        """The file's modification time (ns) and size: Excel and LibreOffice write a new
        file on every Save, and our own appends swap a new file in, so both change."""
        return file_version(self.path)

    def read_raw(self) -> RawWorkbook:
        if not self.path.is_file():
            raise SourceNotFound(
                f"Không tìm thấy tệp bảng tính {self.path}. "
                "Hãy kiểm tra lại đường dẫn trong phần cấu hình nguồn dữ liệu."
            )
        self._tidy_once()
        with open_package(self.path) as package:
            scans = _scan(package)
            package.handle.seek(0)
            data = package.handle.read()
        return _read_cells(self.path.name, data, scans)

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
            self._tidied = True
            localfile.remove_leftovers(self.path)
            editor = localfile.office_editor(self.path)
            if editor is not None:
                raise WriteError(localfile.closing_sentence(self.path.name, editor))
            return append_rows_to_package(
                self.path, tab, rows, key_column=key_column, known_new=known_new
            )

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
        added = self.append_rows(
            target.title, plan.rows, key_column=plan.key_column, known_new=known_new
        )
        return AppendResult(added)

    def _tidy_once(self) -> None:
        """At the first read after a start: temporary files a crashed write left behind."""
        if not self._tidied:
            self._tidied = True
            localfile.remove_leftovers(self.path)


def file_version(path: Path) -> str | None:
    """`mtime_ns:size` of a file, None when it cannot be looked at (then it is read again)."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return f"{stat.st_mtime_ns}:{stat.st_size}"


def _scan(package: Package) -> dict[str, SheetScan]:
    """Each tab's scan, after the whole workbook has been found small enough to build."""
    if package.kind == "ods":
        scans = scan_ods(package)
    else:
        check_shared_strings(package)
        scans = {
            sheet.title: scan_worksheet(package, sheet) for sheet in package.sheets if sheet.part
        }
    values = sum(scan.values for scan in scans.values())
    if values > MAX_CELLS:
        raise SourceError(
            Sentences.too_big(
                package.name, f"{count_text(values)} ô có dữ liệu, quá {count_text(MAX_CELLS)} ô"
            )
        )
    for title, scan in scans.items():
        if scan.area > allowed_area(scan.values):
            raise SourceError(
                Sentences.far_cell(package.name, title, scan.far_cell, scan.area, scan.values)
            )
    area = sum(scan.area for scan in scans.values())
    if area > MAX_TOTAL_AREA:
        raise SourceError(Sentences.too_big(package.name, f"{count_text(area)} ô phải đọc"))
    return scans


def _read_cells(name: str, data: bytes, scans: dict[str, SheetScan]) -> RawWorkbook:
    """python-calamine over the very bytes that were checked (not the path, which another
    writer may have replaced in between)."""
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except python_calamine.PasswordError as error:
        raise SourceError(Sentences.password(name)) from error
    except BaseException as error:  # noqa: BLE001 - a Rust panic arrives as a BaseException
        _reraise_interrupts(error)
        raise SourceError(Sentences.damaged(name, _detail(error))) from error
    tabs: dict[str, list[list[Cell]]] = {}
    hidden = []
    with workbook:
        for sheet in workbook.sheets_metadata:
            if sheet.typ != python_calamine.SheetTypeEnum.WorkSheet:
                continue
            scan = scans.get(sheet.name, SheetScan())
            try:
                rows, merges = _sheet_rows(workbook, sheet.name)
            except BaseException as error:  # noqa: BLE001 - as above
                _reraise_interrupts(error)
                raise SourceError(Sentences.damaged(name, _detail(error), sheet.name)) from error
            _put_errors(rows, scan.errors)
            _fill_merged(rows, merges if merges is not None else scan.merges)
            tabs[sheet.name] = rows
            if sheet.visible != python_calamine.SheetVisibleEnum.Visible:
                hidden.append(sheet.name)
    return RawWorkbook(tabs, hidden=hidden)


def _reraise_interrupts(error: BaseException) -> None:
    if isinstance(error, KeyboardInterrupt | SystemExit | GeneratorExit):
        raise error


def _detail(error: BaseException) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return f"chương trình đọc bảng tính báo «{text[:200]}»"


def _sheet_rows(workbook: python_calamine.CalamineWorkbook, name: str):
    """Rows from the sheet's own row 1 and column A, so row numbers in messages match the sheet.

    Rows are converted one at a time and a repeated text is kept once: a province's workbook
    holds the same month, ids and sentences hundreds of thousands of times, and one Python
    string per cell took most of the memory of a read.
    """
    sheet = workbook.get_sheet_by_name(name)
    # iter_rows starts at row 1 but at the first used column: put the empty columns back.
    lead = [None] * sheet.start[1] if sheet.start else []
    texts: dict[str, str] = {}
    rows = [lead + [_cell(value, texts) for value in row] for row in sheet.iter_rows()]
    return rows, sheet.merged_cell_ranges


def _cell(value: Cell, texts: dict[str, str]) -> Cell:
    """Empty cells are None; Excel stores every number as a float, so 45.0 comes back as 45."""
    if value == "":
        return None
    if type(value) is float and value.is_integer():
        return int(value)
    if type(value) is str:
        return texts.setdefault(value, value)
    return value


def _put_errors(rows: list[list[Cell]], errors: dict[tuple[int, int], str]) -> None:
    """A formula's error value as its text (the contract: an error naming the cell)."""
    for (row, column), text in errors.items():
        if row >= len(rows) or not text:
            continue
        cells = rows[row]
        if column >= len(cells):
            cells.extend([None] * (column + 1 - len(cells)))
        cells[column] = text


def _fill_merged(rows: list[list[Cell]], merges: list[Merge]) -> None:
    """The value of each merged block in the cells it covers (see the module's docstring).

    Blocks are clipped to the rows and columns the sheet has, so a block drawn down to row
    1048576 costs nothing.
    """
    if not merges or not rows:
        return
    width = max(len(row) for row in rows)
    own_data = [any(cell is not None for cell in row) for row in rows]
    for (top, left), (bottom, right) in merges:
        if top >= len(rows) or left >= len(rows[top]):
            continue
        value = rows[top][left]
        if value is None:
            continue
        right = min(right, width - 1)
        for number in range(top, min(bottom, len(rows) - 1) + 1):
            if number != top and not own_data[number]:
                continue
            cells = rows[number]
            if right >= len(cells):
                cells.extend([None] * (right + 1 - len(cells)))
            for column in range(left, right + 1):
                cells[column] = value


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
        if tab not in workbook.sheetnames:
            found = ", ".join(f"«{name}»" for name in workbook.sheetnames)
            raise WriteError(
                f"Tệp {path.name} không có trang «{tab}» để ghi (các trang đang có: {found}). "
                "Hãy thêm lại trang đó rồi gửi lại."
            )
        sheet = workbook[tab]
        return [list(row) for row in sheet.iter_rows(max_row=limit, values_only=True)]
    finally:
        workbook.close()

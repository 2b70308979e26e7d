"""Appending rows to one worksheet of an .xlsx file, changing nothing else.

openpyxl rebuilds a workbook from its own model when it saves: it drops the values Excel
cached for formulas, charts, images, comments' shapes and anything it does not model. So
entries are written into the package instead:

- every part but the tab's worksheet is copied as its stored bytes (styles.xml too, unless a
  date cell needs a date format the workbook lacks: then one <xf> is added at the end of
  cellXfs, and every existing style index keeps its meaning);
- in the worksheet part, rows are inserted after the last row holding a value (formatted
  empty rows below it are filled, not skipped; ECMA-376 Part 1 §18.3.1.73 wants rows in
  ascending order), texts as inline strings (§18.3.1.4 t="inlineStr", so
  sharedStrings.xml is untouched), dates as serial numbers with a date style, and the
  <dimension> is widened to cover them (§18.3.1.35);
- the part is deflated in self-contained segments (each from a fresh compressor, ended by
  a full flush, RFC 1951 §3.2.4 / zlib Z_FULL_FLUSH): head (up to <sheetData>), body (the
  rows before the last row with a value), tail (that row to the end). Their offsets and
  checksums ride in an extra field of the part's central-directory record. The next
  submission copies head-less body bytes as they are and re-deflates only the head and the
  tail: its cost follows what is added, not the size of the tab. When anything does not
  match (Excel saved the file since, a retry must look for keys), the whole part is
  streamed once, with bounded memory.

Every function here runs under the caller's file lock; `append_rows_to_package` is the one
entry point.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import os
import queue
import re
import shutil
import struct
import tempfile
import threading
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from tothu_core.errors import SourceError, WriteError
from tothu_core.sheet.sources import zipfmt
from tothu_core.sheet.sources.base import Cell
from tothu_core.sheet.sources.localfile import replace_file_atomically
from tothu_core.sheet.sources.xlsx_package import (
    EXCEL_ROWS,
    MAX_META_BYTES,
    Package,
    SheetInfo,
    column_index,
    column_letter,
    open_package,
)
from tothu_core.textnorm import loose_key

LAYOUT_EXTRA_ID = 0x7454  # "Tt": a private extra-field id (APPNOTE §4.6 leaves these free)
_LAYOUT = struct.Struct("<4sIIIIIIII")
_LAYOUT_MAGIC = b"TTQ1"
# Whatever follows the last row with a value (formatted empty rows, merged ranges, data
# validations, drawings' anchors) is held in memory: this is far more than offices have.
MAX_TAIL_BYTES = 64 * 2**20
MAX_HEAD_BYTES = 16 * 2**20
BIG_PART_BYTES = 16 * 2**20  # above this the body is deflated fast (level 1), else level 6
EXCEL_TEXT_LIMIT = 32_767  # characters in one cell (Excel specifications and limits)
DATE_FORMAT_CODE = "dd/mm/yyyy"
DATETIME_FORMAT_CODE = "dd/mm/yyyy hh:mm:ss"
_EPOCH_1900 = dt.datetime(1899, 12, 30)  # serial 0 as Excel counts after 28/2/1900
_EPOCH_1904 = dt.datetime(1904, 1, 1)
# ECMA-376 Part 1 §18.8.30: built-in number formats that show dates (and times).
_BUILTIN_DATES = set(range(14, 18)) | {22} | set(range(27, 37)) | set(range(50, 59))
_BUILTIN_TIMES = set(range(18, 22)) | {45, 46, 47}
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_XSTRING_ESCAPE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")
_FORMULA_START = ("=", "+", "-", "@")


@dataclass
class _Layout:
    head_clen: int
    head_len: int
    body_clen: int
    body_len: int
    body_crc: int


@dataclass
class _Split:
    """The worksheet part cut where rows go in: head, body (as stored bytes), tail."""

    prefix: bytes
    head: bytes
    body_chunks: Callable[[BinaryIO], None]  # writes the body's compressed bytes
    body_clen: int
    body_len: int
    body_crc: int
    tail_rows: bytes  # from the start of the last row with a value to </sheetData>
    rest: bytes  # </sheetData> and everything after it
    has_value_row: bool
    keys: set[str] | None  # every key of the key column, when the whole part was read


def append_rows_to_package(
    path: Path,
    sheet_title: str,
    rows: list[list[Cell]],
    *,
    key_column: int | None = None,
    known_new: bool = False,
) -> int:
    """Append `rows` (cells from column A) below the last row with a value of `sheet_title`.

    A row whose `key_column` value is already in the tab, or repeated in `rows`, is skipped.
    The look-up is always made (it costs nothing while the key index is valid), so
    `known_new` is accepted for the Source interface and not needed. Returns the number of
    rows written. Raises WriteError with a sentence for the office.
    """
    try:
        with open_package(path) as package:
            return _append(package, sheet_title, rows, key_column, known_new)
    except SourceError as error:
        raise WriteError(str(error)) from error


def _append(package: Package, title: str, rows, key_column, known_new) -> int:
    if package.kind == "ods":
        raise WriteError(
            f"Chương trình chỉ ghi được vào tệp .xlsx, không ghi được vào tệp {package.name}. "
            "Hãy mở tệp bằng LibreOffice hoặc Excel, chọn Lưu thành (Save As) định dạng .xlsx, "
            "rồi chọn tệp .xlsx đó làm nguồn dữ liệu."
        )
    sheet = find_sheet(package, title)
    entry = package.entry(sheet.part)
    opened = os.fstat(package.handle.fileno())
    index = KeyIndex.load(package.path, sheet.part, key_column, entry)
    split = None
    with tempfile.TemporaryFile() as spool:
        if key_column is None or index is not None:
            split = _split_by_layout(package, entry, sheet)
        if split is None:
            split = _split_streaming(package, entry, sheet, key_column, spool)
        known = split.keys if split.keys is not None else index if index is not None else set()
        fresh = _fresh_rows(rows, key_column, known)
        if not fresh:
            return 0
        date_base = _EPOCH_1904 if package.date1904 else _EPOCH_1900
        styles = _StyleBook.of(package)
        new_part = _new_sheet_part(split, fresh, styles, date_base, package, sheet)
        replaced = {sheet.part: new_part}
        if styles is not None and styles.changed:
            replaced[package.styles] = _deflated_part(styles.data)

        def write(temp_name: str) -> None:
            with open(temp_name, "wb") as out:
                zipfmt.write_archive(package.handle, package.archive, out, replaced)
            _check_unchanged(package, opened)

        replace_file_atomically(package.path, write)
        if key_column is not None:
            added = _wanted_keys(fresh, key_column)
            if split.keys is not None:
                KeyIndex.save(package.path, sheet.part, key_column, new_part, split.keys | added)
            else:
                KeyIndex.save(package.path, sheet.part, key_column, new_part, added, after=index)
        return len(fresh)


def find_sheet(package: Package, title: str) -> SheetInfo:
    """The worksheet titled `title`, else the one whose title matches loosely."""
    sheets = [s for s in package.sheets if s.part]
    exact = [s for s in sheets if s.title == title]
    loose = [s for s in sheets if loose_key(s.title) == loose_key(title)]
    if exact or len(loose) == 1:
        return (exact or loose)[0]
    found = ", ".join(f"«{s.title}»" for s in package.sheets)
    raise WriteError(
        f"Tệp {package.name} không có trang «{title}» để ghi (các trang đang có: {found}). "
        "Hãy thêm lại trang đó rồi gửi lại."
    )


def _check_unchanged(package: Package, opened: os.stat_result) -> None:
    """Another program saved the file while we wrote: keep its version, send again later."""
    try:
        now = os.stat(package.path)
    except OSError:
        now = None
    if now is None or (now.st_mtime_ns, now.st_size, now.st_ino) != (
        opened.st_mtime_ns,
        opened.st_size,
        opened.st_ino,
    ):
        raise WriteError(
            f"Tệp {package.name} vừa được một chương trình khác lưu trong lúc ghi, nên chương "
            "trình chưa ghi để khỏi ghi đè. Báo cáo vẫn được giữ và sẽ tự gửi lại."
        )


# -- keys -------------------------------------------------------------------------------------


def key_text(value: Cell) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _wanted_keys(rows, key_column: int) -> set[str]:
    return {
        k for row in rows if key_column < len(row) and (k := key_text(row[key_column])) is not None
    }


def _fresh_rows(rows, key_column, known: set[str]) -> list[list[Cell]]:
    """Rows whose key is new; a key repeated within `rows` is appended once."""
    if key_column is None:
        return [list(row) for row in rows]
    seen: set[str] = set()
    fresh = []
    for row in rows:
        key = key_text(row[key_column]) if key_column < len(row) else None
        if key is not None and (key in seen or key in known):
            continue
        if key is not None:
            seen.add(key)
        fresh.append(list(row))
    return fresh


def _shared_strings(package: Package, wanted: set[int]) -> dict[int, str]:
    """Index -> text of the shared strings (ECMA-376 Part 1 §18.4.8) at the wanted indices."""
    part = package.shared_strings
    if not wanted or not part or part not in package.archive.by_name:
        return {}
    found: dict[int, str] = {}
    index = 0
    carry = b""
    item = re.compile(rb"<(?:\w+:)?si\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?si>)", re.DOTALL)
    texts = re.compile(rb"<(?:\w+:)?t\b[^>]*>([^<]*)</(?:\w+:)?t>")
    phonetic = re.compile(rb"<(?:\w+:)?rPh\b.*?</(?:\w+:)?rPh>", re.DOTALL)
    for chunk in package.inflate(part):
        data = carry + chunk
        end = 0
        for match in item.finditer(data):
            if index in wanted:
                inner = phonetic.sub(b"", match.group(1) or b"")  # readings are not the text
                found[index] = _unescape(b"".join(texts.findall(inner)).decode("utf-8", "replace"))
            index += 1
            end = match.end()
        carry = data[end:]
    return found


class _BodyWriter:
    """Deflates the body in a second thread while the first inflates and scans."""

    def __init__(self, spool: BinaryIO, *, level: int):
        self.spool = spool
        self.compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
        self.crc = 0
        self.length = 0
        self.queue: queue.Queue = queue.Queue(maxsize=16)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="xlsx-deflate", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while (data := self.queue.get()) is not None:
            try:
                self.crc = zlib.crc32(data, self.crc)
                self.spool.write(self.compressor.compress(data))
            except BaseException as error:  # noqa: BLE001 - reported by finish()
                self.error = error

    def write(self, data) -> None:
        if data:
            self.length += len(data)
            self.queue.put(bytes(data))

    def finish(self) -> tuple[int, int, int]:
        self.close()
        if self.error is not None:
            raise WriteError(f"Không nén được trang tính ({self.error}); hãy thử lại.")
        self.spool.write(self.compressor.flush(zlib.Z_FULL_FLUSH))
        return self.spool.tell(), self.length, self.crc

    def close(self) -> None:
        if self.thread.is_alive():
            self.queue.put(None)
            self.thread.join()

    def copy_to(self, out: BinaryIO) -> None:
        self.spool.seek(0)
        shutil.copyfileobj(self.spool, out, 1 << 20)


class KeyIndex:
    """The key column's values, kept beside the workbook (`.<name>.keys`, one per line, the
    last line a stamp of the tab's part) for as long as that part is the one we last wrote
    (same CRC and sizes): a submission then checks its Mã phiếu without reading the tab, and
    adds its own keys at the end. Any other change (the office saved in Excel) makes the
    stamp stale; the next write reads the whole tab and builds the index again. A crash
    halfway through an update leaves a stamp that matches nothing: the same rebuild."""

    def __init__(self, path: Path, text: str, stamp_offset: int):
        self.path = path
        self.text = "\n" + text  # "\nkey1\nkey2\n...": a key is present as "\nkey\n"
        self.stamp_offset = stamp_offset

    def __contains__(self, key: str) -> bool:
        return f"\n{key}\n" in self.text

    @staticmethod
    def path_of(path: Path) -> Path:
        return path.with_name(f".{path.name}.keys")

    @staticmethod
    def _stamp(part: str, column: int, crc: int, compress_size: int, file_size: int) -> bytes:
        return f"#tothu-keys 1 {column} {crc} {compress_size} {file_size} {part}\n".encode()

    @classmethod
    def load(cls, path: Path, part: str, column: int | None, entry) -> KeyIndex | None:
        if column is None:
            return None
        try:
            data = cls.path_of(path).read_bytes()
        except OSError:
            return None
        stamp = cls._stamp(part, column, entry.crc, entry.compress_size, entry.file_size)
        if not data.endswith(stamp):
            return None
        body = data[: -len(stamp)]
        try:
            return cls(cls.path_of(path), body.decode("utf-8"), len(body))
        except UnicodeDecodeError:
            return None

    @classmethod
    def save(cls, path: Path, part: str, column: int, new_part, keys, *, after=None) -> None:
        """All `keys` (a new index), or only the new ones added to `after`'s file."""
        stamp = cls._stamp(part, column, new_part.crc, new_part.compress_size, new_part.file_size)
        lines = "".join(f"{k}\n" for k in keys if "\n" not in k).encode()
        target = cls.path_of(path)
        try:
            if after is not None:
                with open(target, "r+b") as handle:
                    handle.seek(after.stamp_offset)
                    handle.truncate()
                    handle.write(lines + stamp)
                return
            temp = target.with_name(target.name + ".tmp")
            temp.write_bytes(lines + stamp)
            os.replace(temp, target)
        except OSError:
            cls.forget(path)

    @classmethod
    def forget(cls, path: Path) -> None:
        with contextlib.suppress(OSError):
            cls.path_of(path).unlink(missing_ok=True)


# -- cutting the part ------------------------------------------------------------------------


def _layout_of(entry: zipfmt.ZipEntry) -> _Layout | None:
    data = zipfmt.extra_block(entry.extra, LAYOUT_EXTRA_ID)
    if data is None or len(data) != _LAYOUT.size or entry.method != zipfmt.DEFLATED:
        return None
    magic, crc, csize, usize, *rest = _LAYOUT.unpack(data)
    layout = _Layout(*rest)
    if (magic, crc, csize, usize) != (
        _LAYOUT_MAGIC,
        entry.crc,
        entry.compress_size,
        entry.file_size,
    ):
        return None
    if layout.head_clen + layout.body_clen > csize or layout.head_len + layout.body_len > usize:
        return None
    return layout


def _split_by_layout(package: Package, entry: zipfmt.ZipEntry, sheet: SheetInfo) -> _Split | None:
    """Head and tail from our own segments, when the part is still as we wrote it."""
    layout = _layout_of(entry)
    if layout is None:
        return None
    handle = package.handle
    tail_clen = entry.compress_size - layout.head_clen - layout.body_clen
    tail_len = entry.file_size - layout.head_len - layout.body_len
    if tail_clen > MAX_TAIL_BYTES or tail_len > MAX_TAIL_BYTES * 8:
        return None
    handle.seek(entry.data_offset)
    head = _inflate_segment(handle.read(layout.head_clen), final=False)
    handle.seek(entry.data_offset + layout.head_clen + layout.body_clen)
    tail = _inflate_segment(handle.read(tail_clen), final=True)
    if head is None or tail is None or (len(head), len(tail)) != (layout.head_len, tail_len):
        return None
    crc = zipfmt.crc32_combine(zlib.crc32(head), layout.body_crc, layout.body_len)
    if zipfmt.crc32_combine(crc, zlib.crc32(tail), tail_len) != entry.crc:
        return None
    match = re.search(rb"<(\w+:)?worksheet\b", head)
    if match is None:
        return None
    prefix = match.group(1) or b""
    end = tail.find(b"</" + prefix + b"sheetData>")
    if end < 0 or not head.endswith(b">"):
        return None
    body_start = entry.data_offset + layout.head_clen

    def body(out: BinaryIO) -> None:
        _copy_range(handle, body_start, layout.body_clen, out)

    tail_rows = tail[:end]
    return _Split(
        prefix=prefix,
        head=head,
        body_chunks=body,
        body_clen=layout.body_clen,
        body_len=layout.body_len,
        body_crc=layout.body_crc,
        tail_rows=tail_rows,
        rest=tail[end:],
        has_value_row=_has_value(tail_rows, prefix),
        keys=None,
    )


def _inflate_segment(data: bytes, *, final: bool) -> bytes | None:
    inflater = zlib.decompressobj(-15)
    try:
        out = inflater.decompress(data, MAX_TAIL_BYTES * 8)
    except zlib.error:
        return None
    if inflater.unconsumed_tail or inflater.eof != final:
        return None
    return out


def _split_streaming(package, entry, sheet, key_column, spool) -> _Split:
    """The whole part inflated once: head kept, rows before the last row with a value deflated
    into `spool` as they stream past (in a second thread: zlib releases the GIL), the rest
    kept for the new rows to go in."""
    body = _BodyWriter(spool, level=1 if entry.file_size > BIG_PART_BYTES else 6)
    try:
        return _stream_rows(package, sheet, key_column, body, _Keys(set(), set()))
    finally:
        body.close()


@dataclass
class _Keys:
    texts: set[str]
    shared_indices: set[int]


def _stream_rows(package, sheet, key_column, body, found: _Keys) -> _Split:
    to_body = body.write
    prefix = None
    head = None
    pending = bytearray()
    rest = bytearray()
    has_value = False
    carry = b""
    keys, shared_indices = found.texts, found.shared_indices
    key_cells = None
    for chunk in package.inflate(sheet.part, tab=sheet.title):
        data = carry + chunk
        carry = b""
        if head is None:
            if prefix is None:
                match = re.search(rb"<(\w+:)?worksheet\b", data)
                if match is None:
                    carry = _hold(data, MAX_HEAD_BYTES, package, sheet)
                    continue
                prefix = match.group(1) or b""
                if key_column is not None:
                    key_cells = _key_cell_pattern(prefix, key_column)
            start = data.find(b"<" + prefix + b"sheetData")
            close = data.find(b">", start) if start >= 0 else -1
            if close < 0:
                carry = _hold(data, MAX_HEAD_BYTES, package, sheet)
                continue
            if data[close - 1 : close] == b"/":
                head = data[:start] + b"<" + prefix + b"sheetData>"
                rest += b"</" + prefix + b"sheetData>" + data[close + 1 :]
                continue
            head = data[: close + 1]
            data = data[close + 1 :]
        if rest:
            rest += data
            _cap(rest, package, sheet)
            continue
        end = data.find(b"</" + prefix + b"sheetData>")
        if end >= 0:
            region, rest = data[:end], bytearray(data[end:])
        else:
            cut = data.rfind(b"<" + prefix + b"row")
            region, carry = (data[:cut], data[cut:]) if cut > 0 else (b"", data)
            if len(carry) > MAX_TAIL_BYTES:
                raise WriteError(_too_long_row(package, sheet))
        if key_cells is not None and region:
            _keys_in(region, key_cells, prefix, keys, shared_indices)
        marker = _last_value(region, prefix)
        if marker >= 0:
            row_start = region.rfind(b"<" + prefix + b"row", 0, marker)
            if row_start >= 0:
                to_body(bytes(pending))
                to_body(region[:row_start])
                pending = bytearray(region[row_start:])
                has_value = True
                continue
        pending += region
        _cap(pending, package, sheet)
    if head is None or not rest:
        raise WriteError(
            f"Trang «{sheet.title}» của tệp {package.name} không đúng cấu trúc trang tính. Hãy "
            "mở tệp bằng Excel hoặc LibreOffice rồi lưu lại."
        )
    body_clen, body_len, body_crc = body.finish()
    for text in _shared_strings(package, shared_indices).values():
        if (key := key_text(text)) is not None:
            keys.add(key)

    return _Split(
        prefix=prefix,
        head=bytes(head),
        body_chunks=body.copy_to,
        body_clen=body_clen,
        body_len=body_len,
        body_crc=body_crc,
        tail_rows=bytes(pending),
        rest=bytes(rest),
        has_value_row=has_value,
        keys=keys if key_column is not None else None,
    )


def _hold(data: bytes, limit: int, package, sheet) -> bytes:
    if len(data) > limit:
        raise WriteError(
            f"Trang «{sheet.title}» của tệp {package.name} không đúng cấu trúc trang tính. Hãy "
            "mở tệp bằng Excel hoặc LibreOffice rồi lưu lại."
        )
    return data


def _cap(buffer: bytearray, package, sheet) -> None:
    if len(buffer) > MAX_TAIL_BYTES:
        raise WriteError(
            f"Bên dưới dữ liệu của trang «{sheet.title}» (tệp {package.name}) có quá nhiều dòng "
            "trống đã định dạng. Hãy chọn các dòng trống đó, xóa dòng (Delete rows) rồi lưu lại."
        )


def _too_long_row(package, sheet) -> str:
    return (
        f"Trang «{sheet.title}» của tệp {package.name} có một dòng quá lớn để ghi tiếp. Hãy mở "
        "tệp bằng Excel hoặc LibreOffice rồi lưu lại."
    )


def _last_value(region: bytes, prefix: bytes) -> int:
    """Where the last cell holding a value, or a formula, starts its content (-1: none).

    The common markers first; the rarer ones are only looked for after them (a full rfind
    of a marker that is absent scans the whole region)."""
    found = max(region.rfind(b"<" + prefix + b"v>"), region.rfind(b"<" + prefix + b"is>"))
    for rare in (b"v ", b"f>", b"f "):
        found = max(found, region.rfind(b"<" + prefix + rare, max(found, 0)))
    return found


def _has_value(rows: bytes, prefix: bytes) -> bool:
    return _last_value(rows, prefix) >= 0


def _key_cell_pattern(prefix: bytes, key_column: int) -> re.Pattern:
    """A key cell and the start of its content: (attributes, <v> text, first <t> text)."""
    p = re.escape(prefix)
    letter = column_letter(key_column + 1).encode()
    return re.compile(
        rb"<" + p + rb'c r="' + letter + rb'[0-9]+"([^>]*?)(?<!/)>'
        rb"(?:<" + p + rb"v>([^<]*)</" + p + rb"v>"
        rb"|<" + p + rb"is><" + p + rb"t\b[^>]*>([^<]*)</" + p + rb"t>)?"
    )  # fmt: skip


def _keys_in(region, pattern, prefix, keys: set[str], shared_indices: set[int]) -> None:
    """Every key of the key column in `region`; shared strings by index, resolved later.

    A key inside a formula or split in rich-text runs is not seen: Mã phiếu is typed or
    written by this program, never computed.
    """
    for attributes, number, inline in pattern.findall(region):
        if b't="s"' in attributes:
            if number.isdigit():
                shared_indices.add(int(number))
            continue
        raw = (inline or number).decode("utf-8", "replace")
        if "&" in raw:
            raw = _unescape(raw)
        key = key_text(raw)
        if key is not None and number and b't="' not in attributes:
            with contextlib.suppress(ValueError):
                key = key_text(float(key))  # a number cell: 5.0 is the key "5"
        if key is not None:
            keys.add(key)


# -- the new rows -----------------------------------------------------------------------------

_ROW = r"<{p}row\b[^>]*?(?:/>|>.*?</{p}row>)"


def _row_elements(rows: bytes, prefix: bytes) -> list[tuple[int, bytes]]:
    """(row number, element with the whitespace after it) for each row element."""
    pattern = re.compile(_ROW.replace("{p}", re.escape(prefix).decode()).encode(), re.DOTALL)
    elements = []
    position = 0
    for match in pattern.finditer(rows):
        number = re.match(rb'<[^>]*?\br="([0-9]+)"', match.group(0))
        if number is None:
            raise WriteError(
                "Trang tính có dòng không ghi số dòng (tệp không do Excel hay LibreOffice lưu). "
                "Hãy mở tệp bằng Excel hoặc LibreOffice rồi lưu lại."
            )
        if elements:
            number_before, element = elements[-1]
            elements[-1] = (number_before, element + rows[position : match.start()])
        elements.append((int(number.group(1)), match.group(0)))
        position = match.end()
    if elements:
        number, element = elements[-1]
        elements[-1] = (number, element + rows[position:])
    return elements


def _cells_of(row: bytes, prefix: bytes) -> dict[int, tuple[bytes, bytes]]:
    """Column (1-based) -> (style index text or b"", the cell's XML) of one row element."""
    p = re.escape(prefix)
    cells = {}
    pattern = re.compile(
        rb"<" + p + rb'c r="([A-Z]+)[0-9]+"([^>]*?)(?:/>|>.*?</' + p + rb"c>)", re.DOTALL
    )
    for match in pattern.finditer(row):
        style = re.search(rb'\bs="([0-9]+)"', match.group(2))
        cells[column_index(match.group(1))] = (style.group(1) if style else b"", match.group(0))
    return cells


def _new_sheet_part(split: _Split, rows, styles, date_base, package, sheet):
    prefix = split.prefix
    existing = _row_elements(split.tail_rows, prefix)
    if split.has_value_row:
        last_number = existing[0][0]
        template = _cells_of(existing[0][1], prefix)
        before, after = [existing[0][1]], existing[1:]
    else:
        last_number, template, before, after = 0, {}, [], existing
    first, last = last_number + 1, last_number + len(rows)
    if last > EXCEL_ROWS:
        raise WriteError(
            f"Trang «{sheet.title}» của tệp {package.name} đã đủ {EXCEL_ROWS:,} dòng, giới hạn "
            "của Excel. Hãy chuyển số liệu các năm cũ sang tệp khác rồi gửi lại.".replace(",", ".")
        )
    by_number = dict(after)
    lowest, widest = 0, 0
    new_elements: list[bytes] = []
    for offset, values in enumerate(rows):
        number = first + offset
        old = by_number.pop(number, None)
        element, low, high = _row_xml(number, values, old, template, styles, date_base, prefix)
        lowest = min(lowest or low, low or lowest)
        widest = max(widest, high)
        new_elements.append(element)
    later = [element for number, element in after if number in by_number]
    mid = b"".join(before + new_elements[:-1])
    tail = new_elements[-1] + b"".join(later) + split.rest
    head = _widen_dimension(split.head, prefix, (lowest, first, widest, last))
    head_segment = _segment(head, final=False)
    mid_segment = _segment(mid, final=False) if mid else b""
    tail_segment = _segment(tail, final=True)
    body_clen = split.body_clen + len(mid_segment)
    body_len = split.body_len + len(mid)
    body_crc = zipfmt.crc32_combine(split.body_crc, zlib.crc32(mid), len(mid))
    crc = zipfmt.crc32_combine(zlib.crc32(head), body_crc, body_len)
    crc = zipfmt.crc32_combine(crc, zlib.crc32(tail), len(tail))
    compress_size = len(head_segment) + body_clen + len(tail_segment)
    file_size = len(head) + body_len + len(tail)

    def write(out: BinaryIO) -> None:
        out.write(head_segment)
        split.body_chunks(out)
        out.write(mid_segment)
        out.write(tail_segment)

    layout = _LAYOUT.pack(
        _LAYOUT_MAGIC, crc, compress_size, file_size, len(head_segment), len(head),
        body_clen, body_len, body_crc,
    )  # fmt: skip
    part = zipfmt.NewPart(
        crc, compress_size, file_size, write, extra_id=LAYOUT_EXTRA_ID, extra_data=layout
    )
    return part


def _segment(data: bytes, *, final: bool) -> bytes:
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(
        zlib.Z_FINISH if final else zlib.Z_FULL_FLUSH
    )


def _deflated_part(data: bytes) -> zipfmt.NewPart:
    compressed = _segment(data, final=True)
    return zipfmt.NewPart(
        zlib.crc32(data), len(compressed), len(data), lambda out: out.write(compressed)
    )


def _copy_range(handle: BinaryIO, start: int, length: int, out: BinaryIO) -> None:
    handle.seek(start)
    while length:
        chunk = handle.read(min(length, 1 << 20))
        if not chunk:
            raise WriteError("Tệp bảng tính bị cắt cụt trong lúc ghi; hãy thử lại.")
        out.write(chunk)
        length -= len(chunk)


def _widen_dimension(head: bytes, prefix: bytes, box: tuple[int, int, int, int]) -> bytes:
    """<dimension ref> grown to cover the new rows (ECMA-376 Part 1 §18.3.1.35); a head
    without one is left without one."""
    lowest, first, widest, last = box
    pattern = re.compile(rb"(<" + re.escape(prefix) + rb'dimension\b[^>]*?\bref=")([^"]*)(")')
    match = pattern.search(head)
    if match is None or widest == 0:
        return head
    parts = re.fullmatch(rb"([A-Z]+)([0-9]+)(?::([A-Z]+)([0-9]+))?", match.group(2))
    if parts is None:
        return head
    c1, r1 = column_index(parts.group(1)), int(parts.group(2))
    c2 = column_index(parts.group(3)) if parts.group(3) else c1
    r2 = int(parts.group(4)) if parts.group(4) else r1
    c1, r1, c2, r2 = min(c1, lowest), min(r1, first), max(c2, widest), max(r2, last)
    ref = f"{column_letter(c1)}{r1}:{column_letter(c2)}{r2}".encode()
    return head[: match.start(2)] + ref + head[match.end(2) :]


def _row_xml(number, values, old, template, styles, date_base, prefix) -> tuple[bytes, int]:
    """One row element; `old` is a formatted empty row already standing at that number."""
    p = prefix
    existing = _cells_of(old, prefix) if old else {}
    cells: dict[int, bytes] = {column: xml for column, (_, xml) in existing.items()}
    lowest = widest = 0
    row_style = b""
    if old and re.search(rb'\bcustomFormat="(?:1|true)"', old[: old.find(b">") + 1]):
        found = re.search(rb'\ss="([0-9]+)"', old[: old.find(b">") + 1])
        row_style = found.group(1) if found else b""
    for index, value in enumerate(values, start=1):
        if value is None or (isinstance(value, str) and value == ""):
            continue
        if isinstance(value, float) and not math.isfinite(value):
            continue
        # The office's own formatting of that spot (a formatted empty cell, else a
        # formatted row); the cell above only lends its date format to a date.
        here = existing.get(index, (b"", b""))[0] or row_style
        above = template.get(index, (b"", b""))[0]
        cells[index] = _cell_xml(
            f"{column_letter(index)}{number}", value, here, above, styles, date_base, p
        )
        lowest = lowest or index
        widest = index
    if old is None:
        opening = b"<" + p + b'row r="' + str(number).encode() + b'">'
    else:
        tag = re.match(rb"<[^>]*?>", old).group(0)
        opening = re.sub(rb'\s+spans="[^"]*"', b"", tag).replace(b"/>", b">")
        if not opening.endswith(b">"):
            opening += b">"
    body = b"".join(cells[column] for column in sorted(cells))
    trailing = old[len(old.rstrip()) :] if old else b""
    return opening + body + b"</" + p + b"row>" + trailing, lowest, widest


def _cell_xml(ref: str, value: Cell, here: bytes, above: bytes, styles, date_base, p) -> bytes:
    """A typed cell: text inline (a leading '=' stays text), numbers, booleans, dates."""
    open_tag = b"<" + p + b'c r="' + ref.encode() + b'"'
    template = int(here) if here else None
    above_style = int(above) if above else None
    if isinstance(value, bool):
        style = styles.plain(template) if styles else None
        return (
            open_tag
            + _s(style)
            + b' t="b"><'
            + p
            + b"v>"
            + (b"1" if value else b"0")
            + b"</"
            + p
            + b"v></"
            + p
            + b"c>"
        )
    if isinstance(value, dt.datetime | dt.date):
        kind = "datetime" if isinstance(value, dt.datetime) else "date"
        if styles is None:
            text = value.strftime("%d/%m/%Y %H:%M:%S" if kind == "datetime" else "%d/%m/%Y")
            return _text_cell(open_tag, text, None, p)
        moment = value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())
        serial = (moment.replace(tzinfo=None) - date_base) / dt.timedelta(days=1)
        number = repr(round(serial, 10)) if kind == "datetime" else str(int(serial))
        style = styles.date_style(kind, template, above_style)
        return (
            open_tag
            + _s(style)
            + b"><"
            + p
            + b"v>"
            + number.encode()
            + b"</"
            + p
            + b"v></"
            + p
            + b"c>"
        )
    if isinstance(value, int | float):
        style = styles.plain(template) if styles else None
        number = str(value) if isinstance(value, int) else repr(float(value))
        return (
            open_tag
            + _s(style)
            + b"><"
            + p
            + b"v>"
            + number.encode()
            + b"</"
            + p
            + b"v></"
            + p
            + b"c>"
        )
    text = _ILLEGAL_XML.sub("", str(value))
    if len(text) > EXCEL_TEXT_LIMIT:
        raise WriteError(
            f"Ô {ref} dài {len(text)} ký tự, quá giới hạn {EXCEL_TEXT_LIMIT} ký tự một ô của "
            "Excel; hãy viết gọn lại rồi gửi."
        )
    if text.lstrip().startswith(_FORMULA_START) and styles is not None:
        style = styles.quote_style(template)
    else:
        style = styles.plain(template) if styles else None
    return _text_cell(open_tag, text, style, p)


def _text_cell(open_tag: bytes, text: str, style, p: bytes) -> bytes:
    escaped = _XSTRING_ESCAPE.sub(r"_x005F_\1", text)  # ECMA-376 Part 1 §22.9.2.19
    escaped = (
        escaped.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\r", "_x000D_")
    )
    space = b' xml:space="preserve"' if text != text.strip() or "\n" in text else b""
    return (
        open_tag + _s(style) + b' t="inlineStr"><' + p + b"is><" + p + b"t" + space + b">"
        + escaped.encode() + b"</" + p + b"t></" + p + b"is></" + p + b"c>"
    )  # fmt: skip


def _s(style: int | None) -> bytes:
    return b"" if not style else b' s="' + str(style).encode() + b'"'


def _unescape(text: str) -> str:
    return (
        text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&apos;", "'")
        .replace("&amp;", "&")
    )


# -- styles -------------------------------------------------------------------------------------


class _StyleBook:
    """cellXfs and numFmts of styles.xml (ECMA-376 Part 1 §18.8.10, §18.8.31), read to pick a
    date style, and added to (at the end, by bytes) only when none fits."""

    def __init__(self, data: bytes):
        self.data = data
        self.changed = False
        match = re.search(rb"<(\w+:)?styleSheet\b", data)
        self.prefix = (match.group(1) or b"") if match else b""
        p = re.escape(self.prefix)
        self._xf = re.compile(rb"<" + p + rb"xf\b[^>]*?(?:/>|>.*?</" + p + rb"xf>)", re.DOTALL)
        self.formats = {
            int(m.group(1)): _unescape(m.group(2).decode())
            for m in re.finditer(
                rb"<" + p + rb'numFmt\b[^>]*?numFmtId="([0-9]+)"[^>]*?formatCode="([^"]*)"', data
            )
        }
        self.xfs = self._cell_xfs()

    @classmethod
    def of(cls, package: Package) -> _StyleBook | None:
        if not package.styles or package.styles not in package.archive.by_name:
            return None
        return cls(package.read(package.styles, limit=MAX_META_BYTES))

    def _cell_xfs(self) -> list[bytes]:
        p = re.escape(self.prefix)
        block = re.search(
            rb"<" + p + rb"cellXfs\b[^>]*>(.*?)</" + p + rb"cellXfs>", self.data, re.DOTALL
        )
        return self._xf.findall(block.group(1)) if block else []

    def _number_format(self, index: int | None) -> int:
        if index is None or index >= len(self.xfs):
            return 0
        found = re.search(rb'numFmtId="([0-9]+)"', self.xfs[index])
        return int(found.group(1)) if found else 0

    def _kind(self, format_id: int) -> str | None:
        """ "date", "datetime", "time" or None for a number format id."""
        if format_id in _BUILTIN_DATES:
            return "datetime" if format_id == 22 else "date"
        if format_id in _BUILTIN_TIMES:
            return "time"
        code = self.formats.get(format_id)
        if not code:
            return None
        bare = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", code.split(";")[0]).lower()
        has_date = bool(re.search(r"[dy]", bare)) or ("m" in bare and not re.search(r"[hs]", bare))
        has_time = bool(re.search(r"[hs]", bare))
        if has_date:
            return "datetime" if has_time else "date"
        return "time" if has_time else None

    def plain(self, template: int | None) -> int | None:
        """The template's style for a text or number, unless it would show it as a date."""
        if template is None or self._kind(self._number_format(template)):
            return None
        return template

    def date_style(self, kind: str, template: int | None, above: int | None = None) -> int:
        """The spot's own style if it shows this kind, else the cell above's, else a style
        with our format (found, or added as a copy of the spot's style)."""
        for candidate in (template, above):
            if candidate is not None and self._kind(self._number_format(candidate)) == kind:
                return candidate
        code = DATETIME_FORMAT_CODE if kind == "datetime" else DATE_FORMAT_CODE
        for index, xf in enumerate(self.xfs):
            format_id = self._number_format(index)
            if self.formats.get(format_id) == code and b"quotePrefix" not in xf:
                return index
        return self._add_xf(self._format_id(code), template, quote=False)

    def quote_style(self, template: int | None) -> int:
        if (
            template is not None
            and template < len(self.xfs)
            and b'quotePrefix="1"' in self.xfs[template]
        ):
            return template
        for index, xf in enumerate(self.xfs):
            if b'quotePrefix="1"' in xf and not self._kind(self._number_format(index)):
                return index
        return self._add_xf(0, template if self.plain(template) is not None else None, quote=True)

    def _format_id(self, code: str) -> int:
        for format_id, existing in self.formats.items():
            if existing == code:
                return format_id
        format_id = max([163, *self.formats]) + 1  # custom formats start at 164
        p = self.prefix
        element = (
            b"<"
            + p
            + b'numFmt numFmtId="'
            + str(format_id).encode()
            + b'" formatCode="'
            + code.encode()
            + b'"/>'
        )
        block = re.search(rb"<" + re.escape(p) + rb"numFmts\b[^>]*?(/?)>", self.data)
        if block and block.group(1) == b"":
            end = self.data.index(b"</" + p + b"numFmts>", block.end())
            self.data = self.data[:end] + element + self.data[end:]
            self.data = _recount(self.data, p + b"numFmts", len(self.formats) + 1)
        else:
            start = re.search(rb"<" + re.escape(p) + rb"styleSheet\b[^>]*>", self.data).end()
            if block:  # <numFmts/> (empty)
                self.data = self.data[: block.start()] + self.data[block.end() :]
            wrapped = b"<" + p + b'numFmts count="1">' + element + b"</" + p + b"numFmts>"
            self.data = self.data[:start] + wrapped + self.data[start:]
        self.formats[format_id] = code
        self.changed = True
        return format_id

    def _add_xf(self, format_id: int, template: int | None, *, quote: bool) -> int:
        """A copy of the template's <xf> (font, fill, borders, alignment kept) with the number
        format or the quote prefix needed, appended to cellXfs."""
        p = self.prefix
        children = b""
        if template is not None and template < len(self.xfs):
            parts = re.match(rb"(<[^>]*?)(/?)>(.*)", self.xfs[template], re.DOTALL)
            base = re.sub(
                rb'\s(?:numFmtId|applyNumberFormat|quotePrefix)="[^"]*"', b"", parts.group(1)
            )
            children = b"" if parts.group(2) else parts.group(3)
        else:
            base = b"<" + p + b'xf fontId="0" fillId="0" borderId="0" xfId="0"'
        extra = b' quotePrefix="1"' if quote else b' applyNumberFormat="1"'
        element = base + b' numFmtId="' + str(format_id).encode() + b'"' + extra
        element += b">" + children if children else b"/>"
        end = self.data.index(b"</" + p + b"cellXfs>")
        self.data = self.data[:end] + element + self.data[end:]
        self.xfs.append(element)
        self.data = _recount(self.data, p + b"cellXfs", len(self.xfs))
        self.changed = True
        return len(self.xfs) - 1


def _recount(data: bytes, tag: bytes, count: int) -> bytes:
    pattern = re.compile(rb"(<" + re.escape(tag) + rb'\b[^>]*?\bcount=")[0-9]*(")')
    if pattern.search(data):
        return pattern.sub(rb"\g<1>" + str(count).encode() + rb"\g<2>", data, count=1)
    return data

"""A folder of CSV files, one per tab, named after the tab (`Cán bộ.csv`, `Sinh hoạt.csv`...).

For offices that export from another program. Every cell is text, as CSV has no types;
the reader parses dates and numbers the same way it does for typed cells.

- Any field size: Python's csv module refuses fields over 128 kB by default; an office
  cell can hold far more (Excel: 32,767 characters, LibreOffice more), so the limit is
  lifted and only the file's size is bounded (`MAX_CSV_BYTES`).
- Encodings, told by the file itself: UTF-8 with or without a BOM (Excel's «CSV UTF-8»),
  UTF-16 with its BOM (Excel's «Unicode Text»), and Windows-1258, the Vietnamese Windows code
  page (Excel's plain «CSV» on a Vietnamese Windows), accepted only when it decodes to
  Vietnamese text; anything else is refused with a sentence naming the encodings read.
- Appending keeps the file's own bytes, encoding and line ending; text a cadre typed that a
  spreadsheet could run as a formula gets a leading `'`, exactly as the exports do
  (`sheet/cellsafety.neutralize`), and that `'` is taken off again when the folder is read.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from tothu_core.errors import SourceError, SourceNotFound, WriteError
from tothu_core.sheet import contract
from tothu_core.sheet.cellsafety import neutralize, unneutralize
from tothu_core.sheet.reader import plan_append
from tothu_core.sheet.sources.base import (
    AppendResult,
    Cell,
    RawTab,
    RawWorkbook,
    Source,
    WriteTarget,
)
from tothu_core.sheet.sources.localfile import file_lock, remove_leftovers, replace_file_atomically
from tothu_core.textnorm import loose_key

_BOM = "\ufeff"
# The csv module's own limit is 128 kB per field; 2**31 - 1 fits a C long on every platform.
csv.field_size_limit(2**31 - 1)
MAX_CSV_BYTES = 256 * 2**20
_UTF16_BOMS = {b"\xff\xfe": "utf-16-le", b"\xfe\xff": "utf-16-be"}
_TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"
_VIETNAMESE_VOWELS = "aăâeêioôơuưy"
_VIETNAMESE = frozenset(
    unicodedata.normalize("NFC", base + tone)
    for vowel in _VIETNAMESE_VOWELS + _VIETNAMESE_VOWELS.upper()
    for base in (vowel,)
    for tone in ("", *_TONE_MARKS)
) | set("đĐ“”‘’–—…₫°·€§×")


class CsvFolderSource(Source):
    kind = "csv"

    def __init__(self, folder: str | os.PathLike):
        self.folder = Path(folder)
        self._tidied = False

    @property
    def label(self) -> str:
        return f"Thư mục CSV {self.folder.name}"

    @property
    def identity(self) -> str:
        return f"{self.kind}:{self.folder.resolve()}"

    def version(self) -> str | None:
        """Every .csv file's name, modification time (ns) and size, as one digest: a tab
        edited, added or removed changes it. None when the folder cannot be listed."""
        try:
            files = self._csv_files()
            stamps = [f"{p.name}:{p.stat().st_mtime_ns}:{p.stat().st_size}" for p in files]
        except (OSError, SourceError):
            return None
        return hashlib.sha256("\n".join(stamps).encode("utf-8")).hexdigest()[:32]

    def read_raw(self) -> RawWorkbook:
        files = self._csv_files()
        if not self._tidied:
            self._tidied = True
            for path in files:
                remove_leftovers(path)
        return {path.stem: _read_rows(path)[0] for path in files}

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
            remove_leftovers(path)
            existing, text = _read_rows(path)
            known = {
                row[key_column].strip()
                for row in existing
                if key_column is not None and key_column < len(row) and row[key_column]
            }
            new_rows = []
            for row in rows:
                cells = [_as_text(value) for value in row]
                safe = [
                    neutralize(c) if isinstance(v, str) else c
                    for v, c in zip(row, cells, strict=True)
                ]
                has_key = key_column is not None and key_column < len(cells)
                key = cells[key_column].strip() if has_key else ""
                if key and key in known:
                    continue
                if key:
                    known.add(key)
                new_rows.append(safe)
            if not new_rows:
                return 0
            replace_file_atomically(path, lambda temp: _write(temp, text, new_rows, path.name))
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


@dataclass
class _Decoded:
    raw: bytes
    text: str  # without a BOM
    encoding: str  # "utf-8", "utf-16-le", "utf-16-be" or "cp1258"


def _read_rows(path: Path) -> tuple[RawTab, _Decoded]:
    """Rows of one CSV file (all text, "" as None, a neutralising `'` taken off)."""
    decoded = _decode(path)
    try:
        rows = [
            [unneutralize(cell) if cell else None for cell in row]
            for row in csv.reader(io.StringIO(decoded.text, newline=""))
        ]
    except csv.Error as error:
        raise SourceError(
            f"Tệp {path.name} không đúng định dạng CSV ({error}). "
            "Hãy mở tệp bằng Excel hoặc LibreOffice và lưu lại dạng CSV UTF-8."
        ) from error
    return rows, decoded


def _decode(path: Path) -> _Decoded:
    try:
        if path.stat().st_size > MAX_CSV_BYTES:
            raise SourceError(
                f"Tệp {path.name} lớn quá {MAX_CSV_BYTES // 2**20} MB để đọc an toàn. Hãy chuyển "
                "số liệu các năm cũ sang tệp khác rồi thử lại."
            )
        raw = path.read_bytes()
    except OSError as error:
        raise SourceError(
            f"Không đọc được tệp {path.name} ({error.strerror or error}). "
            "Hãy kiểm tra quyền truy cập thư mục."
        ) from error
    for bom, encoding in _UTF16_BOMS.items():
        if raw.startswith(bom):
            try:
                return _Decoded(raw, raw[2:].decode(encoding), encoding)
            except UnicodeDecodeError as error:
                raise SourceError(_encoding_sentence(path.name, "UTF-16 bị hỏng")) from error
    try:
        return _Decoded(raw, raw.decode("utf-8").removeprefix(_BOM), "utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = raw.decode("cp1258")
    except UnicodeDecodeError as error:
        raise SourceError(_encoding_sentence(path.name, "không rõ")) from error
    if not _looks_vietnamese(text):
        raise SourceError(_encoding_sentence(path.name, "không phải UTF-8 hay Windows-1258"))
    return _Decoded(raw, text, "cp1258")


def _looks_vietnamese(text: str) -> bool:
    """Windows-1258 decodes almost any bytes; only text made of Vietnamese letters, ASCII
    and common punctuation is taken for it (a Latin-1 or TCVN3 file is not)."""
    composed = unicodedata.normalize("NFC", text)
    return all(ch.isascii() or ch in _VIETNAMESE for ch in composed)


def _encoding_sentence(name: str, what: str) -> str:
    return (
        f"Tệp {name} không đọc được: mã chữ {what} (chương trình đọc UTF-8, UTF-16 và "
        "Windows-1258), chữ tiếng Việt sẽ bị lỗi. Hãy mở tệp bằng Excel hoặc LibreOffice và "
        "lưu lại dạng «CSV UTF-8»."
    )


def _write(temp_path: str, old: _Decoded, new_rows: list[list[str]], name: str) -> None:
    """The old bytes as they were, then the new rows in the file's own encoding and line
    ending. A new (empty) file gets a UTF-8 BOM, so Excel opens its Vietnamese text."""
    old_text = old.text
    if old_text.strip(_BOM + " \r\n"):
        line_end = "\r\n" if "\r\n" in old_text else "\n"
        head = old.raw
        if not old_text.endswith(("\n", "\r")):
            head += _encode(line_end, old.encoding, name)
        encoding = old.encoding
    else:
        line_end, head, encoding = "\r\n", _BOM.encode("utf-8"), "utf-8"
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator=line_end).writerows(new_rows)
    with open(temp_path, "wb") as handle:
        handle.write(head + _encode(buffer.getvalue(), encoding, name))


def _encode(text: str, encoding: str, name: str) -> bytes:
    if encoding != "cp1258":
        return text.encode(encoding)
    out = bytearray()
    for char in unicodedata.normalize("NFC", text):
        try:
            out += char.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        # Windows-1258 has the base letters (ă, ê, ơ...) and the five tone marks apart.
        parts = unicodedata.normalize("NFD", char)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONE_MARKS))
        tones = "".join(c for c in parts if c in _TONE_MARKS)
        try:
            out += (base + tones).encode("cp1258")
        except UnicodeEncodeError as error:
            raise WriteError(
                f"Chữ «{char}» không ghi được vào tệp {name} (mã Windows-1258). Hãy lưu tệp lại "
                "dạng «CSV UTF-8» bằng Excel hoặc LibreOffice rồi gửi lại."
            ) from error
    return bytes(out)


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

"""A workbook file checked as a package before python-calamine (or our writer) touches it.

python-calamine is fast and reads what Excel and LibreOffice store (cached formula values,
shared strings, dates by number format), but it trusts the file: one stray value at
XFD1048576 makes it allocate the whole rectangle from A1 (550 GB; the process aborts, no
exception to catch), a `uniqueCount` in sharedStrings.xml is reserved as given, and a zip
bomb is inflated to the end. So every file is first opened here:

- its first bytes say what it really is (ZIP, an encrypted or legacy OLE file, or not a
  spreadsheet at all), whatever its name;
- the ZIP directory is checked (entries, declared sizes and ratios) before anything is
  inflated, and every part the reader needs is inflated with a hard output limit;
- each worksheet is scanned as a stream for how many cells hold a value and how far they
  reach, so memory follows the data present: a sheet whose rectangle from A1 is far larger
  than its data (a stray far cell) is refused with the cell's address;
- the scan also picks up what python-calamine drops: formula error values (`#REF!`) and,
  in .ods files, merged blocks.

Every refusal is a SourceError whose sentence names the file, the tab when there is one,
and what to do; the snapshot store then keeps serving the last good snapshot.
"""

from __future__ import annotations

import posixpath
import re
import xml.etree.ElementTree as ET
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO
from xml.parsers import expat

from tothu_core.errors import SourceError
from tothu_core.sheet.sources import zipfmt

# Files: a province's workbook of 357,000 entries is 27 MB; ten times that is not a sheet
# anyone types.
MAX_FILE_BYTES = 256 * 2**20
# One worksheet part inflated: the province's entries tab is 304 MB of XML.
MAX_PART_BYTES = 1024 * 2**20
# workbook.xml, relationships, content types, styles: kilobytes in real files.
MAX_META_BYTES = 32 * 2**20
MAX_SHARED_STRINGS_BYTES = 512 * 2**20
# All parts the reader inflates together.
MAX_TOTAL_BYTES = 2048 * 2**20
# XML from Excel or LibreOffice deflates 5-30 times; deflate cannot exceed ~1032:1, which is
# what a bomb made of one repeated byte reaches.
MAX_RATIO = 250
RATIO_FROM_BYTES = 2**20
# Cells holding a value, in the whole workbook: twice a province's workbook.
MAX_CELLS = 8_000_000
# Rows are built from A1, so a sheet costs (last row × last column) slots: allow that to
# exceed the cells present by a factor (sparse optional columns) or a fixed floor.
AREA_FLOOR = 2_000_000
AREA_PER_CELL = 4
MAX_TOTAL_AREA = 16_000_000
EXCEL_ROWS, EXCEL_COLUMNS = 1_048_576, 16_384

ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
_MAIN_TYPES = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": "xlsx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml": "xlsx",
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml": "xlsm",
    "application/vnd.ms-excel.template.macroEnabled.main+xml": "xlsm",
    "application/vnd.ms-excel.sheet.binary.macroEnabled.main": "xlsb",
}
_REL_DOCUMENT = "/officeDocument"
_REL_WORKSHEET = "/worksheet"
_REL_SHARED_STRINGS = "/sharedStrings"
_REL_STYLES = "/styles"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# MS-OFFCRYPTO §2.3.4: an encrypted OOXML file is an OLE file holding these two streams.
_ENCRYPTED_STREAMS = ("EncryptedPackage".encode("utf-16-le"), "EncryptionInfo".encode("utf-16-le"))


def count_text(number: int) -> str:
    """1048576 -> '1.048.576', as Vietnamese writes thousands."""
    return f"{number:,}".replace(",", ".")


def column_letter(index: int) -> str:
    """1 -> 'A', 16384 -> 'XFD'."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_index(letters: bytes | str) -> int:
    """'A' -> 1, 'XFD' -> 16384."""
    number = 0
    for char in letters.encode() if isinstance(letters, str) else letters:
        number = number * 26 + char - 64
    return number


class Sentences:
    """What the office reads when a file cannot be used; each names the file and the fix."""

    @staticmethod
    def empty(name: str) -> str:
        return (
            f"Tệp {name} trống (0 byte), có thể do lưu dở hoặc sao chép bị lỗi. Hãy lấy lại bản "
            "sao lưu gần nhất, hoặc mở bảng tính gốc bằng Excel và lưu lại thành .xlsx."
        )

    @staticmethod
    def not_a_spreadsheet(name: str) -> str:
        return (
            f"Tệp {name} không phải bảng tính .xlsx hay .ods (có thể là tệp khác bị đặt nhầm "
            "tên). Hãy mở bảng tính gốc bằng Excel hoặc LibreOffice, chọn Lưu thành (Save As) "
            "dạng .xlsx rồi chọn tệp đó làm nguồn dữ liệu."
        )

    @staticmethod
    def password(name: str) -> str:
        return (
            f"Tệp {name} đang đặt mật khẩu nên chương trình không mở được. Hãy mở tệp bằng "
            "Excel, bỏ mật khẩu (Tệp › Thông tin › Bảo vệ sổ làm việc › Mã hóa bằng mật khẩu, "
            "xóa trống) rồi lưu lại."
        )

    @staticmethod
    def legacy(name: str, what: str) -> str:
        return (
            f"Tệp {name} là {what}, chương trình không đọc được dạng này. Hãy mở bằng Excel "
            "hoặc LibreOffice, chọn Lưu thành (Save As) dạng «Sổ làm việc Excel (.xlsx)» rồi "
            "chọn tệp .xlsx đó làm nguồn dữ liệu."
        )

    @staticmethod
    def damaged(name: str, detail: str, tab: str | None = None) -> str:
        where = f" (trang «{tab}»)" if tab else ""
        return (
            f"Tệp {name} bị hỏng{where}: {detail}. Hãy mở tệp bằng Excel hoặc LibreOffice "
            "(chương trình sẽ đề nghị sửa tệp) rồi lưu lại, hoặc dùng bản sao lưu gần nhất."
        )

    @staticmethod
    def bomb(name: str, part: str, size: int, packed: int) -> str:
        return (
            f"Tệp {name} có phần «{part}» giải nén ra {count_text(size)} byte từ "
            f"{count_text(packed)} byte, không phải cách Excel hay LibreOffice lưu bảng tính; "
            "chương trình không mở để khỏi treo máy. Hãy dùng bản sao lưu, hoặc mở tệp bằng "
            "Excel rồi lưu lại thành .xlsx."
        )

    @staticmethod
    def too_big(name: str, what: str) -> str:
        return (
            f"Tệp {name} quá lớn để đọc an toàn ({what}). Hãy chuyển số liệu các năm cũ sang "
            "một tệp lưu trữ riêng, để tệp đang dùng nhỏ lại, rồi thử lại."
        )

    @staticmethod
    def far_cell(name: str, tab: str, cell: str, area: int, cells: int) -> str:
        return (
            f"Trang «{tab}» của tệp {name} có một giá trị ở ô {cell}, rất xa vùng dữ liệu "
            f"({count_text(cells)} ô có dữ liệu nhưng phải đọc {count_text(area)} ô). Hãy mở "
            f"trang đó, gõ {cell} vào ô Tên (Name Box) ở góc trên bên trái để tới ô ấy, xóa "
            "giá trị thừa rồi lưu lại."
        )


@dataclass
class SheetInfo:
    title: str
    part: str | None  # the worksheet part; None for a chart sheet or a macro sheet
    state: str = "visible"


@dataclass
class Package:
    """An opened, checked workbook file: its ZIP directory and what the workbook declares."""

    path: Path
    handle: BinaryIO
    size: int
    archive: zipfmt.ZipArchive
    kind: str  # "xlsx", "xlsm" or "ods"
    sheets: list[SheetInfo] = field(default_factory=list)
    workbook_part: str | None = None
    shared_strings: str | None = None
    styles: str | None = None
    date1904: bool = False

    @property
    def name(self) -> str:
        return self.path.name

    def entry(self, part: str) -> zipfmt.ZipEntry:
        entry = self.archive.by_name.get(part)
        if entry is None:
            raise SourceError(Sentences.damaged(self.name, f"thiếu phần «{part}»"))
        return entry

    def inflate(self, part: str, *, limit: int = MAX_PART_BYTES, tab: str | None = None):
        """The part's bytes, chunk by chunk, with every ZIP problem turned into a sentence."""
        entry = self.entry(part)
        try:
            yield from zipfmt.inflate(self.handle, entry, limit=limit)
        except zipfmt.ZipProblem as problem:
            raise self.problem(problem, tab=tab) from problem

    def read(self, part: str, *, limit: int = MAX_META_BYTES) -> bytes:
        return b"".join(self.inflate(part, limit=limit))

    def problem(self, problem: zipfmt.ZipProblem, *, tab: str | None = None) -> SourceError:
        if problem.kind == "too_big":
            return SourceError(
                Sentences.too_big(self.name, f"phần «{problem.part}» {problem.detail}")
            )
        return SourceError(Sentences.damaged(self.name, problem.detail, tab))


def sniff(path: Path, head: bytes) -> str:
    """What the file is by its first bytes: "zip", "ole", "empty" or "other"."""
    if not head:
        return "empty"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    if head.startswith(_OLE_MAGIC):
        return "ole"
    return "other"


@contextmanager
def open_package(path: Path):
    """The checked package of `path` (a SourceError says why a file cannot be one)."""
    try:
        size = path.stat().st_size
        handle = open(path, "rb")  # noqa: SIM115 - closed by the `with` below
    except OSError as error:
        raise SourceError(
            f"Không mở được tệp {path.name} ({error.strerror or error}). Hãy kiểm tra quyền "
            "đọc tệp, hoặc đóng chương trình đang giữ tệp rồi thử lại."
        ) from error
    with handle:
        head = handle.read(8)
        kind = sniff(path, head)
        if kind == "empty":
            raise SourceError(Sentences.empty(path.name))
        if kind == "ole":
            raise SourceError(_ole_sentence(path.name, handle, size))
        if kind == "other":
            raise SourceError(Sentences.not_a_spreadsheet(path.name))
        if size > MAX_FILE_BYTES:
            raise SourceError(Sentences.too_big(path.name, f"{count_text(size)} byte"))
        try:
            archive = zipfmt.read_archive(handle, size)
        except zipfmt.ZipProblem as problem:
            if problem.kind == "too_big":
                raise SourceError(Sentences.too_big(path.name, problem.detail)) from problem
            raise SourceError(Sentences.damaged(path.name, problem.detail)) from problem
        package = Package(path, handle, size, archive, kind="")
        _check_sizes(package)
        _describe(package)
        yield package


def _ole_sentence(name: str, handle: BinaryIO, size: int) -> str:
    """Excel saves a password-protected workbook as an OLE file (MS-OFFCRYPTO §2.3.4.1);
    an OLE file without those streams is a legacy .xls (BIFF8)."""
    handle.seek(0)
    head = handle.read(min(size, 8 * 2**20))
    if all(stream in head for stream in _ENCRYPTED_STREAMS):
        return Sentences.password(name)
    return Sentences.legacy(name, "bảng tính Excel đời cũ (.xls) mang tên khác")


def _check_sizes(package: Package) -> None:
    """Zip-bomb checks on what the directory declares, before a single byte is inflated."""
    total = 0
    for entry in package.archive.entries:
        if entry.file_size > MAX_PART_BYTES:
            raise SourceError(
                Sentences.too_big(
                    package.name, f"phần «{entry.name}» {count_text(entry.file_size)} byte"
                )
            )
        packed = max(entry.compress_size, 1)
        if entry.file_size > RATIO_FROM_BYTES and entry.file_size / packed > MAX_RATIO:
            raise SourceError(
                Sentences.bomb(package.name, entry.name, entry.file_size, entry.compress_size)
            )
        if entry.name.endswith((".xml", ".rels")):
            total += entry.file_size
    if total > MAX_TOTAL_BYTES:
        raise SourceError(Sentences.too_big(package.name, f"{count_text(total)} byte XML"))


def _describe(package: Package) -> None:
    """Kind, sheets, and the parts the workbook names (ECMA-376 Part 2 §9.3: relationships)."""
    by_name = package.archive.by_name
    if "mimetype" in by_name:
        if package.read("mimetype", limit=4096).strip() != ODS_MIMETYPE:
            raise SourceError(Sentences.not_a_spreadsheet(package.name))
        package.kind = "ods"
        if "content.xml" not in by_name:
            raise SourceError(Sentences.damaged(package.name, "thiếu phần «content.xml»"))
        return
    if "[Content_Types].xml" not in by_name:
        raise SourceError(Sentences.not_a_spreadsheet(package.name))
    types = _xml(package, "[Content_Types].xml")
    overrides = {
        element.get("PartName", "").lstrip("/"): element.get("ContentType", "")
        for element in types
        if element.tag.endswith("Override")
    }
    main = _target(package, "_rels/.rels", "", _REL_DOCUMENT)
    kind = _MAIN_TYPES.get(overrides.get(main or "", ""))
    if kind is None:
        main = next((part for part, ct in overrides.items() if ct in _MAIN_TYPES), None)
        kind = _MAIN_TYPES.get(overrides.get(main or "", ""))
    if kind is None or main is None:
        raise SourceError(Sentences.not_a_spreadsheet(package.name))
    if kind == "xlsb":
        raise SourceError(Sentences.legacy(package.name, "sổ làm việc nhị phân (.xlsb)"))
    package.kind = kind
    package.workbook_part = main
    rels_part = posixpath.join(posixpath.dirname(main), "_rels", posixpath.basename(main) + ".rels")
    relations = _relations(package, rels_part, posixpath.dirname(main))
    package.shared_strings = next(
        (t for t, kind in relations.values() if kind == _REL_SHARED_STRINGS), None
    )
    package.styles = next((t for t, kind in relations.values() if kind == _REL_STYLES), None)
    workbook = _xml(package, main)
    for element in workbook.iter():
        local = element.tag.rpartition("}")[2]
        if local == "workbookPr":
            package.date1904 = element.get("date1904", "").lower() in ("1", "true")
        elif local == "sheet":
            rel_id = next((v for k, v in element.attrib.items() if k.endswith("}id")), None)
            target, rel_kind = relations.get(rel_id, (None, None))
            part = (
                target if rel_kind == _REL_WORKSHEET and target in package.archive.by_name else None
            )
            package.sheets.append(
                SheetInfo(element.get("name", ""), part, element.get("state", "visible"))
            )


def _xml(package: Package, part: str) -> ET.Element:
    data = package.read(part)
    # OOXML forbids DTDs (ECMA-376 Part 2 §8.1.4); refusing them rules out entity expansion.
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise SourceError(Sentences.damaged(package.name, f"phần «{part}» có khai báo DTD"))
    try:
        return ET.fromstring(data)
    except ET.ParseError as error:
        raise SourceError(
            Sentences.damaged(package.name, f"phần «{part}» không đúng XML ({error})")
        ) from error


def _relations(package: Package, part: str, base: str) -> dict[str, tuple[str, str]]:
    """Relationship id -> (target part, type suffix such as "/worksheet")."""
    if part not in package.archive.by_name:
        return {}
    found = {}
    for element in _xml(package, part):
        target = element.get("Target", "")
        if element.get("TargetMode") == "External":
            continue
        resolved = (
            target.lstrip("/")
            if target.startswith("/")
            else posixpath.normpath(posixpath.join(base, target))
        )
        kind = element.get("Type", "")
        found[element.get("Id")] = (resolved, kind[kind.rfind("/") :])
    return found


def _target(package: Package, rels: str, base: str, kind: str) -> str | None:
    return next((t for t, k in _relations(package, rels, base).values() if k == kind), None)


# -- reading: how far each sheet's cells reach ----------------------------------------------


@dataclass
class SheetScan:
    """What a worksheet holds, found without building it."""

    values: int = 0  # cells holding a value
    last_row: int = 0  # 1-based, of the cells holding a value
    last_column: int = 0
    far_cell: str = ""  # the cell that sets the rectangle, for the message
    errors: dict[tuple[int, int], str] = field(default_factory=dict)  # 0-based -> "#REF!"
    merges: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)
    rows_seen: int = 0  # the fast scan's last row address, to check that rows ascend

    @property
    def area(self) -> int:
        return self.last_row * self.last_column


class _NeedsExactScan(Exception):
    """The fast scan met a layout it does not assume (a cell or row without its address)."""


def scan_worksheet(package: Package, sheet: SheetInfo) -> SheetScan:
    """A streaming look at one worksheet part: values, reach and error cells.

    The fast pass counts with bytes.count and reads the column letters of every cell
    (C speed); it assumes what Excel, LibreOffice, Google Sheets and openpyxl write (each
    row and cell carries its address first, ECMA-376 Part 1 §18.3.1.73 and §18.3.1.4). When
    that does not hold, or when the rectangle looks too large (it counts formatted empty
    cells too), an exact pass follows the cells as python-calamine places them.
    """
    try:
        scan = _fast_scan(package, sheet)
    except _NeedsExactScan:
        scan = None
    if scan is None or scan.area > allowed_area(scan.values):
        scan = _exact_scan(package, sheet)
    return scan


def allowed_area(values: int) -> int:
    return max(AREA_FLOOR, AREA_PER_CELL * values)


def _fast_scan(package: Package, sheet: SheetInfo) -> SheetScan:
    scan = SheetScan()
    prefix = None
    carry = b""
    columns: set[bytes] = set()
    patterns = None
    for chunk in package.inflate(sheet.part, tab=sheet.title):
        data = carry + chunk
        if prefix is None:
            match = re.search(rb"<(\w+:)?worksheet\b", data)
            if match is None:
                if len(data) > 2**20:
                    raise SourceError(
                        Sentences.damaged(package.name, "không phải trang tính", sheet.title)
                    )
                carry = data
                continue
            prefix = match.group(1) or b""
            patterns = _FastPatterns(prefix)
        cut = data.rfind(b"<" + prefix + b"row")
        if cut <= 0:
            cut = len(data) if len(data) > 64 * 2**20 else 0
        region, carry = data[:cut], data[cut:]
        if region:
            _scan_region(region, patterns, scan, columns)
    if patterns is None:
        raise SourceError(Sentences.damaged(package.name, "không phải trang tính", sheet.title))
    if carry:
        _scan_region(carry, patterns, scan, columns)
    if columns:
        widest = max(columns, key=lambda letters: (len(letters), letters))
        scan.last_column = max(scan.last_column, column_index(widest))
    return scan


class _FastPatterns:
    def __init__(self, prefix: bytes):
        p = re.escape(prefix)
        self.prefix = prefix
        self.cell_addressed = b"<" + prefix + b'c r="'
        self.row_addressed = b"<" + prefix + b'row r="'
        self.values = (b"<" + prefix + b"v>", b"<" + prefix + b"is>")
        # A cell or row whose first attribute is not its address (or that has none).
        self.unaddressed = re.compile(rb"<" + p + rb'(?:c|row)(?:>| (?!r="))')
        self.column = re.compile(rb"<" + p + rb'c r="([A-Z]+)')
        self.row_number = re.compile(rb"<" + p + rb'row r="([0-9]+)"')
        self.address = re.compile(rb'([A-Z]+)([0-9]+)"')
        self.error_cell = re.compile(
            rb"<" + p + rb'c r="([A-Z]+)([0-9]+)"[^>]*?\bt="e"[^>]*>(.*?)</' + p + rb"c>",
            re.DOTALL,
        )
        self.value = re.compile(rb"<" + p + rb"v>([^<]*)</" + p + rb"v>")


def _scan_region(region: bytes, patterns: _FastPatterns, scan: SheetScan, columns: set) -> None:
    if patterns.unaddressed.search(region):
        raise _NeedsExactScan
    rows = [int(number) for number in patterns.row_number.findall(region)]
    if rows:
        # Rows ascend in every writer's output; where they do not, place cells exactly.
        if rows[-1] != max(rows) or rows[0] <= scan.rows_seen:
            raise _NeedsExactScan
        scan.rows_seen = rows[-1]
    found = patterns.column.findall(region)
    # Every addressed cell counts, formatted empty ones too: cheaper than telling them apart,
    # and it only makes the limits below stricter.
    scan.values += len(found)
    columns.update(found)
    last_value = max(region.rfind(tag) for tag in patterns.values)
    if last_value < 0:
        return
    cell_start = region.rfind(patterns.cell_addressed, 0, last_value)
    row_start = region.rfind(patterns.row_addressed, 0, last_value)
    if cell_start < 0 or row_start < 0:
        raise _NeedsExactScan
    cell = patterns.address.match(region, cell_start + len(patterns.cell_addressed))
    number_start = row_start + len(patterns.row_addressed)
    row_number = int(region[number_start : region.find(b'"', number_start)] or 0)
    if cell is None or int(cell.group(2)) != row_number:
        raise _NeedsExactScan  # a cell whose address disagrees with its row's
    scan.last_row = max(scan.last_row, row_number)
    scan.far_cell = (cell.group(1) + cell.group(2)).decode()
    if b't="e"' in region:
        for letters, digits, inner in patterns.error_cell.findall(region):
            value = patterns.value.search(inner)
            if value:
                scan.errors[(int(digits) - 1, column_index(letters) - 1)] = _text(value.group(1))


def _text(raw: bytes) -> str:
    return (
        raw.decode("utf-8", "replace")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&apos;", "'")
        .replace("&amp;", "&")
    )


def _exact_scan(package: Package, sheet: SheetInfo) -> SheetScan:
    """Cells placed exactly as python-calamine places them (calamine xlsx/cells_reader.rs:
    a row's `r` sets the row, a cell's `r` sets row and column, else the next column)."""
    scan = SheetScan()
    state = {"row": 0, "column": 0, "cell": None, "valued": False, "error": None, "text": []}

    def start(name, attrs):
        local = name.rpartition(":")[2]
        if local == "row":
            if "r" in attrs:
                state["row"] = _positive(attrs["r"], package, sheet) - 1
            state["column"] = 0
        elif local == "c":
            reference = attrs.get("r")
            if reference:
                match = re.fullmatch(r"([A-Z]+)([0-9]+)", reference)
                if not match:
                    raise SourceError(
                        Sentences.damaged(package.name, f"ô «{reference}» sai địa chỉ", sheet.title)
                    )
                state["column"] = column_index(match.group(1)) - 1
                state["cell"] = (int(match.group(2)) - 1, state["column"])
            else:
                state["cell"] = (state["row"], state["column"])
            state["valued"] = False
            state["error"] = [] if attrs.get("t") == "e" else None
        elif local in ("v", "is") and state["cell"] is not None:
            state["valued"] = True
            state["in_value"] = local == "v"

    def end(name):
        local = name.rpartition(":")[2]
        if local == "row":
            state["row"] += 1
            state["column"] = 0
        elif local == "c" and state["cell"] is not None:
            row, column = state["cell"]
            if state["valued"]:
                scan.values += 1
                if scan.values > MAX_CELLS:
                    raise SourceError(
                        Sentences.too_big(package.name, f"hơn {count_text(MAX_CELLS)} ô")
                    )
                if (row + 1) * (column + 1) >= scan.area or row + 1 > scan.last_row:
                    scan.far_cell = f"{column_letter(column + 1)}{row + 1}"
                scan.last_row = max(scan.last_row, row + 1)
                scan.last_column = max(scan.last_column, column + 1)
                if state["error"]:
                    scan.errors[(row, column)] = "".join(state["error"])
            state["cell"] = None
            state["column"] += 1
        elif local == "v":
            state["in_value"] = False

    def text(data):
        if state.get("in_value") and state["error"] is not None:
            state["error"].append(data)

    parser = expat.ParserCreate()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    try:
        for chunk in package.inflate(sheet.part, tab=sheet.title):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError as error:
        raise SourceError(
            Sentences.damaged(package.name, f"XML của trang sai ở dòng {error.lineno}", sheet.title)
        ) from error
    return scan


def _positive(text: str, package: Package, sheet: SheetInfo) -> int:
    if not text.isdigit() or not 1 <= int(text) <= EXCEL_ROWS:
        raise SourceError(
            Sentences.damaged(package.name, f"số dòng «{text}» không hợp lệ", sheet.title)
        )
    return int(text)


def check_shared_strings(package: Package) -> None:
    """python-calamine reserves `uniqueCount` strings up front (calamine xlsx/mod.rs,
    read_shared_strings): a count no part of this size can hold is a damaged file, and it
    must never reach the allocator. The part is inflated once, within its limit."""
    part = package.shared_strings
    if not part or part not in package.archive.by_name:
        return
    entry = package.entry(part)
    head = b""
    for chunk in package.inflate(part, limit=MAX_SHARED_STRINGS_BYTES):
        if head is None:
            continue
        head += chunk[:65536]
        match = re.search(rb"<(?:\w+:)?sst\b[^>]*>", head)
        if match is None and len(head) < 65536:
            continue
        count = re.search(rb'uniqueCount="([0-9]+)"', match.group(0)) if match else None
        # Each <si> element takes at least 5 bytes ("<si/>"), ECMA-376 Part 1 §18.4.8.
        if count and int(count.group(1)) > entry.file_size // 5 + 1:
            raise SourceError(
                Sentences.damaged(package.name, "bảng chuỗi dùng chung khai báo số chuỗi sai")
            )
        head = None


# -- reading .ods: repeats, merged blocks and error values ------------------------------------


def scan_ods(package: Package) -> dict[str, SheetScan]:
    """Each table of content.xml, counted with its repeats (ODF 1.2 Part 1 §9.1.3 and
    §9.1.4: number-rows-repeated, number-columns-repeated), merged blocks (§19.683,
    number-rows-spanned / number-columns-spanned) and error values, which LibreOffice writes
    as `calcext:value-type="error"` with the error text in text:p and python-calamine reads
    as an empty string."""
    tables: dict[str, SheetScan] = {}
    state = {"scan": None, "title": None, "row": 0, "column": 0, "repeat": 1}
    row = {"values": 0, "last": 0, "errors": []}
    cell = {"error": None, "text": []}

    def start(name, attrs):
        if name == "table:table":
            state["title"] = attrs.get("table:name", "")
            state["scan"] = tables.setdefault(state["title"], SheetScan())
            state["row"] = 0
        elif name == "table:table-row" and state["scan"] is not None:
            repeat = _count(attrs.get("table:number-rows-repeated", "1"))
            state["repeat"] = min(repeat, max(EXCEL_ROWS - state["row"], 0))
            state["column"] = 0
            row.update(values=0, last=0, errors=[])
        elif name in ("table:table-cell", "table:covered-table-cell") and state["scan"] is not None:
            repeat = _count(attrs.get("table:number-columns-repeated", "1"))
            repeat = min(repeat, max(EXCEL_COLUMNS - state["column"], 0))
            column = state["column"]
            if "office:value-type" in attrs or "table:formula" in attrs:
                row["values"] += repeat
                row["last"] = column + repeat
            if attrs.get("calcext:value-type") == "error":
                cell["error"] = (column, repeat)
                cell["text"] = []
            spanned_rows = _count(attrs.get("table:number-rows-spanned", "1"))
            spanned_columns = _count(attrs.get("table:number-columns-spanned", "1"))
            if name == "table:table-cell" and (spanned_rows > 1 or spanned_columns > 1):
                top = state["row"]
                state["scan"].merges.append(
                    ((top, column), (top + spanned_rows - 1, column + spanned_columns - 1))
                )
            state["column"] += repeat

    def end(name):
        scan = state["scan"]
        if name == "table:table":
            state["scan"] = None
        elif name in ("table:table-cell", "table:covered-table-cell") and cell["error"]:
            column, repeat = cell["error"]
            row["errors"].append((column, repeat, "".join(cell["text"]).strip()))
            cell["error"] = None
        elif name == "table:table-row" and scan is not None:
            repeat = state["repeat"]
            if row["values"]:
                scan.values += row["values"] * repeat
                scan.last_row = state["row"] + repeat
                scan.last_column = max(scan.last_column, row["last"])
                scan.far_cell = f"{column_letter(row['last'])}{scan.last_row}"
                if scan.values > MAX_CELLS:
                    raise SourceError(
                        Sentences.too_big(package.name, f"hơn {count_text(MAX_CELLS)} ô")
                    )
                for column, columns, text in row["errors"]:
                    for r in range(state["row"], state["row"] + min(repeat, 1000)):
                        for c in range(column, column + min(columns, 1000)):
                            scan.errors[(r, c)] = text
            state["row"] += repeat

    def text(data):
        if cell["error"] is not None:
            cell["text"].append(data)

    parser = expat.ParserCreate()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    try:
        for chunk in package.inflate("content.xml"):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError as error:
        raise SourceError(
            Sentences.damaged(package.name, f"XML của nội dung sai ở dòng {error.lineno}")
        ) from error
    return tables


def _count(text: str) -> int:
    return int(text) if text.isdigit() and int(text) > 0 else 1

"""The province's list of communes: each one's code, name and own source.

An office keeps it as a CSV file or a workbook with a tab «Danh sách xã», headers in
Vietnamese (matched loosely, like the sheet contract's: «MÃ XÃ», «Ma xa» and «Mã xã» are
one header) and possibly a title row above them. A bad row never stops the others: it is
left out with a Vietnamese problem naming its row. A relative source path is relative to
the registry file's own folder, so the registry and the communes' files travel together.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from tothu_core.errors import ConfigError, SourceError
from tothu_core.sheet.dataset import ERROR, WARNING, Problem
from tothu_core.textnorm import clean_cell_text, loose_key

TAB = "Danh sách xã"
REGISTRY_ENV = "TOTHU_REGISTRY"
#: field -> (the header a new file gets, other spellings accepted)
HEADERS = {
    "code": ("Mã xã", ("Mã xã, phường", "Mã đơn vị", "Mã")),
    "name": ("Tên xã", ("Tên xã, phường", "Tên xã/phường", "Tên đơn vị", "Xã, phường")),
    "source": ("Nguồn dữ liệu", ("Nguồn", "Bảng tính", "Địa chỉ bảng tính")),
    "note": ("Ghi chú", ()),
}
REQUIRED = ("code", "name", "source")
SUFFIXES = (".csv", ".xlsx")
_NOT_PATHS = ("http://", "https://", "gsheets:")
# Rows looked at for the header (a title and a few notes may sit above it).
_HEADER_SEARCH_ROWS = 20


@dataclass(frozen=True)
class Commune:
    code: str
    name: str
    #: what `resolve_source` accepts; a path read from a registry file is made absolute
    source: str
    note: str = ""


@dataclass
class Registry:
    communes: list[Commune]
    problems: list[Problem] = field(default_factory=list)
    path: Path | None = None

    def find(self, code: str) -> Commune | None:
        return next((c for c in self.communes if c.code == str(code)), None)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]


def registry_location(
    *, secrets: Mapping | None = None, environ: Mapping = os.environ
) -> Path | None:
    """`[province] registry` in secrets.toml, else TOTHU_REGISTRY; None: no province mode."""
    section = (secrets or {}).get("province") or {}
    value = section.get("registry") if isinstance(section, Mapping) else None
    if not (value and str(value).strip()):
        value = environ.get(REGISTRY_ENV, "")
    value = str(value).strip()
    return Path(value).expanduser() if value else None


def _keys() -> dict[str, str]:
    """loose header key -> field."""
    keys = {}
    for name, (header, aliases) in HEADERS.items():
        for spelling in (header, *aliases):
            keys[loose_key(spelling)] = name
    return keys


def load_registry(path: str | os.PathLike) -> Registry:
    """Read the registry; rows with problems are left out and described, never raised.

    Raises ConfigError only when the file itself cannot be read (missing, not a CSV or
    workbook, damaged).
    """
    path = Path(path).expanduser()
    rows = _read_rows(path)
    problems: list[Problem] = []
    found = _find_header(rows)
    if found is None:
        wanted = ", ".join(f"«{HEADERS[k][0]}»" for k in REQUIRED)
        problems.append(
            Problem(
                ERROR,
                TAB,
                None,
                None,
                None,
                f"Không tìm thấy dòng tiêu đề có các cột {wanted} trong tệp {path.name}. "
                "Hãy ghi các tiêu đề này ở một dòng, mỗi xã một dòng bên dưới.",
            )
        )
        return Registry([], problems, path)
    header_index, columns = found
    communes: list[Commune] = []
    seen: dict[str, int] = {}
    for index in range(header_index + 1, len(rows)):
        row_number = index + 1
        values = {name: _cell(rows[index], col) for name, col in columns.items()}
        if not any(values.values()):
            continue
        missing = [HEADERS[k][0] for k in REQUIRED if not values.get(k)]
        if missing:
            names = ", ".join(f"«{m}»" for m in missing)
            problems.append(
                Problem(
                    ERROR,
                    TAB,
                    row_number,
                    HEADERS[_first_missing(values)][0],
                    None,
                    f"Dòng {row_number} thiếu {names}; xã này chưa được đồng bộ.",
                )
            )
            continue
        code = values["code"]
        if code in seen:
            problems.append(
                Problem(
                    ERROR,
                    TAB,
                    row_number,
                    HEADERS["code"][0],
                    code,
                    f"Mã xã «{code}» ở dòng {row_number} trùng với dòng {seen[code]}; "
                    "mỗi xã cần một mã riêng. Dòng này chưa được đồng bộ.",
                )
            )
            continue
        seen[code] = row_number
        source = _resolved(values["source"], path.parent)
        commune = Commune(code, values["name"], source, values.get("note") or "")
        for message in _source_doubts(commune):
            problems.append(
                Problem(WARNING, TAB, row_number, HEADERS["source"][0], values["source"], message)
            )
        communes.append(commune)
    return Registry(communes, problems, path)


def _first_missing(values: dict) -> str:
    return next(k for k in REQUIRED if not values.get(k))


def _cell(row: list, column: int) -> str:
    if column >= len(row) or row[column] is None:
        return ""
    value = row[column]
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a code typed as a number: 28756, not 28756.0
    return clean_cell_text(str(value)).strip()


def _find_header(rows: list[list]) -> tuple[int, dict[str, int]] | None:
    keys = _keys()
    for index, row in enumerate(rows[:_HEADER_SEARCH_ROWS]):
        columns: dict[str, int] = {}
        for col, cell in enumerate(row):
            if cell is None:
                continue
            name = keys.get(loose_key(str(cell)))
            if name and name not in columns:
                columns[name] = col
        if all(k in columns for k in REQUIRED):
            return index, columns
    return None


def _read_rows(path: Path) -> list[list]:
    suffix = path.suffix.lower()
    if not path.is_file():
        raise ConfigError(
            f"Không tìm thấy tệp danh sách xã «{path}». Hãy kiểm tra đường dẫn ở mục "
            f"[province] registry của secrets.toml hoặc biến môi trường {REGISTRY_ENV}."
        )
    try:
        if suffix == ".csv":
            # The CSV source's own reading: BOM, UTF-16 and Windows-1258 files, `'` taken off.
            from tothu_core.sheet.sources.csvdir import _read_rows

            return _read_rows(path)[0]
        if suffix in (".xlsx", ".xlsm", ".ods"):
            from tothu_core.sheet.sources.workbook import WorkbookSource

            book = WorkbookSource(path).read_raw()
            return _registry_tab(book, path)
    except SourceError as exc:
        raise ConfigError(f"Không đọc được tệp danh sách xã «{path.name}»: {exc}") from exc
    raise ConfigError(
        f"Tệp danh sách xã «{path.name}» phải là tệp .csv, .xlsx, .xlsm hoặc .ods "
        f"(có trang «{TAB}»)."
    )


def _registry_tab(book: Mapping[str, list[list]], path: Path) -> list[list]:
    """The «Danh sách xã» tab (loosely matched), or the only tab of a one-tab workbook."""
    for title, rows in book.items():
        if loose_key(title) == loose_key(TAB):
            return [list(r) for r in rows]
    if len(book) == 1:
        return [list(r) for r in next(iter(book.values()))]
    raise ConfigError(
        f"Tệp {path.name} không có trang «{TAB}». Hãy đặt tên trang chứa danh sách xã là «{TAB}»."
    )


def _is_path(source: str) -> bool:
    return not (source.startswith(_NOT_PATHS) or source == "demo")


def _resolved(source: str, folder: Path) -> str:
    """A relative path made absolute against the registry's folder; other sources as written."""
    if not _is_path(source):
        return source
    path = Path(source).expanduser()
    return str(path if path.is_absolute() else (folder / path).resolve())


def _source_doubts(commune: Commune) -> list[str]:
    """What looks wrong in a commune's source without opening it (a warning, kept)."""
    source = commune.source
    if source.startswith(("http://", "https://")):
        if not source.startswith("https://docs.google.com/spreadsheets/"):
            return [
                f"Nguồn dữ liệu của xã «{commune.name}» không phải địa chỉ Google Sheet "
                "(https://docs.google.com/spreadsheets/…)."
            ]
        return []
    if not _is_path(source):
        return []
    path = Path(source)
    if path.is_dir():
        return []
    if path.suffix.lower() not in (".xlsx", ".ods", ".xlsm"):
        return [
            f"Nguồn dữ liệu «{source}» của xã «{commune.name}» không phải tệp .xlsx/.ods, thư "
            "mục chứa các tệp CSV hay địa chỉ Google Sheet."
        ]
    if not path.exists():
        return [f"Không thấy tệp «{source}» của xã «{commune.name}»."]
    return []


def check_communes(communes: Iterable[Commune]) -> list[str]:
    """What must be fixed before a list is saved: blank fields, duplicate codes, bad sources."""
    messages = []
    seen: dict[str, int] = {}
    for number, commune in enumerate(communes, start=1):
        label = f"Xã thứ {number}" + (
            f" («{commune.name.strip()}»)" if commune.name.strip() else ""
        )
        for name in REQUIRED:
            if not str(getattr(commune, name)).strip():
                messages.append(f"{label}: chưa ghi «{HEADERS[name][0]}».")
        code = str(commune.code).strip()
        if code and code in seen:
            messages.append(
                f"{label}: mã xã «{code}» trùng với xã thứ {seen[code]}; mỗi xã cần một mã riêng."
            )
        elif code:
            seen[code] = number
        if str(commune.source).strip():
            messages += [f"{label}: {m}" for m in _source_doubts(commune) if "không phải" in m]
    return messages


def save_registry(path: str | os.PathLike, communes: Iterable[Commune]) -> None:
    """Write the list atomically (a temp file swapped in), as CSV or .xlsx by the file's name.

    Paths inside the registry's folder are written relative to it. Raises ConfigError with
    every message of `check_communes` when the list is not fit to save.
    """
    path = Path(path).expanduser()
    communes = list(communes)
    messages = check_communes(communes)
    if messages:
        raise ConfigError("Chưa lưu danh sách xã: " + " ".join(messages))
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise ConfigError(
            f"Ứng dụng chỉ lưu được danh sách xã dạng .csv hoặc .xlsx; tệp «{path.name}» hãy sửa "
            "bằng chương trình đã tạo ra nó, hoặc lưu lại thành .xlsx rồi khai báo tệp mới."
        )
    header = [HEADERS[name][0] for name in ("code", "name", "source", "note")]
    rows = [
        [c.code.strip(), c.name.strip(), _relative(c.source.strip(), path.parent), c.note]
        for c in communes
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=".danh-sach-", suffix=suffix)
    os.close(handle)
    try:
        if suffix == ".csv":
            _write_csv(Path(temp), header, rows)
        else:
            _write_xlsx(Path(temp), header, rows)
        os.replace(temp, path)
    finally:
        if os.path.exists(temp):
            os.remove(temp)


def _relative(source: str, folder: Path) -> str:
    if not _is_path(source):
        return source
    path = Path(source)
    if not path.is_absolute():
        return source
    try:
        return path.resolve().relative_to(folder.resolve()).as_posix()
    except ValueError:
        return source


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    """UTF-8 with a BOM, so Excel opens the Vietnamese letters right."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([_safe(cell) for cell in row] for row in rows)
    path.write_text(buffer.getvalue(), encoding="utf-8-sig", newline="")


def _safe(cell: str) -> str:
    """A cell a spreadsheet would run as a formula is written with a neutralising `'`."""
    from tothu_core.sheet.cellsafety import neutralize

    return neutralize(cell)


def _write_xlsx(path: Path, header: list[str], rows: list[list[str]]) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = TAB
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            # Text as text: a name starting with "=" must not become a formula.
            cell.data_type = "s"
    for column, width in zip("ABCD", (12, 28, 60, 30), strict=True):
        sheet.column_dimensions[column].width = width
    workbook.save(path)

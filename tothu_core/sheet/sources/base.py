"""The one interface every backend implements.

A backend only moves cells: `read_raw` returns every tab as rows of cell values
(str, int, float, bool, date/datetime or None, exactly as the backend holds them; a
formula's error value as its text, e.g. `#REF!`), and `append_records` adds records under
a tab's header. Finding headers, parsing and validating is done once, for every backend,
by `tothu_core.sheet.reader`; a backend maps records to the tab's header row with the
reader's own header matching at the moment it writes, so a column the office inserted,
moved or renamed since the last read never shifts a value under the wrong header.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tothu_core.errors import WriteError

Cell = Any
RawTab = list[list[Cell]]
#: One row to write: contract column key (`"month"`, `"submission_id"`, ...) -> value.
Record = Mapping[str, Cell]


class RawWorkbook(dict):
    """Every tab read (title -> rows, in the book's order) plus what the backend knows of the book.

    A plain dict of tabs is accepted wherever a RawWorkbook is (tests build them so); the
    extra facts feed the reader's whole-sheet warnings: which tabs are hidden, and the
    spreadsheet's locale and time zone (Google Sheets reports both; files have none).
    `titles` lists every tab of the book, also those not read (a Google Sheet fetches only
    the contract's tabs), so a message about a missing tab can name what is there.
    """

    def __init__(
        self,
        tabs=(),
        *,
        hidden=(),
        locale: str | None = None,
        time_zone: str | None = None,
        titles=None,
    ):
        super().__init__(tabs)
        self.hidden = frozenset(hidden)
        self.locale = locale
        self.time_zone = time_zone
        self.titles = tuple(self) if titles is None else tuple(titles)


@dataclass(frozen=True)
class WriteTarget:
    """Where records go: the tab the reader used and what it saw there when it read.

    Everything but `tab` is a hint from the last read. A backend that can look at the
    header cheaply (a file under its lock) always does; the Google backend trusts the hint
    only when it is fresh (see `GoogleSheetSource`), otherwise it reads the header first.
    """

    #: the contract's tab key ("meetings"): how a backend finds the header again
    tab: str
    #: the tab's title the reader read (and warned about, if several tabs fold to it)
    title: str
    #: 1-based row of the header at read time
    header_row: int
    #: contract column key -> 0-based column index at read time
    columns: Mapping[str, int] = field(default_factory=dict)
    #: 0-based column of the header row's first filled cell (where an append starts)
    first_column: int = 0
    #: 1-based row the append is anchored on (the header, or the first row of the last
    #: block of data below a blank row); None = the header row
    anchor_row: int | None = None
    #: when the read that saw this layout happened (office clock); None = unknown/old
    read_at: datetime | None = None

    def as_json(self) -> dict:
        return {
            "tab": self.tab,
            "title": self.title,
            "header_row": self.header_row,
            "columns": dict(self.columns),
            "first_column": self.first_column,
            "anchor_row": self.anchor_row,
            "read_at": self.read_at.isoformat() if self.read_at else None,
        }

    @classmethod
    def from_json(cls, data: Mapping) -> WriteTarget:
        read_at = data.get("read_at")
        return cls(
            tab=str(data["tab"]),
            title=str(data["title"]),
            header_row=int(data["header_row"]),
            columns={str(k): int(v) for k, v in (data.get("columns") or {}).items()},
            first_column=int(data.get("first_column") or 0),
            anchor_row=None if data.get("anchor_row") is None else int(data["anchor_row"]),
            read_at=datetime.fromisoformat(read_at) if read_at else None,
        )


@dataclass(frozen=True)
class AppendResult:
    """What an append did: rows added (0 when every key was already there) and where."""

    added: int
    #: 1-based sheet rows the new rows occupy, when the backend knows them
    first_row: int | None = None
    last_row: int | None = None


class RowsMisplaced(WriteError):
    """The sheet took the rows, but not where the reader looks (above or beside the header).

    Not retried: sending again could only add more rows in the wrong place. The office
    moves or deletes them (the sentence names the rows) and sends the submission again.
    """

    def __init__(self, message: str, *, first_row: int, last_row: int, where: str):
        super().__init__(message)
        self.first_row = first_row
        self.last_row = last_row
        self.where = where


class Source(ABC):
    #: short machine name of the backend: "gsheets", "workbook", "csv", "demo"
    kind: str = ""
    #: True only for the bundled demo workbook (enables the demo role picker)
    is_demo: bool = False

    @property
    @abstractmethod
    def label(self) -> str:
        """Human description, shown in the UI ("Google Sheet …", "Tệp …")."""

    @property
    def url(self) -> str | None:
        """A link a clerk can open to fix the data, when there is one."""
        return None

    @property
    def identity(self) -> str:
        """Stable string naming this source; used as the cache key."""
        return f"{self.kind}:{self.label}"

    def version(self) -> str | None:
        """A cheap marker that changes whenever the data may have changed, read without
        reading any cell (a province sync skips a commune whose marker is unchanged).

        None means unknown: the caller must read the source again. Raises SourceError
        when the backend cannot be asked.
        """
        return None

    @abstractmethod
    def read_raw(self) -> RawWorkbook:
        """Every tab, title -> rows (row 0 is the sheet's row 1). Raises SourceError."""

    def append_records(
        self,
        target: WriteTarget,
        records: list[Record],
        *,
        key: str | None = None,
        known_new: bool = False,
    ) -> AppendResult:
        """Append `records` below the data of `target`'s tab, each value under its header.

        Values are placed by the header row as it is when the write happens (found with
        the reader's header matching), never by the column positions of an older read; a
        record value whose header is gone is refused (WriteError), not dropped.
        When `key` is given (a contract column key), a record whose value there is already
        in the tab below the header is skipped, so a retried submission adds nothing.
        `known_new` is the caller's word that none of these records was ever sent before
        (a first attempt with freshly minted keys): a backend whose look-up costs a
        request may then skip it. Raises SourceError / WriteError (RowsMisplaced when the
        rows landed where the reader does not look).
        """
        raise WriteError(f"Nguồn dữ liệu «{self.label}» chỉ đọc được, không ghi được.")

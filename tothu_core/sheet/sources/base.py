"""The one interface every backend implements.

A backend only moves cells: `read_raw` returns every tab as rows of cell values
(str, int, float, bool, date/datetime or None, exactly as the backend holds them; a
formula's error value as its text, e.g. `#REF!`), and `append_rows` adds rows at the
bottom of one tab. Finding headers, parsing and validating is done once, for every
backend, by `tothu_core.sheet.reader`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

Cell = Any
RawTab = list[list[Cell]]


class RawWorkbook(dict):
    """Every tab (title -> rows, in the book's order) plus what the backend knows of the book.

    A plain dict of tabs is accepted wherever a RawWorkbook is (tests build them so); the
    extra facts feed the reader's whole-sheet warnings: which tabs are hidden, and the
    spreadsheet's locale and time zone (Google Sheets reports both; files have none).
    """

    def __init__(
        self,
        tabs=(),
        *,
        hidden=(),
        locale: str | None = None,
        time_zone: str | None = None,
    ):
        super().__init__(tabs)
        self.hidden = frozenset(hidden)
        self.locale = locale
        self.time_zone = time_zone


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

    @abstractmethod
    def read_raw(self) -> RawWorkbook:
        """Every tab, title -> rows (row 0 is the sheet's row 1). Raises SourceError."""

    @abstractmethod
    def append_rows(
        self,
        tab: str,
        rows: list[list[Cell]],
        *,
        key_column: int | None = None,
        known_new: bool = False,
    ) -> int:
        """Append `rows` at the bottom of tab `tab` (its exact title).

        When `key_column` is given (0-based), a row whose value in that column is
        already present in the tab is skipped, so a retried submission adds nothing.
        `known_new` is the caller's word that none of these rows was ever sent before (a
        first attempt with freshly minted keys): a backend whose look-up costs a request
        may then skip the up-front check, and still checks before any retry of its own.
        Returns the number of rows actually appended. Raises SourceError/WriteError.
        """

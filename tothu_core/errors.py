"""Our few exception types. Each carries one Vietnamese sentence a clerk can act on."""

from __future__ import annotations


class TothuError(Exception):
    """Base class: str(error) is the sentence shown to the user."""


class ConfigError(TothuError):
    """The source configuration is missing or contradictory."""


class SourceError(TothuError):
    """The source could not be read or written at all."""


class SourceNotFound(SourceError):
    """Wrong key / URL / path: there is nothing there."""


class SourceAccessDenied(SourceError):
    """The sheet exists but is not shared with our service account."""


class SourceUnavailable(SourceError):
    """Network down, quota exhausted or the server keeps failing; retrying later may work."""


class WriteError(TothuError):
    """Entries could not be written; they stay in the outbox."""


class EntryRejected(TothuError):
    """A submission failed server-side validation; nothing was written.

    `problems` maps an entry key (e.g. a group id) to {field: message}.
    """

    def __init__(self, message: str, problems: dict[str, dict[str, str]] | None = None):
        super().__init__(message)
        self.problems = problems or {}


class AccessDenied(TothuError):
    """The signed-in person may not do this."""

"""Settings an office may change, read from the environment or secrets (never from code)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    #: how long a snapshot is served before the source is read again
    cache_ttl_seconds: int = 300
    #: reports are on time up to the end of this day of the next month
    deadline_day: int = 5
    #: a month closes for new entries this many days after its deadline
    lock_days: int = 10
    #: where the demo workbook, the outbox and month locks are kept
    data_dir: Path = REPO / ".data"
    #: the committee that signs the monthly report, and the one above it
    committee_name: str = "Đảng ủy xã Mỹ Thạnh"
    parent_committee: str = "Đảng bộ huyện ……"


def read_secrets_file(folder: Path | None = None) -> dict:
    """`.streamlit/secrets.toml` of the folder the command runs in, else of the project.

    The app gets it from Streamlit; the command line reads the same file itself, so both
    see the same source and credentials. No file (the usual case) gives an empty dict.
    """
    import tomllib

    for base in (folder or Path.cwd(), REPO):
        path = base / ".streamlit" / "secrets.toml"
        if path.is_file():
            with path.open("rb") as handle:
                return tomllib.load(handle)
    return {}


def _int(value, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def load_settings(*, environ: Mapping = os.environ, secrets: Mapping | None = None) -> Settings:
    """TOTHU_* environment variables win over the `[tothu]` table of secrets.toml."""
    table = dict((secrets or {}).get("tothu", {}) or {}) if secrets else {}
    base = Settings()

    def pick(name: str, default):
        return environ.get(f"TOTHU_{name.upper()}", table.get(name, default))

    return Settings(
        cache_ttl_seconds=_int(
            pick("cache_ttl_seconds", base.cache_ttl_seconds), base.cache_ttl_seconds
        ),
        deadline_day=_int(pick("deadline_day", base.deadline_day), base.deadline_day),
        lock_days=_int(pick("lock_days", base.lock_days), base.lock_days),
        data_dir=Path(pick("data_dir", base.data_dir)).expanduser(),
        committee_name=str(pick("committee_name", base.committee_name)),
        parent_committee=str(pick("parent_committee", base.parent_committee)),
    )

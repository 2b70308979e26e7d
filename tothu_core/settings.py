"""Settings an office may change, read from the environment or secrets (never from code)."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from tothu_core.errors import ConfigError

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


SECRETS_FILE = Path(".streamlit") / "secrets.toml"

BAD_TOML = (
    "Tệp cấu hình {path} viết sai cú pháp TOML ở dòng {line}: hãy sửa dòng đó theo tệp mẫu "
    ".streamlit/secrets.toml.example rồi tải lại trang."
)
NOT_TEXT = (
    "Tệp cấu hình {path} không phải văn bản UTF-8 nên không đọc được: hãy lưu lại tệp với "
    "mã hóa UTF-8 theo tệp mẫu .streamlit/secrets.toml.example."
)
UNREADABLE = "Không mở được tệp cấu hình {path} ({detail}): hãy kiểm tra quyền đọc tệp."
_TOML_POSITION = re.compile(r"\(at line (\d+), column \d+\)")


def find_secrets_file(folder: Path | None = None) -> Path | None:
    """`.streamlit/secrets.toml` of the folder the command runs in, else of the project."""
    for base in (folder or Path.cwd(), REPO):
        path = base / SECRETS_FILE
        if path.exists():
            return path
    return None


def read_secrets_file(folder: Path | None = None) -> dict:
    """The secrets file the command line uses (see `find_secrets_file`), parsed.

    The app gets it from Streamlit; the command line reads the same file itself, so both
    see the same source and credentials. No file (the usual case) gives an empty dict; a
    file that cannot be used is a ConfigError naming it (and the line), never a fall-back.
    """
    path = find_secrets_file(folder)
    return {} if path is None else parse_secrets_file(path)


def parse_secrets_file(path: Path) -> dict:
    """One TOML file as a dict; ConfigError (one sentence with the file and line) otherwise.

    The sentence never quotes the offending line: it may hold a private key.
    """
    import tomllib

    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ConfigError(UNREADABLE.format(path=path, detail=error.strerror)) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(NOT_TEXT.format(path=path)) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        found = _TOML_POSITION.search(str(error))
        # "(at end of document)": an unterminated string or table runs to the last line.
        line = int(found.group(1)) if found else max(1, len(text.splitlines()))
        raise ConfigError(BAD_TOML.format(path=path, line=line)) from None


def table_line(path: Path | None, table: str) -> int | None:
    """The line of `[table]` (or `[table.sub]`) in a TOML file, for messages; None if absent."""
    if path is None:
        return None
    header = re.compile(rf"^\s*\[\s*{re.escape(table)}\s*[\].]")
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    return next((n for n, line in enumerate(lines, start=1) if header.match(line)), None)


def table_where(table: str, path: Path | None) -> str:
    """'mục [auth] của tệp /srv/app/.streamlit/secrets.toml (dòng 12)', for ConfigError texts."""
    if path is None:
        return f"mục [{table}] của .streamlit/secrets.toml"
    line = table_line(path, table)
    return f"mục [{table}] của tệp {path}" + (f" (dòng {line})" if line else "")


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

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


# -- reminders (issue 16): the app's public address and the optional SMTP server ------------------

PUBLIC_URL_HINT = (
    'ghi địa chỉ web của ứng dụng vào [tothu] public_url = "https://…" trong '
    ".streamlit/secrets.toml (hoặc biến TOTHU_PUBLIC_URL)"
)
SMTP_SECURITY = ("starttls", "ssl", "none")


@dataclass(frozen=True)
class PublicUrl:
    """Where cadres open the app, for the link in a reminder; `problem` says why there is none."""

    url: str | None
    problem: str | None = None


def load_public_url(*, environ: Mapping = os.environ, secrets: Mapping | None = None) -> PublicUrl:
    """`TOTHU_PUBLIC_URL`, else `[tothu] public_url`: an http(s) address without query or
    fragment. Anything else gives no link and a sentence: a reminder with a wrong link sends a
    cadre nowhere, one without a link still names the page to open."""
    from urllib.parse import urlsplit

    table = (secrets or {}).get("tothu", {}) if secrets else {}
    raw = environ.get("TOTHU_PUBLIC_URL") or (table.get("public_url") if table else None)
    text = str(raw or "").strip()
    if not text:
        return PublicUrl(None, f"Chưa khai báo địa chỉ của ứng dụng: {PUBLIC_URL_HINT}.")
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        return PublicUrl(
            None,
            f"Địa chỉ của ứng dụng «{text}» không dùng được (phải có dạng "
            f"https://ten-mien/…): hãy {PUBLIC_URL_HINT}.",
        )
    return PublicUrl(text.rstrip("/"))


@dataclass(frozen=True)
class SmtpSettings:
    """The `[smtp]` table of secrets.toml: the mail server reminders are sent through."""

    host: str
    port: int
    sender: str
    user: str | None = None
    password: str | None = None
    #: "starttls" (port 587), "ssl" (implicit TLS, port 465) or "none" (a local relay)
    security: str = "starttls"
    timeout: float = 30.0


SMTP_HOW_TO = (
    "Chưa cấu hình máy chủ gửi thư nên chưa gửi được thư nhắc. Người phụ trách kỹ thuật thêm "
    'mục [smtp] vào .streamlit/secrets.toml: host = "smtp.gmail.com", port = 587, '
    'user = "…", password = "…" (mật khẩu ứng dụng), from = "van-phong@…", '
    "starttls = true (hoặc ssl = true với port = 465), theo tệp mẫu secrets.toml.example."
)


def load_smtp(secrets: Mapping | None) -> tuple[SmtpSettings | None, str | None]:
    """(settings, None) when `[smtp]` is usable; (None, the sentence saying what to fix) else.

    A missing table is the usual case (no e-mail); a table with a mistake is named, never
    guessed around: a reminder sent from the wrong address or in clear text is worse than none.
    """
    table = (secrets or {}).get("smtp") if secrets else None
    if not table:
        return None, SMTP_HOW_TO
    if not isinstance(table, Mapping):
        return None, "Mục [smtp] của .streamlit/secrets.toml phải là một bảng (table)."
    host = str(table.get("host") or "").strip()
    sender = str(table.get("from") or table.get("sender") or "").strip()
    missing = [name for name, value in (("host", host), ("from", sender)) if not value]
    if missing:
        return None, f"Mục [smtp] của .streamlit/secrets.toml thiếu {', '.join(missing)}."
    if table.get("ssl") and table.get("starttls"):
        return None, "Mục [smtp] ghi cả ssl và starttls: hãy chọn một (ssl cho cổng 465)."
    security = "ssl" if table.get("ssl") else "starttls" if table.get("starttls", True) else "none"
    port = _int(table.get("port"), 465 if security == "ssl" else 587)
    if not 0 < port < 65536:
        return None, f"Mục [smtp] ghi port = {table.get('port')}, không phải một cổng (1–65535)."
    user = str(table.get("user") or "").strip() or None
    password = table.get("password")
    if user and not password:
        return None, "Mục [smtp] có user nhưng thiếu password."
    return (
        SmtpSettings(
            host=host,
            port=port,
            sender=sender,
            user=user,
            password=str(password) if password else None,
            security=security,
            timeout=float(_int(table.get("timeout"), 30)),
        ),
        None,
    )

"""Settings an office may change: the environment, secrets.toml, or the Cài đặt page.

Where a value comes from, first found wins (written down for the office in the README):

1. a `TOTHU_*` environment variable (`TOTHU_DEADLINE_DAY=7`),
2. the `[tothu]` table of `.streamlit/secrets.toml`,
3. the settings file the «Cài đặt» page saves in the data folder (`cai-dat.json`, beside
   the outbox),
4. on the bundled demo only, the demo commune's names (so its report is filled in),
5. the defaults below, which fit a commune Party committee under the structure in force
   since 1/7/2025 (no district level; the commune's bodies are Văn phòng, Ban Xây dựng Đảng
   and the Inspection Committee, Quy định 298-QĐ/TW ngày 09/6/2025; the province's board is
   Ban Tuyên giáo và Dân vận Tỉnh ủy).

Why the server's own configuration wins over the page: the technician sets the environment
and secrets.toml on purpose (a Docker run, a systemd unit); an edit in the browser must not
silently undo it. The page shows such a value as set on the server, and says where.
The data folder itself is never in the saved file: the file lives inside it.

A value that cannot be used, wherever it comes from, stops the app and the command line with
one sentence naming the place, never a silent fall-back to a default.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path

from tothu_core.errors import ConfigError
from tothu_core.textnorm import fold

REPO = Path(__file__).resolve().parent.parent

SETTINGS_FILE_NAME = "cai-dat.json"
_FILE_VERSION = 1

SIGNING_FOR_CHOICES = ("T/M ĐẢNG ỦY", "T/M BAN THƯỜNG VỤ")
SIGNER_TITLES = ("Bí thư", "Phó Bí thư", "Phó Bí thư Thường trực")
DEFAULT_RECIPIENTS = (
    "Ban Tuyên giáo và Dân vận Tỉnh ủy (để báo cáo)",
    "Thường trực Đảng ủy",
    "Ban Xây dựng Đảng Đảng ủy",
    "Các chi bộ ấp",
    "Lưu Văn phòng Đảng ủy",
)
# What the bundled demo shows, so a first visitor sees a report as an office would sign it.
DEMO_ORGANISATION = {
    "superior_body": "Đảng bộ tỉnh Vĩnh Long",
    "issuing_body": "Đảng ủy xã Mỹ Thạnh",
    "place_name": "Mỹ Thạnh",
}


@dataclass(frozen=True)
class Settings:
    #: how long a snapshot is served before the source is read again
    cache_ttl_seconds: int = 300
    #: reports are on time up to the end of this day of the next month
    deadline_day: int = 5
    #: a month closes for new entries this many days after its deadline
    lock_days: int = 10
    #: where the demo workbook, the outbox, month locks and the saved settings are kept
    data_dir: Path = REPO / ".data"
    #: groups the committee's plan gives each cadre, and the most before a warning
    planned_load: int = 3
    max_load: int = 5
    #: the letterhead (HD 36-HD/VPTW): the superior body's line and the issuing body's
    superior_body: str = ""
    issuing_body: str = ""
    #: the place before the date; blank: the issuing body's place ("Đảng ủy xã Mỹ Thạnh")
    place_name: str = ""
    #: the board that collects the cadres' monthly reports for the committee
    report_board: str = "Ban Xây dựng Đảng"
    #: the report's number code: "Số 12-BC/ĐU"
    number_code: str = "BC/ĐU"
    #: who signs, and on behalf of whom
    signer_title: str = "Bí thư"
    signing_for: str = "T/M ĐẢNG ỦY"
    recipients: tuple[str, ...] = DEFAULT_RECIPIENTS

    @property
    def place(self) -> str:
        return self.place_name.strip() or place_of(self.issuing_body)

    @property
    def committee_name(self) -> str:
        """The issuing body, under its older name (kept for callers of before 2026)."""
        return self.issuing_body

    def organisation_gaps(self) -> list[str]:
        """The fields the report needs that are still empty (their keys, in form order)."""
        return [
            key
            for key in ORGANISATION_KEYS
            if (not self.place if key == "place_name" else _empty(self, key))
        ]


def _empty(settings: Settings, key: str) -> bool:
    value = getattr(settings, key)
    if isinstance(value, tuple):
        return not any(str(v).strip() for v in value)
    return not str(value).strip()


def place_of(committee: str) -> str:
    """'Đảng ủy xã Mỹ Thạnh' -> 'Mỹ Thạnh': the place written before the date."""
    words = str(committee).split()
    folded = [fold(w) for w in words]
    start = 2 if folded[:2] == ["dang", "uy"] else 0
    if folded[start : start + 1] in (["xa"], ["phuong"]):
        start += 1
    elif folded[start : start + 2] in (["thi", "tran"], ["dac", "khu"]):
        start += 2
    return " ".join(words[start:]) or str(committee).strip()


# --- what may be set, and how it is checked ---------------------------------------------------

INT, TEXT, LINES, CHOICE = "int", "text", "lines", "choice"


@dataclass(frozen=True)
class Field:
    key: str
    kind: str
    low: int | None = None
    high: int | None = None
    choices: tuple[str, ...] = ()
    #: False: only the environment or secrets.toml may set it (the saved file lives inside it)
    editable: bool = True


FIELDS: dict[str, Field] = {
    f.key: f
    for f in (
        Field("cache_ttl_seconds", INT, 0, 3600),
        Field("deadline_day", INT, 1, 28),
        Field("lock_days", INT, 0, 60),
        Field("planned_load", INT, 1, 20),
        Field("max_load", INT, 1, 30),
        Field("superior_body", TEXT),
        Field("issuing_body", TEXT),
        Field("place_name", TEXT),
        Field("report_board", TEXT),
        Field("number_code", TEXT),
        Field("signer_title", TEXT),
        Field("signing_for", CHOICE, choices=SIGNING_FOR_CHOICES),
        Field("recipients", LINES),
        Field("data_dir", TEXT, editable=False),
    )
}
ORGANISATION_KEYS = (
    "superior_body", "issuing_body", "place_name", "report_board", "number_code",
    "signer_title", "signing_for", "recipients",
)  # fmt: skip
# Older names still read from the environment and secrets.toml.
OLD_NAMES = {"committee_name": "issuing_body", "parent_committee": "superior_body"}
_TEXT_LIMIT = 200
_LINES_LIMIT = 15
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")

NOT_A_NUMBER = "phải là một số nguyên"
OUT_OF_RANGE = "phải từ {low} đến {high}"
NOT_TEXT = "phải là chữ"
TOO_LONG = "dài quá {limit} ký tự"
CONTROL_CHARS = "có ký tự điều khiển không in được"
TOO_MANY_LINES = "nhiều quá {limit} dòng"
NOT_A_CHOICE = "phải là một trong: {choices}"
PLANNED_ABOVE_MAX = "không được lớn hơn số tổ tối đa ({high})"


def check_value(key: str, value):
    """(the value as the setting holds it, None) or (None, the reason in Vietnamese)."""
    field = FIELDS[key]
    if field.kind == INT:
        if isinstance(value, bool):
            return None, NOT_A_NUMBER
        try:
            number = int(str(value).strip()) if not isinstance(value, int) else value
        except ValueError:
            return None, NOT_A_NUMBER
        if not field.low <= number <= field.high:
            return None, OUT_OF_RANGE.format(low=field.low, high=field.high)
        return number, None
    if field.kind == LINES:
        lines = value.splitlines() if isinstance(value, str) else value
        if not isinstance(lines, list | tuple):
            return None, NOT_TEXT
        cleaned = []
        for line in lines:
            text, problem = _check_text(line)
            if problem:
                return None, problem
            if text:
                cleaned.append(text)
        if len(cleaned) > _LINES_LIMIT:
            return None, TOO_MANY_LINES.format(limit=_LINES_LIMIT)
        return tuple(cleaned), None
    text, problem = _check_text(value)
    if problem:
        return None, problem
    if field.kind == CHOICE and text not in field.choices:
        return None, NOT_A_CHOICE.format(choices=", ".join(field.choices))
    return text, None


def _check_text(value):
    if not isinstance(value, str):
        return None, NOT_TEXT
    text = " ".join(value.split())
    if len(text) > _TEXT_LIMIT:
        return None, TOO_LONG.format(limit=_TEXT_LIMIT)
    if _CONTROL.search(value.replace("\n", "").replace("\r", "")):
        return None, CONTROL_CHARS
    return text, None


def check_values(values: Mapping) -> tuple[dict, dict[str, str]]:
    """(the usable values, {key: reason}) of a set of settings; unknown keys are reasons too."""
    good, bad = {}, {}
    for key, value in values.items():
        if key not in FIELDS or not FIELDS[key].editable:
            bad[key] = "không phải một mục cài đặt được"
            continue
        checked, problem = check_value(key, value)
        if problem:
            bad[key] = problem
        else:
            good[key] = checked
    planned = good.get("planned_load")
    most = good.get("max_load")
    if planned is not None and most is not None and planned > most:
        bad["planned_load"] = PLANNED_ABOVE_MAX.format(high=most)
        good.pop("planned_load")
    return good, bad


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


SETTINGS_BROKEN = (
    "Tệp cài đặt {path} không dùng được ({detail}): người phụ trách kỹ thuật hãy sửa tệp đó, "
    "hoặc xóa nó để dùng lại cài đặt mặc định, rồi tải lại trang."
)
SETTING_UNUSABLE = (
    "Cài đặt «{key}» ở {where} không dùng được: giá trị «{value}» {reason}. Hãy sửa lại "
    "rồi tải lại trang."
)


def settings_path(data_dir: Path) -> Path:
    """The file the Cài đặt page saves, in the data folder beside the outbox."""
    return Path(data_dir) / SETTINGS_FILE_NAME


def read_saved(data_dir: Path) -> dict:
    """The values saved by the Cài đặt page; {} when nothing was saved yet.

    ConfigError (one sentence naming the file) when the file exists but cannot be used.
    """
    path = settings_path(data_dir)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as error:
        raise ConfigError(SETTINGS_BROKEN.format(path=path, detail=error.strerror)) from None
    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        detail = f"không phải JSON hợp lệ: {getattr(error, 'msg', 'sai mã UTF-8')}"
        raise ConfigError(SETTINGS_BROKEN.format(path=path, detail=detail)) from None
    values = document.get("settings") if isinstance(document, dict) else None
    if not isinstance(values, dict):
        detail = "thiếu mục «settings»"
        raise ConfigError(SETTINGS_BROKEN.format(path=path, detail=detail))
    good, bad = check_values(values)
    if bad:
        key, reason = next(iter(bad.items()))
        detail = f"mục «{key}» {reason}"
        raise ConfigError(SETTINGS_BROKEN.format(path=path, detail=detail))
    return good


def save_settings(data_dir: Path, values: Mapping) -> Path:
    """Check `values` and write them as the saved settings, atomically.

    The whole file is written to a temporary file in the same folder and renamed over the
    old one, so a crash or a full disk leaves the previous settings whole. ValueError
    (with {key: reason}) when a value cannot be used: then nothing is written.
    """
    good, bad = check_values(values)
    if bad:
        raise ValueError(bad)
    folder = Path(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = settings_path(folder)
    stored = {k: list(v) if isinstance(v, tuple) else v for k, v in good.items()}
    text = json.dumps({"version": _FILE_VERSION, "settings": stored}, ensure_ascii=False,
                      indent=1, sort_keys=True)  # fmt: skip
    handle, temp = tempfile.mkstemp(dir=folder, prefix=".cai-dat-", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text + "\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    finally:
        if os.path.exists(temp):
            os.remove(temp)
    return path


def _from_environment(environ: Mapping, secrets: Mapping | None):
    """{key: (raw value, where)} of what the environment and secrets.toml set."""
    table = dict((secrets or {}).get("tothu", {}) or {}) if secrets else {}
    found = {}
    for old, new in OLD_NAMES.items():
        if old in table and new not in table:
            table[new] = table[old]
    for key in FIELDS:
        if key in table:
            found[key] = (table[key], f"mục [tothu] của secrets.toml ({key})")
    for key in FIELDS:
        names = [f"TOTHU_{key.upper()}"] + [
            f"TOTHU_{old.upper()}" for old, new in OLD_NAMES.items() if new == key
        ]
        for name in names:
            if str(environ.get(name, "")).strip():
                found[key] = (environ[name], f"biến môi trường {name}")
                break
    return found


def origins(*, environ: Mapping = os.environ, secrets: Mapping | None = None) -> dict[str, str]:
    """{key: where on the server it is set} for the settings the page may not change."""
    return {key: where for key, (_, where) in _from_environment(environ, secrets).items()}


def load_settings(
    *, environ: Mapping = os.environ, secrets: Mapping | None = None, demo: bool = False
) -> Settings:
    """The settings in force (see the module docstring for the order)."""
    server = _from_environment(environ, secrets)
    values: dict = {}
    for key, (raw, where) in server.items():
        if key == "data_dir":
            values[key] = Path(str(raw)).expanduser()
            continue
        if FIELDS[key].kind == LINES and isinstance(raw, str) and "\n" not in raw:
            raw = raw.split(";")
        checked, problem = check_value(key, raw)
        if problem:
            raise ConfigError(
                SETTING_UNUSABLE.format(key=key, where=where, value=raw, reason=problem)
            )
        values[key] = checked
    base = Settings()
    data_dir = values.get("data_dir", base.data_dir)
    saved = read_saved(data_dir)
    merged = dict(DEMO_ORGANISATION) if demo else {}
    merged.update(saved)
    merged.update(values)
    settings = replace(base, **{k: v for k, v in merged.items() if k in _SETTING_NAMES})
    if settings.planned_load > settings.max_load:
        raise ConfigError(
            SETTING_UNUSABLE.format(
                key="planned_load",
                where=server.get("planned_load", (None, f"tệp {settings_path(data_dir)}"))[1],
                value=settings.planned_load,
                reason=PLANNED_ABOVE_MAX.format(high=settings.max_load),
            )
        )
    return settings


_SETTING_NAMES = {f.name for f in fields(Settings)}


# -- reminders (issue 16): the app's public address and the optional SMTP server ------------------

PUBLIC_URL_HINT = (
    'ghi địa chỉ web của ứng dụng vào [tothu] public_url = "https://…" trong '
    ".streamlit/secrets.toml (hoặc biến TOTHU_PUBLIC_URL)"
)
SMTP_SECURITY = ("starttls", "ssl", "none")


def _whole(value, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


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
    port = _whole(table.get("port"), 465 if security == "ssl" else 587)
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
            timeout=float(_whole(table.get("timeout"), 30)),
        ),
        None,
    )

"""Whether the configuration the app and the command line were given can be used at all.

Checked before anyone signs in and before any read: a source, key, accounts file or `[auth]`
table that exists but cannot be used stops everything with one sentence naming the file,
instead of being skipped. Skipping it is what once put cadres on the demo workbook while
they believed they were writing to the office's sheet, so the bundled demo (and its role
picker) is only for an installation where nothing at all is configured.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from tothu_core.errors import ConfigError
from tothu_core.people.access import check_auth_table
from tothu_core.people.accounts import ACCOUNTS_FILE_ENV, AccountStore
from tothu_core.settings import table_where
from tothu_core.sheet.sources import DEFAULT_ORIGIN, check_source_configuration
from tothu_core.sheet.sources.credentials import ENV_VAR, SECRETS_TABLE

NO_SOURCE = (
    "Đã cấu hình {what} nhưng chưa ghi nguồn dữ liệu, nên ứng dụng dừng lại thay vì chạy trên "
    "dữ liệu mẫu: hãy ghi địa chỉ bảng tính vào mục [sheets] spreadsheet của "
    ".streamlit/secrets.toml (hoặc biến TOTHU_SOURCE), hay đặt TOTHU_SOURCE=demo nếu chỉ muốn "
    "dùng thử."
)


@dataclass(frozen=True)
class Configuration:
    """What was found: the source (as `resolve_source` takes it) and how people sign in."""

    source: str
    origin: str
    google_sign_in: bool
    accounts_file: bool

    @property
    def is_demo_by_default(self) -> bool:
        return self.origin == DEFAULT_ORIGIN


def check_configuration(
    *,
    spec: str | None = None,
    environ: Mapping = os.environ,
    secrets: Mapping | None = None,
    secrets_path: Path | None = None,
    accounts_path: Path,
) -> Configuration:
    """The configuration in force; ConfigError (one Vietnamese sentence) when it cannot be used.

    Reads the secrets already parsed, the key file and the accounts file; never the source.
    """
    secrets = secrets or {}
    source, origin = check_source_configuration(
        spec, environ=environ, secrets=secrets, secrets_path=secrets_path
    )
    accounts_path = Path(accounts_path)
    AccountStore(accounts_path).check()
    google = "auth" in secrets
    if google:
        check_auth_table(secrets["auth"], where=_sentence_start(table_where("auth", secrets_path)))
    if origin == DEFAULT_ORIGIN:
        configured = _configured_without_source(environ, secrets, secrets_path, accounts_path)
        if configured:
            raise ConfigError(NO_SOURCE.format(what=", ".join(configured)))
    return Configuration(
        source=source,
        origin=origin,
        google_sign_in=google,
        accounts_file=accounts_path.is_file(),
    )


def _configured_without_source(environ, secrets, secrets_path, accounts_path) -> list[str]:
    """Everything that says this is a real installation, though no source is named."""
    found = [
        table_where(table, secrets_path) for table in ("auth", SECRETS_TABLE) if table in secrets
    ]
    if str(environ.get(ENV_VAR) or "").strip():
        found.append(f"biến {ENV_VAR} ({environ[ENV_VAR]})")
    if accounts_path.exists():
        origin = f"biến {ACCOUNTS_FILE_ENV}" if environ.get(ACCOUNTS_FILE_ENV) else "mặc định"
        found.append(f"tệp tài khoản {accounts_path} ({origin})")
    return found


def _sentence_start(text: str) -> str:
    return text[:1].upper() + text[1:]

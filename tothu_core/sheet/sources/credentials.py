"""Where the Google service-account key and the spreadsheet address come from.

Either a JSON key file named by GOOGLE_APPLICATION_CREDENTIALS, or the `[gcp_service_account]`
table of Streamlit's secrets.toml (the caller passes the mapping: this module never imports
Streamlit). Problems become a ConfigError saying which file or table to fix.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tothu_core.errors import ConfigError
from tothu_core.settings import table_where

ENV_VAR = "GOOGLE_APPLICATION_CREDENTIALS"
SECRETS_TABLE = "gcp_service_account"
DEFAULT_TOKEN_URI = "https://oauth2.googleapis.com/token"
_REQUIRED_FIELDS = ("client_email", "private_key")

KEY_FILE_MISSING = (
    "Không tìm thấy tệp khóa tài khoản dịch vụ «{path}» (biến {env}). "
    "Hãy kiểm tra lại đường dẫn tới tệp khóa JSON."
)
KEY_FILE_UNREADABLE = (
    "Không mở được tệp khóa tài khoản dịch vụ «{path}». "
    "Hãy kiểm tra quyền đọc tệp, hoặc đặt lại biến {env}."
)
KEY_FILE_NOT_JSON = (
    "Tệp «{path}» không phải tệp khóa JSON hợp lệ. "
    "Hãy tải lại khóa JSON của tài khoản dịch vụ từ Google Cloud Console."
)
NOT_A_SERVICE_ACCOUNT = (
    "Khóa ở {where} không phải khóa của tài khoản dịch vụ (service account). "
    "Hãy tạo tài khoản dịch vụ trong Google Cloud Console và tải khóa JSON của nó."
)
MISSING_FIELDS = (
    "Khóa tài khoản dịch vụ ở {where} thiếu trường {fields}. "
    "Hãy chép lại đầy đủ nội dung tệp khóa JSON."
)


def load_service_account_info(
    *,
    secrets: Mapping | None = None,
    environ: Mapping = os.environ,
    secrets_path: Path | None = None,
) -> dict | None:
    """The service-account key as a dict, or None when none is configured.

    The environment variable wins over secrets: it is the explicit choice of whoever
    started the process. `secrets_path` (the secrets file, when known) lets a problem name
    the file and the table's line.
    """
    path = (environ.get(ENV_VAR) or "").strip()
    if path:
        return _validated(_read_key_file(Path(path).expanduser()), where=f"tệp «{path}»")
    table = _get(secrets, SECRETS_TABLE)
    if table is None:
        return None
    if not isinstance(table, Mapping):
        where = table_where(SECRETS_TABLE, secrets_path)
        raise ConfigError(NOT_A_SERVICE_ACCOUNT.format(where=where))
    return _validated(_plain(table), where=table_where(SECRETS_TABLE, secrets_path))


def spreadsheet_from_secrets(secrets: Mapping | None) -> str | None:
    """`[sheets] spreadsheet` from secrets: a URL as is, a bare key as `gsheets:KEY`.

    The `gsheets:` prefix lets the source chooser tell a bare key from a file path.
    """
    value = _get(_get(secrets, "sheets"), "spreadsheet")
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    if "://" in text or text.startswith("gsheets:"):
        return text
    return f"gsheets:{text}"


def _read_key_file(path: Path) -> Any:
    env = ENV_VAR
    if not path.exists():
        raise ConfigError(KEY_FILE_MISSING.format(path=path, env=env))
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(KEY_FILE_UNREADABLE.format(path=path, env=env)) from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(KEY_FILE_NOT_JSON.format(path=path)) from exc


def _validated(info: Any, *, where: str) -> dict:
    if not isinstance(info, Mapping):
        raise ConfigError(NOT_A_SERVICE_ACCOUNT.format(where=where))
    info = dict(info)
    # An OAuth client file ({"installed": …} or {"web": …}) has no type and none of a
    # service account's fields: say what it is not, rather than list every missing field.
    untyped_stranger = "type" not in info and not any(f in info for f in _REQUIRED_FIELDS)
    if untyped_stranger or info.get("type", "service_account") != "service_account":
        raise ConfigError(NOT_A_SERVICE_ACCOUNT.format(where=where))
    missing = [name for name in _REQUIRED_FIELDS if not str(info.get(name) or "").strip()]
    if missing:
        raise ConfigError(MISSING_FIELDS.format(where=where, fields=", ".join(missing)))
    info.setdefault("type", "service_account")
    if not info.get("token_uri"):
        info["token_uri"] = DEFAULT_TOKEN_URI
    key = str(info["private_key"])
    if "\n" not in key and "\\n" in key:
        # A key pasted into secrets.toml with its line breaks written as \n.
        info["private_key"] = key.replace("\\n", "\n")
    return info


def _plain(mapping: Mapping) -> dict:
    """Streamlit's secrets are read-only mapping types; google-auth wants plain dicts."""
    return {
        key: _plain(value) if isinstance(value, Mapping) else value
        for key, value in mapping.items()
    }


def _get(mapping: Any, key: str) -> Any:
    if not isinstance(mapping, Mapping):
        return None
    try:
        return mapping.get(key)
    except (KeyError, AttributeError):
        return None

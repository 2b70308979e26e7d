"""Choosing the backend: `--source`, else TOTHU_SOURCE, else secrets, else the bundled demo."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from tothu_core.errors import ConfigError
from tothu_core.settings import table_where
from tothu_core.sheet.sources.base import RawWorkbook, Source

__all__ = [
    "RawWorkbook",
    "Source",
    "check_source_configuration",
    "describe_choice",
    "resolve_source",
]

DEMO = "demo"
_SHEETS_PREFIXES = ("https://docs.google.com/spreadsheets/", "gsheets:")


DEFAULT_ORIGIN = "mặc định"
BLANK_TABLE = (
    "{where} có nhưng để trống «{field}», nên chưa biết đọc dữ liệu ở đâu: hãy ghi {example}, "
    "hoặc xóa mục đó để chạy với dữ liệu mẫu."
)
NO_KEY = (
    "Chưa có khóa tài khoản dịch vụ Google: hãy đặt biến "
    "GOOGLE_APPLICATION_CREDENTIALS trỏ tới tệp khóa JSON, hoặc khai báo "
    "[gcp_service_account] trong .streamlit/secrets.toml."
)


def _configured(spec, environ, secrets, secrets_path=None) -> tuple[str, str]:
    if spec:
        return spec, "--source"
    if environ.get("TOTHU_SOURCE"):
        return environ["TOTHU_SOURCE"], "TOTHU_SOURCE"
    if secrets:
        from tothu_core.sheet.sources.credentials import spreadsheet_from_secrets

        sheet = spreadsheet_from_secrets(secrets)
        if sheet:
            return sheet, "secrets.toml"
        for table, field, example in (
            ("sheets", "spreadsheet", 'spreadsheet = "https://docs.google.com/spreadsheets/d/…"'),
            ("source", "path", 'path = "du-lieu/so-lieu.xlsx"'),
        ):
            if table not in secrets:
                continue
            value = _field(secrets[table], field)
            if value is None or not str(value).strip():
                # A table written but left blank is a configuration, not a wish for the demo.
                where = table_where(table, secrets_path)
                raise ConfigError(
                    BLANK_TABLE.format(
                        where=where[0].upper() + where[1:], field=field, example=example
                    )
                )
            if table == "source":
                return str(value), "secrets.toml"
    return DEMO, DEFAULT_ORIGIN


def _field(table, name):
    return table.get(name) if isinstance(table, Mapping) else None


def describe_choice(
    spec: str | None = None,
    *,
    environ: Mapping = os.environ,
    secrets: Mapping | None = None,
    secrets_path: Path | None = None,
) -> tuple[str, str]:
    """(what, where it was configured): for messages and for deciding whether demo mode applies.

    `where` is DEFAULT_ORIGIN when nothing names a source (the bundled demo then applies).
    """
    return _configured(spec, environ, secrets, secrets_path)


def check_source_configuration(
    spec: str | None = None,
    *,
    environ: Mapping = os.environ,
    secrets: Mapping | None = None,
    secrets_path: Path | None = None,
) -> tuple[str, str]:
    """The source choice, after checking what it needs (a Google Sheet needs a usable key).

    Reads nothing from the source; ConfigError (one sentence naming the file) otherwise.
    """
    value, origin = _configured(spec, environ, secrets, secrets_path)
    if value.strip().startswith(_SHEETS_PREFIXES):
        from tothu_core.sheet.sources.credentials import load_service_account_info

        info = load_service_account_info(
            secrets=secrets, environ=environ, secrets_path=secrets_path
        )
        if info is None:
            raise ConfigError(NO_KEY)
    return value, origin


def resolve_source(
    spec: str | None = None,
    *,
    environ: Mapping = os.environ,
    secrets: Mapping | None = None,
    **backend_options,
) -> Source:
    """Build the Source named by `spec` (a path, a Google Sheet URL/`gsheets:KEY`, or `demo`).

    Nothing is read here: a Source touches its backend only when asked to read or write.
    """
    value, origin = _configured(spec, environ, secrets)
    value = value.strip()
    if value == DEMO:
        from tothu_core.settings import load_settings
        from tothu_core.sheet.demo import DEMO_FILE_NAME, ensure_demo_workbook
        from tothu_core.sheet.sources.workbook import WorkbookSource

        data_dir = load_settings(environ=environ, secrets=secrets).data_dir
        return WorkbookSource(ensure_demo_workbook(data_dir / DEMO_FILE_NAME), is_demo=True)
    if value.startswith(_SHEETS_PREFIXES):
        from tothu_core.sheet.sources.credentials import load_service_account_info
        from tothu_core.sheet.sources.gsheets import GoogleSheetSource

        info = load_service_account_info(secrets=secrets, environ=environ)
        if info is None:
            raise ConfigError(NO_KEY)
        key = value.removeprefix("gsheets:")
        return GoogleSheetSource(key, credentials_info=info, **backend_options)
    path = Path(value).expanduser()
    if path.is_dir():
        from tothu_core.sheet.sources.csvdir import CsvFolderSource

        return CsvFolderSource(path)
    if path.suffix.lower() in (".xlsx", ".ods", ".xlsm"):
        from tothu_core.sheet.sources.workbook import WorkbookSource

        return WorkbookSource(path)
    raise ConfigError(
        f"Nguồn dữ liệu «{value}» (khai báo ở {origin}) không hợp lệ: hãy ghi đường dẫn tới tệp "
        ".xlsx/.ods, một thư mục chứa các tệp CSV, địa chỉ Google Sheet, hoặc «demo»."
    )

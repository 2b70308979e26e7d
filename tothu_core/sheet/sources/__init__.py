"""Choosing the backend: `--source`, else TOTHU_SOURCE, else secrets, else the bundled demo."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from tothu_core.errors import ConfigError
from tothu_core.sheet.sources.base import RawWorkbook, Source

__all__ = ["RawWorkbook", "Source", "resolve_source", "describe_choice"]

DEMO = "demo"
_SHEETS_PREFIXES = ("https://docs.google.com/spreadsheets/", "gsheets:")


def _configured(spec, environ, secrets) -> tuple[str, str]:
    if spec:
        return spec, "--source"
    if environ.get("TOTHU_SOURCE"):
        return environ["TOTHU_SOURCE"], "TOTHU_SOURCE"
    if secrets:
        from tothu_core.sheet.sources.credentials import spreadsheet_from_secrets

        sheet = spreadsheet_from_secrets(secrets)
        if sheet:
            return sheet, "secrets.toml"
        local = (secrets.get("source") or {}).get("path") if hasattr(secrets, "get") else None
        if local:
            return str(local), "secrets.toml"
    return DEMO, "mặc định"


def describe_choice(
    spec: str | None = None, *, environ: Mapping = os.environ, secrets: Mapping | None = None
) -> tuple[str, str]:
    """(what, where it was configured): for messages and for deciding whether demo mode applies."""
    return _configured(spec, environ, secrets)


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
            raise ConfigError(
                "Chưa có khóa tài khoản dịch vụ Google: hãy đặt biến "
                "GOOGLE_APPLICATION_CREDENTIALS trỏ tới tệp khóa JSON, hoặc khai báo "
                "[gcp_service_account] trong .streamlit/secrets.toml."
            )
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

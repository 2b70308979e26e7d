"""The command line on a configuration that cannot be used: one sentence, exit 2, no traceback.

Run as a clerk runs it, `python -m tothu_core …` in a folder with its own .streamlit/secrets.toml.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tothu_core.cli import EXIT_UNREADABLE

ROOT = Path(__file__).resolve().parent.parent
SHEET = "https://docs.google.com/spreadsheets/d/1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefg/edit"


def run(folder: Path, *args, **env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TOTHU_", "GOOGLE_"))}
    clean.update(PYTHONPATH=str(ROOT), TOTHU_ACCOUNTS_FILE=str(folder / "no-accounts.json"))
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-m", "tothu_core", *args],
        cwd=folder,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def secrets(folder: Path, text: str) -> Path:
    path = folder / ".streamlit" / "secrets.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def one_sentence(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == EXIT_UNREADABLE, done.stderr
    assert "Traceback" not in done.stderr and "Error" not in done.stderr
    assert done.stdout == ""
    (line,) = done.stderr.strip().splitlines()
    return line


@pytest.mark.parametrize("command", [["check"], ["export", "hamlets"], ["report"]])
def test_bad_toml_stops_every_command_with_the_file_and_line(tmp_path, command):
    path = secrets(tmp_path, f'[sheets]\nspreadsheet = "{SHEET}\n')
    line = one_sentence(run(tmp_path, *command))
    assert line.startswith(f"Tệp cấu hình {path} viết sai cú pháp TOML ở dòng 2")


def test_a_key_without_private_key_stops_the_command(tmp_path):
    key = {"type": "service_account", "client_email": "tothu@x.iam.gserviceaccount.com"}
    table = "\n".join(f'{k} = "{v}"' for k, v in key.items())
    path = secrets(tmp_path, f'[sheets]\nspreadsheet = "{SHEET}"\n[gcp_service_account]\n{table}\n')
    line = one_sentence(run(tmp_path, "check"))
    assert f"mục [gcp_service_account] của tệp {path} (dòng 3) thiếu trường private_key" in line


def test_a_key_file_that_is_no_service_account_key_stops_the_command(tmp_path):
    key = tmp_path / "client.json"
    key.write_text(json.dumps({"web": {"client_id": "x"}}), encoding="utf-8")
    line = one_sentence(
        run(tmp_path, "check", TOTHU_SOURCE=SHEET, GOOGLE_APPLICATION_CREDENTIALS=str(key))
    )
    assert f"Khóa ở tệp «{key}» không phải khóa của tài khoản dịch vụ" in line


def test_an_auth_table_missing_fields_stops_the_command(tmp_path):
    path = secrets(tmp_path, '[auth]\nclient_id = "x"\n')
    line = one_sentence(run(tmp_path, "check", "--source", "demo"))
    assert line.startswith(f"Mục [auth] của tệp {path} (dòng 1) thiếu redirect_uri")


def test_an_unreadable_accounts_file_stops_the_command(tmp_path):
    accounts = tmp_path / "accounts.json"
    accounts.mkdir()
    line = one_sentence(
        run(tmp_path, "check", "--source", "demo", TOTHU_ACCOUNTS_FILE=str(accounts))
    )
    assert f"tệp tài khoản {accounts}" in line


def test_a_configured_installation_without_source_does_not_check_the_demo(tmp_path):
    accounts = tmp_path / "accounts.json"
    accounts.write_text("{}", encoding="utf-8")
    line = one_sentence(run(tmp_path, "check", TOTHU_ACCOUNTS_FILE=str(accounts)))
    assert "chưa ghi nguồn dữ liệu" in line and str(accounts) in line


def test_nothing_configured_checks_the_demo(tmp_path):
    done = run(tmp_path, "check", TOTHU_DATA_DIR=str(tmp_path / "data"))
    assert done.returncode in (0, 1), done.stderr
    assert (tmp_path / "data" / "demo.xlsx").is_file()

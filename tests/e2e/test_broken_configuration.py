"""A broken secrets.toml in a real browser: `streamlit run app.py` shows the one sentence naming
the file and line, and nothing else (no demo data, no role picker, no other page)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import RunningApp, _free_port, _stop, _wait_healthy

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def broken_app(tmp_path):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[sheets]\nspreadsheet = "https://docs.google.com/x\n', encoding="utf-8")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TOTHU_", "STREAMLIT_"))}
    env.update(
        TOTHU_DATA_DIR=str(tmp_path / "data"),
        TOTHU_ACCOUNTS_FILE=str(tmp_path / "no-accounts.json"),
        PYTHONPATH=str(ROOT),
    )
    env.pop("GOOGLE_APPLICATION_CREDENTIALS", None)
    command = [
        sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
        "--server.headless=true", f"--server.port={port}", "--server.address=127.0.0.1",
        "--server.fileWatcherType=none", "--server.runOnSave=false",
        "--browser.gatherUsageStats=false", f"--secrets.files={secrets}",
    ]  # fmt: skip
    log = tmp_path / "streamlit.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        _wait_healthy(url, process, log)
        yield RunningApp(url=url, data_dir=tmp_path / "data", demo_workbook=secrets, log=log)
    finally:
        _stop(process)


def test_a_broken_secrets_file_shows_its_sentence_and_nothing_else(broken_app, new_page):
    app = new_page(broken_app)
    app.open("/")
    expect(app.main.get_by_role("heading", name="Ứng dụng chưa chạy được", level=1)).to_be_visible()
    alert = app.main.get_by_test_id("stAlert")
    expect(alert).to_contain_text(
        f"Tệp cấu hình {broken_app.demo_workbook} viết sai cú pháp TOML ở dòng 2"
    )
    app.screenshot("broken-configuration")
    # No role picker, no sign-in, no page list, no demo workbook made behind the scenes.
    expect(app.page.get_by_role("combobox")).to_have_count(0)
    expect(app.page.get_by_role("textbox")).to_have_count(0)
    expect(app.page.get_by_role("button", name="Đăng nhập")).to_have_count(0)
    expect(app.page.get_by_test_id("stSidebarNav")).to_have_count(0)
    assert "dùng thử" not in app.page.locator("body").inner_text().casefold()
    assert not (broken_app.data_dir / "demo.xlsx").exists()
    # A reload gives the same page: nothing falls back on a second look.
    app.open("/")
    expect(alert).to_contain_text("viết sai cú pháp TOML")

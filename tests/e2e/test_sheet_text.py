"""Sheet text shown as text in a real browser: `streamlit run app.py` on a workbook whose every
name column carries Markdown and HTML payloads (tests/payloads.py), signed in through the
local sign-in form, every page opened from the sidebar.

On each page: no <img> or <a> pointing at the payloads' address (nor the `<img src=x>` one)
anywhere in the DOM, Plotly's SVG included; no request to that address; no alert; no bold,
LaTeX or coloured text made from a name; and the payload reads literally, without the
backslashes that escape it. The sidebar's selectbox options and the form's multiselect
options are checked to be plain text, as the AppTest sweep assumes.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import START_TIMEOUT, RunningApp, _free_port, _stop, _wait_healthy
from tests.payloads import ADMIN, OUTSIDE, payload_book
from tothu_core.clock import office_now
from tothu_core.people.accounts import AccountStore
from tothu_core.sheet.demo import write_workbook

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Mật khẩu đúng 2026"
PAGES = (
    "Tổng quan",
    "Bản đồ phân công",
    "Sinh hoạt & tham dự",
    "Báo cáo tháng",
    "Nhắc báo cáo",
    "Nhập báo cáo tháng",
    "Báo cáo của tôi",
    "Báo cáo gửi cấp trên",
    "Khóa sổ tháng",
    "Kiểm tra dữ liệu",
    "Cài đặt",
)
# Everything in the page that could fetch or link to the payloads' address, or run a script.
FIND_LIVE_PAYLOADS = """(outside) => {
  const found = [];
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      const value = attr.value || '';
      if (name.startsWith('on')) found.push(`${el.tagName} ${name}`);
      if (['src', 'href', 'xlink:href', 'srcset', 'style', 'data'].includes(name)
          && value.includes(outside)) found.push(`${el.tagName} ${name}=${value}`);
    }
    if (el.tagName === 'IMG' && el.getAttribute('src') === 'x') found.push('IMG src=x');
  }
  // No link in rendered Markdown but headings' own anchors (#…): no page writes one, so any
  // other is made of sheet text.
  for (const a of document.querySelectorAll('[data-testid="stMarkdownContainer"] a')) {
    const href = a.getAttribute('href') || '';
    if (!href.startsWith('#')) found.push(`A in Markdown: ${href}`);
  }
  return found;
}"""


@pytest.fixture(scope="module")
def payload_app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("e2e-sheet-text")
    workbook = write_workbook(payload_book(pd.Period(office_now(), freq="M")), folder / "so.xlsx")
    accounts = folder / "accounts.json"
    AccountStore(accounts).set_password("dung", PASSWORD, cadre_id=ADMIN)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TOTHU_", "STREAMLIT_"))}
    env.update(
        TOTHU_SOURCE=str(workbook),
        TOTHU_DATA_DIR=str(folder / "data"),
        TOTHU_ACCOUNTS_FILE=str(accounts),
        PYTHONPATH=str(ROOT),
    )
    env.pop("GOOGLE_APPLICATION_CREDENTIALS", None)
    command = [
        sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
        "--server.headless=true", f"--server.port={port}", "--server.address=127.0.0.1",
        "--server.fileWatcherType=none", "--server.runOnSave=false",
        "--browser.gatherUsageStats=false", f"--secrets.files={folder / 'no-secrets.toml'}",
    ]  # fmt: skip
    log = folder / "streamlit.log"
    assert START_TIMEOUT > 0
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        _wait_healthy(url, process, log)
        yield RunningApp(url=url, data_dir=folder / "data", demo_workbook=workbook, log=log)
    finally:
        _stop(process)


def visible_text(app) -> str:
    return app.page.locator("body").inner_text()


def assert_shown_as_text(app, requests: list[str], dialogs: list[str], page: str) -> None:
    live = app.page.evaluate(FIND_LIVE_PAYLOADS, OUTSIDE)
    assert live == [], (page, live)
    assert [r for r in requests if OUTSIDE in r or r.endswith("/x")] == [], page
    assert dialogs == [], page
    # Names are not styled, typeset or coloured: no bold "đậm", no KaTeX, no :red[] colour.
    bold_payload = app.page.locator("strong, b").filter(has_text=re.compile(r"^\s*đậm\s*$"))
    assert bold_payload.count() == 0, page
    assert app.page.locator(".katex").count() == 0, page
    # And they read as typed, without the escaping backslashes.
    text = visible_text(app)
    assert "**đậm**" in text and "$x$" in text and ":red[đỏ]" in text, page
    assert "\\*" not in text and "\\[" not in text and "\\<" not in text, page


def test_every_page_shows_sheet_text_as_text(payload_app, new_page):
    app = new_page(payload_app)
    requests: list[str] = []
    dialogs: list[str] = []
    app.page.on("request", lambda request: requests.append(request.url))
    app.page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    app.open("/")
    app.main.get_by_label("Tên đăng nhập").fill("dung")
    app.main.get_by_label("Mật khẩu").fill(PASSWORD)
    app.main.get_by_role("button", name="Đăng nhập").click()
    app.settle()
    expect(app.main.get_by_role("heading", name="Tổng quan", level=1)).to_be_visible()
    month = (pd.Period(office_now(), freq="M") - 1).strftime("%m/%Y")
    app.choose("Tháng", month, scope=app.sidebar)

    for title in PAGES:
        app.go_to(title)
        app.page.wait_for_timeout(500)  # let Plotly draw its SVG
        assert_shown_as_text(app, requests, dialogs, title)
    app.screenshot("sheet-text-settings")

    # With the hamlet and cadre filters, the page captions carry their names too.
    app.go_to("Sinh hoạt & tham dự")
    hamlets = app.options("Ấp", scope=app.sidebar)
    payload_hamlet = next(o for o in hamlets if o.startswith("Ấp Mỹ An"))
    # Options are plain text: the payload reads as typed there, not rendered.
    assert "**đậm**" in payload_hamlet and "![p](" in payload_hamlet
    app.choose("Ấp", payload_hamlet, scope=app.sidebar)
    assert_shown_as_text(app, requests, dialogs, "Sinh hoạt & tham dự, ấp")
    plot = app.main.locator(".js-plotly-plot").first
    expect(plot).to_be_visible()
    # Plotly shows the names as typed too (its entities decoded, no `&quot;` left over).
    drawn = plot.inner_text()
    assert "<img src=x" in drawn and '<a href="http' in drawn and "&quot;" not in drawn
    app.screenshot("sheet-text-meetings-hamlet")

    # The entry form: group labels and the topics' check boxes read as typed.
    app.go_to("Nhập báo cáo tháng")
    labels = app.main.get_by_test_id("stExpander").locator("summary").all_inner_texts()
    assert labels and all("![p](" in label and "\\" not in label for label in labels)
    topics = app.main.get_by_test_id("stCheckbox").all_inner_texts()
    assert any("**đậm**" in topic and "\\" not in topic for topic in topics), topics
    assert_shown_as_text(app, requests, dialogs, "Nhập báo cáo tháng")
    assert json.dumps(dialogs) == "[]"

"""The real app in a real browser: `streamlit run app.py` on the demo data, driven by Playwright.

Debian's Chromium is used as it is (`.ci/run` installs it); Playwright never downloads a
browser. Each server gets its own data folder with the demo workbook written before it
starts, no accounts file (so the demo role picker is on) and no secrets, so what a
developer has configured on this machine never leaks into the journeys.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "e2e"
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
START_TIMEOUT = 60.0
# A rerun of a page on the 1-commune demo takes well under a second; this is the ceiling.
RUN_TIMEOUT_MS = 45_000
# How long a tapped selectbox may take to open its list before the tap is made again.
LIST_TIMEOUT_MS = 10_000
DESKTOP = {"width": 1280, "height": 1400}
SCRIPT_STATE = "data-test-script-state"
RUNNING = f'[data-testid="stApp"][{SCRIPT_STATE}="running"]'


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "e2e: the app in a real browser (select with -m e2e)")


def _chromium() -> str | None:
    return next((path for path in CHROMIUM_CANDIDATES if os.access(path, os.X_OK)), None)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class RunningApp:
    url: str
    data_dir: Path
    demo_workbook: Path
    log: Path


def _wait_healthy(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited early:\n{log.read_text(errors='replace')}")
        try:
            if requests.get(f"{url}/_stcore/health", timeout=2).text.strip() == "ok":
                return
        except requests.RequestException:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"streamlit not healthy after {START_TIMEOUT:.0f} s:\n{log.read_text()}")


def _stop(process: subprocess.Popen) -> None:
    """Stop the server we started (its own process group), and nothing else."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def start_app(folder: Path, *, source: str | None = None) -> Iterator[RunningApp]:
    """Run app.py on the demo data kept in `folder`; yields once /_stcore/health says ok.

    `source` becomes TOTHU_SOURCE: the guide's servers name the demo on purpose, since local
    accounts without a named source stop the app (issue 13's configuration check)."""
    from tothu_core.sheet.demo import DEMO_FILE_NAME, ensure_demo_workbook

    data_dir = folder / "data"
    demo = ensure_demo_workbook(data_dir / DEMO_FILE_NAME)
    env = {
        "TOTHU_DATA_DIR": str(data_dir),
        "TOTHU_ACCOUNTS_FILE": str(folder / "no-accounts.json"),
    }
    if source is not None:
        env["TOTHU_SOURCE"] = source
    yield from serve_app(folder, env, demo_workbook=demo)


def serve_app(folder: Path, env: dict[str, str], *, demo_workbook: Path) -> Iterator[RunningApp]:
    """Run app.py with only `env`'s TOTHU_* settings (none of this machine's) and no secrets;
    yields once /_stcore/health says ok, stops the server after."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("TOTHU_", "STREAMLIT_"))}
    environ.update(env, PYTHONPATH=str(ROOT))
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(ROOT / "app.py"),
        "--server.headless=true",
        f"--server.port={port}",
        "--server.address=127.0.0.1",
        "--server.fileWatcherType=none",
        "--server.runOnSave=false",
        "--browser.gatherUsageStats=false",
        f"--secrets.files={folder / 'no-secrets.toml'}",
    ]
    log = folder / "streamlit.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=environ,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_healthy(url, process, log)
        data_dir = Path(env["TOTHU_DATA_DIR"])
        yield RunningApp(url=url, data_dir=data_dir, demo_workbook=demo_workbook, log=log)
    finally:
        _stop(process)


@pytest.fixture(scope="session")
def app_server(tmp_path_factory) -> Iterator[RunningApp]:
    """One server for the journeys that only read."""
    yield from start_app(tmp_path_factory.mktemp("e2e-app"))


@pytest.fixture
def fresh_app_server(tmp_path_factory) -> Iterator[RunningApp]:
    """A server of its own, for a journey that writes to the demo workbook."""
    yield from start_app(tmp_path_factory.mktemp("e2e-app-writes"))


@pytest.fixture(scope="session")
def browser():
    executable = _chromium()
    if executable is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing: .ci/run should have installed Debian's chromium.")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium).")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable,
            args=["--no-sandbox", "--disable-background-networking", "--disable-dev-shm-usage"],
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session", autouse=True)
def _screenshot_folder() -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)


class StreamlitPage:
    """A Playwright page on the app, with the few moves every journey makes."""

    def __init__(self, page, base_url: str):
        self.page = page
        self.base_url = base_url

    @property
    def sidebar(self):
        return self.page.get_by_test_id("stSidebar")

    @property
    def main(self):
        return self.page.get_by_test_id("stMain")

    def open(self, path: str = "/") -> None:
        self.page.goto(self.base_url + path)
        self.settle(expect_run=False)
        self.main.get_by_role("heading", level=1).first.wait_for(timeout=RUN_TIMEOUT_MS)

    def settle(self, *, expect_run: bool = True) -> None:
        """Wait until Streamlit's run caused by the last action has finished.

        The app marks itself `data-test-script-state="running"` while the script runs (the
        status widget shows "Running..."); a fast run may be over before we look, so the
        wait for it to start is short, the wait for it to end is long.
        """
        app = self.page.get_by_test_id("stApp")
        if expect_run:
            with contextlib.suppress(PlaywrightTimeout):
                self.page.wait_for_selector(RUNNING, timeout=1500)
        # Quiet twice in a row: a run may start another one (st.rerun, a query string).
        for _quiet in range(2):
            expect(app).to_have_attribute(SCRIPT_STATE, "notRunning", timeout=RUN_TIMEOUT_MS)
            self.page.wait_for_timeout(250)
        expect(app).to_have_attribute(SCRIPT_STATE, "notRunning", timeout=RUN_TIMEOUT_MS)
        expect(app).to_have_attribute("data-test-connection-state", "CONNECTED")
        expect(self.page.get_by_test_id("stStatusWidget")).to_have_count(0)
        self.assert_no_exception()

    def assert_no_exception(self) -> None:
        expect(self.page.get_by_test_id("stException")).to_have_count(0)

    def choose(self, label: str, option: str | re.Pattern, *, scope=None) -> str:
        """Pick `option` in the selectbox labelled `label`; returns the option's text.

        A pick that lands while a rerun replaces the widget can be lost; it is made again
        (at most three times) until the box shows it after the run.
        """
        box = (scope or self.page).get_by_role("combobox", name=label, exact=True)
        listbox = self.page.get_by_role("listbox", name=label)
        text = option
        for _attempt in range(3):
            box.click()
            try:
                # A tap that lands while a rerun redraws the box opens nothing: tap again.
                listbox.wait_for(timeout=LIST_TIMEOUT_MS)
            except PlaywrightTimeout:
                self.settle(expect_run=False)
                continue
            choice = listbox.get_by_role("option", name=option, exact=isinstance(option, str)).first
            text = choice.inner_text().strip()
            choice.click()
            self.settle()
            if box.input_value() == text:
                return text
        expect(box).to_have_value(text)
        return text

    def options(self, label: str, *, scope=None) -> list[str]:
        """The texts a selectbox offers (opens and closes its list)."""
        box = (scope or self.page).get_by_role("combobox", name=label, exact=True)
        box.click()
        listbox = self.page.get_by_role("listbox", name=label)
        listbox.wait_for()
        texts = [t.strip() for t in listbox.get_by_role("option").all_inner_texts()]
        self.page.keyboard.press("Escape")
        listbox.wait_for(state="detached")
        return texts

    def go_to(self, title: str) -> None:
        """Open a page from the sidebar navigation, as a person would."""
        self.sidebar.get_by_test_id("stSidebarNav").get_by_role("link").filter(
            has_text=title
        ).first.click()
        self.settle()
        self.main.get_by_role("heading", name=title, level=1).wait_for(timeout=RUN_TIMEOUT_MS)

    def tap_to(self, title: str) -> None:
        """Open a page from the navigation as on a phone: open the sidebar, tap, fold it."""
        expand = self.page.get_by_test_id("stExpandSidebarButton")
        expand.tap()
        nav = self.sidebar.get_by_test_id("stSidebarNav")
        link = nav.get_by_role("link").filter(has_text=title).first
        expect(link).to_be_in_viewport()
        link.tap()
        self.settle()
        self.main.get_by_role("heading", name=title, level=1).wait_for(timeout=RUN_TIMEOUT_MS)
        if nav.is_visible():
            self.fold_sidebar()

    def fold_sidebar(self) -> None:
        """Fold the sidebar away on a phone.

        A tap while the sidebar still slides in can miss, or find its button outside the
        viewport: it is made again until the expand button shows.
        """
        expand = self.page.get_by_test_id("stExpandSidebarButton")
        collapse = self.page.get_by_test_id("stSidebarCollapseButton").locator("button").first
        for _attempt in range(5):
            with contextlib.suppress(PlaywrightError):
                collapse.tap(force=True)
            try:
                expand.wait_for(timeout=3000)
                # Let the slide-out end, so a screenshot shows the page and not the sidebar.
                self.page.wait_for_timeout(400)
                return
            except PlaywrightTimeout:
                continue
        expand.wait_for()

    def screenshot(self, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path))
        return path


@pytest.fixture
def new_page(browser):
    """A fresh browser context per journey (own cookies, own Streamlit session)."""
    contexts = []

    def make(app: RunningApp, *, viewport: dict = DESKTOP) -> StreamlitPage:
        context = browser.new_context(
            viewport=viewport, accept_downloads=True, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh"
        )
        context.set_default_timeout(RUN_TIMEOUT_MS)
        contexts.append(context)
        return StreamlitPage(context.new_page(), app.url)

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def downloads(tmp_path) -> Path:
    folder = tmp_path / "downloads"
    folder.mkdir()
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


# -- servers for the guide's screenshots (tests/e2e/test_guide_screenshots.py) -----------------

GUIDE_PASSWORD = "mat-khau-huong-dan"


@dataclass
class GuideApp:
    """A server on the demo data with local accounts: an administrator and a cadre."""

    app: RunningApp
    admin: tuple[str, str]  # (username, cadre id)
    cadre: tuple[str, str]


def _start_with_accounts(folder: Path, *, plant_problems: bool = False) -> Iterator[GuideApp]:
    """start_app on a demo workbook written beforehand, with an accounts file where start_app
    points TOTHU_ACCOUNTS_FILE, so the app signs people in instead of offering roles."""
    from tothu_core.people.accounts import AccountStore
    from tothu_core.sheet.demo import DEMO_FILE_NAME, ensure_demo_workbook
    from tothu_core.sheet.load import load_dataset
    from tothu_core.sheet.sources.workbook import WorkbookSource

    demo = ensure_demo_workbook(folder / "data" / DEMO_FILE_NAME)
    if plant_problems:
        _plant_problems(demo)
    ds = load_dataset(WorkbookSource(demo))
    admin = ds.cadres.loc[ds.cadres["role"] == "Quản trị", "cadre_id"].iloc[0]
    cadre = ds.cadres.loc[ds.cadres["role"] == "Cán bộ", "cadre_id"].iloc[0]
    store = AccountStore(folder / "no-accounts.json")
    store.set_password("quantri", GUIDE_PASSWORD, cadre_id=admin)
    store.set_password("canbo", GUIDE_PASSWORD, cadre_id=cadre)
    for running in start_app(folder, source="demo"):
        yield GuideApp(running, ("quantri", admin), ("canbo", cadre))


def _plant_problems(path: Path) -> None:
    """Mistakes a clerk makes: a rating not on the list, a date that is no date, an entry for
    a group not on the list, more households present than the group has."""
    import openpyxl

    book = openpyxl.load_workbook(path)
    groups = book["Tổ"]
    header = next(r for r in groups.iter_rows(min_row=1, max_row=10) if r[1].value == "Mã tổ")
    columns = {c.value: c.column for c in header}
    groups.cell(row=header[0].row + 1, column=columns["Xếp loại"]).value = "Tạm được"
    meetings = book["Sinh hoạt"]
    headers = {c.value: c.column for c in meetings[1]}
    meetings.cell(row=2, column=headers["Ngày họp"]).value = "31/02/2025"
    meetings.cell(row=3, column=headers["Mã tổ"]).value = "T999"
    meetings.cell(row=4, column=headers["Số hộ dự"]).value = 999
    book.save(path)


@pytest.fixture
def guide_app_server(tmp_path_factory) -> Iterator[GuideApp]:
    yield from _start_with_accounts(tmp_path_factory.mktemp("e2e-guide"))


@pytest.fixture
def guide_problem_server(tmp_path_factory) -> Iterator[GuideApp]:
    yield from _start_with_accounts(
        tmp_path_factory.mktemp("e2e-guide-problems"), plant_problems=True
    )

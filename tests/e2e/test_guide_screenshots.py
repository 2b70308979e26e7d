"""The guide's screenshots (docs/huong-dan.md), taken in Chromium by walking the app as its
users do: an administrator at a desk, a cadre on a 390 px phone, a clerk whose sheet has
mistakes and then cannot be read at all.

Every run takes every screenshot and checks what it shows. They are written into
`docs/images/` when asked (`TOTHU_WRITE_GUIDE_IMAGES=1`), else into `artifacts/guide/`:
a test run on every branch must not rewrite binary files in the repository (each run
differs by a clock on the page), but one command brings the guide up to date:

    TOTHU_WRITE_GUIDE_IMAGES=1 python -m pytest -p no:cacheprovider \
        tests/e2e/test_guide_screenshots.py

(with Debian's fonts-noto-color-emoji installed, so the few emoji on the pages are drawn).

Pages are reached by their titles as `app.py` names them (read from its source), and buttons
by their place rather than their wording, so a reworded UI keeps these journeys working.
"""

from __future__ import annotations

import ast
import os
import shutil
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import GUIDE_PASSWORD, ROOT, RUN_TIMEOUT_MS, StreamlitPage
from tothu_core.sheet import contract
from tothu_core.sheet.load import load_dataset
from tothu_core.sheet.sources.workbook import WorkbookSource
from tothu_core.sheet.template import TEMPLATE_FILE_NAME

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

DOCS_IMAGES = ROOT / "docs" / "images"
WRITE_ENV = "TOTHU_WRITE_GUIDE_IMAGES"
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}

# Every screenshot the guide shows, by file name (tests/test_docs.py checks the guide uses
# exactly these, so regenerating them regenerates the whole guide).
DESKTOP_SHOTS = (
    "dang-nhap",
    "tong-quan",
    "ban-do-phan-cong",
    "sinh-hoat-tham-du",
    "bao-cao-thang",
    "bao-cao-gui-cap-tren",
    "khoa-so-thang",
    "kiem-tra-du-lieu",
    "cai-dat",
    "kiem-tra-du-lieu-co-loi",
    "khong-lam-moi-duoc",
)
PHONE_SHOTS = (
    "dien-thoai-dang-nhap",
    "dien-thoai-tong-quan",
    "dien-thoai-danh-muc",
    "dien-thoai-nhap-bao-cao",
    "dien-thoai-bao-cao-cua-toi",
)
SHOTS = DESKTOP_SHOTS + PHONE_SHOTS


def page_titles() -> dict[str, str]:
    """pages/… file -> its title in the navigation, as app.py's PAGES says (parsed, not run)."""
    tree = ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "PAGES":
            entries = [ast.literal_eval(value) for value in node.value.values]
            return {path: page_title for path, page_title, _icon in entries}
    raise AssertionError("app.py has no PAGES table")


TITLES = page_titles()


def title(page_file: str) -> str:
    return TITLES[f"pages/{page_file}.py"]


@pytest.fixture(scope="module")
def image_folder() -> Path:
    folder = DOCS_IMAGES if os.environ.get(WRITE_ENV) == "1" else ROOT / "artifacts" / "guide"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def shoot(app: StreamlitPage, folder: Path, name: str, *, width: int) -> Path:
    assert name in SHOTS, name
    app.assert_no_exception()
    path = folder / f"{name}.png"
    app.page.screenshot(path=str(path))
    with path.open("rb") as image:
        header = image.read(24)
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(header[16:20], "big") == width, "the screenshot has the page's width"
    return path


def sign_in(app: StreamlitPage, username: str) -> None:
    """The local sign-in form, by its fields' purpose (autocomplete), submitted with Enter."""
    form = app.main.get_by_test_id("stForm")
    form.locator('input[autocomplete="username"]').fill(username)
    password = form.locator('input[type="password"]')
    password.fill(GUIDE_PASSWORD)
    password.press("Enter")
    app.settle()
    app.sidebar.get_by_test_id("stSidebarNav").wait_for(state="attached", timeout=RUN_TIMEOUT_MS)


def open_menu_on_phone(app: StreamlitPage) -> None:
    app.page.get_by_test_id("stExpandSidebarButton").click()
    app.sidebar.get_by_test_id("stSidebarNav").wait_for(state="visible")


def close_menu_on_phone(app: StreamlitPage) -> None:
    """The menu covers the page on a phone; a person closes it to read the page."""
    expand = app.page.get_by_test_id("stExpandSidebarButton")
    if not expand.is_visible():
        app.sidebar.get_by_test_id("stSidebarCollapseButton").locator("button").first.click()
    expand.wait_for(state="visible")


def test_an_administrator_at_a_desk(guide_app_server, new_page, image_folder, downloads):
    server = guide_app_server
    app = new_page(server.app, viewport=DESKTOP)
    app.open("/")
    expect(app.main.locator('input[type="password"]')).to_be_visible()
    shoot(app, image_folder, "dang-nhap", width=DESKTOP["width"])

    sign_in(app, server.admin[0])
    expect(app.main.get_by_role("heading", name=title("overview"), level=1)).to_be_visible()
    shoot(app, image_folder, "tong-quan", width=DESKTOP["width"])

    for page_file, name in (
        ("assignment_map", "ban-do-phan-cong"),
        ("meetings", "sinh-hoat-tham-du"),
        ("reports", "bao-cao-thang"),
        ("monthly_report", "bao-cao-gui-cap-tren"),
        ("month_lock", "khoa-so-thang"),
        ("settings", "cai-dat"),
        ("data_check", "kiem-tra-du-lieu"),
    ):
        app.go_to(title(page_file))
        shoot(app, image_folder, name, width=DESKTOP["width"])

    # The template offered on the data check downloads, opens and reads back clean.
    with app.page.expect_download() as download:
        # (a button with a tooltip is drawn twice by Streamlit; either one downloads)
        app.main.locator(".st-key-data_check_template button").first.click()
    assert download.value.suggested_filename == TEMPLATE_FILE_NAME
    saved = downloads / TEMPLATE_FILE_NAME
    download.value.save_as(saved)
    assert load_dataset(WorkbookSource(saved)).problems == []
    assert openpyxl.load_workbook(saved).sheetnames[1:] == [t.name for t in contract.TABS.values()]


def test_a_cadre_on_a_phone(guide_app_server, new_page, image_folder):
    server = guide_app_server
    phone = new_page(server.app, viewport=PHONE)
    phone.open("/")
    shoot(phone, image_folder, "dien-thoai-dang-nhap", width=PHONE["width"])
    sign_in(phone, server.cadre[0])
    expect(phone.main.get_by_role("heading", name=title("overview"), level=1)).to_be_visible()
    shoot(phone, image_folder, "dien-thoai-tong-quan", width=PHONE["width"])

    open_menu_on_phone(phone)
    links = phone.sidebar.get_by_test_id("stSidebarNav").get_by_role("link")
    expect(links.filter(has_text=title("entry_form"))).to_be_visible()
    expect(links.filter(has_text=title("settings"))).to_have_count(0), "a cadre has no settings"
    shoot(phone, image_folder, "dien-thoai-danh-muc", width=PHONE["width"])

    phone.go_to(title("entry_form"))
    close_menu_on_phone(phone)
    groups = phone.main.get_by_test_id("stExpander")
    expect(groups.first).to_be_visible()
    if not groups.locator("details[open]").count():  # one group's questions in view
        groups.first.locator("summary").click()
        phone.settle(expect_run=False)
    shoot(phone, image_folder, "dien-thoai-nhap-bao-cao", width=PHONE["width"])

    open_menu_on_phone(phone)
    phone.go_to(title("my_history"))
    close_menu_on_phone(phone)
    shoot(phone, image_folder, "dien-thoai-bao-cao-cua-toi", width=PHONE["width"])


def test_a_sheet_with_mistakes_then_one_that_cannot_be_read(
    guide_problem_server, new_page, image_folder
):
    server = guide_problem_server
    app = new_page(server.app, viewport=DESKTOP)
    app.open("/")
    sign_in(app, server.admin[0])
    app.go_to(title("data_check"))
    expected = load_dataset(WorkbookSource(server.app.demo_workbook))
    assert (len(expected.errors), len(expected.warnings)) == (3, 1)
    metrics = app.main.get_by_test_id("stMetricValue")
    expect(metrics).to_have_text(["3", "1"])
    expect(app.main.get_by_test_id("stExpander").first).to_contain_text("«Sinh hoạt»")
    shoot(app, image_folder, "kiem-tra-du-lieu-co-loi", width=DESKTOP["width"])

    # The workbook goes away (moved, a disk unplugged): the next refresh fails, the last
    # good read stays on screen with a sentence saying so.
    shutil.move(server.app.demo_workbook, server.app.demo_workbook.with_suffix(".moved"))
    app.sidebar.locator(".st-key-refresh button").click()
    app.settle()
    warning = app.main.get_by_test_id("stAlertContentWarning").first
    expect(warning).to_contain_text(server.app.demo_workbook.name)
    shoot(app, image_folder, "khong-lam-moi-duoc", width=DESKTOP["width"])

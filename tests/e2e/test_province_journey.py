"""The province view in Chromium on a 390 × 844 phone, against `streamlit run app.py`.

A registry of two communes, each with its own generated workbook; an empty DuckDB store. The
province admin signs in, syncs both communes with «Đồng bộ ngay», reads the roll-up (each
commune's row, the drill-down of one), downloads the table, and the page never scrolls
sideways. Then a commune's account signs in on the same server and sees only its commune.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import (
    RUN_TIMEOUT_MS,
    StreamlitPage,
    serve_app,
)

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

PHONE = {"width": 390, "height": 844}
PASSWORD = "mat-khau-tinh-2026"
REGISTRY = (
    "Mã xã,Tên xã,Nguồn dữ liệu,Ghi chú\nX001,Xã Mỹ Thạnh,my-thanh.xlsx,\n"
    "X002,Xã Phú Túc,phu-tuc.xlsx,\n"
)


@pytest.fixture
def province_server(tmp_path):
    from argon2 import PasswordHasher

    from tothu_core.people.accounts import AccountStore
    from tothu_core.sheet.demo import generate_workbook, write_workbook

    write_workbook(generate_workbook(months=4, seed=1), tmp_path / "my-thanh.xlsx")
    write_workbook(generate_workbook(months=4, seed=2), tmp_path / "phu-tuc.xlsx")
    (tmp_path / "danh-sach-xa.csv").write_text(REGISTRY, encoding="utf-8")
    accounts = AccountStore(
        tmp_path / "accounts.json", hasher=PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )
    accounts.set_password("quantri", PASSWORD, cadre_id=None, province_role="province_admin")
    accounts.set_password("xa2", PASSWORD, cadre_id=None, commune="X002")
    env = {
        "TOTHU_DATA_DIR": str(tmp_path / "data"),
        "TOTHU_ACCOUNTS_FILE": str(tmp_path / "accounts.json"),
        "TOTHU_REGISTRY": str(tmp_path / "danh-sach-xa.csv"),
    }
    yield from serve_app(tmp_path, env, demo_workbook=Path())


@pytest.fixture
def phone(browser):
    """A phone: 390 × 844 with a touch screen, so taps are touches (as on the real thing)."""
    contexts = []

    def make(server) -> StreamlitPage:
        context = browser.new_context(
            viewport=PHONE,
            has_touch=True,
            accept_downloads=True,
            locale="vi-VN",
            timezone_id="Asia/Ho_Chi_Minh",
        )
        context.set_default_timeout(RUN_TIMEOUT_MS)
        contexts.append(context)
        return StreamlitPage(context.new_page(), server.url)

    yield make
    for context in contexts:
        context.close()


def sign_in(app, username: str) -> None:
    app.open("/")
    app.main.get_by_label("Tên đăng nhập").fill(username)
    app.main.get_by_label("Mật khẩu").fill(PASSWORD)
    app.main.get_by_role("button", name="Đăng nhập").tap()
    app.settle()


def nav_titles(app) -> list[str]:
    app.page.get_by_test_id("stExpandSidebarButton").tap()
    nav = app.sidebar.get_by_test_id("stSidebarNav")
    nav.wait_for()
    # Each link reads «icon name» then the title: the title is its last line.
    titles = [t.strip().splitlines()[-1] for t in nav.get_by_role("link").all_inner_texts()]
    app.fold_sidebar()
    return titles


def assert_fits_phone(app) -> None:
    sideways = app.page.evaluate(
        "() => [document.documentElement, document.querySelector('[data-testid=stMain]')]"
        ".map(e => e.scrollWidth - e.clientWidth)"
    )
    assert max(sideways) <= 0, sideways


def test_a_province_admin_syncs_and_reads_the_roll_up_on_a_phone(province_server, phone, downloads):
    app = phone(province_server)
    sign_in(app, "quantri")
    expect(app.main.get_by_role("heading", name="Tổng hợp các xã", level=1)).to_be_visible()
    expect(app.main.get_by_text("Chưa có số liệu tổng hợp")).to_be_visible()
    assert nav_titles(app) == ["Tổng hợp các xã", "Đồng bộ dữ liệu", "Danh sách xã"]

    app.tap_to("Đồng bộ dữ liệu")
    app.main.get_by_role("button", name="Đồng bộ ngay").tap()
    app.settle()
    for _ in range(150):  # a busy 2-core machine reads two communes in well under this
        refresh = app.main.get_by_role("button", name="Cập nhật tiến độ")
        if not refresh.count():
            break
        app.page.wait_for_timeout(1000)
        refresh.tap()
        app.settle()
    expect(app.main.get_by_text("2 đã đồng bộ, 0 lỗi lần gần nhất")).to_be_visible()
    assert_fits_phone(app)
    app.screenshot("province-sync-phone")

    app.tap_to("Tổng hợp các xã")
    table = app.main.get_by_test_id("stDataFrame").first
    expect(table).to_be_visible()
    metric = app.main.get_by_test_id("stMetric").filter(has_text="Số tổ").first
    expect(metric).to_contain_text("204")
    assert_fits_phone(app)
    app.screenshot("province-overview-phone")

    box = app.main.get_by_role("combobox", name="Xem chi tiết xã", exact=True)
    box.scroll_into_view_if_needed()
    app.choose("Xem chi tiết xã", "Xã Phú Túc")
    # The drill-down's own download: that commune's rows, commune first, then its hamlets.
    with app.page.expect_download() as caught:
        app.main.get_by_role("button", name="⬇ Tải CSV").locator("visible=true").first.tap()
    assert caught.value.suggested_filename.startswith("chi-tiet-X002")
    saved = downloads / caught.value.suggested_filename
    caught.value.save_as(saved)
    rows = saved.read_text(encoding="utf-8-sig").splitlines()
    assert rows[1].startswith('"Xã, phường",Xã Phú Túc,')
    assert all("Mỹ Thạnh" not in row for row in rows) and len(rows) == 1 + 1 + 6

    # Every commune, former commune and hamlet in one workbook, built when tapped.
    with app.page.expect_download() as caught:
        app.main.get_by_role("button", name="⬇ Tải chi tiết mọi xã (Excel)").tap()
    saved = downloads / caught.value.suggested_filename
    caught.value.save_as(saved)
    from openpyxl import load_workbook

    sheet = load_workbook(saved, read_only=True).active
    levels = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert levels == (["Xã, phường"] + ["Ấp"] * 6) * 2

    app.main.get_by_text("Bảng đầy đủ và tải về").tap()
    with app.page.expect_download() as caught:
        app.main.get_by_role("button", name="⬇ Tải CSV").first.tap()
    saved = downloads / caught.value.suggested_filename
    caught.value.save_as(saved)
    text = saved.read_text(encoding="utf-8-sig")
    assert "Xã Mỹ Thạnh" in text and "Xã Phú Túc" in text and "Tổ sinh hoạt (%)" in text
    assert caught.value.suggested_filename.startswith("tong-hop-cac-xa")

    # The registry on a phone: a new commune with a code already taken is refused, the
    # fields keep what was typed, and the file is unchanged.
    app.tap_to("Danh sách xã")
    registry = province_server.data_dir.parent / "danh-sach-xa.csv"
    before = registry.read_bytes()
    for label, value in (("Mã xã", "X002"), ("Tên xã", "Xã Long Hòa"), ("Nguồn dữ liệu", "x.xlsx")):
        app.main.get_by_label(label, exact=True).fill(value)
    app.main.get_by_role("button", name="Lưu xã này").tap()
    app.settle()
    expect(app.main.get_by_text("trùng với xã thứ 2")).to_be_visible()
    expect(app.main.get_by_label("Tên xã", exact=True)).to_have_value("Xã Long Hòa")
    assert registry.read_bytes() == before
    assert_fits_phone(app)
    app.screenshot("province-registry-phone")

    # The same server, a commune's account: its commune only, no registry.
    other = phone(province_server)
    sign_in(other, "xa2")
    expect(other.main.get_by_role("heading", name="Tổng hợp Xã Phú Túc", level=1)).to_be_visible()
    expect(other.main.get_by_text("Mỹ Thạnh")).to_have_count(0)
    assert nav_titles(other) == ["Tổng hợp các xã", "Đồng bộ dữ liệu"]
    assert_fits_phone(other)

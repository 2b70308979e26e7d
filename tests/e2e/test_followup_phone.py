"""Nhắc báo cáo in Chromium on a 390 × 844 phone, against `streamlit run app.py` on the demo.

A leader opens the page, taps «Chép tin nhắn» (the clipboard holds the message), «Zalo» (a new
tab opens zalo.me with the number) and «Gọi» (a tel: link), taps again, reloads and comes
back: every tap is recorded once (the demo keeps reminders in its data folder) and shown beside
the cadre. What the buttons carry is compared with the core computed on the same workbook.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tothu_core.clock import office_now
from tothu_core.entry import reminder_messages as texts
from tothu_core.entry.outbox import LOCAL, REMINDER, Outbox
from tothu_core.figures import followup
from tothu_core.settings import load_settings
from tothu_core.sheet import contract
from tothu_core.sheet.load import load_dataset
from tothu_core.sheet.sources.workbook import WorkbookSource

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

PHONE = {"width": 390, "height": 844}
PAGE = "Nhắc báo cáo"


def first_card(server):
    """The first cadre of the first hamlet, as the page lists them, and their message."""
    ds = load_dataset(WorkbookSource(server.demo_workbook))
    now = office_now()
    month = followup.month_due(now)
    per_hamlet = followup.missing_by_hamlet(ds, month)
    cards = {c.cadre_id: c for c in texts.cards(followup.missing_by_cadre(ds, month))}
    card = cards[per_hamlet.iloc[0]["cadre_id"]]
    state = followup.deadline_state(month, now=now)
    environ = {"TOTHU_DATA_DIR": str(server.data_dir)}
    committee = load_settings(environ=environ, demo=True).issuing_body
    return card, texts.message(card, state, committee=committee, url=None)


def recorded(server) -> list[dict]:
    identity = WorkbookSource(server.demo_workbook, is_demo=True).identity
    kept = Outbox.in_folder(server.data_dir).of_kind(identity, REMINDER, statuses=(LOCAL,))
    return [row for record in kept for row in record.rows]


def test_a_leader_taps_reminders_on_a_phone_and_each_is_recorded_once(fresh_app_server, new_page):
    card, message = first_card(fresh_app_server)
    app = new_page(fresh_app_server)
    app.page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    # zalo.me is out of reach here (no internet): answered locally, as Zalo's page would be.
    app.page.context.route("https://zalo.me/**", lambda route: route.fulfill(body="Zalo"))
    app.open("/")
    # The demo opens as a leader (its role picker's first choice).
    expect(app.sidebar.get_by_role("combobox", name="Vai trò dùng thử")).to_have_value(
        contract.ROLE_LEADER
    )
    app.go_to(PAGE)
    app.page.set_viewport_size(PHONE)
    app.settle(expect_run=False)

    first = app.main.locator(f".st-key-followup_{_hamlet_of(fresh_app_server, card)}_"
                             f"{card.cadre_id}_card")  # fmt: skip
    expect(first.get_by_text(card.name, exact=False).first).to_be_visible()
    call = first.get_by_role("link", name="📞 Gọi")
    expect(call).to_have_attribute("href", f"tel:{card.phone.e164}")
    sms = first.get_by_role("link", name="💬 SMS")
    expect(sms).to_have_attribute("href", re.compile(rf"^sms:\{card.phone.e164}\?body=K%C3%AD"))
    box = call.bounding_box()
    assert box["height"] >= 44 and box["x"] + box["width"] <= PHONE["width"], "a thumb's target"

    # Copy: the clipboard holds the message, and the tap is recorded.
    first.get_by_role("button", name="📋 Chép tin nhắn").click()
    app.settle()
    assert app.page.evaluate("navigator.clipboard.readText()") == message
    expect(first.get_by_text(re.compile("Đã nhắc 1 lần")).first).to_be_visible()
    expect(first.get_by_text(re.compile("Chép tin nhắn · ")).first).to_be_visible()

    # Zalo: a new tab on the cadre's number.
    with app.page.context.expect_page() as zalo:
        first.get_by_role("link", name="Zalo").click()
    assert zalo.value.url == f"https://zalo.me/{card.phone.digits}"
    zalo.value.close()
    app.settle()
    expect(first.get_by_text(re.compile("Đã nhắc 2 lần")).first).to_be_visible()

    # Call, twice (a double tap): one reminder.
    call.click()
    call.click()
    app.settle()
    expect(first.get_by_text(re.compile("Đã nhắc 3 lần")).first).to_be_visible()
    channels = sorted(r["channel"] for r in recorded(fresh_app_server))
    assert channels == sorted(["Chép tin nhắn", "Zalo", "Gọi điện"])
    assert {r["cadre_id"] for r in recorded(fresh_app_server)} == {card.cadre_id}
    app.screenshot("followup-phone")

    # Reload (a new session on the same address): the record is still there, nothing doubled.
    app.page.reload()
    app.settle(expect_run=False)
    app.main.get_by_role("heading", name=PAGE, level=1).wait_for()
    first = app.main.locator(f".st-key-followup_{_hamlet_of(fresh_app_server, card)}_"
                             f"{card.cadre_id}_card")  # fmt: skip
    expect(first.get_by_text(re.compile("Đã nhắc 3 lần")).first).to_be_visible()
    first.get_by_role("link", name="📞 Gọi").click()
    app.settle()
    assert len(recorded(fresh_app_server)) == 3
    app.assert_no_exception()


def _hamlet_of(server, card) -> str:
    ds = load_dataset(WorkbookSource(server.demo_workbook))
    per_hamlet = followup.missing_by_hamlet(ds, card.month)
    return per_hamlet[per_hamlet["cadre_id"] == card.cadre_id].iloc[0]["hamlet_id"]

"""The monthly form on a 390 × 844 phone, in Chromium, against `streamlit run app.py` on the demo.

What a cadre does: switch months and pages and come back, reload, open a second tab, press
with nothing changed, press twice, type a wrong number, choose «Không sinh hoạt» with numbers
typed. Every expectation is checked against the workbook read back (what was written) and the
core computed on it (which month is due, what counts for a group).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pandas as pd
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import RUN_TIMEOUT_MS, StreamlitPage
from tothu_core.entry.entries import FormGroup, form_groups
from tothu_core.entry.form import day_text, due_month, missing_groups, nothing_new_text
from tothu_core.entry.history_view import KEY_WIDTHS, key_headers
from tothu_core.entry.month_lock import MonthLocks
from tothu_core.sheet import contract
from tothu_core.sheet.load import load_dataset
from tothu_core.sheet.sources.workbook import WorkbookSource
from tothu_core.vietnamese import sort_by_name

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
FORM, HISTORY = "Nhập báo cáo tháng", "Báo cáo của tôi"
MET_QUESTION = "Trong tháng, tổ có sinh hoạt không?"
ATTENDED_QUESTION = "Đồng chí có dự buổi sinh hoạt không?"
SUBMIT = re.compile("^(send)?Gửi báo cáo$")
# Words Streamlit or a browser would show in English: calendar names, form hints, pickers.
ENGLISH = re.compile(
    r"\b(Press|Enter|submit|Choose|Select|options?|No results|Add|Clear|None|NaN|Sun|Mon|Tue|"
    r"Wed|Thu|Fri|Sat|January|February|March|April|June|July|August|September|October|"
    r"November|December)\b"
)
KEEP_SOCKETS = """(() => {
  const Native = window.WebSocket;
  window.__sockets = [];
  window.WebSocket = class extends Native {
    constructor(...args) { super(...args); window.__sockets.push(this); }
  };
})();"""
WATCH_CONNECTION = """(() => {
  const app = document.querySelector('[data-testid=stApp]');
  window.__states = [];
  new MutationObserver(() => window.__states.push(app.getAttribute('data-test-connection-state')))
    .observe(app, {attributes: true, attributeFilter: ['data-test-connection-state']});
})();"""
DAY_OPTION = re.compile(r"^\d\d/\d\d/\d{4} \((Thứ (Hai|Ba|Tư|Năm|Sáu|Bảy)|Chủ nhật)\)$")


# -- the cadre and the core's view of the demo ---------------------------------------------------


class Cadre:
    """A demo cadre with at least two groups still to report in the month that is due."""

    def __init__(self, server):
        self.workbook = server.demo_workbook
        self.locks = MonthLocks(server.data_dir)
        ds = self.dataset()
        people = sort_by_name(ds.cadres[ds.cadres["role"] == contract.ROLE_CADRE], "name")
        for cadre_id, name in zip(people["cadre_id"], people["name"], strict=True):
            month = self.due(ds, cadre_id)
            if month is not None and len(missing_groups(form_groups(ds, cadre_id, month))) >= 2:
                self.cadre_id, self.name, self.month = cadre_id, name, month
                return
        pytest.fail("no demo cadre has two groups left to report in the month that is due")

    def dataset(self):
        return load_dataset(WorkbookSource(self.workbook))

    def due(self, ds, cadre_id) -> pd.Period | None:
        return due_month(
            self.locks.open_months(),
            current=self.locks.current_month(),
            cards_of=lambda m: form_groups(ds, cadre_id, m),
        )

    def cards(self, month: pd.Period | None = None) -> list[FormGroup]:
        return form_groups(self.dataset(), self.cadre_id, month or self.month)

    def rows(self) -> int:
        return len(self.dataset().meetings)

    @property
    def month_text(self) -> str:
        return self.month.strftime(contract.MONTH_FORMAT)


# -- moves on a phone ----------------------------------------------------------------------------


@pytest.fixture
def phone(browser):
    """A phone: 390 × 844 with a touch screen, so taps are touches (as on the real thing)."""
    contexts = []

    def make(server) -> StreamlitPage:
        context = browser.new_context(
            viewport=PHONE, has_touch=True, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh"
        )
        context.set_default_timeout(RUN_TIMEOUT_MS)
        # Keep the page's WebSockets within reach, to cut the line as a sleeping phone does.
        context.add_init_script(KEEP_SOCKETS)
        contexts.append(context)
        return StreamlitPage(context.new_page(), server.url)

    yield make
    for context in contexts:
        context.close()


def sign_in_on_phone(app, cadre: Cadre) -> None:
    """Pick the demo role and person (on a wide screen, where the sidebar stays open), then
    turn the window into a phone and open the form."""
    app.page.set_viewport_size(DESKTOP)
    app.open("/")
    expand = app.page.get_by_test_id("stExpandSidebarButton")
    if expand.is_visible():  # the browser remembers the sidebar was folded on the phone
        expand.click()
    expect(app.sidebar.get_by_role("combobox", name="Vai trò dùng thử")).to_be_in_viewport()
    app.choose("Vai trò dùng thử", contract.ROLE_CADRE, scope=app.sidebar)
    app.choose("Người dùng thử", cadre.name, scope=app.sidebar)
    app.go_to(FORM)
    app.page.set_viewport_size(PHONE)
    # On a phone's width the sidebar folds away.
    app.page.get_by_test_id("stExpandSidebarButton").wait_for()


def drop_connection(app) -> None:
    """Close the app's WebSocket, as a phone that slept loses it, and wait for the reconnect."""
    app.page.evaluate(WATCH_CONNECTION)
    app.page.evaluate("window.__sockets.forEach(socket => socket.close())")
    app.page.wait_for_function("window.__states.length > 0")
    expect(app.page.get_by_test_id("stApp")).to_have_attribute(
        "data-test-connection-state", "CONNECTED"
    )
    assert "CONNECTED" not in app.page.evaluate("window.__states")[:1]
    app.settle(expect_run=False)


def _close_list(app) -> None:
    """Tap an empty spot of the header, as a thumb closes a list without choosing."""
    app.page.touchscreen.tap(PHONE["width"] // 2, 20)
    app.page.get_by_role("listbox").wait_for(state="detached")


def options(app, label: str, *, scope=None) -> list[str]:
    box = (scope or app.main).get_by_role("combobox", name=label, exact=True)
    box.tap()
    listbox = app.page.get_by_role("listbox", name=label)
    listbox.wait_for()
    texts = [t.strip() for t in listbox.get_by_role("option").all_inner_texts()]
    _close_list(app)
    return texts


def select(app, label: str, option: str, *, scope=None) -> None:
    box = (scope or app.main).get_by_role("combobox", name=label, exact=True)
    box.tap()
    listbox = app.page.get_by_role("listbox", name=label)
    listbox.get_by_role("option", name=option, exact=True).first.tap()
    app.settle()
    expect(box).to_have_value(option)


def group(app, card: FormGroup):
    title = f"{card.group_name} · {card.hamlet_name}"
    return app.main.get_by_test_id("stExpander").filter(
        has=app.page.locator("summary", has_text=title)
    )


def month_box(app):
    return app.main.get_by_role("combobox", name="Tháng báo cáo", exact=True)


def households(box):
    return box.get_by_role("spinbutton", name=re.compile("^Số hộ dự"))


def pick(box, question: str, answer: str) -> None:
    box.get_by_role("radiogroup", name=question).get_by_text(answer, exact=True).tap()


def choose_day(app, box, day: date) -> None:
    select(app, "Ngày sinh hoạt", day_text(day), scope=box)


def press(app, name=SUBMIT) -> None:
    app.main.get_by_role("button", name=name).tap()
    app.settle()


def answer(app):
    """The answer to the last press, at the top of the form."""
    return app.main.locator(".st-key-entry_form_outcome_top").get_by_test_id("stAlert")


def assert_shows_nothing_chosen(box) -> None:
    expect(box.locator("input[type=radio]:checked")).to_have_count(0)
    expect(households(box)).to_have_value("")
    expect(box.get_by_role("checkbox", checked=True)).to_have_count(0)
    day = box.get_by_role("combobox", name="Ngày sinh hoạt")
    expect(day).to_have_value("")
    expect(day).to_have_attribute("placeholder", "Chọn ngày")


def assert_shows(app, box, card: FormGroup) -> None:
    """The group shows exactly the report that counts for it now."""
    latest = card.latest
    assert latest is not None
    if box.locator("details[open]").count() == 0:  # a group already sent starts folded
        box.locator("summary").tap()
    met_text = "Có sinh hoạt" if latest.met else "Không sinh hoạt"
    radios = box.get_by_role("radiogroup", name=MET_QUESTION)
    expect(radios.get_by_role("radio", name=met_text, exact=True)).to_be_checked()
    if latest.met:
        expect(households(box)).to_have_value(str(latest.households_present))
        expect(box.get_by_role("combobox", name="Ngày sinh hoạt")).to_have_value(
            day_text(latest.meeting_date)
        )
        attended = "Có" if latest.cadre_attended else "Không"
        expect(
            box.get_by_role("radiogroup", name=ATTENDED_QUESTION).get_by_role(
                "radio", name=attended, exact=True
            )
        ).to_be_checked()
    else:
        expect(households(box)).to_have_value("")


def assert_fits_phone(app, *key_fields) -> None:
    """Nothing makes the page scroll sideways, and every key field lies within the screen."""
    sideways = app.page.evaluate(
        "() => [document.documentElement, document.querySelector('[data-testid=stMain]')]"
        ".map(e => e.scrollWidth - e.clientWidth)"
    )
    assert max(sideways) <= 0, sideways
    for locator in key_fields:
        locator.scroll_into_view_if_needed()
        box = locator.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (
            locator,
            box,
        )


def assert_vietnamese_only(app) -> None:
    """No English word in what the page shows, nor in its placeholders and tooltips."""
    texts = [app.main.inner_text()]
    texts += app.main.locator("[placeholder]").evaluate_all(
        "els => els.map(e => e.getAttribute('placeholder'))"
    )
    texts += app.main.locator("[title]").evaluate_all("els => els.map(e => e.title)")
    found = [m.group(0) for t in texts for m in ENGLISH.finditer(t or "")]
    assert not found, found


@pytest.fixture
def cadre(fresh_app_server) -> Cadre:
    return Cadre(fresh_app_server)


# -- the journeys --------------------------------------------------------------------------------


def test_the_form_opens_on_the_due_month_and_nothing_is_written_for_a_month_round_trip(
    fresh_app_server, phone, cadre
):
    app = phone(fresh_app_server)
    sign_in_on_phone(app, cadre)
    rows = cadre.rows()

    # The month due, with its deadline; every untouched group shows nothing chosen.
    expect(month_box(app)).to_have_value(cadre.month_text)
    deadline = cadre.locks.state(cadre.month).deadline
    expect(app.main.get_by_text(f"Hạn nộp: hết ngày {deadline:%d/%m/%Y}.")).to_be_visible()
    open_cards = missing_groups(cadre.cards())
    for card in open_cards:
        assert_shows_nothing_chosen(group(app, card))
    first = group(app, open_cards[0])
    assert_fits_phone(
        app,
        month_box(app),
        first.locator("summary"),
        first.get_by_role("radiogroup", name=MET_QUESTION),
        households(first),
    )
    assert_vietnamese_only(app)
    # The day is chosen within the fixed month, written DD/MM/YYYY with its Vietnamese weekday.
    days = options(app, "Ngày sinh hoạt", scope=first)
    assert days and all(DAY_OPTION.match(d) for d in days), days
    assert {d[3:10] for d in days} == {cadre.month.strftime("%m/%Y")}
    assert not app.page.locator("input[type=date]").count()
    app.screenshot("entry-01-due-month-phone")

    # 12 -> 11 -> 12 (or the other way): the groups come back empty, not «Có sinh hoạt / 0».
    other = next(o for o in options(app, "Tháng báo cáo") if o != cadre.month_text)
    select(app, "Tháng báo cáo", other)
    select(app, "Tháng báo cáo", cadre.month_text)
    for card in open_cards:
        assert_shows_nothing_chosen(group(app, card))
    press(app)
    # The demo cadre may already have sent some groups: the sentence says which case this is.
    expect(answer(app)).to_have_text(nothing_new_text(cadre.cards()))
    expect(answer(app)).to_be_in_viewport()
    assert cadre.rows() == rows
    app.screenshot("entry-02-untouched-press")


def test_what_was_sent_is_shown_after_another_page_a_reload_and_in_a_second_tab(
    fresh_app_server, phone, cadre
):
    app = phone(fresh_app_server)
    sign_in_on_phone(app, cadre)
    rows = cadre.rows()
    card, other = missing_groups(cadre.cards())[:2]
    # Near the top of the list of days (a long list only draws what is in sight).
    day = min(cadre.month.start_time.date() + timedelta(days=1), cadre.locks.now().date())
    present = max(1, card.households // 2)

    box = group(app, card)
    pick(box, MET_QUESTION, "Có sinh hoạt")
    choose_day(app, box, day)
    households(box).fill(str(present))
    pick(box, ATTENDED_QUESTION, "Có")
    press(app)
    expect(answer(app)).to_contain_text(f"Đã ghi 1 báo cáo vào bảng tính: {card.group_name}")
    expect(answer(app)).to_be_in_viewport()
    assert cadre.rows() == rows + 1
    sent = next(c for c in cadre.cards() if c.group_id == card.group_id)
    assert (sent.latest.meeting_date, sent.latest.households_present) == (day, present)
    expect(box.locator("summary")).to_contain_text("đã gửi lúc")
    app.screenshot("entry-03-sent")

    # Another page and back: the form shows the report that counts, and the month kept.
    app.tap_to(HISTORY)
    tables = app.main.get_by_test_id("stDataFrame")
    tables.last.scroll_into_view_if_needed()
    # The grid draws on a canvas; its column headers are also in the page for screen readers.
    header_cells = tables.last.locator("[role=columnheader]")
    expect(header_cells.nth(4)).to_be_attached()
    headers = header_cells.all_text_contents()
    assert [h.strip() for h in headers[:5]] == key_headers()
    table_box = tables.last.bounding_box()
    assert table_box["x"] + table_box["width"] <= PHONE["width"]
    assert sum(KEY_WIDTHS) <= table_box["width"] - 2
    assert_fits_phone(app, app.main.get_by_test_id("stMetric").last)
    assert_vietnamese_only(app)
    app.screenshot("entry-03-my-history-phone")
    app.tap_to(FORM)
    expect(month_box(app)).to_have_value(cadre.month_text)
    assert_shows(app, group(app, card), sent)
    assert_shows_nothing_chosen(group(app, other))
    app.screenshot("entry-04-back-on-the-form")

    # The line drops and comes back (a phone that slept): still what counts, nothing chosen.
    drop_connection(app)
    assert_shows(app, group(app, card), sent)
    assert_shows_nothing_chosen(group(app, other))

    # A reload is a new session: the same, and an untouched press writes nothing.
    app.page.reload()
    sign_in_on_phone(app, cadre)
    assert_shows(app, group(app, card), sent)
    press(app)
    expect(answer(app)).to_contain_text("Không có gì mới để ghi")
    assert cadre.rows() == rows + 1

    # A second tab shows it too; a double tap there writes the new group once.
    tab = phone(fresh_app_server)
    sign_in_on_phone(tab, cadre)
    assert_shows(tab, group(tab, card), sent)
    pick(group(tab, other), MET_QUESTION, "Không sinh hoạt")
    # Two taps in a row, the second while the first is being written.
    button = tab.main.get_by_role("button", name=SUBMIT)
    button.tap()
    button.tap()
    tab.settle()
    expect(answer(tab)).to_contain_text("Đã ghi 1 báo cáo")
    assert cadre.rows() == rows + 2
    assert [c.latest.met for c in cadre.cards() if c.group_id == other.group_id] == [False]


def test_wrong_values_are_named_in_vietnamese_and_not_met_with_numbers_is_asked_about(
    fresh_app_server, phone, cadre
):
    app = phone(fresh_app_server)
    sign_in_on_phone(app, cadre)
    rows = cadre.rows()
    card, other = missing_groups(cadre.cards())[:2]
    box = group(app, card)

    # Enter in a number field sends nothing.
    pick(box, MET_QUESTION, "Có sinh hoạt")
    households(box).fill(str(card.households + 5))
    households(box).press("Enter")
    app.page.wait_for_timeout(1500)
    expect(app.main.get_by_test_id("stAlertContentError")).to_have_count(0)
    assert cadre.rows() == rows

    # More households than the group has: named at the top and under the field, first press.
    press(app)
    too_many = f"Số hộ dự ({card.households + 5}) lớn hơn số hộ của tổ ({card.households})"
    expect(answer(app)).to_contain_text("Chưa gửi được: có 3 chỗ cần sửa")
    expect(answer(app)).to_contain_text(too_many)
    expect(answer(app)).to_contain_text("Hãy chọn ngày sinh hoạt.")
    expect(answer(app)).to_be_in_viewport()
    under = box.get_by_test_id("stAlertContentError").filter(has_text=too_many)
    under.scroll_into_view_if_needed()
    expect(under).to_be_visible()
    expect(box.locator("summary")).to_contain_text("cần sửa")
    assert_vietnamese_only(app)
    assert cadre.rows() == rows
    app.screenshot("entry-05-wrong-value")

    # Fixed; and «Không sinh hoạt» for the other group with households typed: asked first.
    choose_day(app, box, cadre.month.start_time.date())
    households(box).fill(str(card.households))
    pick(box, ATTENDED_QUESTION, "Không")
    second = group(app, other)
    pick(second, MET_QUESTION, "Không sinh hoạt")
    households(second).fill("3")
    press(app)
    expect(answer(app)).to_contain_text("Cần đồng chí trả lời ở 1 tổ")
    question = second.get_by_test_id("stAlertContentWarning")
    expect(question).to_contain_text("còn ghi số hộ dự (3)")
    assert cadre.rows() == rows
    app.screenshot("entry-06-asked-before-dropping")

    press(app, name=re.compile("Bỏ các mục đó và gửi$"))
    expect(answer(app)).to_contain_text("Đã ghi 2 báo cáo vào bảng tính")
    assert cadre.rows() == rows + 2
    latest = {c.group_id: c.latest for c in cadre.cards()}
    assert latest[card.group_id].households_present == card.households
    assert latest[other.group_id].met is False
    assert latest[other.group_id].households_present is None
    assert_shows(
        app, group(app, other), next(c for c in cadre.cards() if c.group_id == other.group_id)
    )
    app.screenshot("entry-07-sent-without-the-dropped-numbers")

"""The main journeys, in Chromium, against `streamlit run app.py` on the demo data.

What the page shows is checked against the core computed on the same workbook, so a
journey fails when a filter does not reach the figures, not only when a widget is missing.
"""

from __future__ import annotations

import csv
import io
import re

import openpyxl
import pandas as pd
import pytest
from playwright.sync_api import expect

from tothu_core.entry.entries import form_groups
from tothu_core.entry.form import day_text
from tothu_core.figures import assignment_view, figures, headline
from tothu_core.sheet import contract
from tothu_core.sheet.load import load_dataset
from tothu_core.sheet.sources.workbook import WorkbookSource
from tothu_core.vietnamese import sort_by_name

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

ALL_HAMLETS = "Tất cả các ấp"
ID_HEADER = contract.CADRES.headers["cadre_id"]
PHONE = {"width": 390, "height": 844}


def month_of(text: str) -> pd.Period:
    return figures.as_month(text)


def scope_caption(app):
    """The line under the page title: «Tháng 09/2026 · Ấp Mỹ Hòa»."""
    return app.main.get_by_test_id("stCaptionContainer").first


def card_value(app, label: str):
    metric = app.main.get_by_test_id("stMetric").filter(
        has=app.page.get_by_test_id("stMetricLabel").get_by_text(label, exact=True)
    )
    return metric.get_by_test_id("stMetricValue")


@pytest.fixture(scope="module")
def demo(app_server):
    return load_dataset(WorkbookSource(app_server.demo_workbook))


def test_overview_follows_the_month_and_the_hamlet(app_server, new_page, demo):
    app = new_page(app_server)
    app.open("/")
    expect(app.main.get_by_role("heading", name="Tổng quan", level=1)).to_be_visible()
    app.screenshot("01-overview")

    months = app.options("Tháng", scope=app.sidebar)
    assert months == [m.strftime(contract.MONTH_FORMAT) for m in reversed(demo.months())]
    shown = app.sidebar.get_by_role("combobox", name="Tháng", exact=True).input_value()
    other = next(m for m in months[1:] if m != shown)
    app.choose("Tháng", other, scope=app.sidebar)
    expect(scope_caption(app)).to_contain_text(f"Tháng {other}")
    assert f"thang={other.replace('/', '-')}" in app.page.url

    hamlet_names = [h for h in app.options("Ấp", scope=app.sidebar) if h != ALL_HAMLETS]
    assert sorted(hamlet_names) == sorted(demo.hamlets["hamlet_name"])
    hamlet_name = hamlet_names[1]
    app.choose("Ấp", hamlet_name, scope=app.sidebar)
    expect(scope_caption(app)).to_contain_text(hamlet_name)
    hamlet_id = demo.hamlets.loc[demo.hamlets["hamlet_name"] == hamlet_name, "hamlet_id"].iloc[0]
    assert f"ap={hamlet_id}" in app.page.url

    # The cards show the core's figures for exactly this month and hamlet.
    trend = figures.overview(demo, demo.months(), hamlet=hamlet_id)
    for card in headline.headline_cards(trend, month_of(other)):
        expect(card_value(app, card.label)).to_have_text(card.value_text)
    app.screenshot("02-overview-month-hamlet")

    phone = new_page(app_server, viewport=PHONE)
    phone.open(f"/?thang={other.replace('/', '-')}&ap={hamlet_id}")
    expect(scope_caption(phone)).to_contain_text(hamlet_name)
    phone.screenshot("03-overview-phone")


def test_assignment_map_and_an_export_that_opens(app_server, new_page, demo, downloads):
    app = new_page(app_server)
    app.open("/")
    month_text = app.sidebar.get_by_role("combobox", name="Tháng", exact=True).input_value()
    hamlet_name = demo.hamlets["hamlet_name"].iloc[0]
    app.choose("Ấp", hamlet_name, scope=app.sidebar)
    hamlet_id = demo.hamlets["hamlet_id"].iloc[0]

    app.go_to("Bản đồ phân công")
    expect(app.main.get_by_role("heading", name=hamlet_name)).to_be_visible()
    app.screenshot("04-assignment-map")

    # The cadre-load table, wherever the page puts it: the tab whose CSV is «so-to-can-bo».
    panel, csv_path = None, None
    for tab in app.main.get_by_role("tab").all():
        tab.click()
        candidate = app.main.get_by_role("tabpanel").filter(visible=True).first
        button = candidate.get_by_role("button", name=re.compile("Tải CSV"))
        if not button.count():
            continue
        with app.page.expect_download() as csv_download:
            button.click()
        if csv_download.value.suggested_filename.startswith("so-to-can-bo"):
            panel = candidate
            csv_path = downloads / csv_download.value.suggested_filename
            csv_download.value.save_as(csv_path)
            break
    assert panel is not None, "no tab of the assignment map offers the cadre-load CSV"
    expected = assignment_view.cadre_load_table(
        assignment_view.cadre_load_view(demo, month_of(month_text), hamlet=hamlet_id)
    )
    assert len(expected) > 0
    assert csv_path.suffix == ".csv"
    assert hamlet_id in csv_path.name and month_text.replace("/", "-") in csv_path.name
    rows = list(csv.reader(io.StringIO(csv_path.read_text(encoding="utf-8-sig"))))
    assert rows[0] == list(expected.columns)
    key = rows[0].index(ID_HEADER)
    assert sorted(r[key] for r in rows[1:]) == sorted(expected[ID_HEADER])

    with app.page.expect_download() as xlsx_download:
        panel.get_by_role("button", name=re.compile("Tải Excel")).click()
    xlsx_path = downloads / xlsx_download.value.suggested_filename
    xlsx_download.value.save_as(xlsx_path)
    sheet = openpyxl.load_workbook(xlsx_path, read_only=True).worksheets[0]
    cells = [list(r) for r in sheet.iter_rows(values_only=True)]
    header_at = next(i for i, r in enumerate(cells) if r and ID_HEADER in r)
    assert [c for c in cells[header_at] if c is not None] == list(expected.columns)
    key = cells[header_at].index(ID_HEADER)
    body = [r for r in cells[header_at + 1 :] if any(c is not None for c in r)]
    assert sorted(r[key] for r in body) == sorted(expected[ID_HEADER])
    app.screenshot("05-assignment-map-export")


def _cadres_by_name(ds) -> list[tuple[str, str]]:
    """(cadre id, name) of the demo's plain cadres, in the picker's order."""
    people = sort_by_name(ds.cadres[ds.cadres["role"] == contract.ROLE_CADRE], "name")
    return list(zip(people["cadre_id"], people["name"], strict=True))


def test_a_cadre_submits_a_monthly_entry_and_sees_it_counted(fresh_app_server, new_page):
    workbook = fresh_app_server.demo_workbook
    before = load_dataset(WorkbookSource(workbook))
    app = new_page(fresh_app_server)
    app.open("/")
    app.choose("Vai trò dùng thử", contract.ROLE_CADRE, scope=app.sidebar)
    app.go_to("Nhập báo cáo tháng")
    month_text = app.main.get_by_role("combobox", name="Tháng báo cáo", exact=True).input_value()
    month = month_of(month_text)

    # The first cadre (in the picker's order) with a group not reported yet this month.
    shown = app.sidebar.get_by_role("combobox", name="Người dùng thử", exact=True).input_value()
    candidates = (
        (cadre_id, name, [c for c in form_groups(before, cadre_id, month) if not c.submitted_at])
        for cadre_id, name in _cadres_by_name(before)
    )
    found = next((c for c in candidates if c[2]), None)
    if found is None:
        pytest.fail(f"every demo cadre has reported every group of {month_text} already")
    cadre_id, name, open_cards = found
    if name != shown:
        app.choose("Người dùng thử", name, scope=app.sidebar)
        app.main.get_by_role("heading", name="Nhập báo cáo tháng", level=1).wait_for()
    card = open_cards[0]
    present = max(1, card.households // 2)
    day = month.start_time.date()

    group = app.main.get_by_test_id("stExpander").filter(
        has=app.page.locator("summary", has_text=f"{card.group_name} · {card.hamlet_name}")
    )
    expect(group.locator("summary")).to_contain_text("chưa báo cáo")
    group.get_by_role("radiogroup", name="Trong tháng, tổ có sinh hoạt không?").get_by_text(
        "Có sinh hoạt", exact=True
    ).click()
    app.choose("Ngày sinh hoạt", day_text(day), scope=group)
    group.get_by_role("spinbutton", name=re.compile("^Số hộ dự")).fill(str(present))
    group.get_by_role("radiogroup", name="Đồng chí có dự buổi sinh hoạt không?").get_by_text(
        "Có", exact=True
    ).click()
    app.screenshot("06-entry-form-filled")
    app.main.get_by_role("button", name=re.compile("Gửi báo cáo")).click()
    app.settle()

    expect(app.main.get_by_test_id("stAlertContentSuccess").first).to_contain_text(
        "Đã ghi 1 báo cáo"
    )
    expect(group.locator("summary")).to_contain_text("đã gửi lúc")
    app.screenshot("07-entry-form-sent")

    # Written once to the workbook, with what was typed.
    after = load_dataset(WorkbookSource(workbook))
    assert len(after.meetings) == len(before.meetings) + 1
    mine = after.meetings[
        (after.meetings["month"] == month)
        & (after.meetings["group_id"] == card.group_id)
        & (after.meetings["cadre_id"] == cadre_id)
    ]
    assert len(mine) == 1
    row = mine.iloc[0]
    assert row["meeting_date"].date() == day
    assert row["households_present"] == present
    assert bool(row["cadre_attended"])

    # Counted: the overview of that month shows this cadre's completeness with the new report.
    app.go_to("Tổng quan")
    app.choose("Tháng", month_text, scope=app.sidebar)
    was = figures.overview(before, month, cadre=cadre_id)["completeness_pct"].iloc[0]
    now = figures.overview(after, month, cadre=cadre_id)["completeness_pct"].iloc[0]
    assert now > (0 if pd.isna(was) else was)
    cards = headline.headline_cards(figures.overview(after, after.months(), cadre=cadre_id), month)
    completeness = next(c for c in cards if c.key == "completeness_pct")
    expect(card_value(app, completeness.label)).to_have_text(completeness.value_text)
    app.screenshot("08-overview-after-entry")

"""Nhắc báo cáo in AppTest, on a workbook made here: who is listed with what, the links and
messages, a tap recorded once in `Nhắc nhở` (sent as the browser sends a component's trigger),
the group message, e-mail set up or not; cadres never reach it and see their own dues and
reminders instead."""

from __future__ import annotations

import json

import openpyxl
import pandas as pd
import pytest
import streamlit as st
from streamlit.components.v2.bidi_component.main import _make_trigger_id
from streamlit.proto.WidgetStates_pb2 import WidgetState

from tests.app_support import app, use_workbook
from tests.sheets import assign, group, hamlet, meeting, tab
from tothu_core.clock import office_now
from tothu_core.figures import followup
from tothu_core.textnorm import escape_markdown

PAGE = "pages/followup.py"
HEADERS = ["Thời điểm", "Tháng", "Mã cán bộ", "Cách nhắc", "Các tổ", "Người nhắc",
           "Mã người nhắc", "Ghi chú", "Mã nhắc"]  # fmt: skip
DUE = followup.month_due(office_now())
DUE_TEXT = DUE.strftime("%m/%Y")


def commune(*, reminders: bool = True) -> dict:
    """Lan (leader) follows nothing; An misses T1 and T3 (two hamlets), Bình misses T2 and has
    an old 11-digit number, Cường reported T4 and has no phone."""
    people = [
        ["CB01", "Trần Thị Lan", "Phó Bí thư", "0912 000 001", "lan@x.vn", "Lãnh đạo"],
        ["CB02", "Nguyễn Văn An", "Công chức", "+84 912.345.678", "an@x.vn", "Cán bộ"],
        ["CB03", "Lê Văn Bình", "Không chuyên trách", "01683456789", "", "Cán bộ"],
        ["CB04", "Phạm Cường", "Cán bộ", "", "", "Cán bộ"],
    ]
    raw = {
        "Ấp": tab(["Mã ấp", "Tên ấp"], [hamlet("A1", "Ấp Mỹ An"), hamlet("A2", "Ấp Mỹ Hòa")]),
        "Cán bộ": tab(
            ["Mã cán bộ", "Họ và tên", "Chức vụ", "Điện thoại", "Email", "Vai trò"], people
        ),  # fmt: skip
        "Tổ": tab(
            ["Mã tổ", "Tên tổ", "Mã ấp", "Số hộ", "Xếp loại"],
            [
                group("T1", "A1", 30, name="Tổ 1"),
                group("T2", "A1", 30, name="Tổ 2"),
                group("T3", "A2", 30, name="Tổ 3"),
                group("T4", "A2", 30, name="Tổ 4"),
            ],
        ),  # fmt: skip
        "Phân công": tab(
            ["Mã cán bộ", "Mã tổ", "Từ ngày", "Đến ngày"],
            [
                assign("CB02", "T1", "1/1/2016"),
                assign("CB03", "T2", "1/1/2016"),
                assign("CB02", "T3", "1/1/2016"),
                assign("CB04", "T4", "1/1/2016"),
            ],
        ),  # fmt: skip
        "Sinh hoạt": tab(
            [
                "Tháng",
                "Mã tổ",
                "Mã cán bộ",
                "Ngày họp",
                "Số hộ dự",
                "Cán bộ dự",
                "Thời điểm nhập",
                "Mã phiếu",
            ],  # fmt: skip
            [meeting(DUE_TEXT, "T4", "CB04", "", at=f"02/{DUE_TEXT} 08:00")],
        ),
    }
    if reminders:
        raw["Nhắc nhở"] = [["SỔ NHẮC BÁO CÁO"], HEADERS]
    return raw


@pytest.fixture
def workbook(monkeypatch, tmp_path):
    st.cache_resource.clear()
    path = use_workbook(monkeypatch, commune(), tmp_path)
    monkeypatch.setenv("TOTHU_PUBLIC_URL", "https://tothu.example.vn")
    monkeypatch.setenv("TOTHU_ISSUING_BODY", "Đảng ủy xã Mỹ Thạnh")
    yield path
    st.cache_resource.clear()


def components(at) -> dict[str, object]:
    """The reminder buttons on the page, by their key's end (`A1_CB02`, `group`)."""
    found = {}
    for element in at.get("bidi_component"):
        found[element.proto.id.rsplit("followup_", 1)[-1]] = element
    return found


def links(element) -> dict[str, str | None]:
    return {link["channel"]: link["href"] for link in json.loads(element.proto.json)["links"]}


def tap(at, element, channel: str):
    """What Chromium sends when a button of the component is tapped: its trigger."""
    states = at._tree.get_widget_states()
    trigger = WidgetState()
    trigger.id = _make_trigger_id(element.proto.id, "events")
    trigger.json_trigger_value = json.dumps([{"event": "tap", "value": channel}])
    states.widgets.append(trigger)
    at._run(states)
    assert not at.exception, [e.value for e in at.exception]
    return at


def reminder_rows(path) -> list[list]:
    sheet = openpyxl.load_workbook(path)["Nhắc nhở"]
    return [list(r) for r in sheet.iter_rows(min_row=3, values_only=True) if any(r)]


def texts(at, kind) -> list[str]:
    return [e.value for e in getattr(at, kind)]


def test_leadership_sees_who_is_missing_per_hamlet_with_links_and_messages(workbook):
    at = app(cadre="CB01", page=PAGE)
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Nhắc báo cáo"
    assert at.selectbox(key="followup_month").value == DUE_TEXT
    assert [s.value for s in at.subheader][:2] == ["Ấp Mỹ An · 2 cán bộ", "Ấp Mỹ Hòa · 1 cán bộ"]
    markdown = " ".join(texts(at, "markdown"))
    assert "**2 cán bộ** chưa nộp đủ, còn thiếu **3**" in markdown
    assert "Phạm Cường" not in markdown, "Cường reported his group"
    assert "Chưa báo cáo: Tổ 1 (1/1 tổ ở ấp này)" in markdown
    assert "📞 0912 345 678" in markdown and "📞 0383 456 789" in markdown
    captions = " ".join(texts(at, "caption"))
    assert "Cả thảy 2 tổ: Tổ 1 \\(Ấp Mỹ An\\)\\; Tổ 3 \\(Ấp Mỹ Hòa\\)" in captions
    assert "Số cũ 0168 345 6789 đã đổi thành 0383 456 789 từ năm 2018" in captions
    buttons = components(at)
    assert set(buttons) == {"A1_CB02", "A1_CB03", "A2_CB02", "group"}
    an = links(buttons["A1_CB02"])
    assert an["call"] == "tel:+84912345678" and an["zalo"] == "https://zalo.me/0912345678"
    assert an["sms"].startswith("sms:+84912345678?body=K%C3%ADnh%20g%E1%BB%ADi")
    assert an["copy"] is None
    message = json.loads(buttons["A1_CB02"].proto.json)["text"]
    assert message.startswith("Kính gửi đồng chí Nguyễn Văn An:")
    groups = "Tổ 1 (Ấp Mỹ An); Tổ 3 (Ấp Mỹ Hòa)"
    assert f"tháng {DUE_TEXT} của 2 tổ chưa có báo cáo: {groups}" in message
    assert "Gửi báo cáo tại: https://tothu.example.vn/entry_form" in message
    codes = [c.value for c in at.code]
    assert message in codes
    group_text = next(c for c in codes if c.startswith("Đảng ủy"))
    assert "1. Đồng chí Nguyễn Văn An: Tổ 1 (Ấp Mỹ An); Tổ 3 (Ấp Mỹ Hòa)" in group_text
    assert "2. Đồng chí Lê Văn Bình: Tổ 2 (Ấp Mỹ An)" in group_text
    assert "chưa có trang" not in captions, "the sheet has a Nhắc nhở tab"


def test_a_tap_is_recorded_once_and_shown_beside_the_cadre(workbook):
    at = app(cadre="CB01", page=PAGE)
    assert "Chưa nhắc lần nào về tháng này." in texts(at, "caption")
    tap(at, components(at)["A1_CB03"], "call")
    assert "Lê Văn Bình: Đã ghi lần nhắc vào trang «Nhắc nhở» của bảng tính." in " ".join(
        texts(at, "success")
    ).replace("\\", "")
    rows = reminder_rows(workbook)
    assert len(rows) == 1
    assert rows[0][1:7] == [DUE_TEXT, "CB03", "Gọi điện", "T2", "Trần Thị Lan", "CB01"]
    assert rows[0][8] == f"N-{DUE:%Y%m}-CB03-call-CB01-{office_now():%Y%m%d}"
    shown = [c for c in texts(at, "caption") if c.startswith("Đã nhắc")]
    assert len(shown) == 1 and "Gọi điện · Trần Thị Lan" in shown[0]
    # The same tap again (a double tap, a reload): nothing more is written.
    tap(at, components(at)["A1_CB03"], "call")
    assert "từ trước" in " ".join(texts(at, "success"))
    tap(at, components(at)["A1_CB03"], "sms")
    assert [r[3] for r in reminder_rows(workbook)] == ["Gọi điện", "Tin nhắn SMS"]
    # A channel the page does not offer is ignored, whatever a browser sends.
    tap(at, components(at)["A1_CB03"], "email")
    assert len(reminder_rows(workbook)) == 2


def test_the_group_message_records_every_cadre_listed(workbook):
    at = app(cadre="CB01", page=PAGE)
    tap(at, components(at)["group"], "group")
    rows = reminder_rows(workbook)
    assert sorted(r[2] for r in rows) == ["CB02", "CB03"]
    assert {r[3] for r in rows} == {"Tin nhắn nhóm Zalo"}
    # An is listed under both hamlets: the reminder shows beside both cards.
    assert sum("Tin nhắn nhóm Zalo" in c for c in texts(at, "caption")) == 3


def test_without_smtp_the_page_says_how_and_shows_the_dry_run(workbook):
    at = app(cadre="CB01", page=PAGE)
    info = " ".join(texts(at, "info")).replace("\\", "")
    assert "Chưa cấu hình máy chủ gửi thư" in info and "[smtp]" in info
    assert not any(b.key == "followup_send_mail" for b in at.button)
    expander = next(e for e in at.expander if e.label.startswith("Xem trước"))
    assert expander.label == "Xem trước 1 thư (chưa gửi gì)"
    assert "Không có địa chỉ email trong trang Cán bộ: Lê Văn Bình" in " ".join(
        texts(at, "caption")
    )


def test_without_a_public_address_no_link_is_made_up(workbook, monkeypatch):
    monkeypatch.delenv("TOTHU_PUBLIC_URL")
    at = app(cadre="CB01", page=PAGE)
    assert "Chưa khai báo địa chỉ của ứng dụng" in " ".join(texts(at, "warning"))
    message = json.loads(components(at)["A1_CB02"].proto.json)["text"]
    assert "http" not in message and "trang «Nhập báo cáo tháng»" in message


def test_another_month_and_a_month_with_nothing_missing(workbook):
    at = app(cadre="CB01", page=PAGE)
    before = (DUE - 1).strftime("%m/%Y")
    at.selectbox(key="followup_month").select(before).run()
    assert not at.exception
    assert "**3 cán bộ** chưa nộp đủ" in " ".join(texts(at, "markdown"))
    at = app(cadre="CB01", page=PAGE, query={"canbo": "CB04"})
    assert "đã có đủ báo cáo" in " ".join(texts(at, "success"))


def test_without_a_reminders_tab_they_are_kept_on_the_server(monkeypatch, tmp_path):
    st.cache_resource.clear()
    path = use_workbook(monkeypatch, commune(reminders=False), tmp_path)
    at = app(cadre="CB01", page=PAGE)
    assert "chưa có trang «Nhắc nhở»" in " ".join(texts(at, "caption"))
    before = path.read_bytes()
    tap(at, components(at)["A1_CB02"], "zalo")
    assert path.read_bytes() == before
    assert any("Zalo" in c and "lưu trên máy chủ" in c for c in texts(at, "caption"))
    st.cache_resource.clear()


def test_cadres_cannot_open_it_and_see_their_own_dues_and_reminders(workbook):
    leader = app(cadre="CB01", page=PAGE)
    tap(leader, components(leader)["A1_CB02"], "call")
    tap(leader, components(leader)["A1_CB03"], "call")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        app(cadre="CB02", page=PAGE)  # not given to st.navigation: not even by its URL
    overview = app(cadre="CB02")
    warning = " ".join(texts(overview, "warning")).replace("\\", "")
    assert "Báo cáo đồng chí cần nộp" in warning
    assert f"Tháng {DUE_TEXT}: 2/2 tổ chưa báo cáo (Tổ 1 (Ấp Mỹ An); Tổ 3 (Ấp Mỹ Hòa))" in warning
    assert "hạn nộp hết ngày" in warning
    history = app(cadre="CB02", page="pages/my_history.py")
    assert "Các lần được nhắc" in [s.value for s in history.subheader]
    table = history.dataframe[-1].value
    assert table[["Tháng", "Cách nhắc", "Người nhắc", "Các tổ"]].values.tolist() == [
        [DUE_TEXT, "Gọi điện", "Trần Thị Lan", "T1, T3"]
    ]
    everything = json.dumps([str(e.value) for e in [*history.markdown, *history.caption]])
    assert "0383" not in everything and "01683456789" not in everything, "no one else's phone"


def test_the_form_says_when_the_month_is_due(workbook):
    at = app(cadre="CB03", page="pages/entry_form.py")
    assert not at.exception
    state = followup.deadline_state(DUE, now=office_now())
    expected = escape_markdown(f"Hạn nộp tháng {DUE_TEXT}: {state.distance_text}.")
    assert expected in texts(at, "caption")


@pytest.mark.parametrize("role_page", ["pages/overview.py", "pages/entry_form.py"])
def test_a_leader_without_groups_is_told_nothing_due(workbook, role_page):
    at = app(cadre="CB01", page=role_page)
    assert not at.exception
    assert "Báo cáo đồng chí cần nộp" not in " ".join(texts(at, "warning"))


def test_the_month_list_never_offers_a_month_to_come(workbook):
    at = app(cadre="CB01", page=PAGE)
    options = at.selectbox(key="followup_month").options
    assert options[0] == DUE_TEXT
    assert all(pd.Period(f"{o[3:]}-{o[:2]}", freq="M") <= DUE for o in options)


def test_sheet_text_is_shown_as_text_on_the_page(monkeypatch, tmp_path):
    """Markdown and HTML typed into names, positions, groups and hamlets show as typed."""
    from tests.pages.test_page_sheet_text import escaped_payload_shown, problems
    from tests.payloads import PAYLOAD

    raw = commune()
    for tab_name, columns in (("Cán bộ", (1, 2)), ("Tổ", (1,)), ("Ấp", (1,))):
        for row in raw[tab_name][1:]:
            for column in columns:
                row[column] = f"{row[column]} {PAYLOAD}"
    st.cache_resource.clear()
    use_workbook(monkeypatch, raw, tmp_path)
    at = app(cadre="CB01", page=PAGE)
    assert not at.exception
    assert len(components(at)) == 4
    found, plain = problems(at)
    assert found == []
    assert escaped_payload_shown(at) and ("code", "codeText") in plain
    assert PAYLOAD in json.loads(components(at)["A1_CB02"].proto.json)["text"]
    st.cache_resource.clear()

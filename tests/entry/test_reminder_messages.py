"""The message a cadre receives and the links that carry it, per phone format and phone OS."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import unquote

import pandas as pd
import pytest

from tothu_core.entry import reminder_messages as texts
from tothu_core.figures.followup import deadline_state
from tothu_core.people.phones import normalize_phone

NOV = pd.Period("2026-11", freq="M")
COMMITTEE = "Đảng ủy xã Mỹ Thạnh"
URL = "https://tothu.example.vn/entry_form"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
)
ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36"
)


def card(phone="0912 345 678", *, email="lan@example.vn", missing=2) -> texts.Card:
    ids = ("T1", "T3")[:missing]
    return texts.Card(
        month=NOV,
        cadre_id="CB01",
        name="Trần Thị Lan",
        position="Phó Chủ tịch UBND xã",
        phone=normalize_phone(phone),
        email=email,
        group_ids=ids,
        group_labels=("Tổ 1 (Ấp Mỹ An)", "Tổ 3 (Ấp Mỹ Hòa)")[:missing],
        groups_text="Tổ 1 (Ấp Mỹ An); Tổ 3 (Ấp Mỹ Hòa)" if missing == 2 else "Tổ 1 (Ấp Mỹ An)",
        expected=3,
        missing=missing,
    )


def test_the_message_names_month_groups_deadline_and_the_form():
    state = deadline_state(NOV, now=datetime(2026, 12, 1, 9))
    text = texts.message(card(), state, committee=COMMITTEE, url=URL)
    assert text == (
        "Kính gửi đồng chí Trần Thị Lan: Đảng ủy xã Mỹ Thạnh nhắc đồng chí gửi báo cáo sinh "
        "hoạt tổ nhân dân tự quản tháng 11/2026 của 2 tổ chưa có báo cáo: Tổ 1 (Ấp Mỹ An); "
        "Tổ 3 (Ấp Mỹ Hòa). Hạn nộp: hết ngày 05/12/2026 (còn 4 ngày). Gửi báo cáo tại: "
        "https://tothu.example.vn/entry_form Xin cảm ơn đồng chí."
    )


def test_an_overdue_message_says_so_and_without_an_address_names_the_page():
    state = deadline_state(NOV, now=datetime(2026, 12, 9, 9))
    text = texts.message(card(missing=1), state, committee=COMMITTEE, url=None)
    assert "của 1 tổ chưa có báo cáo: Tổ 1 (Ấp Mỹ An)." in text
    assert "Hạn nộp là hết ngày 05/12/2026, đã quá hạn 4 ngày; đồng chí vui lòng gửi ngay." in text
    assert "trang «Nhập báo cáo tháng»" in text and "http" not in text


def test_without_an_issuing_body_set_no_sender_is_made_up():
    state = deadline_state(NOV, now=datetime(2026, 12, 1, 9))
    text = texts.message(card(), state, committee=" ", url=URL)
    assert text.startswith("Kính gửi đồng chí Trần Thị Lan: Xin nhắc đồng chí gửi báo cáo")
    group = texts.group_message([card()], state, committee="", url=URL)
    assert group.startswith("Xin nhắc các đồng chí chưa gửi đủ báo cáo")


def test_the_form_address_is_the_entry_form_page_of_the_public_address():
    assert texts.form_url("https://tothu.example.vn/") == URL
    assert texts.form_url("https://xa.example.vn/tothu") == "https://xa.example.vn/tothu/entry_form"
    assert texts.form_url(None) is None
    # st.Page names the page after its file: pages/entry_form.py is served at /entry_form.
    assert texts.FORM_PATH == "entry_form"


def test_one_group_message_for_the_zalo_group():
    state = deadline_state(NOV, now=datetime(2026, 12, 1, 9))
    other = texts.Card(**{**card().__dict__, "cadre_id": "CB02", "name": "Lê Văn Bình",
                          "groups_text": "Tổ 4 (Ấp Mỹ Hòa)", "missing": 1})  # fmt: skip
    text = texts.group_message([card(), other], state, committee=COMMITTEE, url=URL)
    assert text.splitlines() == [
        "Đảng ủy xã Mỹ Thạnh nhắc các đồng chí chưa gửi đủ báo cáo sinh hoạt tổ nhân dân tự "
        "quản tháng 11/2026 (hạn nộp hết ngày 05/12/2026, còn 4 ngày):",
        "1. Đồng chí Trần Thị Lan: Tổ 1 (Ấp Mỹ An); Tổ 3 (Ấp Mỹ Hòa)",
        "2. Đồng chí Lê Văn Bình: Tổ 4 (Ấp Mỹ Hòa)",
        "Gửi báo cáo tại: https://tothu.example.vn/entry_form Xin cảm ơn các đồng chí.",
    ]
    assert texts.group_message([], state, committee=COMMITTEE, url=URL) == ""


@pytest.mark.parametrize(
    "typed",
    ["0912345678", "0912 345 678", "+84 912.345.678", "84912345678", "912345678", "0912-345-678"],
)
def test_links_per_phone_format(typed):
    c = card(typed)
    body = "Kính gửi đồng chí: hạn 05/12 & gửi tại https://x.vn/a?b=1#c"
    assert texts.call_link(c.phone) == "tel:+84912345678"
    android = texts.sms_link(c.phone, body)
    iphone = texts.sms_link(c.phone, body, ios=True)
    assert android.startswith("sms:+84912345678?body=")
    assert iphone.startswith("sms:+84912345678&body=")
    encoded = android.split("body=", 1)[1]
    # Every reserved character of the text is encoded, so `&`, `?`, `#` stay in the body.
    assert not set("&?#/: ") & set(encoded)
    assert unquote(encoded) == body
    assert texts.zalo_link(c.phone) == "https://zalo.me/0912345678"


def test_an_old_eleven_digit_number_links_to_its_new_number():
    c = card("0168 345 6789")
    assert texts.call_link(c.phone) == "tel:+84383456789"
    assert texts.zalo_link(c.phone) == "https://zalo.me/0383456789"


def test_a_landline_is_called_only_and_a_missing_number_offers_nothing():
    landline = card("0275 3812 345")
    assert texts.call_link(landline.phone) == "tel:+842753812345"
    assert texts.sms_link(landline.phone, "x") is None and texts.zalo_link(landline.phone) is None
    none = card("")
    assert texts.call_link(none.phone) is None and texts.sms_link(none.phone, "x") is None
    foreign = card("+1 650 253 0000")
    assert texts.zalo_link(foreign.phone) is None


def test_the_phone_s_system_chooses_the_sms_form():
    assert texts.is_ios(IPHONE) and texts.is_ios(IPHONE.replace("iPhone", "iPad"))
    assert not texts.is_ios(ANDROID) and not texts.is_ios(None) and not texts.is_ios("")


def test_a_mail_link_carries_subject_and_body():
    c = card()
    link = texts.mail_link(c, "Nội dung & hạn")
    assert link.startswith("mailto:lan@example.vn?subject=")
    subject, body = link.split("?subject=", 1)[1].split("&body=")
    assert unquote(subject) == "Nhắc gửi báo cáo sinh hoạt tổ tháng 11/2026"
    assert unquote(body) == "Nội dung & hạn"
    assert texts.mail_link(card(email=None), "x") is None

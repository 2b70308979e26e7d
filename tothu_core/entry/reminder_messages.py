"""What a reminder says and the one-tap links that carry it: call, SMS, Zalo, e-mail, copy.

The message addresses the cadre as «đồng chí», names the month, the groups still missing, the
deadline and how far it is, and where to send the report: the entry form's address when the
app's public address is configured (`settings.load_public_url`), else the page's name — never a
link that might be wrong.

Links (every part percent-encoded as UTF-8):
- **call**: `tel:+84912345678` (RFC 3966, a global number);
- **SMS**: RFC 5724 writes the body as a query, `sms:+84912345678?body=…`, which Android's
  messaging apps read. iOS (since iOS 8) reads the body only after `&`: `sms:+84…&body=…`
  (the `?` form opens an empty message there). The page knows the phone from its User-Agent,
  so an iPhone/iPad gets the `&` form and everything else the RFC's;
- **Zalo**: `https://zalo.me/0912345678`, the number as Vietnamese write it (Zalo's own
  profile links): it opens the chat in the Zalo app, or Zalo's page to get it;
- **e-mail**: `mailto:` with subject and body (RFC 6068), for a desktop without SMTP set up.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote

import pandas as pd

from tothu_core.figures.followup import DeadlineState
from tothu_core.people.phones import Phone, normalize_phone
from tothu_core.sheet import contract

#: the entry form's path under the app's address (st.Page infers it from pages/entry_form.py)
FORM_PATH = "entry_form"
FORM_PAGE = "Nhập báo cáo tháng"
APP_NAME = "Tổ tự quản"
_IOS = re.compile(r"\b(iPhone|iPad|iPod)\b")


@dataclass(frozen=True)
class Card:
    """One cadre to remind about one month, as the page shows them and the message names."""

    month: pd.Period
    cadre_id: str
    name: str
    position: str
    phone: Phone
    email: str | None
    group_ids: tuple[str, ...]
    group_labels: tuple[str, ...]
    groups_text: str
    expected: int
    missing: int

    @property
    def month_text(self) -> str:
        return self.month.strftime(contract.MONTH_FORMAT)


def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def cards(missing: pd.DataFrame) -> list[Card]:
    """`followup.missing_by_cadre` rows as cards (phone numbers normalised)."""
    return [
        Card(
            month=row.month,
            cadre_id=row.cadre_id,
            name=_text(row.name) or row.cadre_id,
            position=_text(row.position),
            phone=normalize_phone(row.phone if isinstance(row.phone, str) else None),
            email=_text(row.email) or None,
            group_ids=tuple(row.group_ids),
            group_labels=tuple(row.group_labels),
            groups_text=row.groups_text,
            expected=int(row.expected),
            missing=int(row.missing),
        )
        for row in missing.itertuples(index=False)
    ]


def form_url(public_url: str | None) -> str | None:
    return f"{public_url.rstrip('/')}/{FORM_PATH}" if public_url else None


def _where_to_send(url: str | None) -> str:
    if url:
        return f"Gửi báo cáo tại: {url}"
    return f"Gửi báo cáo trên ứng dụng {APP_NAME}, trang «{FORM_PAGE}»."


def _deadline_sentence(state: DeadlineState) -> str:
    if state.overdue:
        return (
            f"Hạn nộp là hết ngày {state.deadline_text}, {state.distance_text}; đồng chí vui "
            "lòng gửi ngay."
        )
    return f"Hạn nộp: hết ngày {state.deadline_text} ({state.distance_text})."


def _who(committee: str) -> str:
    """'Đảng ủy xã Mỹ Thạnh nhắc', or 'Xin nhắc' while the issuing body is not set yet."""
    committee = (committee or "").strip()
    return f"{committee} nhắc" if committee else "Xin nhắc"


def message(card: Card, state: DeadlineState, *, committee: str, url: str | None) -> str:
    """The reminder one cadre receives by SMS, Zalo or e-mail (plain text); `committee` is the
    issuing body of the settings (blank: no sender is named rather than a made-up one)."""
    groups = card.groups_text
    count = "1 tổ" if card.missing == 1 else f"{card.missing} tổ"
    return (
        f"Kính gửi đồng chí {card.name}: {_who(committee)} đồng chí gửi báo cáo sinh hoạt tổ "
        f"nhân dân tự quản tháng {card.month_text} của {count} chưa có báo cáo: {groups}. "
        f"{_deadline_sentence(state)} {_where_to_send(url)} Xin cảm ơn đồng chí."
    )


def group_message(
    all_cards: Sequence[Card], state: DeadlineState, *, committee: str, url: str | None
) -> str:
    """One text for the commune's Zalo group: every cadre still owing a report, numbered."""
    if not all_cards:
        return ""
    month = all_cards[0].month_text
    lines = [
        f"{_who(committee)} các đồng chí chưa gửi đủ báo cáo sinh hoạt tổ nhân dân tự quản "
        f"tháng {month} (hạn nộp hết ngày {state.deadline_text}, {state.distance_text}):"
    ]
    lines += [f"{n}. Đồng chí {c.name}: {c.groups_text}" for n, c in enumerate(all_cards, 1)]
    lines.append(f"{_where_to_send(url)} Xin cảm ơn các đồng chí.")
    return "\n".join(lines)


def subject(card: Card) -> str:
    return f"Nhắc gửi báo cáo sinh hoạt tổ tháng {card.month_text}"


def is_ios(user_agent: str | None) -> bool:
    """iPhone, iPad (before iPadOS 13 asked for the desktop site) and iPod browsers."""
    return bool(_IOS.search(user_agent or ""))


def _component(text: str) -> str:
    return quote(text, safe="")


def call_link(phone: Phone) -> str | None:
    return f"tel:{phone.e164}" if phone.ok else None


def sms_link(phone: Phone, text: str, *, ios: bool = False) -> str | None:
    """RFC 5724 `sms:<number>?body=…`; iOS's own `sms:<number>&body=…` for an iPhone."""
    if not (phone.ok and phone.is_mobile):
        return None
    separator = "&" if ios else "?"
    return f"sms:{phone.e164}{separator}body={_component(text)}"


def zalo_link(phone: Phone) -> str | None:
    if not (phone.ok and phone.is_mobile) or not phone.e164.startswith("+84"):
        return None
    return f"https://zalo.me/{phone.digits}"


def mail_link(card: Card, text: str) -> str | None:
    if not card.email:
        return None
    return (
        f"mailto:{quote(card.email, safe='@')}?subject={_component(subject(card))}"
        f"&body={_component(text)}"
    )

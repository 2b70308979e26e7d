"""Nhắc báo cáo: the cadres whose reports are missing, per hamlet, with a prepared message and
one-tap call, SMS, Zalo and copy; the group message for the commune's Zalo group; e-mail.

Every tap is recorded (`tothu_core.entry.reminders`) and shown beside the cadre. Leadership and
admins only (`people.access`): this page shows everyone's phone numbers.
"""

from __future__ import annotations

from functools import partial

import pandas as pd
import streamlit as st

from pages import _reminder_actions as buttons
from pages._shared import context, secrets
from tothu_core.clock import office_now
from tothu_core.entry import reminder_mail
from tothu_core.entry import reminder_messages as texts
from tothu_core.entry.reminders import (
    CALL,
    COPY,
    GROUP,
    SMS,
    ZALO,
    Reminder,
    ReminderBook,
    reminders_by_cadre,
)
from tothu_core.figures import followup
from tothu_core.figures.figures import as_month
from tothu_core.settings import load_public_url, load_smtp
from tothu_core.sheet import contract
from tothu_core.textnorm import escape_markdown

KEY_MONTH = "followup_month"
KEY_OUTCOME = "followup_outcome"
KEY_SEND = "followup_send_mail"
KEY_MAIL_OUTCOME = "followup_mail_outcome"
CARD_CHANNELS = (CALL, SMS, ZALO, COPY)
# Reminders shown under a cadre; the rest are in «Báo cáo của tôi» of that cadre.
LINES_SHOWN = 3


# Months offered before the month due: three years of follow-up are plenty.
MONTHS_BACK = 36


def _month_options(ds, due: pd.Period) -> list[str]:
    """The month due and every month before it since the first assignment or entry."""
    starts = [due - MONTHS_BACK + 1]
    known = [*ds.months()[:1]]
    if len(ds.assignments):
        known.append(ds.assignments["start"].min().to_period("M"))
    first = max(min([*known, due]), starts[0])
    return [m.strftime(contract.MONTH_FORMAT) for m in pd.period_range(first, due, freq="M")[::-1]]


def _choose_month(ds, due: pd.Period) -> pd.Period:
    options = _month_options(ds, due)
    if st.session_state.get(KEY_MONTH) not in options:
        st.session_state[KEY_MONTH] = due.strftime(contract.MONTH_FORMAT)
    picked = st.selectbox(
        "Tháng cần nhắc",
        options,
        key=KEY_MONTH,
        filter_mode=None,
        help="Mặc định là tháng vừa qua, tháng đang nhận báo cáo.",
    )
    return as_month(picked)


def _on_tap(ctx, book: ReminderBook, card: texts.Card, key: str) -> None:
    """A tap on one of a cadre's buttons (runs before the next run): record it."""
    channel = buttons.tapped(key)
    if channel not in CARD_CHANNELS:
        return
    _record(ctx, book, [card], channel)


def _on_group_tap(ctx, book: ReminderBook, all_cards: list, key: str) -> None:
    if buttons.tapped(key) != GROUP:
        return
    _record(ctx, book, all_cards, GROUP)


def _record(ctx, book: ReminderBook, chosen: list, channel: str) -> None:
    now = office_now()
    reminders = [
        Reminder(
            month=card.month,
            cadre_id=card.cadre_id,
            channel=channel,
            at=now,
            groups=card.group_ids,
            by_id=ctx.viewer.cadre_id,
            by_name=ctx.viewer.name,
        )
        for card in chosen
    ]
    result = book.record(reminders, ds=ctx.store.get().snapshot.dataset)
    kind = "success" if result.kept in ("sheet", "local") else "warning"
    who = chosen[0].name if len(chosen) == 1 else f"{len(chosen)} cán bộ"
    st.session_state[KEY_OUTCOME] = (kind, f"{who}: {result.message}")


def _card_links(card: texts.Card, message: str, *, ios: bool) -> list[dict]:
    phone = card.phone
    found = [
        (CALL, "📞 Gọi", texts.call_link(phone), True),
        (SMS, "💬 SMS", texts.sms_link(phone, message, ios=ios), False),
        (ZALO, "Zalo", texts.zalo_link(phone), False),
    ]
    links = [buttons.link(c, label, href, primary=p) for c, label, href, p in found if href]
    links.append(buttons.link(COPY, "📋 Chép tin nhắn"))
    return links


def _cadre_card(ctx, book, card, row, message, lines, *, ios: bool) -> None:
    key = f"followup_{row.hamlet_id}_{card.cadre_id}"
    with st.container(border=True, key=f"{key}_card"):
        position = f" · {escape_markdown(card.position)}" if card.position else ""
        st.markdown(f"**{escape_markdown(card.name)}**{position}")
        here = ", ".join(row.group_labels)
        st.markdown(
            f"Chưa báo cáo: {escape_markdown(here)} ({row.missing}/{row.expected} tổ ở ấp này)"
        )
        if card.missing > row.missing:
            st.caption(f"Cả thảy {card.missing} tổ: {escape_markdown(card.groups_text)}")
        if card.phone.ok:
            st.markdown(f"📞 {escape_markdown(card.phone.national)}")
        if card.phone.note:
            st.caption(escape_markdown(card.phone.note))
        buttons.actions(
            key=key,
            links=_card_links(card, message, ios=ios),
            text=message,
            on_tap=partial(_on_tap, ctx, book, card, key),
        )
        if lines:
            shown = "  \n".join(escape_markdown(line) for line in lines[:LINES_SHOWN])
            extra = len(lines) - LINES_SHOWN
            more = f"  \n… và {extra} lần khác" if extra > 0 else ""
            st.caption(f"Đã nhắc {len(lines)} lần:  \n{shown}{more}")
        else:
            st.caption("Chưa nhắc lần nào về tháng này.")
        with st.expander("Tin nhắn"):
            st.code(message, language=None, wrap_lines=True)


def _group(ctx, book, all_cards, state, *, committee, url) -> None:
    st.subheader("Nhắn cả nhóm Zalo của xã")
    text = texts.group_message(all_cards, state, committee=committee, url=url)
    st.caption("Một tin cho cả nhóm: chép rồi dán vào nhóm Zalo; mỗi người trong danh sách được "
               "ghi là đã nhắc qua nhóm.")  # fmt: skip
    st.code(text, language=None, wrap_lines=True)
    key = "followup_group"
    buttons.actions(
        key=key,
        links=[buttons.link(GROUP, f"📋 Chép tin nhắn cho {len(all_cards)} cán bộ", primary=True)],
        text=text,
        on_tap=partial(_on_group_tap, ctx, book, all_cards, key),
    )


def _mail(ctx, book, all_cards, state, listing, *, committee, url) -> None:
    st.subheader("Gửi thư điện tử")
    smtp, problem = load_smtp(secrets())
    plan = reminder_mail.plan_mails(
        all_cards,
        state,
        committee=committee,
        url=url,
        at=office_now(),
        by_id=ctx.viewer.cadre_id,
        by_name=ctx.viewer.name,
        recorded_ids=listing["reminder_id"].dropna(),
    )
    outcome = st.session_state.pop(KEY_MAIL_OUTCOME, None)
    if outcome:
        (st.success if outcome[0] else st.warning)(escape_markdown(outcome[1]))
    if problem:
        st.info(escape_markdown(problem), icon=":material/mail:")
    if plan.without_address:
        names = ", ".join(c.name for c in plan.without_address)
        st.caption(f"Không có địa chỉ email trong trang Cán bộ: {escape_markdown(names)}.")
    if not plan.mails:
        st.caption("Không có cán bộ nào để gửi thư.")
        return
    todo = plan.to_send
    with st.expander(f"Xem trước {len(plan.mails)} thư (chưa gửi gì)"):
        for mail in plan.mails:
            done = " — đã gửi hôm nay, không gửi lại" if mail.already_sent else ""
            st.markdown(
                f"**Tới:** {escape_markdown(mail.card.name)} <{escape_markdown(mail.to)}>{done}  \n"
                f"**Tiêu đề:** {escape_markdown(mail.subject)}"
            )
            st.code(mail.body, language=None, wrap_lines=True)
    if smtp is None:
        return
    if not todo:
        st.caption("Mọi thư đã được gửi hôm nay.")
        return
    if st.button(f"Gửi {len(todo)} thư nhắc", key=KEY_SEND, icon=":material/send:"):
        with st.spinner("Đang gửi thư…"):
            outcomes = reminder_mail.send_mails(
                plan, smtp, book=book, ds=ctx.store.get().snapshot.dataset
            )
        sent = [o for o in outcomes if o.sent]
        failed = [o for o in outcomes if not o.sent]
        text = f"Đã gửi {len(sent)} thư nhắc."
        if failed:
            text += " Chưa gửi được " + "; ".join(f"{o.mail.card.name}: {o.error}" for o in failed)
        st.session_state[KEY_MAIL_OUTCOME] = (not failed, text)
        st.rerun()


def main() -> None:
    ctx = context()
    ds, f, settings = ctx.ds, ctx.filters, ctx.settings
    now = office_now()
    book = ReminderBook.for_settings(ctx.store, settings)
    st.title("Nhắc báo cáo")
    outcome = st.session_state.pop(KEY_OUTCOME, None)
    if outcome is not None:
        (st.success if outcome[0] == "success" else st.warning)(escape_markdown(outcome[1]))
    if book.pending_count():
        report = book.retry_pending()
        if report.still_pending:
            st.warning(
                f"{report.still_pending} lần nhắc đã lưu trên máy chủ, chưa ghi được vào bảng "
                f"tính; chương trình sẽ tự ghi lại. {escape_markdown(report.error or '')}"
            )
    due = followup.month_due(now)
    month = _choose_month(ds, due)
    state = followup.deadline_state(month, now=now, deadline_day=settings.deadline_day)
    scope = [f"Tháng {month.strftime(contract.MONTH_FORMAT)}",
             f"hạn nộp hết ngày {state.deadline_text} ({state.distance_text})"]  # fmt: skip
    if f.hamlet:
        names = ds.hamlets.set_index("hamlet_id")["hamlet_name"]
        scope.append(escape_markdown(names.get(f.hamlet, f.hamlet)))
    if f.cadre:
        names = ds.cadres.set_index("cadre_id")["name"]
        scope.append(f"cán bộ {escape_markdown(names.get(f.cadre, f.cadre))}")
    st.caption(" · ".join(scope))

    day = settings.deadline_day
    missing = ctx.snapshot.memo(
        ("followup_by_cadre", month, f.hamlet, f.cadre, day),
        lambda: followup.missing_by_cadre(
            ds, month, hamlet=f.hamlet, cadre=f.cadre, deadline_day=day
        ),  # fmt: skip
    )
    if missing.empty:
        st.success(
            "Mọi cán bộ trong phạm vi đang xem đã có đủ báo cáo tháng "
            f"{month.strftime(contract.MONTH_FORMAT)}."
        )
        return
    per_hamlet = ctx.snapshot.memo(
        ("followup_by_hamlet", month, f.hamlet, f.cadre, day),
        lambda: followup.missing_by_hamlet(
            ds, month, hamlet=f.hamlet, cadre=f.cadre, deadline_day=day
        ),  # fmt: skip
    )
    public = load_public_url(secrets=secrets())
    url = texts.form_url(public.url)
    committee = settings.issuing_body
    all_cards = texts.cards(missing)
    by_id = {card.cadre_id: card for card in all_cards}
    listing = book.listing(ds, month=month)
    lines = reminders_by_cadre(listing)
    ios = texts.is_ios(st.context.headers.get("User-Agent"))

    st.markdown(
        f"**{len(all_cards)} cán bộ** chưa nộp đủ, còn thiếu **{int(missing['missing'].sum())}** "
        "báo cáo. Bấm gọi, SMS hay Zalo là điện thoại mở sẵn số và tin nhắn; mỗi lần bấm được "
        "ghi lại là đã nhắc."
    )
    if public.problem:
        st.warning(
            f"{escape_markdown(public.problem)} Tin nhắn tạm ghi tên trang «{texts.FORM_PAGE}».",
            icon=":material/link_off:",
        )
    where = book.where(ds)
    if where:
        st.caption(escape_markdown(where))

    for hamlet_id, rows in per_hamlet.groupby("hamlet_id", sort=False):
        name = rows["hamlet_name"].iloc[0]
        title = name if isinstance(name, str) else hamlet_id
        st.subheader(f"{escape_markdown(title)} · {len(rows)} cán bộ")
        for row in rows.itertuples(index=False):
            card = by_id[row.cadre_id]
            message = texts.message(card, state, committee=committee, url=url)
            _cadre_card(ctx, book, card, row, message, lines.get(card.cadre_id, []), ios=ios)

    _group(ctx, book, all_cards, state, committee=committee, url=url)
    _mail(ctx, book, all_cards, state, listing, committee=committee, url=url)


main()

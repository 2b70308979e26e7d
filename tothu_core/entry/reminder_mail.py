"""E-mail reminders: what would be sent (a dry run), and sending it through the office's SMTP.

Only cadres with an address in the `Email` column of `Cán bộ` get a mail; the others are listed
so someone calls them. A cadre already reminded by e-mail today by the same sender (the same
`Mã nhắc`, see `reminders`) is not mailed again: a scheduled job run twice, or a second press,
sends nothing twice. Each mail is recorded as a reminder right after the server accepted it.

The connection is `smtplib` as the office's provider documents it: STARTTLS on port 587, or
implicit TLS on 465, certificates checked against the system's trust store; `none` is for a
relay on the same machine. Nothing is sent in a dry run, and no connection is opened.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from tothu_core.entry.reminder_messages import Card, message, subject
from tothu_core.entry.reminders import EMAIL, Reminder, ReminderBook
from tothu_core.figures.followup import DeadlineState
from tothu_core.settings import SmtpSettings
from tothu_core.sheet.dataset import Dataset


@dataclass(frozen=True)
class PlannedMail:
    card: Card
    to: str
    subject: str
    body: str
    reminder: Reminder
    #: already recorded today: not sent again
    already_sent: bool = False


@dataclass(frozen=True)
class MailPlan:
    mails: list[PlannedMail]
    #: cadres to remind who have no e-mail address in the sheet
    without_address: list[Card]

    @property
    def to_send(self) -> list[PlannedMail]:
        return [m for m in self.mails if not m.already_sent]


@dataclass(frozen=True)
class MailOutcome:
    mail: PlannedMail
    sent: bool
    error: str | None = None
    recorded: str = ""


def plan_mails(
    cards: Sequence[Card],
    state: DeadlineState,
    *,
    committee: str,
    url: str | None,
    at: datetime,
    by_id: str,
    by_name: str,
    recorded_ids: Iterable[str] = (),
) -> MailPlan:
    """What an e-mail reminder would send to each cadre (nothing is sent here)."""
    recorded = set(recorded_ids)
    mails, without = [], []
    for card in cards:
        if not card.email or "@" not in card.email:
            without.append(card)
            continue
        reminder = Reminder(
            month=card.month,
            cadre_id=card.cadre_id,
            channel=EMAIL,
            at=at,
            groups=card.group_ids,
            by_id=by_id,
            by_name=by_name,
        )
        mails.append(
            PlannedMail(
                card=card,
                to=card.email,
                subject=subject(card),
                body=message(card, state, committee=committee, url=url),
                reminder=reminder,
                already_sent=reminder.reminder_id in recorded,
            )
        )
    return MailPlan(mails, without)


def _message(mail: PlannedMail, smtp: SmtpSettings) -> EmailMessage:
    email = EmailMessage()
    email["From"] = smtp.sender
    email["To"] = formataddr((mail.card.name, mail.to))
    email["Subject"] = mail.subject
    email["Message-ID"] = make_msgid(domain=smtp.sender.rpartition("@")[2].strip("<> ") or None)
    email.set_content(mail.body)
    return email


def _connect(smtp: SmtpSettings) -> smtplib.SMTP:
    context = ssl.create_default_context()
    if smtp.security == "ssl":
        client = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout, context=context)
    else:
        client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
        if smtp.security == "starttls":
            client.starttls(context=context)
    if smtp.user:
        client.login(smtp.user, smtp.password or "")
    return client


def _why(error: Exception, smtp: SmtpSettings) -> str:
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return (
            f"Máy chủ thư {smtp.host} từ chối tên đăng nhập hoặc mật khẩu ([smtp] user, "
            "password); với Gmail cần «mật khẩu ứng dụng»."
        )
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "Máy chủ thư không nhận địa chỉ người nhận này; hãy kiểm tra cột Email."
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return f"Máy chủ thư {smtp.host} không hỗ trợ cách kết nối đã chọn (starttls/ssl)."
    if isinstance(error, ssl.SSLError):
        return f"Không lập được kết nối an toàn (TLS) tới {smtp.host}:{smtp.port}: {error}."
    if isinstance(error, smtplib.SMTPException):
        return f"Máy chủ thư {smtp.host} từ chối: {error}."
    return f"Không kết nối được máy chủ thư {smtp.host}:{smtp.port} ({error})."


def send_mails(
    plan: MailPlan, smtp: SmtpSettings, *, book: ReminderBook, ds: Dataset
) -> list[MailOutcome]:
    """Send every mail not sent today over one connection, recording each one sent."""
    todo = plan.to_send
    if not todo:
        return []
    try:
        client = _connect(smtp)
    except (OSError, smtplib.SMTPException) as error:
        why = _why(error, smtp)
        return [MailOutcome(mail, False, why) for mail in todo]
    outcomes = []
    try:
        for mail in todo:
            try:
                client.send_message(_message(mail, smtp))
            except (OSError, smtplib.SMTPException) as error:
                outcomes.append(MailOutcome(mail, False, _why(error, smtp)))
                # smtplib's errors are OSErrors too: only a lost connection ends the run.
                lost = not isinstance(error, smtplib.SMTPException)
                if lost or isinstance(error, smtplib.SMTPServerDisconnected):
                    break
                continue
            result = book.record([mail.reminder], ds=ds)
            outcomes.append(MailOutcome(mail, True, recorded=result.message))
    finally:
        try:
            client.quit()
        except (OSError, smtplib.SMTPException):
            client.close()
    done = {id(o.mail) for o in outcomes}
    outcomes += [
        MailOutcome(m, False, "Chưa gửi: kết nối tới máy chủ thư bị ngắt.")
        for m in todo
        if id(m) not in done
    ]
    return outcomes

"""E-mail reminders against a real SMTP server on 127.0.0.1 (aiosmtpd), never the internet:
the dry run sends nothing, a send delivers UTF-8 mail once a day and records it, a wrong
password or an unreachable server is one sentence; and `python -m tothu_core remind`."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import socket
import ssl
import warnings
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.sheets import small_book
from tothu_core.cli import EXIT_OK, EXIT_PROBLEMS, main
from tothu_core.entry import reminder_messages as texts
from tothu_core.entry.reminder_mail import plan_mails, send_mails
from tothu_core.entry.reminders import EMAIL, HERE, ReminderBook
from tothu_core.figures import followup
from tothu_core.settings import SmtpSettings, load_public_url, load_smtp
from tothu_core.sheet.demo import write_workbook
from tothu_core.sheet.snapshot import SnapshotStore
from tothu_core.sheet.sources.workbook import WorkbookSource

SEP = followup.figures.as_month("09/2016")
NOW = dt.datetime(2016, 10, 3, 9, 15)
HEADERS = ["Thời điểm", "Tháng", "Mã cán bộ", "Cách nhắc", "Các tổ", "Người nhắc",
           "Mã người nhắc", "Ghi chú", "Mã nhắc"]  # fmt: skip


class Inbox:
    """aiosmtpd's handler: keeps every message the server accepted."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            (
                envelope.rcpt_tos,
                email.message_from_bytes(envelope.content, policy=email.policy.default),
            )
        )
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


@pytest.fixture
def auth_server():
    """Wants a login (over plain text here: aiosmtpd's auth_require_tls switched off)."""

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == b"vanphong"
            and (auth_data.password == b"dung-mat-khau")
        )
        # handled=False: aiosmtpd answers 535 itself (its default, True, answers nothing).
        return AuthResult(success=ok, handled=False)

    inbox = Inbox()
    warnings.filterwarnings("ignore", "Requiring AUTH while not requiring TLS")
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=_free_port(),
        authenticator=authenticator,
        auth_required=True,
        auth_require_tls=False,
    )
    controller.start()
    yield controller, inbox
    controller.stop()


def commune(tmp_path, *, reminders=True) -> Path:
    raw = small_book()
    raw["Cán bộ"] = [
        ["Mã cán bộ", "Họ và tên", "Điện thoại", "Email"],
        ["CB01", "Nguyễn Văn An", "0912 345 678", "an@mythanh.example"],
        ["CB02", "Trần Thị Bình", "0168 345 6789", ""],
    ]
    raw["Sinh hoạt"] = raw["Sinh hoạt"][:1]  # nobody reported September
    if reminders:
        raw["Nhắc nhở"] = [list(HEADERS)]
    return write_workbook(raw, tmp_path / "so-lieu.xlsx")


def plan_for(book, ds, *, at=NOW):
    state = followup.deadline_state(SEP, now=at)
    cards = texts.cards(followup.missing_by_cadre(ds, SEP))
    recorded = book.listing(ds, month=SEP)["reminder_id"].dropna()
    return plan_mails(cards, state, committee="Đảng ủy xã Mỹ Thạnh", url=None, at=at,
                      by_id="CB09", by_name="Lê Lãnh Đạo", recorded_ids=recorded)  # fmt: skip


def make_book(path, data):
    from tothu_core.entry.month_lock import MonthLocks
    from tothu_core.entry.outbox import Outbox
    from tothu_core.entry.submit import EntryWriter

    store = SnapshotStore(WorkbookSource(path), ttl_seconds=3600)
    writer = EntryWriter(store, outbox=Outbox.in_folder(data), locks=MonthLocks(data))
    return ReminderBook(store, writer=writer)


def plain(controller) -> SmtpSettings:
    return SmtpSettings(host="127.0.0.1", port=controller.port,
                        sender="Văn phòng <vp@mythanh.example>", security="none",
                        timeout=5)  # fmt: skip


def test_the_dry_run_lists_the_mails_and_who_has_no_address(smtp_server, tmp_path):
    _controller, inbox = smtp_server
    book = make_book(commune(tmp_path), tmp_path / "data")
    ds = book.store.get().snapshot.dataset
    plan = plan_for(book, ds)
    assert [m.to for m in plan.mails] == ["an@mythanh.example"]
    assert [c.cadre_id for c in plan.without_address] == ["CB02"]
    mail = plan.mails[0]
    assert mail.subject == "Nhắc gửi báo cáo sinh hoạt tổ tháng 09/2016"
    assert mail.body.startswith("Kính gửi đồng chí Nguyễn Văn An:")
    assert mail.reminder.channel == EMAIL and not mail.already_sent
    assert inbox.messages == [], "a plan sends nothing"


def test_a_send_delivers_once_a_day_and_records_each_mail(smtp_server, tmp_path):
    controller, inbox = smtp_server
    book = make_book(commune(tmp_path), tmp_path / "data")
    ds = book.store.get().snapshot.dataset
    outcomes = send_mails(plan_for(book, ds), plain(controller), book=book, ds=ds)
    assert [o.sent for o in outcomes] == [True]
    ((rcpt, message),) = inbox.messages
    assert rcpt == ["an@mythanh.example"]
    assert message["Subject"] == "Nhắc gửi báo cáo sinh hoạt tổ tháng 09/2016"
    assert message["To"] == "Nguyễn Văn An <an@mythanh.example>"
    assert "Hạn nộp là hết ngày 05/10/2016" not in message.get_content()
    assert message.get_content().startswith("Kính gửi đồng chí Nguyễn Văn An:")
    read = book.store.get().snapshot.dataset
    assert read.reminders["channel"].tolist() == ["Thư điện tử"]
    assert read.reminders["by_name"].tolist() == ["Lê Lãnh Đạo"]
    again = plan_for(book, read, at=NOW.replace(hour=16))
    assert again.mails[0].already_sent and again.to_send == []
    assert send_mails(again, plain(controller), book=book, ds=read) == []
    assert len(inbox.messages) == 1
    tomorrow = plan_for(book, read, at=NOW + dt.timedelta(days=1))
    assert len(tomorrow.to_send) == 1


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_a_login_is_used_and_a_wrong_password_is_one_sentence(auth_server, tmp_path):
    controller, inbox = auth_server
    book = make_book(commune(tmp_path, reminders=False), tmp_path / "data")
    ds = book.store.get().snapshot.dataset
    wrong = SmtpSettings(host="127.0.0.1", port=controller.port, sender="vp@mythanh.example",
                         user="vanphong", password="sai", security="none", timeout=5)  # fmt: skip
    outcomes = send_mails(plan_for(book, ds), wrong, book=book, ds=ds)
    assert not outcomes[0].sent and "từ chối tên đăng nhập hoặc mật khẩu" in outcomes[0].error
    assert inbox.messages == [] and book.listing(ds).empty, "nothing recorded when not sent"
    right = SmtpSettings(**{**wrong.__dict__, "password": "dung-mat-khau"})
    outcomes = send_mails(plan_for(book, ds), right, book=book, ds=ds)
    assert outcomes[0].sent and len(inbox.messages) == 1
    assert book.listing(ds)["kept"].tolist() == [HERE]  # no Nhắc nhở tab: kept on the server


def test_an_unreachable_server_fails_every_mail_with_a_sentence(tmp_path):
    book = make_book(commune(tmp_path), tmp_path / "data")
    ds = book.store.get().snapshot.dataset
    closed = SmtpSettings(host="127.0.0.1", port=_free_port(), sender="vp@x.vn", security="none",
                          timeout=2)  # fmt: skip
    outcomes = send_mails(plan_for(book, ds), closed, book=book, ds=ds)
    assert [o.sent for o in outcomes] == [False]
    assert f"Không kết nối được máy chủ thư 127.0.0.1:{closed.port}" in outcomes[0].error


def test_starttls_checks_the_server_s_certificate(tmp_path, monkeypatch):
    """STARTTLS against a certificate made here: trusted, the mail goes; not trusted, refused."""
    from tests.tls import self_signed

    cert, key = self_signed(tmp_path, "localhost")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port(),
                            tls_context=context, require_starttls=True)  # fmt: skip
    controller.start()
    try:
        book = make_book(commune(tmp_path), tmp_path / "data")
        ds = book.store.get().snapshot.dataset
        settings = SmtpSettings(host="localhost", port=controller.port, sender="vp@x.vn",
                                security="starttls", timeout=5)  # fmt: skip
        monkeypatch.delenv("SSL_CERT_FILE", raising=False)
        refused = send_mails(plan_for(book, ds), settings, book=book, ds=ds)
        assert not refused[0].sent and "TLS" in refused[0].error
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))
        sent = send_mails(plan_for(book, ds), settings, book=book, ds=ds)
        assert sent[0].sent and len(inbox.messages) == 1
    finally:
        controller.stop()


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ({"host": "smtp.x.vn", "from": "a@x.vn"}, ("smtp.x.vn", 587, "starttls")),
        ({"host": "smtp.x.vn", "from": "a@x.vn", "ssl": True}, ("smtp.x.vn", 465, "ssl")),
        ({"host": "h", "from": "a@x.vn", "starttls": False, "port": 25}, ("h", 25, "none")),
    ],
)
def test_smtp_settings_from_secrets(table, expected):
    smtp, problem = load_smtp({"smtp": table})
    assert problem is None and (smtp.host, smtp.port, smtp.security) == expected


@pytest.mark.parametrize(
    ("table", "says"),
    [
        (None, "Chưa cấu hình máy chủ gửi thư"),
        ({"host": "h"}, "thiếu from"),
        ({"from": "a@x.vn"}, "thiếu host"),
        ({"host": "h", "from": "a@x.vn", "ssl": True, "starttls": True}, "chọn một"),
        ({"host": "h", "from": "a@x.vn", "port": 70000}, "không phải một cổng"),
        ({"host": "h", "from": "a@x.vn", "user": "u"}, "thiếu password"),
    ],
)
def test_a_broken_smtp_table_is_named_never_guessed(table, says):
    smtp, problem = load_smtp({"smtp": table} if table is not None else {})
    assert smtp is None and says in problem


def test_the_public_address_is_used_only_when_it_is_one():
    assert load_public_url(environ={}, secrets={"tothu": {"public_url": "https://x.vn/"}}).url == (
        "https://x.vn"
    )
    assert load_public_url(environ={"TOTHU_PUBLIC_URL": "https://y.vn"}, secrets={}).url == (
        "https://y.vn"
    )
    for bad in ("", "x.vn", "ftp://x.vn", "https://x.vn/?a=1", "javascript:alert(1)"):
        found = load_public_url(environ={}, secrets={"tothu": {"public_url": bad}})
        assert found.url is None and "public_url" in found.problem, bad


# -- python -m tothu_core remind -----------------------------------------------------------------


def _toml(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value) if isinstance(value, int) else json.dumps(value, ensure_ascii=False)


def cli_setup(tmp_path, monkeypatch, smtp: dict | None) -> Path:
    path = commune(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TOTHU_SOURCE", str(path))
    monkeypatch.setenv("TOTHU_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TOTHU_ACCOUNTS_FILE", str(tmp_path / "no-accounts.json"))
    monkeypatch.delenv("TOTHU_PUBLIC_URL", raising=False)
    secrets = tmp_path / ".streamlit" / "secrets.toml"
    secrets.parent.mkdir()
    lines = ["[tothu]", 'public_url = "https://tothu.example.vn"']
    if smtp:
        lines += ["[smtp]", *(f"{k} = {_toml(v)}" for k, v in smtp.items())]
    secrets.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_remind_is_a_dry_run_unless_send(smtp_server, tmp_path, monkeypatch, capsys):
    controller, inbox = smtp_server
    cli_setup(tmp_path, monkeypatch, {"host": "127.0.0.1", "port": controller.port,
                                      "from": "vp@mythanh.example", "starttls": False})  # fmt: skip
    assert main(["remind", "--month", "09/2016"]) == EXIT_OK
    out, err = capsys.readouterr()
    assert "2 cán bộ chưa nộp đủ báo cáo" in out
    assert "--- Sẽ gửi tới: Nguyễn Văn An <an@mythanh.example>" in out
    assert "https://tothu.example.vn/entry_form" in out
    assert "Không có email: Trần Thị Bình (CB02), 0383 456 789" in out
    assert "chưa gửi thư nào" in err and inbox.messages == []

    assert main(["remind", "--month", "09/2016", "--send"]) == EXIT_OK
    out, err = capsys.readouterr()
    assert "Đã gửi: Nguyễn Văn An <an@mythanh.example>" in out and "1/1" in err
    assert len(inbox.messages) == 1
    # A scheduled job run again the same day sends nothing twice.
    assert main(["remind", "--month", "09/2016", "--send"]) == EXIT_OK
    out, _ = capsys.readouterr()
    assert "Đã gửi hôm nay, không gửi lại: Nguyễn Văn An" in out and len(inbox.messages) == 1


def test_remind_send_without_smtp_or_with_a_dead_server_exits_1(tmp_path, monkeypatch, capsys):
    cli_setup(tmp_path, monkeypatch, None)
    assert main(["remind", "--month", "09/2016", "--send"]) == EXIT_PROBLEMS
    assert "Chưa cấu hình máy chủ gửi thư" in capsys.readouterr().err


def test_remind_with_a_dead_server_exits_1(tmp_path, monkeypatch, capsys):
    dead = {"host": "127.0.0.1", "port": _free_port(), "from": "vp@x.vn", "starttls": False,
            "timeout": 2}  # fmt: skip
    cli_setup(tmp_path, monkeypatch, dead)
    assert main(["remind", "--month", "09/2016", "--send"]) == EXIT_PROBLEMS
    assert "CHƯA GỬI ĐƯỢC: Nguyễn Văn An" in capsys.readouterr().out


def test_remind_with_everyone_reported_has_nothing_to_do(tmp_path, monkeypatch, capsys):
    cli_setup(tmp_path, monkeypatch, None)
    assert main(["remind", "--month", "12/2015", "--send"]) == EXIT_OK
    assert "0 cán bộ chưa nộp đủ" in capsys.readouterr().out

"""Local accounts: passwords, lock-out, the file on disk, concurrency and the command line."""

import io
import json
import stat
import sys
import threading
from datetime import datetime, timedelta, timezone

import pytest
from argon2 import PasswordHasher

from tothu_core.errors import AccessDenied, ConfigError
from tothu_core.people.accounts import (
    ACCOUNTS_FILE_ENV,
    AccountError,
    AccountStore,
    default_accounts_path,
    main_account,
)

VIETNAM = timezone(timedelta(hours=7))
PASSWORD = "mật-khẩu-Tốt-2024"
# Minimal argon2id cost so the tests stay fast; one test checks the rehash to real defaults.
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


class FakeClock:
    def __init__(self):
        self.now = datetime(2024, 9, 26, 8, 0, tzinfo=VIETNAM)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def store(tmp_path, clock):
    return AccountStore(tmp_path / "conf" / "accounts.json", clock=clock, hasher=CHEAP_HASHER)


def denial(store, username, password) -> str:
    with pytest.raises(AccessDenied) as caught:
        store.verify(username, password)
    return str(caught.value)


def test_right_password_returns_cadre_id_case_insensitively(store):
    store.set_password("Lan.Nguyen", PASSWORD, cadre_id="CB01")
    assert store.verify("lan.nguyen", PASSWORD) == "CB01"
    assert store.verify("  LAN.NGUYEN ", PASSWORD) == "CB01"


def test_wrong_password_and_unknown_user_get_the_same_sentence(store):
    store.set_password("lan", PASSWORD, cadre_id="CB01")
    wrong_password = denial(store, "lan", PASSWORD + "x")
    unknown_user = denial(store, "hoa", PASSWORD)
    invalid_name = denial(store, "tên có dấu", PASSWORD)
    assert wrong_password == unknown_user == invalid_name
    assert "mật khẩu không đúng" in wrong_password


def test_password_in_other_unicode_form_is_accepted(store):
    import unicodedata

    store.set_password("lan", PASSWORD, cadre_id="CB01")
    assert store.verify("lan", unicodedata.normalize("NFD", PASSWORD)) == "CB01"


def test_lockout_after_repeated_failures_then_unlock_after_lockout_time(tmp_path, clock):
    store = AccountStore(
        tmp_path / "a.json", clock=clock, hasher=CHEAP_HASHER, max_attempts=3,
        lockout=timedelta(minutes=15),
    )  # fmt: skip
    store.set_password("lan", PASSWORD, cadre_id="CB01")
    denial(store, "lan", "sai-mat-khau-1")
    denial(store, "lan", "sai-mat-khau-2")
    assert store.get("lan").locked_until is None
    third = denial(store, "lan", "sai-mat-khau-3")
    # The lock is not announced: the sentence is the one every refusal gets.
    assert third == store.refusal
    assert "tạm khóa 15 phút vì nhập sai 3 lần" in third
    assert store.get("lan").locked_until == datetime(2024, 9, 26, 8, 15, tzinfo=VIETNAM)
    # While locked even the right password is refused.
    clock.now += timedelta(minutes=14)
    assert denial(store, "lan", PASSWORD) == store.refusal
    clock.now += timedelta(minutes=1, seconds=1)
    assert store.verify("lan", PASSWORD) == "CB01"
    assert store.get("lan").locked_until is None


def test_success_resets_the_failure_counter(store):
    store.set_password("lan", PASSWORD, cadre_id="CB01")
    for _ in range(4):
        denial(store, "lan", "sai-mat-khau")
    # The 5th attempt is still checked: the right password gets in and clears the count.
    assert store.verify("lan", PASSWORD) == "CB01"
    for _ in range(4):
        denial(store, "lan", "sai-mat-khau")
    assert store.get("lan").locked_until is None
    denial(store, "lan", "sai-mat-khau")
    assert store.get("lan").locked_until is not None
    assert denial(store, "lan", PASSWORD) == store.refusal


def test_the_refusal_states_the_rule_it_applies(tmp_path, clock):
    store = AccountStore(
        tmp_path / "a.json", clock=clock, hasher=CHEAP_HASHER, max_attempts=1,
        lockout=timedelta(hours=20),
    )  # fmt: skip
    store.set_password("lan", PASSWORD, cadre_id="CB01")
    assert "tạm khóa 1200 phút vì nhập sai 1 lần" in denial(store, "lan", "sai-mat-khau")
    assert store.get("lan").locked_until == datetime(2024, 9, 27, 4, 0, tzinfo=VIETNAM)


def test_reset_clears_lockout_and_keeps_cadre(store):
    store.set_password("lan", PASSWORD, cadre_id="CB01")
    for _ in range(5):
        denial(store, "lan", "sai-mat-khau")
    assert store.get("lan").locked_until is not None
    denial(store, "lan", PASSWORD)
    store.set_password("lan", "mat-khau-moi-123", cadre_id=None)
    assert store.get("lan").locked_until is None
    assert store.verify("lan", "mat-khau-moi-123") == "CB01"
    assert "không đúng" in denial(store, "lan", PASSWORD)


def test_set_password_rejects_short_password_bad_name_and_missing_cadre(store):
    with pytest.raises(AccountError, match="ít nhất 8 ký tự"):
        store.set_password("lan", "ngắn", cadre_id="CB01")
    with pytest.raises(AccountError, match="Tên đăng nhập"):
        store.set_password("Nguyễn Lan", PASSWORD, cadre_id="CB01")
    with pytest.raises(AccountError, match="Mã cán bộ"):
        store.set_password("lan", PASSWORD, cadre_id=None)
    assert store.list() == []


def test_file_holds_no_plain_password_and_is_private(store):
    store.set_password("lan", PASSWORD, cadre_id="CB01")
    denial(store, "lan", "sai-mat-khau-bi-mat")
    raw = store.path.read_bytes()
    assert PASSWORD.encode() not in raw
    assert b"sai-mat-khau-bi-mat" not in raw
    assert b"$argon2id$" in raw
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert json.loads(raw)["accounts"]["lan"]["cadre_id"] == "CB01"
    leftovers = [p.name for p in store.path.parent.iterdir() if p.name.startswith(".accounts-")]
    assert leftovers == []


def test_list_and_remove_never_show_hashes(store):
    store.set_password("lan", PASSWORD, cadre_id="CB01")
    store.set_password("an", PASSWORD, cadre_id="CB02")
    listed = store.list()
    assert [(a.username, a.cadre_id) for a in listed] == [("an", "CB02"), ("lan", "CB01")]
    assert "argon2" not in repr(listed)
    assert store.remove("LAN") is True
    assert store.remove("lan") is False
    assert [a.username for a in store.list()] == ["an"]
    assert denial(store, "lan", PASSWORD)


def test_old_hash_parameters_are_upgraded_on_sign_in(tmp_path):
    path = tmp_path / "a.json"
    AccountStore(path, hasher=CHEAP_HASHER).set_password("lan", PASSWORD, cadre_id="CB01")
    old_hash = json.loads(path.read_text())["accounts"]["lan"]["password_hash"]
    default_store = AccountStore(path)
    assert default_store.verify("lan", PASSWORD) == "CB01"
    new_hash = json.loads(path.read_text())["accounts"]["lan"]["password_hash"]
    assert new_hash != old_hash
    assert not PasswordHasher().check_needs_rehash(new_hash)
    assert default_store.verify("lan", PASSWORD) == "CB01"


@pytest.mark.parametrize("shared_store", [True, False], ids=["one-store", "store-per-thread"])
def test_concurrent_set_password_loses_no_account(tmp_path, shared_store):
    path = tmp_path / "accounts.json"
    shared = AccountStore(path, hasher=CHEAP_HASHER)
    errors = []

    def add(number: int) -> None:
        try:
            store = shared if shared_store else AccountStore(path, hasher=CHEAP_HASHER)
            store.set_password(f"user{number}", PASSWORD, cadre_id=f"CB{number:02d}")
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=add, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(AccountStore(path).list()) == 16


def test_broken_file_gives_a_vietnamese_sentence(store):
    store.path.parent.mkdir(parents=True)
    store.path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ConfigError, match="bị hỏng"):
        store.verify("lan", PASSWORD)
    with pytest.raises(ConfigError, match=f"Tệp tài khoản {store.path} bị hỏng"):
        store.check()


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda path: path.write_bytes(b"\xff\xfe{}"), "bị hỏng .*không phải UTF-8"),
        (lambda path: path.write_text('{"format": 99}'), "bị hỏng"),
        (lambda path: path.write_text('{"format": 1, "accounts": {"lan": {}}}'), "bị hỏng"),
        (lambda path: path.mkdir(), "là một thư mục, không phải tệp"),
    ],
    ids=["not-utf8", "other-format", "record-without-hash", "a-folder"],
)
def test_an_accounts_file_that_cannot_be_used_is_named_in_one_sentence(store, make, expected):
    store.path.parent.mkdir(parents=True)
    make(store.path)
    with pytest.raises(ConfigError, match=expected) as caught:
        store.check()
    assert str(store.path) in str(caught.value)
    assert "Errno" not in str(caught.value) and "Traceback" not in str(caught.value)


@pytest.mark.parametrize("content", ["", "  \n", "{}"], ids=["empty", "blank", "empty-object"])
def test_an_accounts_file_created_empty_by_hand_holds_no_account(store, content):
    store.path.parent.mkdir(parents=True)
    store.path.write_text(content, encoding="utf-8")
    store.check()
    assert store.list() == []
    assert denial(store, "lan", PASSWORD) == store.refusal


def test_verifying_never_creates_the_accounts_file(store):
    assert denial(store, "lan", PASSWORD) == store.refusal
    assert not store.path.exists()


def test_default_path_comes_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(ACCOUNTS_FILE_ENV, str(tmp_path / "x.json"))
    assert default_accounts_path() == tmp_path / "x.json"
    monkeypatch.delenv(ACCOUNTS_FILE_ENV)
    assert default_accounts_path().parts[-3:] == (".config", "tothu", "accounts.json")


@pytest.fixture
def cli_file(tmp_path, monkeypatch):
    path = tmp_path / "cli" / "accounts.json"
    monkeypatch.setenv(ACCOUNTS_FILE_ENV, str(path))
    # The CLI uses default argon2 parameters; keep them cheap here.
    monkeypatch.setattr("tothu_core.people.accounts.PasswordHasher", lambda: CHEAP_HASHER)
    return path


ADD_LAN = ["add", "lan", "--cadre", "CB01", "--password-stdin"]


def run_cli(monkeypatch, argv, stdin=""):
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    return main_account(argv)


def test_cli_add_with_password_stdin_then_verify(cli_file, monkeypatch, capsys):
    assert (
        run_cli(monkeypatch, ["add", "Lan", "--cadre", "CB01", "--password-stdin"], PASSWORD + "\n")
        == 0
    )
    assert "Đã tạo tài khoản «lan» cho cán bộ CB01." in capsys.readouterr().out
    assert AccountStore(cli_file, hasher=CHEAP_HASHER).verify("lan", PASSWORD) == "CB01"
    assert PASSWORD.encode() not in cli_file.read_bytes()

    assert (
        run_cli(monkeypatch, ["add", "lan", "--cadre", "CB02", "--password-stdin"], PASSWORD) == 1
    )
    assert "Đã có tài khoản" in capsys.readouterr().err

    assert run_cli(monkeypatch, ["reset", "lan", "--password-stdin"], "mat-khau-moi-1\r\n") == 0
    assert AccountStore(cli_file, hasher=CHEAP_HASHER).verify("lan", "mat-khau-moi-1") == "CB01"

    assert run_cli(monkeypatch, ["list"]) == 0
    out = capsys.readouterr().out
    assert "lan\tCB01" in out and "argon2" not in out

    assert run_cli(monkeypatch, ["remove", "lan"]) == 0
    assert run_cli(monkeypatch, ["remove", "lan"]) == 1
    assert "Không có tài khoản «lan»" in capsys.readouterr().err


def test_cli_prompts_twice_and_refuses_mismatch(cli_file, monkeypatch, capsys):
    answers = iter(["mat-khau-dai-1", "mat-khau-dai-2"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert run_cli(monkeypatch, ["add", "lan", "--cadre", "CB01"]) == 1
    assert "không giống nhau" in capsys.readouterr().err
    assert not cli_file.exists()

    answers = iter(["mat-khau-dai-1", "mat-khau-dai-1"])
    assert run_cli(monkeypatch, ["add", "lan", "--cadre", "CB01"]) == 0
    assert AccountStore(cli_file, hasher=CHEAP_HASHER).verify("lan", "mat-khau-dai-1") == "CB01"


def test_cli_short_password_is_refused_without_echoing_it(cli_file, monkeypatch, capsys):
    assert (
        run_cli(monkeypatch, ["add", "lan", "--cadre", "CB01", "--password-stdin"], "abc12\n") == 1
    )
    err = capsys.readouterr().err
    assert "ít nhất 8 ký tự" in err and "abc12" not in err

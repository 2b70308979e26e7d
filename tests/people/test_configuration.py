"""A configuration that exists but cannot be used stops with one sentence naming the file.

Checked on real files (a secrets.toml, a key file, an accounts file) the way the app and the
command line find them; demo mode only when nothing at all is configured.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tothu_core.errors import ConfigError
from tothu_core.people.accounts import AccountStore
from tothu_core.people.configuration import check_configuration
from tothu_core.settings import parse_secrets_file, read_secrets_file
from tothu_core.sheet.sources import DEFAULT_ORIGIN

SHEET = "https://docs.google.com/spreadsheets/d/1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefg/edit"
AUTH = """[auth]
redirect_uri = "https://tothu.example.vn/oauth2callback"
cookie_secret = "một chuỗi dài ngẫu nhiên"
client_id = "123.apps.googleusercontent.com"
client_secret = "bí-mật"
server_metadata_url = "https://accounts.google.com/.well-known/openid-configuration"
"""


def write_secrets(folder: Path, text: str) -> Path:
    path = folder / ".streamlit" / "secrets.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def check(tmp_path, *, secrets_text=None, environ=None, accounts=None):
    """check_configuration on real files under tmp_path, as the command line finds them."""
    path = write_secrets(tmp_path, secrets_text) if secrets_text is not None else None
    secrets = parse_secrets_file(path) if path else {}
    return check_configuration(
        environ=environ or {},
        secrets=secrets,
        secrets_path=path,
        accounts_path=accounts or tmp_path / "no-accounts.json",
    )


def refusal(tmp_path, **kwargs) -> str:
    with pytest.raises(ConfigError) as caught:
        check(tmp_path, **kwargs)
    sentence = str(caught.value)
    # One sentence a clerk can act on: Vietnamese, no Python error text.
    assert "Error" not in sentence and "Traceback" not in sentence and "\n" not in sentence
    return sentence


def service_account_key(**changes) -> dict:
    key = {
        "type": "service_account",
        "project_id": "xa-my-thanh",
        "private_key_id": "k1",
        "private_key": "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n",
        "client_email": "tothu@xa-my-thanh.iam.gserviceaccount.com",
        "token_uri": "https://oauth2.googleapis.com/token",
    }
    key.update(changes)
    return {k: v for k, v in key.items() if v is not None}


def test_nothing_configured_is_the_demo(tmp_path):
    found = check(tmp_path)
    assert found.source == "demo" and found.origin == DEFAULT_ORIGIN and found.is_demo_by_default


def test_settings_alone_still_allow_the_demo(tmp_path):
    found = check(tmp_path, secrets_text='[tothu]\ncommittee_name = "Đảng ủy xã Mỹ Thạnh"\n')
    assert found.is_demo_by_default


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ('[sheets]\nspreadsheet = "https://docs.google.com/x\n', 2),
        ('[sheets]\nspreadsheet = "x"\n[auth\nclient_id = "y"\n', 3),
        ("[tothu]\ndeadline_day = \n", 2),
    ],
    ids=["unterminated-string", "broken-table-header", "missing-value"],
)
def test_bad_toml_names_the_file_and_the_line(tmp_path, text, line):
    path = write_secrets(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        parse_secrets_file(path)
    assert str(caught.value).startswith(f"Tệp cấu hình {path} viết sai cú pháp TOML ở dòng {line}")
    # The offending line is never quoted back: it may hold a private key.
    assert "docs.google.com" not in str(caught.value)


def test_the_command_line_reads_the_same_file_and_stops_on_it(tmp_path):
    write_secrets(tmp_path, "[sheets\n")
    with pytest.raises(ConfigError, match="dòng 1"):
        read_secrets_file(tmp_path)


def test_a_secrets_file_that_is_not_utf8_is_named(tmp_path):
    path = tmp_path / ".streamlit" / "secrets.toml"
    path.parent.mkdir()
    # Saved by an old editor in a Windows code page: "Đảng ủy" is not UTF-8 any more.
    path.write_bytes(b'[tothu]\ncommittee_name = "\xd0\xe3ng \xf9y"\n')
    with pytest.raises(ConfigError, match=f"Tệp cấu hình {path} không phải văn bản UTF-8"):
        parse_secrets_file(path)


def test_a_key_file_that_is_not_a_service_account_key(tmp_path):
    key = tmp_path / "client_secret.json"
    # What Google Cloud Console gives for an OAuth client: not a service account.
    key.write_text(json.dumps({"installed": {"client_id": "x", "client_secret": "y"}}))
    environ = {"TOTHU_SOURCE": SHEET, "GOOGLE_APPLICATION_CREDENTIALS": str(key)}
    sentence = refusal(tmp_path, environ=environ)
    assert f"Khóa ở tệp «{key}» không phải khóa của tài khoản dịch vụ" in sentence


def test_a_key_in_secrets_without_private_key_names_the_file_and_line(tmp_path):
    table = "\n".join(f'{k} = "{v}"' for k, v in service_account_key(private_key=None).items())
    text = f'[sheets]\nspreadsheet = "{SHEET}"\n\n[gcp_service_account]\n{table}\n'
    sentence = refusal(tmp_path, secrets_text=text)
    path = tmp_path / ".streamlit" / "secrets.toml"
    assert sentence.startswith(
        f"Khóa tài khoản dịch vụ ở mục [gcp_service_account] của tệp {path} (dòng 4) "
        "thiếu trường private_key"
    )


def test_a_complete_key_and_sheet_pass_without_any_read(tmp_path):
    key = tmp_path / "key.json"
    key.write_text(json.dumps(service_account_key()))
    found = check(
        tmp_path,
        secrets_text=f'[sheets]\nspreadsheet = "{SHEET}"\n',
        environ={"GOOGLE_APPLICATION_CREDENTIALS": str(key)},
    )
    assert found.source == SHEET and found.origin == "secrets.toml"


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda p: p.mkdir(), "là một thư mục, không phải tệp"),
        (lambda p: p.write_text("{not json"), "bị hỏng"),
    ],
    ids=["a-folder", "not-json"],
)
def test_an_accounts_file_that_cannot_be_read_names_the_file(tmp_path, make, expected):
    accounts = tmp_path / "accounts.json"
    make(accounts)
    sentence = refusal(tmp_path, accounts=accounts, environ={"TOTHU_SOURCE": "x.xlsx"})
    assert str(accounts) in sentence and expected in sentence


@pytest.mark.parametrize(
    ("drop", "missing"),
    [
        ("client_secret", "client_secret"),
        ("cookie_secret", "cookie_secret"),
        ("redirect_uri", "redirect_uri"),
    ],
)
def test_an_auth_table_missing_fields_names_them_the_file_and_the_line(tmp_path, drop, missing):
    auth = "\n".join(line for line in AUTH.splitlines() if not line.startswith(drop))
    text = f'[sheets]\nspreadsheet = "{SHEET}"\n\n{auth}\n'
    key = tmp_path / "key.json"
    key.write_text(json.dumps(service_account_key()))
    sentence = refusal(
        tmp_path, secrets_text=text, environ={"GOOGLE_APPLICATION_CREDENTIALS": str(key)}
    )
    path = tmp_path / ".streamlit" / "secrets.toml"
    assert sentence.startswith(f"Mục [auth] của tệp {path} (dòng 4) thiếu {missing},")


def test_an_auth_table_per_provider_is_checked_in_its_provider(tmp_path):
    text = (
        'redirect_uri = "https://tothu.example.vn/oauth2callback"\ncookie_secret = "s"\n\n'
        '[auth.google]\nclient_id = "x"\n'
    )
    sentence = refusal(tmp_path, secrets_text="[auth]\n" + text, environ={"TOTHU_SOURCE": "demo"})
    assert "thiếu google.client_secret, google.server_metadata_url" in sentence


def test_a_redirect_uri_streamlit_would_refuse_is_named(tmp_path):
    text = AUTH.replace("/oauth2callback", "/dang-nhap")
    sentence = refusal(tmp_path, secrets_text=text, environ={"TOTHU_SOURCE": "demo"})
    assert "phải kết thúc bằng /oauth2callback" in sentence


@pytest.mark.parametrize("what", ["auth", "key-table", "key-variable", "accounts-file"])
def test_a_real_installation_without_a_source_never_falls_back_to_the_demo(tmp_path, what):
    secrets_text, environ, accounts = None, {}, None
    if what == "auth":
        secrets_text = AUTH
    elif what == "key-table":
        table = "\n".join(f'{k} = """{v}"""' for k, v in service_account_key().items())
        secrets_text = f"[gcp_service_account]\n{table}\n"
    elif what == "key-variable":
        environ = {"GOOGLE_APPLICATION_CREDENTIALS": str(tmp_path / "key.json")}
    else:
        accounts = tmp_path / "accounts.json"
        AccountStore(accounts).check()
        accounts.write_text("{}")
    sentence = refusal(tmp_path, secrets_text=secrets_text, environ=environ, accounts=accounts)
    assert "nhưng chưa ghi nguồn dữ liệu, nên ứng dụng dừng lại thay vì chạy trên dữ liệu mẫu" in (
        sentence
    )
    if accounts is not None:
        assert str(accounts) in sentence
    if secrets_text is not None:
        assert str(tmp_path / ".streamlit" / "secrets.toml") in sentence


def test_an_explicit_demo_is_allowed_with_accounts(tmp_path):
    accounts = tmp_path / "accounts.json"
    accounts.write_text("{}")
    found = check(tmp_path, environ={"TOTHU_SOURCE": "demo"}, accounts=accounts)
    assert found.source == "demo" and found.accounts_file and not found.is_demo_by_default


@pytest.mark.parametrize(
    "text", ['[sheets]\nspreadsheet = ""\n', "[sheets]\n", '[source]\npath = "  "\n']
)
def test_a_source_table_left_blank_is_not_a_wish_for_the_demo(tmp_path, text):
    sentence = refusal(tmp_path, secrets_text=text)
    assert "có nhưng để trống" in sentence
    assert str(tmp_path / ".streamlit" / "secrets.toml") in sentence

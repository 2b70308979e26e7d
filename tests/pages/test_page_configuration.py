"""The real app.py on a configuration that cannot be used: its sentence as the only page.

No demo data, no role picker, no sign-in form and no read of any source: whoever opens the
app reads which file to fix. Streamlit reads the secrets files named by its `secrets.files`
option, so these tests point that option at a secrets.toml of their own.
"""

from __future__ import annotations

import json
import re

import pytest
import streamlit as st
from streamlit import config as st_config
from streamlit.testing.v1 import AppTest

from tests.app_support import APP, TIMEOUT, use_demo, use_workbook
from tests.sheets import small_book

TITLE = "Ứng dụng chưa chạy được"
SHEET_KEY = "1TestSheetForConfiguration_abcdefghijklmnopqrstu"


def shown(markdown: str) -> str:
    return re.sub(r"\\(.)", r"\1", str(markdown))


@pytest.fixture(autouse=True)
def own_secrets(monkeypatch, tmp_path):
    """Streamlit reads only tmp_path/.streamlit/secrets.toml (which a test may write)."""
    path = tmp_path / ".streamlit" / "secrets.toml"
    saved = st_config.get_option("secrets.files")
    st_config.set_option("secrets.files", [str(path)])
    st.secrets._reset()
    st.cache_resource.clear()
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    yield path
    st_config.set_option("secrets.files", saved)
    st.secrets._reset()
    st.cache_resource.clear()


def write(path, text: str):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    st.secrets._reset()
    return path


def run(secrets: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for name, table in (secrets or {}).items():
        at.secrets[name] = table
    return at.run()


def assert_stopped_with(at: AppTest, *fragments: str) -> str:
    """The configuration page and nothing else; the sentence it shows."""
    assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in at.title] == [TITLE]
    (error,) = at.error
    sentence = shown(error.value)
    for fragment in fragments:
        assert fragment in sentence
    # Nothing else to do or see: no role picker, no demo banner, no sign-in, no data.
    assert not at.selectbox and not at.text_input and not at.button and not at.dataframe
    assert not at.info and not at.metric
    assert "dùng thử" not in " ".join(shown(m.value) for m in at.markdown).casefold()
    return sentence


def test_a_broken_secrets_toml_stops_the_app_naming_the_file_and_line(
    own_secrets, monkeypatch, tmp_path
):
    use_demo(monkeypatch, tmp_path / "data")
    write(own_secrets, '[sheets]\nspreadsheet = "https://docs.google.com/x"\n[auth\n')
    at = run()
    assert_stopped_with(at, f"Tệp cấu hình {own_secrets} viết sai cú pháp TOML ở dòng 3")
    # Rerunning (a reload) changes nothing until the file is fixed.
    at.run()
    assert [t.value for t in at.title] == [TITLE]
    write(own_secrets, '[tothu]\ncommittee_name = "Đảng ủy xã Mỹ Thạnh"\n')
    at.run()
    assert not at.exception and [t.value for t in at.title] == ["Tổng quan"]


def test_an_auth_table_missing_fields_stops_the_app(own_secrets, monkeypatch, tmp_path):
    use_workbook(monkeypatch, small_book(), tmp_path)
    write(own_secrets, '[auth]\nredirect_uri = "http://localhost:8501/oauth2callback"\n')
    assert_stopped_with(
        run(), f"Mục [auth] của tệp {own_secrets} (dòng 1) thiếu cookie_secret, client_id"
    )


def test_an_auth_table_given_without_a_file_is_checked_too(monkeypatch, tmp_path):
    use_workbook(monkeypatch, small_book(), tmp_path)
    at = run(secrets={"auth": {"client_id": "x.apps.googleusercontent.com"}})
    assert_stopped_with(at, "Mục [auth] của .streamlit/secrets.toml thiếu redirect_uri")


def test_an_unreadable_accounts_file_stops_the_app(monkeypatch, tmp_path):
    use_workbook(monkeypatch, small_book(), tmp_path)
    accounts = tmp_path / "accounts-folder"
    accounts.mkdir()
    monkeypatch.setenv("TOTHU_ACCOUNTS_FILE", str(accounts))
    assert_stopped_with(run(), f"tệp tài khoản {accounts}", "là một thư mục")


def test_a_key_that_is_no_service_account_key_stops_the_app_before_any_read(
    monkeypatch, tmp_path, fake_sheets
):
    use_workbook(monkeypatch, small_book(), tmp_path)
    fake_sheets.add_spreadsheet(SHEET_KEY, small_book())
    key = tmp_path / "client_secret.json"
    key.write_text(json.dumps({"installed": {"client_id": "x"}}), encoding="utf-8")
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(key))
    monkeypatch.setenv("TOTHU_SOURCE", f"gsheets:{SHEET_KEY}")
    assert_stopped_with(run(), f"Khóa ở tệp «{key}» không phải khóa của tài khoản dịch vụ")
    assert fake_sheets.count() == 0


def test_a_key_without_private_key_in_secrets_stops_the_app(own_secrets, monkeypatch, tmp_path):
    use_workbook(monkeypatch, small_book(), tmp_path)
    monkeypatch.delenv("TOTHU_SOURCE")
    write(
        own_secrets,
        f'[sheets]\nspreadsheet = "gsheets:{SHEET_KEY}"\n\n[gcp_service_account]\n'
        'type = "service_account"\nclient_email = "tothu@x.iam.gserviceaccount.com"\n',
    )
    assert_stopped_with(
        run(),
        f"mục [gcp_service_account] của tệp {own_secrets} (dòng 4) thiếu trường private_key",
    )


def test_accounts_without_a_source_never_open_the_demo(monkeypatch, tmp_path):
    """The issue's case: cadres must not write into the demo workbook believing it real."""
    use_demo(monkeypatch, tmp_path / "data")
    accounts = tmp_path / "accounts.json"
    accounts.write_text("{}", encoding="utf-8")
    monkeypatch.setenv("TOTHU_ACCOUNTS_FILE", str(accounts))
    assert_stopped_with(run(), "chưa ghi nguồn dữ liệu", str(accounts))
    assert not (tmp_path / "data" / "demo.xlsx").exists()


def test_nothing_configured_still_opens_the_demo(monkeypatch, tmp_path):
    use_demo(monkeypatch, tmp_path / "data")
    at = run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Tổng quan"]
    assert "Vai trò dùng thử" in [s.label for s in at.sidebar.selectbox]

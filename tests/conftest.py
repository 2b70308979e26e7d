"""Shared fixtures. The fake Google Sheets server and its service-account key."""

from __future__ import annotations

import pytest
from streamlit.runtime.pages_manager import PagesManager

from tests.fake_sheets import FakeSheetsServer


@pytest.fixture
def fake_sheets():
    """A fresh fake Sheets v4 + OAuth server on 127.0.0.1, stopped after the test."""
    with FakeSheetsServer() as server:
        yield server


@pytest.fixture
def service_account_info(fake_sheets):
    """A service-account key (made at run time) whose token_uri is the fake server."""
    return fake_sheets.service_account_info()


_PAGES_MANAGER_INIT = PagesManager.__init__


@pytest.fixture(autouse=True)
def route_through_app(monkeypatch):
    """Run app.py on every AppTest rerun, as a running server does.

    With a `pages/` folder beside app.py, Streamlit starts in its old folder-pages mode and
    leaves it for good at the first `st.navigation` call. AppTest resets that flag before each
    run, so without this every rerun after the first would run the page file on its own,
    skipping app.py (and sign-in). A test that wants the old mode restores `_PAGES_MANAGER_INIT`.
    """

    def navigation_mode(self, *args, **kwargs):
        _PAGES_MANAGER_INIT(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", navigation_mode)

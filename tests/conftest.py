"""Shared fixtures. The fake Google Sheets server and its service-account key."""

from __future__ import annotations

import pytest

from tests import app_support
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



@pytest.fixture(autouse=True)
def route_through_app(monkeypatch):
    """Every AppTest rerun goes through app.py, as on a running server (see app_support)."""
    app_support.route_through_app(monkeypatch)

"""Shared fixtures. The fake Google Sheets server and its service-account key."""

from __future__ import annotations

import pytest
import streamlit as st

from tests import app_support
from tests.fake_sheets import FakeSheetsServer
from tothu_core.sheet.demo import ensure_demo_workbook
from tothu_core.sheet.load import load_dataset
from tothu_core.sheet.sources.workbook import WorkbookSource


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


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    """One demo workbook per test module (a page module runs the app on it many times)."""
    folder = tmp_path_factory.mktemp("demo")
    ensure_demo_workbook(folder / "demo.xlsx")
    st.cache_resource.clear()
    yield folder
    st.cache_resource.clear()


@pytest.fixture(scope="module")
def demo_ds(demo_dir):
    """The demo as the app reads it, to compare what a page shows with the core's figures."""
    return load_dataset(WorkbookSource(demo_dir / "demo.xlsx"))

"""Store fixtures: every store test runs against DuckDB (in process) and a real PostgreSQL.

PostgreSQL is the server `.ci/run` started (TOTHU_TEST_POSTGRES_URL), else one this
session starts from Debian's binaries (tests/province/postgres_server.py); each test gets
a database of its own, so tests never see each other's rows.
"""

from __future__ import annotations

import itertools
import os

import psycopg
import pytest

from tests.province import postgres_server
from tothu_core.province.store import open_store

_databases = itertools.count(1)


@pytest.fixture(scope="session")
def postgres_url():
    """The URL of a running PostgreSQL server's maintenance database."""
    url = os.environ.get(postgres_server.URL_ENV)
    if url:
        yield url
        return
    if postgres_server.binaries() is None:
        if os.environ.get("CI"):
            # On a CI machine the PostgreSQL half of the store tests must run, never vanish
            # into a skip count.
            pytest.fail("PostgreSQL is not installed on this CI machine: run .ci/run")
        pytest.skip("PostgreSQL chưa được cài (apt-get install postgresql); .ci/run cài nó")
    url, folder = postgres_server.start()
    try:
        yield url
    finally:
        postgres_server.stop(folder)


@pytest.fixture
def postgres_database(postgres_url):
    """A fresh, empty database on the test server; dropped after the test."""
    name = f"tothu_test_{os.getpid()}_{next(_databases)}"
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base, _, _old = postgres_url.rpartition("/")
    yield f"{base}/{name}"
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["duckdb", "postgres"])
def store(request, tmp_path):
    """An empty store of each kind, opened as the app opens it (`open_store`)."""
    if request.param == "duckdb":
        return open_store(None, tmp_path)
    return open_store(request.getfixturevalue("postgres_database"), tmp_path)

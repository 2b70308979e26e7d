"""Starting the real app.py under Streamlit's AppTest, on the demo or on a hand-made workbook."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
# Reading and validating a workbook plus the first figures can exceed AppTest's 3 s default.
TIMEOUT = 60


_PAGES_MANAGER_INIT = PagesManager.__init__


def route_through_app(monkeypatch) -> None:
    """Run app.py on every AppTest rerun, as a running server does.

    With a `pages/` folder beside app.py, Streamlit starts in its old folder-pages mode and
    leaves it for good at the first `st.navigation` call. AppTest resets that flag before each
    run, so without this every rerun after the first would run the page file on its own,
    skipping app.py (and sign-in). conftest applies it to every test; a module-scoped fixture
    that runs the app calls it with its own MonkeyPatch.
    """

    def navigation_mode(self, *args, **kwargs):
        _PAGES_MANAGER_INIT(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", navigation_mode)


def use_demo(monkeypatch, data_dir: Path) -> None:
    """Nothing configured: the bundled demo and its role picker, with files kept in `data_dir`."""
    monkeypatch.delenv("TOTHU_SOURCE", raising=False)
    monkeypatch.setenv("TOTHU_DATA_DIR", str(data_dir))
    monkeypatch.setenv("TOTHU_ACCOUNTS_FILE", str(data_dir / "no-accounts.json"))


def use_workbook(monkeypatch, book: dict, tmp_path: Path) -> Path:
    """A real source (a workbook written from `book`) with local accounts switched on."""
    from tothu_core.sheet.demo import write_workbook

    path = write_workbook(book, tmp_path / "so-lieu.xlsx")
    accounts = tmp_path / "accounts.json"
    accounts.write_text(json.dumps({}), encoding="utf-8")
    monkeypatch.setenv("TOTHU_SOURCE", str(path))
    monkeypatch.setenv("TOTHU_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TOTHU_ACCOUNTS_FILE", str(accounts))
    return path


def app(
    *,
    cadre: str | None = None,
    demo_role: str | None = None,
    page: str | None = None,
    query: dict | None = None,
) -> AppTest:
    """An AppTest of app.py, signed in as `cadre` (local accounts) or with a demo role, then run."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    if cadre is not None:
        at.session_state["auth_local_cadre"] = cadre
    if demo_role is not None:
        at.session_state["auth_demo_role"] = demo_role
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    if page is not None:
        at.switch_page(page)
        at.run()
    return at


def shown_text(dataframe) -> pd.DataFrame:
    """What a person reads in an st.dataframe: the Styler's text where the page styled it
    (numbers the Vietnamese way), the values otherwise."""
    from streamlit import dataframe_util

    arrow = dataframe.proto.arrow_data
    if arrow.HasField("styler") and arrow.styler.display_values:
        text = dataframe_util.convert_arrow_bytes_to_pandas_df(arrow.styler.display_values)
        text.columns = dataframe.value.columns
        return text.reset_index(drop=True)
    return dataframe.value.astype(str).reset_index(drop=True)

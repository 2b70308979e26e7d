from tests.app_support import app, use_workbook
from tests.test_activity import planted_book
from streamlit.testing.v1 import AppTest
from tests.app_support import APP
def test_probe(monkeypatch, tmp_path):
    use_workbook(monkeypatch, planted_book(), tmp_path)
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["auth_local_cadre"] = "CB02"
    at.query_params["thang"] = "09-2016"
    at.run()
    print("1", [t.value for t in at.title], at._registered_pages and [v.get("url_pathname") for v in at._registered_pages.values()])
    at.switch_page("pages/my_history.py")
    print("hash", at._page_hash)
    at.run()
    print("2", [t.value for t in at.title], at.exception)

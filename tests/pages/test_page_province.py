"""The province pages in AppTest, on a real DuckDB store filled by the roll-up of two communes.

The two communes are the generated two-commune demo cut in two (ids X001-…, X002-…), so
every hamlet name says whose it is («Ấp Mỹ An (X002)»): a page that leaked another
commune's rows would show such a name. A third commune of the registry failed its sync.
"""

from __future__ import annotations

import datetime as dt
import re
import time

import pandas as pd
import pytest
from argon2 import PasswordHasher
from streamlit.testing.v1 import AppTest

from tests.app_support import APP, TIMEOUT, shown_text
from tests.province.test_rollup import cut
from tothu_core.figures import figures
from tothu_core.people.accounts import AccountStore
from tothu_core.province import rollup
from tothu_core.province.store import open_store
from tothu_core.sheet.demo import generate_workbook
from tothu_core.sheet.reader import read_dataset

NOW = dt.datetime(2026, 11, 20, 9, 0)
PASSWORD = "mật-khẩu-Tốt-2024"
REGISTRY = (
    "Mã xã,Tên xã,Nguồn dữ liệu,Ghi chú\n"
    "X001,Xã Mỹ Thạnh,x001.xlsx,\n"
    "X002,Xã Phú Túc,x002.xlsx,sáp nhập 2025\n"
    "X003,Xã Tân Lợi,x003.xlsx,\n"
)
FAILURE = "Không mở được tệp x003.xlsx: tệp không có."
ACCOUNT_KEY = "province_account"
PAGES = ("province_overview", "province_sync", "province_registry")


@pytest.fixture(scope="module")
def union():
    return read_dataset(
        generate_workbook(communes=2, months=8, end_month="10/2026", today=NOW.date())
    )


@pytest.fixture(scope="module")
def province(tmp_path_factory, union):
    """A registry of three communes, a store with two of them synced, and six accounts."""
    folder = tmp_path_factory.mktemp("province")
    (folder / "danh-sach-xa.csv").write_text(REGISTRY, encoding="utf-8")
    store = open_store(None, folder / "data")
    for code in ("X001", "X002"):
        tables = rollup.commune_tables(cut(union, f"{code}-"), now=NOW)
        store.replace_commune(
            code, {f"rollup.{k}": v for k, v in tables.items()}, [], version="v1", synced_at=NOW
        )
    store.record_failure("X003", FAILURE, at=NOW)
    accounts = AccountStore(
        folder / "accounts.json", hasher=PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )
    accounts.set_password("tinh", PASSWORD, cadre_id=None, province_role="province")
    accounts.set_password("quantri", PASSWORD, cadre_id=None, province_role="province_admin")
    accounts.set_password("xa1", PASSWORD, cadre_id=None, commune="X001")
    accounts.set_password("xa3", PASSWORD, cadre_id=None, commune="X003")
    accounts.set_password("xa9", PASSWORD, cadre_id=None, commune="X*9")
    accounts.set_password("lan", PASSWORD, cadre_id="X001-CB01")
    return folder


@pytest.fixture(autouse=True)
def province_mode(province, monkeypatch):
    monkeypatch.setenv("TOTHU_REGISTRY", str(province / "danh-sach-xa.csv"))
    monkeypatch.setenv("TOTHU_DATA_DIR", str(province / "data"))
    monkeypatch.setenv("TOTHU_ACCOUNTS_FILE", str(province / "accounts.json"))
    monkeypatch.delenv("TOTHU_SOURCE", raising=False)
    monkeypatch.delenv("TOTHU_STORE_URL", raising=False)
    # The office's clock is the sync's: 20/11/2026, so 10/2026 is the month shown first.
    monkeypatch.setattr("tothu_core.clock.office_now", lambda: NOW)
    monkeypatch.setattr("pages._province.office_now", lambda: NOW)


def start(account: dict | None = None, page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    if account is not None:
        at.session_state[ACCOUNT_KEY] = account
    at.run()
    if page is not None:
        at.switch_page(f"pages/{page}.py")
        at.run()
    assert not at.exception, at.exception
    return at


STAFF = {"username": "tinh", "commune": None, "role": "province"}
ADMIN = {"username": "quantri", "commune": None, "role": "province_admin"}
COMMUNE = {"username": "xa1", "commune": "X001", "role": None}


def texts(at: AppTest) -> str:
    parts = [e.value for kind in ("title", "caption", "markdown", "info", "error", "success",
                                  "warning", "subheader") for e in getattr(at, kind)]  # fmt: skip
    parts += [e.label for e in at.selectbox] + [str(o) for e in at.selectbox for o in e.options]
    parts += [shown_text(d).to_string() for d in at.dataframe]
    parts += [e.label for e in at.expander]
    return "\n".join(str(p) for p in parts)


def plain(markdown: str) -> str:
    """What escaped Markdown reads as (a bare address is broken by a word joiner, U+2060)."""
    return re.sub(r"\\(.)", r"\1", str(markdown)).replace("\u2060", "")


def reachable(at: AppTest) -> set[str]:
    found = set()
    for key in PAGES:
        try:
            at.switch_page(f"pages/{key}.py")
        except ValueError:
            continue
        found.add(key)
    return found


def test_province_staff_see_every_commune_with_the_commune_pages_figures(union):
    at = start(STAFF)
    assert at.title[0].value == "Tổng hợp các xã"
    assert at.selectbox(key="province_month").value == "10/2026"
    communes = at.dataframe[0].value
    assert list(communes["Xã, phường"]) == ["Xã Mỹ Thạnh", "Xã Phú Túc", "Xã Tân Lợi"]
    # The cards are the union's overview: the province is the sum of its communes.
    page = figures.overview(union, "10/2026").iloc[0]
    cards = {m.label: m.value for m in at.metric}
    assert cards["Số tổ"] == "204"
    assert cards["Cán bộ phụ trách"] == str(page["cadres"])
    assert cards["Tổ sinh hoạt"] == f"{page['meeting_pct']:.1f}\u00a0%".replace(".", ",")
    # Each commune's row is its own overview page's month.
    for code, row in zip(("X001", "X002"), communes.itertuples(index=False), strict=False):
        mine = figures.overview(cut(union, f"{code}-"), "10/2026").iloc[0]
        assert row[1] == pytest.approx(mine["coverage_pct"])
        assert row[2] == pytest.approx(mine["meeting_pct"])
        assert row[5] == pytest.approx(mine["on_time_pct"])
    assert pd.isna(communes.iloc[2]["Sinh hoạt (%)"])
    # Written the Vietnamese way, as on the commune pages: «85,3 %».
    shown = shown_text(at.dataframe[0])
    assert shown.iloc[0, 2] == f"{communes.iloc[0, 2]:.1f}\u00a0%".replace(".", ",")
    assert reachable(at) == {"province_overview", "province_sync"}


def test_drilldown_lists_the_chosen_communes_hamlets():
    at = start(STAFF)
    at.selectbox(key="province_drill_commune").set_value("X002").run()
    detail = next(d.value for d in at.dataframe if "Cấp" in d.value.columns)
    assert detail["Cấp"].iloc[0] == "Xã, phường"
    assert all("(X002)" in name for name in detail["Tên"].iloc[1:])
    assert len(detail) == 7


def test_a_commune_account_sees_only_its_own_commune():
    at = start(COMMUNE)
    shown = texts(at)
    assert at.title[0].value == "Tổng hợp Xã Mỹ Thạnh"
    assert "(X001)" in shown
    assert "X002" not in shown and "Phú Túc" not in shown and "Tân Lợi" not in shown
    assert not [s for s in at.selectbox if s.key == "province_drill_commune"]
    assert reachable(at) == {"province_overview", "province_sync"}
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/province_registry.py")
    at.switch_page("pages/province_sync.py").run()
    status = at.dataframe[0].value
    assert list(status["Mã xã"]) == ["X001"]
    assert "province_sync_now" not in [b.key for b in at.button]
    assert "Tân Lợi" not in texts(at)


def test_the_sync_page_says_what_failed_and_why():
    at = start(STAFF, page="province_sync")
    status = at.dataframe[0].value
    assert list(status["Trạng thái"]) == ["Đã đồng bộ", "Đã đồng bộ", "Lỗi lần gần nhất"]
    assert status.iloc[0]["Đồng bộ được lúc"] == "09:00 20/11/2026"
    assert status.iloc[2]["Lỗi"] == FAILURE
    assert any(FAILURE in plain(e.value) and "Tân Lợi" in e.value for e in at.error)
    assert "**3 xã**: 2 đã đồng bộ, 1 lỗi lần gần nhất, 0 chưa đồng bộ." in texts(at)
    assert at.button(key="province_sync_now").label == "Đồng bộ ngay"


def test_an_account_of_a_communes_app_is_refused_in_province_mode():
    at = start()
    assert at.title[0].value == "Tổng hợp tổ nhân dân tự quản toàn tỉnh"
    at.text_input(key="auth_form_username").input("lan")
    at.text_input(key="auth_form_password").input(PASSWORD)
    at.button[0].click().run()
    assert at.error[0].value.startswith("Tài khoản này dùng cho ứng dụng của một xã")
    assert not at.dataframe and not at.metric
    # The same form signs a commune account in.
    at.text_input(key="auth_form_username").input("xa1")
    at.text_input(key="auth_form_password").input(PASSWORD)
    at.button[0].click().run()
    assert at.title[0].value == "Tổng hợp Xã Mỹ Thạnh"


def test_the_store_is_read_once_for_every_session_and_rerun(monkeypatch):
    from tothu_core.province.store_duckdb import DuckDBStore

    reads = []
    original = DuckDBStore.read_table
    monkeypatch.setattr(
        DuckDBStore,
        "read_table",
        lambda self, name, communes=None: reads.append(name) or original(self, name, communes),
    )
    from streamlit import cache_resource

    cache_resource.clear()
    first = start(STAFF)
    first.run()
    start(COMMUNE).run()
    assert sorted(reads) == sorted(f"rollup.{name}" for name in rollup.SCHEMAS)


def test_the_admin_edits_the_registry_and_a_bad_save_changes_nothing(province):
    from tothu_core.province.registry import load_registry

    path = province / "danh-sach-xa.csv"
    before = path.read_bytes()
    at = start(ADMIN, page="province_registry")
    try:
        assert at.title[0].value == "Danh sách xã"
        assert list(at.dataframe[0].value["Mã xã"]) == ["X001", "X002", "X003"]
        # A new commune with the code X001: refused in Vietnamese, the file untouched,
        # and every field still holds what was typed.
        typed = {"code": "X001", "name": "Xã Long Hòa", "source": "x004.xlsx"}
        for key, value in typed.items():
            at.text_input(key=f"reg__{key}").input(value)
        at.button[0].click().run()
        assert any(e.value.startswith("Chưa lưu, vì:") and "X001" in e.value for e in at.error)
        assert path.read_bytes() == before
        assert {k: at.text_input(key=f"reg__{k}").value for k in typed} == typed
        # Corrected, it is saved; the list shows it at once.
        at.text_input(key="reg__code").input("X004")
        at.button[0].click().run()
        assert [c.code for c in load_registry(path).communes] == ["X001", "X002", "X003", "X004"]
        assert plain(at.success[0].value) == "Đã thêm Xã Long Hòa (X004) vào danh sách xã."
        assert list(at.dataframe[0].value["Mã xã"]) == ["X001", "X002", "X003", "X004"]
        # Removing needs the confirmation box.
        at.selectbox(key="reg_remove").set_value("X003")
        next(b for b in at.button if b.label == "Bỏ xã").click().run()
        assert any("ô xác nhận" in e.value for e in at.error)
        assert len(load_registry(path).communes) == 4
        at.checkbox(key="reg_remove_sure").check()
        next(b for b in at.button if b.label == "Bỏ xã").click().run()
        assert [c.code for c in load_registry(path).communes] == ["X001", "X002", "X004"]
        # Once saved, the forms start blank: the new commune's fields are empty, and the
        # confirmation does not carry over to the next commune picked.
        assert all(at.text_input(key=f"reg__{k}").value == "" for k in typed)
        assert at.checkbox(key="reg_remove_sure").value is False
        at.selectbox(key="reg_remove").set_value("X004")
        next(b for b in at.button if b.label == "Bỏ xã").click().run()
        assert any("ô xác nhận" in e.value for e in at.error)
        assert len(load_registry(path).communes) == 3
    finally:
        path.write_bytes(before)


def test_sync_now_reads_each_commune_and_the_pages_show_it(tmp_path, monkeypatch):
    """«Đồng bộ ngay» runs the real sync in the app's worker thread: one commune's workbook
    is read into the store, the other (its file missing) fails with its reason."""
    from streamlit import cache_resource

    from tothu_core.sheet.demo import write_workbook

    book = generate_workbook(months=3, end_month="10/2026", today=NOW.date())
    write_workbook(book, tmp_path / "x001.xlsx")
    (tmp_path / "danh-sach-xa.csv").write_text(
        "Mã xã,Tên xã,Nguồn dữ liệu,Ghi chú\nX001,Xã Mỹ Thạnh,x001.xlsx,\n"
        "X002,Xã Phú Túc,khong-co.xlsx,\n",
        encoding="utf-8",
    )
    AccountStore(tmp_path / "accounts.json").set_password(
        "tinh", PASSWORD, cadre_id=None, province_role="province"
    )
    monkeypatch.setenv("TOTHU_REGISTRY", str(tmp_path / "danh-sach-xa.csv"))
    monkeypatch.setenv("TOTHU_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TOTHU_ACCOUNTS_FILE", str(tmp_path / "accounts.json"))
    cache_resource.clear()
    at = start(STAFF, page="province_sync")
    assert list(at.dataframe[0].value["Trạng thái"]) == ["Chưa đồng bộ", "Chưa đồng bộ"]
    at.button(key="province_sync_now").click().run()
    for _ in range(120):
        if not [b for b in at.button if b.key == "province_sync_refresh"]:
            break
        time.sleep(0.5)
        at.run()
    status = at.dataframe[0].value
    assert list(status["Trạng thái"]) == ["Đã đồng bộ", "Lỗi lần gần nhất"]
    assert "khong-co.xlsx" in status.iloc[1]["Lỗi"]
    assert any(plain(i.value).startswith("Đồng bộ 2 xã: 1 đọc lại") for i in at.info)
    at.switch_page("pages/province_overview.py").run()
    communes = at.dataframe[0].value
    assert list(communes["Xã, phường"]) == ["Xã Mỹ Thạnh", "Xã Phú Túc"]
    assert {m.label: m.value for m in at.metric}["Số tổ"] == "102"
    cache_resource.clear()


def test_google_sign_in_reads_the_province_table_of_secrets(province):
    """A Google e-mail listed for X002 sees X002 only; one listed nowhere gets one sentence."""
    from tests.pages.test_page_auth import GOOGLE_AUTH, google_user

    secrets = {
        "auth": GOOGLE_AUTH,
        "province": {
            "registry": str(province / "danh-sach-xa.csv"),
            "staff": ["lanh.dao@tinh.example"],
            "communes": {"X002": ["VanPhong.PhuTuc@tinh.example"]},
            "role_names": {"commune": "Văn phòng Đảng ủy xã"},
        },
    }

    def signed_in(email):
        at = AppTest.from_file(APP, default_timeout=TIMEOUT)
        at.user = google_user(email)
        for name, table in secrets.items():
            at.secrets[name] = table
        at.run()
        assert not at.exception, at.exception
        return at

    at = signed_in("vanphong.phutuc@tinh.example")
    assert at.title[0].value == "Tổng hợp Xã Phú Túc"
    assert "(X001)" not in texts(at) and "Mỹ Thạnh" not in texts(at)
    assert "Văn phòng Đảng ủy xã" in texts(at)
    assert reachable(at) == {"province_overview", "province_sync"}
    at = signed_in("la@example.org")
    assert plain(at.error[0].value).startswith("Địa chỉ la@example.org chưa có trong danh sách")
    assert not at.dataframe and not at.metric


def test_a_commune_account_cannot_ask_for_another_communes_drilldown():
    """A drill-down choice left in the session (or forged) is not how a page picks its rows."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state[ACCOUNT_KEY] = COMMUNE
    at.session_state["province_drill_commune"] = "X002"
    at.query_params["thang"] = "09-2026"
    at.run()
    assert not at.exception
    assert at.selectbox(key="province_month").value == "09/2026"
    shown = texts(at)
    assert "(X001)" in shown and "X002" not in shown and "Phú Túc" not in shown


def test_a_registry_that_cannot_be_read_is_one_sentence(province, monkeypatch):
    monkeypatch.setenv("TOTHU_REGISTRY", str(province / "khong-co.csv"))
    at = start(STAFF)
    assert plain(at.error[0].value).startswith(
        f"Không đọc được danh sách xã {province / 'khong-co.csv'}"
    )
    assert not at.dataframe and not at.metric


def test_names_typed_in_the_registry_show_as_text(province, monkeypatch, tmp_path):
    typed = "Xã *Mỹ* Thạnh <b>mới</b>"
    registry = tmp_path / "danh-sach-xa.csv"
    registry.write_text(REGISTRY.replace("Xã Mỹ Thạnh", typed), encoding="utf-8")
    monkeypatch.setenv("TOTHU_REGISTRY", str(registry))
    at = start(COMMUNE)
    title = at.title[0].value
    assert plain(title) == f"Tổng hợp {typed}" and title != plain(title)
    at = start({"username": "xa9", "commune": "X*9", "role": None})
    assert "X\\*9" in at.markdown[0].value


def test_a_registry_without_any_commune(tmp_path, monkeypatch):
    """Every page opens on an empty list, and says what to do."""
    from streamlit import cache_resource

    registry = tmp_path / "danh-sach-xa.csv"
    registry.write_text("Mã xã,Tên xã,Nguồn dữ liệu,Ghi chú\n", encoding="utf-8")
    monkeypatch.setenv("TOTHU_REGISTRY", str(registry))
    monkeypatch.setenv("TOTHU_DATA_DIR", str(tmp_path / "data"))
    cache_resource.clear()
    at = start(ADMIN)
    assert at.info[0].value == (
        "Danh sách xã chưa có xã, phường nào: hãy thêm ở trang «Danh sách xã»."
    )
    at = start(STAFF, page="province_sync")
    assert "**0 xã**: 0 đã đồng bộ, 0 lỗi lần gần nhất, 0 chưa đồng bộ." in texts(at)
    assert at.info[-1].value == "Không có dòng nào."
    assert "vui lòng báo người quản trị" in start(STAFF).info[0].value
    cache_resource.clear()


def test_a_commune_never_synced_is_told_so_on_its_overview():
    at = start({"username": "xa3", "commune": "X003", "role": None})
    assert at.info[0].value.startswith("Chưa có số liệu tổng hợp của Xã Tân Lợi: xã chưa được")
    at.switch_page("pages/province_sync.py").run()
    assert any(FAILURE in plain(e.value) for e in at.error)
    assert "X001" not in texts(at) and "Mỹ Thạnh" not in texts(at)


def test_a_province_account_on_a_communes_app_is_told_why(tmp_path, monkeypatch):
    """The commune's own app (no registry) with the same accounts file: a province account
    gets one sentence instead of the sign-in form again; a cadre's account signs in."""
    from tests.app_support import use_workbook

    monkeypatch.delenv("TOTHU_REGISTRY", raising=False)
    use_workbook(
        monkeypatch, generate_workbook(months=2, end_month="10/2026", today=NOW.date()), tmp_path
    )
    accounts = AccountStore(
        tmp_path / "accounts.json",
        hasher=PasswordHasher(time_cost=1, memory_cost=8, parallelism=1),
    )
    accounts.set_password("tinh", PASSWORD, cadre_id=None, province_role="province")
    accounts.set_password("lan", PASSWORD, cadre_id="CB01", commune="X001")
    at = start()
    for username in ("tinh", "lan"):
        at.text_input(key="auth_form_username").input(username)
        at.text_input(key="auth_form_password").input(PASSWORD)
        at.button[0].click().run()
        if username == "tinh":
            assert plain(at.error[0].value).startswith(
                "Tài khoản «tinh» dùng cho trang tổng hợp toàn tỉnh"
            )
    assert at.title[0].value == "Tổng quan"


def test_a_commune_renamed_in_the_registry_shows_its_new_name_at_once(province, monkeypatch):
    """The figures are memoised per store version; the registry's names are not part of them."""
    before = start(STAFF)
    assert list(before.dataframe[0].value["Xã, phường"])[1] == "Xã Phú Túc"
    renamed = province / "doi-ten.csv"
    renamed.write_text(REGISTRY.replace("Xã Phú Túc", "Phường Phú Túc"), encoding="utf-8")
    monkeypatch.setenv("TOTHU_REGISTRY", str(renamed))
    at = start(STAFF)
    assert list(at.dataframe[0].value["Xã, phường"]) == [
        "Xã Mỹ Thạnh",
        "Phường Phú Túc",
        "Xã Tân Lợi",
    ]
    at.selectbox(key="province_drill_commune").set_value("X002").run()
    detail = next(d.value for d in at.dataframe if "Cấp" in d.value.columns)
    assert detail["Tên"].iloc[0] == "Phường Phú Túc"


def test_missing_reports_are_those_of_one_month(tmp_path, monkeypatch, union):
    """A commune last synced a month earlier still holds its older list: the expander of the
    month being chased counts and lists that month's reports only."""
    from streamlit import cache_resource

    (tmp_path / "danh-sach-xa.csv").write_text(REGISTRY, encoding="utf-8")
    store = open_store(None, tmp_path / "data")
    earlier = NOW - dt.timedelta(days=30)
    for code, when in (("X001", NOW), ("X002", earlier)):
        tables = rollup.commune_tables(cut(union, f"{code}-"), now=when)
        store.replace_commune(
            code, {f"rollup.{k}": v for k, v in tables.items()}, [], version="v1", synced_at=when
        )
    newest = rollup.commune_tables(cut(union, "X001-"), now=NOW)["missing"]
    monkeypatch.setenv("TOTHU_REGISTRY", str(tmp_path / "danh-sach-xa.csv"))
    monkeypatch.setenv("TOTHU_DATA_DIR", str(tmp_path / "data"))
    cache_resource.clear()
    at = start(STAFF)
    label = next(e.label for e in at.expander if "còn thiếu" in e.label)
    assert label == f"Báo cáo tháng 10/2026 còn thiếu ({int(newest['missing'].sum())})"
    table = next(d.value for d in at.dataframe if "Số báo cáo chưa nộp" in d.value.columns)
    assert set(table["Tháng"]) == {"10/2026"} and set(table["Xã, phường"]) == {"Xã Mỹ Thạnh"}
    cache_resource.clear()


def test_a_role_withdrawn_applies_to_a_session_already_signed_in(province):
    """The session keeps who signed in, not what they may see: the accounts file says that."""
    accounts = AccountStore(province / "accounts.json")
    accounts.set_password("tam", PASSWORD, cadre_id=None, province_role="province")
    at = start({"username": "tam", "commune": None, "role": "province"})
    assert at.title[0].value == "Tổng hợp các xã"
    accounts.set_password("tam", PASSWORD, cadre_id=None, commune="X002")
    at.run()
    assert at.title[0].value == "Tổng hợp Xã Phú Túc"
    assert "Mỹ Thạnh" not in texts(at) and "(X001)" not in texts(at)
    accounts.remove("tam")
    at.run()
    assert at.title[0].value == "Tổng hợp tổ nhân dân tự quản toàn tỉnh"
    assert not at.dataframe and not at.metric


def test_a_province_table_typed_wrong_is_the_only_page(province):
    """`[province.communes]` typed as a list: one sentence, not a Python error at sign-in."""
    from tests.pages.test_page_auth import GOOGLE_AUTH, google_user

    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.user = google_user("xa2@tinh.example")
    at.secrets["auth"] = GOOGLE_AUTH
    at.secrets["province"] = {
        "registry": str(province / "danh-sach-xa.csv"),
        "communes": ["xa2@tinh.example"],
    }
    at.run()
    assert not at.exception, at.exception
    assert plain(at.error[0].value).startswith("Mục [province] của .streamlit/secrets.toml ghi")
    assert not at.dataframe and not at.metric


def test_a_commune_synced_with_no_month_of_data_is_not_called_unsynced(tmp_path, monkeypatch):
    from streamlit import cache_resource

    from tothu_core.sheet.dataset import Dataset

    ds = read_dataset(generate_workbook(months=1, end_month="10/2026", today=NOW.date()))
    empty = Dataset(
        hamlets=ds.hamlets,
        cadres=ds.cadres,
        groups=ds.groups,
        assignments=ds.assignments.iloc[0:0],
        meetings=ds.meetings.iloc[0:0],
        topics=ds.topics,
    )
    (tmp_path / "danh-sach-xa.csv").write_text(REGISTRY, encoding="utf-8")
    store = open_store(None, tmp_path / "data")
    tables = rollup.commune_tables(empty, now=NOW)
    store.replace_commune(
        "X001", {f"rollup.{k}": v for k, v in tables.items()}, [], version="v1", synced_at=NOW
    )
    monkeypatch.setenv("TOTHU_REGISTRY", str(tmp_path / "danh-sach-xa.csv"))
    monkeypatch.setenv("TOTHU_DATA_DIR", str(tmp_path / "data"))
    cache_resource.clear()
    at = start(COMMUNE)
    assert at.info[0].value == (
        "Chưa có số liệu tổng hợp: bảng tính của xã chưa có tháng nào có số liệu sinh hoạt."
    )
    assert "chưa xã nào được đồng bộ" not in start(STAFF).info[0].value
    cache_resource.clear()


def test_an_older_month_does_not_claim_no_group_needs_attention():
    """Needs-attention lists are kept for the last 3 months of a sync: 07/2026 has none."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state[ACCOUNT_KEY] = STAFF
    at.query_params["thang"] = "07-2026"
    at.run()
    assert at.selectbox(key="province_month").value == "07/2026"
    assert not at.success
    assert any("chỉ được lưu cho 3 tháng gần nhất" in i.value for i in at.info)
    full = next(d.value for d in at.dataframe if "Mã xã" in d.value.columns)
    assert "Tổ cần quan tâm" not in full.columns
    # The month shown first still lists them, and counts them per commune.
    at = start(STAFF)
    full = next(d.value for d in at.dataframe if "Mã xã" in d.value.columns)
    assert full["Tổ cần quan tâm"].sum() > 0
    assert not any("chỉ được lưu" in i.value for i in at.info)


def test_the_overview_names_the_communes_whose_last_sync_failed():
    """Their figures are those of the last good sync: the overview says so, the sync page why."""
    at = start(STAFF)
    warning = plain(at.warning[0].value)
    assert warning.startswith("Lần đồng bộ gần nhất bị lỗi: Xã Tân Lợi. Số liệu của xã này")
    assert "Mỹ Thạnh" not in warning and "Phú Túc" not in warning
    assert not start(COMMUNE).warning


def test_a_registry_with_rows_left_out_is_not_saved_over(province, monkeypatch, tmp_path):
    """A row the reader left out (no source yet) is not in the list the page holds: saving
    would delete it from the file, so the page refuses and keeps what was typed."""
    path = tmp_path / "danh-sach-xa.csv"
    path.write_text(REGISTRY + "X005,Xã Long Hòa,,nguồn chưa có\n", encoding="utf-8")
    before = path.read_bytes()
    monkeypatch.setenv("TOTHU_REGISTRY", str(path))
    at = start(ADMIN, page="province_registry")
    assert any("Dòng 5 thiếu «Nguồn dữ liệu»" in plain(w.value) for w in at.warning)
    at.text_input(key="reg__code").input("X006")
    at.text_input(key="reg__name").input("Xã An Hiệp")
    at.text_input(key="reg__source").input("x006.xlsx")
    at.button[0].click().run()
    assert any(
        plain(e.value).startswith("Chưa lưu: tệp danh sách xã có 1 dòng lỗi") for e in at.error
    )
    assert path.read_bytes() == before
    assert at.text_input(key="reg__code").value == "X006"

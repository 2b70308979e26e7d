"""Sign-in and roles, through the real app.py under AppTest.

Google sign-in is played by `AppTest.user` (what `st.user` reads); local accounts go through
the real sign-in form and accounts file; a Google Sheet source is served by the fake Sheets
server, whose request log proves what a signed-out visitor does not cause.
"""

from __future__ import annotations

import json
import re
import time

import pandas as pd
import pytest
import streamlit as st
from argon2 import PasswordHasher
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from tests.app_support import APP, TIMEOUT, use_demo
from tests.sheets import MEETING_HEADERS, assign, book, group, hamlet, meeting, tab
from tothu_core.entry import entries
from tothu_core.people import accounts as accounts_module
from tothu_core.people.accounts import AccountStore
from tothu_core.sheet.demo import write_workbook
from tothu_core.sheet.sources.gsheets import GoogleSheetSource

KEY = "1TestSheetForSignIn_abcdefghijklmnopqrstuvwx"
PASSWORD = "Mật khẩu đúng 2026"
PEOPLE = [
    ["CB01", "Nguyễn Văn An", "an.nguyen@example.org", "Cán bộ"],
    ["CB02", "Trần Thị Bình", "binh.tran@example.org", "Cán bộ"],
    ["LD01", "Lê Văn Cường", "cuong.le@example.org", "Lãnh đạo"],
    ["QT01", "Phạm Thị Dung", "dung.pham@example.org", "Quản trị"],
]
ACCOUNTS = {"an": "CB01", "binh": "CB02", "cuong": "LD01", "dung": "QT01"}
# T1 (CB01) and T3 (CB02) are rated weak, so the overview's "needs attention" table lists
# one group of each cadre; 09/2026 is the only month with entries.
RAW = book(
    hamlets=[hamlet("A1", "Ấp Mỹ An"), hamlet("A2", "Ấp Bình Hòa")],
    groups=[group("T1", "A1", 10, "Yếu"), group("T2", "A1", 20), group("T3", "A2", 15, "Yếu")],
    assignments=[
        assign("CB01", "T1", "1/1/2026"),
        assign("CB02", "T2", "1/1/2026"),
        assign("CB02", "T3", "1/1/2026"),
    ],
    extra={
        "Cán bộ": tab(["Mã cán bộ", "Họ và tên", "Email", "Vai trò"], PEOPLE),
        # With Mã phiếu, the column the entry form needs before it may write.
        "Sinh hoạt": tab(
            [*MEETING_HEADERS, "Mã phiếu"],
            [
                [*meeting("09/2026", "T1", "CB01", at="12/9/2026 08:00"), "P-1"],
                [
                    *meeting("09/2026", "T2", "CB02", "11/9/2026", 15, "x", at="12/9/2026 09:00"),
                    "P-2",
                ],
            ],
        ),
    },
)
GOOGLE_AUTH = {
    "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
    "cookie_secret": "not-a-real-secret",
    "client_id": "test-client.apps.googleusercontent.com",
    "client_secret": "not-a-real-client-secret",
    "server_metadata_url": "https://accounts.google.com/.well-known/openid-configuration",
}

ALL_PAGES = (
    "overview",
    "assignment_map",
    "meetings",
    "reports",
    "entry_form",
    "my_history",
    "monthly_report",
    "month_lock",
    "data_check",
    "settings",
)
CADRE_PAGES = {"overview", "entry_form", "my_history"}
LEADER_PAGES = CADRE_PAGES | {
    "assignment_map",
    "meetings",
    "reports",
    "monthly_report",
    "month_lock",
}
ADMIN_PAGES = LEADER_PAGES | {"data_check", "settings"}
_PAGES_MANAGER_INIT = PagesManager.__init__


@pytest.fixture(autouse=True)
def quick_hashes(monkeypatch):
    """Cheap argon2 parameters for the app's account store and ours: same checks, less CPU."""
    monkeypatch.setattr(
        accounts_module,
        "PasswordHasher",
        lambda: PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1),
    )


@pytest.fixture(autouse=True)
def fresh_store():
    """The shared snapshot store lives in st.cache_resource; each test gets its own."""
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


@pytest.fixture
def accounts_path(monkeypatch, tmp_path):
    """Where the accounts file would be; it does not exist until `accounts` writes it."""
    path = tmp_path / "config" / "accounts.json"
    monkeypatch.setenv("TOTHU_ACCOUNTS_FILE", str(path))
    monkeypatch.setenv("TOTHU_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("TOTHU_SOURCE", raising=False)
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    return path


@pytest.fixture
def workbook(monkeypatch, tmp_path, accounts_path):
    """A real source: the hand-made commune above in an .xlsx file."""
    path = write_workbook(RAW, tmp_path / "so-lieu.xlsx")
    monkeypatch.setenv("TOTHU_SOURCE", str(path))
    return path


@pytest.fixture
def accounts(accounts_path):
    """Local accounts switched on: one per person of the sheet, all with PASSWORD."""
    store = AccountStore(accounts_path)
    for username, cadre_id in ACCOUNTS.items():
        store.set_password(username, PASSWORD, cadre_id=cadre_id)
    return store


@pytest.fixture
def sheet(monkeypatch, tmp_path, accounts_path, fake_sheets, service_account_info):
    """A Google Sheet source served by the fake server.

    The app builds its source from configuration only, so the test routes the Google backend
    to the fake by giving `GoogleSheetSource` a default `http_adapter`: nothing in the app
    or its configuration can do this, so no office can switch it on by accident.
    """
    fake_sheets.add_spreadsheet(KEY, RAW)
    key_file = tmp_path / "service-account.json"
    key_file.write_text(json.dumps(service_account_info), encoding="utf-8")
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(key_file))
    monkeypatch.setenv("TOTHU_SOURCE", f"gsheets:{KEY}")
    build = GoogleSheetSource.__init__

    def routed(self, *args, http_adapter=None, **kwargs):
        build(self, *args, http_adapter=http_adapter or fake_sheets.http_adapter(), **kwargs)

    monkeypatch.setattr(GoogleSheetSource, "__init__", routed)
    return fake_sheets


def start(*, user=None, secrets=None, state=None, query=None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    if user is not None:
        at.user = user
    for name, table in (secrets or {}).items():
        at.secrets[name] = table
    for key, value in (state or {}).items():
        at.session_state[key] = value
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at.run()


def google_user(email: str, **claims) -> dict:
    return {"is_logged_in": True, "email": email, "email_verified": True, **claims}


def reachable(at: AppTest) -> set[str]:
    """The pages this session's navigation lists: switching to any other one is refused."""
    found = set()
    for key in ALL_PAGES:
        try:
            at.switch_page(f"pages/{key}.py")
        except ValueError:
            continue
        found.add(key)
    return found


def shown(markdown: str) -> str:
    """What a Markdown body reads as: sheet text is escaped with backslashes (and a bare
    address broken by an invisible word joiner, U+2060)."""
    return re.sub(r"\\(.)", r"\1", str(markdown)).replace("\u2060", "")


def texts(at: AppTest) -> str:
    """Every text the run showed, main area and sidebar, to look for what must not be there."""
    parts = []
    for kind in ("markdown", "caption", "error", "info", "warning", "title", "subheader"):
        parts += [shown(e.value) for e in at.get(kind)]
    parts += [frame.value.to_string() for frame in at.dataframe]
    return "\n".join(parts)


def errors(at: AppTest) -> list[str]:
    return [shown(e.value) for e in at.error]


def sidebar_text(at: AppTest) -> str:
    return "\n".join(shown(m.value) for m in [*at.sidebar.markdown, *at.sidebar.caption])


def sign_in(at: AppTest, username: str, password: str) -> AppTest:
    at.text_input(key="auth_form_username").input(username)
    at.text_input(key="auth_form_password").input(password)
    at.button[0].click()
    return at.run()


def titles(at: AppTest) -> list[str]:
    return [t.value for t in at.title]


# -- Google sign-in -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("email", "name", "role", "pages"),
    [
        ("AN.Nguyen@example.org", "Nguyễn Văn An", "Cán bộ", CADRE_PAGES),
        (" cuong.le@EXAMPLE.ORG", "Lê Văn Cường", "Lãnh đạo", LEADER_PAGES),
        ("Dung.Pham@example.org", "Phạm Thị Dung", "Quản trị", ADMIN_PAGES),
    ],
)
def test_google_sign_in_gives_each_role_its_pages(workbook, email, name, role, pages):
    at = start(user=google_user(email), secrets={"auth": GOOGLE_AUTH})
    assert not at.exception
    assert titles(at) == ["Tổng quan"]
    assert name in sidebar_text(at) and role in sidebar_text(at)
    assert reachable(at) == pages


def test_an_email_not_in_the_sheet_sees_a_polite_refusal_and_nothing_else(workbook):
    at = start(user=google_user("stranger@example.org"), secrets={"auth": GOOGLE_AUTH})
    assert titles(at) == ["Không có quyền truy cập"]
    assert "stranger@example.org chưa có trong danh sách cán bộ" in texts(at)
    assert not at.dataframe and not at.metric and not at.selectbox and not at.download_button
    assert not reachable(at)
    assert [b.label for b in at.button] == ["Đăng xuất"]


def test_a_refused_person_causes_no_read_beyond_the_one_that_identified_them(
    sheet, accounts_path, monkeypatch
):
    # A zero cache time: any look at the store would start a background re-read.
    monkeypatch.setenv("TOTHU_CACHE_TTL_SECONDS", "0")
    at = start(user=google_user("stranger@example.org"), secrets={"auth": GOOGLE_AUTH})
    assert titles(at) == ["Không có quyền truy cập"]
    assert sheet.count("batchGet") == 1
    identified = sheet.count()
    for query in ({}, {"thang": "09-2026"}, {"canbo": "CB01"}):
        at.query_params.update(query)
        at.run()
        assert titles(at) == ["Không có quyền truy cập"]
        assert not reachable(at)
    time.sleep(1.0)  # a background re-read, had one started, has landed by now
    assert sheet.count() == identified and sheet.count("batchGet") == 1
    assert "Khi đã được bổ sung vào danh sách cán bộ" in texts(at)
    # Signing out and in again is a new identification (one look at the shared snapshot).
    at.button(key="auth_sign_out").click().run()
    assert "auth_refused" not in at.session_state


def test_an_email_written_differently_in_the_sheet_still_signs_in(workbook, monkeypatch):
    at = start(user=google_user("ＣＵＯＮＧ.LE@example.org\u200b"), secrets={"auth": GOOGLE_AUTH})
    assert titles(at) == ["Tổng quan"]
    assert "Lê Văn Cường" in sidebar_text(at)


def test_an_email_google_has_not_verified_is_refused(workbook):
    user = google_user("cuong.le@example.org", email_verified=False)
    at = start(user=user, secrets={"auth": GOOGLE_AUTH})
    assert titles(at) == ["Không có quyền truy cập"]
    assert "chưa xác minh" in texts(at)
    assert not reachable(at)


def test_signing_out_of_google_forgets_the_person(workbook):
    at = start(user=google_user("cuong.le@example.org"), secrets={"auth": GOOGLE_AUTH})
    at.button(key="auth_sign_out").click().run()
    assert at.user == {"is_logged_in": False}
    at.run()
    assert titles(at) == ["Theo dõi tổ nhân dân tự quản"]
    assert [b.label for b in at.button] == ["Đăng nhập bằng Google"]
    assert not at.dataframe and "Lê Văn Cường" not in texts(at)


# -- a signed-out visitor reads nothing -------------------------------------------------------


@pytest.mark.parametrize("how", ["google", "local", "unconfigured"])
def test_a_signed_out_visitor_causes_no_sheets_request(sheet, accounts_path, how):
    secrets = {"auth": GOOGLE_AUTH} if how == "google" else None
    if how == "local":
        AccountStore(accounts_path).set_password("an", PASSWORD, cadre_id="CB01")
    at = start(user={"is_logged_in": False}, secrets=secrets)
    if how == "local":
        sign_in(at, "an", "not the password")
    # A URL to a data page changes nothing either: only the sign-in page exists.
    at.query_params.update({"thang": "09-2026", "canbo": "CB01"})
    at.run()
    assert not at.exception
    assert titles(at) == ["Theo dõi tổ nhân dân tự quản"]
    assert not at.dataframe and not at.metric and "Nguyễn Văn An" not in texts(at)
    assert sheet.count() == 0


def test_signing_in_is_what_reads_the_sheet(sheet, accounts_path):
    AccountStore(accounts_path).set_password("an", PASSWORD, cadre_id="CB01")
    at = start()
    assert sheet.count() == 0
    sign_in(at, "an", PASSWORD)
    assert titles(at) == ["Tổng quan"]
    assert sheet.count("batchGet") == 1


def test_the_settings_page_shows_the_source_but_no_secret(sheet, accounts, service_account_info):
    at = start(state={"auth_local_cadre": "QT01"})
    at.switch_page("pages/settings.py").run()
    assert titles(at) == ["Cài đặt"]
    shown = texts(at).replace("\\", "")  # markdown escapes
    assert f"https://docs.google.com/spreadsheets/d/{KEY}/edit" in shown
    assert service_account_info["client_email"] in shown
    assert "PRIVATE KEY" not in shown and service_account_info["private_key_id"] not in shown
    (table,) = at.dataframe
    assert table.value["Tên đăng nhập"].tolist() == sorted(ACCOUNTS)
    assert table.value["Vai trò"].tolist() == ["Cán bộ", "Cán bộ", "Lãnh đạo", "Quản trị"]
    assert "$argon2" not in shown and PASSWORD not in shown


# -- local accounts -----------------------------------------------------------------------------


def test_a_wrong_password_is_refused_and_shows_nothing(workbook, accounts):
    at = sign_in(start(), "an", "mật khẩu sai")
    assert errors(at) == [accounts.refusal]
    assert titles(at) == ["Theo dõi tổ nhân dân tự quản"]
    assert "auth_local_cadre" not in at.session_state
    assert not at.dataframe and not reachable(at)


def test_the_right_password_signs_in_with_name_and_role_in_the_sidebar(workbook, accounts):
    at = sign_in(start(), "  AN ", PASSWORD)
    assert not at.exception
    assert titles(at) == ["Tổng quan"]
    assert "Nguyễn Văn An" in sidebar_text(at) and "Cán bộ" in sidebar_text(at)
    assert "Tài khoản: an" in sidebar_text(at)
    assert reachable(at) == CADRE_PAGES


def test_repeated_failures_lock_the_account_even_against_the_right_password(workbook, accounts):
    at = start()
    for _ in range(accounts.max_attempts):
        sign_in(at, "binh", "đoán thử mật khẩu")
        assert errors(at) == [accounts.refusal]
    assert accounts.get("binh").locked_until is not None
    # Locked: the right password is refused with the very same sentence.
    sign_in(at, "binh", PASSWORD)
    assert errors(at) == [accounts.refusal]
    assert "auth_local_cadre" not in at.session_state
    # Another account is not affected.
    assert titles(sign_in(at, "an", PASSWORD)) == ["Tổng quan"]


def test_known_unknown_and_locked_usernames_read_the_same_refusal(workbook, accounts):
    at = start()
    for _ in range(accounts.max_attempts):
        sign_in(at, "binh", "đoán thử mật khẩu")
    answers = {
        "locked": errors(sign_in(at, "binh", PASSWORD)),
        "known": errors(sign_in(at, "an", "đoán thử mật khẩu")),
        "unknown": errors(sign_in(at, "khong-co-ai", "đoán thử mật khẩu")),
        "impossible": errors(sign_in(at, "Tên có dấu", "đoán thử mật khẩu")),
    }
    assert set(map(tuple, answers.values())) == {(accounts.refusal,)}
    # The form states the rule, so a locked cadre knows why and for how long.
    assert "sai mật khẩu 5 lần liền thì tài khoản tạm khóa 15 phút" in texts(at)


def test_one_browser_session_gets_a_limited_number_of_attempts(workbook, accounts, accounts_path):
    at = start()
    for number in range(10):
        sign_in(at, f"nguoi-{number}", "đoán thử mật khẩu")
        assert errors(at) == [accounts.refusal]
    before = accounts_path.read_text(encoding="utf-8")
    sign_in(at, "an", PASSWORD)
    (refused,) = errors(at)
    assert refused.startswith("Trình duyệt này đã thử đăng nhập 10 lần trong 15 phút")
    assert titles(at) == ["Theo dõi tổ nhân dân tự quản"]
    # Refused before any username was looked at: the accounts file did not change.
    assert accounts_path.read_text(encoding="utf-8") == before
    # Another browser (a new session) still signs in.
    assert titles(sign_in(start(), "an", PASSWORD)) == ["Tổng quan"]


def test_signing_in_and_out_does_not_renew_the_sessions_allowance(workbook, accounts):
    at = start()
    for number in range(9):
        sign_in(at, f"nguoi-{number}", "đoán thử mật khẩu")
    assert titles(sign_in(at, "an", PASSWORD)) == ["Tổng quan"]
    at.button(key="auth_sign_out").click().run()
    sign_in(at, "an", PASSWORD)
    assert errors(at)[0].startswith("Trình duyệt này đã thử đăng nhập 10 lần")


def test_no_plain_password_is_kept_in_the_file_or_the_session(workbook, accounts, accounts_path):
    at = sign_in(start(), "an", "một mật khẩu sai")
    assert at.session_state["auth_form_password"] == ""
    at = sign_in(at, "an", PASSWORD)
    assert titles(at) == ["Tổng quan"]
    kept = {key: at.session_state[key] for key in at.session_state}
    assert not any(PASSWORD in repr(value) for value in kept.values())
    stored = accounts_path.read_text(encoding="utf-8")
    assert PASSWORD not in stored and "$argon2id$" in stored
    for path in accounts_path.parent.iterdir():
        assert PASSWORD.encode() not in path.read_bytes()


def test_signing_out_of_a_local_account_returns_to_the_form(workbook, accounts):
    at = sign_in(start(), "cuong", PASSWORD)
    assert titles(at) == ["Tổng quan"]
    at.button(key="auth_sign_out").click().run()
    assert titles(at) == ["Theo dõi tổ nhân dân tự quản"]
    assert "auth_local_cadre" not in at.session_state
    assert not at.dataframe and "Lê Văn Cường" not in texts(at)


def test_an_account_whose_cadre_left_the_sheet_is_refused(workbook, accounts):
    accounts.set_password("cu", PASSWORD, cadre_id="CB99")
    at = sign_in(start(), "cu", PASSWORD)
    assert titles(at) == ["Không có quyền truy cập"]
    assert "CB99" in texts(at)
    assert not at.dataframe and not reachable(at)


# -- demo mode ------------------------------------------------------------------------------------


def test_the_bundled_demo_offers_a_role_picker_under_a_clear_banner(monkeypatch, tmp_path):
    use_demo(monkeypatch, tmp_path)
    at = start(state={"auth_demo_role": "Cán bộ"})
    assert not at.exception
    assert [s.label for s in at.sidebar.selectbox][:2] == ["Vai trò dùng thử", "Người dùng thử"]
    assert any("Chế độ dùng thử" in i.value for i in at.main.info)
    assert reachable(at) == CADRE_PAGES
    at.sidebar.selectbox(key="auth_demo_role").select("Quản trị").run()
    assert reachable(at) == ADMIN_PAGES


@pytest.mark.parametrize("configured", ["TOTHU_SOURCE", "TOTHU_SOURCE + accounts", "secrets"])
def test_demo_mode_disappears_once_a_real_source_is_set(request, accounts_path, configured):
    secrets = None
    if configured.startswith("TOTHU_SOURCE"):
        request.getfixturevalue("workbook")
    else:
        request.getfixturevalue("sheet")
        secrets = {"sheets": {"spreadsheet": f"https://docs.google.com/spreadsheets/d/{KEY}"}}
    if configured.endswith("accounts"):
        request.getfixturevalue("accounts")
    forged = {"auth_demo_role": "Quản trị", "auth_demo_cadre": "QT01"}
    at = start(state=forged, secrets=secrets)
    assert not at.exception
    assert titles(at) == ["Theo dõi tổ nhân dân tự quản"]
    assert "Vai trò dùng thử" not in [s.label for s in at.selectbox]
    assert "Chế độ dùng thử" not in texts(at)
    assert not at.dataframe and not reachable(at)


# -- pages outside the role -----------------------------------------------------------------------


def test_a_cadre_cannot_switch_to_a_page_outside_their_role(workbook, accounts):
    at = start(state={"auth_local_cadre": "CB01"})
    for key in sorted(set(ALL_PAGES) - CADRE_PAGES):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(f"pages/{key}.py")


def test_a_forbidden_page_asked_for_by_its_url_is_not_rendered(workbook, accounts):
    # The admin opens Cài đặt; the same browser session then belongs to a cadre and asks
    # for that page again, exactly as reloading its URL (/settings) would.
    at = start(state={"auth_local_cadre": "QT01"})
    at.switch_page("pages/settings.py").run()
    assert titles(at) == ["Cài đặt"]
    at.session_state["auth_local_cadre"] = "CB01"
    at.run()
    assert titles(at) == ["Tổng quan"]
    assert "Tài khoản cục bộ" not in texts(at) and "Tên đăng nhập" not in texts(at)


def test_a_page_file_run_on_its_own_shows_nothing(sheet, accounts, monkeypatch):
    # Until app.py's first st.navigation call, a fresh server is in Streamlit's folder-pages
    # mode, where the URL /settings runs pages/settings.py without app.py. The page must then
    # show no data, because only app.py, after sign-in, gives pages their context.
    monkeypatch.setattr(PagesManager, "__init__", _PAGES_MANAGER_INIT)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.switch_page("pages/settings.py").run()
    assert "Cài đặt" not in titles(at)
    assert not at.dataframe and "dung" not in texts(at)
    assert sheet.count() == 0


# -- exports and scope ----------------------------------------------------------------------------


def test_leadership_sees_every_group_needing_attention_and_may_download(workbook, accounts):
    at = start(state={"auth_local_cadre": "LD01"})
    (table,) = at.dataframe
    assert table.value["Mã tổ"].tolist() == ["T1", "T3"]
    assert [b.label for b in at.download_button] == ["⬇ Tải CSV", "⬇ Tải Excel"]


def test_a_cadre_sees_only_their_own_groups_even_with_a_forged_link(workbook, accounts):
    at = start(state={"auth_local_cadre": "CB01"}, query={"canbo": "CB02", "ap": "A2"})
    assert titles(at) == ["Tổng quan"]
    (table,) = at.dataframe
    assert table.value["Mã tổ"].tolist() == ["T1"]
    assert not at.download_button
    # No hamlet or cadre filter to widen the view with.
    assert [s.label for s in at.sidebar.selectbox] == ["Tháng"]


@pytest.mark.parametrize("page", sorted(CADRE_PAGES))
def test_a_cadre_gets_no_export_button_on_any_of_their_pages(workbook, accounts, page):
    at = start(state={"auth_local_cadre": "CB02"})
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception
    assert not at.download_button


# -- the write path checks the assignment, whatever the widgets send --------------------------


def fill_group(at: AppTest, month_key: str, group_id: str, day) -> None:
    def widget(kind, name):
        # The form's keys end in the number of the showing they belong to.
        prefix = f"entry_form__{month_key}__{group_id}__{name}__"
        return next(w for w in getattr(at, kind) if (w.key or "").startswith(prefix))

    widget("radio", "met").set_value(True)
    widget("selectbox", "meeting_date").set_value(day)
    widget("number_input", "households_present").set_value(5)
    widget("radio", "cadre_attended").set_value(True)


def test_a_cadre_cannot_submit_for_another_cadres_group_even_with_forged_widgets(
    sheet, accounts, monkeypatch
):
    # A tampered form: besides CB01's own T1 it offers CB02's T3, and CB01 fills both in.
    offered = entries.form_groups

    def with_someone_elses_group(ds, cadre_id, month):
        theirs = [g for g in offered(ds, "CB02", month) if g.group_id == "T3"]
        return offered(ds, cadre_id, month) + theirs

    monkeypatch.setattr(entries, "form_groups", with_someone_elses_group)
    at = start(state={"auth_local_cadre": "CB01"})
    at.switch_page("pages/entry_form.py").run()
    month = pd.Period(
        pd.to_datetime(at.selectbox(key="entry_form_month").value, format="%m/%Y"), freq="M"
    )
    month_key, day = month.strftime("%Y-%m"), month.start_time.date()
    fill_group(at, month_key, "T1", day)
    fill_group(at, month_key, "T3", day)
    at.button(key="entry_form_submit").click().run()
    refusals = "\n".join(e.value for e in at.error)
    assert "không được phân công phụ trách Tổ T3" in refusals
    assert "Chưa có báo cáo nào được ghi" in refusals
    assert sheet.count("append") == 0

    # The same cadre's own report goes through: the refusal above was about T3 alone.
    monkeypatch.setattr(entries, "form_groups", offered)
    at.run()
    fill_group(at, month_key, "T1", day)
    at.button(key="entry_form_submit").click().run()
    assert sheet.count("append") == 1
    written = sheet.values(KEY, "Sinh hoạt")[-1]
    assert written[1:3] == ["T1", "CB01"]

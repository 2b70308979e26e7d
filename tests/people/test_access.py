"""Who may open what and who is who: the rules the app enforces on the server."""

from __future__ import annotations

import unicodedata

import pytest

from tests.sheets import assign, book, group, hamlet, tab
from tothu_core.errors import AccessDenied
from tothu_core.people import access
from tothu_core.people.access import DEMO, GOOGLE, LOCAL, UNCONFIGURED, Viewer
from tothu_core.sheet import contract
from tothu_core.sheet.reader import read_dataset

CADRE_HEADERS = ["Mã cán bộ", "Họ và tên", "Email", "Vai trò"]
PEOPLE = [
    ["CB01", "Nguyễn Văn An", "an.nguyen@example.org", "Cán bộ"],
    ["CB02", "Trần Thị Bình", "  Binh.Tran@Example.ORG ", ""],
    ["LD01", "Lê Văn Cường", "cuong.le@example.org", "Lãnh đạo"],
    ["QT01", "Phạm Thị Dung", "dung.pham@example.org", "Quản trị"],
    ["CB05", "Võ Văn Em", "", "Cán bộ"],
]


def dataset(people=PEOPLE):
    raw = book(
        hamlets=[hamlet("A1")],
        groups=[group("T1", "A1", 10)],
        assignments=[assign("CB01", "T1", "1/1/2026")],
        extra={"Cán bộ": tab(CADRE_HEADERS, people)},
    )
    return read_dataset(raw)


@pytest.fixture(scope="module")
def ds():
    return dataset()


def viewer(role: str) -> Viewer:
    return Viewer(name="X", cadre_id="X1", role=role, via=LOCAL)


# -- pages by role ----------------------------------------------------------------------------


def test_a_cadre_opens_only_the_overview_the_entry_form_and_their_history():
    assert set(viewer(contract.ROLE_CADRE).pages) == {"overview", "entry_form", "my_history"}


def test_leadership_opens_every_page_but_the_data_check_and_settings():
    assert set(viewer(contract.ROLE_LEADER).pages) == {
        "overview",
        "assignment_map",
        "meetings",
        "reports",
        "followup",
        "monthly_report",
        "entry_form",
        "my_history",
        "month_lock",
    }


def test_an_admin_opens_everything_including_the_data_check_and_settings():
    admin = viewer(contract.ROLE_ADMIN)
    assert set(admin.pages) == set(viewer(contract.ROLE_LEADER).pages) | {"data_check", "settings"}
    assert admin.may_open(access.SETTINGS)
    assert not viewer(contract.ROLE_LEADER).may_open(access.SETTINGS)


def test_an_unknown_role_gets_no_more_than_a_cadre():
    odd = viewer("Trưởng ấp")
    assert odd.pages == viewer(contract.ROLE_CADRE).pages
    assert not odd.sees_everything and not odd.may_export and not odd.may_reopen_months


@pytest.mark.parametrize(
    ("role", "everything"),
    [(contract.ROLE_CADRE, False), (contract.ROLE_LEADER, True), (contract.ROLE_ADMIN, True)],
)
def test_only_leadership_and_admins_see_everything_export_and_reopen_months(role, everything):
    person = viewer(role)
    assert person.sees_everything is everything
    assert person.may_export is everything
    assert person.may_reopen_months is everything


def test_a_cadre_is_kept_to_their_own_groups_whatever_cadre_was_chosen():
    cadre = Viewer(name="An", cadre_id="CB01", role=contract.ROLE_CADRE, via=LOCAL)
    assert cadre.cadre_scope("CB02") == "CB01"
    assert cadre.cadre_scope(None) == "CB01"
    leader = Viewer(name="Cường", cadre_id="LD01", role=contract.ROLE_LEADER, via=LOCAL)
    assert leader.cadre_scope("CB02") == "CB02"
    assert leader.cadre_scope(None) is None


# -- how people sign in -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("google", "accounts", "demo", "expected"),
    [
        (True, True, True, GOOGLE),
        (True, False, False, GOOGLE),
        (False, True, True, LOCAL),
        (False, True, False, LOCAL),
        (False, False, True, DEMO),
        (False, False, False, UNCONFIGURED),
    ],
)
def test_sign_in_mode_offers_the_demo_picker_only_on_demo_data(google, accounts, demo, expected):
    mode = access.sign_in_mode(
        google_configured=google, accounts_file_exists=accounts, source_is_demo=demo
    )
    assert mode == expected


# -- matching the signed-in person to the sheet -----------------------------------------------


def test_an_email_is_matched_ignoring_case_and_spaces(ds):
    found = access.viewer_for_email(ds, " Cuong.LE@EXAMPLE.org")
    assert found == Viewer(name="Lê Văn Cường", cadre_id="LD01", role="Lãnh đạo", via=GOOGLE)
    # The sheet's own spaces and capitals do not matter either; a blank role means Cán bộ.
    found = access.viewer_for_email(ds, "binh.tran@example.org")
    assert (found.cadre_id, found.role) == ("CB02", contract.ROLE_CADRE)


@pytest.mark.parametrize("email", [None, "", "   ", "stranger@example.org", "an.nguyen@example"])
def test_an_email_not_in_the_sheet_finds_nobody(ds, email):
    assert access.viewer_for_email(ds, email) is None


def test_an_email_written_for_two_cadres_is_refused_rather_than_guessed():
    shared = [*PEOPLE, ["QT02", "Đỗ Thị Giang", "AN.NGUYEN@example.org", "Quản trị"]]
    with pytest.raises(AccessDenied, match="CB01, QT02"):
        access.viewer_for_email(dataset(shared), "an.nguyen@example.org")


def test_a_local_account_finds_its_cadre_by_id_even_typed_in_lower_case(ds):
    assert access.viewer_for_cadre(ds, "QT01", via=LOCAL).role == contract.ROLE_ADMIN
    assert access.viewer_for_cadre(ds, "qt01", via=LOCAL).cadre_id == "QT01"


@pytest.mark.parametrize("cadre_id", [None, "", "CB99"])
def test_a_local_account_whose_cadre_left_the_sheet_finds_nobody(ds, cadre_id):
    assert access.viewer_for_cadre(ds, cadre_id, via=LOCAL) is None


@pytest.mark.parametrize(
    ("in_sheet", "from_google"),
    [
        # Typed on a phone keyboard in full-width form (NFKC folds it).
        ("ａｎ.ｎｇｕｙｅｎ@ｅｘａｍｐｌｅ.ｏｒｇ", "an.nguyen@example.org"),
        # A Vietnamese local part, composed in the sheet and decomposed by the provider.
        ("lan.nguyễn@example.vn", unicodedata.normalize("NFD", "Lan.Nguyễn@Example.VN")),
        # casefold, not lower: the German sharp s folds to "ss".
        ("STRASSE@example.de", "straße@example.de"),
        # A zero-width space pasted along with the address.
        ("hoa.le@example.org\u200b", "hoa.le@example.org"),
    ],
    ids=["full-width", "nfd", "casefold", "zero-width"],
)
def test_an_email_is_matched_after_unicode_normalisation_and_case_folding(in_sheet, from_google):
    people = [["CB09", "Lê Thị Hoa", in_sheet, "Cán bộ"]]
    found = access.viewer_for_email(dataset(people), from_google)
    assert found is not None and found.cadre_id == "CB09"


def test_normalisation_does_not_make_different_addresses_equal():
    people = [["CB09", "Lê Thị Hoa", "an.nguyen@example.org", "Cán bộ"]]
    assert access.viewer_for_email(dataset(people), "an.nguyen@example.com") is None
    assert access.viewer_for_email(dataset(people), "an.nguyen1@example.org") is None

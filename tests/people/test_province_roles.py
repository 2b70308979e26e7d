"""Province roles: accounts that name a commune or a province role, and what each may see."""

from __future__ import annotations

import io
import json
import re
import sys

import pytest
from argon2 import PasswordHasher

from tothu_core.errors import AccessDenied, ConfigError
from tothu_core.people import access
from tothu_core.people.accounts import AccountError, AccountStore, main_account

PASSWORD = "mật-khẩu-Tốt-2024"
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
CODES = ["X001", "X002", "X003"]


@pytest.fixture
def store(tmp_path):
    return AccountStore(tmp_path / "accounts.json", hasher=CHEAP_HASHER)


def test_a_commune_account_signs_in_with_its_commune(store):
    store.set_password("xa1", PASSWORD, cadre_id=None, commune="X001")
    info = store.sign_in("XA1", PASSWORD)
    assert (info.username, info.commune, info.province_role, info.cadre_id) == (
        "xa1",
        "X001",
        None,
        "",
    )
    viewer = access.province_viewer_for_account(
        info.username, commune=info.commune, province_role=info.province_role
    )
    assert viewer.role == access.COMMUNE_ACCOUNT
    assert viewer.communes(CODES) == ["X001"]
    assert access.PROVINCE_REGISTRY not in viewer.pages
    assert not viewer.may_manage_registry and not viewer.may_sync
    # A wrong password is the usual refusal, whatever the account is for.
    with pytest.raises(AccessDenied):
        store.sign_in("xa1", "sai-mat-khau-1")


def test_province_staff_see_every_commune_and_only_admins_the_registry(store):
    store.set_password("tinh", PASSWORD, cadre_id=None, province_role="province")
    store.set_password("quantri", PASSWORD, cadre_id=None, province_role="province_admin")
    staff, admin = (
        access.province_viewer_for_account(
            i.username, commune=i.commune, province_role=i.province_role
        )
        for i in (store.sign_in("tinh", PASSWORD), store.sign_in("quantri", PASSWORD))
    )
    assert staff.communes(CODES) == CODES and admin.communes(CODES) == CODES
    assert staff.may_sync and not staff.may_manage_registry
    assert admin.may_manage_registry
    assert staff.pages == (access.PROVINCE_OVERVIEW, access.PROVINCE_SYNC)
    assert admin.pages == (access.PROVINCE_OVERVIEW, access.PROVINCE_SYNC, access.PROVINCE_REGISTRY)


def test_a_commune_app_account_has_no_province_role(store):
    store.set_password("lan", PASSWORD, cadre_id="CB01")
    info = store.sign_in("lan", PASSWORD)
    assert access.province_viewer_for_account("lan", commune=None, province_role=None) is None
    assert store.verify("lan", PASSWORD) == "CB01"
    # The file of a commune's app keeps exactly the fields it had.
    record = json.loads(store.path.read_text(encoding="utf-8"))["accounts"]["lan"]
    assert set(record) == {"cadre_id", "password_hash", "failed_attempts", "locked_until"}
    assert info.commune is None


def test_reset_keeps_the_commune_and_bad_roles_are_refused(store):
    store.set_password("xa2", PASSWORD, cadre_id=None, commune="X002")
    store.set_password("xa2", "mat-khau-moi-1", cadre_id=None)
    assert store.get("xa2").commune == "X002"
    with pytest.raises(AccountError, match="Vai trò cấp tỉnh «tinh» không có"):
        store.set_password("x", PASSWORD, cadre_id=None, province_role="tinh")
    with pytest.raises(AccountError, match="Mã xã"):
        store.set_password("nobody", PASSWORD, cadre_id=None)


def test_cli_adds_province_and_commune_accounts(tmp_path, monkeypatch, capsys):
    path = tmp_path / "accounts.json"

    def run(argv):
        monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
        return main_account(["--file", str(path), *argv, "--password-stdin"])

    assert run(["add", "tinh", "--province", "province"]) == 0
    assert "Đã tạo tài khoản «tinh» cho cấp tỉnh, xem mọi xã." in capsys.readouterr().out
    assert run(["add", "xa1", "--commune", "X001"]) == 0
    assert "Đã tạo tài khoản «xa1» cho xã X001." in capsys.readouterr().out
    assert main_account(["--file", str(path), "list"]) == 0
    listed = capsys.readouterr().out
    assert "tinh\tcấp tỉnh, xem mọi xã" in listed and "xa1\txã X001" in listed
    assert "argon2" not in listed
    # Narrowed to one commune, the account no longer sees every commune.
    assert run(["reset", "tinh", "--commune", "X002"]) == 0
    out = capsys.readouterr().out
    assert "Đã đặt mật khẩu mới cho tài khoản «tinh» (xã X002)" in out


def test_google_emails_from_the_province_table():
    secrets = {
        "province": {
            "admins": ["Quan.Tri@Tinh.example"],
            "staff": "lanh.dao@tinh.example",
            "communes": {"X002": ["xa2@tinh.example"]},
            "role_names": {"province": "Ban Tổ chức Tỉnh ủy"},
        }
    }
    admin = access.province_viewer_for_email("quan.tri@tinh.example", secrets)
    assert admin.role == access.PROVINCE_ADMIN
    assert access.province_viewer_for_email("LANH.DAO@tinh.example", secrets).role == (
        access.PROVINCE_STAFF
    )
    commune = access.province_viewer_for_email("xa2@tinh.example", secrets)
    assert (commune.role, commune.communes(CODES)) == (access.COMMUNE_ACCOUNT, ["X002"])
    assert access.province_viewer_for_email("la@example.org", secrets) is None
    names = access.province_role_names(secrets)
    assert names[access.PROVINCE_STAFF] == "Ban Tổ chức Tỉnh ủy"
    assert names[access.PROVINCE_ADMIN] == access.PROVINCE_ROLE_NAMES[access.PROVINCE_ADMIN]


def test_a_role_given_at_reset_replaces_the_one_kept(store):
    """Narrowing a province account to one commune must not leave it seeing every commune."""
    store.set_password("tinh", PASSWORD, cadre_id=None, province_role="province")
    store.set_password("tinh", PASSWORD, cadre_id=None, commune="X002")
    info = store.sign_in("tinh", PASSWORD)
    assert (info.commune, info.province_role) == ("X002", None)
    viewer = access.province_viewer_for_account(
        info.username, commune=info.commune, province_role=info.province_role
    )
    assert viewer.communes(CODES) == ["X002"] and not viewer.may_sync
    store.set_password("tinh", PASSWORD, cadre_id=None, province_role="province_admin")
    info = store.sign_in("tinh", PASSWORD)
    assert (info.commune, info.province_role) == (None, "province_admin")
    with pytest.raises(AccountError, match="một xã .* hoặc mọi xã"):
        store.set_password("tinh", PASSWORD, cadre_id=None, commune="X1", province_role="province")
    assert store.get("tinh").province_role == "province_admin"


def test_a_province_account_is_told_why_the_communes_app_refuses_it(store):
    """The commune app signs in by cadre: an account with none gets a sentence, not a blank."""
    store.set_password("tinh", PASSWORD, cadre_id=None, province_role="province")
    with pytest.raises(AccessDenied, match="«tinh» dùng cho trang tổng hợp toàn tỉnh"):
        store.verify("tinh", PASSWORD)
    # A wrong password is still the one refusal for everybody.
    with pytest.raises(AccessDenied) as refused:
        store.verify("tinh", "sai-mat-khau-1")
    assert str(refused.value) == store.refusal
    store.set_password("tinh", PASSWORD, cadre_id="CB07")
    assert store.verify("tinh", PASSWORD) == "CB07"


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ({"communes": ["xa2@tinh.example"]}, "communes"),
        ({"staff": "a@tinh.example, b@tinh.example"}, "staff"),
        ({"admins": [["a@tinh.example"]]}, "admins"),
        ({"communes": {"X002": 5}}, "communes.X002"),
        ({"role_names": "Ban Tổ chức"}, "role_names"),
    ],
)
def test_a_province_table_typed_wrong_is_one_sentence(table, key):
    with pytest.raises(
        ConfigError, match=f"Mục \\[province\\] .* ghi «{re.escape(key)}» chưa đúng"
    ):
        access.check_province_table({"registry": "danh-sach-xa.csv", **table})


def test_a_province_table_typed_right_passes():
    access.check_province_table(
        {
            "registry": "danh-sach-xa.csv",
            "admins": ["quan.tri@tinh.example"],
            "staff": "lanh.dao@tinh.example",
            "communes": {"X002": ["xa2@tinh.example"], "X003": "xa3@tinh.example"},
            "role_names": {"province": "Ban Tổ chức Tỉnh ủy"},
        }
    )

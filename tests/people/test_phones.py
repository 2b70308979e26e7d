"""Phone numbers as offices type them, made into numbers a phone dials (people.phones)."""

from __future__ import annotations

import pytest

from tothu_core.people.phones import OLD_MOBILE_PREFIXES, normalize_phone

MOBILE = "+84912345678"


@pytest.mark.parametrize(
    "typed",
    [
        "0912345678",
        "0912 345 678",
        "0912.345.678",
        "0912-345-678",
        "+84 912 345 678",
        "+84 912.345.678",
        "+84912345678",
        "84912345678",  # a number cell cannot keep the '+'
        "0084 912 345 678",
        "(+84) 912-345-678",
        "912345678",  # a number cell drops the leading 0
        912345678,
        912345678.0,  # as a spreadsheet program gives a number cell
        " 0912 345 678 ",
    ],
)
def test_every_way_a_clerk_writes_one_mobile_number(typed):
    phone = normalize_phone(typed)
    assert (phone.e164, phone.national, phone.digits) == (MOBILE, "0912 345 678", "0912345678")
    assert phone.is_mobile and phone.ok and phone.note is None


@pytest.mark.parametrize(
    ("typed", "new"),
    [
        ("01683456789", "+84383456789"),  # Viettel 0168 -> 038
        ("0168 345 6789", "+84383456789"),
        ("1683456789", "+84383456789"),  # the number cell of an old number
        ("+84 168 345 6789", "+84383456789"),
        ("841683456789", "+84383456789"),
        ("01223456789", "+84773456789"),  # MobiFone 0122 -> 077
        ("0129.345.6789", "+84823456789"),  # VinaPhone 0129 -> 082
        ("01883456789", "+84583456789"),  # Vietnamobile 0188 -> 058
        ("01993456789", "+84593456789"),  # Gmobile 0199 -> 059
    ],
)
def test_old_eleven_digit_mobile_numbers_are_converted_as_in_2018(typed, new):
    phone = normalize_phone(typed)
    assert phone.e164 == new and phone.is_mobile
    assert phone.converted_from.replace(" ", "").removeprefix("0") in "".join(
        ch for ch in typed if ch.isdigit()
    )
    assert "2018" in phone.note and phone.national in phone.note


def test_the_conversion_table_keeps_the_last_seven_digits_and_gives_valid_numbers():
    assert len(OLD_MOBILE_PREFIXES) == 21
    for old, new in OLD_MOBILE_PREFIXES.items():
        phone = normalize_phone(f"0{old}1234567")
        assert phone.e164 == f"+84{new}1234567", old
        assert phone.converted_from == f"0{old} 123 4567"


def test_a_landline_is_callable_but_not_texted():
    phone = normalize_phone("0275 3812 345")
    assert phone.e164 == "+842753812345" and not phone.is_mobile


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("0912 345 678 / 0987 654 321", "+84912345678"),
        ("0275 3812 345 - 0912 345 678", "+84912345678"),  # the mobile one, for SMS and Zalo
        ("0912345678; 0987654321", "+84912345678"),
        ("0275 3812 345 hoặc 0987 654 321", "+84987654321"),
        ("0275.3812.345, 0987.654.321", "+84987654321"),
    ],
)
def test_two_numbers_in_one_cell_give_the_first_mobile(typed, expected):
    assert normalize_phone(typed).e164 == expected


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        (None, "Chưa có số điện thoại"),
        ("", "Chưa có số điện thoại"),
        ("   ", "Chưa có số điện thoại"),
        ("chưa có", "không phải một số điện thoại"),
        ("12345", "Việt Nam hợp lệ"),
        ("0201234567", "Việt Nam hợp lệ"),  # 020 is no prefix in use
        ("0912 345 678 901 234", "Việt Nam hợp lệ"),
    ],
)
def test_a_cell_without_a_usable_number_says_why(typed, problem):
    phone = normalize_phone(typed)
    assert not phone.ok and phone.e164 is None
    assert problem in phone.note


def test_a_foreign_number_is_kept_as_typed_in_international_form():
    phone = normalize_phone("+1 650 253 0000")
    assert phone.e164 == "+16502530000" and phone.national.startswith("+1")

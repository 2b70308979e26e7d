"""A cadre's phone number as the office typed it, made into one a phone can dial.

The `Điện thoại` column holds whatever a clerk typed: `0912 345 678`, `+84 912.345.678`,
`84912345678`, `0912-345-678`, a number cell that lost its leading 0 (`912345678`), two numbers
in one cell, and — in a sheet started before 2018 — the old 11-digit mobile numbers. Parsing
and validating is Google's libphonenumber (the `phonenumbers` package, its metadata kept up to
date with the numbering plan); this module only adds what it cannot know:

- **the 2018 conversion of 11-digit mobile numbers**: the Ministry of Information and
  Communications moved every `01xx` mobile prefix to a 10-digit one (announced 29/5/2018,
  carried out from 15/9/2018; old and new numbers both rang until 14/11/2018, the old ones
  never again). The last seven digits stayed: `0168 345 6789` is now `038 345 6789`. A number
  still written the old way is converted (and said so), since it can no longer be dialled;
- **which number of a cell to use** when a clerk wrote two: the first mobile one (SMS and Zalo
  need a mobile), else the first valid one.

Landline area codes changed in 2017 too, but a landline is called, not texted, and an old area
code is simply reported as not a valid number rather than guessed at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

REGION = "VN"
COUNTRY_CODE = "84"
# Old 3-digit mobile prefix (after the 0) -> the new 2-digit one (MIC's 2018 conversion table).
OLD_MOBILE_PREFIXES = {
    # MobiFone
    "120": "70", "121": "79", "122": "77", "126": "76", "128": "78",
    # VinaPhone
    "123": "83", "124": "84", "125": "85", "127": "81", "129": "82",
    # Viettel
    "162": "32", "163": "33", "164": "34", "165": "35", "166": "36", "167": "37", "168": "38",
    "169": "39",
    # Vietnamobile
    "186": "56", "188": "58",
    # Gmobile
    "199": "59",
}  # fmt: skip
# Where one cell holds several numbers: `/`, `,`, `;`, a line break, «hoặc», or a dash with
# spaces around it (a dash inside a number, `0912-345-678`, has none).
_SEPARATORS = re.compile(r"[/,;\n]|\s[-–]\s|\s+(?:hoặc|hay|or)\s+", re.IGNORECASE)
_NOT_DIGITS = re.compile(r"\D")
MOBILE_TYPES = (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE)


@dataclass(frozen=True)
class Phone:
    """One number ready to dial, or the sentence saying why the cell gives none."""

    typed: str
    #: +84912345678 (E.164): what `tel:` and `sms:` links carry
    e164: str | None = None
    #: 0912 345 678: how a Vietnamese clerk reads it
    national: str | None = None
    is_mobile: bool = False
    #: the old 11-digit number it was converted from (2018), when it was one
    converted_from: str | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.e164 is not None

    @property
    def digits(self) -> str:
        """0912345678: the national number without spaces (Zalo's links use it)."""
        return _NOT_DIGITS.sub("", self.national or "")

    @property
    def note(self) -> str | None:
        """A short sentence for the page when the number shown is not what the sheet says."""
        if self.problem:
            return self.problem
        if self.converted_from:
            return (
                f"Số cũ {self.converted_from} đã đổi thành {self.national} từ năm 2018 "
                "(chuyển thuê bao 11 số về 10 số); nên sửa lại trong trang Cán bộ."
            )
        return None


def _converted(digits: str) -> tuple[str, bool]:
    """National significant digits, with an old 11-digit mobile prefix moved to its new one."""
    if len(digits) == 10 and digits[:3] in OLD_MOBILE_PREFIXES:
        return OLD_MOBILE_PREFIXES[digits[:3]] + digits[3:], True
    return digits, False


def _significant(text: str) -> str:
    """The digits after the country code or the trunk 0: '+84 912…', '0084912…', '84912…'
    (a number cell cannot hold the '+'), '0912…' and '912…' all give '912…'."""
    digits = _NOT_DIGITS.sub("", text)
    plus = text.lstrip().startswith("+")
    if digits.startswith("00" + COUNTRY_CODE):
        digits = digits[4:]
    elif digits.startswith(COUNTRY_CODE) and (plus or len(digits) in (11, 12)):
        digits = digits[2:]
    elif plus:
        return ""  # another country's number: libphonenumber decides below
    return digits.removeprefix("0")


def _one(text: str) -> Phone:
    if text.lstrip().startswith("+") and not text.lstrip().startswith("+" + COUNTRY_CODE):
        try:
            number = phonenumbers.parse(text, None)
        except NumberParseException:
            return Phone(text, problem=f"«{text}» không phải một số điện thoại.")
        if not phonenumbers.is_valid_number(number):
            return Phone(text, problem=f"«{text}» không phải một số điện thoại hợp lệ.")
        return Phone(
            text,
            e164=phonenumbers.format_number(number, PhoneNumberFormat.E164),
            national=phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL),
            is_mobile=phonenumbers.number_type(number) in MOBILE_TYPES,
        )
    significant, converted = _converted(_significant(text))
    if not significant:
        return Phone(text, problem=f"«{text}» không phải một số điện thoại.")
    try:
        number = phonenumbers.parse("0" + significant, REGION)
    except NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        return Phone(
            text,
            problem=f"«{text}» không phải một số điện thoại Việt Nam hợp lệ; hãy sửa trong "
            "trang Cán bộ.",
        )
    national = phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    return Phone(
        text,
        e164=phonenumbers.format_number(number, PhoneNumberFormat.E164),
        national=national,
        is_mobile=phonenumbers.number_type(number) in MOBILE_TYPES,
        converted_from=_spaced_old(text) if converted else None,
    )


def _spaced_old(text: str) -> str:
    digits = "0" + _significant(text)
    return f"{digits[:4]} {digits[4:7]} {digits[7:]}"


def normalize_phone(typed) -> Phone:
    """The number to use from one `Điện thoại` cell (see the module's doc); never raises."""
    if isinstance(typed, float) and typed.is_integer():
        typed = int(typed)  # a number cell: 912345678.0
    text = "" if typed is None else str(typed).strip()
    if not text or text.lower() in ("nan", "none"):
        return Phone("", problem="Chưa có số điện thoại trong trang Cán bộ.")
    whole = _one(text)
    if whole.ok:
        return whole
    parts = [p.strip() for p in _SEPARATORS.split(text) if p and p.strip()]
    if len(parts) < 2:
        return whole
    found = [_one(part) for part in parts]
    usable = [p for p in found if p.ok]
    if not usable:
        return whole
    chosen = next((p for p in usable if p.is_mobile), usable[0])
    return Phone(
        text,
        e164=chosen.e164,
        national=chosen.national,
        is_mobile=chosen.is_mobile,
        converted_from=chosen.converted_from,
    )

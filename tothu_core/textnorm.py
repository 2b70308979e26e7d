"""Folding Vietnamese text for loose matching (tab/header names, search boxes)."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_LOOSE_DROP = re.compile(r"[\s_.\-]+")


def strip_diacritics(text: str) -> str:
    """'Nguyễn Đức' -> 'Nguyen Duc'. đ/Đ are letters of their own, not accents, so map them."""
    decomposed = unicodedata.normalize("NFD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return bare.replace("đ", "d").replace("Đ", "D")


def fold(text: str) -> str:
    """Case- and diacritic-insensitive form for search: 'Nguyễn  Văn' -> 'nguyen van'."""
    return _SPACES.sub(" ", strip_diacritics(str(text))).strip().casefold()


def loose_key(name: str) -> str:
    """Key under which tab and header names are compared: 'Cán bộ' == 'CAN_BO' == 'canbo'."""
    return _LOOSE_DROP.sub("", strip_diacritics(str(name))).casefold()


def clean_cell_text(text: str) -> str:
    """Trim and fold inner runs of spaces (not new lines: they separate list items)."""
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in str(text).splitlines()]
    return "\n".join(lines).strip()

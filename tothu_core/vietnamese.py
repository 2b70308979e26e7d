"""Vietnamese names: dictionary-order sorting by given name, and diacritic-blind search.

Python's default string order puts "Đ" after "Z" and "Ánh" after "Anh" only by accident of code
points; lists of people in a commune office are read in Vietnamese order, by given name first.
"""

from __future__ import annotations

import unicodedata

import pandas as pd

from tothu_core.textnorm import fold

# Vietnamese alphabet order; the loan letters f, j, w, z sit where Latin puts them so foreign
# names still sort sensibly.
_ALPHABET = [
    "a", "ă", "â", "b", "c", "d", "đ", "e", "ê", "f", "g", "h", "i", "j", "k", "l", "m", "n",
    "o", "ô", "ơ", "p", "q", "r", "s", "t", "u", "ư", "v", "w", "x", "y", "z",
]  # fmt: skip
_LETTER_RANK = {letter: rank for rank, letter in enumerate(_ALPHABET)}
# Characters outside the alphabet (digits, foreign letters) sort after every letter, by code point.
_OTHER_RANK_BASE = len(_ALPHABET)

# Marks that make a new letter (ă â ê ô ơ ư) rather than a tone.
_LETTER_MARKS = {"\u0306", "\u0302", "\u031b"}  # breve, circumflex, horn
# Conventional dictionary order of the tones: ngang (no mark), huyền, hỏi, ngã, sắc, nặng.
_TONE_RANK = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}


def _word_key(word: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Letters first, tones only as a tie-breaker ('Anh' < 'Ánh' < 'Ban')."""
    letters: list[int] = []
    tones: list[int] = []
    base = ""
    for char in unicodedata.normalize("NFD", word.casefold()) + " ":
        if unicodedata.combining(char):
            if char in _LETTER_MARKS:
                base += char
            elif char in _TONE_RANK:
                tones.append(_TONE_RANK[char])
            continue
        if base:
            letter = unicodedata.normalize("NFC", base)
            letters.append(_LETTER_RANK.get(letter, _OTHER_RANK_BASE + ord(letter[0])))
        base = char if char != " " else ""
    return tuple(letters), tuple(tones)


def name_sort_key(full_name: str) -> tuple:
    """Key that sorts by given name (last word), then family and middle names in order."""
    words = str(full_name).split()
    if not words:
        return ((), ())
    *rest, given = words
    return (_word_key(given), tuple(_word_key(word) for word in rest))


def name_order(names: pd.Series) -> list[int]:
    """Positions that put `names` in Vietnamese order (stable; missing names last)."""
    keys = [(1, ()) if pd.isna(name) else (0, name_sort_key(name)) for name in names.tolist()]
    return sorted(range(len(keys)), key=keys.__getitem__)


def sort_by_name(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """`frame` with rows in Vietnamese order of `column`; ties keep their original order."""
    return frame.iloc[name_order(frame[column])]


def matches(query: str, text: str) -> bool:
    """True when every word of `query` occurs in `text`, ignoring case and diacritics."""
    folded_text = fold(text)
    return all(word in folded_text for word in fold(query).split())


def search_mask(values: pd.Series, query: str) -> pd.Series:
    """Boolean mask of the `values` that `matches` the query; an empty query keeps every row,
    a missing value matches only an empty query."""
    words = fold(query).split()
    if not words:
        return pd.Series(True, index=values.index, dtype=bool)
    hits = [
        not pd.isna(value) and all(word in fold(value) for word in words)
        for value in values.tolist()
    ]
    return pd.Series(hits, index=values.index, dtype=bool)

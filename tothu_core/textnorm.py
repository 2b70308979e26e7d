"""Folding Vietnamese text for loose matching (tab/header names, search boxes)."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_LOOSE_DROP = re.compile(r"[\s_.\-]+")
_RUNS = re.compile(r"[ \t\u00a0]+")
# What clean_cell_text would change inside a trimmed text: a run of spaces, a tab or a
# no-break space, or a line break of any kind str.splitlines knows.
_UNTIDY = re.compile(r"[ \t\u00a0]{2,}|[\t\u00a0\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")


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
    text = str(text)
    if text == text.strip() and not _UNTIDY.search(text):
        # Most cells are already tidy; this check is several times cheaper than the cleaning.
        return text
    lines = [_RUNS.sub(" ", line).strip() for line in text.splitlines()]
    return "\n".join(lines).strip()


# CommonMark (spec §2.4 "Backslash escapes") lets any ASCII punctuation be escaped, and the
# escaped mark then shows as itself; Streamlit's Markdown also gives meaning to `$` (LaTeX),
# `:` (emoji and colour directives) and `~`, all ASCII punctuation too.
_MARKDOWN_SPECIAL = re.compile(r"([!-/:-@\[-`{-~])")
# GitHub's "autolink literals" (GFM spec §6.9, done by remark-gfm after escapes are resolved)
# turn `http://…`, `www.…` and `a@b.c` into live links however their punctuation is escaped:
# checked in Chromium, the escaped `http\:\/\/…` still became an <a>. A word joiner (U+2060,
# invisible and unbreakable) after the scheme, `www` or `@` is enough to break the pattern.
WORD_JOINER = "\u2060"
_AUTOLINK_STARTS = re.compile(r"(?i)(?:https?|ftp|mailto|xmpp)(?=\\:)|www(?=\\\.)|\\@")


def escape_markdown(text) -> str:
    """Text from the sheet shown as typed where Streamlit renders Markdown.

    Names, topics and notes come from people; in a caption, label or title they must not
    become links, images or styling (`[Đăng nhập lại](http://…)` stays text, and so does a
    bare address: it shows as typed, but is no link).
    """
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", "" if text is None else str(text))
    return _AUTOLINK_STARTS.sub(lambda found: found.group(0) + WORD_JOINER, escaped)

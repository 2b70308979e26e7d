"""Text helpers of the foundation: folding for loose matching, and Markdown escaping."""

from __future__ import annotations

import pytest

from tothu_core.textnorm import escape_markdown, fold, loose_key


def test_fold_and_loose_key_ignore_case_diacritics_and_separators():
    assert fold("  Nguyễn   Văn  ĐỨC ") == "nguyen van duc"
    assert loose_key("Cán bộ") == loose_key("CAN_BO") == loose_key("can.bo") == "canbo"


@pytest.mark.parametrize(
    ("typed", "escaped"),
    [
        # A word joiner (U+2060) after the scheme keeps GFM from linking the bare address.
        ("[Đăng nhập lại](http://x.y)", "\\[Đăng nhập lại\\]\\(http\u2060\\:\\/\\/x\\.y\\)"),
        ("![p](http://x/y.png)", "\\!\\[p\\]\\(http\u2060\\:\\/\\/x\\/y\\.png\\)"),
        ("www.x.vn an@x.vn", "www\u2060\\.x\\.vn an\\@\u2060x\\.vn"),
        ("**Tổ 5** _a_ `b` $x$ :red[c] <b>d</b>", None),
        ("Tổ 5 - Ấp Mỹ An", r"Tổ 5 \- Ấp Mỹ An"),
        (None, ""),
        (12, "12"),
    ],
)
def test_escape_markdown_leaves_no_markdown_mark_unescaped(typed, escaped):
    result = escape_markdown(typed)
    if escaped is not None:
        assert result == escaped
    # Every punctuation mark is preceded by a backslash; letters are untouched.
    unescaped = [
        ch
        for i, ch in enumerate(result)
        if ch in "[]()!*_`$:<>#" and (i == 0 or result[i - 1] != "\\")
    ]
    assert unescaped == []
    shown = result.replace("\\", "").replace("\u2060", "")
    assert shown == ("" if typed is None else str(typed)).replace("\\", "")

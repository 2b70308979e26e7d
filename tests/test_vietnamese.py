"""Vietnamese name order (given name first, Vietnamese alphabet, tones last) and loose search."""

import unicodedata

import pandas as pd
import pytest

from tothu_core.vietnamese import matches, name_order, name_sort_key, search_mask, sort_by_name


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def test_sorts_by_given_name_then_tone():
    names = ["Trần Văn Bình", "Nguyễn Thị An", "Lê Ánh", "Phạm Đức Anh"]
    assert sorted(names, key=name_sort_key) == [
        "Nguyễn Thị An",
        "Phạm Đức Anh",
        "Lê Ánh",
        "Trần Văn Bình",
    ]


def test_nfd_input_sorts_like_nfc():
    names = [nfd(n) for n in ["Trần Văn Bình", "Nguyễn Thị An", "Lê Ánh", "Phạm Đức Anh", "Vũ Ơn"]]
    result = [unicodedata.normalize("NFC", n) for n in sorted(names, key=name_sort_key)]
    assert result == ["Nguyễn Thị An", "Phạm Đức Anh", "Lê Ánh", "Trần Văn Bình", "Vũ Ơn"]
    assert name_sort_key(nfd("Đặng Thị Ệ")) == name_sort_key("Đặng Thị Ệ")


def test_d_with_stroke_is_its_own_letter_after_d():
    assert sorted(["Đào", "Dung", "Em"], key=name_sort_key) == ["Dung", "Đào", "Em"]
    assert sorted(["Nguyễn Văn Đạt", "Lê Duy"], key=name_sort_key) == ["Lê Duy", "Nguyễn Văn Đạt"]


def test_alphabet_letters_with_marks_follow_their_base_letter():
    words = ["Ba", "Ân", "Ăn", "An", "Ơn", "Ôn", "On", "Ưa", "Ua", "Êm", "Em", "Vy", "Xuân"]
    assert sorted(words, key=name_sort_key) == [
        "An", "Ăn", "Ân", "Ba", "Em", "Êm", "On", "Ôn", "Ơn", "Ua", "Ưa", "Vy", "Xuân",
    ]  # fmt: skip


def test_tones_break_ties_in_dictionary_order():
    # ngang, huyền, hỏi, ngã, sắc, nặng
    words = ["Mạ", "Má", "Mã", "Mả", "Mà", "Ma"]
    assert sorted(words, key=name_sort_key) == ["Ma", "Mà", "Mả", "Mã", "Má", "Mạ"]
    # Letters decide before tones: "Má" before "Mai" even though "a" < "á".
    assert sorted(["Mai", "Má"], key=name_sort_key) == ["Má", "Mai"]


def test_case_is_ignored_and_family_names_break_ties():
    names = ["trần thị lan", "Lê Thị Lan", "NGUYỄN LAN", "Lê Văn Lan"]
    assert sorted(names, key=name_sort_key) == [
        "Lê Thị Lan",
        "Lê Văn Lan",
        "NGUYỄN LAN",
        "trần thị lan",
    ]
    assert name_sort_key("  Lê   Ánh ") == name_sort_key("LÊ ÁNH")


def test_sort_by_name_is_stable_and_puts_missing_names_last():
    frame = pd.DataFrame(
        {
            "name": ["Trần Văn Bình", None, "Lê Ánh", "Phạm Đức Anh", "lê ánh"],
            "id": ["CB1", "CB2", "CB3", "CB4", "CB5"],
        },
        index=[7, 7, 3, 1, 0],
    )
    result = sort_by_name(frame, "name")
    assert result["id"].tolist() == ["CB4", "CB3", "CB5", "CB1", "CB2"]
    assert result.index.tolist() == [1, 3, 0, 7, 7]
    assert name_order(frame["name"]) == [3, 2, 4, 0, 1]


@pytest.mark.parametrize(
    ("query", "text", "expected"),
    [
        ("nguyen", "Nguyễn Văn An", True),
        ("duc", "Phạm Đức Anh", True),
        ("DUC pham", "Phạm Đức Anh", True),
        ("Đức", nfd("phạm đức anh"), True),
        (nfd("nguyễn"), "NGUYEN THI BA", True),
        ("duc nguyen", "Phạm Đức Anh", False),
        ("binh", "Trần Văn Bính", True),
        ("", "anything", True),
        ("lan", "Trần Thị Hoa", False),
    ],
)
def test_matches_ignores_case_and_diacritics(query, text, expected):
    assert matches(query, text) is expected


def test_search_mask_keeps_index_and_skips_missing_values():
    names = pd.Series(
        ["Nguyễn Văn Đức", None, "Trần Thị Lan", nfd("nguyễn đức")], index=[10, 11, 12, 13]
    )
    mask = search_mask(names, "  Nguyen   duc ")
    assert mask.dtype == bool
    assert mask.tolist() == [True, False, False, True]
    assert mask.index.tolist() == [10, 11, 12, 13]
    assert names[mask].tolist() == ["Nguyễn Văn Đức", nfd("nguyễn đức")]
    assert search_mask(names, "").all()


def test_search_mask_works_on_pandas_string_dtype():
    names = pd.Series(["Lê Ánh", pd.NA, "Phạm Đức Anh"], dtype="string")
    assert search_mask(names, "anh").tolist() == [True, False, True]

"""The fake answers `values.append` exactly as Google did in recorded traffic and in its guide.

Recorded: burnash/gspread tests/cassettes/WorksheetTest.test_append_row_with_empty_value.json
and ...with_empty_value_and_table_range.json (a row [x, "", y] appended twice to a cleared
Sheet1). Guide: "Reading & writing cell values → Append values" (tables A1:C2 and B4:D6).
"""

from __future__ import annotations

import pytest

KEY = "1FidelitySheetKey_abcdefghijklmnopqrstuvwxyz0"
ROW = ["v 1", "", "v 3"]


@pytest.fixture
def session(fake_sheets, service_account_info):
    return fake_sheets.authorized_session(service_account_info)


def append(session, a1: str, values, **params) -> dict:
    url = f"https://sheets.googleapis.com/v4/spreadsheets/{KEY}/values/{a1}:append"
    params = {"valueInputOption": "RAW", "includeValuesInResponse": "False", **params}
    answer = session.post(url, params=params, json={"values": values})
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_the_recorded_answers_of_an_append_after_a_row_with_an_empty_cell(fake_sheets, session):
    fake_sheets.add_spreadsheet(KEY, {"Sheet1": []})
    first = append(session, "'Sheet1'", [ROW])
    assert "tableRange" not in first  # nothing to find on an empty tab
    assert first["updates"] == {
        "spreadsheetId": KEY,
        "updatedRange": "Sheet1!A1:C1",
        "updatedRows": 1,
        "updatedColumns": 3,
        "updatedCells": 3,
    }
    # The whole tab: the last table is C1 alone (B1 is empty), so the row starts in C.
    second = append(session, "'Sheet1'", [ROW])
    assert second["tableRange"] == "Sheet1!C1"
    assert second["updates"]["updatedRange"] == "Sheet1!C2:E2"
    assert fake_sheets.values(KEY, "Sheet1")[1] == [None, None, "v 1", "", "v 3"]


def test_the_recorded_answer_of_an_append_anchored_on_a1(fake_sheets, session):
    fake_sheets.add_spreadsheet(KEY, {"Sheet1": [ROW]})
    answer = append(session, "'Sheet1'!A1", [ROW])
    assert answer["tableRange"] == "Sheet1!A1"
    assert answer["updates"]["updatedRange"] == "Sheet1!A2:C2"


GUIDE = [["x", "y", "z"], ["x", "y", "z"], [], [None, "x", "y"], [None, "x", "y", "z"],
         [None, "x", "y"]]  # fmt: skip


@pytest.mark.parametrize(
    ("a1", "start"),
    [
        ("Sheet1", "B7"),  # "it will examine all the data ... B4:D6 is the last table"
        ("Sheet1!B4", "B7"),  # "they're both in the B4:D6 table"
        ("Sheet1!C5:D5", "B7"),
        ("Sheet1!B2:D4", "B7"),  # "the last table in the range is the B4:D6 table"
        ("Sheet1!A3:G10", "B7"),
        ("Sheet1!A1", "A3"),  # "A1 would start writing at A3"
        ("Sheet1!E4", "E4"),  # "E4 would start writing at E4, because it's not in any table"
        ("Sheet1!A4", "A4"),
    ],
)
def test_the_guides_example_of_where_appended_values_begin(fake_sheets, session, a1, start):
    fake_sheets.add_spreadsheet(KEY, {"Sheet1": GUIDE})
    answer = append(session, a1, [["new"]])
    assert answer["updates"]["updatedRange"] == f"Sheet1!{start}:{start}"


def test_insert_rows_shifts_what_is_below_and_overwrite_does_not(fake_sheets, session):
    fake_sheets.add_spreadsheet(KEY, {"Sheet1": [["h"], ["a"], [], ["note"]]})
    append(session, "Sheet1!A1", [["b"]], insertDataOption="INSERT_ROWS")
    assert fake_sheets.values(KEY, "Sheet1") == [["h"], ["a"], ["b"], [], ["note"]]
    append(session, "Sheet1!A1", [["c"], ["d"]])  # OVERWRITE, the default
    assert fake_sheets.values(KEY, "Sheet1") == [["h"], ["a"], ["b"], ["c"], ["d"]]

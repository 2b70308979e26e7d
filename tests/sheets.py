"""Tiny builder for hand-made raw workbooks ({tab title: rows}), so tests read like the sheet.

    raw = book(
        hamlets=[hamlet("A1", "Ấp Mỹ An")],
        groups=[group("T1", "A1", 10)],
        cadres=[cadre("CB01", "Nguyễn Văn An")],
        assignments=[assign("CB01", "T1", "1/9/2016")],
        meetings=[meeting("09/2016", "T1", "CB01", "10/9/2016", 8, "x", at="12/9/2016 08:00")],
    )

Each tab gets the spec's headers on row 1 (so data starts on row 2) unless `above=` rows
(titles, blank lines) are put on top with `tab(...)`.
"""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl

HAMLET_HEADERS = ["Mã ấp", "Tên ấp"]
CADRE_HEADERS = ["Mã cán bộ", "Họ và tên"]
GROUP_HEADERS = ["Mã tổ", "Tên tổ", "Mã ấp", "Số hộ", "Xếp loại"]
ASSIGNMENT_HEADERS = ["Mã cán bộ", "Mã tổ", "Từ ngày", "Đến ngày"]
MEETING_HEADERS = [
    "Tháng",
    "Mã tổ",
    "Mã cán bộ",
    "Ngày họp",
    "Số hộ dự",
    "Cán bộ dự",
    "Thời điểm nhập",
]

TITLES = {
    "hamlets": "Ấp",
    "cadres": "Cán bộ",
    "groups": "Tổ",
    "assignments": "Phân công",
    "meetings": "Sinh hoạt",
}
HEADERS = {
    "hamlets": HAMLET_HEADERS,
    "cadres": CADRE_HEADERS,
    "groups": GROUP_HEADERS,
    "assignments": ASSIGNMENT_HEADERS,
    "meetings": MEETING_HEADERS,
}


def hamlet(hamlet_id, name=None) -> list:
    return [hamlet_id, name if name is not None else f"Ấp {hamlet_id}"]


def cadre(cadre_id, name=None) -> list:
    return [cadre_id, name if name is not None else f"Cán bộ {cadre_id}"]


def group(group_id, hamlet_id, households, rating="", *, name=None) -> list:
    return [group_id, name if name is not None else f"Tổ {group_id}", hamlet_id, households, rating]


def assign(cadre_id, group_id, start, end="") -> list:
    return [cadre_id, group_id, start, end]


def meeting(month, group_id, cadre_id, date="", present="", attended="", *, at="") -> list:
    """One Sinh hoạt row; `date` blank means the group did not meet."""
    return [month, group_id, cadre_id, date, present, attended, at]


def tab(headers: list, rows: list[list], *, above: list[list] = ()) -> list[list]:
    """A tab as the office lays it out: optional title/blank rows, the header, the data."""
    return [list(r) for r in above] + [list(headers)] + [list(r) for r in rows]


def book(
    *,
    hamlets=(),
    cadres=(),
    groups=(),
    assignments=(),
    meetings=(),
    extra: dict | None = None,
) -> dict[str, list[list]]:
    """The five required tabs with the spec's headers and the given data rows."""
    given = {
        "hamlets": hamlets,
        "cadres": cadres,
        "groups": groups,
        "assignments": assignments,
        "meetings": meetings,
    }
    raw = {TITLES[k]: tab(HEADERS[k], rows) for k, rows in given.items()}
    raw.update(extra or {})
    return raw


def small_book(**overrides) -> dict[str, list[list]]:
    """A clean commune: 1 hamlet, 2 groups, 2 cadres each following one group from 1/2016."""
    parts = {
        "hamlets": [hamlet("A1", "Ấp Mỹ An")],
        "cadres": [cadre("CB01", "Nguyễn Văn An"), cadre("CB02", "Trần Thị Bình")],
        "groups": [group("T1", "A1", 10), group("T2", "A1", 20)],
        "assignments": [assign("CB01", "T1", "1/1/2016"), assign("CB02", "T2", "1/1/2016")],
        "meetings": [
            meeting("09/2016", "T1", "CB01", "10/9/2016", 8, "x", at="12/9/2016 08:00"),
            meeting("09/2016", "T2", "CB02", "11/9/2016", 15, "x", at="12/9/2016 09:00"),
        ],
    }
    parts.update(overrides)
    return book(**parts)


# The hand-made commune of test_figures and test_tables, with entries for 08 and 09/2016:
#
#   hamlet A1 "Ấp Mỹ An":    T1  8 households (Tốt), T2 20 (Khá), T3 12 (Yếu)
#   hamlet A2 "Ấp Bình Hòa": T4 10 (no rating),      T5 30 (Trung bình)
#   hamlet A3 "Ấp Tân Lợi":  no groups
#
# Assignments, and whether each counts in 08, 09, 10/2016:
#   CB01-T1 from 1/1/2016, open                    08 09 10
#   CB01-T2 1/1/2016 .. 1/9/2016 (1st day of 09)   08 09 --
#   CB02-T2 from 30/9/2016 (last day of 09)        -- 09 10
#   CB02-T4 1/1/2016 .. 31/8/2016 (day before 09)  08 -- --
#   CB03-T5 from 1/1/2016                          08 09 10
#   CB03-T3 from 1/1/2016                          08 09 10
#   CB02-T3 from 1/10/2016                         -- -- 10
#   CB04 follows nothing.
COMMUNE = book(
    hamlets=[hamlet("A1", "Ấp Mỹ An"), hamlet("A2", "Ấp Bình Hòa"), hamlet("A3", "Ấp Tân Lợi")],
    cadres=[cadre("CB01", "Nguyễn Văn An"), cadre("CB02", "Trần Thị Bình"),
            cadre("CB03", "Lê Văn Cường"), cadre("CB04", "Phạm Thị Dung")],
    groups=[group("T1", "A1", 8, "Tốt"), group("T2", "A1", 20, "Khá"),
            group("T3", "A1", 12, "Yếu"), group("T4", "A2", 10),
            group("T5", "A2", 30, "Trung bình")],
    assignments=[
        assign("CB01", "T1", "1/1/2016"),
        assign("CB01", "T2", "1/1/2016", "1/9/2016"),
        assign("CB02", "T2", "30/9/2016"),
        assign("CB02", "T4", "1/1/2016", "31/8/2016"),
        assign("CB03", "T5", "1/1/2016"),
        assign("CB03", "T3", "1/1/2016"),
        assign("CB02", "T3", "1/10/2016"),
    ],
    meetings=[
        # 08/2016 (deadline 5/9/2016 23:59:59)
        meeting("08/2016", "T1", "CB01", "10/8/2016", 6, "x", at="3/9/2016 10:00"),
        meeting("08/2016", "T2", "CB01", "", "", "", at="4/9/2016 10:00"),  # did not meet
        meeting("08/2016", "T3", "CB03", "12/8/2016", 5, "", at="5/9/2016 23:59:59"),
        meeting("08/2016", "T4", "CB02", "", "", "", at="20/9/2016 08:00"),  # late
        meeting("08/2016", "T5", "CB03", "15/8/2016", 20, "x", at="1/9/2016 07:00"),
        # 09/2016 (deadline 5/10/2016 23:59:59)
        meeting("09/2016", "T1", "CB01", "10/9/2016", 7, "x", at="5/10/2016 23:59:59"),
        meeting("09/2016", "T2", "CB01", "", "", "", at="6/10/2016 00:00:00"),  # late
        meeting("09/2016", "T2", "CB02", "30/9/2016", 10, "Không", at="2/10/2016 09:00"),
        meeting("09/2016", "T3", "CB03", "20/9/2016", 4, "Không", at="1/10/2016 08:00"),
        # a correction of T3, after the deadline: 5 present, not 4
        meeting("09/2016", "T3", "CB03", "20/9/2016", 5, "Không", at="10/10/2016 08:00"),
        # T4: nobody assigned, no entry; T5: CB03 sent nothing
    ],
)  # fmt: skip


def write_csv_folder(raw: dict, folder: Path) -> Path:
    """One UTF-8 CSV per tab, named after the tab, as an office exporting from Excel would."""
    folder.mkdir(parents=True, exist_ok=True)
    for title, rows in raw.items():
        with open(folder / f"{title}.csv", "w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows([["" if c is None else c for c in r] for r in rows])
    return folder


def write_xlsx(raw: dict, path: Path) -> Path:
    """One tab per entry of `raw`, cells as given (openpyxl types them)."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in raw.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path

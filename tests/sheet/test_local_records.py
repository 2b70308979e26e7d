"""Records keyed by column name, written into a local workbook or CSV folder under the header
as the file has it at write time."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from tothu_core.errors import WriteError
from tothu_core.sheet.demo import write_workbook
from tothu_core.sheet.sources.base import WriteTarget
from tothu_core.sheet.sources.csvdir import CsvFolderSource
from tothu_core.sheet.sources.workbook import WorkbookSource

HEADERS = ["Tháng", "Mã tổ", "Mã cán bộ", "Ngày họp", "Mã phiếu"]
# Where the last read saw the columns; the files below have moved them since.
TARGET = WriteTarget(
    tab="meetings",
    title="Sinh hoạt",
    header_row=2,
    columns={"month": 0, "group_id": 1, "cadre_id": 2, "meeting_date": 3, "submission_id": 4},
)
RECORDS = [
    {"month": "10/2016", "group_id": "T002", "cadre_id": "CB01",
     "meeting_date": dt.date(2016, 10, 5), "submission_id": "P2"},
]  # fmt: skip
MOVED = ["STT", "Mã phiếu", "Tháng", "Ghi chú", "Mã tổ", "Mã cán bộ", "Ngày họp"]


def test_workbook_values_follow_the_headers_as_they_are_now(tmp_path):
    path = write_workbook(
        {"Sinh hoạt": [["NHẬT KÝ"], MOVED, [1, "P1", "09/2016"]]}, tmp_path / "s.xlsx"
    )
    source = WorkbookSource(path)
    assert source.append_records(TARGET, RECORDS, key="submission_id").added == 1
    assert source.append_records(TARGET, RECORDS, key="submission_id").added == 0
    row = [c.value for c in openpyxl.load_workbook(path)["Sinh hoạt"][4]]
    assert row == [None, "P2", "10/2016", None, "T002", "CB01", dt.datetime(2016, 10, 5)]


def test_workbook_refuses_a_value_whose_header_is_gone(tmp_path):
    path = write_workbook(
        {"Sinh hoạt": [["Tháng", "Mã tổ", "Mã cán bộ", "Mã phiếu"]]}, tmp_path / "s.xlsx"
    )
    with pytest.raises(WriteError, match="«Ngày họp»"):
        WorkbookSource(path).append_records(TARGET, RECORDS, key="submission_id")
    assert openpyxl.load_workbook(path)["Sinh hoạt"].max_row == 1


def test_an_ods_file_still_says_to_save_as_xlsx(tmp_path):
    with pytest.raises(WriteError, match=r"\.xlsx"):
        WorkbookSource(tmp_path / "so.ods").append_records(TARGET, RECORDS)


def test_csv_values_follow_the_headers_as_they_are_now(tmp_path):
    folder = tmp_path / "so"
    folder.mkdir()
    (folder / "Sinh hoạt.csv").write_text(",".join(MOVED) + "\n1,P1,09/2016\n", "utf-8")
    source = CsvFolderSource(folder)
    assert source.append_records(TARGET, RECORDS, key="submission_id").added == 1
    assert source.append_records(TARGET, RECORDS, key="submission_id").added == 0
    lines = (folder / "Sinh hoạt.csv").read_text("utf-8").splitlines()
    assert lines[-1] == ",P2,10/2016,,T002,CB01,05/10/2016"

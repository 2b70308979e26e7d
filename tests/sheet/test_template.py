"""The office's template workbook: read back by the app without a problem, written into by the
form, and carrying its drop-downs and formats in the file itself.

The file is checked twice: through openpyxl (what a program sees) and as the raw XML parts of
the .xlsx package (ECMA-376 Part 1), where openpyxl would hide a mistake: its `showDropDown`
flag means the opposite of its name (§18.3.1.32: true *hides* the in-cell arrow), and it writes
titles and messages longer than Excel accepts without a word.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from xml.etree import ElementTree

import openpyxl
import pandas as pd
import pytest
from openpyxl.utils import get_column_letter

from tothu_core.cli import main
from tothu_core.entry.entries import Entry, Submission, build_rows
from tothu_core.sheet import contract, template
from tothu_core.sheet.load import load_dataset
from tothu_core.sheet.sources.workbook import WorkbookSource

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PACKAGE_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
# Built-in number formats (ECMA-376 Part 1, §18.8.30 numFmt): 0 General, 1 "0", 49 "@".
BUILTIN_FORMATS = {0: "General", 1: "0", 49: "@"}


@pytest.fixture(scope="module")
def template_path(tmp_path_factory):
    return template.write_template(tmp_path_factory.mktemp("template") / "mau.xlsx")


def filled_copy(template_path, tmp_path, tabs=tuple(contract.TABS)):
    """The template with the guide's example row typed into row 3 of each tab, as a clerk
    would type it in Excel (numbers as numbers, dates as date cells)."""
    book = openpyxl.load_workbook(template_path)
    for key in tabs:
        tab = contract.TABS[key]
        sheet = book[tab.name]
        for index, column in enumerate(tab.columns, start=1):
            sheet.cell(row=template.FIRST_DATA_ROW, column=index).value = template.EXAMPLES[key][
                column.key
            ]
    path = tmp_path / "da-dien.xlsx"
    book.save(path)
    return path


def test_the_empty_template_reads_back_without_a_single_problem(template_path):
    ds = load_dataset(WorkbookSource(template_path))
    assert ds.problems == []
    for key, tab in contract.TABS.items():
        layout = ds.layouts[key]
        assert layout.title == tab.name
        assert layout.header_row == template.HEADER_ROW
        assert layout.columns == {c.key: i for i, c in enumerate(tab.columns)}
        assert getattr(ds, key).empty


def test_the_guide_s_examples_fill_the_template_and_read_back_clean(template_path, tmp_path):
    ds = load_dataset(WorkbookSource(filled_copy(template_path, tmp_path)))
    assert ds.problems == []
    assert ds.hamlets[["hamlet_id", "hamlet_name", "row"]].values.tolist() == [
        ["A1", "Ấp Mỹ An", 3]
    ]
    cadre = ds.cadres.iloc[0]
    assert (cadre["phone"], cadre["role"], cadre["kind"]) == ("0912345678", "Lãnh đạo", "Cán bộ")
    group = ds.groups.iloc[0]
    assert (group["households"], group["rating"], group["lat"]) == (35, "Khá", 10.15)
    assert ds.assignments["start"].tolist() == [pd.Timestamp(2026, 1, 5)]
    entry = ds.meetings.iloc[0]
    assert entry["month"] == pd.Period("2026-11", freq="M")
    assert entry["meeting_date"] == pd.Timestamp(2026, 11, 10)
    assert bool(entry["cadre_attended"]) is True
    assert list(entry["topics"]) == [
        "Trữ nước ngọt phục vụ sinh hoạt và sản xuất",
        "An toàn giao thông",
    ]
    assert ds.topics["topic"].tolist() == [template.EXAMPLES["topics"]["topic"]]


def test_the_form_writes_into_a_template_born_workbook(template_path, tmp_path):
    """What the office starts from takes the form's rows under its headers, and keeps its
    drop-downs and notes after the app has saved it."""
    tabs = [k for k in contract.TABS if k != "meetings"]
    source = WorkbookSource(filled_copy(template_path, tmp_path, tabs))
    before = load_dataset(source)
    assert before.problems == []
    submission = Submission(
        submission_id="P1",
        cadre_id="CB01",
        month=pd.Period("2026-11", freq="M"),
        entries=(
            Entry(
                "T001",
                met=True,
                meeting_date=dt.date(2026, 11, 9),
                households_present=30,
                cadre_attended=False,
                topics=("An toàn giao thông",),
            ),
        ),
        submitted_at=dt.datetime(2026, 11, 20, 9, 30),
    )
    plan = build_rows(before, submission)
    assert source.append_records(plan.target, plan.records, key=plan.key).added == 1

    after = load_dataset(source)
    assert after.problems == []
    entry = after.meetings.iloc[0]
    assert entry["row"] == template.FIRST_DATA_ROW
    assert (entry["households_present"], bool(entry["cadre_attended"])) == (30, False)
    sheet = openpyxl.load_workbook(source.path)["Sinh hoạt"]
    assert sheet.cell(row=3, column=6).value == template.NO, "the form writes Có/Không"
    rules = {str(dv.sqref): dv for dv in sheet.data_validations.dataValidation}
    assert rules["F3:F20002"].formula1 == '"Có,Không"'
    assert sheet.cell(row=template.HEADER_ROW, column=1).comment is not None


def test_every_contract_column_is_described_and_has_an_example():
    """A column added to the contract fails here until the template says how to fill it."""
    for tab in contract.TABS.values():
        assert tab.key in template.TITLES and tab.key in template.TAB_PURPOSES
        assert set(template.EXAMPLES[tab.key]) == {c.key for c in tab.columns}, tab.name
        for column in tab.columns:
            assert template.COLUMN_NOTES.get((tab.key, column.key)), (tab.name, column.header)
    stray = set(template.COLUMN_NOTES) - {
        (t.key, c.key) for t in contract.TABS.values() for c in t.columns
    }
    assert not stray


def test_drop_downs_and_checks_as_openpyxl_reads_them(template_path):
    book = openpyxl.load_workbook(template_path)
    assert book.sheetnames == [template.GUIDE_TAB, *(t.name for t in contract.TABS.values())]
    expected_lists = {
        ("groups", "rating"): '"Tốt,Khá,Trung bình,Yếu"',
        ("cadres", "kind"): '"Cán bộ,Công chức,Viên chức"',
        ("cadres", "role"): '"Lãnh đạo,Cán bộ,Quản trị"',
        ("groups", "hamlet_id"): "'Ấp'!$A$3:$A$2002",
        ("assignments", "cadre_id"): "'Cán bộ'!$A$3:$A$2002",
        ("assignments", "group_id"): "'Tổ'!$A$3:$A$2002",
        ("meetings", "group_id"): "'Tổ'!$A$3:$A$2002",
        ("meetings", "cadre_id"): "'Cán bộ'!$A$3:$A$2002",
        ("meetings", "cadre_attended"): '"Có,Không"',
    }
    for (tab_key, column_key), formula in expected_lists.items():
        tab = contract.TABS[tab_key]
        letter = get_column_letter(tab.columns.index(tab.column(column_key)) + 1)
        last = template.FIRST_DATA_ROW + template.data_rows(tab) - 1
        sheet = book[tab.name]
        found = [dv for dv in sheet.data_validations.dataValidation if f"{letter}3" in dv.sqref]
        assert len(found) == 1, (tab.name, column_key)
        rule = found[0]
        assert (rule.type, rule.formula1) == ("list", formula), (tab.name, column_key)
        assert str(rule.sqref) == f"{letter}3:{letter}{last}"
        assert rule.errorStyle == ("warning" if tab_key == "meetings" else "stop")

    # The referenced ranges hold what the lists promise: the id column of the other tab.
    for name, header in (("Ấp", "Mã ấp"), ("Cán bộ", "Mã cán bộ"), ("Tổ", "Mã tổ")):
        assert book[name]["A2"].value == header

    groups = book["Tổ"]
    households = next(dv for dv in groups.data_validations.dataValidation if "E3" in dv.sqref)
    assert (households.type, households.operator, households.formula1) == (
        "whole",
        "greaterThan",
        "0",
    )


def _number_format(book, sheet_name: str, cell: str) -> str:
    return book[sheet_name][cell].number_format


def test_number_formats_as_openpyxl_reads_them(template_path):
    book = openpyxl.load_workbook(template_path)
    last = template.FIRST_DATA_ROW + template.FORMATTED_ROWS - 1
    for tab in contract.TABS.values():
        for index, column in enumerate(tab.columns, start=1):
            letter = get_column_letter(index)
            wanted = template.NUMBER_FORMATS[column.kind]
            for row in (template.FIRST_DATA_ROW, last):
                assert _number_format(book, tab.name, f"{letter}{row}") == wanted, (
                    tab.name,
                    column.header,
                    row,
                )
    assert _number_format(book, "Phân công", "C3") == "dd/mm/yyyy"
    assert _number_format(book, "Sinh hoạt", "J3") == "dd/mm/yyyy hh:mm:ss"
    assert _number_format(book, "Cán bộ", "E3") == "@", "a phone number keeps its leading 0"
    assert _number_format(book, "Tổ", "E3") == "0"


class Package:
    """The .xlsx as its XML parts, sheets found by name through the workbook's relationships."""

    def __init__(self, path):
        self.zip = zipfile.ZipFile(path)
        workbook = self.xml("xl/workbook.xml")
        rels = self.xml("xl/_rels/workbook.xml.rels")
        targets = {r.get("Id"): r.get("Target") for r in rels.iter(f"{PACKAGE_REL}Relationship")}
        self.sheets = {}
        for sheet in workbook.iter(f"{MAIN}sheet"):
            target = targets[sheet.get(f"{REL}id")].lstrip("/")
            self.sheets[sheet.get("name")] = target if target.startswith("xl/") else f"xl/{target}"
        self.styles = self.xml("xl/styles.xml")

    def xml(self, part: str):
        return ElementTree.fromstring(self.zip.read(part))

    def sheet(self, name: str):
        return self.xml(self.sheets[name])

    def format_of_style(self, index: int) -> str:
        custom = {
            int(f.get("numFmtId")): f.get("formatCode") for f in self.styles.iter(f"{MAIN}numFmt")
        }
        xf = list(self.styles.find(f"{MAIN}cellXfs"))[index]
        number = int(xf.get("numFmtId", 0))
        return custom.get(number, BUILTIN_FORMATS.get(number, f"builtin {number}"))


def test_the_xml_holds_what_excel_and_google_sheets_need(template_path):
    package = Package(template_path)
    checks = template.checks()
    for tab in contract.TABS.values():
        sheet = package.sheet(tab.name)
        rules = sheet.find(f"{MAIN}dataValidations")
        expected = [c for (t, _), c in checks.items() if t == tab.key]
        found = list(rules) if rules is not None else []
        assert len(found) == len(expected), tab.name
        if rules is not None:
            assert int(rules.get("count")) == len(found)
        for rule in found:
            where = (tab.name, rule.get("sqref"))
            # showDropDown="1" would hide the arrow in Excel: the attribute means "suppress".
            assert rule.get("showDropDown") in (None, "0", "false"), where
            assert rule.get("allowBlank") == "1", where
            assert rule.get("showErrorMessage") == "1" and rule.get("showInputMessage") == "1"
            for attribute, limit in (
                ("errorTitle", template.MAX_TITLE),
                ("promptTitle", template.MAX_TITLE),
                ("error", template.MAX_MESSAGE),
                ("prompt", template.MAX_MESSAGE),
            ):
                assert 0 < len(rule.get(attribute) or "") <= limit, (where, attribute)
            formula = rule.find(f"{MAIN}formula1").text
            if rule.get("type") == "list" and formula.startswith('"'):
                assert len(formula) - 2 <= template.MAX_LIST_FORMULA, where
            first, last = rule.get("sqref").split(":")
            assert re.fullmatch(r"[A-Z]+3", first), where
            assert int(re.sub(r"[A-Z]+", "", last)) == 2 + template.data_rows(tab), where

        # Title row merged above the header, panes frozen under the header.
        merged = [m.get("ref") for m in sheet.iter(f"{MAIN}mergeCell")]
        assert merged == [f"A1:{get_column_letter(len(tab.columns))}1"]
        pane = sheet.find(f"{MAIN}sheetViews/{MAIN}sheetView/{MAIN}pane")
        assert pane.get("state") == "frozen" and pane.get("ySplit") == "2"

        # Each cell below the header carries its column's number format, as does the column.
        cells = {c.get("r"): c for c in sheet.iter(f"{MAIN}c")}
        columns = {}
        for col in sheet.iter(f"{MAIN}col"):
            for number in range(int(col.get("min")), int(col.get("max")) + 1):
                columns[number] = col
        for index, column in enumerate(tab.columns, start=1):
            letter = get_column_letter(index)
            wanted = template.NUMBER_FORMATS[column.kind]
            cell = cells.get(f"{letter}3")
            if cell is None:  # a blank cell of the default style is not written at all
                assert wanted == "General", (tab.name, letter)
            else:
                assert cell.find(f"{MAIN}v") is None, "the template holds no data"
                assert package.format_of_style(int(cell.get("s"))) == wanted, (tab.name, letter)
            style = int(columns[index].get("style", 0))
            assert package.format_of_style(style) == wanted, (tab.name, letter)
            header = cells[f"{letter}2"]
            assert header.findtext(f"{MAIN}is/{MAIN}t") == column.header

    # The first tab is the guide, and it opens first.
    workbook = package.xml("xl/workbook.xml")
    first = next(workbook.iter(f"{MAIN}sheet")).get("name")
    assert first == template.GUIDE_TAB
    assert workbook.find(f"{MAIN}bookViews/{MAIN}workbookView").get("activeTab") == "0"


def test_header_notes_are_in_the_file(template_path):
    package = Package(template_path)
    notes = {}
    for part in package.zip.namelist():
        if part.startswith("xl/comments/"):
            for comment in package.xml(part).iter(f"{MAIN}comment"):
                text = "".join(t.text or "" for t in comment.iter(f"{MAIN}t"))
                notes[(part, comment.get("ref"))] = text
    texts = list(notes.values())
    for tab in contract.TABS.values():
        for column in tab.columns:
            assert any(template.COLUMN_NOTES[(tab.key, column.key)] in t for t in texts), column


def test_the_guide_tab_explains_every_tab_and_column(template_path):
    book = openpyxl.load_workbook(template_path)
    guide = book[template.GUIDE_TAB]
    cells = [c.value for row in guide.iter_rows() for c in row if c.value is not None]
    text = "\n".join(str(c) for c in cells)
    assert "Có/Không" in text and "Google" in text and "Kiểm tra dữ liệu" in text
    for tab in contract.TABS.values():
        assert f"Trang «{tab.name}»" in text
        for column in tab.columns:
            assert column.header in cells, column.header
    # The examples shown are the typed examples, with the columns' formats.
    start = next(r for r in guide.iter_rows() if r[0].value == "Từ ngày")
    assert start[2].value == dt.datetime(2026, 1, 5) and start[2].number_format == "dd/mm/yyyy"


def test_validation_ranges_cover_the_formatted_rows():
    for tab in contract.TABS.values():
        assert template.data_rows(tab) >= template.FORMATTED_ROWS


def test_write_template_refuses_to_overwrite_or_a_wrong_name(tmp_path):
    written = template.write_template(tmp_path)
    assert written == tmp_path / template.TEMPLATE_FILE_NAME
    assert written.read_bytes() == template.template_bytes()
    with pytest.raises(template.TothuError, match="không ghi đè"):
        template.write_template(written)
    with pytest.raises(template.TothuError, match=r"\.xlsx"):
        template.write_template(tmp_path / "mau.ods")
    with pytest.raises(template.TothuError, match="Không có thư mục"):
        template.write_template(tmp_path / "khong-co" / "mau.xlsx")


def test_the_command_writes_the_template_and_says_where(tmp_path, capsys):
    target = tmp_path / "bang-tinh.xlsx"
    assert main(["template", str(target)]) == 0
    assert str(target) in capsys.readouterr().out
    assert load_dataset(WorkbookSource(target)).problems == []
    assert main(["template", str(target)]) == 1
    assert "không ghi đè" in capsys.readouterr().err

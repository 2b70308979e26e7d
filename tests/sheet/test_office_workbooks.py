"""Workbooks as Excel and LibreOffice save them: read as the office sees them, and a
submission changes nothing in the package but the appended rows."""

from __future__ import annotations

import csv
import datetime as dt
import re
import shutil
import subprocess
import zipfile
from collections import Counter

import openpyxl
import pytest

from tests.entry.test_submit_sheets import CADRES, MEETING_HEADERS, NOW, submission, viewer
from tests.workbooks import Error, Formula, Tab, office_xlsx, parts_of, stored_parts
from tothu_core.entry.month_lock import MonthLocks
from tothu_core.entry.outbox import Outbox
from tothu_core.entry.submit import EntryWriter
from tothu_core.figures import figures
from tothu_core.sheet.load import load_dataset
from tothu_core.sheet.snapshot import SnapshotStore
from tothu_core.sheet.sources import xlsx_append
from tothu_core.sheet.sources.workbook import WorkbookSource

ENTRIES_PART = "xl/worksheets/sheet5.xml"
FLAVORS = ["excel", "libreoffice"]


def office_commune(path, *, flavor="excel", date_styles=True, macros=False):
    """The test commune as an office keeps it: Số hộ typed as formulas (=14+16, cached 30),
    one merged Mã ấp block down the whole Tổ tab, a chart, an image and a comment on it, a
    drop-down list, a defined name, a hidden old tab, a title row and formatted empty rows
    below the entries."""
    ids = [f"CB{i:02d}" for i in range(1, CADRES + 1)]
    groups = [[f"T{c[2:]}{s}", f"Tổ {c[2:]}{s}", None, Formula("14+16", 30), "Khá"]
              for c in ids for s in "AB"]  # fmt: skip
    groups[0][2] = "A1"  # the merged block's value sits in its top cell only
    tabs = {
        "Ấp": [["Mã ấp", "Tên ấp"], ["A1", "Ấp Mỹ An"]],
        "Cán bộ": [["Mã cán bộ", "Họ và tên"], *([c, f"Cán bộ {c}"] for c in ids)],
        "Tổ": Tab(
            rows=[["Mã tổ", "Tên tổ", "Mã ấp", "Số hộ", "Xếp loại"], *groups],
            merges=[f"C2:C{len(groups) + 1}"],
            validation=f"E2:E{len(groups) + 1}",
            chart=True,
        ),
        "Phân công": [
            ["Mã cán bộ", "Mã tổ", "Từ ngày"],
            *([c, f"T{c[2:]}{s}", dt.date(2016, 1, 1)] for c in ids for s in "AB"),
        ],
        "Sinh hoạt": Tab(
            rows=[["NHẬT KÝ SINH HOẠT TỔ"], [], MEETING_HEADERS],
            formatted_rows=range(4, 40),
            merges=["A1:F1"],
        ),
        "Cũ": Tab(rows=[["Mã tổ", "Ghi chú"], ["T99", "tổ đã giải thể"]], hidden=True),
    }
    name = "'Tổ'!$A$2:$A$" + str(len(groups) + 1)
    suffix = ".xlsm" if macros else ".xlsx"
    target = path.with_suffix(suffix)
    return office_xlsx(
        target, tabs, flavor=flavor, date_styles=date_styles, macros=macros, defined_name=name
    )


def writer_for(path, tmp_path) -> EntryWriter:
    store = SnapshotStore(WorkbookSource(path), ttl_seconds=3600)
    locks = MonthLocks(tmp_path / "data", clock=lambda: NOW)
    return EntryWriter(store, outbox=Outbox.in_folder(tmp_path / "data"), locks=locks)


def without_appended_rows(xml: bytes, first: int, last: int) -> bytes:
    """The worksheet XML with rows first..last put back as they were before the append:
    removed, or (a formatted empty row that was filled) its cells emptied again."""
    for number in range(first, last + 1):
        xml = re.sub(rb'<row r="%d"[^>]*>.*?</row>' % number, b"", xml, flags=re.DOTALL)
    return xml


@pytest.mark.parametrize("flavor", FLAVORS)
def test_an_office_workbook_reads_as_the_office_sees_it(tmp_path, flavor):
    path = office_commune(tmp_path / "so-lieu", flavor=flavor)
    raw = WorkbookSource(path).read_raw()
    assert raw.hidden == frozenset({"Cũ"})
    groups = raw["Tổ"]
    # The formulas' cached results, and the merged Mã ấp block in every row it covers.
    assert {row[3] for row in groups[1:]} == {30}
    assert {row[2] for row in groups[1:]} == {"A1"}
    ds = load_dataset(WorkbookSource(path))
    assert len(ds.groups) == 2 * CADRES and ds.groups["households"].sum() == 30 * 2 * CADRES
    assert [p for p in ds.problems if p.severity == "error"] == []


@pytest.mark.parametrize("flavor", FLAVORS)
def test_a_formula_error_names_its_cell(tmp_path, flavor):
    tabs = {
        "Ấp": [["Mã ấp", "Tên ấp"], ["A1", "Ấp Mỹ An"]],
        "Tổ": [["Mã tổ", "Tên tổ", "Mã ấp", "Số hộ"], ["T1", "Tổ 1", "A1", Error("#REF!")],
               ["T2", "Tổ 2", "A1", 20]],
    }  # fmt: skip
    path = office_xlsx(tmp_path / "loi.xlsx", tabs, flavor=flavor)
    assert WorkbookSource(path).read_raw()["Tổ"][1][3] == "#REF!"
    ds = load_dataset(WorkbookSource(path))
    assert list(ds.groups["group_id"]) == ["T2"]
    assert any("D2" in p.message and "#REF!" in p.message for p in ds.problems)


@pytest.mark.parametrize("flavor", FLAVORS)
def test_a_submission_changes_nothing_but_the_appended_rows(tmp_path, flavor):
    path = office_commune(tmp_path / "so-lieu", flavor=flavor)
    before_parts, before_stored = parts_of(path), stored_parts(path)
    writer = writer_for(path, tmp_path)
    ds = writer.store.get().snapshot.dataset
    figures_before = figures.coverage(ds, ds.months()[-1]) if len(ds.months()) else None
    result = writer.submit(submission("CB07"), ds=ds, viewer=viewer("CB07"))
    assert result.sent and result.rows_added == 2

    after_parts, after_stored = parts_of(path), stored_parts(path)
    assert set(after_parts) == set(before_parts)
    changed = {name for name in before_parts if after_parts[name] != before_parts[name]}
    assert changed == {ENTRIES_PART}
    # Every other part is the very bytes it was, compressed data included.
    assert {n for n in before_stored if after_stored[n] != before_stored[n]} == {ENTRIES_PART}
    # In the entries tab: the rows 4 and 5 (formatted empty rows until now) and the dimension.
    old, new = before_parts[ENTRIES_PART], after_parts[ENTRIES_PART]
    assert b'<dimension ref="A1:L39"/>' in old and b'<dimension ref="A1:L39"/>' in new
    assert without_appended_rows(new, 4, 5) == without_appended_rows(old, 4, 5)
    assert zipfile.ZipFile(path).testzip() is None

    fresh = writer.store.get().snapshot.dataset
    assert len(fresh.meetings) == len(ds.meetings) + 2
    assert fresh.groups.equals(ds.groups) and fresh.cadres.equals(ds.cadres)
    if figures_before is not None:
        assert figures.coverage(fresh, ds.months()[-1]).equals(figures_before)
    entered = fresh.meetings.set_index("submission_id")
    assert entered.loc["P07-T07A", "households_present"] == 21
    assert entered.loc["P07-T07A", "submitted_at"] == NOW


def test_dates_take_the_office_format_and_text_stays_text(tmp_path):
    path = office_commune(tmp_path / "so-lieu")
    writer = writer_for(path, tmp_path)
    ds = writer.store.get().snapshot.dataset
    writer.submit(submission("CB01", situation="=1+1"), ds=ds, viewer=viewer("CB01"))
    sheet = openpyxl.load_workbook(path)["Sinh hoạt"]
    by_header = {h: sheet.cell(row=4, column=i + 1) for i, h in enumerate(MEETING_HEADERS)}
    assert by_header["Ngày họp"].value == dt.datetime(2026, 11, 10)
    assert by_header["Ngày họp"].number_format == "dd/mm/yyyy"
    assert by_header["Thời điểm nhập"].number_format == "dd/mm/yyyy hh:mm:ss"
    assert by_header["Tình hình"].value == "=1+1" and by_header["Tình hình"].data_type == "s"
    assert by_header["Tình hình"].quotePrefix


def test_a_workbook_without_a_date_format_gets_one_style_added_at_the_end(tmp_path):
    path = office_commune(tmp_path / "so-lieu", date_styles=False)
    before = parts_of(path)
    writer = writer_for(path, tmp_path)
    ds = writer.store.get().snapshot.dataset
    writer.submit(submission("CB02"), ds=ds, viewer=viewer("CB02"))
    after = parts_of(path)
    assert {n for n in before if after[n] != before[n]} == {ENTRIES_PART, "xl/styles.xml"}
    old_xfs = re.search(rb"<cellXfs[^>]*>(.*)</cellXfs>", before["xl/styles.xml"]).group(1)
    new_xfs = re.search(rb"<cellXfs[^>]*>(.*)</cellXfs>", after["xl/styles.xml"]).group(1)
    assert new_xfs.startswith(old_xfs)  # every existing style index keeps its meaning
    sheet = openpyxl.load_workbook(path)["Sinh hoạt"]
    assert sheet.cell(row=4, column=5).is_date


def test_later_submissions_rewrite_only_the_end_of_the_tab(tmp_path, monkeypatch):
    path = office_commune(tmp_path / "so-lieu")
    writer = writer_for(path, tmp_path)
    ds = writer.store.get().snapshot.dataset
    writer.submit(submission("CB01"), ds=ds, viewer=viewer("CB01"))
    streamed = []
    original = xlsx_append._split_streaming
    monkeypatch.setattr(
        xlsx_append, "_split_streaming", lambda *a: streamed.append(1) or original(*a)
    )
    for cadre in ("CB02", "CB03", "CB04"):
        assert writer.submit(submission(cadre), ds=ds, viewer=viewer(cadre)).rows_added == 2
    assert streamed == []  # the tab's rows were copied as stored, not read again
    # The same submission from another outbox adds nothing, still without reading the tab.
    other = EntryWriter(
        writer.store, outbox=Outbox.in_folder(tmp_path / "other"), locks=writer.locks
    )
    assert other.submit(submission("CB03"), ds=ds, viewer=viewer("CB03")).rows_added == 0
    assert streamed == []
    ids = Counter(m for m in writer.store.get().snapshot.dataset.meetings["submission_id"])
    assert ids == Counter({f"P0{n}-T0{n}{s}": 1 for n in range(1, 5) for s in "AB"})
    # Excel saves the file (here: openpyxl, which rewrites every part): the index is stale,
    # the next submission reads the tab once more and still adds no duplicate.
    book = openpyxl.load_workbook(path)
    book.save(path)
    assert other.submit(submission("CB04"), ds=ds, viewer=viewer("CB04")).rows_added == 0
    assert streamed == [1]


def test_a_macro_workbook_keeps_its_macros(tmp_path):
    path = office_commune(tmp_path / "so-lieu", macros=True)
    before = stored_parts(path)
    writer = writer_for(path, tmp_path)
    ds = writer.store.get().snapshot.dataset
    assert writer.submit(submission("CB05"), ds=ds, viewer=viewer("CB05")).sent
    after = stored_parts(path)
    assert after["xl/vbaProject.bin"] == before["xl/vbaProject.bin"]
    assert {n for n in before if after[n] != before[n]} == {ENTRIES_PART}


def test_a_workbook_open_in_libreoffice_is_not_written_and_the_entries_wait(tmp_path):
    path = office_commune(tmp_path / "so-lieu")
    before = path.read_bytes()
    # LibreOffice's lock file: "LibreOfficeUser,host,user,date,profile;"
    lock = path.with_name(f".~lock.{path.name}#")
    lock.write_text("LibreOfficeUser,may-van-phong,lan,01.12.2026 08:00,file:///x;", "utf-8")
    writer = writer_for(path, tmp_path)
    ds = writer.store.get().snapshot.dataset
    result = writer.submit(submission("CB06"), ds=ds, viewer=viewer("CB06"))
    assert not result.sent and "đóng tệp" in result.message and "lan" in result.message
    assert path.read_bytes() == before and writer.pending_count() == 2
    lock.unlink()
    assert writer.retry_pending().sent == 1


def test_a_file_windows_holds_open_gets_the_closing_sentence(tmp_path, monkeypatch):
    path = office_commune(tmp_path / "so-lieu")
    writer = writer_for(path, tmp_path)
    ds = writer.store.get().snapshot.dataset

    def sharing_violation(*args):
        raise PermissionError(13, "The process cannot access the file")

    monkeypatch.setattr("os.replace", sharing_violation)
    result = writer.submit(submission("CB08"), ds=ds, viewer=viewer("CB08"))
    assert not result.sent and "đóng tệp" in result.message
    assert writer.pending_count() == 2


soffice = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.skipif(soffice is None, reason="LibreOffice (soffice) không có")
def test_libreoffice_opens_the_written_file_and_sees_the_entries(tmp_path):
    """Real LibreOffice, on a file it saved itself and we then wrote into twice."""
    made = office_commune(tmp_path / "goc")
    profile = f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}"
    saved = tmp_path / "lo"
    subprocess.run(
        [soffice, profile, "--headless", "--convert-to", "xlsx:Calc MS Excel 2007 XML",
         "--outdir", str(saved), str(made)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    path = saved / made.name
    writer = writer_for(path, tmp_path)
    ds = writer.store.get().snapshot.dataset
    for cadre in ("CB01", "CB02"):
        assert writer.submit(submission(cadre), ds=ds, viewer=viewer(cadre)).sent
    out = tmp_path / "csv"
    subprocess.run(
        [soffice, profile, "--headless", "--convert-to",
         'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1',
         "--outdir", str(out), str(path)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    entries = next(out.glob("*Sinh*.csv"))
    with open(entries, encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    keys = [row[MEETING_HEADERS.index("Mã phiếu")] for row in rows[3:] if any(row)]
    assert keys == ["P01-T01A", "P01-T01B", "P02-T02A", "P02-T02B"]
    assert rows[3][MEETING_HEADERS.index("Ngày họp")] == "10/11/2026"
    groups = next(out.glob("*Tổ*.csv"))
    with open(groups, encoding="utf-8") as handle:
        assert {row[3] for row in list(csv.reader(handle))[1:]} == {"30"}


@pytest.mark.skipif(soffice is None, reason="LibreOffice (soffice) không có")
def test_an_ods_saved_by_libreoffice_reads_merged_blocks_and_errors(tmp_path):
    made = office_commune(tmp_path / "goc")
    tabs = {"Tổ": [["Mã tổ", "Tên tổ", "Mã ấp", "Số hộ"], ["T1", "Tổ 1", "A1", Error("#REF!")],
                   ["T2", "Tổ 2", None, Formula("14+16", 30)]]}  # fmt: skip
    small = office_xlsx(tmp_path / "nho.xlsx", {**tabs, "Cũ": Tab([["x"]], hidden=True)})
    profile = f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}"
    for source in (made, small):
        subprocess.run(
            [soffice, profile, "--headless", "--convert-to", "ods", "--outdir",
             str(tmp_path / "ods"), str(source)],
            check=True, capture_output=True, timeout=180,
        )  # fmt: skip
    raw = WorkbookSource(tmp_path / "ods" / "goc.ods").read_raw()
    assert {row[2] for row in raw["Tổ"][1:]} == {"A1"} and {row[3] for row in raw["Tổ"][1:]} == {30}
    assert raw.hidden == frozenset({"Cũ"})
    small_raw = WorkbookSource(tmp_path / "ods" / "nho.ods").read_raw()
    assert small_raw["Tổ"][1][3] == "#REF!" and small_raw["Tổ"][2][3] == 30


def test_a_merged_block_drawn_below_the_last_group_does_not_make_rows(tmp_path):
    tabs = {
        "Ấp": [["Mã ấp", "Tên ấp"], ["A1", "Ấp Mỹ An"]],
        "Tổ": Tab(
            rows=[["DANH SÁCH TỔ"], ["Mã tổ", "Tên tổ", "Mã ấp", "Số hộ"],
                  ["T1", "Tổ 1", "A1", 10], ["T2", "Tổ 2", None, 12], ["T3", "Tổ 3", None, 14]],
            merges=["C3:C13", "A1:D1"],
        ),
    }  # fmt: skip
    path = office_xlsx(tmp_path / "gop.xlsx", tabs)
    rows = WorkbookSource(path).read_raw()["Tổ"]
    assert rows[0] == ["DANH SÁCH TỔ"] * 4  # the title across its block
    assert [row[2] for row in rows[2:5]] == ["A1", "A1", "A1"]
    assert len(rows) == 5  # rows 6-13 under the block hold nothing and are not made up
    ds = load_dataset(WorkbookSource(path))
    assert list(ds.groups["hamlet_id"]) == ["A1"] * 3
    assert [p for p in ds.problems if p.tab == "Tổ"] == []

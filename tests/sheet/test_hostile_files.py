"""No file crashes, hangs or allocates without bound: each gives one sentence naming the file
(and the tab) and what to do, and the app keeps serving the last good snapshot.

Memory is measured in a child process whose address space is capped (RLIMIT_AS): before
this was fixed, python-calamine asked for 550 GB for one stray cell and the process aborted.
"""

from __future__ import annotations

import io
import json
import os
import struct
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from tests.workbooks import minimal_xlsx, office_xlsx
from tothu_core.errors import SourceError
from tothu_core.sheet.snapshot import SnapshotStore
from tothu_core.sheet.sources import zipfmt
from tothu_core.sheet.sources.workbook import WorkbookSource

ROOT = Path(__file__).resolve().parents[2]
# The child may use this much address space; Python, numpy and pandas take ~1 GB of it.
ADDRESS_LIMIT = 3 * 2**30
GROUPS = '<row r="1"><c r="A1" t="inlineStr"><is><t>Mã tổ</t></is></c></row>'


def read_in_capped_child(path: Path) -> dict:
    """Read `path` in a fresh process with capped memory; what it said and its peak RSS."""
    script = textwrap.dedent(
        f"""
        import json, resource, sys
        resource.setrlimit(resource.RLIMIT_AS, ({ADDRESS_LIMIT}, {ADDRESS_LIMIT}))
        from tothu_core.errors import SourceError
        from tothu_core.sheet.sources.workbook import WorkbookSource
        try:
            raw = WorkbookSource(sys.argv[1]).read_raw()
            said = {{"rows": {{t: len(r) for t, r in raw.items()}}}}
        except SourceError as error:
            said = {{"error": str(error)}}
        # VmHWM is this program's own peak: ru_maxrss would also count the pytest process it
        # was forked from (Linux keeps the parent's RSS at fork as the child's maxrss).
        status = open("/proc/self/status").read()
        said["peak_mb"] = int(status.split("VmHWM:")[1].split()[0]) / 1024
        print(json.dumps(said))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_one_stray_value_far_away_is_named_not_allocated(tmp_path):
    path = minimal_xlsx(
        tmp_path / "so.xlsx", GROUPS + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    )
    said = read_in_capped_child(path)
    assert "XFD1048576" in said["error"] and "«Tổ»" in said["error"] and "so.xlsx" in said["error"]
    assert said["peak_mb"] < 400


def test_a_huge_declared_dimension_with_little_data_reads(tmp_path):
    path = minimal_xlsx(tmp_path / "so.xlsx", GROUPS, dimension="A1:XFD1048576")
    said = read_in_capped_child(path)
    assert said["rows"] == {"Tổ": 1} and said["peak_mb"] < 400


def test_a_shared_string_count_no_file_could_hold_is_refused(tmp_path):
    sst = (
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" '
        'uniqueCount="4000000000000"><si><t>Mã tổ</t></si></sst>'
    )
    path = minimal_xlsx(
        tmp_path / "so.xlsx", '<row r="1"><c r="A1" t="s"><v>0</v></c></row>', shared_strings=sst
    )
    said = read_in_capped_child(path)
    assert "bị hỏng" in said["error"] and said["peak_mb"] < 400


def test_a_zip_bomb_is_refused_before_it_is_inflated(tmp_path):
    def padding(sheet):
        sheet.write(GROUPS.encode())
        for _ in range(100):
            sheet.write(b" " * 2**20)

    path = minimal_xlsx(tmp_path / "bom.xlsx", padding, compress_level=9)
    assert path.stat().st_size < 2**20
    said = read_in_capped_child(path)
    assert "giải nén ra" in said["error"] and said["peak_mb"] < 400


def test_a_part_longer_than_it_declares_is_damaged(tmp_path):
    path = minimal_xlsx(tmp_path / "so.xlsx", GROUPS + "<!--" + "x" * 200_000 + "-->")
    data = bytearray(path.read_bytes())
    with open(path, "rb") as handle:
        archive = zipfmt.read_archive(handle, len(data))
    entry = archive.by_name["xl/worksheets/sheet1.xml"]
    # Declare 1,000 bytes in the central directory and the local header (APPNOTE §4.3.7, 4.3.12).
    central = archive.central_offset + sum(
        len(e.central) for e in archive.entries[: archive.entries.index(entry)]
    )
    struct.pack_into("<I", data, central + 24, 1000)
    struct.pack_into("<I", data, entry.header_offset + 22, 1000)
    path.write_bytes(bytes(data))
    with pytest.raises(SourceError, match="bị hỏng"):
        WorkbookSource(path).read_raw()


def test_a_damaged_sheet_names_the_tab_and_the_last_good_snapshot_stays(tmp_path):
    path = office_xlsx(
        tmp_path / "so.xlsx",
        {"Ấp": [["Mã ấp", "Tên ấp"], ["A1", "Ấp Mỹ An"]], "Tổ": [["Mã tổ"], ["T1"]]},
    )
    store = SnapshotStore(WorkbookSource(path), ttl_seconds=3600)
    good = store.get().snapshot
    parts = {}
    with zipfile.ZipFile(path) as archive:
        parts = {n: archive.read(n) for n in archive.namelist()}
    sheet = parts["xl/worksheets/sheet2.xml"]
    parts["xl/worksheets/sheet2.xml"] = sheet[: sheet.index(b"</sheetData>") - 10]  # cut short
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    with pytest.raises(SourceError, match="trang «Tổ»"):
        WorkbookSource(path).read_raw()
    state = store.get(force=True)
    assert state.snapshot is good and isinstance(state.error, SourceError)
    assert "so.xlsx" in str(state.error)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "trống"),
        (b"<html><body><table><tr><td>M\xc3\xa3 t\xe1\xbb\x95</td></tr></table></html>",
         "không phải bảng tính"),
        ("Mã tổ,Tên tổ\nT1,Tổ 1\n".encode(), "không phải bảng tính"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096), ".xls"),
        (b"PK\x03\x04" + bytes(100), "bị hỏng"),
    ],
    ids=["empty", "html", "csv", "legacy-xls", "truncated-zip"],
)  # fmt: skip
def test_a_file_that_is_not_a_workbook_says_what_it_is(tmp_path, content, expected):
    path = tmp_path / "so-lieu.xlsx"
    path.write_bytes(content)
    with pytest.raises(SourceError, match=expected) as caught:
        WorkbookSource(path).read_raw()
    assert "so-lieu.xlsx" in str(caught.value)


def test_a_word_document_named_xlsx_is_not_a_workbook(tmp_path):
    path = tmp_path / "so-lieu.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        archive.writestr("word/document.xml", "<w:document/>")
    with pytest.raises(SourceError, match="không phải bảng tính"):
        WorkbookSource(path).read_raw()


def test_a_password_protected_workbook_asks_to_remove_the_password(tmp_path):
    """Encrypted the way Excel does (MS-OFFCRYPTO agile encryption), by msoffcrypto-tool."""
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = office_xlsx(tmp_path / "goc.xlsx", {"Tổ": [["Mã tổ"], ["T1"]]})
    path = tmp_path / "mat-khau.xlsx"
    with open(plain, "rb") as source, open(path, "wb") as out:
        OOXMLFile(source).encrypt("123456", out)
    with pytest.raises(SourceError, match="mật khẩu"):
        WorkbookSource(path).read_raw()


def test_cells_without_addresses_are_placed_as_excel_places_them(tmp_path):
    """Some generators leave out the optional r attributes (ECMA-376 Part 1 §18.3.1.4)."""
    data = (
        '<row><c t="inlineStr"><is><t>Mã tổ</t></is></c><c t="inlineStr"><is><t>Số hộ</t>'
        '</is></c></row><row><c t="inlineStr"><is><t>T1</t></is></c><c><v>12</v></c></row>'
    )
    path = minimal_xlsx(tmp_path / "so.xlsx", data)
    assert WorkbookSource(path).read_raw()["Tổ"] == [["Mã tổ", "Số hộ"], ["T1", 12]]


def test_a_crashed_write_leaves_nothing_behind_at_the_next_start(tmp_path):
    path = office_xlsx(tmp_path / "so-lieu.xlsx", {"Tổ": [["Mã tổ"], ["T1"]]})
    leftover = tmp_path / ".so-lieu-k3j2h1.xlsx.tmp"
    leftover.write_bytes(b"half a workbook")
    other = tmp_path / ".khac-abc.xlsx.tmp"
    other.write_bytes(b"another file's")
    WorkbookSource(path).read_raw()
    assert not leftover.exists() and other.exists()


def test_memory_of_a_read_follows_the_data(tmp_path):
    """200,000 rows of one cell each, then the same rows with a stray far value: the first
    is read, the second refused, and neither costs more than its data."""

    def rows(sheet, stray=False):
        sheet.write(GROUPS.encode())
        buffer = io.BytesIO()
        for n in range(2, 200_002):
            buffer.write(b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (n, n, n))
        sheet.write(buffer.getvalue())
        if stray:
            sheet.write(b'<row r="200002"><c r="ZZ200002"><v>1</v></c></row>')

    dense = minimal_xlsx(tmp_path / "dense.xlsx", rows)
    said = read_in_capped_child(dense)
    assert said["rows"] == {"Tổ": 200_001}
    sparse = minimal_xlsx(tmp_path / "sparse.xlsx", lambda sheet: rows(sheet, stray=True))
    refused = read_in_capped_child(sparse)
    assert "ZZ200002" in refused["error"]
    assert refused["peak_mb"] < said["peak_mb"] + 100

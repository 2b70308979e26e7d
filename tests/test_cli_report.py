"""`python -m tothu_core report` for every period and `list` for the Chi bộ, read back as the
office opens the files; the reader's maximum load passed down from the settings."""

from __future__ import annotations

import openpyxl
import pytest
from docx import Document

from tests.outputs.test_report import commune_with_texts
from tothu_core import cli
from tothu_core.sheet.demo import generate_workbook, write_workbook
from tothu_core.sheet.load import load_dataset
from tothu_core.sheet.reader import read_dataset
from tothu_core.sheet.snapshot import SnapshotStore
from tothu_core.sheet.sources.workbook import WorkbookSource

ORGANISATION = {
    "TOTHU_SUPERIOR_BODY": "Đảng bộ tỉnh Vĩnh Long",
    "TOTHU_ISSUING_BODY": "Đảng ủy xã Mỹ Thạnh",
}


@pytest.fixture
def office(monkeypatch, tmp_path):
    """A real source (a workbook), configured letterhead, no accounts, no secrets."""
    path = write_workbook(commune_with_texts(), tmp_path / "so-lieu.xlsx")
    monkeypatch.setenv("TOTHU_SOURCE", str(path))
    monkeypatch.setenv("TOTHU_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TOTHU_ACCOUNTS_FILE", str(tmp_path / "none.json"))
    for name, value in ORGANISATION.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def paragraphs(path) -> list[str]:
    return [p.text for p in Document(str(path)).paragraphs]


@pytest.mark.parametrize(
    ("option", "value", "name", "title", "tasks"),
    [
        ("--month", "09/2016", "bao-cao-to-tu-quan_09-2016.docx", "tháng 9 năm 2016", "THÁNG TỚI"),
        ("--quarter", "3/2016", "bao-cao-to-tu-quan_quy-3-2016.docx", "quý III năm 2016",
         "QUÝ TỚI"),
        ("--quarter", "III/2016", "bao-cao-to-tu-quan_quy-3-2016.docx", "quý III năm 2016",
         "QUÝ TỚI"),
        ("--half", "2/2016", "bao-cao-to-tu-quan_6-thang-cuoi-2016.docx", "6 tháng cuối năm 2016",
         "NĂM 2017"),
        ("--year", "2016", "bao-cao-to-tu-quan_nam-2016.docx", "năm 2016", "NĂM 2017"),
    ],
)  # fmt: skip
def test_a_report_for_each_period(office, option, value, name, title, tasks):
    assert cli.main(["report", option, value]) == cli.EXIT_OK
    texts = paragraphs(office / name)
    assert f"Kết quả theo dõi, hỗ trợ tổ nhân dân tự quản {title}" in texts
    assert f"III. PHƯƠNG HƯỚNG, NHIỆM VỤ {tasks}" in texts


def test_number_date_and_signer_from_the_command_line(office):
    args = ["report", "--month", "09/2016", "--number", "12", "--date", "03/02/2026",
            "--signer", "Nguyễn Văn An", "-o", "bc.docx"]  # fmt: skip
    assert cli.main(args) == cli.EXIT_OK
    doc = Document(str(office / "bc.docx"))
    left, _ = (c.text.split("\n") for c in doc.tables[0].rows[0].cells)
    assert left == ["ĐẢNG BỘ TỈNH VĨNH LONG", "ĐẢNG ỦY XÃ MỸ THẠNH", "*"]
    assert [c.text for c in doc.tables[0].rows[1].cells] == [
        "Số 12-BC/ĐU", "Mỹ Thạnh, ngày 03 tháng 02 năm 2026",
    ]  # fmt: skip
    assert doc.tables[-1].rows[0].cells[1].text.split("\n")[-1] == "Nguyễn Văn An"


def test_bad_periods_and_empty_ones_are_refused_in_words(office, capsys):
    with pytest.raises(SystemExit):
        cli.main(["report", "--month", "09/2016", "--year", "2016"])  # one period at a time
    assert cli.main(["report", "--half", "3/2016"]) == cli.EXIT_PROBLEMS
    assert "Kỳ 6 tháng «3/2016» không hợp lệ" in capsys.readouterr().err
    assert cli.main(["report", "--year", "2019"]) == cli.EXIT_PROBLEMS
    assert "chưa có số liệu nào của năm 2019" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["report", "--date", "31/02/2026"])


def test_an_unconfigured_letterhead_is_said_on_stderr(office, monkeypatch, capsys):
    for name in ORGANISATION:
        monkeypatch.delenv(name)
    assert cli.main(["report", "--month", "09/2016", "-o", "bc.docx"]) == cli.EXIT_OK
    err = capsys.readouterr().err
    assert "Chưa cài đặt: superior_body, issuing_body, place_name" in err


def test_the_demo_report_is_filled_in(tmp_path, monkeypatch):
    monkeypatch.delenv("TOTHU_SOURCE", raising=False)
    for name in ORGANISATION:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TOTHU_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TOTHU_ACCOUNTS_FILE", str(tmp_path / "none.json"))
    out = tmp_path / "demo.docx"
    assert cli.main(["report", "--quarter", "3/2026", "-o", str(out)]) == cli.EXIT_OK
    doc = Document(str(out))
    every = [p.text for p in doc.paragraphs] + [
        c.text for t in doc.tables for r in t.rows for c in r.cells
    ]
    assert not any("……" in t for t in every)
    assert doc.tables[0].rows[0].cells[0].text.split("\n")[:2] == [
        "ĐẢNG BỘ TỈNH VĨNH LONG", "ĐẢNG ỦY XÃ MỸ THẠNH",
    ]  # fmt: skip
    assert any("Nghị quyết Đại hội đại biểu toàn quốc lần thứ XIV của Đảng" in t for t in every)


def test_the_list_for_one_hamlet_and_for_all(office):
    assert cli.main(["list", "--hamlet", "A1", "--month", "09/2016"]) == cli.EXIT_OK
    book = openpyxl.load_workbook(office / "danh-sach-to_A1_09-2016.xlsx")
    assert book.sheetnames == ["Ấp Mỹ An"]
    assert cli.main(["list", "--format", "docx", "--months", "2", "-o", "ds.docx"]) == cli.EXIT_OK
    doc = Document(str(office / "ds.docx"))
    assert len(doc.sections) == 3
    assert [c.text for c in doc.tables[0].rows[0].cells][-2:] == [
        "Sinh hoạt 08/2016", "Sinh hoạt 09/2016",
    ]  # fmt: skip


def test_an_unknown_hamlet_is_named(office, capsys):
    assert cli.main(["list", "--hamlet", "A9"]) == cli.EXIT_PROBLEMS
    assert "Không có ấp mã «A9». Các mã ấp: A1, A2, A3." in capsys.readouterr().err


# --- the maximum load, passed down to the reader --------------------------------------------


def test_the_reader_warns_above_the_office_maximum():
    raw = commune_with_texts()
    assert not [p for p in read_dataset(raw).warnings if "nhiều hơn" in p.message]
    strict = read_dataset(raw, max_groups_per_cadre=1)
    heavy = sorted(p.value for p in strict.warnings if "nhiều hơn 1" in p.message)
    assert heavy == ["CB01", "CB03"]  # both follow two groups in 08 and 09/2016


def test_the_snapshot_and_the_check_command_pass_it_on(office, monkeypatch, capsys):
    source = WorkbookSource(office / "so-lieu.xlsx")
    assert not [p for p in load_dataset(source).warnings if "nhiều hơn" in p.message]
    store = SnapshotStore(source, read_options={"max_groups_per_cadre": 1})
    warnings = store.get().snapshot.dataset.warnings
    assert sum("nhiều hơn 1" in p.message for p in warnings) == 2
    monkeypatch.setenv("TOTHU_MAX_LOAD", "1")
    monkeypatch.setenv("TOTHU_PLANNED_LOAD", "1")
    assert cli.main(["check"]) == cli.EXIT_OK
    assert capsys.readouterr().out.count("(nhiều hơn 1)") == 2


def test_a_district_demo_still_builds_for_the_benchmarks():
    book = generate_workbook(communes=2, months=3, end_month="03/2026")
    ds = read_dataset(book)
    assert len(ds.groups) == 204 and ds.errors == []

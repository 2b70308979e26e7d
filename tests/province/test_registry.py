"""The registry of communes, read from the files an office really makes (CSV, Excel)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from tothu_core.errors import ConfigError
from tothu_core.province import registry as reg
from tothu_core.province.registry import (
    TAB,
    Commune,
    check_communes,
    load_registry,
    registry_location,
    save_registry,
)
from tothu_core.sheet.demo import generate_workbook, write_workbook
from tothu_core.sheet.sources import resolve_source

SHEET = "https://docs.google.com/spreadsheets/d/1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789/edit"


def write_csv(path: Path, text: str, *, encoding: str = "utf-8-sig") -> Path:
    path.write_bytes(text.replace("\n", "\r\n").encode(encoding))
    return path


@pytest.fixture
def commune_files(tmp_path):
    """Two communes' own files beside the registry: a workbook and a CSV folder."""
    write_workbook(generate_workbook(months=2), tmp_path / "my-thanh.xlsx")
    (tmp_path / "phu-tuc").mkdir()
    return tmp_path


def test_a_csv_saved_by_excel_with_a_bom_is_read(commune_files):
    path = write_csv(
        commune_files / "danh-sach.csv",
        "Mã xã,Tên xã,Nguồn dữ liệu,Ghi chú\n"
        "28756,Xã Mỹ Thạnh,my-thanh.xlsx,Xã mới (gộp 3 xã cũ)\n"
        f"28759,Xã Phú Túc,{SHEET},\n"
        "28762,Xã Tân Phú,phu-tuc,\n",
    )

    registry = load_registry(path)

    assert registry.problems == []
    assert registry.path == path
    assert registry.communes == [
        Commune(
            "28756",
            "Xã Mỹ Thạnh",
            str(commune_files / "my-thanh.xlsx"),
            "Xã mới (gộp 3 xã cũ)",
        ),
        Commune("28759", "Xã Phú Túc", SHEET),
        Commune("28762", "Xã Tân Phú", str(commune_files / "phu-tuc")),
    ]
    # What the sync does with a commune's source: the app's own resolve_source.
    assert resolve_source(registry.communes[0].source).path == commune_files / "my-thanh.xlsx"


def test_relative_sources_follow_the_registry_not_the_working_folder(commune_files, monkeypatch):
    path = write_csv(
        commune_files / "danh-sach.csv", "Mã xã,Tên xã,Nguồn dữ liệu\nX1,Xã A,my-thanh.xlsx\n"
    )
    elsewhere = commune_files / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)

    registry = load_registry(Path("..") / "danh-sach.csv")

    assert registry.communes[0].source == str(commune_files / "my-thanh.xlsx")
    assert registry.problems == []
    assert path.exists()


def test_an_excel_registry_with_a_title_row_above_the_header(commune_files):
    path = commune_files / "danh-sach.xlsx"
    book = Workbook()
    sheet = book.active
    sheet.title = "Hướng dẫn"
    sheet.append(["Ghi mỗi xã một dòng trong trang Danh sách xã."])
    tab = book.create_sheet(TAB)
    tab.append(["DANH SÁCH XÃ, PHƯỜNG TỈNH VĨNH LONG (sau sắp xếp 1/7/2025)"])
    tab.append([])
    tab.append(["STT", "MÃ XÃ", "Tên xã, phường", "nguon du lieu", "Ghi chú"])
    tab.append([1, 28756, "Xã Mỹ Thạnh", "my-thanh.xlsx", None])
    tab.append([2, 28759, "Phường Phú Khương", SHEET, "Phường"])
    tab.append([None, None, None, None, None])
    tab.append([3, "  28762 ", "  Xã   Tân Phú ", "gsheets:1AbC", None])
    book.save(path)

    registry = load_registry(path)

    assert registry.problems == []
    assert [(c.code, c.name) for c in registry.communes] == [
        ("28756", "Xã Mỹ Thạnh"),
        ("28759", "Phường Phú Khương"),
        ("28762", "Xã Tân Phú"),
    ]
    assert registry.communes[1].note == "Phường"
    assert registry.communes[2].source == "gsheets:1AbC"


def test_bad_rows_are_left_out_with_vietnamese_problems_naming_their_row(commune_files):
    path = write_csv(
        commune_files / "danh-sach.csv",
        "Danh sách xã\n"
        "Mã xã,Tên xã,Nguồn dữ liệu\n"
        "X1,Xã Mỹ Thạnh,my-thanh.xlsx\n"
        "X1,Xã Phú Túc,phu-tuc\n"
        "X3,Xã Tân Phú,\n"
        ",,\n"
        "X4,,khong-co.xlsx\n"
        "X5,Xã An Hiệp,ban-cu.doc\n"
        "X6,Xã An Định,khong-co.xlsx\n",
    )

    registry = load_registry(path)

    assert [c.code for c in registry.communes] == ["X1", "X5", "X6"]
    problems = [(p.severity, p.row, p.column, p.message) for p in registry.problems]
    assert problems == [
        (
            "error",
            4,
            "Mã xã",
            "Mã xã «X1» ở dòng 4 trùng với dòng 3; mỗi xã cần một mã riêng. "
            "Dòng này chưa được đồng bộ.",
        ),
        ("error", 5, "Nguồn dữ liệu", "Dòng 5 thiếu «Nguồn dữ liệu»; xã này chưa được đồng bộ."),
        ("error", 7, "Tên xã", "Dòng 7 thiếu «Tên xã»; xã này chưa được đồng bộ."),
        (
            "warning",
            8,
            "Nguồn dữ liệu",
            f"Nguồn dữ liệu «{commune_files / 'ban-cu.doc'}» của xã «Xã An Hiệp» không phải tệp "
            ".xlsx/.ods, thư mục chứa các tệp CSV hay địa chỉ Google Sheet.",
        ),
        (
            "warning",
            9,
            "Nguồn dữ liệu",
            f"Không thấy tệp «{commune_files / 'khong-co.xlsx'}» của xã «Xã An Định».",
        ),
    ]
    assert all(p.tab == TAB for p in registry.problems)


def test_a_file_without_the_headers_is_one_problem(tmp_path):
    path = write_csv(tmp_path / "danh-sach.csv", "Xã,Địa chỉ\nMỹ Thạnh,x.xlsx\n")

    registry = load_registry(path)

    assert registry.communes == []
    (problem,) = registry.problems
    assert problem.severity == "error"
    assert "«Mã xã», «Tên xã», «Nguồn dữ liệu»" in problem.message
    assert "danh-sach.csv" in problem.message


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("khong-co.csv", None, "Không tìm thấy tệp danh sách xã"),
        ("danh-sach.txt", b"x", "phải là tệp .csv, .xlsx, .xlsm hoặc .ods"),
        ("hong.xlsx", b"PK\x03\x04 not really a zip", "Không đọc được tệp danh sách xã"),
    ],
)
def test_a_registry_file_that_cannot_be_read_is_a_configuration_error(
    tmp_path, name, content, expected
):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)

    with pytest.raises(ConfigError, match=expected):
        load_registry(path)


def test_a_workbook_without_the_tab_names_it(tmp_path):
    path = tmp_path / "danh-sach.xlsx"
    book = Workbook()
    book.active.title = "Trang 1"
    book.create_sheet("Trang 2")
    book.save(path)

    with pytest.raises(ConfigError, match="không có trang «Danh sách xã»"):
        load_registry(path)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_saving_then_loading_gives_the_same_communes(commune_files, suffix):
    path = commune_files / f"danh-sach{suffix}"
    communes = [
        Commune("28756", "Xã Mỹ Thạnh", str(commune_files / "my-thanh.xlsx"), "Gộp 3 xã cũ"),
        Commune("28759", "Phường Phú Khương", SHEET),
        Commune("28762", "Xã Tân Phú", str(commune_files / "phu-tuc")),
        Commune("28765", "Xã =Thử", "gsheets:abc", "=1+1"),
    ]

    save_registry(path, communes)

    assert load_registry(path).communes == communes
    assert load_registry(path).problems == []
    if suffix == ".csv":
        raw = path.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")
        # Paths inside the registry's folder are written relative to it.
        assert "28756,Xã Mỹ Thạnh,my-thanh.xlsx," in raw.decode("utf-8-sig")
        assert "'=1+1" in raw.decode("utf-8-sig")
    else:
        sheet = load_workbook(path)[TAB]
        assert [c.value for c in sheet[1]] == ["Mã xã", "Tên xã", "Nguồn dữ liệu", "Ghi chú"]
        assert sheet["C2"].value == "my-thanh.xlsx"
        assert (sheet["D5"].value, sheet["D5"].data_type) == ("=1+1", "s")
    assert [p.name for p in commune_files.iterdir() if p.name.startswith(".danh-sach-")] == []


def test_a_list_with_problems_is_not_saved(tmp_path):
    path = tmp_path / "danh-sach.csv"
    save_registry(path, [Commune("X1", "Xã A", "gsheets:a")])
    before = path.read_bytes()

    with pytest.raises(ConfigError) as caught:
        save_registry(
            path,
            [Commune("X1", "Xã A", "gsheets:a"), Commune("X1", " ", "gsheets:b")],
        )

    assert str(caught.value) == (
        "Chưa lưu danh sách xã: Xã thứ 2: chưa ghi «Tên xã». "
        "Xã thứ 2: mã xã «X1» trùng với xã thứ 1; mỗi xã cần một mã riêng."
    )
    assert path.read_bytes() == before


def test_an_ods_registry_is_read_but_not_rewritten(tmp_path):
    """Saving writes CSV or .xlsx only: an .ods stays as its own program saved it."""
    path = tmp_path / "danh-sach.ods"
    path.write_bytes(b"an office's own file")

    with pytest.raises(ConfigError, match="chỉ lưu được danh sách xã dạng .csv hoặc .xlsx"):
        save_registry(path, [Commune("X1", "Xã A", "gsheets:a")])

    assert path.read_bytes() == b"an office's own file"
    assert [p.name for p in tmp_path.iterdir()] == ["danh-sach.ods"]


def test_a_save_that_fails_half_way_leaves_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "danh-sach.xlsx"
    save_registry(path, [Commune("X1", "Xã A", "gsheets:a")])
    before = path.read_bytes()

    def half_written(target, header, rows):
        Path(target).write_bytes(b"PK half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(reg, "_write_xlsx", half_written)
    with pytest.raises(OSError):
        save_registry(path, [Commune("X2", "Xã B", "gsheets:b")])

    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["danh-sach.xlsx"]


def test_check_communes_names_every_problem():
    messages = check_communes(
        [
            Commune("X1", "Xã A", "gsheets:a"),
            Commune("", "Xã B", "https://example.com/bang-tinh"),
            Commune("X1", "Xã C", "bao-cao.docx"),
        ]
    )

    assert messages == [
        "Xã thứ 2 («Xã B»): chưa ghi «Mã xã».",
        "Xã thứ 2 («Xã B»): Nguồn dữ liệu của xã «Xã B» không phải địa chỉ Google Sheet "
        "(https://docs.google.com/spreadsheets/…).",
        "Xã thứ 3 («Xã C»): mã xã «X1» trùng với xã thứ 1; mỗi xã cần một mã riêng.",
        "Xã thứ 3 («Xã C»): Nguồn dữ liệu «bao-cao.docx» của xã «Xã C» không phải tệp "
        ".xlsx/.ods, thư mục chứa các tệp CSV hay địa chỉ Google Sheet.",
    ]
    assert check_communes([Commune("X1", "Xã A", SHEET)]) == []


def test_the_registry_location_comes_from_secrets_then_the_environment(tmp_path):
    secrets = {"province": {"registry": str(tmp_path / "a.xlsx")}}
    environ = {"TOTHU_REGISTRY": str(tmp_path / "b.csv")}

    assert registry_location(secrets=secrets, environ=environ) == tmp_path / "a.xlsx"
    assert registry_location(secrets={}, environ=environ) == tmp_path / "b.csv"
    assert registry_location(secrets={"province": {"registry": " "}}, environ={}) is None
    assert registry_location(secrets=None, environ={}) is None

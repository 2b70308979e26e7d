"""`python -m tothu_core demo|check|export` on small CSV folders and workbooks built here."""

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from tests.sheets import COMMUNE, assign, group, meeting, small_book, write_csv_folder, write_xlsx
from tothu_core.cli import EXIT_OK, EXIT_PROBLEMS, EXIT_UNREADABLE, main

ROOT = Path(__file__).resolve().parent.parent
BOM = b"\xef\xbb\xbf"
PROBLEM_KEYS = {"severity", "tab", "row", "column", "value", "message"}

RAW_HEADERS = {
    "hamlets": ["Mã ấp", "Tên ấp", "Bí thư chi bộ", "Xã cũ"],
    "cadres": ["Mã cán bộ", "Họ và tên", "Chức vụ", "Loại", "Điện thoại", "Email", "Vai trò"],
    "groups": ["Mã tổ", "Tên tổ", "Mã ấp", "Tổ trưởng", "Số hộ", "Xếp loại", "Vĩ độ", "Kinh độ"],
    "assignments": ["Mã cán bộ", "Mã tổ", "Từ ngày", "Đến ngày", "Căn cứ"],
    "meetings": ["Tháng", "Mã tổ", "Mã cán bộ", "Ngày họp", "Số hộ dự", "Cán bộ dự",
                 "Nội dung tuyên truyền", "Tình hình", "Kiến nghị", "Thời điểm nhập", "Mã phiếu"],
    "topics": ["Chủ đề", "Từ tháng", "Đến tháng"],
    "coverage": ["Tháng", "Mã ấp", "Tên ấp", "Số tổ", "Số tổ có cán bộ", "Số cán bộ",
                 "Tỷ lệ phủ (%)"],
    "attendance": ["Tháng", "Mã ấp", "Tên ấp", "Số tổ", "Số tổ họp", "Số hộ", "Số hộ dự",
                   "Tỷ lệ dự (%)"],
    "completeness": ["Tháng", "Mã cán bộ", "Họ và tên", "Số tổ phụ trách", "Số báo cáo",
                     "Số báo cáo đúng hạn", "Tỷ lệ (%)"],
    "attention": ["Tháng", "Mã tổ", "Tên tổ", "Mã ấp", "Lý do"],
}  # fmt: skip


def csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(BOM)
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def xlsx_rows(path: Path) -> list[list]:
    sheet = openpyxl.load_workbook(path).worksheets[0]
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def run_cli(*args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "tothu_core", *args],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def commune(tmp_path_factory) -> Path:
    """The hand-made commune of test_figures as a CSV folder (one warning: T4 uncovered)."""
    return write_csv_folder(COMMUNE, tmp_path_factory.mktemp("commune") / "xa")


@pytest.fixture(scope="module")
def commune_xlsx(tmp_path_factory) -> Path:
    return write_xlsx(COMMUNE, tmp_path_factory.mktemp("commune") / "xa.xlsx")


def check_json(capsys, source) -> tuple[int, list[dict]]:
    code = main(["check", "--source", str(source), "--json"])
    return code, json.loads(capsys.readouterr().out)


# --- in a real subprocess ----------------------------------------------------------------------


def test_demo_writes_a_workbook_that_check_reads_without_errors(tmp_path):
    made = run_cli("demo", "demo.xlsx", "--months", "3", cwd=tmp_path)
    assert made.returncode == EXIT_OK, made.stderr.decode()
    assert (tmp_path / "demo.xlsx").is_file()
    checked = run_cli("check", "--source", "demo.xlsx", "--json", cwd=tmp_path)
    assert checked.returncode == EXIT_OK, checked.stderr.decode()
    problems = json.loads(checked.stdout)
    assert [p for p in problems if p["severity"] == "error"] == []


def test_missing_file_is_unreadable_exit_2(tmp_path):
    result = run_cli("check", "--source", "khong-co.xlsx", cwd=tmp_path)
    assert result.returncode == EXIT_UNREADABLE
    assert "khong-co.xlsx" in result.stderr.decode()
    assert result.stdout == b""


def test_export_to_stdout_is_utf8_csv_with_bom(tmp_path, commune):
    result = run_cli("export", "coverage", "--source", str(commune), "-o", "-", cwd=tmp_path)
    assert result.returncode == EXIT_OK, result.stderr.decode()
    assert csv_rows(result.stdout) == [
        RAW_HEADERS["coverage"],
        ["09/2016", "A1", "Ấp Mỹ An", "3", "3", "3", "100.0"],
        ["09/2016", "A2", "Ấp Bình Hòa", "2", "1", "1", "50.0"],
        ["09/2016", "A3", "Ấp Tân Lợi", "0", "0", "0", ""],
    ]


# --- check -----------------------------------------------------------------------------------


def test_check_json_lists_every_problem_with_its_location(capsys, tmp_path):
    raw = small_book(
        groups=[group("T1", "A1", 10), group("T2", "A1", "mười")],
        assignments=[assign("CB01", "T1", "1/1/2016"), assign("CB02", "T9", "1/1/2016")],
        meetings=[meeting("09/2016", "T1", "CB01", "10/9/2016", 8)],
    )
    code, problems = check_json(capsys, write_csv_folder(raw, tmp_path / "xa"))
    assert code == EXIT_PROBLEMS
    assert all(set(p) == PROBLEM_KEYS for p in problems)
    located = {(p["severity"], p["tab"], p["row"], p["column"], p["value"]) for p in problems}
    assert ("error", "Tổ", 3, "Số hộ", "mười") in located
    assert ("error", "Phân công", 3, "Mã tổ", "T9") in located
    assert {p["severity"] for p in problems} <= {"error", "warning"}
    assert all(p["message"] for p in problems)


def test_check_with_only_warnings_exits_0(capsys, commune):
    code, problems = check_json(capsys, commune)
    assert code == EXIT_OK
    assert [(p["severity"], p["tab"], p["row"], p["value"]) for p in problems] == [
        ("warning", "Tổ", 5, "T4")
    ]


def test_check_clean_sheet_prints_an_empty_list(capsys, tmp_path):
    code, problems = check_json(capsys, write_xlsx(small_book(), tmp_path / "xa.xlsx"))
    assert (code, problems) == (EXIT_OK, [])


def test_check_text_output_names_tab_row_and_column(capsys, tmp_path):
    raw = small_book(groups=[group("T1", "A1", 10), group("T2", "A1", "mười")])
    code = main(["check", "--source", str(write_xlsx(raw, tmp_path / "xa.xlsx"))])
    out, err = capsys.readouterr()
    assert code == EXIT_PROBLEMS
    assert "Tổ, dòng 3, cột «Số hộ»" in out
    assert "lỗi" in err


def test_unreadable_sources_exit_2(capsys, tmp_path):
    broken = tmp_path / "hong.xlsx"
    broken.write_bytes(b"this is not a workbook")
    assert main(["check", "--source", str(broken)]) == EXIT_UNREADABLE
    assert main(["check", "--source", str(tmp_path / "khong-co")]) == EXIT_UNREADABLE
    assert main(["export", "coverage", "--source", str(broken)]) == EXIT_UNREADABLE
    err = capsys.readouterr().err
    assert "Không đọc được nguồn dữ liệu" in err


# --- export ------------------------------------------------------------------------------------


@pytest.mark.parametrize("table", RAW_HEADERS)
def test_export_every_table_as_csv(tmp_path, commune, table):
    out = tmp_path / f"{table}.csv"
    assert main(["export", table, "--source", str(commune), "-o", str(out)]) == EXIT_OK
    rows = csv_rows(out.read_bytes())
    assert rows[0] == RAW_HEADERS[table]


@pytest.mark.parametrize("table", RAW_HEADERS)
def test_export_every_table_as_xlsx(tmp_path, commune_xlsx, table):
    out = tmp_path / f"{table}.xlsx"
    args = ["export", table, "--source", str(commune_xlsx), "--format", "xlsx", "-o", str(out)]
    assert main(args) == EXIT_OK
    assert xlsx_rows(out)[0] == RAW_HEADERS[table]


def test_export_xlsx_keeps_numbers_and_dates_typed(tmp_path, commune):
    out = tmp_path / "phan-cong.xlsx"
    assert main(["export", "assignments", "--source", str(commune), "--format", "xlsx",
                 "-o", str(out)]) == EXIT_OK  # fmt: skip
    first = xlsx_rows(out)[1]
    assert first[:2] == ["CB01", "T1"]
    assert first[2].date().isoformat() == "2016-01-01"
    assert first[3] is None


def test_export_counts_rows_in_csv(tmp_path, commune):
    out = tmp_path / "sinh-hoat.csv"
    assert main(["export", "meetings", "--source", str(commune), "-o", str(out)]) == EXIT_OK
    rows = csv_rows(out.read_bytes())
    assert len(rows) == 1 + 10  # every entry, the correction of T3 included
    assert rows[1][:6] == ["08/2016", "T1", "CB01", "10/08/2016", "6", "Có"]


def test_derived_export_defaults_to_the_latest_month_with_entries(tmp_path, commune, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["export", "attendance", "--source", str(commune)]) == EXIT_OK
    [written] = list(tmp_path.glob("*.csv"))
    assert "09-2016" in written.name
    rows = csv_rows(written.read_bytes())
    assert {r[0] for r in rows[1:]} == {"09/2016"}
    # A1 in 09: 22 of 40 households present.
    assert rows[1] == ["09/2016", "A1", "Ấp Mỹ An", "3", "3", "40", "22", "55.0"]


def test_export_month_hamlet_and_cadre_filters(tmp_path, commune, capsysbinary):
    def export(*args):
        assert main(["export", *args, "--source", str(commune), "-o", "-"]) == EXIT_OK
        return csv_rows(capsysbinary.readouterr().out)[1:]

    # 08/2016, A2: T4 CB02 (late, 20/9) and T5 CB03; 20/30 present -> 66.7.
    assert export("attendance", "--month", "08/2016", "--hamlet", "A2") == [
        ["08/2016", "A2", "Ấp Bình Hòa", "2", "1", "30", "20", "66.7"]
    ]
    assert export("completeness", "--month", "2016-08", "--cadre", "CB02") == [
        ["08/2016", "CB02", "Trần Thị Bình", "1", "1", "0", "100.0"]
    ]
    assert [r[1] for r in export("attention", "--month", "Tháng 9/2016")] == ["T3", "T4"]
    assert [r[1] for r in export("attention", "--hamlet", "A2")] == ["T4"]
    assert [r[0] for r in export("groups", "--hamlet", "A2")] == ["T4", "T5"]
    assert [r[:2] for r in export("meetings", "--cadre", "CB02", "--month", "09/2016")] == [
        ["09/2016", "T2"]
    ]


def test_export_file_name_names_the_filters(tmp_path, commune, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = ["export", "completeness", "--source", str(commune), "--format", "xlsx"]
    assert main([*args, "--cadre", "CB01", "--month", "08/2016"]) == EXIT_OK
    [written] = list(tmp_path.glob("*.xlsx"))
    assert "CB01" in written.name and "08-2016" in written.name
    assert xlsx_rows(written)[1][:2] == ["08/2016", "CB01"]


def test_bad_month_is_refused_by_the_parser(capsys, commune):
    with pytest.raises(SystemExit) as exit_info:
        main(["export", "coverage", "--source", str(commune), "--month", "13/2016"])
    assert exit_info.value.code == 2
    assert "MM/YYYY" in capsys.readouterr().err


def test_unknown_table_is_refused_by_the_parser(capsys, commune):
    with pytest.raises(SystemExit):
        main(["export", "mat-khau", "--source", str(commune)])


def test_without_source_or_env_the_cli_reads_secrets_toml_like_the_app(
    capsys, tmp_path, commune_xlsx, monkeypatch
):
    """The order is --source, TOTHU_SOURCE, secrets.toml, demo: here secrets.toml names a bad
    workbook (an error in it) so the exit code proves which source was read."""
    broken = tmp_path / "broken.xlsx"
    write_xlsx(small_book(cadres=[]), broken)
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "secrets.toml").write_text(
        f'[source]\npath = "{broken.as_posix()}"\n', encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TOTHU_SOURCE", raising=False)
    unknown_cadre = "Mã cán bộ «CB01» không có trong trang Cán bộ"
    assert main(["check", "--json"]) == 1
    problems = json.loads(capsys.readouterr().out)
    assert any(unknown_cadre in p["message"] for p in problems)

    monkeypatch.setenv("TOTHU_SOURCE", str(commune_xlsx))  # the environment wins over secrets
    main(["check", "--json"])
    problems = json.loads(capsys.readouterr().out)
    assert not any(unknown_cadre in p["message"] for p in problems)

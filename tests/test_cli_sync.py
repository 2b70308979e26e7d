"""`python -m tothu_core sync`: the scheduled job's command, on CSV-folder communes and the
DuckDB store in the data folder; one Vietnamese line per commune, exit 1 when one failed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.province.sync_support import commune_book, write_registry
from tests.sheets import write_csv_folder
from tothu_core.cli import EXIT_OK, EXIT_PROBLEMS, EXIT_UNREADABLE, main

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def office(tmp_path, monkeypatch):
    """A folder the job runs in: two communes' CSV folders, a registry naming a third whose
    folder is missing, the data folder (where the store goes) and a secrets file."""
    write_csv_folder(commune_book("C1"), tmp_path / "xa" / "c1")
    write_csv_folder(commune_book("C2"), tmp_path / "xa" / "c2")
    write_registry(
        tmp_path / "xa" / "danh-sach-xa.csv",
        [("C1", "Xã Mỹ Thạnh", "c1"), ("C2", "Phường An Hội", "c2"), ("C3", "Xã Tân Lợi", "c3")],
    )
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "secrets.toml").write_text(
        '[province]\nregistry = "xa/danh-sach-xa.csv"\n\n[store]\nrequests_per_minute = 40\n',
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TOTHU_DATA_DIR", str(tmp_path / "du-lieu"))
    monkeypatch.delenv("TOTHU_REGISTRY", raising=False)
    monkeypatch.delenv("TOTHU_STORE_URL", raising=False)
    return tmp_path


def test_sync_prints_a_line_per_commune_and_fails_when_one_failed(office, capsys):
    code = main(["sync"])
    out, err = capsys.readouterr()

    assert code == EXIT_PROBLEMS
    lines = out.splitlines()
    assert lines[0].startswith("C1 Xã Mỹ Thạnh: xong (")
    assert "0 lỗi, 0 cảnh báo trong bảng" in lines[0]
    assert lines[1].startswith("C2 Phường An Hội: xong (")
    assert lines[2].startswith("C3 Xã Tân Lợi: lỗi: Không tìm thấy «")
    assert len(lines) == 3
    assert "Đồng bộ 3 xã: 2 đọc lại, 0 không đổi, 1 lỗi." in err
    assert (office / "du-lieu" / "tong-hop.duckdb").is_file()


def test_a_second_sync_reads_only_what_changed(office, capsys):
    main(["sync"])
    capsys.readouterr()
    write_csv_folder(commune_book("C3"), office / "xa" / "c3")
    write_csv_folder(commune_book("C2", extra_group=True), office / "xa" / "c2")

    code = main(["sync"])
    out, err = capsys.readouterr()

    assert code == EXIT_OK
    assert out.splitlines()[0] == "C1 Xã Mỹ Thạnh: không đổi"
    assert out.splitlines()[1].startswith("C2 Phường An Hội: xong")
    assert out.splitlines()[2].startswith("C3 Xã Tân Lợi: xong")
    assert "Đồng bộ 3 xã: 2 đọc lại, 1 không đổi, 0 lỗi." in err

    assert main(["sync", "--force"]) == EXIT_OK
    assert "Đồng bộ 3 xã: 3 đọc lại, 0 không đổi, 0 lỗi." in capsys.readouterr().err


def test_registry_option_and_no_registry(office, capsys, tmp_path):
    other = write_registry(tmp_path / "mot-xa.csv", [("C1", "Xã Mỹ Thạnh", "xa/c1")])
    assert main(["sync", "--registry", str(other)]) == EXIT_OK
    assert capsys.readouterr().out.startswith("C1 Xã Mỹ Thạnh: xong")

    (office / ".streamlit" / "secrets.toml").write_text("", encoding="utf-8")
    assert main(["sync"]) == EXIT_UNREADABLE
    assert "Chưa khai báo danh sách xã" in capsys.readouterr().err


def test_a_bad_pace_stops_the_command(office, capsys):
    (office / ".streamlit" / "secrets.toml").write_text(
        '[province]\nregistry = "xa/danh-sach-xa.csv"\n\n[store]\nrequests_per_minute = 0\n',
        encoding="utf-8",
    )
    assert main(["sync"]) == EXIT_UNREADABLE
    assert "requests_per_minute" in capsys.readouterr().err


def test_sync_runs_as_a_command(office):
    done = subprocess.run(
        [sys.executable, "-m", "tothu_core", "sync"],
        cwd=office,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        timeout=300,
    )
    assert done.returncode == EXIT_PROBLEMS
    assert done.stdout.decode("utf-8").count("\n") == 3
    assert "1 lỗi" in done.stderr.decode("utf-8")

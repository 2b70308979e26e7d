"""`python -m tothu_core backup PATH`: the archive restores into files the app can use.

Each test builds a data folder the way the app leaves it (an outbox in WAL mode with rows still
in its -wal file, leadership's month decisions, a local accounts file, lock and temporary files,
and a store file of a kind this module has never heard of), runs the command, unpacks the
archive as a clerk would, and opens what came out with the app's own classes.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import tarfile
import threading
import zipfile
from datetime import datetime
from pathlib import Path

import pytest

from tothu_core import backup
from tothu_core.cli import main
from tothu_core.entry.month_lock import LOCKS_FILE_NAME, MonthLocks
from tothu_core.entry.outbox import OUTBOX_FILE_NAME, Outbox, OutboxRecord
from tothu_core.people.access import Viewer
from tothu_core.people.accounts import AccountStore

LEADER = Viewer(name="Lê Văn Lãnh", cadre_id="CB09", role="Lãnh đạo", via="test")
PASSWORD = "mat-khau-dai-9"
NOW = datetime(2026, 12, 1, 9, 0)


def record(number: int) -> OutboxRecord:
    return OutboxRecord(
        submission_id=f"P{number:05d}",
        source_identity="gsheets:so-lieu",
        tab="Sinh hoạt",
        key_column=11,
        rows=[["11/2026", f"T{number:03d}", "CB01", None, None, "Không"]],
        cadre_id="CB01",
        month="11/2026",
        groups=(f"T{number:03d}",),
        created_at=datetime(2026, 11, 20, 9, number % 60),
    )


@pytest.fixture
def office(tmp_path, monkeypatch):
    """A data folder and an accounts file outside it, as a server running the app has them."""
    data = tmp_path / "data"
    accounts = tmp_path / "config" / "accounts.json"
    accounts.parent.mkdir()
    monkeypatch.setenv("TOTHU_DATA_DIR", str(data))
    monkeypatch.setenv("TOTHU_ACCOUNTS_FILE", str(accounts))
    monkeypatch.chdir(tmp_path)  # no .streamlit/secrets.toml of the developer's is read

    outbox = Outbox.in_folder(data)
    for number in range(3):
        outbox.add(record(number))
    MonthLocks(data, clock=lambda: NOW).reopen("10/2026", LEADER)
    AccountStore(accounts).set_password("lan", PASSWORD, cadre_id="CB01")

    # A store a later feature keeps here, with its own log file: backed up by the rule.
    (data / "tinh").mkdir()
    (data / "tinh" / "province.duckdb").write_bytes(b"DUCK" + os.urandom(4096))
    (data / "tinh" / "province.duckdb.wal").write_bytes(os.urandom(512))
    # Not state: locks, a half-written replacement, the demo workbook.
    (data / f"{LOCKS_FILE_NAME}.lock").write_text("")
    (data / ".month_locks-x1y2.tmp").write_text("{half")
    (data / "demo.xlsx").write_bytes(b"PK demo")
    return data, accounts


def unpack(archive: Path, into: Path) -> Path:
    """What a clerk does with the file: open it and take everything out."""
    into.mkdir()
    if archive.name.endswith(".zip"):
        with zipfile.ZipFile(archive) as z:
            z.extractall(into)
    else:
        with tarfile.open(archive) as t:
            t.extractall(into, filter="data")
    return into


def only_archive(folder: Path) -> Path:
    (found,) = [p for p in folder.iterdir() if p.name.startswith(backup.ARCHIVE_PREFIX)]
    return found


@pytest.mark.parametrize("suffix", [".zip", ".tar.gz"])
def test_the_archive_restores_into_files_the_app_can_use(office, tmp_path, capsys, suffix):
    data, accounts = office
    # Rows still in the outbox's -wal file: a connection stays open, so nothing is
    # checkpointed into the main file, as while the app runs.
    keeper = sqlite3.connect(data / OUTBOX_FILE_NAME)
    keeper.execute("SELECT count(*) FROM submissions").fetchone()
    Outbox.in_folder(data).add(record(99))
    assert (data / f"{OUTBOX_FILE_NAME}-wal").stat().st_size > 0

    out = tmp_path / f"sao-luu{suffix}"
    assert main(["backup", str(out)]) == 0
    keeper.close()
    printed = capsys.readouterr().out
    assert str(out) in printed
    for name in ("data/outbox.sqlite", "data/month_locks.json", "accounts/accounts.json"):
        assert name in printed
    assert "data/tinh/province.duckdb" in printed

    restored = unpack(out, tmp_path / "khoi-phuc")
    names = sorted(str(p.relative_to(restored)) for p in restored.rglob("*") if p.is_file())
    assert names == [
        backup.RESTORE_NOTE_NAME,
        "accounts/accounts.json",
        "data/month_locks.json",
        "data/outbox.sqlite",
        "data/tinh/province.duckdb",
        "data/tinh/province.duckdb.wal",
        backup.MANIFEST_NAME,
    ]

    # The manifest's checksums, before anything opens (and so rewrites) a restored file.
    manifest = json.loads((restored / backup.MANIFEST_NAME).read_text(encoding="utf-8"))
    assert manifest["data_dir"] == str(data) and manifest["accounts_file"] == str(accounts)
    for entry in manifest["files"]:
        digest = hashlib.sha256((restored / entry["name"]).read_bytes()).hexdigest()
        assert digest == entry["sha256"], entry["name"]
    methods = {e["name"]: e["method"] for e in manifest["files"]}
    assert methods["data/outbox.sqlite"] == "sqlite-backup"
    assert methods["data/month_locks.json"] == "copy"
    reasons = {Path(s["path"]).name: s["reason"] for s in manifest["skipped"]}
    assert reasons == {
        f"{LOCKS_FILE_NAME}.lock": backup.SKIP_LOCK,
        ".month_locks-x1y2.tmp": backup.SKIP_TEMP,
        "demo.xlsx": backup.SKIP_DEMO,
        f"{OUTBOX_FILE_NAME}-wal": backup.SKIP_SIDE,
        f"{OUTBOX_FILE_NAME}-shm": backup.SKIP_SIDE,
    }
    # The outbox copy is one self-contained file holding every submission, the last one too.
    copy = restored / "data" / OUTBOX_FILE_NAME
    with sqlite3.connect(copy) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    pending = Outbox(copy).pending("gsheets:so-lieu")
    assert [r.submission_id for r in pending] == ["P00000", "P00001", "P00002", "P00099"]
    assert pending[0].rows == record(0).rows

    history = MonthLocks(restored / "data", clock=lambda: NOW).history()
    assert [(d.month.strftime("%m/%Y"), d.state, d.by) for d in history] == [
        ("10/2026", "open", "CB09")
    ]
    assert AccountStore(restored / "accounts" / "accounts.json").verify("lan", PASSWORD) == "CB01"
    for name in ("province.duckdb", "province.duckdb.wal"):
        assert (restored / "data" / "tinh" / name).read_bytes() == (
            data / "tinh" / name
        ).read_bytes()

    note = (restored / backup.RESTORE_NOTE_NAME).read_text(encoding="utf-8")
    assert str(data) in note and str(accounts) in note


def test_a_raw_copy_would_have_lost_the_rows_still_in_the_wal(office, tmp_path):
    """Why the outbox goes through SQLite's backup API: the main file alone lacks them."""
    data, _ = office
    keeper = sqlite3.connect(data / OUTBOX_FILE_NAME)
    keeper.execute("SELECT count(*) FROM submissions").fetchone()
    Outbox.in_folder(data).add(record(42))
    raw = tmp_path / "raw.sqlite"
    shutil.copyfile(data / OUTBOX_FILE_NAME, raw)
    with sqlite3.connect(raw) as db:
        ids = {r[0] for r in db.execute("SELECT submission_id FROM submissions")}
    assert "P00042" not in ids
    consistent = tmp_path / "copy.sqlite"
    backup.copy_sqlite(data / OUTBOX_FILE_NAME, consistent)
    keeper.close()
    assert "P00042" in {r.submission_id for r in Outbox(consistent).pending("gsheets:so-lieu")}


def test_a_backup_taken_while_cadres_submit_is_consistent(office, tmp_path):
    data, _ = office
    stop = threading.Event()
    written = []

    def cadres_keep_submitting():
        outbox = Outbox.in_folder(data)
        number = 100
        while not stop.is_set() and number < 2000:
            outbox.add(record(number))
            written.append(number)
            number += 1

    writer = threading.Thread(target=cadres_keep_submitting)
    writer.start()
    try:
        while len(written) < 5 and writer.is_alive():
            threading.Event().wait(0.01)
        archives = []
        for round_number in range(3):
            out = tmp_path / f"lan-{round_number}.zip"
            before = len(written)
            backup.write_backup(out, data_dir=data, accounts_file=None)
            archives.append((out, before, len(written)))
    finally:
        stop.set()
        writer.join(timeout=30)
    for out, before, after in archives:
        restored = unpack(out, tmp_path / f"ra-{out.stem}")
        copy = restored / "data" / OUTBOX_FILE_NAME
        with sqlite3.connect(copy) as db:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            count = db.execute("SELECT count(*) FROM submissions").fetchone()[0]
        # The 3 first submissions, then a prefix of the ones added while the backup ran.
        assert 3 + before <= count <= 3 + after


def test_the_default_accounts_file_is_found_without_the_variable(tmp_path, monkeypatch, capsys):
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("TOTHU_ACCOUNTS_FILE", raising=False)
    monkeypatch.setenv("TOTHU_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    AccountStore(home / ".config" / "tothu" / "accounts.json").set_password(
        "an", PASSWORD, cadre_id="CB02"
    )
    (tmp_path / "out").mkdir()
    assert main(["backup", str(tmp_path / "out")]) == 0
    archive = only_archive(tmp_path / "out")
    assert archive.name.endswith(".zip")
    assert oct(archive.stat().st_mode & 0o777) == "0o600", "it holds password hashes"
    restored = unpack(archive, tmp_path / "ra")
    assert AccountStore(restored / "accounts" / "accounts.json").verify("an", PASSWORD) == "CB02"


def test_accounts_kept_in_the_data_folder_are_stored_once(tmp_path):
    data = tmp_path / "data"
    accounts = data / "accounts.json"
    AccountStore(accounts).set_password("lan", PASSWORD, cadre_id="CB01")
    result = backup.write_backup(tmp_path / "a.zip", data_dir=data, accounts_file=accounts)
    assert [(f.name, f.what) for f in result.files] == [
        ("data/accounts.json", backup.ACCOUNTS_WHAT)
    ]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("sao-luu.rar", "đuôi .zip hoặc .tar.gz"),
        ("khong-co/sao-luu.zip", "Không có thư mục"),
        ("data/sao-luu.zip", "Đừng để tệp sao lưu trong thư mục dữ liệu"),
    ],
)
def test_a_target_that_would_not_keep_the_data_safe_is_refused(
    office, tmp_path, capsys, name, message
):
    assert main(["backup", str(tmp_path / name)]) == 1
    assert message in capsys.readouterr().err
    assert not list(tmp_path.glob("**/*.zip"))


def test_an_existing_archive_is_never_overwritten(office, tmp_path, capsys):
    out = tmp_path / "sao-luu.zip"
    out.write_bytes(b"an older backup")
    assert main(["backup", str(out)]) == 1
    assert "không ghi đè" in capsys.readouterr().err
    assert out.read_bytes() == b"an older backup"


def test_nothing_to_back_up_is_said_plainly(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("TOTHU_DATA_DIR", str(tmp_path / "empty"))
    monkeypatch.setenv("TOTHU_ACCOUNTS_FILE", str(tmp_path / "none.json"))
    monkeypatch.chdir(tmp_path)
    assert main(["backup", str(tmp_path / "a.zip")]) == 1
    assert "Chưa có gì để sao lưu" in capsys.readouterr().err
    assert not (tmp_path / "a.zip").exists()


def test_a_file_that_keeps_changing_is_reported_not_half_copied(tmp_path, monkeypatch):
    data = tmp_path / "data"
    data.mkdir()
    (data / "store.bin").write_bytes(b"x")
    ticks = iter(range(10**6))
    monkeypatch.setattr(backup, "_fingerprint", lambda path: (1, next(ticks)))
    with pytest.raises(backup.TothuError, match="thay đổi liên tục"):
        backup.write_backup(tmp_path / "a.zip", data_dir=data, accounts_file=None)
    assert not list(tmp_path.glob("*.zip")) and not list(tmp_path.glob(".*.tmp"))


def test_the_rule_skips_only_transient_files():
    databases = {Path("outbox.sqlite"), Path("tinh/store.db")}
    rule = backup.skip_reason
    assert rule(Path("outbox.sqlite-wal"), sqlite_databases=databases) == backup.SKIP_SIDE
    assert rule(Path("tinh/store.db-journal"), sqlite_databases=databases) == backup.SKIP_SIDE
    assert rule(Path("notes-wal"), sqlite_databases=databases) is None, "not beside a database"
    assert rule(Path("tinh/.store-1.tmp"), sqlite_databases=databases) == backup.SKIP_TEMP
    assert rule(Path("tinh/report.tmp"), sqlite_databases=databases) is None
    assert rule(Path("x.json.lock"), sqlite_databases=databases) == backup.SKIP_LOCK
    assert rule(Path("tinh/demo.xlsx"), sqlite_databases=databases) is None, "only the demo's"
    assert rule(Path("so-lieu.xlsx"), sqlite_databases=databases) is None

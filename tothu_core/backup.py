"""`python -m tothu_core backup PATH`: one archive of everything the app keeps for itself.

The spreadsheet holds the office's data; the app itself keeps a little state beside it that a
lost server would take with it: the outbox of entries not yet written, leadership's month
reopenings and closings, the local sign-in accounts, and whatever store a later feature keeps
in the data folder. What is state is decided by one rule, not by a list of today's file names:

- **every regular file under the data folder** (`TOTHU_DATA_DIR`, default `.data`), in every
  sub-folder, **except** what only exists while a write is under way or what the app makes
  again by itself:
  `*.lock` (a lock held while somebody writes), `.*.tmp` (the half-written replacement of
  an atomic write), the `-wal`/`-shm`/`-journal` files beside a SQLite database (their
  content is inside the database's copy), and `demo.xlsx` (the demo workbook, re-created
  whenever it is missing);
- **plus the local accounts file** (`TOTHU_ACCOUNTS_FILE`, default
  `~/.config/tothu/accounts.json`), wherever it lies.

How a file is copied depends on what it is, never on its name: a SQLite database (its first
16 bytes are `SQLite format 3\\0`) goes through SQLite's online backup API, a consistent
snapshot while the app keeps writing (a raw copy of a WAL database misses what still sits in
its `-wal` file, or catches a half-written page). Every other file is copied byte for byte and
the whole set again if any file changed meanwhile (the app replaces its files atomically, so a
copy sees one whole version). `manifest.json` in the archive lists each file with its SHA-256.

Not in the archive: `.streamlit/secrets.toml` and the service account key (configuration holding
secrets: keep them in a safe place of their own), and a Google Sheet (Google keeps its version
history). A local workbook source kept in the data folder is included by the rule above.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import sqlite3
import tarfile
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from tothu_core.entry.month_lock import LOCKS_FILE_NAME
from tothu_core.entry.outbox import OUTBOX_FILE_NAME
from tothu_core.errors import TothuError
from tothu_core.people.accounts import ACCOUNTS_FILE_ENV
from tothu_core.sheet.demo import DEMO_FILE_NAME

SQLITE_MAGIC = b"SQLite format 3\x00"
SQLITE_SIDE_SUFFIXES = ("-wal", "-shm", "-journal")
ARCHIVE_PREFIX = "tothu-sao-luu"
ZIP, TAR_GZ = ".zip", ".tar.gz"
MANIFEST_NAME = "manifest.json"
RESTORE_NOTE_NAME = "KHOI-PHUC.txt"
DATA_FOLDER, ACCOUNTS_FOLDER = "data", "accounts"
MANIFEST_FORMAT = 1
# A file still changing after this many whole passes is reported instead of copied half-way.
MAX_COPY_PASSES = 5
_SQLITE_BUSY_SECONDS = 30.0

# What the person reading the command's output is told each known file is.
KNOWN_FILES = {
    OUTBOX_FILE_NAME: "hàng chờ gửi báo cáo",
    LOCKS_FILE_NAME: "các lần lãnh đạo mở lại, khóa sổ tháng",
}
ACCOUNTS_WHAT = "tài khoản đăng nhập cục bộ"
SQLITE_WHAT = "cơ sở dữ liệu SQLite"
OTHER_WHAT = "tệp dữ liệu của ứng dụng"
SKIP_LOCK = "khóa tạm khi đang ghi"
SKIP_TEMP = "tệp tạm khi đang ghi"
SKIP_SIDE = "phần đi kèm của cơ sở dữ liệu SQLite, đã gộp vào bản chụp"
SKIP_DEMO = "dữ liệu mẫu, ứng dụng tự tạo lại"
SKIP_LINK = "liên kết (symlink), không phải tệp"


@dataclass(frozen=True)
class Planned:
    """One file to put in the archive."""

    source: Path
    name: str  # its path inside the archive, with forward slashes
    what: str
    is_sqlite: bool


@dataclass(frozen=True)
class Skipped:
    path: Path
    reason: str


@dataclass(frozen=True)
class Copied:
    name: str
    source: Path
    what: str
    size: int
    sha256: str
    method: str  # "sqlite-backup" or "copy"


@dataclass
class BackupResult:
    path: Path
    files: list[Copied] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def is_sqlite(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC
    except OSError:
        return False


def skip_reason(relative: Path, *, sqlite_databases: set[Path]) -> str | None:
    """Why a file of the data folder is not state (None: it is). The module's rule, as code."""
    name = relative.name
    if name.endswith(".lock"):
        return SKIP_LOCK
    if name.startswith(".") and name.endswith(".tmp"):
        return SKIP_TEMP
    for suffix in SQLITE_SIDE_SUFFIXES:
        if name.endswith(suffix) and relative.with_name(name[: -len(suffix)]) in sqlite_databases:
            return SKIP_SIDE
    if relative == Path(DEMO_FILE_NAME):
        return SKIP_DEMO
    return None


def plan_backup(data_dir: Path, accounts_file: Path | None) -> tuple[list[Planned], list[Skipped]]:
    """Which files go into the archive, and which are left out and why."""
    planned: list[Planned] = []
    skipped: list[Skipped] = []
    data_dir = Path(data_dir)
    accounts = accounts_file.resolve() if accounts_file and accounts_file.is_file() else None
    if data_dir.is_dir():
        files: list[Path] = []
        for folder, folders, names in os.walk(data_dir):  # never follows a linked folder
            folders.sort()
            for name in sorted(names):
                path = Path(folder) / name
                if path.is_symlink():
                    skipped.append(Skipped(path, SKIP_LINK))
                elif path.is_file():
                    files.append(path)
            for name in folders:
                if (Path(folder) / name).is_symlink():
                    skipped.append(Skipped(Path(folder) / name, SKIP_LINK))
        databases = {p.relative_to(data_dir) for p in files if is_sqlite(p)}
        for path in files:
            relative = path.relative_to(data_dir)
            reason = skip_reason(relative, sqlite_databases=databases)
            if reason:
                skipped.append(Skipped(path, reason))
                continue
            sqlite = relative in databases
            if accounts is not None and path.resolve() == accounts:
                what = ACCOUNTS_WHAT
            else:
                what = KNOWN_FILES.get(relative.as_posix()) or (
                    SQLITE_WHAT if sqlite else OTHER_WHAT
                )
            planned.append(Planned(path, f"{DATA_FOLDER}/{relative.as_posix()}", what, sqlite))
    inside = accounts is not None and any(p.source.resolve() == accounts for p in planned)
    if accounts is not None and not inside:
        planned.append(
            Planned(accounts, f"{ACCOUNTS_FOLDER}/{accounts.name}", ACCOUNTS_WHAT, False)
        )
    return planned, skipped


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy of a live SQLite database, as one self-contained file."""
    try:
        origin = sqlite3.connect(source, timeout=_SQLITE_BUSY_SECONDS)
        try:
            copy = sqlite3.connect(target)
            try:
                origin.backup(copy)
                # One file that opens on its own: no -wal needed beside the restored copy.
                copy.execute("PRAGMA journal_mode=DELETE")
                check = copy.execute("PRAGMA quick_check").fetchone()[0]
            finally:
                copy.close()
        finally:
            origin.close()
    except sqlite3.Error as error:
        raise TothuError(
            f"Không sao lưu được cơ sở dữ liệu {source} ({error}). "
            "Hãy thử lại sau ít phút; nếu vẫn lỗi, dừng ứng dụng rồi sao lưu."
        ) from error
    if check != "ok":
        raise TothuError(
            f"Cơ sở dữ liệu {source} bị hỏng ({check}); bản sao lưu không được ghi. "
            "Hãy giữ nguyên tệp và báo người phụ trách kỹ thuật."
        )


def _fingerprint(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_size, stat.st_mtime_ns


def _copy_plain_files(plain: list[Planned], folder: Path) -> dict[Path, Path]:
    """Byte copies of every non-database file, taken again while any of them changed."""
    for _attempt in range(MAX_COPY_PASSES):
        before = {p.source: _fingerprint(p.source) for p in plain}
        copies = {}
        for index, planned in enumerate(plain):
            target = folder / f"plain-{index}"
            with planned.source.open("rb") as src, target.open("wb") as out:
                for block in iter(lambda src=src: src.read(1 << 20), b""):
                    out.write(block)
            copies[planned.source] = target
        if all(_fingerprint(p.source) == before[p.source] for p in plain):
            return copies
    changing = ", ".join(str(p.source) for p in plain if _fingerprint(p.source) != before[p.source])
    raise TothuError(
        f"Tệp {changing} thay đổi liên tục trong lúc sao lưu. Hãy thử lại lúc ít người dùng, "
        "hoặc dừng ứng dụng rồi sao lưu."
    )


def archive_kind(path: Path) -> str | None:
    name = path.name.lower()
    if name.endswith(ZIP):
        return ZIP
    if name.endswith((TAR_GZ, ".tgz")):
        return TAR_GZ
    return None


def default_archive_name(now: datetime) -> str:
    return f"{ARCHIVE_PREFIX}-{now:%Y%m%d-%H%M%S}{ZIP}"


def resolve_target(path: str | os.PathLike, *, data_dir: Path, now: datetime) -> Path:
    """Where the archive goes: a folder gets a dated .zip name; never inside the data folder."""
    target = Path(path).expanduser()
    if target.is_dir():
        target = target / default_archive_name(now)
    if archive_kind(target) is None:
        raise TothuError(
            f"Tên tệp sao lưu phải có đuôi .zip hoặc .tar.gz (đang là «{target.name}»), "
            "hoặc chỉ ghi một thư mục để chương trình tự đặt tên."
        )
    if not target.parent.is_dir():
        raise TothuError(f"Không có thư mục {target.parent} để ghi tệp sao lưu.")
    if target.exists():
        raise TothuError(f"Đã có tệp {target}; chương trình không ghi đè. Hãy chọn tên khác.")
    data = Path(data_dir).resolve()
    if target.parent.resolve().is_relative_to(data):
        raise TothuError(
            f"Đừng để tệp sao lưu trong thư mục dữ liệu {data}: mất thư mục là mất cả bản sao "
            "lưu. Hãy ghi ra thư mục khác, tốt nhất là ổ đĩa hoặc máy khác."
        )
    return target


def restore_note(result: BackupResult, *, data_dir: Path, accounts_file: Path | None) -> str:
    """KHOI-PHUC.txt: how to put the files back, with this server's own paths."""
    steps = [
        "Dừng ứng dụng (ví dụ: sudo systemctl stop tothu, hoặc docker stop tothu).",
        f"Chép mọi thứ trong thư mục «{DATA_FOLDER}» của bản sao lưu vào thư mục dữ liệu:\n"
        f"   {data_dir}",
    ]
    if any(f.name.startswith(f"{ACCOUNTS_FOLDER}/") for f in result.files):
        steps.append(
            f"Chép tệp trong thư mục «{ACCOUNTS_FOLDER}» về chỗ của tệp tài khoản:\n"
            f"   {accounts_file}\n"
            "   rồi chỉ để người chạy ứng dụng đọc được tệp đó: chmod 600 <tệp>."
        )
    steps.append(
        "Chạy lại ứng dụng. Báo cáo còn trong hàng chờ sẽ được gửi lại; mã phiếu giúp không "
        "dòng nào bị ghi hai lần."
    )
    lines = ["KHÔI PHỤC TỪ BẢN SAO LƯU CỦA ỨNG DỤNG THEO DÕI TỔ NHÂN DÂN TỰ QUẢN", ""]
    lines += [f"{number}. {step}" for number, step in enumerate(steps, start=1)]
    lines += ["", f"Danh sách tệp và mã kiểm tra SHA-256: {MANIFEST_NAME}."]
    return "\n".join(lines) + "\n"


def _manifest(
    result: BackupResult, *, data_dir: Path, accounts_file: Path | None, now: datetime
) -> dict:
    return {
        "format": MANIFEST_FORMAT,
        "created_at": now.isoformat(timespec="seconds"),
        "data_dir": str(data_dir),
        "accounts_file": str(accounts_file) if accounts_file else None,
        "files": [
            {
                "name": f.name,
                "original": str(f.source),
                "what": f.what,
                "size": f.size,
                "sha256": f.sha256,
                "method": f.method,
            }
            for f in result.files
        ],
        "skipped": [{"path": str(s.path), "reason": s.reason} for s in result.skipped],
    }


def _write_archive(
    target: Path, members: list[tuple[str, Path | bytes, int]], *, moment: datetime
) -> None:
    """Write (name, file or bytes, mode) members into a new file beside `target`, then swap
    it in; the archive holds password hashes, so only its owner may read it."""
    handle, temp_name = tempfile.mkstemp(
        dir=target.parent, prefix=f".{ARCHIVE_PREFIX}-", suffix=".tmp"
    )
    os.close(handle)
    os.chmod(temp_name, 0o600)
    try:
        if archive_kind(target) == ZIP:
            with zipfile.ZipFile(temp_name, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                for name, content, mode in members:
                    info = zipfile.ZipInfo(name, date_time=moment.timetuple()[:6])
                    info.compress_type = zipfile.ZIP_DEFLATED
                    info.external_attr = (0o100000 | mode) << 16
                    data = content if isinstance(content, bytes) else content.read_bytes()
                    archive.writestr(info, data)
        else:
            with tarfile.open(temp_name, "w:gz") as archive:
                for name, content, mode in members:
                    data = content if isinstance(content, bytes) else content.read_bytes()
                    info = tarfile.TarInfo(name)
                    info.size, info.mode = len(data), mode
                    info.mtime = int(moment.timestamp())
                    archive.addfile(info, io.BytesIO(data))
        with open(temp_name, "rb") as written:
            os.fsync(written.fileno())
        os.replace(temp_name, target)
    except OSError as error:
        raise TothuError(
            f"Không ghi được tệp sao lưu {target} ({error.strerror or error}). "
            "Hãy kiểm tra chỗ trống và quyền ghi của thư mục."
        ) from error
    finally:
        if os.path.exists(temp_name):
            os.remove(temp_name)


def write_backup(
    path: str | os.PathLike,
    *,
    data_dir: Path,
    accounts_file: Path | None,
    now: Callable[[], datetime] = datetime.now,
) -> BackupResult:
    """Write one archive of the app's state; raises TothuError with a sentence to act on."""
    moment = now()
    target = resolve_target(path, data_dir=data_dir, now=moment)
    planned, skipped = plan_backup(data_dir, accounts_file)
    if not planned:
        raise TothuError(
            f"Chưa có gì để sao lưu: thư mục dữ liệu {data_dir} chưa có tệp nào của ứng dụng "
            f"và chưa có tệp tài khoản ({ACCOUNTS_FILE_ENV})."
        )
    result = BackupResult(target, skipped=skipped)
    with tempfile.TemporaryDirectory(prefix="tothu-backup-") as work:
        folder = Path(work)
        plain = [p for p in planned if not p.is_sqlite]
        copies = _copy_plain_files(plain, folder)
        for index, planned_file in enumerate(planned):
            if planned_file.is_sqlite:
                copy = folder / f"sqlite-{index}"
                copy_sqlite(planned_file.source, copy)
                copies[planned_file.source] = copy
        members: list[tuple[str, Path | bytes, int]] = []
        for planned_file in planned:
            copy = copies[planned_file.source]
            result.files.append(
                Copied(
                    name=planned_file.name,
                    source=planned_file.source,
                    what=planned_file.what,
                    size=copy.stat().st_size,
                    sha256=_sha256(copy),
                    method="sqlite-backup" if planned_file.is_sqlite else "copy",
                )
            )
            members.append((planned_file.name, copy, 0o600))
        manifest = _manifest(result, data_dir=data_dir, accounts_file=accounts_file, now=moment)
        note = restore_note(result, data_dir=data_dir, accounts_file=accounts_file)
        members.append(
            (MANIFEST_NAME, json.dumps(manifest, ensure_ascii=False, indent=1).encode(), 0o600)
        )
        members.append((RESTORE_NOTE_NAME, note.encode("utf-8"), 0o600))
        _write_archive(target, members, moment=moment)
    return result


def _size(size: int) -> str:
    if size < 1024:
        return f"{size} byte"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB".replace(".", ",")
    return f"{size / 1024 / 1024:.1f} MB".replace(".", ",")


def describe(result: BackupResult) -> list[str]:
    """What the command prints: the archive, each file in it, and what was left out."""
    total = result.path.stat().st_size if result.path.exists() else 0
    lines = [f"Đã sao lưu {len(result.files)} tệp vào {result.path} ({_size(total)}):"]
    for f in result.files:
        how = ", chụp bằng SQLite" if f.method == "sqlite-backup" else ""
        lines.append(f"  {f.name} — {f.what}, {_size(f.size)}{how} (từ {f.source})")
    if result.skipped:
        lines.append("Không cần sao lưu:")
        lines += [f"  {s.path} — {s.reason}" for s in result.skipped]
    lines.append(f"Cách khôi phục: xem {RESTORE_NOTE_NAME} trong tệp sao lưu.")
    return lines

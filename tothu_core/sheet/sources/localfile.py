"""Writing a file the office also opens: one writer at a time, whole files swapped in, no
leftovers, and never behind the back of Excel or LibreOffice.

- `file_lock`: our writers (threads and processes) take turns on `<file>.lock`.
- `replace_file_atomically`: a complete new file is written beside the old one, flushed to
  disk, and swapped in with os.replace; a crash halfway leaves the old file whole and at
  most a `.<stem>-….tmp` beside it, which `remove_leftovers` deletes at the next start.
- `office_editor`: Excel and LibreOffice mark a file open for editing with an owner file
  beside it. Writing then would be undone by the office's next Save, so the entry waits in
  the outbox with a sentence asking to close the file.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from tothu_core.errors import WriteError

# How long a writer waits for another writer of the same file before giving up.
LOCK_TIMEOUT_SECONDS = 30
TEMP_SUFFIX = ".tmp"


def temp_prefix(path: Path) -> str:
    return f".{path.stem}-"


def temp_suffix(path: Path) -> str:
    return f"{path.suffix}{TEMP_SUFFIX}"


@contextmanager
def file_lock(path: Path, *, timeout: float | None = None) -> Iterator[None]:
    """One writer at a time for `path`, across threads and processes."""
    wait = LOCK_TIMEOUT_SECONDS if timeout is None else timeout
    try:
        with FileLock(f"{path}.lock", timeout=wait):
            yield
    except Timeout as error:
        raise WriteError(
            f"Tệp {path.name} đang được người khác ghi quá lâu. "
            "Hãy chờ ít phút rồi gửi lại; báo cáo chưa ghi vẫn được giữ lại."
        ) from error


def closing_sentence(name: str, who: str = "") -> str:
    return (
        f"Tệp {name} đang được mở để sửa{who}, nên chương trình chưa ghi vào để khỏi mất số "
        "liệu khi tệp được lưu đè. Hãy lưu và đóng tệp trong Excel/LibreOffice; báo cáo vẫn "
        "được giữ an toàn và sẽ tự gửi lại (hoặc bấm «Gửi lại ngay»)."
    )


def replace_file_atomically(path: Path, write: Callable[[str], object]) -> None:
    """Write a complete new file beside `path` with `write(temp_path)`, then swap it in."""
    handle, temp_name = tempfile.mkstemp(
        dir=path.parent, prefix=temp_prefix(path), suffix=temp_suffix(path)
    )
    os.close(handle)
    try:
        write(temp_name)
        with open(temp_name, "rb+") as written:
            os.fsync(written.fileno())
        shutil.copymode(path, temp_name)
        os.replace(temp_name, path)
    except WriteError:
        raise
    except PermissionError as error:
        # Windows refuses to replace a file another program holds open (a sharing violation).
        raise WriteError(closing_sentence(path.name, " trong một chương trình khác")) from error
    except OSError as error:
        raise WriteError(
            f"Không ghi được vào tệp {path.name} ({error.strerror or error}). "
            "Nếu tệp đang mở trong Excel, hãy đóng tệp rồi gửi lại; tệp cũ vẫn nguyên vẹn."
        ) from error
    except Exception as error:  # any failure while saving: the old file must stay in place
        raise WriteError(
            f"Không ghi được vào tệp {path.name}: lỗi khi lưu ({error}). "
            "Tệp cũ vẫn nguyên vẹn; báo cáo chưa ghi vẫn được giữ lại để gửi lại."
        ) from error
    finally:
        if os.path.exists(temp_name):
            os.remove(temp_name)


def remove_leftovers(path: Path) -> list[Path]:
    """Delete the temporary files a crashed write of `path` left behind.

    Only while holding the write lock (taken without waiting), so a temporary file that a
    live writer is filling right now is never touched.
    """
    try:
        with FileLock(f"{path}.lock", timeout=0):
            stale = [
                p
                for p in path.parent.glob(f"{_glob_escape(temp_prefix(path))}*")
                if p.name.endswith(temp_suffix(path)) and p.is_file()
            ]
            for leftover in stale:
                leftover.unlink(missing_ok=True)
            return stale
    except (Timeout, OSError):
        return []


def _glob_escape(text: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in text)


def office_editor(path: Path) -> str | None:
    """Who has `path` open for editing, if Excel or LibreOffice says so; None otherwise.

    LibreOffice writes `.~lock.<name>#` beside the file, one line
    "LibreOfficeUser,host,user,date,…" (LibreOffice's svl/source/misc/lockfilecommon.cxx);
    Excel writes a hidden owner file `~$<name>` (for long names `~$` replaces the first two
    characters), holding the user name.
    """
    libreoffice = path.with_name(f".~lock.{path.name}#")
    if libreoffice.is_file():
        fields = _read_small(libreoffice).split(",")
        who = fields[2].strip() if len(fields) > 2 else ""
        host = fields[1].strip() if len(fields) > 1 else ""
        where = " trên máy " + host if host else ""
        return f" trong LibreOffice{' (' + who + where + ')' if who else where}"
    for owner in (path.with_name("~$" + path.name), path.with_name("~$" + path.name[2:])):
        if owner.is_file():
            return " trong Excel"
    return None


def _read_small(path: Path) -> str:
    try:
        with open(path, "rb") as handle:
            return handle.read(4096).decode("utf-8", "replace")
    except OSError:
        return ""

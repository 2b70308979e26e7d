"""A throwaway PostgreSQL server for the store tests: Debian's own binaries, a temp cluster.

`.ci/run` starts one and exports TOTHU_TEST_POSTGRES_URL; without it the tests start one
themselves here (so a bare `pytest` works) when Debian's postgresql package is installed.
The cluster listens on 127.0.0.1 only, on a free port, with trust authentication (nothing
but this machine can reach it, and it holds only test rows); it is deleted afterwards.
As root, PostgreSQL refuses to run, so the server runs as the `postgres` user.
Usable as a script too: `python tests/province/postgres_server.py start DIR` prints the
URL and leaves the server running; `stop DIR` stops it (for .ci/run).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

URL_ENV = "TOTHU_TEST_POSTGRES_URL"
USER = "tothu"


def binaries() -> Path | None:
    """Newest installed /usr/lib/postgresql/<version>/bin holding initdb and pg_ctl."""
    root = Path("/usr/lib/postgresql")
    found = sorted(
        (p for p in root.glob("*/bin") if (p / "initdb").exists() and (p / "pg_ctl").exists()),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    return found[-1] if found else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_server_user(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


def start(folder: Path | None = None) -> tuple[str, Path]:
    """Start a cluster in `folder` (a new temp dir by default): (URL, folder)."""
    bin_dir = binaries()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL is not installed (apt-get install postgresql)")
    folder = Path(folder or tempfile.mkdtemp(prefix="tothu-pg-"))
    folder.mkdir(parents=True, exist_ok=True)
    data = folder / "data"
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
        folder.chmod(0o700)
    port = _free_port()
    subprocess.run(
        _as_server_user(
            [
                str(bin_dir / "initdb"),
                "-D",
                str(data),
                "-U",
                USER,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ]
        ),
        check=True,
        capture_output=True,
    )
    options = f"-h 127.0.0.1 -p {port} -k {folder} -c fsync=off -c full_page_writes=off"
    subprocess.run(
        _as_server_user(
            [
                str(bin_dir / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                options,
                "-l",
                str(folder / "server.log"),
                "-w",
                "start",
            ]
        ),
        check=True,
        capture_output=True,
    )
    return f"postgresql://{USER}@127.0.0.1:{port}/postgres", folder


def stop(folder: Path) -> None:
    """Stop the cluster in `folder` and delete it."""
    bin_dir = binaries()
    data = Path(folder) / "data"
    if bin_dir is not None and data.exists():
        subprocess.run(
            _as_server_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
            check=False,
            capture_output=True,
        )
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    verb, where = sys.argv[1], Path(sys.argv[2])
    if verb == "start":
        print(start(where)[0])
    else:
        stop(where)

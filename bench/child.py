"""Each measurement runs in a child process of its own, so its peak memory is its own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_child(script: Path, args: list[str], label: str) -> dict:
    """Run `script args… --out FILE` and return the JSON it wrote, or {"failed": its stderr}."""
    out = Path(tempfile.mkstemp(prefix="bench-", suffix=".json")[1])
    command = [sys.executable, str(script), *args, "--out", str(out)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    print(f"  {label} …", file=sys.stderr, flush=True)
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    try:
        if done.returncode != 0:
            return {"failed": done.stderr[-2000:]}
        return json.loads(out.read_text(encoding="utf-8"))
    finally:
        out.unlink(missing_ok=True)

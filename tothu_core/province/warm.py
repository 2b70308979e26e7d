"""The commune app's own saved copy of its last read, so a restart shows data at once.

After each real read the app saves its Dataset in a DuckDB file in its data dir, under the
source's identity, with the source's version (Drive modifiedTime, the file's mtime…). On a
restart, `SnapshotStore` asks for it with the source's current version: same version, and
the saved Dataset stands in for the 3.5 s read; anything else, and the source is read.
The version saved also names the reader's own code and the read options, so a new app
release or a changed setting never serves rows validated the old way.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from datetime import datetime
from functools import cache
from pathlib import Path

from tothu_core.province.store import Store, dataset_tables
from tothu_core.sheet.dataset import Dataset

WARM_FILE_NAME = "ban-doc-gan-nhat.duckdb"
_log = logging.getLogger(__name__)


@cache
def reader_fingerprint() -> str:
    """A digest of the sheet layer's code: what validated the rows we would serve."""
    folder = Path(__file__).resolve().parent.parent / "sheet"
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*.py")):
        digest.update(path.relative_to(folder).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


class WarmStart:
    """Save and find a source's last Dataset (`load` / `save` are SnapshotStore's hooks)."""

    def __init__(self, data_dir: Path, key: str, *, read_options: dict | None = None) -> None:
        self.path = Path(data_dir) / WARM_FILE_NAME
        self.key = key
        options = ",".join(f"{k}={v}" for k, v in sorted((read_options or {}).items()))
        self._suffix = f"|reader={reader_fingerprint()}|{options}"
        self._store: Store | None = None
        self._lock = threading.Lock()

    def _opened(self) -> Store:
        with self._lock:
            if self._store is None:
                from tothu_core.province.store_duckdb import DuckDBStore

                self._store = DuckDBStore(self.path, where="thư mục dữ liệu")
            return self._store

    def marker(self, version: str) -> str:
        return version + self._suffix

    def load(self, version: str) -> Dataset | None:
        """The saved Dataset when it was read at this very version, else None."""
        store = self._opened()
        if store.version(self.key) != self.marker(version):
            return None
        return store.dataset(self.key)

    def save(self, dataset: Dataset, version: str | None) -> None:
        """Keep this read for the next restart (nothing to gain without a version)."""
        if version is None:
            return
        self._opened().replace_commune(
            self.key,
            dataset_tables(dataset),
            dataset.problems,
            version=self.marker(version),
            synced_at=dataset.read_at or datetime.now(),
        )

    def save_in_background(self, dataset: Dataset, version: str | None) -> None:
        """`save` in a thread, so the visitor who caused the read does not wait for it."""
        if version is None:
            return

        def run() -> None:
            try:
                self.save(dataset, version)
            except Exception:  # noqa: BLE001 - a failed save only costs the next restart
                _log.warning("Could not save the last read for a warm start", exc_info=True)

        threading.Thread(target=run, name="warm-start-save", daemon=True).start()

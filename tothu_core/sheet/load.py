"""Read a Source into a validated Dataset: the one call every page and command makes."""

from __future__ import annotations

from datetime import datetime

from tothu_core.clock import office_now
from tothu_core.sheet.dataset import Dataset
from tothu_core.sheet.reader import MAX_GROUPS_PER_CADRE, read_dataset
from tothu_core.sheet.sources.base import Source


def load_dataset(
    source: Source, *, now: datetime | None = None, max_groups_per_cadre: int = MAX_GROUPS_PER_CADRE
) -> Dataset:
    """One read of the backend (one batchGet for Google Sheets), then validation."""
    raw = source.read_raw()
    return read_dataset(
        raw,
        source_label=source.label,
        source_url=source.url,
        read_at=now or office_now(),
        max_groups_per_cadre=max_groups_per_cadre,
    )

"""«Báo cáo của tôi» as a cadre reads it on a phone: the columns that say what was reported first.

A 390 px screen shows four or five narrow columns; those are the month, the group, whether it
met, the households present and whether this entry is the one that counts. The rest (the date,
the hamlet, the notes, when it was typed) follow for whoever scrolls sideways or downloads it.
"""

from __future__ import annotations

import pandas as pd

from tothu_core.figures import activity

MET_HEADER = "Sinh hoạt"
# "Bản được tính" is one word too wide for the fifth column of a phone; the page says "Được tính".
COUNTS_HEADER = "Được tính"
KEY_COLUMNS = ("month", "group_name", "met", "households_present", "counts")
# Pixels per key column: together they fit the 358 px a 390 px phone leaves the table.
KEY_WIDTHS = (64, 66, 76, 72, 78)
_RENAMED = {"met": MET_HEADER, "counts": COUNTS_HEADER}
DETAIL_COLUMNS = ("meeting_date", "hamlet_name", "version", "households", "attendance_pct",
                  "cadre_attended", "topics", "situation", "proposals", "submitted_at")  # fmt: skip


def key_headers() -> list[str]:
    """The Vietnamese headers of the key columns, in the order they are shown."""
    return [_RENAMED.get(c) or activity.HEADERS[c] for c in KEY_COLUMNS]


def entries_table(history: pd.DataFrame) -> pd.DataFrame:
    """`activity.cadre_history` for the page: key columns first, under Vietnamese headers.

    «Sinh hoạt» is Có when the entry has a Ngày họp, the contract's rule for "the group met".
    """
    frame = history.assign(met=history["meeting_date"].notna().astype(bool))
    shown = activity.for_display(frame, [*KEY_COLUMNS, *DETAIL_COLUMNS])
    return shown.rename(columns={"met": MET_HEADER, activity.HEADERS["counts"]: COUNTS_HEADER})

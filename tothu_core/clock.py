"""The office's wall clock: Vietnam time, whatever time zone the server runs in.

Vietnam has had no daylight saving since 1975, so a fixed UTC+7 is exact and needs no tzdata.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

OFFICE_TIMEZONE = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")


def office_now() -> datetime:
    """The office's wall-clock time (naive), for submission times, deadlines and "data as of"."""
    return datetime.now(OFFICE_TIMEZONE).replace(tzinfo=None)

"""Who is assigned to which group in which month (the spec's "Assigned in month M")."""

from __future__ import annotations

import numpy as np
import pandas as pd


def assigned_pairs(assignments: pd.DataFrame, months: pd.PeriodIndex) -> pd.DataFrame:
    """One row per (month, cadre_id, group_id) assigned, for every month in `months`.

    An assignment counts in month M when Từ ngày ≤ the last day of M and Đến ngày is
    blank or ≥ the first day of M: i.e. in every month from its start month to its end
    month, both included. Overlapping rows for the same pair count once.
    """
    cols = ["month", "cadre_id", "group_id"]
    if not len(assignments) or not len(months):
        return pd.DataFrame(
            {c: pd.Series(dtype="period[M]" if c == "month" else "str") for c in cols}
        )
    first_ord = months[0].ordinal
    last_ord = months[-1].ordinal
    start = assignments["start"].dt.to_period("M").astype("int64")
    end_period = assignments["end"].dt.to_period("M")
    end = end_period.astype("int64").where(end_period.notna(), last_ord)
    start = start.clip(lower=first_ord).to_numpy()
    end = end.clip(upper=last_ord).to_numpy()
    span = np.maximum(end - start + 1, 0)
    index = np.repeat(np.arange(len(assignments)), span)
    offsets = np.arange(span.sum()) - np.repeat(np.cumsum(span) - span, span)
    ordinals = start[index] + offsets
    pairs = pd.DataFrame(
        {
            "month": pd.PeriodIndex.from_ordinals(ordinals, freq="M"),
            "cadre_id": assignments["cadre_id"].to_numpy()[index],
            "group_id": assignments["group_id"].to_numpy()[index],
        }
    )
    return pairs.drop_duplicates(ignore_index=True)

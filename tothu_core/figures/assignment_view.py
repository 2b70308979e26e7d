"""The assignment map: one tile per group with its cadres and state, per hamlet.

Leadership reads the map to see at a glance which groups lack a cadre, which are weak or
poorly attended, and which have not reported yet; the cadre load table and the history of
reassignments explain why. Every state is given in words and an icon, never by colour alone.

Decisions where the contract is silent:
- a tile has ONE state, the most pressing one: no cadre, then weak (Yếu), then low
  attendance (< 50 % of households, only when the group met), then not reported / reported;
- a group "reported" in M when at least one entry for it and M is in the sheet, whoever
  sent it (a report saying the group did not meet is still a report);
- a reassignment is a day on which the set of cadres assigned to a group differs from the
  day before (the group's very first assignment is not one). Changes of one group at most
  `HANDOVER_DAYS` apart are one handover, dated by its first day: clerks often write the
  new cadre's Từ ngày on the old one's Đến ngày, or leave a few days between them.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np
import pandas as pd

from tothu_core.figures import figures
from tothu_core.figures.numbers import vn_percent
from tothu_core.sheet import contract
from tothu_core.sheet.assigned import assigned_pairs
from tothu_core.sheet.dataset import Dataset
from tothu_core.vietnamese import name_order, sort_by_name

NO_CADRE = "no_cadre"
WEAK = "weak"
LOW_ATTENDANCE = "low_attendance"
REPORTED = "reported"
NOT_REPORTED = "not_reported"

HANDOVER_DAYS = 7
_DAY = pd.Timedelta(days=1)


@dataclass(frozen=True)
class TileState:
    key: str
    label: str
    icon: str
    meaning: str
    colour: str
    background: str


# Legend order; also the precedence when a group is in several states at once.
STATES: dict[str, TileState] = {
    s.key: s
    for s in (
        TileState(NO_CADRE, "Chưa có cán bộ", "⛔", "Tổ chưa được phân công cán bộ phụ trách",
                  "#b3261e", "#fde8e7"),
        TileState(WEAK, "Xếp loại Yếu", "⚠️", "Tổ xếp loại Yếu, cần củng cố",
                  "#b45309", "#fff1e0"),
        TileState(LOW_ATTENDANCE, "Dự sinh hoạt dưới 50\u00a0%", "📉",
                  "Tổ có sinh hoạt nhưng dưới 50\u00a0% số hộ dự", "#7c5e00", "#fff8d1"),
        TileState(REPORTED, "Đã báo cáo", "✅", "Đã có báo cáo tháng này",
                  "#1f6f43", "#e6f4ea"),
        TileState(NOT_REPORTED, "Chưa báo cáo", "⏳", "Chưa có báo cáo nào của tổ trong tháng",
                  "#4b5563", "#f1f3f5"),
    )
}  # fmt: skip


def _names_by(pairs: pd.DataFrame, ds: Dataset, key: str) -> pd.DataFrame:
    """Per `key`: the cadre ids and names of `pairs`, names in Vietnamese order."""
    named = pairs.merge(ds.cadres[["cadre_id", "name"]], on="cadre_id", how="left")
    named["name"] = named["name"].fillna(named["cadre_id"])
    named = sort_by_name(named, "name")
    return named.groupby(key, sort=False).agg(
        cadre_ids=("cadre_id", tuple), cadre_names=("name", ", ".join)
    )


def _entry_counts(ds: Dataset, month: pd.Period) -> pd.Series:
    entries = ds.latest_meetings
    return entries.loc[entries["month"] == month, "group_id"].value_counts().rename("entries")


def group_tiles(
    ds: Dataset, month, *, hamlet: str | None = None, cadre: str | None = None
) -> pd.DataFrame:
    """One row per group in scope for `month`, in sheet order (hamlets, then groups).

    Columns: hamlet_id, hamlet_name, group_id, group_name, households, rating, lat, lon,
    cadre_ids (tuple), cadre_names, met, attendance (share, NaN without a meeting),
    attendance_pct, entries, state, state_label, state_icon.
    """
    month = figures.as_month(month)
    panel = figures.group_month_panel(ds, month, hamlet=hamlet, cadre=cadre)
    groups = ds.groups[["group_id", "lat", "lon", "row"]].rename(columns={"row": "group_row"})
    hamlets = ds.hamlets[["hamlet_id", "hamlet_name", "row"]].rename(columns={"row": "hamlet_row"})
    tiles = panel.merge(groups, on="group_id").merge(hamlets, on="hamlet_id", how="left")
    tiles = tiles.sort_values(["hamlet_row", "group_row"], kind="stable", ignore_index=True)

    pairs = assigned_pairs(ds.assignments, pd.PeriodIndex([month]))
    names = _names_by(pairs, ds, "group_id")
    tiles = tiles.join(names, on="group_id")
    tiles["cadre_ids"] = tiles["cadre_ids"].map(lambda v: v if isinstance(v, tuple) else ())
    tiles["cadre_names"] = tiles["cadre_names"].fillna("")
    tiles = tiles.join(_entry_counts(ds, month), on="group_id")
    tiles["entries"] = tiles["entries"].fillna(0).astype("int64")
    households_met = tiles["households"].astype(float).where(tiles["met"])
    tiles["attendance_pct"] = figures.pct(tiles["present"], households_met)

    state = np.select(
        [
            tiles["cadre_ids"].map(len) == 0,
            (tiles["rating"] == contract.RATING_WEAK).fillna(False).to_numpy(bool),
            (tiles["attendance"] < figures.LOW_ATTENDANCE).fillna(False).to_numpy(bool),
            tiles["entries"] > 0,
        ],
        [NO_CADRE, WEAK, LOW_ATTENDANCE, REPORTED],
        NOT_REPORTED,
    )
    tiles["state"] = state
    tiles["state_label"] = tiles["state"].map(lambda s: STATES[s].label)
    tiles["state_icon"] = tiles["state"].map(lambda s: STATES[s].icon)
    cols = [
        "hamlet_id", "hamlet_name", "group_id", "group_name", "households", "rating", "lat",
        "lon", "cadre_ids", "cadre_names", "met", "attendance", "attendance_pct", "entries",
        "state", "state_label", "state_icon",
    ]  # fmt: skip
    return tiles[cols]


def secretaries(ds: Dataset, *, hamlet: str | None = None) -> pd.DataFrame:
    """Per hamlet (sheet order): hamlet_id, hamlet_name, secretary ("" when not recorded)."""
    out = ds.hamlets[["hamlet_id", "hamlet_name", "secretary"]]
    if hamlet:
        out = out[out["hamlet_id"] == hamlet]
    return out.assign(secretary=out["secretary"].fillna("")).reset_index(drop=True)


def hamlet_summaries(
    ds: Dataset, tiles: pd.DataFrame, *, hamlet: str | None = None, cadre: str | None = None
) -> pd.DataFrame:
    """Per hamlet in scope: secretary, number of groups and of groups in each state.

    Without a cadre filter every hamlet is listed, a hamlet without groups with 0, so the
    page can say so; with one, only the hamlets where that cadre follows a group.
    """
    out = secretaries(ds, hamlet=hamlet)
    if cadre:
        out = out[out["hamlet_id"].isin(tiles["hamlet_id"])]
    counts = pd.crosstab(tiles["hamlet_id"], tiles["state"]).reindex(columns=list(STATES))
    out = out.join(counts.fillna(0).astype("int64"), on="hamlet_id")
    out[list(STATES)] = out[list(STATES)].fillna(0).astype("int64")
    out["groups"] = out[list(STATES)].sum(axis=1)
    return out.reset_index(drop=True)


def summary_text(summary: pd.Series) -> str:
    """'18 tổ: ✅ 12 đã báo cáo · ⚠️ 2 xếp loại Yếu' (states with no group left out)."""
    parts = []
    for key, state in STATES.items():
        if summary[key]:
            label = state.label[0].lower() + state.label[1:]
            parts.append(f"{state.icon} {int(summary[key])} {label}")
    return f"{int(summary['groups'])} tổ: " + " · ".join(parts)


def hamlet_intro_html(summary: pd.Series) -> str:
    """The hamlet's party cell secretary and its groups counted by state, above its tiles."""
    secretary = (
        html.escape(summary["secretary"])
        if summary["secretary"]
        else "<i>chưa ghi trong trang Ấp</i>"
    )
    counts = html.escape(summary_text(summary)) if summary["groups"] else ""
    return (
        f'<div class="tothu-intro"><div><b>Bí thư chi bộ:</b> {secretary}</div>'
        f'<div style="color:#4b5563;font-size:.9rem">{counts}</div></div>'
    )


def _tile_detail(row) -> str:
    if row.state == NO_CADRE or row.entries == 0:
        return f"{row.households} hộ"
    if not row.met:
        return f"{row.households} hộ · không sinh hoạt"
    low = " 📉" if row.attendance < figures.LOW_ATTENDANCE and row.state != LOW_ATTENDANCE else ""
    return f"{row.households} hộ · dự {vn_percent(row.attendance_pct)}{low}"


_GRID_CSS = """<style>
.tothu-tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(9.5rem,1fr));gap:.5rem;
margin:.25rem 0 1rem 0;padding:0}
.tothu-tile{border-left:.35rem solid;border-radius:.4rem;padding:.45rem .55rem;line-height:1.3;
font-size:.9rem;min-width:0;overflow-wrap:anywhere}
.tothu-tile b{font-size:1rem}
.tothu-tile .state{font-weight:600;margin:.1rem 0}
.tothu-tile .who{color:#1f2937}
.tothu-tile .none{font-style:italic}
.tothu-tile .detail{color:#4b5563;font-size:.8rem}
.tothu-legend{display:flex;flex-wrap:wrap;gap:.35rem .6rem;margin:.25rem 0 .75rem 0;padding:0;
font-size:.85rem}
.tothu-legend div{border-left:.35rem solid;border-radius:.3rem;padding:.15rem .45rem}
</style>"""


def tiles_html(tiles: pd.DataFrame) -> str:
    """The tiles of one hamlet as a wrapping CSS grid; every sheet value is escaped."""
    items = []
    for row in tiles.itertuples(index=False):
        state = STATES[row.state]
        who = (
            f'<div class="who">👤 {html.escape(row.cadre_names)}</div>'
            if row.cadre_names
            else '<div class="who none">Chưa phân công</div>'
        )
        title = html.escape(f"{row.group_name} ({row.group_id}) – {state.meaning}")
        items.append(
            f'<div role="listitem" class="tothu-tile" style="border-color:{state.colour};'
            f'background:{state.background}" title="{title}">'
            f"<b>{html.escape(row.group_name)}</b> "
            f'<span class="detail">{html.escape(row.group_id)}</span>'
            f'<div class="state" style="color:{state.colour}">{state.icon} {state.label}</div>'
            f'{who}<div class="detail">{html.escape(_tile_detail(row))}</div></div>'
        )
    return _GRID_CSS + f'<div role="list" class="tothu-tiles">{"".join(items)}</div>'


def legend_html() -> str:
    """The five states with icon, words and colour."""
    items = "".join(
        f'<div role="listitem" style="border-color:{s.colour};background:{s.background}" '
        f'title="{s.meaning}">{s.icon} {s.label}</div>'
        for s in STATES.values()
    )
    return _GRID_CSS + f'<div role="list" class="tothu-legend">{items}</div>'


def map_points(tiles: pd.DataFrame) -> pd.DataFrame:
    """The tiles that have coordinates, with Vietnamese labels for the geographic map."""
    points = tiles[tiles["lat"].notna() & tiles["lon"].notna()]
    return pd.DataFrame(
        {
            "Vĩ độ": points["lat"],
            "Kinh độ": points["lon"],
            "Tổ": points["group_name"] + " (" + points["group_id"] + ")",
            "Ấp": points["hamlet_name"],
            "Cán bộ": points["cadre_names"].replace("", "Chưa phân công"),
            "Tình trạng": points["state_icon"] + " " + points["state_label"],
        }
    ).reset_index(drop=True)


def unplaced_text(tiles: pd.DataFrame, points: pd.DataFrame) -> str | None:
    """How many groups the geographic map leaves out for want of coordinates."""
    missing = len(tiles) - len(points)
    return f"{missing} tổ chưa có tọa độ nên không hiện trên bản đồ." if missing else None


def map_view(points: pd.DataFrame) -> tuple[dict, int]:
    """Centre and zoom that fit every point in about 300 px, the width of a phone's map."""
    lat, lon = points["Vĩ độ"], points["Kinh độ"]
    span = max(lat.max() - lat.min(), lon.max() - lon.min(), 0.005)
    # Plotly's maplibre maps use 512 px tiles: at zoom z the world's 360° are 512·2^z px wide.
    zoom = int(np.clip(np.floor(np.log2(300 * 360 / 512 / span)), 3, 16))
    return {"lat": float(lat.mean()), "lon": float(lon.mean())}, zoom


def state_colours() -> dict[str, str]:
    """'icon label' -> colour, matching `map_points`' Tình trạng values."""
    return {f"{s.icon} {s.label}": s.colour for s in STATES.values()}


# --- cadre load ------------------------------------------------------------------------


def load_labels(max_load: int = figures.MAX_LOAD) -> dict[str, str]:
    """The words of each load state, with the office's maximum (Cài đặt)."""
    return {
        "too_many": f"Quá tải (trên {max_load} tổ)",
        "none": "Chưa phụ trách tổ nào",
        "ok": f"Trong mức (1–{max_load} tổ)",
    }


LOAD_LABELS = load_labels()
_LOAD_ORDER = {"too_many": 0, "none": 1, "ok": 2}


def _followed_groups(ds: Dataset, pairs: pd.DataFrame) -> pd.Series:
    """Per cadre: 'Ấp Mỹ An: Tổ 1, Tổ 2; Ấp Mỹ Hòa: Tổ 1' (group names repeat across hamlets)."""
    hamlet_rows = ds.hamlets.set_index("hamlet_id")
    pairs = pairs.assign(
        hamlet_name=pairs["hamlet_id"].map(hamlet_rows["hamlet_name"]),
        hamlet_row=pairs["hamlet_id"].map(hamlet_rows["row"]),
    ).sort_values(["hamlet_row", "row"], kind="stable")
    per_hamlet = pairs.groupby(["cadre_id", "hamlet_name"], sort=False)["group_name"].agg(", ".join)
    text = per_hamlet.index.get_level_values("hamlet_name") + ": " + per_hamlet.to_numpy()
    return (
        pd.Series(text, index=per_hamlet.index.get_level_values("cadre_id"))
        .groupby(level=0, sort=False)
        .agg("; ".join)
        .rename("group_names")
    )


def cadre_load_view(
    ds: Dataset,
    month,
    *,
    hamlet: str | None = None,
    cadre: str | None = None,
    max_load: int = figures.MAX_LOAD,
) -> pd.DataFrame:
    """figures.cadre_load counted over the whole commune (a cadre's load does not stop at a
    hamlet's edge), kept to the cadres following a group of `hamlet` when one is chosen,
    with the groups each follows; problems first, then names in Vietnamese order."""
    month = figures.as_month(month)
    load = figures.cadre_load(ds, month, cadre=cadre, max_load=max_load)
    pairs = assigned_pairs(ds.assignments, pd.PeriodIndex([month]))
    pairs = pairs.merge(ds.groups[["group_id", "group_name", "hamlet_id", "row"]], on="group_id")
    if hamlet:
        load = load[load["cadre_id"].isin(pairs.loc[pairs["hamlet_id"] == hamlet, "cadre_id"])]
    load = load.join(_followed_groups(ds, pairs), on="cadre_id")
    load["group_names"] = load["group_names"].fillna("")
    load = load.iloc[name_order(load["name"])]
    load = load.sort_values("load", key=lambda s: s.map(_LOAD_ORDER), kind="stable")
    return load.reset_index(drop=True)


def cadre_load_table(view: pd.DataFrame, *, max_load: int = figures.MAX_LOAD) -> pd.DataFrame:
    """`cadre_load_view` with Vietnamese headers, as shown and exported; the name, count and
    state come first so a phone shows them without scrolling sideways."""
    return pd.DataFrame(
        {
            "Họ và tên": view["name"],
            "Số tổ phụ trách": view["groups"],
            "Tình trạng": view["load"].map(load_labels(max_load)),
            "Tổ phụ trách": view["group_names"],
            "Chức vụ": view["position"],
            "Mã cán bộ": view["cadre_id"],
        }
    )


def load_summary_text(
    view: pd.DataFrame,
    *,
    planned_load: int = figures.PLANNED_LOAD,
    max_load: int = figures.MAX_LOAD,
) -> str:
    """One sentence on who carries too much or nothing, for the caption above the table."""
    too_many = int((view["load"] == "too_many").sum())
    idle = int((view["load"] == "none").sum())
    plan = f" (kế hoạch: {planned_load} tổ mỗi đồng chí, tối đa {max_load} tổ)."
    if not too_many and not idle:
        return (
            f"Không đồng chí nào phụ trách quá {max_load} tổ, cũng không ai chưa được phân "
            f"công{plan}"
        )
    parts = []
    if too_many:
        parts.append(f"{too_many} đồng chí phụ trách quá {max_load} tổ")
    if idle:
        parts.append(f"{idle} đồng chí chưa phụ trách tổ nào")
    return "; ".join(parts) + plan


# --- reassignments ---------------------------------------------------------------------


def _change_days(a: pd.DataFrame) -> pd.DataFrame:
    """(group_id, day) where a group's cadres may change: every start and every day after an end,
    except the group's first start."""
    days = pd.concat(
        [
            pd.DataFrame({"group_id": a["group_id"], "day": a["start"]}),
            pd.DataFrame({"group_id": a["group_id"], "day": a["end"] + _DAY}).dropna(),
        ],
        ignore_index=True,
    ).drop_duplicates()
    first = a.groupby("group_id")["start"].min()
    return days[days["day"] > days["group_id"].map(first)]


def _cadre_moves(a: pd.DataFrame, days: pd.DataFrame) -> pd.DataFrame:
    """Per (group, day, cadre): whether the cadre left (assigned the day before, not on the day)
    or came (the reverse); rows of cadres who stayed are dropped."""
    grid = days.merge(a, on="group_id")
    on = lambda d: (grid["start"] <= d) & (grid["end"].isna() | (grid["end"] >= d))  # noqa: E731
    grid = grid.assign(before=on(grid["day"] - _DAY), after=on(grid["day"]))
    per_cadre = grid.groupby(["group_id", "day", "cadre_id"], as_index=False).agg(
        before=("before", "any"), after=("after", "any")
    )
    per_cadre["left"] = per_cadre["before"] & ~per_cadre["after"]
    per_cadre["came"] = per_cadre["after"] & ~per_cadre["before"]
    return per_cadre[per_cadre["left"] | per_cadre["came"]]


def _sorted_ids(ids: set, names: dict) -> tuple:
    ordered = pd.Series(sorted(ids), dtype=object)
    labels = ordered.map(lambda c: names.get(c, c))
    return tuple(ordered.iloc[name_order(labels)])


def reassignments(
    ds: Dataset,
    *,
    hamlet: str | None = None,
    cadre: str | None = None,
    until=None,
    handover_days: int = HANDOVER_DAYS,
) -> pd.DataFrame:
    """Every change of a group's cadres, newest first (see the module docstring).

    Columns: date, group_id, group_name, hamlet_id, hamlet_name, from_ids, to_ids (tuples),
    from_names, to_names, basis (Căn cứ of the assignments that start the change).
    `until` (a date or month) keeps the changes up to that day / the month's last day.
    """
    cols = [
        "date", "group_id", "group_name", "hamlet_id", "hamlet_name", "from_ids", "to_ids",
        "from_names", "to_names", "basis",
    ]  # fmt: skip
    a = ds.assignments[["cadre_id", "group_id", "start", "end", "basis"]]
    moves = _cadre_moves(a, _change_days(a))
    if moves.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    days = moves[["group_id", "day"]].drop_duplicates().sort_values(["group_id", "day"])
    gap = days.groupby("group_id")["day"].diff()
    days["handover"] = (gap.isna() | (gap > pd.Timedelta(days=handover_days))).cumsum()
    moves = moves.merge(days, on=["group_id", "day"])

    starts = a.rename(columns={"start": "day"})[["group_id", "cadre_id", "day", "basis"]]
    came = moves[moves["came"]].merge(starts, on=["group_id", "cadre_id", "day"], how="left")
    events = moves.groupby("handover").agg(date=("day", "min"), group_id=("group_id", "first"))
    events["basis"] = (
        came.dropna(subset=["basis"])
        .groupby("handover")["basis"]
        .agg(lambda b: "; ".join(dict.fromkeys(b)))
        .reindex(events.index)
        .fillna("")
    )
    left = moves[moves["left"]].groupby("handover")["cadre_id"].agg(set).reindex(events.index)
    came_ids = came.groupby("handover")["cadre_id"].agg(set).reindex(events.index)
    left = left.map(lambda v: v if isinstance(v, set) else set())
    came_ids = came_ids.map(lambda v: v if isinstance(v, set) else set())
    names = dict(zip(ds.cadres["cadre_id"], ds.cadres["name"], strict=True))
    # A cadre who left and came back within one handover did not change.
    events["from_ids"] = [_sorted_ids(o - n, names) for o, n in zip(left, came_ids, strict=True)]
    events["to_ids"] = [_sorted_ids(n - o, names) for o, n in zip(left, came_ids, strict=True)]
    events = events[(events["from_ids"].map(len) + events["to_ids"].map(len)) > 0]
    for side in ("from", "to"):
        events[f"{side}_names"] = events[f"{side}_ids"].map(
            lambda ids: ", ".join(names.get(c, c) for c in ids)
        )

    groups = ds.groups[["group_id", "group_name", "hamlet_id", "row"]]
    events = events.merge(groups, on="group_id").merge(
        ds.hamlets[["hamlet_id", "hamlet_name"]], on="hamlet_id", how="left"
    )
    if hamlet:
        events = events[events["hamlet_id"] == hamlet]
    if cadre:
        involved = events["from_ids"].map(lambda i: cadre in i) | events["to_ids"].map(
            lambda i: cadre in i
        )
        events = events[involved]
    if until is not None:
        last_day = (
            (figures.as_month(until) + 1).to_timestamp() - _DAY
            if isinstance(until, pd.Period | str)
            else pd.Timestamp(until)
        )
        events = events[events["date"] <= last_day]
    events = events.sort_values(["date", "row"], ascending=[False, True], kind="stable")
    return events[cols].reset_index(drop=True)


def reassignment_table(history: pd.DataFrame) -> pd.DataFrame:
    """`reassignments` with Vietnamese headers; a side without a cadre says so in words."""
    return pd.DataFrame(
        {
            "Ngày": pd.to_datetime(history["date"]).dt.date,
            "Tên tổ": history["group_name"],
            "Ấp": history["hamlet_name"],
            "Cán bộ cũ": history["from_names"].replace("", "(không có, bổ sung)"),
            "Cán bộ mới": history["to_names"].replace("", "(không ai thay)"),
            "Căn cứ": history["basis"],
            "Mã tổ": history["group_id"],
        }
    )

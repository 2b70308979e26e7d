"""Tile states, hamlet summaries, cadre load and reassignment history on hand-made communes."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from tests.sheets import assign, book, cadre, group, hamlet, meeting, tab
from tothu_core.figures import assignment_view as view
from tothu_core.sheet.reader import read_dataset

HAMLET_HEADERS = ["Mã ấp", "Tên ấp", "Bí thư chi bộ"]
CADRE_HEADERS = ["Mã cán bộ", "Họ và tên", "Chức vụ", "Vai trò"]
GROUP_HEADERS = ["Mã tổ", "Tên tổ", "Mã ấp", "Số hộ", "Xếp loại", "Vĩ độ", "Kinh độ"]
ASSIGNMENT_HEADERS = ["Mã cán bộ", "Mã tổ", "Từ ngày", "Đến ngày", "Căn cứ"]


def leadership_book() -> dict[str, list[list]]:
    """A commune whose 10/2016 puts one group in each tile state (shared with the page tests).

        A1 «Ấp Một» (secretary with markup in the name), A2 «Ấp Hai», A3 «Ấp Ba»: no groups.
        10/2016   cadres        entry                          state
        T1 A1 10  CB01          met, 8 present (80 %)          reported
        T2 A1 20  CB01 (Yếu)    met, 4 present (20 %)          weak (before low attendance)
        T3 A1 10  CB02          met, 4 present (40 %), late    low attendance
        T4 A1 10  nobody        none                           no cadre
        T5 A1 10  CB02 + CB03   none                           not reported
        T6 A2 12  CB03          did not meet                   reported
        T7 A2  8  CB03          met, 8 present (100 %)         reported
    T6 passed from CB04 (to 30/9/2016) to CB03 (from 1/10/2016, QĐ 5); CB04 then has no group.
    08/2016 has entries for every group but T4, 09/2016 has none.
    """
    hamlets = [["A1", "Ấp Một", "Lê Văn <b>Bí</b>"], ["A2", "Ấp Hai", ""], ["A3", "Ấp Ba", ""]]
    cadres = [
        ["CB01", "Nguyễn Văn An", "Bí thư Đảng ủy", "Lãnh đạo"],
        ["CB02", "Trần Thị Bình", "Công chức Văn phòng", "Cán bộ"],
        ["CB03", "Lê Văn Cường", "", "Cán bộ"],
        ["CB04", "Phạm Thị Dung", "", "Cán bộ"],
    ]
    groups = [
        ["T1", "Tổ 1", "A1", 10, "Tốt", 10.10, 106.40],
        ["T2", "Tổ 2", "A1", 20, "Yếu", 10.11, 106.42],
        ["T3", "Tổ 3", "A1", 10, "Khá", "", ""],
        ["T4", "Tổ 4", "A1", 10, "", "", ""],
        ["T5", "Tổ 5", "A1", 10, "", "", ""],
        ["T6", "Tổ 6", "A2", 12, "Tốt", "", ""],
        ["T7", "<i>Tổ 7</i>", "A2", 8, "Tốt", "", ""],
    ]
    start = "1/8/2016"
    assignments = [
        ["CB01", "T1", start, "", "KH 33"],
        ["CB01", "T2", start, "", "KH 33"],
        ["CB02", "T3", start, "", "KH 33"],
        ["CB02", "T5", start, "", "KH 33"],
        ["CB03", "T5", start, "", "KH 33"],
        ["CB04", "T6", start, "30/9/2016", "KH 33"],
        ["CB03", "T6", "1/10/2016", "", "QĐ 5-QĐ/ĐU ngày 25/9/2016"],
        ["CB03", "T7", start, "", "KH 33"],
    ]
    meetings = [
        meeting("08/2016", "T1", "CB01", "10/8/2016", 9, "x", at="1/9/2016 08:00"),
        meeting("08/2016", "T2", "CB01", "10/8/2016", 10, "x", at="1/9/2016 08:00"),
        meeting("08/2016", "T3", "CB02", "11/8/2016", 6, "x", at="1/9/2016 08:00"),
        meeting("08/2016", "T5", "CB02", "12/8/2016", 5, "x", at="1/9/2016 08:00"),
        meeting("08/2016", "T5", "CB03", "12/8/2016", 5, "x", at="1/9/2016 09:00"),
        meeting("08/2016", "T6", "CB04", "13/8/2016", 6, "x", at="1/9/2016 08:00"),
        meeting("08/2016", "T7", "CB03", "14/8/2016", 8, "x", at="1/9/2016 08:00"),
        meeting("10/2016", "T1", "CB01", "10/10/2016", 8, "x", at="12/10/2016 08:00"),
        meeting("10/2016", "T2", "CB01", "11/10/2016", 4, "x", at="12/10/2016 09:00"),
        meeting("10/2016", "T3", "CB02", "12/10/2016", 4, "", at="6/11/2016 08:00"),
        meeting("10/2016", "T6", "CB03", "", "", "", at="1/11/2016 08:00"),
        meeting("10/2016", "T7", "CB03", "13/10/2016", 8, "x", at="2/11/2016 08:00"),
    ]
    return book(
        meetings=meetings,
        extra={
            "Ấp": tab(HAMLET_HEADERS, hamlets),
            "Cán bộ": tab(CADRE_HEADERS, cadres),
            "Tổ": tab(GROUP_HEADERS, groups),
            "Phân công": tab(ASSIGNMENT_HEADERS, assignments),
        },
    )


@pytest.fixture(scope="module")
def ds():
    data = read_dataset(leadership_book())
    assert not data.errors, data.errors
    return data


# --- tiles ------------------------------------------------------------------------------


def test_each_group_gets_its_most_pressing_state(ds):
    tiles = view.group_tiles(ds, "10/2016")
    states = dict(zip(tiles["group_id"], tiles["state"], strict=True))
    assert states == {
        "T1": view.REPORTED,
        "T2": view.WEAK,
        "T3": view.LOW_ATTENDANCE,
        "T4": view.NO_CADRE,
        "T5": view.NOT_REPORTED,
        "T6": view.REPORTED,
        "T7": view.REPORTED,
    }
    by_group = tiles.set_index("group_id")
    assert by_group.loc["T2", "attendance_pct"] == 20.0
    assert by_group.loc["T3", "attendance_pct"] == 40.0
    assert pd.isna(by_group.loc["T6", "attendance_pct"])  # reported, but did not meet
    assert by_group.loc["T5", "cadre_names"] == "Trần Thị Bình, Lê Văn Cường"  # Bình before Cường
    assert by_group.loc["T4", "cadre_ids"] == ()
    assert by_group.loc["T3", "state_label"] == "Dự sinh hoạt dưới 50\u00a0%"


def test_tiles_follow_sheet_order_and_the_filters(ds):
    assert view.group_tiles(ds, "10/2016")["group_id"].tolist() == [f"T{i}" for i in range(1, 8)]
    assert view.group_tiles(ds, "10/2016", hamlet="A2")["group_id"].tolist() == ["T6", "T7"]
    # The cadre filter keeps that cadre's groups of the month; T6 was CB04's until 09/2016.
    assert view.group_tiles(ds, "10/2016", cadre="CB03")["group_id"].tolist() == ["T5", "T6", "T7"]
    assert view.group_tiles(ds, "09/2016", cadre="CB04")["group_id"].tolist() == ["T6"]
    # 09/2016 has no entry at all: every covered group is "not reported", T4 still "no cadre".
    september = view.group_tiles(ds, "09/2016")
    assert september.loc[september["group_id"] == "T2", "state"].item() == view.WEAK
    assert set(september["state"]) == {view.NOT_REPORTED, view.WEAK, view.NO_CADRE}


def test_hamlet_summaries_count_states_and_keep_hamlets_without_groups(ds):
    tiles = view.group_tiles(ds, "10/2016")
    summary = view.hamlet_summaries(ds, tiles).set_index("hamlet_id")
    assert summary["groups"].to_dict() == {"A1": 5, "A2": 2, "A3": 0}
    assert summary.loc["A1", list(view.STATES)].tolist() == [1, 1, 1, 1, 1]
    assert summary.loc["A2", view.REPORTED] == 2
    assert summary["secretary"].tolist() == ["Lê Văn <b>Bí</b>", "", ""]
    assert view.summary_text(summary.loc["A2"]) == "2 tổ: ✅ 2 đã báo cáo"

    only = view.hamlet_summaries(ds, view.group_tiles(ds, "10/2016", hamlet="A3"), hamlet="A3")
    assert only["hamlet_id"].tolist() == ["A3"] and only["groups"].tolist() == [0]
    # With a cadre chosen, only the hamlets where that cadre follows a group.
    cb01 = view.group_tiles(ds, "10/2016", cadre="CB01")
    assert view.hamlet_summaries(ds, cb01, cadre="CB01")["hamlet_id"].tolist() == ["A1"]


def test_secretaries_blank_when_not_recorded(ds):
    assert view.secretaries(ds).values.tolist() == [
        ["A1", "Ấp Một", "Lê Văn <b>Bí</b>"],
        ["A2", "Ấp Hai", ""],
        ["A3", "Ấp Ba", ""],
    ]
    assert view.secretaries(ds, hamlet="A2")["hamlet_name"].tolist() == ["Ấp Hai"]


def test_tile_html_escapes_sheet_values_and_says_the_state_in_words(ds):
    tiles = view.group_tiles(ds, "10/2016")
    markup = view.tiles_html(tiles[tiles["hamlet_id"] == "A2"])
    assert "<i>Tổ 7</i>" not in markup
    assert "&lt;i&gt;Tổ 7&lt;/i&gt;" in markup
    assert markup.count('role="listitem"') == 2
    assert "✅ Đã báo cáo" in markup and "12 hộ · không sinh hoạt" in markup
    assert "8 hộ · dự 100,0\u00a0%" in markup
    a1 = view.tiles_html(tiles[tiles["hamlet_id"] == "A1"])
    assert "Chưa phân công" in a1 and "⛔ Chưa có cán bộ" in a1
    assert "20 hộ · dự 20,0\u00a0% 📉" in a1  # weak tile still flags its low attendance

    intro = view.hamlet_intro_html(view.hamlet_summaries(ds, tiles).iloc[0])
    assert "Lê Văn &lt;b&gt;Bí&lt;/b&gt;" in intro and "<b>Bí</b>" not in intro
    assert "chưa ghi trong trang Ấp" in view.hamlet_intro_html(
        view.hamlet_summaries(ds, tiles).iloc[1]
    )
    legend = view.legend_html()
    assert all(f"{s.icon} {s.label}" in legend for s in view.STATES.values())


def test_map_points_only_groups_with_coordinates(ds):
    points = view.map_points(view.group_tiles(ds, "10/2016"))
    assert points["Tổ"].tolist() == ["Tổ 1 (T1)", "Tổ 2 (T2)"]
    assert points["Tình trạng"].tolist() == ["✅ Đã báo cáo", "⚠️ Xếp loại Yếu"]
    assert set(points["Tình trạng"]) <= set(view.state_colours())
    assert view.unplaced_text(view.group_tiles(ds, "10/2016"), points) == (
        "5 tổ chưa có tọa độ nên không hiện trên bản đồ."
    )
    assert view.unplaced_text(points, points) is None
    centre, zoom = view.map_view(points)
    assert centre == pytest.approx({"lat": 10.105, "lon": 106.41})
    # 0.02° across must fit in ~300 px: 512·2^z·0.02/360 ≤ 300 -> z = 13.
    assert zoom == 13


# --- cadre load -------------------------------------------------------------------------


def test_cadre_load_problems_first_then_vietnamese_name_order(ds):
    load = view.cadre_load_view(ds, "10/2016")
    assert load["cadre_id"].tolist() == ["CB04", "CB01", "CB02", "CB03"]  # Dung has none
    assert load["groups"].tolist() == [0, 2, 2, 3]
    assert load["load"].tolist() == ["none", "ok", "ok", "ok"]
    assert load.loc[3, "group_names"] == "Ấp Một: Tổ 5; Ấp Hai: Tổ 6, <i>Tổ 7</i>"
    table = view.cadre_load_table(load)
    assert table.columns.tolist() == [
        "Họ và tên", "Số tổ phụ trách", "Tình trạng", "Tổ phụ trách", "Chức vụ", "Mã cán bộ",
    ]  # fmt: skip
    assert table["Tình trạng"].tolist()[:2] == ["Chưa phụ trách tổ nào", "Trong mức (1–5 tổ)"]
    assert view.load_summary_text(load) == (
        "1 đồng chí chưa phụ trách tổ nào (kế hoạch: 3 tổ mỗi đồng chí, tối đa 5 tổ)."
    )


def test_cadre_load_in_a_hamlet_counts_the_whole_commune(ds):
    load = view.cadre_load_view(ds, "10/2016", hamlet="A2")
    # Only CB03 follows a group of A2 in 10/2016, and follows 3 groups in all.
    assert load[["cadre_id", "groups"]].values.tolist() == [["CB03", 3]]


def test_cadre_with_more_than_five_groups_is_listed_first():
    raw = book(
        hamlets=[hamlet("A1")],
        cadres=[cadre("CB01", "Nguyễn Văn An"), cadre("CB02", "Trần Văn Bảo")],
        groups=[group(f"T{i}", "A1", 10) for i in range(1, 8)],
        assignments=[assign("CB02", "T1", "1/1/2016")]
        + [assign("CB01", f"T{i}", "1/1/2016") for i in range(2, 8)],
        meetings=[meeting("01/2016", "T1", "CB02")],
    )
    load = view.cadre_load_view(read_dataset(raw), "01/2016")
    assert load[["cadre_id", "groups", "load"]].values.tolist() == [
        ["CB01", 6, "too_many"],
        ["CB02", 1, "ok"],
    ]
    assert view.load_summary_text(load).startswith("1 đồng chí phụ trách quá 5 tổ")
    # The office's own limits (Cài đặt): at most 7 groups, 2 planned, nobody is too loaded.
    relaxed = view.cadre_load_view(read_dataset(raw), "01/2016", max_load=7)
    assert relaxed["load"].tolist() == ["ok", "ok"]
    assert view.load_summary_text(relaxed, planned_load=2, max_load=7) == (
        "Không đồng chí nào phụ trách quá 7 tổ, cũng không ai chưa được phân công (kế hoạch: "
        "2 tổ mỗi đồng chí, tối đa 7 tổ)."
    )
    assert view.cadre_load_table(relaxed, max_load=7)["Tình trạng"].tolist() == [
        "Trong mức (1–7 tổ)", "Trong mức (1–7 tổ)",
    ]  # fmt: skip


# --- reassignments ----------------------------------------------------------------------


def history_book() -> dict[str, list[list]]:
    """Seven groups, each with one way a group's cadres change (or seem to)."""
    people = [("CB01", "Nguyễn Văn An"), ("CB02", "Trần Thị Bình"),
              ("CB03", "Lê Văn Cường"), ("CB04", "Phạm Thị Dung")]  # fmt: skip
    rows = [
        # G1: a plain handover on the 1st: An to 31/3, Bình from 1/4.
        ["CB01", "G1", "1/1/2016", "31/3/2016", "KH 1"],
        ["CB02", "G1", "1/4/2016", "", "QĐ 1"],
        # G2: two cadres from the start (no change), then Cường leaves without successor.
        ["CB01", "G2", "1/1/2016", "", "KH 1"],
        ["CB03", "G2", "1/1/2016", "30/6/2016", "KH 1"],
        # G3: the clerk wrote the new start on the old end day: one handover, not two.
        ["CB02", "G3", "1/1/2016", "10/5/2016", "KH 1"],
        ["CB04", "G3", "10/5/2016", "", "QĐ 2"],
        # G4: a second cadre added.
        ["CB04", "G4", "1/1/2016", "", "KH 1"],
        ["CB01", "G4", "1/8/2016", "", "QĐ 3"],
        # G5: the same cadre's assignment renewed: no change.
        ["CB01", "G5", "1/1/2016", "31/1/2016", "KH 1"],
        ["CB01", "G5", "1/2/2016", "", "QĐ 4"],
        # G6: four days without a cadre: still one handover, dated when Bình left.
        ["CB02", "G6", "1/1/2016", "31/3/2016", "KH 1"],
        ["CB03", "G6", "5/4/2016", "", "QĐ 6"],
        # G7: twenty days without a cadre: two changes.
        ["CB02", "G7", "1/1/2016", "31/3/2016", "KH 1"],
        ["CB04", "G7", "21/4/2016", "", "QĐ 7"],
    ]
    return book(
        hamlets=[hamlet("A1", "Ấp Một"), hamlet("A2", "Ấp Hai")],
        cadres=[cadre(c, n) for c, n in people],
        groups=[group(f"G{i}", "A1" if i <= 4 else "A2", 10) for i in range(1, 8)],
        meetings=[meeting("01/2016", "G1", "CB01")],
        extra={"Phân công": tab(ASSIGNMENT_HEADERS, rows)},
    )


@pytest.fixture(scope="module")
def history_ds():
    data = read_dataset(history_book())
    assert not data.errors, data.errors
    return data


def test_reassignments_newest_first_with_handovers_merged(history_ds):
    history = view.reassignments(history_ds)
    rows = [
        (d.strftime("%d/%m/%Y"), g, f, t, b)
        for d, g, f, t, b in history[["date", "group_id", "from_names", "to_names", "basis"]].values
    ]
    assert rows == [
        ("01/08/2016", "G4", "", "Nguyễn Văn An", "QĐ 3"),
        ("01/07/2016", "G2", "Lê Văn Cường", "", ""),
        ("10/05/2016", "G3", "Trần Thị Bình", "Phạm Thị Dung", "QĐ 2"),
        ("21/04/2016", "G7", "", "Phạm Thị Dung", "QĐ 7"),
        ("01/04/2016", "G1", "Nguyễn Văn An", "Trần Thị Bình", "QĐ 1"),
        ("01/04/2016", "G6", "Trần Thị Bình", "Lê Văn Cường", "QĐ 6"),
        ("01/04/2016", "G7", "Trần Thị Bình", "", ""),
    ]
    assert history.loc[0, "to_ids"] == ("CB01",) and history.loc[0, "from_ids"] == ()


def test_reassignment_filters(history_ds):
    until_may = view.reassignments(history_ds, until="05/2016")
    assert until_may["group_id"].tolist() == ["G3", "G7", "G1", "G6", "G7"]
    until_day = view.reassignments(history_ds, until=dt.date(2016, 4, 20))
    assert until_day["group_id"].tolist() == ["G1", "G6", "G7"]
    assert view.reassignments(history_ds, hamlet="A2")["group_id"].tolist() == ["G7", "G6", "G7"]
    dung = view.reassignments(history_ds, cadre="CB04")
    assert dung["group_id"].tolist() == ["G3", "G7"]


def test_reassignment_table_says_missing_sides_in_words(history_ds):
    table = view.reassignment_table(view.reassignments(history_ds))
    assert table.columns.tolist() == [
        "Ngày", "Tên tổ", "Ấp", "Cán bộ cũ", "Cán bộ mới", "Căn cứ", "Mã tổ",
    ]  # fmt: skip
    assert table.loc[0, "Ngày"] == dt.date(2016, 8, 1)
    assert table.loc[0, "Cán bộ cũ"] == "(không có, bổ sung)"
    assert table.loc[1, "Cán bộ mới"] == "(không ai thay)"
    assert table.loc[1, "Ấp"] == "Ấp Một"


def test_no_reassignment_gives_an_empty_table(ds):
    empty = view.reassignments(ds, hamlet="A1")
    assert empty.empty
    assert view.reassignment_table(empty).empty
    history = view.reassignments(ds)
    assert history[["group_id", "from_names", "to_names", "basis"]].values.tolist() == [
        ["T6", "Phạm Thị Dung", "Lê Văn Cường", "QĐ 5-QĐ/ĐU ngày 25/9/2016"]
    ]

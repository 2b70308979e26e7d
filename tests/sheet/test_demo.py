"""The demo workbook: deterministic, shaped like Mỹ Thạnh commune, and free of errors.

The rules are checked on the raw rows here (not through tothu_core.reader), so a failure
points at the generator itself.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import time
from collections import Counter

import pytest

from tothu_core.sheet import contract, demo
from tothu_core.sheet.sources.workbook import WorkbookSource

TODAY = dt.date(2019, 6, 20)
END = "12/2018"


@pytest.fixture(scope="module")
def book():
    return demo.generate_workbook(end_month=END, today=TODAY)


def records(book, tab: contract.Tab) -> list[dict]:
    """Rows under the tab's header row as {header: value}, found the way a clerk lays it out."""
    rows = book[tab.name]
    required = {c.header for c in tab.required_columns}
    start = next(i for i, row in enumerate(rows) if required <= set(row))
    header = rows[start]
    body = rows[start + 1 :]
    # A row may stop before the header's last optional column (the reader reads it blank).
    assert all(len(row) <= len(header) for row in body)
    return [dict(itertools.zip_longest(header, row)) for row in body]


def month_of(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"(?:Tháng )?(\d{1,2})/(\d{4})", text)
    assert match, text
    return int(match[2]), int(match[1])


def deadline(month_text: str) -> dt.date:
    """The 5th of the next month (the spec's default deadline)."""
    year, month = month_of(month_text)
    return dt.date(year + month // 12, month % 12 + 1, 5)


def active(assignment: dict, year: int, month: int) -> bool:
    first = dt.date(year, month, 1)
    last = dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
    end = assignment["Đến ngày"]
    return assignment["Từ ngày"] <= last and (end is None or end >= first)


def test_same_arguments_give_the_same_workbook(book):
    again = demo.generate_workbook(end_month=END, today=TODAY)
    assert again == book
    other = demo.generate_workbook(end_month=END, today=TODAY, seed=7)
    assert other[contract.GROUPS.name] != book[contract.GROUPS.name]
    assert other[contract.MEETINGS.name] != book[contract.MEETINGS.name]


# The demo is never a place for reminders (issue 16 keeps them in the data folder), so it
# carries every tab of the contract but `Nhắc nhở`.
DEMO_TABS = [tab for tab in contract.TABS.values() if tab.key != "reminders"]


def test_tabs_and_headers_follow_the_contract(book):
    assert set(book) == {tab.name for tab in DEMO_TABS}
    for tab in DEMO_TABS:
        header = next(row for row in book[tab.name] if tab.columns[0].header in row)
        headers = [h for h in header if h != contract.ORDINAL_HEADER]
        assert headers == list(tab.headers.values())
    # Some tabs carry a title and a blank row above the header, and an STT column.
    cadre_rows = book[contract.CADRES.name]
    assert cadre_rows[0][0].startswith("DANH SÁCH CÁN BỘ")
    assert all(cell is None for cell in cadre_rows[1])
    assert cadre_rows[2][0] == contract.ORDINAL_HEADER


def test_one_commune_has_the_seed_counts(book):
    hamlets = records(book, contract.HAMLETS)
    cadres = records(book, contract.CADRES)
    groups = records(book, contract.GROUPS)
    assert [h["Mã ấp"] for h in hamlets] == [f"A{i}" for i in range(1, 7)]
    assert all(h["Bí thư chi bộ"] for h in hamlets)
    assert [c["Mã cán bộ"] for c in cadres] == [f"CB{i:02d}" for i in range(1, 38)]
    assert [g["Mã tổ"] for g in groups] == [f"T{i:03d}" for i in range(1, 103)]
    per_hamlet = Counter(g["Mã ấp"] for g in groups)
    assert set(per_hamlet) == {h["Mã ấp"] for h in hamlets}
    assert all(14 <= n <= 20 for n in per_hamlet.values())
    assert all(25 <= g["Số hộ"] <= 60 for g in groups)
    ratings = Counter(g["Xếp loại"] for g in groups)
    assert set(ratings) <= set(contract.RATINGS)
    assert 4 <= ratings[contract.RATING_WEAK] <= 6
    assert ratings["Tốt"] + ratings["Khá"] > 70
    assert all(10.05 < g["Vĩ độ"] < 10.25 and 106.35 < g["Kinh độ"] < 106.55 for g in groups)


def test_cadres_look_like_the_commune_office(book):
    cadres = {c["Mã cán bộ"]: c for c in records(book, contract.CADRES)}
    assert cadres["CB01"]["Họ và tên"] == "Nguyễn Hoàng Thái"
    assert cadres["CB02"]["Họ và tên"] == "Phạm Thanh Diễn"
    assert cadres["CB01"]["Vai trò"] == cadres["CB02"]["Vai trò"] == contract.ROLE_LEADER
    roles = Counter(c["Vai trò"] for c in cadres.values())
    assert roles[contract.ROLE_ADMIN] == 1
    assert 2 <= roles[contract.ROLE_LEADER] <= 5
    assert {c["Loại"] for c in cadres.values()} == set(contract.CADRE_KINDS)
    assert len({c["Họ và tên"] for c in cadres.values()}) == 37
    assert all(re.fullmatch(r"09\d{8}", c["Điện thoại"]) for c in cadres.values())
    assert cadres["CB01"]["Email"] == "cb01@mythanh.example"


def test_every_group_has_one_cadre_about_three_each(book):
    assignments = records(book, contract.ASSIGNMENTS)
    groups = {g["Mã tổ"] for g in records(book, contract.GROUPS)}
    cadres = {c["Mã cán bộ"] for c in records(book, contract.CADRES)}
    assert {a["Mã tổ"] for a in assignments} == groups
    assert {a["Mã cán bộ"] for a in assignments} <= cadres
    for year, month in ((2016, 7), (2017, 6), (2018, 12)):
        now = [a for a in assignments if active(a, year, month)]
        per_group = Counter(a["Mã tổ"] for a in now)
        load = Counter(a["Mã cán bộ"] for a in now)
        assert set(per_group) == groups
        assert max(load.values()) <= 5
        assert Counter(load.values()).most_common(1)[0][0] == 3
    first = Counter(a["Mã cán bộ"] for a in assignments if a["Căn cứ"] == demo.PLAN_BASIS)
    assert sorted(Counter(first.values()).items()) == [(2, 11), (3, 24), (4, 2)]


def test_reassignments_hand_over_the_next_day(book):
    assignments = records(book, contract.ASSIGNMENTS)
    ended = [a for a in assignments if a["Đến ngày"] is not None]
    assert 2 <= len(ended) <= 3
    for old in ended:
        (new,) = [
            a for a in assignments if a["Mã tổ"] == old["Mã tổ"] and a["Từ ngày"] > old["Từ ngày"]
        ]
        assert new["Từ ngày"] == old["Đến ngày"] + dt.timedelta(days=1)
        assert new["Mã cán bộ"] != old["Mã cán bộ"]
        assert re.fullmatch(r"QĐ \d+-QĐ/ĐU ngày \d{1,2}/\d{1,2}/\d{4}", new["Căn cứ"])
    planned = [a for a in assignments if a["Căn cứ"] == demo.PLAN_BASIS]
    assert len(planned) == 102
    assert all(a["Từ ngày"] == demo.PLAN_START for a in planned)


def test_entries_follow_the_rules(book):
    groups = {g["Mã tổ"]: g for g in records(book, contract.GROUPS)}
    assignments = records(book, contract.ASSIGNMENTS)
    entries = records(book, contract.MEETINGS)
    months = {month_of(e["Tháng"]) for e in entries}
    assert len(months) == 24 and max(months) == (2018, 12)
    assert len({e["Mã phiếu"] for e in entries}) == len(entries)
    for e in entries:
        year, month = month_of(e["Tháng"])
        assert any(
            a["Mã cán bộ"] == e["Mã cán bộ"] and a["Mã tổ"] == e["Mã tổ"] and active(a, year, month)
            for a in assignments
        ), e
        assert e["Thời điểm nhập"].date() <= TODAY
        if e["Ngày họp"] is None:
            assert e["Số hộ dự"] is None
            continue
        assert (e["Ngày họp"].year, e["Ngày họp"].month) == (year, month)
        assert 1 <= e["Số hộ dự"] <= groups[e["Mã tổ"]]["Số hộ"]
        assert e["Cán bộ dự"] in ("Có", "Không")
        assert e["Thời điểm nhập"].date() >= e["Ngày họp"]
        assert isinstance(e["Thời điểm nhập"], dt.datetime)


def test_entries_look_like_a_real_month_of_reports(book):
    groups = {g["Mã tổ"]: g for g in records(book, contract.GROUPS)}
    topics = {t["Chủ đề"] for t in records(book, contract.TOPICS)}
    assert "Trữ nước ngọt phục vụ sinh hoạt và sản xuất" in topics
    entries = records(book, contract.MEETINGS)
    keys = Counter((month_of(e["Tháng"]), e["Mã tổ"], e["Mã cán bộ"]) for e in entries)
    corrections = sum(n - 1 for n in keys.values())
    expected = 102 * 24
    assert 0.90 * expected < len(keys) < 0.99 * expected  # ~4 % of reports missing
    assert 3 <= corrections <= 120
    met = [e for e in entries if e["Ngày họp"]]
    assert 0.85 < len(met) / len(entries) < 0.96
    weak = [e for e in met if groups[e["Mã tổ"]]["Xếp loại"] == contract.RATING_WEAK]
    assert all(0.25 <= e["Số hộ dự"] / groups[e["Mã tổ"]]["Số hộ"] <= 0.6 for e in weak)
    late = [e for e in entries if e["Thời điểm nhập"].date() > deadline(e["Tháng"])]
    assert 0.05 < len(late) / len(entries) < 0.2
    assert any(e["Tháng"].startswith("Tháng ") for e in entries)
    assert Counter(e["Cán bộ dự"] for e in met)["Không"] > 0
    for e in met:
        assert set(e["Nội dung tuyên truyền"].split("; ")) <= topics
    assert 0.2 < sum(e["Kiến nghị"] is not None for e in entries) / len(entries) < 0.5


def test_nothing_is_submitted_after_today():
    today = dt.date(2018, 3, 10)
    book = demo.generate_workbook(end_month="03/2018", today=today)
    entries = records(book, contract.MEETINGS)
    assert all(e["Thời điểm nhập"].date() <= today for e in entries)
    february = [e for e in entries if month_of(e["Tháng"]) == (2018, 2)]
    assert 0 < len(february) < 102  # only those sent by the 10th of March
    default = demo.generate_workbook(today=today)
    assert default == book


def test_communes_multiply_the_structure_with_distinct_ids():
    book = demo.generate_workbook(communes=3, months=3, end_month="06/2017", today=TODAY)
    hamlets = records(book, contract.HAMLETS)
    cadres = records(book, contract.CADRES)
    groups = records(book, contract.GROUPS)
    assert (len(hamlets), len(cadres), len(groups)) == (18, 111, 306)
    assert groups[0]["Mã tổ"] == "X001-T001" and groups[-1]["Mã tổ"] == "X003-T102"
    assert cadres[40]["Mã cán bộ"] == "X002-CB04"
    for rows, column in ((hamlets, "Mã ấp"), (cadres, "Mã cán bộ"), (groups, "Mã tổ")):
        assert len({r[column] for r in rows}) == len(rows)
    assert all(g["Mã ấp"][:5] == g["Mã tổ"][:5] for g in groups)
    for e in records(book, contract.MEETINGS):
        assert e["Mã tổ"][:5] == e["Mã cán bộ"][:5]
    assert [r["STT"] for r in cadres] == list(range(1, 112))


def test_district_scale_is_fast():
    started = time.perf_counter()
    book = demo.generate_workbook(communes=20, months=24, end_month="12/2018", today=TODAY)
    assert time.perf_counter() - started < 10
    assert len(book[contract.MEETINGS.name]) > 20 * 102 * 24 * 0.9


def test_written_workbook_reads_back_cell_for_cell(tmp_path, book):
    path = demo.write_workbook(book, tmp_path / "demo.xlsx")
    raw = WorkbookSource(path, is_demo=True).read_raw()
    # A file keeps no difference between a short row and blank cells up to the tab's width
    # (the demo leaves the optional Xã cũ blank: its communes were not merged).
    widths = {title: max(map(len, rows)) for title, rows in book.items()}
    padded = {t: [[*r, *[None] * (widths[t] - len(r))] for r in rows] for t, rows in book.items()}
    assert raw == padded
    first_entry = raw[contract.MEETINGS.name][1]
    assert type(first_entry[3]) is dt.date and type(first_entry[9]) is dt.datetime


def test_ensure_demo_workbook_creates_it_once(tmp_path, monkeypatch):
    monkeypatch.setenv(demo.DATA_DIR_ENV, str(tmp_path / "data"))
    path = demo.ensure_demo_workbook()
    assert path == tmp_path / "data" / "demo.xlsx"
    assert set(WorkbookSource(path).read_raw()) == {t.name for t in DEMO_TABS}
    stamp = path.stat().st_mtime_ns
    assert demo.ensure_demo_workbook() == path
    assert path.stat().st_mtime_ns == stamp
    assert [p.name for p in path.parent.iterdir() if p.suffix != ".lock"] == ["demo.xlsx"]


def test_bad_end_month_is_refused():
    with pytest.raises(ValueError):
        demo.generate_workbook(end_month="2018-13")


# --- the demo of today (the office's clock: 2026-12-01) --------------------------------------

NOW = dt.date(2026, 12, 1)


@pytest.fixture(scope="module")
def current():
    return demo.generate_workbook(today=NOW)


def test_the_demo_runs_up_to_the_present(current, monkeypatch):
    entries = records(current, contract.MEETINGS)
    months = sorted({month_of(e["Tháng"]) for e in entries})
    assert months[0] == (2025, 1) and months[-1] == (2026, 11), "24 months up to today"
    assert all(e["Thời điểm nhập"].date() <= NOW for e in entries)
    # Without a date the office's clock decides, not the server's time zone.
    monkeypatch.setattr(demo, "office_now", lambda: dt.datetime(2026, 12, 1, 8, 0))
    assert demo.generate_workbook(months=2) == demo.generate_workbook(months=2, today=NOW)


def test_cadre_categories_and_posts_of_after_2025(current):
    cadres = records(current, contract.CADRES)
    assert {c["Loại"] for c in cadres} == set(contract.CADRE_KINDS)
    assert "Không chuyên trách" not in {c["Loại"] for c in cadres}
    positions = [c["Chức vụ"] for c in cadres]
    assert positions[0].startswith("Bí thư Đảng ủy")
    assert not any("Tuyên giáo" in p or "huyện" in p.casefold() for p in positions)
    assert any("Ban Xây dựng Đảng" in p for p in positions)
    assert any("Ủy ban Kiểm tra" in p for p in positions)


def test_the_2016_plan_is_only_the_history_of_the_assignments(current):
    assignments = records(current, contract.ASSIGNMENTS)
    old = [a for a in assignments if a["Căn cứ"] == demo.PLAN_BASIS]
    new = [a for a in assignments if a["Căn cứ"] == demo.NEW_PLAN_BASIS]
    assert len(old) == len(new) == 102
    assert {a["Đến ngày"] for a in old} == {demo.NEW_PLAN_START - dt.timedelta(days=1)}
    assert {a["Từ ngày"] for a in new} == {demo.NEW_PLAN_START}
    # Every group is followed by exactly one cadre in every month of the window, the new
    # plan moved a few groups, and no cadre follows more than 5.
    for year, month in ((2025, 7), (2025, 8), (2026, 11)):
        now = [a for a in assignments if active(a, year, month)]
        assert len(now) == 102 == len({a["Mã tổ"] for a in now})
        assert max(Counter(a["Mã cán bộ"] for a in now).values()) <= 5
    groups = {g["Mã tổ"] for g in records(current, contract.GROUPS)}
    assert {a["Mã tổ"] for a in new} == groups, "every group is in the new plan"
    before = {a["Mã tổ"]: a["Mã cán bộ"] for a in old}
    moved = [a["Mã tổ"] for a in new if a["Mã cán bộ"] != before[a["Mã tổ"]]]
    assert 1 <= len(moved) <= demo._NEW_PLAN_MOVES
    subtitle = next(r[0] for r in current[contract.GROUPS.name] if r[0] and "Kế hoạch" in str(r[0]))
    assert "08-KH/ĐU ngày 21/7/2025" in subtitle


def test_topics_of_their_time(current):
    topics = {t["Chủ đề"]: t for t in records(current, contract.TOPICS)}
    congress = "Nghị quyết Đại hội đại biểu toàn quốc lần thứ XIV của Đảng"
    province = "Nghị quyết Đại hội đại biểu Đảng bộ tỉnh Vĩnh Long lần thứ I, nhiệm kỳ 2025-2030"
    assert topics[congress]["Từ tháng"] == "02/2026"
    assert topics[province]["Từ tháng"] == "11/2025"
    assert (
        topics["Phong trào “Đồng khởi khởi nghiệp thoát nghèo bền vững”"]["Đến tháng"] == "06/2025"
    )
    assert "Nghị quyết Đại hội XII của Đảng bộ Tỉnh" not in topics, "ended before the window"
    for e in records(current, contract.MEETINGS):
        year, month = month_of(e["Tháng"])
        for told in (e["Nội dung tuyên truyền"] or "").split("; "):
            if not told:
                continue
            start, end = topics[told]["Từ tháng"], topics[told]["Đến tháng"]
            here = f"{year:04d}-{month:02d}"
            assert start is None or here >= f"{start[3:]}-{start[:2]}", (told, here)
            assert end is None or here <= f"{end[3:]}-{end[:2]}", (told, here)


def test_the_current_demo_reads_without_any_problem(current):
    from tothu_core.figures import assignment_view
    from tothu_core.sheet.reader import read_dataset

    ds = read_dataset(current)
    assert ds.problems == []

    # The plan's change is no handover for the groups that kept their cadre.
    history = assignment_view.reassignments(ds)
    assert 1 <= len(history) <= demo._NEW_PLAN_MOVES + 3

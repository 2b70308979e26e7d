"""The form's core: server-side checks, the rows written, ids that make a repeat harmless."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from tothu_core.entry.entries import (
    DEFAULT_TOPICS,
    FORM,
    GROUP,
    MET,
    Entry,
    FormMemory,
    Submission,
    build_rows,
    form_groups,
    topics_offered,
    validate,
    write_columns_problem,
)
from tothu_core.entry.month_lock import MonthLocks
from tothu_core.errors import EntryRejected
from tothu_core.people.access import Viewer
from tothu_core.sheet.contract import MEETINGS
from tothu_core.sheet.reader import read_dataset, records_as_rows

MONTH = pd.Period("2026-11", freq="M")
NOW = datetime(2026, 11, 20, 9, 30)
MEETING_HEADERS = ["STT", "Tháng", "Mã tổ", "Mã cán bộ", "Ngày họp", "Số hộ dự", "Cán bộ dự",
                   "Nội dung tuyên truyền", "Tình hình", "Kiến nghị", "Thời điểm nhập",
                   "Mã phiếu"]  # fmt: skip
CADRE = Viewer(name="Nguyễn Văn An", cadre_id="CB01", role="Cán bộ", via="test")
LEADER = Viewer(name="Lê Văn Lãnh", cadre_id="CB09", role="Lãnh đạo", via="test")


def entry_book(month: pd.Period = MONTH, *, meeting_headers=MEETING_HEADERS, meetings=None):
    """A small commune around `month`: CB01 follows T1 (10 hộ) and T2 (20 hộ), CB02 follows T3,
    CB01 followed T4 only in 2016 (the leader CB09 since), CB10 follows nothing.
    Last month T1 met (8 hộ, cadre present), T2 did not."""
    before = month - 1
    last = f"{before.month:02d}/{before.year}"
    if meetings is None:
        meetings = [
            [1, last, "T1", "CB01", date(before.year, before.month, 10), 8, "Có",
             "An toàn giao thông", "Tổ ổn định", None, datetime(before.year, before.month, 11, 8),
             "OLD-1"],
            [2, last, "T2", "CB01", None, None, None, None, "Mưa lớn, hoãn họp", None,
             datetime(before.year, before.month, 28, 8, 0), "OLD-2"],
        ]  # fmt: skip
    return {
        "Ấp": [["Mã ấp", "Tên ấp"], ["A1", "Ấp Mỹ An"], ["A2", "Ấp Mỹ Hòa"]],
        "Cán bộ": [
            ["Mã cán bộ", "Họ và tên", "Vai trò"],
            ["CB01", "Nguyễn Văn An", "Cán bộ"],
            ["CB02", "Trần Thị Bình", "Cán bộ"],
            ["CB09", "Lê Văn Lãnh", "Lãnh đạo"],
            ["CB10", "Võ Thị Mới", "Cán bộ"],
        ],
        "Tổ": [
            ["Mã tổ", "Tên tổ", "Mã ấp", "Số hộ"],
            ["T1", "Tổ 1", "A1", 10],
            ["T2", "Tổ 2", "A1", 20],
            ["T3", "Tổ 3", "A2", 15],
            ["T4", "Tổ 4", "A2", 12],
        ],
        "Phân công": [
            ["Mã cán bộ", "Mã tổ", "Từ ngày", "Đến ngày"],
            ["CB01", "T2", date(2016, 1, 1), None],
            ["CB01", "T1", date(2016, 1, 1), None],
            ["CB02", "T3", date(2016, 1, 1), None],
            ["CB01", "T4", date(2016, 1, 1), date(2016, 12, 31)],
            ["CB09", "T4", date(2017, 1, 1), None],
        ],
        "Sinh hoạt": [["NHẬT KÝ SINH HOẠT TỔ"], [], list(meeting_headers), *meetings],
        "Chủ đề": [
            ["Chủ đề", "Từ tháng", "Đến tháng"],
            ["Trữ nước ngọt", None, None],
            ["Phòng chống hạn mặn", "12/2025", "05/2026"],
            ["Bầu cử đại biểu", f"{month.month:02d}/{month.year}", None],
        ],
    }


def dataset(raw=None):
    return read_dataset(raw or entry_book(), source_label="thử", source_url=None, read_at=NOW)


def locks(tmp_path, now=NOW) -> MonthLocks:
    return MonthLocks(tmp_path, deadline_day=5, lock_days=10, clock=lambda: now)


def met(group_id="T1", **changes) -> Entry:
    values = dict(
        group_id=group_id,
        met=True,
        meeting_date=date(2026, 11, 12),
        households_present=7,
        cadre_attended=True,
        topics=("Trữ nước ngọt",),
        situation="Bà con đồng tình",
        proposals="",
    )
    values.update(changes)
    return Entry(**values)


def submission(*entries, cadre_id="CB01", month=MONTH, sid="S1") -> Submission:
    return Submission(sid, cadre_id, month, tuple(entries), datetime(2026, 11, 20, 9, 31, 5))


def problems_of(ds, sub, tmp_path, viewer=CADRE) -> dict:
    with pytest.raises(EntryRejected) as caught:
        validate(ds, sub, viewer=viewer, locks=locks(tmp_path))
    return caught.value.problems


# -- validation ------------------------------------------------------------------------------


def test_a_correct_submission_passes(tmp_path):
    ds = dataset()
    sub = submission(met("T1"), Entry("T2", met=False, situation="Ngập nước"))
    validate(ds, sub, viewer=CADRE, locks=locks(tmp_path))


def test_a_forged_cadre_is_refused_for_the_whole_form(tmp_path):
    problems = problems_of(dataset(), submission(met("T3"), cadre_id="CB02"), tmp_path)
    assert list(problems) == [FORM]
    assert "chỉ gửi được báo cáo của chính mình" in problems[FORM][FORM]


@pytest.mark.parametrize(
    ("group_id", "words"),
    [
        ("T3", "không được phân công phụ trách Tổ 3 trong tháng 11/2026"),
        ("T4", "không được phân công phụ trách Tổ 4 trong tháng 11/2026"),
        ("T99", "Không có tổ mã «T99»"),
    ],
)
def test_a_group_not_assigned_to_this_cadre_this_month_is_refused(tmp_path, group_id, words):
    problems = problems_of(dataset(), submission(met("T1"), met(group_id)), tmp_path)
    assert list(problems) == [group_id]
    assert words in problems[group_id][GROUP]


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"meeting_date": None}, "meeting_date", "Hãy chọn ngày sinh hoạt."),
        ({"meeting_date": date(2026, 10, 31)}, "meeting_date", "không thuộc tháng 11/2026"),
        ({"meeting_date": date(2026, 11, 21)}, "meeting_date", "chưa đến (hôm nay là 20/11/2026)"),
        ({"households_present": None}, "households_present", "Hãy ghi số hộ dự (từ 0 đến 10)."),
        ({"households_present": 11}, "households_present", "(11) lớn hơn số hộ của tổ (10)"),
        (
            {"households_present": -1},
            "households_present",
            "(-1) không thể là số âm; hãy ghi từ 0 đến 10",
        ),
        ({"households_present": 2.5}, "households_present", "từ 0 đến 10"),
        ({"cadre_attended": None}, "cadre_attended", "có dự buổi sinh hoạt hay không"),
        ({"met": None}, MET, "«Có sinh hoạt» hoặc «Không sinh hoạt»"),
        ({"situation": "x" * 2001}, "situation", "quá 2000 ký tự"),
    ],
)
def test_each_wrong_field_gets_its_own_sentence(tmp_path, changes, field, words):
    problems = problems_of(dataset(), submission(met("T1", **changes), met("T2")), tmp_path)
    assert list(problems) == ["T1"]
    assert list(problems["T1"]) == [field]
    assert words in problems["T1"][field]


def test_zero_and_all_households_are_in_range(tmp_path):
    ds = dataset()
    validate(ds, submission(met("T1", households_present=0)), viewer=CADRE, locks=locks(tmp_path))
    validate(ds, submission(met("T1", households_present=10)), viewer=CADRE, locks=locks(tmp_path))


def test_every_problem_is_reported_at_once(tmp_path):
    bad = submission(
        met("T1", meeting_date=None, households_present=50), met("T2", cadre_attended=None)
    )
    with pytest.raises(EntryRejected) as caught:
        validate(dataset(), bad, viewer=CADRE, locks=locks(tmp_path))
    assert set(caught.value.problems["T1"]) == {"meeting_date", "households_present"}
    assert set(caught.value.problems["T2"]) == {"cadre_attended"}
    assert "có 3 chỗ cần sửa" in str(caught.value)


def test_a_group_twice_in_one_submission_is_refused(tmp_path):
    problems = problems_of(dataset(), submission(met("T1"), met("T1")), tmp_path)
    assert "hai báo cáo" in problems["T1"][GROUP]


def test_a_closed_month_is_refused_until_a_leader_reopens_it(tmp_path):
    ds = dataset()
    october = pd.Period("2026-10", freq="M")
    sub = submission(met("T1", meeting_date=date(2026, 10, 3)), month=october)
    problems = problems_of(ds, sub, tmp_path)
    # October's deadline is 05/11, so it closed at the end of 15/11.
    assert "Tháng 10/2026 đã khóa sổ từ 23:59 ngày 15/11/2026" in problems[FORM][FORM]
    locks(tmp_path).reopen(october, LEADER)
    validate(ds, sub, viewer=CADRE, locks=locks(tmp_path))


def test_an_empty_submission_is_refused(tmp_path):
    problems = problems_of(dataset(), submission(), tmp_path)
    assert "Chưa có tổ nào được điền" in problems[FORM][FORM]


def test_a_sheet_without_ma_phieu_asks_the_clerk_to_add_the_header(tmp_path):
    headers = [h for h in MEETING_HEADERS if h not in ("Mã phiếu", "Thời điểm nhập")]
    rows = [[1, "10/2026", "T1", "CB01", date(2026, 10, 10), 8, "Có", None, None, None]]
    ds = dataset(entry_book(meeting_headers=headers, meetings=rows))
    message = write_columns_problem(ds)
    assert message == (
        "Trang «Sinh hoạt» chưa có cột «Thời điểm nhập», «Mã phiếu» nên biểu mẫu chưa ghi được "
        "báo cáo. Hãy thêm tiêu đề «Thời điểm nhập», «Mã phiếu» vào dòng tiêu đề (dòng 3) ở các "
        "cột trống bên phải, rồi bấm «Làm mới dữ liệu»."
    )
    assert problems_of(ds, submission(met("T1")), tmp_path) == {FORM: {FORM: message}}


def test_text_for_a_column_the_sheet_lacks_is_refused_not_dropped(tmp_path):
    headers = [h for h in MEETING_HEADERS if h != "Kiến nghị"]
    ds = dataset(entry_book(meeting_headers=headers, meetings=[]))
    problems = problems_of(ds, submission(met("T1", proposals="Sửa đường")), tmp_path)
    assert "không có cột «Kiến nghị»" in problems["T1"]["proposals"]
    validate(ds, submission(met("T1")), viewer=CADRE, locks=locks(tmp_path))


# -- rows --------------------------------------------------------------------------------------


def test_rows_land_under_their_own_headers_with_time_and_ma_phieu():
    ds = dataset()
    sub = submission(
        met("T1", topics=("Trữ nước ngọt", "Bầu cử đại biểu"), proposals='=HYPERLINK("x")'),
        Entry("T2", met=False, households_present=5, cadre_attended=True, situation="  Ngập  "),
    )
    plan = build_rows(ds, sub)
    assert (plan.tab, plan.key, plan.target.header_row) == ("Sinh hoạt", "submission_id", 3)
    assert plan.target.columns["submission_id"] == 11
    at = datetime(2026, 11, 20, 9, 31, 5)
    assert plan.records == [
        {"month": "11/2026", "group_id": "T1", "cadre_id": "CB01",
         "meeting_date": date(2026, 11, 12), "households_present": 7, "cadre_attended": "Có",
         "topics": "Trữ nước ngọt; Bầu cử đại biểu", "situation": "Bà con đồng tình",
         "proposals": '=HYPERLINK("x")', "submitted_at": at, "submission_id": "S1-T1"},
        {"month": "11/2026", "group_id": "T2", "cadre_id": "CB01", "situation": "Ngập",
         "submitted_at": at, "submission_id": "S1-T2"},
    ]  # fmt: skip
    rows = records_as_rows(MEETINGS, plan.tab, plan.records, plan.target.columns)
    assert rows[1] == [None, "11/2026", "T2", "CB01", None, None, None, None, "Ngập", None,
                       at, "S1-T2"]  # fmt: skip


def test_rows_follow_a_sheet_whose_columns_are_in_another_order():
    headers = ["Mã phiếu", "Mã cán bộ", "Mã tổ", "Tháng", "Ngày họp", "Số hộ dự", "Cán bộ dự",
               "Thời điểm nhập"]  # fmt: skip
    ds = dataset(entry_book(meeting_headers=headers, meetings=[]))
    plan = build_rows(ds, submission(met("T1", topics=(), situation="")))
    assert plan.target.columns["submission_id"] == 0
    assert records_as_rows(MEETINGS, plan.tab, plan.records, plan.target.columns) == [
        ["S1-T1", "CB01", "T1", "11/2026", date(2026, 11, 12), 7, "Có",
         datetime(2026, 11, 20, 9, 31, 5)]
    ]  # fmt: skip


def test_written_rows_read_back_as_the_same_entries():
    ds = dataset()
    sub = submission(met("T1", topics=("A; B", "B")), Entry("T2", met=False, proposals="Xin đèn"))
    raw = entry_book()
    plan = build_rows(ds, sub)
    rows = records_as_rows(MEETINGS, plan.tab, plan.records, plan.target.columns)
    raw["Sinh hoạt"] = raw["Sinh hoạt"] + rows
    again = form_groups(dataset(raw), "CB01", MONTH)
    assert {g.group_id: g.latest for g in again} == {
        "T1": met("T1", topics=("A", "B")).normalized(),
        "T2": Entry("T2", met=False, proposals="Xin đèn").normalized(),
    }
    assert again[0].submitted_at == datetime(2026, 11, 20, 9, 31, 5)


# -- what the form shows ---------------------------------------------------------------------


def test_form_groups_show_the_cadres_groups_with_last_month_beside_them():
    groups = form_groups(dataset(), "CB01", MONTH)
    assert [(g.group_id, g.hamlet_name, g.households) for g in groups] == [
        ("T1", "Ấp Mỹ An", 10),
        ("T2", "Ấp Mỹ An", 20),
    ]
    assert (
        groups[0].previous
        == "Tháng trước (10/2026): sinh hoạt ngày 10/10, 8/10 hộ dự (80,0%), cán bộ có dự."
    )
    assert groups[1].previous == "Tháng trước (10/2026): tổ không sinh hoạt."
    assert groups[0].latest is None and groups[0].submitted_at is None
    assert (
        form_groups(dataset(), "CB02", MONTH)[0].previous
        == "Tháng trước (10/2026): chưa có báo cáo."
    )


def test_the_latest_entry_of_the_month_is_the_one_the_form_shows():
    rows = [
        [1, "11/2026", "T1", "CB01", date(2026, 11, 12), 7, "Có", "Trữ nước ngọt",
         "Bà con đồng tình", None, datetime(2026, 11, 13, 8, 0), "A-1"],
        [2, "11/2026", "T1", "CB01", date(2026, 11, 12), 9, "Có", "Trữ nước ngọt",
         "Bà con đồng tình", None, datetime(2026, 11, 14, 8, 0), "A-2"],
    ]  # fmt: skip
    groups = form_groups(dataset(entry_book(meetings=rows)), "CB01", MONTH)
    assert groups[0].latest == met("T1", households_present=9).normalized()
    assert groups[0].submitted_at == datetime(2026, 11, 14, 8, 0)
    assert groups[0].previous == "Tháng trước (10/2026): chưa có báo cáo."


def test_topics_follow_their_months_else_the_defaults():
    ds = dataset()
    assert topics_offered(ds, MONTH) == ["Trữ nước ngọt", "Bầu cử đại biểu"]
    assert topics_offered(ds, pd.Period("2026-03", freq="M")) == [
        "Trữ nước ngọt",
        "Phòng chống hạn mặn",
    ]
    raw = entry_book()
    del raw["Chủ đề"]
    assert topics_offered(dataset(raw), MONTH) == list(DEFAULT_TOPICS)


def test_not_meeting_drops_the_meeting_details_and_topics_split_on_semicolons():
    entry = Entry("T1", met=False, meeting_date=date(2026, 11, 2), households_present=3,
                  cadre_attended=True, topics=("a",), situation=" x ")  # fmt: skip
    assert entry.normalized() == Entry("T1", met=False, situation="x")
    assert met(topics=("A; B", " B ", "C\nA")).normalized().topics == ("A", "B", "C")


# -- ids ---------------------------------------------------------------------------------------


def test_a_repeat_resends_the_same_ids_and_anything_new_gets_new_ones():
    memory = FormMemory(display_id="D")
    first = memory.prepare([met("T1"), met("T2")], cadre_id="CB01", month=MONTH, at=NOW)
    assert first.submission_id == "D-1"
    assert [first.row_id(g) for g in ("T1", "T2")] == ["D-1-T1", "D-1-T2"]

    again = memory.prepare([met("T1"), met("T2")], cadre_id="CB01", month=MONTH, at=NOW)
    assert again.submission_id == "D-1"
    assert [again.row_id(g) for g in ("T1", "T2")] == ["D-1-T1", "D-1-T2"]

    fixed = memory.prepare([met("T1", households_present=9), met("T2")],
                           cadre_id="CB01", month=MONTH, at=NOW)  # fmt: skip
    assert fixed.submission_id == "D-2"
    assert [fixed.row_id(g) for g in ("T1", "T2")] == ["D-2-T1", "D-1-T2"]

    back = memory.prepare([met("T1")], cadre_id="CB01", month=MONTH, at=NOW)
    assert back.submission_id == "D-3"
    assert back.row_id("T1") == "D-3-T1"


def test_each_form_display_gets_its_own_id():
    assert FormMemory().display_id != FormMemory().display_id
    assert len(FormMemory().display_id) == 8

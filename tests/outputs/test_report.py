"""The committee's report (month, quarter, six months, year): its content on the hand-made
commune of tests/sheets.py (numbers worked out by hand below). The Word file itself is read
back in test_report_docx.py."""

import dataclasses
from datetime import date, datetime

import pandas as pd
import pytest

from tests.sheets import COMMUNE, cadre, tab
from tothu_core.figures import figures
from tothu_core.outputs.report import (
    HALF,
    MONTH,
    QUARTER,
    YEAR,
    Letterhead,
    Period,
    build_report,
    date_line,
    letterhead_from_settings,
    missing_intro,
    parse_period,
    periods_in,
    proposal_lines,
    report_filename,
    secretary_name,
    signer_name_for,
)
from tothu_core.settings import DEFAULT_RECIPIENTS, Settings, place_of
from tothu_core.sheet.reader import read_dataset

SEPT = pd.Period("2016-09", freq="M")
HYPERLINK = '=HYPERLINK("http://evil.example","Bấm vào đây")'
ISSUED = date(2016, 10, 7)

# Topics, proposals and situations for entries of COMMUNE, by (group, cadre, submitted at).
EXTRA = {
    ("T1", "CB01", "5/10/2016 23:59:59"): ("Trữ nước ngọt\nAn toàn giao thông",
                                           "Đề nghị nạo vét kênh.", "An ninh trật tự ổn định."),
    ("T2", "CB01", "6/10/2016 00:00:00"): ("", "Đề nghị nạo vét kênh", "Tổ trưởng bệnh."),
    ("T2", "CB02", "2/10/2016 09:00"): ("Trữ nước ngọt", HYPERLINK, "An ninh trật tự ổn định"),
    ("T3", "CB03", "1/10/2016 08:00"): ("An toàn giao thông", "Bản đã được sửa lại", "Cũ"),
    ("T3", "CB03", "10/10/2016 08:00"): ("Trữ nước ngọt", "Đề nghị hỗ trợ lu chứa nước.",
                                         "Nhiều hộ vắng sinh hoạt."),
    ("T2", "CB01", "4/9/2016 10:00"): ("", "", "Mưa lớn, tổ dời sinh hoạt."),
    ("T4", "CB02", "20/9/2016 08:00"): ("", "", "Mưa lớn, tổ dời sinh hoạt"),
}  # fmt: skip


def commune_with_texts() -> dict:
    """COMMUNE with topics, proposals and situations on some entries (the first T3 one of
    09/2016 is replaced by a correction)."""
    raw = dict(COMMUNE)
    header, *rows = COMMUNE["Sinh hoạt"]
    extended = []
    for row in rows:
        topics, proposals, situation = EXTRA.get((row[1], row[2], row[6]), ("", "", ""))
        extended.append([*row, topics, proposals, situation])
    raw["Sinh hoạt"] = [header + ["Nội dung tuyên truyền", "Kiến nghị", "Tình hình"], *extended]
    return raw


@pytest.fixture(scope="module")
def ds():
    dataset = read_dataset(commune_with_texts())
    assert dataset.errors == []
    return dataset


# After the deadline of 09/2016 (5/10/2016): the month is closed, the report final.
NOW = datetime(2016, 10, 7, 9, 0)


@pytest.fixture(scope="module")
def report(ds):
    head = Letterhead(number="12", signer="Nguyễn Hoàng Thái")
    return build_report(ds, SEPT, letterhead=head, issued=ISSUED, now=NOW)


@pytest.fixture(scope="module")
def quarter(ds):
    return build_report(ds, Period(QUARTER, 2016, 3), issued=ISSUED, now=NOW)


# --- content ---------------------------------------------------------------------------------


def test_commune_figures_of_september(report):
    f = report.figures
    # Groups T1..T5; T4 has nobody in 09 -> 4 of 5 covered; cadres CB01, CB02, CB03;
    # pairs CB01-T1, CB01-T2, CB02-T2, CB03-T3, CB03-T5 = 5 expected reports, 5/3 = 1.67.
    assert (f.groups, f.groups_covered, f.coverage_pct, f.cadres) == (5, 4, 80.0, 3)
    assert f.average_load == pytest.approx(1.67)
    # Met: T1 (7 of 8), T2 (CB02's entry: 10 of 20), T3 (the correction: 5 of 12).
    assert (f.groups_met, f.meeting_pct) == (3, 60.0)
    assert (f.households_present, f.households, f.attendance_pct) == (22, 40, 55.0)
    # Only T1's cadre attended: 1 of 3 meetings.
    assert (f.cadre_present, f.cadre_presence_pct) == (1, 33.3)
    # Received: T1, T2 x2, T3; on time all but CB01's T2 (6/10 00:00); CB03-T5 missing.
    assert (f.expected, f.received, f.on_time, f.late, f.missing) == (5, 4, 3, 1, 1)
    assert (f.completeness_pct, f.on_time_pct) == (80.0, 60.0)


def test_hamlet_rows_add_up_to_the_commune(report):
    sums = report.hamlets[["groups", "groups_covered", "groups_met", "households",
                           "households_present", "cadre_present", "expected", "received",
                           "on_time"]].sum()  # fmt: skip
    f = report.figures
    assert sums.tolist() == [f.groups, f.groups_covered, f.groups_met, f.households,
                             f.households_present, f.cadre_present, f.expected, f.received,
                             f.on_time]  # fmt: skip


def test_commune_figures_are_the_overview_row(ds, report):
    row = figures.overview(ds, SEPT).iloc[0]
    f = report.figures
    for name in ("groups", "groups_covered", "groups_met", "households", "households_present",
                 "expected", "received", "on_time", "cadres"):  # fmt: skip
        assert getattr(f, name) == row[name], name
    for name in ("coverage_pct", "meeting_pct", "attendance_pct", "completeness_pct",
                 "on_time_pct"):  # fmt: skip
        assert getattr(f, name) == pytest.approx(row[name]), name


def test_previous_month_is_august(report):
    # 08: T1 (6/8), T3 (5/12), T5 (20/30) met: 3 of 5, 31 of 50 households.
    before = report.previous
    assert before.month == SEPT - 1
    assert (before.groups_met, before.meeting_pct, before.attendance_pct) == (3, 60.0, 62.0)


def test_first_month_has_no_previous(ds):
    assert build_report(ds, SEPT - 1, issued=ISSUED).previous is None


def test_hamlet_rows_in_sheet_order(report):
    got = report.hamlets.set_index("hamlet_id")
    assert list(got.index) == ["A1", "A2", "A3"]
    cols = ["groups", "groups_covered", "groups_met", "households", "households_present",
            "cadre_present", "expected", "received", "on_time"]  # fmt: skip
    assert got.loc["A1", cols].tolist() == [3, 3, 3, 40, 22, 1, 4, 4, 3]
    # A2: T5 covered, nothing met; CB03 owes T5's report.
    assert got.loc["A2", cols].tolist() == [2, 1, 0, 0, 0, 0, 1, 0, 0]
    assert got.loc["A3", cols].tolist() == [0, 0, 0, 0, 0, 0, 0, 0, 0]
    assert got.loc["A1", "attendance_pct"] == 55.0
    assert pd.isna(got.loc["A2", "attendance_pct"])


def test_attention_rows_with_reasons(report):
    rows = report.attention[["group_id", "hamlet_name", "reasons"]].values.tolist()
    assert rows == [
        # T3: rated Yếu; 5 of 12 = 41,7 %; met without its cadre in 08 and 09.
        ["T3", "Ấp Mỹ An",
         "Xếp loại Yếu; tỷ lệ hộ dự 41,7\u00a0% (dưới 50\u00a0%); cán bộ phụ trách vắng 02 "
         "tháng liền"],
        # T4: no meeting in 08 nor 09.
        ["T4", "Ấp Bình Hòa", "Không sinh hoạt 02 tháng liền"],
    ]  # fmt: skip


def test_topics_count_groups_that_met(report):
    # Trữ nước ngọt: T1, T2 (CB02), T3 (its correction); An toàn giao thông: T1 only
    # (T3's first entry named it, but the correction counts).
    got = report.topics[["topic", "groups_reached", "reach_pct"]].values.tolist()
    assert got == [["Trữ nước ngọt", 3, 100.0], ["An toàn giao thông", 1, 33.3]]


def test_missing_cadres(report):
    got = report.missing[["cadre_id", "missing", "missing_groups"]].values.tolist()
    assert got == [["CB03", 1, "Tổ T5 – Ấp Bình Hòa"]]


def test_proposals_from_counting_entries_only(report):
    got = report.proposals[["group_id", "cadre_id", "proposals"]].values.tolist()
    assert got == [
        ["T1", "CB01", "Đề nghị nạo vét kênh."],
        ["T2", "CB01", "Đề nghị nạo vét kênh"],
        ["T2", "CB02", HYPERLINK],
        ["T3", "CB03", "Đề nghị hỗ trợ lu chứa nước."],
    ]
    # The same request from two groups is one line naming both.
    assert proposal_lines(report.proposals) == [
        ("Ấp Mỹ An", [
            "Tổ T1, Tổ T2: Đề nghị nạo vét kênh.",
            f"Tổ T2: {HYPERLINK}",
            "Tổ T3: Đề nghị hỗ trợ lu chứa nước.",
        ]),
    ]  # fmt: skip


def test_situations_are_the_counting_entries_notes(report):
    got = report.situations[["group_id", "cadre_id", "situation", "met"]].values.tolist()
    assert got == [
        ["T1", "CB01", "An ninh trật tự ổn định.", True],
        ["T2", "CB01", "Tổ trưởng bệnh.", False],
        ["T2", "CB02", "An ninh trật tự ổn định", True],
        ["T3", "CB03", "Nhiều hộ vắng sinh hoạt.", True],
    ]


def test_summary_sentences(report):
    lines = dict(report.summary)
    assert lines["Phân công cán bộ phụ trách"] == (
        "Toàn xã có 5 tổ nhân dân tự quản ở 3 ấp; 4 tổ có cán bộ phụ trách, đạt 80,0\u00a0%; "
        "3 đồng chí cán bộ, công chức được phân công, bình quân 1,67 tổ/đồng chí; còn 1 tổ "
        "chưa có cán bộ phụ trách."
    )
    assert lines["Sinh hoạt tổ"] == (
        "3/5 tổ sinh hoạt trong tháng, đạt 60,0\u00a0% (08/2016: 60,0\u00a0%); số hộ dự 22/40 "
        "hộ của các tổ có sinh hoạt, đạt 55,0\u00a0% (08/2016: 62,0\u00a0%); cán bộ phụ trách "
        "dự 1/3 buổi sinh hoạt, đạt 33,3\u00a0%."
    )
    assert lines["Báo cáo của cán bộ phụ trách"] == (
        "Phải nộp 5 báo cáo (mỗi tổ phụ trách một báo cáo); đã nộp 4, đạt 80,0\u00a0%; trong "
        "đó đúng hạn (đến hết ngày 05/10/2016) 3, đạt 60,0\u00a0%; nộp trễ 1; chưa nộp 1."
    )
    assert report.title_line == "Kết quả theo dõi, hỗ trợ tổ nhân dân tự quản tháng 9 năm 2016"


def test_a_month_without_groups_still_makes_a_report():
    raw = dict(COMMUNE)
    raw["Tổ"] = COMMUNE["Tổ"][:1]
    raw["Phân công"] = COMMUNE["Phân công"][:1]
    raw["Sinh hoạt"] = COMMUNE["Sinh hoạt"][:1]
    empty = read_dataset(raw)
    report = build_report(empty, SEPT, issued=ISSUED, now=NOW)
    assert report.figures.groups == 0
    assert report.summary == [
        ("Phân công cán bộ phụ trách", "Bảng tính chưa có tổ nhân dân tự quản nào trong tháng này.")
    ]


def test_missing_reports_before_the_deadline_are_still_in_time(report):
    early = dataclasses.replace(report, issued=date(2016, 10, 5))
    late = dataclasses.replace(report, issued=date(2016, 10, 6))
    assert missing_intro(early).startswith("Tính đến ngày 05/10/2016 (còn trong hạn nộp), còn 1")
    assert missing_intro(late).startswith("Tính đến ngày 06/10/2016, còn 1 đồng chí chưa nộp")


def test_an_open_month_is_provisional(ds, report):
    assert report.provisional_note is None
    before = build_report(ds, SEPT, issued=date(2016, 10, 3), now=datetime(2016, 10, 3, 9))
    assert before.open_for_reports
    assert before.provisional_note == (
        "Số liệu tạm tính: tháng 09/2016 còn đang nhận báo cáo (hạn nộp hết ngày 05/10/2016), "
        "các tỷ lệ sẽ còn thay đổi."
    )


# --- quarters, halves, years -----------------------------------------------------------------


def test_a_quarter_adds_its_months_up(quarter):
    # The sheet starts in 08/2016, so quarter III counts 08 and 09 (July has no data at all).
    assert list(quarter.period.months.strftime("%m/%Y")) == ["08/2016", "09/2016"]
    assert quarter.scope_note == "Số liệu tính từ tháng 08/2016, tháng đầu tiên có trong bảng tính."
    f = quarter.figures
    # 08: 5 groups, T1 6/8, T3 5/12, T5 20/30 met (T1, T5 with their cadre); 5 reports, 4 on
    # time (T4's on 20/9 is late). 09: 3 met, 22/40, 1 with the cadre; 4 of 5, 3 on time.
    assert (f.group_months, f.groups_met, f.meeting_pct) == (10, 6, 60.0)
    assert (f.households_present, f.households, f.attendance_pct) == (53, 90, 58.9)
    assert (f.cadre_present, f.cadre_presence_pct) == (3, 50.0)
    assert (f.expected, f.received, f.on_time, f.late, f.missing) == (10, 9, 7, 2, 1)
    assert (f.completeness_pct, f.on_time_pct) == (90.0, 70.0)
    # States are those of the last month: 4 of 5 groups covered in 09, by 3 cadres.
    assert (f.groups, f.groups_covered, f.coverage_pct, f.cadres) == (5, 4, 80.0, 3)
    assert quarter.previous is None, "no data in quarter II"


def test_a_quarter_is_the_sum_of_its_months(ds, quarter):
    months = [build_report(ds, m, now=NOW).figures for m in ("08/2016", "09/2016")]
    for name in ("groups_met", "households", "households_present", "cadre_present", "expected",
                 "received", "on_time"):  # fmt: skip
        assert getattr(quarter.figures, name) == sum(getattr(m, name) for m in months), name
    hamlets = quarter.hamlets.set_index("hamlet_id")
    assert hamlets.loc["A1", ["groups_met", "households", "households_present"]].tolist() == [
        5, 60, 33,
    ]  # fmt: skip
    assert int(hamlets["expected"].sum()) == quarter.figures.expected


def test_quarter_sentences_count_meetings(quarter):
    lines = dict(quarter.summary)
    assert lines["Sinh hoạt tổ"].startswith(
        "Trong quý, các tổ sinh hoạt 6/10 lượt (mỗi tổ mỗi tháng một lượt), đạt 60,0\u00a0%; "
        "số hộ dự 53/90 lượt hộ của các buổi sinh hoạt, đạt 58,9\u00a0%"
    )
    assert lines["Báo cáo của cán bộ phụ trách"].startswith(
        "Phải nộp 10 báo cáo (mỗi tổ phụ trách một báo cáo mỗi tháng); đã nộp 9, đạt 90,0\u00a0%"
    )
    assert quarter.title_line.endswith("quý III năm 2016")
    got = quarter.missing[["cadre_id", "missing", "missing_groups"]].values.tolist()
    assert got == [["CB03", 1, "Tổ T5 – Ấp Bình Hòa (09/2016)"]]
    # Topics over the quarter: reached meetings / all 6 meetings held in the quarter.
    topics = quarter.topics[["topic", "groups_reached", "reach_pct"]].values.tolist()
    assert topics == [["Trữ nước ngọt", 3, 50.0], ["An toàn giao thông", 1, 16.7]]


def test_half_and_year_cover_the_same_months_here(ds, quarter):
    for period in (Period(HALF, 2016, 2), Period(YEAR, 2016)):
        report = build_report(ds, period, now=NOW)
        assert list(report.period.months) == list(quarter.period.months)
        assert report.figures.expected == quarter.figures.expected
    assert build_report(ds, Period(YEAR, 2016), now=NOW).title_line.endswith("năm 2016")


def test_a_period_in_progress_stops_at_the_data(ds):
    report = build_report(ds, Period(QUARTER, 2016, 4), now=NOW)
    # Quarter IV has no month with data: it is not cut, and no report is in it yet
    # (10, 11, 12/2016 each expect CB01-T1, CB02-T2, CB03-T5, CB03-T3 and CB02-T3).
    assert report.period.complete and report.period.since is None
    assert (report.figures.expected, report.figures.received) == (15, 0)
    year = build_report(ds, Period(YEAR, 2016), now=NOW)
    assert not year.period.complete
    assert year.provisional_note.startswith(
        "Số liệu tạm tính: tính đến hết tháng 09/2016 (năm 2016 chưa kết thúc)"
    )


@pytest.mark.parametrize(
    ("kind", "text", "expected", "label", "slug"),
    [
        (MONTH, "11/2026", Period(MONTH, 2026, 11), "tháng 11 năm 2026", "11-2026"),
        (QUARTER, "4/2026", Period(QUARTER, 2026, 4), "quý IV năm 2026", "quy-4-2026"),
        (QUARTER, "IV/2026", Period(QUARTER, 2026, 4), "quý IV năm 2026", "quy-4-2026"),
        (HALF, "1/2026", Period(HALF, 2026, 1), "6 tháng đầu năm 2026", "6-thang-dau-2026"),
        (HALF, "2/2026", Period(HALF, 2026, 2), "6 tháng cuối năm 2026", "6-thang-cuoi-2026"),
        (YEAR, "2026", Period(YEAR, 2026), "năm 2026", "nam-2026"),
    ],
)
def test_periods_are_read_and_named(kind, text, expected, label, slug):
    period = parse_period(kind, text)
    assert period == expected
    assert (period.label, period.slug) == (label, slug)
    assert report_filename(period, ext="docx") == f"bao-cao-to-tu-quan_{slug}.docx"


@pytest.mark.parametrize(
    ("kind", "text"), [(QUARTER, "5/2026"), (HALF, "3/2026"), (YEAR, "26"), (MONTH, "13/2026")]
)
def test_a_bad_period_is_refused_in_words(kind, text):
    with pytest.raises(ValueError, match="không hợp lệ"):
        parse_period(kind, text)


def test_periods_of_the_data_and_what_comes_next(ds):
    assert periods_in(ds, QUARTER) == [Period(QUARTER, 2016, 3)]
    assert periods_in(ds, MONTH) == [Period(MONTH, 2016, 9), Period(MONTH, 2016, 8)]
    assert Period(MONTH, 2016, 1).previous() == Period(MONTH, 2015, 12)
    assert Period(QUARTER, 2016, 1).previous() == Period(QUARTER, 2015, 4)
    assert [Period(k, 2016, 1).next_label for k in (MONTH, QUARTER, HALF, YEAR)] == [
        "tháng tới", "quý tới", "6 tháng cuối năm", "năm 2017",
    ]  # fmt: skip


# --- the date line and the letterhead ---------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (date(2026, 4, 3), "Mỹ Thạnh, ngày 03 tháng 4 năm 2026"),
        (date(2026, 2, 5), "Mỹ Thạnh, ngày 05 tháng 02 năm 2026"),
        (date(2026, 1, 15), "Mỹ Thạnh, ngày 15 tháng 01 năm 2026"),
        (date(2026, 12, 1), "Mỹ Thạnh, ngày 01 tháng 12 năm 2026"),
        (date(2026, 3, 10), "Mỹ Thạnh, ngày 10 tháng 3 năm 2026"),
        (date(2026, 11, 20), "Mỹ Thạnh, ngày 20 tháng 11 năm 2026"),
    ],
)
def test_the_date_line_puts_a_zero_only_where_hd36_does(day, text):
    """HD 36-HD/VPTW: days 1–9 and months 1–2 get a leading zero, nothing else."""
    assert date_line("Mỹ Thạnh", day) == text


@pytest.mark.parametrize(
    ("committee", "place"),
    [
        ("Đảng ủy xã Mỹ Thạnh", "Mỹ Thạnh"),
        ("Đảng uỷ phường An Hội", "An Hội"),
        ("ĐẢNG ỦY THỊ TRẤN Giồng Trôm", "Giồng Trôm"),
        ("Đảng ủy đặc khu Phú Quốc", "Phú Quốc"),
        ("Mỹ Thạnh", "Mỹ Thạnh"),
    ],
)
def test_place_of_committee(committee, place):
    assert place_of(committee) == place


def test_letterhead_from_settings():
    blank = letterhead_from_settings(Settings())
    assert blank.committee == "……" and blank.superior == "" and blank.place == ""
    assert blank.recipients == DEFAULT_RECIPIENTS
    settings = Settings(
        superior_body="Đảng bộ tỉnh Vĩnh Long",
        issuing_body="Đảng ủy xã An Thạnh",
        number_code="BC/ĐU",
        signer_title="Phó Bí thư",
        signing_for="T/M BAN THƯỜNG VỤ",
    )
    head = letterhead_from_settings(settings, number="7", signer=None)
    assert (head.committee, head.superior, head.number, head.place) == (
        "Đảng ủy xã An Thạnh", "Đảng bộ tỉnh Vĩnh Long", "7", "An Thạnh"
    )  # fmt: skip
    assert (head.signing_for, head.signer_title) == ("T/M BAN THƯỜNG VỤ", "Phó Bí thư")
    assert head.number_line == "Số 7-BC/ĐU", "HD 36: no colon after «Số»"
    assert Letterhead().number_line == "Số \u00a0\u00a0\u00a0\u00a0\u00a0\u00a0-BC/ĐU"
    overridden = letterhead_from_settings(settings, committee="Đảng ủy xã Mỹ Thạnh")
    assert (overridden.committee, overridden.place) == ("Đảng ủy xã Mỹ Thạnh", "Mỹ Thạnh")


def test_recipients_end_with_a_comma_and_the_last_with_a_stop():
    head = Letterhead(recipients=("Ban Tuyên giáo và Dân vận Tỉnh ủy (để báo cáo)", "Thường "
                                  "trực Đảng ủy,", "  ", "Lưu Văn phòng Đảng ủy."))  # fmt: skip
    assert head.recipient_lines() == [
        "- Ban Tuyên giáo và Dân vận Tỉnh ủy (để báo cáo),",
        "- Thường trực Đảng ủy,",
        "- Lưu Văn phòng Đảng ủy.",
    ]


def test_the_signer_is_found_by_the_title_of_the_settings():
    raw = dict(COMMUNE)
    raw["Cán bộ"] = tab(
        ["Mã cán bộ", "Họ và tên", "Chức vụ"],
        [cadre("CB01", "Nguyễn Văn An") + ["Phó Bí thư Thường trực Đảng ủy"],
         cadre("CB02", "Trần Thị Bình") + ["Bí thư Đảng ủy - Chủ tịch HĐND xã"],
         cadre("CB03", "Lê Văn Cường") + ["Bí thư Đoàn xã"], cadre("CB04") + [""]],
    )  # fmt: skip
    ds = read_dataset(raw)
    assert secretary_name(ds) == "Trần Thị Bình"
    assert signer_name_for(ds, "Phó Bí thư") == "Nguyễn Văn An"
    assert signer_name_for(ds, "Phó Bí thư Thường trực") == "Nguyễn Văn An"
    head = Letterhead(signer_title="Phó Bí thư")
    assert build_report(ds, SEPT, letterhead=head, now=NOW).signer_name == "Nguyễn Văn An"
    assert build_report(ds, SEPT, now=NOW).signer_name == "Trần Thị Bình"
    assert secretary_name(read_dataset(COMMUNE)) == ""


def test_a_named_signer_wins(report):
    assert report.signer_name == "Nguyễn Hoàng Thái"


def test_the_plan_behind_the_assignments_is_named():
    raw = dict(COMMUNE)
    header, *rows = COMMUNE["Phân công"]
    raw["Phân công"] = [header + ["Căn cứ"]] + [[*r, "KH 08-KH/ĐU ngày 21/7/2025"] for r in rows]
    report = build_report(read_dataset(raw), SEPT, now=NOW)
    assert report.basis == "Kế hoạch số 08-KH/ĐU ngày 21/7/2025"
    assert report.intro.startswith("Thực hiện Kế hoạch số 08-KH/ĐU ngày 21/7/2025 của ……")

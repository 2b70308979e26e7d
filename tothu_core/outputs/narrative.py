"""A first draft of the report's narrative sections, which the office rewrites before signing.

Four texts: the groups' situation as the cadres learned it (the «Tình hình» column, hamlet by
hamlet: knowing each group's situation is the heart of the committee's plan), the strengths,
the shortcomings with their causes, and the tasks for the next period. They are drafted from
the report's figures and notes only, in the plain words a commune office uses, so nothing is
claimed that the sheet does not say. A text is lines: a line starting with "- " is an item,
any other line a paragraph.

Decisions where the contract is silent:
- a note written by several groups is one line with the groups named (most frequent notes
  first when a hamlet has many; the rest is counted, not dropped silently);
- the causes of the shortcomings are the notes of the groups that did not meet (a cadre
  writes why: harvest, rain, the leader ill);
- a rate is called a strength from 80 % of groups meeting, 70 % of households attending,
  80 % of meetings with the cadre and 90 % of reports in; below those it is a shortcoming.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from tothu_core.figures.numbers import vn_decimal, vn_int, vn_percent
from tothu_core.outputs.report import Report, grouped_lines

SECTION_KEYS = ("situation", "strengths", "shortcomings", "tasks")
GOOD_MEETING, GOOD_ATTENDANCE, GOOD_PRESENCE, GOOD_REPORTS = 80.0, 70.0, 80.0, 90.0
NOTES_PER_HAMLET = 8
GROUPS_NAMED = 6
ITEM = "- "


@dataclass(frozen=True)
class Narrative:
    situation: str
    strengths: str
    shortcomings: str
    tasks: str

    def get(self, key: str) -> str:
        return getattr(self, key)


def narrative_of(report: Report) -> Narrative:
    """The office's wording when it gave one, else the draft."""
    return report.narrative if isinstance(report.narrative, Narrative) else draft(report)


def draft(report: Report) -> Narrative:
    return Narrative(
        situation="\n".join(situation_lines(report)),
        strengths="\n".join(strength_lines(report)),
        shortcomings="\n".join(shortcoming_lines(report)),
        tasks="\n".join(task_lines(report)),
    )


def paragraphs(text: str) -> list[tuple[bool, str]]:
    """(is an item, text) for each non-empty line of a narrative section."""
    out = []
    for line in str(text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith(("- ", "+ ", "• ")):
            out.append((True, line[2:].strip()))
        else:
            out.append((False, line))
    return out


# --- the groups' situation ----------------------------------------------------------------


# Words Vietnamese always writes with a capital, even inside a sentence.
_ALWAYS_CAPITAL = ("Đảng", "Nhà nước", "Bác Hồ", "Tết")


def _clause(text: str) -> str:
    """A note as part of a sentence: no closing stop, a lower-case start (not 'VNeID')."""
    text = str(text).strip().rstrip(" .;")
    if (
        len(text) > 1
        and text[0].isupper()
        and text[1].islower()
        and not text.startswith(_ALWAYS_CAPITAL)
    ):
        text = text[0].lower() + text[1:]
    return text


def _groups_text(groups: list[str]) -> str:
    if len(groups) <= GROUPS_NAMED:
        return ", ".join(groups)
    return f"{', '.join(groups[:GROUPS_NAMED])} và {len(groups) - GROUPS_NAMED} tổ khác"


def _notes_sentence(lines, left: int) -> str:
    text = "; ".join(f"{_clause(t)} ({_groups_text(g)})" for g, t in lines)
    if left:
        text += f"; và {vn_int(left)} ý kiến khác trong các báo cáo"
    return text + "."


def situation_lines(report: Report) -> list[str]:
    notes = report.situations
    if notes.empty:
        return [f"Các báo cáo trong {report.period.noun} chưa ghi tình hình tổ."]
    lines = [
        f"Qua dự sinh hoạt, cán bộ phụ trách nắm được tình hình các tổ như sau "
        f"({vn_int(len(notes))} báo cáo có ghi tình hình):"
    ]
    for hamlet, grouped, left in grouped_lines(notes, "situation", limit=NOTES_PER_HAMLET):
        lines.append(f"{ITEM}{hamlet}: {_notes_sentence(grouped, left)}")
    return lines


# --- strengths and shortcomings -------------------------------------------------------------


def _change(report: Report, attribute: str) -> float | None:
    if report.previous is None:
        return None
    now, before = getattr(report.figures, attribute), getattr(report.previous, attribute)
    if pd.isna(now) or pd.isna(before):
        return None
    return round(float(now) - float(before), 1)


def _trend(report: Report, attribute: str) -> str:
    change = _change(report, attribute)
    if not change:
        return ""
    way = "tăng" if change > 0 else "giảm"
    return f", {way} {vn_decimal(abs(change))} điểm % so với {report.previous.period.short}"


def strength_lines(report: Report) -> list[str]:
    f, p = report.figures, report.period
    if f.groups == 0:
        return [f"{ITEM}Chưa có số liệu để đánh giá."]
    lines = []
    if f.groups and f.uncovered == 0:
        lines.append(
            f"{ITEM}Toàn bộ {vn_int(f.groups)} tổ nhân dân tự quản đều có cán bộ phụ trách; "
            f"bình quân {vn_decimal(f.average_load, 2)} tổ/đồng chí (kế hoạch: "
            f"{report.planned_load} tổ)."
        )
    if f.meeting_pct >= GOOD_MEETING:
        lines.append(
            f"{ITEM}Các tổ duy trì sinh hoạt định kỳ: {vn_percent(f.meeting_pct)} "
            f"{'tổ' if p.is_month else 'lượt tổ'} có sinh hoạt{_trend(report, 'meeting_pct')}."
        )
    if f.attendance_pct >= GOOD_ATTENDANCE:
        lines.append(
            f"{ITEM}Nhân dân tham gia sinh hoạt tổ đông: {vn_percent(f.attendance_pct)} số hộ "
            f"dự{_trend(report, 'attendance_pct')}."
        )
    if f.cadre_presence_pct >= GOOD_PRESENCE:
        lines.append(
            f"{ITEM}Cán bộ phụ trách dự {vn_percent(f.cadre_presence_pct)} buổi sinh hoạt, "
            "trực tiếp nắm tình hình và tuyên truyền đến các hộ."
        )
    if f.completeness_pct >= GOOD_REPORTS:
        lines.append(
            f"{ITEM}Cán bộ phụ trách nộp báo cáo đầy đủ ({vn_percent(f.completeness_pct)}), "
            f"đúng hạn {vn_percent(f.on_time_pct)}."
        )
    if len(report.topics):
        top = report.topics.iloc[0]
        lines.append(
            f"{ITEM}Đã tuyên truyền {vn_int(len(report.topics))} nội dung, nhiều nhất là "
            f"«{top['topic']}» ({vn_int(top['groups_reached'])} "
            f"{'tổ' if p.is_month else 'lượt tổ'})."
        )
    if not lines:
        lines.append(
            f"{ITEM}Các đồng chí được phân công đã tham dự, nắm tình hình các tổ; công tác phối "
            "hợp với chi ủy chi bộ ấp bước đầu được thực hiện."
        )
    return lines


def shortcoming_lines(report: Report) -> list[str]:
    f, p = report.figures, report.period
    if f.groups == 0:
        return [f"{ITEM}Chưa có số liệu để đánh giá."]
    lines = []
    if f.uncovered:
        lines.append(f"{ITEM}Còn {vn_int(f.uncovered)} tổ chưa có cán bộ phụ trách.")
    if f.not_met and f.group_months:
        unit = "tổ" if p.is_month else "lượt tổ"
        line = f"{ITEM}Còn {vn_int(f.not_met)} {unit} không sinh hoạt trong {p.noun}"
        if f.meeting_pct < GOOD_MEETING:
            line += f" (chỉ {vn_percent(f.meeting_pct)} có sinh hoạt)"
        causes = _causes(report.situations)
        if causes:
            line += "; nguyên nhân theo báo cáo của cán bộ phụ trách: " + causes
        lines.append(line + ".")
    if f.groups_met and f.attendance_pct < GOOD_ATTENDANCE:
        lines.append(
            f"{ITEM}Tỷ lệ hộ dự sinh hoạt còn thấp ({vn_percent(f.attendance_pct)})"
            f"{_trend(report, 'attendance_pct')}; một số hộ chưa quan tâm sinh hoạt tổ."
        )
    if len(report.attention):
        weak = int(report.attention["reasons"].str.contains("Yếu", regex=False).sum())
        extra = f", trong đó {vn_int(weak)} tổ xếp loại Yếu" if weak else ""
        lines.append(
            f"{ITEM}Có {vn_int(len(report.attention))} tổ cần quan tâm, củng cố{extra} (mục I.7)."
        )
    absent = f.groups_met - f.cadre_present
    if absent > 0 and f.cadre_presence_pct < GOOD_PRESENCE:
        lines.append(
            f"{ITEM}Cán bộ phụ trách chưa dự {vn_int(absent)} buổi sinh hoạt của tổ "
            f"(dự {vn_percent(f.cadre_presence_pct)})."
        )
    if f.missing or f.late:
        parts = []
        if f.missing:
            parts.append(f"còn {vn_int(f.missing)} báo cáo chưa nộp")
        if f.late:
            parts.append(f"{vn_int(f.late)} báo cáo nộp trễ hạn")
        text = "; ".join(parts)
        lines.append(f"{ITEM}{text[0].upper()}{text[1:]} (mục I.8).")
    if not lines:
        lines.append(f"{ITEM}Qua số liệu {p.noun}, chưa thấy tồn tại, hạn chế đáng kể.")
    return lines


def _causes(situations: pd.DataFrame, limit: int = 4) -> str:
    """Why groups did not meet, commune-wide: each note once with the groups ('Tổ 5 (Ấp Mỹ
    Hòa)'), the notes most groups wrote first."""
    quiet = situations[~situations["met"].astype(bool)]
    if quiet.empty:
        return ""
    labels = quiet["group_name"] + " (" + quiet["hamlet_name"].fillna("") + ")"
    keys = quiet["situation"].map(lambda text: str(text).strip().rstrip(" .;").casefold())
    found = []
    for _, same in quiet.assign(label=labels).groupby(keys, sort=False):
        groups = list(dict.fromkeys(same["label"]))
        found.append((len(same), groups, str(same["situation"].iloc[0])))
    found.sort(key=lambda item: -item[0])
    return "; ".join(
        f"{_clause(text)} ({_groups_text(groups)})" for _, groups, text in found[:limit]
    )


# --- tasks ahead -----------------------------------------------------------------------------


def task_lines(report: Report) -> list[str]:
    board = report.letterhead.report_board.strip()
    via = f" qua {board}" if board else ""
    lines = [
        f"{ITEM}Tiếp tục duy trì sinh hoạt tổ nhân dân tự quản định kỳ hằng tháng; cán bộ phụ "
        "trách dự sinh hoạt, nắm tình hình và tuyên truyền đến các hộ."
    ]
    if len(report.attention):
        names = [f"{r.group_name} ({r.hamlet_name})" for r in report.attention.itertuples()]
        lines.append(f"{ITEM}Tập trung củng cố các tổ: {_groups_text(names)}.")
    if report.figures.uncovered:
        lines.append(
            f"{ITEM}Phân công bổ sung cán bộ phụ trách {vn_int(report.figures.uncovered)} tổ "
            "chưa có người phụ trách."
        )
    if report.next_topics:
        topics = "; ".join(f"«{t}»" for t in report.next_topics[:6])
        lines.append(f"{ITEM}Tuyên truyền đến các hộ: {topics}.")
    lines.append(
        f"{ITEM}Đôn đốc cán bộ phụ trách nộp báo cáo tháng về Đảng ủy{via} đúng hạn (chậm nhất "
        f"ngày {report.deadline.day:02d} tháng sau)."
    )
    if len(report.proposals):
        lines.append(
            f"{ITEM}Chuyển các kiến nghị, đề xuất nêu tại mục I.9 đến cơ quan, đơn vị có thẩm "
            "quyền xem xét, giải quyết và thông tin lại cho nhân dân."
        )
    return lines

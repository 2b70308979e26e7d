"""Deterministic demo data shaped like Mỹ Thạnh commune, up to the office's present.

The shape follows the Đảng ủy's own account (Kế hoạch 33-KH/ĐU ngày 21/7/2016): 37 cadres
and civil servants follow 102 self-managed groups in 6 hamlets, about three groups each, and
report every month. The demo is what a new user explores first and what the benchmarks load,
so it must look like a real office's sheet (title rows, an STT column, a few late or missing
reports, a correction or two) and still be free of errors.

It is a sheet of today (the office's clock): the positions and categories (`Loại`) are those
of a commune since 1/7/2025 (no more "người hoạt động không chuyên trách cấp xã"; public
employees, viên chức, of the commune's units); the 2016 plan is only the history of the
assignments, closed when the new commune Party committee's plan took over on 1/8/2025; the
topics are those of their time (the XIV Party Congress, the merged province's first congress,
the 2026 elections) and each is offered only while it was current.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from filelock import FileLock
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from tothu_core.clock import office_now
from tothu_core.sheet import contract
from tothu_core.sheet.sources.workbook import DATE_CELL_FORMAT, DATETIME_CELL_FORMAT

PLAN_START = dt.date(2016, 7, 21)
PLAN_BASIS = "KH 33-KH/ĐU ngày 21/7/2016"
# The merged commune's Party committee (from 1/7/2025) re-issued the assignments in its own plan.
NEW_PLAN_START = dt.date(2025, 8, 1)
NEW_PLAN_BASIS = "KH 08-KH/ĐU ngày 21/7/2025"
# Groups the new plan hands to another cadre, to even out the loads.
_NEW_PLAN_MOVES = 3
COMMUNE_CENTRE = (10.15, 106.45)
DEMO_FILE_NAME = "demo.xlsx"
DATA_DIR_ENV = "TOTHU_DATA_DIR"


_HAMLET_NAMES = ("Ấp Mỹ An", "Ấp Mỹ Hòa", "Ấp Mỹ Lợi", "Ấp Mỹ Thuận", "Ấp Mỹ Phú", "Ấp Mỹ Hưng")
# Groups per hamlet; shuffled per commune, always 102 in all.
_GROUPS_PER_HAMLET = (18, 16, 17, 19, 15, 17)
# How many groups each cadre follows: 2 x 4, 24 x 3, 11 x 2 = 102 over 37 cadres.
_CADRE_LOADS = (4,) * 2 + (3,) * 24 + (2,) * 11

_LEADER_NAMES = {0: "Nguyễn Hoàng Thái", 1: "Phạm Thanh Diễn"}
_ADMIN_INDEX = 13
_LEADER_INDEXES = (0, 1, 2)
_CADRE, _CIVIL, _PUBLIC = contract.CADRE_KINDS
# (position, kind, always a woman): a commune's posts since 1/7/2025, the mass organisations
# under the Fatherland Front, the Party committee's bodies of Quy định 298-QĐ/TW.
_POSITIONS = (
    ("Bí thư Đảng ủy - Chủ tịch HĐND xã", _CADRE, False),
    ("Phó Bí thư Thường trực Đảng ủy", _CADRE, False),
    ("Phó Bí thư Đảng ủy - Chủ tịch UBND xã", _CADRE, False),
    ("Phó Chủ tịch HĐND xã", _CADRE, False),
    ("Phó Chủ tịch UBND xã", _CADRE, False),
    ("Phó Chủ tịch UBND xã", _CADRE, False),
    ("Chủ tịch Ủy ban MTTQ Việt Nam xã", _CADRE, False),
    ("Chủ nhiệm Ủy ban Kiểm tra Đảng ủy", _CADRE, False),
    ("Phó Chủ tịch Ủy ban MTTQ Việt Nam xã - Chủ tịch Hội Liên hiệp Phụ nữ xã", _CADRE, True),
    ("Phó Chủ tịch Ủy ban MTTQ Việt Nam xã - Chủ tịch Hội Nông dân xã", _CADRE, False),
    ("Phó Chủ tịch Ủy ban MTTQ Việt Nam xã - Chủ tịch Hội Cựu chiến binh xã", _CADRE, False),
    ("Phó Chủ tịch Ủy ban MTTQ Việt Nam xã - Bí thư Đoàn xã", _CADRE, False),
    ("Trưởng Ban Xây dựng Đảng Đảng ủy", _CADRE, False),
    ("Chuyên viên Văn phòng Đảng ủy", _CIVIL, False),
    ("Chánh Văn phòng Đảng ủy", _CIVIL, False),
    ("Phó Trưởng Ban Xây dựng Đảng Đảng ủy", _CIVIL, False),
    ("Chuyên viên Ban Xây dựng Đảng Đảng ủy", _CIVIL, False),
    ("Chuyên viên Ban Xây dựng Đảng Đảng ủy", _CIVIL, False),
    ("Phó Chủ nhiệm Ủy ban Kiểm tra Đảng ủy", _CIVIL, False),
    ("Chánh Văn phòng HĐND và UBND xã", _CIVIL, False),
    ("Chuyên viên Văn phòng HĐND và UBND xã", _CIVIL, False),
    ("Chuyên viên Văn phòng HĐND và UBND xã", _CIVIL, False),
    ("Trưởng phòng Kinh tế xã", _CIVIL, False),
    ("Chuyên viên phòng Kinh tế xã", _CIVIL, False),
    ("Chuyên viên phòng Kinh tế xã", _CIVIL, False),
    ("Trưởng phòng Văn hóa - Xã hội xã", _CIVIL, False),
    ("Chuyên viên phòng Văn hóa - Xã hội xã", _CIVIL, False),
    ("Chuyên viên phòng Văn hóa - Xã hội xã", _CIVIL, False),
    ("Chỉ huy trưởng Ban Chỉ huy Quân sự xã", _CIVIL, False),
    ("Phó Chỉ huy trưởng Ban Chỉ huy Quân sự xã", _CIVIL, False),
    ("Giám đốc Trung tâm Phục vụ hành chính công xã", _PUBLIC, False),
    ("Viên chức Trung tâm Phục vụ hành chính công xã", _PUBLIC, False),
    ("Viên chức Trung tâm Phục vụ hành chính công xã", _PUBLIC, False),
    ("Viên chức Trạm Y tế xã", _PUBLIC, False),
    ("Viên chức Trạm Y tế xã", _PUBLIC, False),
    ("Viên chức Trung tâm Dịch vụ tổng hợp xã", _PUBLIC, False),
    ("Viên chức Trung tâm Dịch vụ tổng hợp xã", _PUBLIC, False),
)

# Family names with their rough weight in the Mekong delta; names are "family middle given".
_FAMILY_NAMES = {
    "Nguyễn": 30,
    "Trần": 10,
    "Lê": 9,
    "Phạm": 6,
    "Huỳnh": 6,
    "Võ": 6,
    "Phan": 4,
    "Trương": 3,
    "Hồ": 3,
    "Đặng": 2,
    "Bùi": 2,
    "Đỗ": 2,
    "Ngô": 2,
    "Dương": 2,
    "Lý": 2,
    "Đoàn": 2,
    "Lâm": 2,
    "Châu": 2,
    "Tô": 1,
    "Mai": 1,
}
_MALE_MIDDLE = (
    *("Văn", "Văn", "Văn", "Thanh", "Minh", "Hoàng", "Hữu", "Quốc", "Công", "Tấn"),
    *("Phước", "Ngọc"),
)
_MALE_GIVEN = (
    *("Hùng", "Dũng", "Tâm", "Phúc", "Thành", "Tài", "Nghĩa", "Hiếu", "Trung", "Bình"),
    *("An", "Sang", "Tuấn", "Kiệt", "Lộc", "Vinh", "Hòa", "Sơn", "Khánh", "Tú", "Thắng"),
    *("Lợi", "Phong", "Nhân", "Đức", "Quang", "Hải", "Long", "Toàn", "Trí", "Nhựt", "Hậu"),
    *("Thiện", "Phát"),
)
_FEMALE_MIDDLE = ("Thị", "Thị", "Thị", "Thị Kim", "Thị Ngọc", "Thị Thanh", "Ngọc", "Thị Mỹ")
_FEMALE_GIVEN = (
    *("Hoa", "Lan", "Phương", "Hạnh", "Nhung", "Thảo", "Trang", "Hương", "Mai", "Loan"),
    *("Hằng", "Nga", "Thủy", "Diễm", "Xuân", "Yến", "Hồng", "Liên", "Tuyết", "Ngân"),
    *("Dung", "Cúc"),
)

# Xếp loại, as indexes into contract.RATINGS.
_GOOD, _FAIR, _AVERAGE, _WEAK = range(4)
_MEET_PROBABILITY = np.array([0.96, 0.94, 0.86, 0.62])
_ATTEND_LOW = np.array([0.72, 0.65, 0.60, 0.30])
_ATTEND_HIGH = np.array([0.95, 0.90, 0.80, 0.55])
_CADRE_PRESENT_PROBABILITY = np.array([0.93, 0.90, 0.85, 0.75])
_MISSING_SHARE = 0.04
_LATE_SHARE = 0.10
# Some cadres report right after the meeting, so the running month is not empty.
_EARLY_SHARE = 0.12
_CORRECTION_SHARE = 0.015
_PROPOSAL_SHARE = 0.35
_WORDY_MONTH_SHARE = 0.03

_SITUATION_MET = (
    "Tổ sinh hoạt đúng định kỳ, các hộ tham dự đầy đủ.",
    "Tình hình an ninh trật tự trong tổ ổn định.",
    "Một số hộ thiếu nước ngọt sinh hoạt trong mùa khô.",
    "Người dân phấn khởi, đồng tình với chủ trương của địa phương.",
    "Một số hộ đi làm ăn xa nên vắng sinh hoạt.",
    "Tổ trưởng nhiệt tình, nắm chắc tình hình các hộ.",
    "Có hộ nghèo cần hỗ trợ vốn sản xuất.",
    "Người dân phản ánh đường giao thông nông thôn xuống cấp.",
    "Nhân dân tích cực tham gia các phong trào thi đua của xã.",
    "Còn vài hộ chưa tham gia bảo hiểm y tế.",
    "Các hộ đã chuẩn bị lu, bồn trữ nước ngọt.",
    "Bà con chuyển đổi sang trồng dừa xen ca cao, bước đầu có hiệu quả.",
)
_SITUATION_WEAK = (
    "Sinh hoạt chưa đều, nhiều hộ vắng mặt.",
    "Tổ trưởng lớn tuổi, cần kiện toàn lại tổ.",
    "Nhiều hộ chưa quan tâm sinh hoạt tổ, cần vận động thêm.",
    "Nội dung sinh hoạt còn đơn điệu, chưa thu hút người dân.",
)
_SITUATION_NOT_MET = (
    "Tổ chưa tổ chức sinh hoạt do người dân bận thu hoạch.",
    "Tổ trưởng bệnh, dời sinh hoạt sang tháng sau.",
    "Không sinh hoạt được do trùng lịch họp ấp.",
    "Mưa lớn kéo dài, tổ dời sinh hoạt.",
)
_PROPOSALS = (
    "Đề nghị hỗ trợ lu, bồn chứa nước ngọt cho hộ nghèo.",
    "Đề nghị sửa chữa đoạn đường liên ấp bị sạt lở.",
    "Đề nghị lắp thêm đèn chiếu sáng đường ấp.",
    "Đề nghị hỗ trợ vốn vay cho hộ cận nghèo.",
    "Đề nghị phun thuốc diệt muỗi phòng sốt xuất huyết.",
    "Đề nghị kiện toàn tổ trưởng.",
    "Đề nghị nạo vét kênh mương nội đồng.",
    "Đề nghị tập huấn kỹ thuật chăm sóc dừa cho bà con.",
)

_TITLE_CADRES = "DANH SÁCH CÁN BỘ PHỤ TRÁCH TỔ NHÂN DÂN TỰ QUẢN"
_TITLE_GROUPS = "DANH SÁCH TỔ NHÂN DÂN TỰ QUẢN"
_SUBTITLE_GROUPS = "(Kèm theo Kế hoạch số {plan} của Đảng ủy xã)"
_TITLE_ASSIGNMENTS = "PHÂN CÔNG CÁN BỘ THEO DÕI, HỖ TRỢ TỔ NHÂN DÂN TỰ QUẢN"

_MONTH_TEXT = re.compile(r"^\s*(\d{1,2})\s*/\s*(\d{4})\s*$")


@dataclass
class _Commune:
    """One commune's structure, rows already in the contract's column order."""

    hamlets: list[list] = field(default_factory=list)
    cadres: list[list] = field(default_factory=list)
    groups: list[list] = field(default_factory=list)
    assignments: list[list] = field(default_factory=list)
    group_households: dict[str, int] = field(default_factory=dict)
    group_rating: dict[str, int] = field(default_factory=dict)
    #: the plan in force at the window's end ("33-KH/ĐU ngày 21/7/2016")
    plan: str = PLAN_BASIS.removeprefix("KH ")


def generate_workbook(
    *,
    communes: int = 1,
    months: int = 24,
    end_month: str | None = None,
    today: dt.date | None = None,
    seed: int = 2016,
) -> dict[str, list[list]]:
    """Every tab of the demo workbook, {tab title: rows}; same arguments give the same rows.

    `end_month` ("MM/YYYY") is the last reported month (default: today's); entries whose
    submission would fall after `today` (default: the office's date) are left out, as they
    were not submitted yet.
    """
    if communes < 1 or months < 1:
        raise ValueError("communes and months must be at least 1")
    today = today or office_now().date()
    last = _parse_month(end_month) if end_month else today.year * 12 + today.month - 1
    window = np.arange(last - months + 1, last + 1)

    built = []
    for index in range(communes):
        prefix = f"X{index + 1:03d}-" if communes > 1 else ""
        rng = np.random.default_rng([seed, index])
        built.append(_build_commune(rng, prefix, index, communes, window))

    topics = _topics(window)
    entries = _entries(built, topics, window, today, np.random.default_rng([seed, 10**6]), seed)
    return {
        contract.HAMLETS.name: _hamlet_tab(built),
        contract.CADRES.name: _cadre_tab(built),
        contract.GROUPS.name: _group_tab(built),
        contract.ASSIGNMENTS.name: _assignment_tab(built),
        contract.MEETINGS.name: [list(contract.MEETINGS.headers.values()), *entries],
        contract.TOPICS.name: _topic_tab(topics),
    }


def write_workbook(book: dict[str, list[list]], path: str | os.PathLike) -> Path:
    """Write {tab: rows} as .xlsx in openpyxl's streaming mode (fast at province scale)."""
    path = Path(path)
    workbook = Workbook(write_only=True)
    for title, rows in book.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append([_write_only_cell(sheet, value) for value in row])
    workbook.save(path)
    return path


def default_demo_path() -> Path:
    """`$TOTHU_DATA_DIR/demo.xlsx`, else `.data/demo.xlsx` beside the tothu_core package."""
    folder = os.environ.get(DATA_DIR_ENV)
    base = Path(folder) if folder else Path(__file__).resolve().parent.parent / ".data"
    return base / DEMO_FILE_NAME


def ensure_demo_workbook(path: Path | None = None) -> Path:
    """Create the demo workbook once; a half-written file never takes its place."""
    path = Path(path) if path else default_demo_path()
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(path) + ".lock"):
        if path.exists():
            return path
        handle, temp_name = tempfile.mkstemp(dir=path.parent, prefix=".demo-", suffix=".xlsx")
        os.close(handle)
        try:
            write_workbook(generate_workbook(), temp_name)
            os.replace(temp_name, path)
        finally:
            if os.path.exists(temp_name):
                os.remove(temp_name)
    return path


def _write_only_cell(sheet, value):
    """Dates get a day-first format; text starting with '=' stays text, never a formula."""
    if isinstance(value, dt.date):
        cell = WriteOnlyCell(sheet, value)
        is_datetime = isinstance(value, dt.datetime)
        cell.number_format = DATETIME_CELL_FORMAT if is_datetime else DATE_CELL_FORMAT
        return cell
    if isinstance(value, str) and value.startswith("="):
        cell = WriteOnlyCell(sheet, value)
        cell.data_type = "s"
        return cell
    return value


def _parse_month(text: str) -> int:
    match = _MONTH_TEXT.match(text)
    if not match or not 1 <= int(match[1]) <= 12:
        raise ValueError(f"end_month must look like MM/YYYY, got {text!r}")
    return int(match[2]) * 12 + int(match[1]) - 1


def _month_first_day(month: int) -> dt.date:
    return dt.date(month // 12, month % 12 + 1, 1)


def _month_of(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def _names(rng: np.random.Generator, count: int, *, women_share: float = 0.35) -> list[str]:
    families = list(_FAMILY_NAMES)
    weights = np.array(list(_FAMILY_NAMES.values()), dtype=float)
    family = rng.choice(len(families), size=count, p=weights / weights.sum())
    is_woman = rng.random(count) < women_share
    pick = rng.random((count, 2))
    names = []
    for i in range(count):
        middles, givens = (
            (_FEMALE_MIDDLE, _FEMALE_GIVEN) if is_woman[i] else (_MALE_MIDDLE, _MALE_GIVEN)
        )
        middle = middles[int(pick[i, 0] * len(middles))]
        given = givens[int(pick[i, 1] * len(givens))]
        names.append(f"{families[family[i]]} {middle} {given}")
    return names


def _unique_names(rng: np.random.Generator, women: list[bool], *, taken: set[str]) -> list[str]:
    """Cadre names: unique within a commune, so nobody picks the wrong person in a list."""
    chosen: list[str] = []
    for is_woman in women:
        name = _names(rng, 1, women_share=float(is_woman))[0]
        while name in taken or name in chosen:
            name = _names(rng, 1, women_share=float(is_woman))[0]
        chosen.append(name)
    return chosen


def _build_commune(
    rng: np.random.Generator, prefix: str, index: int, communes: int, window: np.ndarray
) -> _Commune:
    commune = _Commune()
    suffix = f" ({prefix[:-1]})" if prefix else ""
    hamlet_ids = [f"{prefix}A{h + 1}" for h in range(len(_HAMLET_NAMES))]
    for stt, (hamlet_id, name, secretary) in enumerate(
        zip(hamlet_ids, _HAMLET_NAMES, _names(rng, len(_HAMLET_NAMES)), strict=True), start=1
    ):
        commune.hamlets.append([stt, hamlet_id, name + suffix, secretary])

    _add_cadres(commune, rng, prefix)
    _add_groups(commune, rng, prefix, hamlet_ids, _commune_centre(index, communes))
    _add_assignments(commune, rng, window, jitter=communes > 1)
    return commune


def _add_cadres(commune: _Commune, rng: np.random.Generator, prefix: str) -> None:
    women = [always or rng.random() < 0.3 for _, _, always in _POSITIONS]
    names = _unique_names(rng, women, taken=set(_LEADER_NAMES.values()))
    for index, leader in _LEADER_NAMES.items():
        names[index] = leader
    phones = rng.integers(10**7, 10**8, size=len(_POSITIONS))
    for i, ((position, kind, _), name) in enumerate(zip(_POSITIONS, names, strict=True)):
        cadre_id = f"{prefix}CB{i + 1:02d}"
        if i in _LEADER_INDEXES:
            role = contract.ROLE_LEADER
        elif i == _ADMIN_INDEX:
            role = contract.ROLE_ADMIN
        else:
            role = contract.ROLE_CADRE
        email = f"{cadre_id.lower()}@mythanh.example"
        commune.cadres.append(
            [i + 1, cadre_id, name, position, kind, f"09{phones[i]:08d}", email, role]
        )


def _commune_centre(index: int, communes: int) -> tuple[float, float]:
    """Communes of a district or province laid out on a grid around the commune's centre."""
    columns = math.ceil(math.sqrt(communes))
    rows = math.ceil(communes / columns)
    row, column = divmod(index, columns)
    step = 0.06
    return (
        COMMUNE_CENTRE[0] + (row - (rows - 1) / 2) * step,
        COMMUNE_CENTRE[1] + (column - (columns - 1) / 2) * step,
    )


def _add_groups(
    commune: _Commune,
    rng: np.random.Generator,
    prefix: str,
    hamlet_ids: list[str],
    centre: tuple[float, float],
) -> None:
    per_hamlet = rng.permutation(_GROUPS_PER_HAMLET)
    total = int(per_hamlet.sum())
    ratings = np.full(total, _GOOD)
    order = rng.permutation(total)
    weak = int(rng.integers(4, 7))
    average = int(rng.integers(9, 15))
    fair = int((total - weak - average) * 0.45)
    ratings[order[:weak]] = _WEAK
    ratings[order[weak : weak + average]] = _AVERAGE
    ratings[order[weak + average : weak + average + fair]] = _FAIR
    households = rng.integers(25, 61, size=total)
    leaders = _names(rng, total, women_share=0.25)

    angles = np.arange(len(hamlet_ids)) * 2 * np.pi / len(hamlet_ids) + rng.uniform(-0.3, 0.3)
    radius = rng.uniform(0.012, 0.02, size=len(hamlet_ids))
    spread = rng.normal(0.0, 0.0035, size=(total, 2))

    number = 0
    for h, (hamlet_id, count) in enumerate(zip(hamlet_ids, per_hamlet, strict=True)):
        lat0 = centre[0] + radius[h] * np.sin(angles[h])
        lon0 = centre[1] + radius[h] * np.cos(angles[h])
        for within in range(int(count)):
            group_id = f"{prefix}T{number + 1:03d}"
            commune.groups.append(
                [
                    number + 1,
                    group_id,
                    f"Tổ {within + 1}",
                    hamlet_id,
                    leaders[number],
                    int(households[number]),
                    contract.RATINGS[ratings[number]],
                    round(float(lat0 + spread[number, 0]), 6),
                    round(float(lon0 + spread[number, 1]), 6),
                ]
            )
            commune.group_households[group_id] = int(households[number])
            commune.group_rating[group_id] = int(ratings[number])
            number += 1


def _add_assignments(
    commune: _Commune, rng: np.random.Generator, window: np.ndarray, *, jitter: bool
) -> None:
    """Each cadre takes a run of neighbouring groups; leaders carry a lighter load.

    The 2016 plan's rows are the first assignments. When the window reaches August 2025, the
    new commune Party committee's plan closes every open row on 31/7/2025 and opens it again
    under its own basis (the same cadre for most groups, so no handover shows for them), a
    few groups going to cadres with lighter loads. Two or three decisions (QĐ) hand a group
    over inside the window, under whichever plan is in force.
    """
    cadre_ids = [row[1] for row in commune.cadres]
    group_ids = [row[1] for row in commune.groups]
    loads = list(_CADRE_LOADS)
    light = [i for i, load in enumerate(loads) if load == 2][: len(_LEADER_INDEXES)]
    rest = [i for i in range(len(loads)) if i not in light]
    others = [i for i in range(len(cadre_ids)) if i not in _LEADER_INDEXES]
    shuffled = [loads[i] for i in rng.permutation(rest)]
    cadre_load = dict.fromkeys(_LEADER_INDEXES, 2) | dict(zip(others, shuffled, strict=True))

    walk = list(rng.permutation(len(cadre_ids)))
    owner: dict[str, int] = {}
    position = 0
    for cadre in walk:
        for group_id in group_ids[position : position + cadre_load[cadre]]:
            owner[group_id] = int(cadre)
        position += cadre_load[cadre]

    current = {
        group_id: [cadre_ids[cadre], group_id, PLAN_START, None, PLAN_BASIS]
        for group_id, cadre in owner.items()
    }
    rows = sorted(current.values(), key=lambda r: (r[0], r[1]))

    def hand_over(group_id: str, new_cadre: int, effective: dt.date, basis: str) -> None:
        cadre_load[owner[group_id]] -= 1
        cadre_load[new_cadre] += 1
        owner[group_id] = new_cadre
        current[group_id][3] = effective - dt.timedelta(days=1)
        current[group_id] = [cadre_ids[new_cadre], group_id, effective, None, basis]
        rows.append(current[group_id])

    switch = _month_of(NEW_PLAN_START)
    new_plan = int(window[-1]) >= switch
    decisions = _reassignment_dates(rng, window, jitter=jitter)
    events = [(effective, decision) for effective, decision in decisions
              if not new_plan or _month_of(effective) != switch]  # fmt: skip
    if new_plan:
        events.append((NEW_PLAN_START, None))
    for effective, decision in sorted(events, key=lambda e: e[0]):
        if decision is None:
            _new_plan(commune, rng, current, rows, owner, cadre_load, others, hand_over)
            continue
        movable = [g for g, c in owner.items() if cadre_load[c] >= 3 and c not in _LEADER_INDEXES]
        receivers = [c for c in others if cadre_load[c] == 2]
        if not movable or not receivers:
            break
        group_id = movable[int(rng.integers(len(movable)))]
        new_cadre = receivers[int(rng.integers(len(receivers)))]
        number = int(rng.integers(20, 180))
        basis = f"QĐ {number}-QĐ/ĐU ngày {decision.day}/{decision.month}/{decision.year}"
        hand_over(group_id, new_cadre, effective, basis)
    commune.assignments = rows


def _new_plan(commune, rng, current, rows, owner, cadre_load, others, hand_over) -> None:
    """The new plan re-issues every open assignment from NEW_PLAN_START under its basis."""
    heavy = sorted(g for g, c in owner.items() if cadre_load[c] >= 4)
    moved = [heavy[int(i)] for i in rng.permutation(len(heavy))[:_NEW_PLAN_MOVES]]
    for group_id in sorted(current):
        if group_id in moved:
            receivers = [c for c in others if cadre_load[c] <= 2 and c != owner[group_id]]
            if receivers:
                new_cadre = receivers[int(rng.integers(len(receivers)))]
                hand_over(group_id, new_cadre, NEW_PLAN_START, NEW_PLAN_BASIS)
                continue
        old = current[group_id]
        old[3] = NEW_PLAN_START - dt.timedelta(days=1)
        current[group_id] = [old[0], group_id, NEW_PLAN_START, None, NEW_PLAN_BASIS]
        rows.append(current[group_id])
    commune.plan = NEW_PLAN_BASIS.removeprefix("KH ")


def _reassignment_dates(
    rng: np.random.Generator, window: np.ndarray, *, jitter: bool
) -> list[tuple[dt.date, dt.date]]:
    """Two or three decisions, taking effect on the 1st of a month inside the window."""
    count = int(rng.integers(2, 4))
    first, last = int(window[0]), int(window[-1])
    earliest = _month_of(PLAN_START) + 1
    months: list[int] = []
    for share in (0.3, 0.55, 0.8)[:count]:
        month = first + round(share * (last - first))
        if jitter:
            month += int(rng.integers(-2, 3))
        month = max(month, earliest)
        if month <= last and month not in months:
            months.append(month)
    dates = []
    for month in sorted(months):
        effective = _month_first_day(month)
        dates.append((effective, effective - dt.timedelta(days=int(rng.integers(3, 13)))))
    return dates


def _month_number(year: int, month: int) -> int:
    return year * 12 + month - 1


def _topics(window: np.ndarray) -> list[tuple[str, int | None, int | None]]:
    """The topics of their time that the window meets, and the last two dry seasons.

    Each topic is offered from the month it became current to the month it stopped being
    so (the Bến Tre province campaigns end with the merger into Vĩnh Long on 1/7/2025).
    """
    plan = _month_of(PLAN_START)
    first, last = int(window[0]), int(window[-1])
    merged = _month_number(2025, 6)
    # The dry season runs December to May; take the two latest that have begun.
    latest_season = last // 12 if last % 12 == 11 else last // 12 - 1
    topics: list[tuple[str, int | None, int | None]] = [
        ("Trữ nước ngọt phục vụ sinh hoạt và sản xuất", None, None),
        ("Chủ trương của Đảng, chính sách pháp luật của Nhà nước", None, None),
        (
            "Chỉ thị 16 của Ban Thường vụ Tỉnh ủy, phong trào thi đua “Đồng khởi mới”",
            plan,
            merged,
        ),
        ("Phong trào “Đồng khởi khởi nghiệp thoát nghèo bền vững”", plan, merged),
        ("Nghị quyết Đại hội XII của Đảng bộ Tỉnh", plan, _month_number(2020, 9)),
        (
            "Sắp xếp đơn vị hành chính, vận hành chính quyền địa phương hai cấp",
            _month_number(2025, 5),
            _month_number(2025, 12),
        ),
        (
            "Nghị quyết Đại hội đại biểu Đảng bộ xã lần thứ I, nhiệm kỳ 2025-2030",
            _month_number(2025, 9),
            None,
        ),
        (
            "Nghị quyết Đại hội đại biểu Đảng bộ tỉnh Vĩnh Long lần thứ I, nhiệm kỳ 2025-2030",
            _month_number(2025, 11),
            None,
        ),
        (
            "Bầu cử đại biểu Quốc hội khóa XVI và đại biểu HĐND các cấp nhiệm kỳ 2026-2031",
            _month_number(2026, 1),
            _month_number(2026, 3),
        ),
        (
            "Nghị quyết Đại hội đại biểu toàn quốc lần thứ XIV của Đảng",
            _month_number(2026, 2),
            None,
        ),
        ("An toàn giao thông", None, None),
        ("Phòng chống dịch bệnh (sốt xuất huyết, tay chân miệng)", None, None),
        ("Phòng chống tội phạm, tệ nạn xã hội", None, None),
        ("Xây dựng nông thôn mới", None, None),
    ]
    for year in (latest_season - 1, latest_season):
        season = f"Phòng chống hạn mặn mùa khô {year}-{year + 1}"
        topics.append((season, year * 12 + 11, (year + 1) * 12 + 4))
    return [
        (name, start, end)
        for name, start, end in topics
        if (start is None or start <= last) and (end is None or end >= first)
    ]


def _topic_combinations(
    rng: np.random.Generator, topics: list[tuple[str, int | None, int | None]], window, per: int
) -> np.ndarray:
    """For each month, `per` believable topic lists among the topics offered that month."""
    combos = np.empty((len(window), per), dtype=object)
    for m, month in enumerate(window):
        offered = [
            i
            for i, (_, start, end) in enumerate(topics)
            if (start is None or start <= month) and (end is None or month <= end)
        ]
        sizes = rng.choice([1, 2, 3], size=per, p=[0.35, 0.45, 0.2])
        for c in range(per):
            picked = sorted(rng.choice(offered, size=min(sizes[c], len(offered)), replace=False))
            combos[m, c] = "; ".join(topics[i][0] for i in picked)
    return combos


def _entries(
    built: list[_Commune],
    topics: list[tuple[str, int | None, int | None]],
    window: np.ndarray,
    today: dt.date,
    rng: np.random.Generator,
    seed: int,
) -> list[list]:
    """One report per assigned (cadre, group) and month, drawn for all pairs at once."""
    cadre_ids, group_ids, households, ratings, starts, ends, start_days = [], [], [], [], [], [], []
    for commune in built:
        for cadre_id, group_id, start, end, _ in commune.assignments:
            cadre_ids.append(cadre_id)
            group_ids.append(group_id)
            households.append(commune.group_households[group_id])
            ratings.append(commune.group_rating[group_id])
            starts.append(_month_of(start))
            ends.append(_month_of(end) if end else 10**6)
            start_days.append(start.day)

    starts_arr, ends_arr = np.array(starts), np.array(ends)
    active = (starts_arr[:, None] <= window[None, :]) & (window[None, :] <= ends_arr[:, None])
    pair, month_pos = np.nonzero(active)
    month = window[month_pos]
    size = len(pair)
    hh = np.array(households)[pair]
    rating = np.array(ratings)[pair]

    month_start = (month - 1970 * 12).astype("datetime64[M]").astype("datetime64[D]")
    next_month = (month + 1 - 1970 * 12).astype("datetime64[M]").astype("datetime64[D]")
    days_in_month = (next_month - month_start).astype(int)
    low_day = np.where(month == np.array(starts)[pair], np.array(start_days)[pair], 1)
    meeting_day = low_day + (rng.random(size) * (days_in_month - low_day + 1)).astype(int)
    meeting_date = month_start + (meeting_day - 1).astype("timedelta64[D]")

    met = rng.random(size) < _MEET_PROBABILITY[rating]
    band = _ATTEND_HIGH[rating] - _ATTEND_LOW[rating]
    present = np.clip(np.rint((_ATTEND_LOW[rating] + rng.random(size) * band) * hh), 1, hh)
    present = present.astype(int)
    cadre_came = rng.random(size) < _CADRE_PRESENT_PROBABILITY[rating]

    combos = _topic_combinations(rng, topics, window, per=24)
    topic_text = combos[month_pos, rng.integers(0, combos.shape[1], size)]
    situation = np.where(
        rating == _WEAK,
        np.array(_SITUATION_WEAK, dtype=object)[rng.integers(0, len(_SITUATION_WEAK), size)],
        np.array(_SITUATION_MET, dtype=object)[rng.integers(0, len(_SITUATION_MET), size)],
    )
    not_met_text = np.array(_SITUATION_NOT_MET, dtype=object)
    situation = np.where(met, situation, not_met_text[rng.integers(0, len(not_met_text), size)])
    proposal = np.where(
        rng.random(size) < _PROPOSAL_SHARE,
        np.array(_PROPOSALS, dtype=object)[rng.integers(0, len(_PROPOSALS), size)],
        None,
    )

    fate = rng.random(size)
    late = (fate >= _MISSING_SHARE) & (fate < _MISSING_SHARE + _LATE_SHARE)
    early = met & (fate >= 1 - _EARLY_SHARE)
    submit_day = np.where(late, rng.integers(6, 21, size), rng.integers(1, 6, size))
    seconds = rng.integers(7 * 3600, 22 * 3600, size).astype("timedelta64[s]")
    submitted = (
        np.where(
            early,
            meeting_date.astype("datetime64[s]")
            + rng.integers(0, 3, size).astype("timedelta64[D]"),
            next_month.astype("datetime64[s]") + (submit_day - 1).astype("timedelta64[D]"),
        )
        + seconds
    )
    wordy = rng.random(size) < _WORDY_MONTH_SHARE

    fix_delay = rng.integers(86400, 4 * 86400, size).astype("timedelta64[s]")
    # A correction re-counts the households present, within the same band.
    fix_present = np.clip(np.rint((_ATTEND_LOW[rating] + rng.random(size) * band) * hh), 1, hh)
    fixed = rng.random(size) < _CORRECTION_SHARE

    cutoff = np.datetime64(today + dt.timedelta(days=1), "s")
    keep = (fate >= _MISSING_SHARE) & (submitted < cutoff)
    again = keep & fixed & met & (submitted + fix_delay < cutoff)
    rows = np.concatenate([np.nonzero(keep)[0], np.nonzero(again)[0]])
    is_fix = np.concatenate([np.zeros(keep.sum(), bool), np.ones(again.sum(), bool)])
    when = np.where(is_fix, submitted[rows] + fix_delay[rows], submitted[rows])
    order = np.argsort(when, kind="stable")
    rows, is_fix, when = rows[order], is_fix[order], when[order]

    month_text = _month_texts(month[rows], wordy[rows])
    met_r = met[rows]
    present_r = np.where(is_fix, fix_present[rows], present[rows]).astype(int).astype(object)
    present_r[~met_r] = None
    date_r = meeting_date[rows].astype(object)
    date_r[~met_r] = None
    came_r = np.where(cadre_came[rows], "Có", "Không").astype(object)
    came_r[~met_r] = None
    topic_r = topic_text[rows].copy()
    topic_r[~met_r] = None
    ids = _submission_ids(len(rows), seed)
    columns = (
        month_text,
        np.array(group_ids, dtype=object)[pair[rows]],
        np.array(cadre_ids, dtype=object)[pair[rows]],
        date_r,
        present_r,
        came_r,
        topic_r,
        situation[rows],
        proposal[rows],
        when.astype(object),
        ids,
    )
    return [list(row) for row in zip(*(c.tolist() for c in columns), strict=True)]


def _month_texts(months: np.ndarray, wordy: np.ndarray) -> np.ndarray:
    """Mostly "09/2016", now and then "Tháng 9/2016" as some clerks write it."""
    unique, inverse = np.unique(months, return_inverse=True)
    plain = np.array([f"{m % 12 + 1:02d}/{m // 12}" for m in unique], dtype=object)
    spoken = np.array([f"Tháng {m % 12 + 1}/{m // 12}" for m in unique], dtype=object)
    return np.where(wordy, spoken[inverse], plain[inverse])


def _submission_ids(count: int, seed: int) -> np.ndarray:
    """Unique, random-looking form ids: an odd multiplier is a bijection modulo 2**32."""
    mixed = np.arange(count, dtype=np.uint64) * np.uint64(2654435761) + np.uint64(
        seed * 7919 % 2**32
    )
    mixed %= np.uint64(2**32)
    return np.array([f"SH{value:08X}" for value in mixed.tolist()], dtype=object)


def _titled(title: str, header: list[str], rows: list[list], *, subtitle: str | None = None):
    """A tab as offices lay it out: a title, maybe a subtitle, a blank row, the header."""
    width = len(header)
    pad = [None] * (width - 1)
    top = [[title, *pad]] + ([[subtitle, *pad]] if subtitle else [])
    return [*top, [None] * width, header, *rows]


def _hamlet_tab(built: list[_Commune]) -> list[list]:
    header = [contract.ORDINAL_HEADER, *contract.HAMLETS.headers.values()]
    return [header, *_renumbered(r for c in built for r in c.hamlets)]


def _cadre_tab(built: list[_Commune]) -> list[list]:
    header = [contract.ORDINAL_HEADER, *contract.CADRES.headers.values()]
    return _titled(_TITLE_CADRES, header, _renumbered(r for c in built for r in c.cadres))


def _group_tab(built: list[_Commune]) -> list[list]:
    header = [contract.ORDINAL_HEADER, *contract.GROUPS.headers.values()]
    rows = _renumbered(r for c in built for r in c.groups)
    subtitle = _SUBTITLE_GROUPS.format(plan=built[0].plan)
    return _titled(_TITLE_GROUPS, header, rows, subtitle=subtitle)


def _assignment_tab(built: list[_Commune]) -> list[list]:
    header = list(contract.ASSIGNMENTS.headers.values())
    rows = [list(r) for c in built for r in c.assignments]
    return _titled(_TITLE_ASSIGNMENTS, header, rows)


def _topic_tab(topics: list[tuple[str, int | None, int | None]]) -> list[list]:
    def month(value: int | None) -> str | None:
        return None if value is None else f"{value % 12 + 1:02d}/{value // 12}"

    header = list(contract.TOPICS.headers.values())
    return [header, *([name, month(start), month(end)] for name, start, end in topics)]


def _renumbered(rows) -> list[list]:
    """STT counts 1.. over the whole tab, also when communes are stacked."""
    return [[stt, *row[1:]] for stt, row in enumerate(rows, start=1)]

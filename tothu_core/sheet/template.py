"""The office's empty spreadsheet, built from the column contract, for an office starting out.

Every contract tab gets a title row, its canonical headers on row 2 (each with a note saying
what goes in it), number formats set on the rows below, drop-down lists and checks (data
validation), and a «Hướng dẫn» tab in front. It is an `.xlsx` because that is the one format
Excel, LibreOffice and Google Sheets (Drive → upload → open as Google Sheets) all open as is.

Choices a clerk would ask about:

- **Cán bộ dự is a Có/Không list, not a check box.** An `.xlsx` made for Excel 2010–2021,
  LibreOffice and Google's importer has no check box cell (Excel 365's check boxes are a
  format extension the others drop), and a Google Sheets check box column stores FALSE in
  every row and shows a stray text instead of a box for anything else. The form writes
  `Có`/`Không` into this column; a Có/Không drop-down shows the same in every program, is
  easy on a phone, and the reader still accepts x/blank, 1/0 and TRUE/FALSE.
- **Ids, phone numbers and months are text cells** (`@`), so `0912…` keeps its leading zero,
  `001` stays `001`, and a month stays `09/2026` exactly as the form writes it.
- **Lists on the tabs the app writes to warn instead of refusing** (`Sinh hoạt`): nothing
  the form appends may ever be refused by a rule of the sheet. Lists on the tabs only the
  office types (Xếp loại, Loại, Vai trò, Mã ấp, …) refuse a value outside the list.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import math
from copy import copy
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from tothu_core.errors import TothuError
from tothu_core.sheet import contract
from tothu_core.sheet.sources.workbook import DATE_CELL_FORMAT, DATETIME_CELL_FORMAT

TEMPLATE_FILE_NAME = "bang-tinh-mau-to-tu-quan.xlsx"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GUIDE_TAB = "Hướng dẫn"
TITLE_ROW, HEADER_ROW, FIRST_DATA_ROW = 1, 2, 3
# Rows below the header that carry the drop-downs and checks: years of a large merged
# commune's entries in `Sinh hoạt` (300 groups x 12 months a year), and far more than any
# office's lists elsewhere. The first FORMATTED_ROWS of them also get their number format
# cell by cell (Google Sheets' importer keeps cell formats); past them each column's own
# style still applies in Excel and LibreOffice, and the app types every cell it writes.
VALIDATED_ROWS = {"meetings": 20_000}
DEFAULT_VALIDATED_ROWS = 2_000
FORMATTED_ROWS = 1_000

TEXT_FORMAT = "@"
INT_FORMAT = "0"
COORDINATE_FORMAT = "0.000000"
NUMBER_FORMATS = {
    contract.TEXT: TEXT_FORMAT,
    contract.ID: TEXT_FORMAT,
    contract.MONTH: TEXT_FORMAT,
    contract.LIST: TEXT_FORMAT,
    contract.DATE: DATE_CELL_FORMAT,
    contract.DATETIME: DATETIME_CELL_FORMAT,
    contract.INT: INT_FORMAT,
    contract.FLOAT: COORDINATE_FORMAT,
    contract.BOOL: "General",
}
YES, NO = "Có", "Không"

# Excel refuses to open a file whose validation titles or messages are longer than this
# (ECMA-376 Part 1, 18.3.1.32 dataValidation: errorTitle/promptTitle 32, error/prompt 255).
MAX_TITLE, MAX_MESSAGE, MAX_LIST_FORMULA = 32, 255, 255

TITLES = {
    "hamlets": "DANH SÁCH ẤP",
    "cadres": "DANH SÁCH CÁN BỘ, CÔNG CHỨC, NGƯỜI HOẠT ĐỘNG KHÔNG CHUYÊN TRÁCH PHỤ TRÁCH TỔ",
    "groups": "DANH SÁCH TỔ NHÂN DÂN TỰ QUẢN",
    "assignments": "PHÂN CÔNG CÁN BỘ THEO DÕI, HỖ TRỢ TỔ NHÂN DÂN TỰ QUẢN",
    "meetings": "SỔ THEO DÕI SINH HOẠT TỔ HẰNG THÁNG",
    "topics": "CHỦ ĐỀ TUYÊN TRUYỀN ĐƯA VÀO PHIẾU BÁO CÁO",
    "reminders": "SỔ THEO DÕI NHẮC BÁO CÁO",
}
TAB_PURPOSES = {
    "hamlets": "mỗi dòng một ấp",
    "cadres": "mỗi dòng một người được phân công theo dõi, hỗ trợ tổ",
    "groups": "mỗi dòng một tổ nhân dân tự quản",
    "assignments": "mỗi dòng: một cán bộ phụ trách một tổ từ ngày nào (đến ngày nào)",
    "meetings": "mỗi dòng: báo cáo một tháng của một tổ; ứng dụng tự thêm dòng khi cán bộ gửi",
    "topics": "không bắt buộc: các chủ đề cán bộ chọn trong phiếu báo cáo",
    "reminders": "không bắt buộc: mỗi dòng là một lần nhắc cán bộ chưa báo cáo; ứng dụng tự thêm "
    "dòng khi lãnh đạo bấm gọi, nhắn tin, Zalo hay gửi thư",
}
# (tab key, column key) -> what goes in the column, as the header's note says it.
COLUMN_NOTES = {
    ("hamlets", "hamlet_id"): "Mã riêng của ấp, không trùng, ví dụ A1.",
    ("hamlets", "hamlet_name"): "Tên ấp, ví dụ Ấp Mỹ An.",
    ("hamlets", "secretary"): "Họ tên Bí thư chi bộ ấp.",
    ("hamlets", "former_commune"): "Xã đã sáp nhập: tên xã cũ (trước 1/7/2025) của ấp, "
    "ví dụ Xã Mỹ Thạnh; xã không sáp nhập để trống.",
    ("cadres", "cadre_id"): "Mã riêng của người phụ trách, không trùng, ví dụ CB01.",
    ("cadres", "name"): "Họ và tên đầy đủ, họ trước tên sau.",
    ("cadres", "position"): "Chức vụ, ví dụ Phó Chủ tịch UBND xã.",
    ("cadres", "kind"): "Cán bộ, Công chức hoặc Không chuyên trách.",
    ("cadres", "phone"): "Số điện thoại, giữ số 0 ở đầu.",
    ("cadres", "email"): "Gmail dùng để đăng nhập bằng Google (nếu xã dùng cách này).",
    ("cadres", "role"): "Quyền trong ứng dụng: Lãnh đạo, Cán bộ (để trống là Cán bộ), Quản trị.",
    ("groups", "group_id"): "Mã riêng của tổ, không trùng, ví dụ T001.",
    ("groups", "group_name"): "Tên tổ, ví dụ Tổ 5.",
    ("groups", "hamlet_id"): "Mã ấp của tổ, chọn trong danh sách lấy từ trang Ấp.",
    ("groups", "leader"): "Họ tên tổ trưởng.",
    ("groups", "households"): "Số hộ trong tổ, số nguyên lớn hơn 0.",
    ("groups", "rating"): "Tốt, Khá, Trung bình hoặc Yếu (tổ yếu cần củng cố).",
    ("groups", "lat"): "Vĩ độ của tổ, ví dụ 10.15, để vẽ bản đồ; có thể để trống.",
    ("groups", "lon"): "Kinh độ của tổ, ví dụ 106.45; có thể để trống.",
    ("assignments", "cadre_id"): "Mã cán bộ được phân công, lấy từ trang Cán bộ.",
    ("assignments", "group_id"): "Mã tổ được giao phụ trách, lấy từ trang Tổ.",
    ("assignments", "start"): "Ngày bắt đầu phụ trách, ghi ngày/tháng/năm.",
    ("assignments", "end"): "Ngày thôi phụ trách; để trống nếu vẫn đang phụ trách.",
    ("assignments", "basis"): "Văn bản phân công, ví dụ KH 33-KH/ĐU ngày 21/7/2016.",
    ("meetings", "month"): "Tháng báo cáo, ghi MM/YYYY, ví dụ 09/2026.",
    ("meetings", "group_id"): "Mã tổ, lấy từ trang Tổ.",
    ("meetings", "cadre_id"): "Mã cán bộ báo cáo, lấy từ trang Cán bộ.",
    ("meetings", "meeting_date"): "Ngày tổ họp; để trống nếu trong tháng tổ không họp.",
    ("meetings", "households_present"): "Số hộ dự họp: bắt buộc khi có ngày họp, "
    "không lớn hơn số hộ của tổ.",
    ("meetings", "cadre_attended"): "Cán bộ phụ trách có dự họp không: Có hoặc Không.",
    ("meetings", "topics"): "Các nội dung đã tuyên truyền, cách nhau bằng dấu ; hoặc xuống dòng.",
    ("meetings", "situation"): "Tình hình của tổ mà cán bộ nắm được.",
    ("meetings", "proposals"): "Kiến nghị, đề xuất của tổ.",
    ("meetings", "submitted_at"): "Lúc gửi báo cáo. Ứng dụng tự ghi.",
    ("meetings", "submission_id"): "Mã phiếu báo cáo. Ứng dụng tự ghi; đừng sửa hay xóa.",
    ("topics", "topic"): "Tên chủ đề, ví dụ Trữ nước ngọt phục vụ sinh hoạt và sản xuất.",
    ("topics", "from_month"): "Tháng bắt đầu đưa vào phiếu (MM/YYYY); trống là mọi tháng.",
    ("topics", "to_month"): "Tháng cuối cùng đưa vào phiếu; trống là không hạn.",
    ("reminders", "reminded_at"): "Lúc nhắc, ghi ngày/tháng/năm giờ:phút.",
    ("reminders", "month"): "Tháng của báo cáo được nhắc (MM/YYYY).",
    ("reminders", "cadre_id"): "Mã cán bộ được nhắc, lấy từ trang Cán bộ.",
    ("reminders", "channel"): "Cách nhắc: " + ", ".join(contract.REMINDER_CHANNELS) + ".",
    ("reminders", "groups"): "Mã các tổ chưa có báo cáo lúc nhắc, cách nhau bằng dấu ;.",
    ("reminders", "by_name"): "Họ tên người nhắc.",
    ("reminders", "by_id"): "Mã cán bộ của người nhắc.",
    ("reminders", "note"): "Ghi chú thêm, nếu có.",
    ("reminders", "reminder_id"): "Mã lần nhắc. Ứng dụng tự ghi; đừng sửa hay xóa.",
}
# Columns the form fills itself: the office leaves them to the app.
FILLED_BY_APP = {
    ("meetings", "submitted_at"),
    ("meetings", "submission_id"),
    ("reminders", "reminder_id"),
}

# One valid row per tab, typed as a clerk types it: shown in «Hướng dẫn», and read back by
# the tests with the app's reader, so the examples can never teach something the app refuses.
EXAMPLES: dict[str, dict[str, object]] = {
    "hamlets": {
        "hamlet_id": "A1",
        "hamlet_name": "Ấp Mỹ An",
        "secretary": "Nguyễn Văn Bé",
        "former_commune": "Xã Mỹ Thạnh",
    },
    "cadres": {
        "cadre_id": "CB01",
        "name": "Trần Thị Lan",
        "position": "Phó Chủ tịch UBND xã",
        "kind": "Cán bộ",
        "phone": "0912345678",
        "email": "tranthilan@gmail.com",
        "role": contract.ROLE_LEADER,
    },
    "groups": {
        "group_id": "T001",
        "group_name": "Tổ 1",
        "hamlet_id": "A1",
        "leader": "Lê Văn Tư",
        "households": 35,
        "rating": contract.RATING_FAIR,
        "lat": 10.15,
        "lon": 106.45,
    },
    "assignments": {
        "cadre_id": "CB01",
        "group_id": "T001",
        "start": dt.date(2026, 1, 5),
        "end": None,
        "basis": "KH 33-KH/ĐU ngày 05/01/2026",
    },
    "meetings": {
        "month": "11/2026",
        "group_id": "T001",
        "cadre_id": "CB01",
        "meeting_date": dt.date(2026, 11, 10),
        "households_present": 28,
        "cadre_attended": YES,
        "topics": "Trữ nước ngọt phục vụ sinh hoạt và sản xuất; An toàn giao thông",
        "situation": "Bà con đồng tình, giữ vệ sinh đường làng",
        "proposals": "Đề nghị sửa cầu kênh Ba",
        "submitted_at": dt.datetime(2026, 11, 12, 8, 30),
        "submission_id": "P-EXAMPLE-T001",
    },
    "topics": {
        "topic": "Trữ nước ngọt phục vụ sinh hoạt và sản xuất",
        "from_month": "01/2026",
        "to_month": "06/2026",
    },
    "reminders": {
        "reminded_at": dt.datetime(2026, 12, 3, 8, 15),
        "month": "11/2026",
        "cadre_id": "CB01",
        "channel": contract.CHANNEL_CALL,
        "groups": "T001",
        "by_name": "Trần Thị Lan",
        "by_id": "CB01",
        "note": "Hẹn gửi trong ngày",
        "reminder_id": "N-EXAMPLE-CB01",
    },
}

_REQUIRED_FILL = PatternFill("solid", fgColor="1F6F43")
_OPTIONAL_FILL = PatternFill("solid", fgColor="D9EAD3")
_APP_FILL = PatternFill("solid", fgColor="D9D9D9")
_THIN = Side(style="thin", color="7F7F7F")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_ALIGNMENT = Alignment(horizontal="center", vertical="center", wrap_text=True)
_WRAP_TOP = Alignment(wrap_text=True, vertical="top")
_WIDE_COLUMNS = {"topics", "situation", "proposals", "basis", "topic", "position"}


@dataclass(frozen=True)
class Check:
    """One data validation rule on one column."""

    kind: str  # openpyxl's DataValidation type: list, whole, decimal, date, custom
    formula1: str
    formula2: str | None = None
    operator: str | None = None
    strict: bool = True
    title: str = ""
    prompt: str = ""
    error: str = ""


def _letter(tab: contract.Tab, key: str) -> str:
    return get_column_letter(tab.columns.index(tab.column(key)) + 1)


def data_rows(tab: contract.Tab) -> int:
    """How many rows below the header carry the tab's drop-downs and checks."""
    return VALIDATED_ROWS.get(tab.key, DEFAULT_VALIDATED_ROWS)


def _range(tab: contract.Tab, key: str) -> str:
    """Absolute range of a column's data cells on its own tab, e.g. 'Ấp'!$A$3:$A$1002."""
    letter = _letter(tab, key)
    last = FIRST_DATA_ROW + data_rows(tab) - 1
    return f"{quote_sheetname(tab.name)}!${letter}${FIRST_DATA_ROW}:${letter}${last}"


def _choice(values, *, strict: bool, title: str) -> Check:
    listed = ", ".join(values)
    return Check(
        "list",
        '"' + ",".join(values) + '"',
        strict=strict,
        title=title,
        prompt=f"Chọn một trong: {listed}.",
        error=f"Chỉ chọn một trong: {listed}.",
    )


def _reference(target: contract.Tab, key: str, *, strict: bool, what: str) -> Check:
    return Check(
        "list",
        _range(target, key),
        strict=strict,
        title=what,
        prompt=f"Chọn {what.lower()} đã có ở trang «{target.name}».",
        error=f"{what} này chưa có ở trang «{target.name}». Hãy thêm ở đó trước.",
    )


def _unique(tab: contract.Tab, key: str) -> Check:
    letter = _letter(tab, key)
    last = FIRST_DATA_ROW + data_rows(tab) - 1
    return Check(
        "custom",
        f"COUNTIF(${letter}${FIRST_DATA_ROW}:${letter}${last},{letter}{FIRST_DATA_ROW})=1",
        title="Mã không được trùng",
        prompt="Mỗi mã chỉ ghi một lần trong trang này.",
        error="Mã này đã có ở một dòng khác của trang. Hãy dùng mã khác.",
    )


def _serial(day: dt.date) -> str:
    """Excel's day number (1899-12-30 is day 0), which is how a date rule is written."""
    return str((day - dt.date(1899, 12, 30)).days)


def checks() -> dict[tuple[str, str], Check]:
    """(tab key, column key) -> its rule. Every drop-down and check the template sets."""
    hamlets, cadres, groups = contract.HAMLETS, contract.CADRES, contract.GROUPS
    date_range = Check(
        "date",
        _serial(dt.date(2000, 1, 1)),
        _serial(dt.date(2099, 12, 31)),
        operator="between",
        strict=False,
        title="Ngày",
        prompt="Ghi ngày/tháng/năm, ví dụ 26/09/2026.",
        error="Đây không phải một ngày (ngày/tháng/năm). Vẫn lưu?",
    )
    found = {
        ("hamlets", "hamlet_id"): _unique(hamlets, "hamlet_id"),
        ("cadres", "cadre_id"): _unique(cadres, "cadre_id"),
        ("cadres", "kind"): _choice(contract.CADRE_KINDS, strict=True, title="Loại"),
        ("cadres", "role"): _choice(contract.ROLES, strict=True, title="Vai trò"),
        ("groups", "group_id"): _unique(groups, "group_id"),
        ("groups", "hamlet_id"): _reference(hamlets, "hamlet_id", strict=True, what="Mã ấp"),
        ("groups", "households"): Check(
            "whole",
            "0",
            operator="greaterThan",
            title="Số hộ",
            prompt="Số hộ trong tổ: số nguyên lớn hơn 0.",
            error="Số hộ phải là số nguyên lớn hơn 0.",
        ),
        ("groups", "rating"): _choice(contract.RATINGS, strict=True, title="Xếp loại"),
        ("groups", "lat"): Check(
            "decimal",
            "-90",
            "90",
            operator="between",
            title="Vĩ độ",
            prompt="Vĩ độ, ví dụ 10.15.",
            error="Vĩ độ là số từ -90 đến 90, ví dụ 10.15.",
        ),
        ("groups", "lon"): Check(
            "decimal",
            "-180",
            "180",
            operator="between",
            title="Kinh độ",
            prompt="Kinh độ, ví dụ 106.45.",
            error="Kinh độ là số từ -180 đến 180, ví dụ 106.45.",
        ),
        ("assignments", "cadre_id"): _reference(cadres, "cadre_id", strict=True, what="Mã cán bộ"),
        ("assignments", "group_id"): _reference(groups, "group_id", strict=True, what="Mã tổ"),
        ("assignments", "start"): date_range,
        ("assignments", "end"): date_range,
        # `Sinh hoạt` is written by the form: its rules only warn (see the module's doc).
        ("meetings", "group_id"): _reference(groups, "group_id", strict=False, what="Mã tổ"),
        ("meetings", "cadre_id"): _reference(cadres, "cadre_id", strict=False, what="Mã cán bộ"),
        ("meetings", "households_present"): Check(
            "whole",
            "0",
            operator="greaterThanOrEqual",
            strict=False,
            title="Số hộ dự",
            prompt="Số hộ dự họp: số nguyên, không lớn hơn số hộ của tổ.",
            error="Số hộ dự là số nguyên không âm. Vẫn lưu?",
        ),
        ("meetings", "cadre_attended"): _choice((YES, NO), strict=False, title="Cán bộ dự"),
        # `Nhắc nhở` is written by the app too: its rules only warn.
        ("reminders", "cadre_id"): _reference(cadres, "cadre_id", strict=False, what="Mã cán bộ"),
        ("reminders", "channel"): _choice(
            contract.REMINDER_CHANNELS, strict=False, title="Cách nhắc"
        ),
    }
    return found


def _note(tab: contract.Tab, column: contract.Column) -> str:
    lines = [COLUMN_NOTES[(tab.key, column.key)]]
    if (tab.key, column.key) in FILLED_BY_APP:
        lines.append("Cột do ứng dụng điền.")
    else:
        lines.append("Bắt buộc." if column.required else "Không bắt buộc.")
    if column.aliases:
        lines.append("Tên khác được chấp nhận: " + ", ".join(column.aliases) + ".")
    return "\n".join(lines)


def _width(column: contract.Column) -> float:
    if column.key in _WIDE_COLUMNS:
        return 40
    if column.key in ("name", "hamlet_name", "group_name", "leader", "secretary", "email"):
        return 26
    if column.kind == contract.DATETIME:
        return 20
    return max(12, len(column.header) + 4)


def _add_check(sheet, tab: contract.Tab, column_key: str, check: Check) -> None:
    letter = _letter(tab, column_key)
    last = FIRST_DATA_ROW + data_rows(tab) - 1
    rule = DataValidation(
        type=check.kind,
        formula1=check.formula1,
        formula2=check.formula2,
        operator=check.operator,
        allow_blank=True,
        errorStyle="stop" if check.strict else "warning",
        showErrorMessage=True,
        showInputMessage=True,
        errorTitle=check.title,
        error=check.error,
        promptTitle=check.title,
        prompt=check.prompt,
    )
    rule.add(f"{letter}{FIRST_DATA_ROW}:{letter}{last}")
    sheet.add_data_validation(rule)


def _contract_sheet(workbook: Workbook, tab: contract.Tab, rules: dict) -> None:
    sheet = workbook.create_sheet(tab.name)
    width = len(tab.columns)
    last_letter = get_column_letter(width)
    title = sheet.cell(row=TITLE_ROW, column=1, value=TITLES[tab.key])
    title.font = Font(bold=True, size=14, color="1F6F43")
    title.alignment = Alignment(horizontal="center", vertical="center")
    sheet.merge_cells(f"A{TITLE_ROW}:{last_letter}{TITLE_ROW}")
    sheet.row_dimensions[TITLE_ROW].height = 30
    sheet.row_dimensions[HEADER_ROW].height = 32

    for index, column in enumerate(tab.columns, start=1):
        letter = get_column_letter(index)
        cell = sheet.cell(row=HEADER_ROW, column=index, value=column.header)
        by_app = (tab.key, column.key) in FILLED_BY_APP
        fill = _APP_FILL if by_app else _REQUIRED_FILL if column.required else _OPTIONAL_FILL
        cell.fill = fill
        cell.font = Font(bold=True, color="FFFFFF" if fill is _REQUIRED_FILL else "000000")
        cell.alignment = _HEADER_ALIGNMENT
        cell.border = _BOX
        note = Comment(_note(tab, column), "Bảng tính mẫu")
        note.width, note.height = 260, 110
        cell.comment = note

        number_format = NUMBER_FORMATS[column.kind]
        dimension = sheet.column_dimensions[letter]
        dimension.width = _width(column)
        # The column's own style covers the rows past the formatted ones (Excel, LibreOffice).
        dimension.number_format = number_format
        first = sheet.cell(row=FIRST_DATA_ROW, column=index)
        first.number_format = number_format
        if column.kind == contract.LIST or column.key in _WIDE_COLUMNS:
            first.alignment = _WRAP_TOP
        # One style for the whole column, shared as openpyxl's own copy_worksheet does:
        # setting the format cell by cell costs seconds for a template nobody waits for.
        for row in range(FIRST_DATA_ROW + 1, FIRST_DATA_ROW + FORMATTED_ROWS):
            sheet.cell(row=row, column=index)._style = copy(first._style)

    for (tab_key, column_key), check in rules.items():
        if tab_key == tab.key:
            _add_check(sheet, tab, column_key, check)

    freeze = "D" if tab.key == "meetings" else "A"
    sheet.freeze_panes = f"{freeze}{FIRST_DATA_ROW}"
    sheet.print_title_rows = f"{TITLE_ROW}:{HEADER_ROW}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


GUIDE_INTRO = (
    "Bảng tính này là nguồn dữ liệu của ứng dụng theo dõi, hỗ trợ tổ nhân dân tự quản. "
    "Mỗi trang có dòng tiêu đề cột ở dòng 2; dữ liệu điền từ dòng 3 trở xuống, mỗi dòng một mục.",
    "Điền theo thứ tự: Ấp → Cán bộ → Tổ → Phân công → Chủ đề (không bắt buộc). Trang Sinh hoạt "
    "do cán bộ gửi báo cáo qua ứng dụng: ứng dụng tự thêm dòng; văn phòng cũng có thể nhập tay. "
    "Trang Nhắc nhở (không bắt buộc) ghi các lần lãnh đạo nhắc cán bộ chưa nộp báo cáo: ứng dụng "
    "tự thêm dòng.",
    "Không đổi tên trang và tên cột. Được thêm cột riêng (STT, Ghi chú…): ứng dụng bỏ qua. "
    "Được sửa dòng tiêu đề ở dòng 1 hoặc chèn thêm dòng phía trên dòng tiêu đề cột.",
    "Cột tô xanh đậm là bắt buộc, xanh nhạt là không bắt buộc, xám là ứng dụng tự ghi. "
    "Đưa chuột vào (hoặc chạm vào) tên cột để xem ghi chú cách điền.",
    "Ô có mũi tên là ô chọn trong danh sách. Danh sách Mã ấp, Mã tổ, Mã cán bộ lấy từ các "
    "trang Ấp, Tổ, Cán bộ, nên hãy điền các trang đó trước.",
    "Ngày ghi ngày/tháng/năm (26/09/2026); tháng ghi MM/YYYY (09/2026); số hộ là số nguyên.",
    "Xã mới sáp nhập từ nhiều xã cũ (từ 1/7/2025): ở trang Ấp, cột «Xã cũ» ghi mỗi ấp trước "
    "đây thuộc xã nào, để tỉnh xem số liệu theo từng xã cũ rồi từng ấp. Xã không sáp nhập để "
    "trống cột này (hoặc xóa cột); các trang của xã vẫn như cũ.",
    "Cột «Cán bộ dự» chọn Có hoặc Không (để trống coi như Không). Tệp .xlsx không có ô đánh "
    "dấu (check box) dùng được trong mọi chương trình, và ứng dụng ghi Có/Không vào cột này, "
    "nên bảng mẫu dùng danh sách Có/Không.",
    "Ứng dụng không bao giờ sửa hay xóa dòng cũ. Muốn sửa một báo cáo: thêm một dòng mới cùng "
    "Tháng, Mã tổ, Mã cán bộ; dòng có Thời điểm nhập muộn nhất được tính.",
    "Dùng trên Google Sheets: tải tệp lên Google Drive, mở tệp, chọn Tệp → Lưu dưới dạng "
    "Google Trang tính (File → Save as Google Sheets); chọn Tệp → Cài đặt → Ngôn ngữ: Việt Nam "
    "(File → Settings → Locale: Vietnam); rồi chia sẻ bảng tính với địa chỉ email của tài khoản "
    "dịch vụ, quyền Người chỉnh sửa (Editor).",
    "Điền xong, người quản trị mở trang «Kiểm tra dữ liệu» của ứng dụng (hoặc chạy lệnh "
    "python -m tothu_core check) để xem từng lỗi, có ghi trang, số dòng và cột.",
    "Quy ước đầy đủ của bảng tính: tệp docs/bang-tinh.md trong mã nguồn của ứng dụng.",
)
GUIDE_TABLE_HEADERS = ("Cột", "Bắt buộc", "Ví dụ", "Cách điền", "Tên khác được chấp nhận")
_GUIDE_WIDTHS = (24, 12, 30, 60, 30)


def _guide_sheet(workbook: Workbook) -> None:
    sheet = workbook.active
    sheet.title = GUIDE_TAB
    for index, width in enumerate(_GUIDE_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    span = len(_GUIDE_WIDTHS)
    last_letter = get_column_letter(span)
    characters_per_line = sum(_GUIDE_WIDTHS) * 1.1

    def paragraph(row: int, text: str, *, font: Font | None = None) -> None:
        cell = sheet.cell(row=row, column=1, value=text)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if font:
            cell.font = font
        sheet.merge_cells(f"A{row}:{last_letter}{row}")
        lines = max(1, math.ceil(len(text) / characters_per_line))
        sheet.row_dimensions[row].height = 16 * lines + 4

    paragraph(
        1, "HƯỚNG DẪN ĐIỀN BẢNG TÍNH THEO DÕI TỔ NHÂN DÂN TỰ QUẢN", font=Font(bold=True, size=14)
    )
    row = 3
    for number, text in enumerate(GUIDE_INTRO, start=1):
        paragraph(row, f"{number}. {text}")
        row += 1

    for tab in contract.TABS.values():
        row += 1
        optional = " (không bắt buộc)" if tab.optional else ""
        paragraph(
            row,
            f"Trang «{tab.name}»{optional}: {TAB_PURPOSES[tab.key]}.",
            font=Font(bold=True, size=12, color="1F6F43"),
        )
        row += 1
        for index, header in enumerate(GUIDE_TABLE_HEADERS, start=1):
            cell = sheet.cell(row=row, column=index, value=header)
            cell.font = Font(bold=True)
            cell.fill = _OPTIONAL_FILL
            cell.border = _BOX
        for column in tab.columns:
            row += 1
            by_app = (tab.key, column.key) in FILLED_BY_APP
            needed = "ứng dụng ghi" if by_app else "có" if column.required else "không"
            example = EXAMPLES[tab.key].get(column.key)
            values = (
                column.header,
                needed,
                example,
                COLUMN_NOTES[(tab.key, column.key)],
                ", ".join(column.aliases),
            )
            for index, value in enumerate(values, start=1):
                cell = sheet.cell(row=row, column=index, value=value)
                cell.alignment = Alignment(wrap_text=True, vertical="top", horizontal="left")
                cell.border = _BOX
                if index == 3:
                    cell.number_format = NUMBER_FORMATS[column.kind]
    sheet.sheet_properties.tabColor = "1F6F43"


def build_template() -> Workbook:
    """The empty office workbook: «Hướng dẫn» first, then every tab of the contract."""
    workbook = Workbook()
    _guide_sheet(workbook)
    rules = checks()
    for tab in contract.TABS.values():
        _contract_sheet(workbook, tab, rules)
    workbook.active = 0
    return workbook


@functools.lru_cache(maxsize=1)
def template_bytes() -> bytes:
    """The template as .xlsx bytes, built once per process (it never changes while running)."""
    buffer = io.BytesIO()
    build_template().save(buffer)
    return buffer.getvalue()


def write_template(path: str | Path) -> Path:
    """Write the template to `path` (a folder gets the usual file name); never overwrites."""
    path = Path(path).expanduser()
    if path.is_dir():
        path = path / TEMPLATE_FILE_NAME
    if path.suffix.lower() != ".xlsx":
        raise TothuError(f"Tên tệp bảng tính mẫu phải có đuôi .xlsx (đang là «{path.name}»).")
    if not path.parent.is_dir():
        raise TothuError(f"Không có thư mục {path.parent} để ghi bảng tính mẫu.")
    try:
        with path.open("xb") as out:
            out.write(template_bytes())
    except FileExistsError as error:
        raise TothuError(
            f"Đã có tệp {path}; chương trình không ghi đè. Hãy chọn tên khác hoặc xóa tệp cũ."
        ) from error
    return path

"""The spreadsheet contract: tab names, headers, aliases and value kinds.

This is the one place where the office's Vietnamese column words live
(see ../shared/spec/spreadsheet-format.md). Everything else in the code uses
the English keys defined here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Value kinds understood by tothu_core.parsing.
TEXT = "text"
ID = "id"
DATE = "date"
DATETIME = "datetime"
MONTH = "month"
BOOL = "bool"
INT = "int"
FLOAT = "float"
LIST = "list"


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: str = TEXT
    required: bool = False
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Tab:
    key: str
    name: str
    columns: tuple[Column, ...]
    aliases: tuple[str, ...] = ()
    optional: bool = False
    id_column: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def required_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.required)

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    @property
    def headers(self) -> dict[str, str]:
        """English key -> the spec's Vietnamese header, in the spec's order."""
        return {c.key: c.header for c in self.columns}


HAMLETS = Tab(
    key="hamlets",
    name="Ấp",
    aliases=("Ap", "Danh sách ấp"),
    id_column="hamlet_id",
    columns=(
        Column("hamlet_id", "Mã ấp", ID, True, ("Ma ap", "Mã")),
        Column("hamlet_name", "Tên ấp", TEXT, True, ("Ấp", "Tên")),
        Column("secretary", "Bí thư chi bộ", TEXT, False, ("Bí thư",)),
        # A merged commune (since 1/7/2025) names the former commune each hamlet belonged
        # to, for the province's drill-down merged commune -> former commune -> hamlet.
        # Blank or absent: nothing recorded (the commune itself, to the province roll-up).
        Column("former_commune", "Xã cũ", TEXT, False, ("Xã (cũ)", "Xã trước sáp nhập")),
    ),
)

CADRES = Tab(
    key="cadres",
    name="Cán bộ",
    aliases=("Can bo", "CBCC", "Danh sách cán bộ"),
    id_column="cadre_id",
    columns=(
        Column("cadre_id", "Mã cán bộ", ID, True, ("Mã CB", "Ma can bo")),
        Column("name", "Họ và tên", TEXT, True, ("Họ tên", "Tên cán bộ")),
        Column("position", "Chức vụ", TEXT, False, ("Chức danh",)),
        Column("kind", "Loại", TEXT, False, ("Đối tượng",)),
        Column("phone", "Điện thoại", TEXT, False, ("SĐT", "Số điện thoại")),
        Column("email", "Email", TEXT, False, ("Gmail",)),
        Column("role", "Vai trò", TEXT, False, ("Quyền",)),
    ),
)

GROUPS = Tab(
    key="groups",
    name="Tổ",
    aliases=("To", "Tổ tự quản", "Tổ NDTQ"),
    id_column="group_id",
    columns=(
        Column("group_id", "Mã tổ", ID, True, ("Ma to", "Mã")),
        Column("group_name", "Tên tổ", TEXT, True, ("Tổ", "Tên")),
        Column("hamlet_id", "Mã ấp", ID, True, ("Ấp",)),
        Column("leader", "Tổ trưởng", TEXT, False, ()),
        Column("households", "Số hộ", INT, True, ("Số hộ dân", "Hộ")),
        Column("rating", "Xếp loại", TEXT, False, ("Phân loại",)),
        Column("lat", "Vĩ độ", FLOAT, False, ("Lat",)),
        Column("lon", "Kinh độ", FLOAT, False, ("Lon",)),
    ),
)

ASSIGNMENTS = Tab(
    key="assignments",
    name="Phân công",
    aliases=("Phan cong", "PC"),
    columns=(
        Column("cadre_id", "Mã cán bộ", ID, True, ("Mã CB",)),
        Column("group_id", "Mã tổ", ID, True, ()),
        Column("start", "Từ ngày", DATE, True, ("Ngày bắt đầu",)),
        Column("end", "Đến ngày", DATE, False, ("Ngày kết thúc",)),
        Column("basis", "Căn cứ", TEXT, False, ("Văn bản",)),
    ),
)

MEETINGS = Tab(
    key="meetings",
    name="Sinh hoạt",
    aliases=("Sinh hoat", "Nhật ký", "Báo cáo tháng"),
    columns=(
        Column("month", "Tháng", MONTH, True, ("Kỳ báo cáo",)),
        Column("group_id", "Mã tổ", ID, True, ()),
        Column("cadre_id", "Mã cán bộ", ID, True, ("Người báo cáo",)),
        Column("meeting_date", "Ngày họp", DATE, False, ("Ngày sinh hoạt",)),
        Column("households_present", "Số hộ dự", INT, False, ("Hộ dự",)),
        Column("cadre_attended", "Cán bộ dự", BOOL, False, ("Có dự",)),
        Column("topics", "Nội dung tuyên truyền", LIST, False, ("Chủ đề",)),
        Column("situation", "Tình hình", TEXT, False, ("Nắm tình hình",)),
        Column("proposals", "Kiến nghị", TEXT, False, ("Đề xuất",)),
        Column("submitted_at", "Thời điểm nhập", DATETIME, False, ("Ngày nhập",)),
        Column("submission_id", "Mã phiếu", ID, False, ()),
    ),
)

TOPICS = Tab(
    key="topics",
    name="Chủ đề",
    aliases=("Chu de",),
    optional=True,
    columns=(
        Column("topic", "Chủ đề", TEXT, True, ()),
        Column("from_month", "Từ tháng", MONTH, False, ()),
        Column("to_month", "Đến tháng", MONTH, False, ()),
    ),
)

# Optional: who was reminded of a missing report, when, how and by whom (issue 16). The app
# appends a row per reminder (the same outbox and checked append as the entries); `Mã nhắc`
# makes a double press or a retry harmless. Without this tab (or on a sheet the app cannot
# write) the reminders are kept in the app's own data folder instead.
REMINDERS = Tab(
    key="reminders",
    name="Nhắc nhở",
    aliases=("Nhac nho", "Nhắc báo cáo"),
    optional=True,
    columns=(
        Column("reminded_at", "Thời điểm", DATETIME, True, ("Lúc nhắc", "Ngày nhắc")),
        Column("month", "Tháng", MONTH, True, ("Kỳ báo cáo",)),
        Column("cadre_id", "Mã cán bộ", ID, True, ("Người được nhắc",)),
        Column("channel", "Cách nhắc", TEXT, True, ("Hình thức",)),
        Column("groups", "Các tổ", LIST, False, ("Tổ chưa báo cáo",)),
        Column("by_name", "Người nhắc", TEXT, False, ()),
        Column("by_id", "Mã người nhắc", ID, False, ()),
        Column("note", "Ghi chú", TEXT, False, ()),
        Column("reminder_id", "Mã nhắc", ID, False, ()),
    ),
)

TABS: dict[str, Tab] = {
    t.key: t for t in (HAMLETS, CADRES, GROUPS, ASSIGNMENTS, MEETINGS, TOPICS, REMINDERS)
}

# Ordinal column: kept for display, never read.
ORDINAL_HEADER = "STT"

# Ratings (Xếp loại) and roles (Vai trò), as the office writes them.
RATING_GOOD = "Tốt"
RATING_FAIR = "Khá"
RATING_AVERAGE = "Trung bình"
RATING_WEAK = "Yếu"
RATINGS = (RATING_GOOD, RATING_FAIR, RATING_AVERAGE, RATING_WEAK)

ROLE_LEADER = "Lãnh đạo"
ROLE_CADRE = "Cán bộ"
ROLE_ADMIN = "Quản trị"
ROLES = (ROLE_LEADER, ROLE_CADRE, ROLE_ADMIN)

# Loại since 1/7/2025: the category "người hoạt động không chuyên trách cấp xã" ended with the
# two-level local government, and commune units employ public employees (viên chức). The words
# of before 2025 are still read (Loại is free text: nothing is refused), so an office's older
# rows and its history stay as they were typed.
CADRE_KINDS = ("Cán bộ", "Công chức", "Viên chức")
CADRE_KINDS_BEFORE_2025 = ("Không chuyên trách",)

# How a reminder was made (the `Cách nhắc` column), as the app writes it.
CHANNEL_CALL = "Gọi điện"
CHANNEL_SMS = "Tin nhắn SMS"
CHANNEL_ZALO = "Zalo"
CHANNEL_COPY = "Chép tin nhắn"
CHANNEL_GROUP = "Tin nhắn nhóm Zalo"
CHANNEL_EMAIL = "Thư điện tử"
REMINDER_CHANNELS = (CHANNEL_CALL, CHANNEL_SMS, CHANNEL_ZALO, CHANNEL_COPY, CHANNEL_GROUP,
                     CHANNEL_EMAIL)  # fmt: skip

# Derived tables: English key -> Vietnamese export header, in the spec's order.
DERIVED_HEADERS: dict[str, dict[str, str]] = {
    "coverage": {
        "month": "Tháng",
        "hamlet_id": "Mã ấp",
        "hamlet_name": "Tên ấp",
        "groups": "Số tổ",
        "groups_covered": "Số tổ có cán bộ",
        "cadres": "Số cán bộ",
        "coverage_pct": "Tỷ lệ phủ (%)",
    },
    "attendance": {
        "month": "Tháng",
        "hamlet_id": "Mã ấp",
        "hamlet_name": "Tên ấp",
        "groups": "Số tổ",
        "groups_met": "Số tổ họp",
        "households": "Số hộ",
        "households_present": "Số hộ dự",
        "attendance_pct": "Tỷ lệ dự (%)",
    },
    "completeness": {
        "month": "Tháng",
        "cadre_id": "Mã cán bộ",
        "name": "Họ và tên",
        "expected": "Số tổ phụ trách",
        "received": "Số báo cáo",
        "on_time": "Số báo cáo đúng hạn",
        "completeness_pct": "Tỷ lệ (%)",
    },
    "attention": {
        "month": "Tháng",
        "group_id": "Mã tổ",
        "group_name": "Tên tổ",
        "hamlet_id": "Mã ấp",
        "reasons": "Lý do",
    },
}

RAW_TABLES = tuple(TABS)
DERIVED_TABLES = tuple(DERIVED_HEADERS)

MONTH_FORMAT = "%m/%Y"
DATE_FORMAT = "%d/%m/%Y"
DATETIME_FORMAT = "%d/%m/%Y %H:%M:%S"

# A formula's error value as Google Sheets (Help: "Types of errors" — #N/A, #DIV/0!, #VALUE!,
# #REF!, #NAME?, #NUM!, #NULL!, #ERROR!) and Excel (openpyxl's ERROR_CODES, plus the dynamic
# array errors #SPILL!, #CALC!, #FIELD!, #BLOCKED!, #CONNECT!, #BUSY!, #UNKNOWN!, #PYTHON!,
# #GETTING_DATA) store and export it: the contract makes each such cell an error naming it.
FORMULA_ERRORS = frozenset(
    {
        "#NULL!",
        "#DIV/0!",
        "#VALUE!",
        "#REF!",
        "#NAME?",
        "#NUM!",
        "#N/A",
        "#ERROR!",
        "#SPILL!",
        "#CALC!",
        "#FIELD!",
        "#BLOCKED!",
        "#CONNECT!",
        "#BUSY!",
        "#UNKNOWN!",
        "#PYTHON!",
        "#GETTING_DATA",
    }
)

# Unticked check boxes: Google Sheets stores FALSE in every row of a column given check
# boxes (Help: "Add & use checkboxes"); exported to CSV they read "FALSE". A row holding
# nothing else is blank (the contract's "How tabs and headers are found").
UNTICKED = (False, "FALSE")

# Spreadsheet locales whose short date is month first: there Google turns a typed 05/03/2017
# into 3 May 2017 before any program reads it. Sheets reports the locale as "an ISO 639-1
# language code such as en", "an ISO 639-2 language code such as fil" or "a combination of
# the ISO language code and country code, such as en_US" (SpreadsheetProperties.locale), so
# bare languages are listed too. The list is every CLDR 47 locale whose short date pattern
# starts with the month (M/d/yy...), as Babel 2.18 reports it; es_US, en_BZ, en_FM and en_PW
# are day first there (d/M/y, dd/MM/y), and year-first locales (en_CA y-MM-dd) are not listed.
MONTH_FIRST_LOCALES = frozenset(
    {
        "ak", "ak_GH", "blo", "blo_BJ", "cad", "cad_US", "ceb", "ceb_PH", "chr", "chr_US",
        "cic", "cic_US", "ee", "ee_GH", "ee_TG", "en", "en_AS", "en_BI", "en_GU", "en_MH",
        "en_MP", "en_PH", "en_PR", "en_UM", "en_US", "en_VI", "es_PA", "es_PR", "fil",
        "fil_PH", "gaa", "gaa_GH", "iu", "iu_CA", "ks", "ks_Arab", "ks_Arab_IN", "lkt",
        "lkt_US", "mus", "mus_US", "om", "om_ET", "om_KE", "or", "or_IN", "osa", "osa_US",
        "sd_Deva", "sd_Deva_IN", "ti", "ti_ER", "ti_ET", "xh", "xh_ZA", "zu", "zu_ZA",
    }
)  # fmt: skip

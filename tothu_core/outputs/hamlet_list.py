"""Printable lists for a hamlet's Chi bộ: its groups, their leaders, the cadres who follow them
(with their phones) and how each group did in the last months, as Excel and as Word.

A Chi bộ works on paper at its meetings: the list is laid out to be printed on A4 landscape
(title rows, the header repeated on every page), not to be read back by a program. Counts
(STT, Số hộ) stay numbers in Excel; a month's result is words a reader understands at a
glance («32/40 hộ (80,0 %)», «Không sinh hoạt», «Chưa có báo cáo»).

Decisions where the contract is silent:
- the cadres are those assigned in the list's month (the last month shown), names in
  Vietnamese order, each with their phone on the same line of the next column;
- a month's result is the group's counting entry: met with households present, did not
  meet, or no report; "cán bộ vắng" is added when the group met without its cadre.
"""

from __future__ import annotations

import io
from datetime import datetime

import pandas as pd
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from tothu_core.clock import office_now
from tothu_core.figures import figures
from tothu_core.figures.numbers import vn_int, vn_percent
from tothu_core.outputs import report_docx as layout
from tothu_core.outputs.exportfile import export_filename, safe_sheet_name
from tothu_core.sheet import contract
from tothu_core.sheet.assigned import assigned_pairs
from tothu_core.sheet.cellsafety import FORMULA_START_RE
from tothu_core.sheet.dataset import Dataset
from tothu_core.vietnamese import sort_by_name

RESULT_MONTHS = 3
FILE_SLUG = "danh-sach-to"
TITLE = "DANH SÁCH TỔ NHÂN DÂN TỰ QUẢN VÀ CÁN BỘ PHỤ TRÁCH"
NO_REPORT = "Chưa có báo cáo"
NO_MEETING = "Không sinh hoạt"
CADRE_ABSENT = "cán bộ vắng"
UNASSIGNED = "Chưa phân công"
COLUMNS = ("STT", "Tổ", "Tổ trưởng", "Số hộ", "Xếp loại", "Cán bộ phụ trách", "Điện thoại")
# Word column widths (mm) on A4 landscape (297 - 20 - 15 = 262 mm of text), months after them.
WORD_WIDTHS = (12, 20, 34, 13, 18, 44, 27)
MONTH_WIDTH_TOTAL = 262 - sum(WORD_WIDTHS)


def window(month, months: int = RESULT_MONTHS) -> pd.PeriodIndex:
    month = figures.as_month(month)
    return pd.period_range(end=month, periods=months, freq="M")


def result_header(month: pd.Period) -> str:
    return f"Sinh hoạt {month.strftime(contract.MONTH_FORMAT)}"


def hamlet_table(
    ds: Dataset, hamlet_id: str, month, *, months: int = RESULT_MONTHS
) -> pd.DataFrame:
    """One row per group of the hamlet (sheet order), the columns a Chi bộ reads."""
    shown = window(month, months)
    groups = ds.groups[ds.groups["hamlet_id"] == hamlet_id].sort_values("row", kind="stable")
    pairs = assigned_pairs(ds.assignments, pd.PeriodIndex([shown[-1]]))
    named = pairs.merge(ds.cadres[["cadre_id", "name", "phone"]], on="cadre_id", how="left")
    named["name"] = named["name"].fillna(named["cadre_id"])
    named = sort_by_name(named, "name")
    who = named.groupby("group_id", sort=False).agg(
        names=("name", "\n".join),
        phones=("phone", lambda p: "\n".join("" if pd.isna(v) else str(v) for v in p)),
    )
    out = pd.DataFrame(
        {
            "STT": range(1, len(groups) + 1),
            "Tổ": groups["group_name"].to_numpy(),
            "Tổ trưởng": groups["leader"].fillna("").to_numpy(),
            "Số hộ": groups["households"].astype("int64").to_numpy(),
            "Xếp loại": groups["rating"].fillna("").to_numpy(),
            "Cán bộ phụ trách": groups["group_id"].map(who["names"]).fillna(UNASSIGNED).to_numpy(),
            "Điện thoại": groups["group_id"].map(who["phones"]).fillna("").to_numpy(),
        }
    )
    results = _results(ds, groups["group_id"], shown)
    for m in shown:
        out[result_header(m)] = results[m].to_numpy()
    return out


def _results(ds: Dataset, group_ids: pd.Series, months: pd.PeriodIndex) -> dict:
    panel = figures.group_month_panel(ds, months)
    panel = panel[panel["group_id"].isin(group_ids)].set_index(["month", "group_id"])
    entries = ds.latest_meetings
    reported = set(
        zip(entries.loc[entries["month"].isin(months), "month"],
            entries.loc[entries["month"].isin(months), "group_id"], strict=True)
    )  # fmt: skip
    out = {}
    for month in months:
        texts = []
        for group_id in group_ids:
            if (month, group_id) not in reported or (month, group_id) not in panel.index:
                texts.append(NO_REPORT)
                continue
            row = panel.loc[(month, group_id)]
            if not row["met"]:
                texts.append(NO_MEETING)
                continue
            share = figures.pct(row["present"], row["households"])
            text = f"{vn_int(row['present'])}/{vn_int(row['households'])} hộ ({vn_percent(share)})"
            texts.append(text if row["attended"] else f"{text}; {CADRE_ABSENT}")
        out[month] = pd.Series(texts, dtype=object)
    return out


def hamlets_in(ds: Dataset, hamlet_id: str | None = None) -> pd.DataFrame:
    """The hamlets to list (one, or all in sheet order) with their secretaries."""
    hamlets = ds.hamlets.sort_values("row", kind="stable")
    if hamlet_id:
        hamlets = hamlets[hamlets["hamlet_id"] == hamlet_id]
    return hamlets


def heading_lines(ds: Dataset, hamlet, month, *, committee: str, months: int) -> list[str]:
    shown = window(month, months)
    secretary = hamlet.secretary if isinstance(hamlet.secretary, str) and hamlet.secretary else ""
    who = f" – Bí thư chi bộ: đồng chí {secretary}" if secretary else ""
    span = " – ".join(
        dict.fromkeys(m.strftime(contract.MONTH_FORMAT) for m in (shown[0], shown[-1]))
    )
    return [
        committee.upper(),
        TITLE,
        f"{hamlet.hamlet_name}{who}",
        f"(Cán bộ phụ trách tháng {shown[-1].strftime(contract.MONTH_FORMAT)}; kết quả sinh hoạt "
        f"{span})",
    ]


def list_filename(month, *, hamlet: str | None, ext: str) -> str:
    return export_filename(
        FILE_SLUG,
        hamlet=hamlet,
        month=figures.as_month(month).strftime(contract.MONTH_FORMAT),
        ext=ext,
    )


# --- Excel -------------------------------------------------------------------------------------

_THIN = Side(style="thin", color="000000")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def to_xlsx(
    ds: Dataset,
    month,
    *,
    hamlet: str | None = None,
    committee: str = "",
    months: int = RESULT_MONTHS,
    now: datetime | None = None,
) -> bytes:
    """One sheet per hamlet (or the one asked for), ready to print on A4 landscape."""
    book = Workbook()
    book.remove(book.active)
    for row in hamlets_in(ds, hamlet).itertuples(index=False):
        table = hamlet_table(ds, row.hamlet_id, month, months=months)
        sheet = book.create_sheet(safe_sheet_name(row.hamlet_name))
        _xlsx_sheet(sheet, table, heading_lines(ds, row, month, committee=committee, months=months),
                    now or office_now())  # fmt: skip
    if not book.worksheets:
        book.create_sheet("Danh sách")
    book.properties.title = TITLE.capitalize()
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _put(sheet, row: int, column: int, value):
    """A cell holding `value`; text always as text (never a formula, as the exports do)."""
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, str):
        text = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.value = text
        cell.data_type = "s"
        if FORMULA_START_RE.match(text):
            cell.quotePrefix = True
    else:
        cell.value = value.item() if hasattr(value, "item") else value
    return cell


def _xlsx_sheet(sheet, table: pd.DataFrame, heading: list[str], now: datetime) -> None:
    width = len(table.columns)
    for index, text in enumerate(heading, start=1):
        _put(sheet, index, 1, text)
        sheet.merge_cells(start_row=index, start_column=1, end_row=index, end_column=width)
        cell = sheet.cell(row=index, column=1)
        cell.font = Font(name="Times New Roman", bold=index <= 3, size=13 if index == 2 else 12)
        cell.alignment = Alignment(horizontal="left" if index == 1 else "center")
    header_row = len(heading) + 2
    for col, header in enumerate(table.columns, start=1):
        cell = _put(sheet, header_row, col, header)
        cell.font = Font(name="Times New Roman", bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = _BOX
    for r, values in enumerate(table.itertuples(index=False), start=header_row + 1):
        for col, value in enumerate(values, start=1):
            cell = sheet.cell(
                row=r, column=col, value=value.item() if hasattr(value, "item") else value
            )
            cell.font = Font(name="Times New Roman")
            horizontal = "center" if col in (1, 4) else "left"
            cell.alignment = Alignment(vertical="top", wrap_text=True, horizontal=horizontal)
            cell.border = _BOX
    widths = (6, 12, 22, 8, 11, 26, 14) + (20,) * (width - len(COLUMNS))
    for col, size in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(col)].width = size
    note_row = header_row + len(table) + 2
    _put(sheet, note_row, 1, f"In ngày {now:%d/%m/%Y}.")
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


# --- Word --------------------------------------------------------------------------------------


def to_docx(
    ds: Dataset,
    month,
    *,
    hamlet: str | None = None,
    committee: str = "",
    months: int = RESULT_MONTHS,
    now: datetime | None = None,
) -> bytes:
    """One landscape A4 section per hamlet (or the one asked for), header row repeated."""
    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name = layout.FONT
    normal.font.size = layout.TABLE_SIZE
    layout._font_everywhere(normal.element.get_or_add_rPr())
    normal.paragraph_format.space_after = Pt(0)
    now = now or office_now()
    hamlets = list(hamlets_in(ds, hamlet).itertuples(index=False))
    for index, row in enumerate(hamlets):
        section = doc.sections[0] if index == 0 else doc.add_section()
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Mm(297), Mm(210)
        section.top_margin = section.bottom_margin = Mm(15)
        section.left_margin, section.right_margin = Mm(20), Mm(15)
        table = hamlet_table(ds, row.hamlet_id, month, months=months)
        heading = heading_lines(ds, row, month, committee=committee, months=months)
        layout._paragraph(doc, heading[0], bold=True, size=layout.BODY_SIZE)
        for number, text in enumerate(heading[1:]):
            size = layout.BODY_SIZE if number == 0 else None
            layout._paragraph(
                doc, text, bold=number < 2, size=size, align=WD_ALIGN_PARAGRAPH.CENTER
            )
        layout._paragraph(doc, "", after=Pt(4))
        month_count = len(table.columns) - len(COLUMNS)
        month_width = MONTH_WIDTH_TOTAL // max(month_count, 1)
        columns = tuple(
            zip(table.columns, (*WORD_WIDTHS, *(month_width,) * month_count), strict=True)
        )
        rows = [[_cell_text(v) for v in values] for values in table.itertuples(index=False)]
        if rows:
            layout._grid_table(doc, columns, rows, left_aligned=tuple(range(1, len(columns))))
        else:
            layout._paragraph(doc, "Ấp chưa có tổ nào trong trang Tổ của bảng tính.")
        layout._paragraph(doc, f"In ngày {now:%d/%m/%Y}.", italic=True)
    if not hamlets:
        layout._paragraph(doc, "Bảng tính chưa có ấp nào.")
    doc.core_properties.title = TITLE.capitalize()
    doc.core_properties.language = "vi-VN"
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _cell_text(value) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return vn_int(value)
    return layout.clean(value)

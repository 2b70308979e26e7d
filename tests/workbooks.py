"""Workbooks built part by part the way Excel and LibreOffice save them, not as openpyxl does.

`office_xlsx(path, book)` writes an .xlsx package by hand (zipfile + XML text), following
ECMA-376 (Part 1 SpreadsheetML, Part 2 Open Packaging Conventions) and modelled on files
saved by Excel 365 and by LibreOffice Calc 7.4 (their quirks are noted where they differ):

- strings in the shared-string table (Part 1 §18.4), numbers as <v>, dates as serial
  numbers with a date style (§18.8.30 built-in 14, or a custom dd/mm/yyyy at id 164);
- formulas with the value Excel cached (`Formula("14+16", 30)`, §18.3.1.40) and error values
  (`Error("#REF!")`, t="e");
- styles, a merged block, a drop-down list (§18.3.1.32 dataValidation), a defined name
  (§18.2.5), a hidden tab (§18.2.19 state="hidden"), a comment (§18.7 with its VML shape),
  a chart and an image in a drawing (Part 1 §20/§21 DrawingML), calcChain.xml, docProps,
  and formatted empty rows below the data, as Excel leaves them after formatting a range.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
# A 1×1 transparent PNG, the picture in the drawing.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360"
    "0000000200015e2a8b580000000049454e44ae426082"
)
VBA = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)  # the start of an OLE vbaProject.bin


@dataclass(frozen=True)
class Formula:
    """A formula cell as Excel saves it: the formula and the value it computed last."""

    text: str
    cached: object


@dataclass(frozen=True)
class Error:
    """A formula whose cached value is an error (t="e")."""

    code: str
    formula: str = "#REF!+1"


@dataclass
class Tab:
    rows: list[list]
    merges: list[str] = field(default_factory=list)
    hidden: bool = False
    validation: str | None = None  # sqref of a list drop-down
    formatted_rows: range = range(0)  # empty rows formatted (a border) below the data
    chart: bool = False  # a chart, an image and a comment on this tab


def column_letter(index: int) -> str:
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def serial(value: dt.date) -> float:
    moment = value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())
    return (moment - dt.datetime(1899, 12, 30)) / dt.timedelta(days=1)


class _Strings:
    def __init__(self):
        self.index: dict[str, int] = {}
        self.count = 0

    def add(self, text: str) -> int:
        self.count += 1
        return self.index.setdefault(text, len(self.index))

    def xml(self) -> str:
        preserve = ' xml:space="preserve"'
        items = "".join(
            f"<si><t{preserve if t != t.strip() else ''}>{escape(t)}</t></si>" for t in self.index
        )
        return (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<sst xmlns="{MAIN}" count="{self.count}" uniqueCount="{len(self.index)}">'
            f"{items}</sst>"
        )


# cellXfs of the styles part below: 0 General, 1 date dd/mm/yyyy (bordered), 2 date-time,
# 3 bold header, 4 bordered text, 5 built-in short date 14.
STYLE_DATE, STYLE_DATETIME, STYLE_HEADER, STYLE_TEXT = 1, 2, 3, 4


def _styles(date_styles: bool) -> str:
    formats = (
        '<numFmts count="2"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/>'
        '<numFmt numFmtId="165" formatCode="dd/mm/yyyy hh:mm:ss"/></numFmts>'
        if date_styles
        else ""
    )
    date, datetime = ("164", "165") if date_styles else ("0", "0")
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<styleSheet xmlns="{MAIN}" xmlns:mc="http://schemas.openxmlformats.org/markup-'
        'compatibility/2006" mc:Ignorable="x14ac x16r2" xmlns:x14ac="http://schemas.microsoft.'
        'com/office/spreadsheetml/2009/9/ac" xmlns:x16r2="http://schemas.microsoft.com/office/'
        f'spreadsheetml/2015/02/main">{formats}'
        '<fonts count="2" x14ac:knownFonts="1"><font><sz val="11"/><color theme="1"/><name '
        'val="Calibri"/><family val="2"/><scheme val="minor"/></font><font><b/><sz val="11"/>'
        '<color theme="1"/><name val="Calibri"/><family val="2"/><scheme val="minor"/></font>'
        '</fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill>'
        '<patternFill patternType="gray125"/></fill></fills><borders count="2"><border><left/>'
        '<right/><top/><bottom/><diagonal/></border><border><left style="thin"><color indexed='
        '"64"/></left><right style="thin"><color indexed="64"/></right><top style="thin"><color'
        ' indexed="64"/></top><bottom style="thin"><color indexed="64"/></bottom><diagonal/>'
        '</border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" '
        'borderId="0"/></cellStyleXfs><cellXfs count="6"><xf numFmtId="0" fontId="0" fillId="0"'
        f' borderId="0" xfId="0"/><xf numFmtId="{date}" fontId="0" fillId="0" borderId="1" '
        f'xfId="0" applyNumberFormat="1" applyBorder="1"/><xf numFmtId="{datetime}" fontId="0"'
        ' fillId="0" borderId="1" xfId="0" applyNumberFormat="1" applyBorder="1"/><xf numFmtId'
        '="0" fontId="1" fillId="0" borderId="1" xfId="0" applyFont="1" applyBorder="1"/><xf '
        'numFmtId="0" fontId="0" fillId="0" borderId="1" xfId="0" applyBorder="1"><alignment '
        'wrapText="1"/></xf><xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" '
        'applyNumberFormat="1"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId='
        '"0" builtinId="0"/></cellStyles><dxfs count="0"/><tableStyles count="0" defaultTable'
        'Style="TableStyleMedium2" defaultPivotStyle="PivotStyleLight16"/></styleSheet>'
    )


def _cell(ref: str, value, strings: _Strings, flavor: str, header: bool, date_styles: bool):
    lo = flavor == "libreoffice"
    f_attr = ' aca="false"' if lo else ""
    style = STYLE_HEADER if header else STYLE_TEXT
    if value is None:
        return f'<c r="{ref}" s="{style}"/>'
    if isinstance(value, Formula):
        cached = value.cached
        kind = ' t="str"' if isinstance(cached, str) else (' t="n"' if lo else "")
        shown = escape(cached) if isinstance(cached, str) else repr(cached)
        return f'<c r="{ref}"{kind}><f{f_attr}>{escape(value.text)}</f><v>{shown}</v></c>'
    if isinstance(value, Error):
        return f'<c r="{ref}" t="e"><f{f_attr}>{escape(value.formula)}</f><v>{value.code}</v></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, dt.datetime):
        return f'<c r="{ref}" s="{STYLE_DATETIME}"><v>{serial(value)!r}</v></c>'
    if isinstance(value, dt.date):
        style = STYLE_DATE if date_styles else 5
        return f'<c r="{ref}" s="{style}"><v>{int(serial(value))}</v></c>'
    if isinstance(value, int | float):
        number_type = ' t="n"' if lo else ""
        return f'<c r="{ref}" s="{style}"{number_type}><v>{value}</v></c>'
    return f'<c r="{ref}" s="{style}" t="s"><v>{strings.add(str(value))}</v></c>'


def _row_open(number: int, width: int, flavor: str, *, style: int | None = None) -> str:
    """A row start as each program writes it; a formatted empty row carries its style."""
    if flavor == "libreoffice":
        # LibreOffice writes customFormat once, "true" with the row's s= when it is styled.
        styled = f' s="{style}" customFormat="true"' if style is not None else ""
        custom = "" if style is not None else ' customFormat="false"'
        return (
            f'<row r="{number}"{styled}{custom} ht="12.8" hidden="false" customHeight='
            f'"false" outlineLevel="0" collapsed="false">'
        )
    styled = f' s="{style}" customFormat="1"' if style is not None else ""
    return f'<row r="{number}" spans="1:{max(width, 1)}"{styled} x14ac:dyDescent="0.25">'


def _sheet(tab: Tab, strings: _Strings, flavor: str, rels: list[str], date_styles: bool) -> str:
    width = max((len(r) for r in tab.rows), default=1)
    rows = []
    header_row = next((i for i, r in enumerate(tab.rows) if len([c for c in r if c]) > 2), 0)
    for number, values in enumerate(tab.rows, start=1):
        if not values:
            continue
        cells = "".join(
            _cell(f"{column_letter(i)}{number}", v, strings, flavor, number - 1 == header_row,
                  date_styles)
            for i, v in enumerate(values, start=1)
            if v is not None or number - 1 == header_row
        )  # fmt: skip
        rows.append(_row_open(number, width, flavor) + cells + "</row>")
    for number in tab.formatted_rows:
        empty = "".join(f'<c r="{column_letter(i)}{number}" s="{STYLE_TEXT}"/>' for i in (1, 2))
        rows.append(_row_open(number, 2, flavor, style=4) + empty + "</row>")
    last = max([len(tab.rows), *tab.formatted_rows]) if tab.rows else 1
    dimension = f"A1:{column_letter(width)}{last}" if tab.rows else "A1"
    merges = (
        f'<mergeCells count="{len(tab.merges)}">'
        + "".join(f'<mergeCell ref="{m}"/>' for m in tab.merges)
        + "</mergeCells>"
        if tab.merges
        else ""
    )
    validation = (
        '<dataValidations count="1"><dataValidation type="list" allowBlank="1" showInputMessage='
        f'"1" showErrorMessage="1" sqref="{tab.validation}"><formula1>"Tốt,Khá,Trung bình,Yếu"'
        "</formula1></dataValidation></dataValidations>"
        if tab.validation
        else ""
    )
    drawing = ""
    if tab.chart:
        drawing = f'<drawing r:id="rId{len(rels) + 1}"/><legacyDrawing r:id="rId{len(rels) + 2}"/>'
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<worksheet xmlns="{MAIN}" xmlns:r="{REL}" xmlns:mc="http://schemas.openxmlformats.org/'
        'markup-compatibility/2006" mc:Ignorable="x14ac xr xr2 xr3" xmlns:x14ac="http://schemas'
        '.microsoft.com/office/spreadsheetml/2009/9/ac" xmlns:xr="http://schemas.microsoft.com/'
        'office/spreadsheetml/2014/revision" xmlns:xr2="http://schemas.microsoft.com/office/'
        'spreadsheetml/2015/revision2" xmlns:xr3="http://schemas.microsoft.com/office/'
        'spreadsheetml/2016/revision3" xr:uid="{00000000-0001-0000-0000-000000000000}">'
        f'<dimension ref="{dimension}"/><sheetViews><sheetView workbookViewId="0"/></sheetViews>'
        '<sheetFormatPr defaultRowHeight="15" x14ac:dyDescent="0.25"/><cols><col min="1" max="2"'
        ' width="12.7109375" customWidth="1"/></cols>'
        f"<sheetData>{''.join(rows)}</sheetData>{merges}{validation}"
        '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
        f"{drawing}</worksheet>"
    )


def _drawing_parts(sheet_no: int, title: str, rows: int) -> dict[str, str | bytes]:
    """A bar chart of column D and a picture (DrawingML), and a comment on B2 with its VML."""
    a = "http://schemas.openxmlformats.org/drawingml/2006/main"
    xdr = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
    c = "http://schemas.openxmlformats.org/drawingml/2006/chart"

    def anchor(col: int, inner: str) -> str:
        return (
            f"<xdr:twoCellAnchor><xdr:from><xdr:col>{col}</xdr:col><xdr:colOff>0</xdr:colOff>"
            f"<xdr:row>1</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from><xdr:to><xdr:col>{col + 4}"
            "</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>12</xdr:row><xdr:rowOff>0</xdr:rowOff>"
            f"</xdr:to>{inner}<xdr:clientData/></xdr:twoCellAnchor>"
        )

    chart_frame = (
        '<xdr:graphicFrame macro=""><xdr:nvGraphicFramePr><xdr:cNvPr id="2" name="Biểu đồ 1"/>'
        '<xdr:cNvGraphicFramePr/></xdr:nvGraphicFramePr><xdr:xfrm><a:off x="0" y="0"/><a:ext '
        f'cx="0" cy="0"/></xdr:xfrm><a:graphic><a:graphicData uri="{c}"><c:chart xmlns:c="{c}" '
        f'r:id="rId1"/></a:graphicData></a:graphic></xdr:graphicFrame>'
    )
    picture = (
        '<xdr:pic><xdr:nvPicPr><xdr:cNvPr id="3" name="Hình 2"/><xdr:cNvPicPr/></xdr:nvPicPr>'
        '<xdr:blipFill><a:blip r:embed="rId2"/><a:stretch><a:fillRect/></a:stretch>'
        '</xdr:blipFill><xdr:spPr><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></xdr:spPr>'
        "</xdr:pic>"
    )
    ref = f"'{title}'!$D$2:$D${rows}"
    return {
        f"xl/drawings/drawing{sheet_no}.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<xdr:wsDr xmlns:xdr="{xdr}" xmlns:a="{a}" xmlns:r="{REL}">'
            + anchor(8, chart_frame)
            + anchor(14, picture)
            + "</xdr:wsDr>"
        ),
        f"xl/drawings/_rels/drawing{sheet_no}.xml.rels": _rels(
            [
                ("rId1", f"{REL}/chart", "../charts/chart1.xml"),
                ("rId2", f"{REL}/image", "../media/image1.png"),
            ]
        ),
        "xl/charts/chart1.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<c:chartSpace xmlns:c="{c}" xmlns:a="{a}" xmlns:r="{REL}"><c:chart><c:plotArea>'
            '<c:barChart><c:barDir val="col"/><c:grouping val="clustered"/><c:ser><c:idx val="0"/>'
            f'<c:order val="0"/><c:val><c:numRef><c:f>{escape(ref)}</c:f><c:numCache><c:formatCode>'
            'General</c:formatCode><c:ptCount val="1"/><c:pt idx="0"><c:v>30</c:v></c:pt>'
            '</c:numCache></c:numRef></c:val></c:ser><c:axId val="1"/><c:axId val="2"/>'
            "</c:barChart>"
            '<c:catAx><c:axId val="1"/><c:scaling><c:orientation val="minMax"/></c:scaling>'
            '<c:delete val="0"/><c:axPos val="b"/><c:crossAx val="2"/></c:catAx><c:valAx><c:axId '
            'val="2"/><c:scaling><c:orientation val="minMax"/></c:scaling><c:delete val="0"/>'
            '<c:axPos val="l"/><c:crossAx val="1"/></c:valAx>'
            "</c:plotArea></c:chart></c:chartSpace>"
        ),
        "xl/media/image1.png": PNG,
        f"xl/comments{sheet_no}.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<comments xmlns="{MAIN}"><authors><author>Văn phòng</author></authors><commentList>'
            '<comment ref="B2" authorId="0"><text><r><t>Tổ mới thành lập 2016</t></r></text>'
            "</comment></commentList></comments>"
        ),
        f"xl/drawings/vmlDrawing{sheet_no}.vml": (
            '<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:'
            'office:office" xmlns:x="urn:schemas-microsoft-com:office:excel"><v:shape id="_x0000'
            '_s1025" type="#_x0000_t202" style="position:absolute;visibility:hidden"><x:ClientData'
            ' ObjectType="Note"><x:Row>1</x:Row><x:Column>1</x:Column></x:ClientData></v:shape>'
            "</xml>"
        ),
    }


def _rels(items: list[tuple[str, str, str]]) -> str:
    body = "".join(f'<Relationship Id="{i}" Type="{t}" Target="{g}"/>' for i, t, g in items)
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<Relationships xmlns="{PKG_REL}">{body}</Relationships>'
    )


def office_xlsx(
    path,
    tabs: dict[str, Tab | list[list]],
    *,
    flavor: str = "excel",
    date_styles: bool = True,
    macros: bool = False,
    defined_name: str | None = None,
) -> Path:
    """Write `tabs` ({title: Tab or rows}) as an .xlsx (or .xlsm) package, part by part."""
    path = Path(path)
    strings = _Strings()
    parts: dict[str, str | bytes] = {}
    overrides = []
    sheets_xml, workbook_rels = [], []
    formula_cells = []
    for number, (title, tab) in enumerate(tabs.items(), start=1):
        tab = tab if isinstance(tab, Tab) else Tab(rows=tab)
        rels: list[tuple[str, str, str]] = []
        sheet_part = f"xl/worksheets/sheet{number}.xml"
        parts[sheet_part] = _sheet(tab, strings, flavor, rels, date_styles)
        overrides.append((sheet_part, "application/vnd.openxmlformats-officedocument."
                          "spreadsheetml.worksheet+xml"))  # fmt: skip
        for r, values in enumerate(tab.rows, start=1):
            for c, value in enumerate(values, start=1):
                if isinstance(value, Formula | Error):
                    formula_cells.append(f'<c r="{column_letter(c)}{r}" i="{number}"/>')
        if tab.chart:
            parts.update(_drawing_parts(number, title, len(tab.rows)))
            rels += [
                ("rId1", f"{REL}/drawing", f"../drawings/drawing{number}.xml"),
                ("rId2", f"{REL}/vmlDrawing", f"../drawings/vmlDrawing{number}.vml"),
                ("rId3", f"{REL}/comments", f"../comments{number}.xml"),
            ]
            parts[f"xl/worksheets/_rels/sheet{number}.xml.rels"] = _rels(rels)
            office = "application/vnd.openxmlformats-officedocument."
            overrides += [
                (f"xl/drawings/drawing{number}.xml", office + "drawing+xml"),
                ("xl/charts/chart1.xml", office + "drawingml.chart+xml"),
                (f"xl/comments{number}.xml", office + "spreadsheetml.comments+xml"),
            ]
        state = ' state="hidden"' if tab.hidden else ""
        sheets_xml.append(
            f'<sheet name="{escape(title)}" sheetId="{number}"{state} r:id="rId{number}"/>'
        )
        workbook_rels.append((f"rId{number}", f"{REL}/worksheet", f"worksheets/sheet{number}.xml"))
    n = len(tabs)
    workbook_rels += [
        (f"rId{n + 1}", f"{REL}/styles", "styles.xml"),
        (f"rId{n + 2}", f"{REL}/sharedStrings", "sharedStrings.xml"),
    ]
    if formula_cells:
        workbook_rels.append((f"rId{n + 3}", f"{REL}/calcChain", "calcChain.xml"))
        parts["xl/calcChain.xml"] = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<calcChain xmlns="{MAIN}">{"".join(formula_cells)}</calcChain>'
        )
        overrides.append(("xl/calcChain.xml", "application/vnd.openxmlformats-officedocument."
                          "spreadsheetml.calcChain+xml"))  # fmt: skip
    if macros:
        workbook_rels.append(
            (f"rId{n + 4}", "http://schemas.microsoft.com/office/2006/relationships/vbaProject",
             "vbaProject.bin")
        )  # fmt: skip
        parts["xl/vbaProject.bin"] = VBA
    names = (
        f'<definedNames><definedName name="DanhSach">{escape(defined_name)}</definedName>'
        "</definedNames>"
        if defined_name
        else ""
    )
    app = "Calc" if flavor == "libreoffice" else "xl"
    parts["xl/workbook.xml"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><fileVersion appName="{app}" lastEdited="7" '
        'lowestEdited="7" rupBuild="27328"/><workbookPr defaultThemeVersion="166925"/>'
        '<bookViews><workbookView xWindow="-120" yWindow="-120" windowWidth="29040" windowHeight'
        f'="15840"/></bookViews><sheets>{"".join(sheets_xml)}</sheets>{names}'
        '<calcPr calcId="191029"/></workbook>'
    )
    parts["xl/_rels/workbook.xml.rels"] = _rels(workbook_rels)
    parts["xl/styles.xml"] = _styles(date_styles)
    parts["xl/sharedStrings.xml"] = strings.xml()
    parts["docProps/core.xml"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<cp:coreProperties xmlns:cp='
        '"http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc='
        '"http://purl.org/dc/elements/1.1/"><dc:creator>Văn phòng Đảng ủy</dc:creator>'
        "</cp:coreProperties>"
    )
    main_type = (
        "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
        if macros
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
    )
    overrides += [
        ("xl/workbook.xml", main_type),
        ("xl/styles.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"),
        ("xl/sharedStrings.xml",
         "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"),
        ("docProps/core.xml", "application/vnd.openxmlformats-package.core-properties+xml"),
    ]  # fmt: skip
    defaults = (
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Default '
        'Extension="png" ContentType="image/png"/><Default Extension="vml" ContentType="'
        'application/vnd.openxmlformats-officedocument.vmlDrawing"/>'
        + ('<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
           if macros else "")
    )  # fmt: skip
    content_types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.'
        f'openxmlformats.org/package/2006/content-types">{defaults}'
        + "".join(f'<Override PartName="/{p}" ContentType="{t}"/>' for p, t in overrides)
        + "</Types>"
    )
    package_rels = _rels(
        [
            ("rId1", f"{REL}/officeDocument", "xl/workbook.xml"),
            ("rId2", "http://schemas.openxmlformats.org/package/2006/relationships/metadata/"
             "core-properties", "docProps/core.xml"),
        ]
    )  # fmt: skip
    # Excel writes [Content_Types].xml first and deflates every part.
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", content_types)
        archive.writestr("_rels/.rels", package_rels)
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def parts_of(path) -> dict[str, bytes]:
    """Every part's content, inflated."""
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def stored_parts(path) -> dict[str, bytes]:
    """Every part as stored: its compressed bytes, read straight from the file."""
    found = {}
    with zipfile.ZipFile(path) as archive, open(path, "rb") as handle:
        for info in archive.infolist():
            handle.seek(info.header_offset + 26)
            name_size, extra_size = (
                int.from_bytes(handle.read(2), "little"),
                int.from_bytes(handle.read(2), "little"),
            )
            handle.seek(info.header_offset + 30 + name_size + extra_size)
            found[info.filename] = handle.read(info.compress_size)
    return found


def minimal_xlsx(
    path,
    sheet_data: str,
    *,
    dimension: str | None = None,
    shared_strings: str | None = None,
    title: str = "Tổ",
    compress_level: int | None = None,
) -> Path:
    """One worksheet around `sheet_data` (the <sheetData> content), the least a package needs
    (ECMA-376 Part 2 §10.1: content types, package and workbook relationships)."""
    path = Path(path)
    dimension_xml = f'<dimension ref="{dimension}"/>' if dimension else ""
    rels = [("rId1", f"{REL}/worksheet", "worksheets/sheet1.xml")]
    types = ('<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
             'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>')  # fmt: skip
    if shared_strings is not None:
        rels.append(("rId2", f"{REL}/sharedStrings", "sharedStrings.xml"))
        types += ('<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
                  'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>')  # fmt: skip
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=compress_level) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://'
            'schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default '
            'Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml"'
            ' ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.'
            f'main+xml"/>{types}</Types>',
        )
        z.writestr("_rels/.rels", _rels([("rId1", f"{REL}/officeDocument", "xl/workbook.xml")]))
        z.writestr(
            "xl/workbook.xml",
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="{MAIN}" '
            f'xmlns:r="{REL}"><sheets><sheet name="{title}" sheetId="1" r:id="rId1"/></sheets>'
            "</workbook>",
        )
        z.writestr("xl/_rels/workbook.xml.rels", _rels(rels))
        if shared_strings is not None:
            z.writestr("xl/sharedStrings.xml", shared_strings)
        with z.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(
                f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="'
                f'{MAIN}">{dimension_xml}<sheetData>'.encode()
            )
            if callable(sheet_data):
                sheet_data(sheet)
            else:
                sheet.write(sheet_data.encode())
            sheet.write(b"</sheetData></worksheet>")
    return path

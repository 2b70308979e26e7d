"""The page «Báo cáo gửi cấp trên» under AppTest: the preview shows the core's figures, the
letterhead's gaps are flagged before download, the Word download is that report (month,
quarter, six months, year) with the office's own wording of the narrative sections, kept
across reruns and period changes; the PDF is offered only when a converter exists."""

import io
import json
import re
from datetime import date, datetime

import pandas as pd
import pytest
from docx import Document
from streamlit.runtime.media_file_manager import MediaFileManager

from tests.app_support import app, route_through_app, shown_text
from tests.sheets import COMMUNE, tab
from tothu_core import clock
from tothu_core.figures.numbers import vn_percent
from tothu_core.outputs import report as report_module
from tothu_core.outputs import report_pdf
from tothu_core.outputs.report import build_report
from tothu_core.sheet.demo import write_workbook
from tothu_core.sheet.reader import read_dataset

PAGE = "pages/monthly_report.py"
SEPT = pd.Period("2016-09", freq="M")
DOCX_NAME = "bao-cao-to-tu-quan_09-2016.docx"
ORGANISATION = {
    "TOTHU_SUPERIOR_BODY": "Đảng bộ tỉnh Vĩnh Long",
    "TOTHU_ISSUING_BODY": "Đảng ủy xã Mỹ Thạnh",
}


def commune_with_roles() -> dict:
    """COMMUNE with CB01 as leadership (may open the page) and CB02 as a plain cadre."""
    raw = dict(COMMUNE)
    raw["Cán bộ"] = tab(
        ["Mã cán bộ", "Họ và tên", "Chức vụ", "Vai trò"],
        [["CB01", "Nguyễn Văn An", "Bí thư Đảng ủy", "Lãnh đạo"],
         ["CB02", "Trần Thị Bình", "Phó Bí thư Đảng ủy", "Cán bộ"],
         ["CB03", "Lê Văn Cường", "", ""], ["CB04", "Phạm Thị Dung", "", "Quản trị"]],
    )  # fmt: skip
    return raw


@pytest.fixture(scope="module")
def expected():
    """The report the core writes for 09/2016: what the page must show."""
    return build_report(read_dataset(commune_with_roles()), SEPT)


def capture_downloads(mp: pytest.MonkeyPatch) -> dict:
    """file name -> the deferred callable a download button registered (the latest one)."""
    found = {}
    original = MediaFileManager.add_deferred

    def record(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        found[file_name] = data_callable
        return original(self, data_callable, mimetype, coordinates, file_name, **kwargs)

    mp.setattr(MediaFileManager, "add_deferred", record)
    return found


@pytest.fixture(scope="module")
def workbook(tmp_path_factory):
    """One workbook for the module, so the app's shared snapshot is read once."""
    folder = tmp_path_factory.mktemp("monthly_report")
    path = write_workbook(commune_with_roles(), folder / "so-lieu.xlsx")
    (folder / "accounts.json").write_text(json.dumps({}), encoding="utf-8")
    return folder, path


def use_shared_workbook(mp: pytest.MonkeyPatch, workbook, **settings) -> None:
    """Like app_support.use_workbook, on the module's workbook (local accounts switched on)."""
    folder, path = workbook
    mp.setenv("TOTHU_SOURCE", str(path))
    mp.setenv("TOTHU_DATA_DIR", str(folder / "data"))
    mp.setenv("TOTHU_ACCOUNTS_FILE", str(folder / "accounts.json"))
    for name in ORGANISATION:
        mp.delenv(name, raising=False)
    for name, value in settings.items():
        mp.setenv(name, value)


def start(cadre="CB01", **query):
    """The page as leadership on 09/2016; `start(ap="A1")` adds sidebar filters."""
    at = app(cadre=cadre, page=PAGE, query={"thang": "09-2016", **query})
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.fixture(scope="module")
def shown(workbook):
    """One run of the page without LibreOffice, for the tests that only read what it shows."""
    with pytest.MonkeyPatch.context() as mp:
        route_through_app(mp)
        use_shared_workbook(mp, workbook)
        mp.setattr(report_pdf, "find_converter", lambda: None)
        downloads = capture_downloads(mp)
        yield start(), downloads


@pytest.fixture
def page(monkeypatch, workbook):
    """A fresh page run per test (for clicks and typing); returns (start, downloads)."""
    use_shared_workbook(monkeypatch, workbook, **ORGANISATION)
    return start, capture_downloads(monkeypatch)


def unescaped(markdown: str) -> str:
    return re.sub(r"\\(.)", r"\1", markdown)


def document(downloads, name=DOCX_NAME) -> Document:
    return Document(io.BytesIO(downloads[name]()))


def paragraphs(downloads, name=DOCX_NAME) -> list[str]:
    return [p.text for p in document(downloads, name).paragraphs]


def test_key_figures_are_the_core_figures(shown, expected):
    at, _ = shown
    assert at.title[0].value == "Báo cáo gửi cấp trên"
    f = expected.figures
    cards = {m.label: m.value for m in at.metric}
    assert cards == {
        "Tổ có cán bộ": vn_percent(f.coverage_pct),
        "Tổ sinh hoạt": vn_percent(f.meeting_pct),
        "Hộ dự": vn_percent(f.attendance_pct),
        "Đã nộp báo cáo": vn_percent(f.completeness_pct),
        "Đúng hạn": vn_percent(f.on_time_pct),
    }
    # By hand (see tests/outputs/test_report.py): 4 of 5 covered, 3 of 5 met, 22 of 40, …
    nbsp = "\u00a0"
    assert list(cards.values()) == [f"80,0{nbsp}%", f"60,0{nbsp}%", f"55,0{nbsp}%",
                                    f"80,0{nbsp}%", f"60,0{nbsp}%"]  # fmt: skip
    sentences = [unescaped(m.value) for m in at.markdown if m.value[:2] in ("1.", "2.", "3.")]
    assert sentences == [
        f"{n}. *{lead}:* {text}" for n, (lead, text) in enumerate(expected.summary, start=1)
    ]


def test_an_unconfigured_letterhead_is_flagged_before_download(shown):
    at, downloads = shown
    (gaps,) = [w.value for w in at.warning if "Chưa cài đặt" in w.value]
    for label in ("Cấp ủy cấp trên", "Cấp ủy ban hành", "Địa danh ghi trước ngày tháng"):
        assert label in gaps
    left = document(downloads).tables[0].rows[0].cells[0].text.split("\n")
    assert left == ["……", "……", "*"], "what the warning announced"


def test_a_configured_letterhead_prints_no_placeholder(page):
    start_page, downloads = page
    at = start_page()
    assert not [w for w in at.warning if "Chưa cài đặt" in w.value]
    doc = document(downloads)
    left = doc.tables[0].rows[0].cells[0].text.split("\n")
    assert left == ["ĐẢNG BỘ TỈNH VĨNH LONG", "ĐẢNG ỦY XÃ MỸ THẠNH", "*"]
    texts = [p.text for p in doc.paragraphs] + [c.text for t in doc.tables for r in t.rows
                                               for c in r.cells]  # fmt: skip
    assert not any("……" in t for t in texts)


def test_document_details_go_into_the_file(page):
    start_page, downloads = page
    at = start_page()
    at.text_input(key="monthly_report_number").set_value("45")
    at.date_input(key="monthly_report_date").set_value(date(2016, 10, 7))
    at.run()
    assert not at.exception
    doc = document(downloads)
    number, date_line = (c.text for c in doc.tables[0].rows[1].cells)
    assert number == "Số 45-BC/ĐU"
    assert date_line == "Mỹ Thạnh, ngày 07 tháng 10 năm 2016"
    signer = doc.tables[-1].rows[0].cells[1].text.split("\n")
    assert signer[:2] == ["T/M ĐẢNG ỦY", "BÍ THƯ"]
    assert signer[-1] == "Nguyễn Văn An", "the sheet's Bí thư Đảng ủy signs by default"
    at.text_input(key="monthly_report_signer").set_value("Lê Văn Cường").run()
    assert document(downloads).tables[-1].rows[0].cells[1].text.split("\n")[-1] == "Lê Văn Cường"


def test_a_quarter_from_the_same_page(page):
    start_page, downloads = page
    at = start_page()
    at.segmented_control(key="monthly_report_kind").set_value("quarter").run()
    assert not at.exception
    assert at.selectbox(key="monthly_report_period_quarter").value == report_module.Period(
        "quarter", 2016, 3
    )
    name = "bao-cao-to-tu-quan_quy-3-2016.docx"
    texts = paragraphs(downloads, name)
    assert "Kết quả theo dõi, hỗ trợ tổ nhân dân tự quản quý III năm 2016" in texts
    assert "III. PHƯƠNG HƯỚNG, NHIỆM VỤ QUÝ TỚI" in texts
    cards = {m.label: m for m in at.metric}
    assert cards["Tổ sinh hoạt"].delta == "6/10 lượt"
    for kind, slug in (("half", "6-thang-cuoi-2016"), ("year", "nam-2016")):
        at.segmented_control(key="monthly_report_kind").set_value(kind).run()
        assert not at.exception
        assert f"bao-cao-to-tu-quan_{slug}.docx" in downloads


def test_edited_sections_go_into_the_file_and_survive_reruns(page):
    start_page, downloads = page
    at = start_page()
    key = "monthly_report_text_09-2016_tasks"
    drafted = at.text_area(key=key).value
    assert drafted.startswith("- Tiếp tục duy trì sinh hoạt tổ nhân dân tự quản")
    at.text_area(key=key).input("- Việc do văn phòng viết.").run()
    assert "- Việc do văn phòng viết." in paragraphs(downloads)
    # Away to a quarter and back, then another page and back: the wording is still there.
    at.segmented_control(key="monthly_report_kind").set_value("quarter").run()
    at.segmented_control(key="monthly_report_kind").set_value("month").run()
    assert at.text_area(key=key).value == "- Việc do văn phòng viết."
    at.switch_page("pages/overview.py").run()
    at.switch_page(PAGE).run()
    assert not at.exception
    assert at.text_area(key=key).value == "- Việc do văn phòng viết."
    at.button(key="monthly_report_reset_texts").click().run()
    assert at.text_area(key=key).value == drafted


def test_an_open_month_is_flagged(page, monkeypatch):
    early = datetime(2016, 10, 3, 9, 0)
    monkeypatch.setattr(clock, "office_now", lambda: early)
    monkeypatch.setattr(report_module, "office_now", lambda: early)
    start_page, downloads = page
    at = start_page()
    (note,) = [w.value for w in at.warning if w.value.startswith("Số liệu tạm tính")]
    assert "tháng 09/2016 còn đang nhận báo cáo (hạn nộp hết ngày 05/10/2016)" in note
    assert f"({note})" in paragraphs(downloads)


def test_without_libreoffice_the_page_says_so(shown):
    at, _ = shown
    assert report_pdf.NOT_INSTALLED in [i.value for i in at.info]
    assert "Tạo bản PDF" not in [b.label for b in at.button]


def test_pdf_is_made_on_request(page, monkeypatch):
    monkeypatch.setattr(report_pdf, "find_converter", lambda: "/usr/bin/soffice")
    made = []

    def fake_pdf(docx, **kwargs):
        made.append(docx)
        return report_pdf.PdfResult(b"%PDF-1.7 fake")

    monkeypatch.setattr(report_pdf, "docx_to_pdf", fake_pdf)
    at = page[0]()
    assert made == [], "no conversion until asked"
    at.button(key="monthly_report_make_pdf").click().run()
    assert len(made) == 1 and made[0][:2] == b"PK", "the .docx is what gets converted"
    labels = [b.label for b in at.get("download_button")]
    assert "⬇ Tải bản PDF" in labels


def test_pdf_failure_is_explained(page, monkeypatch):
    monkeypatch.setattr(report_pdf, "find_converter", lambda: "/usr/bin/soffice")
    reason = report_pdf.FAILED.format(detail="hỏng")
    monkeypatch.setattr(
        report_pdf, "docx_to_pdf", lambda docx, **kw: report_pdf.PdfResult(None, reason)
    )
    at = page[0]()
    at.button(key="monthly_report_make_pdf").click().run()
    assert [e.value for e in at.error] == [reason]
    assert "⬇ Tải bản PDF" not in [b.label for b in at.get("download_button")]


def test_hamlet_filter_leaves_the_report_commune_wide(page, expected):
    at = page[0](ap="A2")
    assert any("Báo cáo luôn tính cho toàn xã" in i.value for i in at.info)
    assert at.metric[0].value == vn_percent(expected.figures.coverage_pct)
    annex = at.dataframe[-1].value
    assert annex["Mã ấp"].tolist() == ["A2"], "the annex tables follow the sidebar filters"


def test_preview_tables_carry_vietnamese_headers_and_numbers(shown):
    at, _ = shown
    hamlets = at.dataframe[0].value
    assert list(hamlets.columns[:3]) == ["Tên ấp", "Số tổ", "Số tổ có cán bộ"]
    assert hamlets["Tên ấp"].tolist() == ["Ấp Mỹ An", "Ấp Bình Hòa", "Ấp Tân Lợi"]
    assert shown_text(at.dataframe[0])["Tỷ lệ dự (%)"].tolist()[0] == "55,0\u00a0%"
    attention = next(d.value for d in at.dataframe if "Lý do" in d.value.columns)
    assert attention["Tên tổ"].tolist() == ["Tổ T3", "Tổ T4"]


def test_a_cadre_cannot_open_the_report(monkeypatch, workbook):
    use_shared_workbook(monkeypatch, workbook)
    at = app(cadre="CB02")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(PAGE)

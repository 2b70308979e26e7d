"""The page «Báo cáo gửi Ban Tuyên giáo» under AppTest: the preview shows the core's figures,
the Word download is that report, and the PDF is offered only when a converter exists."""

import io
import json
from datetime import date

import pandas as pd
import pytest
from docx import Document
from streamlit.runtime.media_file_manager import MediaFileManager

from tests.app_support import app, route_through_app
from tests.sheets import COMMUNE, tab
from tothu_core.outputs import report_pdf
from tothu_core.outputs.report import build_report, vn_pct
from tothu_core.sheet.demo import write_workbook
from tothu_core.sheet.reader import read_dataset

PAGE = "pages/monthly_report.py"
SEPT = pd.Period("2016-09", freq="M")
DOCX_NAME = "bao-cao-ban-tuyen-giao_09-2016.docx"


def commune_with_roles() -> dict:
    """COMMUNE with CB01 as leadership (may open the page) and CB02 as a plain cadre."""
    raw = dict(COMMUNE)
    raw["Cán bộ"] = tab(
        ["Mã cán bộ", "Họ và tên", "Chức vụ", "Vai trò"],
        [["CB01", "Nguyễn Văn An", "Bí thư Đảng ủy", "Lãnh đạo"],
         ["CB02", "Trần Thị Bình", "", "Cán bộ"],
         ["CB03", "Lê Văn Cường", "", ""], ["CB04", "Phạm Thị Dung", "", ""]],
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


def use_shared_workbook(mp: pytest.MonkeyPatch, workbook) -> None:
    """Like app_support.use_workbook, on the module's workbook (local accounts switched on)."""
    folder, path = workbook
    mp.setenv("TOTHU_SOURCE", str(path))
    mp.setenv("TOTHU_DATA_DIR", str(folder / "data"))
    mp.setenv("TOTHU_ACCOUNTS_FILE", str(folder / "accounts.json"))


def start(**query):
    """The page as leadership on 09/2016; `start(ap="A1")` adds sidebar filters."""
    at = app(cadre="CB01", page=PAGE, query={"thang": "09-2016", **query})
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
    use_shared_workbook(monkeypatch, workbook)
    return start, capture_downloads(monkeypatch)


def docx_paragraphs(downloads) -> list[str]:
    data = downloads[DOCX_NAME]()
    return [p.text for p in Document(io.BytesIO(data)).paragraphs]


def test_key_figures_are_the_core_figures(shown, expected):
    at, _ = shown
    assert at.title[0].value == "Báo cáo gửi Ban Tuyên giáo"
    f = expected.figures
    cards = {m.label: m.value for m in at.metric}
    assert cards == {
        "Tổ có cán bộ": vn_pct(f.coverage_pct),
        "Tổ sinh hoạt": vn_pct(f.meeting_pct),
        "Hộ dự": vn_pct(f.attendance_pct),
        "Đã nộp báo cáo": vn_pct(f.completeness_pct),
        "Đúng hạn": vn_pct(f.on_time_pct),
    }
    # By hand (see tests/test_report.py): 4 of 5 covered, 3 of 5 met, 22 of 40, 4 of 5, 3 of 5.
    assert list(cards.values()) == ["80,0%", "60,0%", "55,0%", "80,0%", "60,0%"]
    sentences = [m.value for m in at.markdown if m.value[:2] in ("1.", "2.", "3.")]
    assert sentences == [
        f"{n}. *{lead}:* {text}" for n, (lead, text) in enumerate(expected.summary, start=1)
    ]


def test_word_download_is_the_report(shown, expected):
    _, downloads = shown
    assert DOCX_NAME in downloads
    paragraphs = docx_paragraphs(downloads)
    assert "Kết quả theo dõi, hỗ trợ tổ nhân dân tự quản tháng 09/2016" in paragraphs
    lead, sentence = expected.summary[1]
    assert f"2. {lead}: {sentence}" in paragraphs


def test_document_details_go_into_the_file(page):
    start, downloads = page
    at = start()
    at.text_input(key="monthly_report_number").set_value("45")
    at.date_input(key="monthly_report_date").set_value(date(2016, 10, 7))
    at.run()
    assert not at.exception
    data = downloads[DOCX_NAME]()
    doc = Document(io.BytesIO(data))
    number, date_line = (c.text for c in doc.tables[0].rows[1].cells)
    assert number == "Số: 45-BC/ĐU"
    assert date_line == "Mỹ Thạnh, ngày 07 tháng 10 năm 2016"
    signer = doc.tables[-1].rows[0].cells[1].text.split("\n")
    assert signer[-1] == "Nguyễn Văn An", "the sheet's Bí thư Đảng ủy signs by default"
    at.text_input(key="monthly_report_signer").set_value("Lê Văn Cường").run()
    doc = Document(io.BytesIO(downloads[DOCX_NAME]()))
    assert doc.tables[-1].rows[0].cells[1].text.split("\n")[-1] == "Lê Văn Cường"


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
    assert at.metric[0].value == vn_pct(expected.figures.coverage_pct)
    annex = at.dataframe[-1].value
    assert annex["Mã ấp"].tolist() == ["A2"], "the annex tables follow the sidebar filters"


def test_preview_tables_carry_vietnamese_headers(shown):
    at, _ = shown
    frames = [d.value for d in at.dataframe]
    hamlets = frames[0]
    assert list(hamlets.columns[:3]) == ["Tên ấp", "Số tổ", "Số tổ có cán bộ"]
    assert hamlets["Tên ấp"].tolist() == ["Ấp Mỹ An", "Ấp Bình Hòa", "Ấp Tân Lợi"]
    attention = next(f for f in frames if "Lý do" in f.columns)
    assert attention["Tên tổ"].tolist() == ["Tổ T3", "Tổ T4"]


def test_a_cadre_cannot_open_the_report(monkeypatch, workbook):
    use_shared_workbook(monkeypatch, workbook)
    at = app(cadre="CB02")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(PAGE)

"""«Cài đặt» under AppTest: an admin edits the settings in the browser, they are saved beside the
outbox and apply at once on every page (report letterhead, deadline, planned and maximum
load); a value set on the server is shown but locked; a bad value is refused; a broken file
stops the app with one sentence."""

from __future__ import annotations

import io
import json

import pytest
from docx import Document
from streamlit.runtime.media_file_manager import MediaFileManager

from tests.app_support import app, use_workbook
from tests.sheets import COMMUNE, tab
from tothu_core.settings import SETTINGS_FILE_NAME

PAGE = "pages/settings.py"


def commune() -> dict:
    raw = dict(COMMUNE)
    raw["Cán bộ"] = tab(
        ["Mã cán bộ", "Họ và tên", "Chức vụ", "Vai trò"],
        [["CB01", "Nguyễn Văn An", "Bí thư Đảng ủy", "Quản trị"],
         ["CB02", "Trần Thị Bình", "Phó Bí thư Thường trực Đảng ủy", "Lãnh đạo"],
         ["CB03", "Lê Văn Cường", "", ""], ["CB04", "Phạm Thị Dung", "", ""]],
    )  # fmt: skip
    return raw


@pytest.fixture
def office(monkeypatch, tmp_path):
    use_workbook(monkeypatch, commune(), tmp_path)
    for name in ("TOTHU_DEADLINE_DAY", "TOTHU_ISSUING_BODY", "TOTHU_MAX_LOAD"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path / "data"


def field(at, key):
    """The form's input for the setting `key`, whatever kind of widget it is."""
    widgets = [*at.number_input, *at.text_input, *at.text_area, *at.selectbox]
    return next(w for w in widgets if w.key == f"settings_field_{key}")


def submit(at):
    at.button(key="FormSubmitter:settings_form-Lưu cài đặt").click().run()
    assert not at.exception, [e.value for e in at.exception]


def test_an_admin_saves_the_settings_and_every_page_uses_them(office, monkeypatch):
    at = app(cadre="CB01", page=PAGE, query={"thang": "09-2016"})
    assert not at.exception
    field(at, "deadline_day").set_value(7)
    field(at, "planned_load").set_value(2)
    field(at, "superior_body").set_value("Đảng bộ tỉnh Vĩnh Long")
    field(at, "issuing_body").set_value("Đảng ủy xã Mỹ Thạnh")
    field(at, "signing_for").set_value("T/M BAN THƯỜNG VỤ")
    field(at, "signer_title").set_value("Phó Bí thư")
    field(at, "recipients").set_value("Ban Tuyên giáo và Dân vận Tỉnh ủy (để báo cáo)\nLưu VP")
    submit(at)
    saved = json.loads((office / SETTINGS_FILE_NAME).read_text(encoding="utf-8"))["settings"]
    assert saved["deadline_day"] == 7 and saved["issuing_body"] == "Đảng ủy xã Mỹ Thạnh"
    assert saved["recipients"] == ["Ban Tuyên giáo và Dân vận Tỉnh ủy (để báo cáo)", "Lưu VP"]
    assert any("Đã lưu cài đặt" in s.value for s in at.success)
    assert field(at, "deadline_day").value == 7, "the form shows what is now in force"

    # Applied without a restart: the same session, other pages.
    at.switch_page("pages/reports.py").run()
    assert "hạn nộp hết ngày 07/10/2016" in at.caption[0].value
    at.switch_page("pages/overview.py").run()
    labels = [m.label for m in at.metric]
    assert "Bình quân tổ/cán bộ (kế hoạch: 2)" in labels

    downloads = {}
    original = MediaFileManager.add_deferred

    def record(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        downloads[file_name] = data_callable
        return original(self, data_callable, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", record)
    at.switch_page("pages/monthly_report.py").run()
    assert not at.exception
    assert not [w for w in at.warning if "Chưa cài đặt" in w.value]
    doc = Document(io.BytesIO(downloads["bao-cao-to-tu-quan_09-2016.docx"]()))
    left = doc.tables[0].rows[0].cells[0].text.split("\n")
    assert left == ["ĐẢNG BỘ TỈNH VĨNH LONG", "ĐẢNG ỦY XÃ MỸ THẠNH", "*"]
    recipients, signer = (c.text.split("\n") for c in doc.tables[-1].rows[0].cells)
    assert recipients[1:] == ["- Ban Tuyên giáo và Dân vận Tỉnh ủy (để báo cáo),", "- Lưu VP."]
    assert (signer[0], signer[1], signer[-1]) == ("T/M BAN THƯỜNG VỤ", "PHÓ BÍ THƯ",
                                                  "Trần Thị Bình")  # fmt: skip
    # Another visitor (a new session) sees the same settings.
    fresh = app(cadre="CB01", page="pages/reports.py", query={"thang": "09-2016"})
    assert "hạn nộp hết ngày 07/10/2016" in fresh.caption[0].value


def test_the_maximum_load_shapes_the_warnings_of_the_next_read(office):
    at = app(cadre="CB01", page="pages/data_check.py", query={"thang": "09-2016"})
    assert not any("nhiều hơn" in str(d.value) for d in at.dataframe)
    at.switch_page(PAGE).run()
    field(at, "max_load").set_value(1)
    field(at, "planned_load").set_value(1)
    submit(at)
    at.switch_page("pages/data_check.py").run()
    messages = [m for d in at.dataframe if "Nội dung" in d.value for m in d.value["Nội dung"]]
    assert any("phụ trách 2 tổ (nhiều hơn 1)" in m for m in messages), messages
    at.switch_page("pages/assignment_map.py").run()
    assert not at.exception
    loads = next(d.value for d in at.dataframe if "Tình trạng" in d.value.columns)
    assert "Quá tải (trên 1 tổ)" in loads["Tình trạng"].tolist()


def test_a_value_that_cannot_be_used_is_refused_and_nothing_is_saved(office):
    at = app(cadre="CB01", page=PAGE)
    field(at, "max_load").set_value(2)
    field(at, "planned_load").set_value(3)
    submit(at)
    (error,) = at.error
    assert error.value.startswith("Chưa lưu:")
    assert "không được lớn hơn số tổ tối đa" in error.value
    assert not (office / SETTINGS_FILE_NAME).exists()


def test_a_value_set_on_the_server_is_shown_but_locked(office, monkeypatch):
    monkeypatch.setenv("TOTHU_DEADLINE_DAY", "9")
    at = app(cadre="CB01", page=PAGE)
    deadline = field(at, "deadline_day")
    assert deadline.value == 9 and deadline.disabled
    assert "biến môi trường TOTHU_DEADLINE_DAY" in deadline.help
    field(at, "lock_days").set_value(3)
    submit(at)
    saved = json.loads((office / SETTINGS_FILE_NAME).read_text(encoding="utf-8"))["settings"]
    assert saved["lock_days"] == 3 and "deadline_day" not in saved


def test_a_cadre_cannot_open_the_settings(office):
    at = app(cadre="CB03")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(PAGE)


def test_a_broken_settings_file_stops_the_app_with_one_sentence(office):
    office.mkdir(parents=True, exist_ok=True)
    (office / SETTINGS_FILE_NAME).write_text("{ hỏng", encoding="utf-8")
    at = app(cadre="CB01")
    assert not at.exception
    assert [t.value for t in at.title] == ["Ứng dụng chưa chạy được"]
    (error,) = at.error
    assert SETTINGS_FILE_NAME in error.value.replace("\\", "")
    assert "không dùng được" in error.value

"""Bản đồ phân công in AppTest: the core's tiles and tables on the demo and a small workbook."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
from docx import Document
from streamlit.runtime.media_file_manager import MediaFileManager

from tests.app_support import app, use_demo, use_workbook
from tests.figures.test_assignment_view import leadership_book
from tothu_core.figures import assignment_view as view
from tothu_core.outputs import hamlet_list

PAGE = "pages/assignment_map.py"


def html_bodies(at) -> list[str]:
    return [h.proto.body for h in at.get("html")]


def test_demo_tiles_tables_and_hamlet_filter(monkeypatch, demo_dir, demo_ds):
    use_demo(monkeypatch, demo_dir)
    month = demo_ds.months()[-2]
    at = app(demo_role="Lãnh đạo", page=PAGE, query={"thang": month.strftime("%m-%Y"), "ap": "A2"})
    assert not at.exception
    assert at.sidebar.selectbox(key="filter_hamlet").value == "A2"
    names = dict(zip(demo_ds.hamlets["hamlet_id"], demo_ds.hamlets["hamlet_name"], strict=True))
    assert [s.value for s in at.subheader] == [names["A2"]]
    tiles = view.group_tiles(demo_ds, month, hamlet="A2")
    assert view.tiles_html(tiles) in html_bodies(at)
    summary = view.hamlet_summaries(demo_ds, tiles, hamlet="A2").iloc[0]
    assert view.hamlet_intro_html(summary) in html_bodies(at)
    load = view.cadre_load_table(view.cadre_load_view(demo_ds, month, hamlet="A2"))
    assert at.dataframe[0].value.values.tolist() == load.values.tolist()
    history = view.reassignment_table(view.reassignments(demo_ds, hamlet="A2", until=month))
    if history.empty:
        assert len(at.dataframe) == 1
    else:
        assert at.dataframe[1].value["Mã tổ"].tolist() == history["Mã tổ"].tolist()
    assert len(at.get("plotly_chart")) == 1  # the demo's groups have coordinates

    at.sidebar.selectbox(key="filter_hamlet").select("").run()
    assert "ap" not in at.query_params
    assert [s.value for s in at.subheader] == list(names.values())
    every = view.group_tiles(demo_ds, month)
    tile_html = "".join(html_bodies(at))
    assert tile_html.count('class="tothu-tile"') == len(every) == len(demo_ds.groups)


def test_hand_made_commune_states_secretary_history_and_empty_states(monkeypatch, tmp_path):
    use_workbook(monkeypatch, leadership_book(), tmp_path)
    at = app(cadre="CB01", page=PAGE, query={"thang": "10-2016", "ap": "A1"})
    assert not at.exception
    assert [s.value for s in at.subheader] == ["Ấp Một"]
    page_html = "".join(html_bodies(at))
    # Every state in words, the secretary's name escaped, legend first.
    for label in ("✅ Đã báo cáo", "⚠️ Xếp loại Yếu", "📉 Dự sinh hoạt dưới 50\u00a0%",
                  "⛔ Chưa có cán bộ", "⏳ Chưa báo cáo"):  # fmt: skip
        assert page_html.count(label) == 2  # legend + one tile each
    assert "Lê Văn &lt;b&gt;Bí&lt;/b&gt;" in page_html
    assert "5 tổ: ⛔ 1 chưa có cán bộ · ⚠️ 1 xếp loại Yếu" in page_html
    load = at.dataframe[0].value
    assert load["Mã cán bộ"].tolist() == ["CB01", "CB02", "CB03"]
    assert load["Số tổ phụ trách"].tolist() == [2, 2, 3]
    # T6's handover is in A2, not in A1 (the other table is the Chi bộ's list of A1).
    assert len(at.dataframe) == 2
    assert at.dataframe[1].value["Tổ"].tolist()[:2] == ["Tổ 1", "Tổ 2"]
    assert any("Chưa có lần đổi cán bộ phụ trách" in i.value for i in at.info)
    # Two groups of A1 have coordinates; the other three are counted below the map.
    assert any("3 tổ chưa có tọa độ" in c.value for c in at.main.caption)

    # The whole commune: A3 has no groups; the history shows T6's handover.
    at.sidebar.selectbox(key="filter_hamlet").select("").run()
    assert [s.value for s in at.subheader] == ["Ấp Một", "Ấp Hai", "Ấp Ba"]
    assert any(i.value == "Ấp Ba chưa có tổ nào trong trang Tổ của bảng tính." for i in at.info)
    assert "&lt;i&gt;Tổ 7&lt;/i&gt;" in "".join(html_bodies(at))
    history = at.dataframe[1].value
    assert history.values.tolist() == [
        [dt.date(2016, 10, 1), "Tổ 6", "Ấp Hai", "Phạm Thị Dung", "Lê Văn Cường",
         "QĐ 5-QĐ/ĐU ngày 25/9/2016", "T6"],
    ]  # fmt: skip
    assert at.dataframe[0].value["Tình trạng"].iloc[0] == "Chưa phụ trách tổ nào"  # CB04

    # A cadre who follows no group this month: the map says so.
    at.sidebar.selectbox(key="filter_cadre").select("CB04").run()
    assert at.query_params["canbo"] == "CB04"
    assert any("không phụ trách tổ nào" in i.value for i in at.info)
    assert not at.subheader

    # Before the handover (09/2016) CB04 still had T6.
    at.sidebar.selectbox(key="filter_month").select("09/2016").run()
    assert [s.value for s in at.subheader] == ["Ấp Hai"]
    assert "⏳ Chưa báo cáo" in "".join(html_bodies(at))


def test_the_chi_bo_lists_from_the_map(monkeypatch, tmp_path):
    """The «In danh sách» tab: the chosen hamlet's list previewed, Excel and Word downloads
    of it (or of every hamlet), the same bytes as the command line makes."""
    captured = {}
    original = MediaFileManager.add_deferred

    def record(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        captured[file_name] = data_callable
        return original(self, data_callable, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", record)
    use_workbook(monkeypatch, leadership_book(), tmp_path)
    at = app(cadre="CB01", page=PAGE, query={"thang": "10-2016", "ap": "A1"})
    assert not at.exception
    assert at.selectbox(key="assignment_map_list_hamlet").value == "A1"
    preview = at.dataframe[-1].value
    assert preview.columns[:7].tolist() == list(hamlet_list.COLUMNS)
    assert preview.columns[-3:].tolist() == [
        "Sinh hoạt 08/2016", "Sinh hoạt 09/2016", "Sinh hoạt 10/2016",
    ]  # fmt: skip
    workbook = openpyxl.load_workbook(io.BytesIO(captured["danh-sach-to_A1_10-2016.xlsx"]()))
    assert workbook.sheetnames == ["Ấp Một"]
    document = Document(io.BytesIO(captured["danh-sach-to_A1_10-2016.docx"]()))
    assert [c.text for c in document.tables[0].rows[0].cells][:2] == ["STT", "Tổ"]
    at.selectbox(key="assignment_map_list_hamlet").select("").run()
    assert not at.exception
    every = openpyxl.load_workbook(io.BytesIO(captured["danh-sach-to_10-2016.xlsx"]()))
    assert every.sheetnames == ["Ấp Một", "Ấp Hai", "Ấp Ba"]

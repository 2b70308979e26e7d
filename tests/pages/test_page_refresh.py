"""The shared snapshot in the app: data as of HH:MM, the refresh button, and a failed refresh."""

from __future__ import annotations

import streamlit as st

from tests.app_support import app, use_workbook
from tests.figures.test_assignment_view import leadership_book


def _warnings(at) -> list[str]:
    return [w.value for w in at.warning]


def test_a_failed_refresh_keeps_the_last_good_data_with_a_warning(monkeypatch, tmp_path):
    path = use_workbook(monkeypatch, leadership_book(), tmp_path)
    st.cache_resource.clear()
    at = app(cadre="CB01", query={"thang": "10-2016"})
    assert not at.exception
    before = {m.label: m.value for m in at.metric}
    assert before and at.title[0].value == "Tổng quan"
    assert any("Dữ liệu lúc" in c.value for c in at.sidebar.caption)

    path.write_bytes(b"not a workbook any more")  # the office's file breaks
    at.button(key="refresh").click().run()

    assert not at.exception
    assert at.title[0].value == "Tổng quan"
    assert {m.label: m.value for m in at.metric} == before  # the last good snapshot
    assert any("Không làm mới được dữ liệu" in w for w in _warnings(at))
    st.cache_resource.clear()


def test_without_any_good_snapshot_the_page_says_so_in_a_sentence(monkeypatch, tmp_path):
    path = use_workbook(monkeypatch, leadership_book(), tmp_path)
    path.write_bytes(b"broken")
    st.cache_resource.clear()
    at = app(cadre="CB01")
    assert not at.exception
    assert [e.value for e in at.error][0].startswith("Chưa đọc được dữ liệu")
    assert not at.metric
    st.cache_resource.clear()

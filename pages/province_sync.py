"""Đồng bộ dữ liệu: which communes are in the store, since when, what failed and why."""

from __future__ import annotations

import time

import pandas as pd
import streamlit as st

from pages import _province
from pages._shared import table_with_downloads
from tothu_core.clock import office_now
from tothu_core.province import sync as sync_states
from tothu_core.province import views
from tothu_core.textnorm import escape_markdown

KEY_APPLIED = "province_sync_applied"

ctx = _province.context()
names = ctx.names

st.title("Đồng bộ dữ liệu")
st.caption(
    "Mỗi xã giữ bảng tính của mình; ứng dụng đọc từng bảng, kiểm tra và lưu vào kho tổng hợp. "
    "Bảng tính không đổi thì không đọc lại; xã bị lỗi vẫn giữ số liệu đồng bộ được lần trước."
)

if ctx.viewer.may_sync:
    sync = _province.worker()
    progress = sync.progress()
    if st.button(
        "Đồng bộ ngay",
        type="primary",
        icon=":material/sync:",
        disabled=progress.running,
        width="stretch",
        key="province_sync_now",
    ):
        sync.run_now()
        time.sleep(0.3)
        progress = sync.progress()
    if progress.running:
        report = progress.report
        finished = (sync_states.DONE, sync_states.UNCHANGED, sync_states.FAILED)
        done = 0 if report is None else sum(c.state in finished for c in report.communes)
        total = len(names) if report is None else max(1, len(report.communes))
        st.progress(min(done / total, 1.0), text=f"Đang đồng bộ… {done}/{total} xã")
        if report is not None:
            st.caption("  \n".join(escape_markdown(c.line) for c in report.communes))
        if st.button("Cập nhật tiến độ", key="province_sync_refresh", icon=":material/refresh:"):
            st.rerun()
    else:
        if progress.error:
            st.error(escape_markdown(progress.error))
        if progress.report is not None:
            st.info(escape_markdown(progress.report.summary()), icon=":material/task_alt:")
            finished = progress.report.finished
            if finished is not None and st.session_state.get(KEY_APPLIED) != finished:
                # A finished run changed the store: read it again now, once, for every page.
                st.session_state[KEY_APPLIED] = finished
                _province.province_data(force=True)
                st.rerun()
        if progress.next_run is not None:
            st.caption(f"Lần đồng bộ tự động tiếp theo: {progress.next_run:%H:%M %d/%m/%Y}.")

table = views.status_table(names.items(), ctx.status, ctx.table("summary"))
counts = views.status_counts(table)
st.markdown(
    f"**{len(table)} xã**: {counts[views.SYNC_OK]} đã đồng bộ, "
    f"{counts[views.SYNC_FAILED]} lỗi lần gần nhất, {counts[views.SYNC_NEVER]} chưa đồng bộ."
)
failed = table[table["Trạng thái"] == views.SYNC_FAILED]
for row in failed.itertuples(index=False):
    st.error(f"**{escape_markdown(row[1])}**: {escape_markdown(row[5])}", icon=":material/error:")
table_with_downloads(
    table,
    slug="dong-bo",
    ctx=_province.export_scope(ctx, pd.Period(office_now(), freq="M")),
    key="province_status",
    placeholder="–",
)

"""The frame every page shares: the cached snapshot, the sidebar filters and table downloads.

`app.py` builds one `PageContext` per run (after sign-in) and the pages read it with
`context()`; no page reads the source, and nothing here computes a figure.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import streamlit as st
from streamlit import config as st_config

from tothu_core.clock import office_now
from tothu_core.entry.outbox import Outbox
from tothu_core.errors import ConfigError, TothuError
from tothu_core.figures import activity, headline
from tothu_core.figures.numbers import PLOTLY_SEPARATORS, display_styler, number_columns
from tothu_core.outputs.exportfile import MIME_TYPES, export_filename, to_csv_bytes, to_xlsx_bytes
from tothu_core.people.access import Viewer
from tothu_core.people.accounts import default_accounts_path
from tothu_core.people.configuration import check_configuration
from tothu_core.province.warm import WarmStart
from tothu_core.settings import Settings, load_settings, parse_secrets_file
from tothu_core.sheet import contract
from tothu_core.sheet.dataset import Dataset
from tothu_core.sheet.snapshot import Snapshot, SnapshotStore
from tothu_core.sheet.sources import describe_choice, resolve_source
from tothu_core.textnorm import escape_markdown, fold
from tothu_core.vietnamese import sort_by_name

ALL = ""
# Query-string keys: short, without diacritics, so a shared link stays readable.
QP_MONTH, QP_HAMLET, QP_CADRE = "thang", "ap", "canbo"
# Session-state keys of the shared filters, prefixed so pages never collide with them.
KEY_MONTH, KEY_HAMLET, KEY_CADRE, KEY_CADRE_SEARCH = (
    "filter_month",
    "filter_hamlet",
    "filter_cadre",
    "filter_cadre_search",
)
_CONTEXT_KEY = "page_context"

# How the entries' dates show in every table (the values stay dates). Numbers are shown the
# Vietnamese way by `numbers.display_styler` (89,2 %, 3.210); a table too large to style
# quickly uses the browser's own number format instead ("localized").
LOCALIZED = st.column_config.NumberColumn(format="localized")
ENTRY_COLUMNS = {
    activity.HEADERS["meeting_date"]: st.column_config.DateColumn(format="DD/MM/YYYY"),
    activity.HEADERS["submitted_at"]: st.column_config.DatetimeColumn(format="DD/MM/YYYY HH:mm"),
}


@dataclass(frozen=True)
class Filters:
    month: pd.Period
    hamlet: str | None
    cadre: str | None

    @property
    def month_text(self) -> str:
        return self.month.strftime(contract.MONTH_FORMAT)

    @property
    def kwargs(self) -> dict:
        return {"hamlet": self.hamlet, "cadre": self.cadre}


@dataclass(frozen=True)
class PageContext:
    viewer: Viewer
    snapshot: Snapshot
    filters: Filters
    settings: Settings
    store: SnapshotStore

    @property
    def ds(self) -> Dataset:
        return self.snapshot.dataset

    def memo(self, name: str, compute, *args):
        """A figure computed once per snapshot and filter choice, shared by every visitor."""
        return self.snapshot.memo((name, self.filters, *args), compute)


CONFIG_BROKEN_TITLE = "Ứng dụng chưa chạy được"
CONFIG_BROKEN_HINT = (
    "Người quản trị sửa xong cấu hình thì tải lại trang này. Ứng dụng không tự chuyển sang dữ "
    "liệu mẫu, để không ai tưởng mình đang xem hay ghi số liệu thật."
)
SECRETS_UNUSABLE = (
    "Streamlit không đọc được cấu hình bí mật ở {paths}: hãy kiểm tra lại các tệp đó theo tệp "
    "mẫu .streamlit/secrets.toml.example."
)


def secrets_files() -> list[Path]:
    """The secrets files Streamlit reads (its `secrets.files` option), those that exist."""
    return [Path(p) for p in st_config.get_option("secrets.files") if Path(p).exists()]


def secrets_path() -> Path | None:
    """The secrets file to name in messages: the last one Streamlit reads (it wins)."""
    found = [p for p in secrets_files() if p.is_file()]
    return found[-1] if found else None


def secrets() -> dict:
    """st.secrets as a plain dict; an office without secrets.toml simply has none.

    A file that exists but cannot be read is a ConfigError naming it (and the TOML line),
    never an empty dict: that silent fall-back once turned a typo into the demo data.
    """
    try:
        return st.secrets.to_dict()
    except Exception as error:  # noqa: BLE001 - Streamlit's errors are made into our sentence
        files = secrets_files()
        for path in files:
            if path.is_file():
                parse_secrets_file(path)  # the sentence with the file and the line
        if isinstance(error, FileNotFoundError) and not files:
            return {}
        shown = ", ".join(str(p) for p in files) or "secrets.toml"
        raise ConfigError(SECRETS_UNUSABLE.format(paths=shown)) from None


def configuration_problem() -> str | None:
    """The sentence saying why the configuration cannot be used, or None when it can.

    The settings (environment, secrets.toml, the file the Cài đặt page saves) are part of it:
    a value that cannot be used stops the app as a broken secrets.toml does.
    """
    try:
        check_configuration(
            secrets=secrets(), secrets_path=secrets_path(), accounts_path=default_accounts_path()
        )
        settings()
    except ConfigError as error:
        return str(error)
    return None


def require_usable_configuration() -> None:
    """Show the configuration's problem as the only page and end the run, before sign-in.

    Nothing else is offered (no demo data, no role picker, no sign-in form): whoever opens
    the app reads the one sentence that says which file to fix.
    """
    problem = configuration_problem()
    if problem is None:
        return

    def broken_configuration() -> None:
        st.title(CONFIG_BROKEN_TITLE)
        st.error(escape_markdown(problem), icon=":material/settings_alert:")
        st.caption(CONFIG_BROKEN_HINT)

    st.navigation(
        [st.Page(broken_configuration, title="Cấu hình chưa đúng", icon=":material/error:")]
    ).run()
    st.stop()


def settings() -> Settings:
    """The settings in force, read again on every run: a change saved on «Cài đặt» applies
    at once, without a restart. On the demo, the demo commune's names fill the letterhead."""
    return load_settings(secrets=secrets(), demo=uses_demo())


def source_choice() -> tuple[str, str]:
    """(configured source, where it was configured) without touching the source."""
    return describe_choice(secrets=secrets(), secrets_path=secrets_path())


def uses_demo() -> bool:
    return source_choice()[0] == "demo"


@st.cache_resource(show_spinner=False)
def _store(source_spec: str, ttl_seconds: int, max_load: int) -> SnapshotStore:
    """One store per configured source for the whole server: every session shares it.

    The cache time and the maximum groups per cadre (the reader warns above it) are part of
    the key, so a change saved on «Cài đặt» gets a store, and a read, of its own.
    """
    source = resolve_source(source_spec, secrets=secrets())
    read_options = {"max_groups_per_cadre": max_load}
    # A restart serves the last read saved in the data dir while the source is unchanged.
    warm = WarmStart(settings().data_dir, source.identity, read_options=read_options)
    return SnapshotStore(
        source,
        ttl_seconds=ttl_seconds,
        background=True,
        read_options=read_options,
        warm_start=warm.load,
        on_read=warm.save_in_background,
    )


def store() -> SnapshotStore:
    spec, _origin = source_choice()
    current = settings()
    return _store(spec, current.cache_ttl_seconds, current.max_load)


def forget_stores() -> None:
    """After the settings that shape a read changed: drop the old stores (and their data)."""
    _store.clear()


def load_snapshot(*, force: bool = False) -> Snapshot:
    """The shared snapshot; stops the page with a sentence when there is no data at all."""
    try:
        with st.spinner("Đang đọc bảng tính…"):
            state = store().get(force=force)
    except TothuError as exc:
        st.error(f"Không mở được nguồn dữ liệu: {escape_markdown(exc)}")
        st.stop()
    if state.snapshot is None:
        st.error(f"Chưa đọc được dữ liệu: {escape_markdown(state.error)}")
        st.caption("Hãy kiểm tra kết nối rồi bấm «Làm mới dữ liệu», hoặc báo cho người quản trị.")
        if st.button("Làm mới dữ liệu", key="refresh_failed"):
            st.rerun()
        st.stop()
    if state.error is not None:
        st.warning(
            f"Không làm mới được dữ liệu ({escape_markdown(state.error)}). Đang hiển thị dữ "
            f"liệu lúc {state.snapshot.read_at:%H:%M %d/%m/%Y}.",
            icon="⚠️",
        )
    return state.snapshot


def month_options(ds: Dataset) -> list[str]:
    """Newest month first, as MM/YYYY."""
    return [m.strftime(contract.MONTH_FORMAT) for m in reversed(ds.months())]


def default_month(ds: Dataset, deadline_day: int) -> str | None:
    """The newest month whose reports are due already (its deadline has passed).

    Opening the dashboards on the 27th, leadership want last month's complete picture,
    not the few reports of a month still in progress; that month stays one click away.
    """
    from tothu_core.figures.figures import deadline

    months = list(reversed(ds.months()))
    now = pd.Timestamp(office_now())
    due = [m for m in months if deadline(m, day=deadline_day) < now]
    chosen = due[0] if due else (months[0] if months else None)
    return chosen.strftime(contract.MONTH_FORMAT) if chosen is not None else None


def _from_query(name: str) -> str | None:
    value = st.query_params.get(name)
    return value.replace("-", "/") if name == QP_MONTH and value else value


def sidebar_filters(ds: Dataset, viewer: Viewer) -> Filters:
    """Month, hamlet and cadre in the sidebar, mirrored in the URL so a link shows the same view."""
    months = month_options(ds)
    if not months:
        st.info("Bảng tính chưa có phân công hay báo cáo nào, nên chưa có tháng để xem.")
        st.stop()
    hamlets = dict(zip(ds.hamlets["hamlet_id"], ds.hamlets["hamlet_name"], strict=True))
    cadres_sorted = sort_by_name(ds.cadres, "name")
    cadre_names = dict(zip(cadres_sorted["cadre_id"], cadres_sorted["name"], strict=True))

    state = st.session_state
    if KEY_MONTH not in state or state[KEY_MONTH] not in months:
        wanted = _from_query(QP_MONTH)
        state[KEY_MONTH] = (
            wanted if wanted in months else default_month(ds, settings().deadline_day)
        )
    if KEY_HAMLET not in state or (state[KEY_HAMLET] and state[KEY_HAMLET] not in hamlets):
        wanted = _from_query(QP_HAMLET)
        state[KEY_HAMLET] = wanted if wanted in hamlets else ALL
    if KEY_CADRE not in state or (state[KEY_CADRE] and state[KEY_CADRE] not in cadre_names):
        wanted = _from_query(QP_CADRE)
        state[KEY_CADRE] = wanted if wanted in cadre_names else ALL

    with st.sidebar:
        st.selectbox("Tháng", months, key=KEY_MONTH)
        hamlet = cadre = ALL
        if viewer.sees_everything:
            st.selectbox(
                "Ấp",
                [ALL, *hamlets],
                key=KEY_HAMLET,
                format_func=lambda h: hamlets.get(h, "Tất cả các ấp"),
            )
            query = st.text_input(
                "Tìm cán bộ", key=KEY_CADRE_SEARCH, placeholder="gõ tên, không cần dấu"
            )
            options = [ALL] + [
                c for c, n in cadre_names.items() if not query or fold(query) in fold(n)
            ]
            if state[KEY_CADRE] not in options:
                options.append(state[KEY_CADRE])
            st.selectbox(
                "Cán bộ",
                options,
                key=KEY_CADRE,
                format_func=lambda c: f"{cadre_names[c]} ({c})" if c else "Tất cả cán bộ",
            )
            hamlet, cadre = state[KEY_HAMLET], state[KEY_CADRE]

    st.query_params.update({QP_MONTH: state[KEY_MONTH].replace("/", "-")})
    for key, value in ((QP_HAMLET, hamlet), (QP_CADRE, cadre)):
        if value:
            st.query_params[key] = value
        elif key in st.query_params:
            del st.query_params[key]
    month = pd.Period(year=int(state[KEY_MONTH][3:]), month=int(state[KEY_MONTH][:2]), freq="M")
    return Filters(month=month, hamlet=hamlet or None, cadre=cadre or None)


def set_context(ctx: PageContext) -> None:
    st.session_state[_CONTEXT_KEY] = ctx


def clear_context() -> None:
    """Called when app.py's run ends: a context never outlives the run that checked sign-in."""
    st.session_state.pop(_CONTEXT_KEY, None)


def context() -> PageContext:
    """The context app.py built in this very run, after sign-in."""
    return run_context(_CONTEXT_KEY)


def run_context(key: str):
    """The context app.py stored under `key` in this very run.

    A page file started any other way (Streamlit can serve a file of pages/ by its URL
    before app.py has run) finds none and stops before showing anything.
    """
    ctx = st.session_state.get(key)
    if ctx is None:
        try:
            st.switch_page("app.py")
        except st.errors.StreamlitAPIException:
            st.stop()
    return ctx


def page_header(title: str, ctx: PageContext, *, caption: str | None = None) -> None:
    """The page title plus the scope it shows, so a screenshot explains itself."""
    st.title(title)
    scope = [f"Tháng {ctx.filters.month_text}"]
    if ctx.filters.hamlet:
        names = ctx.ds.hamlets.set_index("hamlet_id")["hamlet_name"]
        scope.append(escape_markdown(names.get(ctx.filters.hamlet, ctx.filters.hamlet)))
    if ctx.filters.cadre:
        names = ctx.ds.cadres.set_index("cadre_id")["name"]
        name = escape_markdown(names.get(ctx.filters.cadre, ctx.filters.cadre))
        scope.append(f"đồng chí {name}")
    st.caption(" · ".join(scope) + (f" — {caption}" if caption else ""))


def chart_text(values):
    """Sheet text for a Plotly label, legend or hover: Plotly reads `<b>`, `<a href>`, `<br>`…
    in its text (its "pseudo-HTML"), so `<`, `>` and `&` are escaped. Plotly turns `&lt;`,
    `&gt;` and `&amp;` back into the characters typed, but not `&quot;`: quotes stay as they
    are (outside a tag they mean nothing to Plotly)."""

    def escape(value):
        return html.escape(str(value), quote=False)

    if isinstance(values, pd.Series | pd.Index):
        return values.map(lambda v: v if pd.isna(v) else escape(v))
    if isinstance(values, list | tuple):
        return [escape(v) for v in values]
    return escape(values)


# A headline card's width: two side by side on a 390 px phone, a row of them on a desk.
CARD_WIDTH = 170


def headline_metrics(cards, *, sparklines: bool = True) -> None:
    """The headline cards of an overview page, commune or province, in one wrapping row."""
    with st.container(horizontal=True, gap="small"):
        for card in cards:
            st.metric(
                card.label,
                card.value_text,
                delta=card.delta,
                delta_color=card.delta_color,
                help=card.help,
                chart_data=card.trend if sparklines and len(card.trend) > 1 else None,
                border=True,
                width=CARD_WIDTH,
            )


def trend_charts(trend: pd.DataFrame, month: pd.Period, still_open, *, note: str = "") -> None:
    """The two trend lines (meetings, cadres' reports) of the overview pages, commune or province.

    The month shown is a dotted line; months still taking reports are shaded, since their
    figures are not complete yet.
    """
    if len(trend) < 2:
        st.caption("Mới có số liệu của một tháng, chưa vẽ được diễn biến.")
        return
    for title, keys in (
        ("Sinh hoạt tổ", headline.MEETING_TREND),
        ("Báo cáo của cán bộ", headline.REPORT_TREND),
    ):
        fig = px.line(
            headline.trend_long(trend, keys),
            x="Tháng",
            y="Tỷ lệ (%)",
            color="Chỉ số",
            markers=True,
            title=title,
        )
        fig.update_yaxes(range=[0, 105], ticksuffix="\u00a0%", title=None)
        fig.update_traces(
            hovertemplate="%{x|%m/%Y} · %{y:.1f}\u00a0%<extra>%{fullData.name}</extra>"
        )
        fig.update_xaxes(tickformat="%m/%Y", title=None)
        fig.add_vline(x=month.to_timestamp(), line_dash="dot", line_color="#6b7280")
        if len(still_open):
            fig.add_vrect(
                x0=(still_open[0].to_timestamp() - pd.Timedelta(days=15)),
                x1=(still_open[-1].to_timestamp() + pd.Timedelta(days=15)),
                fillcolor="#9ca3af",
                opacity=0.2,
                line_width=0,
            )
        fig.update_layout(legend_title_text="")
        show_chart(fig, height=320)
    notes = ["Đường chấm: tháng đang xem."]
    if len(still_open):
        notes.append("Vùng xám: tháng còn đang nhận báo cáo, số liệu chưa đủ.")
    st.caption(" ".join([*notes, note] if note else notes))


def show_chart(fig: go.Figure, *, height: int = 360, toolbar: bool = True) -> None:
    """Plotly figures readable on a 380 px phone: legend below, tight margins; numbers on axes
    and in hover labels written the Vietnamese way (decimal comma, dot for thousands).

    `toolbar=False` hides Plotly's zoom/download bar, whose hints only exist in English.
    """
    fig.update_layout(
        height=height,
        margin={"l": 8, "r": 8, "t": 36, "b": 8},
        legend={"orientation": "h", "yanchor": "top", "y": -0.15, "x": 0},
        font={"size": 13},
        separators=PLOTLY_SEPARATORS,
    )
    config = {"displaylogo": False, "responsive": True}
    if not toolbar:
        config["displayModeBar"] = False
    st.plotly_chart(fig, width="stretch", config=config)


def table_with_downloads(
    frame: pd.DataFrame,
    *,
    slug: str,
    ctx: PageContext,
    key: str,
    date_columns: tuple[str, ...] = (),
    datetime_columns: tuple[str, ...] = (),
    column_config: dict | None = None,
    empty_message: str = "Không có dòng nào.",
    placeholder: str | None = None,
) -> None:
    """Show exactly this table and offer it as CSV and Excel, filters applied, to those allowed.

    The files are built only when a button is pressed (deferred), so a page with several
    tables does not write workbooks on every rerun.
    """
    if frame.empty:
        st.info(empty_message)
        return
    config = dict(column_config or {})
    styled = display_styler(frame, skip=tuple(config))
    if styled is None:
        config = {c: LOCALIZED for c in number_columns(frame)} | config
    # placeholder: what a missing value shows (Streamlit's default is the English "None").
    st.dataframe(
        frame if styled is None else styled,
        hide_index=True,
        width="stretch",
        column_config=config,
        placeholder=placeholder,
    )
    if not ctx.viewer.may_export:
        return
    f = ctx.filters
    name = {
        "month": f.month_text,
        "hamlet": f.hamlet,
        "cadre": f.cadre,
    }
    left, right = st.columns(2)
    left.download_button(
        "⬇ Tải CSV",
        data=lambda: to_csv_bytes(frame),
        on_click="ignore",
        file_name=export_filename(slug, ext="csv", **name),
        mime=MIME_TYPES["csv"],
        key=f"{key}_csv",
        width="stretch",
    )
    right.download_button(
        "⬇ Tải Excel",
        data=lambda: to_xlsx_bytes(
            frame,
            sheet_name=slug,
            date_columns=date_columns,
            datetime_columns=datetime_columns,
        ),
        on_click="ignore",
        file_name=export_filename(slug, ext="xlsx", **name),
        mime=MIME_TYPES["xlsx"],
        key=f"{key}_xlsx",
        width="stretch",
    )


def freshness(snapshot: Snapshot) -> None:
    """'Data as of HH:MM' and a refresh button, at the bottom of the sidebar."""
    with st.sidebar:
        st.divider()
        st.caption(
            f"Dữ liệu lúc {snapshot.read_at:%H:%M} ngày {snapshot.read_at:%d/%m/%Y}  \n"
            f"Nguồn: {escape_markdown(snapshot.dataset.source_label)}"
        )
        pending_entries_line()
        if st.button("↻ Làm mới dữ liệu", key="refresh", width="stretch"):
            load_snapshot(force=True)
            st.rerun()


def pending_entries_line() -> None:
    """'N báo cáo đang chờ gửi' while the outbox holds entries the sheet has not taken yet."""
    count = Outbox.in_folder(settings().data_dir).pending_count(store().source.identity)
    if count:
        st.warning(f"{count} báo cáo đang chờ gửi vào bảng tính.", icon=":material/schedule_send:")

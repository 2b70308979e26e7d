"""Speed and memory at commune, district and province scale: `python bench/run.py [--quick]`.

Every measurement runs in a fresh subprocess (one per scale and kind), so peak memory is
that scale's own and no cache of an earlier scale helps a later one. Results go to
`bench/results/` (a JSON file and the markdown table printed at the end); the demo
workbooks are written once and kept there, keyed by the generator's source, because
writing the province one takes about a minute.

Kinds of worker:
- core: read a local workbook (cells, then validation) and compute every figure for one
  month, plus the 24-month overview behind the trend lines;
- pages: render every page with AppTest, a first and a second visitor, and 20 visitors
  opening the overview (counting reads of the workbook);
- sheets: the same data in the tests' fake Google Sheets server with 200 ms added to each
  request: requests and wall time per refresh and per submission, and 20 sessions asking
  for the snapshot at the same moment;
- local: submissions into a copy of the local workbook: the first after the office saved
  the file (the tab is streamed once), the next ones (only the tab's end is rewritten), a
  retry that looks its Mã phiếu up, and the same retry after another save.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import functools
import hashlib
import json
import multiprocessing
import os
import platform
import resource
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.child import run_child  # noqa: E402  (after ROOT is importable)

RESULTS = ROOT / "bench" / "results"
MONTHS = 24
END_MONTH = "12/2025"
TODAY = dt.date(2026, 1, 10)
SCALES = {1: "xã", 20: "huyện", 150: "tỉnh"}
PAGE_SCALES = (1, 20)
LATENCY = 0.2
SESSIONS = 20
SHEET_KEY = "1BenchProvinceSheetKey0123456789abcdefghij"
SHEETS_API_KINDS = ("metadata", "batchGet", "get", "append")
FIGURES = ("coverage", "attendance", "completeness", "cadre_load", "needs_attention", "overview")


# -- helpers shared by the workers ----------------------------------------------------------


def peak_rss_mb() -> float:
    """The process's peak resident memory so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(call: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    value = call()
    return time.perf_counter() - start, value


@contextlib.contextmanager
def cpu_seconds(into: dict, name: str):
    """CPU seconds of this process for the block: on a busy machine, wall time overstates."""
    start = time.process_time()
    yield
    into[name] = time.process_time() - start


def best_of(call: Callable[[], object], *, repeat: int) -> tuple[float, float]:
    """(first call, median of the `repeat` calls): the first pays for lazy indexes."""
    times = [timed(call)[0] for _ in range(repeat)]
    return times[0], statistics.median(times)


def generate(communes: int) -> dict:
    from tothu_core.sheet.demo import generate_workbook

    return generate_workbook(communes=communes, months=MONTHS, end_month=END_MONTH, today=TODAY)


def generator_fingerprint() -> str:
    """Cached workbooks are rebuilt whenever the generator changes."""
    source = (ROOT / "tothu_core" / "sheet" / "demo.py").read_bytes()
    return hashlib.sha256(source).hexdigest()[:8]


def workbook_path(communes: int) -> Path:
    return RESULTS / "workbooks" / f"demo-{communes}c-{MONTHS}m-{generator_fingerprint()}.xlsx"


def ensure_workbook(communes: int) -> tuple[Path, float | None]:
    """The cached workbook for this scale, and the seconds spent writing it (None if cached)."""
    from tothu_core.sheet.demo import write_workbook

    path = workbook_path(communes)
    if path.exists():
        return path, None
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in path.parent.glob(f"demo-{communes}c-{MONTHS}m-*.xlsx"):
        stale.unlink()
    start = time.perf_counter()
    book = generate(communes)
    partial = path.with_suffix(".partial.xlsx")
    write_workbook(book, partial)
    os.replace(partial, path)
    return path, time.perf_counter() - start


# -- worker: read and figures --------------------------------------------------------------


def work_core(args) -> dict:
    from tothu_core.figures import figures
    from tothu_core.sheet import contract
    from tothu_core.sheet.reader import read_dataset
    from tothu_core.sheet.sources.workbook import WorkbookSource

    baseline = peak_rss_mb()
    source = WorkbookSource(args.workbook)
    cpu = {}
    with cpu_seconds(cpu, "read_raw"):
        read_raw_s, raw = timed(source.read_raw)
    rss_raw = peak_rss_mb()
    with cpu_seconds(cpu, "validate"):
        validate_s, ds = timed(functools.partial(read_dataset, raw, source_label=source.label))
    del raw
    rss_read = peak_rss_mb()
    month = ds.latest_month()
    with cpu_seconds(cpu, "figures"):
        latest_s, _ = timed(lambda: ds.latest_meetings)
        figure_times = {}
        for name in FIGURES:
            function = getattr(figures, name)
            figure_times[name] = {"first": timed(lambda f=function: f(ds, month))[0]}
    with cpu_seconds(cpu, "trend"):
        trend_first, _ = timed(lambda: figures.overview(ds, ds.months()))
    for name in FIGURES:
        function = getattr(figures, name)
        figure_times[name]["median"] = best_of(lambda f=function: f(ds, month), repeat=3)[1]
    return {
        "rows": {
            "hamlets": len(ds.hamlets),
            "cadres": len(ds.cadres),
            "groups": len(ds.groups),
            "assignments": len(ds.assignments),
            "entries": len(ds.meetings),
        },
        "errors": len(ds.errors),
        "problems": len(ds.problems),
        "file_mb": Path(args.workbook).stat().st_size / 2**20,
        "month": month.strftime(contract.MONTH_FORMAT),
        "read_raw_s": read_raw_s,
        "validate_s": validate_s,
        "latest_index_s": latest_s,
        "figures": figure_times,
        "figures_total_s": latest_s + sum(t["first"] for t in figure_times.values()),
        "trend_first_s": trend_first,
        "cpu_s": cpu,
        "load_average": os.getloadavg(),
        "rss_baseline_mb": baseline,
        "rss_after_cells_mb": rss_raw,
        "rss_after_read_mb": rss_read,
        "rss_peak_mb": peak_rss_mb(),
    }


# -- worker: pages under AppTest ------------------------------------------------------------


class _CountingReads:
    """Counts every read of a workbook by any session of this process."""

    def __init__(self) -> None:
        from tothu_core.sheet.sources.workbook import WorkbookSource

        self.count = 0
        original = WorkbookSource.read_raw

        def counting(source):
            self.count += 1
            return original(source)

        WorkbookSource.read_raw = counting


def _admin_id(workbook: Path) -> str:
    from tothu_core.sheet import contract
    from tothu_core.sheet.load import load_dataset
    from tothu_core.sheet.sources.workbook import WorkbookSource

    cadres = load_dataset(WorkbookSource(workbook)).cadres
    return cadres.loc[cadres["role"] == contract.ROLE_ADMIN, "cadre_id"].iloc[0]


def _run_page(at, page: str | None) -> dict:
    if page is not None:
        at.switch_page(page)
    seconds, _ = timed(at.run)
    problems = [str(e.value)[:200] for e in at.exception] + [str(e.value)[:200] for e in at.error]
    return {"seconds": seconds, "problems": problems}


def work_pages(args) -> dict:
    from streamlit.testing.v1 import AppTest

    from tothu_core.people import access
    from tothu_core.sheet import contract

    folder = Path(tempfile.mkdtemp(prefix="tothu-bench-pages-"))
    try:
        workbook = shutil.copy(args.workbook, folder / "so-lieu.xlsx")
        accounts = folder / "accounts.json"
        accounts.write_text("{}", encoding="utf-8")
        os.environ.update(
            TOTHU_SOURCE=str(workbook),
            TOTHU_DATA_DIR=str(folder / "data"),
            TOTHU_ACCOUNTS_FILE=str(accounts),
        )
        admin = _admin_id(workbook)
        reads = _CountingReads()
        pages = [f"pages/{key}.py" for key in access.PAGES_BY_ROLE[contract.ROLE_ADMIN]]

        def session() -> AppTest:
            at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
            at.session_state["auth_local_cadre"] = admin
            return at

        first_visit = _run_page(session(), None)
        visits = {}
        for visitor in ("first", "second"):
            at = session()
            at.run()
            for page in pages:
                visits.setdefault(page, {})[visitor] = _run_page(at, page)
        # Another month on the overview: its figures are not memoised yet.
        at = session()
        at.run()
        months = at.sidebar.selectbox(key="filter_month").options
        at.sidebar.selectbox(key="filter_month").set_value(months[1])
        other_month = _run_page(at, None)

        reads_before = reads.count
        crowd_start = time.perf_counter()
        for _ in range(SESSIONS):
            _run_page(session(), None)
        crowd_s = time.perf_counter() - crowd_start
        return {
            "first_visit": first_visit,
            "pages": visits,
            "overview_other_month": other_month,
            "reads_total": reads.count,
            "crowd_sessions": SESSIONS,
            "crowd_reads": reads.count - reads_before,
            "crowd_s": crowd_s,
            "rss_peak_mb": peak_rss_mb(),
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# -- worker: Google Sheets against the fake server ------------------------------------------


def _serve_fake_sheets(conn, communes: int) -> None:
    """The fake Sheets server in a process of its own, so its work is not the client's."""
    from tests.fake_sheets import FakeSheetsServer

    book = generate(communes)
    with FakeSheetsServer(latency=LATENCY) as server:
        server.add_spreadsheet(SHEET_KEY, book, title="Bench")
        del book
        conn.send((server.base_url, server.service_account_info()))
        while conn.recv() is not None:
            conn.send({kind: server.count(kind) for kind in (*SHEETS_API_KINDS, "token")})


class _FakeSheetsProcess:
    """Start, ask for request counts, stop."""

    def __init__(self, communes: int) -> None:
        context = multiprocessing.get_context("fork")
        self._conn, child = context.Pipe()
        self._process = context.Process(
            target=_serve_fake_sheets, args=(child, communes), daemon=True
        )
        self._process.start()
        self.base_url, self.credentials_info = self._conn.recv()

    def counts(self) -> dict[str, int]:
        self._conn.send("count")
        return self._conn.recv()

    def stop(self) -> None:
        self._conn.send(None)
        self._process.join(timeout=10)
        if self._process.is_alive():
            self._process.terminate()


def _sheets_counts(server: _FakeSheetsProcess, before: dict[str, int]) -> dict[str, int]:
    """Requests since `before` (by kind), or all of them when `before` is empty."""
    now = server.counts()
    return {kind: n - before.get(kind, 0) for kind, n in now.items() if n - before.get(kind, 0)}


def _submission_record(ds) -> tuple:
    """(where the form writes, one new entry as the form's write path builds it)."""
    from tothu_core.sheet import contract
    from tothu_core.sheet.reader import write_target

    entry = ds.meetings.iloc[-1]
    record = {
        "submission_id": f"BENCH-{time.time_ns()}",
        "month": entry["month"].strftime(contract.MONTH_FORMAT),
        "group_id": entry["group_id"],
        "cadre_id": entry["cadre_id"],
        "submitted_at": dt.datetime.now().replace(microsecond=0),
    }
    return write_target(ds, "meetings"), record


def work_sheets(args) -> dict:
    from tests.fake_sheets import RedirectAdapter
    from tothu_core.figures import figures
    from tothu_core.sheet.snapshot import SnapshotStore
    from tothu_core.sheet.sources.gsheets import GoogleSheetSource

    server = _FakeSheetsProcess(args.communes)
    try:

        def new_source() -> GoogleSheetSource:
            return GoogleSheetSource(
                SHEET_KEY,
                credentials_info=server.credentials_info,
                http_adapter=RedirectAdapter(server.base_url, pool_maxsize=64),
                timeout=120.0,
                give_up_after=300.0,
            )

        store = SnapshotStore(new_source())
        refreshes = []
        for _ in range(3):
            before = _sheets_counts(server, {})
            force = bool(refreshes)
            seconds, state = timed(lambda f=force: store.get(force=f))
            assert state.snapshot is not None, state.error
            refreshes.append({"seconds": seconds, "requests": _sheets_counts(server, before)})
        ds = state.snapshot.dataset
        # What a server process reaches: refreshing while the previous snapshot is served.
        rss_refreshes = peak_rss_mb()
        raw_s, _ = timed(store.source.read_raw)

        target, record = _submission_record(ds)
        before = _sheets_counts(server, {})
        # A first attempt on a fresh layout, as EntryWriter sends it: one values:append.
        submit_s, appended = timed(
            lambda: store.source.append_records(
                target, [record], key="submission_id", known_new=True
            )
        )
        submission = {
            "seconds": submit_s,
            "appended": appended.added,
            "requests": _sheets_counts(server, before),
            "via": "GoogleSheetSource.append_records(key=Mã phiếu, known_new=True)",
        }
        submission_plain = submission_stale = None
        if not args.quick:
            # A retry from the outbox: the header and the Mã phiếu column are read first (one
            # batchGet), then nothing is appended: the row is already there.
            before = _sheets_counts(server, {})
            plain_s, _ = timed(
                lambda: store.source.append_records(target, [record], key="submission_id")
            )
            submission_plain = {"seconds": plain_s, "requests": _sheets_counts(server, before)}
            # A first attempt on an old layout (a form left open): the header first.
            stale = dataclasses.replace(target, read_at=None)
            other = {**record, "submission_id": f"BENCH-{time.time_ns()}"}
            before = _sheets_counts(server, {})
            stale_s, _ = timed(
                lambda: store.source.append_records(
                    stale, [other], key="submission_id", known_new=True
                )
            )
            submission_stale = {"seconds": stale_s, "requests": _sheets_counts(server, before)}

        crowd_store = SnapshotStore(new_source())
        barrier = threading.Barrier(SESSIONS)
        states, computed = [], []

        def trend(ds):
            computed.append(1)
            return figures.overview(ds, ds.months())

        def visitor() -> None:
            """What the overview page does first: the shared snapshot, then its trend figure."""
            barrier.wait()
            state = crowd_store.get()
            state.snapshot.memo(("overview_trend",), lambda: trend(state.snapshot.dataset))
            states.append(state)

        before = _sheets_counts(server, {})
        threads = [threading.Thread(target=visitor) for _ in range(SESSIONS)]
        crowd_start = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        crowd_s = time.perf_counter() - crowd_start
        same = len({id(s.snapshot) for s in states}) == 1 and states[0].snapshot is not None
        return {
            "latency_s": LATENCY,
            "refreshes": refreshes,
            "read_raw_s": raw_s,
            "submission": submission,
            "submission_without_key_check": submission_plain,
            "submission_on_an_old_layout": submission_stale,
            "crowd": {
                "sessions": SESSIONS,
                "store_reads": crowd_store.reads,
                "trend_computations": len(computed),
                "requests": _sheets_counts(server, before),
                "seconds": crowd_s,
                "all_got_one_snapshot": same,
            },
            "rss_after_refreshes_mb": rss_refreshes,
            "rss_peak_mb": peak_rss_mb(),
        }
    finally:
        server.stop()


# -- worker: submissions into a local workbook ----------------------------------------------


def _local_submission(header: list, key: str) -> list:
    """One entry row for the demo's Sinh hoạt tab, in its own column order."""
    values = {
        "Tháng": "12/2025",
        "Mã tổ": "X001-T001",
        "Mã cán bộ": "X001-CB01",
        "Ngày họp": dt.date(2025, 12, 3),
        "Số hộ dự": 21,
        "Cán bộ dự": "Có",
        "Tình hình": "Bà con đồng tình",
        "Thời điểm nhập": dt.datetime(2025, 12, 4, 8, 30, 15),
        "Mã phiếu": key,
    }
    return [values.get(name) for name in header]


def work_local(args) -> dict:
    import openpyxl

    from tothu_core.sheet.sources.workbook import WorkbookSource
    from tothu_core.sheet.sources.xlsx_package import open_package, scan_worksheet

    with tempfile.TemporaryDirectory() as folder:
        path = Path(shutil.copy(args.workbook, Path(folder) / "so-lieu.xlsx"))
        book = openpyxl.load_workbook(path, read_only=True)
        header = [c.value for c in next(book["Sinh hoạt"].iter_rows(max_row=1))]
        book.close()
        key = header.index("Mã phiếu")
        with open_package(path) as package:
            sheet = next(s for s in package.sheets if s.title == "Sinh hoạt")
            rows = scan_worksheet(package, sheet).last_row
        source = WorkbookSource(path)

        def submit(n: int, *, known_new: bool) -> dict:
            row = _local_submission(header, f"BENCH-{n}")
            start_cpu = time.process_time()
            wall, added = timed(
                lambda: source.append_rows("Sinh hoạt", [row], key_column=key, known_new=known_new)
            )
            return {"s": wall, "cpu_s": time.process_time() - start_cpu, "added": added}

        first = submit(0, known_new=True)
        later = [submit(n, known_new=True) for n in range(1, 6)]
        retry = submit(3, known_new=False)
        # The office saves the file in Excel: the next write cannot trust its own index.
        shutil.copy(args.workbook, path)
        after_save = submit(4, known_new=False)
        return {
            "rows": rows,
            "file_mb": Path(args.workbook).stat().st_size / 2**20,
            "first": first,
            "later_median_s": statistics.median(r["s"] for r in later),
            "later_median_cpu_s": statistics.median(r["cpu_s"] for r in later),
            "retry": retry,
            "after_save": after_save,
            "load_average": os.getloadavg(),
            "rss_peak_mb": peak_rss_mb(),
        }


def _local_lines(local: dict) -> list[str]:
    lines = [
        "",
        "**Submitting into a local workbook** (one entry; seconds as wall (CPU); the "
        "first after the office saved the file streams the tab once, later ones rewrite "
        "only its end)",
        "",
        "| scale | rows in Sinh hoạt | .xlsx MB | first after a save s | next ones, median s "
        "| retry (Mã phiếu looked up) s | retry after another save s | peak RSS MB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for n in sorted(local):
        r = local[n]
        if "failed" in r:
            lines.append(f"| {n} xã | failed: {r['failed'][-200:]!r} |")
            continue

        def both(item: dict) -> str:
            return f"{_s(item['s'])} ({_s(item['cpu_s'])})"

        lines.append(
            f"| {n} xã | {r['rows']:,} | {r['file_mb']:.1f} | {both(r['first'])} "
            f"| {_s(r['later_median_s'])} ({_s(r['later_median_cpu_s'])}) | {both(r['retry'])} "
            f"| {both(r['after_save'])} | {r['rss_peak_mb']:.0f} |"
        )
    return lines


WORKERS = {"core": work_core, "pages": work_pages, "sheets": work_sheets, "local": work_local}


# -- the orchestrating process ---------------------------------------------------------------


def run_worker(kind: str, communes: int, workbook: Path, *, quick: bool) -> dict:
    args = ["--worker", kind, "--communes", str(communes), "--workbook", str(workbook)]
    label = f"{kind} × {communes} xã"
    return run_child(Path(__file__).resolve(), args + (["--quick"] if quick else []), label)


def _s(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def _wall_cpu(result: dict, wall: str, cpu: str) -> str:
    seconds = result.get("cpu_s", {}).get(cpu)
    return _s(result[wall]) + (f" ({_s(seconds)})" if seconds is not None else "")


def _requests(counts: dict[str, int]) -> str:
    api = sum(n for kind, n in counts.items() if kind in SHEETS_API_KINDS)
    detail = ", ".join(f"{kind} {n}" for kind, n in sorted(counts.items()))
    return f"{api} ({detail})" if detail else "0"


def markdown(results: dict) -> str:
    """The tables for the README, from the JSON the workers wrote."""
    core = {int(k): v for k, v in results["core"].items()}
    pages = {int(k): v for k, v in results["pages"].items()}
    sheets = {int(k): v for k, v in results["sheets"].items()}
    local = {int(k): v for k, v in results.get("local", {}).items()}
    lines = [
        f"Measured {results['when']} on {results['machine']} "
        f"({results['cores']} cores, Python {results['python']}); "
        f"{MONTHS} months of demo data per commune, month shown {END_MONTH}.",
    ]
    if core:
        lines += _core_lines(core)
    if pages:
        lines += _page_lines(pages)
    if sheets:
        lines += _sheets_lines(sheets)
    if local:
        lines += _local_lines(local)
    if results.get("province"):
        from bench import province

        lines += province.markdown_lines(results["province"])
    return "\n".join(lines) + "\n"


def _core_lines(core: dict) -> list[str]:
    scales = sorted(core)
    lines = [
        "",
        "**Reading a local workbook and computing the figures** (one subprocess per scale)",
        "",
        "Seconds as wall (CPU of the process): the machine is shared, so CPU is the steadier "
        "number. *Cells* = python-calamine turning the .xlsx into Python rows; *validate* = "
        "`read_dataset` (parsing, checks, typed frames).",
        "",
        "| scale | groups | entries | .xlsx MB | cells s | validate s | every figure, one "
        "month s | overview, 24 months s | peak RSS MB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for n in scales:
        c = core[n]
        if "failed" in c:
            lines.append(f"| {n} xã | failed: {c['failed'][-200:]!r} |")
            continue
        lines.append(
            f"| {n} xã ({SCALES.get(n, '')}) | {c['rows']['groups']:,} | {c['rows']['entries']:,} "
            f"| {c['file_mb']:.1f} | {_wall_cpu(c, 'read_raw_s', 'read_raw')} "
            f"| {_wall_cpu(c, 'validate_s', 'validate')} "
            f"| {_wall_cpu(c, 'figures_total_s', 'figures')} "
            f"| {_wall_cpu(c, 'trend_first_s', 'trend')} | {c['rss_peak_mb']:.0f} |"
        )
    ok = [n for n in scales if "failed" not in core[n]]
    validation = ", ".join(
        f"{n} xã {_s(core[n]['cpu_s']['validate'])} s"
        + (f" ({core[n]['problems']:,} problems)" if "problems" in core[n] else "")
        for n in ok
        if "validate" in core[n].get("cpu_s", {})
    )
    if validation:
        lines += [
            "",
            "Validation alone, CPU seconds (`read_dataset` on the cells already read, first call "
            f"in a fresh process; each distinct cell of a column parsed once): {validation}.",
        ]
    lines += ["", "Each figure for one month, first call (seconds):", ""]
    lines.append("| figure | " + " | ".join(f"{n} xã" for n in ok) + " |")
    lines.append("|---|" + "---:|" * len(ok))
    lines.append(
        "| latest-entry index (once per snapshot) | "
        + " | ".join(_s(core[n]["latest_index_s"]) for n in ok)
        + " |"
    )
    for name in FIGURES:
        cells = " | ".join(_s(core[n]["figures"][name]["first"]) for n in ok)
        lines.append(f"| {name} | {cells} |")
    if len(ok) > 1:
        lines += ["", "Cost per 10,000 entries (seconds), to see how it grows:", ""]
        lines.append("| step | " + " | ".join(f"{n} xã" for n in ok) + " |")
        lines.append("|---|" + "---:|" * len(ok))
        for label, key in (
            ("cells", "read_raw_s"),
            ("validate", "validate_s"),
            ("figures, one month", "figures_total_s"),
            ("overview, 24 months", "trend_first_s"),
        ):
            cells = " | ".join(_s(core[n][key] / core[n]["rows"]["entries"] * 10_000) for n in ok)
            lines.append(f"| {label} | {cells} |")

    return lines


def _page_lines(pages: dict) -> list[str]:
    lines = []
    lines += [
        "",
        "**Rendering each page with AppTest** (admin; seconds; *first* = first visitor "
        "after the data is loaded, its figures not memoised yet; *again* = a second visitor)",
        "",
    ]
    pscales = sorted(pages)
    header = " | ".join(f"{n} xã first | {n} xã again" for n in pscales)
    lines.append(f"| page | {header} |")
    lines.append("|---|" + "---:|" * (2 * len(pscales)))
    any_ok = next((p for p in pages.values() if "failed" not in p), None)
    rows = [
        ("first visit: sign-in, read, overview", lambda p: (p["first_visit"], None)),
        ("overview, another month", lambda p: (p["overview_other_month"], None)),
    ]
    for page in any_ok["pages"] if any_ok else []:
        rows.append(
            (page, lambda p, page=page: (p["pages"][page]["first"], p["pages"][page]["second"]))
        )
    for label, pick in rows:
        cells = []
        for n in pscales:
            if "failed" in pages[n]:
                cells += ["failed", "failed"]
                continue
            first, again = pick(pages[n])
            cells.append(_page_cell(first))
            cells.append(_page_cell(again) if again else "")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    for n in pscales:
        p = pages[n]
        if "failed" in p:
            lines.append(f"\n{n} xã pages failed: `{p['failed'][-300:]}`")
            continue
        lines.append(
            f"\n{n} xã: {p['crowd_sessions']} more AppTest sessions opening the overview "
            f"read the workbook **{p['crowd_reads']}** time(s) ({_s(p['crowd_s'])} s in all); "
            f"reads in the whole process: {p['reads_total']}."
        )

    return lines


def _sheets_lines(sheets: dict) -> list[str]:
    lines = []
    lines += [
        "",
        f"**Google Sheets** (the tests' fake server, {int(LATENCY * 1000)} ms added to every "
        "request; requests counted on the server, shown as Sheets API requests (by kind); "
        "token = OAuth, not the Sheets API)",
        "",
        "| scale | first refresh in a process | s | later refresh | s | of which download s "
        "| submission (first attempt) | s | peak RSS MB over 3 refreshes |",
        "|---|---|---:|---|---:|---:|---|---:|---:|",
    ]
    for n in sorted(sheets):
        g = sheets[n]
        if "failed" in g:
            lines.append(f"| {n} xã | failed: {g['failed'][-200:]!r} |")
            continue
        first, later = g["refreshes"][0], g["refreshes"][-1]
        lines.append(
            f"| {n} xã | {_requests(first['requests'])} | {_s(first['seconds'])} "
            f"| {_requests(later['requests'])} | {_s(later['seconds'])} "
            f"| {_s(g['read_raw_s'])} "
            f"| {_requests(g['submission']['requests'])} | {_s(g['submission']['seconds'])} "
            f"| {g.get('rss_after_refreshes_mb', g['rss_peak_mb']):.0f} |"
        )
    plain = next(
        (
            g["submission_without_key_check"]
            for g in sheets.values()
            if g.get("submission_without_key_check")
        ),
        None,
    )
    if plain:
        lines.append(
            f"\nA retry of that submission from the outbox (the header and the Mã phiếu column "
            f"read first; the row is there, so nothing appended): "
            f"{_requests(plain['requests'])}, {_s(plain['seconds'])} s."
        )
    stale = next(
        (
            g["submission_on_an_old_layout"]
            for g in sheets.values()
            if g.get("submission_on_an_old_layout")
        ),
        None,
    )
    if stale:
        lines.append(
            f"A first submission on a layout older than 5 minutes (the header read first): "
            f"{_requests(stale['requests'])}, {_s(stale['seconds'])} s."
        )
    lines += [
        "",
        f"**{SESSIONS} sessions opening the overview at the same moment** (threads on one "
        "SnapshotStore over the fake Sheets server: the shared snapshot, then the "
        "overview's 24-month trend figure)",
        "",
        "| scale | source reads | Sheets requests | trend computations | wall s |",
        "|---|---:|---|---:|---:|",
    ]
    for n in sorted(sheets):
        crowd = sheets[n].get("crowd")
        if crowd:
            lines.append(
                f"| {n} xã | {crowd['store_reads']} | {_requests(crowd['requests'])} "
                f"| {crowd['trend_computations']} | {_s(crowd['seconds'])} |"
            )

    return lines


def _page_cell(run: dict) -> str:
    text = _s(run["seconds"])
    return text + (" ⚠" if run["problems"] else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 and 20 communes only")
    parser.add_argument("--scales", type=int, nargs="*", help="communes per run, e.g. 1 20 150")
    parser.add_argument(
        "--only", choices=[*sorted(WORKERS), "province"], nargs="*", help="some kinds only"
    )
    parser.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    parser.add_argument("--communes", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--workbook", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:
        result = WORKERS[args.worker](args)
        Path(args.out).write_text(json.dumps(result, default=str), encoding="utf-8")
        return

    scales = args.scales or ([1, 20] if args.quick else sorted(SCALES))
    kinds = args.only or [*sorted(WORKERS), "province"]
    results = {
        "when": dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "machine": platform.platform(terse=True),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "written_s": {},
        "core": {},
        "pages": {},
        "sheets": {},
        "local": {},
    }
    for communes in scales if set(kinds) & set(WORKERS) else ():
        print(f"{communes} xã:", file=sys.stderr, flush=True)
        workbook, written = ensure_workbook(communes)
        results["written_s"][communes] = written
        for kind in kinds:
            if kind == "pages" and communes not in PAGE_SCALES or kind not in WORKERS:
                continue
            results[kind][communes] = run_worker(kind, communes, workbook, quick=args.quick)
    if "province" in kinds:  # its own size (bench/province.py), not one of the scales
        from bench import province

        results["province"] = province.run(quick=args.quick)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    (RESULTS / f"results-{stamp}.json").write_text(
        json.dumps(results, indent=2, default=str), encoding="utf-8"
    )
    table = markdown(results)
    (RESULTS / f"results-{stamp}.md").write_text(table, encoding="utf-8")
    (RESULTS / "latest.md").write_text(table, encoding="utf-8")
    print(table)


if __name__ == "__main__":
    main()

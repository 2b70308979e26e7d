"""Province scale: 124 merged communes × 60 months synced into DuckDB, then the province's first
view, a re-sync of one changed commune and a commune app's warm start from the store.

Run from `bench/run.py` (section «province»), or alone: `python bench/province.py [--quick]`.
Each merged commune is its own CSV folder (three 2016 communes of the demo generator, about
300 groups and 18,000 entries); the folders and the registry are written once and kept in
`bench/results/province/`, keyed by the generator's source. Every measurement runs in a fresh
subprocess, so its peak memory (VmHWM) is its own.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.child import run_child  # noqa: E402  (after ROOT is importable)

RESULTS = ROOT / "bench" / "results"
COMMUNES, QUICK_COMMUNES = 124, 12
MONTHS = 60
OLD_COMMUNES_PER_MERGED = 3
END_MONTH = "12/2025"
TODAY = dt.date(2026, 1, 10)
NOW = dt.datetime(2026, 1, 10, 9, 0)
CHANGED = 0  # index of the commune edited before the re-sync
TARGETS = {"view_s": 2.0, "view_mb": 1024.0, "resync_s": 3.0}


def peak_mb() -> float:
    """This process's own peak resident memory (VmHWM)."""
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def fingerprint() -> str:
    """Cached communes are rebuilt when the generator or what is asked of it changes."""
    from tothu_core.sheet import contract

    asked = (OLD_COMMUNES_PER_MERGED, MONTHS, END_MONTH, TODAY, _cell.__doc__)
    former = "former_commune" in getattr(contract.HAMLETS, "headers", {})
    generator = (ROOT / "tothu_core" / "sheet" / "demo.py").read_bytes()
    source = generator + repr((asked, former)).encode()
    return hashlib.sha256(source).hexdigest()[:8]


def code_of(index: int) -> str:
    return f"XA{index + 1:03d}"


# -- the communes ---------------------------------------------------------------------------


def _cell(value) -> str:
    """A cell as an office's CSV export writes it: dates day first, as typed in the sheet."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%d/%m/%Y %H:%M:%S")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def _with_former_communes(rows: list[list]) -> list[list]:
    """The Ấp tab with a `Xã cũ` column (each hamlet's 2016 commune), when the contract has it."""
    from tothu_core.sheet import contract

    headers = getattr(contract.HAMLETS, "headers", {})
    if "former_commune" not in headers:
        return rows
    at = next(i for i, row in enumerate(rows) if "Mã ấp" in row)
    column = rows[at].index("Mã ấp")
    out = [list(row) for row in rows]
    out[at].append(headers["former_commune"])
    for row in out[at + 1 :]:
        hamlet = str(row[column] or "")
        row.append(f"Xã {hamlet.split('-')[0]}" if "-" in hamlet else "")
    return out


def write_commune(folder: Path, index: int) -> int:
    """One merged commune as a CSV folder; returns its number of entries."""
    from tothu_core.sheet import contract
    from tothu_core.sheet.demo import generate_workbook

    book = generate_workbook(
        communes=OLD_COMMUNES_PER_MERGED,
        months=MONTHS,
        end_month=END_MONTH,
        today=TODAY,
        seed=2016 + index,
    )
    book[contract.HAMLETS.name] = _with_former_communes(book[contract.HAMLETS.name])
    folder.mkdir(parents=True, exist_ok=True)
    for title, rows in book.items():
        with open(folder / f"{title}.csv", "w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows([[_cell(v) for v in row] for row in rows])
    return len(book[contract.MEETINGS.name]) - 1


def ensure_province(communes: int) -> tuple[Path, dict]:
    """The communes' folders and the registry (cached); (registry path, facts)."""
    base = RESULTS / "province" / f"{communes}x{MONTHS}m-{fingerprint()}"
    done = base / "done.json"
    if done.exists():
        return base / "danh-sach-xa.csv", json.loads(done.read_text(encoding="utf-8"))
    if base.parent.exists():
        for stale in base.parent.glob(f"{communes}x{MONTHS}m-*"):
            shutil.rmtree(stale, ignore_errors=True)
    start = time.perf_counter()
    entries = 0
    rows = []
    for index in range(communes):
        code = code_of(index)
        entries += write_commune(base / code, index)
        rows.append([code, f"Xã {code}", code])
    registry = base / "danh-sach-xa.csv"
    with open(registry, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Mã xã", "Tên xã", "Nguồn dữ liệu"])
        writer.writerows(rows)
    facts = {"communes": communes, "entries": entries, "written_s": time.perf_counter() - start}
    done.write_text(json.dumps(facts), encoding="utf-8")
    return registry, facts


# -- the steps, each in its own process ------------------------------------------------------


def _registry(path: Path):
    from tothu_core.province.registry import load_registry

    return load_registry(path)


def step_sync(registry: Path, store_dir: Path, *, force: bool = False) -> dict:
    from tothu_core.province.store import open_store
    from tothu_core.province.sync import DONE, UNCHANGED, sync_province

    wall, cpu = time.perf_counter(), time.process_time()
    store = open_store(None, store_dir)
    the_registry = _registry(registry)
    started, started_cpu = time.perf_counter(), time.process_time()
    report = sync_province(the_registry, store, now=NOW, environ={}, force=force)
    sync_s, sync_cpu = time.perf_counter() - started, time.process_time() - started_cpu
    getattr(store, "close", lambda: None)()
    seconds = [c.seconds for c in report.communes if c.seconds is not None]
    return {
        "wall_s": time.perf_counter() - wall,
        "cpu_s": time.process_time() - cpu,
        "sync_s": sync_s,
        "sync_cpu_s": sync_cpu,
        "peak_mb": peak_mb(),
        "read": len(report.of_state(DONE)),
        "unchanged": len(report.of_state(UNCHANGED)),
        "failed_communes": [c.line for c in report.failed],
        "commune_s_max": max(seconds, default=None),
        "commune_s_mean": sum(seconds) / len(seconds) if seconds else None,
        "store_mb": sum(p.stat().st_size for p in store_dir.iterdir()) / 2**20,
    }


def step_view(registry: Path, store_dir: Path) -> dict:
    """What the province's first page does after a restart: open the store, read every
    roll-up table, then the default month's figures (cards, per commune, drill-down of the
    first commune, attention)."""
    import pandas as pd

    wall, cpu = time.perf_counter(), time.process_time()
    from tothu_core.figures import figures, headline
    from tothu_core.province import rollup, views
    from tothu_core.province.store import open_store

    imported = time.perf_counter() - wall
    names = {c.code: c.name for c in _registry(registry).communes}
    store = open_store(None, store_dir)
    status = store.status()
    tables = {name: store.read_table(f"rollup.{name}") for name in rollup.SCHEMAS}
    read = time.perf_counter() - wall
    rows = sum(len(frame) for frame in tables.values())
    month = rollup.default_month(tables["months"], now=NOW, deadline_day=figures.DEADLINE_DAY)
    trend = rollup.trend(tables["months"])
    cards = headline.headline_cards(trend, month, provisional=False)
    per_commune = views.compact_commune_table(rollup.by_commune(tables["months"], month, names))
    first = next(iter(names))
    drill = rollup.drilldown(
        tables["months"],
        tables["former_months"],
        tables["hamlet_months"],
        month,
        names,
        [first],
    )
    attention = rollup.attention(tables["attention"], month, names)
    counts = rollup.attention_counts(tables["attention"], month, names)
    getattr(store, "close", lambda: None)()
    assert len(per_commune) == len(names) and len(cards) and len(drill) and len(status)
    return {
        "wall_s": time.perf_counter() - wall,
        "cpu_s": time.process_time() - cpu,
        "import_s": imported,
        "read_s": read - imported,
        "peak_mb": peak_mb(),
        "rows": rows,
        "month": str(pd.Period(month, freq="M")),
        "attention": len(attention),
        "attention_total": int(counts.sum()),
    }


def step_resync(registry: Path, store_dir: Path) -> dict:
    """One commune's office adds a report; the sync reads it alone, the others are checked."""
    folder = registry.parent / code_of(CHANGED)
    meetings = folder / "Sinh hoạt.csv"
    text = meetings.read_text(encoding="utf-8")
    last = text.rstrip("\n").rsplit("\n", 1)[-1].split(",")
    last[-1] = f"bench-{time.time_ns()}"  # Mã phiếu: a new key, the rest as the last entry
    with open(meetings, "a", encoding="utf-8", newline="") as handle:
        handle.write(",".join(last) + "\n")
    return step_sync(registry, store_dir)


def step_warm(registry: Path, store_dir: Path, *, via: str) -> dict:
    """The commune app's first read after a restart: its source read and validated (then
    saved as the app saves it, untimed), its own saved copy (`province.warm.WarmStart`, what
    the app serves when the source's version is unchanged), or the province store's copy."""
    began = time.perf_counter()
    from tothu_core.province.store import open_store
    from tothu_core.province.warm import WarmStart
    from tothu_core.sheet.load import load_dataset
    from tothu_core.sheet.sources.csvdir import CsvFolderSource

    imported = time.perf_counter() - began  # the same modules either way: the server's start
    wall, cpu = time.perf_counter(), time.process_time()
    source = CsvFolderSource(registry.parent / code_of(1))
    (store_dir / "commune-app").mkdir(exist_ok=True)
    warm = WarmStart(store_dir / "commune-app", source.identity)
    if via == "store":
        store = open_store(None, store_dir)
        ds = store.dataset(code_of(1))
        getattr(store, "close", lambda: None)()
    elif via == "warm":
        ds = warm.load(source.version())
    else:
        ds = load_dataset(source, now=NOW)
    timed = {
        "wall_s": time.perf_counter() - wall,
        "cpu_s": time.process_time() - cpu,
        "import_s": imported,
    }
    if via == "source":
        warm.save(ds, source.version())
    return timed | {
        "peak_mb": peak_mb(),
        "entries": len(ds.meetings),
        "problems": len(ds.problems),
    }


STEPS = {
    "sync": lambda a: step_sync(Path(a.registry), Path(a.store)),
    "unchanged": lambda a: step_sync(Path(a.registry), Path(a.store)),
    "view": lambda a: step_view(Path(a.registry), Path(a.store)),
    "resync": lambda a: step_resync(Path(a.registry), Path(a.store)),
    "warm_store": lambda a: step_warm(Path(a.registry), Path(a.store), via="store"),
    "warm_source": lambda a: step_warm(Path(a.registry), Path(a.store), via="source"),
    "warm_start": lambda a: step_warm(Path(a.registry), Path(a.store), via="warm"),
}


def run_step(step: str, registry: Path, store_dir: Path) -> dict:
    args = ["--step", step, "--registry", str(registry), "--store", str(store_dir)]
    return run_child(Path(__file__).resolve(), args, f"province: {step}")


def run(*, quick: bool = False) -> dict:
    """Every step in order on a fresh store; the results as one dict (JSON-ready)."""
    communes = QUICK_COMMUNES if quick else COMMUNES
    registry, facts = ensure_province(communes)
    store_dir = Path(tempfile.mkdtemp(prefix="bench-province-store-"))
    try:
        results = {"facts": facts}
        steps = ("sync", "unchanged", "view", "resync", "warm_source", "warm_start", "warm_store")
        for step in steps:
            results[step] = run_step(step, registry, store_dir)
        return results
    finally:
        shutil.rmtree(store_dir, ignore_errors=True)


def _s(value) -> str:
    if value is None:
        return "–"
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def markdown_lines(results: dict) -> list[str]:
    """The README's province table."""
    facts = results.get("facts", {})
    failed = [step for step, r in results.items() if isinstance(r, dict) and "failed" in r]
    broken = [
        line
        for r in results.values()
        if isinstance(r, dict)
        for line in r.get("failed_communes", [])
    ]
    lines = [
        "",
        f"Province: {facts.get('communes')} merged communes × {MONTHS} months "
        f"({facts.get('entries', 0):,} entries, one CSV folder each), synced into DuckDB.",
        "",
        "| Step | Wall s (CPU s) | Peak MB | Target | Notes |",
        "|---|---|---|---|---|",
    ]

    def row(step, label, target, note):
        r = results.get(step, {})
        if "failed" in r:
            lines.append(f"| {label} | failed | – | {target} | {r['failed'][-200:]!r} |")
            return
        if "sync_s" in r:  # the sync call itself, as the app's worker runs it
            wall = f"{_s(r['sync_s'])} ({_s(r['sync_cpu_s'])})"
            note_text = f"{note(r)}; process with start-up {_s(r['wall_s'])} s"
        else:
            wall = f"{_s(r.get('wall_s'))} ({_s(r.get('cpu_s'))})"
            note_text = note(r)
        lines.append(f"| {label} | {wall} | {_s(r.get('peak_mb'))} | {target} | {note_text} |")

    row(
        "sync",
        "first sync, every commune",
        "–",
        lambda r: (
            f"{r['read']} read, {_s(r['commune_s_mean'])} s per commune "
            f"(max {_s(r['commune_s_max'])}), store {_s(r['store_mb'])} MB"
        ),
    )
    row(
        "unchanged",
        "sync again, nothing changed",
        "–",
        lambda r: f"{r['unchanged']} unchanged, {r['read']} read",
    )
    row(
        "view",
        "province first view after a restart",
        "< 2 s, < 1 GB",
        lambda r: (
            f"{r['rows']:,} roll-up rows read in {_s(r['read_s'])} s "
            f"(imports {_s(r['import_s'])} s); month {r['month']}"
        ),
    )
    row(
        "resync",
        "re-sync after one commune changed",
        "< 3 s",
        lambda r: f"{r['read']} read, {r['unchanged']} unchanged",
    )
    row(
        "warm_source",
        "commune app, first visit after a restart: reading its CSV folder",
        "–",
        lambda r: f"{r['entries']:,} entries, {r['problems']} problems",
    )
    row(
        "warm_start",
        "… from its saved copy (`WarmStart`, source unchanged)",
        "–",
        lambda r: f"{r['entries']:,} entries, {r['problems']} problems",
    )
    row(
        "warm_store",
        "… from the province store (`Store.dataset`)",
        "–",
        lambda r: f"{r['entries']:,} entries, {r['problems']} problems",
    )
    if failed:
        lines.append(f"\nFailed steps: {', '.join(failed)}.")
    if broken:
        lines.append(f"\nCommunes that failed to sync: {'; '.join(broken[:5])}.")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_COMMUNES} communes")
    parser.add_argument("--step", choices=sorted(STEPS), help=argparse.SUPPRESS)
    parser.add_argument("--registry", help=argparse.SUPPRESS)
    parser.add_argument("--store", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        result = STEPS[args.step](args)
        Path(args.out).write_text(json.dumps(result, default=str), encoding="utf-8")
        return
    results = run(quick=args.quick)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    (RESULTS / f"province-{stamp}.json").write_text(
        json.dumps(results, indent=2, default=str), encoding="utf-8"
    )
    table = "\n".join(markdown_lines(results)) + "\n"
    (RESULTS / f"province-{stamp}.md").write_text(table, encoding="utf-8")
    print(table)


if __name__ == "__main__":
    main()

"""Desktop-app benchmarks against DESIGN.md's budgets (prints figures; not a test).

    python bench/bench_gui.py [--runs 5] [--size worker] [--search-size supervisor]

1. cold start (budget 1 s): a fresh interpreter (sys.executable) opens a laptop profile that
   already holds the worker set (synced once from a real `gridsync serve`), unlocks it offline
   with the password (Argon2, as the login dialog does without a network), builds the main
   window, shows it and has its household list populated and painted; from just before the
   process is spawned to that moment, median of --runs runs;
2. memory (budget 200 MB): VmRSS after that start, and after scrolling the whole household
   list to its end page by page (every page fetched and painted); VmHWM is the peak;
3. a search keystroke on the supervisor set (budget 20 ms): the households view's search text
   set, the search run directly (the 150 ms debounce bypassed), until the model has reset with
   the new results; also until the list is repainted with the first match selected and shown.

Qt runs offscreen (QT_QPA_PLATFORM=offscreen); the window's background sync is not started.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

STAGES = {  # the child's timestamps, each from just before the process is spawned
    "imported": "interpreter + imports",
    "qt_ready": "QApplication, translation, style, log file",
    "unlocked": "offline unlock (Argon2)",
    "ready": "window: its imports, build, show, paint",
}
TERMS = ["z", "zh", "zhang", "张", "zs", "朐阳", "12号楼", "138"]


def proc_status() -> dict[str, float]:
    """VmRSS and VmHWM of this process, in MB."""
    out = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0]) / 1024
    return out


# -- the child: a fresh interpreter running the app's start ----------------------------------


def child(spec: dict[str, Any]) -> dict[str, Any]:
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from gridworker.session import open_profile, unlock
    from gridworker.ui import i18n
    from gridworker.ui.context import AppContext, AppSettings
    from gridworker.ui.logsetup import configure_logging
    from gridworker.ui.style import apply_style
    from gridworker.ui.tasks import Tasks

    out: dict[str, Any] = {"imported": time.monotonic()}
    data_dir = Path(spec["data_dir"])
    app = QApplication(["gridworker"])  # as run_gui: translation, style, log file
    settings = AppSettings(QSettings(spec["settings"], QSettings.Format.IniFormat))
    i18n.install(app, i18n.CHINESE)
    apply_style(app)
    configure_logging(data_dir)
    out["qt_ready"] = time.monotonic()
    if spec["mode"] == "start":
        session = unlock(data_dir, spec["url"], spec["username"], spec["password"])
    else:
        session = open_profile(Path(spec["profile"]))
    out["unlocked"] = time.monotonic()
    from gridworker.ui.main_window import MainWindow  # as Launcher.open_main

    window = MainWindow(AppContext(session, settings, Tasks(), data_dir))
    window.show()
    app.processEvents()  # expose and paint: the visible rows are fetched for the view
    page, model = window.households, window.households.model
    out["ready"] = time.monotonic()
    out["rows"], out["fetched_at_start"] = model.rowCount(), len(model._rows)
    out["visible"] = window.isVisible()
    if spec["mode"] == "start":
        out["mem_start"] = proc_status()
        bar, steps = page.table.verticalScrollBar(), 0
        while bar.value() < bar.maximum():
            bar.setValue(bar.value() + bar.pageStep())
            app.processEvents()
            steps += 1
        out["scroll_steps"] = steps
        out["last_row_fetched"] = model.id_at(model.rowCount() - 1) in model._rows
        out["mem_scrolled"] = proc_status()
    else:
        reset_at: list[float] = []
        model.modelReset.connect(lambda: reset_at.append(time.perf_counter()))
        results: list[dict[str, Any]] = []
        for _round in range(spec["rounds"]):
            for term in TERMS:
                started = time.perf_counter()
                page.search.setText(term)  # starts the debounce timer…
                page.run_search()  # …which this stops: the query runs now
                assert page.search.text() == term and not page._debounce.isActive()
                ran = time.perf_counter()
                app.processEvents()  # the list and the detail pane repaint
                painted = time.perf_counter()
                results.append(
                    {
                        "term": term,
                        "matches": model.rowCount(),
                        "reset_ms": (reset_at[-1] - started) * 1000,
                        "run_ms": (ran - started) * 1000,
                        "painted_ms": (painted - started) * 1000,
                    }
                )
        out["search"] = results
    window.sync.stop()
    window.close()
    session.close()
    return out


def spawn(spec: dict[str, Any]) -> dict[str, Any]:
    started = time.monotonic()  # CLOCK_MONOTONIC: one clock for every process on Linux
    proc = subprocess.run(
        [sys.executable, __file__, "--child", json.dumps(spec)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"child failed ({proc.returncode}):\n{proc.stderr}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    for key in STAGES:
        out[key] -= started
    return out


# -- the parent: data, runs, the table --------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3, help="rounds over the search terms")
    parser.add_argument("--size", default="worker")
    parser.add_argument("--search-size", default="supervisor")
    parser.add_argument("--child")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(json.loads(args.child))), flush=True)
        os._exit(0)  # Qt's teardown is not measured

    from _common import machine
    from bench_client import ServerProcess, bench_search

    from gridworker.domain import queries
    from gridworker.session import login, open_profile
    from sync.datagen import generate
    from sync.server.seed import DEMO_PASSWORD

    began = time.monotonic()
    print(f"machine: {machine()}, Python {sys.version.split()[0]}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        server = ServerProcess(f"sqlite:///{work / 'server.db'}")
        server.gridsync("seed-demo", "--size", args.size)
        worker = next(r for e, r in generate(args.size) if e == "users" and r["role"] == "worker")
        with server:
            session = login(work / "laptop", server.url, worker["username"], DEMO_PASSWORD)
            pulled = session.syncer.sync().pulled
            households = queries.count_households(session.store)
            session.close()
        print(f"setup: {args.size} set synced ({pulled:,} rows), server stopped", flush=True)
        base = {"data_dir": str(work / "laptop"), "settings": str(work / "settings.ini")}
        login_spec = {"url": server.url, "username": worker["username"], "password": DEMO_PASSWORD}
        starts = [spawn({**base, **login_spec, "mode": "start"}) for _ in range(args.runs)]
        assert all(s["visible"] and s["rows"] == households for s in starts), starts
        assert all(s["fetched_at_start"] and s["last_row_fetched"] for s in starts), starts

        core = bench_search(args.search_size, work)  # fills work/search-profile (apply_page)
        profile = open_profile(work / "search-profile")
        with profile.store.write() as conn:
            profile.store.set_user(
                conn, {"id": "bench", "role": "supervisor", "display_name": "基准测试"}
            )
        search_households = queries.count_households(profile.store)
        profile.close()
        print(f"setup: {args.search_size} set loaded ({core['rows']:,} rows)", flush=True)
        search_spec = {"mode": "search", "profile": str(work / "search-profile")}
        found = spawn({**base, **search_spec, "rounds": args.rounds})

    def med(key: str, sub: str | None = None) -> float:
        return statistics.median(s[key][sub] if sub else s[key] for s in starts)

    ready = [s["ready"] for s in starts]
    hits = found["search"]
    reset = [h["reset_ms"] for h in hits]
    painted = [h["painted_ms"] for h in hits]
    print(f"\n## desktop app ({args.runs} cold starts; offscreen Qt)\n")
    print("| what | figure | budget |\n| --- | --- | --- |")
    print(
        f"| cold start to main window shown, {households:,} households listed "
        f"(median, min–max) | {med('ready'):.2f} s ({min(ready):.2f}–{max(ready):.2f}) | 1 s |"
    )
    keys = list(STAGES)
    stages = [
        f"{STAGES[k]} {statistics.median(s[k] - (s[p] if p else 0) for s in starts):.2f} s"
        for k, p in zip(keys, [None, *keys[:-1]], strict=True)
    ]
    print(f"| … of which (medians) | {'; '.join(stages)} | |")
    print(f"| memory after start, VmRSS (median) | {med('mem_start', 'VmRSS'):.0f} MB | 200 MB |")
    print(
        f"| memory after scrolling all {households:,} households to the end "
        f"({starts[0]['scroll_steps']} pages), VmRSS / peak VmHWM (median) "
        f"| {med('mem_scrolled', 'VmRSS'):.0f} / {med('mem_scrolled', 'VmHWM'):.0f} MB | 200 MB |"
    )
    print(
        f"| search keystroke to model reset, {args.search_size} set "
        f"({search_households:,} households; median / max of {len(hits)}) "
        f"| {statistics.median(reset):.1f} / {max(reset):.1f} ms | 20 ms |"
    )
    print(
        "| … to list repainted, first match selected and shown in the detail pane "
        f"| {statistics.median(painted):.1f} / {max(painted):.1f} ms | |"
    )
    print(
        "| core only (bench_client: all ids + first 100 rows; p50 / max) "
        f"| {core['keystroke_ms_p50']:.1f} / {core['keystroke_ms_max']:.1f} ms | |"
    )
    print("\n| term | matches | to model reset, median / max | to repaint, median |")
    print("| --- | --- | --- | --- |")
    for term in TERMS:
        mine = [h for h in hits if h["term"] == term]
        r = [h["reset_ms"] for h in mine]
        p = statistics.median(h["painted_ms"] for h in mine)
        print(
            f"| {term} | {mine[0]['matches']:,} | "
            f"{statistics.median(r):.1f} / {max(r):.1f} ms | {p:.1f} ms |"
        )
    print(f"\ntotal run time: {time.monotonic() - began:.0f} s")


if __name__ == "__main__":
    main()

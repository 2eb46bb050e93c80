"""Saving a visit on the main thread while the first download runs on a worker thread.

    python bench/bench_save_during_sync.py [--size worker] [--interval-ms 20]

A real `gridsync serve` process on SQLite holds the reference set; a laptop logs in, creates a
few households of its own (so there is something to visit before anything is downloaded), then
starts its first sync on a thread. Meanwhile the main thread saves a visit every
``--interval-ms`` (what a worker at the keyboard does, only faster) until the sync finishes.
Prints p50 / p99 / max of those saves and how many failed (budget: p99 <= 50 ms, no error).
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import percentile
from bench.bench_client import ServerProcess
from gridworker.domain import operations as ops
from gridworker.domain import queries
from gridworker.session import login
from sync.datagen import generate
from sync.server.seed import DEMO_PASSWORD


def measure(size: str, work: Path, interval: float) -> dict[str, float]:
    server = ServerProcess(f"sqlite:///{work / 'server.db'}")
    server.gridsync("seed-demo", "--size", size)
    users = [r for e, r in generate(size) if e == "users"]
    worker = next(u for u in users if u["role"] == "worker")
    with server:
        session = login(work / "laptop", server.url, worker["username"], DEMO_PASSWORD)
        grid = queries.grids(session.store)[0]["grid_id"]
        homes = [
            ops.create_household(session.store, grid, f"测试小区{i}号楼{i}01室")["id"]
            for i in range(1, 6)
        ]
        outcome: dict[str, object] = {}

        def download() -> None:
            started = time.perf_counter()
            try:
                outcome["report"] = session.syncer.sync()
            except BaseException as exc:  # reported below
                outcome["error"] = exc
            outcome["seconds"] = time.perf_counter() - started

        thread = threading.Thread(target=download, name="sync")
        saves: list[float] = []
        errors: list[str] = []
        thread.start()
        i = 0
        while thread.is_alive():
            started = time.perf_counter()
            try:
                ops.log_visit(session.store, homes[i % len(homes)], "met", notes="入户走访")
            except Exception as exc:  # counted: the budget is "never an error"
                errors.append(type(exc).__name__)
            else:
                saves.append(time.perf_counter() - started)
            i += 1
            time.sleep(interval)
        thread.join()
        session.close()
    if "error" in outcome:
        raise RuntimeError(f"the sync failed: {outcome['error']!r}")
    report = outcome["report"]
    return {
        "pulled": float(report.pulled),  # type: ignore[attr-defined]
        "sync_s": float(outcome["seconds"]),  # type: ignore[arg-type]
        "saves": float(len(saves)),
        "errors": float(len(errors)),
        "p50_ms": statistics.median(saves) * 1000 if saves else float("nan"),
        "p99_ms": percentile(saves, 99) * 1000,
        "max_ms": max(saves, default=float("nan")) * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="worker")
    parser.add_argument("--interval-ms", type=float, default=20.0)
    args = parser.parse_args()
    head = subprocess.run(
        ["git", "-C", str(Path(__file__).resolve().parents[1]), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    print(
        f"machine: {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, commit {head or 'unknown'}"
    )
    load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    with tempfile.TemporaryDirectory() as tmp:
        f = measure(args.size, Path(tmp), args.interval_ms / 1000)
    load_after = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load average (1 min) before / after: {load_before:.1f} / {load_after:.1f}")
    print(f"\n## saving a visit during the first download, {args.size} set\n")
    print("| what | figure | budget |\n| --- | --- | --- |")
    print(
        f"| first download (sync on a thread) | {f['pulled']:,.0f} rows in {f['sync_s']:.2f} s | |"
    )
    print(
        f"| visit saves on the main thread meanwhile (p50 / p99 / max) | {f['p50_ms']:.1f} / "
        f"{f['p99_ms']:.1f} / {f['max_ms']:.1f} ms ({f['saves']:.0f} saves) | p99 50 ms |"
    )
    print(f"| saves that failed | {f['errors']:.0f} | 0 |")


if __name__ == "__main__":
    main()

"""Client-core benchmarks against DESIGN.md's budgets (prints figures; not a test).

    python bench/bench_client.py [--size worker] [--search-size supervisor]

1. first download of a grid through the real service on loopback (a `gridsync serve` process
   on SQLite), beside the floor: the same rows bulk-inserted into SQLite with the standard
   library in one transaction; rows/s and the ratio (budget: 3x the floor);
2. first upload: the data set's rows created locally, then pushed (mutations/s; budget 10,000/s);
3. an incremental sync of 100 changes (budget 50 ms);
4. a search keystroke on the supervisor set (budget 20 ms): count + first page of results;
5. saving a visit (budget 10 ms).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlite3

import requests

from gridworker.client.engine import SyncReport
from gridworker.domain import operations as ops
from gridworker.domain import queries
from gridworker.session import login, open_profile
from gridworker.store.replica import apply_page
from gridworker.store.search import refresh_stale
from sync.datagen import generate
from sync.protocol.entities import ENTITIES
from sync.protocol.wire import uuid7
from sync.server.ports import free_port
from sync.server.seed import DEMO_PASSWORD

SERVER_OWNED = {
    "worker_id",
    "reviewed_by",
    "reviewed_at",
    "review_status",
    "review_comment",
    "status",
    "author_id",
}


class ServerProcess:
    def __init__(self, db_url: str):
        self.db_url = db_url
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"

    def gridsync(self, *args: str, stdin: str | None = None) -> None:
        subprocess.run(
            [sys.executable, "-m", "sync.server.cli", "--db", self.db_url, *args],
            check=True,
            input=stdin,
            text=True,
            capture_output=True,
        )

    def __enter__(self) -> ServerProcess:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "sync.server.cli",
                "--db",
                self.db_url,
                "serve",
                "--port",
                str(self.port),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                requests.get(self.url + "/api/v1/health", timeout=1)
                return self
            except requests.RequestException:
                time.sleep(0.1)
        raise RuntimeError("server did not start")

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def floor_insert(rows: dict[str, list[dict]], path: Path) -> float:
    """Standard library, one transaction, one table per entity with the same columns."""
    conn = sqlite3.connect(path)
    for entity in rows:
        cols = ["id", *ENTITIES[entity].fields]
        conn.execute(f"CREATE TABLE {entity} ({', '.join(cols)}, PRIMARY KEY (id))")
    started = time.perf_counter()
    with conn:
        for entity, items in rows.items():
            cols = ["id", *ENTITIES[entity].fields]
            conn.executemany(
                f"INSERT INTO {entity} VALUES ({','.join('?' * len(cols))})",
                [
                    tuple(json.dumps(r[c]) if isinstance(r[c], list) else r[c] for c in cols)
                    for r in items
                ],
            )
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def bench_sync(size: str, work: Path) -> dict[str, float]:
    figures: dict[str, float] = {}
    rows: dict[str, list[dict]] = {}
    for entity, row in generate(size):
        if entity in ENTITIES:
            rows.setdefault(entity, []).append(row)
    total = sum(len(v) for v in rows.values())
    figures["rows"] = total
    figures["floor_s"] = floor_insert(rows, work / "floor.db")

    server = ServerProcess(f"sqlite:///{work / 'server.db'}")
    server.gridsync("seed-demo", "--size", size)
    users = [r for e, r in generate(size) if e == "users"]
    worker = next(u for u in users if u["role"] == "worker")
    supervisor = next(u for u in users if u["role"] == "supervisor")
    with server:
        # 1. first download
        session = login(work / "laptop-a", server.url, worker["username"], DEMO_PASSWORD)
        started = time.perf_counter()
        report = session.syncer.sync()
        figures["download_s"] = time.perf_counter() - started
        figures["download_rows"] = report.pulled

        # 3. incremental sync of 100 changes made by a colleague
        other = login(work / "laptop-b", server.url, supervisor["username"], DEMO_PASSWORD)
        other.syncer.sync()
        households = queries.search_households(other.store, limit=100)
        for i, h in enumerate(households):
            ops.update_household(other.store, h["id"], notes=f"第{i}次走访后更新")
        other.syncer.sync()
        started = time.perf_counter()
        report = session.syncer.sync()
        figures["incremental_100_ms"] = (time.perf_counter() - started) * 1000
        figures["incremental_pulled"] = report.pulled

        # 5. saving a visit
        some = queries.search_households(session.store, limit=200)
        saves = []
        for h in some:
            started = time.perf_counter()
            ops.log_visit(session.store, h["id"], "met", notes="入户走访，情况正常")
            saves.append(time.perf_counter() - started)
        figures["save_visit_ms_p50"] = statistics.median(saves) * 1000
        figures["save_visit_ms_p95"] = statistics.quantiles(saves, n=20)[18] * 1000
        session.close()
        other.close()

        # 2. first upload: a fresh device of a fresh grid creates the rows, then pushes them
        server.gridsync("create-grid", "bench-up", "--name", "上传测试网格")
        server.gridsync(
            "create-user",
            "uploader",
            "--role",
            "supervisor",
            "--password-stdin",
            stdin="upload-pass-1\n",
        )
        server.gridsync("assign", "uploader", "bench-up")
        up = login(work / "laptop-up", server.url, "uploader", "upload-pass-1")
        started = time.perf_counter()
        count = _create_locally(up, rows, "bench-up")
        figures["local_creates_per_s"] = count / (time.perf_counter() - started)
        pushed = SyncReport()
        started = time.perf_counter()
        up.syncer.push(pushed)
        figures["upload_total_s"] = time.perf_counter() - started
        figures["uploaded"] = pushed.pushed
        figures["upload_rejected"] = pushed.rejected
        up.close()
    figures["push_per_s"] = figures["uploaded"] / figures["upload_total_s"]
    return figures


def _create_locally(session, rows: dict[str, list[dict]], grid: str) -> int:
    """Create the data set's rows on this laptop under new ids (the seeded ones exist)."""
    store = session.store
    new_id: dict[str, str] = {}
    count = 0
    with store.write() as conn:
        for entity in ("households", "residents", "visits", "issues"):
            for row in rows.get(entity, []):
                values = {
                    k: v
                    for k, v in row.items()
                    if k in ENTITIES[entity].fields and k not in SERVER_OWNED
                }
                if "grid_id" in values:
                    values["grid_id"] = grid
                if values.get("household_id"):
                    values["household_id"] = new_id[values["household_id"]]
                if values.get("people_met"):
                    values["people_met"] = [new_id[p] for p in values["people_met"]]
                new_id[row["id"]] = uuid7()
                store.create(conn, entity, values, new_id[row["id"]])
                count += 1
    return count


def bench_search(size: str, work: Path) -> dict[str, float]:
    profile = work / "search-profile"
    session = open_profile(profile)
    store = session.store
    user = {"id": "bench", "role": "supervisor"}
    batch: list[dict] = []
    version = 0
    loaded = 0

    def flush() -> None:
        with store.write() as conn:
            apply_page(conn, batch, user)
        batch.clear()

    for entity, row in generate(size):
        if entity not in ENTITIES:
            continue
        version += 1
        row = {**row, "version": version, "deleted": False, "updated_at": None, "updated_by": None}
        grid = row.get("grid_id") or "g"
        batch.append(
            {
                "grid_id": grid,
                "version": version,
                "entity": entity,
                "id": row["id"],
                "op": "upsert",
                "row": row,
            }
        )
        loaded += 1
        if len(batch) >= 20000:
            flush()
    flush()
    with store.write() as conn:
        refresh_stale(conn)
    terms = ["z", "zh", "zha", "zhan", "zhang", "张", "张建", "zs", "朐阳", "12号楼", "138", "1380"]
    times = []
    for _ in range(3):
        for term in terms:
            # What the lazy list does per keystroke: every matching id, then the first page.
            started = time.perf_counter()
            ids = queries.household_ids(store, term)
            queries.households_by_id(store, ids[:100])
            times.append(time.perf_counter() - started)
    due = []
    for _ in range(5):
        started = time.perf_counter()
        queries.count_households(store, "", due_only=True)
        queries.search_households(store, "", due_only=True, sort="due", limit=100)
        due.append(time.perf_counter() - started)
    session.close()
    return {
        "rows": loaded,
        "keystroke_ms_p50": statistics.median(times) * 1000,
        "keystroke_ms_max": max(times) * 1000,
        "due_filter_ms_p50": statistics.median(due) * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="worker")
    parser.add_argument("--search-size", default="supervisor")
    args = parser.parse_args()
    cpu = (
        next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            platform.processor(),
        )
        if Path("/proc/cpuinfo").exists()
        else platform.processor()
    )
    print(
        f"machine: {os.cpu_count()} cores, {cpu}, Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        s = bench_sync(args.size, work)
        print(f"\n## client sync, {args.size} set ({s['rows']:,.0f} rows)\n")
        print("| what | figure | budget |\n| --- | --- | --- |")
        floor_rate = s["rows"] / s["floor_s"]
        rate = s["download_rows"] / s["download_s"]
        print(
            f"| first download through the service | {s['download_s']:.2f} s, {rate:,.0f} rows/s | within 3x the floor |"
        )
        print(
            f"| floor: stdlib sqlite3 bulk insert, one transaction | {s['floor_s']:.2f} s, {floor_rate:,.0f} rows/s | |"
        )
        print(f"| ratio download / floor | {s['download_s'] / s['floor_s']:.1f}x | 3x |")
        print(
            f"| first upload (push of {s['uploaded']:,.0f} mutations, {s['upload_rejected']:.0f} rejected) | {s['push_per_s']:,.0f} mutations/s | 10,000/s |"
        )
        print(
            f"| creating those rows locally (validated, with outbox) | {s['local_creates_per_s']:,.0f} rows/s | |"
        )
        print(
            f"| incremental sync ({s['incremental_pulled']:.0f} changes pulled) | {s['incremental_100_ms']:.0f} ms | 50 ms |"
        )
        print(
            f"| saving a visit (p50 / p95) | {s['save_visit_ms_p50']:.1f} / {s['save_visit_ms_p95']:.1f} ms | 10 ms |"
        )
        q = bench_search(args.search_size, work)
        print(f"\n## search, {args.search_size} set ({q['rows']:,.0f} rows)\n")
        print("| what | figure | budget |\n| --- | --- | --- |")
        print(
            f"| search keystroke: all matching ids + first 100 rows (p50 / max) | {q['keystroke_ms_p50']:.1f} / {q['keystroke_ms_max']:.1f} ms | 20 ms |"
        )
        print(f"| due-for-visit filter, sorted (p50) | {q['due_filter_ms_p50']:.1f} ms | |")


if __name__ == "__main__":
    main()

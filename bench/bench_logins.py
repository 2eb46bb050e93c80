"""Push latency while wrong logins flood the service (issue 9, point 5).

Runs the real ``gridsync serve`` as a separate process (production Argon2 parameters) on SQLite
and PostgreSQL, and measures one device's pushes (50 pushes of 20 mutations, one after another)
first on a quiet service, then while 40 threads send wrong logins without pause (half for a
real user, half for unknown usernames, all from one address). Prints p50/p99/max of the pushes
and what the flood got (401: a password was checked; 429: throttled; 503: busy). Not a test.

    python bench/bench_logins.py [--backend sqlite|postgresql|both] [--pushes 50] [--flood 40]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests
from _common import (
    PASSWORD,
    Client,
    Server,
    client_mutations,
    create,
    machine,
    percentile,
    pg_database,
    revision,
)

from sync.protocol.values import format_time
from sync.protocol.wire import PROTOCOL_HEADER
from sync.server import admin
from sync.server.db import make_engine
from sync.server.migrate import upgrade
from sync.server.settings import Settings

GRID = "bench-grid"


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def database(backend: str, workdir: Path) -> Any:
    if backend == "postgresql":
        return pg_database()
    return contextlib.nullcontext(f"sqlite:///{workdir / 'logins.db'}")


def seed(url: str) -> None:
    engine, settings = make_engine(url), Settings(database_url=url)
    upgrade(engine)
    admin.create_grid(engine, settings, GRID, "基准网格", "幸福社区", "海州街道", "海州区")
    admin.create_user(engine, settings, "bench-worker", "worker", PASSWORD)
    admin.create_user(engine, settings, "bench-victim", "worker", PASSWORD)
    admin.assign(engine, "bench-worker", [GRID])
    engine.dispose()


def pushes(client: Client, households: list[dict[str, Any]], n: int, start: int) -> list[float]:
    """n pushes of 20 mutations each; their latencies in seconds."""
    now = dt.datetime.now(dt.UTC)
    seconds = []
    for i in range(start, start + n):
        mutations = client_mutations(i, households, now)
        body = client.push_body(client.number(mutations))
        t = time.perf_counter()
        r = client.push_raw(body)
        seconds.append(time.perf_counter() - t)
        if r.status_code != 200:
            raise RuntimeError(f"push answered {r.status_code}: {r.text[:300]}")
        # The next push edits from the values this one left.
        by_id = {h["id"]: h for h in households}
        for m in mutations:
            if m["op"] == "update" and m["entity"] == "households":
                for field, change in m["changes"].items():
                    by_id[m["id"]][field] = change["new"]
    return seconds


def flood(url: str, threads: int, stop: threading.Event) -> Counter[int]:
    """Wrong logins without pause from ``threads`` threads until ``stop``; their statuses."""
    statuses: Counter[int] = Counter()
    lock = threading.Lock()

    def run(k: int) -> None:
        with requests.Session() as http:
            http.headers[PROTOCOL_HEADER] = "1"
            n = 0
            while not stop.is_set():
                username = "bench-victim" if k % 2 == 0 else f"ghost-{k}-{n}"
                body = {
                    "username": username,
                    "password": f"wrong-{k}-{n}",
                    "device_id": str(uuid.uuid4()),
                    "device_name": "flood",
                }
                try:
                    r = http.post(url + "/api/v1/auth/login", json=body, timeout=60)
                    status = r.status_code
                except requests.RequestException:
                    status = 0
                with lock:
                    statuses[status] += 1
                n += 1

    with ThreadPoolExecutor(threads) as pool:
        for k in range(threads):
            pool.submit(run, k)
        # The pool's exit waits for every thread to see ``stop``.
    return statuses


def bench(backend: str, workdir: Path, n_pushes: int, n_flood: int) -> dict[str, Any]:
    out: dict[str, Any] = {"backend": backend}
    with database(backend, workdir) as url:
        seed(url)
        with Server(url, workdir, backend) as srv:
            client = Client(srv.url, "bench-worker")
            t = time.perf_counter()
            client.login()
            out["login_s"] = time.perf_counter() - t
            homes = [
                create(
                    "households",
                    {
                        "grid_id": GRID,
                        "address": f"海州区幸福路 {i}号楼 1单元 101室",
                        "phone": None,
                        "notes": None,
                    },
                )
                for i in range(20)
            ]
            r = client.push_raw(client.push_body(client.number(homes)))
            r.raise_for_status()
            households = [{"id": h["id"], **h["values"]} for h in homes]

            quiet = pushes(client, households, n_pushes, 0)
            log(f"{backend}: quiet p50 {percentile(quiet, 50) * 1000:.0f} ms")

            stop = threading.Event()
            result: dict[str, Counter[int]] = {}
            flooder = threading.Thread(
                target=lambda: result.setdefault("s", flood(srv.url, n_flood, stop))
            )
            flooder.start()
            time.sleep(1.0)  # the flood is under way
            loud = pushes(client, households, n_pushes, n_pushes)
            stop.set()
            flooder.join()
            out.update(quiet=quiet, loud=loud, flood=result["s"], problems=srv.log_problems())
    return out


def ms(values: list[float], p: float) -> str:
    return f"{percentile(values, p) * 1000:.0f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--pushes", type=int, default=50)
    parser.add_argument("--flood", type=int, default=40)
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    print(f"machine: {machine()}; commit {revision()}; Python {sys.version.split()[0]}")
    print(f"now: {format_time(dt.datetime.now(dt.UTC))}")
    results = []
    with tempfile.TemporaryDirectory(prefix="gridsync-bench-logins-") as tmp:
        for backend in backends:
            results.append(bench(backend, Path(tmp), args.pushes, args.flood))
    print()
    print(
        f"{args.pushes} pushes of 20 mutations, one after another; flood: {args.flood} threads "
        "of wrong logins without pause (half a real user, half unknown usernames)"
    )
    print()
    print("| backend | quiet p50 / p99 / max (ms) | flood p50 / p99 / max (ms) | flood answers |")
    print("| --- | --- | --- | --- |")
    for r in results:
        answers = ", ".join(f"{n}× {s}" for s, n in sorted(r["flood"].items()))
        print(
            f"| {r['backend']} | {ms(r['quiet'], 50)} / {ms(r['quiet'], 99)} / "
            f"{max(r['quiet']) * 1000:.0f} | {ms(r['loud'], 50)} / {ms(r['loud'], 99)} / "
            f"{max(r['loud']) * 1000:.0f} | {answers} |"
        )
    for r in results:
        print(
            f"{r['backend']}: one right login {r['login_s'] * 1000:.0f} ms; mean push quiet "
            f"{statistics.mean(r['quiet']) * 1000:.0f} ms, flooded "
            f"{statistics.mean(r['loud']) * 1000:.0f} ms"
        )
        for line in r["problems"]:
            if not line.endswith(("/api/v1/auth/login", "401 /api/v1/auth/login")):
                print(f"  server: {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

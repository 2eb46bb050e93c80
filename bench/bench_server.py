"""Sync service benchmark (issue "sync service performance"; DESIGN.md, "Performance budgets").

Runs the real ``gridsync serve`` as a separate process and measures, on the worker reference set,
first upload (push), first download (pull) against the SQLite bulk-insert floor, and incremental
sync, on SQLite and PostgreSQL; then, on PostgreSQL, many concurrent syncing clients with a full
accounting of every mutation they sent. Prints figures and a Markdown table; not a test.

    python bench/bench_server.py [--backend sqlite|postgresql|both] [--size worker|demo] [--clients 200]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import signal
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests
from _common import (
    PASSWORD,
    Client,
    Server,
    account,
    client_mutations,
    grid_integrity,
    machine,
    percentile,
    pg_database,
    revision,
    sqlite_floor,
    to_create,
    update,
)
from sqlalchemy import select

from sync.datagen import DEFAULT_NOW, DatasetSize, generate
from sync.server import admin
from sync.server.db import make_engine
from sync.server.models import Grid
from sync.server.seed import seed
from sync.server.settings import Settings

BATCH = 500
PULL_LIMIT = 5000
FAILURES: list[str] = []


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def fail(msg: str) -> None:
    FAILURES.append(msg)
    print(f"!!! FAIL: {msg}", flush=True)


def database(backend: str, workdir: Path, label: str) -> Any:
    if backend == "postgresql":
        return pg_database()
    return contextlib.nullcontext(f"sqlite:///{workdir / f'{label}.db'}")


# -- 1. the reference set: push, pull vs floor, incremental ---------------------------------


def bench_reference(backend: str, size: str, workdir: Path) -> dict[str, Any]:
    out: dict[str, Any] = {"backend": backend, "size": size}
    with database(backend, workdir, f"ref-{backend}") as url, Server(url, workdir, backend) as srv:
        log(f"{backend}: server on {srv.url}; generating the {size} set")
        engine, settings = make_engine(url), Settings(database_url=url)
        # The data set depends on ``now``: keep the reference one unless the clock is behind it.
        now = min(DEFAULT_NOW, dt.datetime.now(dt.UTC) - dt.timedelta(minutes=11))
        mutations, grids, final_status = [], [], {}
        for entity, row in generate(size, now=now):
            if entity == "grids":
                admin.create_grid(
                    engine,
                    settings,
                    row["id"],
                    row["name"],
                    row.get("community"),
                    row.get("street"),
                    row.get("district"),
                )
                grids.append(row["id"])
            elif entity != "users":
                mutations.append(to_create(entity, row))
                if entity == "issues":
                    final_status[row["id"]] = row["status"]
        admin.create_user(engine, settings, "bench-supervisor", "supervisor", PASSWORD)
        admin.assign(engine, "bench-supervisor", grids)
        engine.dispose()
        out["entities"] = Counter(m["entity"] for m in mutations)

        # a. push: every row a create, batches of 500, gzip bodies built before the clock starts.
        pusher = Client(srv.url, "bench-supervisor")
        pusher.login()
        bodies = [
            pusher.push_body(pusher.number(mutations[i : i + BATCH]))
            for i in range(0, len(mutations), BATCH)
        ]
        statuses: Counter[str] = Counter()
        codes: Counter[str] = Counter()
        first_errors: list[str] = []
        batch_s: list[float] = []
        log(f"{backend}: pushing {len(mutations)} mutations in {len(bodies)} batches")
        start = time.perf_counter()
        for body in bodies:
            t = time.perf_counter()
            r = pusher.push_raw(body)
            batch_s.append(time.perf_counter() - t)
            if r.status_code != 200:
                raise RuntimeError(f"push answered {r.status_code}: {r.text[:500]}")
            for res in r.json()["results"]:
                statuses[res["status"]] += 1
                if res["status"] == "rejected":
                    codes[res["error"]["code"]] += 1
                    if len(first_errors) < 5:
                        m = mutations[res["seq"] - 1]
                        first_errors.append(
                            f"seq {res['seq']} {m['entity']} {m['id']}: "
                            f"{res['error']['code']} {res['error']['message']}"
                        )
        push_s = time.perf_counter() - start
        out.update(
            n_push=len(mutations),
            push_s=push_s,
            push_rate=len(mutations) / push_s,
            statuses=statuses,
            reject_codes=codes,
            first_errors=first_errors,
            batch_p50=statistics.median(batch_s),
            batch_max=max(batch_s),
        )
        log(
            f"{backend}: push {push_s:.1f} s, {len(mutations) / push_s:.0f} mutations/s, {dict(statuses)}"
        )
        if statuses["rejected"]:
            fail(f"{backend}: {statuses['rejected']} rejected creates: {dict(codes)}")
            for e in first_errors:
                print("    ", e)

        # b. pull: a fresh device downloads everything from cursor 0; then the SQLite floor.
        puller = Client(srv.url, "bench-supervisor")
        puller.login()
        changes: list[dict[str, Any]] = []
        start = time.perf_counter()
        n_rows = puller.pull_all(PULL_LIMIT, keep=changes)
        pull_s = time.perf_counter() - start
        floor_s = sqlite_floor(changes)
        out.update(pull_rows=n_rows, pull_s=pull_s, floor_s=floor_s, ratio=pull_s / floor_s)
        log(f"{backend}: pull {n_rows} rows in {pull_s:.2f} s; floor {floor_s:.2f} s")
        expected = statuses["applied"]
        if n_rows != expected:
            fail(f"{backend}: pulled {n_rows} rows, pushed {expected} applied creates")
        # Replaying the issue updates must leave every issue in the generated status.
        wrong = [
            c["id"]
            for c in changes
            if c["entity"] == "issues" and c["row"]["status"] != final_status[c["id"]]
        ]
        out["wrong_status"] = len(wrong)
        if wrong:
            fail(f"{backend}: {len(wrong)} issues end in another status than generated")
        for g in grids:
            if puller.replica_checksum(g) != puller.last_page["checksums"].get(g):
                fail(f"{backend}: checksum of {g} differs from the downloaded rows")

        # c. incremental: 100 household updates pushed, then pulled by the same device.
        households = {c["id"]: c["row"] for c in changes if c["entity"] == "households"}
        ids = sorted(households)
        rounds = []
        for k in range(5):
            chosen = [ids[(k * 100 + j) % len(ids)] for j in range(100)]
            new = f"基准测试第{k + 1}轮备注"
            muts = [update("households", h, "notes", households[h]["notes"], new) for h in chosen]
            body = puller.push_body(puller.number(muts))
            t0 = time.perf_counter()
            r = puller.push_raw(body)
            t1 = time.perf_counter()
            got: list[dict[str, Any]] = []
            puller.pull_all(PULL_LIMIT, keep=got)
            t2 = time.perf_counter()
            if r.status_code != 200 or {x["status"] for x in r.json()["results"]} != {"applied"}:
                fail(f"{backend}: incremental push {r.status_code} {r.text[:300]}")
            if len(got) != 100:
                fail(f"{backend}: incremental pull got {len(got)} changes, expected 100")
            for c in got:
                households[c["id"]] = c["row"]
            rounds.append(((t1 - t0) * 1000, (t2 - t1) * 1000, (t2 - t0) * 1000))
        out["incr"] = [statistics.median(x) for x in zip(*rounds, strict=True)]
        out["incr_first"] = rounds[0][2]
        log(f"{backend}: incremental median push/pull/total ms {out['incr']}")
    out["log"] = srv.log_problems()
    return out


# -- 2. concurrent clients on PostgreSQL -----------------------------------------------------


def bench_concurrency(n_clients: int, workdir: Path) -> dict[str, Any]:
    n_grids = max(1, n_clients // 10)
    out: dict[str, Any] = {"clients": n_clients, "grids": n_grids}
    with pg_database() as url, Server(url, workdir, "concurrency") as srv:
        engine, settings = make_engine(url), Settings(database_url=url)
        size = DatasetSize(
            grids=n_grids, households=30 * n_grids, residents=60 * n_grids, visits=0, issues=0
        )
        seed(engine, settings, size)  # type: ignore[arg-type]
        with engine.connect() as conn:
            grids = sorted(conn.execute(select(Grid.id)).scalars())
        log(f"concurrency: {len(grids)} grids seeded; creating {n_clients} users")

        def make_user(i: int) -> Client:
            name = f"bench-{i:03d}"
            admin.create_user(engine, settings, name, "worker", PASSWORD)
            admin.assign(engine, name, [grids[i % len(grids)]])
            return Client(srv.url, name)

        with ThreadPoolExecutor(2) as pool:
            clients = list(pool.map(make_user, range(n_clients)))
        log("concurrency: logging in and first pulls (untimed)")
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda c: c.login(), clients))
        first: dict[str, list[dict[str, Any]]] = {}

        def first_pull(c: Client) -> None:
            first[c.username] = keep = []
            c.pull_all(PULL_LIMIT, keep=keep)

        with ThreadPoolExecutor(8) as pool:
            list(pool.map(first_pull, clients))

        now = dt.datetime.now(dt.UTC)
        plans: dict[str, list[dict[str, Any]]] = {}
        bodies: dict[str, list[bytes]] = {}
        for i, c in enumerate(clients):
            households = [x["row"] for x in first[c.username] if x["entity"] == "households"]
            plans[c.username] = numbered = c.number(client_mutations(i, households, now))
            bodies[c.username] = [c.push_body(numbered[:10]), c.push_body(numbered[10:])]

        barrier = threading.Barrier(n_clients + 1)
        results: dict[str, list[dict[str, Any]]] = {c.username: [] for c in clients}
        errors: list[str] = []
        push_req: list[float] = []
        push_lat: list[float] = []
        sync_lat: list[float] = []
        ends: list[float] = []

        def sync(c: Client) -> None:
            barrier.wait()
            t0 = time.perf_counter()
            for body in bodies[c.username]:
                for _attempt in range(4):  # a real client retries; each failure is counted
                    t = time.perf_counter()
                    try:
                        r = c.push_raw(body)
                    except requests.RequestException as exc:
                        errors.append(f"push {type(exc).__name__}")
                        continue
                    push_req.append(time.perf_counter() - t)
                    if r.status_code == 200:
                        results[c.username] += r.json()["results"]
                        break
                    errors.append(f"push {r.status_code} {r.text[:80]}")
                    time.sleep(0.1)
            t_push = time.perf_counter()
            for _attempt in range(4):
                try:
                    c.pull_all(PULL_LIMIT)
                    break
                except requests.RequestException as exc:
                    errors.append(f"pull {str(exc)[:80]}")
            t_end = time.perf_counter()
            push_lat.append(t_push - t0)  # list.append is atomic: no lock needed
            sync_lat.append(t_end - t0)
            ends.append(t_end)

        threads = [threading.Thread(target=sync, args=(c,)) for c in clients]
        for t in threads:
            t.start()
        log(f"concurrency: {n_clients} clients syncing")
        barrier.wait()
        start = time.perf_counter()
        for t in threads:
            t.join()
        wall = max(ends) - start
        ms = lambda xs: [percentile(xs, p) * 1000 for p in (50, 95, 99)]  # noqa: E731
        out.update(
            wall=wall,
            rate=n_clients / wall,
            sync_ms=ms(sync_lat),
            push_ms=ms(push_lat),
            push_req_ms=ms(push_req),
            errors=Counter(errors),
        )
        log(f"concurrency: {n_clients} syncs in {wall:.2f} s; errors {dict(Counter(errors))}")

        # Accounting, straight from the database.
        devices = {c.username: c.device_id for c in clients}
        statuses, accounted, problems = account(engine, plans, devices, results)
        dupes, truth = grid_integrity(engine, grids)
        total = sum(len(p) for p in plans.values())
        out.update(statuses=statuses, accounted=accounted, total=total, dupes=len(dupes))
        print(f"accounted: {accounted} of {total}", flush=True)
        if accounted != total:
            fail(f"concurrency: only {accounted} of {total} mutations accounted for")
            for p in problems:
                print("    ", p)
        if dupes:
            fail(f"concurrency: {len(dupes)} (grid, version) pairs used twice, e.g. {dupes[:3]}")

        # Checksums: every client pulls to the end once more; compare with a recount.
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda c: c.pull_all(PULL_LIMIT), clients))
        bad_server = sorted(
            {g for c in clients for g, v in c.last_page["checksums"].items() if v != truth[g]}
        )
        bad_replica = [
            c.username for c in clients for g in c.cursors if c.replica_checksum(g) != truth[g]
        ]
        out.update(bad_server=len(bad_server), bad_replica=len(bad_replica))
        if bad_server:
            fail(f"concurrency: pull checksums differ from a recount for {bad_server[:5]}")
            for g in bad_server[:3]:
                print(
                    f"     {g}: recount {truth[g]}, pull "
                    f"{next(c.last_page['checksums'][g] for c in clients if g in c.cursors)}"
                )
        if bad_replica:
            fail(f"concurrency: {len(bad_replica)} clients' rows differ from the recount")
        engine.dispose()
    out["log"] = srv.log_problems()
    return out


# -- report ----------------------------------------------------------------------------------


def report(refs: list[dict[str, Any]], conc: dict[str, Any] | None, load: float) -> None:
    print("\n## Sync service benchmark\n")
    print(f"Machine: {machine()}; Python {sys.version.split()[0]}; commit {revision()}")
    print(f"Load average (1 min) at start {load:.2f}, at end {os.getloadavg()[0]:.2f}\n")
    if refs:
        print(
            "| backend | set | push mut/s | push s | applied / rejected | batch p50 / max ms "
            "| pull rows/s | pull s | floor rows/s | floor s | pull/floor | incr 100 ms "
            "(push + pull) |"
        )
        print("|" + " --- |" * 12)
        for r in refs:
            st = r["statuses"]
            print(
                f"| {r['backend']} | {r['size']} ({r['n_push']:,} rows) | {r['push_rate']:,.0f} "
                f"| {r['push_s']:.1f} | {st['applied']:,} / {st['rejected']} "
                f"| {r['batch_p50'] * 1000:.0f} / {r['batch_max'] * 1000:.0f} "
                f"| {r['pull_rows'] / r['pull_s']:,.0f} | {r['pull_s']:.2f} "
                f"| {r['pull_rows'] / r['floor_s']:,.0f} | {r['floor_s']:.2f} | {r['ratio']:.2f}× "
                f"| {r['incr'][2]:.0f} ({r['incr'][0]:.0f} + {r['incr'][1]:.0f}) |"
            )
        print(
            "\nIssues whose replayed status differs from the generated one: "
            + ", ".join(f"{r['backend']} {r['wrong_status']}" for r in refs)
        )
        print("Budgets: push ≥ 10,000 mutations/s; pull ≤ 3× floor; incremental ≤ 50 ms.")
    if conc:
        c = conc
        fmt = lambda xs: " / ".join(f"{x:.0f}" for x in xs)  # noqa: E731
        print(
            f"\n| PostgreSQL, {c['clients']} clients ({c['grids']} grids) | value |\n| --- | --- |"
        )
        print(
            f"| syncs/s (20 mutations each, 2 pushes + pull) | {c['rate']:.1f} "
            f"({c['clients']} in {c['wall']:.2f} s) |"
        )
        print(f"| whole sync p50 / p95 / p99 ms | {fmt(c['sync_ms'])} |")
        print(f"| push phase p50 / p95 / p99 ms | {fmt(c['push_ms'])} |")
        print(f"| one push request p50 / p95 / p99 ms | {fmt(c['push_req_ms'])} |")
        print(f"| errors (non-200) | {sum(c['errors'].values())} {dict(c['errors']) or ''} |")
        print(f"| results | {', '.join(f'{k} {v}' for k, v in sorted(c['statuses'].items()))} |")
        print(f"| accounted | {c['accounted']} of {c['total']} |")
        print(f"| (grid, version) used twice | {c['dupes']} |")
        print(f"| grids whose pull checksum ≠ recount | {c['bad_server']} |")
        print(f"| client replicas ≠ recount | {c['bad_replica']} |")
    for r in [*refs, *([conc] if conc else [])]:
        name = r.get("backend", "concurrency")
        if r.get("log"):
            print(f"\nServer log ({name}): " + "; ".join(r["log"]))
    print("\nRESULT: " + ("FAILED: " + " | ".join(FAILURES) if FAILURES else "all checks passed"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--size", choices=["worker", "demo"], default="worker")
    parser.add_argument("--clients", type=int, default=200)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that cleanup runs
    load = os.getloadavg()[0]  # other work on the machine skews every figure
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    refs: list[dict[str, Any]] = []
    conc = None
    with tempfile.TemporaryDirectory(prefix="gridsync-bench-") as tmp:
        for backend in backends:
            refs.append(bench_reference(backend, args.size, Path(tmp)))
        if "postgresql" in backends and args.clients > 0:
            conc = bench_concurrency(args.clients, Path(tmp))
    report(refs, conc, load)
    return 1 if FAILURES else 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Helpers of the sync service benchmark: the server process, databases, HTTP clients, the floor."""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import json
import os
import random
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import requests

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # run from a checkout without installing
    sys.path.insert(1, str(REPO))

from sqlalchemy import Engine, select, text  # noqa: E402

from sync.protocol.values import format_time  # noqa: E402
from sync.protocol.wire import PROTOCOL_HEADER, grid_digest, uuid7  # noqa: E402
from sync.server.models import ENTITY_TABLES, Conflict, Device, Rejection  # noqa: E402
from sync.server.ports import free_port  # noqa: E402

PASSWORD = "bench-pass-2026"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_BENCH_DB = f"gridsync_bench_{os.getpid()}"  # our own: a parallel run keeps its own

# Server-owned fields a client's create leaves out (PROTOCOL.md, "Roles and fields").
SERVER_OWNED = {
    "visits": {"worker_id", "reviewed_by", "reviewed_at", "review_status", "review_comment"},
    "issues": {"status"},
    "issue_updates": {"author_id"},
}


def machine() -> str:
    model = "unknown CPU"
    with contextlib.suppress(OSError), open("/proc/cpuinfo", encoding="utf-8") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), {model}"


def revision() -> str:
    """The commit measured, and whether the service's code differs from it."""
    git = ["git", "-C", str(REPO)]
    run = lambda *a: subprocess.run([*git, *a], capture_output=True, text=True).stdout.strip()  # noqa: E731
    dirty = run("status", "--porcelain", "--", "sync")
    return f"{run('rev-parse', '--short', 'HEAD') or 'unknown'}{' + local changes in sync/' if dirty else ''}"


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


@contextlib.contextmanager
def pg_database(name: str = PG_BENCH_DB) -> Iterator[str]:
    """A fresh PostgreSQL database of our own, dropped afterwards, even on failure."""
    import psycopg

    if name in ("test", "postgres", "template0", "template1"):
        raise SystemExit(f"refusing to use database {name}")

    def admin(sql: str) -> None:
        with psycopg.connect(PG_ADMIN, autocommit=True) as c:
            c.execute(sql)

    admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Server:
    """``gridsync serve`` as a separate process on a free loopback port."""

    def __init__(self, db_url: str, workdir: Path, label: str):
        self.db_url = db_url
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / f"server-{label}.log"
        self.env = {**os.environ, "GRIDSYNC_BLOB_DIR": str(workdir / f"blobs-{label}")}
        self.env["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(REPO), os.environ.get("PYTHONPATH")])
        )
        self.proc: subprocess.Popen[bytes] | None = None

    def _cli(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "sync.server.cli", "--db", self.db_url, *args]

    def __enter__(self) -> Server:
        done = subprocess.run(self._cli("init-db"), cwd=REPO, env=self.env, capture_output=True)
        if done.returncode:
            raise RuntimeError(f"init-db failed: {done.stderr.decode(errors='replace')[-2000:]}")
        self.log = open(self.log_path, "wb")  # closed in __exit__
        self.proc = subprocess.Popen(
            self._cli("serve", "--host", "127.0.0.1", "--port", str(self.port)),
            cwd=REPO,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        try:
            while self.proc.poll() is None and time.monotonic() < deadline:
                with contextlib.suppress(requests.RequestException):
                    if requests.get(self.url + "/api/v1/health", timeout=2).status_code == 200:
                        return self
                time.sleep(0.1)
            raise RuntimeError(f"server did not start: {self.log_path.read_text()[-2000:]}")
        except BaseException:
            self.__exit__()  # a with-statement does not call __exit__ when __enter__ fails
            raise

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()

    def log_problems(self) -> list[str]:
        """Non-2xx responses of the access log (by status) and ERROR lines of the server."""
        text = self.log_path.read_text(errors="replace")
        statuses: dict[str, int] = {}
        for m in re.finditer(r'"(?:GET|POST|PUT) (\S+) HTTP/1\.1" (\d{3})', text):
            if not m.group(2).startswith("2"):
                key = f"{m.group(2)} {m.group(1)}"
                statuses[key] = statuses.get(key, 0) + 1
        out = [f"{n}x HTTP {k}" for k, n in sorted(statuses.items())]
        out += [line.strip()[:200] for line in text.splitlines() if "ERROR" in line][:10]
        return out


class Client:
    """One device: a session, a token, its next seq, its cursors and a replica of versions."""

    def __init__(self, base: str, username: str):
        self.base = base + "/api/v1"
        self.username = username
        self.device_id = str(uuid.uuid4())
        self.http = requests.Session()
        self.http.headers[PROTOCOL_HEADER] = "1"
        self.seq = 0
        self.cursors: dict[str, int] = {}
        self.replica: dict[
            tuple[str, str], tuple[int, bool, str]
        ] = {}  # key -> version, deleted, grid
        self.last_page: dict[str, Any] = {}

    def login(self, password: str = PASSWORD) -> dict[str, Any]:
        body = {
            "username": self.username,
            "password": password,
            "device_id": self.device_id,
            "device_name": "bench",
        }
        r = self.http.post(self.base + "/auth/login", json=body, timeout=120)
        r.raise_for_status()
        data = r.json()
        self.http.headers["Authorization"] = f"Bearer {data['token']}"
        for grid in data["grids"]:
            self.cursors.setdefault(grid["id"], 0)
        return dict(data)

    def number(self, mutations: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = []
        for m in mutations:
            self.seq += 1
            out.append({"seq": self.seq, **m})
        return out

    def push_body(self, numbered: list[dict[str, Any]]) -> bytes:
        body = {"device_id": self.device_id, "mutations": numbered}
        return gzip.compress(json.dumps(body, ensure_ascii=False).encode(), compresslevel=5)

    def push_raw(self, gz_body: bytes) -> requests.Response:
        headers = {"Content-Encoding": "gzip", "Content-Type": "application/json"}
        return self.http.post(self.base + "/sync/push", data=gz_body, headers=headers, timeout=300)

    def pull_all(self, limit: int = 5000, keep: list[dict[str, Any]] | None = None) -> int:
        """Pull every held grid to the end; returns the number of changes (kept if asked)."""
        total = 0
        while True:
            r = self.http.post(
                self.base + "/sync/pull",
                json={"cursors": self.cursors, "limit": limit},
                timeout=300,
            )
            r.raise_for_status()
            page = r.json()
            for c in page["changes"]:
                key = (c["entity"], c["id"])
                if c["op"] == "leave":
                    self.replica.pop(key, None)
                else:
                    self.replica[key] = (c["version"], c["row"]["deleted"], c["grid_id"])
            if keep is not None:
                keep += page["changes"]
            total += len(page["changes"])
            self.cursors.update(page["cursors"])
            if not page["has_more"]:
                self.last_page = page
                return total

    def replica_checksum(self, grid_id: str) -> dict[str, Any]:
        count, digest = grid_digest(
            (e, i, v)
            for (e, i), (v, deleted, g) in self.replica.items()
            if g == grid_id and not deleted and v > 0
        )
        return {"count": count, "digest": digest}


def to_create(entity: str, row: dict[str, Any]) -> dict[str, Any]:
    drop = SERVER_OWNED.get(entity, set())
    values = {k: v for k, v in row.items() if k not in drop}
    return {"entity": entity, "id": row["id"], "op": "create", "values": values}


def create(entity: str, values: dict[str, Any]) -> dict[str, Any]:
    return {"entity": entity, "id": uuid7(), "op": "create", "values": values}


def update(entity: str, row_id: str, field: str, old: Any, new: Any) -> dict[str, Any]:
    changes = {field: {"old": old, "new": new}}
    return {"entity": entity, "id": row_id, "op": "update", "changes": changes}


def client_mutations(
    i: int, households: list[dict[str, Any]], now: dt.datetime
) -> list[dict[str, Any]]:
    """Client i's 20 mutations: 5 visits, 5 household updates, 5 residents, 5 more updates.
    The updates go to the grid's first 4 households, shared by its ten workers: conflicts."""
    rng = random.Random(i)
    seen = {h["id"]: dict(h) for h in households}
    ids = sorted(seen)
    visits = [
        create(
            "visits",
            {
                "household_id": rng.choice(ids),
                "outcome": "met",
                "notes": f"并发走访 {i}-{k}",
                "visited_at": format_time(now - dt.timedelta(minutes=rng.randrange(1, 600))),
            },
        )
        for k in range(5)
    ]
    residents = [
        create("residents", {"household_id": rng.choice(ids), "name": f"测试居民{i}号{k}"})
        for k in range(5)
    ]
    updates = []
    for k in range(10):
        h, field = rng.choice(ids[:4]), ("notes", "phone")[k % 2]
        new = f"客户端{i}第{k}次修改" if field == "notes" else f"139{rng.randrange(10**8):08d}"
        updates.append(update("households", h, field, seen[h][field], new))
        seen[h][field] = new  # the client's next edit starts from its own value
    return visits + updates[:5] + residents + updates[5:]


def sqlite_floor(changes: list[dict[str, Any]], rounds: int = 3) -> float:
    """Best time (s) to bulk-insert these rows into SQLite with the standard library, one
    transaction, a table per entity with the rows' columns, executemany (DESIGN.md's floor)."""
    by_entity: dict[str, list[dict[str, Any]]] = {}
    for c in changes:
        if c["op"] == "upsert":
            by_entity.setdefault(c["entity"], []).append(c["row"])
    best = float("inf")
    with tempfile.TemporaryDirectory(prefix="gridsync-floor-") as tmp:
        for n in range(rounds):
            con = sqlite3.connect(Path(tmp) / f"floor-{n}.db", isolation_level=None)
            columns = {e: list(rows[0]) for e, rows in by_entity.items()}
            for e, cols in columns.items():
                con.execute(
                    f'CREATE TABLE "{e}" ({", ".join(f"{c!r}" for c in cols)}, PRIMARY KEY (id))'
                )
            start = time.perf_counter()
            con.execute("BEGIN")
            for e, rows in by_entity.items():
                cols = columns[e]
                sql = f'INSERT INTO "{e}" VALUES ({", ".join("?" * len(cols))})'
                con.executemany(
                    sql,
                    (
                        tuple(
                            json.dumps(v, ensure_ascii=False) if isinstance(v, list) else v
                            for v in (r[c] for c in cols)
                        )
                        for r in rows
                    ),
                )
            con.execute("COMMIT")
            best = min(best, time.perf_counter() - start)
            con.close()
    return best


def account(
    engine: Engine,
    plans: dict[str, list[dict[str, Any]]],
    devices: dict[str, str],
    results: dict[str, list[dict[str, Any]]],
) -> tuple[Counter[str], int, list[str]]:
    """Check every sent mutation against the database: the device's last_seq, exactly one
    result, the created row present once (absent if rejected), a conflict record exactly for
    conflicts and a rejection record exactly for rejections. Returns statuses, count, problems."""
    dev_ids = list(devices.values())
    created: dict[str, list[str]] = {}
    for numbered in plans.values():
        for m in numbered:
            if m["op"] == "create":
                created.setdefault(m["entity"], []).append(m["id"])
    with engine.connect() as conn:
        last_seq = dict(
            conn.execute(select(Device.id, Device.last_seq).where(Device.id.in_(dev_ids))).all()
        )
        rejected = Counter(
            conn.execute(
                select(Rejection.device_id, Rejection.seq).where(Rejection.device_id.in_(dev_ids))
            ).all()
        )
        conflicts = Counter(
            conn.execute(
                select(Conflict.device_id, Conflict.seq).where(Conflict.device_id.in_(dev_ids))
            ).all()
        )
        present: Counter[str] = Counter()
        for entity, ids in created.items():
            table = ENTITY_TABLES[entity]
            for k in range(0, len(ids), 1000):
                chunk = ids[k : k + 1000]
                present.update(
                    conn.execute(select(table.c.id).where(table.c.id.in_(chunk))).scalars()
                )
    statuses: Counter[str] = Counter()
    accounted, problems = 0, []
    for name, numbered in plans.items():
        dev = devices[name]
        by_seq: dict[int, list[dict[str, Any]]] = {}
        for res in results[name]:
            by_seq.setdefault(res["seq"], []).append(res)
        if last_seq.get(dev) != len(numbered):
            problems.append(f"{name}: last_seq {last_seq.get(dev)} != {len(numbered)}")
        for m in numbered:
            key, got = (dev, m["seq"]), by_seq.get(m["seq"], [])
            status = got[0]["status"] if len(got) == 1 else f"{len(got)} results"
            statuses[status] += 1
            ok = last_seq.get(dev) == len(numbered) and len(got) == 1
            if m["op"] == "create":
                ok = ok and present[m["id"]] == (0 if status == "rejected" else 1)
            if status == "conflict":
                ok = ok and conflicts[key] == len(got[0]["conflicts"]) > 0
            else:
                ok = ok and conflicts[key] == 0
            ok = ok and rejected[key] == (status == "rejected")
            ok = ok and status in ("applied", "conflict", "rejected", "duplicate")
            accounted += ok
            if not ok and len(problems) < 10:
                problems.append(
                    f"{name} seq {m['seq']} {m['entity']} {m['op']}: {status}, rows "
                    f"{present.get(m['id'])}, conflicts {conflicts[key]}, rejections {rejected[key]}"
                )
    return statuses, accounted, problems


def grid_integrity(engine: Engine, grids: list[str]) -> tuple[list[Any], dict[str, Any]]:
    """(grid, version) pairs used twice across all entities and leaves, and each grid's
    checksum recounted from its live rows (PROTOCOL.md, "checksums")."""
    union = " UNION ALL ".join(
        f"SELECT grid_id, version FROM {e}" for e in [*ENTITY_TABLES, "leaves"]
    )
    rows: dict[str, list[tuple[str, str, int]]] = {g: [] for g in grids}
    with engine.connect() as conn:
        dupes = conn.execute(
            text(
                f"SELECT grid_id, version, count(*) FROM ({union}) v "
                "GROUP BY grid_id, version HAVING count(*) > 1"
            )
        ).all()
        for entity, table in ENTITY_TABLES.items():
            query = select(table.c.grid_id, table.c.id, table.c.version)
            for g, i, v in conn.execute(query.where(table.c.deleted.is_(False))):
                rows.setdefault(g, []).append((entity, i, v))
    truth = {
        g: dict(zip(("count", "digest"), grid_digest(r), strict=True)) for g, r in rows.items()
    }
    return list(dupes), truth

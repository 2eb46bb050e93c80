"""Supervisor benchmark: the dashboard for a month and a month of visits to Excel.

    python bench/bench_supervisor.py [--size supervisor] [--runs 3]

Loads the data set into a laptop profile the way a first download stores it (every grid,
its users in the directory), then measures, for the last full month of the data:

1. the coverage figures of the month for every grid and worker (``coverage.coverage``);
2. opening the 覆盖率 page on them (figures + charts + the list behind the first bar), offscreen;
3. exporting the month's visits of every grid to one .xlsx (``ledgers.export_ledger``), and
   the same to .csv.

Prints the figures; nothing is asserted (speed is measured here, never in tests).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(1, str(REPO))

from gridworker.domain import coverage, ledgers  # noqa: E402
from gridworker.session import open_profile  # noqa: E402
from gridworker.store.replica import apply_page  # noqa: E402
from gridworker.store.schema import GridState  # noqa: E402
from gridworker.store.search import refresh_stale  # noqa: E402
from sync.datagen import DEFAULT_NOW, generate  # noqa: E402
from sync.protocol.entities import ENTITIES  # noqa: E402
from sync.protocol.values import SHANGHAI  # noqa: E402


def load(size: str, profile: Path):  # type: ignore[no-untyped-def]
    session = open_profile(profile)
    store = session.store
    batch: list[dict] = []
    version = 0
    users: list[dict] = []
    grids: list[dict] = []
    counts: dict[str, int] = {}

    def flush() -> None:
        with store.write() as conn:
            apply_page(conn, batch, store.user)
        batch.clear()

    for entity, row in generate(size):
        counts[entity] = counts.get(entity, 0) + 1
        if entity == "users":
            users.append(row)
            continue
        if entity == "grids":
            grids.append(row)
            continue
        if entity not in ENTITIES:
            continue
        version += 1
        row = {**row, "version": version, "deleted": False, "updated_at": None, "updated_by": None}
        batch.append(
            {
                "grid_id": row.get("grid_id") or "g",
                "version": version,
                "entity": entity,
                "id": row["id"],
                "op": "upsert",
                "row": row,
            }
        )
        if len(batch) >= 20000:
            flush()
    flush()
    supervisor = next(u for u in users if u["role"] == "supervisor")
    with store.write() as conn:
        refresh_stale(conn)
        store.set_user(
            conn,
            {k: supervisor[k] for k in ("id", "username", "display_name", "role")},
        )
        store.set_meta(
            conn,
            "people",
            [
                {k: u[k] for k in ("id", "display_name", "role", "grids")}
                for u in users
                if u["role"] != "admin"
            ],
        )
        for grid in grids:
            conn.execute(
                GridState.__table__.insert().values(
                    grid_id=grid["id"], name=grid["name"], cursor=version, row_count=0
                )
            )
    return session, counts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="supervisor")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="gridworker-bench-supervisor-"))
    started = time.perf_counter()
    session, counts = load(args.size, work / "profile")
    print(f"loaded {args.size}: {counts} in {time.perf_counter() - started:.1f} s")
    store = session.store
    today = DEFAULT_NOW.astimezone(SHANGHAI).date()
    end = today.replace(day=1) - dt.timedelta(days=1)
    start = end.replace(day=1)
    store.clock = lambda: DEFAULT_NOW
    print(f"month: {start} … {end}; data as of {today}")

    compute = []
    for _ in range(args.runs):
        t = time.perf_counter()
        report = coverage.coverage(store, start, end)
        compute.append(time.perf_counter() - t)
    total = report.total
    print(
        f"coverage figures: {statistics.median(compute) * 1000:.0f} ms median of {args.runs} "
        f"({total.households} households, {total.visits} visits in the month, "
        f"{len(report.grids)} grids, {len(report.workers)} workers)"
    )

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from gridworker.ui.context import AppContext, AppSettings
    from gridworker.ui.coverage import CoveragePage
    from gridworker.ui.tasks import Tasks

    app = QApplication.instance() or QApplication(["bench"])
    tasks = Tasks()
    settings = AppSettings(QSettings(str(work / "settings.ini"), QSettings.Format.IniFormat))
    ctx = AppContext(session, settings, tasks, work)
    page = CoveragePage(ctx)
    page.resize(1280, 760)
    page.show()
    tasks.wait()
    app.processEvents()
    opened = []
    for _ in range(args.runs):
        t = time.perf_counter()
        page.set_period(start, end)  # computes in the background, then draws
        tasks.wait()
        app.processEvents()
        page.grab()  # the charts painted
        opened.append(time.perf_counter() - t)
    print(
        f"open the dashboard for the month (figures + charts + list, offscreen): "
        f"{statistics.median(opened) * 1000:.0f} ms median"
    )

    for suffix in (".xlsx", ".csv"):
        times = []
        for run in range(args.runs):
            path = work / f"visits-{run}{suffix}"
            t = time.perf_counter()
            rows = ledgers.export_ledger(store, "visits", None, path, start, end)
            times.append(time.perf_counter() - t)
        size = path.stat().st_size / 1e6
        print(
            f"export a month of visits to {suffix}: {rows} rows, "
            f"{statistics.median(times):.2f} s median ({rows / statistics.median(times):,.0f} "
            f"rows/s, {size:.1f} MB)"
        )
    tasks.wait()
    session.close()


if __name__ == "__main__":
    main()

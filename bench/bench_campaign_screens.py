"""Campaign screens benchmark: a 20,000-household emergency sweep published from a
supervisor's laptop, its progress view (the 任务 tab, offscreen), and a response's way from a
worker's laptop to that view — both laptops online against a real ``gridsync serve`` process.

    python bench/bench_campaign_screens.py [--households 20000] [--grids 10] [--runs 5]

Setup (not timed): a SQLite service with ``--grids`` grids and ``--households`` households
(pushed through the API), a supervisor of every grid and a worker of the first grid, each
laptop after its first download. Then, timed:

1. publishing: the campaign created on the supervisor's laptop (every household, emergency)
   and the sync that sends it and brings back its rows with the targets the service resolved;
2. opening the progress view: the supervisor's 任务 tab built and showing the campaign
   (figures, both charts, the list with 需帮助 first);
3. a response saved on the worker's laptop → in the supervisor's progress view: the save, the
   worker's sync, the supervisor's sync and the view's reload, back to back. With the
   emergency interval each laptop syncs every 60 s, so in the field the wait for the next
   sync (≤ 60 s on each side) adds to this; the benchmark triggers the syncs as the interval
   would and measures the work itself.

Prints the figures; nothing is asserted (speed is measured here, never in tests).
"""

from __future__ import annotations

import argparse
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

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from bench.bench_client import ServerProcess  # noqa: E402
from gridworker.domain import campaigns as camp  # noqa: E402
from gridworker.session import login  # noqa: E402
from sync.protocol.wire import uuid7  # noqa: E402
from sync.server.db import make_engine  # noqa: E402
from sync.server.migrate import upgrade  # noqa: E402
from tests.server.harness import PASSWORD, Service  # noqa: E402


def load(work: Path, households: int, grids: int) -> tuple[str, list[str], list[str]]:
    """The service's database with its grids, users and households; returns its URL."""
    url = f"sqlite:///{work / 'gridsync.db'}"
    engine = make_engine(url)
    upgrade(engine)
    service = Service(engine, work)
    service.clock.now = service.clock.now.__class__.now(service.clock.now.tzinfo)
    grid_ids = [service.grid(f"G{n + 1:02d}", f"网格{n + 1}") for n in range(grids)]
    service.user("loader", "supervisor", grid_ids)
    loader = service.login("loader")
    first_grid: list[str] = []
    batch: list[dict] = []
    for i in range(households):
        grid = grid_ids[i % grids]
        row_id = uuid7()
        if grid == grid_ids[0]:
            first_grid.append(row_id)
        batch.append(
            {
                "entity": "households",
                "id": row_id,
                "op": "create",
                "values": {
                    "grid_id": grid,
                    "address": f"朐阳小区 {i // 100 + 1}号楼 {i % 100 + 101}室",
                    "head_name": f"住户{i}",
                    "phone": f"138{i:08d}",
                },
            }
        )
        if len(batch) == 1000:
            loader.push(*batch)
            batch = []
    if batch:
        loader.push(*batch)
    service.user("sup", "supervisor", grid_ids)
    service.user("w1", "worker", grid_ids[:1])
    engine.dispose()
    return url, grid_ids, first_grid


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=20_000)
    parser.add_argument("--grids", type=int, default=10)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    from gridworker.ui import i18n
    from gridworker.ui.campaign_admin import CampaignAdminPage
    from gridworker.ui.context import AppContext, AppSettings
    from gridworker.ui.style import apply_style
    from gridworker.ui.tasks import Tasks

    i18n.install(app, i18n.CHINESE)
    apply_style(app)
    work = Path(tempfile.mkdtemp(prefix="bench-campaign-screens-"))
    started = time.perf_counter()
    url, grid_ids, first_grid = load(work, args.households, args.grids)
    print(
        f"setup: {args.households} households in {args.grids} grids pushed in "
        f"{time.perf_counter() - started:.1f} s"
    )
    with ServerProcess(url) as server:
        sup = login(work / "sup", server.url, "sup", PASSWORD)
        worker = login(work / "w1", server.url, "w1", PASSWORD)
        started = time.perf_counter()
        sup.syncer.sync()
        worker.syncer.sync()
        print(f"first downloads (not part of the figures): {time.perf_counter() - started:.1f} s")

        # 1. publishing from the supervisor's laptop
        started = time.perf_counter()
        campaign_id = camp.create_campaign(
            sup.store,
            "暴雨前安全排查",
            grid_ids,
            "2026-12-31T10:00:00Z",
            kind="emergency",
            publish=True,
        )
        created_s = time.perf_counter() - started
        report = sup.syncer.sync()
        publish_s = time.perf_counter() - started
        found = camp.campaign(sup.store, campaign_id)
        assert found is not None and found.synced and found.targets == args.households
        worker.syncer.sync()
        print(
            f"publish: created on the laptop {created_s * 1000:.0f} ms; created + synced, "
            f"{found.targets} targets resolved by the service and back: "
            f"{publish_s * 1000:.0f} ms ({report.pulled} rows pulled)"
        )

        # 2. the progress view
        settings = AppSettings(QSettings(str(work / "settings.ini"), QSettings.Format.IniFormat))
        opens = []
        for _ in range(3):
            ctx = AppContext(sup, settings, Tasks(), work / "sup")  # a page of its own each
            started = time.perf_counter()
            page = CampaignAdminPage(ctx)
            page.resize(1366, 700)
            page.show()
            app.processEvents()
            opens.append(time.perf_counter() - started)
            assert page.figures is not None and page.figures["targets"] == args.households
            page.close()
            page.deleteLater()
        tasks = Tasks()
        ctx = AppContext(sup, settings, tasks, work / "sup")
        page = CampaignAdminPage(ctx)
        page.resize(1366, 700)
        page.show()
        app.processEvents()
        started = time.perf_counter()
        camp.progress(sup.store, campaign_id)
        tally_s = time.perf_counter() - started
        started = time.perf_counter()
        camp.needs_help_first(sup.store, campaign_id)
        listing_s = time.perf_counter() - started
        print(
            f"progress view's parts: progress() {tally_s * 1000:.0f} ms, needs_help_first() "
            f"{listing_s * 1000:.0f} ms"
        )
        print(
            f"progress view opened ({args.households} targets, figures + 2 charts + list): "
            f"median {statistics.median(opens) * 1000:.0f} ms, max {max(opens) * 1000:.0f} ms"
        )

        # 3. a response's way to the supervisor's view
        latencies, parts = [], []
        for run in range(args.runs):
            t0 = time.perf_counter()
            camp.record_response(worker.store, campaign_id, first_grid[run], "needs_help", {})
            t1 = time.perf_counter()
            worker.syncer.sync()
            t2 = time.perf_counter()
            sup.syncer.sync()
            t3 = time.perf_counter()
            tasks.notify_changed()  # what the app does after a sync: the page reloads
            app.processEvents()
            t4 = time.perf_counter()
            assert page.figures is not None and page.figures["answered"] == run + 1
            latencies.append(t4 - t0)
            parts.append((t1 - t0, t2 - t1, t3 - t2, t4 - t3))
        med = [statistics.median(p[i] for p in parts) * 1000 for i in range(4)]
        print(
            f"response saved → shown in the supervisor's progress: median "
            f"{statistics.median(latencies) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms "
            f"over {args.runs} (save {med[0]:.0f} + worker sync {med[1]:.0f} + supervisor sync "
            f"{med[2]:.0f} + view reload {med[3]:.0f} ms); plus up to "
            f"{camp.EMERGENCY_SYNC_SECONDS} s on each laptop waiting for its next sync"
        )
        page.close()
        tasks.wait()
        sup.close()
        worker.close()


if __name__ == "__main__":
    main()

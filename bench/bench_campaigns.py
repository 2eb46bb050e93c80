"""Campaigns benchmark: publishing a sweep of 20,000 households and a response's way to the
supervisor's progress view.

    python bench/bench_campaigns.py [--households 20000] [--runs 5]

A real service (SQLite, in a thread on loopback) and real laptop profiles:

1. a supervisor's laptop downloads a grid of N households (not timed), then the campaign is
   published with ``gridsync campaign create``'s function (targets resolved on the service),
   the supervisor's laptop syncs it, and its progress view (``progress`` + ``needs_help_first``)
   is computed;
2. a worker's laptop records a response; then worker sync + supervisor sync + progress: the
   time from the save to its appearance in the supervisor's figures, with both laptops
   online and syncing back to back. With the emergency interval (60 s) the wait for the
   next automatic sync adds at most 60 s on each laptop; that wait is a setting, not work.

Prints the figures; nothing is asserted (speed is measured here, never in tests).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(1, str(REPO))

from gridworker.domain import campaigns as camp  # noqa: E402
from gridworker.session import login  # noqa: E402
from sync.protocol.wire import uuid7  # noqa: E402
from sync.server import campaigns as server_campaigns  # noqa: E402
from sync.server.db import make_engine  # noqa: E402
from sync.server.migrate import upgrade  # noqa: E402
from tests.server.harness import PASSWORD, Service  # noqa: E402
from tests.server.live import LiveServer  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-campaigns-"))
    engine = make_engine(f"sqlite:///{work / 'gridsync.db'}")
    upgrade(engine)
    service = Service(engine, work)
    service.clock.now = service.clock.now.__class__.now(service.clock.now.tzinfo)
    grid = service.grid("G1", "朐阳网格")
    service.user("loader", "worker", [grid])
    loader = service.login("loader")
    ids: list[str] = []
    for start in range(0, args.households, 1000):
        batch = []
        for i in range(start, min(start + 1000, args.households)):
            row_id = uuid7()
            ids.append(row_id)
            batch.append(
                {
                    "entity": "households",
                    "id": row_id,
                    "op": "create",
                    "values": {
                        "grid_id": grid,
                        "address": f"朐阳小区 {i // 100 + 1}号楼 {i % 100 + 101}室",
                        "phone": f"138{i:08d}",
                    },
                }
            )
        loader.push(*batch)
    service.user("sup", "supervisor", [grid])
    service.user("w1", "worker", [grid])
    with LiveServer(service.app) as live:
        sup = login(work / "sup", live.url, "sup", PASSWORD)
        worker = login(work / "w1", live.url, "w1", PASSWORD)
        sup.syncer.sync()
        worker.syncer.sync()

        started = time.perf_counter()
        done = server_campaigns.create_campaign(
            engine,
            service.clock,
            title="暴雨前安全排查",
            grids=[grid],
            deadline="2026-12-31T10:00:00Z",
            kind="emergency",
        )
        publish_s = time.perf_counter() - started
        campaign_id = done["campaign_id"]
        started = time.perf_counter()
        report = sup.syncer.sync()
        sup_sync_s = time.perf_counter() - started
        started = time.perf_counter()
        progress = camp.progress(sup.store, campaign_id)
        first = camp.needs_help_first(sup.store, campaign_id)
        view_s = time.perf_counter() - started
        worker.syncer.sync()
        print(
            f"households/targets: {args.households} / {progress['targets']} ({len(first)} listed)"
        )
        print(f"publish on the service (targets resolved, row written): {publish_s * 1000:.0f} ms")
        print(
            f"supervisor laptop sync bringing the campaign: {sup_sync_s * 1000:.0f} ms "
            f"({report.pulled} changes)"
        )
        print(f"supervisor progress view (progress + needs_help_first): {view_s * 1000:.0f} ms")

        latencies = []
        for run in range(args.runs):
            started = time.perf_counter()
            camp.record_response(worker.store, campaign_id, ids[run], "needs_help", {})
            worker.syncer.sync()
            sup.syncer.sync()
            seen = camp.progress(sup.store, campaign_id)
            latencies.append(time.perf_counter() - started)
            assert seen["answered"] == run + 1
        print(
            "response saved → in the supervisor's progress (both online, syncing at once): "
            f"median {statistics.median(latencies) * 1000:.0f} ms, "
            f"max {max(latencies) * 1000:.0f} ms over {args.runs}; add up to "
            f"{camp.EMERGENCY_SYNC_SECONDS} s per laptop waiting for its next emergency sync"
        )
        sup.close()
        worker.close()


if __name__ == "__main__":
    main()

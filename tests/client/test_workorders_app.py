"""12345 work orders imported on a supervisor's laptop reach the service (both backends) and
a worker's laptop; the same file again adds nothing; replies only for resolved orders."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from gridworker.domain import operations as ops
from gridworker.domain import queries, workorders
from sync.protocol.errors import PermissionDenied
from sync.server.models import ENTITY_TABLES as SERVER_TABLES
from tests.workorders.helpers import HOUSEHOLDS, messy_export


def test_laptop_import_syncs_once_and_replies(world: Any, tmp_path: Path) -> None:
    ga = world.service.grid("grid-a", "西门网格")
    gb = world.service.grid("grid-b", "东门网格")
    worker = world.client("wa", grids=[ga])
    supervisor = world.client("sup", "supervisor", grids=[ga, gb])
    ids = {}
    for key, (grid, address, building, unit, room) in HOUSEHOLDS.items():
        row = ops.create_household(
            supervisor.store, grid, address, building=building, unit=unit, room=room
        )
        ids[key] = row["id"]
    assert supervisor.syncer.sync().rejected == 0

    path = messy_export(tmp_path / "工单.xlsx")
    with pytest.raises(PermissionDenied):
        workorders.commit(worker.store, workorders.plan_file(worker.store, path, ga))
    plan = workorders.plan_file(supervisor.store, path, ga)
    assert plan.counts()["new_orders"] == 9 and len(plan.unassigned) == 4
    assert workorders.commit(supervisor.store, plan) == 9
    assert len(workorders.unassigned(supervisor.store)) == 4
    assert supervisor.syncer.sync().rejected == 0

    issues = SERVER_TABLES["issues"]
    with world.service.engine.connect() as conn:
        on_server = {
            r.external_ref: (r.grid_id, r.household_id)
            for r in conn.execute(select(issues).where(issues.c.external_ref.is_not(None)))
        }
    assert len(on_server) == 9
    assert on_server["LYG20261118003"] == (gb, ids["qy301"])
    assert on_server["LYG20261118007"] == (ga, None)

    # The worker of grid a downloads grid a's seven orders.
    assert worker.syncer.sync().rejected == 0
    mine = [i for i in queries.issues(worker.store, limit=1000) if i["external_ref"]]
    assert len(mine) == 7

    # The same file again, on either laptop: nothing to create.
    assert workorders.plan_file(supervisor.store, path, ga).counts()["new_orders"] == 0
    assert workorders.plan_file(worker.store, path, ga).counts()["already_imported"] == 7

    # The worker resolves one order; the supervisor exports its reply once.
    first = next(i for i in mine if i["external_ref"] == "LYG20261118001")
    ops.add_issue_update(worker.store, first["id"], "resolved", "已更换盖板")
    assert worker.syncer.sync().rejected == 0
    assert supervisor.syncer.sync().rejected == 0
    out = tmp_path / "回复.xlsx"
    assert workorders.export_replies(supervisor.store, out) == 1
    rows = list(load_workbook(out).active.iter_rows(values_only=True))
    assert rows[1][0] == "LYG20261118001" and rows[1][1] == "已更换盖板" and rows[1][3] == "wa"
    assert workorders.export_replies(supervisor.store, out) == 0
    assert workorders.export_replies(supervisor.store, out, everything=True) == 1

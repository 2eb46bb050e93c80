"""Ledgers (台账) from the desktop app, through the real service on loopback (both backends).

A worker's laptop registers a grid and syncs; a supervisor's laptop exports the residents
ledger with ``gridworker.domain.ledgers.export_ledger`` and imports the file into a second,
empty grid it holds. Nothing is deleted anywhere, so the people with an ID number are still
registered in the first grid: the planner warns of each of them and imports them as the ledger
says, and every household and every resident makes the round trip field for field on the
ledger's fields, ID numbers included. The import is committed through the local outbox,
reaches the server at the next sync, and another laptop downloads it.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select

from gridworker.domain import ledgers, queries
from gridworker.domain import operations as ops
from gridworker.store.schema import ENTITY_TABLES as LOCAL_TABLES
from sync.ledger import read_table
from sync.ledger.columns import headers
from sync.ledger.importer import plan_import
from sync.protocol.errors import PermissionDenied
from sync.server.models import ENTITY_TABLES as SERVER_TABLES
from tests.ledger.helpers import LI, ZHANG, ZHAO

# The fields a residents ledger carries.
HOUSEHOLD_KEYS = ("address", "building", "unit", "room", "kind", "tags", "visit_interval_days")
RESIDENT_KEYS = (
    "name",
    "gender",
    "id_number",
    "birth_date",
    "relation",
    "phone",
    "tags",
    "present",
    "notes",
)

A = "海州区 朐阳小区 2号楼 1单元 301室"  # two people, both with an ID number
E = "海州区 朐阳小区 3号楼 2单元 502室"  # a head with an ID number, a child without
C = "海州区 朐阳小区 10号楼 2单元 502室"  # vacant: no residents
B = "海州区 西门路 7号 百姓超市"  # a shop and its keeper, no ID number
D = "海州区 鼓楼巷 16号"  # rental: an elderly woman and her tenant, no ID numbers


def freeze(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def ledger_state(conn: Any, tables: Any, grid_id: str) -> dict[str, Any]:
    """A grid's live households and residents on the ledger's fields (either side's tables)."""
    h, r = tables["households"], tables["residents"]
    homes = {
        row["id"]: dict(row)
        for row in conn.execute(
            select(h).where(h.c.grid_id == grid_id, h.c.deleted.is_(False))
        ).mappings()
    }
    people = conn.execute(
        select(r).where(r.c.grid_id == grid_id, r.c.deleted.is_(False))
    ).mappings()
    return {
        "households": sorted(
            tuple(freeze(home[k]) for k in HOUSEHOLD_KEYS) for home in homes.values()
        ),
        "residents": sorted(
            (homes[p["household_id"]]["address"], *(freeze(p[k]) for k in RESIDENT_KEYS))
            for p in people
        ),
        "head_names": {home["address"]: home["head_name"] for home in homes.values()},
    }


def server_state(world: Any, grid_id: str) -> dict[str, Any]:
    with world.service.engine.connect() as conn:
        return ledger_state(conn, SERVER_TABLES, grid_id)


def local_state(session: Any, grid_id: str) -> dict[str, Any]:
    with session.store.read() as conn:
        return ledger_state(conn, LOCAL_TABLES, grid_id)


@pytest.fixture
def office(world: Any) -> SimpleNamespace:
    """G1 registered by its worker and synced; G2 empty; a supervisor holding both."""
    g1 = world.service.grid("G1", "朐阳网格")
    g2 = world.service.grid("G2", "西门网格")
    worker = world.client("w1", grids=[g1])
    store = worker.store
    a = ops.create_household(
        store,
        g1,
        A,
        building="2号楼",
        unit="1单元",
        room="301室",
        head_name="张伟",
        phone="13812345678",
        kind="resident",
        tags=["low_income", "party_member"],
    )
    ops.add_resident(
        store,
        a["id"],
        "张伟",
        gender="male",
        id_number=ZHANG,
        birth_date="1950-01-01",
        relation="head",
        phone="13812345678",
        tags=["party_member"],
    )
    ops.add_resident(
        store,
        a["id"],
        "李芳",
        gender="female",
        id_number=LI,
        birth_date="1952-03-04",
        relation="spouse",
        present=False,
        notes="在南京带孙子",
    )
    e = ops.create_household(
        store, g1, E, building="3号楼", unit="2单元", room="502室", head_name="陈静"
    )
    ops.add_resident(
        store,
        e["id"],
        "陈静",
        gender="female",
        id_number=ZHAO,
        birth_date="1990-02-02",
        relation="head",
    )
    ops.add_resident(
        store,
        e["id"],
        "陈小雨",
        gender="female",
        birth_date="2015-09-09",
        relation="child",
        tags=["left_behind_child"],
    )
    ops.create_household(store, g1, C, building="10号楼", unit="2单元", room="502室", kind="vacant")
    b = ops.create_household(store, g1, B, kind="shop", head_name="韩梓涵")
    ops.add_resident(
        store,
        b["id"],
        "韩梓涵",
        gender="female",
        birth_date="1988-06-01",
        relation="head",
        phone="13738766464",
    )
    d = ops.create_household(
        store,
        g1,
        D,
        kind="rental",
        tags=["elderly_alone"],
        visit_interval_days=7,
        head_name="王秀兰",
    )
    ops.add_resident(
        store,
        d["id"],
        "王秀兰",
        gender="female",
        birth_date="1940-02-03",
        relation="head",
        phone="0518-85201234",
        tags=["elderly_alone", "disabled"],
        notes="独居，子女在外地",
    )
    # A note Excel would run as a formula: the exporter guards it, the importer unguards it.
    ops.add_resident(
        store, d["id"], "刘洋", gender="male", relation="tenant", present=False, notes="=核实租约"
    )
    assert worker.syncer.sync().rejected == 0
    supervisor = world.client("sup", "supervisor", grids=[g1, g2])
    assert supervisor.syncer.sync().rejected == 0
    return SimpleNamespace(world=world, g1=g1, g2=g2, worker=worker, sup=supervisor)


def export_and_plan(office: Any, tmp_path: Path, suffix: str) -> tuple[Path, Any, dict[str, Any]]:
    """The supervisor exports G1's residents ledger and plans its import into G2."""
    world, g1, g2, sup = office.world, office.g1, office.g2, office.sup
    original = server_state(world, g1)
    assert len(original["households"]) == 5 and len(original["residents"]) == 7
    # The supervisor's laptop holds G1 as the server does.
    assert local_state(sup, g1) == original

    # Export: one row per resident and one for the vacant household, header in row 1.
    path = tmp_path / f"居民台账{suffix}"
    assert ledgers.export_ledger(sup.store, "residents", g1, path) == 8
    table = read_table(path)
    # Ready to print (both formats): a title row above the header, 序号 in column A.
    rows, shift = [r[1:] for r in table.rows[1:]], 1
    assert rows[0] == headers("residents")
    assert [(row[0], row[7]) for row in rows[1:]] == [
        (A, "张伟"),
        (A, "李芳"),
        (E, "陈静"),
        (E, "陈小雨"),
        (C, None),
        (B, "韩梓涵"),
        (D, "王秀兰"),
        (D, "刘洋"),
    ]
    # ID numbers stay text, whole.
    assert [row[9] for row in rows[1:4]] == [ZHANG, LI, ZHAO]

    # Plan against what the supervisor's laptop holds: the people with an ID number are
    # registered in G1 (another grid), so each of their rows is imported with a warning.
    plan = plan_import(table, g2, ledgers.existing_data(sup.store, g2))
    assert [(p.row, p.column, p.field, p.severity, p.code, p.message) for p in plan.problems] == [
        (
            row + shift,
            "身份证号(K列)",
            "id_number",
            "warning",
            "id_number_in_other_grid",
            f"身份证号（{masked}）已登记在其他网格的住户中，仍按台账导入；"
            "如属同一人迁入，请核实后在原网格处理",
        )
        for row, masked in (
            (2, "3207**********0014"),
            (3, "3207**********0027"),
            (4, "3207**********0028"),
        )
    ]
    assert plan.counts() == {
        "rows_read": 8,
        "new_households": 5,
        "existing_households": 0,
        "new_residents": 7,
        "skipped": 0,
        "error_rows": 0,
    }
    report = plan.report_text()
    for number in (ZHANG, LI, ZHAO):
        assert number not in report
    # What the plan creates is G1 whole: every household and every resident, ID numbers too.
    planned = {
        "households": sorted(
            tuple(freeze(h.values[k]) for k in HOUSEHOLD_KEYS)
            for h in plan.households
            if h.values is not None
        ),
        "residents": sorted(
            (h.values["address"], *(freeze(r[k]) for k in RESIDENT_KEYS))
            for h in plan.households
            if h.values is not None
            for r in h.residents
        ),
    }
    assert planned == {k: original[k] for k in ("households", "residents")}
    assert {m["values"]["grid_id"] for m in plan.mutations() if m["entity"] == "households"} == {g2}
    return path, plan, original


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_a_residents_ledger_exported_on_a_laptop_plans_into_an_empty_grid(
    office: Any, tmp_path: Path, suffix: str
) -> None:
    export_and_plan(office, tmp_path, suffix)
    # Planning writes nothing.
    assert queries.status(office.sup.store)["pending"] == 0
    assert local_state(office.sup, office.g2)["households"] == []


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_the_import_is_committed_synced_and_downloaded_field_for_field(
    office: Any, tmp_path: Path, suffix: str
) -> None:
    world, g1, g2, sup = office.world, office.g1, office.g2, office.sup
    path, plan, original = export_and_plan(office, tmp_path, suffix)

    # Commit: rows in the supervisor's store, waiting in its outbox.
    assert ledgers.commit_import(sup.store, plan) == {"households": 5, "residents": 7}
    assert queries.status(sup.store)["pending"] == 12
    # G2 now holds what G1 holds, on the ledger's fields.
    assert local_state(sup, g2) == original
    assert server_state(world, g2)["households"] == []  # not on the server before the sync

    # Sync: the server's rows for G2 equal the originals on the ledger's fields.
    report = sup.syncer.sync()
    assert report.rejected == 0 and report.conflicts == 0
    assert queries.status(sup.store)["pending"] == 0
    on_server = server_state(world, g2)
    assert on_server == original
    # The residents ledger has no 户主 column: each household's head comes from the resident
    # who is its head.
    assert on_server["head_names"] == {A: "张伟", E: "陈静", C: None, B: "韩梓涵", D: "王秀兰"}
    # G1 is untouched.
    assert server_state(world, g1) == original

    # A worker of G2 downloads them on another laptop.
    newcomer = world.client("w2", grids=[g2])
    assert newcomer.syncer.sync().rejected == 0
    assert local_state(newcomer, g2) == on_server
    listed = queries.search_households(newcomer.store, grid_id=g2)
    assert sorted(h["address"] for h in listed) == sorted([A, E, C, B, D])
    (rental,) = [h for h in listed if h["address"] == D]
    detail = queries.household_detail(newcomer.store, rental["id"])
    assert detail is not None
    assert [(p["name"], p["relation"], p["notes"]) for p in detail["residents"]] == [
        ("王秀兰", "head", "独居，子女在外地"),
        ("刘洋", "tenant", "=核实租约"),
    ]

    # The same file again: nothing to import; the people already there are skipped.
    again = plan_import(read_table(path), g2, ledgers.existing_data(sup.store, g2))
    assert again.mutations() == []
    shift = 1  # the title row above the header
    assert [(p.row - shift, p.severity, p.code) for p in again.problems] == [
        (2, "info", "already_imported"),
        (3, "info", "already_imported"),
        (4, "info", "already_imported"),
        (5, "info", "already_imported"),
        (6, "info", "household_exists"),
        (7, "info", "already_imported"),
        (8, "info", "already_imported"),
        (9, "info", "already_imported"),
    ]
    assert (again.rows_read, again.skipped, again.error_rows) == (8, 8, 0)
    assert ledgers.commit_import(sup.store, again) == {"households": 0, "residents": 0}
    assert queries.status(sup.store)["pending"] == 0


def test_a_ledger_exported_from_the_first_grid_imports_whole_into_it_again_as_nothing(
    office: Any, tmp_path: Path
) -> None:
    """Into the grid it came from, every row is already there: an import plans nothing."""
    sup, g1 = office.sup, office.g1
    path = tmp_path / "居民台账.csv"
    assert ledgers.export_ledger(sup.store, "residents", g1, path) == 8
    plan = plan_import(read_table(path), g1, ledgers.existing_data(sup.store, g1))
    assert plan.mutations() == []
    assert {p.severity for p in plan.problems} == {"info"}
    assert (plan.rows_read, plan.skipped, plan.error_rows) == (8, 8, 0)


def test_a_worker_cannot_commit_an_import(office: Any, tmp_path: Path) -> None:
    worker, g1 = office.worker, office.g1
    path = tmp_path / "台账.csv"
    path.write_text("地址,姓名\n海州区 鼓楼巷 18号,周明\n", encoding="utf-8")
    plan = plan_import(read_table(path), g1, ledgers.existing_data(worker.store, g1))
    assert plan.new_households == 1
    with pytest.raises(PermissionDenied, match="网格长或管理员"):
        ledgers.commit_import(worker.store, plan)
    assert queries.status(worker.store)["pending"] == 0
    assert queries.count_households(worker.store, grid_id=g1) == 5

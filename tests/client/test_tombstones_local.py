"""Protocol 1.1 on the laptop: a deleted row keeps nothing personal, whether deleted here or
pulled as a tombstone; its search keys go; the outbox keeps no values of it once the delete
is acknowledged; local migration 0003 cleans databases of the release before.

The checks read every table of the laptop's database (through its own engine, encrypted or
not) for the actual strings, on both server backends."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, inspect, select, text

from gridworker.domain import operations as ops
from gridworker.domain import queries
from gridworker.store import pruning
from gridworker.store.db import HEAD_REVISION, current_revision, migrate, open_engine
from gridworker.store.schema import ENTITY_TABLES, Outbox, SearchKey, SearchStale
from sync.protocol.entities import ENTITIES, personal_fields

NAME = "李秀英"
ID_NUMBER = "11010519491231002X"
PHONE = "13912345678"
ADDRESS = "幸福路 88号楼 3单元 502室"
NOTE = "独居老人，每周三复查血压"
SECRETS = (NAME, ID_NUMBER, PHONE, "幸福路 88号楼", NOTE, "lixiuying")


def dump(engine: Engine) -> str:
    out = []
    with engine.connect() as conn:
        for name in inspect(conn).get_table_names():
            for row in conn.execute(text(f'SELECT * FROM "{name}"')):
                out.append(repr(tuple(row)))
    return json.dumps(out, ensure_ascii=False)


def leaks(engine: Engine) -> list[str]:
    text_ = dump(engine)
    return [s for s in SECRETS if s in text_]


def _family(store: Any, grid: str) -> tuple[dict[str, Any], dict[str, Any]]:
    hh = ops.create_household(store, grid, ADDRESS, head_name=NAME, phone=PHONE, notes=NOTE)
    person = ops.add_resident(
        store, hh["id"], NAME, id_number=ID_NUMBER, phone=PHONE, notes=NOTE, tags=["elderly_alone"]
    )
    return hh, person


def _row(store: Any, entity: str, row_id: str) -> dict[str, Any]:
    table = ENTITY_TABLES[entity]
    with store.read() as conn:
        return dict(conn.execute(select(table).where(table.c.id == row_id)).mappings().one())


def test_a_household_deleted_here_and_pulled_elsewhere_leaves_nothing_personal(world):
    grid = world.service.grid("g1")
    a = world.client("wa", grids=[grid])
    b = world.client("wb", grids=[grid])
    hh, person = _family(a.store, grid)
    a.syncer.sync()
    b.syncer.sync()
    assert ID_NUMBER in dump(b.store.engine)  # the test sees the values while they live
    assert queries.search_households(b.store, NAME)

    ops.delete_household(a.store, hh["id"])

    # At once on this laptop: the rows are tombstones, the search finds nothing.
    for entity, row_id in (("households", hh["id"]), ("residents", person["id"])):
        row = _row(a.store, entity, row_id)
        assert row["deleted"]
        assert NAME not in json.dumps({k: row[k] for k in ENTITIES[entity].fields}, default=str)
    assert row["household_id"] == hh["id"]
    with a.store.read() as conn:
        assert conn.execute(select(SearchKey).where(SearchKey.household_id == hh["id"])).all() == []
    assert queries.search_households(a.store, NAME) == []

    a.syncer.sync()
    b.syncer.sync()
    assert leaks(b.store.engine) == []
    # The laptop that deleted keeps its acknowledged creates whole for the retention period
    # (a server restored from a backup would need them again): there and nowhere else.
    with a.store.read() as conn:
        outbox = json.dumps(
            [m.payload for m in conn.execute(select(Outbox)) if m.op != "create"],
            ensure_ascii=False,
        )
    assert [s for s in SECRETS if s in outbox] == []
    assert set(leaks(a.store.engine)) <= {NAME, ID_NUMBER, PHONE, ADDRESS[:7], NOTE}
    later = a.store.clock() + pruning.OUTBOX_RETENTION + dt.timedelta(hours=1)
    a.store.clock = lambda: later
    assert pruning.prune(a.store).removed == 3
    assert leaks(a.store.engine) == []
    assert queries.search_households(b.store, NAME) == []
    tomb = _row(b.store, "residents", person["id"])
    assert tomb["deleted"] and tomb["household_id"] == hh["id"] and tomb["version"] > 0
    # Both laptops and the server agree on every row (checksums).
    assert b.syncer.sync().rejected == 0


def test_a_resident_deleted_here_keeps_the_household_searchable(world):
    grid = world.service.grid("g1")
    a = world.client("wa", grids=[grid])
    b = world.client("wb", grids=[grid])
    hh = ops.create_household(a.store, grid, ADDRESS)
    person = ops.add_resident(
        a.store, hh["id"], NAME, id_number=ID_NUMBER, phone=PHONE, notes="右腿行动不便"
    )
    other = ops.add_resident(a.store, hh["id"], "王建国", phone="13700001111")
    a.syncer.sync()
    b.syncer.sync()
    with a.store.write() as conn:
        a.store.delete(conn, "residents", person["id"])
    a.syncer.sync()
    b.syncer.sync()
    # The laptop that created the resident keeps its acknowledged create for the retention.
    later = a.store.clock() + pruning.OUTBOX_RETENTION + dt.timedelta(hours=1)
    a.store.clock = lambda: later
    pruning.prune(a.store)
    for laptop in (a, b):
        # The household lives on (its address stays); nothing of the resident does.
        text_ = dump(laptop.store.engine)
        assert [
            s for s in (NAME, ID_NUMBER, PHONE, "右腿行动不便", "lixiuying") if s in text_
        ] == []
        found = queries.search_households(laptop.store, "王建国")
        assert [h["id"] for h in found] == [hh["id"]]
        assert _row(laptop.store, "residents", other["id"])["phone"] == "13700001111"


# -- migration 0003 -------------------------------------------------------------------------


def _old(entity: str, row_id: str, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {"id": row_id}
    for name, field in ENTITIES[entity].fields.items():
        row.setdefault(name, field.empty())
    row.update(
        grid_id="g1",
        version=1,
        deleted=True,
        updated_at="2026-11-01T00:00:00Z",
        updated_by=None,
        base=None,
        base_grid="g1",
        base_deleted=True,
    )
    row.update(values)
    return row


def test_migration_0003_cleans_a_database_of_the_release_before(tmp_path: Path):
    path = tmp_path / "profile" / "gridworker.db"
    engine = open_engine(path, revision="0002")
    hh_gone, hh_live = str(uuid.uuid4()), str(uuid.uuid4())
    r_gone, r_live, r_waiting = (str(uuid.uuid4()) for _ in range(3))
    photo = str(uuid.uuid4())
    personal = {"name": NAME, "id_number": ID_NUMBER, "phone": PHONE, "notes": NOTE}
    base = {"id": r_waiting, "household_id": hh_live, **personal, "deleted": False}
    with engine.begin() as conn:
        conn.execute(
            insert(ENTITY_TABLES["households"]),
            [
                _old("households", hh_gone, address=ADDRESS, head_name=NAME, phone=PHONE),
                _old(
                    "households", hh_live, address="幸福路 2号", deleted=False, base_deleted=False
                ),
            ],
        )
        conn.execute(
            insert(ENTITY_TABLES["residents"]),
            [
                # Pulled as a tombstone by the old release, with a server copy kept.
                _old(
                    "residents",
                    r_gone,
                    household_id=hh_gone,
                    base=dict(base, id=r_gone),
                    **personal,
                ),
                _old(
                    "residents",
                    r_live,
                    household_id=hh_live,
                    name="王建国",
                    deleted=False,
                    base_deleted=False,
                ),
                # Deleted here, not sent yet: its server copy stays (undo of a refusal).
                _old(
                    "residents",
                    r_waiting,
                    household_id=hh_live,
                    base=base,
                    base_deleted=False,
                    **personal,
                ),
            ],
        )
        conn.execute(
            insert(ENTITY_TABLES["attachments"]),
            [
                _old(
                    "attachments",
                    photo,
                    sha256="a" * 64,
                    owner_entity="residents",
                    owner_id=r_gone,
                    filename=f"{NAME}.jpg",
                    deleted=False,
                    base_deleted=False,
                )
            ],
        )
        conn.execute(
            text(
                "INSERT INTO outbox (seq, entity, row_id, op, payload, created_at, status, settled)"
                " VALUES (1, 'residents', :id, 'delete', 'null', '2026-11-02 00:00:00',"
                " 'pending', 0)"
            ),
            {"id": r_waiting},
        )
        conn.execute(
            insert(SearchKey).values(
                household_id=hh_gone,
                grid_id="g1",
                address=ADDRESS,
                head_name=NAME,
                phone=PHONE,
                tags="",
                keys=f"{NAME} lixiuying {PHONE}",
            )
        )
    assert NAME in dump(engine)

    migrate(engine, path)

    assert current_revision(engine) == HEAD_REVISION
    text_ = dump(engine)
    with engine.connect() as conn:
        residents = ENTITY_TABLES["residents"]
        rows = {r["id"]: dict(r) for r in conn.execute(select(residents)).mappings()}
        stale = set(conn.execute(select(SearchStale.household_id)).scalars())
        keys = conn.execute(select(SearchKey)).all()
        att = conn.execute(select(ENTITY_TABLES["attachments"])).mappings().one()
    gone, waiting = rows[r_gone], rows[r_waiting]
    assert all(gone[n] in (None, "") for n in personal_fields("residents"))
    assert gone["household_id"] == hh_gone and gone["version"] == 1 and gone["deleted"]
    assert gone["base"]["name"] == "" and gone["base"]["id_number"] is None
    assert all(waiting[n] in (None, "") for n in personal_fields("residents"))
    assert waiting["base"]["id_number"] == ID_NUMBER  # the one copy kept, and why
    assert rows[r_live]["name"] == "王建国"
    assert att["filename"] is None and att["owner_id"] == r_gone
    assert keys == [] and hh_gone in stale
    # Apart from that one server copy, no value of a deleted row is left anywhere.
    assert text_.count(ID_NUMBER) == 1
    assert "lixiuying" not in text_ and ADDRESS not in text_
    engine.dispose()

"""Protocol 1.1: a tombstone keeps its id, links and server-owned fields, nothing personal.

Checked on the raw rows of every table (the actual strings, not field names), and on what a
pull sends, on SQLite and PostgreSQL: for a direct delete, a household's cascade (residents
created earlier in the same push included, and the attachments those rows own), tombstones an
older release left (the pull hides them; migration 0008 cleans them).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, insert, inspect, select, text, update

from sync.protocol.entities import ENTITIES, personal_fields
from sync.server.db import make_engine
from sync.server.migrate import upgrade
from sync.server.models import ENTITY_TABLES, Grid

from ..conftest import PG_ADMIN_URL
from .harness import create, delete, household, resident, visit

NAME = "李秀英"
ID_NUMBER = "11010519491231002X"
PHONE = "13912345678"
ADDRESS = "幸福路 88号楼 3单元 502室"
NOTE = "独居老人，每周三复查血压"
FILE = "李秀英身份证正面.jpg"
SECRETS = (NAME, ID_NUMBER, PHONE, "幸福路 88号楼", NOTE, "身份证正面")


def dump(engine: Engine) -> str:
    """Every row of every table, as text: what a copy of the database would show."""
    out = []
    with engine.connect() as conn:
        for name in inspect(conn).get_table_names():
            for row in conn.execute(text(f'SELECT * FROM "{name}"')):
                out.append(repr(tuple(row)))
    return json.dumps(out, ensure_ascii=False)


def assert_clean(text_: str) -> None:
    found = [s for s in SECRETS if s in text_]
    assert found == []


def _photo(worker: Any, owner_entity: str, owner_id: str) -> dict[str, Any]:
    data = f"photo of {owner_id}".encode()
    sha = hashlib.sha256(data).hexdigest()
    put = worker.request(
        "PUT", f"/attachments/{sha}", content=data, headers={"Content-Type": "image/jpeg"}
    )
    assert put.status_code == 201, put.text
    return create(
        "attachments",
        {
            "sha256": sha,
            "owner_entity": owner_entity,
            "owner_id": owner_id,
            "filename": FILE,
            "media_type": "image/jpeg",
            "size": len(data),
        },
    )


def _person(household_id: str) -> dict[str, Any]:
    return resident(
        household_id,
        name=NAME,
        id_number=ID_NUMBER,
        phone=PHONE,
        gender="female",
        birth_date="1949-12-31",
        tags=["elderly_alone"],
        notes=NOTE,
    )


def test_a_deleted_resident_keeps_nothing_personal(service, worker, grid_a, engine):
    hh = household(grid_a, address="幸福路 1号")
    person = _person(hh["id"])
    photo = _photo(worker, "residents", person["id"])
    assert [r["status"] for r in worker.push(hh, person, photo)] == ["applied"] * 3
    assert ID_NUMBER in dump(engine)  # the test sees the values while the row lives

    assert worker.push_one(delete("residents", person["id"]))["status"] == "applied"

    assert_clean(dump(engine))
    with engine.connect() as conn:
        stored = (
            conn.execute(
                select(ENTITY_TABLES["residents"]).where(
                    ENTITY_TABLES["residents"].c.id == person["id"]
                )
            )
            .mappings()
            .one()
        )
        # No longer "registered": an import looking the ID number up finds nothing.
        holders = conn.execute(
            select(ENTITY_TABLES["residents"].c.id).where(
                ENTITY_TABLES["residents"].c.id_number == ID_NUMBER
            )
        ).all()
    assert holders == []
    assert stored["deleted"] is True and stored["household_id"] == hh["id"]
    assert stored["version"] > 0 and stored["updated_by"] == worker.user["id"]
    changes = worker.pull_all(grid_a)
    assert_clean(json.dumps(changes, ensure_ascii=False))
    rows = {c["id"]: c["row"] for c in changes}
    tomb = rows[person["id"]]
    assert tomb["deleted"] is True and tomb["household_id"] == hh["id"]
    assert all(tomb[name] is None for name in personal_fields("residents"))
    shot = rows[photo["id"]]
    assert shot["deleted"] is True and shot["owner_id"] == person["id"]
    assert shot["filename"] is None
    # The photo is no longer served: no live row references it.
    assert worker.request("GET", f"/attachments/{photo['values']['sha256']}").status_code in (
        403,
        404,
    )
    # The household lives on, with its own photo-free row untouched.
    assert rows[hh["id"]]["address"] == "幸福路 1号" and rows[hh["id"]]["deleted"] is False


def test_a_household_deleted_in_the_push_that_created_its_residents(
    service, worker, grid_a, engine
):
    hh = household(grid_a, address=ADDRESS, head_name=NAME, phone=PHONE, notes=NOTE)
    old = _person(hh["id"])
    assert [r["status"] for r in worker.push(hh, old)] == ["applied"] * 2
    kept_visit = visit(hh["id"], notes="入户了解情况")
    newer = resident(hh["id"], name="王建国", id_number="320705195001010014", phone=PHONE)
    photo = _photo(worker, "households", hh["id"])
    results = worker.push(kept_visit, newer, photo, delete("households", hh["id"]))
    assert [r["status"] for r in results] == ["applied"] * 4

    text_ = dump(engine)
    assert_clean(text_)
    assert "王建国" not in text_ and "320705195001010014" not in text_
    changes = worker.pull_all(grid_a)
    body = json.dumps(changes, ensure_ascii=False)
    assert_clean(body)
    assert "王建国" not in body
    rows = {c["id"]: c["row"] for c in changes}
    for row_id in (hh["id"], old["id"], newer["id"], photo["id"]):
        assert rows[row_id]["deleted"] is True
    assert rows[hh["id"]]["grid_id"] == grid_a
    # Visits stay as history (PROTOCOL.md): not deleted, their notes kept.
    assert rows[kept_visit["id"]]["deleted"] is False
    assert rows[kept_visit["id"]]["notes"] == "入户了解情况"


def test_an_old_tombstone_is_sent_without_its_personal_fields(service, worker, grid_a, engine):
    """A row an older release deleted (values kept) is sent as 1.1 says, even before 0008."""
    hh = household(grid_a, address=ADDRESS, phone=PHONE)
    person = _person(hh["id"])
    worker.push(hh, person)
    residents = ENTITY_TABLES["residents"]
    with engine.begin() as conn:
        conn.execute(update(residents).where(residents.c.id == person["id"]).values(deleted=True))
    rows = {c["id"]: c["row"] for c in worker.pull_all(grid_a)}
    assert rows[person["id"]]["deleted"] is True
    assert all(rows[person["id"]][n] is None for n in personal_fields("residents"))
    assert NAME not in json.dumps(rows, ensure_ascii=False)


def test_an_update_of_a_deleted_row_answers_no_old_values(service, worker, grid_a, engine):
    hh = household(grid_a, address=ADDRESS)
    person = _person(hh["id"])
    worker.push(hh, person, delete("residents", person["id"]))
    result = worker.push_one(
        {
            "entity": "residents",
            "id": person["id"],
            "op": "update",
            "changes": {"notes": {"old": NOTE, "new": "已搬走"}},
        }
    )
    assert result["status"] == "conflict"
    assert [c["theirs"] for c in result["conflicts"]] == [None]


# -- migration 0008 -------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def old_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database of its own migrated to 0007, the schema of the release before 1.1."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
        upgrade(engine, "0007")
        yield engine
        engine.dispose()
        return
    name = f"gridsync_tomb_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name)
    try:
        upgrade(engine, "0007")
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _old_row(entity: str, row_id: str, version: int, deleted: bool, **values: Any) -> dict:
    row: dict[str, Any] = {"id": row_id, "grid_id": "g1"}
    for name, field in ENTITIES[entity].fields.items():
        row.setdefault(name, field.empty())
    row.update(values, version=version, deleted=deleted, updated_at="2026-01-01T00:00:00Z")
    row["updated_by"] = None
    return row


def test_migration_0008_cleans_tombstones_left_by_older_releases(old_engine):
    import datetime as dt

    hh_gone, hh_live = str(uuid.uuid4()), str(uuid.uuid4())
    r_gone, r_live = str(uuid.uuid4()), str(uuid.uuid4())
    iss_gone = str(uuid.uuid4())
    att_gone, att_live = str(uuid.uuid4()), str(uuid.uuid4())
    personal = {"name": NAME, "id_number": ID_NUMBER, "phone": PHONE, "notes": NOTE}
    with old_engine.begin() as conn:
        conn.execute(
            insert(Grid).values(
                id="g1", name="西门网格", created_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
            )
        )
        conn.execute(
            insert(ENTITY_TABLES["households"]),
            [
                _old_row("households", hh_gone, 1, True, address=ADDRESS, head_name=NAME),
                _old_row("households", hh_live, 2, False, address="幸福路 2号"),
            ],
        )
        conn.execute(
            insert(ENTITY_TABLES["residents"]),
            [
                _old_row("residents", r_gone, 3, True, household_id=hh_gone, **personal),
                _old_row(
                    "residents",
                    r_live,
                    4,
                    False,
                    household_id=hh_live,
                    name="王建国",
                    phone="13700001111",
                ),
            ],
        )
        conn.execute(
            insert(ENTITY_TABLES["issues"]),
            [
                _old_row(
                    "issues",
                    iss_gone,
                    5,
                    True,
                    title=f"{NAME}家漏水",
                    category="facilities",
                    description=NOTE,
                )
            ],
        )
        conn.execute(
            insert(ENTITY_TABLES["attachments"]),
            [
                _old_row(
                    "attachments",
                    att_gone,
                    6,
                    False,
                    sha256="a" * 64,
                    owner_entity="residents",
                    owner_id=r_gone,
                    filename=FILE,
                ),
                _old_row(
                    "attachments",
                    att_live,
                    7,
                    False,
                    sha256="b" * 64,
                    owner_entity="residents",
                    owner_id=r_live,
                    filename="王建国.jpg",
                ),
            ],
        )
    assert NAME in dump(old_engine)

    upgrade(old_engine)

    text_ = dump(old_engine)
    assert_clean(text_)
    # Live rows are untouched.
    assert "王建国" in text_ and "幸福路 2号" in text_ and "王建国.jpg" in text_
    with old_engine.connect() as conn:
        gone = (
            conn.execute(
                select(ENTITY_TABLES["residents"]).where(ENTITY_TABLES["residents"].c.id == r_gone)
            )
            .mappings()
            .one()
        )
        live = (
            conn.execute(
                select(ENTITY_TABLES["residents"]).where(ENTITY_TABLES["residents"].c.id == r_live)
            )
            .mappings()
            .one()
        )
        att = (
            conn.execute(
                select(ENTITY_TABLES["attachments"]).where(
                    ENTITY_TABLES["attachments"].c.id == att_gone
                )
            )
            .mappings()
            .one()
        )
    assert gone["deleted"] is True and gone["household_id"] == hh_gone and gone["version"] == 3
    assert gone["name"] == "" and gone["id_number"] is None and gone["notes"] is None
    assert live["phone"] == "13700001111" and live["name"] == "王建国"
    assert att["owner_id"] == r_gone and att["filename"] is None and att["version"] == 6

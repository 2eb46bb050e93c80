"""Addresses in natural order (2号楼 before 10号楼, 101室 before 1001室) however many
households match: the order is a stored column (``search_keys.address_order``), not a Python
sort that stopped at 5,000 matches; local migration 0005 fills it for existing databases."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import insert, text, update

from gridworker.domain import operations as ops
from gridworker.domain import queries
from gridworker.store.db import HEAD_REVISION, current_revision, migrate, open_engine
from gridworker.store.schema import SearchKey
from gridworker.store.search import natural_key

from .profiles import local_profile

ADDRESSES = [f"朐阳小区 {b}号楼 {room}室" for b in (10, 2, 1, 21, 3) for room in (1001, 101, 12)]


def test_natural_order_of_the_list_and_of_the_due_list(tmp_path: Path) -> None:
    session = local_profile(tmp_path / "p")
    store = session.store
    made = {ops.create_household(store, "g1", a)["id"]: a for a in ADDRESSES}
    ids = queries.household_ids(store)
    shown = [made[i] for i in ids]
    assert shown == sorted(ADDRESSES, key=natural_key)
    assert shown[:3] == ["朐阳小区 1号楼 12室", "朐阳小区 1号楼 101室", "朐阳小区 1号楼 1001室"]
    # 待访优先: none visited, all equally due: the address decides, naturally too.
    due = [made[i] for i in queries.household_ids(store, sort="due")]
    assert due == shown
    session.close()


def test_more_than_five_thousand_matches_keep_the_natural_order(tmp_path: Path) -> None:
    """A supervisor's broad first keystroke: 6,000 matches (keys written directly, as a pull
    writes them) are still listed 2号楼 before 10号楼."""
    session = local_profile(tmp_path / "p")
    store = session.store
    rows = []
    for n in range(6000):
        address = f"朐阳小区 {n % 30 + 1}号楼 {n // 30 + 1}室"
        rows.append(
            {
                "household_id": f"00000000-0000-7000-8000-{n:012d}",
                "grid_id": "g1",
                "address": address,
                "address_order": natural_key(address),
                "tags": "",
                "keys": address,
            }
        )
    with store.write() as conn:
        conn.execute(insert(SearchKey), rows)
    ids = queries.household_ids(store, "朐阳")
    assert len(ids) == 6000
    by_id = {r["household_id"]: r["address"] for r in rows}
    shown = [by_id[i] for i in ids]
    assert shown == sorted(shown, key=natural_key)
    assert shown.index("朐阳小区 2号楼 1室") < shown.index("朐阳小区 10号楼 1室")
    session.close()


def test_migration_0005_fills_the_order_of_existing_keys(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    engine = open_engine(path, revision="0004")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO search_keys (household_id, grid_id, address, tags, keys) "
                "VALUES ('h1', 'g1', '西门新村 12号楼 1001室', '', 'x')"
            )
        )
    migrate(engine, path)
    assert current_revision(engine) == HEAD_REVISION
    with engine.connect() as conn:
        order = conn.execute(text("SELECT address_order FROM search_keys")).scalar_one()
    assert order == natural_key("西门新村 12号楼 1001室")
    with engine.begin() as conn:  # the model writes it too
        conn.execute(update(SearchKey).values(address_order="x"))
    engine.dispose()

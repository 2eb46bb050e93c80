"""Per-grid versions and checksums inside one writing transaction.

Every accepted change to a row of a grid takes the grid's next version. Versions are handed
out from the grid row's counter while that row is locked (``SELECT … FOR UPDATE`` on
PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite) and the lock is held until commit, so versions
become visible in the order they were assigned and a reader's cursor can never skip one
(PROTOCOL.md, invariant 5). Locks are always taken in sorted grid order, after the device row.

It also keeps each grid's live-row count and XOR digest current, so a pull reads the
checksum from the grid row instead of hashing the whole grid.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, bindparam, select, text, update

from sync.protocol.wire import format_digest, row_hash

from .models import Grid


class GridVersions:
    def __init__(self, conn: Connection, allocator: str = "lock"):
        self.conn = conn
        self.allocator = allocator
        self._postgres = conn.dialect.name == "postgresql"
        self.locked: set[str] = set()
        self._last: dict[str, int] = {}
        self._count_delta: dict[str, int] = {}
        self._digest_delta: dict[str, int] = {}

    def lock(self, grid_ids: Iterable[str]) -> set[str]:
        """Lock these grids (sorted order) for the rest of the transaction; returns those found."""
        wanted = sorted(set(grid_ids) - self.locked)
        if not wanted:
            return set()
        query = select(Grid.id, Grid.last_version).where(Grid.id.in_(wanted)).order_by(Grid.id)
        if self.allocator == "lock":
            query = query.with_for_update(key_share=True)
        found = set()
        for grid_id, last_version in self.conn.execute(query):
            self._last[grid_id] = last_version
            found.add(grid_id)
        self.locked |= found
        return found

    def next_version(self, grid_id: str) -> int:
        if grid_id not in self.locked:
            raise RelockNeeded(grid_id)
        if self.allocator == "sequence":
            # Deliberately unsafe, for the test that shows a plain sequence is not gap-free.
            version = int(
                self.conn.execute(text("SELECT nextval('gridsync_unsafe_versions')")).scalar_one()
            )
        else:
            version = self._last[grid_id] + 1
        self._last[grid_id] = version
        return version

    def row_changed(
        self,
        grid_id: str,
        entity: str,
        row_id: str,
        old: int | None,
        new: int | None,
    ) -> None:
        """Account a row's live version in its grid: ``old`` leaves the digest, ``new`` enters."""
        delta = 0
        count = 0
        if old is not None:
            delta ^= row_hash(entity, row_id, old)
            count -= 1
        if new is not None:
            delta ^= row_hash(entity, row_id, new)
            count += 1
        self._digest_delta[grid_id] = self._digest_delta.get(grid_id, 0) ^ delta
        self._count_delta[grid_id] = self._count_delta.get(grid_id, 0) + count

    def flush(self) -> None:
        """Write the grids' counters and checksums (call once, just before commit)."""
        touched = sorted(set(self._digest_delta) | {g for g in self._last if g in self.locked})
        if not touched:
            return
        query = select(Grid.id, Grid.row_count, Grid.digest, Grid.last_version).where(
            Grid.id.in_(touched)
        )
        if self._postgres:
            query = query.order_by(Grid.id).with_for_update(key_share=True)
        current = {r.id: r for r in self.conn.execute(query)}
        params = []
        for grid_id in touched:
            row = current[grid_id]
            digest = int(row.digest, 16) ^ self._digest_delta.get(grid_id, 0)
            params.append(
                {
                    "b_id": grid_id,
                    "row_count": row.row_count + self._count_delta.get(grid_id, 0),
                    "digest": format_digest(digest),
                    "last_version": max(row.last_version, self._last.get(grid_id, 0)),
                }
            )
        self.conn.execute(
            # Core (not ORM) update: an executemany keyed by the "b_id" parameter.
            update(Grid.__table__).where(Grid.__table__.c.id == bindparam("b_id")),  # type: ignore[arg-type]
            params,
        )


class RelockNeeded(Exception):
    """A row's grid was not locked (it moved since the pre-scan): retry with more locks."""

    def __init__(self, grid_id: str):
        super().__init__(grid_id)
        self.grid_id = grid_id

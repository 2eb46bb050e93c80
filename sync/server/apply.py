"""Judging and applying single mutations inside a push transaction.

``Batch`` keeps the rows a push reads and writes in memory (one query per entity to load
them, one ``executemany`` per entity to write them back), so a batch of 500 mutations costs a
handful of statements, not thousands. Rows it wrote are not in the database until ``write``:
every read of a row goes through ``get`` (which sees them), and the one query over rows
(``_live_residents``) adds this push's own rows, so that each mutation sees the effects of the
ones before it exactly as if each had been pushed alone (PROTOCOL.md 1.1, "Push").

Scope is judged first: a mutation naming an existing row of a grid the caller does not hold is
``out_of_scope`` before anything else is looked at, so the answer (and the stored rejection)
tells nothing about the row: not its values, not whether a create's values matched them, not
its grid (``_rejection_grid``). What it does tell, that some grid has a row of that id (rather
than ``not_found``), needs the id first: ids are random UUIDs a laptop learns only with a row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select

from sync.protocol import workflow
from sync.protocol.entities import (
    ENTITIES,
    ENTITY_ORDER,
    EXTENSION_OF,
    Entity,
    Field,
    Writer,
    tombstone,
)
from sync.protocol.errors import (
    PermissionDenied,
    ProtocolError,
    ScopeError,
    ValidationError,
)
from sync.protocol.values import format_time, parse_time, uuid_text
from sync.protocol.wire import FUTURE_TOLERANCE_SECONDS, OPS

from . import campaigns
from .context import Caller
from .grid_versions import GridVersions
from .models import ENTITY_TABLES, BlobHolder, Conflict, Grid, Leave, Rejection
from .rows import OWN_GRID, StoredRow, fetch_rows
from .safe_json import bounded_mutation, bounded_text

Key = tuple[str, str]

# Fields a create may carry only as null, 0/false, or (for these) the caller's own id.
_SELF_FIELDS = frozenset({"worker_id", "author_id"})
_ENVELOPE_DEFAULTS = ("version", "deleted", "updated_at", "updated_by")


def _envelope_default(key: str, value: Any) -> bool:
    """Whether a create's envelope field is null or its default (the server owns them)."""
    if value is None:
        return True
    if key == "version":
        return value == 0 and not isinstance(value, bool)
    return key == "deleted" and value is False


class Batch:
    def __init__(
        self,
        conn: Connection,
        settings: Any,
        caller: Caller,
        now: dt.datetime,
        allocator: str = "lock",
    ):
        self.conn = conn
        self.settings = settings
        self.caller = caller
        self.now = now
        self.now_text = format_time(now)
        self.versions = GridVersions(conn, allocator)
        self.rows: dict[Key, StoredRow | None] = {}
        self.inserts: dict[Key, StoredRow] = {}
        self.updates: dict[Key, StoredRow] = {}
        self.conflicts: list[dict[str, Any]] = []
        self.rejections: list[dict[str, Any]] = []
        self._known_grids: dict[str, bool] = {}
        # The campaigns extension's rows are counted apart (sync.server.campaigns).
        self.extension_sums = campaigns.ExtensionSums()

    # -- loading -------------------------------------------------------------------------

    def get(self, entity: str, row_id: str) -> StoredRow | None:
        key = (entity, row_id)
        if key not in self.rows:
            self.rows[key] = fetch_rows(self.conn, entity, [row_id]).get(row_id)
        return self.rows[key]

    def _prefetch(self, mutations: Iterable[dict[str, Any]]) -> None:
        wanted: dict[str, set[str]] = {}
        for m in mutations:
            for entity, row_id in _references(m):
                if (entity, row_id) not in self.rows:
                    wanted.setdefault(entity, set()).add(row_id)
        for entity, ids in wanted.items():
            found = fetch_rows(self.conn, entity, ids)
            for row_id in ids:
                self.rows[(entity, row_id)] = found.get(row_id)

    def lock_for(self, mutations: list[dict[str, Any]], extra: set[str]) -> None:
        """Lock the grids these mutations will touch (sorted), then load their rows.

        A worker or supervisor can only write their own grids, so those are locked up front
        and the rows read once. An admin holds every grid: the rows are read first to find
        the grids, and read again under the locks.
        """
        if self.caller.grids is not None:
            self.versions.lock(set(self.caller.grids) | extra)
            self._prefetch(mutations)
            return
        self._prefetch(mutations)
        grids = set(extra)
        for m in mutations:
            grids.update(self._grids_of(m))
        self.versions.lock(grids)
        if self.conn.dialect.name == "postgresql":
            self.rows.clear()
            self._prefetch(mutations)

    def _grids_of(self, m: dict[str, Any]) -> set[str]:
        """Best-effort grids of a mutation, for locking (the apply step judges for real)."""
        out: set[str] = set()
        for entity, row_id in _references(m):
            row = self.rows.get((entity, row_id))
            if row is not None:
                out.add(row["grid_id"])
        values = m.get("values")
        if isinstance(values, dict):
            grid_id = _grid_id_or_none(values.get("grid_id"))
            if grid_id is not None:
                out.add(grid_id)
        return out

    # -- results -------------------------------------------------------------------------

    def duplicate_result(self, m: dict[str, Any]) -> dict[str, Any]:
        version = None
        entity, row_id = m.get("entity"), _maybe_uuid(m.get("id"))
        if isinstance(entity, str) and entity in ENTITIES and row_id is not None:
            row = self.get(entity, row_id)
            # A replay may name any row: the version of one outside the caller's grids is
            # not theirs to learn.
            if row is not None and self.caller.holds(row["grid_id"]):
                version = row["version"]
        return _result(m["seq"], "duplicate", version)

    def apply(self, m: dict[str, Any]) -> dict[str, Any]:
        mark = len(self.conflicts)
        try:
            status, version = self._apply(m)
        except ProtocolError as exc:
            del self.conflicts[mark:]
            self._reject(m, exc)
            return _result(m["seq"], "rejected", None, error=exc.as_dict())
        conflicts = [
            {k: c[k] for k in ("field", "base", "theirs", "ours")} for c in self.conflicts[mark:]
        ]
        return _result(m["seq"], status, version, conflicts=conflicts)

    def _reject(self, m: dict[str, Any], exc: ProtocolError) -> None:
        """Store the rejection: a bounded, safe form of the mutation (``safe_json``), under
        the grid ``_rejection_grid`` files it in; no stored text is the raw text sent."""
        entity = m.get("entity") if isinstance(m.get("entity"), str) else None
        raw_id = m.get("id") if isinstance(m.get("id"), str) else None
        row_id = _maybe_uuid(raw_id)
        grid_id = None
        if entity is not None and entity in ENTITIES:
            grid_id = self._rejection_grid(entity, row_id, m)
        self.rejections.append(
            {
                "grid_id": grid_id,
                "entity": bounded_text(entity, 64) if entity is not None else None,
                "row_id": row_id or (bounded_text(raw_id, 200) if raw_id is not None else None),
                "device_id": self.caller.device_id,
                "user_id": self.caller.user_id,
                "seq": m["seq"],
                "mutation": bounded_mutation(m),
                "code": exc.code,
                "message": bounded_text(exc.message, 1000),
                "created_at": self.now,
            }
        )

    def _rejection_grid(self, entity: str, row_id: str | None, m: dict[str, Any]) -> str | None:
        """The grid a rejection is filed under, which decides who besides its author sees it.

        It is the grid of the row the mutation names or, for a create of a new row, of its
        parent or of the grid its values name, but only when the author may know it:

        - the author holds that grid (the grid's supervisors see the refused change);
        - or the row (or the parent) left one of the author's grids: a household moved away
          since the laptop saw it. PROTOCOL.md keeps such a change "shown, never lost", filed
          under the grid the row is in now, whose supervisors can make it again; the author
          learns only where a row they held went (their laptop is told it left anyway).

        Otherwise the rejection is filed under no grid. Its author lists their own rejections
        with the grid, so a grid they do not hold would tell them where a guessed row id lives
        (or that a grid id exists): they learn nothing but ``out_of_scope``. Such an attempt on
        another grid's row is seen by its author and by admins (who see every rejection), not
        by that grid's supervisors: the price of telling the author nothing, paid only by
        mutations no laptop of the author's grids makes.
        """
        row = self.get(entity, row_id) if row_id is not None else None
        anchor: StoredRow | None = row
        grid_id: str | None = row["grid_id"] if row is not None else None
        values = m.get("values")
        if row is None and isinstance(values, dict):
            spec = ENTITIES[entity]
            parent_entity = spec.parent_entity
            if entity == "attachments":
                owner = values.get("owner_entity")
                parent_entity = owner if isinstance(owner, str) and owner in ENTITIES else None
            parent_id = _maybe_uuid(values.get(spec.parent_field or ""))
            parent = self.get(parent_entity, parent_id) if parent_entity and parent_id else None
            if parent is not None:
                anchor, grid_id = parent, parent["grid_id"]
            else:
                named = _grid_id_or_none(values.get("grid_id"))
                grid_id = named if named is not None and self._grid_exists(named) else None
        if grid_id is None or self.caller.holds(grid_id):
            return grid_id
        if anchor is not None and self._left_callers_grids(anchor["id"]):
            return str(grid_id)
        return None

    def _left_callers_grids(self, row_id: str) -> bool:
        """Whether the row once left a grid the caller holds (a moved household's rows)."""
        if self.caller.grids is None or not self.caller.grids:
            return False
        found = self.conn.execute(
            select(Leave.grid_id)
            .where(Leave.row_id == row_id, Leave.grid_id.in_(sorted(self.caller.grids)))
            .limit(1)
        ).first()
        return found is not None

    # -- judging -------------------------------------------------------------------------

    def _apply(self, m: dict[str, Any]) -> tuple[str, int | None]:
        entity_name = m.get("entity")
        if not isinstance(entity_name, str) or entity_name not in ENTITIES:
            raise ValidationError("未知的数据类型", code="unknown_entity")
        entity = ENTITIES[entity_name]
        row_id = uuid_text(m.get("id"), label="记录编号")
        if row_id is None:
            raise ValidationError("缺少记录编号", code="invalid_uuid")
        op = m.get("op")
        if not isinstance(op, str) or op not in OPS:
            raise ValidationError("未知的操作", code="invalid_op")
        existing = self.get(entity.name, row_id)
        # Scope first, whatever the op: a create of another grid's id must not merge into
        # the row, answer its values in conflicts, or say "duplicate" when they matched.
        if existing is not None and not self.caller.holds(existing["grid_id"]):
            raise ScopeError("该记录不在本人负责的网格内")
        if entity.name == "campaigns":
            campaigns.check_writer(self, op)
        if op == "create":
            values = m.get("values")
            if not isinstance(values, dict):
                raise ValidationError("新增记录缺少 values", code="invalid_type")
            return self._create(entity, row_id, values, m["seq"])
        if entity.create_only:
            raise ValidationError(f"{entity.label}只能新增，不能修改或删除", code="create_only")
        if existing is None:
            raise ValidationError("记录不存在", code="not_found")
        if op == "delete":
            return self._delete(entity, existing)
        changes = m.get("changes")
        if not isinstance(changes, dict) or not changes:
            raise ValidationError("修改记录缺少 changes", code="invalid_type")
        return self._update(entity, existing, self._normalise_changes(entity, changes), m["seq"])

    def _check_writable(self, field: Field, value: Any, *, create: bool) -> None:
        if field.writer is Writer.SERVER:
            if create and (
                value is None
                or value == field.default
                or (field.name in _SELF_FIELDS and value == self.caller.user_id)
            ):
                return
            raise PermissionDenied(f"{field.label}由服务器填写", code="field_not_writable")
        if field.writer is Writer.SUPERVISOR and not self.caller.is_reviewer:
            if create and value in (None, field.default):
                return
            raise PermissionDenied(f"只有网格长可以填写{field.label}", code="field_not_writable")

    def _create(
        self, entity: Entity, row_id: str, values: dict[str, Any], seq: int
    ) -> tuple[str, int | None]:
        for key, value in values.items():
            if key == "id":
                if _maybe_uuid(value) != row_id:
                    raise ValidationError("values.id 与记录编号不一致", code="invalid_value")
            elif key in _ENVELOPE_DEFAULTS:
                if not _envelope_default(key, value):
                    raise PermissionDenied(f"{key} 由服务器维护", code="field_not_writable")
            elif key not in entity.fields:
                raise ValidationError(
                    f"未知的字段 {_printable(key, 64)}",
                    code="unknown_field",
                    field=_printable(key, 64),
                )
        carried = _normalise_known(entity, values)
        for name, value in carried.items():
            self._check_writable(entity.fields[name], value, create=True)
        existing = self.get(entity.name, row_id)
        if existing is not None:
            # In the caller's grids: ``_apply`` judged the scope first.
            return self._create_existing(entity, existing, carried, seq)
        row: StoredRow = {"id": row_id}
        for name, field in entity.fields.items():
            row[name] = carried.get(name, field.empty())
        row["grid_id"] = self._create_grid(entity, row)
        self._check_required(entity, row)
        self._business_rules_on_create(entity, row, carried)
        row["deleted"] = False
        self._store(entity.name, row, None, insert_row=True)
        return "applied", row["version"]

    def _check_required(self, entity: Entity, row: StoredRow) -> None:
        for name, field in entity.fields.items():
            if field.required and row.get(name) in (None, ""):
                raise ValidationError(f"{field.label}为必填项", code="required", field=name)

    def _create_grid(self, entity: Entity, row: dict[str, Any]) -> str:
        """The grid a new row belongs to, judged from its parent (PROTOCOL.md, "Rows")."""
        if entity.name in ("households", "campaigns") or (
            entity.name == "issues" and not row.get("household_id")
        ):
            grid_id = row.get("grid_id")
            if not grid_id:
                raise ValidationError("网格为必填项", code="required", field="grid_id")
            if not self._grid_exists(grid_id) or not self.caller.holds(grid_id):
                raise ScopeError("不能在本人负责以外的网格中新增记录")
            return str(grid_id)
        parent_entity = entity.parent_entity or row.get("owner_entity")
        parent_id = row.get(entity.parent_field or "")
        if not parent_entity or not parent_id:
            raise ValidationError("缺少上级记录", code="required", field=entity.parent_field)
        parent = self.get(parent_entity, parent_id)
        if parent is None:
            raise ValidationError(
                "上级记录不存在", code="parent_not_found", field=entity.parent_field
            )
        if not self.caller.holds(parent["grid_id"]):
            raise ScopeError("上级记录不在本人负责的网格内")
        if parent["deleted"]:
            raise ValidationError(
                "上级记录已删除", code="parent_deleted", field=entity.parent_field
            )
        return str(parent["grid_id"])

    def _grid_exists(self, grid_id: str) -> bool:
        if grid_id not in self._known_grids:
            found = self.conn.execute(select(Grid.id).where(Grid.id == grid_id)).first()
            self._known_grids[grid_id] = found is not None
        return self._known_grids[grid_id]

    def _business_rules_on_create(
        self, entity: Entity, row: StoredRow, carried: dict[str, Any]
    ) -> None:
        name = entity.name
        if name == "households" and row.get("visit_interval_days") is None:
            row["visit_interval_days"] = workflow.visit_interval_days(row["tags"])
        elif name == "visits":
            self._check_not_future(row.get("visited_at"), "visited_at", "走访时间")
            row["worker_id"] = self.caller.user_id
            if row["review_status"] is None:
                row["review_status"] = "pending"
            if row["review_status"] in ("approved", "returned"):
                row["reviewed_by"] = self.caller.user_id
                row["reviewed_at"] = self.now_text
        elif name == "issues":
            row["status"] = "open"
            if row["priority"] is None:
                row["priority"] = "normal"
        elif name == "issue_updates":
            row["author_id"] = self.caller.user_id
            if row["created_at"] is None:
                row["created_at"] = self.now_text
            issue = self.get("issues", row["issue_id"])
            assert issue is not None  # _create_grid found it
            target = workflow.check_transition(issue["status"], row["status"], self.caller.role)
            if target is not None:
                changed = dict(issue)
                changed["status"] = target
                self._store("issues", changed, issue)
        elif name == "residents" and row["present"] is None:
            row["present"] = True
        elif name == "attachments":
            self._check_holds_blob(row.get("sha256"))
        elif name == "campaigns":
            campaigns.on_campaign_create(self, row)
        elif name == "campaign_responses":
            campaigns.on_response_create(self, row)

    def _check_holds_blob(self, sha256: Any) -> None:
        """An attachment may reference only bytes its author uploaded, or bytes already
        attached in the author's grids: knowing a photo's SHA-256 is not enough to attach it
        (and then download it). The same answer whether the blob exists or not."""
        if not isinstance(sha256, str):
            return  # the field's own validation speaks
        holder = self.conn.execute(
            select(BlobHolder.sha256).where(
                BlobHolder.sha256 == sha256, BlobHolder.user_id == self.caller.user_id
            )
        ).first()
        if holder is not None:
            return
        attachments = ENTITY_TABLES["attachments"]
        grids = self.conn.execute(
            select(attachments.c.grid_id)
            .where(attachments.c.sha256 == sha256, attachments.c.deleted.is_(False))
            .distinct()
        ).scalars()
        if any(self.caller.holds(g) for g in grids):
            return
        raise ValidationError("附件内容尚未上传，请先上传附件", code="not_found", field="sha256")

    def _check_not_future(self, value: str | None, field: str, label: str) -> None:
        if value is None:
            return
        limit = self.now + dt.timedelta(seconds=FUTURE_TOLERANCE_SECONDS)
        if parse_time(value) > limit:
            raise ValidationError(f"{label}晚于当前时间", code="time_in_future", field=field)

    def _create_existing(
        self, entity: Entity, existing: StoredRow, carried: dict[str, Any], seq: int
    ) -> tuple[str, int | None]:
        """A create of an id the server has: a duplicate, or a merge with base null."""
        for name, value in carried.items():
            field = entity.fields[name]
            # An issue of a household may carry any grid_id: the server sets it.
            server_set = name == "grid_id" and entity.name == "issues" and existing["household_id"]
            if (
                field.immutable
                and value is not None
                and value != existing.get(name)
                and not server_set
            ):
                raise PermissionDenied(f"不能修改{field.label}", code="field_not_writable")
        comparable = {
            name: value
            for name, value in carried.items()
            if entity.fields[name].writer is not Writer.SERVER and not entity.fields[name].immutable
        }
        if all(existing.get(name) == value for name, value in comparable.items()):
            return "duplicate", existing["version"]
        if entity.create_only:
            raise ValidationError(f"{entity.label}已存在且内容不同", code="create_only")
        changes = {name: (None, value) for name, value in comparable.items()}
        return self._update(entity, existing, changes, seq)

    def _normalise_changes(
        self, entity: Entity, changes: dict[str, Any]
    ) -> dict[str, tuple[Any, Any]]:
        out: dict[str, tuple[Any, Any]] = {}
        for name, change in changes.items():
            if name in ("id", *_ENVELOPE_DEFAULTS):
                raise PermissionDenied(
                    f"{name} 由服务器维护", code="field_not_writable", field=name
                )
            field = entity.fields.get(name)
            if field is None:
                raise ValidationError(
                    f"未知的字段 {_printable(name, 64)}",
                    code="unknown_field",
                    field=_printable(name, 64),
                )
            if not isinstance(change, dict) or "new" not in change:
                raise ValidationError(
                    f"{field.label}的修改应为 {{old, new}}", code="invalid_type", field=name
                )
            if field.immutable:
                raise PermissionDenied(
                    f"不能修改{field.label}", code="field_not_writable", field=name
                )
            new = field.normalise(change.get("new"))
            old = field.normalise(change.get("old"))
            self._check_writable(field, new, create=False)
            if field.required and new is None:
                raise ValidationError(f"{field.label}为必填项", code="required", field=name)
            out[name] = (old, new)
        return out

    # -- merging -------------------------------------------------------------------------

    def _update(
        self,
        entity: Entity,
        existing: StoredRow,
        changes: dict[str, tuple[Any, Any]],
        seq: int,
    ) -> tuple[str, int | None]:
        if entity.name == "visits" and "visited_at" in changes:
            self._check_not_future(changes["visited_at"][1], "visited_at", "走访时间")
        if existing["deleted"]:
            for name, (old, new) in changes.items():
                self._conflict(
                    entity.name, existing, name, old, existing.get(name), new, seq, "deleted"
                )
            return "conflict", existing["version"]
        row = dict(existing)
        conflicted = False
        altered = False
        for name, (old, new) in changes.items():
            theirs = existing.get(name)
            if theirs == new:
                continue
            if theirs != old:
                conflicted = True
                self._conflict(entity.name, existing, name, old, theirs, new, seq, "field")
            row[name] = new
            altered = True
        if not altered:
            return ("conflict" if conflicted else "applied"), existing["version"]
        if entity.name == "visits":
            self._review_rules(existing, row, changes)
        elif entity.name == "campaigns":
            campaigns.on_campaign_update(self, existing, row, list(changes))
        self._store(entity.name, row, existing)
        return ("conflict" if conflicted else "applied"), row["version"]

    def _review_rules(self, existing: StoredRow, row: StoredRow, changes: dict[str, Any]) -> None:
        if "review_status" in changes and row["review_status"] != existing["review_status"]:
            row["reviewed_by"] = self.caller.user_id
            row["reviewed_at"] = self.now_text
        else:
            # A non-reviewer's change of a reviewed visit sends it back for review.
            row["review_status"] = workflow.review_status_after_edit(
                existing["review_status"], self.caller.role
            )

    def _conflict(
        self,
        entity: str,
        existing: StoredRow,
        field: str,
        base: Any,
        theirs: Any,
        ours: Any,
        seq: int,
        kind: str,
    ) -> None:
        self.conflicts.append(
            {
                "grid_id": existing["grid_id"],
                "entity": entity,
                "row_id": existing["id"],
                "field": field,
                "kind": kind,
                "base": base,
                "theirs": theirs,
                "ours": ours,
                "user_id": self.caller.user_id,
                "theirs_user_id": existing.get("updated_by"),
                "device_id": self.caller.device_id,
                "seq": seq,
                "created_at": self.now,
                "state": "open",
                "version": None,
            }
        )

    def _delete(self, entity: Entity, existing: StoredRow) -> tuple[str, int | None]:
        """Tombstone the row (and a household's residents): kept are its id, links and
        server-owned fields, the personal ones are cleared (PROTOCOL.md 1.1); so are the
        attachments the deleted rows own (their file names)."""
        if existing["deleted"]:
            return "applied", existing["version"]
        row = tombstone(entity.name, existing)
        self._store(entity.name, row, existing)
        gone = [existing["id"]]
        if entity.name == "households":
            for resident in self._live_residents(existing["id"]):
                self._store("residents", tombstone("residents", resident), resident)
                gone.append(resident["id"])
        for attachment in self._live_attachments(gone):
            self._store("attachments", tombstone("attachments", attachment), attachment)
        return "applied", row["version"]

    def _live_attachments(self, owner_ids: list[str]) -> list[StoredRow]:
        """The live attachments of these rows as this push sees them (``_live_residents``)."""
        table = ENTITY_TABLES["attachments"]
        owners = set(owner_ids)
        ids: set[str] = set()
        for start in range(0, len(owner_ids), 500):
            chunk = owner_ids[start : start + 500]
            ids.update(
                self.conn.execute(
                    select(table.c.id).where(
                        table.c.owner_id.in_(chunk), table.c.deleted.is_(False)
                    )
                ).scalars()
            )
        ids.update(
            row_id
            for (entity, row_id), row in self.rows.items()
            if entity == "attachments" and row is not None and row["owner_id"] in owners
        )
        missing = [i for i in ids if ("attachments", i) not in self.rows]
        if missing:
            found = fetch_rows(self.conn, "attachments", missing)
            for row_id in missing:
                self.rows[("attachments", row_id)] = found.get(row_id)
        live = [self.rows[("attachments", i)] for i in sorted(ids)]
        return [r for r in live if r is not None and not r["deleted"]]

    def _live_residents(self, household_id: str) -> list[StoredRow]:
        """The household's live residents as this push sees them: the database's, and those
        this push created (not yet written), minus those it deleted; in id order."""
        table = ENTITY_TABLES["residents"]
        ids = set(
            self.conn.execute(
                select(table.c.id).where(
                    table.c.household_id == household_id, table.c.deleted.is_(False)
                )
            ).scalars()
        )
        ids.update(
            row_id
            for (entity, row_id), row in self.rows.items()
            if entity == "residents" and row is not None and row["household_id"] == household_id
        )
        missing = [i for i in ids if ("residents", i) not in self.rows]
        if missing:
            found = fetch_rows(self.conn, "residents", missing)
            for row_id in missing:
                self.rows[("residents", row_id)] = found.get(row_id)
        live = [self.rows[("residents", i)] for i in sorted(ids)]
        return [r for r in live if r is not None and not r["deleted"]]

    # -- writing -------------------------------------------------------------------------

    def _store(
        self, entity: str, row: StoredRow, old: StoredRow | None, insert_row: bool = False
    ) -> None:
        """Give the row its grid's next version and queue it for writing."""
        grid_id = row["grid_id"]
        row["version"] = self.versions.next_version(grid_id)
        row["updated_at"] = self.now_text
        row["updated_by"] = self.caller.user_id
        old_live = old["version"] if old is not None and not old["deleted"] else None
        sums = self.extension_sums if entity in EXTENSION_OF else self.versions
        sums.row_changed(
            grid_id, entity, row["id"], old_live, None if row["deleted"] else row["version"]
        )
        key = (entity, row["id"])
        self.rows[key] = row
        if insert_row or key in self.inserts:
            self.inserts[key] = row
        else:
            self.updates[key] = row
        for c in self.conflicts:
            if c["row_id"] == row["id"] and c["entity"] == entity and c.get("version") is None:
                c["version"] = row["version"]

    def write(self) -> None:
        """Write every queued row, conflict and rejection (a few statements per entity)."""
        for entity in ENTITY_ORDER:
            table = ENTITY_TABLES[entity]
            new = [r for (e, _), r in self.inserts.items() if e == entity]
            if new:
                self.conn.execute(insert(table), new)
            changed = [dict(r, b_id=r["id"]) for (e, _), r in self.updates.items() if e == entity]
            if changed:
                stmt = table.update().where(table.c.id == bindparam("b_id"))
                self.conn.execute(
                    stmt.values(
                        {c.name: bindparam(c.name) for c in table.columns if c.name != "id"}
                    ),
                    changed,
                )
        self.extension_sums.flush(self.conn)
        if self.conflicts:
            self.conn.execute(insert(Conflict), self.conflicts)
        if self.rejections:
            self.conn.execute(insert(Rejection), self.rejections)


def _printable(text: str | None, limit: int) -> str | None:
    """Text safe to store anywhere: control characters (NUL breaks PostgreSQL) replaced."""
    if text is None:
        return None
    return "".join(c if c.isprintable() else "?" for c in text[:limit])


def _grid_id_or_none(value: Any) -> str | None:
    """A grid id as a create would carry it, normalised; None when it is not a valid one."""
    try:
        grid_id = ENTITIES["households"].fields["grid_id"].normalise(value)
    except ValidationError:
        return None
    return grid_id if isinstance(grid_id, str) else None


def _normalise_known(entity: Entity, values: dict[str, Any]) -> dict[str, Any]:
    return {
        name: entity.fields[name].normalise(value)
        for name, value in values.items()
        if name in entity.fields
    }


def _maybe_uuid(value: Any) -> str | None:
    try:
        return uuid_text(value, label="id")
    except ValidationError:
        return None


def _references(m: dict[str, Any]) -> list[Key]:
    """The rows a mutation reads: itself and, for a create, its parent."""
    entity = m.get("entity")
    if not isinstance(entity, str) or entity not in ENTITIES:
        return []
    out: list[Key] = []
    row_id = _maybe_uuid(m.get("id"))
    if row_id:
        out.append((entity, row_id))
    values = m.get("values")
    if isinstance(values, dict):
        spec = ENTITIES[entity]
        parent_entity = spec.parent_entity
        if entity == "attachments":
            owner = values.get("owner_entity")
            parent_entity = owner if isinstance(owner, str) and owner in ENTITIES else None
        parent_id = _maybe_uuid(values.get(spec.parent_field or ""))
        if parent_entity and parent_id:
            out.append((parent_entity, parent_id))
    return out


def _result(
    seq: int,
    status: str,
    version: int | None,
    conflicts: list[dict[str, Any]] | None = None,
    error: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "seq": seq,
        "status": status,
        "version": version,
        "conflicts": conflicts or [],
        "error": error,
    }


__all__ = ["OWN_GRID", "Batch"]

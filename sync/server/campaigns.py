"""Campaigns on the service (docs/protocol.md, "Extension — campaigns").

What the push needs (``on_campaign_*``, ``on_response_create``: publication resolves the
targets here, on the service, so that every laptop sees the same list), the checksums kept
apart for the extension (``ExtensionSums``), and the administrator's commands behind
``gridsync campaign create|list|close|export``.

A campaign is one ``campaigns`` row per grid it covers (``campaign_row_id``); every write of
such a row, by a push or by a command, takes the grid's next version under the grid's lock,
like any replicated row, so laptops receive it through the ordinary per-grid pull.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from sync.campaign_results import match_household_list
from sync.forms import read_xlsform
from sync.protocol import campaigns as rules
from sync.protocol import codes
from sync.protocol.entities import ENTITIES, EXTENSION_OF
from sync.protocol.errors import PermissionDenied, ValidationError
from sync.protocol.values import format_time
from sync.protocol.wire import format_digest, row_hash

from .db import read_tx, retrying, write_tx
from .grid_versions import GridVersions
from .models import ENTITY_TABLES, ExtensionSum, Grid, User
from .rows import StoredRow

C = ENTITY_TABLES["campaigns"]
R = ENTITY_TABLES["campaign_responses"]
H = ENTITY_TABLES["households"]
P = ENTITY_TABLES["residents"]


# -- checksums of the extension ---------------------------------------------------------------


class ExtensionSums:
    """Each grid's count and digest over the extension's live rows, changed by a transaction
    holding the grid's lock (as ``GridVersions`` does for the grid's own checksum)."""

    def __init__(self) -> None:
        self._count: dict[tuple[str, str], int] = {}
        self._digest: dict[tuple[str, str], int] = {}

    def row_changed(
        self, grid_id: str, entity: str, row_id: str, old: int | None, new: int | None
    ) -> None:
        key = (grid_id, EXTENSION_OF[entity])
        delta, count = 0, 0
        if old is not None:
            delta ^= row_hash(entity, row_id, old)
            count -= 1
        if new is not None:
            delta ^= row_hash(entity, row_id, new)
            count += 1
        self._digest[key] = self._digest.get(key, 0) ^ delta
        self._count[key] = self._count.get(key, 0) + count

    def flush(self, conn: Connection) -> None:
        for grid_id, extension in sorted(self._digest):
            key = (grid_id, extension)
            where = (ExtensionSum.grid_id == grid_id, ExtensionSum.extension == extension)
            row = conn.execute(
                select(ExtensionSum.row_count, ExtensionSum.digest).where(*where)
            ).first()
            if row is None:
                conn.execute(
                    insert(ExtensionSum).values(
                        grid_id=grid_id,
                        extension=extension,
                        row_count=self._count[key],
                        digest=format_digest(self._digest[key]),
                    )
                )
            else:
                conn.execute(
                    update(ExtensionSum)
                    .where(*where)
                    .values(
                        row_count=row.row_count + self._count[key],
                        digest=format_digest(int(row.digest, 16) ^ self._digest[key]),
                    )
                )
        self._count.clear()
        self._digest.clear()


def combined_checksums(
    conn: Connection, checksums: dict[str, dict[str, Any]], extensions: Iterable[str]
) -> dict[str, dict[str, Any]]:
    """The grids' checksums over the rows a client declaring ``extensions`` receives."""
    wanted = sorted(set(extensions))
    if not wanted or not checksums:
        return checksums
    out = {g: dict(c) for g, c in checksums.items()}
    rows = conn.execute(
        select(ExtensionSum.grid_id, ExtensionSum.row_count, ExtensionSum.digest).where(
            ExtensionSum.grid_id.in_(sorted(out)), ExtensionSum.extension.in_(wanted)
        )
    )
    for row in rows:
        sums = out[row.grid_id]
        sums["count"] += row.row_count
        sums["digest"] = format_digest(int(sums["digest"], 16) ^ int(row.digest, 16))
    return out


# -- targets -----------------------------------------------------------------------------------


def resolve_targets(
    conn: Connection,
    grid_id: str,
    rule: Mapping[str, Any],
    overlay: Mapping[tuple[str, str], StoredRow | None] | None = None,
) -> list[str]:
    """The live households of the grid the rule names, in id order: every one, those tagged
    (the household or one of its live residents carries a tag), or those of an imported list.

    ``overlay``: rows a push wrote and has not stored yet (a push sees itself)."""
    households: dict[str, StoredRow] = {
        r["id"]: dict(r)
        for r in conn.execute(
            select(H.c.id, H.c.tags, H.c.grid_id, H.c.deleted).where(H.c.grid_id == grid_id)
        ).mappings()
    }
    residents: dict[str, StoredRow] = {}
    if rule["kind"] == "tags":
        residents = {
            r["id"]: dict(r)
            for r in conn.execute(
                select(P.c.id, P.c.household_id, P.c.tags, P.c.deleted, P.c.grid_id).where(
                    P.c.grid_id == grid_id, P.c.deleted.is_(False)
                )
            ).mappings()
        }
    for (entity, row_id), row in (overlay or {}).items():
        if row is None:
            continue
        if entity == "households":
            households[row_id] = row
        elif entity == "residents" and rule["kind"] == "tags":
            residents[row_id] = row
    live = {h_id for h_id, h in households.items() if h["grid_id"] == grid_id and not h["deleted"]}
    if rule["kind"] == "all":
        return sorted(live)
    if rule["kind"] == "households":
        return sorted(live & set(rule["ids"]))
    tags = set(rule["tags"])
    chosen = {h_id for h_id in live if tags & set(households[h_id].get("tags") or ())}
    chosen |= {
        r["household_id"]
        for r in residents.values()
        if not r["deleted"] and r["household_id"] in live and tags & set(r.get("tags") or ())
    }
    return sorted(chosen)


# -- push hooks (called by sync.server.apply.Batch) -----------------------------------------------


def check_writer(batch: Any, op: str) -> None:
    """Only supervisors (and admins) create, publish and close campaigns; none are deleted."""
    if not batch.caller.is_reviewer:
        raise PermissionDenied("只有网格长可以发起、发布或结束任务", code="forbidden")
    if op == "delete":
        raise ValidationError("任务不能删除，请结束任务", code="create_only")


def on_campaign_create(batch: Any, row: StoredRow) -> None:
    row["created_by"] = batch.caller.user_id
    if row.get("kind") is None:
        row["kind"] = "survey"
    rules.check_definition(row)
    rules.check_status("draft", row["status"])
    _status_effects(batch, None, row)


def on_campaign_update(
    batch: Any, existing: StoredRow, row: StoredRow, changed: Sequence[str]
) -> None:
    rules.check_changes(existing, changed)
    rules.check_status(existing["status"], row["status"])
    rules.check_definition(row)
    _status_effects(batch, existing, row)


def _status_effects(batch: Any, existing: StoredRow | None, row: StoredRow) -> None:
    before = existing["status"] if existing is not None else "draft"
    if row["status"] == "active" and before == "draft":
        row["targets"] = resolve_targets(
            batch.conn, row["grid_id"], row["target_rule"], _overlay(batch)
        )
        row["published_at"] = batch.now_text
    if row["status"] == "closed" and before != "closed":
        row["closed_at"] = batch.now_text


def _overlay(batch: Any) -> dict[tuple[str, str], StoredRow | None]:
    return {
        key: row
        for key, row in batch.rows.items()
        if key[0] in ("households", "residents") and (key in batch.inserts or key in batch.updates)
    }


def on_response_create(batch: Any, row: StoredRow) -> None:
    """A response: its campaign's row in the household's grid decides (``check_response``);
    its photos must be held by the author, as an attachment's bytes must."""
    row["responder_id"] = batch.caller.user_id
    batch._check_not_future(row.get("responded_at"), "responded_at", "填报时间")
    campaign = batch.get("campaigns", rules.campaign_row_id(row["campaign_id"], row["grid_id"]))
    row["answers"] = rules.check_response(campaign, row["household_id"], row)
    row["photos"] = list(row.get("photos") or [])
    for sha256 in row["photos"]:
        batch._check_holds_blob(sha256.lower())


# -- administration (gridsync campaign …) ----------------------------------------------------------


def read_form(path: Path) -> dict[str, Any]:
    """An XLSForm read and checked for publication: ``FormError`` (row and Chinese reason)."""
    form = read_xlsform(path)
    form.compiled()
    return form.to_dict()


def read_household_list(
    conn: Connection, path: Path, grids: Sequence[str]
) -> tuple[list[str], int]:
    """Household ids from an Excel list: a column 住户编号 (ids) or 地址 (addresses matched in
    the campaign's grids). Returns the ids found and the number of rows not matched."""
    live = {
        r.id: r.address
        for r in conn.execute(
            select(H.c.id, H.c.address).where(
                H.c.grid_id.in_(sorted(grids)), H.c.deleted.is_(False)
            )
        )
    }
    return match_household_list(path, live)


def create_campaign(
    engine: Engine,
    clock: Any,
    *,
    title: str,
    grids: Sequence[str],
    deadline: str,
    kind: str = "survey",
    target_rule: Mapping[str, Any] | None = None,
    form: Mapping[str, Any] | None = None,
    outcomes: list[dict[str, Any]] | None = None,
    starts_at: str | None = None,
    publish: bool = True,
    campaign_id: str | None = None,
) -> dict[str, Any]:
    """Create (and by default publish) a campaign in these grids; its rows take the grids'
    versions like any push. Returns ``{"campaign_id", "targets": {grid: count}}``."""
    fields = ENTITIES["campaigns"].fields
    campaign_id = campaign_id or str(uuid.uuid4())
    base: dict[str, Any] = {
        "campaign_id": campaign_id,
        "title": fields["title"].normalise(title),
        "kind": fields["kind"].normalise(kind),
        "status": "active" if publish else "draft",
        "target_rule": dict(target_rule or {"kind": "all"}),
        "form": dict(form) if form is not None else None,
        "outcomes": outcomes,
        "starts_at": fields["starts_at"].normalise(starts_at),
        "deadline": fields["deadline"].normalise(deadline),
    }
    if not base["title"]:
        raise ValidationError("任务名称为必填项", code="required", field="title")
    rules.check_definition(base)
    wanted = sorted(set(grids))
    if not wanted:
        raise ValidationError("请至少选择一个网格", code="required", field="grids")

    def run() -> dict[str, Any]:
        now_text = format_time(clock())
        counts: dict[str, int] = {}
        with write_tx(engine) as conn:
            ledger = GridVersions(conn)
            found = ledger.lock(wanted)
            if found != set(wanted):
                missing = ", ".join(sorted(set(wanted) - found))
                raise ValidationError(f"网格不存在：{missing}", code="not_found")
            sums = ExtensionSums()
            for grid_id in wanted:
                row: dict[str, Any] = dict.fromkeys(fields)
                row.update(base, grid_id=grid_id, targets=[])
                row["id"] = rules.campaign_row_id(campaign_id, grid_id)
                if publish:
                    row["targets"] = resolve_targets(conn, grid_id, row["target_rule"])
                    row["published_at"] = now_text
                counts[grid_id] = len(row["targets"])
                _write(conn, ledger, sums, row, None, now_text)
            ledger.flush()
            sums.flush(conn)
        return {"campaign_id": campaign_id, "targets": counts}

    return retrying(run)


def _write(
    conn: Connection,
    ledger: GridVersions,
    sums: ExtensionSums,
    row: StoredRow,
    old: StoredRow | None,
    now_text: str,
) -> None:
    grid_id = row["grid_id"]
    row["version"] = ledger.next_version(grid_id)
    row["deleted"] = False
    row["updated_at"] = now_text
    row["updated_by"] = None
    sums.row_changed(
        grid_id, "campaigns", row["id"], old["version"] if old is not None else None, row["version"]
    )
    if old is None:
        conn.execute(insert(C), [row])
    else:
        conn.execute(update(C).where(C.c.id == row["id"]).values(**row))


def close_campaign(engine: Engine, clock: Any, campaign_id: str) -> int:
    """Close every grid's row of the campaign; returns how many rows changed."""

    def run() -> int:
        now_text = format_time(clock())
        with write_tx(engine) as conn:
            grids = sorted(
                conn.execute(select(C.c.grid_id).where(C.c.campaign_id == campaign_id)).scalars()
            )
            if not grids:
                raise ValidationError("任务不存在", code="not_found")
            ledger = GridVersions(conn)
            ledger.lock(grids)
            sums = ExtensionSums()
            changed = 0
            for old in conn.execute(
                select(C).where(C.c.campaign_id == campaign_id).order_by(C.c.grid_id)
            ).mappings():
                if old["status"] == "closed":
                    continue
                row = dict(old, status="closed", closed_at=now_text)
                _write(conn, ledger, sums, row, dict(old), now_text)
                changed += 1
            ledger.flush()
            sums.flush(conn)
        return changed

    return retrying(run)


def list_campaigns(engine: Engine) -> list[dict[str, Any]]:
    """Every campaign with its grids, targets, households answered and status."""
    with read_tx(engine) as conn:
        rows = [
            dict(r) for r in conn.execute(select(C).order_by(C.c.deadline, C.c.grid_id)).mappings()
        ]
        answered = {
            (r.campaign_id, r.household_id)
            for r in conn.execute(
                select(R.c.campaign_id, R.c.household_id).where(R.c.deleted.is_(False))
            )
        }
    out: dict[str, dict[str, Any]] = {}
    for row in rows:
        item = out.setdefault(
            row["campaign_id"],
            {
                "campaign_id": row["campaign_id"],
                "title": row["title"],
                "kind": row["kind"],
                "status": row["status"],
                "deadline": row["deadline"],
                "grids": [],
                "targets": 0,
                "answered": 0,
            },
        )
        item["grids"].append(row["grid_id"])
        targets = row["targets"] or []
        item["targets"] += len(targets)
        item["answered"] += sum(1 for h in targets if (row["campaign_id"], h) in answered)
    return list(out.values())


def export_campaign(engine: Engine, campaign_id: str, path: Path) -> int:
    """Write the campaign's results to ``path`` (.xlsx); returns the number of targets."""
    from sync.campaign_results import write_results

    with read_tx(engine) as conn:
        campaigns = [
            dict(r)
            for r in conn.execute(
                select(C).where(C.c.campaign_id == campaign_id).order_by(C.c.grid_id)
            ).mappings()
        ]
        if not campaigns:
            raise ValidationError("任务不存在", code="not_found")
        targets = sorted({h for c in campaigns for h in (c["targets"] or [])})
        households = {}
        for start in range(0, len(targets), 500):
            chunk = targets[start : start + 500]
            for r in conn.execute(
                select(H.c.id, H.c.grid_id, H.c.address, H.c.head_name, H.c.phone).where(
                    H.c.id.in_(chunk)
                )
            ).mappings():
                households[r["id"]] = dict(r)
        responses = [
            dict(r)
            for r in conn.execute(
                select(R).where(R.c.campaign_id == campaign_id, R.c.deleted.is_(False))
            ).mappings()
        ]
        names = {u.id: u.display_name for u in conn.execute(select(User.id, User.display_name))}
        grid_names = {g.id: g.name for g in conn.execute(select(Grid.id, Grid.name))}
    return write_results(path, campaigns, households, responses, names, grid_names)


__all__ = [
    "ExtensionSums",
    "close_campaign",
    "combined_checksums",
    "create_campaign",
    "export_campaign",
    "list_campaigns",
    "read_form",
    "read_household_list",
    "resolve_targets",
]


# -- gridsync campaign … --------------------------------------------------------------------------


def add_cli(sub: Any) -> None:
    """``gridsync campaign create|list|close|export`` (sync.server.cli)."""
    campaign = sub.add_parser(
        "campaign",
        help="campaigns: emergency sweeps and surveys (create, list, close, export)",
        description="Create and publish a campaign in grids (its targets are resolved now, so "
        "every laptop gets the same list), list campaigns with their progress, close one, "
        "or export its results to Excel.",
    )
    ops = campaign.add_subparsers(dest="campaign_command", required=True)
    create = ops.add_parser("create", help="create and publish a campaign")
    create.add_argument("--title", required=True)
    create.add_argument("--grids", required=True, nargs="+", metavar="GRID_ID")
    create.add_argument("--deadline", required=True, help="YYYY-MM-DD HH:MM (Asia/Shanghai) or ISO")
    create.add_argument("--start", help="YYYY-MM-DD HH:MM (Asia/Shanghai) or ISO")
    create.add_argument("--kind", choices=sorted(codes.CAMPAIGN_KINDS), default="survey")
    targets = create.add_mutually_exclusive_group()
    targets.add_argument("--tags", nargs="+", choices=sorted(codes.TAGS), metavar="TAG")
    targets.add_argument(
        "--households", type=Path, metavar="FILE.xlsx", help="a list: 住户编号 or 地址 column"
    )
    create.add_argument("--form", type=Path, metavar="FORM.xlsx", help="an XLSForm")
    create.add_argument("--draft", action="store_true", help="create without publishing")
    ops.add_parser("list", help="list campaigns and their progress")
    close = ops.add_parser("close", help="close a campaign (no new responses)")
    close.add_argument("campaign_id")
    export = ops.add_parser("export", help="write a campaign's results to .xlsx")
    export.add_argument("campaign_id")
    export.add_argument("--out", required=True, type=Path, metavar="FILE.xlsx")


def cli_time(text: str | None) -> str | None:
    """A time typed on the command line: ISO with a zone, or local (Asia/Shanghai) time."""
    if text is None:
        return None
    import datetime as dt

    from sync.protocol.values import SHANGHAI

    raw = text.strip()
    try:
        moment = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError(f"时间格式错误：{raw[:40]}（例如 2026-12-02 18:00）") from None
    if moment.tzinfo is None:
        if len(raw) <= 10:
            moment = moment.replace(hour=23, minute=59)
        moment = moment.replace(tzinfo=SHANGHAI)
    return format_time(moment)


def run_cli(args: Any, settings: Any, engine: Engine) -> int:
    """Run ``gridsync campaign …``; a refusal (a broken form: its row and reason) exits 1.
    Each command that changed or exported something goes to the audit trail."""
    import json
    import sys

    from sync.protocol.errors import ProtocolError

    from . import audit

    op = args.campaign_command
    try:
        if op == "create":
            form = read_form(args.form) if args.form else None
            rule: dict[str, Any] = {"kind": "all"}
            missed = 0
            if args.tags:
                rule = {"kind": "tags", "tags": list(args.tags)}
            elif args.households:
                with read_tx(engine) as conn:
                    ids, missed = read_household_list(conn, args.households, args.grids)
                rule = {"kind": "households", "ids": ids}
            done = create_campaign(
                engine,
                settings.clock,
                title=args.title,
                grids=args.grids,
                deadline=cli_time(args.deadline) or "",
                starts_at=cli_time(args.start),
                kind=args.kind,
                target_rule=rule,
                form=form,
                publish=not args.draft,
            )
            if missed:
                done["unmatched_rows"] = missed
            print(json.dumps(done, ensure_ascii=False, indent=2))
            audit.record_quietly(
                engine,
                audit.CLI,
                "campaign_create",
                target=done["campaign_id"],
                rows=sum(done["targets"].values()),
                detail={"grids": sorted(done["targets"]), "kind": args.kind},
            )
        elif op == "list":
            print(json.dumps(list_campaigns(engine), ensure_ascii=False, indent=2))
        elif op == "close":
            changed = close_campaign(engine, settings.clock, args.campaign_id.lower())
            print(f"任务已结束（{changed} 个网格）")
            audit.record_quietly(
                engine, audit.CLI, "campaign_close", target=args.campaign_id.lower(), rows=changed
            )
        elif op == "export":
            count = export_campaign(engine, args.campaign_id.lower(), args.out)
            print(f"已导出 {count} 户到 {args.out}")
            audit.record_quietly(
                engine, audit.CLI, "campaign_export", target=args.campaign_id.lower(), rows=count
            )
    except ProtocolError as exc:
        print(f"gridsync: {exc.message}", file=sys.stderr)
        return 1
    return 0

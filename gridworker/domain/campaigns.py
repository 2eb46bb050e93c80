"""Campaigns on the laptop: 平急转换 sweeps and surveys (docs/protocol.md, "Extension —
campaigns"), as operations and queries the 任务 tab and the supervisor's screens call.

A campaign arrives as one ``campaigns`` row per grid (all sharing ``campaign_id``); its
targets were resolved by the service at publication. A worker records a response per target
household, offline, validated by the very rules the service applies (``sync.protocol
.campaigns`` with the questionnaire engine ``sync.forms``). Responses are append-only: a
household answered twice (two workers, or a second visit) counts both, and its latest
response is its state (``sync.campaign_results``). Supervisors create, publish and close
campaigns here too; the service resolves the targets when the publication arrives.

Qt-free. Errors are ``ProtocolError``s with a Chinese message naming the field.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import mimetypes
import re
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from sync.campaign_results import NOT_REACHED, latest_by_household, write_results
from sync.forms import Questionnaire, read_xlsform
from sync.protocol import campaigns as rules
from sync.protocol import codes
from sync.protocol.entities import ENTITIES
from sync.protocol.errors import PermissionDenied, ValidationError
from sync.protocol.values import format_time, parse_time
from sync.protocol.workflow import REVIEWER_ROLES

from ..store import rows as rowlib
from ..store.blobs import BlobFiles
from ..store.local import Store
from ..store.schema import ENTITY_TABLES, BlobQueue, GridState

Row = dict[str, Any]

C = ENTITY_TABLES["campaigns"]
R = ENTITY_TABLES["campaign_responses"]
H = ENTITY_TABLES["households"]
P = ENTITY_TABLES["residents"]

# While an emergency campaign is active the laptop syncs this often when online (issue 12).
EMERGENCY_SYNC_SECONDS = 60
MAX_PHOTO_BYTES = 20 * 1024 * 1024
_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Campaign:
    """A campaign as this laptop holds it: its rows of the grids here, taken together."""

    campaign_id: str
    title: str
    kind: str
    status: str
    deadline: str
    starts_at: str | None
    grids: tuple[str, ...]
    outcomes: tuple[Mapping[str, Any], ...]
    form: Questionnaire | None
    targets: int
    answered: int
    created_by: str | None
    published_at: str | None
    closed_at: str | None
    synced: bool  # every row of it has reached the service
    rows: tuple[Row, ...] = field(repr=False, default=())

    @property
    def emergency(self) -> bool:
        return self.kind == "emergency"

    @property
    def kind_label(self) -> str:
        return codes.label(codes.CAMPAIGN_KINDS, self.kind)

    @property
    def status_label(self) -> str:
        return codes.label(codes.CAMPAIGN_STATUSES, self.status)

    def outcome_label(self, code: str | None) -> str:
        if code is None:
            return NOT_REACHED
        return next((o["label"] for o in self.outcomes if o["code"] == code), code)

    def asks_form(self, outcome: str) -> bool:
        """Whether this outcome is answered with the questionnaire (未联系上 is not)."""
        return self.form is not None and any(
            o["code"] == outcome and o["form"] for o in self.outcomes
        )


# -- reading -----------------------------------------------------------------------------------


def _rows(conn: Any, campaign_id: str | None = None) -> list[Row]:
    query = select(C).where(C.c.deleted.is_(False)).order_by(C.c.deadline, C.c.grid_id)
    if campaign_id is not None:
        query = query.where(C.c.campaign_id == campaign_id)
    return [dict(r) for r in conn.execute(query).mappings()]


def _responses(conn: Any, campaign_id: str) -> list[Row]:
    return [
        dict(r)
        for r in conn.execute(
            select(R).where(R.c.campaign_id == campaign_id, R.c.deleted.is_(False))
        ).mappings()
    ]


def _campaign(rows: list[Row], answered: set[str]) -> Campaign:
    first = rows[0]
    targets = [h for r in rows for h in (r["targets"] or [])]
    return Campaign(
        campaign_id=first["campaign_id"],
        title=first["title"],
        kind=first["kind"],
        status=first["status"],
        deadline=first["deadline"],
        starts_at=first["starts_at"],
        grids=tuple(r["grid_id"] for r in rows),
        outcomes=tuple(rules.outcomes_of(first)),
        form=rules.questionnaire_of(first),
        targets=len(targets),
        answered=sum(1 for h in targets if h in answered),
        created_by=first["created_by"],
        published_at=first["published_at"],
        closed_at=first["closed_at"],
        synced=all(r["version"] > 0 and r["base"] is None for r in rows),
        rows=tuple(rows),
    )


def campaigns(store: Store, statuses: Iterable[str] = ("active",)) -> list[Campaign]:
    """The campaigns of this laptop's grids in these statuses, nearest deadline first."""
    wanted = set(statuses)
    with store.read() as conn:
        by_id: dict[str, list[Row]] = {}
        for row in _rows(conn):
            if row["status"] in wanted:
                by_id.setdefault(row["campaign_id"], []).append(row)
        answered = {
            (r.campaign_id, r.household_id)
            for r in conn.execute(
                select(R.c.campaign_id, R.c.household_id).where(
                    R.c.campaign_id.in_(sorted(by_id)), R.c.deleted.is_(False)
                )
            )
        }
    out = [
        _campaign(rows, {h for c, h in answered if c == campaign_id})
        for campaign_id, rows in by_id.items()
    ]
    out.sort(key=lambda c: (c.deadline, c.title, c.campaign_id))
    return out


def active_campaigns(store: Store) -> list[Campaign]:
    """Campaigns being worked on now, nearest deadline first (emergencies first on a tie)."""
    found = campaigns(store, ("active",))
    found.sort(key=lambda c: (c.deadline, not c.emergency, c.title))
    return found


def campaign(store: Store, campaign_id: str) -> Campaign | None:
    with store.read() as conn:
        rows = _rows(conn, campaign_id)
        if not rows:
            return None
        answered = {r["household_id"] for r in _responses(conn, campaign_id)}
    return _campaign(rows, answered)


def _require(store: Store, campaign_id: str) -> Campaign:
    found = campaign(store, campaign_id)
    if found is None:
        raise ValidationError("任务不存在", code="not_found", field="campaign_id")
    return found


def emergency_active(store: Store) -> bool:
    return any(c.emergency for c in active_campaigns(store))


def sync_interval(store: Store, normal_seconds: float) -> float:
    """How often the app syncs when online: every minute while an emergency campaign is
    active (平急转换), else its normal interval."""
    if emergency_active(store):
        return float(min(normal_seconds, EMERGENCY_SYNC_SECONDS))
    return float(normal_seconds)


def _households(conn: Any, ids: Sequence[str], grids: Iterable[str]) -> dict[str, Row]:
    """The target households (address, head, phone, tags), read by grid in plain SQL: a
    campaign of 20,000 targets is a grid read, not 40 queries of 500 bound ids."""
    wanted = set(ids)
    grid_list = sorted(set(grids))
    if not wanted or not grid_list:
        return {}
    marks = ", ".join("?" for _ in grid_list)
    found: dict[str, Row] = {}
    for row_id, grid_id, address, head_name, phone, tags, deleted in conn.exec_driver_sql(
        "SELECT id, grid_id, address, head_name, phone, tags, deleted FROM households "
        f"WHERE grid_id IN ({marks})",
        tuple(grid_list),
    ):
        if row_id in wanted:
            found[row_id] = {
                "id": row_id,
                "grid_id": grid_id,
                "address": address,
                "head_name": head_name,
                "phone": phone,
                "tags": json.loads(tags) if tags and tags != "[]" else [],
                "deleted": bool(deleted),
            }
    # A phone sweep needs a number: the household's, else the head's, else anyone's.
    phones: dict[str, tuple[bool, str]] = {}
    for household_id, phone, relation in conn.exec_driver_sql(
        "SELECT household_id, phone, relation FROM residents "
        f"WHERE grid_id IN ({marks}) AND deleted = 0 AND phone IS NOT NULL",
        tuple(grid_list),
    ):
        h = found.get(household_id)
        if h is not None and not h["phone"]:
            candidate = (relation != "head", phone)
            if household_id not in phones or candidate < phones[household_id]:
                phones[household_id] = candidate
    for household_id, (_, phone) in phones.items():
        found[household_id]["phone"] = phone
    return found


@contextmanager
def _bulk() -> Iterator[None]:
    """No cyclic garbage collection while a list of tens of thousands of plain dicts is built:
    they hold no cycles, and the collector's passes over them took more than half the time of
    a 20,000-household campaign's list."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def targets(
    store: Store, campaign_id: str | None = None, *, grid_id: str | None = None
) -> list[Row]:
    """The target households of one campaign, or of every active one: nearest deadline first,
    those not yet answered before those answered, then by address. Each with its address,
    head, phone, tags, the campaign's deadline, and its state (latest outcome or None)."""
    with _bulk():
        return _targets(store, campaign_id, grid_id)


def _targets(store: Store, campaign_id: str | None, grid_id: str | None) -> list[Row]:
    with store.read() as conn:
        if campaign_id is None:
            rows = [r for r in _rows(conn) if r["status"] == "active"]
        else:
            rows = _rows(conn, campaign_id)
        if grid_id is not None:
            rows = [r for r in rows if r["grid_id"] == grid_id]
        wanted = sorted({h for r in rows for h in (r["targets"] or [])})
        households = _households(conn, wanted, {r["grid_id"] for r in rows})
        responses: dict[str, list[Row]] = {}
        for cid in {r["campaign_id"] for r in rows}:
            responses[cid] = _responses(conn, cid)
    out: list[Row] = []
    for row in rows:
        outcomes = {o["code"]: o["label"] for o in rules.outcomes_of(row)}
        cid = row["campaign_id"]
        latest = latest_by_household(responses.get(cid, []))
        counts: dict[str, int] = {}
        for r in responses.get(cid, []):
            counts[r["household_id"]] = counts.get(r["household_id"], 0) + 1
        for household_id in row["targets"] or []:
            h = households.get(household_id)
            if h is None or h["deleted"]:
                continue  # left this laptop (moved, deleted): not answerable here
            state = latest.get(household_id)
            out.append(
                {
                    "campaign_id": cid,
                    "title": row["title"],
                    "kind": row["kind"],
                    "deadline": row["deadline"],
                    "grid_id": row["grid_id"],
                    "household_id": household_id,
                    "address": h["address"],
                    "head_name": h["head_name"],
                    "phone": h["phone"],
                    "tags": list(h["tags"] or []),
                    "outcome": state["outcome"] if state else None,
                    "outcome_label": outcomes.get(state["outcome"], state["outcome"])
                    if state
                    else NOT_REACHED,
                    "responded_at": state["responded_at"] if state else None,
                    "responses": counts.get(household_id, 0),
                }
            )
    out.sort(
        key=lambda t: (
            t["deadline"],
            t["kind"] != "emergency",
            t["campaign_id"],
            t["outcome"] is not None,
            t["address"],
            t["household_id"],
        )
    )
    return out


def responses(store: Store, campaign_id: str, household_id: str | None = None) -> list[Row]:
    """The responses of a campaign (of one household), oldest first."""
    with store.read() as conn:
        found = _responses(conn, campaign_id)
    if household_id is not None:
        found = [r for r in found if r["household_id"] == household_id]
    found.sort(key=lambda r: (r["responded_at"], r["version"] or 2**62, r["id"]))
    return found


# -- a worker's response -----------------------------------------------------------------------


def add_photo(store: Store, blobs: BlobFiles, data: bytes, media_type: str | None = None) -> str:
    """Keep a photo's bytes (content-addressed, encrypted) and queue them for upload; its
    SHA-256 is the reference a response and an ``image`` answer carry."""
    if len(data) > MAX_PHOTO_BYTES:
        raise ValidationError("照片不能超过 20 MB", code="too_large", field="photos")
    sha256 = blobs.add(data)
    with store.write() as conn:
        known = conn.execute(select(BlobQueue.sha256).where(BlobQueue.sha256 == sha256)).first()
        if not known:
            conn.execute(
                insert(BlobQueue).values(
                    sha256=sha256,
                    media_type=media_type or "image/jpeg",
                    size=len(data),
                    uploaded=False,
                    created_at=store.clock(),
                )
            )
    return sha256


def _photo_reference(store: Store, blobs: BlobFiles | None, value: Any) -> Any:
    """An image answer as the form widget gives it (a file's path) turned into the photo's
    SHA-256; a reference already made is kept."""
    if not isinstance(value, str) or not value or _SHA256.fullmatch(value.lower()):
        return value.lower() if isinstance(value, str) else value
    path = Path(value)
    if blobs is None or not path.is_file():
        raise ValidationError("找不到照片文件", code="not_found", field="photos")
    media_type = mimetypes.guess_type(path.name)[0]
    return add_photo(store, blobs, path.read_bytes(), media_type)


def record_response(
    store: Store,
    campaign_id: str,
    household_id: str,
    outcome: str,
    answers: Mapping[str, Any] | None = None,
    photos: Sequence[bytes | str] = (),
    *,
    blobs: BlobFiles | None = None,
    notes: str | None = None,
    responded_at: str | None = None,
) -> Row:
    """Record a target household's response now (or at ``responded_at``), offline; judged by
    the service's own rules first, so what is saved here is not refused there.

    ``photos``: bytes (kept with ``blobs``) or references from ``add_photo``; an ``image``
    answer may be a file's path (the form widget's), kept the same way."""
    answers = dict(answers or {})
    with store.read() as conn:
        household = rowlib.load_row(conn, "households", household_id)
    if household is None or household["deleted"]:
        raise ValidationError("住户不存在", code="not_found", field="household_id")
    grid_id = household["grid_id"]
    with store.read() as conn:
        row = rowlib.load_row(conn, "campaigns", rules.campaign_row_id(campaign_id, grid_id))
    found = dict(row) if row is not None else None
    form = rules.questionnaire_of(found) if found else None
    if form is not None:
        for fld in form.fields:
            if fld.type == "image" and fld.name in answers:
                answers[fld.name] = _photo_reference(store, blobs, answers[fld.name])
    refs: list[str] = []
    for photo in photos:
        if isinstance(photo, bytes):
            if blobs is None:
                raise ValidationError("无法保存照片", code="invalid_value", field="photos")
            photo = add_photo(store, blobs, photo)
        refs.append(str(photo).lower())
    if form is not None:
        refs += [
            v for k, v in answers.items() if form.has_field(k) and form.field(k).type == "image"
        ]
    refs = [r for i, r in enumerate(refs) if isinstance(r, str) and r and r not in refs[:i]]
    values: Row = {
        "household_id": household_id,
        "campaign_id": campaign_id,
        "outcome": outcome,
        "answers": answers,
        "photos": refs,
        "notes": notes,
        "responded_at": responded_at or format_time(store.clock()),
    }
    spec = ENTITIES["campaign_responses"].fields
    values = {k: spec[k].normalise(v) for k, v in values.items()}
    values["answers"] = rules.check_response(found, household_id, values)
    if parse_time(values["responded_at"]) > store.clock() + dt.timedelta(minutes=10):
        raise ValidationError("填报时间晚于当前时间", code="time_in_future", field="responded_at")
    with store.write() as conn:
        return store.create(conn, "campaign_responses", values)


# -- progress (supervisors) --------------------------------------------------------------------


def _names(store: Store) -> dict[str, str]:
    """User ids to display names, from the people list the laptop keeps at each sync."""
    people = store.get_meta("people", []) or []
    names = {p.get("id"): p.get("display_name") or p.get("username") for p in people}
    me = store.user
    if me.get("id"):
        names.setdefault(me["id"], me.get("display_name") or me.get("username") or "")
    return {k: v for k, v in names.items() if k}


def _grid_names(conn: Any) -> dict[str, str]:
    return {g.grid_id: g.name for g in conn.execute(select(GridState.grid_id, GridState.name))}


def progress(store: Store, campaign_id: str) -> dict[str, Any]:
    """Live progress: totals, by grid (targets, answered, by outcome) and by worker
    (responses and households answered); every response counts for its worker, a
    household's latest response decides its outcome."""
    found = _require(store, campaign_id)
    with store.read() as conn:
        rows = _rows(conn, campaign_id)
        answers = _responses(conn, campaign_id)
        grid_names = _grid_names(conn)
    names = _names(store)
    latest = latest_by_household(answers)
    codes_ = [o["code"] for o in found.outcomes]
    by_grid = []
    totals: dict[str, Any] = {"targets": 0, "answered": 0, "by_outcome": dict.fromkeys(codes_, 0)}
    for row in rows:
        tally = dict.fromkeys(codes_, 0)
        targets_ = row["targets"] or []
        for household_id in targets_:
            state = latest.get(household_id)
            if state is not None:
                tally[state["outcome"]] = tally.get(state["outcome"], 0) + 1
        answered = sum(tally.values())
        by_grid.append(
            {
                "grid_id": row["grid_id"],
                "name": grid_names.get(row["grid_id"], row["grid_id"]),
                "targets": len(targets_),
                "answered": answered,
                "not_reached": len(targets_) - answered,
                "by_outcome": tally,
            }
        )
        totals["targets"] += len(targets_)
        totals["answered"] += answered
        for code, n in tally.items():
            totals["by_outcome"][code] = totals["by_outcome"].get(code, 0) + n
    workers: dict[str, dict[str, Any]] = {}
    for r in answers:
        who = r["responder_id"] or r["updated_by"] or ""
        item = workers.setdefault(
            who,
            {"user_id": who, "name": names.get(who, ""), "responses": 0, "households": set()},
        )
        item["responses"] += 1
        item["households"].add(r["household_id"])
    by_worker = [
        {**w, "households": len(w["households"])}
        for w in sorted(workers.values(), key=lambda w: (-w["responses"], w["name"], w["user_id"]))
    ]
    return {
        "campaign_id": campaign_id,
        "title": found.title,
        "deadline": found.deadline,
        "targets": totals["targets"],
        "answered": totals["answered"],
        "not_reached": totals["targets"] - totals["answered"],
        "by_outcome": totals["by_outcome"],
        "outcome_labels": {o["code"]: o["label"] for o in found.outcomes},
        "by_grid": by_grid,
        "by_worker": by_worker,
    }


def needs_help_first(store: Store, campaign_id: str) -> list[Row]:
    """The campaign's targets for a supervisor: 需帮助 first, then the others answered, then
    those not reached, each by grid and address."""
    rank = {"needs_help": 0}
    found = targets(store, campaign_id)
    found.sort(
        key=lambda t: (
            rank.get(t["outcome"], 1) if t["outcome"] is not None else 2,
            t["grid_id"],
            t["address"],
            t["household_id"],
        )
    )
    return found


def export_results(store: Store, campaign_id: str, path: Path) -> int:
    """The results as .xlsx from this laptop's copy (one row per target, one column per
    question, choice labels); returns the rows written."""
    _require(store, campaign_id)
    with store.read() as conn:
        rows = _rows(conn, campaign_id)
        wanted = sorted({h for r in rows for h in (r["targets"] or [])})
        households = _households(conn, wanted, {r["grid_id"] for r in rows})
        answers = _responses(conn, campaign_id)
        grid_names = _grid_names(conn)
    return write_results(path, rows, households, answers, _names(store), grid_names)


# -- a supervisor's campaigns -------------------------------------------------------------------


def _require_supervisor(store: Store) -> None:
    if store.user.get("role") not in REVIEWER_ROLES:
        raise PermissionDenied("只有网格长可以发起、发布或结束任务", code="forbidden")


def read_form(path: Path) -> Questionnaire:
    """A questionnaire from an XLSForm, checked for publication (``FormError``: the sheet,
    row and reason in Chinese)."""
    form = read_xlsform(path)
    form.compiled()
    return form


def create_campaign(
    store: Store,
    title: str,
    grids: Sequence[str],
    deadline: str,
    *,
    kind: str = "survey",
    tags: Sequence[str] = (),
    household_ids: Sequence[str] | None = None,
    form: Questionnaire | Mapping[str, Any] | Path | None = None,
    outcomes: Sequence[Mapping[str, Any]] | None = None,
    starts_at: str | None = None,
    publish: bool = False,
) -> str:
    """A new campaign in these grids (a draft, or published at once); returns its id.

    Targets: ``household_ids`` (an imported list), else ``tags`` (households or residents
    carrying any), else every household; the service resolves them when the publication
    arrives, so that every laptop gets the same list."""
    _require_supervisor(store)
    if household_ids is not None:
        rule: Row = {"kind": "households", "ids": [str(h).lower() for h in household_ids]}
    elif tags:
        rule = {"kind": "tags", "tags": list(tags)}
    else:
        rule = {"kind": "all"}
    if isinstance(form, Path):
        form = read_form(form)
    definition = form.to_dict() if isinstance(form, Questionnaire) else form
    campaign_id = str(uuid.uuid4())
    spec = ENTITIES["campaigns"].fields
    values: Row = {
        "campaign_id": campaign_id,
        "title": title,
        "kind": kind,
        "status": "active" if publish else "draft",
        "target_rule": rule,
        "form": dict(definition) if definition is not None else None,
        "outcomes": [dict(o) for o in outcomes] if outcomes is not None else None,
        "starts_at": starts_at,
        "deadline": deadline,
    }
    values = {k: spec[k].normalise(v) for k, v in values.items()}
    for name in ("title", "deadline"):
        if not values[name]:
            raise ValidationError(f"{spec[name].label}为必填项", code="required", field=name)
    rules.check_definition(values)
    held = set(_held_grids(store))
    wanted = sorted(set(grids))
    if not wanted:
        raise ValidationError("请至少选择一个网格", code="required", field="grids")
    if not set(wanted) <= held:
        raise PermissionDenied("只能在本人负责的网格中发起任务", code="out_of_scope")
    carried = {k: v for k, v in values.items() if v is not None}
    user_id = store.user.get("id")
    with store.write() as conn:
        for grid_id in wanted:
            row_id = rules.campaign_row_id(campaign_id, grid_id)
            payload = {**carried, "grid_id": grid_id}
            row = rowlib.materialise_create("campaigns", row_id, payload, user_id)
            row["created_by"] = user_id
            rowlib.store_row(
                conn,
                "campaigns",
                row,
                grid_id=grid_id,
                base=None,
                base_grid=None,
                base_deleted=False,
                exists=False,
            )
            store._append(conn, "campaigns", row_id, "create", payload)
    return campaign_id


def _held_grids(store: Store) -> list[str]:
    with store.read() as conn:
        return list(conn.execute(select(GridState.grid_id)).scalars())


def _set_status(store: Store, campaign_id: str, status: str) -> None:
    _require_supervisor(store)
    found = _require(store, campaign_id)
    rules.check_status(found.status, status)
    if found.status == status:
        return
    with store.write() as conn:
        for row in found.rows:
            store.update(conn, "campaigns", row["id"], {"status": status})


def publish(store: Store, campaign_id: str) -> None:
    """发布: the draft goes to the workers; the service resolves its targets on arrival."""
    _set_status(store, campaign_id, "active")


def close(store: Store, campaign_id: str) -> None:
    """结束: no new responses (those given before the close still count when they arrive)."""
    _set_status(store, campaign_id, "closed")


__all__ = [
    "EMERGENCY_SYNC_SECONDS",
    "Campaign",
    "active_campaigns",
    "add_photo",
    "campaign",
    "campaigns",
    "close",
    "create_campaign",
    "emergency_active",
    "export_results",
    "needs_help_first",
    "progress",
    "publish",
    "read_form",
    "record_response",
    "responses",
    "sync_interval",
    "targets",
]

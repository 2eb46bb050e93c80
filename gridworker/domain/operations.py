"""What a grid worker and a supervisor do, as operations the screens call.

Each operation validates with the shared rules, writes the row and its outbox mutation in one
transaction (through ``Store``) and returns plain data. Errors are ``ProtocolError``s whose
message is Chinese and names the field.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Iterable
from typing import Any

from sqlalchemy import insert, select, update

from sync.protocol import values
from sync.protocol.errors import PermissionDenied, ValidationError
from sync.protocol.values import SHANGHAI, format_time
from sync.protocol.workflow import (
    REVIEWER_ROLES,
    allowed_transitions,
    departure_note,
    residence,
)

from ..store import handled
from ..store import rows as rowlib
from ..store.blobs import BlobFiles
from ..store.local import Store
from ..store.schema import ENTITY_TABLES, BlobQueue, ConflictRecord

Row = dict[str, Any]

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024


# -- households and residents ----------------------------------------------------------------


def compose_address(
    place: str | None, building: str | None, unit: str | None, room: str | None
) -> str:
    """The address text of a flat from its parts: ``朐阳小区 3号楼 1单元 201室``.

    A part given as a bare number gets its word (3 → 3号楼, 1 → 1单元, 201 → 201室); a part
    typed with its own word (``3栋``, ``A座``) is kept as typed.
    """
    parts = [(place or "").strip()]
    for value, word in ((building, "号楼"), (unit, "单元"), (room, "室")):
        text = (value or "").strip()
        parts.append(f"{text}{word}" if text.isdigit() else text)
    return " ".join(p for p in parts if p)


def create_household(store: Store, grid_id: str, address: str, **fields: Any) -> Row:
    with store.write() as conn:
        return store.create(conn, "households", {"grid_id": grid_id, "address": address, **fields})


def update_household(
    store: Store, household_id: str, *, also_head_phone: bool = False, **changes: Any
) -> Row:
    """Edit a household; ``also_head_phone``: the head of household's phone follows a new
    联系电话 in the same transaction (the two never drift apart unless the user chose so)."""
    with store.write() as conn:
        result = store.update(conn, "households", household_id, changes)
        if also_head_phone and "phone" in changes:
            head = _head(conn, household_id)
            if head is not None and head["phone"] != result["phone"]:
                store.update(conn, "residents", head["id"], {"phone": result["phone"]})
        return result


def delete_household(store: Store, household_id: str) -> None:
    with store.write() as conn:
        store.delete(conn, "households", household_id)


def add_resident(store: Store, household_id: str, name: str, **fields: Any) -> Row:
    with store.write() as conn:
        return store.create(
            conn, "residents", {"household_id": household_id, "name": name, **fields}
        )


def update_resident(
    store: Store, resident_id: str, *, also_household_phone: bool = False, **changes: Any
) -> Row:
    """Edit a resident; ``also_household_phone``: when this is the head of household, the
    household's 联系电话 follows their new phone in the same transaction."""
    with store.write() as conn:
        result = store.update(conn, "residents", resident_id, changes)
        if also_household_phone and "phone" in changes and result["relation"] == "head":
            household = rowlib.load_row(conn, "households", result["household_id"])
            if household is not None and household["phone"] != result["phone"]:
                store.update(conn, "households", household["id"], {"phone": result["phone"]})
        return result


def _head(conn: Any, household_id: str) -> Row | None:
    residents = ENTITY_TABLES["residents"]
    found = (
        conn.execute(
            select(residents).where(
                residents.c.household_id == household_id,
                residents.c.relation == "head",
                residents.c.deleted.is_(False),
            )
        )
        .mappings()
        .first()
    )
    return dict(found) if found is not None else None


def phone_mismatch(household: Row, residents: Iterable[Row]) -> Row | None:
    """The head of household whose phone differs from the household's 联系电话 (both set and
    different, or one of them empty), or None when they agree or there is no head."""
    for resident in residents:
        if resident.get("relation") == "head" and not resident.get("deleted"):
            if (resident.get("phone") or None) != (household.get("phone") or None):
                return resident
            return None
    return None


def mark_moved_out(store: Store, resident_id: str) -> Row:
    """外出: away for a while (working elsewhere, in hospital); still of the household."""
    return update_resident(store, resident_id, present=False)


def mark_present(store: Store, resident_id: str) -> Row:
    """在住 again: back home, or a departure recorded by mistake (its marker is removed)."""
    with store.write() as conn:
        stored = _resident(conn, resident_id)
        notes = residence(stored["present"], stored["notes"]).notes
        return store.update(conn, "residents", resident_id, {"present": True, "notes": notes})


def record_move_out(
    store: Store, resident_id: str, destination: str | None = None, date: str | None = None
) -> Row:
    """迁出: moved away for good, with where to; the record stays for the ledger."""
    return _depart(store, resident_id, "moved_out", destination, date)


def mark_deceased(store: Store, resident_id: str, date: str | None = None) -> Row:
    """已故: not present, with a dated note; the record stays for the ledger."""
    return _depart(store, resident_id, "deceased", None, date)


def _resident(conn: Any, resident_id: str) -> Row:
    stored = rowlib.load_row(conn, "residents", resident_id)
    if stored is None or stored["deleted"]:
        raise ValidationError("记录不存在", code="not_found")
    return dict(stored)


def _depart(
    store: Store, resident_id: str, state: str, destination: str | None, date: str | None
) -> Row:
    today = store.clock().astimezone(SHANGHAI).date().isoformat()
    day = values.date(date, label="日期") or today
    if day > today:
        raise ValidationError("日期不能晚于今天", code="time_in_future", field="date")
    with store.write() as conn:
        stored = _resident(conn, resident_id)
        note = departure_note(state, day, destination, stored["notes"])
        return store.update(conn, "residents", resident_id, {"present": False, "notes": note})


# -- visits ----------------------------------------------------------------------------------


MET_NOBODY = "见面走访请勾选见到的人、填写未登记的人，或在走访情况中写明见到了谁"
# The people met who are not registered (a tenant, a relative staying) have no field of their
# own: ``people_met`` holds resident ids only, so their names lead the notes on this line.
OTHERS_MET_LINE = "见到（未登记）："


def check_met(outcome: str | None, people_met: Iterable[str], notes: str | None) -> None:
    """The app's rule for a 见面 visit: it names someone met (a registered resident, or a
    name typed for someone not registered, kept in the notes) or carries a note. The service
    keeps accepting what older laptops send; this is judged on the laptop only."""
    if outcome == "met" and not list(people_met) and not (notes or "").strip():
        raise ValidationError(MET_NOBODY, code="required", field="people_met")


def with_others_met(notes: str | None, others_met: Iterable[str]) -> str | None:
    """``notes`` led by the line naming the unregistered people met (none: ``notes`` as is)."""
    names = [n.strip() for n in others_met if n and n.strip()]
    if not names:
        return notes
    line = OTHERS_MET_LINE + "、".join(names)
    return f"{line}\n{notes}" if notes and notes.strip() else line


def split_others_met(notes: str | None) -> tuple[list[str], str | None]:
    """The inverse of ``with_others_met``: the unregistered names and the rest of the notes,
    so that editing a visit shows them in their own field again."""
    if not notes or not notes.startswith(OTHERS_MET_LINE):
        return [], notes
    line, _, rest = notes.partition("\n")
    names = [n.strip() for n in line.removeprefix(OTHERS_MET_LINE).split("、") if n.strip()]
    return names, rest or None


def log_visit(
    store: Store,
    household_id: str,
    outcome: str = "met",
    *,
    people_met: Iterable[str] = (),
    notes: str | None = None,
    follow_up: bool = False,
    visited_at: str | None = None,
    others_met: Iterable[str] = (),
    app_rules: bool = False,
) -> Row:
    """Record a door-knock now (or at ``visited_at``); saved at once, offline.

    ``others_met``: names of people met who are not registered (written into the notes);
    ``app_rules``: judge the app's own checks too (``check_met``), as the visit dialog does.
    """
    people = list(people_met)
    notes = with_others_met(notes, others_met)
    if app_rules:
        check_met(outcome, people, notes)
    values = {
        "household_id": household_id,
        "visited_at": visited_at or format_time(store.clock()),
        "outcome": outcome,
        "people_met": people,
        "notes": notes,
        "follow_up": follow_up,
    }
    with store.write() as conn:
        return store.create(conn, "visits", values)


def edit_visit(store: Store, visit_id: str, *, app_rules: bool = False, **changes: Any) -> Row:
    """A worker's edit; a reviewed (returned or approved) visit goes back to the review queue
    (``workflow.review_status_after_edit``)."""
    with store.write() as conn:
        if app_rules:
            stored = rowlib.load_row(conn, "visits", visit_id)
            if stored is not None:
                after = {**dict(stored), **changes}
                check_met(after["outcome"], after["people_met"] or (), after["notes"])
        return store.update(conn, "visits", visit_id, changes)


def resolve_follow_up(store: Store, visit_id: str, note: str | None = None) -> Row:
    """跟进完成: the follow-up flag is cleared, with what was done added to the notes."""
    with store.write() as conn:
        stored = rowlib.load_row(conn, "visits", visit_id)
        if stored is None or stored["deleted"]:
            raise ValidationError("记录不存在", code="not_found")
        changes: dict[str, Any] = {"follow_up": False}
        if note and note.strip():
            day = store.clock().astimezone(SHANGHAI).date().isoformat()
            line = f"【跟进 {day}】{note.strip()}"
            changes["notes"] = f"{stored['notes']}\n{line}" if stored["notes"] else line
        return store.update(conn, "visits", visit_id, changes)


def mark_returns_seen(store: Store, keys: Iterable[str]) -> None:
    """The worker was told of these returned visits (``queries.unseen_returns`` keys)."""
    with store.write() as conn:
        seen = list(store.get_meta("seen_returns", [], conn) or [])
        seen += [k for k in keys if k not in seen]
        store.set_meta(conn, "seen_returns", seen[-5000:])


def _require_reviewer(store: Store) -> None:
    if store.user.get("role") not in REVIEWER_ROLES:
        raise PermissionDenied("只有网格长可以审核走访记录", code="field_not_writable")


def review_visit(store: Store, visit_id: str, approve: bool, comment: str | None = None) -> Row:
    return review_visits(store, [visit_id], approve, comment)[0]


def review_visits(
    store: Store, visit_ids: Iterable[str], approve: bool, comment: str | None = None
) -> list[Row]:
    """Approve or return several visits in one transaction; each result carries what the
    visit was before (``previous``: its status and comment), for ``undo_reviews``."""
    _require_reviewer(store)
    if not approve and not (comment and comment.strip()):
        raise ValidationError("退回时请填写审核意见", code="required", field="review_comment")
    changes: dict[str, Any] = {"review_status": "approved" if approve else "returned"}
    if comment is not None:
        changes["review_comment"] = comment
    out = []
    with store.write() as conn:
        for visit_id in visit_ids:
            stored = rowlib.load_row(conn, "visits", visit_id)
            if stored is None:
                raise ValidationError("记录不存在", code="not_found")
            previous = {
                "review_status": stored["review_status"],
                "review_comment": stored["review_comment"],
            }
            row = store.update(conn, "visits", visit_id, changes)
            out.append({**row, "previous": previous})
    return out


def undo_reviews(store: Store, reviewed: Iterable[Row]) -> None:
    """撤销: put reviewed visits back as they were (normally 待审核), as ordinary edits."""
    _require_reviewer(store)
    with store.write() as conn:
        for row in reviewed:
            previous = row["previous"]
            stored = rowlib.load_row(conn, "visits", row["id"])
            if stored is None or stored["deleted"]:
                continue
            changes = {k: v for k, v in previous.items() if stored[k] != v}
            if changes:
                store.update(conn, "visits", row["id"], changes)


# -- issues ----------------------------------------------------------------------------------


def raise_issue(
    store: Store,
    title: str,
    category: str,
    *,
    grid_id: str | None = None,
    household_id: str | None = None,
    **fields: Any,
) -> Row:
    """A new 民情事项; its location defaults to the household's address."""
    with store.write() as conn:
        if household_id:
            household = rowlib.load_row(conn, "households", household_id)
            if household is None:
                raise ValidationError("住户不存在", code="parent_not_found", field="household_id")
            grid_id = household["grid_id"]
            fields.setdefault("location", household["address"])
        values = {
            "grid_id": grid_id,
            "title": title,
            "category": category,
            "household_id": household_id,
            **fields,
        }
        return store.create(conn, "issues", values)


def _issue(conn: Any, issue_id: str) -> Row:
    issue: Row | None = rowlib.load_row(conn, "issues", issue_id)
    if issue is None:
        raise ValidationError("事项不存在", code="parent_not_found", field="issue_id")
    return issue


def _append_update(
    store: Store, conn: Any, issue: Row, status: str | None, comment: str | None
) -> Row:
    """One line of an issue's history: a status change (judged by the workflow) or a comment."""
    values = {
        "issue_id": issue["id"],
        "from_status": issue["status"],
        "status": status,
        "comment": comment,
    }
    return store.create(conn, "issue_updates", values)


def add_issue_update(
    store: Store, issue_id: str, status: str | None = None, comment: str | None = None
) -> Row:
    """A status change (checked against the workflow) or a comment, appended to the history."""
    with store.write() as conn:
        issue = _issue(conn, issue_id)
        if status is None and not (comment and comment.strip()):
            raise ValidationError("请填写处置说明", code="required", field="comment")
        return _append_update(store, conn, issue, status, comment)


def escalate_issue(store: Store, issue_id: str, external_ref: str | None, comment: str) -> Row:
    """上报: the 12345 ticket number (if one was issued) and the status change, together."""
    with store.write() as conn:
        issue = _issue(conn, issue_id)
        if not comment.strip():
            raise ValidationError("请填写上报说明", code="required", field="comment")
        ref = (external_ref or "").strip() or None
        if ref is not None and ref != issue["external_ref"]:
            store.update(conn, "issues", issue_id, {"external_ref": ref})
        return _append_update(store, conn, issue, "escalated", comment)


def reassign_issue(
    store: Store, issue_id: str, assignee_id: str | None, note: str, comment: str | None = None
) -> Row:
    """改派: a new assignee, with a line in the issue's history saying so (``note``)."""
    with store.write() as conn:
        issue = _issue(conn, issue_id)
        if issue["assignee_id"] != assignee_id:
            store.update(conn, "issues", issue_id, {"assignee_id": assignee_id})
        text = note + (f"：{comment.strip()}" if comment and comment.strip() else "")
        return _append_update(store, conn, issue, None, text)


def change_due_date(store: Store, issue_id: str, due_date: str | None, note: str) -> Row:
    """改期限: a supervisor sets a new 办理期限, with a line in the history (``note``)."""
    if store.user.get("role") not in REVIEWER_ROLES:
        raise PermissionDenied("只有网格长可以修改办理期限", code="field_not_writable")
    with store.write() as conn:
        issue = _issue(conn, issue_id)
        if issue["due_date"] == due_date:
            raise ValidationError("办理期限没有变化", code="invalid_value", field="due_date")
        store.update(conn, "issues", issue_id, {"due_date": due_date})
        return _append_update(store, conn, issue, None, note)


def update_issue(store: Store, issue_id: str, **changes: Any) -> Row:
    with store.write() as conn:
        return store.update(conn, "issues", issue_id, changes)


def transitions_for(store: Store, issue: Row) -> list[str]:
    """The statuses the user may move this issue to (for the screens' buttons)."""
    return allowed_transitions(issue["status"], store.user.get("role", "worker"))


# -- attachments -----------------------------------------------------------------------------


def attach_file(
    store: Store,
    blobs: BlobFiles,
    owner_entity: str,
    owner_id: str,
    data: bytes,
    filename: str,
    media_type: str | None = None,
) -> Row:
    """Keep the bytes content-addressed, queue them for upload, and record the attachment."""
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise ValidationError("附件不能超过 20 MB", code="too_large")
    media_type = media_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
    sha256 = blobs.add(data)
    with store.write() as conn:
        known = conn.execute(select(BlobQueue.sha256).where(BlobQueue.sha256 == sha256)).first()
        if not known:
            conn.execute(
                insert(BlobQueue).values(
                    sha256=sha256,
                    media_type=media_type,
                    size=len(data),
                    uploaded=False,
                    created_at=store.clock(),
                )
            )
        values = {
            "sha256": sha256,
            "owner_entity": owner_entity,
            "owner_id": owner_id,
            "filename": filename,
            "media_type": media_type,
            "size": len(data),
        }
        return store.create(conn, "attachments", values)


# -- conflicts -------------------------------------------------------------------------------


def resolve_conflict(store: Store, conflict_id: int, keep: str) -> Row | None:
    """Keep mine (``ours``) or theirs: a normal edit of the field, then the record is settled."""
    if keep not in ("mine", "theirs"):
        raise ValidationError("请选择保留哪一方的值", code="invalid_value")
    with store.write() as conn:
        conflict = conn.execute(
            select(ConflictRecord.__table__).where(ConflictRecord.id == conflict_id)
        ).first()
        if conflict is None:
            raise ValidationError("冲突记录不存在", code="not_found")
        value = conflict.ours if keep == "mine" else conflict.theirs
        row = rowlib.load_row(conn, conflict.entity, conflict.row_id)
        result = None
        if row is not None and not row["deleted"] and row[conflict.field] != value:
            result = store.update(conn, conflict.entity, conflict.row_id, {conflict.field: value})
        conn.execute(
            update(ConflictRecord).where(ConflictRecord.id == conflict_id).values(state="settling")
        )
        return result


# -- rejected changes ------------------------------------------------------------------------


def mark_rejection_handled(store: Store, key: str) -> None:
    """已处理: the refused change was dealt with (or is not wanted): hidden from the list, and
    told to the server at the next sync (so the author's and other laptops hide it too)."""
    with store.write() as conn:
        handled.mark(store, conn, [key], send=True)


def can_apply_again(rejection: Row) -> bool:
    """Whether a refused change is of a kind that can be made again (edits and creates of
    the editable entities; issue updates are judged by the workflow, attachments by bytes)."""
    return rejection.get("op") in ("create", "update") and rejection.get("entity") in (
        "households",
        "residents",
        "visits",
        "issues",
    )


def apply_rejection_again(store: Store, rejection: Row) -> Row:
    """重新提交: make a refused change again from this laptop, as a new edit (for a household
    that moved to another of the supervisor's grids, say); then it counts as handled."""
    entity, row_id, op = rejection.get("entity"), rejection.get("row_id"), rejection.get("op")
    payload = rejection.get("payload")
    if not can_apply_again(rejection) or not row_id or not entity:
        raise ValidationError("这条修改无法重新提交", code="invalid_value")
    with store.write() as conn:
        current = rowlib.load_row(conn, entity, row_id)
        if op == "update" and isinstance(payload, dict):
            if current is None or current["deleted"]:
                raise ValidationError("该记录不在本机或已删除，无法重新提交", code="not_found")
            changes = {
                name: change.get("new") if isinstance(change, dict) else change
                for name, change in payload.items()
            }
            result = store.update(conn, entity, row_id, changes)
        elif op == "create" and isinstance(payload, dict):
            if current is not None:
                raise ValidationError("该记录已经存在，无需重新提交", code="already_exists")
            values = {k: v for k, v in payload.items() if k not in _SERVER_OWNED}
            result = store.create(conn, entity, values, row_id=row_id)
        else:
            raise ValidationError("这条修改无法重新提交", code="invalid_value")
        handled.mark(store, conn, [rejection["key"]], send=True)
        return result


# Envelope and server-owned fields a create made again leaves to the server.
_SERVER_OWNED = frozenset(
    {"id", "version", "deleted", "updated_at", "updated_by", "worker_id", "author_id"}
)

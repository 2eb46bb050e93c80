"""What a worker acts on beyond the household list: returned and follow-up visits, which
family member a search found, households nobody lives in any more. Plain data, Qt-free."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import or_, select

from sync.protocol import codes
from sync.protocol.workflow import residence

from ..store.local import Store
from ..store.schema import ENTITY_TABLES
from ..store.search import SEPARATOR, normalise_query, pinyin_keys

Row = dict[str, Any]

H = ENTITY_TABLES["households"]
R = ENTITY_TABLES["residents"]
V = ENTITY_TABLES["visits"]


def visits_to_act_on(store: Store, limit: int = 1000) -> list[Row]:
    """This worker's visits a supervisor returned, then their visits marked 需要跟进, newest
    first within each, with the household's address (a colleague's follow-ups are theirs)."""
    me = store.user.get("id")
    mine = or_(V.c.worker_id == me, V.c.worker_id.is_(None))
    query = (
        select(V, H.c.address, H.c.head_name)
        .select_from(V.join(H, H.c.id == V.c.household_id))
        .where(
            V.c.deleted.is_(False),
            mine,
            or_(V.c.review_status == "returned", V.c.follow_up.is_(True)),
        )
        .order_by((V.c.review_status == "returned").desc(), V.c.visited_at.desc())
        .limit(limit)
    )
    with store.read() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def count_to_act_on(store: Store) -> int:
    return len(visits_to_act_on(store))


def _return_key(visit: Row) -> str:
    return f"{visit['id']}:{visit.get('reviewed_at') or ''}"


def unseen_returns(store: Store) -> list[str]:
    """Keys of returned visits the worker was not yet told of (a visit returned again after
    a fix counts again: its review time changed)."""
    seen = set(store.get_meta("seen_returns", []) or [])
    return [
        key
        for key in (
            _return_key(v) for v in visits_to_act_on(store) if v["review_status"] == "returned"
        )
        if key not in seen
    ]


def matched_members(store: Store, text: str, household_ids: Iterable[str]) -> dict[str, str]:
    """Household id -> ``李秀英（配偶）`` for the residents other than the head of household
    whose name, pinyin or phone a search term matched (the list says who was found)."""
    terms = normalise_query(text)
    ids = list(household_ids)
    if not terms or not ids:
        return {}
    out: dict[str, list[str]] = {}
    with store.read() as conn:
        heads = {
            h.id: h.head_name
            for h in conn.execute(select(H.c.id, H.c.head_name).where(H.c.id.in_(ids)))
        }
        for r in conn.execute(
            select(R.c.household_id, R.c.name, R.c.phone, R.c.relation).where(
                R.c.household_id.in_(ids), R.c.deleted.is_(False)
            )
        ):
            if r.name == heads.get(r.household_id):
                continue
            keys = SEPARATOR.join([r.name or "", pinyin_keys(r.name or ""), r.phone or ""]).lower()
            if any(term in keys for term in terms):
                relation = codes.label(codes.RELATIONS, r.relation)
                out.setdefault(r.household_id, []).append(
                    f"{r.name}（{relation}）" if relation else r.name
                )
    return {hid: "、".join(names) for hid, names in out.items()}


def vacated_households(store: Store, household_ids: Iterable[str] | None = None) -> set[str]:
    """Households with residents on record, every one of whom moved out or died: flagged for
    the supervisor (the household may be empty now, or have new, unregistered occupants)."""
    where: list[Any] = [R.c.deleted.is_(False)]
    ids = list(household_ids) if household_ids is not None else None
    if ids is not None:
        if not ids:
            return set()
        where.append(R.c.household_id.in_(ids))
    living: dict[str, bool] = {}
    with store.read() as conn:
        for r in conn.execute(select(R.c.household_id, R.c.present, R.c.notes).where(*where)):
            if r.present is not False:
                living[r.household_id] = True
                continue
            gone = residence(r.present, r.notes).gone
            living[r.household_id] = living.get(r.household_id, False) or not gone
    return {hid for hid, anyone in living.items() if not anyone}

"""Business rules shared by both sides: the issue workflow and visit intervals (DESIGN.md)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from . import codes
from .errors import WorkflowError

# status -> statuses it may move to.
TRANSITIONS: dict[str, frozenset[str]] = {
    "open": frozenset({"in_progress", "escalated", "resolved"}),
    "in_progress": frozenset({"escalated", "resolved"}),
    "escalated": frozenset({"in_progress", "resolved"}),
    "resolved": frozenset({"closed", "open"}),
    "closed": frozenset({"open"}),
}

# Transitions only a supervisor (or admin) may make.
SUPERVISOR_TRANSITIONS = frozenset({("resolved", "closed"), ("closed", "open")})

REVIEWER_ROLES = frozenset({"supervisor", "admin"})


def allowed_transitions(current: str, role: str) -> list[str]:
    """The statuses a user of ``role`` may move an issue in ``current`` to, in workflow order."""
    order = ["open", "in_progress", "escalated", "resolved", "closed"]
    targets = TRANSITIONS.get(current, frozenset())
    return [
        s
        for s in order
        if s in targets and ((current, s) not in SUPERVISOR_TRANSITIONS or role in REVIEWER_ROLES)
    ]


def check_transition(current: str, target: str | None, role: str) -> str | None:
    """The status an issue update moves its issue to, or None for a pure comment.

    Judged from the issue's current status, not from what the client saw.
    """
    if target is None or target == current:
        return None
    if target not in TRANSITIONS.get(current, frozenset()):
        raise WorkflowError(
            f"事项当前状态不允许变更为该状态（{codes.label(codes.ISSUE_STATUSES, current)} → "
            f"{codes.label(codes.ISSUE_STATUSES, target)}）"
        )
    if (current, target) in SUPERVISOR_TRANSITIONS and role not in REVIEWER_ROLES:
        raise WorkflowError("只有网格长可以办结或重新打开已办结的事项")
    return target


# Review statuses a visit leaves when someone other than a reviewer changes it (PROTOCOL.md 1.1).
REVIEWED_STATUSES = frozenset({"approved", "returned"})


def review_status_after_edit(current: str | None, role: str | None) -> str | None:
    """A visit's review status after a change that does not itself review it.

    A non-reviewer's change of a reviewed visit (returned or, since revision 1.1, approved)
    sends it back to ``pending``: what the reviewer judged is no longer what the visit says.
    A reviewer's own edit keeps the status. Both sides use this one rule, so a laptop shows
    at once what the server will store.
    """
    if role not in REVIEWER_ROLES and current in REVIEWED_STATUSES:
        return "pending"
    return current


# Outcomes that count as a visit, for due dates and coverage (不在家 and 拒访 are door-knocks).
COUNTED_OUTCOMES = ("met", "phone")

WEEKLY_TAGS = frozenset({"elderly_alone", "key_attention", "left_behind_child"})
MONTHLY_TAGS = frozenset({"empty_nest", "disabled", "low_income"})
DEFAULT_INTERVAL_DAYS = 90


def visit_interval_days(tags: Iterable[str]) -> int:
    """How often a household with these tags is due for a visit."""
    tag_set = set(tags)
    if tag_set & WEEKLY_TAGS:
        return 7
    if tag_set & MONTHLY_TAGS:
        return 30
    return DEFAULT_INTERVAL_DAYS


# Tags that make a household a key household (重点户), on the household or on a resident.
KEY_TAGS = WEEKLY_TAGS | MONTHLY_TAGS


def household_interval_days(
    stored: int | None, household_tags: Iterable[str], resident_tags: Iterable[str] = ()
) -> int:
    """How often a household is due, judged on its own tags and its living residents' tags.

    Imported ledgers put 独居老人 or 低保 on the person, not on the household; such a household
    is as key as one tagged itself. The stored interval may be shorter than the tags ask
    for, never longer: a household holding a 7-day tag (its own or a resident's) is due
    every 7 days at most.
    """
    own = stored or visit_interval_days(household_tags)
    return min(own, visit_interval_days([*household_tags, *resident_tags]))


# A resident who left for good is recorded without new protocol fields: ``present`` false and
# a marker at the start of ``notes`` (kept in every ledger and on every laptop):
# 【已故 2026-11-30】 for a death, 【迁出 2026-11-30：江苏省南京市】 for a move (destination
# optional). ``present`` false without a marker is 外出, away for a while.
DECEASED_MARK = "已故"
MOVED_OUT_MARK = "迁出"
_DEPARTURE = re.compile(r"^【(已故|迁出)\s*(\d{4}-\d{2}-\d{2})?(?:[：:]([^】]*))?】\s*")


@dataclass(frozen=True)
class Residence:
    """Where a resident stands: ``present`` 在住, ``away`` 外出, ``moved_out`` 迁出,
    ``deceased`` 已故; with the date and destination of a departure."""

    state: str
    date: str | None = None
    destination: str | None = None
    notes: str | None = None  # the notes without the marker

    @property
    def gone(self) -> bool:
        """Left for good: no longer met on a visit, no longer makes the household key."""
        return self.state in ("moved_out", "deceased")


def residence(present: bool | None, notes: str | None) -> Residence:
    match = _DEPARTURE.match(notes or "")
    if match is not None:
        rest = (notes or "")[match.end() :] or None
        state = "deceased" if match.group(1) == DECEASED_MARK else "moved_out"
        destination = (match.group(3) or "").strip() or None
        return Residence(state, match.group(2), destination, rest)
    return Residence("away" if present is False else "present", notes=notes)


def departure_note(state: str, day: str, destination: str | None, notes: str | None) -> str:
    """The notes of a resident who died or moved out: the marker, then the earlier notes."""
    mark = DECEASED_MARK if state == "deceased" else MOVED_OUT_MARK
    where = f"：{destination.strip()}" if destination and destination.strip() else ""
    rest = residence(True, notes).notes
    return f"【{mark} {day}{where}】" + (f" {rest}" if rest else "")

"""Business rules shared by both sides: the issue workflow and visit intervals (DESIGN.md)."""

from __future__ import annotations

from collections.abc import Iterable

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

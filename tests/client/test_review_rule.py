"""One rule for a reviewed visit changed by someone else than a reviewer (PROTOCOL.md 1.1),
the same on the laptop (rows.apply_mutation) as on the server (sync.server.apply)."""

from __future__ import annotations

import pytest

from gridworker.store import rows
from sync.protocol import workflow

VISIT = {"id": "v", "notes": "见到户主", "review_status": None, "deleted": False}


@pytest.mark.parametrize(
    ("current", "role", "after"),
    [
        ("approved", "worker", "pending"),
        ("returned", "worker", "pending"),
        ("pending", "worker", "pending"),
        (None, "worker", None),
        ("approved", "supervisor", "approved"),
        ("returned", "admin", "returned"),
    ],
)
def test_review_status_after_an_edit(current, role, after):
    assert workflow.review_status_after_edit(current, role) == after
    row = dict(VISIT, review_status=current)
    changed = rows.apply_mutation(
        "visits", row, "update", {"notes": {"old": "见到户主", "new": "补记"}}, {"role": role}
    )
    assert changed is not None and changed["review_status"] == after


def test_a_review_itself_is_kept():
    row = dict(VISIT, review_status="pending")
    payload = {"review_status": {"old": "pending", "new": "approved"}}
    changed = rows.apply_mutation("visits", row, "update", payload, {"role": "supervisor"})
    assert changed is not None and changed["review_status"] == "approved"

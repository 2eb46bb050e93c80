"""Knowing a photo's SHA-256 is not enough to see it.

A worker of grid A who learns the SHA-256 of a photo attached in grid B (a hash is not a
secret: it appears in logs, exports, a colleague's screen) must not be able to attach it to a
row of grid A and then download it: an attachment may reference only bytes its author
uploaded, or bytes already attached in one of the author's grids. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import hashlib
from typing import Any

from .harness import create, household, issue


def upload(device: Any, data: bytes) -> str:
    sha = hashlib.sha256(data).hexdigest()
    put = device.request(
        "PUT", f"/attachments/{sha}", content=data, headers={"Content-Type": "image/jpeg"}
    )
    assert put.status_code in (200, 201), put.text
    return sha


def attachment(owner: dict[str, Any], sha: str, size: int) -> dict[str, Any]:
    return create(
        "attachments",
        {"sha256": sha, "owner_entity": "issues", "owner_id": owner["id"], "size": size},
    )


def test_a_known_hash_of_another_grids_photo_cannot_be_attached_or_downloaded(
    service, worker, grid_a, grid_b
):
    service.user("worker-b", "worker", [grid_b])
    worker_b = service.login("worker-b")
    secret = "东门路 2号楼 101室 张三 身份证照片".encode()
    theirs = issue(grid_b)
    sha = upload(worker_b, secret)
    results = worker_b.push(theirs, attachment(theirs, sha, len(secret)))
    assert [r["status"] for r in results] == ["applied", "applied"]

    mine = issue(grid_a)
    results = worker.push(mine, attachment(mine, sha, len(secret)), household(grid_a))
    assert [r["status"] for r in results] == ["applied", "rejected", "applied"]
    assert results[1]["error"]["code"] == "not_found"
    assert sha not in str(results[1]["error"]["message"])
    got = worker.request("GET", f"/attachments/{sha}")
    assert got.status_code == 404
    assert secret not in got.content

    # The same answer for a hash nobody uploaded: existence is not disclosed.
    nothing = hashlib.sha256(b"never uploaded").hexdigest()
    other = worker.push(attachment(mine, nothing, 1))[0]
    assert other["status"] == "rejected"
    assert other["error"] == results[1]["error"]


def test_uploading_the_same_bytes_proves_holding_them(service, worker, grid_a, grid_b):
    """Two workers photograph the same notice: the second upload answers 200 (already there)
    and still lets its author attach it."""
    service.user("worker-b", "worker", [grid_b])
    worker_b = service.login("worker-b")
    data = b"\xff\xd8 the same notice on both doors"
    sha = upload(worker_b, data)
    theirs = issue(grid_b)
    assert [r["status"] for r in worker_b.push(theirs, attachment(theirs, sha, len(data)))] == [
        "applied"
    ] * 2

    again = worker.request(
        "PUT", f"/attachments/{sha}", content=data, headers={"Content-Type": "image/jpeg"}
    )
    assert again.status_code == 200
    mine = issue(grid_a)
    assert [r["status"] for r in worker.push(mine, attachment(mine, sha, len(data)))] == [
        "applied"
    ] * 2
    assert worker.request("GET", f"/attachments/{sha}").content == data


def test_a_photo_already_attached_in_ones_grid_may_be_attached_again(
    service, worker, worker2, grid_a
):
    """A colleague of the same grid attaches a photo they downloaded (did not upload)."""
    data = b"\xff\xd8 a broken sewer cover"
    sha = upload(worker, data)
    first, second = issue(grid_a), issue(grid_a)
    assert [r["status"] for r in worker.push(first, attachment(first, sha, len(data)))] == [
        "applied"
    ] * 2
    assert worker2.request("GET", f"/attachments/{sha}").content == data
    results = worker2.push(second, attachment(second, sha, len(data)))
    assert [r["status"] for r in results] == ["applied", "applied"]

"""已处理 on the service: who may mark a rejection handled, and who learns that it was
(POST /rejections/{id}/handle, POST /rejections/handled; PROTOCOL.md §8)."""

from __future__ import annotations

from typing import Any

from .harness import household


def _refused(device: Any, grid_id: str) -> int:
    """A rejected mutation of ``device`` (a household with an invalid phone), by its id."""
    result = device.push_one(household(grid_id, phone="12"))
    assert result["status"] == "rejected"
    body = device.request("GET", "/rejections").json()
    return max(r["id"] for r in body["rejections"])


def _handled(device: Any, ids: list[int]) -> dict[int, dict[str, Any]]:
    response = device.request("POST", "/rejections/handled", json={"ids": ids})
    assert response.status_code == 200, response.text
    return {item["id"]: item for item in response.json()["handled"]}


def test_a_supervisor_of_the_grid_or_the_author_may_mark_it_nobody_else(
    service, grid_a, grid_b, worker, worker2, supervisor
):
    service.user("super-b", "supervisor", [grid_b])
    supervisor_b = service.login("super-b")
    service.user("worker-b", "worker", [grid_b])
    worker_b = service.login("worker-b")
    mine = _refused(worker, grid_a)
    theirs = _refused(worker2, grid_a)

    # Nobody else learns anything: the same 404 as for an id that does not exist.
    for outsider in (worker2, supervisor_b, worker_b):
        response = outsider.request("POST", f"/rejections/{mine}/handle")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
    missing = worker.request("POST", "/rejections/999999/handle")
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "not_found")
    assert _handled(supervisor, [mine, theirs]) == {}

    # The supervisor holding the grid marks it; marking again changes nothing.
    first = supervisor.request("POST", f"/rejections/{mine}/handle")
    assert first.status_code == 200
    assert first.json()["handled_by"] == supervisor.user["id"]
    service.clock.advance(minutes=5)
    again = supervisor.request("POST", f"/rejections/{mine}/handle")
    assert again.json() == first.json()
    assert worker.request("POST", f"/rejections/{mine}/handle").json() == first.json()

    # The author marks their own.
    assert worker2.request("POST", f"/rejections/{theirs}/handle").status_code == 200

    # Each sees those they may see, and the list carries the mark.
    assert set(_handled(supervisor, [mine, theirs, 999999])) == {mine, theirs}
    assert set(_handled(worker, [mine, theirs])) == {mine}
    assert set(_handled(worker2, [mine, theirs])) == {theirs}
    assert _handled(supervisor_b, [mine, theirs]) == {}
    listed = {r["id"]: r for r in worker.request("GET", "/rejections").json()["rejections"]}
    assert listed[mine]["handled_at"] == first.json()["handled_at"]
    assert listed[mine]["handled_by"] == supervisor.user["id"]


def test_the_handled_query_is_bounded(service, grid_a, worker):
    refused = _refused(worker, grid_a)
    assert worker.request("POST", f"/rejections/{refused}/handle").status_code == 200
    assert set(_handled(worker, [refused] * 5 + list(range(1, 900)))) == {refused}
    too_many = worker.request("POST", "/rejections/handled", json={"ids": list(range(1, 1002))})
    assert too_many.status_code == 422
    assert worker.request("POST", "/rejections/handled", json={"ids": [0]}).status_code == 422
    assert _handled(worker, []) == {}

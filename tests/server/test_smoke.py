from __future__ import annotations

from .harness import household, resident


def test_push_then_pull_round_trip(worker, grid_a):
    hh = household(grid_a, tags=["elderly_alone"], phone="138 0013 8000")
    results = worker.push(hh, resident(hh["id"], id_number="11010519491231002x"))
    assert [r["status"] for r in results] == ["applied", "applied"]
    changes = worker.pull_all(grid_a)
    rows = {c["id"]: c["row"] for c in changes}
    assert rows[hh["id"]]["visit_interval_days"] == 7
    assert rows[hh["id"]]["phone"] == "13800138000"
    assert [c["version"] for c in changes] == [1, 2]
    assert worker.last_page["checksums"][grid_a]["count"] == 2

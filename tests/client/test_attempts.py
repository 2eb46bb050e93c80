"""Wrong passwords slow down; the count survives a restart; a right one clears it."""

from __future__ import annotations

from pathlib import Path

from gridworker.client.attempts import FREE_TRIES, MAX_WAIT, Attempts, wait_message


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_free_tries_then_doubling_waits_capped(tmp_path: Path) -> None:
    clock = Clock()
    attempts = Attempts(tmp_path, clock)
    for _ in range(FREE_TRIES):
        assert attempts.wait_seconds() == 0
        attempts.failed()
    assert attempts.wait_seconds() == 0  # the third failure is still free
    attempts.failed()
    first = attempts.wait_seconds()
    assert first > 0
    clock.now += first
    assert attempts.wait_seconds() == 0
    attempts.failed()
    assert attempts.wait_seconds() == 2 * first
    for _ in range(30):
        attempts.failed()
    assert attempts.wait_seconds() == MAX_WAIT


def test_count_survives_a_restart_and_success_clears_it(tmp_path: Path) -> None:
    clock = Clock()
    for _ in range(FREE_TRIES + 2):
        Attempts(tmp_path, clock).failed()
    again = Attempts(tmp_path, clock)  # a new start of the app
    assert again.failures == FREE_TRIES + 2
    assert again.wait_seconds() > 0
    again.succeeded()
    assert Attempts(tmp_path, clock).failures == 0
    assert Attempts(tmp_path, clock).wait_seconds() == 0


def test_damaged_file_and_clock_set_back(tmp_path: Path) -> None:
    clock = Clock()
    attempts = Attempts(tmp_path, clock)
    attempts.path.write_text("{not json", encoding="utf-8")
    assert attempts.failures == 0
    for _ in range(40):
        attempts.failed()
    clock.now -= 10_000_000  # the clock was set far back: never longer than the cap
    assert attempts.wait_seconds() <= MAX_WAIT
    assert "分钟" in wait_message(120) and "秒" in wait_message(5)

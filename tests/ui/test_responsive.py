"""The GUI stays responsive during a sync: with the service slowed down, the event loop keeps
turning (a 10 ms timer keeps ticking) and a search typed meanwhile gets its results."""

from __future__ import annotations

import time

from PySide6.QtCore import QTimer

from gridworker.domain import operations as ops
from tests.ui.test_visits_and_sync import open_window

SLOW_SECONDS = 1.0


def test_event_loop_keeps_turning_while_a_slow_sync_runs(qtbot, ui_world):
    window, homes = open_window(qtbot, ui_world)
    ops.log_visit(window.ctx.store, homes["zhang"]["id"], notes="慢网络下的走访")
    # The service holds its push transaction open for a second before committing.
    ui_world.service.settings.test_hooks.before_commit = lambda: time.sleep(SLOW_SECONDS)

    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    seen_during_sync: list[tuple[bool, int]] = []

    def search_meanwhile() -> None:
        window.households.search.setText("zs")
        window.households.run_search()
        seen_during_sync.append((window.sync.running, window.households.model.rowCount()))

    timer.start()
    started = time.perf_counter()
    with qtbot.waitSignal(window.sync.finished, timeout=20000):
        assert window.sync_now()
        assert window.indicator.state.text() == "正在同步…"
        QTimer.singleShot(300, search_meanwhile)
    ended = time.perf_counter()
    timer.stop()

    assert ended - started >= SLOW_SECONDS
    during = [t for t in ticks if started <= t <= ended]
    gaps = [b - a for a, b in zip([started, *during], [*during, ended], strict=True)]
    # ~100 ticks in a second when nothing blocks; a blocked GUI thread would give ~0.
    assert len(during) >= 0.5 * (ended - started) / 0.010, (len(during), ended - started)
    assert max(gaps) < 0.25, max(gaps)
    assert seen_during_sync == [(True, 1)]
    assert window.indicator.unsent.text() == "未上传 0 条"

"""``gridworker --demo``: an embedded service with the demo community, logged in, synced."""

from __future__ import annotations

from gridworker.app import Launcher, build_parser
from gridworker.cli import build_parser as cli_parser
from gridworker.domain import queries


def test_demo_mode_opens_the_main_window_on_synced_demo_data(qtbot, ui_world, tmp_path):
    tasks = ui_world.make_tasks()
    launcher = Launcher(ui_world.settings(), tasks, tmp_path / "data")
    launcher.start_demo("worker")
    try:
        qtbot.waitUntil(lambda: launcher.window is not None, timeout=60000)
        window = launcher.window
        assert window.ctx.demo and window.ctx.session.online
        qtbot.waitUntil(lambda: queries.status(window.ctx.store)["last_sync_at"], timeout=60000)
        qtbot.waitUntil(lambda: not window.sync.running, timeout=60000)
        assert window.ctx.user["username"] == "demo-worker"
        assert window.households.model.rowCount() == queries.count_households(window.ctx.store) > 0
        assert "（演示）" in window.windowTitle()
        assert window.indicator.state.text() == "在线"
    finally:
        if launcher.window is not None:
            launcher.window.close()
        launcher.shutdown()
    assert not launcher.demo.root.exists()


def test_command_line_options():
    args = cli_parser().parse_args(["--demo", "--role", "supervisor"])
    assert (args.demo, args.role, args.command) == (True, "supervisor", None)
    gui, rest = build_parser().parse_known_args(
        ["--demo", "--role", "supervisor", "-platform", "x"]
    )
    assert (gui.demo, gui.role) == (True, "supervisor") and rest == ["-platform", "x"]

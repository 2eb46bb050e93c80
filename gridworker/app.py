"""Wiring the desktop app together: the one place that creates the objects and connects them.

``gridworker`` opens the login dialog, then the main window. ``gridworker --demo`` starts an
embedded sync service seeded with the demo community on a free loopback port, logs in as
``demo-worker`` (``--role supervisor``: ``demo-supervisor``) with a fresh data dir, opens the
main window and runs the first sync. Nothing here runs at import time.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .paths import default_data_dir

log = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gridworker", add_help=False)
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--demo", action="store_true")
    parser.add_argument("--role", choices=("worker", "supervisor"), default="worker")
    parser.add_argument("--language", choices=("zh_CN", "en", "system"))
    parser.add_argument("--smoke-test", action="store_true")
    return parser


def run_gui(argv: Sequence[str]) -> int:
    """Run the desktop app; ``argv`` is the program name and its arguments."""
    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from .ui import i18n
    from .ui.context import AppSettings
    from .ui.logsetup import configure_logging, install_qt_message_handler
    from .ui.style import apply_style
    from .ui.tasks import Tasks

    args, qt_args = build_parser().parse_known_args(list(argv[1:]))
    app = QApplication.instance() or QApplication([argv[0] if argv else "gridworker", *qt_args])
    assert isinstance(app, QApplication)
    app.setOrganizationName("Gridworker")
    app.setApplicationName("Gridworker")
    settings = AppSettings(QSettings())
    i18n.install(app, args.language or settings.language)
    apply_style(app)
    data_dir = args.data_dir or default_data_dir()
    log_file = configure_logging(data_dir)
    install_qt_message_handler()
    log.info("starting (demo=%s), log file %s", args.demo, log_file)
    from PySide6 import __version__ as pyside_version

    from .ui.qtcompat import drops_references

    if drops_references():
        log.warning(
            "PySide6 %s drops object references on this Python (%s): use a PySide6 build "
            "made for it (on Python 3.11: PySide6-Essentials < 6.12)",
            pyside_version,
            sys.version.split()[0],
        )
    launcher = Launcher(settings, Tasks(), data_dir, smoke_test=args.smoke_test)
    instance = None
    if not args.demo:  # a demo has a fresh data dir of its own each time
        from .ui.single_instance import SingleInstance

        instance = SingleInstance(data_dir)
        if not instance.claim():
            log.info("another window has this profile open: raised it instead")
            return 0
        instance.activated.connect(launcher.raise_window)
    if args.demo:
        launcher.start_demo(args.role)
    else:
        launcher.start_login()
    # Ctrl+C or a TERM signal closes the app properly (demo mode removes its files): Python
    # runs signal handlers only between bytecodes, so a timer lets it look now and then.
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda *_: app.quit())
    heartbeat = QTimer()
    heartbeat.timeout.connect(lambda: None)
    heartbeat.start(300)
    try:
        return app.exec()
    finally:
        heartbeat.stop()
        launcher.shutdown()


DEMO_NEEDS_SERVER = (
    "演示模式需要内置的同步服务，本次安装没有包含它。请安装演示版：\n"
    "python3 -m pip install 'gridworker[demo]'\n\n"
    "Demo mode embeds the sync service, which this installation lacks: install "
    "'gridworker[demo]' (the desktop app and the service)."
)


def demo_available() -> bool:
    """Whether the service half is installed: a laptop's `.[desktop]` carries no server."""
    try:
        import fastapi  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        return False
    return True


class Launcher:
    """From start to the main window: the login dialog, or demo mode's service and login."""

    def __init__(self, settings: Any, tasks: Any, data_dir: Path, smoke_test: bool = False):
        self.settings = settings
        self.tasks = tasks
        self.data_dir = data_dir
        # --smoke-test (the installer build's check): exit 0 once the main window is shown and
        # the first sync finished, 1 when something failed on the way.
        self.smoke_test = smoke_test
        self.window: Any = None
        self.demo: Any = None
        self._dialog: Any = None

    def start_login(self) -> None:
        from .ui.login import LoginDialog

        dialog = LoginDialog(self.tasks, self.settings, self.data_dir)
        dialog.logged_in.connect(lambda session: self.open_main(session, self.data_dir))
        dialog.rejected.connect(self._quit_unless_open)
        dialog.show()
        self._dialog = dialog

    def start_demo(self, role: str = "worker") -> None:
        from PySide6.QtCore import QCoreApplication, QTimer
        from PySide6.QtWidgets import QProgressDialog

        if not demo_available():
            if sys.stderr is not None:
                print(f"gridworker: {DEMO_NEEDS_SERVER}", file=sys.stderr)
            if self.smoke_test:  # nobody to close the box: fail at once (once the loop runs)
                QTimer.singleShot(0, lambda: QCoreApplication.exit(1))
                return
            box = self.tasks.message(DEMO_NEEDS_SERVER)
            box.finished.connect(lambda *_: QCoreApplication.exit(1))
            return
        from .demo_service import DemoService

        self.demo = DemoService()
        splash = QProgressDialog(
            QCoreApplication.translate("Launcher", "Starting the demo sync service…"),
            "",
            0,
            0,
        )
        splash.setCancelButton(None)
        splash.setWindowTitle(QCoreApplication.translate("Launcher", "Gridworker demo"))
        splash.setMinimumDuration(0)
        splash.setMinimumWidth(360)
        splash.show()
        self._smoke_report("first window shown")
        self._dialog = splash
        service = self.demo

        def start() -> Any:
            service.start()
            return service.log_in(role)

        def failed(exc: BaseException) -> bool:
            splash.close()
            log.error("demo mode could not start", exc_info=(type(exc), exc, exc.__traceback__))
            if self.smoke_test:
                QCoreApplication.exit(1)
                return True
            box = self.tasks.message(
                QCoreApplication.translate(
                    "Launcher",
                    "The demo could not start. The details were written to the log file.",
                )
            )
            box.finished.connect(QCoreApplication.quit)
            return True

        self.tasks.run(
            start,
            on_done=lambda session: (
                self.open_main(session, service.data_dir, demo=True),
                splash.close(),
            ),
            on_error=failed,
        )

    def open_main(self, session: Any, data_dir: Path, demo: bool = False) -> Any:
        from .ui.context import AppContext
        from .ui.main_window import MainWindow

        ctx = AppContext(session, self.settings, self.tasks, data_dir, demo=demo)
        self.window = MainWindow(ctx)
        self.window.show()
        from PySide6.QtCore import QCoreApplication

        self.window.show_status(
            QCoreApplication.translate("Launcher", "Logged in online.")
            if session.online
            else QCoreApplication.translate(
                "Launcher",
                "Offline: unlocked with this laptop's data. Syncing when the network returns.",
            ),
            10000,
        )
        if session.notice:
            # The local database was damaged and restored from its backup: say what happened.
            self.tasks.message(session.notice, self.window)
        if self.smoke_test:
            self._smoke_report("main window shown")
            self.window.sync.finished.connect(self._smoke_synced)
            self.window.sync.failed.connect(lambda *_: QCoreApplication.exit(1))
        self.window.sync.start()
        return self.window

    def _smoke_report(self, what: str) -> None:
        """One line on stdout for the build script, which times the lines as they come."""
        if self.smoke_test and sys.stdout is not None:  # no stdout in a windowed program
            print(f"smoke-test: {what}", flush=True)

    def _smoke_synced(self, *_: Any) -> None:
        from PySide6.QtCore import QCoreApplication

        self._smoke_report("first sync finished")
        QCoreApplication.exit(0)

    def raise_window(self) -> None:
        """Another start of the app on this profile: bring this one to the front instead."""
        from PySide6.QtCore import Qt

        widget = self.window if self.window is not None else self._dialog
        if widget is None:
            return
        widget.setWindowState(widget.windowState() & ~Qt.WindowState.WindowMinimized)
        widget.show()
        widget.raise_()
        widget.activateWindow()

    def _quit_unless_open(self) -> None:
        from PySide6.QtCore import QCoreApplication

        if self.window is None:
            QCoreApplication.quit()

    def shutdown(self) -> None:
        if self.window is not None:
            self.window.sync.stop()
        self.tasks.wait(30000)
        if self.window is not None:
            self.window.ctx.session.close()
        if self.demo is not None:
            self.demo.stop()

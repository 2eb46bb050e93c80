"""One running app per profile: a second start raises the first window and exits.

Two windows on the same data dir would hold the same SQLite database and sync it twice at
once. The first app listens on a local socket (a named pipe on Windows, a socket file on
Linux and macOS) whose name is derived from the data dir; a later start connects to it and exits,
and the first app brings its window to the front.
"""

from __future__ import annotations

import getpass
import hashlib
import logging
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

log = logging.getLogger(__name__)

# How long a second start waits for the first app to answer (ms): a hung first app must not
# keep the second from starting for long.
CONNECT_TIMEOUT_MS = 1000


def server_name(data_dir: Path) -> str:
    """The local socket's name: the same for every spelling of one data dir, different for
    another data dir or another user account (pipe names are shared across sessions)."""
    try:
        user = getpass.getuser()
    except Exception:  # no user name from the environment or the password database
        user = ""
    key = f"{user}\n{Path(data_dir).expanduser().resolve()}".encode()
    return f"gridworker-{hashlib.sha256(key).hexdigest()[:16]}"


class SingleInstance(QObject):
    """``claim()`` once at start: True when this is the only app on the profile (then
    ``activated`` fires whenever a later start asks for the window), False when another app
    has it (that app was asked to raise its window; this one should exit)."""

    activated = Signal()

    def __init__(self, data_dir: Path, parent: QObject | None = None):
        super().__init__(parent)
        self.name = server_name(data_dir)
        self._server: QLocalServer | None = None

    def claim(self) -> bool:
        if self._ask_running_app():
            return False
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not server.listen(self.name):
            # Another start got there in the same instant (it answers now), or a socket file
            # was left by an app that crashed (Unix): nobody answers on it.
            if self._ask_running_app():
                return False
            QLocalServer.removeServer(self.name)
            if not server.listen(self.name):
                # Not fatal: the app runs, only without the guard against a second start.
                log.warning("single-instance guard unavailable: %s", server.errorString())
                return True
        server.newConnection.connect(self._connected)
        self._server = server
        return True

    def release(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None

    def _ask_running_app(self) -> bool:
        socket = QLocalSocket()
        socket.connectToServer(self.name)
        if not socket.waitForConnected(CONNECT_TIMEOUT_MS):
            return False
        socket.disconnectFromServer()
        return True

    def _connected(self) -> None:
        # Any connection is a later start asking for the window (only this user's programs can
        # connect): no message to read, so nothing waits on a socket that may already be gone.
        assert self._server is not None
        asked = False
        while (socket := self._server.nextPendingConnection()) is not None:
            socket.abort()
            socket.deleteLater()
            asked = True
        if asked:
            self.activated.emit()

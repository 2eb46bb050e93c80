"""What every screen needs: the session, the settings and the task runner, in one object."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QObject, QSettings, Signal

from gridworker.session import Session
from gridworker.store.blobs import BlobFiles
from gridworker.store.local import Store

from .i18n import DEFAULT_LANGUAGE
from .qtcompat import emit
from .tasks import Tasks

DEFAULT_SYNC_MINUTES = 10


class AppSettings:
    """The user's preferences (QSettings): server, CA bundle, sync interval, language, layout."""

    def __init__(self, qsettings: QSettings):
        self.q = qsettings

    def _get(self, key: str, default: Any, kind: type) -> Any:
        value = self.q.value(key, default)
        try:
            return kind(value) if value is not None else default
        except (TypeError, ValueError):
            return default

    @property
    def server_url(self) -> str:
        return str(self._get("server/url", "", str))

    @server_url.setter
    def server_url(self, value: str) -> None:
        self.q.setValue("server/url", value.strip())

    @property
    def ca_bundle(self) -> str:
        return str(self._get("server/ca_bundle", "", str))

    @ca_bundle.setter
    def ca_bundle(self, value: str) -> None:
        self.q.setValue("server/ca_bundle", value.strip())

    @property
    def export_folder(self) -> str:
        """Where the last ledger was exported to ("" before the first export)."""
        return str(self._get("ledgers/export_folder", "", str))

    @export_folder.setter
    def export_folder(self, value: str) -> None:
        self.q.setValue("ledgers/export_folder", value)

    @property
    def username(self) -> str:
        return str(self._get("login/username", "", str))

    @username.setter
    def username(self, value: str) -> None:
        self.q.setValue("login/username", value.strip())

    @property
    def sync_minutes(self) -> int:
        return max(1, int(self._get("sync/interval_minutes", DEFAULT_SYNC_MINUTES, int)))

    @sync_minutes.setter
    def sync_minutes(self, value: int) -> None:
        self.q.setValue("sync/interval_minutes", int(value))

    @property
    def language(self) -> str:
        return str(self._get("ui/language", DEFAULT_LANGUAGE, str))

    @language.setter
    def language(self, value: str) -> None:
        self.q.setValue("ui/language", value)

    def layout(self, name: str) -> QByteArray | None:
        value = self.q.value(f"layout/{name}")
        return value if isinstance(value, QByteArray) else None

    def set_layout(self, name: str, value: QByteArray) -> None:
        self.q.setValue(f"layout/{name}", value)

    def sync(self) -> None:
        self.q.sync()


class AppContext(QObject):
    """The logged-in session and the app's services, handed to every screen."""

    session_replaced = Signal()

    def __init__(
        self,
        session: Session,
        settings: AppSettings,
        tasks: Tasks,
        data_dir: Path,
        *,
        demo: bool = False,
    ):
        super().__init__()
        self.session = session
        self.settings = settings
        self.tasks = tasks
        self.data_dir = data_dir
        self.demo = demo

    @property
    def store(self) -> Store:
        return self.session.store

    @property
    def blobs(self) -> BlobFiles:
        return self.session.blobs

    @property
    def user(self) -> dict[str, Any]:
        return self.session.user

    @property
    def is_supervisor(self) -> bool:
        return self.user.get("role") in ("supervisor", "admin")

    def replace_session(self, session: Session) -> None:
        """After logging in again (an expired token): the same profile, a fresh session."""
        old, self.session = self.session, session
        if old is not session:
            old.close()
        emit(self.session_replaced)
        self.tasks.notify_changed()

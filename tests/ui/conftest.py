"""The desktop app's widgets against a real sync service on loopback (SQLite: the UI does not
care which database the service runs on; the service's own tests cover PostgreSQL).

Qt runs offscreen; one QApplication for the session (pytest-qt's ``qapp``), in Chinese.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QColor, QImage

from gridworker.domain import operations as ops
from gridworker.session import Session, login
from tests.conftest import _fresh_engine
from tests.server.harness import PASSWORD, FakeClock, Service
from tests.server.live import LiveServer


@pytest.fixture(scope="session", autouse=True)
def _chinese_app(qapp: Any) -> None:
    from gridworker.ui import i18n
    from gridworker.ui.style import apply_style

    assert i18n.install(qapp, i18n.CHINESE), "the compiled Chinese translation must load"
    apply_style(qapp)


@pytest.fixture
def sqlite_engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    engine = _fresh_engine("sqlite", request, tmp_path_factory)
    yield engine
    engine.dispose()


class UiWorld:
    """A service on loopback, laptops logged in to it, and the app's objects around them."""

    def __init__(self, engine: Any, tmp_path: Path):
        self.tmp_path = tmp_path
        self.service = Service(engine, tmp_path, FakeClock())
        self.service.clock.now = self.service.clock.now.__class__.now(self.service.clock.now.tzinfo)
        self.grid = self.service.grid("g1", "西门网格一")
        self.live = LiveServer(self.service.app).__enter__()
        self.url = self.live.url
        self.sessions: list[Session] = []
        self.windows: list[Any] = []
        self.tasks: list[Any] = []

    def user(self, username: str, role: str = "worker") -> str:
        return self.service.user(username, role, [self.grid])

    def data_dir(self, username: str) -> Path:
        return self.tmp_path / f"laptop-{username}"

    def client(self, username: str) -> Session:
        session = login(self.data_dir(username), self.url, username, PASSWORD)
        self.sessions.append(session)
        return session

    def settings(self) -> Any:
        from gridworker.ui.context import AppSettings

        ini = self.tmp_path / "settings.ini"
        return AppSettings(QSettings(str(ini), QSettings.Format.IniFormat))

    def make_tasks(self) -> Any:
        from gridworker.ui.tasks import Tasks

        tasks = Tasks()
        self.tasks.append(tasks)
        return tasks

    def window(self, session: Session) -> Any:
        from gridworker.ui.context import AppContext
        from gridworker.ui.main_window import MainWindow

        data_dir = session.profile.parent.parent
        ctx = AppContext(session, self.settings(), self.make_tasks(), data_dir)
        window = MainWindow(ctx)
        self.windows.append(window)
        window.show()
        return window

    def stop_server(self) -> None:
        if self.live is not None:
            self.live.__exit__(None, None, None)
            self.live = None

    def close(self) -> None:
        for window in self.windows:
            window.sync.stop()
            window.close()
        for tasks in self.tasks:
            tasks.wait()
        for session in self.sessions:
            session.close()
        self.stop_server()


@pytest.fixture
def ui_world(sqlite_engine: Any, tmp_path: Path) -> Iterator[UiWorld]:
    world = UiWorld(sqlite_engine, tmp_path)
    try:
        yield world
    finally:
        world.close()


def add_households(session: Session, grid: str) -> dict[str, Any]:
    """张三's household (elderly living alone, due) and two neighbours."""
    store = session.store
    zhang = ops.create_household(
        store,
        grid,
        "海州区海州街道 朐阳小区 3号楼 1单元 201室",
        head_name="张三",
        phone="13800138000",
        tags=["elderly_alone"],
    )
    ops.add_resident(store, zhang["id"], "张三", relation="head", id_number="320705195001010014")
    ops.add_resident(store, zhang["id"], "李秀英", relation="spouse")
    li = ops.create_household(
        store, grid, "海州区海州街道 西门新村 1号楼 2单元 301室", head_name="李四", kind="rental"
    )
    wang = ops.create_household(
        store, grid, "海州区海州街道 鼓楼巷 16号", head_name="王五", tags=["party_member"]
    )
    return {"zhang": zhang, "li": li, "wang": wang}


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    image = QImage(320, 240, QImage.Format.Format_RGB32)
    image.fill(QColor("#607d8b"))
    path = tmp_path / "manhole.png"
    assert image.save(str(path))
    return path

"""Demo mode's embedded sync service: a fresh SQLite database seeded with the demo community,
served by uvicorn on a free loopback port in a background thread. Qt-free (the screenshots and
benchmarks use it without a window); it needs the `server` extra, which `.[demo]` brings."""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from gridworker.session import Session, login

DEMO_USERS = {"worker": "demo-worker", "supervisor": "demo-supervisor"}


class DemoService:
    """Start with ``start()``; ``stop()`` ends the server and removes its files."""

    def __init__(self, root: Path | None = None):
        self.root = root or Path(tempfile.mkdtemp(prefix="gridworker-demo-"))
        self.url = ""
        self._server: Any = None
        self._thread: threading.Thread | None = None

    def start(self) -> str:
        # Imported here: only demo mode carries the server into the desktop app.
        import uvicorn

        from sync.server.app import create_app
        from sync.server.db import make_engine
        from sync.server.migrate import upgrade
        from sync.server.ports import free_port
        from sync.server.seed import seed
        from sync.server.settings import Settings

        database = f"sqlite:///{self.root / 'server' / 'gridsync.db'}"
        (self.root / "server").mkdir(parents=True, exist_ok=True)
        settings = Settings(database_url=database, blob_dir=self.root / "server" / "blobs")
        engine = make_engine(database)
        upgrade(engine)
        seed(engine, settings, "demo")
        port = free_port()
        config = uvicorn.Config(
            create_app(settings, engine),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="off",
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="demo-server", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the demo sync service did not start")
            time.sleep(0.02)
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    def log_in(self, role: str = "worker") -> Session:
        """Log in as the demo worker (or supervisor) with a fresh data dir."""
        from sync.server.seed import DEMO_PASSWORD

        return login(self.root / "client", self.url, DEMO_USERS[role], DEMO_PASSWORD)

    @property
    def data_dir(self) -> Path:
        return self.root / "client"

    def stop(self, remove: bool = True) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        if remove:
            shutil.rmtree(self.root, ignore_errors=True)

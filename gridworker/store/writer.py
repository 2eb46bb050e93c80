"""Whose turn it is to write: one write transaction at a time, first come, first served.

SQLite lets one connection write at a time and makes the others retry in its busy handler,
which is no queue: a visit saved on the GUI thread while a sync writes page after page can
lose every race for 30 s and fail "database is locked". Every write transaction of a store
therefore takes a ticket here first; tickets are served in order, so a save waits at most for
the transactions that asked before it (in practice the one in progress), never starves, and
SQLite's write lock is always free when a transaction begins.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class Turn:
    """One write transaction's turn: how many were ahead of it and how long it waited/held."""

    thread: str
    ahead: int
    waited: float
    held: float


class WriteQueue:
    """A fair (FIFO, ticket) lock around write transactions; not re-entrant."""

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._next_ticket = 0
        self._serving = 0
        self._abandoned: set[int] = set()
        self._holder: int | None = None
        # Called after each turn (tests and diagnostics); must be quick and never raise.
        self.observer: Callable[[Turn], None] | None = None

    def waiting(self) -> int:
        """How many transactions are queued behind the one in progress (a hint: a long
        writer that finds it above zero ends its transaction and takes a new turn)."""
        with self._cond:
            return max(0, self._next_ticket - self._serving - 1 - len(self._abandoned))

    def _advance(self) -> None:
        self._serving += 1
        while self._serving in self._abandoned:
            self._abandoned.discard(self._serving)
            self._serving += 1
        self._cond.notify_all()

    @contextmanager
    def turn(self) -> Iterator[None]:
        me = threading.get_ident()
        asked = time.perf_counter()
        with self._cond:
            if self._holder == me:
                # Would wait for itself: SQLite's lock would end it as "database is locked".
                raise RuntimeError("a write transaction was begun inside another one")
            ticket = self._next_ticket
            self._next_ticket += 1
            ahead = ticket - self._serving
            try:
                while self._serving != ticket:
                    self._cond.wait()
            except BaseException:  # interrupted while queued: give the ticket up
                if self._serving == ticket:
                    self._advance()
                else:
                    self._abandoned.add(ticket)
                raise
            self._holder = me
        granted = time.perf_counter()
        try:
            yield
        finally:
            with self._cond:
                self._holder = None
                self._advance()
            observer = self.observer
            if observer is not None:
                observer(
                    Turn(
                        threading.current_thread().name,
                        ahead,
                        granted - asked,
                        time.perf_counter() - granted,
                    )
                )


class Later:
    """Runs ``job`` on a daemon thread of its own when asked; requests made while it runs
    are coalesced into one more run. For upkeep a save must not wait for (checkpoints)."""

    def __init__(self, job: Callable[[], None], name: str):
        self._job = job
        self._name = name
        self._due = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._closed = False

    def request(self) -> None:
        with self._lock:
            if self._closed:
                return
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name=self._name, daemon=True)
                self._thread.start()
        self._due.set()

    def _loop(self) -> None:
        while True:
            self._due.wait()
            self._due.clear()
            if self._closed:
                return
            try:
                self._job()
            except Exception:  # upkeep only: logged, the next request tries again
                logging.getLogger(__name__).warning("background upkeep failed", exc_info=True)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            thread, self._thread = self._thread, None
        self._due.set()
        if thread is not None:
            thread.join(10)

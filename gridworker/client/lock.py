"""The idle lock's rules, without Qt: when to lock, and whether a password unlocks.

A grid worker's laptop travels door to door; left unattended it must not show residents'
data. After ``timeout`` seconds without keyboard or mouse input the app locks and asks for the
password again (``gridworker.ui.lock_screen`` draws it). The password is checked against the
Argon2 hash the profile keeps since its last online login (meta ``password_hash``, the same one
``gridworker.session.unlock`` uses offline), and wrong passwords slow down through the
profile's ``Attempts`` (shared with the unlock at start: restarting the app does not reset it).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from .attempts import Attempts, wait_message

IDLE_MINUTES_CHOICES = (1, 5, 10, 15, 30)
DEFAULT_IDLE_MINUTES = 10

_hasher = PasswordHasher()


class TryLater(Exception):
    """Too many wrong passwords in a row: no password is checked before ``seconds``."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.message = wait_message(seconds)
        super().__init__(self.message)


def check_password(session: Any, password: str, attempts: Attempts | None = None) -> bool:
    """True when ``password`` is the profile's; counts the failures. Raises ``TryLater``
    while the throttle makes the user wait (the password is then not even checked)."""
    attempts = attempts or Attempts(session.profile)
    wait = attempts.wait_seconds()
    if wait > 0:
        raise TryLater(wait)
    stored = session.store.get_meta("password_hash")
    try:
        ok = bool(stored) and bool(password) and _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        ok = False
    if ok:
        attempts.succeeded()
    else:
        attempts.failed()
    return ok


class IdlePolicy:
    """Last activity, the timeout, and whether it is time to lock (monotonic seconds).

    ``timeout`` 0 or less never locks. The clock is injectable so that tests need not wait."""

    def __init__(self, timeout: float, clock: Callable[[], float] = time.monotonic):
        self.timeout = timeout
        self.clock = clock
        self.last_activity = clock()

    @classmethod
    def minutes(cls, minutes: int, clock: Callable[[], float] = time.monotonic) -> IdlePolicy:
        return cls(minutes * 60.0, clock)

    def touch(self, now: float | None = None) -> None:
        """Keyboard or mouse input: the idle time starts again."""
        self.last_activity = self.clock() if now is None else now

    def idle_seconds(self, now: float | None = None) -> float:
        now = self.clock() if now is None else now
        return max(0.0, now - self.last_activity)

    def remaining(self, now: float | None = None) -> float:
        """Seconds until the lock (0 when due; ``inf`` when it never locks)."""
        if self.timeout <= 0:
            return float("inf")
        return max(0.0, self.timeout - self.idle_seconds(now))

    def should_lock(self, now: float | None = None) -> bool:
        return self.timeout > 0 and self.idle_seconds(now) >= self.timeout

"""Wrong passwords slow down: unlocking a profile (at start or after the idle lock).

The count of failures in a row is kept in a small file in the profile folder, outside the
encrypted database (which cannot be read before the password is right), so that restarting
the app does not reset it. The file holds only a count and a time, no personal data.

After ``FREE_TRIES`` failures each further one doubles the wait before the next try, up to
``MAX_WAIT`` seconds. A right password clears the count. Qt-free.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from pathlib import Path

from sync.files import write_atomically

FILE_NAME = "unlock-attempts.json"
FREE_TRIES = 3
FIRST_WAIT = 2.0  # seconds after the first failure beyond the free tries
MAX_WAIT = 300.0


class Attempts:
    """Failures in a row for one profile, persisted in ``profile / FILE_NAME``."""

    def __init__(self, profile: Path, clock: Callable[[], float] = time.time):
        self.path = profile / FILE_NAME
        self.clock = clock

    def _read(self) -> tuple[int, float]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            failures = int(data["failures"])
            last = float(data["last"])
        except (OSError, ValueError, KeyError, TypeError):
            return 0, 0.0
        if failures < 0 or not math.isfinite(last):
            return 0, 0.0
        return failures, last

    def _write(self, failures: int, last: float) -> None:
        data = json.dumps({"failures": failures, "last": last}).encode("utf-8")
        write_atomically(self.path, data)

    @property
    def failures(self) -> int:
        return self._read()[0]

    @staticmethod
    def delay_after(failures: int) -> float:
        """The wait imposed after ``failures`` wrong passwords in a row."""
        if failures <= FREE_TRIES:
            return 0.0
        return min(MAX_WAIT, FIRST_WAIT * 2.0 ** min(failures - FREE_TRIES - 1, 20))

    def wait_seconds(self) -> float:
        """How long before the next try is allowed (0 when it is allowed now)."""
        failures, last = self._read()
        remaining = last + self.delay_after(failures) - self.clock()
        # A clock set back must not lock the user out for longer than the longest wait.
        return max(0.0, min(remaining, MAX_WAIT))

    def failed(self) -> None:
        failures, _last = self._read()
        self._write(failures + 1, self.clock())

    def succeeded(self) -> None:
        if self.path.exists():
            self.path.unlink(missing_ok=True)


def wait_message(seconds: float) -> str:
    """The Chinese sentence shown while a try is not allowed yet."""
    whole = max(1, math.ceil(seconds))
    if whole < 60:
        return f"密码错误次数过多，请 {whole} 秒后再试"
    return f"密码错误次数过多，请 {math.ceil(whole / 60)} 分钟后再试"

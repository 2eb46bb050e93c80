"""Who is calling, and the service's error type."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Caller:
    user_id: str
    username: str
    role: str
    device_id: str
    # The grids the caller holds; None for an admin, who holds every grid.
    grids: frozenset[str] | None = None

    @property
    def is_reviewer(self) -> bool:
        return self.role in ("supervisor", "admin")

    def holds(self, grid_id: str | None) -> bool:
        if grid_id is None:
            return False
        return self.grids is None or grid_id in self.grids


@dataclass
class ApiError(Exception):
    """An error answered with an HTTP status and the protocol's error body."""

    status: int
    code: str
    message: str
    details: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.message}"

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}

"""The wire contract and the shared entity definitions (PROTOCOL.md, DESIGN.md).

Imported by the server (``sync.server``) and by the desktop client (``gridworker``); it
depends on neither and imports no web framework, database or Qt.
"""

from . import codes, values, workflow
from .entities import ENTITIES, ENTITY_ORDER, Entity, Field, Kind, Writer, row_keys
from .errors import PermissionDenied, ProtocolError, ScopeError, ValidationError, WorkflowError
from .wire import PROTOCOL_HEADER, PROTOCOL_VERSION, grid_digest, row_hash, uuid7

__all__ = [
    "ENTITIES",
    "ENTITY_ORDER",
    "PROTOCOL_HEADER",
    "PROTOCOL_VERSION",
    "Entity",
    "Field",
    "Kind",
    "PermissionDenied",
    "ProtocolError",
    "ScopeError",
    "ValidationError",
    "WorkflowError",
    "Writer",
    "codes",
    "grid_digest",
    "row_hash",
    "row_keys",
    "uuid7",
    "values",
    "workflow",
]

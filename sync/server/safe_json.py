"""A bounded, safe form of what a client sent, for storing a rejected mutation.

A rejection keeps the mutation so that its author and the grid's supervisors can see what was
refused (PROTOCOL.md, "Push"). What a client sends is untrusted: a string of 9 MB, ``tags``
nested 600 deep, a key holding a lone surrogate or a NUL. Stored as sent, such a value grows
the database by its size and can make every later listing fail (neither database nor the
response encoder takes a lone surrogate; PostgreSQL refuses NUL; deep nesting exhausts the
JSON encoders' recursion). ``bounded_mutation`` keeps what is useful and nothing dangerous:

- text (values and keys) made safe with the one text rule of ``sync.protocol.values``
  (refused characters become U+FFFD) and cut;
- containers cut in depth and in length; integers beyond 64 bits and non-finite floats
  written as text; anything that is not JSON written as its type name;
- the whole stored form capped: beyond ``MAX_BYTES`` of JSON only ``seq``, ``entity``, ``id``,
  ``op`` and the names of the fields are kept.

Anything cut is marked ``"truncated": true`` at the top, so a client never makes a cut change
again as if it were whole. A mutation that was already safe and small is kept exactly.
"""

from __future__ import annotations

import json
import math
from typing import Any

from sync.protocol.entities import NOTE_MAX
from sync.protocol.values import safe_text

# The longest valid text value (a note) survives whole: a supervisor who makes a refused edit
# again must not silently lose the end of a note.
MAX_STRING = NOTE_MAX
MAX_KEY = 64
MAX_DEPTH = 6  # a mutation's own shape: changes -> field -> {old, new} -> list -> item
MAX_ITEMS = 200  # per list or object
MAX_BYTES = 64 * 1024  # of the stored form's JSON (UTF-8)
MAX_FIELDS = 50  # field names kept by the short form
_INT_LIMIT = 2**63
_ENVELOPE = (("seq", 32), ("entity", 64), ("id", 200), ("op", 16))


class _Cut:
    """Whether anything was cut while copying."""

    def __init__(self) -> None:
        self.cut = False


def bounded_text(value: str, limit: int) -> str:
    """Text safe to store and send back: refused characters replaced, at most ``limit``."""
    return safe_text(value[:limit])


def bounded(value: Any, cut: _Cut | None = None, depth: int = 0) -> Any:
    """A copy of a JSON-like value that is safe and bounded (see the module docstring)."""
    cut = cut or _Cut()
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        if -_INT_LIMIT <= value < _INT_LIMIT:
            return value
        cut.cut = True
        return "<integer>"
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        cut.cut = True
        return str(value)
    if isinstance(value, str):
        out = bounded_text(value, MAX_STRING)
        if len(value) > MAX_STRING:
            cut.cut = True
        return out
    if isinstance(value, list | tuple | dict):
        if depth >= MAX_DEPTH:
            cut.cut = True
            return "<nested>"
        if len(value) > MAX_ITEMS:
            cut.cut = True
        if isinstance(value, dict):
            copied: dict[str, Any] = {}
            for key, item in list(value.items())[:MAX_ITEMS]:
                name = bounded_text(str(key), MAX_KEY)
                if len(str(key)) > MAX_KEY or name in copied:
                    cut.cut = True
                copied[name] = bounded(item, cut, depth + 1)
            return copied
        return [bounded(item, cut, depth + 1) for item in list(value)[:MAX_ITEMS]]
    cut.cut = True
    return f"<{type(value).__name__}>"


def json_size(value: Any) -> int:
    """Bytes of ``value`` as compact UTF-8 JSON."""
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())


def bounded_mutation(mutation: Any) -> dict[str, Any]:
    """The form of a rejected mutation to store: safe, at most ``MAX_BYTES`` of JSON."""
    if not isinstance(mutation, dict):
        return {"truncated": True}
    cut = _Cut()
    copied = bounded(mutation, cut)
    assert isinstance(copied, dict)
    if cut.cut:
        copied["truncated"] = True
    if json_size(copied) <= MAX_BYTES:
        return copied
    return short_form(mutation)


def short_form(mutation: dict[str, Any]) -> dict[str, Any]:
    """``seq``, ``entity``, ``id``, ``op`` and the names of the fields it carried."""
    out: dict[str, Any] = {}
    for key, limit in _ENVELOPE:
        value = mutation.get(key)
        if isinstance(value, str):
            out[key] = bounded_text(value, limit)
        elif isinstance(value, int) and not isinstance(value, bool):
            out[key] = value if -_INT_LIMIT <= value < _INT_LIMIT else None
        else:
            out[key] = None
    fields = mutation.get("values")
    if not isinstance(fields, dict):
        fields = mutation.get("changes")
    if isinstance(fields, dict):
        out["fields"] = [bounded_text(str(k), MAX_KEY) for k in list(fields)[:MAX_FIELDS]]
    out["truncated"] = True
    return out


__all__ = ["MAX_BYTES", "MAX_STRING", "bounded", "bounded_mutation", "bounded_text", "short_form"]

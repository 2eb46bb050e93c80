"""Telling a PySide6 build that breaks this app, at run time rather than by version number.

PySide6 6.12.0 on Python 3.11 drops references: every ``SignalInstance.emit()`` loses one to
``True`` and every call of a method returning nothing one to ``None``, and after a while the
interpreter aborts ("bool_dealloc: deallocating True or False"). pyproject.toml excludes that
build (PySide6-Essentials < 6.12 on Python 3.11); ``drops_references()`` lets the app warn in
its log when an installation got one anyway. Nothing here patches reference counts: a wrong
build is to be replaced, not nursed.
"""

from __future__ import annotations

import sys
from typing import Any

from PySide6.QtCore import QObject, Signal


class _Probe(QObject):
    fired = Signal()


def emit(signal: Any, *args: Any) -> None:
    """``signal.emit(*args)``. Once this worked around the broken build; the version pin does
    that now, and the call sites keep this name until they are next edited."""
    signal.emit(*args)


def drops_references() -> bool:
    """True on PySide6 builds that drop a reference to ``None`` on every call of a method
    returning nothing (6.12.0 on Python 3.11): such a build aborts sooner or later."""
    probe = _Probe()
    before = sys.getrefcount(None)
    for _ in range(8):
        probe.setObjectName("probe")
    return sys.getrefcount(None) < before

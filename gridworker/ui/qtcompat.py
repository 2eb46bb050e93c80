"""Working around PySide6 defects, each detected at run time rather than by version number.

PySide6 6.12.0 returns the bool of ``SignalInstance.emit()`` without taking a reference, so
every emit from Python drops one reference to ``True``; after a few hundred emits the
interpreter aborts ("bool_dealloc: deallocating True or False"). Every emit in this package
goes through ``emit()``, which gives the reference back where the defect is present.
"""

from __future__ import annotations

import ctypes
import sys
from typing import Any

from PySide6.QtCore import QObject, Signal


class _Probe(QObject):
    fired = Signal()


def _emit_drops_a_reference() -> bool:
    probe = _Probe()
    before = sys.getrefcount(True)
    probe.fired.emit()
    dropped = sys.getrefcount(True) < before
    if dropped:
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(True))  # the one the probe lost
    return dropped


_EMIT_DROPS_A_REFERENCE: bool | None = None


def emit(signal: Any, *args: Any) -> None:
    """``signal.emit(*args)``, safe on PySide6 builds whose emit drops a reference."""
    global _EMIT_DROPS_A_REFERENCE
    if _EMIT_DROPS_A_REFERENCE is None:
        _EMIT_DROPS_A_REFERENCE = _emit_drops_a_reference()
    result = signal.emit(*args)
    if _EMIT_DROPS_A_REFERENCE and isinstance(result, bool):
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(result))


def drops_references() -> bool:
    """True on PySide6 builds that drop a reference to ``None`` on every call of a method
    returning nothing (6.12.0 on Python 3.11): such a build aborts sooner or later."""
    probe = _Probe()
    before = sys.getrefcount(None)
    for _ in range(8):
        probe.setObjectName("probe")
    lost = before - sys.getrefcount(None)
    if lost > 0:
        for _ in range(lost):  # give back what the probe took
            ctypes.pythonapi.Py_IncRef(ctypes.py_object(None))
    return lost > 0

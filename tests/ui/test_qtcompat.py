"""Emitting signals from Python many times never corrupts the interpreter (PySide6 6.12.0
drops a reference to ``True`` on every ``emit()``; ``qtcompat.emit`` gives it back)."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal

from gridworker.ui.qtcompat import emit


class Source(QObject):
    changed = Signal()
    carried = Signal(object)


def test_many_emits_keep_the_reference_counts_of_true_and_false():
    source = Source()
    seen: list[object] = []
    source.changed.connect(lambda: seen.append(1))
    source.carried.connect(seen.append)
    emit(source.changed)  # the first emit probes the defect (and may keep one reference)
    before = sys.getrefcount(True), sys.getrefcount(False)
    for _ in range(5000):
        emit(source.changed)
        emit(source.carried, None)
    assert (sys.getrefcount(True), sys.getrefcount(False)) == before
    assert len(seen) == 10001


def test_the_pyside_build_keeps_object_references():
    """PySide6 6.12.0 on Python 3.11 drops a reference to None on every call of a method that
    returns nothing; a long-running app then aborts. Fails until a sound build is installed
    (pyproject: PySide6-Essentials < 6.12 on Python 3.11)."""
    from gridworker.ui.qtcompat import drops_references

    assert not drops_references()

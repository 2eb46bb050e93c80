"""The installed PySide6 build keeps object references (6.12.0 on Python 3.11 drops one to
``True`` on every ``emit()`` and one to ``None`` on every call returning nothing, and the app
then aborts): pyproject.toml pins it out, and these tests fail when such a build slips in."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal

from gridworker.ui.qtcompat import drops_references, emit


class Source(QObject):
    changed = Signal()
    carried = Signal(object)


def test_many_emits_keep_the_reference_counts_of_true_and_false():
    source = Source()
    seen: list[object] = []
    source.changed.connect(lambda: seen.append(1))
    source.carried.connect(seen.append)
    emit(source.changed)
    before = sys.getrefcount(True), sys.getrefcount(False)
    for _ in range(5000):
        emit(source.changed)
        emit(source.carried, None)
    assert (sys.getrefcount(True), sys.getrefcount(False)) == before
    assert len(seen) == 10001


def test_the_pyside_build_keeps_object_references():
    """Fails until a sound build is installed (pyproject: PySide6-Essentials < 6.12 on
    Python 3.11); the app logs a warning on such a build."""
    assert not drops_references()

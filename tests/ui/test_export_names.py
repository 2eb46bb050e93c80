"""Issue 11, export: the file name follows the ledger and period, an existing file is not
replaced without asking, the folder is remembered (and a missing one falls back)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, Qt, QTimer

from gridworker.ui.ledgers import documents_dir, export_folder
from tests.ui.test_supervisor_ledgers import office, settle, supervisor_window  # noqa: F401


def test_the_file_name_follows_the_ledger_and_an_overwrite_is_asked(
    qtbot: Any,
    office: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    window = supervisor_window(qtbot, office.world)
    dialog = window.export_ledger()
    dialog.grid.setCurrentIndex(dialog.grid.findData(office.g1))
    grid = dialog.grid.currentText()
    folder = tmp_path / "台账"
    folder.mkdir()
    dialog.path.setText(str(folder / f"{grid}-住户台账.xlsx"))
    with qtbot.waitSignal(dialog.exported, timeout=10000):
        qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    assert window.ctx.settings.export_folder == str(folder)

    # Another ledger type: another name, in the same folder.
    dialog.entity.setCurrentIndex(dialog.entity.findData("visits"))
    dialog.date_from.setDate(QDate(2026, 11, 4))
    dialog.date_to.setDate(QDate(2026, 11, 5))
    visits = folder / f"{grid}-走访记录台账-20261104-20261105.xlsx"
    assert dialog.path.text() == str(visits)
    dialog.entity.setCurrentIndex(dialog.entity.findData("households"))
    households = folder / f"{grid}-住户台账.xlsx"
    assert dialog.path.text() == str(households)

    # The same file again: asked first; 取消 keeps the old file.
    before = households.stat().st_mtime_ns
    asked: list[str] = []

    def answer(text: str) -> None:
        box = dialog.overwrite_box
        asked.append(box.text())
        next(b for b in box.buttons() if b.text() == text).click()

    QTimer.singleShot(0, lambda: answer("取消"))
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    assert asked and households.name in asked[0] and "替换" in asked[0]
    assert households.stat().st_mtime_ns == before
    QTimer.singleShot(0, lambda: answer("替换"))
    with qtbot.waitSignal(dialog.exported, timeout=10000):
        qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    settle(qtbot, window)

    # The next dialog starts in the remembered folder.
    again = window.export_ledger()
    assert Path(again.path.text()).parent == folder
    again.done(0)


def test_a_missing_folder_falls_back_to_documents_or_home(tmp_path: Path) -> None:
    assert export_folder(str(tmp_path / "gone")) == documents_dir()
    assert documents_dir().is_dir()
    assert export_folder(str(tmp_path)) == tmp_path

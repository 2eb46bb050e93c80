"""A full disk while saving a visit: the dialog says so in Chinese and keeps what was typed;
a database restored at start says what happened."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox
from sqlalchemy import event

from gridworker.domain import queries
from gridworker.ui.visit_dialog import VisitDialog
from tests.server.harness import PASSWORD
from tests.ui.test_visits_and_sync import open_window


def _boxes() -> list[QMessageBox]:
    return [
        w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()
    ] + [
        w
        for top in QApplication.topLevelWidgets()
        for w in top.findChildren(QMessageBox)
        if w.isVisible()
    ]


def test_a_full_disk_while_saving_a_visit_is_said_in_chinese_and_the_dialog_stays(qtbot, ui_world):
    window, homes = open_window(qtbot, ui_world)
    store = window.ctx.store
    with store.read() as conn:
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar()
    store.engine.dispose()
    event.listen(
        store.engine,
        "connect",
        lambda dbapi, _record: dbapi.execute(f"PRAGMA max_page_count={pages}"),
    )
    window.households.show_household(homes["zhang"]["id"])
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    dialog = window.findChild(VisitDialog)
    assert dialog is not None and dialog.isVisible()
    dialog.notes.insertPlainText("老人身体状况良好" * 400)  # more than the disk takes
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(_boxes()), timeout=3000)
    texts = [b.text() for b in _boxes()]
    assert any(t.startswith("磁盘空间不足") for t in texts), texts
    assert all("INSERT" not in t and "老人" not in t for t in texts)
    # Nothing lost from the form: the user can free space and save again.
    assert dialog.isVisible() and "老人身体状况良好" in dialog.notes.toPlainText()
    assert queries.household_detail(store, homes["zhang"]["id"])["visits"] == []
    for box in _boxes():
        box.close()
    dialog.notes.clear()  # nothing typed: closes without asking
    dialog.reject()
    assert not dialog.isVisible()


def test_a_database_restored_at_start_is_told_in_chinese(qtbot, ui_world):
    from gridworker.app import Launcher
    from gridworker.domain import operations as ops
    from gridworker.session import unlock

    ui_world.user("wa")
    session = ui_world.client("wa")
    session.syncer.sync()  # a rolling backup
    home = ops.create_household(session.store, ui_world.grid, "海连路 9号")
    session.close()
    ui_world.sessions.remove(session)
    path = session.profile / "gridworker.db"
    path.write_bytes(path.read_bytes()[:1000])  # truncated

    restored = unlock(ui_world.data_dir("wa"), ui_world.url, "wa", PASSWORD)
    ui_world.sessions.append(restored)
    assert queries.household_detail(restored.store, home["id"]) is not None
    launcher = Launcher(ui_world.settings(), ui_world.make_tasks(), ui_world.data_dir("wa"))
    window = launcher.open_main(restored, ui_world.data_dir("wa"))
    ui_world.windows.append(window)
    qtbot.waitUntil(lambda: bool(_boxes()), timeout=3000)
    texts = [b.text() for b in _boxes()]
    assert any("本机数据文件已损坏" in t and "1 条" in t for t in texts), texts
    for box in _boxes():
        box.close()

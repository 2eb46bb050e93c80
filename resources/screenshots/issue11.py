"""The screens issue 11 added or changed, at 1366×768 (``take.py --issue11``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from take import sample_photo, save, settle

from gridworker.domain import operations as ops
from gridworker.domain import queries
from gridworker.first_login import LoginProblem
from gridworker.ui.context import AppContext
from gridworker.ui.login import LoginDialog
from gridworker.ui.main_window import MainWindow
from gridworker.ui.photos import PhotoViewer
from gridworker.ui.tasks import Tasks
from sync.server.seed import DEMO_PASSWORD


def _answer_later(app: QApplication, get_box: Any, out: Path, name: str, button: str) -> None:
    """Grab a message box shown with exec(), then press one of its buttons."""

    def grab() -> None:
        box = get_box()
        settle(app)
        box.grab().save(str(out / f"{name}.png"))
        print(f"wrote {out / name}.png  {box.width()}x{box.height()}")
        next(b for b in box.buttons() if b.text() == button).click()

    QTimer.singleShot(50, grab)


def shoot_issue11(app, worker, supervisor, settings, demo, out: Path, tmp: Path) -> int:
    tasks = Tasks()
    settings.server_url = demo.url
    settings.username = "demo-worker"
    login = LoginDialog(tasks, settings, tmp / "nowhere")
    login.server.setText("http://grid.example.invalid:8000")
    login.password.setText(DEMO_PASSWORD)
    login.advanced_toggle.setChecked(True)
    login.ca_bundle.setText("C:/政务外网/根证书.pem")
    login._failed(LoginProblem("找不到服务器地址：请检查服务器地址是否拼写正确"))
    save(app, login, out, "login-problem")
    login.close()

    # A photo on one of the worker's visits, for the supervisor's review queue.
    store = worker.store
    home = next(
        h
        for h in queries.search_households(store, "朐阳", limit=20)
        if len(queries.household_detail(store, h["id"])["residents"]) >= 2
    )
    visit = ops.log_visit(store, home["id"], "met", notes="楼道堆放杂物，已拍照留存。")
    photo = sample_photo(tmp / "corridor.png", "楼道杂物")
    ops.attach_file(store, worker.blobs, "visits", visit["id"], photo.read_bytes(), photo.name)
    worker.syncer.sync()
    supervisor.syncer.sync()

    ctx = AppContext(worker, settings, tasks, demo.data_dir, demo=True)
    window = MainWindow(ctx)
    window.show()
    settle(app)
    save(app, window, out, "window-1366x768")

    dialog = window.log_visit_for(home["id"])
    assert dialog is not None
    next(iter(dialog.people.values())).setChecked(True)
    dialog.phrases.add(dialog.phrases.menu.actions()[1].text().split("  ")[1].split("\t")[0])
    save(app, dialog, out, "visit-phrases")
    dialog.phrases.menu.popup(dialog.mapToGlobal(dialog.phrases.geometry().bottomLeft()))
    settle(app)
    save(app, dialog.phrases.menu, out, "visit-phrases-menu")
    dialog.phrases.menu.hide()
    _answer_later(app, lambda: dialog.discard_box, out, "discard-typed", "继续编辑")
    dialog.reject()
    dialog.watch_text(dialog.notes)
    dialog.reject()

    ops.log_visit(store, home["id"], "not_home", notes="敲门无人应答")
    ctx.tasks.notify_changed()
    _answer_later(app, lambda: window.quit_box, out, "quit-unsent", "取消")
    window.close()
    window.sync.stop()
    tasks.wait()
    window.hide()

    boss_tasks = Tasks()
    settings.username = "demo-supervisor"
    boss_ctx = AppContext(supervisor, settings, boss_tasks, tmp / "supervisor", demo=True)
    boss = MainWindow(boss_ctx)
    boss.show()
    settle(app)
    assert boss.review is not None and boss.coverage is not None
    boss.tabs.setCurrentWidget(boss.review)
    row = boss.review.model.row_of(visit["id"]) if hasattr(boss.review.model, "row_of") else 0
    boss.review.table.selectRow(max(row, 0))
    boss_tasks.wait()
    settle(app, 10)
    save(app, boss, out, "supervisor-review-photos")
    strip = boss.review.panel.photos
    if strip.list.count():
        viewer = strip.open_viewer(strip.list.item(0))
        if isinstance(viewer, PhotoViewer):
            settle(app)
            viewer.view.zoom(1.5)
            save(app, viewer, out, "photo-viewer")
            viewer.done(0)

    boss.tabs.setCurrentWidget(boss.coverage)
    boss_tasks.wait()
    settle(app, 10)
    save(app, boss, out, "supervisor-coverage-30days")

    export = boss.export_ledger()
    export.entity.setCurrentIndex(export.entity.findData("issues"))
    save(app, export, out, "export-names")
    export.reject()
    boss.sync.stop()
    boss_tasks.wait()
    boss.hide()
    return 0

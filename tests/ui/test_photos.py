"""Issue 11, job 4: photos taken on one laptop are seen on another (downloaded when shown,
kept in the profile's blob folder), in a viewer with zoom; photos are added by drag and drop
and from the clipboard."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QColor, QDropEvent, QGuiApplication, QImage

from gridworker.client.photos import fetch_photo
from gridworker.domain import operations as ops
from gridworker.domain import queries
from gridworker.ui.photos import FILE_ROLE, PhotoStrip, PhotoViewer
from tests.ui.conftest import add_households


def _worker_visit_with_photo(ui_world, photo):
    ui_world.user("wa")
    worker = ui_world.client("wa")
    homes = add_households(worker, ui_world.grid)
    visit = ops.log_visit(worker.store, homes["zhang"]["id"], "met", notes="井盖破损")
    attachment = ops.attach_file(
        worker.store, worker.blobs, "visits", visit["id"], photo.read_bytes(), photo.name
    )
    worker.syncer.sync()
    return visit, attachment["sha256"]


def test_the_review_queue_downloads_a_workers_photo_and_shows_it(qtbot, ui_world, photo):
    visit, _ = _worker_visit_with_photo(ui_world, photo)
    ui_world.user("boss", "supervisor")
    boss = ui_world.client("boss")
    boss.syncer.sync()
    window = ui_world.window(boss)
    page = window.review
    page.table.selectRow(0)
    strip = page.panel.photos
    qtbot.waitUntil(lambda: strip.list.count() == 1, timeout=5000)
    item = strip.list.item(0)
    qtbot.waitUntil(lambda: bool(item.data(FILE_ROLE)), timeout=10000)
    [attachment] = queries.attachments_of(boss.store, visit["id"])
    assert boss.blobs.has(attachment["sha256"])  # cached in the profile's blob folder
    assert item.icon().availableSizes() or not item.icon().isNull()

    viewer = strip.open_viewer(item)
    assert isinstance(viewer, PhotoViewer)
    qtbot.waitExposed(viewer)
    fitted = viewer.scale_factor()
    viewer.activateWindow()
    qtbot.waitUntil(viewer.isActiveWindow, timeout=3000)
    qtbot.keyClick(viewer.view, Qt.Key.Key_Plus)
    assert viewer.scale_factor() > fitted
    qtbot.keyClick(viewer.view, Qt.Key.Key_0)
    assert abs(viewer.scale_factor() - fitted) < 1e-6
    qtbot.keyClick(viewer.view, Qt.Key.Key_Minus)
    assert viewer.scale_factor() < fitted
    assert viewer.scale_label.text().endswith("%")
    viewer.done(0)


def test_a_photo_is_fetched_once_then_read_from_the_cache(ui_world, photo):
    _visit, sha = _worker_visit_with_photo(ui_world, photo)
    ui_world.user("boss", "supervisor")
    boss = ui_world.client("boss")
    assert not boss.blobs.has(sha)
    data = fetch_photo(boss.api, boss.blobs, sha)  # the bytes, decrypted
    assert data == photo.read_bytes()
    assert photo.read_bytes()[:64] not in boss.blobs.path(sha).read_bytes()  # kept encrypted
    ui_world.stop_server()
    assert fetch_photo(boss.api, boss.blobs, sha) == data  # offline: from the cache


def test_photos_are_dropped_and_pasted_into_the_visit_dialog(qtbot, ui_world, photo):
    from tests.ui.test_visits_and_sync import open_window

    window, homes = open_window(qtbot, ui_world)
    dialog = window.log_visit_for(homes["zhang"]["id"])
    strip: PhotoStrip = dialog.photos
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(photo))])
    drop = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    strip.list.dropEvent(drop)
    assert strip.new_files() == [photo]

    image = QImage(64, 48, QImage.Format.Format_RGB32)
    image.fill(QColor("#8d6e63"))
    QGuiApplication.clipboard().setImage(image)
    strip.list.setFocus()
    assert strip.paste()
    assert len(strip.new_files()) == 2 and strip.list.count() == 2
    dialog.notes.setPlainText("拍了井盖")
    dialog.accept()
    [_visit] = queries.household_detail(window.ctx.store, homes["zhang"]["id"])["visits"]
    attachments = queries.attachments_of(window.ctx.store, _visit["id"])
    assert len(attachments) == 2

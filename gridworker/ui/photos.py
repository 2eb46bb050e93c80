"""Photos of a visit or an issue: picked from files, dropped or pasted, shown as thumbnails
(downloaded on demand when another laptop took them), opened in a viewer with zoom, attached
on save."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QSize, Qt, Signal
from PySide6.QtGui import (
    QDragEnterEvent,
    QDropEvent,
    QGuiApplication,
    QIcon,
    QImage,
    QImageReader,
    QKeySequence,
    QPainter,
    QPixmap,
    QShortcut,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QGraphicsPixmapItem,
    QGraphicsScene,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from gridworker.client.photos import fetch_photo
from gridworker.domain import operations as ops
from gridworker.store.blobs import BlobFiles
from gridworker.store.local import Store

THUMB = 96
PATH_ROLE = Qt.ItemDataRole.UserRole + 1
FILE_ROLE = Qt.ItemDataRole.UserRole + 2  # the file shown by the viewer
SHA_ROLE = Qt.ItemDataRole.UserRole + 3  # an attachment still on the server
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp", ".heic")

# Downloads a photo off the GUI thread: (sha256, on_done(bytes), on_error(exc) -> handled).
Fetcher = Callable[[str, Callable[[bytes], None], Callable[[BaseException], bool]], None]
# FILE_ROLE of a stored attachment: its bytes are read (decrypted) from the blobs when shown.
BLOB_PREFIX = "blob:"


class _Reader(QImageReader):
    """An image reader of a file, or of bytes in memory (a decrypted attachment): the buffer
    lives as long as the reader."""

    def __init__(self, source: str | Path | bytes):
        if isinstance(source, bytes):
            super().__init__()
            self._buffer = QBuffer()
            self._buffer.setData(QByteArray(source))
            self._buffer.open(QBuffer.OpenModeFlag.ReadOnly)
            self.setDevice(self._buffer)
        else:
            super().__init__(str(source))


def thumbnail(source: str | Path | bytes, size: int = THUMB) -> QPixmap | None:
    """A scaled image read straight at thumbnail size (cheap even for big camera photos)."""
    reader = _Reader(source)
    reader.setAutoTransform(True)
    full = reader.size()
    if full.isValid() and (full.width() > size or full.height() > size):
        reader.setScaledSize(full.scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio))
    image = reader.read()
    if image.isNull():
        return None
    return QPixmap.fromImage(image)


class _DropList(QListWidget):
    """The strip's list: image files dropped on it are added."""

    files_dropped = Signal(list)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if _dropped_images(event.mimeData()):
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dragMoveEvent(self, event: Any) -> None:
        if _dropped_images(event.mimeData()):
            event.acceptProposedAction()
        else:
            super().dragMoveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        files = _dropped_images(event.mimeData())
        if files:
            event.acceptProposedAction()
            self.files_dropped.emit(files)
        else:
            super().dropEvent(event)


def _dropped_images(mime: Any) -> list[str]:
    if not mime.hasUrls():
        return []
    return [
        url.toLocalFile()
        for url in mime.urls()
        if url.isLocalFile() and url.toLocalFile().lower().endswith(IMAGE_SUFFIXES)
    ]


class PhotoStrip(QWidget):
    """Thumbnails of the photos already attached and of those to attach on save.

    Editable strips take photos from files, drag and drop (onto the strip) and
    the clipboard (Ctrl+V on the strip, or 粘贴图片). Double-click or Enter opens the viewer.
    """

    def __init__(self, parent: QWidget | None = None, editable: bool = True):
        super().__init__(parent)
        self.editable = editable
        self.fetcher: Fetcher | None = None
        self.viewer: PhotoViewer | None = None
        self._paste_dir: tempfile.TemporaryDirectory[str] | None = None
        self._pasted = 0
        self.list = _DropList()
        self.list.setObjectName("photoStrip")
        self.list.setViewMode(QListView.ViewMode.IconMode)
        self.list.setIconSize(QSize(THUMB, THUMB))
        self.list.setGridSize(QSize(THUMB + 24, THUMB + 30))
        self.list.setFlow(QListView.Flow.LeftToRight)
        self.list.setWrapping(False)
        self.list.setMovement(QListView.Movement.Static)
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setFixedHeight(THUMB + 48)
        self.list.setAccessibleName(self.tr("Photos"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list)
        self.add_button = QPushButton(self.tr("Add photos…"))
        self.paste_button = QPushButton(self.tr("Paste a picture"))
        self.remove_button = QPushButton(self.tr("Remove"))
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.paste_button)
        buttons.addWidget(self.remove_button)
        hint = QLabel(self.tr("or drop pictures here"))
        hint.setObjectName("muted")
        buttons.addWidget(hint)
        buttons.addStretch(1)
        if editable:
            layout.addLayout(buttons)
            self.list.setAcceptDrops(True)
            self.list.setDragDropMode(QListWidget.DragDropMode.DropOnly)
            self.list.files_dropped.connect(self.add_files)
            paste = QShortcut(QKeySequence.StandardKey.Paste, self.list, self.paste)
            paste.setContext(Qt.ShortcutContext.WidgetShortcut)
        self.add_button.clicked.connect(self.pick_files)
        self.paste_button.clicked.connect(self.paste)
        self.remove_button.clicked.connect(self.remove_selected)
        QShortcut(QKeySequence.StandardKey.Delete, self.list, self.remove_selected)
        self.list.itemActivated.connect(self.open_viewer)
        self._new: list[Path] = []
        self._blobs: BlobFiles | None = None

    # -- what is shown -------------------------------------------------------------------------

    def download_with(self, fetcher: Fetcher | None) -> None:
        """Photos not on this laptop are downloaded with ``fetcher`` when shown."""
        self.fetcher = fetcher

    def show_attachments(self, attachments: list[dict[str, Any]], blobs: BlobFiles) -> None:
        """Photos already attached (read-only); those not on this laptop yet are downloaded
        (with a fetcher) and shown as files until they arrive."""
        self.list.clear()
        self._new.clear()
        self._blobs = blobs
        for attachment in attachments:
            sha256 = attachment["sha256"]
            name = attachment.get("filename") or ""
            if blobs.has(sha256):
                self._add_stored(sha256, blobs.read(sha256), name)
                continue
            item = QListWidgetItem(self._file_icon(), name or self.tr("(not downloaded)"))
            item.setData(SHA_ROLE, sha256)
            self.list.addItem(item)
            if self.fetcher is None:
                item.setToolTip(self.tr("This photo is on the server; it is not on this laptop."))
                continue
            item.setToolTip(self.tr("Downloading…"))
            # By checksum, not item: the strip may show another record by then.
            self.fetcher(sha256, self._on_downloaded(sha256), self._on_failed(sha256))

    def _on_downloaded(self, sha256: str) -> Callable[[bytes], None]:
        return lambda data: self._downloaded(sha256, data)

    def _on_failed(self, sha256: str) -> Callable[[BaseException], bool]:
        return lambda exc: self._not_downloaded(sha256, exc)

    def _waiting(self, sha256: str) -> list[QListWidgetItem]:
        items = (self.list.item(row) for row in range(self.list.count()))
        return [item for item in items if item.data(SHA_ROLE) == sha256]

    def _downloaded(self, sha256: str, data: bytes) -> None:
        pixmap = thumbnail(data)
        for item in self._waiting(sha256):
            if pixmap is not None:
                item.setIcon(QIcon(pixmap))
            item.setData(FILE_ROLE, BLOB_PREFIX + sha256)
            item.setData(SHA_ROLE, None)
            item.setToolTip(item.text())

    def _not_downloaded(self, sha256: str, exc: BaseException) -> bool:
        message = getattr(exc, "message", None) or self.tr("not downloaded")
        for item in self._waiting(sha256):
            item.setToolTip(self.tr("The photo could not be downloaded: %1").replace("%1", message))
        return True  # said on the thumbnail; the next look tries again

    def paste(self) -> bool:
        """A picture from the clipboard (a screenshot, a photo copied elsewhere)."""
        clipboard = QGuiApplication.clipboard()
        mime = clipboard.mimeData()
        if mime is not None and _dropped_images(mime):
            self.add_files(_dropped_images(mime))
            return True
        image = clipboard.image()
        if image.isNull():
            return False
        if self._paste_dir is None:
            self._paste_dir = tempfile.TemporaryDirectory(prefix="gridworker-paste-")
        self._pasted += 1
        path = Path(self._paste_dir.name) / f"pasted-{self._pasted}.png"
        if not image.save(str(path)):  # PNG, by the suffix
            return False
        self.add_files([path])
        return True

    def open_viewer(self, item: QListWidgetItem | None = None) -> PhotoViewer | None:
        item = item or self.list.currentItem()
        if item is None:
            return None
        path = item.data(FILE_ROLE) or item.data(PATH_ROLE)
        if not path:
            return None
        source: Path | bytes = Path(path)
        if path.startswith(BLOB_PREFIX) and self._blobs is not None:
            source = self._blobs.read(path[len(BLOB_PREFIX) :])
        self.viewer = PhotoViewer(source, item.text(), self.window())
        self.viewer.open()
        return self.viewer

    def pick_files(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(
            self,
            self.tr("Choose photos"),
            "",
            self.tr("Images (*.jpg *.jpeg *.png *.bmp *.gif *.webp *.heic);;All files (*)"),
        )
        self.add_files(files)

    def add_files(self, files: list[str] | list[Path]) -> None:
        too_large = []
        for name in files:
            path = Path(name)
            if not path.is_file() or path in self._new:
                continue
            if path.stat().st_size > ops.MAX_ATTACHMENT_BYTES:
                too_large.append(path.name)
                continue
            self._new.append(path)
            self._add_item(path, path.name, stored=False)
        if too_large:
            box = QMessageBox(
                QMessageBox.Icon.Warning,
                self.tr("Photos"),
                self.tr("A photo may be at most 20 MB. Not added: %1").replace(
                    "%1", "、".join(too_large)
                ),
                QMessageBox.StandardButton.Ok,
                self,
            )
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.open()

    def remove_selected(self) -> None:
        for item in self.list.selectedItems():
            path = item.data(PATH_ROLE)
            if path is None or Path(path) not in self._new:
                continue  # already attached photos stay
            self._new.remove(Path(path))
            self.list.takeItem(self.list.row(item))

    def new_files(self) -> list[Path]:
        return list(self._new)

    def _add_stored(self, sha256: str, data: bytes, name: str) -> None:
        pixmap = thumbnail(data)
        icon = QIcon(pixmap) if pixmap is not None else self._file_icon()
        item = QListWidgetItem(icon, name)
        item.setToolTip(name)
        item.setData(FILE_ROLE, BLOB_PREFIX + sha256)
        self.list.addItem(item)

    def _add_item(self, path: Path, name: str, stored: bool) -> None:
        pixmap = thumbnail(path)
        icon = QIcon(pixmap) if pixmap is not None else self._file_icon()
        item = QListWidgetItem(icon, name)
        item.setToolTip(name)
        item.setData(FILE_ROLE, str(path))
        if not stored:
            item.setData(PATH_ROLE, str(path))
        self.list.addItem(item)

    def _file_icon(self) -> QIcon:
        return self.style().standardIcon(QStyle.StandardPixmap.SP_FileIcon)

    # -- saving --------------------------------------------------------------------------------

    def attach_to(self, store: Store, blobs: BlobFiles, owner_entity: str, owner_id: str) -> int:
        """Attach the new photos to a saved record (queued for upload with the next sync)."""
        for path in self._new:
            ops.attach_file(store, blobs, owner_entity, owner_id, path.read_bytes(), path.name)
        count = len(self._new)
        self._new.clear()
        return count


class _ZoomView(QGraphicsView):
    zoomed = Signal()

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120
        if steps:
            self.zoom(1.25**steps)
            event.accept()

    def zoom(self, factor: float) -> None:
        scale = self.transform().m11() * factor
        if 0.05 <= scale <= 20:
            self.scale(factor, factor)
            self.zoomed.emit()


class PhotoViewer(QDialog):
    """One photo, zoomable: wheel or +/- to zoom, 0 or F to fit the window, drag to pan."""

    def __init__(self, path: Path | bytes, name: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(name or self.tr("Photo"))
        reader = _Reader(path)
        reader.setAutoTransform(True)
        image: QImage = reader.read()
        self.scene = QGraphicsScene(self)
        self.item = QGraphicsPixmapItem(QPixmap.fromImage(image))
        self.item.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self.scene.addItem(self.item)
        self.view = _ZoomView(self.scene)
        self.view.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        self.view.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.view.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.view.zoomed.connect(self._show_scale)
        self.scale_label = QLabel()
        self.scale_label.setObjectName("muted")
        zoom_in = QPushButton(self.tr("Zoom in (+)"))
        zoom_out = QPushButton(self.tr("Zoom out (−)"))
        fit = QPushButton(self.tr("Fit (0)"))
        zoom_in.clicked.connect(lambda: self.view.zoom(1.25))
        zoom_out.clicked.connect(lambda: self.view.zoom(0.8))
        fit.clicked.connect(self.fit)
        for keys, slot in (
            (("+", "="), lambda: self.view.zoom(1.25)),
            (("-",), lambda: self.view.zoom(0.8)),
            (("0", "F"), self.fit),
        ):
            for key in keys:
                QShortcut(QKeySequence(key), self, slot)
        bar = QHBoxLayout()
        for widget in (zoom_out, zoom_in, fit):
            bar.addWidget(widget)
        bar.addStretch(1)
        bar.addWidget(self.scale_label)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addLayout(bar)
        screen = self.screen().availableGeometry() if self.screen() else None
        width = min(1000, int(screen.width() * 0.8)) if screen else 900
        height = min(720, int(screen.height() * 0.8)) if screen else 600
        self.resize(width, height)
        self._fitted = False

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if not self._fitted:
            self._fitted = True
            self.fit()

    def fit(self) -> None:
        self.view.resetTransform()
        self.view.fitInView(self.item, Qt.AspectRatioMode.KeepAspectRatio)
        self._show_scale()

    def scale_factor(self) -> float:
        return float(self.view.transform().m11())

    def _show_scale(self) -> None:
        self.scale_label.setText(f"{round(self.scale_factor() * 100)}%")


def fetcher_for(ctx: Any) -> Fetcher:
    """Download photos through the app's task helper and the session's API (``AppContext``)."""

    def fetch(
        sha256: str,
        on_done: Callable[[bytes], None],
        on_error: Callable[[BaseException], bool],
    ) -> None:
        api, blobs = ctx.session.api, ctx.blobs
        ctx.tasks.run(
            lambda: fetch_photo(api, blobs, sha256), on_done=on_done, on_error=on_error, quiet=True
        )

    return fetch

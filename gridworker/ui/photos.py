"""Photos of a visit or an issue: picked from files, shown as thumbnails, attached on save."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon, QImageReader, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QListView,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from gridworker.domain import operations as ops
from gridworker.store.blobs import BlobFiles
from gridworker.store.local import Store

THUMB = 96
PATH_ROLE = Qt.ItemDataRole.UserRole + 1


def thumbnail(source: str | Path, size: int = THUMB) -> QPixmap | None:
    """A scaled image read straight at thumbnail size (cheap even for big camera photos)."""
    reader = QImageReader(str(source))
    reader.setAutoTransform(True)
    full = reader.size()
    if full.isValid() and (full.width() > size or full.height() > size):
        reader.setScaledSize(full.scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio))
    image = reader.read()
    if image.isNull():
        return None
    return QPixmap.fromImage(image)


class PhotoStrip(QWidget):
    """Thumbnails of the photos already attached and of those to attach on save."""

    def __init__(self, parent: QWidget | None = None, editable: bool = True):
        super().__init__(parent)
        self.list = QListWidget()
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
        self.remove_button = QPushButton(self.tr("Remove"))
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        if editable:
            layout.addLayout(buttons)
        self.add_button.clicked.connect(self.pick_files)
        self.remove_button.clicked.connect(self.remove_selected)
        QShortcut(QKeySequence.StandardKey.Delete, self.list, self.remove_selected)
        self._new: list[Path] = []

    # -- what is shown -------------------------------------------------------------------------

    def show_attachments(self, attachments: list[dict[str, Any]], blobs: BlobFiles) -> None:
        """Photos already attached (read-only); those not on this laptop yet show as files."""
        self.list.clear()
        self._new.clear()
        for attachment in attachments:
            path = blobs.path(attachment["sha256"])
            name = attachment.get("filename") or ""
            if blobs.has(attachment["sha256"]):
                self._add_item(path, name, stored=True)
            else:
                item = QListWidgetItem(self._file_icon(), name or self.tr("(not downloaded)"))
                item.setToolTip(self.tr("This photo is on the server; it is not on this laptop."))
                self.list.addItem(item)

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

    def _add_item(self, path: Path, name: str, stored: bool) -> None:
        pixmap = thumbnail(path)
        icon = QIcon(pixmap) if pixmap is not None else self._file_icon()
        item = QListWidgetItem(icon, name)
        item.setToolTip(name)
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

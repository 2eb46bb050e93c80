"""Small building blocks shared by the screens."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLayout,
    QLayoutItem,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QStackedLayout,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from gridworker.domain.queries import KEY_TAGS

from . import labels


class FlowLayout(QLayout):
    """Lays children out left to right and wraps, like words (tag toggles, tag chips)."""

    def __init__(self, parent: QWidget | None = None, spacing: int = 6):
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._spacing = spacing
        self.setContentsMargins(0, 0, 0, 0)

    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._arrange(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._arrange(rect, move=True)

    def sizeHint(self) -> QSize:
        return self.minimumSize()

    def minimumSize(self) -> QSize:
        size = QSize()
        for item in self._items:
            size = size.expandedTo(item.minimumSize())
        margins = self.contentsMargins()
        return size + QSize(margins.left() + margins.right(), margins.top() + margins.bottom())

    def _arrange(self, rect: QRect, move: bool) -> int:
        margins = self.contentsMargins()
        area = rect.adjusted(margins.left(), margins.top(), -margins.right(), -margins.bottom())
        x, y, line_height = area.x(), area.y(), 0
        for item in self._items:
            widget = item.widget()
            if widget is not None and widget.isHidden():
                continue
            hint = item.sizeHint()
            if x + hint.width() > area.right() + 1 and line_height > 0:
                x = area.x()
                y += line_height + self._spacing
                line_height = 0
            if move:
                item.setGeometry(QRect(QPoint(x, y), hint))
            x += hint.width() + self._spacing
            line_height = max(line_height, hint.height())
        return y + line_height - rect.y() + margins.bottom()

    def clear(self) -> None:
        while self._items:
            widget = self._items.pop().widget()
            if widget is not None:
                widget.deleteLater()


class TagChips(QWidget):
    """A household's or resident's tags as coloured chips."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.flow = FlowLayout(self, spacing=4)

    def set_tags(self, tags: list[str] | None) -> None:
        self.flow.clear()
        for tag in tags or []:
            chip = QLabel(labels.code_label("tag", tag))
            chip.setObjectName("keyChip" if tag in KEY_TAGS else "chip")
            self.flow.addWidget(chip)
        self.updateGeometry()


class FormDialog(QDialog):
    """A dialog that takes text. Ctrl+Enter submits it (``submit``) wherever the focus is;
    Esc, 取消 or the close button ask before throwing typed text away."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._texts: dict[QLineEdit | QPlainTextEdit, str] = {}
        self.discard_box: QMessageBox | None = None
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self, self.submit)

    def submit(self) -> None:
        """What Ctrl+Enter and the default button do (a validating dialog overrides it)."""
        self.accept()

    def watch_text(self, *edits: QLineEdit | QPlainTextEdit) -> None:
        """Edits whose text, once changed, is not thrown away without asking."""
        for edit in edits:
            self._texts[edit] = _text_of(edit)

    def typed(self) -> bool:
        return any(_text_of(edit).strip() != start.strip() for edit, start in self._texts.items())

    def reject(self) -> None:
        if self.typed() and not self.confirm_discard():
            return
        super().reject()

    def confirm_discard(self) -> bool:
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(self.tr("Discard what you typed?"))
        box.setText(self.tr("You have typed text in this dialog. Close it and lose that text?"))
        discard = box.addButton(self.tr("Discard"), QMessageBox.ButtonRole.DestructiveRole)
        keep = box.addButton(self.tr("Keep editing"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep)
        box.setEscapeButton(keep)
        self.discard_box = box
        box.exec()
        self.discard_box = None
        return box.clickedButton() is discard


def _text_of(edit: QLineEdit | QPlainTextEdit) -> str:
    return edit.text() if isinstance(edit, QLineEdit) else edit.toPlainText()


class RowLegend(QWidget):
    """What the household list's row styles mean: pink = due for a visit, bold = key household."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        self.due = QLabel(self.tr("Due for a visit"))
        self.due.setObjectName("legendDue")
        self.key = QLabel(self.tr("Key household"))
        self.key.setObjectName("legendKey")
        for label in (self.due, self.key):
            layout.addWidget(label)
        layout.addStretch(1)


class Banner(QFrame):
    """A notice across the top of a screen, with an action and a close button."""

    activated = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("banner")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 4, 6, 4)
        # One line at a fixed height: a wrapping banner grew the window past the screen and
        # pushed the status bar off it.
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.text = QLabel()
        self.text.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.action = QPushButton()
        self.action.clicked.connect(self.activated)
        self.close_button = QPushButton(self.tr("Dismiss"))
        self.close_button.setFlat(True)
        self.close_button.clicked.connect(self.hide)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.action)
        layout.addWidget(self.close_button)
        self.hide()

    def show_notice(self, text: str, action: str) -> None:
        self.text.setText(text)
        self.text.setToolTip(text)
        self.action.setText(action)
        self.show()


def table_view(
    model: Any, parent: QWidget | None = None, stretch: int | None = None, fit: bool = True
) -> QTableView:
    """A read-only, whole-row-selecting table, the way every list here looks.

    ``fit``: columns other than ``stretch`` fit their contents (small lists only: it reads
    every row, so never for the lazy households list).
    """
    view = QTableView(parent)
    view.setModel(model)
    view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QTableView.SelectionMode.SingleSelection)
    view.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.verticalHeader().hide()
    view.verticalHeader().setDefaultSectionSize(30)
    header = view.horizontalHeader()
    header.setHighlightSections(False)
    header.setSectionResizeMode(
        QHeaderView.ResizeMode.ResizeToContents if fit else QHeaderView.ResizeMode.Interactive
    )
    # Fit to the first rows only: lists like 今日待访 hold hundreds of rows.
    header.setResizeContentsPrecision(60)
    header.setStretchLastSection(stretch is None)
    if stretch is not None:
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    view.setTabKeyNavigation(False)
    return view


def select_row(view: QTableView, row: int) -> None:
    if 0 <= row < view.model().rowCount():
        index = view.model().index(row, 0)
        view.setCurrentIndex(index)
        view.scrollTo(index)


def current_row(view: QTableView) -> int:
    index = view.currentIndex()
    return index.row() if index.isValid() else -1


def heading(text: str, parent: QWidget | None = None, name: str = "heading") -> QLabel:
    label = QLabel(text, parent)
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def error_label(parent: QWidget | None = None) -> QLabel:
    """The red line under a field that says, in Chinese, what is wrong with it."""
    label = QLabel(parent)
    label.setObjectName("fieldError")
    # No word wrap: a wrapping label makes the field's row reserve height even while hidden
    # (height-for-width); the shared rules' messages are one short line.
    label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
    label.hide()
    return label


def dialog_buttons(
    dialog: QDialog,
    save_text: str | None = None,
    *,
    on_save: Any = None,
    ok: bool = False,
) -> tuple[QDialogButtonBox, QPushButton]:
    """The Save/Cancel row a dialog ends with, and its Save button.

    Both texts are set here: Qt's own are English wherever its translations are missing.
    ``save_text`` names what Save does (default 保存); ``on_save`` runs on Save or Enter
    (default ``dialog.accept``); Cancel and Esc run ``dialog.reject`` (a ``FormDialog`` asks
    before throwing typed text away). ``ok``: an Ok button in place of Save (the platform
    places it where people look for "go on", e.g. 登录).
    """
    primary = QDialogButtonBox.StandardButton.Ok if ok else QDialogButtonBox.StandardButton.Save
    buttons = QDialogButtonBox(primary | QDialogButtonBox.StandardButton.Cancel, dialog)
    save = buttons.button(primary)
    save.setText(save_text or QCoreApplication.translate("Dialogs", "Save"))
    cancel = buttons.button(QDialogButtonBox.StandardButton.Cancel)
    cancel.setText(QCoreApplication.translate("Dialogs", "Cancel"))
    buttons.accepted.connect(on_save or dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons, save


def buddy_label(text: str, buddy: QWidget) -> QLabel:
    """A form label whose mnemonic (the letter after &) focuses ``buddy``."""
    label = QLabel(text)
    label.setBuddy(buddy)
    return label


def facts_form(items: tuple[tuple[str, str], ...]) -> tuple[QFormLayout, dict[str, QLabel]]:
    """A form of read-only facts (title: value), and the value labels by key."""
    form = QFormLayout()
    values: dict[str, QLabel] = {}
    for key, title in items:
        value = QLabel()
        value.setWordWrap(True)
        value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        values[key] = value
        form.addRow(title, value)
    return form, values


def list_and_detail(name: str, left: QWidget, right: QWidget) -> QSplitter:
    """A list beside its detail, 3 : 2, neither side collapsible (the layout is saved)."""
    splitter = QSplitter(Qt.Orientation.Horizontal)
    splitter.setObjectName(name)
    splitter.addWidget(left)
    splitter.addWidget(right)
    splitter.setStretchFactor(0, 3)
    splitter.setStretchFactor(1, 2)
    splitter.setChildrenCollapsible(False)
    return splitter


def detail_pages(owner: QWidget, empty_text: str) -> tuple[QStackedLayout, QLabel, QVBoxLayout]:
    """A detail pane: an empty state (page 0) and the detail page (page 1) whose layout is
    returned to fill."""
    stack = QStackedLayout(owner)
    empty = QLabel(empty_text)
    empty.setObjectName("emptyState")
    stack.addWidget(empty)
    page = QWidget()
    stack.addWidget(page)
    layout = QVBoxLayout(page)
    layout.setContentsMargins(12, 4, 4, 4)
    return stack, empty, layout

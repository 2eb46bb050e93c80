"""常用语: the notes grid workers write again and again, one keystroke each (Ctrl+1 … Ctrl+9)."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMenu, QPlainTextEdit, QToolButton, QWidget

translate = QCoreApplication.translate

# English sources; the Chinese is in the translation (context "Phrases").
PHRASES = (
    QT_TRANSLATE_NOOP("Phrases", "Everything is fine at home"),
    QT_TRANSLATE_NOOP("Phrases", "The elderly resident is in good health"),
    QT_TRANSLATE_NOOP("Phrases", "Told them about fraud and home safety"),
    QT_TRANSLATE_NOOP("Phrases", "Checked gas and electricity safety"),
    QT_TRANSLATE_NOOP("Phrases", "No difficulties or requests"),
    QT_TRANSLATE_NOOP("Phrases", "Raised a request: recorded as an issue"),
    QT_TRANSLATE_NOOP("Phrases", "Who lives here has not changed"),
    QT_TRANSLATE_NOOP("Phrases", "Reminded them of the flood season precautions"),
    QT_TRANSLATE_NOOP("Phrases", "To be visited again soon"),
)
SEPARATOR = "；"


def phrases() -> list[str]:
    return [translate("Phrases", str(text)) for text in PHRASES]


def append_phrase(edit: QPlainTextEdit, phrase: str) -> None:
    """Add ``phrase`` to the note, after what is there (separated by ；), cursor at the end."""
    text = edit.toPlainText().rstrip()
    if text and not text.endswith(("。", "；", ";", "，", ",")):
        text += SEPARATOR
    edit.setPlainText(text + phrase)
    cursor = edit.textCursor()
    cursor.movePosition(cursor.MoveOperation.End)
    edit.setTextCursor(cursor)


class PhrasePicker(QWidget):
    """A 常用语 menu beside the note; Ctrl+1 … Ctrl+9 on the dialog add phrase 1 … 9."""

    def __init__(self, edit: QPlainTextEdit, dialog: QWidget):
        super().__init__(dialog)
        self.edit = edit
        self.button = QToolButton()
        self.button.setText(self.tr("Common phrases (Ctrl+1…9)"))
        self.button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.menu = QMenu(self.button)
        for number, phrase in enumerate(phrases(), start=1):
            # The key is shown, not set on the action: the dialog's shortcut handles it.
            action = self.menu.addAction(f"{number}  {phrase}\tCtrl+{number}")
            action.triggered.connect(lambda _=False, p=phrase: self.add(p))
            shortcut = QShortcut(QKeySequence(f"Ctrl+{number}"), dialog)
            shortcut.activated.connect(lambda p=phrase: self.add(p))
        self.button.setMenu(self.menu)
        hint = QLabel(self.tr("adds a phrase to the note"))
        hint.setObjectName("muted")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.button)
        layout.addWidget(hint)
        layout.addStretch(1)

    def add(self, phrase: str) -> None:
        append_phrase(self.edit, phrase)
        self.edit.setFocus(Qt.FocusReason.ShortcutFocusReason)

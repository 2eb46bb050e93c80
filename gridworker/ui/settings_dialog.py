"""Settings: server, CA bundle (government intranets), sync interval, language."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from gridworker.client.lock import IDLE_MINUTES_CHOICES

from . import i18n
from .context import AppSettings
from .lock_screen import idle_minutes, set_idle_minutes
from .widgets import FormDialog, buddy_label, dialog_buttons


class SettingsDialog(FormDialog):
    def __init__(self, settings: AppSettings, parent: QWidget | None = None):
        super().__init__(parent)
        self.settings = settings
        self.setWindowTitle(self.tr("Settings"))
        self.setMinimumWidth(520)
        self.server = QLineEdit(settings.server_url)
        self.server.setPlaceholderText("https://grid.example.gov.cn")
        self.ca_bundle = QLineEdit(settings.ca_bundle)
        self.ca_bundle.setPlaceholderText(self.tr("System certificates"))
        browse = QPushButton(self.tr("Choose…"))
        browse.clicked.connect(self._choose_ca_bundle)
        ca_row = QHBoxLayout()
        ca_row.addWidget(self.ca_bundle, 1)
        ca_row.addWidget(browse)
        self.interval = QSpinBox()
        self.interval.setRange(1, 240)
        self.interval.setValue(settings.sync_minutes)
        self.interval.setSuffix(self.tr(" min"))
        # The idle lock (lock_screen): an unattended laptop must not show residents' data.
        self.idle_lock = QComboBox()
        for minutes in IDLE_MINUTES_CHOICES:
            self.idle_lock.addItem(self.tr("%n minute(s)", "", minutes), minutes)
        self.idle_lock.setCurrentIndex(max(0, self.idle_lock.findData(idle_minutes(settings))))
        self.language = QComboBox()
        self.language.addItem(self.tr("Simplified Chinese"), i18n.CHINESE)
        self.language.addItem("English", i18n.ENGLISH)
        self.language.addItem(self.tr("Same as the system"), i18n.SYSTEM)
        self.language.setCurrentIndex(max(0, self.language.findData(settings.language)))
        note = QLabel(
            self.tr(
                "The server and CA bundle are used at the next login; the language after a restart."
            )
        )
        note.setWordWrap(True)
        note.setObjectName("muted")

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow(self.tr("&Server"), self.server)
        form.addRow(buddy_label(self.tr("&CA bundle"), self.ca_bundle), ca_row)
        form.addRow(self.tr("Sync &every"), self.interval)
        form.addRow(self.tr("Lock when &idle for"), self.idle_lock)
        form.addRow(self.tr("&Language"), self.language)
        buttons, _save = dialog_buttons(self)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self.watch_text(self.server, self.ca_bundle)

    def _choose_ca_bundle(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            self.tr("CA certificates"),
            "",
            self.tr("Certificates (*.pem *.crt *.cer);;All files (*)"),
        )
        if path:
            self.ca_bundle.setText(path)

    def accept(self) -> None:
        self.settings.server_url = self.server.text()
        self.settings.ca_bundle = self.ca_bundle.text()
        self.settings.sync_minutes = self.interval.value()
        set_idle_minutes(self.settings, self.idle_lock.currentData())
        self.settings.language = self.language.currentData()
        self.settings.sync()
        super().accept()

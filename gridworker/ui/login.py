"""Logging in: online when the server answers, else unlocking this laptop's data offline."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from gridworker import first_login
from gridworker import session as sessions
from gridworker.client import wipe
from gridworker.client.http import SyncError
from gridworker.session import Session

from .context import AppSettings
from .qtcompat import emit
from .tasks import Tasks, user_message
from .widgets import dialog_buttons, heading


class LoginDialog(QDialog):
    logged_in = Signal(object)  # the Session

    def __init__(
        self,
        tasks: Tasks,
        settings: AppSettings,
        data_dir: Path,
        parent: QWidget | None = None,
        *,
        relogin: bool = False,
    ):
        super().__init__(parent)
        self.tasks = tasks
        self.settings = settings
        self.data_dir = data_dir
        self.session: Session | None = None
        self.setWindowTitle(self.tr("Gridworker — log in"))
        self.setMinimumWidth(460)

        last = sessions.last_profile(data_dir)
        self.server = QLineEdit(settings.server_url or (last[0] if last else ""))
        self.server.setPlaceholderText("https://grid.example.gov.cn")
        self.username = QLineEdit(settings.username or (last[1] if last else ""))
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.hint = QLabel(
            self.tr(
                "After one online login, the same password also opens this laptop's data "
                "without a network."
            )
        )
        self.hint.setWordWrap(True)
        self.hint.setObjectName("muted")
        self.mode = QLabel()
        self.mode.setObjectName("loginMode")
        self.mode.setWordWrap(True)
        self.mode.hide()
        self.error = QLabel()
        self.error.setObjectName("fieldError")
        self.error.setWordWrap(True)
        self.error.hide()
        # Revoked with --wipe: this laptop's data was deleted; said until the next login.
        wipe.finish_pending(data_dir)
        self.notice = QLabel()
        self.notice.setObjectName("fieldError")
        self.notice.setWordWrap(True)
        self.show_notice(wipe.notice(data_dir))

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow(self.tr("&Server"), self.server)
        form.addRow(self.tr("&User name"), self.username)
        form.addRow(self.tr("&Password"), self.password)

        # 高级: the CA bundle of a government intranet's own certificate authority.
        self.advanced_toggle = QToolButton()
        self.advanced_toggle.setText(self.tr("Advanced"))
        self.advanced_toggle.setCheckable(True)
        self.advanced_toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.advanced_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.advanced_toggle.setAutoRaise(True)
        self.advanced = QWidget()
        advanced_form = QFormLayout(self.advanced)
        advanced_form.setContentsMargins(0, 0, 0, 0)
        self.ca_bundle = QLineEdit(settings.ca_bundle or "")
        self.ca_bundle.setPlaceholderText(self.tr("Only for a server with its own certificate"))
        browse = QPushButton(self.tr("Choose…"))
        browse.clicked.connect(self.choose_ca_bundle)
        ca_row = QHBoxLayout()
        ca_row.addWidget(self.ca_bundle, 1)
        ca_row.addWidget(browse)
        advanced_form.addRow(self.tr("CA certificate"), ca_row)
        self.advanced.setVisible(bool(self.ca_bundle.text()))
        self.advanced_toggle.setChecked(self.advanced.isVisible())
        self.advanced_toggle.toggled.connect(self._show_advanced)
        self.buttons, self.login_button = dialog_buttons(
            self, self.tr("Log in"), on_save=self.log_in, ok=True
        )

        layout = QVBoxLayout(self)
        layout.addWidget(heading(self.tr("Grid worker's desk"), name="loginHeading"))
        layout.addWidget(self.notice)
        layout.addLayout(form)
        layout.addWidget(self.advanced_toggle, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.advanced)
        layout.addWidget(self.hint)
        layout.addWidget(self.error)
        layout.addWidget(self.mode)
        layout.addWidget(self.buttons)
        if relogin:
            self.server.setReadOnly(True)
            self.username.setReadOnly(True)
            self.hint.setText(self.tr("Your login has expired. Log in again to keep syncing."))
        first_empty = next(
            (w for w in (self.server, self.username, self.password) if not w.text()), self.password
        )
        first_empty.setFocus(Qt.FocusReason.OtherFocusReason)

    def log_in(self) -> None:
        server, username = self.server.text().strip(), self.username.text().strip()
        password = self.password.text()
        if not server or not username or not password:
            self._show_error(self.tr("Enter the server, your user name and your password."))
            return
        problem = first_login.check_server_url(server)
        if problem:
            self._show_error(problem)
            self.server.setFocus()
            return
        self._busy(True)
        self.mode.setText(self.tr("Logging in…"))
        self.mode.show()
        ca_bundle = self.ca_bundle.text().strip() or None
        self.settings.ca_bundle = ca_bundle or ""
        data_dir = self.data_dir

        def attempt() -> Session:
            existed = first_login.profile_exists(data_dir, server, username)
            try:
                return sessions.login(data_dir, server, username, password, ca_bundle=ca_bundle)
            except SyncError as exc:
                if not existed:  # a failed first login leaves no empty profile behind
                    first_login.discard_new_profile(data_dir, server, username)
                raise first_login.explain(exc, server, first_login=not existed) from None

        self.tasks.run(attempt, on_done=self._logged_in, on_error=self._failed)

    def show_notice(self, text: str | None) -> None:
        """A sentence above the form (the data of this laptop was wiped)."""
        self.notice.setText(text or "")
        self.notice.setVisible(bool(text))

    def _show_advanced(self, shown: bool) -> None:
        self.advanced.setVisible(shown)
        self.advanced_toggle.setArrowType(
            Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow
        )
        self.adjustSize()

    def choose_ca_bundle(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self,
            self.tr("Choose the CA certificate"),
            self.ca_bundle.text(),
            self.tr("Certificates (*.pem *.crt *.cer);;All files (*)"),
        )
        if path:
            self.ca_bundle.setText(path)

    def _logged_in(self, session: Session) -> None:
        self._busy(False)
        self.session = session
        wipe.clear_notice(self.data_dir)
        self.settings.server_url = self.server.text().strip()
        self.settings.username = self.username.text().strip()
        if session.online:
            self.mode.setText(self.tr("Logged in online."))
        else:
            self.mode.setText(
                self.tr(
                    "The server cannot be reached: unlocked offline with this laptop's data. "
                    "Your work will be synced when the network returns."
                )
            )
        self.mode.setProperty("offline", not session.online)
        self.mode.style().unpolish(self.mode)
        self.mode.style().polish(self.mode)
        emit(self.logged_in, session)
        self.accept()

    def _failed(self, exc: BaseException) -> bool:
        self._busy(False)
        self.mode.hide()
        message = user_message(exc)
        if getattr(exc, "wipe", False):
            message = wipe.WIPED_MESSAGE
        if message is None:
            return False  # a defect: logged and shown by the task runner
        self._show_error(message)
        if getattr(exc, "code", "") == "tls_error":
            self.advanced_toggle.setChecked(True)  # the CA setting the message points to
        self.password.setFocus()
        self.password.selectAll()
        return True

    def _show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()

    def _busy(self, busy: bool) -> None:
        self.error.hide()
        for widget in (self.server, self.username, self.password, self.login_button):
            widget.setEnabled(not busy)

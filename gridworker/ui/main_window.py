"""The main window: 住户, 今日待访, 我的事项, 冲突与被拒; the sync corner; the shortcuts."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer, QUrl
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDesktopServices,
    QGuiApplication,
    QKeySequence,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from gridworker.domain import campaigns as camp
from gridworker.domain import queries
from sync.protocol.workflow import REVIEWER_ROLES

from . import labels
from .campaign_admin import CampaignAdminPage
from .campaigns import CampaignsPage
from .conflicts import ConflictsPage
from .context import AppContext
from .coverage import CoveragePage
from .due import DuePage
from .followups import FollowupsPage
from .households import HouseholdsPage
from .issue_dialog import IssueDialog
from .issues import IssuesPage
from .lock_screen import IdleLock, sign_out
from .login import LoginDialog
from .oversight import OversightPage
from .review import ReviewPage
from .settings_dialog import SettingsDialog
from .sync_control import SyncController, SyncIndicator
from .visit_dialog import VisitDialog
from .widgets import Banner


class MainWindow(QMainWindow):
    def __init__(self, ctx: AppContext):
        super().__init__()
        self.ctx = ctx
        self.setObjectName("mainWindow")
        ctx.tasks.window = self
        self.sync = SyncController(ctx, self)
        self.supervising = ctx.user.get("role") in REVIEWER_ROLES
        self.households = HouseholdsPage(ctx)
        self.due = DuePage(ctx)
        # Supervisors oversee every issue of their grids; workers follow their own.
        self.issues: IssuesPage | OversightPage = (
            OversightPage(ctx) if self.supervising else IssuesPage(ctx)
        )
        self.conflicts = ConflictsPage(ctx, self.sync_now)
        self.review: ReviewPage | None = None
        self.coverage: CoveragePage | None = None
        # 待办走访: the visits a supervisor returned and those marked 需要跟进 (workers).
        self.followups = FollowupsPage(ctx)
        # 任务 (issue 12): workers answer campaigns, supervisors publish and follow them.
        self.campaigns: CampaignsPage | CampaignAdminPage = (
            CampaignAdminPage(ctx) if self.supervising else CampaignsPage(ctx)
        )
        # Last, so that the older tabs keep their Ctrl+1…4.
        pages: list[QWidget] = [
            self.households,
            self.due,
            self.issues,
            self.conflicts,
            self.followups,
            self.campaigns,
        ]
        if self.supervising:
            self.review = ReviewPage(ctx)
            self.coverage = CoveragePage(ctx)
            self.review.open_household_requested.connect(self.open_household)
            self.review.reviewed.connect(self._reviewed)
            self.coverage.open_household_requested.connect(self.open_household)
            pages = [
                self.review,
                self.coverage,
                self.issues,
                self.households,
                self.due,
                self.conflicts,
                self.campaigns,
            ]
        self.pages = pages
        self.tabs = QTabWidget()
        self.tabs.setObjectName("mainTabs")
        self.tabs.setDocumentMode(True)
        for page in pages:
            self.tabs.addTab(page, "")
        self.banner = Banner()
        self.banner.activated.connect(self._show_conflicts)
        self.banner_target: QWidget = self.conflicts  # the page the banner's button opens
        # Returned visits have a banner of their own: a sync can bring both, and neither
        # notice may hide the other.
        self.returns_banner = Banner()
        self.returns_banner.activated.connect(self._show_returns)
        # While an emergency campaign is active (平急转换) a banner says so, above the others.
        self.campaign_banner = Banner()
        self._emergency_shown: str | None = None
        self.campaign_banner.activated.connect(lambda: self.tabs.setCurrentWidget(self.campaigns))
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.campaign_banner)
        layout.addWidget(self.banner)
        layout.addWidget(self.returns_banner)
        layout.addWidget(self.tabs)
        self.setCentralWidget(central)

        self.user_label = QLabel()
        # Notices go to a label of their own, not QStatusBar.showMessage: a temporary message
        # was drawn over the user's name for its whole duration.
        self.status_notice = QLabel()
        self.status_notice.setObjectName("statusNotice")
        self.status_notice.hide()
        self._notice_timer = QTimer(self)
        self._notice_timer.setSingleShot(True)
        self._notice_timer.timeout.connect(self.clear_status)
        self.indicator = SyncIndicator(ctx, self.sync)
        self.statusBar().setSizeGripEnabled(False)
        self.statusBar().addWidget(self.user_label)
        self.statusBar().addWidget(self.status_notice, 1)
        self.statusBar().addPermanentWidget(self.indicator)
        self._build_actions()

        self.households.detail.log_visit_requested.connect(self.log_visit)
        self.households.detail.raise_issue_requested.connect(self.raise_issue)
        self.households.detail.edit_visit_requested.connect(self.edit_visit)
        self.households.detail.open_issue_requested.connect(self.open_issue)
        self.households.current_changed.connect(self._update_actions)
        self.due.open_household_requested.connect(self.open_household)
        self.due.log_visit_requested.connect(self.log_visit_for)
        self.followups.edit_visit_requested.connect(self.edit_visit)
        self.followups.open_household_requested.connect(self.open_household)
        self.sync.finished.connect(self._returns_notice)
        self.issues.raise_requested.connect(lambda: self.raise_issue(free_standing=True))
        self.issues.panel.open_household_requested.connect(self.open_household)
        self.sync.notice.connect(self._notice)
        self.sync.login_needed.connect(self.log_in_again)
        # After the idle time set in the settings the window hides its data (lock_screen).
        self.idle_lock: IdleLock | None = IdleLock(self, ctx)
        self.sync.wipe_ordered.connect(lambda: self.sign_out(wiped=True))
        ctx.tasks.changed.connect(self._refresh_titles)
        ctx.session_replaced.connect(self._refresh_titles)
        self._refresh_titles()
        self._visit_dialogs: dict[str, VisitDialog] = {}
        self._closing_after_sync = False
        self.resize(1280, 800)
        self._fresh_splitters = True
        self.restore_layout()
        self.fit_to_screen()

    # -- actions and shortcuts ---------------------------------------------------------------

    def _action(
        self, text: str, shortcut: str | QKeySequence | QKeySequence.StandardKey | None, slot: Any
    ) -> QAction:
        action = QAction(text, self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        self.visit_action = self._action(self.tr("Log a visit"), "Ctrl+N", self.log_visit)
        self.issue_action = self._action(self.tr("Raise an issue"), "Ctrl+I", self.raise_issue)
        self.sync_action = self._action(self.tr("Sync now"), "F5", self.sync_now)
        self.search_action = self._action(self.tr("Find a household"), "Ctrl+F", self.focus_search)
        self.settings_action = self._action(self.tr("Settings…"), "Ctrl+,", self.open_settings)
        relogin = self._action(self.tr("Log in again…"), None, self.log_in_again)
        logs = self._action(self.tr("Open the log folder"), None, self.open_logs)
        quit_action = self._action(self.tr("Quit"), QKeySequence.StandardKey.Quit, self.close)
        titles = {
            self.households: self.tr("Households"),
            self.due: self.tr("Due today"),
            self.issues: self.tr("Issue oversight") if self.supervising else self.tr("My issues"),
            self.conflicts: self.tr("Conflicts and refusals"),
            self.followups: self.tr("Visits to fix"),
            self.campaigns: self.tr("Campaigns"),
        }
        if self.review is not None and self.coverage is not None:
            titles[self.review] = self.tr("Review visits")
            titles[self.coverage] = self.tr("Coverage")
        self.tab_actions = [
            self._action(
                titles[page], f"Ctrl+{n + 1}", lambda p=page: self.tabs.setCurrentWidget(p)
            )
            for n, page in enumerate(self.pages)
        ]
        self.export_action = self._action(self.tr("Export a ledger…"), "Ctrl+E", self.export_ledger)
        self.import_action = self._action(
            self.tr("Import a household ledger…"), None, self.import_ledger
        )
        self.import_action.setEnabled(self.supervising)
        about = self._action(self.tr("Keyboard shortcuts"), "F1", self.show_shortcuts)

        menu = self.menuBar().addMenu(self.tr("&File"))
        for action in (self.sync_action, self.settings_action, relogin, logs):
            menu.addAction(action)
        menu.addSeparator()
        menu.addAction(quit_action)
        work = self.menuBar().addMenu(self.tr("&Work"))
        for action in (self.search_action, self.visit_action, self.issue_action):
            work.addAction(action)
        ledgers = self.menuBar().addMenu(self.tr("&Ledgers"))
        ledgers.addAction(self.export_action)
        if self.supervising:
            ledgers.addAction(self.import_action)
        from .workorders import add_ledger_actions

        add_ledger_actions(self, ledgers)  # 巷理事工作清单, 12345 工单
        view = self.menuBar().addMenu(self.tr("&View"))
        for action in self.tab_actions:
            view.addAction(action)
        self.menuBar().addMenu(self.tr("&Help")).addAction(about)

        toolbar = QToolBar(self.tr("Main"))
        toolbar.setObjectName("mainToolbar")
        toolbar.setMovable(False)
        for action in (self.visit_action, self.issue_action, self.sync_action):
            toolbar.addAction(action)
        toolbar.addSeparator()
        toolbar.addAction(self.settings_action)
        self.addToolBar(toolbar)
        for action, tip in (
            (self.visit_action, "Ctrl+N"),
            (self.issue_action, "Ctrl+I"),
            (self.sync_action, "F5"),
        ):
            action.setToolTip(f"{action.text()} ({tip})")

    def _update_actions(self, _household_id: Any = None) -> None:
        self.visit_action.setEnabled(self.current_household_id() is not None)

    # -- what the user does ------------------------------------------------------------------

    def current_household_id(self) -> str | None:
        if self.tabs.currentWidget() is self.due:
            return self.due.current_id()
        return self.households.current_id()

    def log_visit(self) -> VisitDialog | None:
        household_id = self.current_household_id()
        return self.log_visit_for(household_id) if household_id else None

    def log_visit_for(self, household_id: str) -> VisitDialog | None:
        detail = queries.household_detail(self.ctx.store, household_id)
        if detail is None:
            return None
        dialog = VisitDialog(self.ctx, detail, parent=self)
        dialog.open()
        return dialog

    def edit_visit(self, visit: dict[str, Any]) -> VisitDialog | None:
        # A double click also sends "activated": one dialog per visit, the open one raised.
        open_dialog = self._visit_dialogs.get(visit["id"])
        if open_dialog is not None:
            open_dialog.raise_()
            open_dialog.activateWindow()
            return open_dialog
        detail = queries.household_detail(self.ctx.store, visit["household_id"])
        if detail is None:
            return None
        dialog = VisitDialog(self.ctx, detail, visit, parent=self)
        self._visit_dialogs[visit["id"]] = dialog
        dialog.finished.connect(lambda _r, vid=visit["id"]: self._visit_dialogs.pop(vid, None))
        dialog.open()
        return dialog

    def raise_issue(self, free_standing: bool = False) -> IssueDialog:
        household = None
        if not free_standing and self.tabs.currentWidget() in (self.households, self.due):
            household_id = self.current_household_id()
            household = (
                queries.household_detail(self.ctx.store, household_id) if household_id else None
            )
        dialog = IssueDialog(self.ctx, household, parent=self)
        dialog.open()
        return dialog

    def open_household(self, household_id: str) -> None:
        self.tabs.setCurrentWidget(self.households)
        self.households.show_household(household_id)

    def open_issue(self, issue_id: str) -> None:
        self.tabs.setCurrentWidget(self.issues)
        self.issues.show_issue(issue_id)

    def focus_search(self) -> None:
        self.tabs.setCurrentWidget(self.households)
        self.households.focus_search()

    def export_ledger(self) -> QDialog:
        from .ledgers import ExportDialog

        dialog = ExportDialog(self.ctx, self)
        dialog.open()
        return dialog

    def import_ledger(self) -> QDialog | None:
        if not self.supervising:
            return None
        from .ledgers import ImportDialog

        dialog = ImportDialog(self.ctx, self)
        dialog.imported.connect(lambda _counts: self.sync_now())
        dialog.open()
        return dialog

    def _reviewed(self, count: int, approved: bool) -> None:
        text = (
            self.tr("%n visit(s) approved", "", count)
            if approved
            else self.tr("%n visit(s) returned to the worker", "", count)
        )
        self.show_status(text, 5000)

    def sync_now(self) -> bool:
        return self.sync.sync_now(automatic=False)

    def open_settings(self) -> SettingsDialog:
        dialog = SettingsDialog(self.ctx.settings, self)
        dialog.accepted.connect(self.sync.schedule)
        if self.idle_lock is not None:
            dialog.accepted.connect(self.idle_lock.apply_settings)
        dialog.open()
        return dialog

    def log_in_again(self) -> LoginDialog:
        dialog = LoginDialog(
            self.ctx.tasks, self.ctx.settings, self.ctx.data_dir, self, relogin=True
        )
        dialog.logged_in.connect(self._logged_in_again)
        dialog.open()
        return dialog

    def sign_out(self, *, wiped: bool = False) -> QDialog:
        """Back to the login screen (the lock's 退出登录, or a wipe the admin ordered)."""
        return sign_out(self, wiped=wiped)

    def _logged_in_again(self, session: Any) -> None:
        self.ctx.replace_session(session)
        self.sync.online = session.online
        self.sync_now()

    def open_logs(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.ctx.data_dir / "logs")))

    def show_shortcuts(self) -> None:
        text = "\n".join(
            f"{action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)}\t{action.text()}"
            for action in (
                self.search_action,
                self.visit_action,
                self.issue_action,
                self.sync_action,
                self.settings_action,
                *self.tab_actions,
            )
        )
        box = QMessageBox(
            QMessageBox.Icon.Information, self.tr("Keyboard shortcuts"), text, parent=self
        )
        box.open()

    # -- notices and titles ------------------------------------------------------------------

    def _notice(self, conflicts: int, rejections: int) -> None:
        parts = []
        if conflicts:
            parts.append(self.tr("%n conflicting edit(s)", "", conflicts))
        if rejections:
            parts.append(self.tr("%n change(s) refused by the server", "", rejections))
        self.banner.show_notice(
            self.tr("The last sync brought %1. Please have a look.").replace(
                "%1", "、".join(parts)
            ),
            self.tr("Show"),
        )
        self.banner_target = self.conflicts
        self._refresh_titles()

    def _returns_notice(self, _report: Any = None) -> None:
        """After a sync: say how many visits the supervisor returned since the last time."""
        returned = self.followups.take_new_returns()
        if returned and not self.supervising:
            self.returns_banner.show_notice(
                self.tr("The supervisor returned %n visit(s) to you.", "", returned),
                self.tr("Show"),
            )
        self._refresh_titles()

    def _show_returns(self) -> None:
        self.returns_banner.hide()
        self.tabs.setCurrentWidget(self.followups)

    def _show_conflicts(self) -> None:
        self.banner.hide()
        self.tabs.setCurrentWidget(self.banner_target)

    def _refresh_titles(self) -> None:
        user = self.ctx.user
        role = labels.code_label("role", user.get("role"))
        grids = "、".join(queries.grid_names(self.ctx.store).values())
        self.user_label.setText(f"{user.get('display_name', '')}（{role}） {grids}")
        title = self.tr("Gridworker")
        if self.ctx.demo:
            title += self.tr(" (demo)")
        self.setWindowTitle(f"{title} — {user.get('display_name', '')}")
        conflicts, rejections = self.conflicts.counts()
        self._tab_text(self.households, self.tr("Households"))
        self._tab_text(
            self.campaigns, self.tr("Campaigns (%1)").replace("%1", str(self.campaigns.count()))
        )
        self._emergency_notice()
        self._tab_text(self.due, self.tr("Due today (%1)").replace("%1", str(self.due.count())))
        self._tab_text(
            self.followups, self.tr("To fix (%1)").replace("%1", str(self.followups.count()))
        )
        issues = self.tr("Issue oversight (%1)") if self.supervising else self.tr("My issues (%1)")
        self._tab_text(self.issues, issues.replace("%1", str(self.issues.open_count())))
        self._tab_text(
            self.conflicts, self.tr("Conflicts (%1)").replace("%1", str(conflicts + rejections))
        )
        if self.review is not None and self.coverage is not None:
            self._tab_text(
                self.review,
                self.tr("Review (%1)").replace("%1", str(self.review.pending_count())),
            )
            self._tab_text(self.coverage, self.tr("Coverage"))
        self._update_actions()

    def _emergency_notice(self) -> None:
        """The emergency banner, shown while an emergency campaign is active (not dismissed
        for good: a new sync shows it again)."""
        urgent = [c for c in camp.active_campaigns(self.ctx.store) if c.emergency]
        # Workers only: a supervisor follows it in the 任务 tab, and one more banner would push
        # the supervisor's screens past a 1366×768 laptop's height.
        if not urgent or self.supervising:
            self.campaign_banner.hide()
            return
        first = urgent[0]
        text = (
            self.tr("Emergency campaign under way: %1, deadline %2 (%3 of %4 answered).")
            .replace("%1", first.title)
            .replace("%2", labels.local_time(first.deadline))
            .replace("%3", str(first.answered))
            .replace("%4", str(first.targets))
        )
        # Dismissed, it stays away until another emergency campaign arrives.
        if not self.campaign_banner.isHidden() or first.campaign_id != self._emergency_shown:
            self._emergency_shown = first.campaign_id
            self.campaign_banner.show_notice(text, self.tr("Open the campaign"))

    def show_status(self, text: str, msecs: int = 0) -> None:
        """A short notice in the status bar in place of the user's name (for ``msecs``)."""
        self.user_label.hide()
        self.status_notice.setText(text)
        self.status_notice.setToolTip(text)
        self.status_notice.show()
        if msecs:
            self._notice_timer.start(msecs)
        else:
            self._notice_timer.stop()

    def clear_status(self) -> None:
        self.status_notice.hide()
        self.status_notice.clear()
        self.user_label.show()

    def _tab_text(self, page: QWidget, text: str) -> None:
        self.tabs.setTabText(self.tabs.indexOf(page), text)

    # -- layout ------------------------------------------------------------------------------

    def restore_layout(self) -> None:
        settings = self.ctx.settings
        geometry = settings.layout("main/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        self.fit_to_screen()
        state = settings.layout("main/state")
        if state is not None:
            self.restoreState(state)
        for name, splitter in self._splitters().items():
            saved = settings.layout(f"splitter/{name}")
            if saved is not None:
                splitter.restoreState(saved)
                self._fresh_splitters = False

    def fit_to_screen(self) -> None:
        """Keep the whole window, status bar included, on the screen's available area (a
        1366×768 laptop has about 728 pixels under its task bar)."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is None:
            return
        area = screen.availableGeometry()
        frame = self.frameGeometry()
        # The frame's decorations are only known once shown: assume a title bar until then.
        extra_w = max(frame.width() - self.width(), 0 if self.isVisible() else 16)
        extra_h = max(frame.height() - self.height(), 0 if self.isVisible() else 40)
        width = min(self.width(), area.width() - extra_w)
        height = min(self.height(), area.height() - extra_h)
        if (width, height) != (self.width(), self.height()):
            self.resize(width, height)
        x = min(max(frame.x(), area.x()), area.right() - width - extra_w + 1)
        y = min(max(frame.y(), area.y()), area.bottom() - height - extra_h + 1)
        if (x, y) != (frame.x(), frame.y()):
            self.move(x, y)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.fit_to_screen()  # the frame's real decorations are known now
        if self._fresh_splitters:  # first start: list 60 %, detail 40 %
            self._fresh_splitters = False
            width = self.width() - 16
            for splitter in self._splitters().values():
                splitter.setSizes([width * 3 // 5, width - width * 3 // 5])

    def save_layout(self) -> None:
        settings = self.ctx.settings
        settings.set_layout("main/geometry", self.saveGeometry())
        settings.set_layout("main/state", self.saveState())
        for name, splitter in self._splitters().items():
            settings.set_layout(f"splitter/{name}", splitter.saveState())
        settings.sync()

    def _splitters(self) -> dict[str, Any]:
        splitters = {"households": self.households.splitter, "issues": self.issues.splitter}
        if self.review is not None and self.coverage is not None:
            splitters["review"] = self.review.splitter
            splitters["coverage"] = self.coverage.splitter
        return splitters

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._closing_after_sync and not self._may_close():
            event.ignore()
            return
        self.save_layout()
        self.sync.stop()
        self.sync.stop_probe()
        if self.idle_lock is not None:
            self.idle_lock.stop()
        super().closeEvent(event)

    def _may_close(self) -> bool:
        """Unsent work and a reachable server: offer a last sync before quitting."""
        # A stopped controller (device revoked, or the app already shutting down) syncs no more.
        if self.sync.running or self.sync.stopped or not self.sync.online:
            return True
        pending = queries.status(self.ctx.store)["pending"]
        if not pending:
            return True
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(self.tr("Unsent changes"))
        box.setText(self.tr("%n change(s) have not been sent to the server yet.", "", pending))
        box.setInformativeText(
            self.tr(
                "They stay safe on this laptop and are sent at the next sync, even after you "
                "quit. Sync now and quit when it is done?"
            )
        )
        sync_button = box.addButton(self.tr("Sync, then quit"), QMessageBox.ButtonRole.AcceptRole)
        box.addButton(self.tr("Quit without syncing"), QMessageBox.ButtonRole.DestructiveRole)
        cancel = box.addButton(self.tr("Cancel"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(sync_button)
        box.setEscapeButton(cancel)
        self.quit_box = box
        box.exec()
        clicked = box.clickedButton()
        if clicked is cancel or clicked is None:
            return False
        if clicked is sync_button:
            self._sync_then_close()
            return False
        return True

    def _sync_then_close(self) -> None:
        def close_now(*_args: Any) -> None:
            self.sync.finished.disconnect(close_now)
            self.sync.failed.disconnect(close_now)
            self._closing_after_sync = True
            self.close()

        self.sync.finished.connect(close_now)
        self.sync.failed.connect(close_now)
        if not self.sync.sync_now(automatic=True):
            close_now()
        else:
            self.show_status(self.tr("Sending your changes, then quitting…"))

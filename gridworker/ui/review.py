"""审核: the visits waiting for review, approved (A) or returned with a comment (R), several at once."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, QModelIndex, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gridworker.domain import operations as ops
from gridworker.domain import queries
from sync.protocol.errors import ProtocolError

from . import filters, labels
from .context import AppContext
from .issues import CommentDialog
from .models import Column, RowsModel
from .photos import PhotoStrip, fetcher_for
from .qtcompat import emit
from .widgets import detail_pages, facts_form, heading, list_and_detail, select_row, table_view

Row = dict[str, Any]
translate = QCoreApplication.translate


def review_model(names: dict[str, str], grids: dict[str, str], parent: Any = None) -> RowsModel:
    return RowsModel(
        [
            Column(translate("Lists", "Time"), lambda r: labels.local_time(r["visited_at"])),
            Column(translate("Lists", "Grid"), lambda r: grids.get(r["grid_id"], r["grid_id"])),
            Column(
                translate("Lists", "Address"),
                lambda r: labels.short_address(r.get("address")),
                tooltip=lambda r: r.get("address") or "",
            ),
            Column(translate("Lists", "Head"), lambda r: r.get("head_name") or ""),
            Column(
                translate("Lists", "Outcome"), lambda r: labels.code_label("outcome", r["outcome"])
            ),
            Column(
                translate("Lists", "Worker"),
                lambda r: names.get(r.get("worker_id") or "", ""),
            ),
            Column(
                translate("Lists", "Follow-up"),
                lambda r: translate("Lists", "Yes") if r.get("follow_up") else "",
            ),
            Column(translate("Lists", "Return"), return_state),
            Column(
                translate("Lists", "Notes"),
                lambda r: (r.get("notes") or "").replace("\n", " "),
                tooltip=lambda r: r.get("notes") or "",
            ),
        ],
        parent=parent,
    )


def return_state(visit: Row) -> str:
    """Where a returned visit stands: still with its worker, or fixed and back for review."""
    if visit.get("review_status") == "returned":
        return translate("Lists", "Not fixed yet")
    if visit.get("review_comment"):
        return translate("Lists", "Fixed")
    return ""


class VisitPanel(QWidget):
    """The visit under review: everything the worker wrote, and the last review if any."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.stack, self.empty, layout = detail_pages(self, self.tr("Nothing to review."))
        self.title = heading("", name="detailHeading")
        layout.addWidget(self.title)
        facts, self.facts = facts_form(
            (
                ("time", self.tr("Time")),
                ("outcome", self.tr("Outcome")),
                ("worker", self.tr("Worker")),
                ("met", self.tr("People met")),
                ("follow_up", self.tr("Follow-up")),
            )
        )
        layout.addLayout(facts)
        self.previous = QLabel()
        self.previous.setObjectName("returnedNotice")
        self.previous.setWordWrap(True)
        layout.addWidget(self.previous)
        self.notes = QLabel()
        self.notes.setWordWrap(True)
        self.notes.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.notes.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.notes)
        self.photos = PhotoStrip(editable=False)
        self.photos.download_with(fetcher_for(ctx))  # a worker's photos, fetched when shown
        layout.addWidget(self.photos)
        layout.addStretch(1)

    def show_visits(self, visits: list[Row], names: dict[str, str]) -> None:
        if not visits:
            self.stack.setCurrentIndex(0)
            return
        self.stack.setCurrentIndex(1)
        if len(visits) > 1:
            self.title.setText(self.tr("%n visit(s) selected", "", len(visits)))
            for label in self.facts.values():
                label.setText("")
            self.previous.hide()
            self.notes.setText(self.tr("Press A to approve them all, R to return them all."))
            self.photos.hide()
            return
        visit = visits[0]
        self.title.setText(labels.short_address(visit.get("address")))
        detail = queries.household_detail(self.ctx.store, visit["household_id"]) or {}
        residents = {r["id"]: r["name"] for r in detail.get("residents", [])}
        self.facts["time"].setText(labels.local_time(visit["visited_at"]))
        self.facts["outcome"].setText(labels.code_label("outcome", visit["outcome"]))
        self.facts["worker"].setText(names.get(visit.get("worker_id") or "", ""))
        self.facts["met"].setText(
            "、".join(residents.get(p, "?") for p in visit.get("people_met") or []) or "—"
        )
        self.facts["follow_up"].setText(self.tr("Yes") if visit.get("follow_up") else self.tr("No"))
        if visit.get("review_status") == "returned":
            # Still with the worker: not "returned before".
            self.previous.setText(
                self.tr("Returned to the worker, not fixed yet: %1").replace(
                    "%1", visit.get("review_comment") or self.tr("(no comment)")
                )
            )
            self.previous.show()
        elif visit.get("review_comment"):
            self.previous.setText(
                self.tr("Returned before with: %1").replace("%1", visit["review_comment"])
            )
            self.previous.show()
        else:
            self.previous.hide()
        self.notes.setText(visit.get("notes") or self.tr("(no notes)"))
        attachments = queries.attachments_of(self.ctx.store, visit["id"])
        self.photos.show_attachments(attachments, self.ctx.blobs)
        self.photos.setVisible(bool(attachments))


class ReviewPage(QWidget):
    """Pending visits of the supervisor's grids, oldest first."""

    open_household_requested = Signal(str)
    reviewed = Signal(int, bool)  # how many, approved

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.grid = filters.grid_combo(ctx)
        # Which visits: those waiting for review, or those returned to their workers (to see
        # what was returned and whether it was fixed).
        self.show_what = QComboBox()
        self.show_what.addItem(self.tr("Waiting for review"), False)
        self.show_what.addItem(self.tr("Returned to workers"), True)
        self.show_what.currentIndexChanged.connect(self.reload)
        self.worker = QComboBox()
        self.date_from = filters.date_edit(open_ended=True)
        self.date_to = filters.date_edit(open_ended=True)
        self.count = QLabel()
        self.count.setObjectName("muted")
        self.grid.currentIndexChanged.connect(self._grid_changed)
        self.worker.currentIndexChanged.connect(self.reload)
        self.date_from.dateChanged.connect(self.reload)
        self.date_to.dateChanged.connect(self.reload)

        self.names: dict[str, str] = {}
        self.grid_names: dict[str, str] = {}
        self.model = review_model(self.names, self.grid_names, self)
        self.table = table_view(self.model, stretch=8)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.table.doubleClicked.connect(self._open_household)
        self.panel = VisitPanel(ctx)

        self.approve_button = QPushButton(self.tr("Approve (A)"))
        self.approve_button.setObjectName("primary")
        self.return_button = QPushButton(self.tr("Return… (R)"))
        self.approve_button.clicked.connect(self.approve_selected)
        self.return_button.clicked.connect(self.return_selected)
        self.approve_shortcut = QShortcut(QKeySequence("A"), self)
        self.return_shortcut = QShortcut(QKeySequence("R"), self)
        for shortcut in (self.approve_shortcut, self.return_shortcut):
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.approve_shortcut.activated.connect(self.approve_selected)
        self.return_shortcut.activated.connect(self.return_selected)

        bar = QHBoxLayout()
        bar.addWidget(self.show_what)
        for text, widget in (
            (self.tr("Grid"), self.grid),
            (self.tr("Worker"), self.worker),
            (self.tr("From"), self.date_from),
            (self.tr("To"), self.date_to),
        ):
            bar.addWidget(QLabel(text))
            bar.addWidget(widget)
        bar.addStretch(1)
        bar.addWidget(self.count)
        # After a decision: what was done, and 撤销 (Ctrl+Z) until the next one.
        self.last_reviewed: list[Row] = []
        self.confirm_box: QMessageBox | None = None
        self.undo_bar = QFrame()
        self.undo_bar.setObjectName("banner")
        undo_layout = QHBoxLayout(self.undo_bar)
        undo_layout.setContentsMargins(12, 2, 6, 2)
        self.undo_text = QLabel()
        self.undo_button = QPushButton(self.tr("Undo (Ctrl+Z)"))
        self.undo_button.clicked.connect(self.undo)
        undo_layout.addWidget(self.undo_text, 1)
        undo_layout.addWidget(self.undo_button)
        self.undo_bar.hide()
        self.undo_shortcut = QShortcut(QKeySequence.StandardKey.Undo, self)
        self.undo_shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.undo_shortcut.activated.connect(self.undo)
        actions = QHBoxLayout()
        self.selected = QLabel()
        self.selected.setObjectName("muted")
        actions.addWidget(self.selected)
        actions.addStretch(1)
        actions.addWidget(self.return_button)
        actions.addWidget(self.approve_button)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.panel, 1)
        right_layout.addLayout(actions)
        self.splitter = list_and_detail("reviewSplitter", self.table, right)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(bar)
        layout.addWidget(self.undo_bar)
        layout.addWidget(self.splitter, 1)
        ctx.tasks.changed.connect(self.reload)
        ctx.session_replaced.connect(self._refresh_filters)
        self._refresh_filters()

    # -- loading -------------------------------------------------------------------------------

    def _refresh_filters(self) -> None:
        filters.fill_grids(self.ctx, self.grid)
        filters.fill_workers(self.ctx, self.worker, self.grid.currentData())
        self.reload()

    def _grid_changed(self) -> None:
        filters.fill_workers(self.ctx, self.worker, self.grid.currentData())
        self.reload()

    def reload(self) -> None:
        keep = self.selected_ids()
        position = min(self.selected_rows(), default=0)
        self.names.clear()
        self.names.update(queries.names(self.ctx.store))
        self.grid_names.clear()
        self.grid_names.update(queries.grid_names(self.ctx.store))
        if self.worker.count() <= 1 and queries.people(self.ctx.store):
            filters.fill_workers(self.ctx, self.worker, self.grid.currentData())
        start, end = filters.date_of(self.date_from), filters.date_of(self.date_to)
        rows = queries.review_queue(
            self.ctx.store,
            grid_id=self.grid.currentData(),
            worker_id=self.worker.currentData(),
            date_from=start.isoformat() if start else None,
            date_to=end.isoformat() if end else None,
            returned=self.showing_returns(),
        )
        self.model.set_rows(rows)
        if self.showing_returns():
            fixed = sum(1 for r in rows if r["review_status"] == "pending")
            self.count.setText(
                self.tr("%n returned, %1 fixed", "", len(rows)).replace("%1", str(fixed))
            )
        else:
            self.count.setText(self.tr("%n visit(s) waiting", "", len(rows)))
        still = [self.model.row_of(i) for i in keep if self.model.row_of(i) >= 0]
        if still:
            self._select_rows(still)
        elif rows:
            # The reviewed rows left the queue: go on with the one that took their place.
            select_row(self.table, min(position, len(rows) - 1))
        self._selection_changed()

    def showing_returns(self) -> bool:
        return bool(self.show_what.currentData())

    def show_returns(self, returned: bool = True) -> None:
        self.show_what.setCurrentIndex(self.show_what.findData(returned))

    def pending_count(self) -> int:
        return queries.review_count(self.ctx.store)

    # -- selection -----------------------------------------------------------------------------

    def selected_rows(self) -> list[int]:
        return sorted({i.row() for i in self.table.selectionModel().selectedRows()})

    def selected_ids(self) -> list[str]:
        rows = (self.model.row_at(r) for r in self.selected_rows())
        return [r["id"] for r in rows if r is not None]

    def _select_rows(self, rows: list[int]) -> None:
        selection = self.table.selectionModel()
        selection.clearSelection()
        for row in rows:
            selection.select(
                self.model.index(row, 0),
                selection.SelectionFlag.Select | selection.SelectionFlag.Rows,
            )
        self.table.setCurrentIndex(self.model.index(rows[0], 0))

    def select_all(self) -> None:
        self.table.selectAll()

    def _selection_changed(self, *_args: Any) -> None:
        visits = [r for r in (self.model.row_at(i) for i in self.selected_rows()) if r]
        self.panel.show_visits(visits, self.names)
        self.approve_button.setEnabled(bool(visits))
        self.return_button.setEnabled(bool(visits))
        self.selected.setText(self.tr("%n selected", "", len(visits)) if len(visits) > 1 else "")

    def _open_household(self, index: QModelIndex) -> None:
        visit = self.model.row_at(index.row())
        if visit:
            emit(self.open_household_requested, visit["household_id"])

    # -- reviewing -----------------------------------------------------------------------------

    def approve_selected(self) -> int:
        """Approve the selection; several visits are approved after one confirmation."""
        ids = self.selected_ids()
        if len(ids) <= 1:
            return self._review(ids, True, None)
        box = QMessageBox(
            QMessageBox.Icon.Question,
            self.tr("Approve visits"),
            self.tr("Approve the %n selected visit(s)?", "", len(ids)),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.button(QMessageBox.StandardButton.Yes).setText(self.tr("Approve all"))
        box.button(QMessageBox.StandardButton.Cancel).setText(self.tr("Cancel"))
        box.setDefaultButton(QMessageBox.StandardButton.Yes)
        box.accepted.connect(lambda: self._review(ids, True, None))
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.confirm_box = box
        box.open()
        return 0

    def return_selected(self) -> CommentDialog | None:
        ids = self.selected_ids()
        if not ids:
            return None
        dialog = CommentDialog(
            self.tr("Return %n visit(s) to the worker", "", len(ids)),
            self,
            label=self.tr("Return comment (required)"),
        )
        dialog.text.setPlaceholderText(
            self.tr("What is missing or wrong: the worker sees this at the next sync")
        )
        dialog.ok.setText(self.tr("Return"))
        dialog.accepted.connect(lambda: self._review(ids, False, dialog.comment()))
        dialog.open()
        return dialog

    def _review(self, ids: list[str], approve: bool, comment: str | None) -> int:
        if not ids:
            return 0
        try:
            done = ops.review_visits(self.ctx.store, ids, approve, comment)
        except ProtocolError as exc:
            self.ctx.tasks.show_error(exc, self)
            return 0
        self.last_reviewed = done
        text = (
            self.tr("Approved %n visit(s).", "", len(done))
            if approve
            else self.tr("Returned %n visit(s) to the worker.", "", len(done))
        )
        self.undo_text.setText(text)
        self.undo_bar.show()
        emit(self.reviewed, len(done), approve)
        self.ctx.tasks.notify_changed()
        self.table.setFocus()
        return len(done)

    def undo(self) -> int:
        """撤销: the last review decision is taken back (the visits wait for review again)."""
        reviewed, self.last_reviewed = self.last_reviewed, []
        self.undo_bar.hide()
        if not reviewed:
            return 0
        try:
            ops.undo_reviews(self.ctx.store, reviewed)
        except ProtocolError as exc:
            self.ctx.tasks.show_error(exc, self)
            return 0
        self.ctx.tasks.notify_changed()
        self._select_ids([r["id"] for r in reviewed])
        return len(reviewed)

    def _select_ids(self, ids: list[str]) -> None:
        rows = [self.model.row_of(i) for i in ids if self.model.row_of(i) >= 0]
        if rows:
            self._select_rows(sorted(rows))

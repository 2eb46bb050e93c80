"""冲突与被拒: the edits that collided, with both values and one click to settle each,
and the changes the server refused, with its reason."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from gridworker.domain import operations as ops
from gridworker.domain import queries
from gridworker.store.local import Store
from sync.protocol.errors import ProtocolError

from . import labels
from .context import AppContext
from .models import Column, RowsModel
from .widgets import heading, table_view

Row = dict[str, Any]
translate = QCoreApplication.translate
ACTIONS = 5  # the column that holds the two buttons


def describe_row(store: Store, entity: str, row_id: str | None) -> str:
    """What a person calls the record: a household's address, an issue's title."""
    if not row_id:
        return ""
    if entity == "households":
        found = queries.households_by_id(store, [row_id]).get(row_id)
        return found["address"] if found else ""
    if entity == "issues":
        issue = queries.issue_detail(store, row_id)
        return issue["title"] if issue else ""
    return ""


def conflict_value(conflict: Row, side: str) -> str:
    if side == "theirs" and conflict.get("kind") == "deleted":
        return translate("Lists", "(deleted)")
    text = labels.field_value(conflict["entity"], conflict["field"], conflict.get(side))
    who = {"ours": conflict.get("user_name"), "theirs": conflict.get("theirs_user_name")}.get(side)
    return f"{text}（{who}）" if who else text


def conflicts_model(store: Callable[[], Store], parent: Any = None) -> RowsModel:
    def record(c: Row) -> str:
        name = describe_row(store(), c["entity"], c["row_id"])
        kind = labels.entity_label(c["entity"])
        return f"{kind}：{name}" if name else kind

    return RowsModel(
        [
            Column(translate("Lists", "Record"), record, tooltip=record),
            Column(
                translate("Lists", "Field"), lambda c: labels.field_label(c["entity"], c["field"])
            ),
            Column(translate("Lists", "Mine"), lambda c: conflict_value(c, "ours")),
            Column(translate("Lists", "Theirs"), lambda c: conflict_value(c, "theirs")),
            Column(translate("Lists", "Before both"), lambda c: conflict_value(c, "base")),
            Column(translate("Lists", "Keep"), lambda c: ""),
        ],
        parent=parent,
    )


def rejections_model(parent: Any = None) -> RowsModel:
    return RowsModel(
        [
            Column(
                translate("Lists", "Record"),
                lambda r: labels.entity_label(r.get("entity") or ""),
            ),
            Column(
                translate("Lists", "Whose"),
                lambda r: (
                    translate("Lists", "This laptop")
                    if r["source"] == "device"
                    else (r.get("user_name") or "")
                ),
            ),
            Column(translate("Lists", "Reason"), lambda r: r.get("message") or r.get("code") or ""),
        ],
        parent=parent,
    )


class ConflictsPage(QWidget):
    def __init__(self, ctx: AppContext, sync_now: Callable[[], Any], parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.sync_now = sync_now
        self.conflicts = conflicts_model(lambda: ctx.store, self)
        self.rejections = rejections_model(self)
        self.conflicts_view = table_view(self.conflicts, stretch=0)
        self.conflicts_view.setObjectName("conflicts")
        self.conflicts_view.verticalHeader().setDefaultSectionSize(38)
        self.rejections_view = table_view(self.rejections, stretch=2)
        self.buttons: dict[int, tuple[QPushButton, QPushButton]] = {}

        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(heading(self.tr("Conflicts"), name="sectionHeading"))
        self.conflicts_hint = QLabel(
            self.tr(
                "You and a colleague changed the same field before either of you synced. "
                "The value that arrived last is in effect; choose which one to keep."
            )
        )
        self.conflicts_hint.setWordWrap(True)
        self.conflicts_hint.setObjectName("muted")
        top_layout.addWidget(self.conflicts_hint)
        top_layout.addWidget(self.conflicts_view, 1)
        bottom = QWidget()
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        bottom_layout.addWidget(heading(self.tr("Refused by the server"), name="sectionHeading"))
        hint = QLabel(
            self.tr(
                "These changes were not applied (nothing was lost: they are kept here). "
                "Ask your supervisor if a change belongs to a household that moved to another grid."
            )
        )
        hint.setWordWrap(True)
        hint.setObjectName("muted")
        bottom_layout.addWidget(hint)
        bottom_layout.addWidget(self.rejections_view, 1)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(top)
        splitter.addWidget(bottom)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(splitter)
        ctx.tasks.changed.connect(self.reload)
        self.reload()

    def reload(self) -> None:
        self.conflicts.set_rows(queries.conflicts(self.ctx.store))
        self.rejections.set_rows(queries.rejections(self.ctx.store))
        self.buttons.clear()
        for row, conflict in enumerate(self.conflicts.rows()):
            self.conflicts_view.setIndexWidget(
                self.conflicts.index(row, ACTIONS), self._actions(conflict["id"])
            )

    def counts(self) -> tuple[int, int]:
        return self.conflicts.rowCount(), self.rejections.rowCount()

    def _actions(self, conflict_id: int) -> QWidget:
        box = QWidget()
        layout = QHBoxLayout(box)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.setSpacing(6)
        mine = QPushButton(self.tr("Keep mine"))
        theirs = QPushButton(self.tr("Keep theirs"))
        mine.clicked.connect(lambda: self.resolve(conflict_id, "mine"))
        theirs.clicked.connect(lambda: self.resolve(conflict_id, "theirs"))
        layout.addWidget(mine)
        layout.addWidget(theirs)
        self.buttons[conflict_id] = (mine, theirs)
        return box

    def resolve(self, conflict_id: int, keep: str) -> None:
        """One click: the kept value becomes a normal edit, then it is sent."""
        try:
            ops.resolve_conflict(self.ctx.store, conflict_id, keep)
        except ProtocolError as exc:
            self.ctx.tasks.show_error(exc, self)
            return
        self.ctx.tasks.notify_changed()
        self.sync_now()

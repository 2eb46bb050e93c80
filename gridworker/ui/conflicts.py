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
from sync.protocol.entities import ENTITIES
from sync.protocol.errors import ProtocolError

from . import labels
from .context import AppContext
from .models import Column, RowsModel
from .widgets import heading, table_view

Row = dict[str, Any]
REPLICATED = frozenset(ENTITIES)
translate = QCoreApplication.translate
CONFLICT_ACTIONS = 7  # the columns that hold the buttons
REJECTION_ACTIONS = 6


def describe_row(store: Store, entity: str, row_id: str | None) -> str:
    """What a person calls the record: a household's address, a resident's name and home,
    a visit's household and time, an issue's title."""
    if not row_id:
        return ""
    if entity == "households":
        found = queries.households_by_id(store, [row_id]).get(row_id)
        return found["address"] if found else ""
    if entity == "issues":
        issue = queries.issue_detail(store, row_id)
        return issue["title"] if issue else ""
    if entity == "issue_updates":
        update = queries.row(store, entity, row_id)
        return describe_row(store, "issues", update["issue_id"]) if update else ""
    if entity in ("residents", "visits"):
        row = queries.row(store, entity, row_id)
        if row is None:
            return ""
        home = queries.households_by_id(store, [row["household_id"]]).get(row["household_id"])
        address = labels.short_address(home["address"]) if home else ""
        if entity == "residents":
            return f"{row['name']}（{address}）" if address else row["name"]
        return f"{address} {labels.local_time(row['visited_at'])}".strip()
    return ""


def change_summary(r: Row) -> str:
    """What a refused mutation wanted: 联系电话：138… → 139…; 新增; 删除."""
    entity, op, payload = r.get("entity") or "", r.get("op"), r.get("payload")
    if op == "delete":
        return translate("Lists", "Delete")
    if op == "create" and entity == "issue_updates" and isinstance(payload, dict):
        status = labels.code_label("status", payload.get("status"))
        comment = payload.get("comment") or ""
        return f"→ {status}：{comment}" if status else comment
    if op == "create":
        return translate("Lists", "New record")
    if op == "update" and isinstance(payload, dict):
        parts = []
        for field, change in payload.items():
            new = change.get("new") if isinstance(change, dict) else change
            parts.append(
                f"{labels.field_label(entity, field)}：{labels.field_value(entity, field, new)}"
            )
        return "；".join(parts)
    return ""


def conflict_value(conflict: Row, side: str) -> str:
    if side == "theirs" and conflict.get("kind") == "deleted":
        return translate("Lists", "(deleted)")
    text = labels.field_value(conflict["entity"], conflict["field"], conflict.get(side))
    who = {"ours": conflict.get("user_name"), "theirs": conflict.get("theirs_user_name")}.get(side)
    return f"{text}（{who}）" if who else text


# What names a record in a create's own values, when the laptop no longer holds it (a
# household moved to another grid takes its residents, visits and issues with it).
_NAMING_FIELDS = {
    "households": "address",
    "residents": "name",
    "issues": "title",
    "issue_updates": "comment",
}


def record_text(store: Callable[[], Store], r: Row) -> str:
    entity = r.get("entity") or ""
    name = describe_row(store(), entity, r.get("row_id"))
    payload = r.get("payload")
    if not name and isinstance(payload, dict):
        # A refused create never reached this laptop: name what it belongs to.
        for parent, key in (("issues", "issue_id"), ("households", "household_id")):
            if isinstance(payload.get(key), str):
                name = describe_row(store(), parent, payload[key])
                break
    if not name and isinstance(payload, dict):
        field = _NAMING_FIELDS.get(entity)
        value = payload.get(field) if field else None
        if entity == "visits" and isinstance(payload.get("visited_at"), str):
            name = labels.local_time(payload["visited_at"])
        elif isinstance(value, str):
            name = value
    if not name and r.get("row_id"):
        name = translate("Lists", "no longer on this laptop")
    kind = labels.entity_label(entity)
    return f"{kind}：{name}" if name else kind


def rejection_grid(store: Callable[[], Store], grids: dict[str, str], r: Row) -> str:
    """The grid of a refused change: the server's, else the record's on this laptop, else the
    one its values name."""
    grid_id = r.get("grid_id")
    payload: Row = r["payload"] if isinstance(r.get("payload"), dict) else {}
    if not grid_id:
        grid_id = payload.get("grid_id") if isinstance(payload.get("grid_id"), str) else None
    if not grid_id:
        for entity, row_id in (
            (r.get("entity") or "", r.get("row_id")),
            ("households", payload.get("household_id")),
            ("issues", payload.get("issue_id")),
        ):
            if entity in REPLICATED and isinstance(row_id, str):
                found = queries.row(store(), entity, row_id)
                if found is not None:
                    grid_id = found.get("grid_id")
                    break
    if not grid_id:
        return translate("Lists", "(not on this laptop)")
    return str(grids.get(grid_id, grid_id))


def on_this_laptop(store: Store, r: Row) -> bool:
    """Whether a refused change can be made again here: an edit needs its record, a new
    record its household or issue (a worker's laptop loses them when a household moves to
    another grid; the supervisor's laptop holds both grids)."""
    payload: Row = r["payload"] if isinstance(r.get("payload"), dict) else {}
    entity, row_id = r.get("entity") or "", r.get("row_id")
    if r.get("op") == "update":
        found = queries.row(store, entity, row_id) if row_id else None
        return found is not None and not found.get("deleted")
    for parent, key in (("households", "household_id"), ("issues", "issue_id")):
        parent_id = payload.get(key)
        if isinstance(parent_id, str):
            found = queries.row(store, parent, parent_id)
            return found is not None and not found.get("deleted")
    return True


def conflicts_model(
    store: Callable[[], Store], grids: Callable[[], dict[str, str]], parent: Any = None
) -> RowsModel:
    """``ours`` is the value that arrived last (in effect), ``theirs`` the one it overwrote."""
    return RowsModel(
        [
            Column(translate("Lists", "When"), lambda c: labels.local_time(c.get("created_at"))),
            Column(translate("Lists", "Grid"), lambda c: grids().get(c["grid_id"], c["grid_id"])),
            Column(
                translate("Lists", "Record"),
                lambda c: record_text(store, c),
                tooltip=lambda c: record_text(store, c),
            ),
            Column(
                translate("Lists", "Field"), lambda c: labels.field_label(c["entity"], c["field"])
            ),
            Column(
                translate("Lists", "In effect (arrived last)"), lambda c: conflict_value(c, "ours")
            ),
            Column(translate("Lists", "Overwritten"), lambda c: conflict_value(c, "theirs")),
            Column(translate("Lists", "Before both"), lambda c: conflict_value(c, "base")),
            Column(translate("Lists", "Keep"), lambda c: ""),
        ],
        parent=parent,
    )


def rejections_model(
    store: Callable[[], Store], grids: Callable[[], dict[str, str]], parent: Any = None
) -> RowsModel:
    return RowsModel(
        [
            Column(translate("Lists", "When"), lambda r: labels.local_time(r.get("created_at"))),
            Column(translate("Lists", "Grid"), lambda r: rejection_grid(store, grids(), r)),
            Column(
                translate("Lists", "Whose"),
                lambda r: (
                    translate("Lists", "This laptop")
                    if r["source"] == "device"
                    else (r.get("user_name") or "")
                ),
            ),
            Column(
                translate("Lists", "Record"),
                lambda r: record_text(store, r),
                tooltip=lambda r: record_text(store, r),
            ),
            Column(translate("Lists", "Changes asked"), change_summary, tooltip=change_summary),
            Column(
                translate("Lists", "Reason"),
                lambda r: r.get("message") or r.get("code") or "",
                tooltip=lambda r: r.get("message") or "",
            ),
            Column(translate("Lists", "Settle"), lambda r: ""),
        ],
        parent=parent,
    )


class ConflictsPage(QWidget):
    def __init__(self, ctx: AppContext, sync_now: Callable[[], Any], parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.sync_now = sync_now
        self._grids: dict[str, str] = {}
        self.conflicts = conflicts_model(lambda: ctx.store, lambda: self._grids, self)
        self.rejections = rejections_model(lambda: ctx.store, lambda: self._grids, self)
        self.conflicts_view = table_view(self.conflicts, stretch=2)
        self.conflicts_view.setObjectName("conflicts")
        self.conflicts_view.verticalHeader().setDefaultSectionSize(38)
        self.rejections_view = table_view(self.rejections, stretch=5)
        self.rejections_view.verticalHeader().setDefaultSectionSize(38)
        self.buttons: dict[int, tuple[QPushButton, QPushButton]] = {}
        self.rejection_buttons: dict[str, tuple[QPushButton, QPushButton]] = {}

        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(heading(self.tr("Conflicts"), name="sectionHeading"))
        self.conflicts_hint = QLabel(
            self.tr(
                "You and a colleague changed the same field before either of you synced. "
                "The value that arrived last is in effect; choose which one to keep. "
                "A supervisor sees those of every grid they hold."
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
                "Ask your supervisor if a change belongs to a household that moved to another "
                "grid: they can make it again from their laptop, or mark it handled."
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
        self._grids = queries.grid_names(self.ctx.store)
        self.conflicts.set_rows(queries.conflicts(self.ctx.store))
        self.rejections.set_rows(queries.rejections(self.ctx.store))
        self.buttons.clear()
        for row, conflict in enumerate(self.conflicts.rows()):
            self.conflicts_view.setIndexWidget(
                self.conflicts.index(row, CONFLICT_ACTIONS), self._actions(conflict["id"])
            )
        self.rejection_buttons.clear()
        for row, rejection in enumerate(self.rejections.rows()):
            self.rejections_view.setIndexWidget(
                self.rejections.index(row, REJECTION_ACTIONS), self._rejection_actions(rejection)
            )

    def counts(self) -> tuple[int, int]:
        return self.conflicts.rowCount(), self.rejections.rowCount()

    @staticmethod
    def _button_pair(*buttons: tuple[str, str]) -> tuple[QWidget, list[QPushButton]]:
        """Two buttons (text, tooltip) side by side, to sit in a table cell."""
        box = QWidget()
        layout = QHBoxLayout(box)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.setSpacing(6)
        made = []
        for text, tip in buttons:
            button = QPushButton(text)
            button.setToolTip(tip)
            layout.addWidget(button)
            made.append(button)
        return box, made

    def _actions(self, conflict_id: int) -> QWidget:
        box, (mine, theirs) = self._button_pair(
            (self.tr("Keep this"), self.tr("Keep the value in effect")),
            (self.tr("Restore the other"), self.tr("Put the overwritten value back")),
        )
        mine.clicked.connect(lambda: self.resolve(conflict_id, "mine"))
        theirs.clicked.connect(lambda: self.resolve(conflict_id, "theirs"))
        self.buttons[conflict_id] = (mine, theirs)
        return box

    def _rejection_actions(self, rejection: Row) -> QWidget:
        box, (again, done) = self._button_pair(
            (
                self.tr("Make it again"),
                self.tr("Apply this change again from this laptop, as a new edit"),
            ),
            (self.tr("Handled"), self.tr("Dealt with, or not wanted: hide it")),
        )
        here = on_this_laptop(self.ctx.store, rejection)
        again.setEnabled(ops.can_apply_again(rejection) and here)
        if ops.can_apply_again(rejection) and not here:
            # Made again here it would fail with "上级记录不存在": say why instead.
            again.setToolTip(
                self.tr(
                    "The household is no longer on this laptop (it may have moved to another "
                    "grid): your supervisor can make this change again."
                )
            )
        again.clicked.connect(lambda: self.apply_again(rejection))
        done.clicked.connect(lambda: self.mark_handled(rejection["key"]))
        self.rejection_buttons[rejection["key"]] = (again, done)
        return box

    def apply_again(self, rejection: Row) -> None:
        try:
            ops.apply_rejection_again(self.ctx.store, rejection)
        except ProtocolError as exc:
            self.ctx.tasks.show_error(exc, self)
            return
        self.ctx.tasks.notify_changed()
        self.sync_now()

    def mark_handled(self, key: str) -> None:
        try:
            ops.mark_rejection_handled(self.ctx.store, key)
        except ProtocolError as exc:  # a full disk or a damaged database, in Chinese
            self.ctx.tasks.show_error(exc, self)
            return
        self.ctx.tasks.notify_changed()

    def resolve(self, conflict_id: int, keep: str) -> None:
        """One click: the kept value becomes a normal edit, then it is sent."""
        try:
            ops.resolve_conflict(self.ctx.store, conflict_id, keep)
        except ProtocolError as exc:
            self.ctx.tasks.show_error(exc, self)
            return
        self.ctx.tasks.notify_changed()
        self.sync_now()

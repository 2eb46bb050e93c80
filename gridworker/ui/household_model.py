"""The households list: a lazy table over SQL that stays instant on 20,000 households.

Searching, filtering and sorting happen in SQL (``queries.household_ids``); the model keeps
only the ordered ids and fetches the rows of a page when the view first asks for one of them
(``queries.households_by_id``). No proxy model: a proxy would only see fetched rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from gridworker.domain import queries, worklists
from gridworker.store.local import Store
from sync.protocol.workflow import KEY_TAGS

from . import labels
from .models import ID_ROLE, URGENT

Index = QModelIndex | QPersistentModelIndex
Row = dict[str, Any]

PAGE = 200
MAX_CACHED = 5000  # rows kept; beyond that the cache starts again (memory stays flat)

ADDRESS, HEAD, PHONE, KIND, TAGS, LAST_VISIT, NEXT_VISIT = range(7)
DUE_BACKGROUND = QColor("#fdecea")


class HouseholdTableModel(QAbstractTableModel):
    def __init__(self, store: Callable[[], Store], parent: Any = None):
        super().__init__(parent)
        self._store = store
        self._ids: list[str] = []
        self._position: dict[str, int] | None = None
        self._rows: dict[str, Row] = {}
        self.text = ""
        self.tags: tuple[str, ...] = ()
        self.due_only = False
        self.sort_key = "address"
        self._titles = [
            self.tr("Address"),
            self.tr("Head of household"),
            self.tr("Phone"),
            self.tr("Type"),
            self.tr("Tags"),
            self.tr("Last visit"),
            self.tr("Next visit"),
        ]

    # -- the query -----------------------------------------------------------------------------

    def set_query(
        self,
        text: str | None = None,
        tags: Iterable[str] | None = None,
        due_only: bool | None = None,
        sort: str | None = None,
    ) -> None:
        if text is not None:
            self.text = text
        if tags is not None:
            self.tags = tuple(tags)
        if due_only is not None:
            self.due_only = due_only
        if sort is not None:
            self.sort_key = sort
        self.reload()

    def reload(self) -> None:
        """Run the query again (after a search keystroke, a local write or a sync)."""
        ids = queries.household_ids(
            self._store(), self.text, self.tags, due_only=self.due_only, sort=self.sort_key
        )
        self.beginResetModel()
        self._ids = ids
        self._position = None
        self._rows.clear()
        self.endResetModel()

    # -- ids -----------------------------------------------------------------------------------

    def id_at(self, row: int) -> str | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def row_of(self, household_id: str | None) -> int:
        if household_id is None:
            return -1
        if self._position is None:
            self._position = {hid: n for n, hid in enumerate(self._ids)}
        return self._position.get(household_id, -1)

    def household(self, row: int) -> Row | None:
        """The list row at ``row``, fetching its page if needed."""
        household_id = self.id_at(row)
        if household_id is None:
            return None
        cached = self._rows.get(household_id)
        if cached is None:
            self._fetch_page(row)
            cached = self._rows.get(household_id)
        return cached

    def _fetch_page(self, row: int) -> None:
        if len(self._rows) >= MAX_CACHED:
            self._rows.clear()
        start = row - row % PAGE
        page = self._ids[start : start + PAGE]
        rows = queries.households_by_id(self._store(), page)
        for household_id in worklists.vacated_households(self._store(), page):
            if household_id in rows:
                rows[household_id] = {**rows[household_id], "vacated": True}
        if self.text.strip():
            # Which family member the search found, when it was not the head of household.
            for household_id, match in worklists.matched_members(
                self._store(), self.text, page
            ).items():
                if household_id in rows:
                    rows[household_id] = {**rows[household_id], "matched": match}
        self._rows.update(rows)

    # -- the model interface -------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._titles)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(self._titles)
        ):
            return self._titles[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.column() < len(self._titles):
            return None
        if role == ID_ROLE:
            return self.id_at(index.row())
        household = self.household(index.row())
        if household is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(household, column)
        if role == Qt.ItemDataRole.ToolTipRole and column == ADDRESS:
            return household["address"] + (
                f"\n{self._matched(household)}" if household.get("matched") else ""
            )
        if role == Qt.ItemDataRole.ToolTipRole and column == TAGS:
            return labels.tag_labels(household["tags"]) or None
        if role == Qt.ItemDataRole.ForegroundRole and (
            (column == NEXT_VISIT and household["is_due"])
            or (column == KIND and household.get("vacated"))
        ):
            return QBrush(URGENT)
        if role == Qt.ItemDataRole.BackgroundRole and household["is_due"]:
            return QBrush(DUE_BACKGROUND)
        if role == Qt.ItemDataRole.FontRole and (
            (column == NEXT_VISIT and household["is_due"])
            or (column == ADDRESS and any(t in KEY_TAGS for t in household["tags"]))
        ):
            font = QFont()
            font.setBold(True)
            return font
        return None

    def _text(self, household: Row, column: int) -> str:
        if column == ADDRESS:
            address = labels.short_address(household["address"])
            if household.get("matched"):
                # First: the address is elided on a narrow list, the member must stay seen.
                return f"〔{self._matched(household)}〕 {address}"
            return address
        if column == HEAD:
            return str(household["head_name"] or "")
        if column == PHONE:
            return str(household["phone"] or "")
        if column == KIND:
            kind = labels.code_label("kind", household["kind"])
            if household.get("vacated"):
                # Every resident moved out or died: the supervisor should look at it.
                return self.tr("Nobody left")
            return kind
        if column == TAGS:
            return labels.tag_labels(household["tags"])
        if column == LAST_VISIT:
            return labels.local_date(household["last_visit"]) or self.tr("Never")
        if household["is_due"]:
            return labels.due_reason(household.get("overdue_days"))
        return str(household["due_on"] or "")

    def _matched(self, household: Row) -> str:
        """匹配：李秀英（配偶）: the member the search found."""
        return self.tr("Match: %1").replace("%1", household["matched"])

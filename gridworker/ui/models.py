"""A small table model over plain rows (lists the size of one household, one issue, a day).

Large lists (the households) have their own lazy model; these lists are read in one query.
Rows are identified by their ``id`` so a view can keep its selection across reloads.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

Row = dict[str, Any]
Index = QModelIndex | QPersistentModelIndex

ID_ROLE = Qt.ItemDataRole.UserRole + 1

URGENT = QColor("#c62828")
WARNING_BG = QColor("#fff3e0")
MUTED = QColor("#757575")


@dataclass(frozen=True)
class Column:
    title: str
    text: Callable[[Row], str | None]  # None: an empty cell
    tooltip: Callable[[Row], str] | None = None
    align: Qt.AlignmentFlag | None = None
    foreground: Callable[[Row], QColor | None] | None = None  # this column only
    bold: Callable[[Row], bool] | None = None


class RowsModel(QAbstractTableModel):
    """Rows of plain dicts shown through ``Column``s; optional per-row colours and bold."""

    def __init__(
        self,
        columns: Sequence[Column],
        *,
        foreground: Callable[[Row], QColor | None] | None = None,
        background: Callable[[Row], QColor | None] | None = None,
        bold: Callable[[Row], bool] | None = None,
        parent: Any = None,
    ):
        super().__init__(parent)
        self.columns = list(columns)
        self._rows: list[Row] = []
        self._foreground = foreground
        self._background = background
        self._bold = bold

    # -- contents ------------------------------------------------------------------------------

    def set_rows(self, rows: Sequence[Row]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[Row]:
        return list(self._rows)

    def row_at(self, row: int) -> Row | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, row_id: Any) -> int:
        for number, row in enumerate(self._rows):
            if row.get("id") == row_id:
                return number
        return -1

    # -- the model interface ------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        if not 0 <= index.column() < len(self.columns):
            return None
        row = self._rows[index.row()]
        column = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.text(row)
        if role == Qt.ItemDataRole.ToolTipRole:
            return column.tooltip(row) if column.tooltip else None
        if role == Qt.ItemDataRole.TextAlignmentRole and column.align is not None:
            return int(column.align | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole:
            paint = column.foreground or self._foreground
            colour = paint(row) if paint else None
            return QBrush(colour) if colour is not None else None
        if role == Qt.ItemDataRole.BackgroundRole and self._background:
            colour = self._background(row)
            return QBrush(colour) if colour is not None else None
        if role == Qt.ItemDataRole.FontRole:
            bold = column.bold or self._bold
            if bold is not None and bold(row):
                font = QFont()
                font.setBold(True)
                return font
            return None
        if role == ID_ROLE:
            return row.get("id")
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(self.columns)
        ):
            return self.columns[section].title
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

"""The one error a questionnaire author sees: where (sheet, row) and why, in Chinese."""

from __future__ import annotations

from sync.protocol.errors import ValidationError


class FormError(ValidationError):
    """A questionnaire that cannot be published as it is.

    ``sheet`` and ``row`` point at the Excel cell's row (1-based, as Excel numbers it; ``None``
    when the fault is not in one row); ``reason`` is the Chinese explanation; ``detail`` keeps
    pyxform's own (English) message when pyxform found the fault, so an author can look it up.
    """

    code = "invalid_form"

    def __init__(
        self,
        reason: str,
        *,
        sheet: str | None = "survey",
        row: int | None = None,
        detail: str | None = None,
    ) -> None:
        self.sheet = sheet
        self.row = row
        self.reason = reason
        self.detail = detail
        super().__init__(_locate(reason, sheet, row))


def _locate(reason: str, sheet: str | None, row: int | None) -> str:
    if row is not None and sheet:
        return f"第 {row} 行（{sheet} 表）：{reason}"
    if sheet:
        return f"{sheet} 表：{reason}"
    return reason

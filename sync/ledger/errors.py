"""The one error of the ledger package, with a message a user can read as it is."""

from __future__ import annotations


class LedgerError(Exception):
    """A ledger that cannot be read or written at all (not a problem of a single row).

    ``message`` is Chinese and never quotes a cell's value: it may be an ID number or a phone.
    """

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

"""Ledgers (台账): household ledgers in from Excel/CSV, every entity's ledger out.

Qt-free and database-agnostic, shared by the service CLI (``gridsync export`` and
``gridsync import-households``) and the desktop app:

- ``columns``: the export columns of each entity, ``render_rows``.
- ``writer``: ``write_ledger`` (.xlsx or .csv).
- ``reader``: ``read_table`` (.xlsx/.xlsm or .csv in UTF-8, GBK or UTF-16).
- ``importer``: ``plan_import`` -> ``ImportPlan`` (households, residents, problems).
"""

from .columns import EXPORT_COLUMNS, Column, render_rows
from .errors import LedgerError
from .headers import HEADER_ALIASES, guess_mapping
from .importer import (
    ExistingData,
    ImportPlan,
    PlannedHousehold,
    Problem,
    address_key,
    candidate_id_numbers,
    mask_id_number,
    plan_import,
)
from .reader import Table, read_table
from .writer import write_ledger

__all__ = [
    "EXPORT_COLUMNS",
    "HEADER_ALIASES",
    "Column",
    "ExistingData",
    "ImportPlan",
    "LedgerError",
    "PlannedHousehold",
    "Problem",
    "Table",
    "address_key",
    "candidate_id_numbers",
    "guess_mapping",
    "mask_id_number",
    "plan_import",
    "read_table",
    "render_rows",
    "write_ledger",
]

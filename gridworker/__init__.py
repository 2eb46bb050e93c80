"""Gridworker desktop client.

``gridworker.store`` (local SQLite), ``gridworker.domain`` (operations and queries the screens
call), ``gridworker.client`` (the sync engine) are Qt-free; only ``gridworker.ui`` imports Qt.
"""

__version__ = "0.1.0"

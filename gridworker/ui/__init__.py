"""The grid worker's desktop app (PySide6 Widgets). The only package that imports Qt.

Layers: screens call ``gridworker.domain`` (operations and queries) on the session's store;
they never build SQL or HTTP. Long work (login, sync) leaves the GUI thread only through
``tasks.Tasks.run``, whose results come back as queued signals; no widget is touched from a
worker thread. Every write ends with ``Tasks.notify_changed()``, the one signal views reload on.

Modules: ``context`` (session, settings, task runner), ``tasks``, ``i18n`` and ``labels``
(Chinese first, through Qt's translation system), ``household_model`` (the lazy households
list), one module per screen or dialog, ``sync_control`` (when to sync, the status corner),
``main_window``, and ``demo`` (demo mode's embedded service). ``gridworker/app.py`` wires them.
"""

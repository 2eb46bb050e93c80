"""Is the service there? A light ``GET /api/v1/health`` for the status bar's 在线/离线 between
syncs. Qt-free: the UI runs it off the GUI thread."""

from __future__ import annotations

import requests

from sync.protocol.wire import API_PREFIX

from .http import Api

# Short: a probe that hangs must not hold a worker thread for the sync's 120 s read timeout.
PROBE_TIMEOUT = (3.0, 5.0)


def server_reachable(api: Api) -> bool:
    """True when the service answers its health check (any answer below 500)."""
    if not api.base_url:
        return False
    try:
        response = requests.get(
            api.base_url + API_PREFIX + "/health", timeout=PROBE_TIMEOUT, verify=api.verify
        )
    except requests.exceptions.RequestException:
        return False
    with response:
        return response.status_code < 500

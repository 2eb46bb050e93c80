"""The questionnaire engine is shared: importing it pulls in neither Qt nor the web service."""

from __future__ import annotations

import subprocess
import sys


def test_sync_forms_imports_no_qt_and_no_fastapi() -> None:
    code = (
        "import sys, sync.forms; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('PySide6', 'fastapi', 'starlette', 'uvicorn', 'sqlalchemy')); print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"

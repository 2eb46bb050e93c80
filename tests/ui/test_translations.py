"""Chinese first: every string has a translation, and code labels agree with sync.protocol."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication

from gridworker.ui import labels
from sync.protocol import codes
from sync.protocol.entities import ENTITIES

ROOT = Path(__file__).resolve().parents[2]


def test_every_string_of_the_app_has_a_chinese_translation():
    result = subprocess.run(
        [sys.executable, str(ROOT / "resources" / "translations" / "build.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_code_and_field_labels_are_the_shared_chinese_ones():
    for code_set, chinese in labels.CODE_SETS.items():
        for code, label in chinese.items():
            assert labels.code_label(code_set, code) == label, (code_set, code)
    assert labels.code_label("sub.facilities", "a_new_subcategory") == "a_new_subcategory"
    for entity, spec in ENTITIES.items():
        for name, field in spec.fields.items():
            assert labels.field_label(entity, name) == field.label, (entity, name)
    assert labels.code_label("tag", "elderly_alone") == codes.TAGS["elderly_alone"]
    assert QCoreApplication.translate("MainWindow", "Households") == "住户"


def test_english_stays_available(qapp):
    from gridworker.ui import i18n

    try:
        assert not i18n.install(qapp, i18n.ENGLISH)
        assert labels.code_label("tag", "elderly_alone") == "Elderly living alone"
        assert QCoreApplication.translate("MainWindow", "Households") == "Households"
    finally:
        assert i18n.install(qapp, i18n.CHINESE)
    assert i18n.wants_chinese(i18n.SYSTEM) in (True, False)

"""Languages: Simplified Chinese first (a compiled Qt translation), English as the source."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

log = logging.getLogger(__name__)

RESOURCES = Path(__file__).with_name("resources")
TRANSLATIONS = RESOURCES / "translations"

CHINESE = "zh_CN"
ENGLISH = "en"
SYSTEM = "system"
DEFAULT_LANGUAGE = CHINESE
LANGUAGES = (CHINESE, ENGLISH, SYSTEM)

_installed: list[QTranslator] = []


def wants_chinese(language: str, system: QLocale | None = None) -> bool:
    if language == ENGLISH:
        return False
    if language == SYSTEM:
        return (system or QLocale.system()).language() == QLocale.Language.Chinese
    return True


def install(app: QCoreApplication, language: str = DEFAULT_LANGUAGE) -> bool:
    """Install the translators for ``language``; True when the Chinese one was loaded."""
    for old in _installed:
        app.removeTranslator(old)
    _installed.clear()
    if not wants_chinese(language):
        QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
        return False
    QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
    ours = QTranslator(app)
    if not ours.load(str(TRANSLATIONS / "gridworker_zh_CN.qm")):
        log.warning("the Chinese translation could not be loaded from %s", TRANSLATIONS)
        return False
    app.installTranslator(ours)
    _installed.append(ours)
    # Qt's own strings (standard buttons, file dialogs) in Chinese too: the copy shipped with
    # the app (a frozen build may leave out Qt's translations folder), else Qt's.
    qt = QTranslator(app)
    qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if (
        qt.load("qtbase_zh_CN", str(TRANSLATIONS))
        or qt.load("qtbase_zh_CN", qt_dir)
        or qt.load("qt_zh_CN", qt_dir)
    ):
        app.installTranslator(qt)
        _installed.append(qt)
    else:
        log.warning("Qt's own Chinese translation (qtbase_zh_CN.qm) was not found")
    return True

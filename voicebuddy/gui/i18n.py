"""The window's language: Qt translation files, chosen by `[ui] language` or the system locale.

English is the language of the source code; `translations/voicebuddy_zh_CN.qm` (compiled from
the `.ts` next to it by `make translations`) turns the window into Simplified Chinese, and Qt's
own `qtbase_zh_CN.qm` does the same for the standard buttons (OK, Cancel, Yes, No, ...).
Texts are translated when the widgets are made, so `install` runs before any window is built
and a changed setting takes effect at the next start.
"""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"
ENGLISH = "en"
CHINESE = "zh_CN"
LANGUAGES = (ENGLISH, CHINESE)  # what `[ui] language` may name; "" follows the system

# The translators in use, so that a second `install` (or a test) can take them out again.
_installed: list[QTranslator] = []


def _match(tag: str) -> str | None:
    """The language we have for a locale tag such as "zh-Hans-CN", "zh_TW.UTF-8" or "en"."""
    tag = tag.strip().replace("-", "_").lower()
    if tag == "zh" or tag.startswith("zh_"):
        return CHINESE  # Traditional Chinese (zh_TW, zh_HK) gets Simplified until it has its own
    if tag == "en" or tag.startswith("en_"):
        return ENGLISH
    return None


def language_for(setting: str, system: QLocale | None = None) -> str:
    """The UI language ("en" or "zh_CN") for the `[ui] language` setting.

    "" follows the system: the first of its preferred UI languages (`QLocale.system()`, which
    on Linux reads LANGUAGE, LC_ALL, LC_MESSAGES and LANG) that VoiceBuddy has; English when it
    has none of them."""
    if setting and (chosen := _match(setting)) is not None:
        return chosen
    locale = QLocale.system() if system is None else system
    for tag in locale.uiLanguages():
        if (found := _match(tag)) is not None:
            return found
    return ENGLISH


def install(app: QCoreApplication, setting: str) -> str:
    """Install the translators for `setting` (see `language_for`) into `app`, replacing those
    an earlier call installed; returns the language now in use. Call it before building any
    window. A missing translation file means English."""
    remove(app)
    language = language_for(setting)
    if language == ENGLISH:
        return ENGLISH
    ours = QTranslator(app)
    if not ours.load(str(TRANSLATIONS_DIR / f"voicebuddy_{language}.qm")):
        return ENGLISH
    app.installTranslator(ours)
    _installed.append(ours)
    qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    qtbase = QTranslator(app)
    if qtbase.load(f"qtbase_{language}", qt_dir):  # Qt's own: OK, Cancel, Yes, No, ...
        app.installTranslator(qtbase)
        _installed.append(qtbase)
    return language


def remove(app: QCoreApplication) -> None:
    """Take out the translators `install` put in: the window is English again."""
    while _installed:
        app.removeTranslator(_installed.pop())


def arg(text: str, *values: object) -> str:
    """`text` with %1, %2, ... replaced by `values`, in one pass: a value that itself contains
    "%2" (a file or character name) stays as it is. Qt's QString::arg for translated texts."""

    def value(match: re.Match[str]) -> str:
        index = int(match[1])
        return str(values[index - 1]) if 0 < index <= len(values) else match[0]

    return re.sub(r"%(\d)", value, text)

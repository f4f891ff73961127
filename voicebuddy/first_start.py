"""A first start follows the system language: until the user has chosen a character, the
default one is a bundled character who speaks that language (林晓 for Chinese), else Buddy;
and Buddy listens with language detection when the system speaks something else than
English, since the English-only speech model would hear nonsense."""

from __future__ import annotations

import locale
import os

from voicebuddy.config import Settings

DEFAULT_CHARACTER = "Buddy"
# The bundled characters who speak a language, by its code.
CHARACTERS_BY_LANGUAGE = {"zh": "林晓"}


def system_language() -> str:
    """The locale the environment asks for ("zh_CN", "de_DE", ...; "" when none), the way
    POSIX programs read it. The window asks Qt instead, which also knows macOS's and
    Windows's settings."""
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable, "").strip()
        if value and value not in ("C", "POSIX") and not value.startswith("C."):
            return value.partition(".")[0]
    code = locale.getlocale()[0] or ""
    return "" if code in ("C", "POSIX") else code


def language_code(tag: str) -> str:
    """The language of a locale tag: "zh" for "zh_CN", "zh-Hans-CN" or "zh_TW.UTF-8"; "" for
    none, and for the C locale (Qt's name for it when LANG is C.UTF-8)."""
    code = tag.strip().replace("-", "_").partition("_")[0].partition(".")[0].lower()
    return "" if code in ("c", "posix") else code


def default_character(system: str) -> str:
    """The character for a first start on a system whose locale is `system`."""
    return CHARACTERS_BY_LANGUAGE.get(language_code(system), DEFAULT_CHARACTER)


def apply_first_start(settings: Settings, system: str) -> None:
    """Fill in the character (and, for Buddy, the speech language) when none was chosen,
    for a system whose locale is `system`."""
    if settings.chat.character.strip():
        return
    settings.chat.character = default_character(system)
    language = language_code(system)
    if language not in ("", "en", *CHARACTERS_BY_LANGUAGE) and not settings.stt.language.strip():
        settings.stt.language = "auto"


def character_name(settings: Settings) -> str:
    """The character to open: the one chosen, else the default for this system."""
    return settings.chat.character.strip() or default_character(system_language())

"""Until a character is chosen, the default one follows the system language."""

from __future__ import annotations

import pytest

from voicebuddy.config import Settings
from voicebuddy.first_start import apply_first_start, character_name, language_code


@pytest.mark.parametrize(
    ("system", "character", "stt_language"),
    [
        ("zh_CN", "林晓", ""),  # 林晓's card says what she speaks
        ("zh-Hant-TW", "林晓", ""),
        ("en_GB", "Buddy", ""),
        ("", "Buddy", ""),
        ("C", "Buddy", ""),  # Qt's name for LANG=C.UTF-8: no language, not one called "c"
        ("POSIX", "Buddy", ""),
        ("de_DE", "Buddy", "auto"),  # no German character: Buddy, whisper detects
    ],
)
def test_a_first_start_follows_the_system(system: str, character: str, stt_language: str) -> None:
    settings = Settings()
    apply_first_start(settings, system)
    assert (settings.chat.character, settings.stt.language) == (character, stt_language)


def test_a_chosen_character_and_language_stay() -> None:
    settings = Settings()
    settings.chat.character, settings.stt.language = "Rowan", "en"
    apply_first_start(settings, "zh_CN")
    assert (settings.chat.character, settings.stt.language) == ("Rowan", "en")
    settings.chat.character = ""
    settings.stt.language = "fr"
    apply_first_start(settings, "de_DE")
    assert settings.stt.language == "fr"


def test_the_runtime_falls_back_to_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    monkeypatch.setenv("LANG", "zh_TW.UTF-8")
    assert character_name(Settings()) == "林晓"
    monkeypatch.setenv("LC_ALL", "en_US.UTF-8")
    assert character_name(Settings()) == "Buddy"
    assert language_code("zh-Hans-CN") == "zh" and language_code("") == ""

from pathlib import Path

import pytest

from voicebuddy.config import Settings, load_settings, save_settings
from voicebuddy.errors import ConfigError


def test_missing_file_gives_defaults(tmp_path: Path) -> None:
    assert load_settings(tmp_path / "none.toml") == Settings()


def test_values_are_read_and_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[llm]\nmodel = "/m.gguf"\ntemperature = 1\n[stt]\nlanguage = "zh"\n')
    settings = load_settings(path)
    assert settings.llm.model == "/m.gguf" and settings.llm.temperature == 1.0
    assert settings.stt.language == "zh" and settings.chat.character == "Buddy"
    save_settings(settings, tmp_path / "out.toml")
    assert load_settings(tmp_path / "out.toml") == settings


@pytest.mark.parametrize(
    ("text", "code", "needle"),
    [
        ("[llm\nmodel = 1", "config_syntax", "line 1"),
        ("[llm]\ncontext_size = 'big'", "config_invalid_value", "context_size"),
        ("[llm]\nmodle = 'x'", "config_unknown_key", "modle"),
        ("llm = 3", "config_invalid_value", "[llm]"),
    ],
)
def test_bad_files_name_the_problem(tmp_path: Path, text: str, code: str, needle: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    assert info.value.code == code
    assert needle in info.value.message
    assert path.read_text() == text  # the user's file is never touched

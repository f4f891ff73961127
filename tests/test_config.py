from pathlib import Path

import pytest

from voicebuddy.config import Settings, load_settings, save_settings, settings_from_dict
from voicebuddy.errors import ConfigError


def test_missing_file_gives_defaults(tmp_path: Path) -> None:
    assert load_settings(tmp_path / "none.toml") == Settings()


def test_values_are_read_and_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[llm]\nmodel = "/m.gguf"\ntemperature = 1\n[stt]\nlanguage = "zh"\n')
    settings = load_settings(path)
    assert settings.llm.model == "/m.gguf" and settings.llm.temperature == 1.0
    assert settings.stt.language == "zh" and settings.chat.character == ""  # not chosen yet
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


def test_a_broken_file_gives_defaults_and_one_sentence_and_stays(tmp_path: Path) -> None:
    from voicebuddy.config import load_settings_or_defaults

    path = tmp_path / "config.toml"
    path.write_text('[llm]\nmodel = "x.gguf"\ntemperature = \n')
    settings, problem = load_settings_or_defaults(path)
    assert settings == Settings()
    assert "line 3" in problem and "default settings" in problem
    assert path.read_text().endswith("temperature = \n")


def test_saving_over_a_broken_file_keeps_it_aside(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[llm\n")
    save_settings(Settings(), path)
    assert load_settings(path) == Settings()
    (kept,) = tmp_path.glob("config.toml.broken-*")
    assert kept.read_text() == "[llm\n"


def test_the_command_line_runs_on_defaults_with_a_broken_file(tmp_path: Path) -> None:
    import subprocess
    import sys

    path = tmp_path / "config.toml"
    path.write_text("[stt]\nlanguage = 5\n")
    result = subprocess.run(
        [sys.executable, "-m", "voicebuddy", "--config", str(path), "characters", "list"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0 and "Buddy" in result.stdout
    (warning,) = result.stderr.strip().splitlines()
    assert "language must be str" in warning and "default settings" in warning
    assert path.read_text() == "[stt]\nlanguage = 5\n"


def test_an_unknown_end_of_turn_mode_is_one_sentence() -> None:
    with pytest.raises(ConfigError) as caught:
        settings_from_dict({"listen": {"end_of_turn": "psychic"}})
    assert caught.value.code == "config_invalid_value"
    assert "smart, pause" in caught.value.message
    assert settings_from_dict({"listen": {"end_of_turn": "pause"}}).listen.end_of_turn == "pause"

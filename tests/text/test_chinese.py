"""Simplified ↔ Traditional Chinese conversion (OpenCC) and its use in dictation."""

from __future__ import annotations

import pytest

from voicebuddy.errors import ConfigError
from voicebuddy.text.chinese import (
    check_script,
    convert,
    has_han,
    is_chinese,
    to_simplified,
    to_traditional,
)


def test_traditional_to_simplified() -> None:
    assert to_simplified("這個軟體很好用，頭髮乾燥。") == "这个软体很好用，头发干燥。"


def test_simplified_to_traditional_picks_the_right_character_by_phrase() -> None:
    # 发 is 髮 in 头发 (hair) and 發 in 发现 (discover); 干 is 乾 in 干燥, 幹 in 干活
    assert to_traditional("头发") == "頭髮"
    assert to_traditional("发现") == "發現"
    assert to_traditional("干燥") == "乾燥"
    assert to_traditional("后面") == "後面"


def test_mixed_scripts_come_out_in_one() -> None:
    mixed = "我们今天開會，討论软件。"
    assert to_simplified(mixed) == "我们今天开会，讨论软件。"
    assert not any(ch in to_simplified(mixed) for ch in "開會討")


def test_as_is_and_text_without_han_are_untouched() -> None:
    assert convert("這個", "as_is") == "這個"
    assert convert("Hello, world.", "traditional") == "Hello, world."
    assert not has_han("Hello") and has_han("hi 你")


def test_script_names() -> None:
    assert check_script("Simplified") == "simplified"
    assert check_script("as-is") == "as_is"
    with pytest.raises(ConfigError) as caught:
        check_script("klingon")
    assert caught.value.code == "chinese_script_unknown"


def test_which_languages_have_two_scripts() -> None:
    assert is_chinese("zh") and is_chinese("yue") and not is_chinese("ja")

"""Finding characters: bundled ones, the user's own in every card format, broken ones skipped."""

from pathlib import Path

import pytest

from voicebuddy.characters.card import CharacterCard
from voicebuddy.characters.card_files import write_card_json, write_card_png
from voicebuddy.characters.character import (
    ASSETS_DIR,
    BUNDLED_DIR,
    find_character,
    list_characters,
)
from voicebuddy.conversation import Conversation
from voicebuddy.errors import VoiceBuddyError


def test_the_bundled_characters_carry_avatars_voices_and_languages() -> None:
    characters = {c.name: c for c in list_characters([BUNDLED_DIR])}
    assert set(characters) >= {"Buddy", "Rowan", "林晓"}
    for character in characters.values():
        assert character.avatar is not None and character.avatar.parent == ASSETS_DIR / "avatars"
        assert character.voice.voice and character.voice.language
    lin = characters["林晓"]
    assert lin.display_name == "小林" and lin.voice.language == "zh" and lin.voice.voice == "cmn"
    assert "*" in lin.card.mes_example and "*" in characters["Rowan"].card.first_mes
    assert characters["Rowan"].card.character_book is not None
    rowan = characters["Rowan"].voice  # the neural voice, a little slower than Buddy's
    assert (rowan.voice, rowan.length_scale) == ("en_US-joe-medium", 1.1)


def test_found_by_name_nickname_or_file_name() -> None:
    assert find_character("buddy", [BUNDLED_DIR]).name == "Buddy"
    assert find_character("小林", [BUNDLED_DIR]).name == "林晓"
    assert find_character("companion", [BUNDLED_DIR]).name == "Rowan"
    with pytest.raises(VoiceBuddyError) as info:
        find_character("Nobody", [BUNDLED_DIR])
    assert info.value.code == "character_not_found" and "Buddy" in info.value.message


def test_user_cards_of_any_kind_shadow_bundled_ones_and_broken_ones_are_skipped(
    tmp_path: Path,
) -> None:
    write_card_png(
        CharacterCard(name="Buddy", description="My own Buddy"), None, tmp_path / "b.png"
    )
    write_card_json(CharacterCard(name="Zed"), tmp_path / "zed.json")
    (tmp_path / "broken.json").write_text("{not json")
    (tmp_path / "notes.txt").write_text("not a card")
    characters = list_characters([tmp_path, BUNDLED_DIR])
    names = [c.name for c in characters]
    assert names.count("Buddy") == 1 and "Zed" in names and "Rowan" in names
    buddy = next(c for c in characters if c.name == "Buddy")
    assert buddy.description == "My own Buddy" and buddy.avatar == (tmp_path / "b.png").resolve()


def test_greetings_expand_macros_and_cycle() -> None:
    rowan = find_character("Rowan", [BUNDLED_DIR])
    conversation = Conversation.start(rowan, "Ann")
    assert conversation.messages[0].content.endswith("How was your day, Ann?")
    assert conversation.greeting(1).startswith("*waves a dusty atlas* Perfect timing, Ann.")
    assert conversation.greeting(3) == conversation.greeting(0)  # three greetings, cycling

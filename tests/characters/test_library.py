"""Importing cards into the user's folder: no card is ever lost, and conversations stay with
the card they were held with."""

from __future__ import annotations

from pathlib import Path

from voicebuddy.characters.card import CharacterCard
from voicebuddy.characters.card_files import write_card_png
from voicebuddy.characters.character import find_character
from voicebuddy.characters.library import import_card
from voicebuddy.session import ChatSession
from voicebuddy.storage import Store


def test_conversations_stay_with_the_card_they_were_held_with(tmp_path: Path) -> None:
    folder = tmp_path / "characters"
    for file, greeting in (("a.png", "I paint."), ("b.png", "I fly.")):
        write_card_png(CharacterCard(name="Lena", first_mes=greeting), None, tmp_path / file)
    first = import_card(tmp_path / "a.png", folder).character
    second = import_card(tmp_path / "b.png", folder).character
    assert (first.key, second.key) == ("Lena", "Lena-2")

    store = Store(tmp_path / "store.sqlite3")
    painter = ChatSession.new(store, first, "Sam").conversation_id
    pilot = ChatSession.new(store, second, "Sam").conversation_id
    assert [c.id for c in store.conversations("Lena")] == [painter]
    assert [c.id for c in store.conversations("Lena-2")] == [pilot]
    resumed = ChatSession.resume(store, find_character("Lena", [folder]), "Sam")
    assert resumed.conversation_id == painter
    assert resumed.conversation.messages[0].content == "I paint."
    resumed = ChatSession.resume(store, find_character("lena-2", [folder]), "Sam")
    assert resumed.conversation.messages[0].content == "I fly."
    store.close()

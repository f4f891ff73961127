"""A conversation bound to its rows in the store: every final message is saved at once."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from voicebuddy.characters.character import Character
from voicebuddy.conversation import Conversation
from voicebuddy.errors import VoiceBuddyError
from voicebuddy.messages import Message
from voicebuddy.storage import Store


class ChatSession:
    """The open conversation, kept in the store: it is the conversation's `MessageLog`."""

    def __init__(self, store: Store, conversation: Conversation, conversation_id: int) -> None:
        self.store = store
        self.conversation = conversation
        self.conversation_id = conversation_id
        conversation.log = self

    @classmethod
    def new(cls, store: Store, character: Character, user_name: str) -> ChatSession:
        conversation_id = store.create_conversation(character.key)
        conversation = Conversation(character, user_name, seed=conversation_id)
        session = cls(store, conversation, conversation_id)
        greeting = conversation.greeting(0)
        if greeting:
            conversation.append("assistant", greeting)
        store.set_setting("last_character", character.key)
        store.set_setting("last_conversation", str(conversation_id))
        return session

    @classmethod
    def open(
        cls, store: Store, conversation_id: int, character: Character, user_name: str
    ) -> ChatSession:
        messages = [
            Message(m.role, m.content, m.interrupted, m.id)  # type: ignore[arg-type]
            for m in store.messages(conversation_id)
        ]
        store.set_setting("last_character", character.key)
        store.set_setting("last_conversation", str(conversation_id))
        conversation = Conversation(character, user_name, messages, seed=conversation_id)
        return cls(store, conversation, conversation_id)

    @classmethod
    def resume(cls, store: Store, character: Character, user_name: str) -> ChatSession:
        """The character's last conversation, or a new one that starts with its greeting."""
        last = store.last_conversation(character.key)
        if last is None:
            return cls.new(store, character, user_name)
        return cls.open(store, last.id, character, user_name)

    # ----- MessageLog
    def added(self, message: Message) -> Message:
        row = self.store.add_message(
            self.conversation_id, message.role, message.content, message.interrupted
        )
        self.store.set_setting("last_conversation", str(self.conversation_id))
        return dataclasses.replace(message, id=row)

    def changed(self, message: Message) -> None:
        if message.id is not None:
            self.store.update_message(message.id, message.content)

    def removed(self, message: Message) -> None:
        if message.id is not None:
            self.store.delete_message(message.id)


def restore(
    store: Store, find: Callable[[str], Character], character: str, user_name: str
) -> ChatSession:
    """The conversation that was open last time, else `character`'s last one."""
    last = store.get_setting("last_conversation")
    if last is not None and last.isdigit():
        try:
            info = store.conversation(int(last))
            return ChatSession.open(store, info.id, find(info.character), user_name)
        except VoiceBuddyError:
            pass  # deleted, or its character is gone: start from the default character
    return ChatSession.resume(store, find(character), user_name)

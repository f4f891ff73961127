"""A conversation bound to its rows in the store: every final message is saved at once."""

from __future__ import annotations

import dataclasses

from voicebuddy.characters.character import Character
from voicebuddy.characters.prompt import Message
from voicebuddy.conversation import Conversation
from voicebuddy.storage import Store


class ChatSession:
    """The open conversation. Edits and deletions go to the store as well as to the list."""

    def __init__(self, store: Store, conversation: Conversation, conversation_id: int) -> None:
        self.store = store
        self.conversation = conversation
        self.conversation_id = conversation_id
        self.greeting_index = 0
        conversation.recorder = self._save

    @classmethod
    def new(cls, store: Store, character: Character, user_name: str) -> ChatSession:
        conversation_id = store.create_conversation(character.name)
        conversation = Conversation(character, user_name, seed=conversation_id)
        session = cls(store, conversation, conversation_id)
        greeting = conversation.greeting(0)
        if greeting:
            conversation.append("assistant", greeting)
        store.set_setting("last_character", character.name)
        return session

    @classmethod
    def open(
        cls, store: Store, conversation_id: int, character: Character, user_name: str
    ) -> ChatSession:
        messages = [
            Message(m.role, m.content, m.interrupted, m.id)  # type: ignore[arg-type]
            for m in store.messages(conversation_id)
        ]
        store.set_setting("last_character", character.name)
        store.set_setting("last_conversation", str(conversation_id))
        conversation = Conversation(character, user_name, messages, seed=conversation_id)
        return cls(store, conversation, conversation_id)

    @classmethod
    def resume(cls, store: Store, character: Character, user_name: str) -> ChatSession:
        """The character's last conversation, or a new one that starts with its greeting."""
        last = store.last_conversation(character.name)
        if last is None:
            return cls.new(store, character, user_name)
        return cls.open(store, last.id, character, user_name)

    def _save(self, message: Message) -> Message:
        row = self.store.add_message(
            self.conversation_id, message.role, message.content, message.interrupted
        )
        self.store.set_setting("last_conversation", str(self.conversation_id))
        return dataclasses.replace(message, id=row)

    def edit(self, index: int, content: str) -> Message:
        message = self.conversation.replace(index, content)
        if message.id is not None:
            self.store.update_message(message.id, content)
        return message

    def delete(self, index: int) -> None:
        message = self.conversation.remove(index)
        if message.id is not None:
            self.store.delete_message(message.id)

    def can_cycle_greeting(self) -> bool:
        """Before the user's first reply, the character's greeting can be swapped."""
        messages = self.conversation.messages
        alternates = len(self.conversation.character.card.alternate_greetings)
        return alternates > 0 and len(messages) == 1 and messages[0].role == "assistant"

    def next_greeting(self) -> bool:
        """Show the character's next greeting instead of the current one."""
        if not self.can_cycle_greeting():
            return False
        self.greeting_index += 1
        self.edit(0, self.conversation.greeting(self.greeting_index))
        return True

    def drop_last_reply(self) -> bool:
        """Remove the character's last reply, so it can be generated again."""
        messages = self.conversation.messages
        if len(messages) < 2 or messages[-1].role != "assistant" or messages[-2].role != "user":
            return False
        self.delete(len(messages) - 1)
        return True

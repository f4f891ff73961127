"""One conversation with one character: its messages, and the log that keeps them."""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from voicebuddy.characters.assembly import greetings
from voicebuddy.characters.character import Character
from voicebuddy.characters.macros import MacroContext, expand
from voicebuddy.messages import Message, Role
from voicebuddy.text.chinese import has_han


class MessageLog(Protocol):
    """Where a conversation's messages are kept as they change (`ChatSession`: SQLite)."""

    def added(self, message: Message) -> Message:
        """Keep a new final message; returns it with its id."""
        ...

    def changed(self, message: Message) -> None: ...

    def removed(self, message: Message) -> None: ...


@dataclass
class Conversation:
    """The messages so far (no system message). `log`, when set, keeps each message the moment
    it is final, and each edit. `seed` keeps the card's {{pick}} choices the same for the
    whole conversation."""

    character: Character
    user_name: str = "User"
    messages: list[Message] = field(default_factory=list)
    log: MessageLog | None = None
    seed: int = field(default_factory=lambda: random.randrange(2**31))
    # Where the last prompt's history began: kept while it fits (see assemble_prompt).
    history_start: int = 0
    greeting_index: int = 0  # which of the character's greetings opens it

    @classmethod
    def start(cls, character: Character, user_name: str, greeting: int = 0) -> Conversation:
        """A new conversation that opens with the character's greeting number `greeting`."""
        conversation = cls(character, user_name)
        text = conversation.greeting(greeting)
        if text:
            conversation.messages.append(Message("assistant", text))
        return conversation

    def macros(self, turn: int = 0) -> MacroContext:
        """Macro values for this conversation; `turn` re-rolls {{random}} and {{roll}}."""
        rng = random.Random(self.seed * 7919 + turn)
        return MacroContext.for_card(
            self.character.card, self.user_name, datetime.now(), self.seed, rng
        )

    def greeting(self, index: int) -> str:
        """The character's greeting number `index` (first_mes, then the alternates), cycling."""
        options = greetings(self.character.card)
        return expand(options[index % len(options)], self.macros()).strip() if options else ""

    def can_cycle_greeting(self) -> bool:
        """Before the user's first reply, the character's greeting can be swapped."""
        alternates = len(self.character.card.alternate_greetings)
        only_greeting = len(self.messages) == 1 and self.messages[0].role == "assistant"
        return alternates > 0 and only_greeting

    def next_greeting(self) -> bool:
        """Show the character's next greeting instead of the current one."""
        if not self.can_cycle_greeting():
            return False
        self.greeting_index += 1
        self.replace(0, self.greeting(self.greeting_index))
        return True

    def drop_last_reply(self) -> bool:
        """Remove the character's last reply, so it can be generated again."""
        messages = self.messages
        if len(messages) < 2 or messages[-1].role != "assistant" or messages[-2].role != "user":
            return False
        self.remove(len(messages) - 1)
        return True

    @property
    def awaiting_reply(self) -> bool:
        """The last message is the user's and has no answer yet."""
        return bool(self.messages) and self.messages[-1].role == "user"

    def append(self, role: Role, content: str, interrupted: bool = False) -> Message:
        message = Message(role, content, interrupted)
        if self.log is not None:
            message = self.log.added(message)
        self.messages.append(message)
        return message

    def with_user_words(self, text: str) -> list[Message]:
        """The messages as they will be once the user's new words are added (see
        `add_user_words`), for the prompt that answers them."""
        messages = list(self.messages)
        if self.awaiting_reply:
            messages[-1] = Message("user", join_words(messages[-1].content, text))
        else:
            messages.append(Message("user", text))
        return messages

    def add_user_words(self, text: str) -> Message:
        """The user's new words as their message. When their last message has no answer (the
        reply was stopped before it began, or failed), the words are joined to it, so the
        model answers both and the roles keep alternating, as some chat templates demand."""
        if not self.awaiting_reply:
            return self.append("user", text)
        index = len(self.messages) - 1
        return self.replace(index, join_words(self.messages[index].content, text))

    def replace(self, index: int, content: str) -> Message:
        message = dataclasses.replace(self.messages[index], content=content)
        self.messages[index] = message
        if self.log is not None:
            self.log.changed(message)
        return message

    def remove(self, index: int) -> Message:
        if index < self.history_start:
            self.history_start -= 1
        message = self.messages.pop(index)
        if self.log is not None:
            self.log.removed(message)
        return message


def join_words(before: str, after: str) -> str:
    """Two pieces of what the user said, as one message."""
    before, after = before.rstrip(), after.lstrip()
    return before + ("" if has_han(before[-1:] + after[:1]) else " ") + after

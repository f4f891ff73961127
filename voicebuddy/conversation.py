"""One conversation with one character: its messages, and a hook that saves each one."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from voicebuddy.characters.assembly import greetings
from voicebuddy.characters.character import Character
from voicebuddy.characters.macros import MacroContext, expand
from voicebuddy.characters.prompt import Message, Role

Recorder = Callable[[Message], Message]


@dataclass
class Conversation:
    """The messages so far (no system message). `recorder`, when set, saves each appended
    message the moment it is final and returns it with its store id. `seed` keeps the
    card's {{pick}} choices the same for the whole conversation."""

    character: Character
    user_name: str = "User"
    messages: list[Message] = field(default_factory=list)
    recorder: Recorder | None = None
    seed: int = field(default_factory=lambda: random.randrange(2**31))
    # Where the last prompt's history began: kept while it fits (see assemble_prompt).
    history_start: int = 0

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

    def append(self, role: Role, content: str, interrupted: bool = False) -> Message:
        message = Message(role, content, interrupted)
        if self.recorder is not None:
            message = self.recorder(message)
        self.messages.append(message)
        return message

    def replace(self, index: int, content: str) -> Message:
        message = dataclasses.replace(self.messages[index], content=content)
        self.messages[index] = message
        return message

    def remove(self, index: int) -> Message:
        if index < self.history_start:
            self.history_start -= 1
        return self.messages.pop(index)

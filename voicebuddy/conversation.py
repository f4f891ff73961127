"""One conversation with one character: its messages, and a hook that saves each one."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field

from voicebuddy.characters.character import Character
from voicebuddy.characters.prompt import Message, Role, expand_macros

Recorder = Callable[[Message], Message]


@dataclass
class Conversation:
    """The messages so far (no system message). `recorder`, when set, saves each appended
    message the moment it is final and returns it with its store id."""

    character: Character
    user_name: str = "User"
    messages: list[Message] = field(default_factory=list)
    recorder: Recorder | None = None

    @classmethod
    def start(cls, character: Character, user_name: str) -> Conversation:
        greeting = expand_macros(character.greeting, character, user_name).strip()
        messages = [Message("assistant", greeting)] if greeting else []
        return cls(character, user_name, messages)

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
        return self.messages.pop(index)

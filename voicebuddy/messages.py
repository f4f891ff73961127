"""Chat messages and the prompt made of them: below both the chat engine and the characters
(prompt assembly is in `voicebuddy.characters.assembly`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True)
class Message:
    role: Role
    content: str
    interrupted: bool = field(default=False, compare=False)
    id: int | None = field(default=None, compare=False)  # its row in the store, once saved


TokenCounter = Callable[[Sequence[Message]], int]


@dataclass(frozen=True)
class Prompt:
    messages: list[Message]
    tokens: int
    dropped: int  # history messages left out, oldest first

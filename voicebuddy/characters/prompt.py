"""Prompt assembly: a pure function of the character, the history and a token counter.

It never sees a model. The caller passes `count_tokens`, which renders messages with the real
chat template and counts real tokens, and the token budget left for the prompt.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from voicebuddy.characters.character import Character
from voicebuddy.errors import VoiceBuddyError

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True)
class Message:
    role: Role
    content: str
    interrupted: bool = field(default=False, compare=False)
    id: int | None = field(default=None, compare=False)  # its row in the store, once saved


TokenCounter = Callable[[Sequence[Message]], int]

_CHAR = re.compile(r"\{\{char\}\}|<BOT>", re.IGNORECASE)
_USER = re.compile(r"\{\{user\}\}|<USER>", re.IGNORECASE)


def expand_macros(text: str, character: Character, user_name: str) -> str:
    return _USER.sub(user_name, _CHAR.sub(character.name, text))


def system_message(character: Character, user_name: str) -> Message:
    """The character definition: system prompt, description, personality, scenario, examples."""
    parts = [character.system_prompt or "You are {{char}}. Stay in character."]
    if character.description:
        parts.append(character.description)
    if character.personality:
        parts.append(f"{{{{char}}}}'s personality: {character.personality}")
    if character.scenario:
        parts.append(f"Scenario: {character.scenario}")
    examples = [e.strip() for e in re.split(r"<START>", character.example_dialogue, flags=re.I)]
    examples = [e for e in examples if e]
    if examples:
        parts.append("Example dialogue:\n" + "\n\n".join(examples))
    return Message("system", expand_macros("\n\n".join(parts), character, user_name))


@dataclass(frozen=True)
class Prompt:
    messages: list[Message]
    tokens: int
    dropped: int  # history messages left out, oldest first


def assemble_prompt(
    character: Character,
    history: Sequence[Message],
    user_name: str,
    count_tokens: TokenCounter,
    budget: int,
    drop_step: int = 8,
) -> Prompt:
    """Fit the character definition, the history and the newest message into `budget` tokens.

    `history` ends with the newest user message. The definition and that message are always
    kept; older history is dropped oldest first, in steps of `drop_step` messages so the start
    of the prompt stays the same for several turns and the model's prompt cache keeps working.
    """
    if not history or history[-1].role != "user":
        raise ValueError("history must end with the user's newest message")
    head = [system_message(character, user_name)]
    tail: list[Message] = []
    if character.post_history_instructions:
        text = expand_macros(character.post_history_instructions, character, user_name)
        tail.append(Message("system", text))
    older, newest = list(history[:-1]), history[-1]

    def build(start: int) -> list[Message]:
        return head + older[start:] + [newest] + tail

    minimum = build(len(older))
    needed = count_tokens(minimum)
    if needed > budget:
        raise VoiceBuddyError(
            "prompt_too_long",
            f"The character definition and your message need {needed} tokens, more than the "
            f"{budget} the context window leaves; use a larger context size or a shorter card.",
        )
    tokens = count_tokens(build(0))
    if tokens <= budget:
        return Prompt(build(0), tokens, 0)
    # Fewest messages dropped that fit, found by bisection (fewer kept -> fewer tokens).
    low, high = 1, len(older)
    while low < high:
        mid = (low + high) // 2
        if count_tokens(build(mid)) <= budget:
            high = mid
        else:
            low = mid + 1
    start = min(len(older), -(-low // drop_step) * drop_step)
    messages = build(start)
    return Prompt(messages, count_tokens(messages), start)

"""Macros in card text: {{char}}, {{user}}, {{random:...}}, {{pick:...}}, {{roll:dN}}, ...

The Character Card V3 "curly braced syntax", with SillyTavern's reading where the spec is
silent. Macro names are case-insensitive, and so are the legacy tags <user>, <bot> and <char>
(the V3 spec: "the CBS SHOULD be detected case insensitive"; SillyTavern replaces them with
/<USER>/gi). Unknown macros, and `{{original}}` (which the prompt assembly fills in), are left
as they are. Card text is untrusted: every step is one linear regex pass, and no macro can
make the output much longer than the input.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from voicebuddy.characters.card import CharacterCard


@dataclass(frozen=True)
class MacroContext:
    char: str  # the card's nickname if it has one, else its name (V3 `nickname`)
    user: str
    now: datetime
    seed: int  # one per conversation: {{pick}} gives the same choice for the whole conversation
    rng: random.Random = field(default_factory=random.Random, compare=False)  # {{random}}, {{roll}}

    @classmethod
    def for_card(
        cls,
        card: CharacterCard,
        user: str,
        now: datetime,
        seed: int,
        rng: random.Random | None = None,
    ) -> MacroContext:
        return cls(card.nickname or card.name, user, now, seed, rng or random.Random())


# The body may not contain braces, so an unclosed "{{" costs one scan to the next brace, not
# one scan to the end of the text per "{{" (which would be quadratic).
_MACRO = re.compile(r"\{\{([^{}]*)\}\}|<(user|bot|char)>", re.IGNORECASE)
# SillyTavern's forms: "random:a,b", "random::a::b", "pick: a, b", "roll:d6", "roll 6".
_ARGUMENTS = re.compile(
    r"(random|pick|reverse|hidden_key|comment)\s?::?(.*)|(roll)[\s:](.*)", re.IGNORECASE | re.DOTALL
)
_DICE = re.compile(r"\s*d?(\d{1,18})\s*", re.IGNORECASE)  # 18 digits: any N is cheap to roll
_ESCAPED_COMMA = "\x00"

_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
_WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def expand(text: str, ctx: MacroContext) -> str:
    """`text` with its macros replaced; see the module docstring for which and how."""
    if "{{" not in text and "<" not in text:
        return text
    # Two passes, so that names and the clock inside a list are filled in before it is
    # chosen from: "{{random:{{user}},friend}}".
    text = _MACRO.sub(lambda m: _simple(m, ctx), text)
    if "{{" not in text:
        return text
    return _MACRO.sub(lambda m: _with_arguments(m, ctx), text)


def _time(now: datetime) -> str:
    return f"{now.hour % 12 or 12}:{now.minute:02d} {'AM' if now.hour < 12 else 'PM'}"


# Fixed English formats (SillyTavern's moment "LT" and "LL"), not the machine's locale.
_SIMPLE: dict[str, Callable[[MacroContext], str]] = {
    "char": lambda ctx: ctx.char,
    "user": lambda ctx: ctx.user,
    "time": lambda ctx: _time(ctx.now),
    "date": lambda ctx: f"{_MONTHS[ctx.now.month - 1]} {ctx.now.day}, {ctx.now.year}",
    "weekday": lambda ctx: _WEEKDAYS[ctx.now.weekday()],
    "isotime": lambda ctx: f"{ctx.now.hour:02d}:{ctx.now.minute:02d}",
    "isodate": lambda ctx: ctx.now.date().isoformat(),
    "newline": lambda ctx: "\n",
    "noop": lambda ctx: "",
}


def _simple(match: re.Match[str], ctx: MacroContext) -> str:
    tag = match.group(2)
    if tag is not None:
        return ctx.user if tag.lower() == "user" else ctx.char
    body = match.group(1)
    if body.startswith("//"):
        return ""
    value = _SIMPLE.get(body.strip().lower())
    return value(ctx) if value is not None else match.group(0)


def _with_arguments(match: re.Match[str], ctx: MacroContext) -> str:
    body = match.group(1)
    if body is None:  # a tag, already replaced in the first pass unless a name produced it
        return match.group(0)
    if body.startswith("//"):
        return ""
    parsed = _ARGUMENTS.fullmatch(body)
    if parsed is None:
        return match.group(0)
    name = (parsed.group(1) or parsed.group(3)).lower()
    argument = parsed.group(2) if parsed.group(1) else parsed.group(4)
    if name in ("hidden_key", "comment"):  # V3: shown to no one, and never sent to the model
        return ""
    if name == "reverse":
        return argument[::-1]
    if name == "roll":
        dice = _DICE.fullmatch(argument)
        sides = int(dice.group(1)) if dice else 0
        return str(ctx.rng.randint(1, sides)) if sides > 0 else match.group(0)
    choices = _choices(argument)
    if name == "random":
        return ctx.rng.choice(choices)
    # {{pick}}: the same choice for the same conversation, macro text and position, the way
    # SillyTavern seeds it with the chat, the text and the offset.
    key = f"{ctx.seed}\n{match.start()}\n{body}".encode()
    digest = int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "big")
    return choices[digest % len(choices)]


def _choices(argument: str) -> list[str]:
    """SillyTavern's list syntax: "a::b" as it is, or "a, b" trimmed, with "\\," for a comma."""
    if "::" in argument:
        return argument.split("::")
    items = argument.replace("\\,", _ESCAPED_COMMA).split(",")
    return [item.strip().replace(_ESCAPED_COMMA, ",") for item in items]

"""Prompt assembly from a character card: a pure function of the card, the history, the macro
context and a token counter.

It never sees a model. The caller passes `count_tokens`, which renders messages with the real
chat template and counts real tokens, and the token budget left for the prompt.

The prompt is one system message with the character definition (system prompt, lorebook
"before" entries, description, personality, scenario, lorebook "after" entries, example
dialogues), the history as given (its first assistant message is the greeting the caller put
there), then the card's post-history instructions as a second system message.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from voicebuddy.characters.card import CharacterCard
from voicebuddy.characters.lorebook import ActivatedLore, activate, deepest_scan
from voicebuddy.characters.macros import MacroContext, expand
from voicebuddy.errors import VoiceBuddyError
from voicebuddy.messages import Message, Prompt, TokenCounter

DEFAULT_SYSTEM_PROMPT = "You are {{char}}. Stay in character."
# When history must be dropped, drop down to this share of the budget, so that the next
# drop, which makes the model read the whole history again, is many turns away.
LOW_WATER = 0.6
# The most of the budget lorebook entries may take (SillyTavern's default World Info budget is
# 25% of the context), whatever the book's own token_budget says.
LORE_SHARE = 0.25

_ORIGINAL = re.compile(r"\{\{original\}\}", re.IGNORECASE)
_START = re.compile(r"<START>", re.IGNORECASE)


def greetings(card: CharacterCard) -> list[str]:
    """The greetings the UI can cycle through: first_mes, then alternate_greetings, blank ones
    left out. Not macro-expanded: the caller expands the one it shows."""
    return [g for g in [card.first_mes, *card.alternate_greetings] if g.strip()]


def system_message(
    card: CharacterCard,
    ctx: MacroContext,
    lore: ActivatedLore | None = None,
    global_system_prompt: str = DEFAULT_SYSTEM_PROMPT,
) -> Message:
    """The character definition, macros expanded, parts separated by a blank line.

    The card's system_prompt replaces the global one, which fills in its `{{original}}` (V2
    spec); an empty one means the global one. Each field is expanded on its own, so a
    {{pick}} in the description keeps its choice when lorebook entries come and go.
    """
    lore = lore or ActivatedLore()
    system = card.system_prompt if card.system_prompt.strip() else global_system_prompt
    system = _ORIGINAL.sub(lambda _: global_system_prompt, system)
    parts = [expand(system, ctx), "\n".join(lore.before), expand(card.description, ctx)]
    if card.personality.strip():
        parts.append(expand(f"{{{{char}}}}'s personality: {card.personality.strip()}", ctx))
    if card.scenario.strip():
        parts.append(expand(f"Scenario: {card.scenario.strip()}", ctx))
    parts.append("\n".join(lore.after))
    examples = [expand(e, ctx).strip() for e in _START.split(card.mes_example)]
    examples = [e for e in examples if e]
    if examples:
        parts.append("Example dialogue:\n" + "\n\n".join(examples))
    return Message("system", "\n\n".join(p.strip() for p in parts if p.strip()))


MEMORY_HEADING = "What {{char}} remembers about {{user}} from earlier conversations:"
MEMORY_HEADING_ZH = "{{char}}记得的、以前聊天时{{user}}说过的事："
SUMMARY_HEADING = "Earlier in this conversation (no longer shown below):"
SUMMARY_HEADING_ZH = "这次聊天前面说过的（下面已不再显示）："
_CJK = re.compile(r"[\u3400-\u9fff]")


def memory_message(
    memories: Sequence[str],
    ctx: MacroContext,
    count_text: Callable[[str], int],
    budget: int,
    chinese: bool = False,
    heading: str = "",
) -> Message | None:
    """The recalled memories, best first, as many as fit in `budget` tokens; None for none.
    Memories are the user's and the model's words, never expanded as macros; `heading` (a
    macro text) replaces the usual one."""
    heading = expand(heading or (MEMORY_HEADING_ZH if chinese else MEMORY_HEADING), ctx)
    lines: list[str] = []
    for memory in memories:
        text = "\n".join([heading, *lines, f"- {memory.strip()}"])
        if count_text(text) > budget:
            break
        lines.append(f"- {memory.strip()}")
    return Message("system", "\n".join([heading, *lines])) if lines else None


def post_history_message(
    card: CharacterCard, ctx: MacroContext, global_post_history: str = ""
) -> Message | None:
    """The card's post_history_instructions (or the global ones when it has none), with
    `{{original}}` standing for the global ones (V2 spec); None when there is nothing to say."""
    text = card.post_history_instructions
    text = text if text.strip() else global_post_history
    text = expand(_ORIGINAL.sub(lambda _: global_post_history, text), ctx).strip()
    return Message("system", text) if text else None


def assemble_prompt(
    card: CharacterCard,
    history: Sequence[Message],
    ctx: MacroContext,
    count_tokens: TokenCounter,
    budget: int,
    drop_step: int = 8,
    global_system_prompt: str = DEFAULT_SYSTEM_PROMPT,
    global_post_history: str = "",
    keep_from: int = 0,
    refill: float = LOW_WATER,
    memories: Sequence[str] = (),
    memory_budget: int = 0,
    summarize: Callable[[Sequence[Message]], Sequence[str]] | None = None,
    summary_budget: int = 0,
) -> Prompt:
    """Fit the character definition, the history and the newest message into `budget` tokens.

    `history` ends with the newest user message. The definition and that message are always
    kept; older history is dropped oldest first, in steps of `drop_step` messages. The
    lorebook is scanned against the history that is kept, and may take at most LORE_SHARE of
    the budget.

    `memories` (recalled facts, best first) go in a system message just before the newest
    message, within `memory_budget` tokens: there they leave the model's prompt cache of the
    definition and the history intact. They give way before the definition or the newest
    message would.

    `summarize(dropped)` gives the lines that stand for the history the prompt leaves out
    (what the character learnt from it, or a summary written of it): they go in a system
    message right after the definition, within `summary_budget` tokens, and change only when
    more history is dropped, so the prompt cache holds. Recalled memories already in it are
    not repeated. The summary gives way before the memories, and both before the definition
    or the newest message.

    `keep_from` is where the previous prompt's history started (its `dropped`). While the
    prompt still fits from there it starts there again, so the model's prompt cache serves
    everything but the new words. When it no longer fits, enough is dropped at once to come
    down to `refill` of the budget: the cache is rebuilt once per many turns, not every turn.
    """
    if not history or history[-1].role != "user":
        raise ValueError("history must end with the user's newest message")
    older, newest = list(history[:-1]), history[-1]
    step = max(1, drop_step)
    tail = post_history_message(card, ctx, global_post_history)
    definitions = _definitions(card, ctx, count_tokens, budget, global_system_prompt)
    overhead = count_tokens([Message("system", "")])
    chinese = bool(_CJK.search(card.description + card.first_mes))  # the card's language

    def count_text(text: str) -> int:
        return count_tokens([Message("system", text)]) - overhead

    summaries: dict[int, tuple[Message | None, Message | None]] = {}
    notes_on = {"summary": summary_budget > 0, "memories": memory_budget > 0}

    def notes(start: int) -> tuple[Message | None, Message | None]:
        """The summary of older[:start] and the memories note, for history from `start`."""
        if start not in summaries:
            lines = summarize(older[:start]) if summarize is not None and start > 0 else []
            summary = memory_message(
                lines, ctx, count_text, summary_budget, heading=SUMMARY_HEADING_ZH if chinese
                else SUMMARY_HEADING,
            ) if lines else None  # fmt: skip
            # what fitted in the summary is not recalled again below
            said = {line[2:] for line in summary.content.splitlines()[1:]} if summary else set()
            recalled = [m for m in memories if m.strip() not in said]
            remembered = memory_message(
                recalled, ctx, count_text, memory_budget, chinese
            ) if recalled else None  # fmt: skip
            summaries[start] = summary, remembered
        summary, remembered = summaries[start]
        return (summary if notes_on["summary"] else None,
                remembered if notes_on["memories"] else None)  # fmt: skip

    def build(start: int) -> list[Message]:
        kept = [*older[start:], newest]
        summary, remembered = notes(start)
        return [
            definitions(kept),
            *([summary] if summary else []),
            *older[start:],
            *([remembered] if remembered else []),
            newest,
            *([tail] if tail else []),
        ]

    minimum = build(len(older))
    needed = count_tokens(minimum)
    for note in ("summary", "memories"):  # the notes give way first, the summary before all
        if needed > budget and notes_on[note]:
            notes_on[note] = False
            minimum = build(len(older))
            needed = count_tokens(minimum)
    if needed > budget:
        raise VoiceBuddyError(
            "prompt_too_long",
            f"The character definition and your message need {needed} tokens, more than the "
            f"{budget} the context window leaves; use a larger context size or a shorter card.",
        )
    keep_from = min(max(keep_from, 0), len(older))
    kept = build(keep_from)
    tokens = count_tokens(kept)
    if tokens <= budget:
        return Prompt(kept, tokens, keep_from)
    # Fewest messages dropped to come down to the refill mark, by bisection (fewer kept ->
    # fewer tokens); the mark is never below what the definition and newest message need.
    target = max(needed, int(budget * refill))
    low, high = keep_from + 1, len(older)
    while low < high:
        mid = (low + high) // 2
        if count_tokens(build(mid)) <= target:
            high = mid
        else:
            low = mid + 1
    start = min(len(older), -(-low // step) * step)
    # The lorebook changes with the kept history, so fewer tokens for fewer messages is only
    # nearly true: check, and drop further if a step did not fit. Dropping all older messages
    # fits, as checked above.
    while True:
        messages = build(start)
        tokens = count_tokens(messages)
        if tokens <= budget or start == len(older):
            return Prompt(messages, tokens, start)
        start = min(len(older), start + step)


def _definitions(
    card: CharacterCard,
    ctx: MacroContext,
    count_tokens: TokenCounter,
    budget: int,
    global_system_prompt: str,
) -> Callable[[Sequence[Message]], Message]:
    """The system message for the kept messages, computed once per lorebook scan window."""
    book = card.character_book
    depth = deepest_scan(book) if book else 0
    overhead = count_tokens([Message("system", "")])
    cache: dict[tuple[str, ...], Message] = {}

    def count_text(text: str) -> int:
        return max(0, count_tokens([Message("system", text)]) - overhead)

    def definition(kept: Sequence[Message]) -> Message:
        window = tuple(m.content for m in kept[-depth:]) if depth > 0 else ()
        if window not in cache:
            lore = None
            if book is not None:
                lore = activate(
                    book,
                    window,
                    count_text,
                    max_tokens=int(budget * LORE_SHARE),
                    expand=lambda text: expand(text, ctx),
                )
            cache[window] = system_message(card, ctx, lore, global_system_prompt)
        return cache[window]

    return definition

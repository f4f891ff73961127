"""Reasoning models (DeepSeek-R1 distills, Qwen3, QwQ, Magistral) write their thoughts before
the answer, between tags: `<think>…</think>` and the like. The thoughts are shown folded and
never spoken or stored as the reply.

`ThinkingSplitter` takes the streamed pieces and hands back, for each, the thought and the
answer text in it. A tag split across pieces is held back until it is whole.
"""

from __future__ import annotations

from dataclasses import dataclass

# (opening, closing), as the model families write them
TAGS = (
    ("<think>", "</think>"),
    ("<thinking>", "</thinking>"),
    ("<reasoning>", "</reasoning>"),
    ("[THINK]", "[/THINK]"),
)


@dataclass(frozen=True)
class Split:
    thought: str = ""
    answer: str = ""


class ThinkingSplitter:
    def __init__(self) -> None:
        self._held = ""
        self._closing: str | None = None  # inside thoughts: the tag that ends them
        self._trim = False  # just after thoughts: the blank lines before the answer go

    @property
    def thinking(self) -> bool:
        return self._closing is not None

    def feed(self, piece: str) -> Split:
        text = self._held + piece
        self._held = ""
        thought: list[str] = []
        answer: list[str] = []
        while text:
            if self._closing is None:
                found = _first_tag(text, [opening for opening, _ in TAGS])
                if found is None:
                    keep = _partial_tail(text, [opening for opening, _ in TAGS])
                    answer.append(self._trimmed(text[: len(text) - keep]))
                    self._held = text[len(text) - keep :]
                    break
                at, opening = found
                answer.append(self._trimmed(text[:at]))
                self._closing = dict(TAGS)[opening]
                text = text[at + len(opening) :]
            else:
                at = text.find(self._closing)
                if at < 0:
                    keep = _partial_tail(text, [self._closing])
                    thought.append(text[: len(text) - keep])
                    self._held = text[len(text) - keep :]
                    break
                thought.append(text[:at])
                text = text[at + len(self._closing) :]
                self._closing = None
                self._trim = True
        return Split("".join(thought), "".join(answer))

    def _trimmed(self, answer: str) -> str:
        if self._trim:
            answer = answer.lstrip()
            self._trim = not answer
        return answer

    def flush(self) -> Split:
        """What is held back when the stream ends (a thought never closed stays a thought)."""
        held, self._held = self._held, ""
        return Split(held, "") if self._closing is not None else Split("", self._trimmed(held))


def without_thoughts(text: str) -> str:
    """`text` less its thought blocks (a reply stored by an older version, a whole reply)."""
    splitter = ThinkingSplitter()
    first, last = splitter.feed(text), splitter.flush()
    return (first.answer + last.answer).strip()


def _first_tag(text: str, tags: list[str]) -> tuple[int, str] | None:
    found = [(text.find(tag), tag) for tag in tags if tag in text]
    return min(found) if found else None


def _partial_tail(text: str, tags: list[str]) -> int:
    """How many characters at the end of `text` could be the start of one of `tags`."""
    longest = 0
    for tag in tags:
        for size in range(min(len(tag) - 1, len(text)), longest, -1):
            if text.endswith(tag[:size]):
                longest = size
                break
    return longest

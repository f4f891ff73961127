"""Thoughts between tags are told apart from the answer, however the stream cuts them."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from voicebuddy.text.thinking import ThinkingSplitter, without_thoughts

REPLY = (
    "<think>\nThey ask about octopuses. Hearts: three.\n</think>\n\nAn octopus has three hearts!"
)


def _split(pieces: list[str]) -> tuple[str, str]:
    splitter = ThinkingSplitter()
    thought, answer = [], []
    for piece in pieces:
        part = splitter.feed(piece)
        thought.append(part.thought)
        answer.append(part.answer)
    last = splitter.flush()
    return "".join(thought) + last.thought, "".join(answer) + last.answer


def test_a_thought_block_then_the_answer() -> None:
    thought, answer = _split([REPLY])
    assert thought.strip() == "They ask about octopuses. Hearts: three."
    assert answer.strip() == "An octopus has three hearts!"


@given(st.lists(st.integers(min_value=0, max_value=len(REPLY)), max_size=12))
def test_any_cut_of_the_stream_gives_the_same_split(cuts: list[int]) -> None:
    bounds = [0, *sorted(cuts), len(REPLY)]
    pieces = [REPLY[a:b] for a, b in itertools.pairwise(bounds)]
    assert _split(pieces) == _split([REPLY])


def test_other_tags_a_reply_without_thoughts_and_an_unclosed_thought() -> None:
    assert _split(["[THINK]hmm[/THINK]", "Yes."]) == ("hmm", "Yes.")
    assert _split(["Just ", "an <answer> with a [note]."]) == (
        "",
        "Just an <answer> with a [note].",
    )
    assert _split(["<think>still going when the tokens ran out"]) == (
        "still going when the tokens ran out",
        "",
    )
    assert without_thoughts(REPLY) == "An octopus has three hearts!"

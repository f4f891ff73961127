"""The hands-free end-of-turn bench's own logic (fast): the thinking pause and the counting."""

from __future__ import annotations

import numpy as np
from speechlike import silence, speechlike

from voicebuddy.audio.listener import HeardUtterance
from voicebuddy.audio.replay import ReplayedUtterance
from voicebuddy.bench.end_of_turn import ModeFigures, TurnClip, _count, splice_pause

RATE = 16_000


def test_the_thinking_pause_goes_into_the_quiet_between_two_words() -> None:
    word = speechlike(0.4)
    whole = np.concatenate([word, silence(0.05), word])
    spliced = splice_pause(whole, near=int(0.38 * RATE), pause_s=0.6)
    assert spliced.size == whole.size + int(0.6 * RATE)
    quiet = np.flatnonzero(np.abs(spliced) < 0.05)
    gap = np.split(quiet, np.flatnonzero(np.diff(quiet) > 1) + 1)
    longest = max(gap, key=len)
    assert len(longest) >= 0.6 * RATE  # the pause sits in the gap, in one piece
    assert 0.38 * RATE <= longest[0] <= 0.46 * RATE


def heard(handed_over_s: float, reason: str) -> ReplayedUtterance:
    utterance = HeardUtterance(silence(0.1), 0.0, None, reason, None, handed_over_s)
    return ReplayedUtterance(utterance, 0.0, handed_over_s - 0.2, handed_over_s)


def test_a_paused_sentence_handed_over_in_two_pieces_is_a_premature_cut_off() -> None:
    paused = TurnClip("paused", silence(1.0), speech_end_s=3.0, paused=True)
    plain = TurnClip("plain", silence(1.0), speech_end_s=2.0, paused=False)
    figures = ModeFigures()
    _count(figures, paused, [heard(1.5, "model"), heard(3.3, "model")])
    _count(figures, paused, [heard(3.3, "model")])
    _count(figures, plain, [heard(2.3, "max_pause")])
    assert (figures.premature_cutoffs, figures.paused_clips) == (1, 2)
    assert figures.reasons == {"model": 3, "max_pause": 1}

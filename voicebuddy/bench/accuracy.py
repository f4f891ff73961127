"""How well speech was recognised: the word error rate of a transcript against what was said."""

from __future__ import annotations

import re


def words(text: str) -> list[str]:
    """Lowercase words without punctuation."""
    return [w.strip("'") for w in re.findall(r"[\w']+", text.lower()) if w.strip("'")]


def word_error_rate(reference: str, hypothesis: str) -> float:
    """Word-level edit distance over the reference's length (0.0: every word right)."""
    ref, hyp = words(reference), words(hypothesis)
    previous = list(range(len(hyp) + 1))
    for i, ref_word in enumerate(ref, 1):
        current = [i]
        for j, hyp_word in enumerate(hyp, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ref_word != hyp_word))
            )
        previous = current
    return previous[-1] / max(len(ref), 1)

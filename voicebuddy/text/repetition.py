"""Telling a whisper repetition loop from what people say.

On a short, tightly trimmed encoder window whisper can fall into a loop: "Then in the next
step, then in the next step, then in the fourth step, then in the fourth. Then in". A loop is a
run of words written again right after itself more often than speech does (a phrase of three
words or more twice, two words three times, one word four times; Chinese counts characters, so
its thresholds are higher), or text that compresses as well as whisper's own check rejects.
"""

from __future__ import annotations

import re
import zlib

COMPRESSION_RATIO_LIMIT = 2.4  # whisper's compression_ratio_threshold
MAX_UNITS = 400  # longer texts are checked on their first this many words

_UNIT = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]|[^\W_]+(?:['’][^\W_]+)*")
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_SENTENCE_END = re.compile(r"[.!?。！？]")
_TRAILING = " \t\n,;:、，；："

# (minimum phrase length, repeats that make a loop), longest phrases first
_WORD_LOOPS = ((3, 2), (2, 3), (1, 4))
_HAN_LOOPS = ((4, 2), (2, 3), (1, 5))


def compression_ratio(text: str) -> float:
    data = text.encode("utf-8")
    return len(data) / len(zlib.compress(data)) if data else 0.0


def _repeats(units: list[str], start: int, size: int) -> int:
    """How many times `units[start:start+size]` occurs back to back from `start`."""
    phrase = units[start : start + size]
    count = 1
    at = start + size
    while units[at : at + size] == phrase:
        count += 1
        at += size
    return count


def _is_loop(units: list[str], start: int, size: int, han: bool) -> bool:
    repeats = _repeats(units, start, size)
    for shortest, needed in _HAN_LOOPS if han else _WORD_LOOPS:
        if size >= shortest:
            return repeats >= needed
    return False


def first_repeat(text: str) -> int | None:
    """The offset in `text` where a loop's first repetition begins (None: no loop there)."""
    found = list(_UNIT.finditer(text))[:MAX_UNITS]
    units = [m.group().casefold() for m in found]
    for start in range(len(units)):
        for size in range(1, (len(units) - start) // 2 + 1):
            han = all(HAN.fullmatch(u) for u in units[start : start + size])
            if _is_loop(units, start, size, han):
                return found[start + size].start()
    return None


def is_loop(text: str) -> bool:
    return first_repeat(text) is not None or compression_ratio(text) > COMPRESSION_RATIO_LIMIT


def clean_start(text: str) -> str:
    """What comes before the loop: up to its first repetition, or else (text that only
    compresses too well) its first sentence."""
    cut = first_repeat(text)
    if cut is None:
        if compression_ratio(text) <= COMPRESSION_RATIO_LIMIT:
            return text.strip()
        end = _SENTENCE_END.search(text)
        cut = end.end() if end is not None else len(text)
    return text[:cut].rstrip(_TRAILING).strip()


def count_units(text: str) -> int:
    """Words, with each Chinese character counted as one."""
    return len(_UNIT.findall(text))


def ends_a_sentence(text: str) -> bool:
    stripped = text.rstrip()
    return bool(stripped) and _SENTENCE_END.fullmatch(stripped[-1]) is not None

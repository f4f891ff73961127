"""The optional wake phrase: "Hey <character name>", matched fuzzily on the transcript.

Whisper hears names loosely ("Hey, Rowan!", "Hay Rowen", "hey rowan,"), so the match compares
letters, not exact words.
"""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher

_GREETINGS = ("hey", "hi", "hello", "ok", "okay", "嘿", "嗨", "你好", "哈喽")
_CJK = re.compile(r"[\u3400-\u9fff]")
_MIN_RATIO = 0.75


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in text if ch.isalnum() or ch.isspace())


def _tokens(text: str) -> list[tuple[str, int]]:
    """Words (and single CJK characters) with the index in `text` just after each."""
    result: list[tuple[str, int]] = []
    for match in re.finditer(r"[\u3400-\u9fff]|[^\W_]+", text, re.UNICODE):
        result.append((_fold(match.group()), match.end()))
    return result


def _is_greeting(word: str) -> bool:
    return any(SequenceMatcher(None, word, g).ratio() >= 0.6 for g in _GREETINGS)


def strip_wake_phrase(transcript: str, names: list[str]) -> str | None:
    """The request after "Hey <name>" when the transcript starts with the wake phrase (give or
    take whisper's spelling), else None. Just "Hey <name>" returns the transcript itself."""
    tokens = _tokens(transcript)
    if not tokens:
        return None
    for name in names:
        name_tokens = [t for t, _ in _tokens(name)]
        if not name_tokens:
            continue
        joiner = "" if _CJK.search(name) else " "
        wanted_name = joiner.join(name_tokens)
        for greeting_length in (1, 2, 0):  # "hey rowan", "你 好 小 林", or just the name
            greeting = tokens[:greeting_length]
            if greeting_length and not _is_greeting("".join(t for t, _ in greeting)):
                continue
            rest = tokens[greeting_length:]
            for take in range(1, min(len(rest), len(name_tokens) + 1) + 1):
                heard = joiner.join(t for t, _ in rest[:take])
                if SequenceMatcher(None, heard, wanted_name).ratio() >= _MIN_RATIO:
                    if greeting_length == 0 and take == len(tokens):
                        return transcript.strip()  # just the name: "Rowan?"
                    if greeting_length == 0:
                        break  # a sentence that merely starts with the name is not a call
                    end = rest[take - 1][1]
                    request = transcript[end:].lstrip(" ,，.。!！?？:：;；-—")
                    return request.strip() or transcript.strip()
    return None

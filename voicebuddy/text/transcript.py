"""Tidying a conversation turn's transcript before the character reads it."""

from __future__ import annotations

import re

from voicebuddy.text.chinese import convert, has_han, is_chinese

_SENTENCE = re.compile(r"[^.!?。！？]+[.!?。！？]*")


def _key(sentence: str) -> str:
    return "".join(ch for ch in sentence.casefold() if ch.isalnum())


def collapse_repeats(text: str) -> str:
    """One copy of a sentence whisper wrote twice or more in a row.

    With only the utterance encoded (`encoder_window`), whisper sometimes loops on a short
    phrase followed by a pause: "And so my fellow Americans. And so my fellow Americans."
    """
    sentences = [m.group().strip() for m in _SENTENCE.finditer(text) if m.group().strip()]
    kept: list[str] = []
    for sentence in sentences:
        if kept and _key(sentence) and _key(sentence) == _key(kept[-1]):
            continue
        kept.append(sentence)
    if len(kept) == len(sentences):
        return text.strip()
    return ("" if has_han(text) else " ").join(kept)


def tidy_transcript(text: str, language: str, chinese_script: str) -> str:
    """Repeats collapsed, and Chinese in the script the user chose."""
    text = collapse_repeats(text)
    return convert(text, chinese_script) if is_chinese(language) else text

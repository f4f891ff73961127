"""Cut a streamed reply into sentences as tokens arrive (English and Chinese punctuation).

A sentence is handed on as soon as it is certainly complete, so the speech of sentence one can
start while the model is still writing sentence two.
"""

from __future__ import annotations

import re

# CJK terminators end a sentence at once: Chinese puts no space after them.
_CJK_ENDS = "。！？；…"
_LATIN_ENDS = ".!?;"
_CJK_CLAUSE_ENDS = "，、："
_CLAUSE_ENDS = ",:" + _CJK_CLAUSE_ENDS
# Closing quotes and brackets belong to the sentence they close.
_CLOSERS = "\"'”’)]}」』）》*"
_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "sr",
        "jr",
        "st",
        "vs",
        "etc",
        "e.g",
        "i.e",
        "a.m",
        "p.m",
        "fig",
        "approx",
        "dept",
        "mt",
    ]
)
_WORD_BEFORE = re.compile(r"([\w.]+)$")
# Words a spoken phrase often starts with: the reply's first piece may end before one of them.
_PHRASE_STARTS = frozenset([
    "to", "about", "for", "with", "and", "but", "or", "because", "that", "which", "who",
    "when", "if", "so", "in", "on", "at", "of", "from", "like", "as", "than", "while", "since",
    "until", "into", "by", "after", "before",
])  # fmt: skip
_WORD = re.compile(r"\S+(?=\s)")
_CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")


class SentenceSplitter:
    """Feed text pieces with `feed`; get back the sentences they complete; `flush` at the end.

    `min_chars` keeps very short fragments ("Oh.") together with what follows, so the voice
    does not stutter through tiny clips. With `first_clause_chars`, the reply's first piece
    may end at a comma once it is that long: the voice starts sooner, before the first
    sentence is complete. With `first_phrase_words` (English and other spaced scripts), it may
    also end at a phrase boundary once that many words have come: before a word such as "to"
    or "about" after at least three words, else after exactly that many words.
    """

    def __init__(
        self, min_chars: int = 2, first_clause_chars: int = 0, first_phrase_words: int = 0
    ) -> None:
        self._buffer = ""
        self._min_chars = min_chars
        self._first_clause_chars = first_clause_chars
        self._first_phrase_words = first_phrase_words
        self._emitted = 0

    def feed(self, piece: str) -> list[str]:
        self._buffer += piece
        sentences: list[str] = []
        while True:
            cut = self._find_cut(self._buffer)
            if cut is None and self._emitted == 0 and self._first_phrase_words:
                cut = self._phrase_cut(self._buffer)
            if cut is None:
                break
            sentence, self._buffer = self._buffer[:cut].strip(), self._buffer[cut:]
            if sentence:
                sentences.append(sentence)
                self._emitted += 1
        return sentences

    def flush(self) -> list[str]:
        rest, self._buffer = self._buffer.strip(), ""
        return [rest] if rest else []

    def _find_cut(self, text: str) -> int | None:
        """Index just after the first complete sentence in `text`, or None."""
        clause = self._first_clause_chars if self._emitted == 0 else 0
        for i, ch in enumerate(text):
            if clause and ch in _CLAUSE_ENDS and len(text[:i].strip()) >= clause:
                if ch in _CJK_CLAUSE_ENDS:
                    return i + 1
                if i + 1 < len(text) and text[i + 1].isspace():  # "1,000" is no clause
                    return i + 1
            if ch == "\n":
                if text[:i].strip():
                    return i + 1
                continue
            if ch in _CJK_ENDS:
                end = self._after_closers(text, i + 1)
                if end is None:
                    return None
                if len(text[:end].strip()) >= self._min_chars:
                    return end
            elif ch in _LATIN_ENDS:
                end = self._after_closers(text, i + 1)
                if end is None:
                    return None
                if end == len(text):
                    return None  # need the next character to know ("3." vs "3.14")
                if not text[end].isspace():
                    continue
                if ch == "." and self._is_abbreviation(text[:i]):
                    continue
                if len(text[:end].strip()) >= self._min_chars:
                    return end
        return None

    def _phrase_cut(self, text: str) -> int | None:
        """Where the first piece may end early: after a comma that follows two words or more,
        before a phrase-starting word after three words, else after `first_phrase_words`
        words; None in CJK text."""
        if _CJK.search(text):
            return None
        words = list(_WORD.finditer(text.lstrip()))
        offset = len(text) - len(text.lstrip())
        for k, word in enumerate(words[: self._first_phrase_words + 1]):
            if k >= 1 and word.group()[-1] in _CLAUSE_ENDS:  # "I'm sorry," is a phrase
                return offset + word.end()
            if k >= 3 and word.group().casefold().strip("\"'(") in _PHRASE_STARTS:
                return offset + word.start()
        if len(words) > self._first_phrase_words:
            return offset + words[self._first_phrase_words].start()
        return None

    @staticmethod
    def _after_closers(text: str, start: int) -> int | None:
        """Skip repeated terminators and closing quotes; None if the text ends inside them."""
        end = start
        while end < len(text) and (text[end] in _CLOSERS or text[end] in _LATIN_ENDS + _CJK_ENDS):
            end += 1
        if end == len(text) and end > start:
            return None
        return end

    @staticmethod
    def _is_abbreviation(before: str) -> bool:
        match = _WORD_BEFORE.search(before)
        if match is None:
            return False
        word = match.group(1).lower()
        if word in _ABBREVIATIONS:
            return True
        return len(word) == 1 and word.isalpha()  # an initial: "J. R. R. Tolkien"

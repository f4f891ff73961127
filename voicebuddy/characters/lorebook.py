"""Lorebook activation: which entries of a card's character book go into the prompt, and where.

Character Card V2/V3 semantics, with SillyTavern's defaults where the spec leaves a choice:

- Disabled entries never fire; empty contents are never added (both spec MUSTs).
- Constant entries always fire (within the budget), also when `use_regex` is set: the V3 spec
  says to ignore `constant` (and `secondary_keys`) for regex entries, but SillyTavern exports
  every entry with `use_regex: true`, so following that would break every SillyTavern card.
- Keys are matched against the newest `scan_depth` messages (the book's, else
  `default_scan_depth`: 2, SillyTavern's default; 0 scans no message). A key is a substring
  (the spec's "contains"), trimmed, case-insensitive unless `case_sensitive`; SillyTavern's
  entry extensions `case_sensitive`, `match_whole_words`, `scan_depth`, `selectiveLogic`,
  `exclude_recursion` and `prevent_recursion` are honoured when the spec fields are unset.
- `selective` with `secondary_keys`: a primary and a secondary key must match (V2), or
  SillyTavern's other `selectiveLogic` (not all / not any / all secondary keys).
- `use_regex`: each key is a Python regex, or SillyTavern's "/pattern/flags". A key that does
  not compile, is longer than MAX_PATTERN_LENGTH, or has a shape that can backtrack for long
  (see `regex_is_safe`) never matches. Python's `re` has no timeout, so the work is bounded
  instead: a regex sees at most the newest REGEX_TEXT_LIMIT characters of each text it scans
  (the scanned messages, and each entry content fed back by recursion). A key without regex
  characters is matched as plain text, which means the same.
- Recursion (`recursive_scanning`, default on as in SillyTavern): the contents of activated
  entries are scanned for more keys, regardless of scan depth, for at most
  MAX_RECURSION_ROUNDS more rounds; an entry is added once.
- Budget: `token_budget` (a non-positive one counts as unset) and the caller's `max_tokens`,
  whichever is smaller. Each round's new entries are taken by rank (higher `priority` first, a
  missing one counting as 0, then higher `insertion_order`, as the spec and SillyTavern keep
  them) until one does not fit; then activation stops, as in SillyTavern.
- Output: contents in `insertion_order` (lower first, ties in book order), split by `position`;
  an entry without one goes after the character, as SillyTavern imports cards.
- Leading `@@decorator` lines are stripped from contents; decorators are not acted on.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from voicebuddy.characters.card import Lorebook, LoreEntry

DEFAULT_SCAN_DEPTH = 2
MAX_SCAN_DEPTH = 1000  # SillyTavern's limit
MAX_RECURSION_ROUNDS = 3
MAX_PATTERN_LENGTH = 200
REGEX_TEXT_LIMIT = 1000
MAX_VARIABLE_REPEATS = 4

_AND_ANY, _NOT_ALL, _NOT_ANY, _AND_ALL = 0, 1, 2, 3  # SillyTavern's selectiveLogic values
_REGEX_SPECIAL = frozenset(".^$*+?{}[]\\|()")
_SLASHED = re.compile(r"/(.+)/([a-z]*)", re.DOTALL)
_BOUNDS = re.compile(r"\{(\d{0,9})(,?)(\d{0,9})\}")
_DECORATORS = re.compile(r"\A(?:\s*@@[^\n]*(?:\n|\Z))+")  # the @@ lines a content starts with


@dataclass
class ActivatedLore:
    before: list[str] = field(default_factory=list)  # before the character definition
    after: list[str] = field(default_factory=list)  # after it


@dataclass(frozen=True)
class _Haystack:
    text: str
    lower: str

    @classmethod
    def of(cls, text: str) -> _Haystack:
        return cls(text, text.lower())


_Matcher = Callable[[Sequence[_Haystack]], bool]


@dataclass
class _Candidate:
    index: int
    entry: LoreEntry
    primary: list[_Matcher]
    secondary: list[_Matcher]
    logic: int
    depth: int
    content: str = ""

    def fires(self, haystacks: Sequence[_Haystack]) -> bool:
        if not any(match(haystacks) for match in self.primary):
            return False
        if not self.entry.selective or not self.secondary:
            return True
        found = [match(haystacks) for match in self.secondary]
        if self.logic == _NOT_ALL:
            return not all(found)
        if self.logic == _NOT_ANY:
            return not any(found)
        if self.logic == _AND_ALL:
            return all(found)
        return any(found)

    def rank(self) -> tuple[float, float, int]:
        """The sort key that puts the entries to keep under a budget first."""
        return (-_number(self.entry.priority), -_number(self.entry.insertion_order), self.index)


def activate(
    book: Lorebook,
    scan_text_messages: Sequence[str],
    count_tokens_text: Callable[[str], int],
    default_scan_depth: int = DEFAULT_SCAN_DEPTH,
    *,
    max_tokens: int | None = None,
    match_whole_words: bool = False,
    expand: Callable[[str], str] | None = None,
) -> ActivatedLore:
    """The entries of `book` that fire on the newest of `scan_text_messages` (oldest first).

    `expand` (macro expansion) is applied to keys and to the contents of fired entries before
    they are counted, scanned for recursion and returned.
    """
    expand = expand or _same
    depth = _scan_depth(book.scan_depth, default_scan_depth)
    candidates = [
        _candidate(i, e, depth, match_whole_words, expand)
        for i, e in enumerate(book.entries)
        if e.enabled and e.content.strip()
    ]
    windows: dict[int, _Haystack] = {}

    def window(size: int) -> _Haystack:
        if size not in windows:
            newest = scan_text_messages[-size:] if size > 0 else []
            windows[size] = _Haystack.of("\n".join(m.strip() for m in newest))
        return windows[size]

    budget = _budget(book.token_budget, max_tokens)
    used = 0
    fired: list[_Candidate] = []
    pending = candidates
    recursion: list[_Haystack] = []  # the contents fed back, one by one
    rounds = 1 + (MAX_RECURSION_ROUNDS if book.recursive_scanning is not False else 0)
    for round_ in range(rounds):
        found: list[_Candidate] = []
        rest: list[_Candidate] = []
        for candidate in pending:
            fires = _fires(candidate, round_, window(candidate.depth), recursion)
            (found if fires else rest).append(candidate)
        pending = rest
        overflow = False
        added: list[_Candidate] = []
        for candidate in sorted(found, key=_Candidate.rank):
            candidate.content = expand(
                _DECORATORS.sub("", candidate.entry.content, count=1).strip()
            )
            if not candidate.content:
                continue
            tokens = count_tokens_text(candidate.content)
            if budget is not None and used + tokens > budget:
                overflow = True
                break
            used += tokens
            added.append(candidate)
        fired += added
        feed = [c.content for c in added if not _extension(c.entry, "prevent_recursion", False)]
        if overflow or not feed:
            break
        recursion += [_Haystack.of(content) for content in feed]

    fired.sort(key=lambda c: (_number(c.entry.insertion_order), c.index))
    lore = ActivatedLore()
    for candidate in fired:
        side = lore.before if candidate.entry.position == "before_char" else lore.after
        side.append(candidate.content)
    return lore


def deepest_scan(book: Lorebook, default_scan_depth: int = DEFAULT_SCAN_DEPTH) -> int:
    """How many of the newest messages `activate` may read (the book's or an entry's depth)."""
    depth = _scan_depth(book.scan_depth, default_scan_depth)
    return max([depth] + [_scan_depth(e.extensions.get("scan_depth"), depth) for e in book.entries])


def regex_is_safe(pattern: str) -> bool:
    """Whether `pattern` is short and free of the shapes that make Python's re backtrack
    exponentially or in a high polynomial of the text's length: a backreference, a conditional,
    a group repeated more than once that holds a repeat or an alternative ("(a+)+", "(a|a)*"),
    more than one variable-length repeat of something wide (".", "\\w", "\\S", any "[...]":
    ".*.*x" is cubic), or more than MAX_VARIABLE_REPEATS variable-length repeats and groups
    with alternatives in all. Repeating a single character or "\\s"/"\\d" counts as narrow:
    chat text has only short runs of those.

    A conservative check over the pattern's text: it rejects some harmless patterns
    ("\\w+\\s+\\w+"), and it assumes the pattern compiles, without the verbose flag (whose
    comments it cannot read). The worst pattern it lets through, measured, takes about 0.1 s
    on REGEX_TEXT_LIMIT characters of chat; an ordinary key takes microseconds.
    """
    if len(pattern) > MAX_PATTERN_LENGTH:
        return False
    frames: list[list[bool]] = [[False, False, False]]  # per group: has repeat, has |, is wide
    last: tuple[bool, bool] | None = None  # the atom a quantifier applies to: (complex, wide)
    wide_repeats = variable_repeats = 0
    i = 0
    while i < len(pattern):
        c = pattern[i]
        quantifier = _quantifier(pattern, i)
        if quantifier is not None:
            end, variable, many = quantifier
            if last is not None and variable:
                complex_, wide = last
                if complex_ and many:
                    return False
                wide_repeats += wide
                variable_repeats += 1
                frames[-1][0] = True
            last = None
            i = end
            continue
        if c == "\\":
            escaped = pattern[i + 1 : i + 2]
            if escaped.isdigit() and escaped != "0":
                return False
            last = (False, escaped in "wWSD" and escaped != "")
            i += 2
        elif c == "[":
            end = _class_end(pattern, i)
            last = (False, True)  # even "[ e]" matches long runs of chat text
            i = end + 1
        elif c == "(":
            if pattern.startswith(("(?P=", "(?("), i):
                return False
            if pattern.startswith("(?#", i):
                i = pattern.find(")", i) + 1 or len(pattern)
                last = None
                continue
            frames.append([False, False, False])
            last = None
            i += 1
        elif c == ")" and len(frames) > 1:
            repeat, alternative, wide = frames.pop()
            frames[-1][0] |= repeat
            frames[-1][1] |= alternative
            frames[-1][2] |= wide
            variable_repeats += alternative  # alternatives multiply the backtracking too
            last = (repeat or alternative, wide)
            i += 1
        else:
            if c == "|":
                frames[-1][1] = True
            last = None if c in "|^$" else (False, c == ".")
            i += 1
        if last is not None and last[1]:
            frames[-1][2] = True
    # Unbalanced groups mean this reading of the pattern went wrong somewhere: refuse.
    return len(frames) == 1 and wide_repeats <= 1 and variable_repeats <= MAX_VARIABLE_REPEATS


def _quantifier(pattern: str, i: int) -> tuple[int, bool, bool] | None:
    """The end of a quantifier at `i` (with its lazy or possessive suffix), whether its length
    varies and whether it may repeat more than once; None when there is none."""
    c = pattern[i]
    if c in "*+?":
        end, variable, many = i + 1, True, c != "?"
    elif c == "{":
        bounds = _BOUNDS.match(pattern, i)
        if bounds is None:
            return None
        low, comma, high = bounds.groups()
        least = int(low or 0)
        most = int(high) if high else (None if comma else least)
        end, variable, many = bounds.end(), most != least, most is None or most > 1
    else:
        return None
    if pattern[end : end + 1] in ("?", "+"):
        end += 1
    return end, variable, many


def _class_end(pattern: str, start: int) -> int:
    """The index of the "]" that closes the character class opened at `start`."""
    i = start + 1
    if pattern[i : i + 1] == "^":
        i += 1
    if pattern[i : i + 1] == "]":
        i += 1
    while i < len(pattern) and pattern[i] != "]":
        i += 2 if pattern[i] == "\\" else 1
    return min(i, len(pattern) - 1)


def _candidate(
    index: int,
    entry: LoreEntry,
    book_depth: int,
    whole_words: bool,
    expand: Callable[[str], str],
) -> _Candidate:
    case_sensitive = entry.case_sensitive
    if case_sensitive is None:
        case_sensitive = _extension(entry, "case_sensitive", False)
    whole = _extension(entry, "match_whole_words", whole_words)

    def matchers(keys: Sequence[object]) -> list[_Matcher]:
        out = []
        for key in keys:
            if not isinstance(key, str):
                continue
            key = (expand(key) if "{{" in key or "<" in key else key).strip()
            if key:
                out.append(_matcher(key, entry.use_regex, case_sensitive, whole))
        return out

    logic = entry.extensions.get("selectiveLogic")
    return _Candidate(
        index,
        entry,
        matchers(entry.keys),
        matchers(entry.secondary_keys) if entry.selective else [],
        logic if logic in (_NOT_ALL, _NOT_ANY, _AND_ALL) else _AND_ANY,
        _scan_depth(entry.extensions.get("scan_depth"), book_depth),
    )


def _matcher(key: str, use_regex: bool, case_sensitive: bool, whole_words: bool) -> _Matcher:
    slashed = _SLASHED.fullmatch(key) if use_regex else None
    if slashed is not None:
        flags = slashed.group(2)
        return _regex_matcher(slashed.group(1), "i" in flags, "s" in flags, "m" in flags)
    if use_regex and not _REGEX_SPECIAL.isdisjoint(key):
        return _regex_matcher(key, not case_sensitive, False, False)
    # A key without special characters means the same as a regex and as a substring.
    if whole_words and len(key.split()) == 1:
        # SillyTavern's boundaries: a non-word character or the end, so "Mira's" finds "Mira".
        pattern = r"(?:^|\W)" + re.escape(key) + r"(?:$|\W)"
        compiled = _compile(pattern, 0 if case_sensitive else re.IGNORECASE)
        return lambda hays: compiled is not None and any(compiled.search(h.text) for h in hays)
    if case_sensitive:
        return lambda hays: any(key in h.text for h in hays)
    lowered = key.lower()
    return lambda hays: any(lowered in h.lower for h in hays)


def _regex_matcher(pattern: str, ignore_case: bool, dot_all: bool, multiline: bool) -> _Matcher:
    flags = (
        (re.IGNORECASE if ignore_case else 0)
        | (re.DOTALL if dot_all else 0)
        | (re.MULTILINE if multiline else 0)
    )
    compiled = _compile(pattern, flags)
    if compiled is None or compiled.flags & re.VERBOSE or not regex_is_safe(pattern):
        return lambda hays: False
    return lambda hays: any(compiled.search(h.text[-REGEX_TEXT_LIMIT:]) for h in hays)


@functools.lru_cache(maxsize=16384)
def _compile(pattern: str, flags: int) -> re.Pattern[str] | None:
    # Cached across calls: a big book's regexes are compiled once, not on every turn.
    try:
        return re.compile(pattern, flags)
    except (re.error, RecursionError, OverflowError):
        return None


def _fires(
    candidate: _Candidate, round_: int, window: _Haystack, recursion: list[_Haystack]
) -> bool:
    if round_ == 0:
        return bool(candidate.entry.constant) or candidate.fires([window])
    if _extension(candidate.entry, "exclude_recursion", False):
        return False
    return candidate.fires([window, *recursion])


def _scan_depth(value: Any, default: int) -> int:
    depth = _finite(value)
    return int(max(0, min(default if depth is None else depth, MAX_SCAN_DEPTH)))


def _budget(book_budget: Any, max_tokens: int | None) -> int | None:
    """The smaller limit; a book's non-positive budget is unset, the caller's is no lore."""
    book = _finite(book_budget)
    limits = [int(b) for b in (book if book and book > 0 else None, max_tokens) if b is not None]
    return max(0, min(limits)) if limits else None


def _extension(entry: LoreEntry, name: str, default: bool) -> bool:
    value = entry.extensions.get(name)
    return value if isinstance(value, bool) else default


def _number(value: Any) -> float:
    number = _finite(value)
    return 0.0 if number is None else number


def _finite(value: Any) -> float | None:
    """A number from untrusted JSON: ints and finite floats, not bools, NaN or infinity."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _same(text: str) -> str:
    return text

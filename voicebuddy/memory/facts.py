"""Facts the user states about themselves and their world, found by patterns (English and
Chinese) that work whatever the chat model: "my dog is called Biscuit", "I live in Leeds",
"I love hiking", "我叫小林", "我的猫叫小白", "我喜欢喝茶". And the user's own commands:
"remember that …" / "记住…" (kept word for word) and "forget …" / "忘掉…".

Each fact has a `key` naming what it is about ("dog: name", "lives in", "likes: tea"): a newer
fact with the same key replaces the older one ("I moved: I live in York now"), and "I hate
tea" replaces "I love tea". Questions are never facts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_MAX_WORDS = 10  # longer "values" are sentences, not facts
_LEAD = r"(?:(?:well|oh|so|and|also|but|actually|by the way|btw|anyway|yes|yeah|no),?\s+)*"
_CLAUSE_END = re.compile(
    r"(?<=[.!?;])\s+|(?<=,)\s+(?=(?:and\s+)?(?:i|my|i'm)\b)|\s+and\s+(?=(?:i|my|i'm)\b)"
    # "My dog is called Biscuit, can you tell me a joke?": whisper often joins the two
    r"|(?<=,)\s+(?=(?:can|could|would|will|do|does|did|what|who|where|when|why|how|tell"
    r"|please)\b)",
    re.I,
)


@dataclass(frozen=True)
class Fact:
    text: str  # as remembered: "Ada's dog is called Biscuit"
    key: str  # what it is about; a newer fact with the same key replaces this one
    source: str  # the user's words it came from (what forgetting removes from the message)
    value: str = ""  # what was said of it ("Biscuit"): forgetting removes it from the talk


@dataclass(frozen=True)
class Command:
    kind: str  # "remember" or "forget"
    text: str


_EN_PATTERNS: list[tuple[re.Pattern[str], str, str]] = [
    # (pattern on one clause, key template, fact template); {u} is the user's name
    (re.compile(r"my name is (?P<v>.+)|i'm called (?P<v2>.+)|call me (?P<v3>.+)", re.I),
     "name", "{u}'s name is {v}"),
    (re.compile(r"my (?P<x>[\w' ]{1,30}?)(?:'s name is| is called| are called| is named"
                r"| are named) (?P<v>.+)", re.I), "{x}: name", "{u}'s {x} is called {v}"),
    (re.compile(r"i have (?P<x>(?:a|an|two|three|\d+) [\w' ]{1,30}?) (?:called|named) (?P<v>.+)",
                re.I), "{x}: name", "{u} has {x} called {v}"),
    (re.compile(r"i (?:live|am living|'m living) in (?P<v>.+)", re.I), "lives in",
     "{u} lives in {v}"),
    (re.compile(r"i(?:'m| am| come) from (?P<v>.+)", re.I), "from", "{u} is from {v}"),
    (re.compile(r"i work (?P<v>(?:as|at|for|in) .+)", re.I), "work", "{u} works {v}"),
    (re.compile(r"i(?:'m| am) (?P<v>\d{1,3})(?: years old)?$", re.I), "age",
     "{u} is {v} years old"),
    (re.compile(r"i (?P<how>(?:really |also )?(?:like|love|enjoy|adore|hate|dislike|can't stand"
                r"|don't like)) (?P<v>.+)", re.I), "likes: {v}", "{u} {how} {v}"),
    (re.compile(r"i(?:'m| am) (?:going to|planning to) (?P<v>.+)|i plan to (?P<v2>.+)", re.I),
     "plans: {v}", "{u} is going to {v}"),
    (re.compile(r"i(?:'m| am) an? (?P<v>[\w' -]{2,40})$", re.I), "is a", "{u} is a {v}"),
    (re.compile(r"my (?P<x>favou?rite [\w ]{1,20}?|birthday|job|hobby) is (?P<v>.+)", re.I),
     "{x}", "{u}'s {x} is {v}"),
]  # fmt: skip

_ZH_PATTERNS: list[tuple[re.Pattern[str], str, str]] = [
    (re.compile(r"^我(?:的名字)?叫(?P<v>[^，。！？吗呢]+)$"), "name", "{u}叫{v}"),
    (re.compile(r"^我的(?P<x>[^，。！？]{1,10}?)(?:叫做|叫|的名字是|名叫)(?P<v>[^，。！？吗呢]+)$"),
     "{x}: name", "{u}的{x}叫{v}"),
    (re.compile(r"^我(?:住在|住)(?P<v>[^，。！？吗呢]+)$"), "lives in", "{u}住在{v}"),
    (re.compile(r"^我来自(?P<v>[^，。！？吗呢]+)$"), "from", "{u}来自{v}"),
    (re.compile(r"^我(?P<how>(?:很|最|非常|特别|也|真)?(?:喜欢|爱|讨厌|不喜欢))(?P<v>[^，。！？吗呢]+)$"),
     "likes: {v}", "{u}{how}{v}"),
    (re.compile(r"^我(?:今年)?(?P<v>\d{1,3})岁$"), "age", "{u}{v}岁"),
    (re.compile(r"^我有(?P<x>[一两二三四五六七八九十\d]+[只个条位匹头][^，。！？]{1,8}?)(?:叫|名叫)(?P<v>[^，。！？]+)$"),
     "{x}: name", "{u}有{x}叫{v}"),
    (re.compile(r"^我是(?:一[个名位])?(?P<v>[^，。！？吗呢]{1,12})$"), "is a", "{u}是{v}"),
    (re.compile(r"^我(?:打算|计划|准备|要)(?P<v>[^，。！？吗呢]+)$"), "plans: {v}", "{u}打算{v}"),
]  # fmt: skip

_REMEMBER = re.compile(
    r"^(?:please\s+)?remember(?:\s+that)?[,:]?\s+(?P<v>.+)$|^(?:请)?记住[，,：:]?(?P<zh>.+)$", re.I
)
_FORGET = re.compile(
    r"^(?:please\s+)?forget(?:\s+about|\s+that)?\s+(?P<v>.+)$|^(?:请)?(?:忘掉|忘记|忘了)(?P<zh>.+)$",
    re.I,
)
_CJK = re.compile(r"[\u3400-\u9fff]")
_TRAILING = " .,!;:…。！，；：\"'”’"


def command(message: str) -> Command | None:
    """ "remember that …" / "forget …" (and the Chinese), else None."""
    text = message.strip().rstrip(_TRAILING + "?？")
    for kind, pattern in (("remember", _REMEMBER), ("forget", _FORGET)):
        match = pattern.match(text)
        if match:
            value = (match.group("v") or match.group("zh") or "").strip(_TRAILING)
            if value:
                return Command(kind, value)
    return None


def extract_facts(message: str, user: str = "User") -> list[Fact]:
    """The facts `message` states, in order, without duplicates."""
    found: dict[str, Fact] = {}
    for clause in _clauses(message):
        fact = _zh_fact(clause, user) if _CJK.search(clause) else _en_fact(clause, user)
        if fact is not None:
            found[fact.key] = fact  # the later statement in one message wins
    return list(found.values())


def _clauses(message: str) -> list[str]:
    """Statements, without questions: split at sentence ends, "and I…", ", my…", and
    Chinese punctuation."""
    clauses: list[str] = []
    for sentence in _CLAUSE_END.split(message.strip()):
        if _CJK.search(sentence):
            pieces = re.split(r"(?<=[。！？；，,!?;])", sentence)
        else:
            pieces = [sentence]
        for piece in pieces:
            piece = piece.strip()
            if not piece or piece.endswith(("?", "？")) or piece.endswith(("吗", "呢")):
                continue
            clauses.append(piece.rstrip(_TRAILING))
    return [c for c in clauses if c]


def _value(text: str) -> str | None:
    value = text.strip().strip(_TRAILING)
    if not value or len(value.split()) > _MAX_WORDS:
        return None
    return value


def _en_fact(clause: str, user: str) -> Fact | None:
    body = re.sub(r"^" + _LEAD, "", clause, flags=re.I)
    for pattern, key, template in _EN_PATTERNS:
        match = pattern.fullmatch(body)
        if match is None:
            continue
        groups = {k: v for k, v in match.groupdict().items() if v}
        value = _value(groups.get("v") or groups.get("v2") or groups.get("v3") or "")
        if value is None:
            return None
        thing = groups.get("x", "").strip().lower()
        how = _third_person(groups.get("how", "").lower())
        text = template.format(u=user, v=value, x=thing, how=how)
        about = re.sub(r"^(?:a|an|the|two|three|\d+)\s+", "", thing)
        return Fact(text, key.format(v=value.lower(), x=about), clause, value)
    return None


def _third_person(how: str) -> str:
    """ "really love" -> "really loves"; "don't like" -> "doesn't like"."""
    if how.endswith("don't like"):
        return how.replace("don't like", "doesn't like")
    if not how or how.endswith("can't stand"):
        return how
    return how + "s"


def _zh_fact(clause: str, user: str) -> Fact | None:
    body = re.sub(r"^(?:嗯|哦|对了|其实|还有|另外)[，,]?", "", clause.strip())
    for pattern, key, template in _ZH_PATTERNS:
        match = pattern.match(body)
        if match is None:
            continue
        groups = {k: v for k, v in match.groupdict().items() if v}
        value = groups.get("v", "").strip(_TRAILING)
        if not value or len(value) > 20:
            return None
        thing = groups.get("x", "")
        text = template.format(u=user, v=value, x=thing, how=groups.get("how", ""))
        about = re.sub(r"^[一两二三四五六七八九十\d]+[只个条位匹头]", "", thing)
        return Fact(text, key.format(v=value, x=about), clause, value)
    return None

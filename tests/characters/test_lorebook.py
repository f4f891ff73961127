import time
from typing import Any

import pytest

from voicebuddy.characters.card import Lorebook, LoreEntry
from voicebuddy.characters.lorebook import ActivatedLore, activate, deepest_scan, regex_is_safe


def words(text: str) -> int:
    return len(text.split())


def entry(keys: list[str], content: str, **fields: Any) -> LoreEntry:
    return LoreEntry(keys=keys, content=content, **fields)


def run(entries: list[LoreEntry], messages: list[str], **book: Any) -> ActivatedLore:
    return activate(Lorebook(entries=entries, **book), messages, words)


def fired(entries: list[LoreEntry], messages: list[str], **book: Any) -> list[str]:
    lore = run(entries, messages, **book)
    return lore.before + lore.after


def test_a_key_in_the_newest_messages_fires_its_entry_after_the_character() -> None:
    lore = run([entry(["dragon"], "Dragons sleep in the hills.")], ["Is there a Dragon here?"])
    assert lore == ActivatedLore(before=[], after=["Dragons sleep in the hills."])


def test_no_key_no_entry_and_an_empty_book_gives_nothing() -> None:
    assert fired([entry(["dragon"], "lore")], ["hello"]) == []
    assert run([], ["hello"]) == ActivatedLore()


def test_constant_entries_always_fire_and_disabled_ones_never() -> None:
    entries = [
        entry([], "Always.", constant=True),
        entry(["hello"], "Off.", enabled=False),
        entry([], "Off and constant.", enabled=False, constant=True),
        entry(["hello"], ""),  # empty content: never added
    ]
    assert fired(entries, ["hello"]) == ["Always."]


def test_constant_regex_entries_still_fire() -> None:
    # The V3 spec says to ignore `constant` with use_regex, but SillyTavern exports every
    # entry with use_regex: true.
    assert fired([entry(["x"], "On.", constant=True, use_regex=True)], []) == ["On."]


def test_selective_entries_need_a_primary_and_a_secondary_key() -> None:
    sword = entry(
        ["sword"], "The sword is cursed.", selective=True, secondary_keys=["cursed", "dark"]
    )
    assert fired([sword], ["a sword"]) == []
    assert fired([sword], ["a dark sword"]) == ["The sword is cursed."]
    assert fired([sword], ["it is dark"]) == []
    not_selective = entry(["sword"], "Swords.", secondary_keys=["dark"])
    assert fired([not_selective], ["a sword"]) == ["Swords."]


@pytest.mark.parametrize(
    ("logic", "text", "fires"),
    [
        (1, "sword dark cursed", False),  # NOT_ALL
        (1, "sword dark", True),
        (2, "sword dark", False),  # NOT_ANY
        (2, "sword", True),
        (3, "sword dark", False),  # AND_ALL
        (3, "sword dark cursed", True),
    ],
)
def test_sillytavern_selective_logic(logic: int, text: str, fires: bool) -> None:
    sword = entry(
        ["sword"],
        "lore",
        selective=True,
        secondary_keys=["dark", "cursed"],
        extensions={"selectiveLogic": logic},
    )
    assert fired([sword], [text]) == (["lore"] if fires else [])


def test_keys_are_case_insensitive_substrings_unless_case_sensitive() -> None:
    assert fired([entry(["Mira"], "lore")], ["ask mira"]) == ["lore"]
    assert fired([entry(["cat"], "lore")], ["concatenate"]) == ["lore"]  # the spec: "contains"
    assert fired([entry(["Mira"], "lore", case_sensitive=True)], ["ask mira"]) == []
    assert fired([entry(["Mira"], "lore", case_sensitive=True)], ["ask Mira"]) == ["lore"]
    st_style = entry(["Mira"], "lore", extensions={"case_sensitive": True})
    assert fired([st_style], ["ask mira"]) == []


def test_whole_words_when_asked_for() -> None:
    cat = entry(["cat"], "lore", extensions={"match_whole_words": True})
    assert fired([cat], ["concatenate"]) == []
    assert fired([cat], ["the cat's toy"]) == ["lore"]
    lore = activate(
        Lorebook(entries=[entry(["cat"], "lore")]), ["concat"], words, match_whole_words=True
    )
    assert lore.after == []


def test_keys_are_trimmed_and_blank_keys_ignored() -> None:
    assert fired([entry(["  dragon  ", "", "   "], "lore")], ["dragon"]) == ["lore"]
    assert fired([entry(["", " "], "lore")], ["anything"]) == []


def test_regex_keys() -> None:
    dragons = entry([r"\bdragons?\b"], "lore", use_regex=True)
    assert fired([dragons], ["Two Dragons!"]) == ["lore"]
    assert fired([dragons], ["snapdragonfly"]) == []
    slashed = entry([r"/^king\s+arthur/"], "lore", use_regex=True)
    assert fired([slashed], ["King Arthur"]) == []  # "/.../" without i is case-sensitive
    assert fired([slashed], ["king  arthur"]) == ["lore"]
    assert fired([entry([r"/KING/i"], "lore", use_regex=True)], ["king"]) == ["lore"]
    # Without use_regex a key is plain text, slashes and all.
    assert fired([entry([r"/r/"], "lore")], ["read /r/python"]) == ["lore"]
    assert fired([entry([r"d.g"], "lore")], ["dog"]) == []


def test_invalid_and_catastrophic_regexes_never_match_and_never_hang() -> None:
    entries = [
        entry(["(unclosed"], "invalid", use_regex=True),
        entry([r"(a+)+$"], "nested", use_regex=True),
        entry([r"(a|aa)*c"], "alternatives", use_regex=True),
        entry([r"[\w ]*[\w ]*[\w ]*\d"], "cubic", use_regex=True),
        entry([r"(\w)\1"], "backreference", use_regex=True),
        entry(["[a]" * 70], "too long", use_regex=True),
        entry(["(?x)(a+# (\n)+$"], "verbose, hiding a nested repeat", use_regex=True),
        entry(["a{2,}b", "x"], "fine", use_regex=True),
    ]
    started = time.perf_counter()
    result = fired(entries, ["a" * 5000 + "!", "the lazy dog " * 400])
    assert time.perf_counter() - started < 1
    assert result == []
    assert fired(entries, ["aab"]) == ["fine"]


@pytest.mark.parametrize(
    ("pattern", "safe"),
    [
        (r"\bdragons?\b", True),
        (r"dragon(?:s|es)?", True),
        (r"(?i)king\s+arthur\s+pendragon", True),
        (r"foo.*bar", True),
        (r"\d{4}-\d{2}", True),
        (r"(a+)+$", False),
        (r"(a|a)*", False),
        (r"(a+){2,5}", False),
        (r".*.*x", False),
        (r"\b(?:red|blue|green)\s+dragons?\b", True),
        (r"(?:sir|lady)\s+\w+", True),
        (r"\w+\s+\w+", False),  # two wide repeats: rejected, conservatively
        (r"[^\d]*[ e]*\d", False),  # a class repeated is wide, however small
        (r"x(?:a|b)(?:c|d)(?:e|f)s?t?", False),  # five ways to branch
        (r"(?P<x>a)(?P=x)", False),
        ("x" * 201, False),
    ],
)
def test_regex_safety_check(pattern: str, safe: bool) -> None:
    assert regex_is_safe(pattern) is safe


def test_a_key_only_in_a_message_beyond_the_scan_depth_does_not_fire() -> None:
    dragon = entry(["dragon"], "lore")
    history = ["a dragon!", "hello", "how are you"]
    assert fired([dragon], history) == []  # default depth 2: the newest two messages
    assert fired([dragon], history, scan_depth=3) == ["lore"]
    assert fired([dragon], ["a dragon!"], scan_depth=0) == []
    per_entry = entry(["dragon"], "lore", extensions={"scan_depth": 3})
    assert fired([per_entry], history) == ["lore"]
    assert deepest_scan(Lorebook(entries=[per_entry])) == 3
    assert deepest_scan(Lorebook(scan_depth=99999)) == 1000


def test_position_and_insertion_order() -> None:
    entries = [
        entry(["x"], "after 5", insertion_order=5, position="after_char"),
        entry(["x"], "before 9", insertion_order=9, position="before_char"),
        entry(["x"], "default 1", insertion_order=1),
        entry(["x"], "before 2", insertion_order=2, position="before_char"),
        entry(["x"], "after 5 again", insertion_order=5, position="after_char"),
    ]
    assert run(entries, ["x"]) == ActivatedLore(
        before=["before 2", "before 9"], after=["default 1", "after 5", "after 5 again"]
    )


def test_token_budget_drops_the_lowest_priority_first() -> None:
    entries = [
        entry(["x"], "one two three", priority=1, insertion_order=1),
        entry(["x"], "four five six", priority=10, insertion_order=2),
        entry(["x"], "seven eight nine", priority=5, insertion_order=3),
    ]
    assert fired(entries, ["x"], token_budget=6) == ["four five six", "seven eight nine"]
    assert fired(entries, ["x"], token_budget=5) == ["four five six"]
    assert fired(entries, ["x"], token_budget=9) == [e.content for e in entries]


def test_without_priorities_the_lowest_insertion_order_is_dropped_first() -> None:
    entries = [entry(["x"], f"w{i} w w", insertion_order=i) for i in (3, 1, 2)]
    assert fired(entries, ["x"], token_budget=6) == ["w2 w w", "w3 w w"]


def test_the_callers_cap_and_the_books_budget_whichever_is_smaller() -> None:
    book = Lorebook(entries=[entry(["x"], "a b c"), entry(["x"], "d e f")], token_budget=100)
    assert activate(book, ["x"], words, max_tokens=3).after == ["a b c"]
    assert activate(book, ["x"], words, max_tokens=0).after == []
    book.token_budget = 0  # unset, as editors write it
    assert activate(book, ["x"], words).after == ["a b c", "d e f"]


def test_recursion_lets_an_entry_trigger_another() -> None:
    entries = [
        entry(["castle"], "The castle belongs to the queen.", insertion_order=1),
        entry(["queen"], "The queen is old.", insertion_order=2),
        entry(["old"], "Old age is feared.", insertion_order=3),
        entry(["castle"], "Castles are cold.", insertion_order=4),  # no duplicates
    ]
    assert fired(entries, ["the castle"]) == [
        "The castle belongs to the queen.",
        "The queen is old.",
        "Old age is feared.",
        "Castles are cold.",
    ]
    assert fired(entries, ["the castle"], recursive_scanning=False) == [
        "The castle belongs to the queen.",
        "Castles are cold.",
    ]


def test_recursion_is_bounded_and_honours_sillytavern_flags() -> None:
    chain = [entry([f"k{i}"], f"k{i + 1}", insertion_order=i) for i in range(10)]
    assert fired(chain, ["k0"]) == ["k1", "k2", "k3", "k4"]  # 1 + 3 recursion rounds
    quiet = entry(["a"], "b", extensions={"prevent_recursion": True})
    assert fired([quiet, entry(["b"], "B")], ["a"]) == ["b"]
    aloof = entry(["b"], "B", extensions={"exclude_recursion": True})
    assert fired([entry(["a"], "b"), aloof], ["a"]) == ["b"]


def test_contents_are_expanded_and_decorators_stripped() -> None:
    book = Lorebook(
        entries=[
            entry(["{{char}}"], "@@depth 4\n@@@instruct_depth 4\n{{char}} likes tea.\n@@kept"),
        ]
    )
    lore = activate(book, ["Where is Mira?"], words, expand=lambda t: t.replace("{{char}}", "Mira"))
    assert lore.after == ["Mira likes tea.\n@@kept"]


def test_untrusted_numbers_do_not_break_activation() -> None:
    weird: Any = float("nan")
    entries = [
        entry(["x"], "a", priority=weird, insertion_order=weird, extensions={"scan_depth": "7"}),
        entry(["x"], "b", insertion_order=float("inf"), extensions={"selectiveLogic": "x"}),
    ]
    book = Lorebook(entries=entries, scan_depth=weird, token_budget=weird)
    assert activate(book, ["x"], words).after == ["a", "b"]


def test_ten_thousand_entries_take_well_under_a_second() -> None:
    entries = [
        entry([f"key{i}x", f"other{i}x"], f"content {i}", insertion_order=i % 100)
        for i in range(10_000)
    ]
    entries += [entry([rf"\bword{i}x\b"], f"regex {i}", use_regex=True) for i in range(500)]
    book = Lorebook(entries=entries)
    messages = ["hello there " * 50, "tell me about key42x and key9999x and word7x " * 5]
    activate(book, messages, words)  # warm the regex cache, as after the first turn
    started = time.perf_counter()
    lore = activate(book, messages, words)
    assert time.perf_counter() - started < 1
    assert sorted(lore.after) == ["content 42", "content 9999", "regex 7"]

import random
import time
from datetime import datetime

import pytest

from voicebuddy.characters.card import CharacterCard
from voicebuddy.characters.macros import MacroContext, expand

NOW = datetime(2024, 9, 28, 15, 7)


def ctx(seed: int = 1, rng_seed: int = 0) -> MacroContext:
    return MacroContext("Mira", "Ann", NOW, seed, random.Random(rng_seed))


def test_context_uses_the_nickname_when_the_card_has_one() -> None:
    card = CharacterCard(name="Mirabelle Vance", nickname="Mira")
    assert MacroContext.for_card(card, "Ann", NOW, 1).char == "Mira"
    assert MacroContext.for_card(CharacterCard(name="Mirabelle"), "Ann", NOW, 1).char == "Mirabelle"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{{char}} and {{user}}", "Mira and Ann"),
        ("{{CHAR}} and {{User}}, {{ char }}", "Mira and Ann, Mira"),
        ("<BOT>, <USER>, <CHAR>", "Mira, Ann, Mira"),
        ("<bot>, <user>, <char>, <Bot>", "Mira, Ann, Mira, Mira"),
        ("a{{// a note for {{user}}\nover two lines }}b", "ab"),
        ("{{time}} on {{date}}", "3:07 PM on September 28, 2024"),
        ("{{weekday}} {{isodate}} {{isotime}}", "Saturday 2024-09-28 15:07"),
        ("{{reverse:abc}}", "cba"),
        ("x{{hidden_key:dragon}}{{comment: hi}}y", "xy"),
        ("line{{newline}}next{{noop}}", "line\nnext"),
        ("{{original}}", "{{original}}"),
        (
            "{{unknown}} {{char:x}} {{random}} {{roll}} {{",
            "{{unknown}} {{char:x}} {{random}} {{roll}} {{",
        ),
        ("{{random:}}|{{pick:}}|{{random::}}", "||"),
        ("{{roll:d0}} {{roll:dice}} {{roll:2d6}}", "{{roll:d0}} {{roll:dice}} {{roll:2d6}}"),
        ("plain text, no macros <b>", "plain text, no macros <b>"),
    ],
)
def test_expansion(text: str, expected: str) -> None:
    assert expand(text, ctx()) == expected


def test_time_is_twelve_hour_with_midnight_and_noon() -> None:
    assert expand("{{time}}", MacroContext("M", "A", datetime(2024, 1, 2, 0, 5), 1)) == "12:05 AM"
    assert expand("{{time}}", MacroContext("M", "A", datetime(2024, 1, 2, 12, 0), 1)) == "12:00 PM"


def test_random_picks_from_the_list_with_the_injected_rng() -> None:
    text = "{{random:a, b\\,c ,d}}"
    rng = random.Random(7)
    expected = random.Random(7).choice(["a", "b,c", "d"])
    assert expand(text, MacroContext("M", "A", NOW, 1, rng)) == expected
    outcomes = {expand(text, ctx(rng_seed=n)) for n in range(60)}
    assert outcomes == {"a", "b,c", "d"}


def test_random_double_colon_form_keeps_commas_and_spaces() -> None:
    outcomes = {expand("{{random::x, y:: z}}", ctx(rng_seed=n)) for n in range(60)}
    assert outcomes == {"x, y", " z"}


def test_random_sees_names_inside_the_list() -> None:
    outcomes = {expand("{{random:{{user}},<BOT>}}", ctx(rng_seed=n)) for n in range(60)}
    assert outcomes == {"Ann", "Mira"}


def test_roll_gives_a_number_from_one_to_n() -> None:
    for form in ("{{roll:d6}}", "{{roll:6}}", "{{roll:D6}}", "{{roll 6}}"):
        rolls = {int(expand(form, ctx(rng_seed=n))) for n in range(200)}
        assert rolls == {1, 2, 3, 4, 5, 6}
    assert expand("{{roll:d1}}", ctx()) == "1"


def test_roll_with_a_huge_number_does_not_allocate_or_fail() -> None:
    big = int(expand("{{roll:d999999999999}}", ctx()))
    assert 1 <= big <= 999_999_999_999
    absurd = "{{roll:d" + "9" * 5000 + "}}"
    assert expand(absurd, ctx()) == absurd


def test_pick_is_stable_for_a_conversation_and_differs_across_conversations() -> None:
    text = "{{pick:red,green,blue,amber,violet,teal,ochre,grey}}"
    first = expand(text, ctx(seed=11, rng_seed=1))
    assert all(expand(text, ctx(seed=11, rng_seed=n)) == first for n in range(20))
    picks = {expand(text, ctx(seed=seed)) for seed in range(40)}
    assert len(picks) > 3


def test_pick_depends_on_its_position_in_the_text() -> None:
    pair = "{{pick:a,b,c,d,e,f,g,h}}" * 2
    seeds = range(40)
    assert any(expand(pair, ctx(seed=s))[0] != expand(pair, ctx(seed=s))[1] for s in seeds)


@pytest.mark.parametrize(
    "hostile",
    [
        "{{" * 200_000,
        "{{a" * 200_000,
        "}}" * 200_000,
        "<" * 400_000,
        "{{random:" + "a," * 200_000 + "}}",
        "{{pick:" + "," * 200_000 + "}}",
        "{{roll:d" + "9" * 200_000 + "}}",
        "{{// " + "x" * 400_000,
    ],
)
def test_hostile_text_is_handled_quickly(hostile: str) -> None:
    started = time.perf_counter()
    out = expand(hostile, ctx())
    assert time.perf_counter() - started < 0.5
    assert len(out) <= len(hostile)

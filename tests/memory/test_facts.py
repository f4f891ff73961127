"""Facts the user states, found by patterns that need no capable model (English, Chinese)."""

from __future__ import annotations

import pytest

from voicebuddy.memory.facts import Command, command, extract_facts


def facts(message: str) -> list[tuple[str, str]]:
    return [(f.text, f.key) for f in extract_facts(message, "Ada")]


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("My dog is called Biscuit and I live in Leeds.",
         [("Ada's dog is called Biscuit", "dog: name"), ("Ada lives in Leeds", "lives in")]),
        ("Oh, my sister's name is Mia.", [("Ada's sister is called Mia", "sister: name")]),
        ("I really love hiking in the mountains!",
         [("Ada really loves hiking in the mountains", "likes: hiking in the mountains")]),
        ("I don't like tea.", [("Ada doesn't like tea", "likes: tea")]),
        ("I'm a nurse.", [("Ada is a nurse", "is a")]),
        ("I am 34 years old", [("Ada is 34 years old", "age")]),
        ("Well, I'm from Spain!", [("Ada is from Spain", "from")]),
        ("I have a cat named Tom", [("Ada has a cat called Tom", "cat: name")]),
        ("I'm going to Paris next week.",
         [("Ada is going to Paris next week", "plans: paris next week")]),
        ("My name is Ada Lovelace.", [("Ada's name is Ada Lovelace", "name")]),
        ("我的猫叫小白", [("Ada的猫叫小白", "猫: name")]),
        ("我喜欢喝茶，我住在上海。", [("Ada喜欢喝茶", "likes: 喝茶"), ("Ada住在上海", "lives in")]),
        ("我叫林晓", [("Ada叫林晓", "name")]),
        ("我有一只狗叫旺财", [("Ada有一只狗叫旺财", "狗: name")]),
    ],
)  # fmt: skip
def test_statements_become_facts(message: str, expected: list[tuple[str, str]]) -> None:
    assert facts(message) == expected


@pytest.mark.parametrize(
    "message",
    ["What's my dog's name?", "Do you know where I live?", "我的猫叫什么？", "我住在哪里呢",
     "Is my sister called Mia?", "Tell me a story about a dragon.", "I think so.",
     "The weather is nice today."],
)  # fmt: skip
def test_questions_and_small_talk_are_not_facts(message: str) -> None:
    assert facts(message) == []


def test_a_fact_keeps_the_words_it_came_from_and_what_was_said_of_it() -> None:
    (dog, _) = extract_facts("My dog is called Biscuit and I live in Leeds.", "Ada")
    assert (dog.source, dog.value) == ("My dog is called Biscuit", "Biscuit")


def test_love_and_hate_of_one_thing_share_a_key_so_the_newer_replaces_the_older() -> None:
    (love,) = extract_facts("I love tea.", "Ada")
    (hate,) = extract_facts("I hate tea.", "Ada")
    assert love.key == hate.key and love.text != hate.text


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("Remember that my passport expires in June.",
         Command("remember", "my passport expires in June")),
        ("please remember: the spare key is under the mat",
         Command("remember", "the spare key is under the mat")),
        ("记住我的生日是五月三号", Command("remember", "我的生日是五月三号")),
        ("Forget my sister.", Command("forget", "my sister")),
        ("please forget about the dog", Command("forget", "the dog")),
        ("忘掉小白", Command("forget", "小白")),
        ("Do you remember my dog?", None),
        ("I forgot my keys", None),
    ],
)  # fmt: skip
def test_remember_and_forget_commands(message: str, expected: Command | None) -> None:
    assert command(message) == expected


def test_a_statement_joined_to_a_question_by_a_comma_is_kept() -> None:
    # whisper heard "My dog is called Biscuit. Can you tell me a short joke?" so
    facts = extract_facts("My dog is called biscuit, can you tell me a short joke?", "Ann")
    assert [f.text for f in facts] == ["Ann's dog is called biscuit"]
    assert extract_facts("Is my dog called Biscuit, do you think?", "Ann") == []

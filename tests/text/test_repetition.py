import pytest

from voicebuddy.text.repetition import clean_start, compression_ratio, first_repeat, is_loop

# What whisper wrote for cut recordings (issue 12, and jfk.wav cut at 2.25 s and 3.5 s).
LOOPS = {
    "Then in the next step, then in the next step, then in the fourth step, then in the "
    "fourth. Then in": "Then in the next step",
    "And so my fellow Americans. And so my fellow Americans.": "And so my fellow Americans.",
    "And so my fellow Americans, and so my fellow Americans, and so my fellow Americans, "
    "and so my fellow Americans": "And so my fellow Americans",
    "ask not what you are... not... what you are... not... what you are...": (
        "ask not what you are..."
    ),
    "the the the the end": "the",
    "我们走吧我们走吧": "我们走吧",
}

SPEECH = [
    "no, no, no",
    "bye bye",
    "very very good",
    "哈哈哈哈",
    "谢谢谢谢你",
    "I said I would, and I said I would not.",
    "And so my fellow Americans ask not what your country can do for you ask what you can do "
    "for your country.",
    "",
]


@pytest.mark.parametrize("text", LOOPS)
def test_a_loop_is_caught_and_what_came_before_it_kept(text: str) -> None:
    assert is_loop(text)
    assert clean_start(text) == LOOPS[text]
    assert not is_loop(clean_start(text))


@pytest.mark.parametrize("text", SPEECH)
def test_what_people_say_is_not_a_loop(text: str) -> None:
    assert first_repeat(text) is None
    assert not is_loop(text)
    assert clean_start(text) == text


def test_text_that_compresses_like_whispers_rejected_output_is_a_loop() -> None:
    # no phrase right after itself, yet it says the same thing over and over
    text = " ".join(f"we went to the shop number {n} and came home." for n in range(12))
    assert first_repeat(text) is None
    assert compression_ratio(text) > 2.4
    assert is_loop(text)
    assert clean_start(text) == "we went to the shop number 0 and came home."

import pytest

from voicebuddy.events import AudioStarted, TokenGenerated, TurnEnded, TurnStarted
from voicebuddy.metrics import TurnMeter


def test_speed_and_latency_of_a_spoken_turn() -> None:
    meter = TurnMeter()
    events = [
        TurnStarted(turn_id=1, audio_s=2.0, at=10.0),
        TokenGenerated(turn_id=1, text="Hi", at=10.5),
        AudioStarted(turn_id=1, sentence_index=0, at=10.6),
        TokenGenerated(turn_id=1, text=" there", at=11.5),
        AudioStarted(turn_id=1, sentence_index=1, at=12.0),
        TurnEnded(turn_id=1, transcript="q", reply="Hi there", completion_tokens=11, at=15.0),
    ]
    for event in events:
        meter.observe(event)
    assert meter.tokens_per_s == pytest.approx(
        10.0
    )  # 10 tokens after the first in 1 s; not until the speech ends
    assert meter.voice_to_voice_ms == pytest.approx(600.0)


def test_typed_turns_have_no_voice_to_voice_latency_and_a_new_turn_resets() -> None:
    meter = TurnMeter()
    meter.observe(TurnStarted(turn_id=1, audio_s=0.0, at=1.0))
    meter.observe(AudioStarted(turn_id=1, sentence_index=0, at=1.2))
    assert meter.voice_to_voice_ms is None and meter.tokens_per_s is None
    meter.observe(TurnStarted(turn_id=2, audio_s=1.0, at=5.0))
    assert meter.first_audio_at is None

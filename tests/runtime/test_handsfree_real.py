"""Hands-free talk through the virtual microphone and speaker, with the real models and the
real voice-activity detector: three turns without a key, barge-in, silence and noise, the
character's own voice heard back through the speakers, and a Chinese turn."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from pulse import PulseServer
from speech import espeak
from testdata import word_error_rate

from voicebuddy.audio.files import resample, write_wav
from voicebuddy.audio.types import Clip
from voicebuddy.bench import noise
from voicebuddy.bench.end_of_turn import splice_pause
from voicebuddy.config import Paths, Settings
from voicebuddy.engines.piper_tts import PiperTTS
from voicebuddy.events import (
    AudioStarted,
    BargedIn,
    Event,
    Failed,
    TranscriptReady,
    TurnEnded,
    UtteranceHeard,
)
from voicebuddy.models.defaults import default_voice_path
from voicebuddy.runtime import Runtime
from voicebuddy.runtime.events import ConversationChanged, HandsFreeChanged, ModelsLoaded
from voicebuddy.storage import Store

pytestmark = [pytest.mark.real, pytest.mark.slow]
INTERRUPTION = "Sorry to interrupt you, but what is the weather like today?"


@dataclass
class Talk:
    """A hands-free conversation on the runtime, as the terminal and the window hold one."""

    runtime: Runtime
    events: list[Event] = field(default_factory=list)
    changed: threading.Condition = field(default_factory=threading.Condition)

    def __call__(self, event: Event) -> None:
        with self.changed:
            self.events.append(event)
            self.changed.notify_all()

    @property
    def results(self) -> list[TurnEnded]:
        return self.of(TurnEnded)

    @property
    def errors(self) -> list[Failed]:
        return self.of(Failed)

    def messages(self) -> list[tuple[str, str, bool]]:
        changes = self.of(ConversationChanged)
        return [(m.role, m.content, m.interrupted) for m in changes[-1].messages] if changes else []

    def wait_for_turns(self, count: int, timeout: float = 90) -> None:
        with self.changed:
            ok = self.changed.wait_for(
                lambda: len(self.results) + len(self.errors) >= count, timeout
            )
        assert ok, f"{count} turns expected, got {self.results} and errors {self.errors}"

    def of(self, kind: type) -> list:  # type: ignore[type-arg]
        with self.changed:
            return [e for e in self.events if isinstance(e, kind)]


def start_talk(
    tmp_path: Path,
    stt_model: Path,
    character: str = "Buddy",
    reply_tokens: int = 48,
    **listen: object,
) -> Talk:
    settings = Settings()
    settings.stt.model = str(stt_model)
    settings.llm.seed = 5
    settings.llm.max_reply_tokens = reply_tokens
    settings.chat.character = character
    for key, value in listen.items():
        setattr(settings.listen, key, value)
    paths = Paths(tmp_path / "c.toml", tmp_path / "cache", tmp_path / "data")
    runtime = Runtime(settings, paths, store=Store(paths.store_file), push_to_talk=False)
    talk = Talk(runtime)
    runtime.subscribe(talk)
    runtime.start(opening="new").result()
    runtime.set_hands_free(True)
    with talk.changed:
        assert talk.changed.wait_for(lambda: talk.of(HandsFreeChanged), 10)
    assert runtime.hands_free, talk.errors
    return talk


@pytest.fixture
def talk_factory(pulse_audio: PulseServer) -> Iterator[list[Talk]]:
    started: list[Talk] = []
    yield started
    for talk in started:
        talk.runtime.close()


def test_three_hands_free_turns_without_a_key(
    pulse_audio: PulseServer, tmp_path: Path, ggml_tiny_en: Path, talk_factory: list[Talk]
) -> None:
    talk = start_talk(tmp_path, ggml_tiny_en)
    talk_factory.append(talk)
    questions = [
        "What is your name?",
        "What is the capital of France?",
        "Can you tell me a short joke?",
    ]
    for number, question in enumerate(questions, start=1):
        pulse_audio.play_into_mic(espeak(tmp_path, question))
        talk.wait_for_turns(number)
    assert talk.errors == []
    assert [r.interrupted for r in talk.results] == [False, False, False]
    heard = [r.transcript for r in talk.results]
    assert word_error_rate(" ".join(questions), " ".join(heard)) <= 0.25, heard
    for result, question in zip(talk.results, questions, strict=True):
        assert word_error_rate(question, result.transcript) <= 0.5, result.transcript
        assert result.reply and result.timings.first_audio is not None
    users = [content for role, content, _ in talk.messages() if role == "user"]
    assert users == [r.transcript for r in talk.results]
    delays = [e.detection_delay_ms for e in talk.of(UtteranceHeard)]
    print(f"end-of-speech detection delays (ms): {[round(d) for d in delays]}")
    assert len(delays) == 3  # nothing else was heard: not the character's voice, not silence


def test_talking_over_the_reply_stops_it_and_keeps_what_was_heard(
    pulse_audio: PulseServer, tmp_path: Path, ggml_tiny_en: Path, talk_factory: list[Talk]
) -> None:
    talk = start_talk(tmp_path, ggml_tiny_en, reply_tokens=160)  # something to interrupt
    talk_factory.append(talk)
    question = espeak(tmp_path, "Please tell me a long story about a dragon.")
    (tmp_path / "user").mkdir()
    interruption = espeak(tmp_path / "user", INTERRUPTION)
    with pulse_audio.record_speaker() as recording:
        rec_start = time.monotonic()
        pulse_audio.play_into_mic(question)
        deadline = time.monotonic() + 60
        while not talk.of(AudioStarted) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert talk.of(AudioStarted), f"the reply was never spoken: {talk.errors}"
        time.sleep(1.5)
        pulse_audio.play_into_mic(interruption)  # the user talks over the character
        talk.wait_for_turns(2, timeout=120)
    first, second = talk.results
    assert first.interrupted and not second.interrupted
    assert word_error_rate(INTERRUPTION, second.transcript) <= 0.25, second.transcript
    barge = talk.of(BargedIn)
    assert len(barge) == 1
    cut = next(c for role, c, interrupted in talk.messages() if role == "assistant" and interrupted)
    assert cut == first.reply and len(cut) > 0
    ended_first = talk.of(TurnEnded)[0]
    stop_ms = (ended_first.at - barge[0].at) * 1000
    print(
        f"barge-in: speech onset to stop {barge[0].reaction_ms:.0f} ms, stop took {stop_ms:.0f} ms"
    )
    # The speaker is silent from just after the barge-in until the second reply starts.
    audio = recording[0]
    second_audio = [e.at for e in talk.of(AudioStarted) if e.turn_id == ended_first.turn_id + 1]
    quiet_from = int((barge[0].at + 0.3 - rec_start) * 16_000)
    quiet_to = int((second_audio[0] - rec_start) * 16_000) if second_audio else audio.size
    loud_before = int((barge[0].at - 0.5 - rec_start) * 16_000)
    assert np.abs(audio[max(0, loud_before - 16_000) : loud_before]).max() > 0.05
    assert quiet_to - quiet_from > 8_000
    assert np.abs(audio[quiet_from:quiet_to]).max() < 0.01


NOISES: dict[str, Callable[[], np.ndarray]] = {
    "silence": lambda: noise.silence(4),
    "white": lambda: noise.white(4, -30),
    "pink": lambda: noise.pink(4, -30),
    "hum": lambda: noise.hum(4, 50, -25),
    "breathing": lambda: noise.breathing(6, dbfs=-35),
}


def test_silence_and_noise_produce_no_turn(
    pulse_audio: PulseServer, tmp_path: Path, ggml_tiny_en: Path, talk_factory: list[Talk]
) -> None:
    talk = start_talk(tmp_path, ggml_tiny_en)
    talk_factory.append(talk)
    for kind, make in NOISES.items():
        write_wav(tmp_path / f"{kind}.wav", Clip(make(), 16_000))
        pulse_audio.play_into_mic(tmp_path / f"{kind}.wav")
    time.sleep(1.5)  # longer than the end-of-speech pause
    assert talk.results == []
    assert talk.errors == []
    assert talk.of(TranscriptReady) == []


def test_the_characters_voice_from_the_speakers_is_not_the_user(
    pulse_audio: PulseServer, tmp_path: Path, ggml_tiny_en: Path, talk_factory: list[Talk]
) -> None:
    talk = start_talk(tmp_path, ggml_tiny_en)
    talk_factory.append(talk)
    with pulse_audio.speaker_echo():
        pulse_audio.play_into_mic(espeak(tmp_path, "What is your favourite colour?"))
        talk.wait_for_turns(1)
        time.sleep(2.0)  # the reply's echo has died away; did it start a turn?
    assert len(talk.results) == 1 and not talk.results[0].interrupted
    assert talk.of(BargedIn) == []
    assert len(talk.of(UtteranceHeard)) == 1


def test_a_chinese_question_is_heard_in_chinese_and_answered_with_a_chinese_voice(
    pulse_audio: PulseServer, tmp_path: Path, ggml_base: Path, talk_factory: list[Talk]
) -> None:
    talk = start_talk(tmp_path, ggml_base, character="林晓")
    talk_factory.append(talk)
    with pulse_audio.record_speaker() as recording:
        pulse_audio.play_into_mic(espeak(tmp_path, "你今天在做什么？", voice="cmn-latn-pinyin"))
        talk.wait_for_turns(1)
    assert talk.errors == []
    result = talk.results[0]
    assert result.language == "zh"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in result.transcript), result.transcript
    assert any("\u4e00" <= ch <= "\u9fff" for ch in result.reply), result.reply
    (loaded,) = talk.of(ModelsLoaded)
    assert "cmn" in loaded.voice
    assert np.abs(recording[0]).max() > 0.05  # the reply was heard on the speaker


def test_hands_free_chat_in_the_terminal(pulse_audio: PulseServer, tmp_path: Path) -> None:
    """`voicebuddy chat --hands-free`: a spoken question is answered, no key pressed."""
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "voicebuddy", "chat", "--hands-free", "--no-speak",
         "--seconds", "30"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stderr is not None
    errors: list[str] = []
    listening = threading.Event()

    def read_stderr() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            errors.append(line)
            if line.startswith("(listening"):
                listening.set()

    reader = threading.Thread(target=read_stderr, daemon=True)
    reader.start()
    assert listening.wait(60), "".join(errors)
    pulse_audio.play_into_mic(espeak(tmp_path, "What is the capital of France?"))
    deadline = time.monotonic() + 60
    while not any("you said" in line for line in errors) and time.monotonic() < deadline:
        time.sleep(0.1)
    process.terminate()
    out, _ = process.communicate(timeout=30)
    reader.join(timeout=5)
    said = [line for line in errors if line.startswith("(you said:")]
    assert len(said) == 1, "".join(errors)
    assert "capital" in said[0].lower()
    assert out.count("Buddy") >= 1 and len(out.strip().splitlines()) >= 2  # greeting and reply


def test_smart_end_of_turn_waits_through_a_thinking_pause_and_not_after_a_question(
    pulse_audio: PulseServer, tmp_path: Path, ggml_tiny_en: Path, talk_factory: list[Talk]
) -> None:
    voice = PiperTTS(default_voice_path(), varied=False)

    def said(text: str) -> np.ndarray:
        clip = voice.synthesize(text)
        return resample(clip.samples, clip.sample_rate, 16_000)

    before, after = "Can you tell me", "a short joke about cats?"
    _, near = noise.speech_extent(said(before))
    thinking = splice_pause(said(f"{before} {after}"), near, 0.7)
    questions = ("What is the capital of France?", "Do you have any plans for the weekend?")
    two = [said(q) for q in questions]
    talk = start_talk(tmp_path, ggml_tiny_en, reply_tokens=8, end_of_turn="smart")
    talk_factory.append(talk)

    def play(name: str, audio: np.ndarray) -> None:
        path = tmp_path / f"{name}.wav"
        write_wav(
            path, Clip(np.concatenate([noise.silence(0.3), audio, noise.silence(0.3)]), 16_000)
        )
        pulse_audio.play_into_mic(path)

    play("thinking", thinking)
    talk.wait_for_turns(1)
    (first,) = talk.results
    assert "joke" in first.transcript.lower() and "tell me" in first.transcript.lower()
    play("two", np.concatenate([two[0], noise.silence(1.5), two[1]]))
    talk.wait_for_turns(3)
    heard = [(e.reason, round(e.detection_delay_ms)) for e in talk.of(UtteranceHeard)]
    assert len(heard) == 3, heard  # the thinking pause did not split the first question
    assert "model" in [reason for reason, _ in heard], heard
    assert word_error_rate(questions[1], talk.results[2].transcript) <= 0.3

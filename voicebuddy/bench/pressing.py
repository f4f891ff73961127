"""Push-to-talk as people press it: the bench's clips through the real capture path.

The microphone is a `MicrophoneStream` that never stops (as push-to-talk keeps it), listening
to a `Tape`. For each press the key goes down, the tape plays a pause of `lead` seconds and the
clip, and the key comes up `tail` seconds after the clip ends; lead and tail are random but
seeded. The turn goes through the runtime as the window's would: warm stream, pre-roll, the
end heard out, the loop guard. The reply is stopped at its first sound (its latency is
measured by then), so the next press comes soon.

Then plain push-to-talk, in the same run: the same clips, pressed as the clip starts and
released as it ends, alternate with the direct path the voice-to-voice bench uses (the clip
recorded by `FileMicrophone` and handed over as a whole). Both are timed from the end of the
speech, so the time the new path spends hearing out the end counts.
"""

from __future__ import annotations

import contextlib
import difflib
import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from voicebuddy.audio.push_to_talk import PRE_ROLL_S
from voicebuddy.audio.types import STT_SAMPLE_RATE, Samples
from voicebuddy.audio.vad import VoiceActivityDetector
from voicebuddy.bench.accuracy import word_error_rate, words
from voicebuddy.bench.clips import SpeechClip
from voicebuddy.bench.devices import FileMicrophone, PacedSink, Tape, TapeDevices
from voicebuddy.bench.stats import median, percentile, ratio_of_medians
from voicebuddy.config import Paths, Settings
from voicebuddy.engines.stt import WhisperCppSTT
from voicebuddy.errors import VoiceBuddyError
from voicebuddy.events import AudioStarted, Event, Failed, TranscriptReady
from voicebuddy.metrics import TurnMeter
from voicebuddy.runtime import Audio, Runtime, TurnTicket
from voicebuddy.runtime.engines import Engines
from voicebuddy.text.hallucinations import SpeechFrames
from voicebuddy.text.repetition import is_loop

LEAD_S = (0.2, 0.6)
TAIL_S = (0.2, 1.2)


@dataclass
class Press:
    clip: str
    lead_s: float
    tail_s: float
    said: str
    transcript: str = ""
    stt_ms: float | None = None
    loops_caught: int = 0
    voice_to_voice_ms: float | None = None
    error: str = ""
    whole_ms: float | None = None  # the same audio transcribed whole, after the press
    whole_transcript: str = ""

    @property
    def wer(self) -> float:
        return word_error_rate(self.said, self.transcript)

    def lost_words(self) -> tuple[int, int]:
        """Words said before the first and after the last word heard, with nothing heard in
        their place (a word heard wrong is an error, not a lost word)."""
        said, heard = words(self.said), words(self.transcript)
        matcher = difflib.SequenceMatcher(None, said, heard, autojunk=False)
        blocks = [b for b in matcher.get_matching_blocks() if b.size]
        if not blocks:
            return max(0, len(said) - len(heard)), 0
        first, last = blocks[0], blocks[-1]
        start = max(0, first.a - first.b)
        end = max(0, (len(said) - last.a - last.size) - (len(heard) - last.b - last.size))
        return start, end


@dataclass
class PressingReport:
    presses: list[Press]
    plain_new_ms: list[float] = field(default_factory=list)  # pressed and released
    plain_direct_ms: list[float] = field(default_factory=list)  # handed over as a whole
    plain_new_stt_ms: list[float] = field(default_factory=list)
    plain_direct_stt_ms: list[float] = field(default_factory=list)

    def push_to_talk(self) -> dict[str, object]:
        """Speech-to-text after the release against a whole transcription of the same audio,
        pressed as people press, and in the plain pairs released as the clip ends (eSpeak NG's
        clips end with about 0.4 s of silence)."""
        timed = [p for p in self.presses if p.stt_ms is not None and p.whole_ms is not None]
        if not timed:
            return {}
        after = [p.stt_ms for p in timed if p.stt_ms is not None]
        whole = [p.whole_ms for p in timed if p.whole_ms is not None]
        data: dict[str, object] = {
            "stt_after_release_ms": round(median(after), 1),
            "stt_whole_ms": round(median(whole), 1),
            "ratio": round(ratio_of_medians(after, whole), 3),
            "wer_incremental": round(float(np.mean([p.wer for p in timed])), 3),
            "wer_whole": round(
                float(np.mean([word_error_rate(p.said, p.whole_transcript) for p in timed])), 3
            ),
            "presses": len(timed),
        }
        if self.plain_new_stt_ms and self.plain_direct_stt_ms:
            data["released_as_the_clip_ends"] = {
                "stt_after_release_ms": round(median(self.plain_new_stt_ms), 1),
                "stt_whole_ms": round(median(self.plain_direct_stt_ms), 1),
                "ratio": round(
                    ratio_of_medians(self.plain_new_stt_ms, self.plain_direct_stt_ms), 3
                ),
            }
        return data

    def as_json(self) -> dict[str, object]:
        stt = [p.stt_ms for p in self.presses if p.stt_ms is not None]
        lost = [p.lost_words() for p in self.presses]
        p50 = median(stt) if stt else 0.0
        p99 = percentile(stt, 99) if stt else 0.0
        data: dict[str, object] = {
            "presses": len(self.presses),
            "mean_wer": round(float(np.mean([p.wer for p in self.presses])), 3),
            "turns_lost": sum(1 for p in self.presses if not p.transcript),
            "words_lost_at_start": sum(s for s, _ in lost),
            "words_lost_at_end": sum(e for _, e in lost),
            "stt_ms_p50": round(p50, 1),
            "stt_ms_p99": round(p99, 1),
            "stt_p99_over_p50": round(p99 / p50, 2) if p50 else None,
            "loops_caught": sum(p.loops_caught for p in self.presses),
            "loops_left": sum(1 for p in self.presses if is_loop(p.transcript)),
            "errors": [f"{p.clip}: {p.error}" for p in self.presses if p.error],
            "each": [
                {
                    "clip": p.clip,
                    "lead_s": round(p.lead_s, 2),
                    "tail_s": round(p.tail_s, 2),
                    "transcript": p.transcript,
                    "wer": round(p.wer, 3),
                    "stt_ms": None if p.stt_ms is None else round(p.stt_ms, 1),
                }
                for p in self.presses
            ],
        }
        if self.plain_new_ms and self.plain_direct_ms:
            data["plain_push_to_talk"] = {
                "pressed_ms_p50": round(median(self.plain_new_ms), 1),
                "direct_ms_p50": round(median(self.plain_direct_ms), 1),
                "ratio": round(ratio_of_medians(self.plain_new_ms, self.plain_direct_ms), 3),
                "pairs": min(len(self.plain_new_ms), len(self.plain_direct_ms)),
            }
        return data


class EventLog:
    """The runtime's events as they come (from any thread), taken turn by turn."""

    def __init__(self) -> None:
        self._events: list[Event] = []
        self._lock = threading.Lock()

    def __call__(self, event: Event) -> None:
        with self._lock:
            self._events.append(event)

    def take(self) -> list[Event]:
        with self._lock:
            events, self._events = self._events, []
        return events


class StopAtFirstSound(EventLog):
    """Collects a turn's events, and stops the reply at its first sound."""

    def __init__(self, runtime: Runtime) -> None:
        super().__init__()
        self.runtime = runtime
        runtime.subscribe(self)

    def __call__(self, event: Event) -> None:
        super().__call__(event)
        if isinstance(event, AudioStarted):
            self.runtime.stop()


def _silence(seconds: float, rate: int) -> Samples:
    return np.zeros(round(seconds * rate), dtype=np.float32)


def press_around(
    runtime: Runtime, tape: Tape, clip: SpeechClip, lead: float, tail: float
) -> TurnTicket | None:
    """Hold the key around `clip` on the tape: down, `lead` s of silence, the clip, `tail` s,
    up. Returns the turn (None: the press made none); the voice-to-voice wait starts now."""
    rate = clip.clip.sample_rate
    runtime.talk_pressed()
    pressed = time.monotonic()
    tape.play(np.concatenate([_silence(lead, rate), clip.clip.samples]), rate)
    time.sleep(max(0.0, pressed + lead + clip.duration_s + tail - time.monotonic()))
    return runtime.talk_released()


def _press(runtime: Runtime, tape: Tape, clip: SpeechClip, lead: float, tail: float) -> None:
    ticket = press_around(runtime, tape, clip, lead, tail)
    if ticket is not None:
        with contextlib.suppress(VoiceBuddyError):  # its Failed event tells what went wrong
            ticket.wait()


def _outcome(press: Press, events: Sequence[Event]) -> None:
    meter = TurnMeter()
    for event in events:
        meter.observe(event)
        if isinstance(event, TranscriptReady):
            press.transcript, press.stt_ms = event.text, event.stt_ms
            press.loops_caught = event.loops_caught
        elif isinstance(event, Failed) and event.about == "turn":
            press.error = f"{event.code}: {event.message}"
    press.voice_to_voice_ms = meter.voice_to_voice_ms


def _transcribe_whole(
    stt: WhisperCppSTT, vad: VoiceActivityDetector, press: Press, clip: SpeechClip
) -> None:
    """What the press would have cost transcribed as a whole after the release: the same
    audio as the key recorded it (the pre-roll and lead silent, the clip, the tail silent),
    with the speech found beforehand as the capture finds it while recording."""
    audio = np.concatenate(
        [
            _silence(PRE_ROLL_S + press.lead_s, STT_SAMPLE_RATE),
            clip.for_stt(),
            _silence(press.tail_s, STT_SAMPLE_RATE),
        ]
    )
    speech = SpeechFrames(audio, vad).span()
    started = time.monotonic()
    whole = stt.transcribe_with(audio, speech=speech)
    press.whole_ms = (time.monotonic() - started) * 1000
    press.whole_transcript = whole.text


def run_pressing(
    engines: Engines,
    settings: Settings,
    paths: Paths,
    clips: Sequence[SpeechClip],
    presses: int,
    plain_pairs: int,
    seed: int = 12,
    progress: Callable[[str], None] = lambda _: None,
    stt: WhisperCppSTT | None = None,
) -> PressingReport:
    """`stt`: the conversation's whisper, to transcribe each press's audio whole as well."""
    tape = Tape()
    vad = engines.voice_detector()
    runtime = Runtime(settings, paths, devices=TapeDevices(tape, PacedSink()), engines=engines)
    turns = StopAtFirstSound(runtime)
    runtime.start(opening="new").result()
    rng = random.Random(seed)
    report = PressingReport([])
    try:
        _press(runtime, tape, clips[0], 0.3, 0.3)  # warm-up, not counted
        for number in range(presses):
            progress(f"press {number + 1}/{presses}")
            clip = clips[number % len(clips)]
            press = Press(clip.name, rng.uniform(*LEAD_S), rng.uniform(*TAIL_S), clip.text)
            turns.take()
            _press(runtime, tape, clip, press.lead_s, press.tail_s)
            runtime.wait_until_idle(60)
            _outcome(press, turns.take())
            if stt is not None:
                _transcribe_whole(stt, vad, press, clip)
            report.presses.append(press)
            runtime.new_conversation()  # each press its own short prompt, as in the window
        for number in range(plain_pairs):
            progress(f"plain push-to-talk {number + 1}/{plain_pairs}")
            clip = clips[number % len(clips)]
            for direct in (number % 2 == 0, number % 2 != 0):  # alternate which goes first
                turns.take()
                if direct:
                    audio, ended_at = FileMicrophone(clip.clip, clip.name).record()
                    with contextlib.suppress(VoiceBuddyError):
                        runtime.submit(Audio(audio, ended_at)).wait()
                else:
                    _press(runtime, tape, clip, 0.0, 0.0)
                runtime.wait_until_idle(60)
                plain = Press(clip.name, 0.0, 0.0, clip.text)
                _outcome(plain, turns.take())
                runtime.new_conversation()
                if plain.voice_to_voice_ms is not None:
                    (report.plain_direct_ms if direct else report.plain_new_ms).append(
                        plain.voice_to_voice_ms
                    )
                if plain.stt_ms is not None:
                    (report.plain_direct_stt_ms if direct else report.plain_new_stt_ms).append(
                        plain.stt_ms
                    )
    finally:
        runtime.close()
    return report

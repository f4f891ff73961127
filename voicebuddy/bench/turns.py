"""Voice-to-voice latency: spoken questions through the app's push-to-talk, runtime and output
pace.

Each turn holds the talk key of the conversation runtime (the one every front end drives)
while its clip plays, in real time, into the microphone stream the runtime keeps open (a
`Tape`), and lets go as the clip ends; the reply is spoken into a `PacedSink`, so a turn ends
when its speech would have and the next one starts on a quiet machine. The clock starts at the
release. The first turn of the process is reported apart, as "cold".
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from voicebuddy.bench.accuracy import word_error_rate
from voicebuddy.bench.clips import SpeechClip
from voicebuddy.bench.devices import PacedSink, Tape, TapeDevices
from voicebuddy.bench.pressing import EventLog, press_around
from voicebuddy.bench.stats import median, percentile
from voicebuddy.bench.timed_tts import TimedTTS
from voicebuddy.config import Paths, Settings
from voicebuddy.errors import VoiceBuddyError
from voicebuddy.events import (
    AudioStarted,
    Event,
    Failed,
    Notice,
    SentenceReady,
    TokenGenerated,
    TranscriptReady,
    TurnEnded,
    TurnStarted,
)
from voicebuddy.metrics import TurnMeter
from voicebuddy.runtime import Runtime, State
from voicebuddy.runtime.engines import Engines
from voicebuddy.runtime.state import StateChanged
from voicebuddy.storage import Store

# Where a turn's time goes, in order: each is a moment, in ms after the end of the speech.
STAGES = (
    "capture_stop",  # the recording was handed to the turn (its end heard out)
    "stt",  # transcript ready
    "llm_first_token",
    "first_sentence",  # the sentence whose audio came first is complete
    "tts_synth_start",
    "tts_synth_end",
    "audio_handed",  # its first sample went to the output
)
# A conversation restarts once its prompt fills this share of the context window.
RESTART_SHARE = 0.5


@dataclass
class TurnRecord:
    clip: str
    audio_s: float
    said: str  # what the clip says
    transcript: str = ""
    reply: str = ""
    voice_to_voice_ms: float | None = None
    marks: dict[str, float] = field(default_factory=dict)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    tokens_per_s: float | None = None
    error: str = ""

    def as_json(self) -> dict[str, object]:
        return {
            "clip": self.clip,
            "audio_s": round(self.audio_s, 3),
            "voice_to_voice_ms": _round(self.voice_to_voice_ms),
            "stages_ms": {name: round(at, 1) for name, at in self.marks.items()},
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "tokens_per_s": _round(self.tokens_per_s),
            "transcript": self.transcript,
            "transcript_wer": round(word_error_rate(self.said, self.transcript), 3),
            "reply": self.reply,
            **({"error": self.error} if self.error else {}),
        }


@dataclass
class TurnsReport:
    cold: TurnRecord
    warm: list[TurnRecord]
    long: TurnRecord | None
    restarts: int

    def latencies(self) -> list[float]:
        return [t.voice_to_voice_ms for t in self.warm if t.voice_to_voice_ms is not None]


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def stage_marks(
    events: Sequence[Event], synth_calls: Sequence[tuple[float, float]]
) -> dict[str, float]:
    """The moments of `STAGES` reached in one turn, in ms after its start (the speech's end)."""
    started = next(e for e in events if isinstance(e, TurnStarted))
    at: dict[str, float] = {}
    handed = next(
        (e for e in events if isinstance(e, StateChanged) and e.state is State.TRANSCRIBING), None
    )
    if handed is not None:
        at["capture_stop"] = handed.at
    transcript = next((e for e in events if isinstance(e, TranscriptReady)), None)
    token = next((e for e in events if isinstance(e, TokenGenerated)), None)
    audio = next((e for e in events if isinstance(e, AudioStarted)), None)
    wanted = audio.sentence_index if audio is not None else 0
    sentence = next((e for e in events if isinstance(e, SentenceReady) and e.index == wanted), None)
    if transcript is not None:
        at["stt"] = transcript.at
    if token is not None:
        at["llm_first_token"] = token.at
    if sentence is not None:
        at["first_sentence"] = sentence.at
        synth = next((call for call in synth_calls if call[0] >= sentence.at), None)
        if synth is not None:
            at["tts_synth_start"], at["tts_synth_end"] = synth
    if audio is not None:
        at["audio_handed"] = audio.at
    return {name: (at[name] - started.at) * 1000 for name in STAGES if name in at}


def stage_summary(turns: Sequence[TurnRecord]) -> dict[str, dict[str, float]]:
    """Per stage: the median moment it was reached, and the median time since the stage before."""
    summary: dict[str, dict[str, float]] = {}
    for index, name in enumerate(STAGES):
        moments = [t.marks[name] for t in turns if name in t.marks]
        if not moments:
            continue
        took = []
        for turn in turns:
            earlier = [turn.marks[s] for s in STAGES[:index] if s in turn.marks]
            if name in turn.marks:
                took.append(turn.marks[name] - (earlier[-1] if earlier else 0.0))
        summary[name] = {"at_ms": round(median(moments), 1), "took_ms": round(median(took), 1)}
    return summary


def latency_summary(report: TurnsReport) -> dict[str, object]:
    latencies = report.latencies()
    errors = [word_error_rate(t.said, t.transcript) for t in report.warm if not t.error]
    speeds = [t.tokens_per_s for t in report.warm if t.tokens_per_s]
    if not latencies:
        raise VoiceBuddyError(
            "bench_no_latency", "No turn of the bench produced spoken audio to measure."
        )
    return {
        "p50": round(percentile(latencies, 50), 1),
        "p90": round(percentile(latencies, 90), 1),
        "cold": _round(report.cold.voice_to_voice_ms),
        "turns": len(latencies),
        "failed_turns": sum(1 for t in [report.cold, *report.warm] if t.error),
        "conversation_restarts": report.restarts,
        "transcript_wer_mean": round(sum(errors) / len(errors), 3) if errors else None,
        "llm_tokens_per_s": round(median(speeds), 1) if speeds else None,
        "stages": stage_summary([t for t in report.warm if t.voice_to_voice_ms is not None]),
        "long_utterance": report.long.as_json() if report.long else None,
        "cold_turn": report.cold.as_json(),
        "runs": [t.as_json() for t in report.warm],
    }


class VoiceTurns:
    """One runtime on `engines` (which the caller may use again once it is closed) that takes
    voice turns: each holds the talk key while its clip plays on the tape, and ends when its
    reply would have been spoken. `timed` is the voice those engines speak with, when it notes
    its synthesis times; `store` keeps the conversation (and the memories) in a SQLite file,
    else it is kept in memory only."""

    def __init__(
        self,
        engines: Engines,
        settings: Settings,
        paths: Paths,
        timed: TimedTTS | None = None,
        store: Store | None = None,
    ) -> None:
        self.engines = engines
        self.timed = timed
        self.tape = Tape()
        self.runtime = Runtime(
            settings,
            paths,
            store=store,
            devices=TapeDevices(self.tape, PacedSink()),
            engines=engines,
        )
        self.log = EventLog()
        self.runtime.subscribe(self.log)
        self.restarts = 0
        try:
            self.runtime.start(opening="new").result()
        except BaseException:
            self.runtime.close()
            raise

    def turn(self, clip: SpeechClip, lead: float = 0.0, tail: float = 0.0) -> TurnRecord:
        """The key goes down `lead` s before the clip and up `tail` s after its end; the
        voice-to-voice time runs from the release."""
        runtime, log, timed = self.runtime, self.log, self.timed
        record = TurnRecord(clip.name, clip.duration_s, clip.text)
        log.take()
        ticket = press_around(runtime, self.tape, clip, lead, tail)
        released_at = time.monotonic()
        try:
            if ticket is None:
                raise VoiceBuddyError("no_turn", "The press made no turn.")
            ended = ticket.wait()
            record.transcript, record.reply = ended.transcript, ended.reply
        except VoiceBuddyError as error:
            record.error = f"{error.code}: {error.message}"
        events = log.take()
        problems = [e.message for e in events if isinstance(e, Failed | Notice) and e.message]
        if problems and not record.error:
            record.error = "; ".join(problems)
        meter = TurnMeter()
        for event in events:
            meter.observe(event)
            if isinstance(event, TurnEnded):
                record.prompt_tokens = event.prompt_tokens
                record.completion_tokens = event.completion_tokens
        record.voice_to_voice_ms, record.tokens_per_s = meter.voice_to_voice_ms, meter.tokens_per_s
        if any(isinstance(e, TurnStarted) for e in events):
            calls = timed.calls_since(released_at) if timed is not None else []
            record.marks = stage_marks(events, calls)
        if record.prompt_tokens > self.engines.chat().context_size * RESTART_SHARE:
            runtime.new_conversation()
            self.restarts += 1
        return record

    def close(self) -> None:
        self.runtime.close()


def run_turns(
    engines: Engines,
    settings: Settings,
    paths: Paths,
    clips: Sequence[SpeechClip],
    runs: int,
    long_clip: SpeechClip | None = None,
    progress: Callable[[str], None] = lambda _: None,
    timed: TimedTTS | None = None,
) -> TurnsReport:
    """A cold turn, then `runs` measured turns cycling through `clips`, then one `long_clip`
    turn, through a runtime on `engines` (which the caller may use again once this returns).
    `timed` is the voice those engines speak with, when it notes its synthesis times."""
    turns = VoiceTurns(engines, settings, paths, timed)
    try:
        progress("cold turn")
        cold = turns.turn(clips[0])
        warm: list[TurnRecord] = []
        measured = 0
        # A turn without spoken audio (an empty reply, say) is kept but does not count.
        while measured < runs and len(warm) < 2 * runs + 2:
            progress(f"turn {measured + 1}/{runs}")
            warm.append(turns.turn(clips[(len(warm) + 1) % len(clips)]))
            measured += warm[-1].voice_to_voice_ms is not None
        long = None
        if long_clip is not None:
            progress(f"long turn ({long_clip.name}, {long_clip.duration_s:.0f} s)")
            long = turns.turn(long_clip)
    finally:
        turns.close()
    return TurnsReport(cold, warm, long, turns.restarts)

"""How fast hands-free listening reacts, measured at real-time pace with the real detector.

    .venv/bin/python -m voicebuddy.bench.handsfree [--runs 10]

- end-of-speech delay: from the last speech sample of a spoken question to the moment the
  listener hands the utterance over (the configured pause plus detection);
- barge-in reaction: while a reply is playing (a realtime CollectingSink), from the first
  speech sample of the user's interruption to the moment the pipeline's speech has stopped.

Audio is fed in 20 ms blocks at real-time pace, stamped with the time each block "arrived", as
the microphone stream does; the speech boundaries come from the clean clips
(`voicebuddy.bench.noise.speech_extent`). Latency of a sound card is not included.
"""

from __future__ import annotations

import argparse
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from voicebuddy.audio.listener import HandsFreeListener, HeardUtterance, ListenOptions
from voicebuddy.audio.playback import CollectingSink
from voicebuddy.audio.types import STT_SAMPLE_RATE, Clip, Samples
from voicebuddy.audio.vad import open_vad
from voicebuddy.bench import noise
from voicebuddy.bench.stats import median
from voicebuddy.config import ListenSettings
from voicebuddy.events import BargedIn, Event, UtteranceHeard

BLOCK = STT_SAMPLE_RATE // 50


@dataclass(frozen=True)
class HandsFreeFigures:
    end_of_speech_ms: list[float]
    barge_in_ms: list[float]
    end_pause_ms: int

    def render(self) -> str:
        def line(name: str, values: list[float]) -> str:
            if not values:
                return f"  {name:<22} no measurement"
            return (
                f"  {name:<22} median {median(values):.0f} ms, "
                f"min {min(values):.0f}, max {max(values):.0f} ({len(values)} runs)"
            )

        return "\n".join(
            [
                f"Hands-free (Silero VAD, end pause {self.end_pause_ms} ms, real-time feed)",
                line("end-of-speech delay", self.end_of_speech_ms),
                line("barge-in reaction", self.barge_in_ms),
            ]
        )


def _feed(listener: HandsFreeListener, audio: Samples) -> float:
    """Feed `audio` at real-time pace; returns the monotonic time of its first sample."""
    start = time.monotonic()
    for offset in range(0, audio.size, BLOCK):
        block = audio[offset : offset + BLOCK]
        due = start + (offset + block.size) / STT_SAMPLE_RATE
        time.sleep(max(0.0, due - time.monotonic()))
        listener.feed(block, due)
    return start


def measure(runs: int, listen: ListenSettings | None = None) -> HandsFreeFigures:
    listen = listen or ListenSettings()
    options = ListenOptions.from_settings(listen, smart=False)
    question = noise.espeak("Could you remind me to call my sister tomorrow morning?")
    interruption = noise.espeak("Wait, stop, I have another question.")
    _, end = noise.speech_extent(question)
    onset, _ = noise.speech_extent(interruption)
    end_of_speech: list[float] = []
    barge_in: list[float] = []
    for _ in range(runs):
        events: list[Event] = []
        heard: list[HeardUtterance] = []
        listener = HandsFreeListener(
            open_vad(listen.vad),
            options,
            on_utterance=heard.append,
            on_barge_in=lambda: None,
            on_event=events.append,
        )
        audio = np.concatenate([noise.silence(0.5), question, noise.silence(1.5)])
        start = _feed(listener, audio)
        speech_end_at = start + (0.5 * STT_SAMPLE_RATE + end) / STT_SAMPLE_RATE
        for event in events:
            if isinstance(event, UtteranceHeard):
                end_of_speech.append((event.at - speech_end_at) * 1000)

        sink = CollectingSink(realtime=True)
        stopped_at: list[float] = []

        def stop_reply(sink: CollectingSink = sink, stopped_at: list[float] = stopped_at) -> None:
            sink.stop()
            stopped_at.append(time.monotonic())

        events = []
        listener = HandsFreeListener(
            open_vad(listen.vad),
            ListenOptions(options.segmenter, duplex="full", barge_in=True),
            on_utterance=heard.append,
            on_barge_in=stop_reply,
            on_event=events.append,
        )
        reply = Clip(noise.at_level(noise.white(5.0, -30), -30), STT_SAMPLE_RATE)
        playing = threading.Thread(target=sink.play, args=(reply,))
        listener.reply_started()
        playing.start()
        audio = np.concatenate([noise.silence(0.5), interruption, noise.silence(1.0)])
        start = _feed(listener, audio)
        playing.join()
        onset_at = start + (0.5 * STT_SAMPLE_RATE + onset) / STT_SAMPLE_RATE
        if any(isinstance(e, BargedIn) for e in events) and stopped_at:
            barge_in.append((stopped_at[0] - onset_at) * 1000)
    return HandsFreeFigures(end_of_speech, barge_in, listen.end_pause_ms)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args(argv)
    print(measure(args.runs).render())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

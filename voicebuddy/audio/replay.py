"""Hands-free listening over a recording, on a simulated clock, as fast as the machine allows.

The same listener the microphone feeds (`HandsFreeListener`: the voice detector, the short
pause, the end-of-turn model, the maximum pause) gets the file in 20 ms blocks stamped with
their time in the file. The model is asked on this thread and the time it took is added to
the clock, so "handed over" is when the app would have handed the utterance over.
`voicebuddy listen --wav` and the bench use it to tune and to measure without waiting.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from voicebuddy.audio.end_of_turn import EndOfTurnModel
from voicebuddy.audio.listener import HandsFreeListener, HeardUtterance, ListenOptions
from voicebuddy.audio.types import STT_SAMPLE_RATE, Samples
from voicebuddy.audio.vad import VoiceActivityDetector
from voicebuddy.config import ListenSettings

BLOCK = STT_SAMPLE_RATE // 50


@dataclass(frozen=True)
class ReplayedUtterance:
    """One utterance the listener handed over; times in seconds from the file's start."""

    heard: HeardUtterance
    speech_start_s: float
    speech_end_s: float
    handed_over_s: float

    @property
    def reason(self) -> str:
        return self.heard.reason

    @property
    def probability(self) -> float | None:
        return self.heard.probability


def replay(
    samples: Samples,
    listen: ListenSettings,
    vad: VoiceActivityDetector,
    end_of_turn: EndOfTurnModel | None,
) -> list[ReplayedUtterance]:
    """The utterances hands-free listening hands over for `samples` (16 kHz mono). Without
    `end_of_turn`, or with `listen.end_of_turn` "pause", a fixed pause ends each turn.
    Silence is added at the end, so speech that runs to the end of the file is heard."""
    heard: list[HeardUtterance] = []
    options = ListenOptions.from_settings(listen, smart=end_of_turn is not None)
    listener = HandsFreeListener(
        vad,
        options,
        on_utterance=heard.append,
        on_barge_in=lambda: None,
        end_of_turn=end_of_turn if options.smart else None,
        simulated=True,
    )
    longest_pause_ms = max(options.segmenter.end_pause_ms, options.segmenter.short_pause_ms)
    tail = np.zeros(round((longest_pause_ms + 200) * STT_SAMPLE_RATE / 1000), dtype=np.float32)
    audio = np.concatenate([np.asarray(samples, dtype=np.float32).ravel(), tail])
    for offset in range(0, audio.size, BLOCK):
        block = audio[offset : offset + BLOCK]
        listener.feed(block, (offset + block.size) / STT_SAMPLE_RATE)
    listener.close()
    return [_placed(utterance) for utterance in heard]


def _placed(heard: HeardUtterance) -> ReplayedUtterance:
    end = heard.speech_ended_at
    start = end - (heard.speech.end_s - heard.speech.start_s) if heard.speech else end
    return ReplayedUtterance(heard, start, end, heard.handed_over_at)

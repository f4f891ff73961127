"""TTS time to first audio: how long the engine takes to turn one sentence into a clip.

The pipeline hands a sentence's audio to the output once its synthesis is done, so this is
the TTS share of a turn's voice-to-voice latency.
"""

from __future__ import annotations

import time

from voicebuddy.bench.stats import median
from voicebuddy.engines.tts import TextToSpeech

SENTENCE = "Sure, a warm bowl of tomato soup sounds just right for tonight."


def measure_tts(tts: TextToSpeech, repeats: int, sentence: str = SENTENCE) -> dict[str, object]:
    clip = tts.synthesize(sentence)  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        tts.synthesize(sentence)
        times.append((time.perf_counter() - start) * 1000)
    return {
        "median_ms": round(median(times), 1),
        "runs": len(times),
        "sentence": sentence,
        "audio_s": round(clip.duration_s, 3),
        "real_time_factor": round(median(times) / 1000 / clip.duration_s, 3),
        "voice": tts.voice_id,
    }

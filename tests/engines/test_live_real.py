"""Transcription while the key is held, with the real whisper and voice detector on jfk.wav
fed as a microphone would: its pauses are agreed on while it is said, and the transcript is
as good as the whole recording's."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from testdata import JFK, JFK_TEXT, word_error_rate

from voicebuddy.audio.files import load_for_stt
from voicebuddy.audio.push_to_talk import PushToTalkCapture, Recording
from voicebuddy.audio.types import STT_SAMPLE_RATE
from voicebuddy.audio.vad import open_vad
from voicebuddy.engines.live_transcript import LiveTranscript
from voicebuddy.engines.stt import WhisperCppSTT

BLOCK = 512


def test_jfk_is_mostly_agreed_while_it_is_said(ggml_tiny_en: Path) -> None:
    stt = WhisperCppSTT(ggml_tiny_en)
    said = np.concatenate([load_for_stt(JFK), np.zeros(STT_SAMPLE_RATE // 2, np.float32)])
    capture = PushToTalkCapture(open_vad("silero"))
    capture.press(0.0)
    live = LiveTranscript(stt)
    at = 0.0
    for start in range(0, said.size, BLOCK):
        block = said[start : start + BLOCK]
        at += block.size / STT_SAMPLE_RATE
        capture.feed(block, at)
        progress = capture.progress()
        assert progress is not None
        if live.due(progress.recorded, progress.speech_end):
            so_far = capture.so_far()
            assert so_far is not None
            live.hear(*so_far)
    done: list[Recording] = []
    capture.release(at, done.append)
    (recording,) = done

    final = live.transcription(recording.samples, recording.speech)
    whole = stt.transcribe_with(recording.samples, speech=recording.speech)
    assert live.passes >= 4
    assert live.cut > recording.samples.size / 2, "most of it was agreed before the release"
    assert live.agreed_text.lower().startswith("and so my fellow americans")
    assert word_error_rate(JFK_TEXT, final.text) <= word_error_rate(JFK_TEXT, whole.text) + 0.02

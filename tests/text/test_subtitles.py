import json
import re

from voicebuddy.engines.transcription import Segment, Transcription
from voicebuddy.text.subtitles import render

SEGMENTS = (
    Segment(0.0, 2.5, " And so my fellow Americans,"),
    Segment(2.5, 3661.042, " ask not."),
    Segment(3661.042, 3662.0, "  "),
)
T = Transcription(SEGMENTS, "en")

SRT_CUE = re.compile(r"^\d+\n\d\d:\d\d:\d\d,\d{3} --> \d\d:\d\d:\d\d,\d{3}\n.+\n$")


def test_srt_is_numbered_cues_with_comma_millis() -> None:
    srt = render(T, "srt")
    cues = srt.split("\n\n")
    assert len(cues) == 2  # the blank segment is left out
    for cue in cues:
        assert SRT_CUE.match(cue if cue.endswith("\n") else cue + "\n"), cue
    assert "00:00:02,500 --> 01:01:01,042\nask not." in srt


def test_vtt_has_header_and_dot_millis() -> None:
    vtt = render(T, "vtt")
    assert vtt.startswith("WEBVTT\n\n00:00:00.000 --> 00:00:02.500\nAnd so my fellow Americans,")


def test_json_and_text() -> None:
    data = json.loads(render(T, "json"))
    assert data["language"] == "en"
    assert data["segments"][1] == {"start": 2.5, "end": 3661.042, "text": "ask not."}
    assert render(T, "txt") == "And so my fellow Americans, ask not.\n"

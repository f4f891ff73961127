"""Transcript output formats: plain text, SRT, WebVTT and JSON."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

from voicebuddy.engines.transcription import Segment, Transcription
from voicebuddy.errors import ConfigError, VoiceBuddyError

FORMATS = ("txt", "srt", "vtt", "json")


def _clock(seconds: float, decimal: str) -> str:
    millis = max(0, round(seconds * 1000))
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{decimal}{millis:03d}"


def _cues(segments: Sequence[Segment]) -> list[Segment]:
    return [s for s in segments if s.text.strip()]


def _cue(segment: Segment, decimal: str) -> str:
    start, end = segment.start_s, max(segment.end_s, segment.start_s)
    return f"{_clock(start, decimal)} --> {_clock(end, decimal)}\n{segment.text.strip()}\n"


def to_srt(segments: Sequence[Segment]) -> str:
    return "\n".join(f"{i}\n{_cue(s, ',')}" for i, s in enumerate(_cues(segments), start=1))


def to_vtt(segments: Sequence[Segment]) -> str:
    blocks = [_cue(s, ".") for s in _cues(segments)]
    return "WEBVTT\n\n" + "\n".join(blocks)


def to_json(transcription: Transcription) -> str:
    return json.dumps(
        {
            "language": transcription.language,
            "text": transcription.text,
            "segments": [
                {"start": round(s.start_s, 3), "end": round(s.end_s, 3), "text": s.text.strip()}
                for s in transcription.segments
            ],
        },
        ensure_ascii=False,
        indent=2,
    )


def render(transcription: Transcription, fmt: str) -> str:
    if fmt == "srt":
        return to_srt(transcription.segments)
    if fmt == "vtt":
        return to_vtt(transcription.segments)
    if fmt == "json":
        return to_json(transcription) + "\n"
    return transcription.text + "\n"


def format_for(path: Path, fmt: str | None = None) -> str:
    """`fmt` when given, else the format the file name's suffix names (txt by default)."""
    if fmt:
        if fmt not in FORMATS:
            raise ConfigError(
                "format_unknown", f"Unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}."
            )
        return fmt
    suffix = path.suffix.lower().lstrip(".")
    return suffix if suffix in FORMATS else "txt"


def write_transcript(path: Path, transcription: Transcription, fmt: str | None = None) -> None:
    """Write `transcription` to `path` in `fmt` (see `format_for`), atomically, as UTF-8."""
    text = render(transcription, format_for(path, fmt))
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise VoiceBuddyError(
            "transcript_unwritable", f"Cannot write the transcript to {path}: {exc.strerror}."
        ) from None

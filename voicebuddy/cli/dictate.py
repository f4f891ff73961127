"""`voicebuddy transcribe` (one file) and `voicebuddy dictate` (the microphone, or files)."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import queue
import sys
import time
from collections.abc import Callable
from pathlib import Path

from voicebuddy.audio.files import load_for_stt
from voicebuddy.cli.output import native_stderr_quiet, terminal_width
from voicebuddy.config import Paths, Settings
from voicebuddy.dictation import DictationOptions, FileProgress, FinalText, PartialText
from voicebuddy.engines.transcription import Transcription
from voicebuddy.errors import AudioError, ConfigError, VoiceBuddyError
from voicebuddy.events import Event, Failed
from voicebuddy.runtime import Runtime, State
from voicebuddy.runtime.engines import Engines
from voicebuddy.runtime.events import (
    DictationReady,
    DictationStarted,
    DictationStopped,
    FileTranscribed,
    StateChanged,
)


def transcribe(args: argparse.Namespace, settings: Settings, paths: Paths) -> int:
    from voicebuddy.engines.transcription import in_chinese_script
    from voicebuddy.runtime.engines import with_stt_language
    from voicebuddy.text.chinese import check_script
    from voicebuddy.text.subtitles import render

    audio = load_for_stt(args.file)
    script = check_script(args.script or settings.dictation.chinese_script)
    # Dictation from a file has no one waiting for a reply: the full window is the more
    # accurate choice for short clips in other languages (see encoder_window).
    settings.stt.trim_window = False
    # A file has no conversation, so no character's language: the one the user gave
    # (--language, [stt] or [dictation]), else whisper detects it with a multilingual model.
    language = settings.stt.language.strip() or settings.dictation.language.strip() or "auto"
    stt = Engines(settings, paths).speech_to_text(with_stt_language(settings, language))
    sys.stdout.write(render(in_chinese_script(stt.transcribe(audio), script), args.format))
    return 0


def _options(args: argparse.Namespace, settings: Settings) -> DictationOptions:
    from voicebuddy.dictation import parse_vocabulary
    from voicebuddy.text.chinese import check_script

    dictation = settings.dictation
    options = DictationOptions.from_settings(dictation, settings.listen)
    vocabulary = args.vocabulary if args.vocabulary is not None else dictation.vocabulary
    return dataclasses.replace(
        options,
        language=dictation.language,
        vocabulary=parse_vocabulary(vocabulary),
        chinese_script=check_script(args.script or dictation.chinese_script),
    )


def dictate(args: argparse.Namespace, settings: Settings, paths: Paths) -> int:
    """Dictation: from the microphone until Ctrl-C (or `--seconds`), or of `--file`s."""
    from voicebuddy.text.subtitles import format_for

    files: list[Path] = list(args.file or [])
    if files and args.seconds is not None:
        raise ConfigError("bad_flag", "--seconds is for the microphone; files are done whole.")
    for file in files:
        if not file.is_file():
            raise AudioError("audio_not_found", f"Audio file '{file}' does not exist.")
    output: Path | None = args.output
    fmt = format_for(output or Path("-"), args.format)
    if len(files) > 1 and (output is None or not output.is_dir()) and (output or fmt != "txt"):
        raise ConfigError("bad_flag", "To save several files, give --output an existing folder.")
    if output is not None and not output.is_dir() and not output.parent.is_dir():
        raise ConfigError("bad_flag", f"The folder of {output} does not exist.")
    language = getattr(args, "language", None) or settings.dictation.language or "auto"
    settings.dictation.language = language.strip().lower()
    options = _options(args, settings)
    cleanup = args.cleanup or settings.dictation.cleanup
    with native_stderr_quiet():  # whisper.cpp's own log lines would garble the live text
        runtime = Runtime(settings, paths, push_to_talk=False, speak=False)
        events: queue.SimpleQueue[Event] = queue.SimpleQueue()
        runtime.subscribe(events.put)
        runtime.start(opening=None)
        try:
            runtime.prepare_dictation(settings)
            _wait_for(events, DictationReady)
            if files:
                runtime.transcribe_files(files, options, cleanup)
                return _files(events, files, output, fmt)
            runtime.start_dictation(options, cleanup)
            return _live(runtime, events, args.seconds, output, fmt)
        finally:
            runtime.close()


def _wait_for(events: queue.SimpleQueue[Event], kind: type[Event]) -> Event:
    """The next `kind` event; a dictation failure before it is raised."""
    while True:
        event = events.get()
        if isinstance(event, kind):
            return event
        if isinstance(event, Failed) and event.about == "dictation":
            raise VoiceBuddyError(event.code, event.message)


def _files(
    events: queue.SimpleQueue[Event], files: list[Path], output: Path | None, fmt: str
) -> int:
    from voicebuddy.text.subtitles import render, write_transcript

    terminal = sys.stderr.isatty()
    failure: Failed | None = None
    while True:
        event = events.get()
        if isinstance(event, FileProgress) and terminal:
            sys.stderr.write(f"\r\x1b[2K{Path(event.path).name}: {event.fraction:4.0%}")
            sys.stderr.flush()
        elif isinstance(event, FileTranscribed | Failed) and terminal:
            sys.stderr.write("\r\x1b[2K")
            sys.stderr.flush()
        if isinstance(event, FileTranscribed):
            if output is None:
                sys.stdout.write(render(event.transcription, fmt))
                sys.stdout.flush()
            else:
                file = Path(event.path)
                target = output / f"{file.stem}.{fmt}" if output.is_dir() else output
                write_transcript(target, event.transcription, fmt)
                print(f"Wrote {target}", file=sys.stderr)
        elif isinstance(event, Failed) and event.about == "file":
            failure = failure or event
        elif isinstance(event, StateChanged) and event.previous is State.TRANSCRIBING_FILES:
            break
    if failure is not None:
        raise VoiceBuddyError(failure.code, failure.message)
    return 0


def _live(
    runtime: Runtime,
    events: queue.SimpleQueue[Event],
    seconds: float | None,
    output: Path | None,
    fmt: str,
) -> int:
    from voicebuddy.text.subtitles import render, write_transcript

    terminal = sys.stderr.isatty()
    streaming = output is None and fmt == "txt"  # final text goes out as it comes
    failed = False

    def show(event: Event) -> None:
        nonlocal failed
        if isinstance(event, PartialText) and terminal:
            width = max(20, terminal_width() - 3)
            text = event.text if len(event.text) <= width else "…" + event.text[-width + 1 :]
            sys.stderr.write(f"\r\x1b[2K\x1b[2m… {text}\x1b[0m")
            sys.stderr.flush()
        elif isinstance(event, FinalText):
            if terminal:
                sys.stderr.write("\r\x1b[2K")
                sys.stderr.flush()
            if event.text and streaming:
                print(event.text, flush=True)
        elif isinstance(event, Failed) and event.about == "dictation":
            print(f"({event.message})", file=sys.stderr)
            failed = True

    _wait_for(events, DictationStarted)
    until = f"for {seconds:g} s" if seconds else "Ctrl-C to stop"
    print(f"(listening: speak now; {until})", file=sys.stderr, flush=True)
    deadline = time.monotonic() + seconds if seconds else float("inf")
    with contextlib.suppress(KeyboardInterrupt):
        _pump(events, show, lambda: failed or time.monotonic() >= deadline)
    runtime.stop_dictation()
    stopped: list[Transcription] = []

    def finish(event: Event) -> None:
        show(event)
        if isinstance(event, DictationStopped):
            stopped.append(event.transcription)

    _pump(events, finish, lambda: bool(stopped))
    result = stopped[0]
    if output is not None:
        write_transcript(output, result, fmt)
        print(f"Wrote {output}", file=sys.stderr)
    elif not streaming:
        sys.stdout.write(render(result, fmt))
    return 1 if failed else 0


def _pump(
    events: queue.SimpleQueue[Event], handle: Callable[[Event], None], done: Callable[[], bool]
) -> None:
    while not done():
        try:
            handle(events.get(timeout=0.1))
        except queue.Empty:
            continue

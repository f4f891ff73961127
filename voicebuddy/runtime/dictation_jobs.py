"""Dictation on the engine thread: its speech model, live dictation, and audio files."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import voicebuddy.runtime.commands as c
from voicebuddy.config import Settings
from voicebuddy.dictation import (
    AudioSource,
    Cleaner,
    Dictation,
    DictationCancelled,
    DictationOptions,
    FileProgress,
    LiveDictation,
    SourceFactory,
    transcribe_file,
)
from voicebuddy.engines.stt import SpeechToText
from voicebuddy.engines.transcription import Transcription
from voicebuddy.errors import AudioError, VoiceBuddyError
from voicebuddy.events import Event, Failed, FailureScope
from voicebuddy.runtime.devices import Devices
from voicebuddy.runtime.engines import Engines, dictation_settings, stt_model_name
from voicebuddy.runtime.events import (
    DictationReady,
    DictationStarted,
    DictationStopped,
    FileTranscribed,
)
from voicebuddy.runtime.state import State


class DictationJobs:
    """Runs the dictation commands for the runtime (on its engine thread, except `stop_live`
    and `files_cancel`, which any thread may use)."""

    def __init__(
        self,
        engines: Engines,
        devices: Devices,
        emit: Callable[[Event], None],
        enter: Callable[[State], None],
    ) -> None:
        self._engines = engines
        self._devices = devices
        self._emit = emit
        self._enter = enter
        self._settings: Settings | None = None  # from the last PrepareDictation
        self._cleaner: Cleaner | None = None
        self._live: LiveDictation | None = None
        self._starts = 0  # live dictations asked for
        self._stopped_upto = 0  # those asked for before the last stop_live()
        self._lock = threading.Lock()
        self.files_cancel = threading.Event()

    def _stt(self) -> SpeechToText:
        return self._engines.speech_to_text(self._effective())

    def _effective(self) -> Settings:
        return dictation_settings(self._settings or self._engines.settings)

    def _cleaner_for(self, cleanup: bool) -> Cleaner | None:
        if not cleanup:
            return None
        if self._cleaner is None:
            from voicebuddy.text.cleanup import TextCleaner

            self._cleaner = TextCleaner(self._engines.chat())
        return self._cleaner

    def _failed(self, error: VoiceBuddyError, about: FailureScope, subject: str = "") -> None:
        self._emit(Failed(code=error.code, message=error.message, about=about, subject=subject))

    def prepare(self, command: c.PrepareDictation) -> None:
        self._settings = command.settings
        try:
            self._stt()
        except VoiceBuddyError as error:
            self._failed(error, "dictation")
            return
        self._emit(DictationReady(model=f"whisper {stt_model_name(self._effective())}"))

    def request(self, options: DictationOptions, cleanup: bool) -> c.StartDictation:
        with self._lock:
            self._starts += 1
            return c.StartDictation(options, cleanup, self._starts, time.monotonic())

    def run_live(self, command: c.StartDictation, open_source: SourceFactory) -> None:
        """Listen to `open_source` and transcribe until `stop_live()`; DictationStopped carries
        the text."""
        with self._lock:
            if command.number <= self._stopped_upto:  # stopped before it began
                self._emit(DictationStopped(transcription=Transcription((), "")))
                return
        self._enter(State.DICTATING)
        try:
            dictation = Dictation(
                self._stt(),
                self._engines.voice_detector(),
                command.options,
                listener=self._emit,
                cleaner=self._cleaner_for(command.cleanup),
            )
            live = LiveDictation(dictation, open_source)
            live.start()
            with self._lock:
                self._live = live
            self._emit(DictationStarted())
            live.run()
            if live.error is not None:
                self._failed(live.error, "dictation")
            self._emit(DictationStopped(transcription=dictation.transcription()))
        except VoiceBuddyError as error:
            self._failed(error, "dictation")
        finally:
            with self._lock:
                self._live = None
            self._enter(State.IDLE)

    def level(self) -> float:
        """The live dictation's input level (RMS of the latest block; 0.0 when none runs)."""
        live = self._live
        return live.level() if live is not None else 0.0

    def microphone(self, input_device: str) -> SourceFactory:
        """A stream of its own on `input_device`."""

        def open_source(
            on_samples: Callable[..., None], on_error: Callable[[AudioError], None]
        ) -> AudioSource:
            return self._devices.open_stream(input_device, on_samples, on_error, lambda: None)

        return open_source

    def stop_live(self) -> None:
        with self._lock:
            live = self._live
            self._stopped_upto = self._starts
        if live is not None:
            live.stop()

    def transcribe_files(self, command: c.TranscribeFiles) -> None:
        self._enter(State.TRANSCRIBING_FILES)
        try:
            self._files(command)
        finally:
            self._enter(State.IDLE)

    def _files(self, command: c.TranscribeFiles) -> None:
        vad = None  # one for the batch (each file resets it)
        for path in command.paths:
            name = str(path)

            def progress(fraction: float, name: str = name) -> None:
                self._emit(FileProgress(path=name, fraction=fraction))

            try:
                vad = vad or self._engines.voice_detector()
                cleaner = self._cleaner_for(command.cleanup)
                result = transcribe_file(
                    path, self._stt(), vad, command.options, progress, self.files_cancel, cleaner
                )
            except DictationCancelled as error:
                self._failed(error, "file", name)
                return
            except VoiceBuddyError as error:
                self._failed(error, "file", name)
                continue
            self._emit(FileTranscribed(path=name, transcription=result))

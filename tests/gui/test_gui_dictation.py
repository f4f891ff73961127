"""The dictation window with fake engines and a fake microphone, offscreen."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import json
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QObject, QPointF, Qt, QUrl, Slot
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QFileDialog
from pytestqt.qtbot import QtBot

from voicebuddy.audio.files import write_wav
from voicebuddy.audio.playback import CollectingSink
from voicebuddy.audio.types import STT_SAMPLE_RATE, AudioSink, Clip, Samples
from voicebuddy.audio.vad import EnergyVAD
from voicebuddy.config import Paths, Settings, load_settings
from voicebuddy.dictation import FileProgress, FinalText, PartialText
from voicebuddy.engines.fakes import FakeChat, FakeEndOfTurn, FakeSTT, FakeTTS
from voicebuddy.errors import AudioError
from voicebuddy.gui.dictation_panel import audio_paths
from voicebuddy.gui.dictation_window import DictationWindow
from voicebuddy.runtime import Runtime
from voicebuddy.runtime.engines import EngineLoaders

RATE = STT_SAMPLE_RATE


def tone(seconds: float) -> Samples:
    t = np.arange(round(seconds * RATE)) / RATE
    return (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)


def quiet(seconds: float) -> Samples:
    return np.zeros(round(seconds * RATE), dtype=np.float32)


class FakeMic:
    """Plays `audio` in 20 ms blocks from a thread, then silence until stopped."""

    def __init__(
        self,
        audio: Samples,
        on_samples: Callable[[Samples, float], None],
        on_error: Callable[[AudioError], None],
    ) -> None:
        self.audio, self.on_samples, self.on_error = audio, on_samples, on_error
        self.played = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        block = RATE // 50
        for i in range(0, self.audio.size, block):
            if self._stop.is_set():
                return
            self.on_samples(self.audio[i : i + block], time.monotonic())
            time.sleep(0.002)
        self.played.set()
        while not self._stop.wait(0.02):
            self.on_samples(quiet(0.02), time.monotonic())


class Mics:
    def __init__(self, audio: Samples) -> None:
        self.audio = audio
        self.opened: list[FakeMic] = []

    def __call__(
        self, on_samples: Callable[[Samples, float], None], on_error: Callable[[AudioError], None]
    ) -> FakeMic:
        self.opened.append(FakeMic(self.audio, on_samples, on_error))
        return self.opened[-1]


class MicDevices:
    """The runtime's devices: `mics` opens the microphone streams; no push-to-talk."""

    def __init__(self, mics: Callable[..., object]) -> None:
        self.mics = mics

    def open_stream(
        self,
        name: str,
        on_samples: Callable[[Samples, float], None],
        on_error: Callable[[AudioError], None],
        on_recovered: Callable[[], None],
    ) -> object:
        return self.mics(on_samples, on_error)

    def open_speaker(self, name: str) -> AudioSink:
        return CollectingSink()


class Shown(QObject):
    """Receives the runtime's events on the GUI thread, after the window's own slots, and
    notes what the window showed then."""

    def __init__(self, window: DictationWindow) -> None:
        super().__init__()
        self.window = window
        self.events: list[tuple[object, str]] = []
        self.progress: list[tuple[float, int]] = []
        window.bridge.relayed.connect(self.take)

    @Slot(object)
    def take(self, event: object) -> None:
        if isinstance(event, PartialText | FinalText):
            self.events.append((event, self.window.panel.text.toHtml()))
        elif isinstance(event, FileProgress):
            self.progress.append((event.fraction, self.window.panel.progress.value()))


WINDOWS: list[DictationWindow] = []


@pytest.fixture(autouse=True)
def shut_windows() -> Iterator[None]:
    yield
    while WINDOWS:
        window = WINDOWS.pop()
        window.close()
        window.shutdown()
        window.runtime.close()


def open_window(
    qtbot: QtBot,
    tmp_path: Path,
    mics: Mics | None = None,
    stt: FakeSTT | None = None,
    settings: Settings | None = None,
) -> DictationWindow:
    paths = Paths(tmp_path / "config.toml", tmp_path / "cache", tmp_path / "data")
    fake = stt or FakeSTT("Hello there.")
    loaders = EngineLoaders(
        chat=lambda s, p: FakeChat("Hello there."),
        stt=lambda s, p: fake,
        tts=lambda v, r: FakeTTS(),
        vad=lambda name: EnergyVAD(),
        end_of_turn=FakeEndOfTurn,
    )
    settings = settings or Settings()
    devices = MicDevices(mics or Mics(quiet(0.1)))
    runtime = Runtime(settings, paths, loaders=loaders, devices=devices)  # type: ignore[arg-type]
    runtime.start(opening=None)
    window = DictationWindow(runtime, settings)
    qtbot.addWidget(window)
    window.show()
    WINDOWS.append(window)
    qtbot.waitUntil(lambda: window._ready, timeout=10_000)
    return window


def dictate(qtbot: QtBot, window: DictationWindow, mics: Mics) -> Shown:
    recorder = Shown(window)
    qtbot.mouseClick(window.panel.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(mics.opened) and mics.opened[-1].played.is_set(), timeout=10_000)
    qtbot.waitUntil(
        lambda: any(isinstance(e, FinalText) for e, _ in recorder.events), timeout=10_000
    )
    qtbot.mouseClick(window.panel.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window._stopping and not window._live, timeout=10_000)
    return recorder


def test_live_text_appears_grey_then_final_and_copy_puts_it_on_the_clipboard(
    qtbot: QtBot, tmp_path: Path
) -> None:
    mics = Mics(np.concatenate([quiet(0.5), tone(2.5), quiet(1.0)]))
    window = open_window(qtbot, tmp_path, mics)
    assert window.panel.start_button.isEnabled() and not window.panel.copy_button.isEnabled()
    recorder = dictate(qtbot, window, mics)
    partials = [(e, html) for e, html in recorder.events if isinstance(e, PartialText)]
    assert partials and partials[0][0].text == "Hello there."  # type: ignore[attr-defined]
    assert "font-style:italic" in partials[0][1]  # the live text, greyed and in italics
    kinds = [type(e).__name__ for e, _ in recorder.events]
    assert kinds.index("PartialText") < kinds.index("FinalText")
    assert window.panel.text.toPlainText() == "Hello there."
    assert "font-style:italic" not in window.panel.text.toHtml()
    assert window.panel.copy_button.isEnabled()
    QApplication.clipboard().clear()
    window.copy_action.trigger()  # Ctrl+Shift+C
    assert window.copy_action.shortcut().toString() == "Ctrl+Shift+C"
    assert QApplication.clipboard().text() == "Hello there."


def test_save_writes_each_format(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mics = Mics(np.concatenate([quiet(0.5), tone(2.0), quiet(1.0)]))
    window = open_window(qtbot, tmp_path, mics)
    dictate(qtbot, window, mics)
    for fmt in ("txt", "srt", "vtt", "json"):
        target = tmp_path / f"saved.{fmt}"
        monkeypatch.setattr(
            QFileDialog, "getSaveFileName", lambda *a, target=target, **k: (str(target), "")
        )
        window.save_action.trigger()
        assert target.is_file(), fmt
    assert (tmp_path / "saved.txt").read_text("utf-8") == "Hello there.\n"
    srt = (tmp_path / "saved.srt").read_text("utf-8")
    assert srt.startswith("1\n00:00:00,") and "Hello there." in srt
    assert (tmp_path / "saved.vtt").read_text("utf-8").startswith("WEBVTT\n\n00:00:00.")
    data = json.loads((tmp_path / "saved.json").read_text("utf-8"))
    (segment,) = data["segments"]
    assert segment["text"] == "Hello there." and 0.1 <= segment["start"] < segment["end"] <= 4.0
    # a name without a suffix gets the chosen filter's
    plain = tmp_path / "notes"
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda *a, **k: (str(plain), "WebVTT subtitles (*.vtt)")
    )
    window.save_action.trigger()
    assert (tmp_path / "notes.vtt").read_text("utf-8").startswith("WEBVTT")


def drop(window: DictationWindow, files: list[Path]) -> tuple[bool, bool]:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(f)) for f in files])
    pos = QPointF(window.rect().center())
    actions = Qt.DropAction.CopyAction | Qt.DropAction.MoveAction
    buttons, modifiers = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    handle = window.windowHandle()
    enter = QDragEnterEvent(pos.toPoint(), actions, mime, buttons, modifiers)
    QApplication.sendEvent(handle, enter)
    if not enter.isAccepted():
        return False, False
    dropped = QDropEvent(pos, actions, mime, buttons, modifiers)
    QApplication.sendEvent(handle, dropped)
    return True, dropped.isAccepted()


def test_dropped_audio_files_are_transcribed_with_progress_to_100(
    qtbot: QtBot, tmp_path: Path
) -> None:
    window = open_window(qtbot, tmp_path, stt=FakeSTT("From the file."))
    wav = tmp_path / "memo.wav"
    write_wav(wav, Clip(np.concatenate([quiet(2), tone(2), quiet(30), tone(1.5), quiet(1)]), RATE))
    (tmp_path / "notes.txt").write_text("not audio")
    assert drop(window, [tmp_path / "notes.txt"]) == (False, False)
    recorder = Shown(window)
    assert drop(window, [wav]) == (True, True)
    qtbot.waitUntil(lambda: "From the file." in window.panel.text.toPlainText(), timeout=10_000)
    qtbot.waitUntil(lambda: window.panel.file_button.isEnabled(), timeout=10_000)
    fractions = [f for f, _ in recorder.progress]
    assert fractions[-1] == 1.0 and fractions == sorted(fractions) and len(fractions) > 3
    assert recorder.progress[-1][1] == 100  # the bar showed 100 %
    assert window.panel.text.toPlainText() == "From the file. From the file."  # two windows
    assert not window.panel.progress.isVisible()  # hidden again when done
    assert [round(s.start_s) for s in window.transcript().segments] == [2, 34]


def test_transcribe_file_menu(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = open_window(qtbot, tmp_path, stt=FakeSTT("Menu file."))
    wav = tmp_path / "a.flac"
    import soundfile

    soundfile.write(str(wav), np.concatenate([tone(1.5), quiet(1)]), RATE, format="FLAC")
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: ([str(wav)], ""))
    assert window.transcribe_action.shortcut().toString() == "Ctrl+O"
    window.transcribe_action.trigger()
    qtbot.waitUntil(lambda: window.panel.text.toPlainText() == "Menu file.", timeout=10_000)


def test_a_broken_file_is_one_sentence(qtbot: QtBot, tmp_path: Path) -> None:
    window = open_window(qtbot, tmp_path)
    bad = tmp_path / "broken.wav"
    bad.write_bytes(b"RIFF nonsense")
    window.transcribe_files([bad])
    qtbot.waitUntil(lambda: "broken.wav" in window.panel.status.text(), timeout=10_000)
    assert "Cannot read" in window.panel.status.text()
    assert window.panel.file_button.isEnabled() and window.panel.text.toPlainText() == ""


def test_hold_key_tap_toggles_and_hold_dictates_while_held(qtbot: QtBot, tmp_path: Path) -> None:
    mics = Mics(np.concatenate([quiet(0.3), tone(1.5), quiet(1.0)]))
    window = open_window(qtbot, tmp_path, mics)
    window.activateWindow()
    window.panel.text.setFocus()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    qtbot.keyPress(window.panel.text, Qt.Key.Key_Space)
    qtbot.keyRelease(window.panel.text, Qt.Key.Key_Space)  # a tap: keeps listening
    assert window._live
    qtbot.waitUntil(lambda: bool(mics.opened) and mics.opened[-1].played.is_set(), timeout=10_000)
    qtbot.keyPress(window.panel.text, Qt.Key.Key_Space)  # the next tap stops
    qtbot.keyRelease(window.panel.text, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: not window._live and not window._stopping, timeout=10_000)
    assert window.panel.text.toPlainText() == "Hello there."
    # typing in the vocabulary box types a space
    window.panel.vocabulary.setFocus()
    qtbot.keyClicks(window.panel.vocabulary, "a b")
    assert window.panel.vocabulary.text() == "a b" and not window._live


def test_options_reach_the_dictation_and_are_remembered(qtbot: QtBot, tmp_path: Path) -> None:
    settings = Settings()
    settings.dictation.language = "en"
    window = open_window(qtbot, tmp_path, settings=settings)
    assert window.panel.language.currentData() == "en"
    window.panel.vocabulary.setText("Kubernetes, 林晓")
    window.panel.script.setCurrentIndex(window.panel.script.findData("traditional"))
    window.panel.cleanup.setChecked(True)
    options = window.options()
    assert options.vocabulary == ("Kubernetes", "林晓") and options.chinese_script == "traditional"
    assert options.prompt.endswith("Kubernetes, 林晓.")
    window.panel.vocabulary.setText("x, " * 400)
    window.start()
    assert not window._live and "vocabulary" in window.panel.status.text()
    window.panel.vocabulary.setText("Kubernetes, 林晓")
    window._remember_options()
    window.close()
    saved = load_settings(tmp_path / "config.toml")
    assert saved.dictation.vocabulary == "Kubernetes, 林晓" and saved.dictation.cleanup


def test_no_microphone_is_one_sentence(qtbot: QtBot, tmp_path: Path) -> None:
    def no_mic(on_samples: object, on_error: object) -> FakeMic:
        raise AudioError("no_input_device", "No microphone was found.")

    window = open_window(qtbot, tmp_path, mics=no_mic)  # type: ignore[arg-type]
    window.start()
    qtbot.waitUntil(lambda: "No microphone" in window.panel.status.text(), timeout=10_000)
    assert not window._live and window.panel.start_button.text().startswith("Start")


def test_audio_paths_keep_local_audio_only() -> None:
    urls = [QUrl.fromLocalFile("/x/a.WAV"), QUrl.fromLocalFile("/x/b.txt"), QUrl("https://e/c.mp3")]
    assert audio_paths(urls) == [Path("/x/a.WAV")]


def test_the_main_window_opens_dictation_and_takes_it_down_on_close(
    qtbot: QtBot, tmp_path: Path
) -> None:
    from voicebuddy.gui.launch import create_window

    paths = Paths(tmp_path / "config.toml", tmp_path / "cache", tmp_path / "data")
    loaders = EngineLoaders(
        chat=lambda s, p: FakeChat("Hi."),
        stt=lambda s, p: FakeSTT("Dictated."),
        tts=lambda v, r: FakeTTS(),
    )
    main = create_window(Settings(), paths, loaders, MicDevices(Mics(quiet(0.1))))  # type: ignore[arg-type]
    qtbot.addWidget(main)
    main.show()
    assert main.dictation_action.shortcut().toString() == "Ctrl+D"
    main.dictation_action.trigger()
    dictation = main.dictation_window
    assert dictation.isVisible()
    qtbot.waitUntil(lambda: dictation._ready, timeout=10_000)
    main.dictation_action.trigger()  # the same window again
    assert main.dictation_window is dictation
    main.close()
    assert not dictation.isVisible()
    assert main.runtime.state.name == "CLOSED"  # the engine thread has finished

"""Where the runtime gets its microphone and speaker; tests hand it fakes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from voicebuddy.audio.types import AudioSink, Samples
from voicebuddy.errors import AudioError


class InputStream(Protocol):
    """A microphone streaming until stopped (MicrophoneStream is one): push-to-talk keeps one
    open, hands-free listening and live dictation open their own."""

    def start(self) -> None: ...

    def stop(self) -> None: ...


SamplesCallback = Callable[[Samples, float], None]


class Devices(Protocol):
    def open_stream(
        self,
        name: str,
        on_samples: SamplesCallback,
        on_error: Callable[[AudioError], None],
        on_recovered: Callable[[], None],
    ) -> InputStream: ...

    def open_speaker(self, name: str) -> AudioSink: ...


class AudioDevices:
    """The real sound devices, by the name chosen in settings ("" for the default).

    `sound_device`: a stand-in for the `sounddevice` module behind the microphone streams (the
    bench plays recordings through one); None: the real one."""

    sound_device: Any = None

    def __init__(self, sound_device: Any = None) -> None:
        self.sound_device = sound_device

    def open_stream(
        self,
        name: str,
        on_samples: SamplesCallback,
        on_error: Callable[[AudioError], None],
        on_recovered: Callable[[], None],
    ) -> InputStream:
        """A microphone that keeps trying to come back after it failed."""
        from voicebuddy.audio.stream import MicrophoneStream

        return MicrophoneStream(
            on_samples,
            device=name or None,
            on_error=on_error,
            on_recovered=on_recovered,
            sound_device=self.sound_device,
        )

    def open_speaker(self, name: str) -> AudioSink:
        from voicebuddy.audio.playback import SpeakerSink

        return SpeakerSink(name or None)

"""Where the runtime gets its microphone and speaker; tests hand it fakes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from voicebuddy.audio.types import AudioSink, Samples
from voicebuddy.errors import AudioError


class PushToTalkMicrophone(Protocol):
    """Records between `start()` and `stop()` (MicrophoneRecorder is one)."""

    @property
    def error(self) -> AudioError | None: ...

    def start(self) -> None: ...

    def stop(self) -> Samples: ...

    def level(self) -> float: ...


class InputStream(Protocol):
    """A microphone streaming until stopped, for hands-free listening and live dictation
    (MicrophoneStream is one)."""

    def start(self) -> None: ...

    def stop(self) -> None: ...


SamplesCallback = Callable[[Samples, float], None]


class Devices(Protocol):
    def open_microphone(self, name: str) -> PushToTalkMicrophone: ...

    def open_stream(
        self,
        name: str,
        on_samples: SamplesCallback,
        on_error: Callable[[AudioError], None],
        on_recovered: Callable[[], None],
    ) -> InputStream: ...

    def open_speaker(self, name: str) -> AudioSink: ...


class AudioDevices:
    """The real sound devices, by the name chosen in settings ("" for the default)."""

    def open_microphone(self, name: str) -> PushToTalkMicrophone:
        from voicebuddy.audio.capture import MicrophoneRecorder
        from voicebuddy.audio.playback import list_input_devices

        if not list_input_devices():
            raise AudioError("no_input_device", "No microphone was found.")
        return MicrophoneRecorder(name or None)

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
            on_samples, device=name or None, on_error=on_error, on_recovered=on_recovered
        )

    def open_speaker(self, name: str) -> AudioSink:
        from voicebuddy.audio.playback import SpeakerSink

        return SpeakerSink(name or None)

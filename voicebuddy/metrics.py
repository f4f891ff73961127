"""What a turn's events say about speed: tokens per second and voice-to-voice latency."""

from __future__ import annotations

from dataclasses import dataclass

from voicebuddy.events import AudioStarted, Event, TokenGenerated, TurnEnded, TurnStarted


@dataclass
class TurnMeter:
    """Feed it every event of a turn (`observe`); read the figures when the turn has ended."""

    started_at: float = 0.0
    spoken_input: bool = False
    first_token_at: float | None = None
    last_token_at: float | None = None
    first_audio_at: float | None = None
    completion_tokens: int = 0

    def observe(self, event: Event) -> None:
        if isinstance(event, TurnStarted):
            self.started_at, self.spoken_input = event.at, event.audio_s > 0
            self.first_token_at = self.last_token_at = self.first_audio_at = None
            self.completion_tokens = 0
        elif isinstance(event, TokenGenerated):
            if self.first_token_at is None:
                self.first_token_at = event.at
            self.last_token_at = event.at
        elif isinstance(event, AudioStarted) and self.first_audio_at is None:
            self.first_audio_at = event.at
        elif isinstance(event, TurnEnded):
            self.completion_tokens = event.completion_tokens

    @property
    def tokens_per_s(self) -> float | None:
        """Generation speed: tokens after the first, over the time they took."""
        if self.first_token_at is None or self.last_token_at is None:
            return None
        seconds = self.last_token_at - self.first_token_at
        if self.completion_tokens < 2 or seconds <= 0:
            return None
        return (self.completion_tokens - 1) / seconds

    @property
    def voice_to_voice_ms(self) -> float | None:
        """From the end of the user's speech to the first sound of the reply."""
        if not self.spoken_input or self.first_audio_at is None:
            return None
        return (self.first_audio_at - self.started_at) * 1000

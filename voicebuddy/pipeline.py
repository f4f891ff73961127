"""One voice turn: audio -> transcript -> prompt -> streamed reply -> sentences -> speech.

Every stage reports through typed events (`voicebuddy.events`); the GUI, the CLI and the
benchmarks subscribe to the same bus.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from voicebuddy.audio.types import AudioSink, Samples
from voicebuddy.characters.assembly import assemble_prompt
from voicebuddy.characters.prompt import Message, Prompt
from voicebuddy.conversation import Conversation
from voicebuddy.engines.llm import ChatModel, Sampling
from voicebuddy.engines.stt import SpeechToText
from voicebuddy.engines.tts import TextToSpeech
from voicebuddy.errors import VoiceBuddyError
from voicebuddy.events import (
    AudioStarted,
    Listener,
    SentenceReady,
    TokenGenerated,
    TranscriptReady,
    TurnEnded,
    TurnEvent,
    TurnFailed,
    TurnStarted,
)
from voicebuddy.speech_out import PlaybackMonitor, Speaker, SpokenSoFar
from voicebuddy.text.chinese import has_han
from voicebuddy.text.prefix import SpeakerLabelFilter
from voicebuddy.text.sentences import SentenceSplitter
from voicebuddy.text.transcript import tidy_transcript


class EventBus:
    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def emit(self, event: TurnEvent) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            listener(event)


@dataclass(frozen=True)
class TurnTimings:
    """Milliseconds from the end of the user's speech (the turn's start)."""

    stt: float | None
    llm_first_token: float | None
    first_audio: float | None
    total: float


@dataclass(frozen=True)
class TurnResult:
    transcript: str
    reply: str
    language: str
    interrupted: bool
    timings: TurnTimings


@dataclass(frozen=True)
class PipelineOptions:
    sampling: Sampling = field(default_factory=Sampling)
    reply_reserve: int = 0  # tokens kept free for the reply; 0 means sampling.max_tokens
    first_clause_chars: int = 10  # speak the reply's first clause once it is this long
    chinese_script: str = "simplified"  # how a Chinese transcript is written for the model


class VoicePipeline:
    """Runs turns one at a time. `speech` is (tts, sink), or None for text-only replies."""

    def __init__(
        self,
        stt: SpeechToText | None,
        chat: ChatModel,
        speech: tuple[TextToSpeech, AudioSink] | None,
        options: PipelineOptions = PipelineOptions(),
        bus: EventBus | None = None,
    ) -> None:
        self.stt = stt
        self.chat = chat
        self.speech = speech
        self.options = options
        self.bus = bus or EventBus()
        self._turns = 0
        self._cancel = threading.Event()
        self._barged_in = False
        self._speaker: Speaker | None = None
        self.playback_monitor: PlaybackMonitor | None = None

    def cancel(self, *, barge_in: bool = False) -> None:
        """Stop generation and speech of the running turn at once (from any thread).

        With `barge_in` (the user started talking over the character) the stored reply is
        cut to what was heard; otherwise it keeps everything generated so far.
        """
        self._barged_in = barge_in
        self._cancel.set()
        if self._speaker is not None:
            self._speaker.stop()

    def prepare(self, conversation: Conversation) -> int:
        """Evaluate now the part of the next prompt that is already known (the character and
        the history), while the user is still talking: the reply then only has to read the
        user's words. Returns the tokens evaluated; 0 when the cache already holds them."""
        placeholder = Message("user", "…")
        prompt = self._assemble(conversation, [*conversation.messages, placeholder])
        user_index = max(i for i, m in enumerate(prompt.messages) if m is placeholder)
        return self.chat.prepare(prompt.messages, user_index)

    def _assemble(self, conversation: Conversation, history: list[Message]) -> Prompt:
        """The prompt for `history` (ending with a user message), leaving room for the reply."""
        reserve = self.options.reply_reserve or self.options.sampling.max_tokens
        return assemble_prompt(
            conversation.character.card,
            history,
            conversation.macros(turn=len(history)),
            self.chat.count_tokens,
            self.chat.context_size - reserve,
            keep_from=conversation.history_start,
        )

    def run_turn(
        self,
        conversation: Conversation,
        *,
        audio: Samples | None = None,
        text: str | None = None,
        language: str | None = None,
        speech_ended_at: float | None = None,
        transcript_filter: Callable[[str], str | None] | None = None,
    ) -> TurnResult:
        """One turn from the user's audio or typed `text`; with neither, a new reply to the
        user's last message (regenerate). Raises VoiceBuddyError on failure.

        `speech_ended_at` (time.monotonic()) is when the user stopped talking, if earlier than
        now: the turn's clock, and so the voice-to-voice latency, starts there.

        `transcript_filter` (hands-free wake phrase) gets the transcript of `audio` and returns
        the words to answer, or None when the user was not talking to the character: the turn
        then fails with "not_addressed" and nothing is stored.
        """
        self._turns += 1
        turn_id = self._turns
        self._cancel.clear()
        self._barged_in = False
        audio_s = 0.0 if audio is None else audio.size / 16000
        started = TurnStarted(
            turn_id=turn_id, audio_s=audio_s, at=speech_ended_at or time.monotonic()
        )
        self.bus.emit(started)
        try:
            return self._run(
                turn_id, started.at, conversation, audio, text, language, transcript_filter
            )
        except VoiceBuddyError as error:
            self.bus.emit(TurnFailed(turn_id=turn_id, code=error.code, message=error.message))
            raise
        except Exception as error:
            message = f"Unexpected error: {type(error).__name__}: {error}"
            self.bus.emit(TurnFailed(turn_id=turn_id, code="internal_error", message=message))
            raise

    def _run(
        self,
        turn_id: int,
        t0: float,
        conversation: Conversation,
        audio: Samples | None,
        text: str | None,
        language: str | None,
        transcript_filter: Callable[[str], str | None] | None,
    ) -> TurnResult:
        def ms(at: float | None) -> float | None:
            return None if at is None else (at - t0) * 1000

        stt_ms: float | None = None
        detected = ""
        regenerate = audio is None and text is None
        if regenerate:
            if not conversation.messages or conversation.messages[-1].role != "user":
                raise VoiceBuddyError(
                    "nothing_to_answer", "There is no message of yours to answer."
                )
            text = conversation.messages[-1].content
        elif audio is not None:
            if self.stt is None:
                raise VoiceBuddyError("no_stt", "No speech-to-text model is loaded.")
            transcription = self.stt.transcribe(audio, language)
            stt_ms = (time.monotonic() - t0) * 1000
            detected = transcription.language
            text = tidy_transcript(transcription.text, detected, self.options.chinese_script)
            self.bus.emit(
                TranscriptReady(turn_id=turn_id, text=text, language=detected, stt_ms=stt_ms)
            )
            if transcript_filter is not None and text.strip():
                addressed = transcript_filter(text)
                if addressed is None:
                    raise VoiceBuddyError(
                        "not_addressed",
                        f"Not answered: “{text.strip()}” did not start with the wake phrase.",
                    )
                text = addressed
        text = (text or "").strip()
        if not text:
            raise VoiceBuddyError("no_speech", "No speech was recognised; nothing to answer.")

        history = (
            conversation.messages if regenerate else [*conversation.messages, Message("user", text)]
        )
        sampling = self.options.sampling
        prompt = self._assemble(conversation, history)
        conversation.history_start = prompt.dropped
        if not regenerate:
            conversation.append("user", text)

        first_token_at: float | None = None
        first_audio_at: list[float] = []
        speaker = None
        if self.speech is not None:
            tts, sink = self.speech

            def on_audio_start(index: int) -> None:
                event = AudioStarted(turn_id=turn_id, sentence_index=index)
                if not first_audio_at:
                    first_audio_at.append(event.at)
                self.bus.emit(event)

            def on_speech_error(error: VoiceBuddyError) -> None:
                self.bus.emit(TurnFailed(turn_id=turn_id, code=error.code, message=error.message))

            speaker = self._speaker = Speaker(
                tts, sink, on_audio_start, on_speech_error, self.playback_monitor
            )

        splitter = SentenceSplitter(first_clause_chars=self.options.first_clause_chars)
        reply_parts: list[str] = []
        sentences: list[str] = []
        sentence_index = 0

        def hand_on(new: list[str]) -> None:
            nonlocal sentence_index
            for sentence in new:
                sentences.append(sentence)
                self.bus.emit(SentenceReady(turn_id=turn_id, index=sentence_index, text=sentence))
                if speaker is not None:
                    speaker.say(sentence_index, sentence)
                sentence_index += 1

        def take(piece: str) -> None:
            if piece:
                reply_parts.append(piece)
                self.bus.emit(TokenGenerated(turn_id=turn_id, text=piece))
                hand_on(splitter.feed(piece))

        label = SpeakerLabelFilter(conversation.character.display_name)
        stops = [f"\n{conversation.user_name}:", f"\n{conversation.user_name.upper()}:"]
        try:
            for piece in self.chat.stream_reply(prompt.messages, sampling, stops, self._cancel):
                if first_token_at is None:
                    first_token_at = time.monotonic()
                take(label.feed(piece))
            take(label.flush())
            if not self._cancel.is_set():
                hand_on(splitter.flush())
        finally:
            if speaker is not None:
                speaker.finish()
                speaker.wait()
                self._speaker = None

        reply = "".join(reply_parts).strip()
        interrupted = self._cancel.is_set()
        if interrupted and self._barged_in and speaker is not None:
            reply = heard_part(sentences, speaker.spoken_so_far())
        if reply:
            conversation.append("assistant", reply, interrupted)
        stats = self.chat.last_stats
        ended = TurnEnded(
            turn_id=turn_id,
            transcript=text,
            reply=reply,
            interrupted=interrupted,
            prompt_tokens=stats.prompt_tokens,
            completion_tokens=stats.completion_tokens,
        )
        self.bus.emit(ended)
        timings = TurnTimings(
            stt=stt_ms,
            llm_first_token=ms(first_token_at),
            first_audio=ms(first_audio_at[0] if first_audio_at else None),
            total=(ended.at - t0) * 1000,
        )
        return TurnResult(text, reply, detected, interrupted, timings)


def heard_part(sentences: list[str], spoken: SpokenSoFar) -> str:
    """The reply as far as the user heard it: whole sentences, then the share of the
    interrupted one that had played (by time), ending in "…"."""
    heard = [s.strip() for s in sentences[: spoken.index]]
    if spoken.index < len(sentences) and spoken.fraction > 0:
        sentence = sentences[spoken.index].strip()
        words = sentence.split()
        unspaced = len(words) <= 1  # Chinese, Japanese: cut by characters
        units = list(sentence) if unspaced else words
        count = round(len(units) * spoken.fraction)
        if count >= len(units):
            heard.append(sentence)
        elif count > 0:
            cut = ("" if unspaced else " ").join(units[:count])
            heard.append(cut.rstrip(" ,，、;；:：—-") + "…")
    return "".join(
        part if i == 0 or has_han(heard[i - 1] + part) else " " + part
        for i, part in enumerate(heard)
    ).strip()


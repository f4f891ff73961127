"""One voice turn: audio -> transcript -> prompt -> streamed reply -> sentences -> speech.

Every stage reports through typed events (`voicebuddy.events`) handed to `emit`; the runtime
(`voicebuddy.runtime`) runs turns one at a time on its engine thread and relays the events.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from voicebuddy.audio.types import AudioSink, Samples
from voicebuddy.audio.vad import SpeechSpan
from voicebuddy.characters.assembly import assemble_prompt
from voicebuddy.conversation import Conversation
from voicebuddy.engines.llm import ChatModel, Sampling
from voicebuddy.engines.stt import SpeechToText, transcribe_with
from voicebuddy.engines.transcription import Transcription
from voicebuddy.engines.tts import TextToSpeech
from voicebuddy.errors import VoiceBuddyError
from voicebuddy.events import (
    AudioStarted,
    Event,
    Failed,
    Notice,
    SentenceReady,
    ThoughtGenerated,
    TokenGenerated,
    TranscriptReady,
    TurnEnded,
    TurnSource,
    TurnStarted,
    TurnTimings,
)
from voicebuddy.messages import Message, Prompt
from voicebuddy.speech_out import PlaybackMonitor, Speaker, SpokenSoFar
from voicebuddy.text.chinese import has_han
from voicebuddy.text.prefix import SpeakerLabelFilter
from voicebuddy.text.sentences import SentenceSplitter
from voicebuddy.text.thinking import Split, ThinkingSplitter
from voicebuddy.text.transcript import tidy_transcript


# ----- what a turn answers
@dataclass(frozen=True)
class Audio:
    """Recorded speech, 16 kHz mono. `speech_ended_at` (time.monotonic()) is when the user
    stopped talking, if earlier than the turn's start: the turn's clock starts there."""

    samples: Samples
    speech_ended_at: float | None = None
    hands_free: bool = False  # cut by the voice detector, not by a key
    speech: SpeechSpan | None = None  # where the detector heard speech, when it listened
    transcription: Transcription | None = None  # already made, while the user paused
    while_talking: HeardWhileTalking | None = None  # transcribed while the key was held


class HeardWhileTalking(Protocol):
    """A recording transcribed while it was made (`engines.live_transcript.WhileTalking`)."""

    def transcription(
        self,
        stt: SpeechToText,
        samples: Samples,
        language: str | None,
        speech: SpeechSpan | None,
    ) -> Transcription: ...


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Regenerate:
    """A new reply to the user's last message."""


TurnInput = Audio | Text | Regenerate


class CancelToken:
    """Stops one turn, from any thread, whether it has started yet or not.

    Made when the turn is accepted, so a stop or a barge-in that arrives before the turn begins
    is not lost. `barge_in` (the user talked over the character) keeps only the part of the
    reply that was heard; the user's stop keeps everything generated so far."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.barge_in = False
        self._hooks: list[Callable[[], None]] = []
        self._lock = threading.Lock()

    def cancel(self, *, barge_in: bool = False) -> None:
        with self._lock:
            if self.event.is_set():
                return
            self.barge_in = barge_in
            self.event.set()
            hooks, self._hooks = self._hooks, []
        for hook in hooks:
            hook()

    def is_set(self) -> bool:
        return self.event.is_set()

    def on_cancel(self, hook: Callable[[], None]) -> None:
        """Call `hook` when cancelled (at once when it already is)."""
        with self._lock:
            if not self.event.is_set():
                self._hooks.append(hook)
                return
        hook()


@dataclass(frozen=True)
class TurnRequest:
    turn_id: int
    input: TurnInput
    cancel: CancelToken = field(default_factory=CancelToken)
    # With the hands-free wake phrase: gets the transcript and returns the words to answer,
    # or None when the user was not talking to the character (the turn then fails with
    # "not_addressed" and nothing is stored).
    transcript_filter: Callable[[str], str | None] | None = None

    @property
    def source(self) -> TurnSource:
        if isinstance(self.input, Audio):
            return "audio"
        return "text" if isinstance(self.input, Text) else "regenerate"


@dataclass(frozen=True)
class PipelineOptions:
    sampling: Sampling = field(default_factory=Sampling)
    reply_reserve: int = 0  # tokens kept free for the reply; 0 means sampling.max_tokens
    first_clause_chars: int = 10  # speak the reply's first clause once it is this long
    first_clip_wait_s: float = 2.0  # the model waits at most this long for the first clip
    # ... or, failing a comma, at a phrase boundary within this many words: a neural voice
    # takes about 90 ms per second of speech, so a short first piece is heard sooner.
    first_phrase_words: int = 5
    chinese_script: str = "simplified"  # how a Chinese transcript is written for the model
    memory_budget: int = 200  # tokens for what the character recalls (see `recall`)
    summary_budget: int = 150  # tokens for what stands for dropped history (see `summarize`)
    language: str | None = None  # whisper's language; None: the engine's own


class VoicePipeline:
    """Runs one turn with the engines it is given. `speech` is (tts, sink), or None for
    text-only replies."""

    def __init__(
        self,
        stt: SpeechToText | None,
        chat: ChatModel,
        speech: tuple[TextToSpeech, AudioSink] | None,
        options: PipelineOptions = PipelineOptions(),
        emit: Callable[[Event], None] = lambda _event: None,
        playback_monitor: PlaybackMonitor | None = None,
        recall: Callable[[Sequence[Message]], Sequence[str]] | None = None,
        summarize: Callable[[Sequence[Message]], Sequence[str]] | None = None,
    ) -> None:
        """`recall(history)`: the long-term memories for a prompt whose history ends with
        the user's newest message, best first; `summarize(dropped)`: what stands in the
        prompt for the history it no longer holds (voicebuddy/memory)."""
        self.stt = stt
        self.chat = chat
        self.speech = speech
        self.options = options
        self.emit = emit
        self.playback_monitor = playback_monitor
        self.recall = recall
        self.summarize = summarize

    def prepare(self, conversation: Conversation) -> int:
        """Evaluate now the part of the next prompt that is already known (the character and
        the history), while the user is still talking: the reply then only has to read the
        user's words. Returns the tokens evaluated; 0 when the cache already holds them."""
        placeholder = Message("user", "…")
        history = list(conversation.messages)
        if conversation.awaiting_reply:  # the next words are joined to that message
            history.pop()
        history.append(placeholder)
        prompt = self._assemble(conversation, history)
        user_index = max(i for i, m in enumerate(prompt.messages) if m is placeholder)
        return self.chat.prepare(prompt.messages, user_index)

    def words_end(self, conversation: Conversation, text: str) -> float:
        """How likely the chat model finds it that the user's message ends with `text`
        (see `ChatModel.ending_probability`); the prompt for these words is evaluated on
        the way, so a reply to them starts sooner."""
        history = conversation.with_user_words(text)
        words = history[-1]
        prompt = self._assemble(conversation, history)
        user_index = max(i for i, m in enumerate(prompt.messages) if m is words)
        return self.chat.ending_probability(prompt.messages, user_index)

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
            memories=self.recall(history) if self.recall is not None else (),
            memory_budget=self.options.memory_budget,
            summarize=self.summarize,
            summary_budget=self.options.summary_budget,
        )

    def run_turn(self, conversation: Conversation, request: TurnRequest) -> TurnEnded:
        """One turn; returns its TurnEnded event (also emitted). Raises VoiceBuddyError on
        failure, after emitting Failed: every turn emits exactly one of the two.

        A turn cancelled before its reply began still keeps the user's words (transcribed,
        stored) and ends interrupted without a reply."""
        audio = request.input if isinstance(request.input, Audio) else None
        audio_s = 0.0 if audio is None else audio.samples.size / 16000
        started = TurnStarted(
            turn_id=request.turn_id,
            source=request.source,
            audio_s=audio_s,
            at=(audio.speech_ended_at if audio else None) or time.monotonic(),
        )
        self.emit(started)
        try:
            return self._run(started.at, conversation, request)
        except VoiceBuddyError as error:
            self.emit(Failed(turn_id=request.turn_id, code=error.code, message=error.message))
            raise
        except Exception as error:
            message = f"Unexpected error: {type(error).__name__}: {error}"
            self.emit(Failed(turn_id=request.turn_id, code="internal_error", message=message))
            raise

    def _user_words(self, t0: float, request: TurnRequest) -> tuple[str, str, float | None]:
        """The words to answer, the language heard and the transcription's time in ms."""
        turn_input = request.input
        if isinstance(turn_input, Text):
            return turn_input.text.strip(), "", None
        assert isinstance(turn_input, Audio)
        if self.stt is None:
            raise VoiceBuddyError("no_stt", "No speech-to-text model is loaded.")
        transcription = turn_input.transcription
        if transcription is None and turn_input.while_talking is not None:
            transcription = turn_input.while_talking.transcription(
                self.stt, turn_input.samples, self.options.language, turn_input.speech
            )
        if transcription is None:
            transcription = transcribe_with(
                self.stt, turn_input.samples, self.options.language, speech=turn_input.speech
            )
        stt_ms = (time.monotonic() - t0) * 1000
        detected = transcription.language
        text = tidy_transcript(transcription.text, detected, self.options.chinese_script)
        self.emit(
            TranscriptReady(
                turn_id=request.turn_id,
                text=text,
                language=detected,
                stt_ms=stt_ms,
                loops_caught=transcription.loops_caught,
            )
        )
        if request.transcript_filter is not None and text.strip():
            addressed = request.transcript_filter(text)
            if addressed is None:
                raise VoiceBuddyError(
                    "not_addressed",
                    f"Not answered: “{text.strip()}” did not start with the wake phrase.",
                )
            text = addressed
        return text.strip(), detected, stt_ms

    def _run(self, t0: float, conversation: Conversation, request: TurnRequest) -> TurnEnded:
        turn_id, cancel = request.turn_id, request.cancel
        regenerate = isinstance(request.input, Regenerate)
        detected, stt_ms = "", None
        if regenerate:
            if not conversation.awaiting_reply:
                raise VoiceBuddyError(
                    "nothing_to_answer", "There is no message of yours to answer."
                )
            text = conversation.messages[-1].content
        else:
            text, detected, stt_ms = self._user_words(t0, request)
            if not text:
                raise VoiceBuddyError("no_speech", "No speech was recognised; nothing to answer.")
        if not regenerate and cancel.is_set():  # stopped before the reply began
            stored = conversation.add_user_words(text)  # the words are kept, with no reply
            return self._ended(t0, request, text, stored.content, "", detected, stt_ms)
        history = conversation.messages if regenerate else conversation.with_user_words(text)
        prompt = self._assemble(conversation, history)
        conversation.history_start = prompt.dropped
        user_text = history[-1].content
        if not regenerate:
            conversation.add_user_words(text)
        if cancel.is_set():
            return self._ended(t0, request, text, user_text, "", detected, stt_ms)
        reply, first_token_at, first_audio_at = self._reply(turn_id, conversation, prompt, cancel)
        if reply:
            conversation.append("assistant", reply, cancel.is_set())
        stats = self.chat.last_stats
        return self._ended(
            t0,
            request,
            text,
            user_text,
            reply,
            detected,
            stt_ms,
            first_token_at,
            first_audio_at,
            (stats.prompt_tokens, stats.completion_tokens),
        )

    def _reply(
        self, turn_id: int, conversation: Conversation, prompt: Prompt, cancel: CancelToken
    ) -> tuple[str, float | None, float | None]:
        """Generate and speak the reply; returns it (cut to what was heard after a barge-in),
        with the times of the first token and the first audio."""
        first_token_at: float | None = None
        first_audio_at: list[float] = []
        speaker = None
        if self.speech is not None:
            tts, sink = self.speech

            def on_audio_start(index: int) -> None:
                event = AudioStarted(turn_id=turn_id, sentence_index=index)
                if not first_audio_at:
                    first_audio_at.append(event.at)
                self.emit(event)

            def on_speech_error(error: VoiceBuddyError) -> None:
                self.emit(
                    Notice(turn_id=turn_id, code=error.code, message=error.message, topic="speaker")
                )

            speaker = Speaker(tts, sink, on_audio_start, on_speech_error, self.playback_monitor)
            cancel.on_cancel(speaker.stop)

        splitter = SentenceSplitter(
            first_clause_chars=self.options.first_clause_chars,
            first_phrase_words=self.options.first_phrase_words,
        )
        reply_parts: list[str] = []
        sentences: list[str] = []

        waited_for_first_clip = False

        def hand_on(new: list[str]) -> None:
            nonlocal waited_for_first_clip
            for sentence in new:
                index = len(sentences)
                sentences.append(sentence)
                self.emit(SentenceReady(turn_id=turn_id, index=index, text=sentence))
                spoken = speaker is not None and speaker.say(index, sentence)
                if speaker is not None and spoken and not waited_for_first_clip:
                    waited_for_first_clip = True
                    speaker.wait_first_clip(self.options.first_clip_wait_s)

        def take(piece: str) -> None:
            if piece:
                reply_parts.append(piece)
                self.emit(TokenGenerated(turn_id=turn_id, text=piece))
                hand_on(splitter.feed(piece))

        label = SpeakerLabelFilter(conversation.character.display_name)
        thoughts = ThinkingSplitter()

        def split(part: Split) -> None:
            nonlocal first_token_at
            if part.thought:
                self.emit(ThoughtGenerated(turn_id=turn_id, text=part.thought))
            if part.answer and first_token_at is None:
                first_token_at = time.monotonic()  # the answer's: thoughts are not heard
            take(label.feed(part.answer))

        stops = [f"\n{conversation.user_name}:", f"\n{conversation.user_name.upper()}:"]
        sampling = self.options.sampling
        try:
            for piece in self.chat.stream_reply(prompt.messages, sampling, stops, cancel.event):
                split(thoughts.feed(piece))
            split(thoughts.flush())
            take(label.flush())
            if not cancel.is_set():
                hand_on(splitter.flush())
        finally:
            if speaker is not None:
                speaker.finish()
                speaker.wait()

        reply = "".join(reply_parts).strip()
        if cancel.is_set() and cancel.barge_in and speaker is not None:
            reply = heard_part(sentences, speaker.spoken_so_far())
        return reply, first_token_at, (first_audio_at[0] if first_audio_at else None)

    def _ended(
        self,
        t0: float,
        request: TurnRequest,
        transcript: str,
        user_text: str,
        reply: str,
        language: str,
        stt_ms: float | None,
        first_token_at: float | None = None,
        first_audio_at: float | None = None,
        tokens: tuple[int, int] = (0, 0),
    ) -> TurnEnded:
        def ms(at: float | None) -> float | None:
            return None if at is None else (at - t0) * 1000

        now = time.monotonic()
        ended = TurnEnded(
            turn_id=request.turn_id,
            at=now,
            transcript=transcript,
            reply=reply,
            language=language,
            interrupted=request.cancel.is_set(),
            prompt_tokens=tokens[0],
            completion_tokens=tokens[1],
            timings=TurnTimings(
                stt=stt_ms,
                llm_first_token=ms(first_token_at),
                first_audio=ms(first_audio_at),
                total=(now - t0) * 1000,
            ),
            user_text=user_text,
        )
        self.emit(ended)
        return ended


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

"""The voice turn with fake engines: events, sentences spoken while generating, failures,
stops and barge-ins."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from voicebuddy.audio.playback import CollectingSink
from voicebuddy.characters.card import CharacterCard
from voicebuddy.characters.character import Character
from voicebuddy.conversation import Conversation
from voicebuddy.engines.fakes import FakeChat, FakeSTT, FakeTTS
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
    TurnStarted,
)
from voicebuddy.messages import Message
from voicebuddy.pipeline import (
    Audio,
    CancelToken,
    Regenerate,
    Text,
    TurnInput,
    TurnRequest,
    VoicePipeline,
    heard_part,
)
from voicebuddy.speech_out import SpokenSoFar, speakable

CHARACTER = Character(
    CharacterCard(
        name="Mira", first_mes="Hi {{user}}, I'm {{char}}.", system_prompt="You are {{char}}."
    )
)
SPEECH = (0.3 * np.sin(np.arange(16000, dtype=np.float32) / 5)).astype(np.float32)


def make(chat: FakeChat | None = None, realtime: bool = False):  # type: ignore[no-untyped-def]
    events: list[Event] = []
    sink = CollectingSink(realtime=realtime)
    tts = FakeTTS()
    pipeline = VoicePipeline(
        FakeSTT("what is new?"), chat or FakeChat(), (tts, sink), emit=events.append
    )
    return pipeline, events, sink, tts


def turn(
    pipeline: VoicePipeline,
    conversation: Conversation,
    turn_input: TurnInput,
    cancel: CancelToken | None = None,
) -> TurnEnded:
    return pipeline.run_turn(conversation, TurnRequest(1, turn_input, cancel or CancelToken()))


def test_a_turn_emits_every_stage_in_order_and_speaks_each_sentence() -> None:
    pipeline, events, sink, tts = make()
    conversation = Conversation.start(CHARACTER, "Ann")
    result = turn(pipeline, conversation, Audio(SPEECH))

    kinds = [type(e) for e in events]
    assert kinds[0] is TurnStarted and kinds[1] is TranscriptReady and kinds[-1] is TurnEnded
    assert all(e.turn_id == 1 for e in events)
    assert [e.at for e in events] == sorted(e.at for e in events)
    assert "".join(e.text for e in events if isinstance(e, TokenGenerated)) == FakeChat().reply
    sentences = [e.text for e in events if isinstance(e, SentenceReady)]
    assert sentences == ["Hello!", "How are you today?", "我很好。"]
    assert tts.calls == sentences and len(sink.clips) == 3
    assert [e.sentence_index for e in events if isinstance(e, AudioStarted)] == [0, 1, 2]

    assert result.transcript == "what is new?" and result.reply == FakeChat().reply
    t = result.timings
    assert t.stt is not None and t.llm_first_token is not None and t.first_audio is not None
    assert 0 <= t.stt <= t.llm_first_token <= t.first_audio <= t.total
    assert [m.role for m in conversation.messages] == ["assistant", "user", "assistant"]
    assert conversation.messages[0].content == "Hi Ann, I'm Mira."


def test_the_first_sentence_is_spoken_before_generation_ends() -> None:
    chat = FakeChat("One. Two. Three. Four. Five. Six.", piece_chars=2, delay_s=0.01)
    pipeline, events, _, _ = make(chat)
    turn(pipeline, Conversation.start(CHARACTER, "Ann"), Audio(SPEECH))
    first_audio = next(i for i, e in enumerate(events) if isinstance(e, AudioStarted))
    last_token = max(i for i, e in enumerate(events) if isinstance(e, TokenGenerated))
    assert first_audio < last_token


def test_the_prompt_holds_the_character_the_greeting_and_the_transcript() -> None:
    chat = FakeChat()
    pipeline, _, _, _ = make(chat)
    turn(pipeline, Conversation.start(CHARACTER, "Ann"), Audio(SPEECH))
    (prompt,) = chat.prompts
    assert [m.role for m in prompt] == ["system", "assistant", "user"]
    assert prompt[0].content.startswith("You are Mira.")
    assert prompt[2].content == "what is new?"


def test_silence_is_a_clear_failure_and_changes_nothing() -> None:
    pipeline, events, sink, _ = make()
    conversation = Conversation.start(CHARACTER, "Ann")
    with pytest.raises(VoiceBuddyError) as info:
        turn(pipeline, conversation, Audio(np.zeros(16000, dtype=np.float32)))
    assert info.value.code == "no_speech"
    failed = [e for e in events if isinstance(e, Failed)]
    assert [f.code for f in failed] == ["no_speech"] and failed[0].message
    assert len(conversation.messages) == 1 and not sink.clips


def test_cancel_stops_generation_and_speech() -> None:
    chat = FakeChat("First sentence here. " * 30, piece_chars=4, delay_s=0.002)
    pipeline, events, sink, _ = make(chat, realtime=True)
    cancel = CancelToken()

    def cancel_on_first_audio(event: Event) -> None:
        events.append(event)
        if isinstance(event, AudioStarted):
            cancel.cancel()

    pipeline.emit = cancel_on_first_audio
    conversation = Conversation.start(CHARACTER, "Ann")
    result = turn(pipeline, conversation, Text("talk a lot"), cancel)
    assert result.interrupted
    assert len(result.reply) < len(chat.reply.strip())
    assert len(sink.clips) == 1 and sink.interrupted == sink.clips
    assert isinstance(events[-1], TurnEnded) and events[-1].interrupted


def test_actions_between_asterisks_are_shown_but_not_spoken() -> None:
    pipeline, _, _, tts = make(FakeChat("*waves happily* Hi there! *grins*"))
    result = turn(pipeline, Conversation.start(CHARACTER, "Ann"), Text("hello"))
    assert result.reply == "*waves happily* Hi there! *grins*"
    assert tts.calls == ["Hi there!"]
    assert speakable("**Bold** move, `code` #1") == "Bold move, code 1"
    assert speakable("*sighs*") == ""


def test_a_thinking_models_thoughts_are_shown_apart_never_spoken_or_stored() -> None:
    thinking = "<think>\nThe user greets me. I should greet back, briefly.\n</think>\n\n"
    chat = FakeChat(thinking + "Hi there! Good to see you.", piece_chars=4, delay_s=0.002)
    pipeline, events, _, tts = make(chat)
    conversation = Conversation.start(CHARACTER, "Ann")
    result = turn(pipeline, conversation, Text("hello"))
    assert result.reply == "Hi there! Good to see you."
    assert conversation.messages[-1] == Message("assistant", "Hi there! Good to see you.")
    assert tts.calls == ["Hi there!", "Good to see you."]
    thought = "".join(e.text for e in events if isinstance(e, ThoughtGenerated))
    assert thought.strip() == "The user greets me. I should greet back, briefly."
    assert "".join(e.text for e in events if isinstance(e, TokenGenerated)) == result.reply
    # the first token is the answer's: after every thought
    last_thought = max(e.at for e in events if isinstance(e, ThoughtGenerated))
    first_answer = min(e.at for e in events if isinstance(e, TokenGenerated))
    assert result.timings.llm_first_token is not None
    assert result.timings.llm_first_token >= (last_thought - events[0].at) * 1000
    assert first_answer >= last_thought


def test_a_speech_failure_is_reported_and_the_text_reply_survives() -> None:
    pipeline, events, _, tts = make()
    tts.error = VoiceBuddyError("tts_failed", "The speech engine failed.")
    result = turn(pipeline, Conversation.start(CHARACTER, "Ann"), Text("hi"))
    assert result.reply == FakeChat().reply
    assert any(isinstance(e, Notice) and e.code == "tts_failed" for e in events)
    assert isinstance(events[-1], TurnEnded)


def test_typed_turns_need_no_speech_model_and_no_speaker() -> None:
    pipeline = VoicePipeline(None, FakeChat("Sure."), None)
    conversation = Conversation.start(CHARACTER, "Ann")
    result = turn(pipeline, conversation, Text("  hi  "))
    assert (result.transcript, result.reply, result.timings.first_audio) == ("hi", "Sure.", None)
    with pytest.raises(VoiceBuddyError) as info:
        turn(pipeline, conversation, Audio(SPEECH))
    assert info.value.code == "no_stt"


def test_history_grows_and_is_fitted_into_a_small_context() -> None:
    chat = FakeChat("A fine answer with several words in it.", context_size=400)
    pipeline, _, _, _ = make(chat)
    conversation = Conversation.start(CHARACTER, "Ann")
    for i in range(40):
        turn(pipeline, conversation, Text(f"question number {i} with a few words"))
    assert len(conversation.messages) == 81
    last = chat.prompts[-1]
    assert chat.count_tokens(last) <= 400 - 160
    assert last[0].role == "system" and last[-1].content == "question number 39 with a few words"


def test_a_leading_speaker_label_is_neither_shown_nor_spoken() -> None:
    pipeline, events, _, tts = make(FakeChat("Mira: Nice to see you.", piece_chars=2))
    result = turn(pipeline, Conversation.start(CHARACTER, "Ann"), Text("hello"))
    assert result.reply == "Nice to see you."
    assert "".join(e.text for e in events if isinstance(e, TokenGenerated)) == "Nice to see you."
    assert tts.calls == ["Nice to see you."]


def test_regenerate_answers_the_last_user_message_again() -> None:
    chat = FakeChat("Another answer.")
    pipeline, _, _, _ = make(chat)
    conversation = Conversation.start(CHARACTER, "Ann")
    turn(pipeline, conversation, Text("tell me something"))
    conversation.drop_last_reply()  # as the runtime does before it regenerates
    result = turn(pipeline, conversation, Regenerate())
    assert result.transcript == "tell me something" and result.reply == "Another answer."
    assert [m.role for m in conversation.messages] == ["assistant", "user", "assistant"]
    assert [m.content for m in chat.prompts[1]][-1] == "tell me something"
    with pytest.raises(VoiceBuddyError) as info:
        turn(pipeline, conversation, Regenerate())  # the last message is the character's
    assert info.value.code == "nothing_to_answer"


def test_each_final_message_is_recorded_as_soon_as_it_is_final() -> None:
    recorded: list[tuple[str, str, bool]] = []
    pipeline, events, _, _ = make(FakeChat("Fine, thanks.", delay_s=0.001))
    conversation = Conversation.start(CHARACTER, "Ann")

    class Log:
        def added(self, message: Message) -> Message:
            recorded.append(
                (message.role, message.content, any(isinstance(e, TokenGenerated) for e in events))
            )
            return message

        def changed(self, message: Message) -> None: ...

        def removed(self, message: Message) -> None: ...

    conversation.log = Log()
    turn(pipeline, conversation, Audio(SPEECH))
    # the user's words are saved before the reply starts, the reply once it is complete
    assert recorded == [("user", "what is new?", False), ("assistant", "Fine, thanks.", True)]


def test_prepare_reads_the_known_part_of_the_next_prompt() -> None:
    chat = FakeChat("Fine.")
    pipeline, _, _, _ = make(chat)
    conversation = Conversation.start(CHARACTER, "Ann")
    pipeline.prepare(conversation)
    (prefix,) = chat.prepared
    assert [m.role for m in prefix] == ["system", "assistant"]  # the character and the greeting
    turn(pipeline, conversation, Text("hello"))
    assert chat.prompts[0][: len(prefix)] == prefix  # the turn's prompt starts with it


def test_a_turn_stopped_before_it_began_keeps_the_words_and_gives_no_reply() -> None:
    chat = FakeChat("Never said.")
    pipeline, events, sink, _ = make(chat)
    conversation = Conversation.start(CHARACTER, "Ann")
    cancel = CancelToken()
    cancel.cancel(barge_in=True)
    ended = turn(pipeline, conversation, Audio(SPEECH), cancel)
    assert ended.interrupted and ended.reply == "" and not chat.prompts and not sink.clips
    assert [(m.role, m.content) for m in conversation.messages[1:]] == [("user", "what is new?")]
    assert [type(e) for e in events] == [TurnStarted, TranscriptReady, TurnEnded]
    # what the user says next is joined to those words, and both are answered
    ended = turn(pipeline, conversation, Text("And one more thing."))
    assert ended.user_text == "what is new? And one more thing."
    assert [m.role for m in conversation.messages] == ["assistant", "user", "assistant"]
    assert chat.prompts[0][-1].content == "what is new? And one more thing."


def test_full_duplex_barge_in_through_the_pipeline_cuts_the_stored_reply() -> None:
    """A fake turn whose reply plays in real time; barge in while sentence 2 is playing."""
    card = CharacterCard(name="Rowan", first_mes="Hi.")
    character = Character(card)
    conversation = Conversation.start(character, "Ann")
    reply = "One two three. Four five six seven eight nine ten eleven. Twelve thirteen."
    events: list[Event] = []
    pipeline = VoicePipeline(
        None,
        FakeChat(reply),
        (FakeTTS(seconds_per_char=0.02), CollectingSink(realtime=True)),
        emit=events.append,
    )
    started = lambda: [e for e in events if isinstance(e, AudioStarted)]  # noqa: E731
    cancel = CancelToken()

    def barge_in_during_second_sentence() -> None:
        while not any(e.sentence_index == 1 for e in started()):
            time.sleep(0.005)
        time.sleep(0.2)
        cancel.cancel(barge_in=True)

    helper = threading.Thread(target=barge_in_during_second_sentence)
    helper.start()
    result = turn(pipeline, conversation, Text("Count for me."), cancel)
    helper.join()
    assert result.interrupted
    stored = conversation.messages[-1]
    assert stored.role == "assistant" and stored.interrupted
    assert stored.content.startswith("One two three. Four")
    assert stored.content.endswith("…") and "Twelve" not in stored.content
    assert result.reply == stored.content


def test_heard_part_cuts_words_and_chinese_characters() -> None:
    sentences = ["Hello there.", "*waves* How are you doing today?", "Bye."]
    assert heard_part(sentences, SpokenSoFar(1, 0.5)) == "Hello there. *waves* How are…"
    assert heard_part(sentences, SpokenSoFar(3, 0.0)) == " ".join(sentences)
    assert heard_part(sentences, SpokenSoFar(0, 0.0)) == ""
    assert heard_part(["你好。", "今天天气很好，我们去公园吧。"], SpokenSoFar(1, 0.5)) == (
        "你好。今天天气很好…"
    )


def test_the_model_waits_while_the_first_clip_is_synthesized() -> None:
    """On few cores the model's threads would slow the one clip the user waits for: the next
    piece is asked for only once that clip is ready (the model is far ahead of speech)."""
    moments: list[tuple[str, float]] = []

    class Recording(FakeChat):
        def stream_reply(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            for piece in super().stream_reply(*args, **kwargs):
                moments.append(("piece", time.monotonic()))
                yield piece

    class SlowTTS(FakeTTS):
        def synthesize(self, text: str):  # type: ignore[no-untyped-def]
            time.sleep(0.2)
            clip = super().synthesize(text)
            moments.append((f"clip {text}", time.monotonic()))
            return clip

    sink = CollectingSink()
    chat = Recording("*nods* Hello! How are you today? Fine.", piece_chars=4)
    pipeline = VoicePipeline(FakeSTT("hi"), chat, (SlowTTS(), sink), emit=lambda e: None)
    turn(pipeline, Conversation.start(CHARACTER, "Ann"), Text("hi"))
    first_clip = next(at for what, at in moments if what == "clip Hello!")
    # "*nods*" is not spoken, so the wait is for "Hello!"; "How are you today?" comes after
    pieces_after = [at for what, at in moments if what == "piece" and at > first_clip]
    pieces_before = [at for what, at in moments if what == "piece" and at <= first_clip]
    assert len(pieces_before) == 4  # "*nod", "s* H", "ello", "! Ho": then "Hello!" is done
    assert pieces_after and len(sink.clips) == 3

"""The voice turn with fake engines: events, sentences spoken while generating, failures."""

from __future__ import annotations

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
    SentenceReady,
    TokenGenerated,
    TranscriptReady,
    TurnEnded,
    TurnEvent,
    TurnFailed,
    TurnStarted,
)
from voicebuddy.pipeline import EventBus, VoicePipeline
from voicebuddy.speech_out import speakable

CHARACTER = Character(
    CharacterCard(
        name="Mira", first_mes="Hi {{user}}, I'm {{char}}.", system_prompt="You are {{char}}."
    )
)
SPEECH = (0.3 * np.sin(np.arange(16000, dtype=np.float32) / 5)).astype(np.float32)


def make(chat: FakeChat | None = None, realtime: bool = False):  # type: ignore[no-untyped-def]
    bus = EventBus()
    events: list[TurnEvent] = []
    bus.subscribe(events.append)
    sink = CollectingSink(realtime=realtime)
    tts = FakeTTS()
    pipeline = VoicePipeline(FakeSTT("what is new?"), chat or FakeChat(), (tts, sink), bus=bus)
    return pipeline, events, sink, tts


def test_a_turn_emits_every_stage_in_order_and_speaks_each_sentence() -> None:
    pipeline, events, sink, tts = make()
    conversation = Conversation.start(CHARACTER, "Ann")
    result = pipeline.run_turn(conversation, audio=SPEECH)

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
    pipeline.run_turn(Conversation.start(CHARACTER, "Ann"), audio=SPEECH)
    first_audio = next(i for i, e in enumerate(events) if isinstance(e, AudioStarted))
    last_token = max(i for i, e in enumerate(events) if isinstance(e, TokenGenerated))
    assert first_audio < last_token


def test_the_prompt_holds_the_character_the_greeting_and_the_transcript() -> None:
    chat = FakeChat()
    pipeline, _, _, _ = make(chat)
    pipeline.run_turn(Conversation.start(CHARACTER, "Ann"), audio=SPEECH)
    (prompt,) = chat.prompts
    assert [m.role for m in prompt] == ["system", "assistant", "user"]
    assert prompt[0].content.startswith("You are Mira.")
    assert prompt[2].content == "what is new?"


def test_silence_is_a_clear_failure_and_changes_nothing() -> None:
    pipeline, events, sink, _ = make()
    conversation = Conversation.start(CHARACTER, "Ann")
    with pytest.raises(VoiceBuddyError) as info:
        pipeline.run_turn(conversation, audio=np.zeros(16000, dtype=np.float32))
    assert info.value.code == "no_speech"
    failed = [e for e in events if isinstance(e, TurnFailed)]
    assert [f.code for f in failed] == ["no_speech"] and failed[0].message
    assert len(conversation.messages) == 1 and not sink.clips


def test_cancel_stops_generation_and_speech() -> None:
    chat = FakeChat("First sentence here. " * 30, piece_chars=4, delay_s=0.002)
    pipeline, events, sink, _ = make(chat, realtime=True)

    def cancel_on_first_audio(event: TurnEvent) -> None:
        if isinstance(event, AudioStarted):
            pipeline.cancel()

    pipeline.bus.subscribe(cancel_on_first_audio)
    conversation = Conversation.start(CHARACTER, "Ann")
    result = pipeline.run_turn(conversation, text="talk a lot")
    assert result.interrupted
    assert len(result.reply) < len(chat.reply.strip())
    assert len(sink.clips) == 1 and sink.interrupted == sink.clips
    assert isinstance(events[-1], TurnEnded) and events[-1].interrupted


def test_actions_between_asterisks_are_shown_but_not_spoken() -> None:
    pipeline, _, _, tts = make(FakeChat("*waves happily* Hi there! *grins*"))
    result = pipeline.run_turn(Conversation.start(CHARACTER, "Ann"), text="hello")
    assert result.reply == "*waves happily* Hi there! *grins*"
    assert tts.calls == ["Hi there!"]
    assert speakable("**Bold** move, `code` #1") == "Bold move, code 1"
    assert speakable("*sighs*") == ""


def test_a_speech_failure_is_reported_and_the_text_reply_survives() -> None:
    pipeline, events, _, tts = make()
    tts.error = VoiceBuddyError("tts_failed", "The speech engine failed.")
    result = pipeline.run_turn(Conversation.start(CHARACTER, "Ann"), text="hi")
    assert result.reply == FakeChat().reply
    assert any(isinstance(e, TurnFailed) and e.code == "tts_failed" for e in events)
    assert isinstance(events[-1], TurnEnded)


def test_typed_turns_need_no_speech_model_and_no_speaker() -> None:
    pipeline = VoicePipeline(None, FakeChat("Sure."), None)
    conversation = Conversation.start(CHARACTER, "Ann")
    result = pipeline.run_turn(conversation, text="  hi  ")
    assert (result.transcript, result.reply, result.timings.first_audio) == ("hi", "Sure.", None)
    with pytest.raises(VoiceBuddyError) as info:
        pipeline.run_turn(conversation, audio=SPEECH)
    assert info.value.code == "no_stt"


def test_history_grows_and_is_fitted_into_a_small_context() -> None:
    chat = FakeChat("A fine answer with several words in it.", context_size=400)
    pipeline, _, _, _ = make(chat)
    conversation = Conversation.start(CHARACTER, "Ann")
    for i in range(40):
        pipeline.run_turn(conversation, text=f"question number {i} with a few words")
    assert len(conversation.messages) == 81
    last = chat.prompts[-1]
    assert chat.count_tokens(last) <= 400 - 160
    assert last[0].role == "system" and last[-1].content == "question number 39 with a few words"


def test_a_leading_speaker_label_is_neither_shown_nor_spoken() -> None:
    pipeline, events, _, tts = make(FakeChat("Mira: Nice to see you.", piece_chars=2))
    result = pipeline.run_turn(Conversation.start(CHARACTER, "Ann"), text="hello")
    assert result.reply == "Nice to see you."
    assert "".join(e.text for e in events if isinstance(e, TokenGenerated)) == "Nice to see you."
    assert tts.calls == ["Nice to see you."]


def test_regenerate_answers_the_last_user_message_again() -> None:
    chat = FakeChat("Another answer.")
    pipeline, _, _, _ = make(chat)
    conversation = Conversation.start(CHARACTER, "Ann")
    pipeline.run_turn(conversation, text="tell me something")
    conversation.remove(-1)  # drop the reply, as the GUI's "regenerate" does
    result = pipeline.run_turn(conversation)
    assert result.transcript == "tell me something" and result.reply == "Another answer."
    assert [m.role for m in conversation.messages] == ["assistant", "user", "assistant"]
    assert [m.content for m in chat.prompts[1]][-1] == "tell me something"
    with pytest.raises(VoiceBuddyError) as info:
        pipeline.run_turn(conversation)  # the last message is the character's
    assert info.value.code == "nothing_to_answer"


def test_each_final_message_is_recorded_as_soon_as_it_is_final() -> None:
    recorded: list[tuple[str, str, bool]] = []
    pipeline, events, _, _ = make(FakeChat("Fine, thanks.", delay_s=0.001))
    conversation = Conversation.start(CHARACTER, "Ann")

    def record(message):  # type: ignore[no-untyped-def]
        recorded.append(
            (message.role, message.content, any(isinstance(e, TokenGenerated) for e in events))
        )
        return message

    conversation.recorder = record
    pipeline.run_turn(conversation, audio=SPEECH, speech_ended_at=events[-1].at if events else None)
    # the user's words are saved before the reply starts, the reply once it is complete
    assert recorded == [("user", "what is new?", False), ("assistant", "Fine, thanks.", True)]


def test_prepare_reads_the_known_part_of_the_next_prompt() -> None:
    chat = FakeChat("Fine.")
    pipeline, _, _, _ = make(chat)
    conversation = Conversation.start(CHARACTER, "Ann")
    pipeline.prepare(conversation)
    (prefix,) = chat.prepared
    assert [m.role for m in prefix] == ["system", "assistant"]  # the character and the greeting
    pipeline.run_turn(conversation, text="hello")
    assert chat.prompts[0][: len(prefix)] == prefix  # the turn's prompt starts with it

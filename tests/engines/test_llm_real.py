"""The real chat model: its own chat template, streaming, and the prompt cache."""

from __future__ import annotations

import pytest

from voicebuddy.engines.llm import LlamaCppChat, LlamaSettings, Sampling
from voicebuddy.messages import Message
from voicebuddy.models.defaults import default_llm_path


@pytest.fixture(scope="module")
def chat() -> LlamaCppChat:
    return LlamaCppChat(LlamaSettings(default_llm_path(), context_size=1024, threads=2, seed=1))


@pytest.mark.real
def test_the_gguf_template_is_used_and_replies_stream(chat: LlamaCppChat) -> None:
    messages = [Message("system", "You are Buddy."), Message("user", "Say hello.")]
    assert chat.has_own_template
    assert chat.render(messages).endswith(
        "<|im_start|>user\nSay hello.<|im_end|>\n<|im_start|>assistant\n"
    )
    pieces = list(chat.stream_reply(messages, Sampling(seed=1, max_tokens=20)))
    assert len(pieces) > 1 and "".join(pieces).strip()
    assert 0 < chat.last_stats.completion_tokens <= 20


@pytest.mark.real
def test_prepare_fills_the_cache_so_the_reply_reads_only_the_new_words(chat: LlamaCppChat) -> None:
    history = [
        Message("system", "You are Rowan, a bookshop owner. " * 8),
        Message("assistant", "Hi!"),
    ]
    prompt = [*history, Message("user", "Any good books today?")]
    chat._llama.reset()
    prepared = chat.prepare(prompt, user_index=2)
    assert prepared > 40
    assert chat.prepare(prompt, user_index=2) == 0  # already in the cache
    list(chat.stream_reply(prompt, Sampling(seed=1, max_tokens=8)))
    stats = chat.last_stats
    assert stats.reused_tokens == prepared
    assert stats.prompt_tokens - stats.reused_tokens < 15  # the user's words and the template


@pytest.mark.real
def test_the_chat_model_hears_whether_the_words_end_and_keeps_them_read(
    chat: LlamaCppChat,
) -> None:
    history = [Message("system", "You are Buddy, a friendly companion."), Message("user", "")]

    def ending(text: str) -> float:
        history[1] = Message("user", text)
        return chat.ending_probability(history, user_index=1)

    halves = ["Do you have any plans for", "Tell me about", "I would like to know what"]
    wholes = ["Do you have any plans for the weekend", "Tell me about your favourite book"]
    assert max(ending(t) for t in halves) < min(ending(t) for t in wholes)
    assert all(0.0 <= ending(t) <= 1.0 for t in halves + wholes)
    chat._llama.reset()
    ending(wholes[0])  # read into the cache on the way
    list(chat.stream_reply(history, Sampling(seed=1, max_tokens=4)))
    stats = chat.last_stats
    assert stats.prompt_tokens - stats.reused_tokens < 8  # only the template's closing tokens

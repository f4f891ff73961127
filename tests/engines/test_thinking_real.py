"""A reasoning model's template with a thinking switch (Qwen3's `enable_thinking`), on a real
GGUF: SmolLM2 with such a template, written with the `gguf` package."""

from __future__ import annotations

from pathlib import Path

import pytest
from gguf_file import with_chat_template

from voicebuddy.characters.card import CharacterCard
from voicebuddy.characters.character import Character
from voicebuddy.conversation import Conversation
from voicebuddy.engines.llm import LlamaCppChat, LlamaSettings
from voicebuddy.messages import Message
from voicebuddy.models.defaults import default_llm_path
from voicebuddy.pipeline import CancelToken, PipelineOptions, Text, TurnRequest, VoicePipeline

# Qwen3's switch in a ChatML template SmolLM2 understands: thinking off closes an empty
# thought in the prompt, so the model answers at once.
SWITCHABLE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n"
    "{% if enable_thinking is defined and enable_thinking is false %}<think>\n\n</think>\n\n"
    "{% endif %}{% endif %}"
)
MESSAGES = [Message("system", "You are Mira."), Message("user", "Say hello.")]


@pytest.fixture(scope="module")
def switchable(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("thinking") / "smollm2-thinking.gguf"
    return with_chat_template(default_llm_path(), target, SWITCHABLE)


@pytest.mark.real
def test_the_setting_turns_thinking_off_where_the_template_can(switchable: Path) -> None:
    thinking = LlamaCppChat(LlamaSettings(switchable, context_size=512))
    assert thinking.thinks and "<think>" not in thinking.render(MESSAGES)
    direct = LlamaCppChat(LlamaSettings(switchable, context_size=512, thinking=False))
    assert not direct.thinks
    assert direct.render(MESSAGES).endswith("<|im_start|>assistant\n<think>\n\n</think>\n\n")
    plain = LlamaCppChat(LlamaSettings(default_llm_path(), context_size=512, thinking=False))
    assert not plain.thinks and "<think>" not in plain.render(MESSAGES)

    character = Character(CharacterCard(name="Mira", first_mes="Hi!"))
    conversation = Conversation.start(character, "Ann")
    options = PipelineOptions()
    ended = VoicePipeline(None, direct, None, options).run_turn(
        conversation, TurnRequest(1, Text("Say hello."), CancelToken())
    )
    assert ended.reply.strip() and "think>" not in ended.reply
    assert conversation.messages[-1] == Message("assistant", ended.reply)

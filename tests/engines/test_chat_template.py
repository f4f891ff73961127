"""Chat templates come from downloaded GGUF files: they render only in a sandbox."""

from __future__ import annotations

from pathlib import Path

import pytest

from voicebuddy.engines.llm import CHATML_TEMPLATE, chat_formatter
from voicebuddy.errors import ModelError

MODEL = Path("evil.gguf")


def test_an_ordinary_template_renders() -> None:
    formatter = chat_formatter(CHATML_TEMPLATE, "<|im_end|>", "", MODEL)
    prompt = formatter(messages=[{"role": "user", "content": "hi"}]).prompt
    assert prompt == "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n"


@pytest.mark.parametrize(
    "template",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ cycler.__init__.__globals__.os.system('touch {marker}') }}",
        "{% for m in messages %}{{ m.__class__.__init__.__globals__ }}{% endfor %}",
        "{{ self.__init__.__globals__.__builtins__.__import__('os').system('touch {marker}') }}",
        "{{ raise_exception.__globals__['os'].system('touch {marker}') }}",
        "{{ messages.append.__self__.__class__ }}{{ ''.__class__ }}",
    ],
)
def test_a_template_reaching_outside_the_sandbox_is_refused_and_runs_nothing(
    template: str, tmp_path: Path
) -> None:
    marker = tmp_path / "pwned"
    with pytest.raises(ModelError) as info:
        chat_formatter(template.replace("{marker}", str(marker)), "", "", MODEL)
    assert info.value.code == "chat_template_unsafe"
    assert "evil.gguf" in info.value.message
    assert not marker.exists()


def test_a_broken_template_is_a_clear_error() -> None:
    with pytest.raises(ModelError) as info:
        chat_formatter("{% for %}", "", "", MODEL)
    assert info.value.code == "chat_template_invalid"

"""What a GGUF file is, from its header: the facts the Models window and `models --discover`
show, and the ones the memory estimate needs."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Literal

from voicebuddy.models.gguf import GgufHeader

Kind = Literal["chat", "adapter", "projector", "embedding", "skipped"]

# llama.cpp's llama_ftype (general.file_type): the quantization a file was made with.
_FILE_TYPES = {
    0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 7: "Q8_0", 8: "Q5_0", 9: "Q5_1", 10: "Q2_K",
    11: "Q3_K_S", 12: "Q3_K_M", 13: "Q3_K_L", 14: "Q4_K_S", 15: "Q4_K_M", 16: "Q5_K_S",
    17: "Q5_K_M", 18: "Q6_K", 19: "IQ2_XXS", 20: "IQ2_XS", 21: "Q2_K_S", 22: "IQ3_XS",
    23: "IQ3_XXS", 24: "IQ1_S", 25: "IQ4_NL", 26: "IQ3_S", 27: "IQ3_M", 28: "IQ2_S",
    29: "IQ2_M", 30: "IQ4_XS", 31: "IQ1_M", 32: "BF16", 36: "TQ1_0", 37: "TQ2_0",
    38: "MXFP4_MOE",
}  # fmt: skip
# ggml_type: a tensor's own type, for files that do not say their file type.
_TENSOR_TYPES = {
    0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 6: "Q5_0", 7: "Q5_1", 8: "Q8_0", 9: "Q8_1",
    10: "Q2_K", 11: "Q3_K", 12: "Q4_K", 13: "Q5_K", 14: "Q6_K", 15: "Q8_K", 16: "IQ2_XXS",
    17: "IQ2_XS", 18: "IQ3_XXS", 19: "IQ1_S", 20: "IQ4_NL", 21: "IQ3_S", 22: "IQ2_S",
    23: "IQ4_XS", 29: "IQ1_M", 30: "BF16", 34: "TQ1_0", 35: "TQ2_0", 39: "MXFP4",
}  # fmt: skip
# Architectures that embed text and cannot chat (llama.cpp's encoder-only models).
_EMBEDDING_ARCHITECTURES = {
    "bert", "nomic-bert", "nomic-bert-moe", "jina-bert-v2", "jina-bert-v3", "modern-bert",
    "neo-bert", "t5encoder", "gte", "xlm-roberta",
}  # fmt: skip


@dataclass(frozen=True)
class GgufInfo:
    kind: Kind
    architecture: str
    name: str  # general.name, when the file has one
    parameters: int  # weights in the file's tensors
    quantization: str
    context_length: int  # the context the model was trained for (0: not said)
    layers: int
    kv_heads: int
    key_size: int  # per head
    value_size: int  # per head
    heads: int
    feed_forward: int  # the feed-forward layers' width
    vocabulary: int
    chat_template: bool
    reason: str = ""  # why a file that is not a chat model is listed as it is

    @property
    def kv_bytes_per_token(self) -> int:
        """The KV cache (f16 keys and values, all layers) for one token of context."""
        return 2 * self.layers * self.kv_heads * (self.key_size + self.value_size)


def describe(header: GgufHeader) -> GgufInfo:
    meta = header.metadata
    arch = header.architecture

    def number(key: str) -> int:
        value = meta.get(f"{arch}.{key}")
        return value if isinstance(value, int) and not isinstance(value, bool) else 0

    heads = number("attention.head_count")
    width = number("embedding_length")
    head_size = width // heads if heads else 0
    key_size = number("attention.key_length") or head_size
    value_size = number("attention.value_length") or head_size
    vocabulary = number("vocab_size") or _vocabulary(header)
    kind, reason = _kind(header)
    return GgufInfo(
        kind=kind,
        architecture=arch,
        name=str(meta.get("general.name", "")),
        parameters=sum(math.prod(dims) for dims in header.tensors.values()),
        quantization=_quantization(header),
        context_length=number("context_length"),
        layers=number("block_count"),
        kv_heads=number("attention.head_count_kv") or heads,
        key_size=key_size,
        value_size=value_size,
        heads=heads,
        feed_forward=number("feed_forward_length"),
        vocabulary=vocabulary,
        chat_template=bool(str(meta.get("tokenizer.chat_template", "")).strip()),
        reason=reason,
    )


def _kind(header: GgufHeader) -> tuple[Kind, str]:
    meta, arch = header.metadata, header.architecture
    general_type = str(meta.get("general.type", ""))
    if general_type == "adapter":
        kind = str(meta.get("adapter.type", "lora"))
        return "adapter", f"a {'LoRA' if kind == 'lora' else kind} adapter, not a model"
    if arch == "clip" or general_type in ("mmproj", "projector"):
        return "projector", "a multimodal projector (for images or audio), not a chat model"
    if arch in _EMBEDDING_ARCHITECTURES or f"{arch}.pooling_type" in meta:
        return "embedding", "an embedding model: it turns text into vectors and cannot chat"
    if not arch or f"{arch}.block_count" not in meta or "tokenizer.ggml.model" not in meta:
        what = f"architecture {arch!r}" if arch else "no architecture"
        return "skipped", f"not a language model llama.cpp can chat with ({what})"
    return "chat", ""


def _quantization(header: GgufHeader) -> str:
    file_type = header.metadata.get("general.file_type")
    if isinstance(file_type, int) and file_type in _FILE_TYPES:
        return _FILE_TYPES[file_type]
    # the type most of the weights have (the largest 2-D tensors decide)
    weights: Counter[int] = Counter()
    for name, dims in header.tensors.items():
        if len(dims) >= 2:
            weights[header.tensor_types.get(name, -1)] += math.prod(dims)
    if not weights:
        return ""
    return _TENSOR_TYPES.get(weights.most_common(1)[0][0], "unknown")


def _vocabulary(header: GgufHeader) -> int:
    embedding = header.tensors.get("token_embd.weight")
    return embedding[1] if embedding and len(embedding) == 2 else 0

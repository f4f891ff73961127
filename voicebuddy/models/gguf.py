"""Reading a GGUF file's metadata and tensor list, to check files before llama.cpp loads them.

Only the header is read (no tensor data). Files come from the internet: every count and length
is bounded, and a malformed header is a ModelError, never an exception from struct.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from voicebuddy.errors import ModelError

# GGUF value types: fixed sizes, string (8) and array (9).
_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q"}
_SCALARS.update({11: "<q", 12: "<d"})
_STRING, _ARRAY = 8, 9
_MAX_ITEMS = 1_000_000
_MAX_STRING = 64 * 1024 * 1024
_MAX_DIMS = 8


@dataclass(frozen=True)
class GgufHeader:
    metadata: dict[str, object]  # scalars and strings; arrays are skipped
    tensors: dict[str, tuple[int, ...]]  # name -> dimensions, fastest-moving first

    @property
    def architecture(self) -> str:
        return str(self.metadata.get("general.architecture", ""))


class _Reader:
    def __init__(self, file: BinaryIO, path: Path) -> None:
        self.file, self.path = file, path

    def bad(self, why: str) -> ModelError:
        return ModelError("gguf_invalid", f"{self.path} is not a readable GGUF file ({why}).")

    def unpack(self, fmt: str) -> object:
        size = struct.calcsize(fmt)
        data = self.file.read(size)
        if len(data) != size:
            raise self.bad("it ends too early")
        return struct.unpack(fmt, data)[0]

    def count(self, limit: int = _MAX_ITEMS) -> int:
        value = self.unpack("<Q")
        assert isinstance(value, int)
        if value > limit:
            raise self.bad(f"a count of {value} is implausible")
        return value

    def string(self) -> str:
        data = self.file.read(self.count(_MAX_STRING))
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise self.bad("a text is not UTF-8") from None

    def value(self, kind: int, keep: bool = True) -> object:
        if kind in _SCALARS:
            return self.unpack(_SCALARS[kind])
        if kind == _STRING:
            return self.string()
        if kind == _ARRAY:
            item_kind = self.unpack("<I")
            assert isinstance(item_kind, int)
            for _ in range(self.count()):
                self.value(item_kind, keep=False)
            return None
        raise self.bad(f"unknown value type {kind}")


def read_gguf_header(path: Path) -> GgufHeader:
    try:
        with path.open("rb") as file:
            reader = _Reader(file, path)
            if file.read(4) != b"GGUF":
                raise reader.bad("wrong magic number")
            version = reader.unpack("<I")
            if version not in (2, 3):
                raise reader.bad(f"version {version}")
            n_tensors, n_kv = reader.count(), reader.count()
            metadata: dict[str, object] = {}
            for _ in range(n_kv):
                key = reader.string()
                kind = reader.unpack("<I")
                assert isinstance(kind, int)
                value = reader.value(kind)
                if value is not None:
                    metadata[key] = value
            tensors: dict[str, tuple[int, ...]] = {}
            for _ in range(n_tensors):
                name = reader.string()
                n_dims = reader.unpack("<I")
                assert isinstance(n_dims, int)
                if n_dims > _MAX_DIMS:
                    raise reader.bad(f"a tensor with {n_dims} dimensions")
                dims = tuple(reader.count(2**40) for _ in range(n_dims))
                reader.unpack("<I")  # type
                reader.unpack("<Q")  # offset
                tensors[name] = dims
    except OSError as exc:
        raise ModelError("gguf_invalid", f"Cannot read {path}: {exc.strerror}.") from None
    return GgufHeader(metadata, tensors)


def check_lora_fits(model: Path, lora: Path) -> None:
    """A LoRA adapter made for another model is refused with one sentence.

    llama.cpp logs "model arch and LoRA arch mismatch" yet llama-cpp-python 0.3.36 goes on
    without the adapter, so the user would chat with the plain model and never know.
    """
    adapter = read_gguf_header(lora)
    if (
        adapter.metadata.get("general.type") != "adapter"
        or adapter.metadata.get("adapter.type") != "lora"
    ):
        raise ModelError("lora_invalid", f"{lora} is a GGUF file but not a LoRA adapter.")
    base = read_gguf_header(model)
    if adapter.architecture != base.architecture:
        raise ModelError(
            "lora_mismatch",
            f"The LoRA adapter {lora.name} was made for a {adapter.architecture or 'unknown'} "
            f"model, not for {model.name} ({base.architecture}).",
        )
    width = base.metadata.get(f"{base.architecture}.embedding_length")
    feed_forward = base.metadata.get(f"{base.architecture}.feed_forward_length")
    for name, dims in adapter.tensors.items():
        base_name = name.removesuffix(".lora_a").removesuffix(".lora_b")
        target = base.tensors.get(base_name)
        if target is None:
            raise ModelError(
                "lora_mismatch",
                f"The LoRA adapter {lora.name} changes {base_name}, which {model.name} "
                "does not have: it was made for another model.",
            )
        if name.endswith(".lora_a") and dims and dims[0] != target[0]:
            raise ModelError(
                "lora_mismatch",
                f"The LoRA adapter {lora.name} was made for a model of another size "
                f"({dims[0]} wide, {model.name} is {width or target[0]}"
                f"{f'/{feed_forward}' if feed_forward else ''}).",
            )

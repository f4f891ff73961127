"""Reading a GGUF file's metadata and tensor list, to check files before llama.cpp loads them.

Only the header is read (no tensor data). Files come from the internet: every count and length
is bounded, and a malformed header is a ModelError, never an exception from struct.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
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
_LENGTH = struct.Struct("<Q")


@dataclass(frozen=True)
class GgufHeader:
    metadata: dict[str, object]  # scalars and strings; arrays are skipped
    tensors: dict[str, tuple[int, ...]]  # name -> dimensions, fastest-moving first
    tensor_types: dict[str, int] = field(default_factory=dict)  # name -> ggml type number
    data_offset: int = 0  # where the tensor data begins in the file

    @property
    def architecture(self) -> str:
        return str(self.metadata.get("general.architecture", ""))


class _Reader:
    """Reads through a buffer: a model's vocabulary is 50,000-250,000 strings in arrays that
    are skipped one length at a time, and discovery reads many headers."""

    _CHUNK = 1 << 20

    def __init__(self, file: BinaryIO, path: Path) -> None:
        self.file, self.path = file, path
        self.buf = b""
        self.pos = 0  # in buf
        self.base = 0  # the file offset of buf[0]; the file is at base + len(buf)

    @property
    def offset(self) -> int:
        return self.base + self.pos

    def bad(self, why: str) -> ModelError:
        return ModelError("gguf_invalid", f"{self.path} is not a readable GGUF file ({why}).")

    def need(self, size: int) -> None:
        if self.pos + size <= len(self.buf):
            return
        more = self.file.read(max(size, self._CHUNK))
        self.base += self.pos
        self.buf = self.buf[self.pos :] + more
        self.pos = 0
        if len(self.buf) < size:
            raise self.bad("it ends too early")

    def skip(self, size: int) -> None:
        if self.pos + size <= len(self.buf):
            self.pos += size
            return
        beyond = size - (len(self.buf) - self.pos)
        self.base += len(self.buf)
        self.buf, self.pos = b"", 0
        self.file.seek(beyond, 1)
        self.base += beyond

    def unpack(self, fmt: str) -> object:
        size = struct.calcsize(fmt)
        self.need(size)
        value = struct.unpack_from(fmt, self.buf, self.pos)[0]
        self.pos += size
        return value

    def count(self, limit: int = _MAX_ITEMS) -> int:
        value = self.unpack("<Q")
        assert isinstance(value, int)
        if value > limit:
            raise self.bad(f"a count of {value} is implausible")
        return value

    def string(self) -> str:
        size = self.count(_MAX_STRING)
        self.need(size)
        data = self.buf[self.pos : self.pos + size]
        self.pos += size
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise self.bad("a text is not UTF-8") from None

    def skip_strings(self, count: int) -> None:
        buf, pos, unpack = self.buf, self.pos, _LENGTH.unpack_from
        end = len(buf)
        while count:
            if pos + 8 > end:
                self.pos = pos
                self.need(8)
                buf, pos, end = self.buf, self.pos, len(self.buf)
            (size,) = unpack(buf, pos)
            if size > _MAX_STRING:
                raise self.bad(f"a count of {size} is implausible")
            pos += 8 + size
            if pos > end:
                self.pos = pos - size
                self.skip(size)
                buf, pos, end = self.buf, self.pos, len(self.buf)
            count -= 1
        self.pos = pos

    def value(self, kind: int) -> object:
        if kind in _SCALARS:
            return self.unpack(_SCALARS[kind])
        if kind == _STRING:
            return self.string()
        if kind == _ARRAY:
            item_kind = self.unpack("<I")
            assert isinstance(item_kind, int)
            count = self.count()
            if item_kind in _SCALARS:
                self.skip(count * struct.calcsize(_SCALARS[item_kind]))
            elif item_kind == _STRING:
                self.skip_strings(count)
            else:
                for _ in range(count):
                    self.value(item_kind)
            return None
        raise self.bad(f"unknown value type {kind}")


def read_gguf_header(path: Path) -> GgufHeader:
    try:
        with path.open("rb") as file:
            reader = _Reader(file, path)
            reader.need(4)
            if reader.buf[:4] != b"GGUF":
                raise reader.bad("wrong magic number")
            reader.pos = 4
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
            types: dict[str, int] = {}
            for _ in range(n_tensors):
                name = reader.string()
                n_dims = reader.unpack("<I")
                assert isinstance(n_dims, int)
                if n_dims > _MAX_DIMS:
                    raise reader.bad(f"a tensor with {n_dims} dimensions")
                dims = tuple(reader.count(2**40) for _ in range(n_dims))
                kind = reader.unpack("<I")
                assert isinstance(kind, int)
                reader.unpack("<Q")  # offset
                tensors[name], types[name] = dims, kind
            alignment = metadata.get("general.alignment", 32)
            align = alignment if isinstance(alignment, int) and alignment > 0 else 32
            data_offset = reader.offset + (-reader.offset % align)
    except OSError as exc:
        raise ModelError("gguf_invalid", f"Cannot read {path}: {exc.strerror}.") from None
    return GgufHeader(metadata, tensors, types, data_offset)


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

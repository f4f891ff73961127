"""Read CTranslate2 (faster-whisper) Whisper models: model.bin (possibly split), config, vocabulary.

The model.bin layout (version 6): uint32 version; string spec name; uint32 revision; uint32
variable count; per variable a name, rank, dims, dtype, byte count and data; then aliases.
Data is read on demand, so a model is never held in memory whole.
"""

from __future__ import annotations

import json
import math
import os
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Self

import numpy as np
from numpy.typing import NDArray

from voicebuddy.errors import ModelError

_DTYPES: dict[int, str] = {0: "<f4", 1: "i1", 2: "<i2", 3: "<i4", 4: "<f2", 5: "bf16"}
MISSING_FILE = "stt_model_missing_file"
INVALID_MODEL = "stt_model_invalid"


@dataclass(frozen=True)
class Ct2Variable:
    name: str
    shape: tuple[int, ...]
    dtype: str  # numpy dtype string, or "bf16"
    offset: int  # in the concatenation of all parts

    @property
    def itemsize(self) -> int:
        return 2 if self.dtype == "bf16" else np.dtype(self.dtype).itemsize

    @property
    def nbytes(self) -> int:
        return math.prod(self.shape) * self.itemsize


class _Parts:
    """Random access reads over model.bin parts that are concatenated in order."""

    def __init__(self, paths: Sequence[Path]) -> None:
        if not paths:
            raise ModelError(MISSING_FILE, "No model.bin file was given for the speech model.")
        self.paths = [Path(p) for p in paths]
        self.label = str(self.paths[0]) + (
            f" (+{len(self.paths) - 1} more part(s))" if len(self.paths) > 1 else ""
        )
        self._files: list[tuple[BinaryIO, int, int]] = []  # file, start, end
        self.size = 0
        for path in self.paths:
            try:
                f = path.open("rb")
            except OSError as exc:
                self.close()
                raise ModelError(
                    MISSING_FILE, f"Cannot open the speech model file {path}."
                ) from exc
            start, self.size = self.size, self.size + os.fstat(f.fileno()).st_size
            self._files.append((f, start, self.size))

    def read(self, offset: int, n: int) -> bytes:
        if offset + n > self.size:
            raise ModelError(INVALID_MODEL, f"The speech model file {self.label} is truncated.")
        pieces = []
        for f, start, end in self._files:
            if n > 0 and start <= offset < end:
                f.seek(offset - start)
                data = f.read(min(n, end - offset))
                if not data:
                    break
                pieces.append(data)
                offset += len(data)
                n -= len(data)
        if n:
            raise ModelError(INVALID_MODEL, f"The speech model file {self.label} is truncated.")
        return pieces[0] if len(pieces) == 1 else b"".join(pieces)

    def close(self) -> None:
        for f, _, _ in self._files:
            f.close()


@dataclass
class CT2Model:
    """The variables of a CTranslate2 model.bin; data is read on demand."""

    parts: _Parts
    version: int
    spec: str
    revision: int
    variables: dict[str, Ct2Variable]
    aliases: dict[str, str] = field(default_factory=dict)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.parts.close()

    def var(self, name: str) -> Ct2Variable:
        name = self.aliases.get(name, name)
        if name not in self.variables:
            raise ModelError(
                INVALID_MODEL, f"The speech model {self.parts.label} lacks the variable {name}."
            )
        return self.variables[name]

    def raw(self, name: str, start: int = 0, stop: int | None = None) -> NDArray[np.generic]:
        """Rows start:stop (along the first axis) exactly as stored; bf16 comes back as uint16."""
        v = self.var(name)
        rows = v.shape[0] if v.shape else 1
        stop = rows if stop is None else stop
        row_bytes = v.nbytes // max(rows, 1)
        data = self.parts.read(v.offset + start * row_bytes, (stop - start) * row_bytes)
        dtype = "<u2" if v.dtype == "bf16" else v.dtype
        return np.frombuffer(data, dtype=dtype).reshape(
            (stop - start, *v.shape[1:]) if v.shape else ()
        )

    def scalar(self, name: str) -> int:
        return int(self.raw(name).reshape(-1)[0])

    def rows(self, name: str, start: int = 0, stop: int | None = None) -> NDArray[np.floating]:
        """Rows as float16/float32, converting bf16 and dequantizing int8/int16 weights."""
        v = self.var(name)
        data = self.raw(name, start, stop)
        if v.dtype in ("<f4", "<f2"):
            return data.astype(v.dtype, copy=False)
        if v.dtype == "bf16":
            return (data.astype(np.uint32) << 16).view(np.float32)
        scale_name = self.aliases.get(name, name) + "_scale"
        if v.dtype in ("i1", "<i2") and scale_name in self.variables:
            scale = self.rows(scale_name).astype(np.float32)
            if scale.size > 1:  # one scale per output row
                scale = scale[start:stop].reshape((-1,) + (1,) * (data.ndim - 1))
            return data.astype(np.float32) / scale
        raise ModelError(
            INVALID_MODEL, f"The variable {name} of {self.parts.label} has an unsupported type."
        )


def read_ct2_model(model_bin_parts: Sequence[Path]) -> CT2Model:
    """Parse the header of a CTranslate2 model.bin (version 4 to 6), given in one or more parts."""
    parts = _Parts(model_bin_parts)
    pos = 0

    def take(fmt: str) -> int:
        nonlocal pos
        size = struct.calcsize(fmt)
        (value,) = struct.unpack(fmt, parts.read(pos, size))
        pos += size
        return int(value)

    def string() -> str:
        nonlocal pos
        n = take("<H")
        raw = parts.read(pos, n)
        pos += n
        try:
            return raw.rstrip(b"\0").decode("utf-8")
        except UnicodeDecodeError:
            raise ModelError(
                INVALID_MODEL, f"{parts.label} is not a CTranslate2 model file."
            ) from None

    try:
        if parts.size < 4:
            raise ModelError(
                INVALID_MODEL, f"{parts.label} is empty or not a CTranslate2 model file."
            )
        version = take("<I")
        if not 4 <= version <= 6:
            raise ModelError(
                INVALID_MODEL,
                f"{parts.label} is not a supported CTranslate2 model file (format {version}).",
            )
        spec, revision = string(), take("<I")
        if spec != "WhisperSpec":
            raise ModelError(
                INVALID_MODEL, f"{parts.label} holds a {spec or 'unknown'} model, not Whisper."
            )
        variables: dict[str, Ct2Variable] = {}
        for _ in range(take("<I")):
            name = string()
            shape = tuple(take("<I") for _ in range(take("<B")))
            type_id, nbytes = take("<B"), take("<I")
            if type_id not in _DTYPES:
                raise ModelError(
                    INVALID_MODEL, f"The variable {name} in {parts.label} has an unknown type."
                )
            var = Ct2Variable(name, shape, _DTYPES[type_id], pos)
            if var.nbytes != nbytes:
                raise ModelError(
                    INVALID_MODEL, f"The variable {name} in {parts.label} has a bad size."
                )
            variables[name] = var
            pos += nbytes
        aliases = {}
        for _ in range(take("<I")):
            alias = string()
            aliases[alias] = string()
    except ModelError:
        parts.close()
        raise
    return CT2Model(parts, version, spec, revision, variables, aliases)


@dataclass(frozen=True)
class Ct2Source:
    """Where a faster-whisper model lives: model.bin part(s) plus the folder with config/vocab."""

    model_parts: tuple[Path, ...]
    folder: Path

    @classmethod
    def from_folder(cls, path: Path) -> Ct2Source:
        path = Path(path)
        return cls((path / "model.bin",), path)

    @property
    def config_path(self) -> Path:
        return self.folder / "config.json"

    @property
    def vocabulary_path(self) -> Path:
        for name in ("vocabulary.txt", "vocabulary.json", "tokenizer.json"):
            if (self.folder / name).is_file():
                return self.folder / name
        raise ModelError(
            MISSING_FILE, f"The speech model folder {self.folder} has no vocabulary.txt."
        )

    def files(self) -> list[Path]:
        return [*self.model_parts, self.config_path, self.vocabulary_path]


def read_vocabulary(path: Path) -> list[str]:
    """All tokens in id order (regular, special and timestamp tokens)."""
    try:
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".txt":
            tokens = text.split("\n")  # not splitlines(): tokens may contain other line breaks
            return tokens[:-1] if tokens and tokens[-1] == "" else tokens
        data = json.loads(text)
        if isinstance(data, list):
            return [str(t) for t in data]
        by_id: dict[int, str] = {int(i): str(t) for t, i in data["model"]["vocab"].items()}
        by_id.update({int(t["id"]): str(t["content"]) for t in data.get("added_tokens", [])})
        return [by_id.get(i, "") for i in range(max(by_id) + 1)]
    except OSError as exc:
        raise ModelError(MISSING_FILE, f"Cannot read the speech model vocabulary {path}.") from exc
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ModelError(
            INVALID_MODEL, f"The speech model vocabulary {path} is malformed."
        ) from exc

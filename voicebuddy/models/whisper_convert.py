"""Convert a CTranslate2 (faster-whisper) Whisper model to a whisper.cpp ggml file.

Pure numpy, streaming: tensors are read and written in chunks, so memory stays far below the
model size. `ensure_ggml` converts once into a cache directory and verifies the cached file.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import struct
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import BinaryIO

import numpy as np
from numpy.typing import NDArray

from voicebuddy.errors import ModelError
from voicebuddy.models.ct2 import (
    INVALID_MODEL,
    MISSING_FILE,
    CT2Model,
    Ct2Source,
    read_ct2_model,
    read_vocabulary,
)

FORMAT_VERSION = 1  # bump when the converter's output changes, so caches are rebuilt
GGML_MAGIC = 0x67676D6C
_CHUNK_BYTES = 4 << 20


@cache
def _byte_decoder() -> dict[str, int]:
    """Inverse of GPT-2's bytes_to_unicode table."""
    keep = [*range(33, 127), *range(161, 173), *range(174, 256)]
    chars, extra = list(keep), 0
    for b in range(256):
        if b not in keep:
            keep.append(b)
            chars.append(256 + extra)
            extra += 1
    return {chr(c): b for b, c in zip(keep, chars, strict=True)}


def token_bytes(token: str) -> bytes:
    decoder = _byte_decoder()
    if all(c in decoder for c in token):
        return bytes(decoder[c] for c in token)
    return token.encode("utf-8")


def mel_filters(n_mels: int, sr: int = 16000, n_fft: int = 400) -> NDArray[np.float32]:
    """Slaney mel filter bank, computed as librosa.filters.mel(htk=False, norm='slaney') does."""
    f_sp, min_log_hz = 200.0 / 3, 1000.0
    min_log_mel, logstep = min_log_hz / f_sp, math.log(6.4) / 27.0

    def hz_to_mel(hz: float) -> float:
        return hz / f_sp if hz < min_log_hz else min_log_mel + math.log(hz / min_log_hz) / logstep

    mels = np.linspace(hz_to_mel(0.0), hz_to_mel(sr / 2), n_mels + 2)
    mel_f = np.where(
        mels >= min_log_mel, min_log_hz * np.exp(logstep * (mels - min_log_mel)), f_sp * mels
    )
    fftfreqs = np.fft.rfftfreq(n=n_fft, d=1.0 / sr)
    fdiff = np.diff(mel_f)
    ramps = np.subtract.outer(mel_f, fftfreqs)
    weights = np.zeros((n_mels, 1 + n_fft // 2), dtype=np.float32)
    for i in range(n_mels):  # same operation order and float32 rounding as librosa
        weights[i] = np.maximum(0, np.minimum(-ramps[i] / fdiff[i], ramps[i + 2] / fdiff[i + 1]))
    weights *= (2.0 / (mel_f[2 : n_mels + 2] - mel_f[:n_mels]))[:, np.newaxis]
    return weights


@dataclass(frozen=True)
class _Tensor:
    name: str  # ggml name
    src: str  # CTranslate2 variable
    start: int
    stop: int  # rows of src
    shape: tuple[int, ...]  # numpy shape written (ggml dims reversed)
    f16: bool


def _tensor_plan(model: CT2Model) -> list[_Tensor]:
    plan: list[_Tensor] = []

    def add(name: str, src: str, part: int = 0, of: int = 1, keep_f32: bool = False) -> None:
        shape = model.var(src).shape
        rows = shape[0] // of
        out_shape = (rows, *shape[1:])
        if name.endswith(("conv1.bias", "conv2.bias")):
            out_shape = (rows, 1)
        f16 = len(shape) >= 2 and not keep_f32
        plan.append(_Tensor(name, src, part * rows, (part + 1) * rows, out_shape, f16))

    def linear(dst: str, src: str, part: int = 0, of: int = 1, bias: bool = True) -> None:
        add(f"{dst}.weight", f"{src}/weight", part, of)
        if bias:
            add(f"{dst}.bias", f"{src}/bias", part, of)

    def norm(dst: str, src: str) -> None:
        add(f"{dst}.weight", f"{src}/gamma")
        add(f"{dst}.bias", f"{src}/beta")

    def attention(dst: str, src: str, fused_qkv: bool) -> None:
        if fused_qkv:  # linear_0 = [q; k; v]
            linear(f"{dst}.query", f"{src}/linear_0", 0, 3)
            linear(f"{dst}.key", f"{src}/linear_0", 1, 3, bias=False)  # Whisper has no key bias
            linear(f"{dst}.value", f"{src}/linear_0", 2, 3)
            linear(f"{dst}.out", f"{src}/linear_1")
        else:  # cross attention: linear_0 = q, linear_1 = [k; v]
            linear(f"{dst}.query", f"{src}/linear_0")
            linear(f"{dst}.key", f"{src}/linear_1", 0, 2, bias=False)
            linear(f"{dst}.value", f"{src}/linear_1", 1, 2)
            linear(f"{dst}.out", f"{src}/linear_2")

    for side in ("encoder", "decoder"):
        add(f"{side}.positional_embedding", f"{side}/position_encodings/encodings", keep_f32=True)
        if side == "encoder":
            for conv in ("conv1", "conv2"):
                linear(f"encoder.{conv}", f"encoder/{conv}")
        else:
            add("decoder.token_embedding.weight", "decoder/embeddings/weight")
        for n in range(_count_layers(model, side)):
            dst, src = f"{side}.blocks.{n}", f"{side}/layer_{n}"
            attention(f"{dst}.attn", f"{src}/self_attention", fused_qkv=True)
            norm(f"{dst}.attn_ln", f"{src}/self_attention/layer_norm")
            if side == "decoder":
                attention(f"{dst}.cross_attn", f"{src}/attention", fused_qkv=False)
                norm(f"{dst}.cross_attn_ln", f"{src}/attention/layer_norm")
            linear(f"{dst}.mlp.0", f"{src}/ffn/linear_0")
            linear(f"{dst}.mlp.2", f"{src}/ffn/linear_1")
            norm(f"{dst}.mlp_ln", f"{src}/ffn/layer_norm")
        norm("encoder.ln_post" if side == "encoder" else "decoder.ln", f"{side}/layer_norm")
    return plan


def _count_layers(model: CT2Model, side: str) -> int:
    pattern = re.compile(rf"{side}/layer_(\d+)/")
    found = {int(m.group(1)) for name in model.variables if (m := pattern.match(name))}
    if not found or found != set(range(len(found))):
        raise ModelError(
            INVALID_MODEL, f"The speech model {model.parts.label} has no usable {side} layers."
        )
    return len(found)


class _HashingWriter:
    def __init__(self, f: BinaryIO) -> None:
        self.f, self.sha256, self.size = f, hashlib.sha256(), 0

    def write(self, data: bytes | memoryview) -> None:
        self.f.write(data)
        self.sha256.update(data)
        self.size += len(data)


def _ggml_chunks(model: CT2Model, source: Ct2Source) -> Iterator[bytes | memoryview]:
    with model:
        vocab = read_vocabulary(source.vocabulary_path)
        try:
            n_regular = vocab.index("<|endoftext|>")
        except ValueError:
            raise ModelError(
                INVALID_MODEL, f"{source.vocabulary_path} lacks <|endoftext|>."
            ) from None
        emb = model.var("decoder/embeddings/weight").shape
        if len(vocab) != emb[0]:
            raise ModelError(
                INVALID_MODEL,
                f"{source.vocabulary_path} does not match the model's {emb[0]} tokens.",
            )
        enc_pos = model.var("encoder/position_encodings/encodings").shape
        n_mels = model.var("encoder/conv1/weight").shape[1]
        if n_mels not in (80, 128):
            raise ModelError(
                INVALID_MODEL, f"The speech model {model.parts.label} has {n_mels} mel bins."
            )
        hparams = {
            "n_vocab": len(vocab),
            "n_audio_ctx": enc_pos[0],
            "n_audio_state": enc_pos[1],
            "n_audio_head": model.scalar("encoder/num_heads"),
            "n_audio_layer": _count_layers(model, "encoder"),
            "n_text_ctx": model.var("decoder/position_encodings/encodings").shape[0],
            "n_text_state": emb[1],
            "n_text_head": model.scalar("decoder/num_heads"),
            "n_text_layer": _count_layers(model, "decoder"),
            "n_mels": n_mels,
            "ftype": 1,  # f16
        }
        plan = _tensor_plan(model)
        yield struct.pack("<I11i", GGML_MAGIC, *hparams.values())
        yield struct.pack("<2i", n_mels, 201) + mel_filters(n_mels).astype("<f4").tobytes()
        yield struct.pack("<i", n_regular)
        for token in vocab[:n_regular]:
            data = token_bytes(token)
            yield struct.pack("<i", len(data)) + data
        for t in plan:
            name = t.name.encode()
            dims = t.shape[::-1]
            yield struct.pack(f"<3i{len(dims)}i", len(dims), len(name), int(t.f16), *dims) + name
            row_bytes = math.prod(t.shape[1:]) * (2 if t.f16 else 4)
            step = max(1, _CHUNK_BYTES // max(row_bytes, 1))
            for a in range(t.start, t.stop, step):
                chunk = model.rows(t.src, a, min(a + step, t.stop))
                chunk = chunk.astype("<f2" if t.f16 else "<f4", copy=False)
                yield np.ascontiguousarray(chunk).data.cast("B")


def _write_atomic(out_path: Path, chunks: Iterator[bytes | memoryview]) -> tuple[int, str]:
    """Write to a temp file in the same folder, fsync, then rename over out_path."""
    out_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out_path.name}.", suffix=".tmp", dir=out_path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            writer = _HashingWriter(f)
            for chunk in chunks:
                writer.write(chunk)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, out_path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return writer.size, writer.sha256.hexdigest()


def _convert(source: Ct2Source, out_path: Path) -> tuple[int, str]:
    for path in source.files():  # clear errors before any work
        if not path.is_file():
            raise ModelError(MISSING_FILE, f"The speech model file {path} is missing.")
    try:
        config = json.loads(source.config_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(
            INVALID_MODEL, f"The speech model config {source.config_path} is unreadable."
        ) from exc
    if not isinstance(config, dict):
        raise ModelError(
            INVALID_MODEL, f"The speech model config {source.config_path} is not a JSON object."
        )
    model = read_ct2_model(source.model_parts)
    try:
        return _write_atomic(out_path, _ggml_chunks(model, source))
    except OSError as exc:
        raise ModelError(
            "stt_model_convert_failed", f"Cannot write {out_path}: {exc.strerror}."
        ) from exc
    finally:
        model.parts.close()


def convert_ct2_to_ggml(src: Ct2Source, out_path: Path) -> None:
    _convert(src, Path(out_path))


def _fingerprint(source: Ct2Source) -> list[list[str | int]]:
    result: list[list[str | int]] = []
    for path in source.files():
        try:
            st = path.stat()
        except OSError:
            raise ModelError(MISSING_FILE, f"The speech model file {path} is missing.") from None
        result.append([path.name, st.st_size, st.st_mtime_ns])
    return result


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(_CHUNK_BYTES):
            digest.update(block)
    return digest.hexdigest()


def ensure_ggml(source: Ct2Source, cache_dir: Path, name: str) -> Path:
    """Return a verified ggml file for `source` in cache_dir, converting it if needed."""
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name):
        raise ValueError(f"invalid model name for the cache: {name!r}")
    out = Path(cache_dir) / f"ggml-{name}.bin"
    sidecar = out.with_name(out.name + ".json")
    wanted = {"format_version": FORMAT_VERSION, "source": _fingerprint(source)}
    try:
        meta = json.loads(sidecar.read_text(encoding="utf-8"))
        if (
            isinstance(meta, dict)
            and all(meta.get(k) == v for k, v in wanted.items())
            and out.stat().st_size == meta.get("size")
            and _sha256(out) == meta.get("sha256")
        ):
            return out
    except (OSError, ValueError):
        pass
    size, digest = _convert(source, out)
    text = json.dumps({**wanted, "size": size, "sha256": digest}, indent=1)
    try:
        _write_atomic(sidecar, iter([text.encode()]))
    except OSError as exc:
        raise ModelError(
            "stt_model_convert_failed", f"Cannot write {sidecar}: {exc.strerror}."
        ) from exc
    return out

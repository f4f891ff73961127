"""Write small GGUF files (version 3) for tests: metadata and f32 tensors, nothing else."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

_STRING, _UINT32, _FLOAT32 = 8, 4, 6
_ALIGNMENT = 32


def _string(text: str) -> bytes:
    data = text.encode()
    return struct.pack("<Q", len(data)) + data


def _value(value: str | int | float) -> bytes:
    if isinstance(value, str):
        return struct.pack("<I", _STRING) + _string(value)
    if isinstance(value, int):
        return struct.pack("<II", _UINT32, value)
    return struct.pack("<If", _FLOAT32, value)


def write_gguf(
    path: Path, metadata: dict[str, str | int | float], tensors: dict[str, np.ndarray]
) -> Path:
    header = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(metadata))
    header += b"".join(_string(key) + _value(value) for key, value in metadata.items())
    infos, blobs, offset = b"", [], 0
    for name, array in tensors.items():
        data = np.ascontiguousarray(array, dtype="<f4").tobytes()
        dims = array.shape[::-1]  # GGUF lists the fastest-moving dimension first
        infos += _string(name) + struct.pack("<I", len(dims))
        infos += b"".join(struct.pack("<Q", d) for d in dims)
        infos += struct.pack("<IQ", 0, offset)  # type 0: f32
        padded = data + b"\0" * (-len(data) % _ALIGNMENT)
        blobs.append(padded)
        offset += len(padded)
    head = header + infos
    head += b"\0" * (-len(head) % _ALIGNMENT)
    path.write_bytes(head + b"".join(blobs))
    return path


def lora_adapter(path: Path, architecture: str, width: int) -> Path:
    """A LoRA adapter (all zeros: it changes nothing) for the first attention layer of a
    model of `architecture` whose hidden size is `width`."""
    rank = 8
    return write_gguf(
        path,
        {
            "general.architecture": architecture,
            "general.type": "adapter",
            "adapter.type": "lora",
            "adapter.lora.alpha": 16.0,
        },
        {
            "blk.0.attn_q.weight.lora_a": np.zeros((rank, width), dtype=np.float32),
            "blk.0.attn_q.weight.lora_b": np.zeros((width, rank), dtype=np.float32),
        },
    )


def with_chat_template(source: Path, target: Path, template: str) -> Path:
    """A copy of the GGUF model `source` whose chat template is `template` (with the `gguf`
    package: every other key and tensor as it was)."""
    import gguf

    reader = gguf.GGUFReader(source)
    arch = str(reader.fields["general.architecture"].contents())
    writer = gguf.GGUFWriter(target, arch)
    for name, item in reader.fields.items():
        if name.startswith("GGUF.") or name in ("general.architecture", "tokenizer.chat_template"):
            continue
        kind = item.types[0]
        sub = item.types[-1] if kind == gguf.GGUFValueType.ARRAY else None
        writer.add_key_value(name, item.contents(), kind, sub_type=sub)
    writer.add_chat_template(template)
    for tensor in reader.tensors:
        writer.add_tensor(
            tensor.name, tensor.data, raw_shape=tensor.data.shape, raw_dtype=tensor.tensor_type
        )
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return target


def header_only(
    path: Path, metadata: dict[str, str | int | float], shapes: dict[str, tuple[int, ...]]
) -> Path:
    """A GGUF header that declares f32 tensors of `shapes` and holds none of their data: what
    discovery reads of a large model, in a few bytes (llama.cpp would refuse it)."""
    header = b"GGUF" + struct.pack("<IQQ", 3, len(shapes), len(metadata))
    header += b"".join(_string(key) + _value(value) for key, value in metadata.items())
    offset = 0
    for name, shape in shapes.items():
        dims = shape[::-1]
        header += _string(name) + struct.pack("<I", len(dims))
        header += b"".join(struct.pack("<Q", d) for d in dims)
        header += struct.pack("<IQ", 0, offset)
        offset += 4 * int(np.prod(shape))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(header)
    return path

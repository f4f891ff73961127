"""The GGUF models already on this machine: Ollama's, LM Studio's, GPT4All's, the Hugging Face
cache's, llama.cpp's cache, the user's own folders and the data dir's `models/`.

Read-only: files are opened for reading their headers and nothing else. The scan is bounded in
depth, in entries and in time; a place that cannot be read is skipped with a note. A file
reached by two paths (two Ollama tags, a symlink) is listed once, and a split model
(`-00001-of-00003.gguf`) once, by its first part.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from voicebuddy.errors import ModelError
from voicebuddy.models.gguf import read_gguf_header
from voicebuddy.models.gguf_info import GgufInfo, Kind, describe
from voicebuddy.models.header_cache import HeaderCache

MAX_DEPTH = 6  # below a place's root
MAX_ENTRIES = 200_000  # directory entries looked at, over all places
TIME_LIMIT_S = 10.0
_MANIFEST_BYTES = 1 << 20
_SPLIT = re.compile(r"^(?P<stem>.+)-(?P<part>\d{5})-of-(?P<parts>\d{5})\.gguf$", re.IGNORECASE)
_OLLAMA_MODEL = "application/vnd.ollama.image.model"
_OLLAMA_LAYERS = {
    _OLLAMA_MODEL: "",
    "application/vnd.ollama.image.adapter": "adapter",
    "application/vnd.ollama.image.projector": "projector",
}
_OLLAMA_HOST, _OLLAMA_LIBRARY = "registry.ollama.ai", "library"


@dataclass(frozen=True)
class Place:
    source: str  # ollama, lmstudio, gpt4all, huggingface, llama.cpp, folder, data
    root: Path


@dataclass(frozen=True)
class FoundModel:
    name: str  # the short name `--llm-model` accepts
    source: str
    path: Path  # the file llama.cpp loads (a split model's first part)
    kind: Kind
    size_bytes: int  # all parts
    info: GgufInfo | None = None
    skipped_reason: str = ""
    aliases: tuple[str, ...] = ()  # other names of the same file (another Ollama tag)


@dataclass
class Discovery:
    models: list[FoundModel] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # places skipped, limits reached

    @property
    def chat_models(self) -> list[FoundModel]:
        return [m for m in self.models if m.kind == "chat"]


def model_places(
    home: Path,
    environ: Mapping[str, str],
    folders: Sequence[Path] = (),
    data_dir: Path | None = None,
) -> list[Place]:
    """Where models are looked for, in this order (the first path to a file names it)."""
    places: list[Place] = []

    def add(source: str, *roots: str | Path | None) -> None:
        for root in roots:
            if root:
                places.append(Place(source, Path(root).expanduser()))

    profile = environ.get("USERPROFILE")
    local = environ.get("LOCALAPPDATA")
    add("ollama", environ.get("OLLAMA_MODELS"), home / ".ollama/models")
    add("ollama", "/usr/share/ollama/.ollama/models")
    add("ollama", Path(profile) / ".ollama/models" if profile else None)
    add("lmstudio", _lmstudio_home(home) / "models")
    add("gpt4all", home / ".local/share/nomic.ai/GPT4All")
    add("gpt4all", home / "Library/Application Support/nomic.ai/GPT4All")
    add("gpt4all", Path(local) / "nomic.ai/GPT4All" if local else None)
    hf_home = environ.get("HF_HOME")
    add("huggingface", environ.get("HF_HUB_CACHE"), Path(hf_home) / "hub" if hf_home else None)
    add("huggingface", home / ".cache/huggingface/hub")
    add("llama.cpp", environ.get("LLAMA_CACHE"), home / ".cache/llama.cpp")
    add("llama.cpp", home / "Library/Caches/llama.cpp")
    add("llama.cpp", Path(local) / "llama.cpp" if local else None)
    add("folder", *folders)
    add("data", data_dir / "models" if data_dir else None)
    unique: dict[Path, Place] = {}
    for place in places:
        unique.setdefault(place.root, place)
    return list(unique.values())


def _lmstudio_home(home: Path) -> Path:
    pointer = home / ".lmstudio-home-pointer"
    try:
        pointed = pointer.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        pointed = ""
    if pointed:
        return Path(pointed).expanduser()
    cache = home / ".cache/lm-studio"
    return cache if cache.is_dir() else home / ".lmstudio"


def default_places(folders: Sequence[str] = (), data_dir: Path | None = None) -> list[Place]:
    return model_places(
        Path.home(), os.environ, [Path(f).expanduser() for f in folders if f.strip()], data_dir
    )


@dataclass(frozen=True)
class _Candidate:
    source: str
    path: Path  # as reached (a symlink stays a symlink)
    name: str  # the name it would have
    group: str  # files named together: one chat model in a group drops its file name
    layer: str = ""  # an Ollama layer that is not the model: adapter or projector
    reason: str = ""  # already known not to be usable (a broken manifest)


class _Scan:
    def __init__(self, cache: HeaderCache | None, time_limit_s: float) -> None:
        self.discovery = Discovery()
        self.cache = cache
        self.deadline = time.monotonic() + time_limit_s
        self.entries = 0
        self.stopped = False

    def note(self, text: str) -> None:
        self.discovery.notes.append(text)

    def over_limit(self, where: Path) -> bool:
        if self.stopped:
            return True
        if self.entries > MAX_ENTRIES or time.monotonic() > self.deadline:
            self.stopped = True
            self.note(f"The search stopped at {where}: it had looked long enough.")
        return self.stopped

    def walk(self, root: Path, depth: int = MAX_DEPTH) -> Iterator[Path]:
        """The files under `root`, at most `depth` folders down, without following folder
        links; unreadable folders are noted and skipped."""
        pending = [(root, 0)]
        while pending:
            folder, level = pending.pop()
            if self.over_limit(folder):
                return
            try:
                with os.scandir(folder) as entries:
                    listed = sorted(entries, key=lambda e: e.name)
            except OSError as exc:
                self.note(f"Skipped {folder}: {exc.strerror or exc}.")
                continue
            self.entries += len(listed)
            folders = []
            for entry in listed:
                try:
                    is_dir = entry.is_dir(follow_symlinks=False)
                except OSError:
                    continue
                if not is_dir:
                    yield Path(entry.path)
                elif level + 1 < depth:
                    folders.append((Path(entry.path), level + 1))
            pending.extend(reversed(folders))  # depth first, in name order


def discover(
    places: Sequence[Place],
    cache: HeaderCache | None = None,
    time_limit_s: float = TIME_LIMIT_S,
) -> Discovery:
    scan = _Scan(cache, time_limit_s)
    candidates: list[_Candidate] = []
    for place in places:
        if not place.root.is_dir():
            continue
        finder = _FINDERS.get(place.source, _gguf_files)
        candidates.extend(finder(scan, place))
    seen: dict[tuple[int, int], int] = {}
    found: list[FoundModel] = []
    for candidate in candidates:
        model, identity = _examined(scan, candidate)
        if identity is not None and identity in seen:
            first = found[seen[identity]]
            found[seen[identity]] = replace(first, aliases=(*first.aliases, candidate.name))
            continue
        if identity is not None:
            seen[identity] = len(found)
        found.append(model)
    scan.discovery.models = _named(found, candidates)
    if cache is not None:
        cache.save()
    return scan.discovery


def _examined(scan: _Scan, candidate: _Candidate) -> tuple[FoundModel, tuple[int, int] | None]:
    def skipped(reason: str, size: int = 0) -> FoundModel:
        return FoundModel(candidate.name, candidate.source, candidate.path, "skipped", size,
                          skipped_reason=reason)  # fmt: skip

    if candidate.reason:
        return skipped(candidate.reason), None
    try:
        stat = candidate.path.stat()
    except FileNotFoundError:
        return skipped("a link to a file that is not there"), None
    except OSError as exc:
        return skipped(f"it cannot be read ({exc.strerror or exc})"), None
    identity = (stat.st_dev, stat.st_ino)
    size, reason = _split_size(candidate.path, stat.st_size)
    if reason:
        return skipped(reason, size), identity
    info = scan.cache.get(candidate.path, stat) if scan.cache is not None else None
    if info is None:
        try:
            info = _read_info(candidate.path)
        except ModelError as exc:
            return skipped(exc.message.rstrip("."), size), identity
        except OSError as exc:
            return skipped(f"it cannot be read ({exc.strerror or exc})", size), identity
        if scan.cache is not None:
            scan.cache.put(candidate.path, stat, info)
    if isinstance(info, str):
        return skipped(info, size), identity
    kind: Kind = info.kind
    reason = info.reason
    if candidate.layer and kind == "chat":  # Ollama said adapter or projector
        kind, reason = "skipped", f"Ollama lists it as a {candidate.layer}"
    model = FoundModel(candidate.name, candidate.source, candidate.path, kind, size, info,
                       skipped_reason=reason)  # fmt: skip
    return model, identity


def _read_info(path: Path) -> GgufInfo | str:
    """The file's facts, or why it is not a GGUF model."""
    with path.open("rb") as file:
        head = file.read(16)
    if head[:4] != b"GGUF":
        if len(head) >= 9 and head[8:9] == b"{":
            return "a safetensors file, not GGUF: llama.cpp cannot load it"
        return "not a GGUF file"
    return describe(read_gguf_header(path))


def _split_size(path: Path, size: int) -> tuple[int, str]:
    """All parts' size for a split model's first part; why not, when a part is missing."""
    match = _SPLIT.match(path.name)
    if match is None:
        return size, ""
    parts = int(match["parts"])
    total = size
    for number in range(2, parts + 1):
        part = path.with_name(f"{match['stem']}-{number:05d}-of-{match['parts']}.gguf")
        try:
            total += part.stat().st_size
        except OSError:
            return total, f"part {number} of {parts} is missing"
    return total, ""


def _named(found: list[FoundModel], candidates: list[_Candidate]) -> list[FoundModel]:
    """A group (an LM Studio model folder) with one chat model names it without its file."""
    groups = {c.name: c.group for c in candidates}
    chats: dict[str, int] = {}
    for model in found:
        if model.kind == "chat" and groups.get(model.name):
            chats[groups[model.name]] = chats.get(groups[model.name], 0) + 1
    named = []
    for model in found:
        group = groups.get(model.name, "")
        if group and model.kind == "chat" and chats[group] == 1:
            model = replace(model, name=group, aliases=(*model.aliases, model.name))
        named.append(model)
    return named


def _first_part_or_whole(path: Path) -> bool:
    match = _SPLIT.match(path.name)
    return match is None or int(match["part"]) == 1


def _gguf_files(scan: _Scan, place: Place) -> Iterator[_Candidate]:
    """GPT4All, llama.cpp's cache, the user's folders: every .gguf file, by its path."""
    prefix = {"gpt4all": "gpt4all", "llama.cpp": "llama.cpp"}.get(place.source, "local")
    for path in scan.walk(place.root):
        if path.suffix.lower() == ".gguf" and _first_part_or_whole(path):
            relative = path.relative_to(place.root).as_posix()
            yield _Candidate(place.source, path, f"{prefix}:{relative}", "")


def _lmstudio(scan: _Scan, place: Place) -> Iterator[_Candidate]:
    for path in scan.walk(place.root, depth=4):
        if path.suffix.lower() != ".gguf" or not _first_part_or_whole(path):
            continue
        relative = path.relative_to(place.root)
        folder = relative.parent.as_posix()
        group = f"lmstudio:{folder}" if len(relative.parts) == 3 else ""
        yield _Candidate(place.source, path, f"lmstudio:{relative.as_posix()}", group)


def _huggingface(scan: _Scan, place: Place) -> Iterator[_Candidate]:
    for repo in sorted(place.root.glob("models--*")):
        org_name = repo.name.removeprefix("models--").split("--", 1)
        label = "/".join(org_name)
        snapshots = repo / "snapshots"
        if not snapshots.is_dir():
            continue
        named: set[str] = set()
        for path in scan.walk(snapshots, depth=MAX_DEPTH):
            if path.suffix.lower() != ".gguf" or not _first_part_or_whole(path):
                continue
            revision, *inside = path.relative_to(snapshots).parts
            name = f"hf:{label}/{'/'.join(inside)}"
            if name in named:  # the same file name in another revision
                name = f"{name}@{revision[:8]}"
            named.add(name)
            yield _Candidate(place.source, path, name, "")


def _ollama(scan: _Scan, place: Place) -> Iterator[_Candidate]:
    manifests, blobs = place.root / "manifests", place.root / "blobs"
    for manifest in scan.walk(manifests, depth=4):
        parts = manifest.relative_to(manifests).parts
        if len(parts) != 4:
            continue
        host, namespace, model, tag = parts
        if (host, namespace) == (_OLLAMA_HOST, _OLLAMA_LIBRARY):
            name = f"ollama:{model}:{tag}"
        elif host == _OLLAMA_HOST:
            name = f"ollama:{namespace}/{model}:{tag}"
        else:
            name = f"ollama:{host}/{namespace}/{model}:{tag}"
        layers, reason = _ollama_layers(manifest)
        if reason:
            yield _Candidate(place.source, manifest, name, "", reason=reason)
            continue
        for media_type, digest in layers:
            layer = _OLLAMA_LAYERS[media_type]
            blob = blobs / digest.replace(":", "-")
            yield _Candidate(place.source, blob, f"{name}/{layer}" if layer else name, "", layer)


def _ollama_layers(manifest: Path) -> tuple[list[tuple[str, str]], str]:
    """The manifest's model, adapter and projector layers; why not, when it is broken."""
    try:
        with manifest.open("rb") as file:
            data = json.loads(file.read(_MANIFEST_BYTES))
        layers = data["layers"]
        found = [
            (str(layer["mediaType"]), str(layer["digest"]))
            for layer in layers
            if layer.get("mediaType") in _OLLAMA_LAYERS
        ]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return [], "its Ollama manifest is not readable JSON with layers"
    if not any(media == _OLLAMA_MODEL for media, _ in found):
        return [], "its Ollama manifest names no model layer"
    if not all(re.fullmatch(r"sha256:[0-9a-f]{64}", digest) for _, digest in found):
        return [], "its Ollama manifest names a blob in an unknown way"
    return found, ""


_FINDERS = {"ollama": _ollama, "lmstudio": _lmstudio, "huggingface": _huggingface}


def find_model(name: str, discovery: Discovery) -> FoundModel | None:
    """A chat model by its short name, an alias, or an unambiguous prefix of one; None when
    nothing matches. Several matches: a ModelError naming them."""
    chats = discovery.chat_models

    def names(model: FoundModel) -> list[str]:
        full = [model.name, *model.aliases]
        return full + [n.split(":", 1)[1] for n in full]  # without the source

    for model in chats:
        if name in names(model):
            return model
    matching = [m for m in chats if any(n.startswith(name) for n in names(m))]
    if len(matching) == 1:
        return matching[0]
    if matching:
        listed = ", ".join(m.name for m in matching[:5])
        raise ModelError(
            "llm_model_ambiguous", f"{name!r} could be several models: {listed}. Give more of it."
        )
    return None

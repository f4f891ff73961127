"""Character card JSON (V1, V2, V3) to CharacterCard and back.

Reading is strict about types: a number where text belongs, an object where a list belongs or a
lorebook entry that is not an object is `card_invalid`, never coerced. JSON `null` counts as an
absent field. Fields VoiceBuddy does not know are kept in `extra` / `outer_extra` (an entry's or
asset's `extra`) and written back, so card_from_json(card_to_v3(c)) == c and
card_from_json(card_to_v2(c)) == c for every card card_from_json returns.

V2 output follows SillyTavern, which writes one object with `spec` set to each version: V3-only
fields that are set stay in `data` (V2 readers ignore them), and the six V1 fields are mirrored
at the top level for V1 readers. On reading, those top-level mirrors are dropped: `data` wins.
"""

from __future__ import annotations

from typing import Any

from voicebuddy.characters.card import Asset, CharacterCard, Lorebook, LoreEntry, Position
from voicebuddy.characters.card_checks import (
    MAX_LORE_ENTRIES,
    check_json_tree,
    clone,
    fail,
    is_safe_relative_path,
    short,
)
from voicebuddy.characters.card_fields import FieldReader

SPEC_V2 = "chara_card_v2"
SPEC_V3 = "chara_card_v3"
V1_FIELDS = ("name", "description", "personality", "scenario", "first_mes", "mes_example")
_EMBEDDED_PREFIXES = ("embeded://", "embedded://")  # the spec's spelling, and the usual one


def _layout(obj: object, source: str) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """("v1" | "v2" | "v3", the fields object, unknown top-level fields)."""
    if not isinstance(obj, dict):
        fail("card_invalid", source, "is not a JSON object")
    spec = obj.get("spec")
    if spec is None:
        return "v1", obj, {}
    if not isinstance(spec, str):
        fail("card_invalid", source, "is invalid: field spec must be text")
    if spec.startswith("lorebook"):
        fail("card_unsupported", source, "is a lorebook, not a character card")
    if spec not in (SPEC_V2, SPEC_V3):
        fail(
            "card_unsupported",
            source,
            f"uses the card format {short(spec)}, which VoiceBuddy does not read",
        )
    data = obj.get("data")
    if not isinstance(data, dict):
        fail("card_invalid", source, "is invalid: field data must be an object")
    known = ("spec", "spec_version", "data", *V1_FIELDS)
    outer = {key: value for key, value in obj.items() if key not in known}
    return ("v2" if spec == SPEC_V2 else "v3"), data, outer


def card_spec(obj: object, source: str) -> str:
    """The card's version: "v1", "v2" or "v3" (raises as card_from_json would)."""
    return _layout(obj, source)[0]


def card_from_json(obj: object, source: str, coerced: list[str] | None = None) -> CharacterCard:
    """A parsed V1, V2 or V3 card (as from json.loads) as a CharacterCard; `source` names the
    file in error messages. What was read leniently (see FieldReader) is added to `coerced`."""
    check_json_tree(obj, source)
    spec, data, outer = _layout(obj, source)
    f = FieldReader(data, "" if spec == "v1" else "data", source, coerced)
    name = f.text("name")
    if not name.strip():
        fail("card_invalid", source, "has no name")
    book_where = f.name("character_book")
    card = CharacterCard(
        name=name,
        description=f.text("description"),
        personality=f.text("personality"),
        scenario=f.text("scenario"),
        first_mes=f.text("first_mes"),
        mes_example=f.text("mes_example"),
        creator_notes=f.text("creator_notes"),
        system_prompt=f.text("system_prompt"),
        post_history_instructions=f.text("post_history_instructions"),
        alternate_greetings=f.texts("alternate_greetings"),
        tags=f.texts("tags", separator=","),
        creator=f.text("creator"),
        character_version=f.text("character_version"),
        extensions=f.mapping("extensions"),
        character_book=_lorebook(f, f.take("character_book"), book_where),
        nickname=f.text("nickname"),
        creator_notes_multilingual=f.text_map("creator_notes_multilingual"),
        source=f.texts("source"),
        group_only_greetings=f.texts("group_only_greetings"),
        creation_date=f.timestamp("creation_date"),
        modification_date=f.timestamp("modification_date"),
        assets=[
            _asset(f, item, f"{f.name('assets')}[{i}]") for i, item in enumerate(f.items("assets"))
        ],
    )
    card.extra = f.leftover()
    card.outer_extra = dict(clone(outer))
    return card


def _lorebook(card: FieldReader, value: object, where: str) -> Lorebook | None:
    if value is None:
        return None
    f = card.nested(value, where)
    source = f.source
    raw_entries = f.items("entries")
    if len(raw_entries) > MAX_LORE_ENTRIES:
        fail(
            "card_too_large",
            source,
            f"has {len(raw_entries):,} lorebook entries, "
            f"more than the {MAX_LORE_ENTRIES:,} VoiceBuddy reads",
        )
    return Lorebook(
        entries=[_entry(f, item, f"{where}.entries[{i}]") for i, item in enumerate(raw_entries)],
        name=f.text("name"),
        description=f.text("description"),
        scan_depth=f.optional_integer("scan_depth"),
        token_budget=f.optional_integer("token_budget"),
        recursive_scanning=f.optional_flag("recursive_scanning"),
        extensions=f.mapping("extensions"),
        extra=f.leftover(),
    )


def _position(f: FieldReader) -> Position | None:
    value = f.take("position")
    if value is None:
        return None
    if not isinstance(value, str):
        f.wrong("position", "text")
    if value == "before_char":
        return "before_char"
    if value == "after_char":
        return "after_char"
    f.rest["position"] = value  # another tool's position ("", "depth", ...): kept as it was
    return None


def _entry(book: FieldReader, value: object, where: str) -> LoreEntry:
    f = book.nested(value, where)
    position = _position(f)
    return LoreEntry(
        keys=f.texts("keys", separator=","),
        content=f.text("content"),
        extensions=f.mapping("extensions"),
        enabled=f.flag("enabled", True),
        insertion_order=f.integer("insertion_order", 0),
        case_sensitive=f.optional_flag("case_sensitive"),
        use_regex=f.flag("use_regex", False),
        constant=f.optional_flag("constant"),
        name=f.text("name"),
        priority=f.optional_integer("priority"),
        id=f.ident("id"),
        comment=f.text("comment"),
        selective=f.flag("selective", False),
        secondary_keys=f.texts("secondary_keys", separator=","),
        position=position,
        extra=f.leftover(),
    )


def embedded_path(uri: str) -> str | None:
    """The path inside a CHARX of an "embeded://path" asset URI, else None."""
    for prefix in _EMBEDDED_PREFIXES:
        if uri.startswith(prefix):
            return uri[len(prefix) :]
    return None


def _asset(card: FieldReader, value: object, where: str) -> Asset:
    f = card.nested(value, where)
    source = f.source
    asset = Asset(
        type=f.text("type"),
        uri=f.text("uri", limit=None),  # a data: URI may be a whole image
        name=f.text("name"),
        ext=f.text("ext"),
        extra=f.leftover(),
    )
    path = embedded_path(asset.uri)
    if path is not None and not is_safe_relative_path(path):
        fail(
            "card_invalid", source, f"has an asset path {short(path)} that points outside the card"
        )
    return asset


def _set_extra(out: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    for key, value in extra.items():
        out.setdefault(key, clone(value))  # a known field always wins over a stray extra
    return out


def _entry_json(entry: LoreEntry, v3: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "keys": list(entry.keys),
        "content": entry.content,
        "extensions": clone(entry.extensions),
        "enabled": entry.enabled,
        "insertion_order": entry.insertion_order,
    }
    if entry.case_sensitive is not None:
        out["case_sensitive"] = entry.case_sensitive
    if v3 or entry.use_regex:
        out["use_regex"] = entry.use_regex
    if entry.constant is not None:
        out["constant"] = entry.constant
    out["name"] = entry.name
    if entry.priority is not None:
        out["priority"] = entry.priority
    if entry.id is not None:
        out["id"] = entry.id
    out["comment"] = entry.comment
    out["selective"] = entry.selective
    out["secondary_keys"] = list(entry.secondary_keys)
    if entry.position is not None:
        out["position"] = entry.position
    return _set_extra(out, entry.extra)


def _book_json(book: Lorebook, v3: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"name": book.name, "description": book.description}
    if book.scan_depth is not None:
        out["scan_depth"] = book.scan_depth
    if book.token_budget is not None:
        out["token_budget"] = book.token_budget
    if book.recursive_scanning is not None:
        out["recursive_scanning"] = book.recursive_scanning
    out["extensions"] = clone(book.extensions)
    out["entries"] = [_entry_json(entry, v3) for entry in book.entries]
    return _set_extra(out, book.extra)


def _data_json(card: CharacterCard, v3: bool) -> dict[str, Any]:
    out: dict[str, Any] = {field: getattr(card, field) for field in V1_FIELDS}
    out.update(
        creator_notes=card.creator_notes,
        system_prompt=card.system_prompt,
        post_history_instructions=card.post_history_instructions,
        alternate_greetings=list(card.alternate_greetings),
        tags=list(card.tags),
        creator=card.creator,
        character_version=card.character_version,
        extensions=clone(card.extensions),
    )
    if card.character_book is not None:
        out["character_book"] = _book_json(card.character_book, v3)
    if v3 or card.group_only_greetings:  # V3 requires the field; V2 carries it only if set
        out["group_only_greetings"] = list(card.group_only_greetings)
    if card.nickname:
        out["nickname"] = card.nickname
    if card.creator_notes_multilingual:
        out["creator_notes_multilingual"] = dict(card.creator_notes_multilingual)
    if card.source:
        out["source"] = list(card.source)
    if card.creation_date is not None:
        out["creation_date"] = card.creation_date
    if card.modification_date is not None:
        out["modification_date"] = card.modification_date
    if card.assets:
        out["assets"] = [
            _set_extra({"type": a.type, "uri": a.uri, "name": a.name, "ext": a.ext}, a.extra)
            for a in card.assets
        ]
    return _set_extra(out, card.extra)


def card_to_v3(card: CharacterCard) -> dict[str, Any]:
    """The card as a Character Card V3 object."""
    out: dict[str, Any] = {"spec": SPEC_V3, "spec_version": "3.0", "data": _data_json(card, True)}
    return _set_extra(out, card.outer_extra)


def card_to_v2(card: CharacterCard) -> dict[str, Any]:
    """The card as a Character Card V2 object, with V1 mirrors at the top level."""
    out: dict[str, Any] = {field: getattr(card, field) for field in V1_FIELDS}
    out.update(spec=SPEC_V2, spec_version="2.0", data=_data_json(card, False))
    return _set_extra(out, card.outer_extra)

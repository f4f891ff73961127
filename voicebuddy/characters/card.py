"""The character card: one model for Character Card V3, a superset of V2 and V1.

Field names are the spec's, so a card reads like the JSON it came from. Whatever VoiceBuddy
does not know (unknown fields, other tools' extensions) is kept in `extra` / `extensions` and
written back unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Position = Literal["before_char", "after_char"]


@dataclass
class LoreEntry:
    keys: list[str]
    content: str
    extensions: dict[str, Any] = field(default_factory=dict)
    enabled: bool = True
    insertion_order: int = 0
    case_sensitive: bool | None = None
    use_regex: bool = False  # V3
    constant: bool | None = None
    name: str = ""
    priority: int | None = None
    id: int | str | None = None
    comment: str = ""
    selective: bool = False
    secondary_keys: list[str] = field(default_factory=list)
    position: Position | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # unknown fields, kept as they were


@dataclass
class Lorebook:
    entries: list[LoreEntry] = field(default_factory=list)
    name: str = ""
    description: str = ""
    scan_depth: int | None = None
    token_budget: int | None = None
    recursive_scanning: bool | None = None
    extensions: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Asset:
    """A V3 asset: `uri` is "ccdefault:", "embeded://path" (sic, as the spec spells it),
    "data:..." or a URL, which VoiceBuddy never fetches."""

    type: str
    uri: str
    name: str
    ext: str
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class CharacterCard:
    name: str
    description: str = ""
    personality: str = ""
    scenario: str = ""
    first_mes: str = ""
    mes_example: str = ""
    creator_notes: str = ""
    system_prompt: str = ""
    post_history_instructions: str = ""
    alternate_greetings: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    creator: str = ""
    character_version: str = ""
    extensions: dict[str, Any] = field(default_factory=dict)
    character_book: Lorebook | None = None
    # V3 additions
    nickname: str = ""
    creator_notes_multilingual: dict[str, str] = field(default_factory=dict)
    source: list[str] = field(default_factory=list)
    group_only_greetings: list[str] = field(default_factory=list)
    creation_date: int | None = None  # Unix seconds
    modification_date: int | None = None
    assets: list[Asset] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # unknown fields of "data"
    outer_extra: dict[str, Any] = field(default_factory=dict)  # unknown top-level fields

    @property
    def voicebuddy(self) -> dict[str, Any]:
        """VoiceBuddy's own settings in the card: extensions.voicebuddy (voice, rate, language)."""
        ours = self.extensions.get("voicebuddy")
        return ours if isinstance(ours, dict) else {}

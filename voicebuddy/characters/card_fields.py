"""Reading one JSON object of a card field by field, each with its type checked."""

from __future__ import annotations

from typing import Any, NoReturn

from voicebuddy.characters.card_checks import MAX_TEXT_CHARS, clone, fail, short


class FieldReader:
    """Takes known fields out of one JSON object, checking each one's type; what is left over
    is the object's `extra`.

    Lenient where SillyTavern is and the meaning is clear: a number where text belongs becomes
    that text, and a single text where a list of text belongs becomes a list (tags split at
    commas). Each such change is noted in `coerced` (shared by the readers of one card)."""

    def __init__(
        self, obj: object, where: str, source: str, coerced: list[str] | None = None
    ) -> None:
        if not isinstance(obj, dict):
            fail("card_invalid", source, f"is invalid: {where or 'the card'} must be an object")
        self.rest: dict[str, Any] = dict(obj)
        self.where = where
        self.source = source
        self.coerced = coerced if coerced is not None else []

    def nested(self, obj: object, where: str) -> FieldReader:
        """A reader of an object inside this one, noting its coercions with this one's."""
        return FieldReader(obj, where, self.source, self.coerced)

    def name(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def wrong(self, key: str, expected: str) -> NoReturn:
        fail("card_invalid", self.source, f"is invalid: field {self.name(key)} must be {expected}")

    def take(self, key: str) -> object:
        return self.rest.pop(key, None)

    def _text(self, value: object, key: str, expected: str, limit: int | None) -> str:
        if isinstance(value, int | float) and not isinstance(value, bool):
            number = value
            value = str(int(number) if float(number).is_integer() else number)
            self.coerced.append(f"{self.name(key)}: the number {number!r} read as text")
        if not isinstance(value, str):
            self.wrong(key, expected)
        if limit is not None and len(value) > limit:
            fail(
                "card_too_large",
                self.source,
                f"has a field {self.name(key)} of {len(value):,} characters, "
                f"more than the {limit:,} VoiceBuddy reads",
            )
        return value

    def text(self, key: str, limit: int | None = MAX_TEXT_CHARS) -> str:
        value = self.take(key)
        return "" if value is None else self._text(value, key, "text", limit)

    def texts(self, key: str, separator: str | None = None) -> list[str]:
        """A list of text; a single text is a list of one, or split at `separator`."""
        value = self.take(key)
        if value is None:
            return []
        if isinstance(value, str):
            items = value.split(separator) if separator else [value]
            items = [item.strip() for item in items] if separator else items
            kept: list[object] = [item for item in items if item]
            self.coerced.append(f"{self.name(key)}: the text {short(value)} read as a list")
            value = kept
        if not isinstance(value, list):
            self.wrong(key, "a list of text")
        return [self._text(item, key, "a list of text", MAX_TEXT_CHARS) for item in value]

    def text_map(self, key: str) -> dict[str, str]:
        value = self.take(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.wrong(key, "an object of text")
        return {
            k: self._text(v, key, "an object of text", MAX_TEXT_CHARS) for k, v in value.items()
        }

    def mapping(self, key: str) -> dict[str, Any]:
        value = self.take(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.wrong(key, "an object")
        return dict(clone(value))

    def items(self, key: str) -> list[object]:
        value = self.take(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.wrong(key, "a list")
        return value

    def flag(self, key: str, default: bool) -> bool:
        value = self.optional_flag(key)
        return default if value is None else value

    def optional_flag(self, key: str) -> bool | None:
        value = self.take(key)
        if value is not None and not isinstance(value, bool):
            self.wrong(key, "true or false")
        return value if isinstance(value, bool) else None

    def _whole(self, value: object, key: str, expected: str) -> int | None:
        if value is None:
            return None
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            self.wrong(key, expected)
        return value

    def optional_integer(self, key: str) -> int | None:
        return self._whole(self.take(key), key, "a whole number")

    def integer(self, key: str, default: int) -> int:
        value = self.optional_integer(key)
        return default if value is None else value

    def timestamp(self, key: str) -> int | None:
        value = self.take(key)
        if isinstance(value, float):
            return int(value)  # fractions of a second are dropped
        return self._whole(value, key, "a number")

    def ident(self, key: str) -> int | str | None:
        value = self.take(key)
        if isinstance(value, str):
            return self._text(value, key, "a number or text", MAX_TEXT_CHARS)
        return self._whole(value, key, "a number or text")

    def leftover(self) -> dict[str, Any]:
        return dict(clone(self.rest))

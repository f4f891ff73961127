"""Conversations kept in one SQLite file, and their export as Markdown or JSON.

One connection is shared by the threads that use it, so every call takes a lock.
Every write commits at once: a message that was added survives a crash right after.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from voicebuddy.errors import VoiceBuddyError

SCHEMA_VERSION = 3
ROLES = ("user", "assistant", "system")
NEW_CONVERSATION_TITLE = "New conversation"
AUTO_TITLE_LENGTH = 48
EXPORT_FORMAT = "voicebuddy-conversation"
EXPORT_VERSION = 1

_SQLITE_HEADER = b"SQLite format 3\x00"

_SCHEMA_V1 = f"""
CREATE TABLE IF NOT EXISTS conversations (
    id INTEGER PRIMARY KEY,
    character TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ({", ".join(f"'{role}'" for role in ROLES)})),
    content TEXT NOT NULL,
    created_at REAL NOT NULL,
    interrupted INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS messages_by_conversation ON messages(conversation_id);
CREATE INDEX IF NOT EXISTS conversations_by_update ON conversations(character, updated_at);
CREATE TABLE IF NOT EXISTS settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""

# Long-term memories (voicebuddy/memory): facts about the user, per character, with where
# they came from; `key` names what a fact is about, so a newer fact replaces what it
# contradicts. The FTS5 index (trigram: Chinese has no spaces) follows the table.
_MEMORIES_V2 = """
CREATE TABLE memories (
    id INTEGER PRIMARY KEY,
    character TEXT NOT NULL,
    fact TEXT NOT NULL,
    key TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT '',
    value TEXT NOT NULL DEFAULT '',
    conversation_id INTEGER REFERENCES conversations(id) ON DELETE SET NULL,
    message_id INTEGER REFERENCES messages(id) ON DELETE SET NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    recalled INTEGER NOT NULL DEFAULT 0,
    pinned INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX memories_by_character ON memories(character, key);
CREATE VIRTUAL TABLE memories_fts USING fts5(
    fact, content='memories', content_rowid='id', tokenize='trigram'
);
CREATE TRIGGER memories_added AFTER INSERT ON memories BEGIN
    INSERT INTO memories_fts(rowid, fact) VALUES (new.id, new.fact);
END;
CREATE TRIGGER memories_removed AFTER DELETE ON memories BEGIN
    INSERT INTO memories_fts(memories_fts, rowid, fact) VALUES ('delete', old.id, old.fact);
END;
CREATE TRIGGER memories_changed AFTER UPDATE OF fact ON memories BEGIN
    INSERT INTO memories_fts(memories_fts, rowid, fact) VALUES ('delete', old.id, old.fact);
    INSERT INTO memories_fts(rowid, fact) VALUES (new.id, new.fact);
END;
"""

# What a capable chat model wrote of a conversation's history up to (and with) the message
# `up_to` (voicebuddy/memory/model_notes.py); it stands in the prompt for dropped history.
_SUMMARIES_V3 = """
CREATE TABLE summaries (
    id INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    up_to INTEGER NOT NULL,
    text TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE INDEX summaries_by_end ON summaries(up_to);
"""

# _MIGRATIONS[n] takes a database from version n to n + 1 (0: a new, empty file). Each runs
# in one transaction with the version bump, so a failed upgrade leaves the old file as it was.
_MIGRATIONS: tuple[str, ...] = (_SCHEMA_V1, _MEMORIES_V2, _SUMMARIES_V3)
assert len(_MIGRATIONS) == SCHEMA_VERSION

# The first user message and the message count come along with each conversation row.
_CONVERSATION_QUERY = """
SELECT c.id, c.character, c.title, c.created_at, c.updated_at,
       (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id),
       (SELECT m.content FROM messages m
         WHERE m.conversation_id = c.id AND m.role = 'user' ORDER BY m.id LIMIT 1)
FROM conversations c
"""
_NEWEST_FIRST = " ORDER BY c.updated_at DESC, c.id DESC"


@dataclass(frozen=True)
class ConversationInfo:
    id: int
    character: str
    title: str  # the stored title, or an automatic one when none was set
    created_at: float
    updated_at: float
    message_count: int


@dataclass(frozen=True)
class StoredMessage:
    id: int
    conversation_id: int
    role: str  # "user" | "assistant" | "system"
    content: str
    created_at: float
    interrupted: bool


def auto_title(first_user_message: str | None) -> str:
    """The first user message, shortened on a word boundary, or "New conversation"."""
    text = " ".join((first_user_message or "").split())
    if not text:
        return NEW_CONVERSATION_TITLE
    if len(text) <= AUTO_TITLE_LENGTH:
        return text
    cut = text[: AUTO_TITLE_LENGTH - 1]
    word_end = cut.rfind(" ")
    # Text without spaces (Chinese, a long URL) is cut mid-run rather than left almost empty.
    if word_end >= AUTO_TITLE_LENGTH // 2:
        cut = cut[:word_end]
    return cut.rstrip(" ,.;:!?-") + "…"


def _unreadable(path: Path, why: str) -> VoiceBuddyError:
    return VoiceBuddyError("storage_unreadable", f"The conversation store {path} {why}.")


def _check_header(path: Path) -> None:
    """Refuse a non-empty file that is not SQLite before SQLite is allowed to touch it."""
    try:
        with path.open("rb") as file:
            header = file.read(len(_SQLITE_HEADER))
    except FileNotFoundError:
        return
    except OSError as error:
        raise _unreadable(path, f"cannot be read ({error.strerror})") from error
    if header and header != _SQLITE_HEADER:
        raise _unreadable(path, "is not a VoiceBuddy database")


def _connect(path: Path) -> sqlite3.Connection:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise _unreadable(path, f"cannot be created ({error.strerror})") from error
    _check_header(path)
    try:
        connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    except sqlite3.Error as error:
        raise _unreadable(path, f"cannot be opened ({error})") from error
    try:
        # Read the version before anything writes, so a newer or damaged file stays as it is.
        (version,) = connection.execute("PRAGMA user_version").fetchone()
        if version > SCHEMA_VERSION:
            raise _unreadable(path, "was written by a newer VoiceBuddy")
        (check,) = connection.execute("PRAGMA quick_check(1)").fetchone()
        if check != "ok":
            raise _unreadable(path, f"is damaged ({check}); it was left as it is")
        connection.execute("PRAGMA foreign_keys = ON")
        connection.execute("PRAGMA secure_delete = ON")  # a forgotten memory leaves no bytes
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = NORMAL")
        migrate(connection, version, _MIGRATIONS)
    except sqlite3.Error as error:
        connection.close()
        raise _unreadable(path, f"is not a usable database ({error})") from error
    except VoiceBuddyError:
        connection.close()
        raise
    return connection


def migrate(connection: sqlite3.Connection, version: int, migrations: Sequence[str]) -> None:
    """Bring the database from `version` to `len(migrations)`, one version per transaction."""
    for target in range(version + 1, len(migrations) + 1):
        try:
            connection.execute("BEGIN IMMEDIATE")
            for statement in _statements(migrations[target - 1]):
                connection.execute(statement)
            connection.execute(f"PRAGMA user_version = {target}")
            connection.execute("COMMIT")
        except sqlite3.Error:
            connection.execute("ROLLBACK")
            raise


def _statements(script: str) -> list[str]:
    statements, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    return [s for s in statements if s]


def _conversation_from_row(
    row: tuple[int, str, str, float, float, int, str | None],
) -> ConversationInfo:
    id_, character, title, created_at, updated_at, message_count, first_user = row
    return ConversationInfo(
        id=id_,
        character=character,
        title=title or auto_title(first_user),
        created_at=created_at,
        updated_at=updated_at,
        message_count=message_count,
    )


def _not_found(conversation_id: int) -> VoiceBuddyError:
    return VoiceBuddyError(
        "conversation_not_found", f"There is no conversation with the id {conversation_id}."
    )


class Store:
    """Conversations, their messages and a few settings in one SQLite file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._connection = _connect(path)
        self._lock = threading.Lock()
        self._closed = False
        self._last_time = 0.0

    @contextlib.contextmanager
    def _open(self) -> Iterator[None]:
        """The lock, for a call on the open store; after `close()` every call is refused, so
        nothing can be written once the app has let go of the file."""
        with self._lock:
            if self._closed:
                raise VoiceBuddyError(
                    "store_closed", f"The conversation store {self.path} is closed."
                )
            yield

    def _now(self) -> float:
        # Strictly increasing, so "newest updated first" holds even on a coarse clock.
        self._last_time = max(time.time(), self._last_time + 1e-6)
        return self._last_time

    def create_conversation(self, character: str, title: str = "") -> int:
        with self._open():
            now = self._now()
            cursor = self._connection.execute(
                "INSERT INTO conversations (character, title, created_at, updated_at)"
                " VALUES (?, ?, ?, ?)",
                (character, title.strip(), now, now),
            )
            return _row_id(cursor)

    def add_message(
        self, conversation_id: int, role: str, content: str, interrupted: bool = False
    ) -> int:
        _check_role(role)
        with self._open(), self._transaction():
            now = self._now()
            self._touch(conversation_id, now)
            cursor = self._connection.execute(
                "INSERT INTO messages (conversation_id, role, content, created_at, interrupted)"
                " VALUES (?, ?, ?, ?, ?)",
                (conversation_id, role, content, now, int(interrupted)),
            )
            return _row_id(cursor)

    def update_message(self, message_id: int, content: str) -> None:
        """Replace a message's text; an unknown id raises VoiceBuddyError("message_not_found")."""
        with self._open(), self._transaction():
            row = self._connection.execute(
                "UPDATE messages SET content = ? WHERE id = ? RETURNING conversation_id",
                (content, message_id),
            ).fetchone()
            if row is None:
                raise VoiceBuddyError(
                    "message_not_found", f"There is no message with the id {message_id}."
                )
            self._touch(row[0], self._now())

    def delete_message(self, message_id: int) -> None:
        """Remove a message; an unknown id is ignored."""
        with self._open(), self._transaction():
            row = self._connection.execute(
                "DELETE FROM messages WHERE id = ? RETURNING conversation_id", (message_id,)
            ).fetchone()
            if row is not None:
                self._touch(row[0], self._now())

    def messages(self, conversation_id: int) -> list[StoredMessage]:
        with self._open():
            rows = self._connection.execute(
                "SELECT id, conversation_id, role, content, created_at, interrupted"
                " FROM messages WHERE conversation_id = ? ORDER BY id",
                (conversation_id,),
            ).fetchall()
        return [
            StoredMessage(
                id=id_,
                conversation_id=owner,
                role=role,
                content=content,
                created_at=created_at,
                interrupted=bool(interrupted),
            )
            for id_, owner, role, content, created_at, interrupted in rows
        ]

    def conversation(self, conversation_id: int) -> ConversationInfo:
        with self._open():
            row = self._connection.execute(
                _CONVERSATION_QUERY + " WHERE c.id = ?", (conversation_id,)
            ).fetchone()
        if row is None:
            raise _not_found(conversation_id)
        return _conversation_from_row(row)

    def conversations(self, character: str | None = None) -> list[ConversationInfo]:
        """All conversations (or one character's), the most recently updated first."""
        return self._conversations(character, limit=None)

    def last_conversation(self, character: str | None = None) -> ConversationInfo | None:
        found = self._conversations(character, limit=1)
        return found[0] if found else None

    def _conversations(self, character: str | None, limit: int | None) -> list[ConversationInfo]:
        query = _CONVERSATION_QUERY
        params: list[object] = []
        if character is not None:
            query += " WHERE c.character = ?"
            params.append(character)
        query += _NEWEST_FIRST
        if limit is not None:
            query += " LIMIT ?"
            params.append(limit)
        with self._open():
            rows = self._connection.execute(query, params).fetchall()
        return [_conversation_from_row(row) for row in rows]

    def rename_conversation(self, conversation_id: int, title: str) -> None:
        """Set the title; an empty title brings back the automatic one. Does not bump updated_at."""
        with self._open():
            cursor = self._connection.execute(
                "UPDATE conversations SET title = ? WHERE id = ?", (title.strip(), conversation_id)
            )
            if cursor.rowcount == 0:
                raise _not_found(conversation_id)

    def delete_conversation(self, conversation_id: int) -> None:
        """Remove a conversation and its messages; an unknown id is ignored."""
        with self._open():
            self._connection.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))

    def get_setting(self, key: str) -> str | None:
        with self._open():
            row = self._connection.execute(
                "SELECT value FROM settings WHERE key = ?", (key,)
            ).fetchone()
        return None if row is None else str(row[0])

    def set_setting(self, key: str, value: str) -> None:
        with self._open():
            self._connection.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    @contextlib.contextmanager
    def writing(self) -> Iterator[sqlite3.Connection]:
        """The connection, locked, inside one transaction: for the memories
        (voicebuddy/memory/store.py), which share this file."""
        with self._open(), self._transaction():
            yield self._connection

    @contextlib.contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        with self._open():
            yield self._connection

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._closed = True
                self._connection.close()

    def _touch(self, conversation_id: int, now: float) -> None:
        cursor = self._connection.execute(
            "UPDATE conversations SET updated_at = ? WHERE id = ?", (now, conversation_id)
        )
        if cursor.rowcount == 0:
            raise _not_found(conversation_id)

    def _transaction(self) -> _Transaction:
        return _Transaction(self._connection)


class _Transaction:
    """BEGIN … COMMIT on an autocommit connection, or ROLLBACK when the block raises."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection

    def __enter__(self) -> None:
        self._connection.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: type[BaseException] | None, *_: object) -> None:
        self._connection.execute("COMMIT" if exc_type is None else "ROLLBACK")


def _row_id(cursor: sqlite3.Cursor) -> int:
    row_id = cursor.lastrowid
    if row_id is None:
        raise RuntimeError("SQLite reported no row id for an insert")
    return row_id


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}, not {role!r}")


def _iso_utc(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds")


def export_markdown(
    info: ConversationInfo,
    messages: Sequence[StoredMessage],
    user_name: str,
    memories: Sequence[str] = (),
) -> str:
    """The conversation as Markdown, with the memories made from it at the end; *actions*
    in replies are already Markdown italics."""
    date = datetime.fromtimestamp(info.created_at).strftime("%Y-%m-%d %H:%M")
    blocks = [f"# {info.title}", f"*{info.character} · {date}*"]
    for message in messages:
        text = message.content.strip()
        if message.role == "system":
            blocks.append("\n".join(f"> {line}" for line in text.splitlines()) or ">")
            continue
        speaker = user_name if message.role == "user" else info.character
        mark = " *(interrupted)*" if message.interrupted else ""
        blocks.append(f"**{speaker}:** {text}{mark}")
    if memories:
        blocks.append("## Remembered\n\n" + "\n".join(f"- {fact}" for fact in memories))
    return "\n\n".join(blocks) + "\n"


def export_json(
    info: ConversationInfo, messages: Sequence[StoredMessage], memories: Sequence[str] = ()
) -> str:
    document = {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "id": info.id,
        "character": info.character,
        "title": info.title,
        "created_at": _iso_utc(info.created_at),
        "updated_at": _iso_utc(info.updated_at),
        "messages": [
            {
                "role": message.role,
                "content": message.content,
                "created_at": _iso_utc(message.created_at),
                "interrupted": message.interrupted,
            }
            for message in messages
        ],
        "memories": list(memories),  # what the character remembers from this conversation
    }
    return json.dumps(document, ensure_ascii=False, indent=2)

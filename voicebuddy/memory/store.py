"""The memories in the conversation store's SQLite file (table `memories`, FTS5 index
`memories_fts`; see voicebuddy/storage.py).

Forgetting is meant: the row goes (secure_delete zeroes its page), the FTS index is rebuilt
without it, the words it came from are cut out of their message, and the WAL is checkpointed,
so the forgotten words are nowhere in the file's bytes afterwards.
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from voicebuddy.errors import VoiceBuddyError
from voicebuddy.memory.facts import Fact
from voicebuddy.storage import Store, export_json, export_markdown

FORGOTTEN = "[forgotten]"
_COLUMNS = (
    "id, character, fact, key, source, conversation_id, message_id, created_at, updated_at,"
    " recalled, pinned"
)
_CJK = re.compile(r"[\u3400-\u9fff]+")
_WORD = re.compile(r"[^\W_]{3,}", re.UNICODE)
_STOP = frozenset([
    "the", "and", "you", "your", "are", "was", "were", "what", "when", "where", "who", "whom",
    "which", "how", "why", "does", "did", "have", "has", "had", "that", "this", "with", "for",
    "not", "but", "can", "could", "would", "should", "will", "about", "into", "they",
    "them", "their", "there", "here", "then", "than", "just", "like", "tell", "know",
    "remember", "said", "say",
])  # fmt: skip


@dataclass(frozen=True)
class Memory:
    id: int
    character: str
    fact: str
    key: str
    source: str
    conversation_id: int | None
    message_id: int | None
    created_at: float
    updated_at: float
    recalled: int
    pinned: bool


@dataclass(frozen=True)
class Summary:
    text: str
    up_to: int  # the last message it covers; 0 for none


def _memory(row: Sequence[object]) -> Memory:
    (id_, character, fact, key, source, conversation_id, message_id, created, updated,
     recalled, pinned) = row  # fmt: skip
    return Memory(
        int(id_),  # type: ignore[call-overload]
        str(character),
        str(fact),
        str(key),
        str(source),
        conversation_id if isinstance(conversation_id, int) else None,
        message_id if isinstance(message_id, int) else None,
        float(created),  # type: ignore[arg-type]
        float(updated),  # type: ignore[arg-type]
        int(recalled),  # type: ignore[call-overload]
        bool(pinned),
    )


def search_terms(text: str) -> list[str]:
    """Search terms for `text`: its words of three letters or more (stop words and
    possessives dropped), and every three- and two-character run of its Chinese."""
    terms: list[str] = []
    for word in _WORD.findall(re.sub(r"'s\b", "", text.casefold())):
        if not _CJK.search(word) and word not in _STOP:
            terms.append(word)
    for run in _CJK.findall(text):
        terms.extend(run[i : i + 3] for i in range(len(run) - 2))  # FTS5 trigrams
        # and pairs, matched with LIKE: a Chinese word is often two characters ("住在")
        terms.extend(run[i : i + 2] for i in range(len(run) - 1))
    return list(dict.fromkeys(terms))


class MemoryStore:
    def __init__(self, store: Store) -> None:
        self._store = store

    # ----- writing
    def remember(
        self,
        character: str,
        facts: Iterable[Fact],
        conversation_id: int | None = None,
        message_id: int | None = None,
    ) -> list[Memory]:
        """Keep `facts`: one with the key of a kept memory replaces it (a newer statement
        wins); the same fact again only refreshes it."""
        kept: list[int] = []
        with self._store.writing() as db:
            if conversation_id is None and message_id is not None:
                row = db.execute(
                    "SELECT conversation_id FROM messages WHERE id = ?", (message_id,)
                ).fetchone()
                conversation_id = None if row is None else int(row[0])
            for fact in facts:
                now = time.time()
                row = db.execute(
                    "SELECT id FROM memories WHERE character = ? AND (key = ? AND key != ''"
                    " OR fact = ?)",
                    (character, fact.key, fact.text),
                ).fetchone()
                if row is not None:
                    db.execute(
                        "UPDATE memories SET fact = ?, source = ?, value = ?, conversation_id = ?,"
                        " message_id = ?, updated_at = ? WHERE id = ?",
                        (fact.text, fact.source, fact.value, conversation_id, message_id, now,
                         row[0]),
                    )  # fmt: skip
                    kept.append(int(row[0]))
                else:
                    cursor = db.execute(
                        "INSERT INTO memories (character, fact, key, source, value,"
                        " conversation_id, message_id, created_at, updated_at)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (character, fact.text, fact.key, fact.source, fact.value,
                         conversation_id, message_id, now, now),
                    )  # fmt: skip
                    kept.append(int(cursor.lastrowid or 0))
        return [m for m in self.memories(character) if m.id in kept]

    def forget(self, character: str, words: str) -> list[Memory]:
        """Forget every memory of `character` that contains `words` (case-insensitive), and
        cut the words they came from out of their messages. Returns what was forgotten."""
        needle = words.strip().casefold()
        if not needle:
            return []
        gone = [m for m in self.memories(character) if needle in m.fact.casefold()]
        self.delete([m.id for m in gone])
        return gone

    def delete(self, ids: Sequence[int]) -> None:
        if not ids:
            return
        with self._store.writing() as db:
            for memory_id in ids:
                row = db.execute(
                    "DELETE FROM memories WHERE id = ?"
                    " RETURNING source, value, message_id, conversation_id",
                    (memory_id,),
                ).fetchone()
                if row is not None:
                    source, value, message_id, conversation_id = row
                    if source and message_id is not None:
                        _cut_out(db, "id = ?", int(message_id), str(source))
                    if value and conversation_id is not None:  # the replies that repeat it
                        _cut_out(db, "conversation_id = ?", int(conversation_id), str(value))
                    for words in (source, value):  # and what the model wrote of the talk
                        if words and conversation_id is not None:
                            _cut_out(db, "conversation_id = ?", int(conversation_id), str(words),
                                     table="summaries", column="text")  # fmt: skip
            # The index's segments still hold the deleted trigrams until they are rewritten.
            db.execute("INSERT INTO memories_fts(memories_fts) VALUES ('rebuild')")
            _count_change(db)
        with self._store.reading() as db:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def delete_all(self, character: str) -> int:
        ids = [m.id for m in self.memories(character)]
        self.delete(ids)
        return len(ids)

    def update(self, memory_id: int, fact: str | None = None, pinned: bool | None = None) -> None:
        with self._store.writing() as db:
            if fact is not None:
                if not fact.strip():
                    raise VoiceBuddyError("memory_empty", "A memory needs some words.")
                db.execute(
                    "UPDATE memories SET fact = ?, updated_at = ? WHERE id = ?",
                    (fact.strip(), time.time(), memory_id),
                )
                # the index's segments would keep the old words: an edit forgets them too
                db.execute("INSERT INTO memories_fts(memories_fts) VALUES ('rebuild')")
                _count_change(db)
            if pinned is not None:
                db.execute("UPDATE memories SET pinned = ? WHERE id = ?", (int(pinned), memory_id))
        if fact is not None:
            with self._store.reading() as db:
                db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def replace_from_message(self, character: str, message_id: int, facts: Sequence[Fact]) -> None:
        """`facts` (the model's) take the place of what was made of the message before (the
        patterns'). The new are kept before the old go: nothing is lost if the app stops."""
        kept = [m.id for m in self.remember(character, facts, message_id=message_id)]
        with self._store.writing() as db:
            db.execute(
                "DELETE FROM memories WHERE character = ? AND message_id = ? AND id NOT IN"
                " (SELECT value FROM json_each(?))",
                (character, message_id, json.dumps(kept)),
            )

    # ----- summaries of dropped history (written by a capable model)
    def keep_summary(self, up_to: int, text: str) -> None:
        """What the model wrote of its conversation's history up to the message `up_to`."""
        with self._store.writing() as db:
            db.execute(
                "INSERT INTO summaries (conversation_id, up_to, text, created_at)"
                " SELECT conversation_id, id, ?, ? FROM messages WHERE id = ?",
                (text, time.time(), up_to),
            )

    def summary_within(self, message_ids: Sequence[int], before: int | None = None) -> Summary:
        """The latest summary that ends at one of `message_ids` (and before the message
        `before`, when given); an empty one at 0 when there is none."""
        with self._store.reading() as db:
            row = db.execute(
                "SELECT text, up_to FROM summaries WHERE up_to IN (SELECT value FROM json_each(?))"
                " AND up_to < ? ORDER BY up_to DESC, id DESC LIMIT 1",
                (json.dumps(list(message_ids)), before if before is not None else 2**62),
            ).fetchone()
        return Summary("", 0) if row is None else Summary(str(row[0]), int(row[1]))

    def changes(self) -> int:
        """How many times memories were deleted or edited in this file, by any process: what
        was worked out from them before is out of date when this has moved."""
        with self._store.reading() as db:
            row = db.execute("SELECT value FROM settings WHERE key = ?", (_CHANGES,)).fetchone()
        return int(row[0]) if row is not None else 0

    def mark_recalled(self, ids: Sequence[int]) -> None:
        if ids:
            with self._store.writing() as db:
                db.executemany(
                    "UPDATE memories SET recalled = recalled + 1 WHERE id = ?",
                    [(i,) for i in ids],
                )

    # ----- reading
    def memories(self, character: str | None = None) -> list[Memory]:
        """Newest first."""
        query = f"SELECT {_COLUMNS} FROM memories"
        args: tuple[object, ...] = ()
        if character is not None:
            query, args = query + " WHERE character = ?", (character,)
        with self._store.reading() as db:
            rows = db.execute(query + " ORDER BY updated_at DESC, id DESC", args).fetchall()
        return [_memory(row) for row in rows]

    def memory(self, memory_id: int) -> Memory | None:
        """The memory with this id, of whichever character; None when there is none."""
        with self._store.reading() as db:
            query = f"SELECT {_COLUMNS} FROM memories WHERE id = ?"
            row = db.execute(query, (memory_id,)).fetchone()
        return None if row is None else _memory(row)

    def from_conversation(self, conversation_id: int) -> list[Memory]:
        with self._store.reading() as db:
            rows = db.execute(
                f"SELECT {_COLUMNS} FROM memories WHERE conversation_id = ? ORDER BY id",
                (conversation_id,),
            ).fetchall()
        return [_memory(row) for row in rows]

    def from_messages(self, character: str, message_ids: Sequence[int]) -> list[Memory]:
        """`character`'s memories made from these messages, oldest message first."""
        if not message_ids:
            return []
        with self._store.reading() as db:
            rows = db.execute(
                f"SELECT {_COLUMNS} FROM memories WHERE character = ?"
                " AND message_id IN (SELECT value FROM json_each(?)) ORDER BY message_id, id",
                (character, json.dumps(list(message_ids))),
            ).fetchall()
        return [_memory(row) for row in rows]

    def search(self, character: str, text: str, limit: int = 20) -> dict[int, float]:
        """The ids of `character`'s memories that share words with `text`, with a score
        (higher is better: FTS5's BM25 turned round, one point per Chinese pair found)."""
        terms = search_terms(text)
        long_terms = [t for t in terms if len(t) >= 3]
        scores: dict[int, float] = {}
        with self._store.reading() as db:
            if long_terms:
                query = " OR ".join('"' + t.replace('"', '""') + '"' for t in long_terms)
                try:
                    # CROSS JOIN: the index is searched once and its hits looked up; a plain
                    # JOIN let SQLite run the search once per memory of the character (5 ms
                    # for 40 memories instead of 0.2 ms, twice per recall).
                    rows = db.execute(
                        "SELECT m.id, bm25(memories_fts) FROM memories_fts"
                        " CROSS JOIN memories m ON m.id = memories_fts.rowid"
                        " WHERE memories_fts MATCH ? AND m.character = ? LIMIT ?",
                        (query, character, limit * 3),
                    ).fetchall()
                except sqlite3.OperationalError:
                    rows = []
                scores.update({int(i): -float(rank) for i, rank in rows})
            for term in (t for t in terms if len(t) < 3):
                for (memory_id,) in db.execute(
                    "SELECT id FROM memories WHERE character = ? AND fact LIKE ?",
                    (character, f"%{term}%"),
                ):
                    scores[int(memory_id)] = scores.get(int(memory_id), 0.0) + 1.0
        best = sorted(scores.items(), key=lambda pair: -pair[1])[:limit]
        return dict(best)


_CHANGES = "memory_changes"  # the settings table's counter of deletions and edits


def _count_change(db: sqlite3.Connection) -> None:
    db.execute(
        "INSERT INTO settings (key, value) VALUES (?, '1') ON CONFLICT(key)"
        " DO UPDATE SET value = CAST(value AS INTEGER) + 1",
        (_CHANGES,),
    )


def _cut_out(
    db: sqlite3.Connection,
    where: str,
    key: int,
    words: str,
    table: str = "messages",
    column: str = "content",
) -> None:
    """Replace `words` (any case) with FORGOTTEN in the rows of `table` `where` says."""
    pattern = re.compile(re.escape(words), re.IGNORECASE)
    rows = db.execute(f"SELECT id, {column} FROM {table} WHERE {where}", (key,)).fetchall()
    for row_id, content in rows:
        if pattern.search(content):
            db.execute(
                f"UPDATE {table} SET {column} = ? WHERE id = ?",
                (pattern.sub(FORGOTTEN, content), row_id),
            )


def exported(store: Store, conversation_id: int, as_json: bool, user_name: str) -> str:
    """One conversation as JSON or Markdown, with the memories made from it (the window's
    History dialog and `voicebuddy history export` both write this)."""
    info, messages = store.conversation(conversation_id), store.messages(conversation_id)
    facts = [m.fact for m in MemoryStore(store).from_conversation(conversation_id)]
    if as_json:
        return export_json(info, messages, facts)
    return export_markdown(info, messages, user_name, facts)

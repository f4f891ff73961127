"""The SQLite conversation store and its exports, on a real database file."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from voicebuddy import storage
from voicebuddy.errors import VoiceBuddyError
from voicebuddy.storage import (
    NEW_CONVERSATION_TITLE,
    ConversationInfo,
    Store,
    StoredMessage,
    auto_title,
    export_json,
    export_markdown,
)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "nested" / "voicebuddy.sqlite3"


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    opened = Store(db_path)
    yield opened
    opened.close()


def test_creates_parent_dirs_and_versioned_wal_schema(db_path: Path, store: Store) -> None:
    assert db_path.is_file()
    with sqlite3.connect(db_path) as raw:
        assert raw.execute("PRAGMA user_version").fetchone() == (storage.SCHEMA_VERSION,)
        assert raw.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        tables = {row[0] for row in raw.execute("SELECT name FROM sqlite_master")}
    assert {"conversations", "messages", "settings", "memories", "memories_fts"} <= tables


def test_round_trip(store: Store) -> None:
    conversation_id = store.create_conversation("Luna", "Evening chat")
    user_id = store.add_message(conversation_id, "user", "Hello there")
    reply_id = store.add_message(conversation_id, "assistant", "*waves* Hi!", interrupted=True)

    info = store.conversation(conversation_id)
    assert info.id == conversation_id
    assert info.character == "Luna"
    assert info.title == "Evening chat"
    assert info.message_count == 2
    assert info.created_at <= info.updated_at

    user, reply = store.messages(conversation_id)
    assert (user.id, user.conversation_id, user.role, user.content, user.interrupted) == (
        user_id,
        conversation_id,
        "user",
        "Hello there",
        False,
    )
    assert (reply.id, reply.role, reply.content, reply.interrupted) == (
        reply_id,
        "assistant",
        "*waves* Hi!",
        True,
    )
    assert user.created_at <= reply.created_at


def test_messages_keep_their_order_per_conversation(store: Store) -> None:
    first = store.create_conversation("Luna")
    second = store.create_conversation("Luna")
    for index in range(10):
        store.add_message(first, "user" if index % 2 == 0 else "assistant", f"first {index}")
        store.add_message(second, "user", f"second {index}")

    assert [m.content for m in store.messages(first)] == [f"first {i}" for i in range(10)]
    assert [m.content for m in store.messages(second)] == [f"second {i}" for i in range(10)]


def test_add_message_bumps_updated_at_and_reorders_conversations(store: Store) -> None:
    older = store.create_conversation("Luna")
    newer = store.create_conversation("Luna")
    assert [c.id for c in store.conversations()] == [newer, older]

    before = store.conversation(older).updated_at
    store.add_message(older, "user", "back to this one")

    assert store.conversation(older).updated_at > before
    assert [c.id for c in store.conversations()] == [older, newer]


def test_conversations_and_last_conversation_per_character(store: Store) -> None:
    luna_old = store.create_conversation("Luna")
    max_only = store.create_conversation("Max")
    luna_new = store.create_conversation("Luna")

    assert [c.id for c in store.conversations("Luna")] == [luna_new, luna_old]
    assert [c.id for c in store.conversations("Max")] == [max_only]
    assert store.conversations("Nobody") == []

    last_luna = store.last_conversation("Luna")
    last_max = store.last_conversation("Max")
    last_any = store.last_conversation()
    assert last_luna is not None and last_luna.id == luna_new
    assert last_max is not None and last_max.id == max_only
    assert last_any is not None and last_any.id == luna_new

    store.add_message(luna_old, "user", "hi again")
    last_luna = store.last_conversation("Luna")
    assert last_luna is not None and last_luna.id == luna_old
    assert store.last_conversation("Nobody") is None


def test_last_conversation_of_an_empty_store_is_none(store: Store) -> None:
    assert store.last_conversation() is None
    assert store.conversations() == []


def test_automatic_titles(store: Store) -> None:
    conversation_id = store.create_conversation("Luna")
    assert store.conversation(conversation_id).title == NEW_CONVERSATION_TITLE

    store.add_message(conversation_id, "system", "A system note is never a title")
    store.add_message(conversation_id, "assistant", "Greetings, traveller.")
    assert store.conversation(conversation_id).title == NEW_CONVERSATION_TITLE

    long_question = (
        "Could you tell me a story about a lighthouse keeper who befriends a very curious seagull"
    )
    store.add_message(conversation_id, "user", long_question)
    store.add_message(conversation_id, "user", "Second question")

    title = store.conversation(conversation_id).title
    assert title.endswith("…")
    assert len(title) <= 48
    assert long_question.startswith(title[:-1])
    assert long_question[len(title) - 1] == " "  # cut on a word boundary


def test_auto_title_rules() -> None:
    assert auto_title(None) == NEW_CONVERSATION_TITLE
    assert auto_title("   ") == NEW_CONVERSATION_TITLE
    assert auto_title("  Short   and\nsweet ") == "Short and sweet"
    chinese = "我们今天聊一聊天气怎么样好不好呀" * 5
    shortened = auto_title(chinese)
    assert shortened.endswith("…") and len(shortened) == 48
    assert chinese.startswith(shortened[:-1])


def test_rename_and_clearing_the_title(store: Store) -> None:
    conversation_id = store.create_conversation("Luna")
    store.add_message(conversation_id, "user", "What is the weather like?")

    store.rename_conversation(conversation_id, "Weather talk")
    assert store.conversation(conversation_id).title == "Weather talk"

    store.rename_conversation(conversation_id, "")
    assert store.conversation(conversation_id).title == "What is the weather like?"

    with pytest.raises(VoiceBuddyError) as raised:
        store.rename_conversation(9999, "Nope")
    assert raised.value.code == "conversation_not_found"


def test_delete_conversation_cascades_to_its_messages(db_path: Path, store: Store) -> None:
    doomed = store.create_conversation("Luna")
    kept = store.create_conversation("Luna")
    store.add_message(doomed, "user", "gone soon")
    store.add_message(kept, "user", "stays")

    store.delete_conversation(doomed)

    assert [c.id for c in store.conversations()] == [kept]
    assert store.messages(doomed) == []
    with pytest.raises(VoiceBuddyError) as raised:
        store.conversation(doomed)
    assert raised.value.code == "conversation_not_found"
    with sqlite3.connect(db_path) as raw:
        assert raw.execute("SELECT COUNT(*) FROM messages").fetchone() == (1,)


def test_update_and_delete_message(store: Store) -> None:
    conversation_id = store.create_conversation("Luna")
    keep = store.add_message(conversation_id, "user", "Tell me a joke")
    edit = store.add_message(conversation_id, "assistant", "Why did the")
    drop = store.add_message(conversation_id, "assistant", "oops")

    store.update_message(edit, "Why did the chicken cross the road?")
    store.delete_message(drop)
    store.delete_message(drop)  # deleting twice is harmless

    messages = store.messages(conversation_id)
    assert [(m.id, m.content) for m in messages] == [
        (keep, "Tell me a joke"),
        (edit, "Why did the chicken cross the road?"),
    ]
    assert store.conversation(conversation_id).message_count == 2
    with pytest.raises(VoiceBuddyError) as raised:
        store.update_message(drop, "too late")
    assert raised.value.code == "message_not_found"


def test_add_message_to_unknown_conversation(store: Store) -> None:
    with pytest.raises(VoiceBuddyError) as raised:
        store.add_message(12345, "user", "anyone?")
    assert raised.value.code == "conversation_not_found"
    with pytest.raises(ValueError):
        store.add_message(store.create_conversation("Luna"), "narrator", "bad role")


def test_settings(store: Store) -> None:
    assert store.get_setting("last_character") is None
    store.set_setting("last_character", "Luna")
    store.set_setting("last_character", "Max")
    assert store.get_setting("last_character") == "Max"


def test_a_second_store_sees_committed_data(db_path: Path) -> None:
    first = Store(db_path)
    conversation_id = first.create_conversation("Luna", "Persisted")
    first.add_message(conversation_id, "user", "remember me")
    first.set_setting("last_character", "Luna")
    # No close(): the first process may have crashed; committed rows must already be on disk.
    second = Store(db_path)
    try:
        assert second.conversation(conversation_id).title == "Persisted"
        assert [m.content for m in second.messages(conversation_id)] == ["remember me"]
        assert second.get_setting("last_character") == "Luna"
    finally:
        second.close()
        first.close()


def test_concurrent_add_message_from_threads(store: Store) -> None:
    conversation_id = store.create_conversation("Luna")
    threads_count, per_thread = 4, 50
    start = threading.Barrier(threads_count)
    failures: list[BaseException] = []

    def write(worker: int) -> None:
        start.wait()
        try:
            for index in range(per_thread):
                store.add_message(conversation_id, "user", f"{worker}:{index}")
        except BaseException as error:  # reported to the main thread below
            failures.append(error)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    contents = [m.content for m in store.messages(conversation_id)]
    assert len(contents) == threads_count * per_thread
    assert set(contents) == {f"{w}:{i}" for w in range(threads_count) for i in range(per_thread)}
    for worker in range(threads_count):  # each thread's messages stay in its own order
        mine = [c for c in contents if c.startswith(f"{worker}:")]
        assert mine == [f"{worker}:{i}" for i in range(per_thread)]


def test_a_file_that_is_not_a_database_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "voicebuddy.sqlite3"
    original = b"these are my notes, not a database\n" * 100
    path.write_bytes(original)

    with pytest.raises(VoiceBuddyError) as raised:
        Store(path)

    assert raised.value.code == "storage_unreadable"
    assert str(path) in raised.value.message
    assert path.read_bytes() == original


def test_a_database_from_a_newer_version_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "voicebuddy.sqlite3"
    with sqlite3.connect(path) as raw:
        raw.execute("CREATE TABLE future (x)")
        raw.execute(f"PRAGMA user_version = {storage.SCHEMA_VERSION + 1}")
    raw.close()
    original = path.read_bytes()

    with pytest.raises(VoiceBuddyError) as raised:
        Store(path)

    assert raised.value.code == "storage_unreadable"
    assert str(path) in raised.value.message
    assert path.read_bytes() == original


def _sample(store: Store) -> tuple[ConversationInfo, list[StoredMessage]]:
    conversation_id = store.create_conversation("Luna")
    store.add_message(conversation_id, "user", "你好，今天天气怎么样？")
    store.add_message(conversation_id, "assistant", "*smiles* Sunny all day.")
    store.add_message(conversation_id, "assistant", "And tomorrow it", interrupted=True)
    return store.conversation(conversation_id), store.messages(conversation_id)


def test_export_markdown(store: Store) -> None:
    info, messages = _sample(store)

    markdown = export_markdown(info, messages, "Sam")

    assert markdown.startswith("# 你好，今天天气怎么样？\n\n*Luna · ")
    assert "**Sam:** 你好，今天天气怎么样？\n\n" in markdown
    assert "**Luna:** *smiles* Sunny all day.\n\n" in markdown
    assert "**Luna:** And tomorrow it *(interrupted)*" in markdown
    assert markdown.count("*(interrupted)*") == 1


def test_export_json(store: Store) -> None:
    info, messages = _sample(store)

    text = export_json(info, messages)
    document = json.loads(text)

    assert "你好" in text  # not \u-escaped
    assert document["format"] == "voicebuddy-conversation"
    assert document["version"] == 1
    assert document["id"] == info.id
    assert document["character"] == "Luna"
    assert document["title"] == info.title
    assert document["created_at"].endswith("+00:00")
    assert document["updated_at"].endswith("+00:00")
    assert [m["role"] for m in document["messages"]] == ["user", "assistant", "assistant"]
    assert [m["interrupted"] for m in document["messages"]] == [False, False, True]
    assert document["messages"][0]["content"] == "你好，今天天气怎么样？"
    assert set(document["messages"][0]) == {"role", "content", "created_at", "interrupted"}


def test_a_damaged_database_with_a_valid_header_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "voicebuddy.sqlite3"
    store = Store(path)
    conversation_id = store.create_conversation("Luna")
    for n in range(200):
        store.add_message(conversation_id, "user", f"message {n} " * 20)
    store.close()
    with sqlite3.connect(path) as raw:
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        raw.execute("PRAGMA journal_mode = DELETE")
    raw.close()
    data = bytearray(path.read_bytes())
    page = 4096
    data[2 * page : 2 * page + 64] = b"\xde\xad\xbe\xef" * 16  # a b-tree page's header
    path.write_bytes(bytes(data))
    assert bytes(data[:16]) == b"SQLite format 3\x00"

    with pytest.raises(VoiceBuddyError) as raised:
        Store(path)

    assert raised.value.code == "storage_unreadable"
    assert "damaged" in raised.value.message
    assert path.read_bytes() == bytes(data)


def test_migrations_run_in_order_and_a_failed_one_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "voicebuddy.sqlite3"
    store = Store(path)
    conversation_id = store.create_conversation("Luna")
    store.add_message(conversation_id, "user", "keep me")
    store.close()
    raw = sqlite3.connect(path, isolation_level=None)
    try:
        current = list(storage._MIGRATIONS)
        version = len(current)
        broken = "ALTER TABLE messages ADD COLUMN heard INTEGER;\nSELECT * FROM no_such_table;"
        with pytest.raises(sqlite3.Error):
            storage.migrate(raw, version, [*current, broken])
        assert raw.execute("PRAGMA user_version").fetchone() == (version,)
        columns = [row[1] for row in raw.execute("PRAGMA table_info(messages)")]
        assert "heard" not in columns  # the half-done upgrade was rolled back

        upgrade = "ALTER TABLE messages ADD COLUMN heard INTEGER NOT NULL DEFAULT 0;"
        storage.migrate(raw, version, [*current, upgrade])
        assert raw.execute("PRAGMA user_version").fetchone() == (version + 1,)
        assert raw.execute("SELECT content, heard FROM messages").fetchall() == [("keep me", 0)]
    finally:
        raw.close()


def test_a_version_1_file_gains_the_memories_and_keeps_its_conversations(tmp_path: Path) -> None:
    path = tmp_path / "voicebuddy.sqlite3"
    raw = sqlite3.connect(path, isolation_level=None)
    storage.migrate(raw, 0, storage._MIGRATIONS[:1])  # as VoiceBuddy wrote it before memories
    raw.execute("INSERT INTO conversations VALUES (1, 'Luna', 't', 1.0, 1.0)")
    raw.execute("INSERT INTO messages VALUES (1, 1, 'user', 'keep me', 1.0, 0)")
    raw.close()
    store = Store(path)
    try:
        assert [m.content for m in store.messages(1)] == ["keep me"]
    finally:
        store.close()
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA user_version").fetchone() == (storage.SCHEMA_VERSION,)
        assert raw.execute("SELECT COUNT(*) FROM memories").fetchone() == (0,)
        assert raw.execute("SELECT COUNT(*) FROM summaries").fetchone() == (0,)

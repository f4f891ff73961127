"""SIGKILL at random moments during replies, 50 times: every message that was final before the
kill is still in the database, and SQLite's integrity check passes."""

from __future__ import annotations

import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

# A conversation that never stops: each final message is saved by ChatSession as the pipeline
# makes it final, and reported on stdout only after that save returned.
CHATTER = r"""
import sys
from pathlib import Path
from voicebuddy.characters.character import BUNDLED_DIR, find_character
from voicebuddy.engines.fakes import FakeChat
from voicebuddy.pipeline import Text, TurnRequest, VoicePipeline
from voicebuddy.session import ChatSession
from voicebuddy.storage import Store

class Reporting(ChatSession):
    def added(self, message):
        message = super().added(message)
        print(f"final {message.id} {message.role}", flush=True)
        return message

store = Store(Path(sys.argv[1]))
session = Reporting.resume(store, find_character("Rowan", [BUNDLED_DIR]), "Ann")
chat = FakeChat("*smiles* A long and winding answer. " * 6, delay_s=0.002)
pipeline = VoicePipeline(None, chat, None)
turn = 0
while True:
    turn += 1
    pipeline.run_turn(session.conversation, TurnRequest(turn, Text(f"question {turn}")))
"""


@pytest.mark.slow
def test_killing_the_app_mid_reply_never_loses_a_final_message(tmp_path: Path) -> None:
    database = tmp_path / "voicebuddy.sqlite3"
    rng = random.Random(1234)
    reported: set[int] = set()
    for _ in range(50):
        process = subprocess.Popen(
            [sys.executable, "-c", CHATTER, str(database)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert process.stdout is not None
        first = process.stdout.readline()  # running: at least one message was saved
        assert first.startswith("final"), process.stderr.read() if process.stderr else ""
        time.sleep(rng.uniform(0.0, 0.4))
        process.send_signal(signal.SIGKILL)
        rest, _ = process.communicate(timeout=30)
        for line in [first, *rest.splitlines()]:
            if line.startswith("final "):
                reported.add(int(line.split()[1]))
    connection = sqlite3.connect(database)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        stored = {row[0] for row in connection.execute("SELECT id FROM messages")}
    finally:
        connection.close()
    assert len(reported) > 100
    assert reported <= stored, sorted(reported - stored)[:10]

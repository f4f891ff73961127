"""`voicebuddy listen --wav FILE`: hands-free listening over a recording, to tune the end of
turn on one's own speech (the same listener as the microphone's; see audio/replay.py)."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from typing import Any

from voicebuddy.audio.files import load_for_stt
from voicebuddy.audio.replay import ReplayedUtterance, replay
from voicebuddy.config import Paths, Settings
from voicebuddy.conversation import Conversation
from voicebuddy.engines.stt import transcribe_with
from voicebuddy.first_start import character_name
from voicebuddy.pipeline import VoicePipeline
from voicebuddy.runtime.engines import Engines, find
from voicebuddy.runtime.turn_end import sound_and_words
from voicebuddy.runtime.turns import turn_pipeline
from voicebuddy.text.transcript import tidy_transcript


def listen(args: argparse.Namespace, settings: Settings, paths: Paths) -> int:
    audio = load_for_stt(args.wav)
    mode = args.mode or settings.listen.end_of_turn
    listen_settings = dataclasses.replace(settings.listen, end_of_turn=mode)
    engines = Engines(settings, paths)
    character = find(paths, character_name(settings))
    conversation = Conversation.start(character, settings.chat.user_name)
    model = None
    if mode == "smart":
        # as the app reads its turns' prompts (no memory here: nothing is kept)
        def reader(current: Conversation) -> VoicePipeline:
            return turn_pipeline(settings, engines, current, None, engines.chat())

        model = sound_and_words(engines, lambda: settings, lambda: conversation, reader)
        # as the app does while it waits for the user: the character's prompt read ahead
        reader(conversation).prepare(conversation)
    heard = replay(audio, listen_settings, engines.voice_detector(), model)
    stt = engines.speech_to_text(settings)
    language = settings.stt.language.strip() or None
    utterances = []
    for utterance in heard:
        transcription = transcribe_with(
            stt, utterance.heard.samples, language, speech=utterance.heard.speech
        )
        text = tidy_transcript(
            transcription.text, transcription.language, settings.dictation.chinese_script
        )
        utterances.append(_described(utterance, text))
    if args.json:
        json.dump({"mode": mode, "utterances": utterances}, sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    for u in utterances:
        probability = "" if u["probability"] is None else f", p={u['probability']:.2f}"
        print(
            f"{u['speech_start_s']:7.2f}-{u['speech_end_s']:.2f} s  handed over at "
            f"{u['handed_over_s']:.2f} s ({u['reason']}{probability})  {u['transcript']}"
        )
    if not utterances:
        print("No speech was heard.", file=sys.stderr)
    return 0


def _described(utterance: ReplayedUtterance, transcript: str) -> dict[str, Any]:
    probability = utterance.probability
    return {
        "speech_start_s": round(utterance.speech_start_s, 3),
        "speech_end_s": round(utterance.speech_end_s, 3),
        "handed_over_s": round(utterance.handed_over_s, 3),
        "reason": utterance.reason,
        "probability": None if probability is None else round(probability, 3),
        "transcript": transcript,
    }

"""The `voicebuddy` command, run as a user runs it: real models, real speech, real files."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from commandline import Run
from speech import espeak
from testdata import JFK, JFK_TEXT, word_error_rate

from voicebuddy.text.chinese import to_simplified, to_traditional


def assert_speech(path: Path) -> None:
    samples, rate = sf.read(path, dtype="float32")
    assert len(samples) / rate > 0.3
    assert float(np.sqrt(np.mean(samples**2))) > 0.01


def check_turn(result: subprocess.CompletedProcess[str], reference: str, max_wer: float) -> dict:  # type: ignore[type-arg]
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) >= {"transcript", "reply", "timings_ms"}
    assert word_error_rate(reference, data["transcript"]) <= max_wer, data["transcript"]
    assert data["reply"].strip()
    timings = data["timings_ms"]
    assert set(timings) == {"stt", "llm_first_token", "first_audio", "total"}
    assert all(isinstance(v, float) and v > 0 for v in timings.values()), timings
    assert (
        timings["stt"] <= timings["llm_first_token"] <= timings["first_audio"] <= timings["total"]
    )
    return data


@pytest.mark.real
def test_turn_on_jfk(run: Run, tmp_path: Path) -> None:
    reply = tmp_path / "reply.wav"
    data = check_turn(
        run("turn", "--wav", str(JFK), "--json", "--reply-wav", str(reply)), JFK_TEXT, 0.1
    )
    assert data["character"] == "Buddy"
    assert_speech(reply)


@pytest.mark.real
def test_turn_on_synthesized_question(run: Run, tmp_path: Path) -> None:
    question = "What is the weather like today?"
    wav = espeak(tmp_path, question)
    reply = tmp_path / "reply.wav"
    check_turn(run("turn", "--wav", str(wav), "--json", "--reply-wav", str(reply)), question, 0.2)
    assert_speech(reply)


@pytest.mark.real
def test_turn_works_with_networking_disabled(run: Run, tmp_path: Path) -> None:
    if shutil.which("unshare") is None or subprocess.run(["unshare", "-rn", "true"]).returncode:
        pytest.fail("unshare -rn is not available: `make test` installs util-linux")
    probe = subprocess.run(
        ["unshare", "-rn", "cat", "/proc/net/dev"], capture_output=True, text=True
    )
    interfaces = [line.split(":")[0].strip() for line in probe.stdout.splitlines()[2:]]
    assert interfaces == ["lo"]  # nothing but a loopback that is down
    reply = tmp_path / "reply.wav"
    result = run(
        "turn", "--wav", str(JFK), "--json", "--reply-wav", str(reply), prefix=("unshare", "-rn")
    )
    check_turn(result, JFK_TEXT, 0.1)
    assert_speech(reply)


CJK = re.compile(r"[\u4e00-\u9fff]")
SRT = re.compile(r"(\d+)\n(\d\d:\d\d:\d\d,\d{3}) --> (\d\d:\d\d:\d\d,\d{3})\n(.+)\n")


@pytest.mark.real
def test_transcribe_prints_valid_srt(run: Run) -> None:
    result = run("transcribe", str(JFK), "--format", "srt")
    assert result.returncode == 0, result.stderr
    cues = SRT.findall(result.stdout)
    assert cues and "".join(m.group(0) for m in SRT.finditer(result.stdout)) + "\n" * (
        len(cues) - 1
    )
    assert [int(c[0]) for c in cues] == list(range(1, len(cues) + 1))
    assert all(start <= end for _, start, end, _ in cues)
    assert word_error_rate(JFK_TEXT, " ".join(c[3] for c in cues)) <= 0.1
    assert result.stdout.strip().split("\n\n") and all(
        SRT.fullmatch(block + "\n") for block in result.stdout.strip().split("\n\n")
    )


@pytest.mark.real
def test_transcribe_any_rate_and_german_with_the_multilingual_model(
    run: Run, tmp_path: Path
) -> None:
    wav = espeak(tmp_path, "Guten Morgen, wie geht es Ihnen heute?", voice="de")
    flac = tmp_path / "de.flac"
    samples, rate = sf.read(wav)
    sf.write(flac, samples, rate)  # 22,050 Hz FLAC: resampled on the way in
    # No model and no language given: a file has no conversation, so the language is detected
    # with the multilingual model (not the English-only one the default character hears with).
    result = run("transcribe", str(flac), "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["language"] == "de"
    assert re.search(r"morgen|heute", data["text"], re.I), data["text"]
    assert not NATIVE_LOG.search(result.stderr), result.stderr


NATIVE_LOG = re.compile(r"^(whisper_|llama_|ggml_)", re.M)


@pytest.mark.real
def test_chinese_from_a_file_is_in_the_script_the_user_chose(run: Run, tmp_path: Path) -> None:
    # espeak-ng's Mandarin is too poor for whisper base to detect as Chinese (it hears German),
    # so the language is given here; the script is the point.
    wav = espeak(tmp_path, "打开客厅的灯，然后播放一些轻松的音乐。", voice="cmn-latn-pinyin")
    simplified = run("--language", "zh", "transcribe", str(wav))
    assert simplified.returncode == 0, simplified.stderr
    assert CJK.search(simplified.stdout), simplified.stdout
    assert to_simplified(simplified.stdout) == simplified.stdout
    traditional = run("--language", "zh", "transcribe", str(wav), "--script", "traditional")
    assert traditional.stdout == to_traditional(simplified.stdout)
    dictated = run("--language", "zh", "dictate", "--file", str(wav))
    assert dictated.returncode == 0, dictated.stderr
    assert CJK.search(dictated.stdout) and to_simplified(dictated.stdout) == dictated.stdout
    for result in (simplified, traditional, dictated):
        assert not NATIVE_LOG.search(result.stderr), result.stderr


@pytest.mark.real
def test_turn_prints_no_native_log_lines_and_verbose_shows_them(run: Run) -> None:
    quiet = run("turn", "--wav", str(JFK), "--json", "--no-speak")
    assert quiet.returncode == 0, quiet.stderr
    assert not NATIVE_LOG.search(quiet.stderr), quiet.stderr
    verbose = run("--verbose", "transcribe", str(JFK))
    assert verbose.returncode == 0, verbose.stderr
    assert "voicebuddy.native: whisper.cpp: whisper_" in verbose.stderr


@pytest.mark.real
def test_say_writes_speech(run: Run, tmp_path: Path) -> None:
    out = tmp_path / "say.wav"
    result = run("say", "Hello from VoiceBuddy.", "--rate", "180", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert_speech(out)


@pytest.mark.real
def test_models_lists_paths_and_sizes(run: Run) -> None:
    result = run("models")
    assert result.returncode == 0, result.stderr
    assert re.search(
        r"language model: .+SmolLM2-135M-Instruct\.Q4_1\.gguf \(98\.4 MB\)", result.stdout
    )
    assert re.search(r"speech model: +tiny\.en: .+ggml-tiny\.en\.bin \(\d+\.\d MB\)", result.stdout)
    assert re.search(
        r"voice: +en_US-joe-medium: .+en_US-joe-medium\.onnx \(63\.2 MB\)", result.stdout
    )
    assert "voice engine:    piper en_US-joe-medium" in result.stdout
    # this machine's llama.cpp is the CPU build
    assert "model layers:    CPU (all 30; this llama.cpp has no GPU backend)" in result.stdout


@pytest.mark.real
def test_models_and_voices_as_json_show_the_neural_voice(run: Run) -> None:
    result = run("models", "--json")
    assert result.returncode == 0, result.stderr
    models = {m["role"]: m for m in json.loads(result.stdout)["models"]}
    assert set(models) >= {"language model", "speech model", "voice", "voice detector"}
    llm = models["language model"]
    assert (llm["backend"], llm["layers"], llm["gpu_layers"]) == ("cpu", 30, 0)
    voice = models["voice"]
    assert (voice["engine"], voice["id"]) == ("piper", "en_US-joe-medium")
    assert voice["path"].endswith("en_US-joe-medium.onnx") and voice["bytes"] > 60_000_000
    assert all(m["bytes"] > 0 for m in models.values())
    result = run("voices", "--json")
    assert result.returncode == 0, result.stderr
    voices = json.loads(result.stdout)
    assert voices[0] == {
        "id": "en_US-joe-medium",
        "name": "joe (en_US)",
        "engine": "piper",
        "languages": ["en_US", "en"],
        "quality": "medium",
        "speakers": [],
        "path": voice["path"],
    }
    system = {v["id"]: v for v in voices if v["engine"] == "system"}
    assert "gmw/en-us" in system and "sit/cmn-latn-pinyin" in system


@pytest.mark.real
def test_typed_chat_in_the_terminal(run: Run) -> None:
    result = run("chat", "--no-speak", stdin="Hello, who are you?\n")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Buddy: Hi, I'm Buddy.")
    reply = [line for line in lines[2:] if "Buddy: " in line]
    assert reply and reply[0].split("Buddy: ", 1)[1].strip()


def _not_audio(tmp_path: Path) -> Path:
    path = tmp_path / "notes.wav"
    path.write_text("this is not audio")
    return path


def _not_gguf(tmp_path: Path) -> Path:
    path = tmp_path / "model.gguf"
    path.write_bytes(b"\x00" * 1024)
    return path


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (lambda p: ["turn", "--wav", str(p / "missing.wav")], "missing.wav"),
        (lambda p: ["turn", "--wav", str(_not_audio(p))], "notes.wav"),
        (lambda p: ["--llm-model", str(p / "nope.gguf"), "turn", "--wav", str(JFK)], "nope.gguf"),
        (lambda p: ["--llm-model", str(_not_gguf(p)), "turn", "--wav", str(JFK)], "not a GGUF"),
        (lambda p: ["--stt-model", str(_not_gguf(p)), "transcribe", str(JFK)], "not a whisper"),
        (lambda p: ["--character", "Nobody", "turn", "--wav", str(JFK)], "Nobody"),
        (
            lambda p: ["--language", "zh", "--stt-model", "tiny.en", "transcribe", str(JFK)],
            "English",
        ),
        (lambda p: ["transcribe", str(JFK), "--format", "doc"], "invalid choice"),
        (lambda p: ["turn"], "--wav"),
        (lambda p: ["say", "hi", "--voice", "klingon-xx", "--out", str(p / "x.wav")], "klingon"),
    ],
)
def test_bad_input_is_one_clear_line_and_exit_code_2(
    run: Run, tmp_path: Path, args, needle
) -> None:  # type: ignore[no-untyped-def]
    # no sound server in reach: the process sees no audio device at all
    result = run(*args(tmp_path), PULSE_SERVER="unix:/nonexistent", XDG_RUNTIME_DIR=str(tmp_path))
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 or lines[0].startswith("usage:"), result.stderr
    assert needle.lower() in result.stderr.lower()


@pytest.mark.real
def test_chat_without_a_speaker_falls_back_to_text(run: Run, tmp_path: Path) -> None:
    result = run(
        "chat", stdin="Hi!\n", PULSE_SERVER="unix:/nonexistent", XDG_RUNTIME_DIR=str(tmp_path)
    )
    assert result.returncode == 0, result.stderr
    assert "Replies are shown, not spoken." in result.stderr
    assert result.stdout.count("Buddy: ") >= 2


@pytest.mark.real
def test_a_turn_without_a_speaker_is_answered_and_says_nothing_was_played(
    run: Run, tmp_path: Path
) -> None:
    reply = tmp_path / "reply.wav"
    result = run(
        "turn", "--wav", str(JFK), "--json", "--no-speak",
        PULSE_SERVER="unix:/nonexistent", XDG_RUNTIME_DIR=str(tmp_path),
    )  # fmt: skip
    assert result.returncode == 0 and json.loads(result.stdout)["reply"], result.stderr
    result = run(
        "turn", "--wav", str(JFK), "--json",
        PULSE_SERVER="unix:/nonexistent", XDG_RUNTIME_DIR=str(tmp_path),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["reply"]
    assert "not spoken" in result.stderr and "Traceback" not in result.stderr
    result = run(
        "turn", "--wav", str(JFK), "--reply-wav", str(reply),
        PULSE_SERVER="unix:/nonexistent", XDG_RUNTIME_DIR=str(tmp_path),
    )  # fmt: skip
    assert result.returncode == 0 and "Buddy: " in result.stdout, result.stderr
    assert_speech(reply)  # the reply file needs no sound device


@pytest.mark.real
def test_the_chinese_character_hears_and_answers_in_chinese(run: Run, tmp_path: Path) -> None:
    wav = espeak(tmp_path, "你今天在做什么？", voice="cmn-latn-pinyin")
    config = tmp_path / "config.toml"
    config.write_text("[llm]\nseed = 7\n")  # the same sampling every run
    reply = tmp_path / "reply.wav"
    result = run(
        "--config", str(config), "--character", "林晓",
        "turn", "--wav", str(wav), "--json", "--reply-wav", str(reply),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["character"] == "林晓" and data["language"] == "zh"
    assert data["voice"] == "sit/cmn-latn-pinyin"  # Mandarin, from the card
    assert CJK.search(data["transcript"]), data["transcript"]  # heard by the multilingual model
    assert len(CJK.findall(data["reply"])) >= 5, data["reply"]
    assert_speech(reply)


def _truncated_gguf(tmp_path: Path) -> Path:
    from voicebuddy.models.defaults import default_llm_path

    path = tmp_path / "truncated.gguf"
    path.write_bytes(default_llm_path().read_bytes()[:2_000_000])
    return path


def _gguf_of_unknown_architecture(tmp_path: Path) -> Path:
    from gguf_file import write_gguf

    return write_gguf(
        tmp_path / "mystery.gguf",
        {"general.architecture": "mystery", "general.type": "model"},
        {"token_embd.weight": np.zeros((4, 8), dtype=np.float32)},
    )


def _ct2_folder_without_vocabulary(tmp_path: Path) -> Path:
    from voicebuddy.models.defaults import default_stt_source

    source = default_stt_source("tiny.en")
    folder = tmp_path / "faster-whisper-tiny"
    folder.mkdir()
    for part in source.model_parts:
        (folder / "model.bin").write_bytes(part.read_bytes())
    (folder / "config.json").write_bytes(source.config_path.read_bytes())
    return folder


@pytest.mark.real
@pytest.mark.parametrize(
    ("make", "flag", "needle"),
    [
        (_truncated_gguf, "--llm-model", "truncated.gguf"),
        (_ct2_folder_without_vocabulary, "--stt-model", "vocabulary"),
        (_gguf_of_unknown_architecture, "--llm-model", "architecture is 'mystery'"),
    ],
)
def test_damaged_models_are_one_clear_line(run: Run, tmp_path: Path, make, flag, needle) -> None:  # type: ignore[no-untyped-def]
    result = run(
        flag, str(make(tmp_path)), "turn", "--wav", str(JFK), "--reply-wav", str(tmp_path / "r.wav")
    )
    assert result.returncode == 2, (result.stdout, result.stderr)
    (line,) = result.stderr.strip().splitlines()
    assert "Traceback" not in line and needle in line


@pytest.mark.real
def test_a_voice_dropped_into_the_voices_folder_is_listed_and_speaks(
    run: Run, tmp_path: Path
) -> None:
    from voice_files import bad_voice, voice_copy

    voices = tmp_path / "voicebuddy" / "voices"
    voice_copy(voices, "en_GB-mine-medium", lambda c: c.update(language={"code": "en_GB"}))
    bad_voice(voices, "no config")
    data = {"XDG_DATA_HOME": str(tmp_path)}
    result = run("voices", **data)
    assert result.returncode == 0, result.stderr
    assert "piper\ten_GB-mine-medium\ten_GB,en\tmedium" in result.stdout
    assert "skipped" in result.stderr and "no-config.onnx.json is missing" in result.stderr
    out = tmp_path / "mine.wav"
    result = run("say", "Good morning.", "--voice", "en-GB", "--out", str(out), **data)
    assert result.returncode == 0, result.stderr
    assert sf.info(str(out)).samplerate == 22_050 and sf.info(str(out)).duration > 0.5


@pytest.mark.real
@pytest.mark.parametrize("damage", ["truncated", "no config", "sample rate"])
def test_say_with_a_bad_voice_file_is_one_sentence(run: Run, tmp_path: Path, damage: str) -> None:
    from voice_files import bad_voice

    model = bad_voice(tmp_path, damage)
    result = run("say", "Hello.", "--voice", str(model), "--out", str(tmp_path / "x.wav"))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("voicebuddy: The voice")
    assert not (tmp_path / "x.wav").exists()

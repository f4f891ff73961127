"""Audio files, sinks, and the real device path on a private PulseAudio (tests/pulse.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from pulse import PulseServer
from testdata import FIXTURES

from voicebuddy.audio.files import load_for_stt, read_audio, resample, write_wav
from voicebuddy.audio.playback import CollectingSink, WavFileSink
from voicebuddy.audio.types import STT_SAMPLE_RATE, Clip
from voicebuddy.errors import AudioError

JFK = FIXTURES / "jfk.wav"
REPO = Path(__file__).resolve().parents[2]


def tone(freq: float, seconds: float, rate: int, amplitude: float = 0.5) -> np.ndarray:
    t = np.arange(round(seconds * rate)) / rate
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def peak_hz(samples: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples))
    return float(np.fft.rfftfreq(len(samples), 1 / rate)[np.argmax(spectrum)])


def rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(samples, dtype=np.float64)))) if samples.size else 0.0


def loud_part(samples: np.ndarray, rate: int, threshold: float = 0.2) -> np.ndarray:
    """From the first to the last 10 ms window whose RMS exceeds `threshold`."""
    window = rate // 100
    envelope = np.sqrt(np.convolve(np.square(samples), np.ones(window) / window, "same"))
    loud = np.nonzero(envelope > threshold)[0]
    return samples[loud[0] : loud[-1]] if loud.size else samples[:0]


def loud_span_s(samples: np.ndarray, rate: int) -> float:
    return len(loud_part(samples, rate)) / rate


def run_python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env={**env, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=60,
    )


# --- files -----------------------------------------------------------------------------------


def test_read_stereo_44k_mixes_to_mono(tmp_path: Path) -> None:
    left, right = tone(440, 0.5, 44_100), tone(440, 0.5, 44_100, amplitude=0.1)
    path = tmp_path / "stereo.wav"
    sf.write(path, np.stack([left, right], axis=1), 44_100, subtype="PCM_16")

    clip = read_audio(path)

    assert clip.sample_rate == 44_100
    assert clip.samples.dtype == np.float32 and clip.samples.ndim == 1
    assert len(clip.samples) == len(left)
    np.testing.assert_allclose(clip.samples, (left + right) / 2, atol=1e-3)


def test_load_for_stt_resamples_8k_to_16k(tmp_path: Path) -> None:
    path = tmp_path / "phone.wav"
    sf.write(path, tone(300, 1.0, 8_000), 8_000, subtype="PCM_16")

    samples = load_for_stt(path)

    assert samples.dtype == np.float32
    assert abs(len(samples) - STT_SAMPLE_RATE) <= 2
    assert abs(peak_hz(samples, STT_SAMPLE_RATE) - 300) < 2


def test_load_for_stt_reads_flac_and_stereo_44k(tmp_path: Path) -> None:
    path = tmp_path / "voice.flac"
    stereo = np.stack([tone(1000, 2.0, 44_100)] * 2, axis=1)
    sf.write(path, stereo, 44_100, format="FLAC")

    samples = load_for_stt(path)

    assert abs(len(samples) - 2 * STT_SAMPLE_RATE) <= 2
    assert abs(peak_hz(samples, STT_SAMPLE_RATE) - 1000) < 2
    assert rms(samples) == pytest.approx(0.5 / np.sqrt(2), rel=0.02)


def test_load_for_stt_keeps_16k_mono_unchanged() -> None:
    samples = load_for_stt(JFK)
    reference, rate = sf.read(JFK, dtype="float32")
    assert rate == STT_SAMPLE_RATE
    np.testing.assert_array_equal(samples, reference)


def test_text_file_named_wav_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "notes.wav"
    path.write_text("this is not audio\n")
    with pytest.raises(AudioError) as error:
        read_audio(path)
    assert error.value.code == "audio_unreadable"
    assert "notes.wav" in error.value.message


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(AudioError) as missing:
        load_for_stt(tmp_path / "nope.wav")
    assert missing.value.code == "audio_not_found"
    assert "nope.wav" in str(missing.value)
    with pytest.raises(AudioError) as directory:
        read_audio(tmp_path)
    assert directory.value.code == "audio_unreadable"


def test_wav_without_samples_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "empty.wav"
    sf.write(path, np.zeros(0, dtype=np.float32), 16_000)
    with pytest.raises(AudioError) as error:
        read_audio(path)
    assert error.value.code == "audio_empty"
    assert "empty.wav" in error.value.message


def test_resample() -> None:
    samples = tone(440, 1.0, 22_050)
    same = resample(samples, 22_050, 22_050)
    np.testing.assert_array_equal(same, samples)
    down = resample(samples, 22_050, 16_000)
    assert down.dtype == np.float32 and abs(len(down) - 16_000) <= 1
    assert abs(peak_hz(down, 16_000) - 440) < 2
    assert resample(np.zeros(0, dtype=np.float32), 8_000, 16_000).size == 0
    with pytest.raises(ValueError):
        resample(samples, 0, 16_000)


def test_write_wav_round_trip_clips_out_of_range(tmp_path: Path) -> None:
    samples = tone(440, 0.25, 16_000)
    samples[:10] = 1.7  # would wrap around to negative without clipping
    path = tmp_path / "out.wav"

    write_wav(path, Clip(samples, 16_000))

    back = read_audio(path)
    assert back.sample_rate == 16_000
    assert sf.info(path).subtype == "PCM_16"
    assert np.all(back.samples[:10] > 0.99)
    np.testing.assert_allclose(back.samples[10:], samples[10:], atol=1e-4)


def test_write_wav_to_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(AudioError) as error:
        write_wav(tmp_path / "no" / "such" / "dir.wav", Clip(tone(440, 0.1, 16_000), 16_000))
    assert error.value.code == "audio_unwritable"


# --- sinks without devices -------------------------------------------------------------------


def test_wav_file_sink_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "reply.wav"
    sink = WavFileSink(path)
    starts: list[int] = []
    first = Clip(tone(440, 0.5, 22_050), 22_050)
    second = Clip(tone(880, 0.25, 16_000), 16_000)

    sink.play(first, on_start=lambda: starts.append(1))
    sink.play(Clip(np.zeros(0, dtype=np.float32), 8_000))
    sink.play(second, on_start=lambda: starts.append(2))
    sink.stop()
    sink.close()
    sink.close()

    clip = read_audio(path)
    assert starts == [1, 2]
    assert clip.sample_rate == 22_050
    assert clip.duration_s == pytest.approx(0.75, abs=0.002)
    half = len(first.samples)
    assert abs(peak_hz(clip.samples[:half], 22_050) - 440) < 3
    assert abs(peak_hz(clip.samples[half:], 22_050) - 880) < 5
    with pytest.raises(AudioError):
        sink.play(first)


def test_wav_file_sink_without_clips_writes_empty_wav(tmp_path: Path) -> None:
    path = tmp_path / "silent.wav"
    WavFileSink(path, sample_rate=16_000).close()
    info = sf.info(path)
    assert (info.frames, info.samplerate) == (0, 16_000)


def test_collecting_sink() -> None:
    sink = CollectingSink()
    clip = Clip(tone(440, 0.1, 16_000), 16_000)
    started: list[bool] = []

    sink.play(clip, on_start=lambda: started.append(True))
    sink.play(Clip(np.zeros(0, dtype=np.float32), 16_000), on_start=lambda: started.append(False))
    sink.close()

    assert sink.clips == [clip]
    assert sink.starts == 1 and started == [True]
    assert sink.closed
    np.testing.assert_array_equal(sink.samples, clip.samples)


def test_collecting_sink_realtime_stop_interrupts() -> None:
    sink = CollectingSink(realtime=True)
    long_clip = Clip(np.zeros(10 * 16_000, dtype=np.float32), 16_000)
    threading.Timer(0.1, sink.stop).start()
    began = time.monotonic()

    sink.play(long_clip)

    assert time.monotonic() - began < 5
    assert sink.interrupted == [long_clip] and sink.stops == 1


def test_audio_modules_import_without_portaudio() -> None:
    code = """
import json, sys
sys.modules["sounddevice"] = None  # as if PortAudio/sounddevice were missing
import voicebuddy.audio.capture, voicebuddy.audio.playback
from voicebuddy.audio.capture import MicrophoneRecorder
from voicebuddy.audio.playback import SpeakerSink
from voicebuddy.errors import AudioError
codes = {}
for name, make in (("speaker", SpeakerSink), ("mic", MicrophoneRecorder)):
    try:
        make()
    except AudioError as e:
        codes[name] = [e.code, e.message]
print(json.dumps(codes))
"""
    done = run_python(code, dict(os.environ))
    assert done.returncode == 0, done.stderr
    codes = json.loads(done.stdout)
    assert codes["speaker"][0] == "no_output_device"
    assert codes["mic"][0] == "no_input_device"
    assert "libportaudio2" in codes["speaker"][1]


def test_no_sound_server_means_no_device() -> None:
    # PortAudio enumerates devices once per process: use a fresh one without a sound server.
    code = """
import json
from voicebuddy.audio.capture import MicrophoneRecorder
from voicebuddy.audio.playback import SpeakerSink, list_input_devices, list_output_devices
from voicebuddy.errors import AudioError
result = {"outputs": len(list_output_devices()), "inputs": len(list_input_devices())}
for name, open_device in (("speaker", SpeakerSink), ("mic", lambda: MicrophoneRecorder().start())):
    try:
        open_device()
        result[name] = None
    except AudioError as e:
        result[name] = [e.code, e.message]
print(json.dumps(result))
"""
    with tempfile.TemporaryDirectory() as runtime:
        env = dict(os.environ, XDG_RUNTIME_DIR=runtime, PULSE_SERVER=f"unix:{runtime}/none")
        done = run_python(code, env)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    if result["outputs"] or result["inputs"]:
        pytest.skip("this machine has sound hardware, so there is no device-less PortAudio")
    assert result["speaker"][0] == "no_output_device"
    assert "No audio output device" in result["speaker"][1]
    assert result["mic"][0] == "no_input_device"


# --- real (virtual PulseAudio) devices -------------------------------------------------------


@pytest.mark.real
def test_device_lists_under_pulseaudio(pulse_audio: PulseServer) -> None:
    from voicebuddy.audio.playback import list_input_devices, list_output_devices

    outputs, inputs = list_output_devices(), list_input_devices()
    assert any(d.is_default for d in outputs) and any(d.is_default for d in inputs)
    assert {"pulse", "default"} <= {d.name for d in outputs}
    assert all(d.default_rate > 0 and d.channels > 0 for d in outputs + inputs)


@pytest.mark.real
@pytest.mark.parametrize("rate", [22_050, 8_000])
def test_speaker_sink_plays_into_virtual_speaker(pulse_audio: PulseServer, rate: int) -> None:
    from voicebuddy.audio.playback import SpeakerSink

    sink = SpeakerSink()
    clip = Clip(tone(440, 0.5, rate), rate)
    starts: list[float] = []
    with pulse_audio.record_speaker(16_000) as recording:
        sink.play(clip, on_start=lambda: starts.append(time.monotonic()))
        returned = time.monotonic()
    sink.close()

    heard = recording[0]
    assert len(starts) == 1 and starts[0] <= returned
    assert loud_span_s(heard, 16_000) == pytest.approx(0.5, abs=0.03)  # nothing cut off
    assert abs(peak_hz(loud_part(heard, 16_000), 16_000) - 440) < 5


@pytest.mark.real
def test_speaker_sink_by_name_and_index_text(pulse_audio: PulseServer) -> None:
    from voicebuddy.audio.playback import SpeakerSink, list_output_devices

    pulse = next(d for d in list_output_devices() if d.name == "pulse")
    assert SpeakerSink("pulse").device_index == pulse.index
    assert SpeakerSink(str(pulse.index)).device_name == "pulse"
    with pytest.raises(AudioError) as error:
        SpeakerSink("no such speaker")
    assert error.value.code == "no_output_device"


@pytest.mark.real
def test_speaker_sink_stop_interrupts(pulse_audio: PulseServer) -> None:
    from voicebuddy.audio.playback import SpeakerSink

    sink = SpeakerSink()
    clip = Clip(tone(440, 5.0, 22_050), 22_050)
    stopped_at: list[float] = []
    started = threading.Event()

    def stop_soon() -> None:
        started.wait(5)
        time.sleep(0.3)
        stopped_at.append(time.monotonic())
        sink.stop()

    stopper = threading.Thread(target=stop_soon)
    stopper.start()
    with pulse_audio.record_speaker(16_000) as recording:
        sink.play(clip, on_start=started.set)
        returned = time.monotonic()
    stopper.join()

    assert started.is_set()
    assert returned - stopped_at[0] < 0.5  # target ~50 ms; generous for loaded machines
    assert 0.1 < loud_span_s(recording[0], 16_000) < 2.0
    # The sink stays usable after an interruption.
    sink.play(Clip(tone(440, 0.1, 22_050), 22_050))


@pytest.mark.real
@pytest.mark.slow
def test_microphone_records_speech_from_virtual_mic(pulse_audio: PulseServer) -> None:
    from voicebuddy.audio.capture import MicrophoneRecorder

    recorder = MicrophoneRecorder()
    assert recorder.stop().size == 0 and recorder.level() == 0.0
    recorder.start()
    levels: list[float] = []
    player = threading.Thread(target=pulse_audio.play_into_mic, args=(JFK,))
    player.start()
    while player.is_alive():
        levels.append(recorder.level())
        time.sleep(0.05)
    player.join()
    time.sleep(0.3)
    recorded = recorder.stop()

    reference = load_for_stt(JFK)
    assert recorder.error is None
    assert recorded.dtype == np.float32
    assert len(recorded) >= len(reference)
    assert max(levels) > 0.05
    # Align by cross-correlation, then compare.
    n = len(recorded) + len(reference)
    xcorr = np.fft.irfft(np.fft.rfft(recorded, 2 * n) * np.conj(np.fft.rfft(reference, 2 * n)))
    lag = int(np.argmax(xcorr))
    aligned = recorded[lag : lag + len(reference)]
    assert len(aligned) == len(reference)
    assert np.corrcoef(aligned, reference)[0, 1] > 0.98
    assert rms(aligned) == pytest.approx(rms(reference), rel=0.05)


@pytest.mark.real
def test_microphone_failure_keeps_audio_and_reports_error() -> None:
    # Kills a private sound server mid-recording, so it runs in its own process and server.
    code = """
import json, sys, time
sys.path.insert(0, "tests")
from pulse import private_pulseaudio
from voicebuddy.audio.capture import MicrophoneRecorder
with private_pulseaudio() as pulse:
    recorder = MicrophoneRecorder()
    recorder.start()
    deadline = time.monotonic() + 10
    while recorder.duration_s < 1.0 and time.monotonic() < deadline:
        time.sleep(0.02)
    pulse.crash()
    deadline = time.monotonic() + 10
    while recorder.error is None and time.monotonic() < deadline:
        time.sleep(0.02)
    samples = recorder.stop()
    error = recorder.error
    print(json.dumps({"seconds": len(samples) / 16000, "code": error and error.code,
                      "message": error and error.message}))
"""
    done = run_python(code, dict(os.environ))
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["code"] == "input_device_failed"
    assert result["seconds"] >= 0.9
    assert "default" in result["message"]


@pytest.mark.real
def test_speaker_failure_while_playing_is_reported() -> None:
    code = """
import json, sys, threading
import numpy as np
sys.path.insert(0, "tests")
from pulse import private_pulseaudio
from voicebuddy.audio.playback import SpeakerSink
from voicebuddy.audio.types import Clip
from voicebuddy.errors import AudioError
with private_pulseaudio() as pulse:
    sink = SpeakerSink()
    threading.Timer(0.5, pulse.crash).start()
    try:
        sink.play(Clip(np.zeros(5 * 22050, dtype=np.float32), 22050))
        print(json.dumps(None))
    except AudioError as e:
        print(json.dumps(e.code))
"""
    done = run_python(code, dict(os.environ))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == "playback_failed"

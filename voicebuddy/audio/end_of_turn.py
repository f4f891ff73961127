"""Has the user finished their turn? Smart Turn v3.2 judges it from the sound of the speech.

A short pause is not always the end of a turn: "I'd like to... ask you about the weather".
Smart Turn (pipecat's BSD-2-Clause end-of-turn model: a whisper-tiny encoder and a classifier,
8.7 MB int8 ONNX, 23 languages) hears the intonation and the words of the utterance's last
8 s and gives the probability that the turn is complete. It runs on onnxruntime, one thread;
its input is whisper's log-mel spectrogram, computed here with numpy (the formulas of
whisper's and transformers' feature extractors), so neither pipecat nor torch is imported.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from voicebuddy.audio.types import STT_SAMPLE_RATE, Samples
from voicebuddy.audio.vad import SpeechSpan
from voicebuddy.errors import ConfigError, ModelError

WINDOW_S = 8  # the model hears the last 8 s
_N_FFT = 400  # 25 ms
_HOP = 160  # 10 ms
_N_MELS = 80


class EndOfTurnModel(Protocol):
    def probability(self, samples: Samples, speech: SpeechSpan | None = None) -> float:
        """How likely it is that the speaker has finished, given their utterance so far
        (16 kHz mono float32, ending with the pause) and where the detector heard speech."""
        ...


@runtime_checkable
class PreparingModel(EndOfTurnModel, Protocol):
    def prepare(self, samples: Samples, speech: SpeechSpan | None = None) -> None:
        """Start the work a judgement of this pause will need (at its first frames of
        silence), so that `probability` at the short pause finds it done."""
        ...


Verdict = Callable[[float, float], None]  # (probability, seconds from the request on)
_Request = tuple[Samples, SpeechSpan | None, Verdict | None]  # no verdict: prepare


class InlineJudge:
    """Asks the model on the caller's thread: for files replayed on a simulated clock. As the
    worker would, it does one thing at a time: a request made (at `at`, on that clock) while
    earlier work would still be running waits for it, and the wait counts."""

    def __init__(self, model: EndOfTurnModel) -> None:
        self._model = model
        self._busy_until = 0.0  # on the simulated clock

    def prepare(self, samples: Samples, speech: SpeechSpan | None, at: float) -> None:
        model = self._model
        if isinstance(model, PreparingModel):
            self._timed(lambda: model.prepare(samples, speech), at)

    def submit(
        self, samples: Samples, speech: SpeechSpan | None, verdict: Verdict, at: float = 0.0
    ) -> None:
        found: list[float] = []
        took = self._timed(lambda: found.append(self._model.probability(samples, speech)), at)
        verdict(found[0], took)

    def _timed(self, work: Callable[[], object], at: float) -> float:
        """Do `work`; the seconds from `at` until it would have been done."""
        start = max(at, self._busy_until)
        started = time.perf_counter()
        work()
        self._busy_until = start + time.perf_counter() - started
        return self._busy_until - at

    def close(self) -> None:
        pass


class WorkerJudge:
    """Asks the model on its own thread, so the microphone's thread never waits for it.

    Only the newest pause matters: a request still waiting when a newer one comes is dropped.
    A model that fails is treated as "not sure", leaving the turn to the maximum pause."""

    def __init__(self, model: EndOfTurnModel) -> None:
        self._model = model
        self._requests: queue.Queue[_Request | None] = queue.Queue(maxsize=1)
        self._thread = threading.Thread(target=self._run, name="end-of-turn", daemon=True)
        self._thread.start()

    def prepare(self, samples: Samples, speech: SpeechSpan | None, at: float = 0.0) -> None:
        if isinstance(self._model, PreparingModel):
            self._put_newest((samples, speech, None))

    def submit(
        self, samples: Samples, speech: SpeechSpan | None, verdict: Verdict, at: float = 0.0
    ) -> None:
        self._put_newest((samples, speech, verdict))

    def close(self) -> None:
        self._put_newest(None)

    def _put_newest(self, request: _Request | None) -> None:
        while True:
            try:
                self._requests.put_nowait(request)
                return
            except queue.Full:
                with contextlib.suppress(queue.Empty):
                    self._requests.get_nowait()

    def _run(self) -> None:
        while (request := self._requests.get()) is not None:
            samples, speech, verdict = request
            started = time.perf_counter()
            try:
                if verdict is None:
                    self._model.prepare(samples, speech)  # type: ignore[attr-defined]
                    continue
                probability = self._model.probability(samples, speech)
            except Exception:  # onnxruntime's own errors: fall back to the maximum pause
                continue
            verdict(probability, time.perf_counter() - started)


def _slaney_mel(hz: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    linear = 3.0 * hz / 200.0
    log = 15.0 + np.log(np.maximum(hz, 1e-9) / 1000.0) * (27.0 / np.log(6.4))
    return np.where(hz >= 1000.0, log, linear)


def _slaney_hz(mel: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    linear = 200.0 * mel / 3.0
    log = 1000.0 * np.exp((np.log(6.4) / 27.0) * (mel - 15.0))
    return np.where(mel >= 15.0, log, linear)


@cache
def _mel_filters() -> npt.NDArray[np.float64]:
    """Whisper's 80 triangular, area-normalised mel filters (Slaney scale), (201, 80)."""
    bins = np.linspace(0, STT_SAMPLE_RATE // 2, _N_FFT // 2 + 1)
    edges = _slaney_hz(
        np.linspace(
            _slaney_mel(np.array(0.0)), _slaney_mel(np.array(STT_SAMPLE_RATE / 2)), _N_MELS + 2
        )
    )
    slopes = edges[None, :] - bins[:, None]
    widths = np.diff(edges)
    down = -slopes[:, :-2] / widths[:-1]
    up = slopes[:, 2:] / widths[1:]
    filters = np.maximum(0.0, np.minimum(down, up))
    return filters * (2.0 / (edges[2:] - edges[:-2]))[None, :]


def log_mel_features(samples: Samples) -> npt.NDArray[np.float32]:
    """The model's input for `samples`: the last 8 s, zero-padded in front, normalised to
    zero mean and unit variance, as an (80, 800) whisper log-mel spectrogram."""
    window = WINDOW_S * STT_SAMPLE_RATE
    audio = np.asarray(samples, dtype=np.float32).ravel()[-window:]
    audio = np.pad(audio, (window - audio.size, 0))
    audio = (audio - audio.mean()) / np.sqrt(audio.var() + 1e-7)
    half = _N_FFT // 2
    padded = np.pad(audio.astype(np.float64), (half, half), mode="reflect")
    frames = np.lib.stride_tricks.sliding_window_view(padded, _N_FFT)[::_HOP]
    hann = np.hanning(_N_FFT + 1)[:-1]  # periodic, as torch.hann_window
    power = np.abs(np.fft.rfft(frames * hann, axis=-1)) ** 2  # (frames, 201)
    mel: npt.NDArray[np.float64] = np.log10(np.maximum(1e-10, power @ _mel_filters())).T[:, :-1]
    mel = np.maximum(mel, mel.max() - 8.0)
    return ((mel + 4.0) / 4.0).astype(np.float32)


class SmartTurn:
    """Smart Turn v3.x from its ONNX file; `ModelError` when the file is not that model."""

    def __init__(self, path: Path, threads: int = 1) -> None:
        try:
            import onnxruntime
        except ImportError as exc:
            raise ConfigError(
                "end_of_turn_unavailable",
                f"The end-of-turn model needs onnxruntime, which could not be loaded ({exc}); "
                "hands-free listening waits for the pause instead.",
            ) from exc
        self.path = path
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = max(1, threads)
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        # It runs while the user pauses, beside speech recognition: no spinning threads.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            self._session: Any = onnxruntime.InferenceSession(
                str(path), sess_options=options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # a missing, truncated or foreign file
            raise ModelError(
                "end_of_turn_invalid",
                f"The end-of-turn model {path} could not be loaded: {exc}.",
            ) from exc
        inputs = {i.name: i.shape for i in self._session.get_inputs()}
        if list(inputs) != ["input_features"] or list(inputs["input_features"])[1:] != [80, 800]:
            raise ModelError(
                "end_of_turn_invalid",
                f"{path} is not a Smart Turn v3 model (its inputs are {inputs}).",
            )

    def probability(self, samples: Samples, speech: SpeechSpan | None = None) -> float:
        features = log_mel_features(samples)[None]
        output = self._session.run(None, {"input_features": features})[0]
        return float(np.asarray(output).ravel()[0])

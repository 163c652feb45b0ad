"""Recordings of the simulated switch: real WAV files (8 kHz, 16-bit mono, like a PBX's).

The audio is a quiet two-tone pattern whose length is the talk time (capped), so the call's
page plays a real file of the right duration.
"""

from __future__ import annotations

import functools
import math
import struct
import wave
from pathlib import Path

RATE = 8000
MAX_SECONDS = 120.0


@functools.cache  # a few dozen tones; computing one in Python stalled the switch's loop
def _turn(freq: int) -> bytes:
    """1.5 s of one "speaker": a pause of 0.2 s, then a quiet tone."""
    pause = RATE // 5
    samples = [0] * pause + [
        int(2500 * math.sin(2 * math.pi * freq * i / RATE)) for i in range(RATE * 3 // 2 - pause)
    ]
    return struct.pack(f"<{len(samples)}h", *samples)


def write_wav(path: Path, seconds: float, *, seed: int = 0) -> float:
    """Write ``seconds`` of audio (at most ``MAX_SECONDS``) to ``path``; return its length."""
    seconds = max(0.5, min(seconds, MAX_SECONDS))
    frames = int(RATE * seconds)
    pair = _turn(440 + seed % 70) + _turn(330 + seed % 50)
    audio = (pair * (frames * 2 // len(pair) + 1))[: frames * 2]
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(audio)
    return frames / RATE

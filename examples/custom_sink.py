"""A custom sink: any object with ``write(frame, time)`` and ``close()``.

    python examples/custom_sink.py [VIDEO]

Prints, once a second of video, how bright the frames were, from each frame's own timestamp.
"""

from __future__ import annotations

import sys

import numpy as np

import videotools as vt


class BrightnessLog:
    """Mean brightness (0..255) per second of video."""

    def __init__(self) -> None:
        self.seconds: dict[int, list[float]] = {}

    def write(self, frame: np.ndarray, time: float | None = None) -> None:
        self.seconds.setdefault(int(time or 0.0), []).append(float(frame.mean()))

    def close(self) -> None:
        for second, values in sorted(self.seconds.items()):
            print(f"{second:4d} s  brightness {np.mean(values):6.1f}  ({len(values)} frames)")


def main(source: str = "samples/traffic.mp4") -> None:
    vt.process(source, extra_sinks=[BrightnessLog()], max_frames=75)  # the run closes the sink


if __name__ == "__main__":
    main(*sys.argv[1:])

"""A custom processor: any callable from an (H, W, 3) uint8 RGB frame to one, no base class needed.

    python examples/custom_processor.py [VIDEO] [OUT]

Draws the edges of each frame in white over a darkened copy and writes a video.
"""

from __future__ import annotations

import sys

import cv2
import numpy as np

import videotools as vt


class Edges:
    """Canny edges in white over the frame at half brightness."""

    def __init__(self, low: int = 80, high: int = 160) -> None:
        self.low, self.high = low, high

    def __call__(self, frame: np.ndarray) -> np.ndarray:
        grey = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)  # frames are RGB; OpenCV is told so
        edges = cv2.Canny(grey, self.low, self.high) > 0
        out = frame // 2
        out[edges] = 255
        return out


def main(source: str = "samples/traffic.mp4", out: str = "edges.mp4") -> None:
    stats = vt.process(source, [vt.Resize(width=320), Edges()], out=out, max_frames=50, overwrite=True)
    print(f"{stats.frames} frames -> {out}")


if __name__ == "__main__":
    main(*sys.argv[1:])

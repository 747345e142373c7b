"""Generated photo sets whose right grouping is known: distinct scenes, each in several altered versions."""

from __future__ import annotations

from collections.abc import Iterator

import cv2
import numpy as np

from ..frames import Frame


def synthetic_photo_set(bases: int = 4, variants: int = 5, *, size: tuple[int, int] = (480, 360),
                        seed: int = 0) -> Iterator[tuple[int, Frame]]:
    """Yield ``(base_index, image)``: ``bases`` distinct generated scenes, each in ``variants`` versions.

    Versions are crops (75-95 % of each side), horizontal flips, brightness
    changes (x0.75..1.25) and small rescales of their base, so the right
    grouping is known: for tests and benchmarks of ``videotools group``.
    """
    w, h = size
    rng = np.random.default_rng(seed)
    for b in range(bases):
        base: np.ndarray = np.empty((h, w, 3), np.uint8)
        base[:] = rng.integers(30, 226, 3)
        tex = cv2.resize(rng.integers(0, 256, (h // 16, w // 16, 3), dtype=np.uint8), (w, h),
                         interpolation=cv2.INTER_NEAREST)
        base = cv2.addWeighted(base, 0.7, tex, 0.3, 0)
        for _ in range(25):
            colour = tuple(int(v) for v in rng.integers(0, 256, 3))
            kind = rng.integers(3)
            x, y = int(rng.integers(0, w)), int(rng.integers(0, h))
            if kind == 0:
                cv2.rectangle(base, (x, y), (x + int(rng.integers(10, w // 3)), y + int(rng.integers(10, h // 3))),
                              colour, -1)
            elif kind == 1:
                cv2.circle(base, (x, y), int(rng.integers(5, h // 5)), colour, -1, cv2.LINE_AA)
            else:
                cv2.line(base, (x, y), (int(rng.integers(0, w)), int(rng.integers(0, h))), colour,
                         int(rng.integers(1, 6)), cv2.LINE_AA)
        for v in range(variants):
            img: np.ndarray = base
            if v % 5 == 1:
                img = img[:, ::-1]
            cw, ch = int(w * rng.uniform(0.75, 0.95)), int(h * rng.uniform(0.75, 0.95))
            x0, y0 = int(rng.integers(0, w - cw + 1)), int(rng.integers(0, h - ch + 1))
            img = img[y0:y0 + ch, x0:x0 + cw]
            img = cv2.convertScaleAbs(img, alpha=float(rng.uniform(0.75, 1.25)))
            s = float(rng.uniform(0.8, 1.2))
            img = cv2.resize(img, (max(8, int(cw * s)), max(8, int(ch * s))), interpolation=cv2.INTER_AREA)
            yield b, np.ascontiguousarray(img)

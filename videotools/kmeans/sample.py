"""The pixels a palette is fitted on: a seeded sample drawn evenly from a frame, a pixel list or several frames.

From an iterable (an open source) at most :data:`MAX_FIT_FRAMES` frames are
read, each subsampled as it arrives, so memory stays bounded whatever the
source's length.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ..errors import ParameterError

MAX_FIT_FRAMES = 64
"""Frames :func:`sample_pixels` takes from an iterable (a source); each is subsampled as it arrives."""


def _pixels_of(frame: Any) -> np.ndarray:
    f = np.asarray(frame)
    if f.ndim != 3 or f.shape[2] != 3:
        raise ParameterError(f"fit takes (H, W, 3) frames, got shape {f.shape}")
    return f.reshape(-1, 3)


def _draw(a: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """At most ``n`` rows of ``a``, drawn without replacement."""
    return a if len(a) <= n else a[rng.choice(len(a), n, replace=False)]


def _array_parts(data: np.ndarray) -> list[np.ndarray]:
    if data.ndim == 2 and data.shape[1] == 3:
        return [data]
    if data.ndim == 3 and data.shape[2] == 3:
        return [data.reshape(-1, 3)]
    if data.ndim == 4 and data.shape[3] == 3:
        return [f.reshape(-1, 3) for f in data]
    raise ParameterError(f"fit takes (H, W, 3) frames or (N, 3) pixels, got shape {data.shape}")


def _iterable_parts(data: Iterable[Any], sample: int, rng: np.random.Generator) -> list[np.ndarray]:
    per = max(1, sample // MAX_FIT_FRAMES)
    # range first: no frame is read beyond the limit
    return [_draw(_pixels_of(f), per, rng) for _, f in zip(range(MAX_FIT_FRAMES), data)]


def sample_pixels(data: np.ndarray | Iterable[Any], sample: int, rng: np.random.Generator) -> np.ndarray:
    """A seeded sample of at most ``sample`` ``(n, 3) uint8`` pixels, drawn evenly from each frame of ``data``.

    Parameters
    ----------
    data : frame, (N, 3) pixels, (F, H, W, 3) frames, list of frames, or any iterable of frames
    sample : int
        Pixels wanted in all.
    rng : numpy.random.Generator
        The draw (seeded by the caller: same seed, same sample).

    Raises
    ------
    ParameterError
        Wrong shapes, no pixels at all, or a dtype other than uint8.

    Examples
    --------
    >>> frames = [np.zeros((10, 10, 3), np.uint8), np.full((10, 10, 3), 255, np.uint8)]
    >>> px = sample_pixels(frames, 20, np.random.default_rng(0))
    >>> px.shape, sorted(set(px[:, 0].tolist()))
    ((20, 3), [0, 255])
    """
    if isinstance(data, np.ndarray):
        arrays = _array_parts(data)
    elif isinstance(data, (list, tuple)):
        arrays = [_pixels_of(f) for f in data]
    else:
        arrays = _iterable_parts(data, sample, rng)
    arrays = [a for a in arrays if len(a)]
    if not arrays:
        raise ParameterError("cannot fit a palette on an empty image")
    if any(a.dtype != np.uint8 for a in arrays):
        raise ParameterError(f"fit takes uint8 RGB, got {arrays[0].dtype}")
    per = max(1, sample // len(arrays))
    return np.concatenate([_draw(a, per, rng) for a in arrays])


__all__ = ["MAX_FIT_FRAMES", "sample_pixels"]

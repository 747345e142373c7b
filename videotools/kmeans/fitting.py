"""Choosing a palette's colours: k-means on a pixel sample, on its distinct colours when they are few.

Real footage sampled at 50,000 pixels holds a few hundred to a few thousand
distinct colours; clustering those, each weighted by its pixel count, is the
same clustering as clustering every pixel, at a fraction of the cost. A noisy
sample (many distinct colours) is clustered pixel by pixel.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..errors import ParameterError
from .choices import MAX_K
from .colour import check_space, from_space, to_space
from .core import kmeans
from .table import pack_codes, unpack_codes

FEW = 16
"""A sample with at most 1/FEW as many distinct colours as pixels is clustered as weighted colours."""


def check_colors(c: np.ndarray) -> None:
    """Check a palette's colours: ``(k, 3)``, 1..MAX_K of them, integers 0..255."""
    if c.ndim != 2 or c.shape[1] != 3:
        raise ParameterError(f"palette colours must be (k, 3), got shape {c.shape}", param="palette")
    if not 1 <= len(c) <= MAX_K:
        raise ParameterError(f"a palette holds 1..{MAX_K} colours, got {len(c)}", param="palette")
    if c.min() < 0 or c.max() > 255 or not np.allclose(c, np.round(c)):
        raise ParameterError("palette colours must be integers 0..255", param="palette")


def check_fit(k: object, sample: int, space: str) -> int:
    """Check a fit's options; ``k`` as an int."""
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or not 1 <= k <= MAX_K:
        raise ParameterError(f"k must be an integer in 1..{MAX_K}, got {k!r}", param="k")
    check_space(space)
    if sample < 1:
        raise ParameterError(f"sample must be >= 1, got {sample}", param="sample")
    return int(k)


def cluster(pixels: np.ndarray, k: int, *, seed: int, space: str,
            attempts: int) -> tuple[np.ndarray, np.ndarray | None]:
    """``k`` colours for ``(N, 3) uint8`` pixels, and each pixel's label (None when the colours are the pixels').

    Fewer distinct colours than ``k``: those colours, with a warning (k is reduced).
    """
    distinct, inverse, counts = np.unique(pack_codes(pixels[None]).ravel(), return_inverse=True,
                                          return_counts=True)
    if len(distinct) < k:
        warnings.warn(f"only {len(distinct)} distinct colours in the data: k reduced from {k} "
                      f"to {len(distinct)}", stacklevel=3)
        k = len(distinct)
    if len(distinct) == k:  # nothing to cluster: the colours are the palette
        return unpack_codes(distinct), None
    if len(distinct) * FEW <= len(pixels):  # few colours, many pixels each (most footage)
        res = kmeans(to_space(unpack_codes(distinct), space), k, seed=seed, attempts=attempts,
                     max_iter=50, tol=0.1, weights=counts)
        return from_space(res.centres, space), res.labels[inverse.reshape(-1)]
    res = kmeans(to_space(pixels, space), k, seed=seed, attempts=attempts, max_iter=50, tol=0.1)
    return from_space(res.centres, space), res.labels

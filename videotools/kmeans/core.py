"""The one k-means core: k-means++ seeding with a seeded numpy ``Generator``, Lloyd iterations in OpenCV.

Weighted points (a palette's distinct colours with their pixel counts) go
through the same seeding, weighted, and Lloyd iterations in numpy: a frame's
50,000 sampled pixels often hold only a few thousand distinct colours, so
clustering those is the same clustering at a fraction of the cost.

Every clustering in videotools goes through :func:`kmeans` (palettes,
segmentation, grouping of photos), so a seed means the same thing everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import ArrayLike

from ..errors import ParameterError


@dataclass(frozen=True)
class KMeansResult:
    """Centres ``(k, D) float32``, labels ``(N,) int32`` and the inertia (sum of squared distances)."""

    centres: np.ndarray
    labels: np.ndarray
    inertia: float


def as_data(data: ArrayLike) -> np.ndarray:
    """``data`` as ``(N, D) float32`` points, checked: 2-D at most, not empty, numeric and finite.

    Raises
    ------
    ParameterError
        Naming the shape, dtype or the count of NaN/infinite values.
    """
    a = np.asarray(data)
    if a.ndim == 1:
        a = a[:, None]
    if a.ndim != 2:
        raise ParameterError(f"k-means data must be (N,) or (N, D), got shape {a.shape}")
    if a.shape[0] == 0 or a.shape[1] == 0:
        raise ParameterError(f"k-means data is empty: shape {a.shape}")
    if not np.issubdtype(a.dtype, np.number):
        raise ParameterError(f"k-means data must be numeric, got {a.dtype}")
    a = a.astype(np.float32)
    if not np.isfinite(a).all():
        raise ParameterError(f"k-means data has {int((~np.isfinite(a)).sum())} NaN or infinite values")
    return a


def kmeans_pp(x: np.ndarray, k: int, rng: np.random.Generator, weights: np.ndarray | None = None) -> np.ndarray:
    """k-means++ seeding: each new centre drawn with probability proportional to squared distance.

    With ``weights`` (a point standing for that many equal points) the draws are weighted too.
    """
    n = len(x)
    centres = np.empty((k, x.shape[1]), np.float32)
    w = None if weights is None else np.asarray(weights, np.float64)
    centres[0] = x[rng.integers(n) if w is None else rng.choice(n, p=w / w.sum())]
    d2 = ((x - centres[0]) ** 2).sum(1)
    for i in range(1, k):
        mass = d2 if w is None else d2 * w
        total = float(mass.sum())
        idx = rng.choice(n, p=mass / total) if total > 0 else rng.integers(n)
        centres[i] = x[idx]
        np.minimum(d2, ((x - centres[i]) ** 2).sum(1), out=d2)
    return centres


def nearest(x: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Index of the nearest centre per row of ``x`` (squared Euclidean), in chunks that bound memory.

    Examples
    --------
    >>> nearest(np.array([[0.0], [9.0], [4.0]]), np.array([[1.0], [8.0]])).tolist()
    [0, 1, 0]
    """
    c = np.asarray(centres, np.float32)
    cc = (c * c).sum(1)
    out = np.empty(len(x), np.int32)
    step = max(1, 4_000_000 // max(1, len(c)))
    for s in range(0, len(x), step):
        xs = np.asarray(x[s:s + step], np.float32)
        d = cc[None, :] - 2.0 * (xs @ c.T)
        out[s:s + step] = d.argmin(1)
    return out


def _check_k(k: object, n: int) -> int:
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool):
        raise ParameterError(f"k must be an integer, got {k!r}", param="k")
    if not 1 <= k <= n:
        raise ParameterError(f"k must be in 1..{n} (the number of points), got {k}", param="k")
    return int(k)


def _one_attempt(x: np.ndarray, k: int, rng: np.random.Generator, criteria: tuple[int, int, float]) -> KMeansResult:
    init = kmeans_pp(x, k, rng)
    if k == 1:
        centres = x.mean(0, keepdims=True)
        labels = np.zeros(len(x), np.int32)
    else:
        labels0 = nearest(x, init).reshape(-1, 1)
        _, lab, centres = cv2.kmeans(x, k, labels0, criteria, 1, cv2.KMEANS_USE_INITIAL_LABELS)
        labels = lab.ravel().astype(np.int32)
    inertia = float(((x - centres[labels]) ** 2).sum())
    return KMeansResult(centres.astype(np.float32), labels, inertia)


def _weighted_attempt(x: np.ndarray, w: np.ndarray, k: int, rng: np.random.Generator, max_iter: int,
                      tol: float) -> KMeansResult:
    """Lloyd iterations on weighted points (numpy): as on the points repeated, a cluster left empty keeps its centre."""
    centres = kmeans_pp(x, k, rng, w).astype(np.float64)
    labels = nearest(x, centres)
    for _ in range(max(1, max_iter)):
        mass = np.bincount(labels, weights=w, minlength=k)
        sums = np.stack([np.bincount(labels, weights=w * x[:, d], minlength=k) for d in range(x.shape[1])], 1)
        new = np.where(mass[:, None] > 0, sums / np.maximum(mass, 1e-300)[:, None], centres)
        shift = float(((new - centres) ** 2).sum(1).max())
        centres = new
        labels = nearest(x, centres)
        if shift <= tol * tol:
            break
    inertia = float((w * ((x - centres[labels]) ** 2).sum(1)).sum())
    return KMeansResult(centres.astype(np.float32), labels, inertia)


def kmeans(data: ArrayLike, k: int, *, seed: int = 0, attempts: int = 3, max_iter: int = 100,
           tol: float = 1e-4, weights: ArrayLike | None = None) -> KMeansResult:
    """Cluster ``data`` into ``k`` groups.

    Parameters
    ----------
    data : (N,) or (N, D) array_like
        Numbers (1-D data) or points; any numeric dtype.
    k : int
        1 <= k <= N.
    seed : int
        Same seed, same data -> same result.
    attempts : int
        Independent k-means++ starts; the one with the lowest inertia wins.
    max_iter, tol
        Lloyd iterations stop after ``max_iter`` or when centres move less than ``tol``.
    weights : (N,) array_like, optional
        Positive weights: each point counts as that many equal points (and
        ``k <= N`` still counts distinct points). Inertia is weighted too.

    Returns
    -------
    KMeansResult
        ``centres (k, D) float32`` (in the order found), ``labels (N,) int32``, ``inertia``.

    Raises
    ------
    ParameterError
        Bad shape, NaN/inf, or k outside 1..N.

    Examples
    --------
    >>> r = kmeans([1, 2, 3, 101, 102, 103], 2)
    >>> sorted(r.centres.ravel().tolist())
    [2.0, 102.0]
    """
    x = as_data(data)
    k = _check_k(k, len(x))
    if attempts < 1:
        raise ParameterError(f"attempts must be >= 1, got {attempts}", param="attempts")
    rng = np.random.default_rng(seed)
    if weights is not None:
        w = np.asarray(weights, np.float64).reshape(-1)
        if w.shape != (len(x),) or not (w > 0).all():
            raise ParameterError(f"weights must be {len(x)} positive numbers, got shape {w.shape}", param="weights")
        results = [_weighted_attempt(x, w, k, rng, max_iter, tol) for _ in range(attempts)]
        return min(results, key=lambda r: r.inertia)
    criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_MAX_ITER, max_iter, tol)
    results = [_one_attempt(x, k, rng, criteria) for _ in range(attempts)]
    return min(results, key=lambda r: r.inertia)


__all__ = ["KMeansResult", "kmeans", "kmeans_pp", "nearest", "as_data"]

"""The label order of a fitted palette: darkest first, or, on a refit, the order that keeps each label's pixels.

k-means finds centres in no useful order; a palette's label i must mean the
same thing from one fit to the next, or every refit would repaint a video.
"""

from __future__ import annotations

import numpy as np

from .colour import luminance


def by_luminance(colors: np.ndarray) -> np.ndarray:
    """Order that sorts colours darkest first (Rec. 601 luma), ties by R, G, B."""
    return np.lexsort((colors[:, 2], colors[:, 1], colors[:, 0], luminance(colors)))


def match_previous(old_labels: np.ndarray, new_labels: np.ndarray, colors: np.ndarray,
                   previous: np.ndarray) -> np.ndarray:
    """Order of the new colours so that new label i covers the pixels old label i covered.

    ``previous`` holds the previous palette's ``(k, 3)`` colours.
    Greedy on the overlap (pixel counts) of old and new clusters, largest first; a
    new cluster that overlaps no free old label goes to the nearest free old colour.
    Matching by membership rather than colour keeps labels through a global
    brightness change, where two similar colours could swap by distance.
    """
    k = len(colors)
    overlap = np.bincount(old_labels.astype(np.int64) * k + new_labels, minlength=k * k).reshape(k, k)
    order = np.full(k, -1)
    free_new = np.ones(k, bool)
    for flat in np.argsort(-overlap, axis=None, kind="stable"):
        i, j = divmod(int(flat), k)
        if overlap[i, j] == 0:
            break
        if order[i] < 0 and free_new[j]:
            order[i], free_new[j] = j, False
    for old in np.flatnonzero(order < 0):
        cand = np.flatnonzero(free_new)
        d = ((colors[cand].astype(np.int64) - previous[old].astype(np.int64)) ** 2).sum(1)
        pick = int(cand[d.argmin()])
        order[old], free_new[pick] = pick, False
    return order


__all__ = ["by_luminance", "match_previous"]

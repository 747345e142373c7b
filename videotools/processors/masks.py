"""What is done with a foreground mask: its blobs as boxes, a picture of it, the shadows in it."""

from __future__ import annotations

import cv2
import numpy as np

from ..errors import ParameterError
from ..frames import Frame


def find_blobs(mask: np.ndarray, *, min_area: int = 50) -> list[tuple[int, int, int, int]]:
    """Boxes ``(x, y, w, h)`` of the 8-connected regions of ``mask`` with at least ``min_area`` pixels.

    Parameters
    ----------
    mask : (H, W) bool ndarray
    min_area : int
        Smaller regions (noise, a leaf) are left out.

    Returns
    -------
    list of (x, y, w, h)
        Sorted top to bottom, then left to right.
    """
    if mask.ndim != 2:
        raise ParameterError(f"expected an (H, W) mask, got shape {mask.shape}", param="mask")
    if min_area < 1:
        raise ParameterError(f"min_area must be >= 1 pixel, got {min_area}", param="min_area")
    n, _, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8, copy=False), connectivity=8)
    boxes = [(int(stats[i, 0]), int(stats[i, 1]), int(stats[i, 2]), int(stats[i, 3]))
             for i in range(1, n) if stats[i, cv2.CC_STAT_AREA] >= min_area]
    return sorted(boxes, key=lambda b: (b[1], b[0]))


def mask_image(mask: np.ndarray) -> Frame:
    """An ``(H, W) bool`` mask as an ``(H, W, 3) uint8`` RGB picture: white where True, black elsewhere."""
    return cv2.cvtColor(mask.astype(np.uint8, copy=False) * np.uint8(255), cv2.COLOR_GRAY2RGB)


def shadow_mask(frame: Frame, background: Frame, mask: np.ndarray, *, darker: tuple[float, float] = (0.4, 0.9),
                colour: float = 0.1) -> np.ndarray:
    """``(H, W) bool``: the pixels of ``mask`` that look like a shadow on ``background``.

    A shadow darkens what is under it by about the same factor in every channel:
    each channel's ratio frame / background lies in ``darker`` and the three
    ratios differ by at most ``colour``. Only the pixels of ``mask`` are
    examined, so the cost follows the foreground's size.
    """
    out = np.zeros(mask.shape, bool)
    idx = np.flatnonzero(mask)
    if idx.size == 0:
        return out
    f = frame.reshape(-1, 3)[idx].astype(np.float32)
    b = background.reshape(-1, 3)[idx].astype(np.float32) + 1.0
    r = (f + 1.0) / b
    lo, hi = r.min(axis=1), r.max(axis=1)
    out.flat[idx] = (lo >= darker[0]) & (hi <= darker[1]) & (hi - lo <= colour)
    return out


__all__ = ["find_blobs", "mask_image", "shadow_mask"]

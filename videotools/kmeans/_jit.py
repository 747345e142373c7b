"""The numba-compiled loops behind :mod:`videotools.kmeans.kernels` (importing this module imports numba).

Each loop is compiled for one signature when this module is imported, or
loaded from numba's on-disk cache; see :mod:`~videotools.kmeans.kernels` for
what they compute and why the results equal the numpy path's.
"""

import numba
import numpy as np
from numba import types

_PLANE = types.Array(types.uint8, 2, "C")
_IN = types.Array(types.uint8, 2, "C", readonly=True)  # inputs may be read-only (a palette's colours are)
_FAR = np.int64(1) << 62


@numba.njit(types.void(_IN, _IN, _IN, _IN, _IN, _PLANE, _PLANE, _PLANE, types.intp, types.intp),
            cache=True, nogil=True, boundscheck=False)
def apply_i420_blocks(table, y, u, v, colours, oy, ou, ov, first, stop):  # pragma: no cover - compiled
    """Chroma rows ``first`` to ``stop``: each 2x2 block's labels from the table row of its (U, V), painted."""
    for i in range(first, stop):
        r0 = 2 * i
        r1 = r0 + 1
        for j in range(u.shape[1]):
            row = (np.intp(u[i, j]) << 8) | np.intp(v[i, j])
            c0 = 2 * j
            c1 = c0 + 1
            a = table[row, y[r0, c0]]
            oy[r0, c0] = colours[a, 0]
            oy[r0, c1] = colours[table[row, y[r0, c1]], 0]
            oy[r1, c0] = colours[table[row, y[r1, c0]], 0]
            oy[r1, c1] = colours[table[row, y[r1, c1]], 0]
            ou[i, j] = colours[a, 1]
            ov[i, j] = colours[a, 2]


@numba.njit(cache=True, nogil=True, boundscheck=False)
def _axis(lo, side, c):  # pragma: no cover - compiled
    """Squared distance from ``c`` to the nearest and to the farthest of ``lo .. lo + side - 1``."""
    hi = lo + side - 1
    near = lo - c if c < lo else (c - hi if c > hi else 0)
    far = max(c - lo, hi - c)
    return near * near, far * far


@numba.njit(cache=True, nogil=True, boundscheck=False)
def _prune(colours, among, n, b0, g0, r0, side, out):  # pragma: no cover - compiled
    """Write to ``out`` the colours of ``among[:n]`` that can be nearest somewhere in the cube; their count."""
    reach = _FAR  # within this squared distance some colour reaches the whole cube
    for m in range(n):
        i = among[m]
        reach = min(reach, _axis(r0, side, colours[i, 0])[1] + _axis(g0, side, colours[i, 1])[1]
                    + _axis(b0, side, colours[i, 2])[1])
    kept = 0
    for m in range(n):
        i = among[m]
        if _axis(r0, side, colours[i, 0])[0] + _axis(g0, side, colours[i, 1])[0] \
                + _axis(b0, side, colours[i, 2])[0] <= reach:  # one tied for nearest anywhere inside is kept
            out[kept] = i
            kept += 1
    return kept


@numba.njit(types.void(types.Array(types.int64, 2, "C", readonly=True), types.Array(types.uint8, 3, "C"), types.intp,
                       types.intp),
            cache=True, nogil=True, boundscheck=False)
def fill_rgb_table(colours, table, first, stop):  # pragma: no cover - compiled
    """16-cubes ``first`` to ``stop`` (of 4096, [b, g, r] order) of the nearest-colour table."""
    k = colours.shape[0]
    every = np.arange(k)
    big = np.empty(k, np.intp)
    small = np.empty(k, np.intp)
    tiny = np.empty(k, np.intp)
    for cube in range(first, stop):
        b0, g0, r0 = (cube >> 8) * 16, ((cube >> 4) & 15) * 16, (cube & 15) * 16
        nb = _prune(colours, every, k, b0, g0, r0, 16, big)
        if nb == 1:
            table[b0:b0 + 16, g0:g0 + 16, r0:r0 + 16] = big[0]
            continue
        for sub in range(64):  # its 4-cubes
            b1, g1, r1 = b0 + (sub >> 4) * 4, g0 + ((sub >> 2) & 3) * 4, r0 + (sub & 3) * 4
            ns = _prune(colours, big, nb, b1, g1, r1, 4, small)
            if ns == 1:
                table[b1:b1 + 4, g1:g1 + 4, r1:r1 + 4] = small[0]
                continue
            for leaf in range(8):  # its 2-cubes
                b2, g2, r2 = b1 + (leaf >> 2) * 2, g1 + ((leaf >> 1) & 1) * 2, r1 + (leaf & 1) * 2
                nl = _prune(colours, small, ns, b2, g2, r2, 2, tiny)
                for b in range(b2, b2 + 2):
                    for g in range(g2, g2 + 2):
                        for r in range(r2, r2 + 2):
                            best = _FAR
                            label = 0
                            for m in range(nl):  # in label order: the first of equals wins, as argmin does
                                i = tiny[m]
                                dr, dg, db = r - colours[i, 0], g - colours[i, 1], b - colours[i, 2]
                                d = dr * dr + dg * dg + db * db
                                if d < best:
                                    best, label = d, i
                            table[b, g, r] = label


@numba.njit(types.void(types.Array(types.uint8, 3, "C", readonly=True), types.Array(types.uint8, 1, "C", readonly=True),
                       _IN, types.Array(types.uint8, 3, "C"), types.intp, types.intp),
            cache=True, nogil=True, boundscheck=False)
def apply_rgb_rows(frame, table, colours, out, first, stop):  # pragma: no cover - compiled
    """Rows ``first`` to ``stop`` of an RGB frame: each pixel's label from the [b, g, r] table, painted."""
    for i in range(first, stop):
        for j in range(frame.shape[1]):
            a = table[np.intp(frame[i, j, 0]) | (np.intp(frame[i, j, 1]) << 8) | (np.intp(frame[i, j, 2]) << 16)]
            out[i, j, 0] = colours[a, 0]
            out[i, j, 1] = colours[a, 1]
            out[i, j, 2] = colours[a, 2]

"""Clustering and palettes, one idea a module.

* :mod:`~videotools.kmeans.core`: :func:`kmeans` on any ``(N, D)`` data
  (k-means++ seeding with a seeded numpy ``Generator``, Lloyd iterations in
  ``cv2.kmeans``) and :func:`nearest`;
* :mod:`~videotools.kmeans.colour`: RGB <-> Lab, luma, ``#rrggbb`` parsing;
* :mod:`~videotools.kmeans.table`: the exact 256³ nearest-colour table;
* :mod:`~videotools.kmeans.sample`: the seeded pixel sample a fit uses;
* :mod:`~videotools.kmeans.order`: label order (darkest first, or kept across refits);
* :mod:`~videotools.kmeans.palette`: :class:`Palette` (fit, apply, save, load).

Everything is re-exported here: ``from videotools.kmeans import Palette, kmeans``.
"""

from .colour import SPACES, check_space, from_space, luminance, parse_color, to_hex, to_space
from .core import KMeansResult, kmeans, nearest
from .palette import DEFAULT_SAMPLE, MAX_K, Palette
from .sample import MAX_FIT_FRAMES, sample_pixels
from .table import build_rgb_table, pack_codes, unpack_codes

__all__ = [
    "KMeansResult", "kmeans", "nearest",
    "SPACES", "check_space", "to_space", "from_space", "luminance", "parse_color", "to_hex",
    "build_rgb_table", "pack_codes", "unpack_codes",
    "MAX_FIT_FRAMES", "sample_pixels",
    "DEFAULT_SAMPLE", "MAX_K", "Palette",
]

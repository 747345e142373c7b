"""Clustering and palettes, one idea a module.

* :mod:`~videotools.kmeans.core`: :func:`kmeans` on any ``(N, D)`` data
  (k-means++ seeding with a seeded numpy ``Generator``, Lloyd iterations in
  ``cv2.kmeans``) and :func:`nearest`;
* :mod:`~videotools.kmeans.colour`: RGB <-> Lab, luma, ``#rrggbb`` parsing;
* :mod:`~videotools.kmeans.table`: the exact 256³ nearest-colour table;
* :mod:`~videotools.kmeans.kernels`: compiled loops (numba) for the table and the planar lookup;
* :mod:`~videotools.kmeans.sample`: the seeded pixel sample a fit uses;
* :mod:`~videotools.kmeans.order`: label order (darkest first, or kept across refits);
* :mod:`~videotools.kmeans.palette`: :class:`Palette` (fit, apply, save, load);
* :mod:`~videotools.kmeans.choices`: the values options take (no numpy: the command line uses them).

Everything is re-exported here: ``from videotools.kmeans import Palette, kmeans``. Names are imported
on first use (PEP 562), so the command line gets :data:`SPACES` without loading numpy.
"""

from __future__ import annotations

from ..lazy import lazy_names
from .choices import DEFAULT_SAMPLE, MAX_K, SPACES, check_space

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (the command's start-up)

if TYPE_CHECKING:  # the same names, for type checkers and editors
    from .colour import from_space, luminance, parse_color, to_hex, to_space
    from .core import KMeansResult, kmeans, nearest
    from .palette import Palette
    from .sample import MAX_FIT_FRAMES, sample_pixels
    from .table import build_rgb_table, pack_codes, unpack_codes

_WHERE = {  # public name -> the module that defines it
    **dict.fromkeys(["from_space", "luminance", "parse_color", "to_hex", "to_space"], ".colour"),
    **dict.fromkeys(["KMeansResult", "kmeans", "nearest"], ".core"),
    **dict.fromkeys(["Palette"], ".palette"),
    **dict.fromkeys(["MAX_FIT_FRAMES", "sample_pixels"], ".sample"),
    **dict.fromkeys(["build_rgb_table", "pack_codes", "unpack_codes"], ".table"),
}


__getattr__, __dir__ = lazy_names(__name__, _WHERE)


__all__ = [
    "KMeansResult", "kmeans", "nearest",
    "SPACES", "check_space", "to_space", "from_space", "luminance", "parse_color", "to_hex",
    "build_rgb_table", "pack_codes", "unpack_codes",
    "MAX_FIT_FRAMES", "sample_pixels",
    "DEFAULT_SAMPLE", "MAX_K", "Palette",
]

"""Posterize a whole source: fit a palette on frames spread over it, apply it to every frame, save it.

:func:`posterize` is ``videotools posterize`` as one Python call, with the
same defaults; the command only maps its flags to these keywords.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from .errors import ParameterError
from .kmeans import Palette
from .outputs import check_outputs
from .pipeline import RunStats
from .processors.posterize import FIT_FRAMES, Posterize
from .protocols import Processor, Source
from .settings import Seek

PathLike = str | os.PathLike


def _is_live(spec: str) -> bool:
    """A camera or a stream: nothing to sample ahead, and not worth opening twice (once here, once for the run)."""
    from .sources import camera_device
    from .sources.file import STREAM_SCHEMES

    if spec.lower().startswith(STREAM_SCHEMES):
        return True
    return camera_device(spec) is not None and not os.path.exists(spec)


def fitted_posterize(source: PathLike | Source, *, k: int = 8, space: str = "rgb", seed: int = 0,
                     refit: str = "never", fit_frames: int = FIT_FRAMES, palette: Palette | PathLike | None = None,
                     seek: Seek = Seek()) -> Posterize:
    """A :class:`~videotools.processors.Posterize` whose first palette is fitted on ``fit_frames`` frames of ``source``.

    A video file, an image sequence or a synthetic scene is sampled at
    ``fit_frames`` times spread over it (within ``seek``; a file at the
    keyframe before each time, see :func:`~videotools.sources.sample_frames`),
    so the palette sees the whole clip, not its first second. A live source (a camera, a stream)
    has no length: the processor fits on its first ``fit_frames`` frames as
    they arrive. A ``palette`` (a :class:`Palette`, a palette JSON file, or an
    image to fit one on) is used as it is, and nothing is sampled.

    Raises
    ------
    ParameterError
        A bad option, naming it (``k``, ``fit_frames``, ``refit`` ...).
    SourceError
        A source that cannot be opened.
    """
    from .chain import load_palette
    from .kmeans import kernels
    from .sources import sample_frames

    given = load_palette(os.fspath(palette), k=k, seed=seed, space=space) \
        if isinstance(palette, (str, os.PathLike)) else palette
    proc = Posterize(k, space=space, seed=seed, refit=refit, fit_frames=fit_frames, palette=given)
    if given is None and isinstance(source, (str, os.PathLike)) and not _is_live(os.fspath(source)):
        if space == "rgb" and os.path.exists(source):  # work will be done: numba loads while frames are sampled
            kernels.preload()
        frames = sample_frames(source, fit_frames, start=seek.start, end=seek.end)
        if frames:
            proc.fit(frames)
    return proc


def posterize(source: PathLike | Source, processors: Sequence[Processor] = (), *, k: int = 8,
              space: str = "rgb", seed: int = 0, refit: str = "never", fit_frames: int = FIT_FRAMES,
              palette: Palette | PathLike | None = None, palette_out: PathLike | None = None,
              out: Sequence[str] | str | None = None, overwrite: bool = False, seek: Seek = Seek(),
              **options: Any) -> RunStats:
    """Posterize ``source`` with ``k`` colours fitted once and applied to every frame: ``videotools posterize``.

    Parameters
    ----------
    source : str, path or Source
        A spec for :func:`videotools.open_source`, or any object with the
        :class:`~videotools.protocols.Source` members (then no frames are
        sampled ahead: the first ``fit_frames`` are used).
    processors : sequence of Processor
        Run before posterizing (the palette is fitted on unprocessed frames).
    k, space, seed, refit, fit_frames, palette
        As for :func:`fitted_posterize`.
    palette_out : str or path, optional
        Save the palette (JSON) here after the run; checked with ``out``
        before any work, replaced only with ``overwrite``.
    out, overwrite, seek, **options
        As for :func:`videotools.process` (``display``, ``serve``,
        ``max_frames``, ``encoding``, ``camera``, ``playback`` ...).

    Returns
    -------
    RunStats
        ``stats.extra["palette"]`` is the palette applied last (None when no
        frame was read).

    Raises
    ------
    VideotoolsError
        A bad option or output (before any work), or ``palette_out`` asked for
        while no frame could be read.

    Examples
    --------
    >>> stats = posterize("synthetic:traffic?size=160x90&seconds=1", k=4)
    >>> stats.frames, stats.extra["palette"].k
    (25, 4)
    """
    from .runner import process

    outs = [out] if isinstance(out, (str, os.PathLike)) else list(out or [])
    also = [palette_out] if palette_out is not None else []
    check_outputs(outs, overwrite=overwrite, source=source if isinstance(source, (str, os.PathLike)) else None,
                  also=also)
    proc = fitted_posterize(source, k=k, space=space, seed=seed, refit=refit, fit_frames=fit_frames,
                            palette=palette, seek=seek)
    try:
        stats = process(source, [*processors, proc], out=outs, overwrite=overwrite, seek=seek, **options)
    finally:
        proc.close()
    stats.extra["palette"] = proc.palette
    if palette_out is not None:
        if proc.palette is None:
            raise ParameterError(f"no frames read from {source}: no palette to write to {palette_out}")
        proc.palette.save(palette_out, overwrite=overwrite)
    return stats


__all__ = ["FIT_FRAMES", "fitted_posterize", "posterize"]

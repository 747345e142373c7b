"""Posterize a whole source: fit a palette on frames spread over it, apply it to every frame, save it.

:func:`posterize` is ``videotools posterize`` as one Python call, with the
same defaults; the command only maps its flags to these keywords. It builds one
:class:`~videotools.runs.Run` (the palette file among its outputs) and fits the
palette once those outputs are checked and the source is open, before its first
frame is read.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import partial
from typing import Any

from .errors import ParameterError
from .kmeans import Palette
from .pipeline import RunStats
from .processors.posterize import FIT_FRAMES, Posterize
from .protocols import Processor, Source
from .settings import Seek

PathLike = str | os.PathLike


def fit_ahead(proc: Posterize, source: Source, *, spec: PathLike | None, palette: Palette | PathLike | None = None,
              seek: Seek = Seek()) -> None:
    """Give ``proc`` its first palette before ``source``'s first frame: the one given, or fitted over the source.

    A ``palette`` (a :class:`Palette`, a palette JSON file, or an image to fit
    one on) is used as it is. Else a video file, an image sequence or a
    synthetic scene (``spec``, opened again to sample it) is sampled at
    ``proc.fit_frames`` times spread over it (within ``seek``; a file at the
    keyframe before each time, see :func:`~videotools.sources.sample_frames`),
    so the palette sees the whole clip, not its first second. A live source
    (a camera, a stream) or an open source given as an object has no length
    to sample: ``proc`` fits on its first ``fit_frames`` frames as they arrive.

    Raises
    ------
    ParameterError
        A palette file that is missing or not a palette (``palette``).
    """
    from .chain import load_palette
    from .sources import sample_frames

    if palette is not None:
        given = load_palette(os.fspath(palette), k=proc.k, seed=proc.seed, space=proc.space) \
            if isinstance(palette, (str, os.PathLike)) else palette
        proc.palette, proc.fixed = given, True
        return
    if spec is None or source.info.live or source.info.kind == "camera":
        return
    frames = sample_frames(spec, proc.fit_frames, start=seek.start, end=seek.end)
    if frames:
        proc.fit(frames)


def posterize(source: PathLike | Source, processors: Sequence[Processor] = (), *, k: int = 8,
              space: str = "rgb", seed: int = 0, refit: str = "never", fit_frames: int = FIT_FRAMES,
              palette: Palette | PathLike | None = None, palette_out: PathLike | None = None,
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
    k, space, seed, refit, fit_frames
        As for :class:`~videotools.processors.Posterize`.
    palette : Palette, str or path, optional
        Use this palette (or a palette JSON file, or fit one on this image);
        nothing is sampled. See :func:`fit_ahead`.
    palette_out : str or path, optional
        Save the palette (JSON) here after the run; checked with ``out``
        before any work, replaced only with ``overwrite``.
    **options
        As for :func:`videotools.process` (``out``, ``overwrite``, ``seek``,
        ``display``, ``serve``, ``max_frames``, ``encoding``, ``camera`` ...).

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
    from .runs import Run, execute

    proc = Posterize(k, space=space, seed=seed, refit=refit, fit_frames=fit_frames)
    run = Run(source, [*processors, proc], also=[palette_out] if palette_out is not None else [], **options)
    try:
        spec = source if isinstance(source, (str, os.PathLike)) else None
        stats = execute(run, prepare=partial(fit_ahead, proc, spec=spec, palette=palette, seek=run.seek))
        stats.extra["palette"] = proc.palette
        if palette_out is not None:
            if proc.palette is None:
                raise ParameterError(f"palette_out {palette_out}: no frames read from {source}, so no palette "
                                     "to write", param="palette_out")
            proc.palette.save(palette_out, overwrite=run.overwrite)
    finally:
        proc.close()
    return stats


__all__ = ["FIT_FRAMES", "fit_ahead", "posterize"]

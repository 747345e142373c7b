"""Recover a source's empty background and save it: ``videotools background`` as one Python call.

:func:`background` builds the :class:`~videotools.processors.Background`
processor, names the PNGs after the source, and carries out one
:class:`~videotools.runs.Run` whose outputs are the PNGs, the masks and the
statistics with ``out`` (all checked before the source opens); masks and
statistics are written frame by frame, the PNGs at the end.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from .errors import ParameterError
from .frames import Frame
from .pipeline import RunStats, Step
from .protocols import Processor, Source
from .settings import Encoding

PathLike = str | os.PathLike


def background(source: PathLike | Source, processors: Sequence[Processor] = (), *,
               alphas: Sequence[float] = (0.1, 0.01), save_dir: PathLike | None = None,
               view: str = "side-by-side", mask_out: PathLike | None = None, stats_out: PathLike | None = None,
               min_area: int = 50, shadows: bool = False, every: int | None = None, selective: bool = False,
               warmup: bool = True, threshold: float = 25.0, out: Sequence[str] | str | None = None,
               overwrite: bool = False, encoding: Encoding = Encoding(),
               on_frame: Callable[[Step], None] | None = None, **options: Any) -> RunStats:
    """Learn the clean plate and running averages of ``source``; save one PNG each, named after the source.

    Parameters
    ----------
    source : str, path or Source
        A spec for :func:`videotools.open_source`, or any object with the
        :class:`~videotools.protocols.Source` members.
    processors : sequence of Processor
        Run before the background step.
    alphas : sequence of float
        Learning rates of the running averages, each in (0, 1].
    save_dir : str or path, optional
        Folder of ``NAME-background-plate.png`` and ``NAME-background-alpha<A>.png``.
        None: the current folder, with ``-2``, ``-3``... added to the whole set
        when a name is taken (never overwritten).
    view : str
        What ``out``, a window or a preview show: ``side-by-side``,
        ``background`` (the plate), ``mask`` or ``foreground``.
    mask_out, stats_out, min_area
        Foreground masks (a video or an image sequence) and a CSV of
        per-frame statistics (see :class:`~videotools.processors.foreground.ForegroundWriter`).
    shadows, selective, warmup, threshold
        As for :class:`~videotools.processors.Background`.
    every : int, optional
        Also save a snapshot of each PNG every ``every`` frames (``...-f000100.png``).
    out, overwrite, encoding, on_frame, **options
        As for :func:`videotools.process` (``display``, ``serve``, ``seek``, ``max_frames`` ...).
        Snapshots every ``every`` frames are written as the run goes.

    Returns
    -------
    RunStats
        ``stats.extra["images"]`` lists the PNGs written, plate first.

    Raises
    ------
    VideotoolsError
        A bad option; a missing or read-only folder, or an existing output
        without ``overwrite`` (all before the first frame is read); a source
        that gives no frame.

    Examples
    --------
    >>> import tempfile
    >>> stats = background("synthetic:traffic?size=160x90&seconds=1", save_dir=tempfile.mkdtemp())
    >>> [Path(p).name for p in stats.extra["images"]][:2]
    ['synthetic-traffic-background-plate.png', 'synthetic-traffic-background-alpha0.1.png']
    """
    from .processors import Background
    from .processors.foreground import ForegroundWriter
    from .runs import Run, execute
    from .sinks import write_image
    from .sources import source_name

    alphas = tuple(alphas)
    proc = Background(alphas, view=view, warmup=warmup, selective=selective, threshold=threshold, model="plate",
                      shadows=shadows)
    writer = ForegroundWriter(proc, mask_out=mask_out, stats_out=stats_out, min_area=min_area, overwrite=overwrite,
                              crf=encoding.crf, preset=encoding.preset) \
        if mask_out is not None or stats_out is not None else None
    if every is not None and (isinstance(every, bool) or not isinstance(every, int) or every < 1):
        raise ParameterError(f"every must be an integer >= 1 (frames), got {every!r}", param="every")
    folder = Path(".") if save_dir is None else Path(save_dir)
    spec = source if isinstance(source, (str, os.PathLike)) else None
    names = background_names(source_name(spec) if spec is not None else "source", alphas)
    if save_dir is None and not overwrite:  # one free suffix for the whole set, like `demo`
        names = free_names(folder, names)
    images: list[Callable[[], Frame]] = [lambda: proc.model.plate]
    images += [partial(proc.model.background, i) for i in range(len(alphas))]
    finals = [(folder / n, image) for n, image in zip(names, images)]

    def each(step: Step) -> None:
        if writer is not None:
            writer(step)
        if every and (step.index + 1) % every == 0:
            for p, image in finals:
                write_image(p.with_name(f"{p.stem}-f{step.index + 1:06d}.png"), image(), overwrite=overwrite)
        if on_frame is not None:
            on_frame(step)

    run = Run(source, [*processors, proc], out=out, also_frames=mask_out,
              also=[p for p, _ in finals] + ([stats_out] if stats_out is not None else []), overwrite=overwrite,
              encoding=encoding, on_frame=each, **options)
    if not (run.out or run.shown):
        proc.view = "background"  # nothing shows the view: make the cheapest one
    try:
        stats = execute(run)
    finally:
        if writer is not None:
            writer.close()
    if stats.frames == 0:
        raise ParameterError(f"no frames read from {source}: nothing to save")
    for p, image in finals:
        write_image(p, image(), overwrite=overwrite)
    stats.extra["images"] = [str(p) for p, _ in finals]
    return stats


__all__ = ["background"]


def background_names(name: str, alphas: Sequence[float]) -> list[str]:
    """File names of a background set for a source called ``name``: the plate, then one per alpha.

    ``background_names("traffic", (0.1, 0.01))`` is ``["traffic-background-plate.png",
    "traffic-background-alpha0.1.png", "traffic-background-alpha0.01.png"]``: the
    names the ``background`` command writes (and its ``--every`` snapshots extend).
    """
    return [f"{name}-background-plate.png", *(f"{name}-background-alpha{a:g}.png" for a in alphas)]


def free_names(folder: Path, names: Sequence[str]) -> list[str]:
    """``names``, or all with one suffix ``-2``, ``-3``...: the first set of which no file exists in ``folder``."""
    i, out = 1, list(names)
    while any((folder / n).exists() or (folder / n).is_symlink() for n in out):
        i += 1
        out = [f"{Path(n).stem}-{i}{Path(n).suffix}" for n in names]
    return out

"""Many or long videos on Dask distributed: one task per video, or per chunk of a long one to posterize.

The batch is split in three: :mod:`~videotools.batch.plan` decides (inputs,
outputs, resume, chunks: pure, no Dask), :mod:`~videotools.batch.execute`
runs it on a Dask client (bounded tasks in flight, probing on the workers)
that :mod:`~videotools.batch.client` connects,
:mod:`~videotools.batch.report` tells the user (``batch.json``, summary,
progress in frames). :mod:`~videotools.batch.work` holds what the workers run
and :mod:`~videotools.batch.join` joins posterized chunks.

Workers must see the inputs and the output folder under the same absolute
paths as this machine (shared storage); paths are made absolute before any
task is sent, and every worker is checked before the work starts.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

from ..kmeans import Palette
from ..processors.posterize import FIT_FRAMES
from ..settings import check_alphas
from .client import check_shared, connect, dashboard, dask_logs
from .execute import Runner
from .plan import BatchError, Settings, find_videos, leftovers, make_plan
from .report import BatchItem, Progress, load_items, skipped, write_report

__all__ = ["BatchError", "BatchItem", "Progress", "find_videos", "run_batch"]


def run_batch(inputs: str | os.PathLike, out_dir: str | os.PathLike, *, do: str = "background",
              alphas: Sequence[float] = (0.1, 0.01), warmup: bool = True, selective: bool = False,
              threshold: float = 25.0, k: int = 8, palette: Palette | None = None, seed: int = 0,
              space: str = "rgb", fit_frames: int = FIT_FRAMES, crf: int = 20, preset: str = "veryfast",
              chunk_seconds: float | None = 60.0, scheduler: str | None = None, workers: int | None = None,
              client: Any = None, overwrite: bool = False, verbose: bool = False,
              progress: Callable[[Progress], None] | None = None,
              on_connect: Callable[[str], None] | None = None) -> list[BatchItem]:
    """Run ``do`` over every video in ``inputs`` on Dask; write outputs and ``out_dir/batch.json``.

    Parameters
    ----------
    inputs : folder (searched recursively), glob, or file
        Relative names are taken from this process's working directory.
    out_dir : folder
        Created if missing (its parent must exist). Outputs mirror the input
        names: ``<name>.mp4`` (posterize), or ``<name>/background-plate.png`` and
        ``<name>/background-alpha<A>.png`` (background: the ``background``
        command's files and bytes, without its ``<name>-``).
    do : {"background", "posterize"}
    chunk_seconds : float, optional
        Videos to posterize longer than this are split into chunks of at most
        this length (cut by frame timestamps), encoded in parallel and joined.
        None: never. Backgrounds are never chunked: the plate learns in one
        sequential pass, so each video is one task.
    palette : Palette, optional
        For posterize: apply this palette (``--palette-from``). Otherwise the
        batch's ``out_dir/palette.json`` when it exists (a resumed batch), else
        one palette fitted on ``fit_frames`` frames of every input (refitted
        with ``overwrite``). The palette
        used is saved as ``out_dir/palette.json`` before any output is written.
    scheduler : str, optional
        ``tcp://host:port`` of a running Dask scheduler; default a LocalCluster
        of ``workers`` single-threaded processes (default: one per core).
    client : dask.distributed.Client, optional
        Use this client (left open); ``scheduler`` and ``workers`` are then ignored.
    overwrite : bool
        Redo inputs whose outputs exist; otherwise they are skipped (resume).
    verbose : bool
        Let Dask log (it is silenced otherwise, shutdown tracebacks included).
    progress : callable, optional
        Called with a :class:`Progress` (frames done, expected, fps, time left)
        as work is done, from the Dask client's threads.
    on_connect : callable, optional
        Called once connected with the dashboard's address (or why there is none).

    Returns
    -------
    list of BatchItem
        One per input, in input order: ``done``, ``skipped`` (complete from an
        earlier run), ``failed`` (with ``error``) or ``pending`` (interrupted).

    Raises
    ------
    BatchError
        No inputs, an unreachable scheduler, no workers, workers that do not
        see the files, Dask missing. A failing input does not raise: it is
        reported as ``failed`` and the rest go on.
    ParameterError
        A bad option (``do``, ``alphas``...).
    """
    alphas = check_alphas(alphas)
    settings = Settings(do=do, alphas=alphas, warmup=warmup, selective=selective, threshold=threshold, k=k,
                        seed=seed, space=space, fit_frames=fit_frames, crf=crf, preset=preset,
                        chunk_seconds=chunk_seconds or None)
    plan = make_plan(inputs, out_dir, do=do, alphas=alphas, overwrite=overwrite)
    plan.out_dir.mkdir(exist_ok=True)
    earlier = load_items(plan.report_path)
    todo = {str(j.input) for j in plan.todo}
    items = {str(j.input): BatchItem(str(j.input)) if str(j.input) in todo else skipped(str(j.input), j.outputs,
                                                                                          earlier)
             for j in plan.jobs}
    for job in plan.todo:
        for path in leftovers(job):
            path.unlink(missing_ok=True)
    if plan.todo:
        with dask_logs(verbose):
            _execute(plan, settings, items, client=client, scheduler=scheduler, workers=workers,
                     verbose=verbose, palette=palette, progress=progress, on_connect=on_connect)
    else:
        write_report(plan.report_path, do, items.values())
    return list(items.values())


def _execute(plan: Any, settings: Settings, items: dict[str, BatchItem], *, client: Any, scheduler: str | None,
             workers: int | None, verbose: bool, palette: Palette | None,
             progress: Callable[[Progress], None] | None, on_connect: Callable[[str], None] | None) -> None:
    own = client is None
    cluster = None
    if own:
        client, cluster = connect(scheduler, workers, verbose=verbose)
    try:
        if on_connect is not None:
            on_connect(dashboard(client))
        n = check_shared(client, sorted({plan.root, plan.out_dir}))
        runner = Runner(client, plan, settings, items, workers=n, palette=palette, progress=progress)
        try:
            runner.run()
        finally:
            write_report(plan.report_path, settings.do, items.values())
    finally:
        if own:
            client.close()
            if cluster is not None:
                cluster.close()

"""Connecting to Dask for a batch: the cluster, its logs, its dashboard, and whether its workers see the files."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from .plan import BatchError


@contextlib.contextmanager
def dask_logs(verbose: bool) -> Iterator[None]:
    """Dask's own log lines (and its tracebacks at shutdown) only when ``verbose``.

    Dask gives several of its loggers levels of their own (``distributed.scheduler``
    at INFO...), so each is held at CRITICAL while the batch runs, and restored
    after it unless the batch ended in an exception.
    """
    if verbose:
        yield
        return
    with contextlib.suppress(ImportError):
        import distributed  # noqa: F401 - its loggers get their levels on import: hold them after that
    prefixes = ("distributed", "tornado", "bokeh")
    names = [n for n in list(logging.root.manager.loggerDict) if n.split(".")[0] in prefixes] + list(prefixes)
    levels = {n: logging.getLogger(n).level for n in names}
    for n in names:
        logging.getLogger(n).setLevel(logging.CRITICAL)
    yield
    # restored only after a clean run: after an error or Ctrl-C, Dask goes on closing its
    # cluster in the background (and logging about it) while the program ends
    for n, level in levels.items():
        logging.getLogger(n).setLevel(level)


FAST_MALLOC = "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_"
"""Dask's nannies start workers with ``MALLOC_TRIM_THRESHOLD_=65536``, which also turns off glibc's
adaptive mmap threshold: every frame-sized array is then a fresh ``mmap`` and its page faults, and
posterize ran 2.5 times slower in a worker (87 against 215 frames/s at 640x360). Our LocalCluster
starts its workers without it (None unsets it)."""


def connect(scheduler: str | None, workers: int | None, *, verbose: bool = False) -> tuple[Any, Any]:
    """A Dask client and its cluster: ``scheduler``'s, or a new LocalCluster of single-threaded processes.

    Raises
    ------
    BatchError
        Dask missing, or the scheduler unreachable.
    """
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError as err:
        raise BatchError("videotools batch needs Dask: pip install 'videotools[batch]'") from err
    if scheduler:
        try:
            return Client(scheduler, timeout="5s"), None
        except (OSError, TimeoutError, ValueError) as err:
            reason = str(err).splitlines()[0] if str(err) else type(err).__name__
            raise BatchError(f"cannot reach the Dask scheduler at {scheduler}: {reason}") from err
    import dask

    n = workers or os.cpu_count() or 1
    with _workers_ignore_ctrl_c(), dask.config.set({FAST_MALLOC: None}):
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                               dashboard_address=":0" if verbose else None,
                               silence_logs=logging.INFO if verbose else logging.CRITICAL)
    return Client(cluster), cluster


@contextlib.contextmanager
def _workers_ignore_ctrl_c() -> Iterator[None]:
    """Start worker processes with SIGINT ignored (an ignored signal stays ignored in a child).

    A Ctrl-C reaches every process of the terminal's group: the workers would
    each print a traceback. This process handles it and closes the cluster.
    A Ctrl-C during the second or two it takes to start the workers is lost.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def dashboard(client: Any) -> str:
    """The dashboard's address, or what to install to get one."""
    try:
        import bokeh  # noqa: F401
    except ImportError:
        return "no dashboard: it needs bokeh (pip install 'videotools[batch]')"
    link = getattr(client, "dashboard_link", None)
    return f"dashboard: {link}" if link else "no dashboard: the scheduler serves none"


def _missing(paths: Sequence[str]) -> list[str]:
    return [p for p in paths if not os.path.isdir(p)]


def check_shared(client: Any, folders: Sequence[Path], *, timeout: float = 60) -> int:
    """Wait for a worker, then check that every worker sees ``folders``; return how many workers there are.

    Raises
    ------
    BatchError
        No worker within ``timeout`` seconds, or a worker that does not see a folder.
    """
    try:
        client.wait_for_workers(1, timeout=timeout)
    except TimeoutError as err:
        raise BatchError(f"no Dask worker joined the scheduler within {timeout:g} s") from err
    seen = client.run(_missing, [str(f) for f in folders])
    for worker, missing in sorted(seen.items()):
        if missing:
            raise BatchError(f"worker {worker} does not see {missing[0]}: every worker must see the inputs and "
                             f"the output folder under the same paths (shared storage)")
    return len(seen)

"""Many live cameras at once: each keeps a clean plate, foreground statistics and segmented recordings.

>>> import threading, tempfile, videotools.watch as w
>>> stop = threading.Event(); threading.Timer(1.0, stop.set).start()
>>> result = w.watch(["synthetic:traffic?size=160x90&seconds=0"], out_dir=tempfile.mkdtemp(), stop=stop)
>>> result.cameras[0]["state"]
'stopped'

Locally every camera runs on a thread of this process; with ``scheduler``
each is a long-running task on a Dask cluster (:mod:`.cluster`). See
:func:`watch` for the files each camera writes.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ParameterError, SinkError
from .config import DEFAULT_CHAIN, CameraConfig, camera, load_config, unique

__all__ = ["watch", "WatchResult", "CameraConfig", "camera", "load_config", "check_out_dir", "DEFAULT_CHAIN"]


@dataclass
class WatchResult:
    """How a watch ended: each camera's last status, and what stopped it (``SIGINT``, ``SIGTERM``, ``stop``, ``end``).
    """

    cameras: list[dict[str, Any]] = field(default_factory=list)
    stopped_by: str = "end"

    @property
    def failed(self) -> list[dict[str, Any]]:
        """The cameras that failed for good (files: state ``failed``, their ``error`` saying why)."""
        return [c for c in self.cameras if c.get("state") == "failed"]


@contextlib.contextmanager
def _signals(stop: threading.Event, result: WatchResult) -> Iterator[None]:
    """SIGINT and SIGTERM set ``stop`` (cameras finish their segments); a second Ctrl-C interrupts at once."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, _frame: object) -> None:
        if stop.is_set() and signum == signal.SIGINT:
            raise KeyboardInterrupt
        result.stopped_by = signal.Signals(signum).name
        stop.set()

    old = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, h in old.items():
            signal.signal(sig, h)


def check_out_dir(out_dir: str | Path) -> Path:
    """``out_dir`` made absolute, if it exists or only its last folder is missing (:func:`watch` creates that one).

    Its parents are never created: a typo in a storage path would silently
    fill another disk.

    Raises
    ------
    ParameterError
        Neither ``out_dir`` nor its parent folder exists.
    """
    out = Path(out_dir).absolute()
    if not out.exists() and not out.parent.is_dir():
        raise ParameterError(f"out_dir {out}: its parent folder {out.parent} does not exist; create it first "
                             "or check the path (only OUT_DIR itself is created)", param="out_dir")
    return out


def watch(sources: Sequence[str] = (), *, out_dir: str | Path, config: str | Path | None = None,
          serve: str | None = None, scheduler: str | None = None, stop: threading.Event | None = None,
          on_serve: Callable[[str], None] | None = None, **options: Any) -> WatchResult:
    """Watch cameras until Ctrl-C, SIGTERM, ``stop``, or until every one (files) has ended or failed.

    Each camera writes under ``out_dir/NAME/``: ``plate.png`` (its chain's
    background, the clean plate by default) and ``latest.jpg``, replaced
    atomically every ``plate_seconds``; ``stats-YYYYMMDD.csv`` (a row per
    processed frame: wall time, time, foreground share, blobs, boxes);
    ``rec/YYYYMMDD-HHMMSS.mp4`` segments (UTC start times) with retention;
    ``status.json``. A stream or camera device that fails or never answers
    is shown ``down`` and retried after 1, 2, 4 ... 60 s; a file that is
    missing, is not a video or fails mid-way is ``failed`` for good (opened
    again, it would play from its start once more); the others go on.

    Parameters
    ----------
    sources : sequence of str
        Camera sources (stream URLs, files, ``synthetic:traffic?...``), each named after itself.
    out_dir : path
        Created if missing, but not its parents (see :func:`check_out_dir`). With ``scheduler``, every worker
        must see it at the same path.
    config : path, optional
        A JSON (or, on Python 3.11+, TOML) file listing cameras (see :func:`load_config`);
        its cameras come after ``sources``.
    serve : str, optional
        ``[HOST:]PORT`` for the status page (host defaults to 127.0.0.1).
    scheduler : str, optional
        Address of a Dask scheduler: the cameras run on its workers.
    stop : threading.Event, optional
        Set it to end the watch (from another thread).
    on_serve : callable, optional
        Called with the page's URL once it is served.
    **options
        Defaults for every camera: any :class:`CameraConfig` field but ``name`` and ``source``.

    Raises
    ------
    ParameterError
        No camera, a bad option or config file, an out_dir whose parent is missing or that workers cannot see.
    SinkError
        ``out_dir`` cannot be created, or the page's address cannot be bound.
    SourceError
        The scheduler cannot be reached.
    """
    cams: list[CameraConfig] = [camera(s, **options) for s in sources]
    if config is not None:
        cams += load_config(config, **options)
    if not cams:
        raise ParameterError("no camera: give sources or --config FILE")
    cams = unique(cams)
    out = check_out_dir(out_dir)
    try:
        out.mkdir(exist_ok=True)
    except OSError as err:
        raise SinkError(f"out_dir {out}: cannot create it ({err.strerror or err})", param="out_dir") from None
    stop = stop or threading.Event()
    result = WatchResult()
    server: Any = None

    def serve_statuses(statuses: Callable[[], list[dict[str, Any]]]) -> None:
        nonlocal server
        if serve is None:
            return
        from ..sinks.serve import parse_address
        from .server import StatusServer

        host, port = parse_address(serve)
        server = StatusServer(host, port, statuses, out)
        if on_serve is not None:
            on_serve(server.url)

    try:
        with _signals(stop, result):
            if scheduler is not None:
                from .cluster import run_on_dask

                result.cameras = run_on_dask(cams, out, scheduler=scheduler, stop=stop, on_statuses=serve_statuses)
            else:
                from .local import run_local

                result.cameras = run_local(cams, out, stop=stop, on_statuses=serve_statuses)
    finally:
        if server is not None:
            server.close()
    if result.stopped_by == "end" and stop.is_set():
        result.stopped_by = "stop"
    return result

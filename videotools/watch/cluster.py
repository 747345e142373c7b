"""Cameras as long-running tasks on a Dask cluster, spread over its workers and moved when one dies.

Each camera is one task (:func:`camera_task`) that leaves the worker's thread
pool (``secede``) and runs a :class:`~videotools.watch.runner.CameraRunner`
until told to stop. Tasks are spread round-robin over the workers present at
the start (``workers=`` with ``allow_other_workers``). When a worker dies,
the scheduler gives its tasks to the others by itself (Dask reschedules the
tasks a lost worker was running); a task that fails for good (``KilledWorker``
after repeated deaths, an error) is submitted again by :func:`run_on_dask`
with backoff. A task watches a lease (a Dask ``Variable``) that the client
renews every second: when the client stops it (or stops renewing it, having
died), the task finishes its segment and plate and returns.
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import ParameterError, SourceError
from .config import CameraConfig
from .status import read_status

log = logging.getLogger(__name__)

LEASE_LOST = 60.0
"""Seconds a task goes on without seeing its lease renewed (the client gone) before it stops its camera."""
STOP_GRACE = 30.0
"""Seconds the client waits, once stopping, for the tasks to finish their segments and plates."""


def camera_task(cam: CameraConfig, out_dir: str, lease: str) -> dict[str, Any]:
    """Run one camera on a worker until the lease says stop (or goes stale); returns its last status."""
    from distributed import Variable, get_client, secede

    from .runner import CameraRunner

    client = get_client()
    secede()  # a camera runs for days: it must not hold one of the worker's task threads
    stop = threading.Event()
    var = Variable(lease, client=client)

    def watch_lease() -> None:
        last, seen = None, time.monotonic()
        while not stop.wait(1.0):
            try:
                value = var.get(timeout=5)
            except Exception:  # noqa: BLE001 - the scheduler away for a moment; staleness decides
                value = last
            if value is not None and value < 0:
                break
            if value != last:
                last, seen = value, time.monotonic()
            elif time.monotonic() - seen > LEASE_LOST:
                log.warning("camera %s: its watch client is gone; stopping", cam.name)
                break
        stop.set()

    threading.Thread(target=watch_lease, daemon=True, name=f"watch-lease-{cam.name}").start()
    try:
        return CameraRunner(cam, out_dir, stop).run().as_dict()
    finally:
        stop.set()


def check_shared(client: Any, out_dir: Path) -> None:
    """Raise unless every worker sees ``out_dir`` (a file written here must be visible there)."""
    probe = out_dir / f".watch-probe-{secrets.token_hex(4)}"
    probe.write_text("videotools watch\n")
    try:
        seen = client.run(os.path.exists, str(probe))
    finally:
        probe.unlink()
    missing = sorted(w for w, ok in seen.items() if not ok)
    if missing:
        raise ParameterError(f"out_dir {out_dir}: not visible from worker {', '.join(missing)}; every worker "
                             "must see the same folder (shared or network storage mounted at the same path)",
                             param="out_dir")


def connect(scheduler: str) -> Any:
    """A client of the scheduler at ``scheduler``, with at least one worker."""
    from distributed import Client

    try:
        client = Client(scheduler, timeout="10s")
    except (OSError, TimeoutError) as err:
        raise SourceError(f"scheduler {scheduler}: cannot reach it ({err})", param="scheduler") from None
    if not client.scheduler_info().get("workers"):
        try:
            client.wait_for_workers(1, timeout=30)
        except TimeoutError:
            client.close()
            raise SourceError(f"scheduler {scheduler}: no worker joined within 30 s", param="scheduler") from None
    return client


def run_on_dask(cameras: list[CameraConfig], out_dir: Path, *, scheduler: str, stop: threading.Event,
                on_statuses: Callable[[Callable[[], list[dict[str, Any]]]], None] | None = None
                ) -> list[dict[str, Any]]:
    """Watch ``cameras`` on the cluster at ``scheduler`` until ``stop`` is set; returns their last statuses.

    Raises
    ------
    SourceError
        The scheduler cannot be reached, or has no worker.
    ParameterError
        ``out_dir`` is not visible from every worker.
    """
    from distributed import Variable

    client = connect(scheduler)
    try:
        check_shared(client, out_dir)
        token = secrets.token_hex(4)
        lease = Variable(f"videotools-watch-{token}", client=client)
        lease.set(time.time())
        workers = sorted(client.scheduler_info()["workers"])
        attempts = dict.fromkeys((c.name for c in cameras), 0)

        def submit(i: int, cam: CameraConfig) -> Any:
            attempts[cam.name] += 1
            return client.submit(camera_task, cam, str(out_dir), lease.name, pure=False,
                                 key=f"watch-{cam.name}-{token}-{attempts[cam.name]}",
                                 workers=[workers[i % len(workers)]], allow_other_workers=True)

        futures = {cam.name: submit(i, cam) for i, cam in enumerate(cameras)}
        retry_at: dict[str, float] = {}
        backoff = dict.fromkeys(attempts, 1.0)
        last: dict[str, dict[str, Any]] = {}
        if on_statuses is not None:
            on_statuses(lambda: [last.get(c.name) or read_status(out_dir, c.name) for c in cameras])
        while not stop.is_set() and (futures or retry_at):
            lease.set(time.time())
            for i, cam in enumerate(cameras):
                fut = futures.get(cam.name)
                if fut is not None and fut.done():
                    del futures[cam.name]
                    if fut.status == "finished":
                        last[cam.name] = fut.result()  # a file that came to its end
                    else:
                        log.warning("camera %s: its task failed (%s); resubmitting in %g s", cam.name,
                                    fut.exception(), backoff[cam.name])
                        retry_at[cam.name] = time.monotonic() + backoff[cam.name]
                        backoff[cam.name] = min(backoff[cam.name] * 2, 60.0)
                if cam.name in retry_at and time.monotonic() >= retry_at[cam.name] and not stop.is_set():
                    del retry_at[cam.name]
                    workers = sorted(client.scheduler_info()["workers"]) or workers
                    futures[cam.name] = submit(i, cam)
            stop.wait(1.0)
        lease.set(-1)
        deadline = time.monotonic() + STOP_GRACE + max((c.lost_after for c in cameras), default=0)
        for name, fut in futures.items():
            try:
                last[name] = fut.result(timeout=max(0.1, deadline - time.monotonic()))
            except Exception as err:  # noqa: BLE001 - report, keep collecting the others
                log.warning("camera %s: did not finish cleanly (%s)", name, err)
        lease.delete()
        return [last.get(c.name) or read_status(out_dir, c.name) for c in cameras]
    finally:
        client.close()

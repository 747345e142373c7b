"""Cameras on threads of this process: decoding releases the GIL, and the chains see few, small frames."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .config import CameraConfig
from .runner import CameraRunner

log = logging.getLogger(__name__)

JOIN_GRACE = 5.0
"""Seconds, beyond a camera's ``lost_after``, that stopping waits for it (a read blocked on a silent stream)."""


def run_local(cameras: list[CameraConfig], out_dir: Path, *, stop: threading.Event,
              on_statuses: Callable[[Callable[[], list[dict[str, Any]]]], None] | None = None
              ) -> list[dict[str, Any]]:
    """Watch ``cameras``, one thread each, until ``stop`` is set or every one has ended; returns their statuses."""
    runners = [CameraRunner(cam, out_dir, stop) for cam in cameras]
    if on_statuses is not None:
        on_statuses(lambda: [r.status.as_dict() for r in runners])
    threads = [threading.Thread(target=r.run, name=f"watch-{r.cam.name}", daemon=True) for r in runners]
    for t in threads:
        t.start()
    while not stop.is_set() and any(t.is_alive() for t in threads):
        stop.wait(0.5)
    for t, r in zip(threads, runners):
        t.join(timeout=1.0)
        if t.is_alive():  # a read blocked on a silent stream: say what the wait is for
            log.warning("stopping: waiting up to %g s for camera %s (%s)", r.cam.lost_after + JOIN_GRACE - 1,
                        r.cam.name, r.cam.source)
            t.join(timeout=r.cam.lost_after + JOIN_GRACE - 1.0)
    return [r.status.as_dict() for r in runners]

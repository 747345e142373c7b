"""The state of one camera, as the page, ``/status.json`` and the camera's own ``status.json`` show it."""

from __future__ import annotations

import dataclasses
import json
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

STATES = ("starting", "up", "down", "ended", "failed", "stopped")
STALE_AFTER = 15.0
"""Seconds without a report after which a camera's last known state is shown as ``lost`` (its worker died)."""


@dataclass
class CameraStatus:
    """Figures of one camera, updated by its loop.

    ``fps`` counts frames decoded per second over the last few seconds;
    ``dropped`` counts frames due for processing that were skipped because the
    camera ran late (its loop could not keep up), plus frames the source
    itself dropped; ``errors`` damaged packets the decoder refused.
    """

    name: str
    source: str
    state: str = "starting"
    fps: float = 0.0
    frames: int = 0
    processed: int = 0
    dropped: int = 0
    errors: int = 0
    restarts: int = 0
    segments: int = 0
    segment: str | None = None
    error: str | None = None
    retry_in: float | None = None
    since: float = field(default_factory=time.time)
    updated: float = field(default_factory=time.time)
    host: str = field(default_factory=socket.gethostname)
    pid: int = 0

    def set_state(self, state: str, error: str | None = None) -> None:
        if state != self.state:
            self.since = time.time()
        self.state, self.error = state, error

    def as_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["fps"] = round(self.fps, 2)
        return d


def write_status(path: Path, status: CameraStatus) -> None:
    """``status.json`` beside the camera's other outputs, replaced in one step."""
    from ..files import write_text

    status.updated = time.time()
    write_text(path, json.dumps(status.as_dict(), indent=1), overwrite=True)


def read_status(folder: Path, name: str, *, now: float | None = None) -> dict[str, Any]:
    """What ``folder/name/status.json`` says, ``lost`` when it is older than ``STALE_AFTER``."""
    now = time.time() if now is None else now
    try:
        d = json.loads((folder / name / "status.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"name": name, "state": "starting", "fps": 0.0, "frames": 0, "dropped": 0, "restarts": 0}
    if d.get("state") in ("starting", "up", "down") and now - float(d.get("updated", 0)) > STALE_AFTER:
        d["state"] = "lost"
        d["fps"] = 0.0
    return d

"""What a batch tells its user: ``batch.json``, the summary line, and progress in frames.

``batch.json`` lists every input of the batch, whether this run or an earlier
one did it: an input skipped because its outputs are complete keeps the
frames and seconds recorded when it was done.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from ..files import write_text

STATUSES = ("pending", "done", "skipped", "failed")


@dataclass
class BatchItem:
    """One input's entry in ``batch.json``.

    ``status``: ``done`` (by this run), ``skipped`` (complete from an earlier
    run), ``failed`` (``error`` says why), or ``pending`` (interrupted).
    """

    input: str
    status: str = "pending"
    frames: int = 0
    seconds: float = 0.0
    outputs: list[str] = field(default_factory=list)
    error: str | None = None
    warning: str | None = None
    chunks: int = 0


def load_items(path: Path) -> dict[str, BatchItem]:
    """The items of an earlier ``batch.json`` by input; empty if there is none or it is unreadable."""
    try:
        doc = json.loads(path.read_text())
        names = {f.name for f in fields(BatchItem)}
        return {d["input"]: BatchItem(**{k: v for k, v in d.items() if k in names}) for d in doc["items"]}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def skipped(item_input: str, outputs: Iterable[Path], earlier: dict[str, BatchItem]) -> BatchItem:
    """The entry of an input whose outputs are complete: its earlier stats, marked ``skipped``."""
    old = earlier.get(item_input)
    it = BatchItem(item_input, status="skipped", outputs=[str(o) for o in outputs])
    if old is not None and old.status in ("done", "skipped"):
        it.frames, it.seconds, it.chunks, it.warning = old.frames, old.seconds, old.chunks, old.warning
    return it


def write_report(path: Path, do: str, items: Iterable[BatchItem]) -> None:
    """Write ``batch.json`` atomically (an interrupted write leaves the previous report)."""
    listed = [asdict(it) for it in items]
    counts = {s: sum(1 for it in listed if it["status"] == s) for s in STATUSES}
    doc = {"do": do, "inputs": len(listed), **{s: counts[s] for s in STATUSES if counts[s]}, "items": listed}
    write_text(path, json.dumps(doc, indent=1) + "\n", overwrite=True)


def summary(items: Iterable[BatchItem], report_path: Path) -> list[str]:
    """Lines for the user: one with the counts, then one per failed input."""
    items = list(items)
    c = {s: sum(1 for it in items if it.status == s) for s in STATUSES}
    head = (f"{len(items)} inputs: {c['done']} done, {c['skipped']} skipped (complete), {c['failed']} failed"
            + (f", {c['pending']} not finished" if c["pending"] else "") + f"; report: {report_path}")
    return [head] + [f"failed: {it.input}: {it.error}" for it in items if it.status == "failed"]


@dataclass(frozen=True)
class Progress:
    """A batch's progress in frames: done, expected in all (from the inputs' headers), rate and time left."""

    frames: int
    total: int | None
    fps: float
    eta: float | None
    inputs_done: int
    inputs: int


class FrameCounter:
    """Frames done per task (live counts from workers, final counts from results) -> :class:`Progress`."""

    def __init__(self, inputs: int) -> None:
        self.inputs = inputs
        self.inputs_done = 0
        self.total: int | None = None
        self._counts: dict[str, int] = {}
        self._t0: float | None = None

    def expect(self, frames: int | None) -> None:
        """Add an input's frame count (from its header) to the total."""
        if frames:
            self.total = (self.total or 0) + frames

    def count(self, task: str, frames: int) -> None:
        """Frames task ``task`` has done so far (a count, not an increment)."""
        if self._t0 is None:
            self._t0 = time.monotonic()
        self._counts[task] = max(frames, self._counts.get(task, 0))

    def snapshot(self) -> Progress:
        done = sum(self._counts.values())
        elapsed = time.monotonic() - self._t0 if self._t0 is not None else 0.0
        fps = done / elapsed if elapsed > 0 else 0.0
        total = max(self.total, done) if self.total is not None else None
        eta = (total - done) / fps if total is not None and fps > 0 else None
        return Progress(done, total, fps, eta, self.inputs_done, self.inputs)

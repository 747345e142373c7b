"""Running a planned batch on a Dask client: a bounded window of tasks, and their results as they come.

Memory stays bounded by the tasks in flight, not by the batch: at most
``2 x workers`` tasks are submitted at a time, each future is released as soon
as its result is read (:class:`distributed.as_completed`, no reference kept),
and results are folded or written at once. What the scheduler holds is then
those tasks plus the scattered palette, ``2 x workers + 1`` keys (a released
key may be counted a moment longer: the tests check ``2 x workers + 2``).

Probing the inputs (header, and frames for the palette) is a task like any
other, so it runs on the workers in parallel. Workers report frames done as
Dask events (at most twice a second per task), which drive the progress.

The module is one class, :class:`Runner`: the loop and what it does with each
kind of result share the loop's state, so they stay together (about 350 lines).
"""

from __future__ import annotations

import contextlib
import logging
import math
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from ..errors import SourceError, VideotoolsError
from ..kmeans import Palette
from ..sinks.images import write_image
from . import work
from .plan import BatchError, Chunk, Job, Plan, Settings, part_name, plan_chunks
from .report import BatchItem, FrameCounter, Progress, write_report

log = logging.getLogger(__name__)

PIXELS_PER_FIT = 200_000
"""Pixels sent to the client for the palette fit, over all inputs (each input sends its share)."""
REPORT_EVERY = 2.0
"""Seconds between rewrites of ``batch.json`` while a batch runs (it is rewritten at the end too)."""


def _reporting(fn: Callable[..., dict], topic: str, tag: str, *args: Any, **kwargs: Any) -> dict:
    """Run ``fn`` on a worker, sending ``(tag, frames)`` events on ``topic`` at most twice a second."""
    from dask.distributed import get_worker

    worker = get_worker()
    last = [0.0]

    def on_frames(n: int) -> None:
        now = time.monotonic()
        if now - last[0] >= 0.5:
            last[0] = now
            worker.log_event(topic, (tag, n))

    return fn(*args, on_frames=on_frames, **kwargs)


# -- the batch ---------------------------------------------------------------------------
@dataclass
class _Video:
    """A video in progress: its report entry, what its probe said, and its chunk results so far."""

    job: Job
    item: BatchItem
    info: dict[str, Any] = field(default_factory=dict)
    chunks: list[Chunk] = field(default_factory=list)
    parts: dict[int, dict[str, Any]] = field(default_factory=dict)


@dataclass
class _Task:
    fn: Callable[..., Any]
    args: tuple
    kwargs: dict[str, Any]
    video: _Video
    done: Callable[[_Video, Any], None]
    tag: str
    reports: bool = True  # fn takes ``on_frames`` and reports frames done


class Runner:
    """Runs a :class:`~videotools.batch.plan.Plan` on ``client`` and fills in the items' reports.

    Parameters
    ----------
    client : dask.distributed.Client
    plan : Plan
    settings : Settings
    items : dict
        Report entry per input (for the inputs in ``plan.todo``).
    workers : int
        Workers in the cluster: ``2 x workers`` tasks are kept in flight.
    palette : Palette, optional
        Posterize with this palette (``--palette-from``); otherwise the batch's
        ``palette.json`` if it exists (a resumed batch), else one fitted on all inputs.
    progress : callable, optional
        Called with a :class:`~videotools.batch.report.Progress`, from the
        client's threads, as frames are done.
    """

    def __init__(self, client: Any, plan: Plan, settings: Settings, items: dict[str, BatchItem], *,
                 workers: int, palette: Palette | None = None,
                 progress: Callable[[Progress], None] | None = None) -> None:
        self.client, self.plan, self.s, self.items = client, plan, settings, items
        self.limit = 2 * max(1, workers)
        self.palette, self.shared_palette = palette, None
        self.progress = progress
        self.counter = FrameCounter(len(plan.todo))
        self.queue: deque[_Task] = deque()
        self.topic = f"videotools-frames-{secrets.token_hex(4)}"
        self.samples: dict[int, np.ndarray] = {}
        self.videos = {str(j.input): _Video(j, items[str(j.input)]) for j in plan.todo}
        self._last_report = time.monotonic()

    # -- the loop ------------------------------------------------------------------------
    def run(self) -> None:
        """Probe, fit the palette if needed, process every video; returns when all are done or failed."""
        self.client.subscribe_topic(self.topic, self._on_event)
        try:
            fitting = self.s.do == "posterize" and self.palette is None and (
                self.plan.overwrite or not self.plan.palette_path.exists())
            if self.s.do == "posterize" and self.palette is None and not fitting:
                self.palette = Palette.load(self.plan.palette_path)
            self._probe_all(fitting)
            self._drain()
            if self.s.do == "posterize":
                self._share_palette(fitting)
                for video in self.videos.values():
                    if video.info and video.item.status == "pending":
                        self._plan_posterize(video)
                self._drain()
        finally:
            with contextlib.suppress(Exception):  # best effort: the client may be closing
                self.client.unsubscribe_topic(self.topic)
            self._remove_failed_parts()

    def _probe_all(self, fitting: bool) -> None:
        """Queue a probe of every input to do; with ``fitting``, of every input, sampling frames for the palette."""
        per_input = math.ceil(PIXELS_PER_FIT / len(self.plan.jobs)) if fitting else 0
        for i, job in enumerate(self.plan.jobs):
            video = self.videos.get(str(job.input))
            if video is None and not fitting:
                continue
            self._add(work.probe, (str(job.input),),
                      {"samples": self.s.fit_frames if fitting else 0, "pixels": per_input, "seed": self.s.seed + i},
                      video or _Video(job, BatchItem(str(job.input))), partial(self._probed, i), f"probe{i}",
                      reports=False)

    def _remove_failed_parts(self) -> None:
        """Delete the parts of chunked videos that failed or were interrupted: they are of no use alone."""
        if self.s.do != "posterize":
            return
        for video in self.videos.values():
            if video.item.status != "done" and len(video.chunks) > 1:
                for i in range(len(video.chunks)):
                    part_name(video.job.outputs[0], i).unlink(missing_ok=True)

    def _add(self, fn: Callable[..., Any], args: tuple, kwargs: dict[str, Any], video: _Video,
             done: Callable[[_Video, Any], None], tag: str, *, reports: bool = True) -> None:
        self.queue.append(_Task(fn, args, kwargs, video, done, tag, reports))

    def _drain(self) -> None:
        """Submit queued tasks, ``limit`` at a time, and handle each result as it comes (tasks may add tasks)."""
        from dask.distributed import as_completed

        running: dict[str, _Task] = {}
        finished = as_completed()
        try:
            while self.queue or running:
                while self.queue and len(running) < self.limit:
                    task = self.queue.popleft()
                    if task.video.item.status != "failed":
                        fut = self._submit(task)
                        running[fut.key] = task
                        finished.add(fut)
                        del fut
                if running:
                    fut = next(finished)
                    task = running.pop(fut.key)
                    result, error = _outcome(fut)
                    fut.release()  # nothing of it stays on the cluster
                    del fut
                    self._handle(task, result, error)
        except BaseException:
            self.client.cancel(list(finished.futures))
            raise

    def _submit(self, task: _Task) -> Any:
        key = f"{task.fn.__name__}-{secrets.token_hex(6)}"
        if task.reports:
            return self.client.submit(_reporting, task.fn, self.topic, task.tag, *task.args, pure=False, key=key,
                                      **task.kwargs)
        return self.client.submit(task.fn, *task.args, pure=False, key=key, **task.kwargs)

    def _handle(self, task: _Task, result: Any, error: BaseException | None) -> None:
        item = task.video.item
        if item.status == "failed":
            return
        if error is not None:
            self._fail(task.video, error)
            return
        try:
            task.done(task.video, result)
        except VideotoolsError as err:
            self._fail(task.video, err)
        if time.monotonic() - self._last_report > REPORT_EVERY:
            self._last_report = time.monotonic()
            write_report(self.plan.report_path, self.s.do, self.all_items())
        self._tick()

    def all_items(self) -> list[BatchItem]:
        return [self.items[str(j.input)] for j in self.plan.jobs]

    def _fail(self, video: _Video, err: BaseException) -> None:
        item = video.item
        if item.status == "pending":
            self.counter.inputs_done += 1
        item.status = "failed"
        text = str(err).strip().splitlines()[0][:300] if str(err).strip() else ""
        item.error = text if isinstance(err, VideotoolsError) else f"{type(err).__name__}: {text}".rstrip(": ")

    def _finish(self, video: _Video) -> None:
        video.item.status = "done"
        video.item.outputs = [str(o) for o in video.job.outputs]
        self.counter.inputs_done += 1

    # -- progress ------------------------------------------------------------------------
    def _on_event(self, event: tuple[float, Any]) -> None:
        tag, frames = event[1]
        self.counter.count(tag, frames)
        self._tick()

    def _tick(self) -> None:
        if self.progress is not None:
            self.progress(self.counter.snapshot())

    def _account(self, video: _Video, tag: str, result: dict[str, Any], *, frames: bool = True) -> None:
        """Count a task's frames (for the report too, unless ``frames`` is False) and seconds, keep its warning."""
        self.counter.count(tag, result["frames"])
        video.item.seconds = round(video.item.seconds + result["seconds"], 3)
        video.item.frames += result["frames"] if frames else 0
        if result.get("warning"):
            video.item.warning = "; ".join(filter(None, [video.item.warning, result["warning"]]))

    # -- probing and the palette ---------------------------------------------------------
    def _probed(self, index: int, video: _Video, info: dict[str, Any]) -> None:
        pixels = info.pop("pixels")
        if len(pixels):
            self.samples[index] = pixels
        if str(video.job.input) not in self.videos:
            return  # probed only for the palette
        video.info = info
        self.counter.expect(info["frame_count"])
        for o in video.job.outputs:
            o.parent.mkdir(parents=True, exist_ok=True)
        if self.s.do == "background":
            self._plan_background(video)

    def _share_palette(self, fitting: bool) -> None:
        """Fit the batch's palette (or take the given one), save it as ``palette.json``, send it to every worker."""
        if fitting:
            if not self.samples:
                raise BatchError("no frames could be sampled from the inputs to fit a palette")
            pixels = np.concatenate([self.samples[i] for i in sorted(self.samples)])
            self.samples.clear()
            self.palette = Palette.fit(pixels, self.s.k, seed=self.s.seed, space=self.s.space)
        assert self.palette is not None
        path = self.plan.palette_path
        if path.exists() and Palette.load(path) != self.palette and any(
                j not in self.plan.todo for j in self.plan.jobs):
            log.warning("%s: outputs of earlier runs used another palette than --palette-from gives; "
                        "--overwrite redoes them with this one", path)
        save_palette(self.palette, path)
        # sent to each worker once; hash=False: a key of its own, never shared with (and lost by) another batch
        self.shared_palette = self.client.scatter(self.palette, broadcast=True, hash=False)

    # -- background ----------------------------------------------------------------------
    def _plan_background(self, video: _Video) -> None:
        """One task per video, whatever its length: the plate learns in one sequential pass."""
        s = self.s
        video.chunks = [Chunk(0, None, None)]
        video.item.chunks = 1
        self._add(work.background_chunk, (str(video.job.input), video.chunks[0]),
                  {"alphas": s.alphas, "warmup": s.warmup, "selective": s.selective, "threshold": s.threshold},
                  video, self._background_done, f"{video.job.input}#0")

    def _background_done(self, video: _Video, res: dict[str, Any]) -> None:
        self._account(video, f"{video.job.input}#0", res)
        if res["frames"] == 0 or res["plate"] is None:
            raise SourceError(f"no frames decoded from {video.job.input}")
        images = [res["plate"], *(cv2.convertScaleAbs(s) for s in res["states"])]  # as background_names orders them
        for o, image in zip(video.job.outputs, images, strict=True):
            write_image(o, image, overwrite=True)  # atomic, and the bytes the background command writes
        self._finish(video)

    # -- posterize -----------------------------------------------------------------------
    def _plan_posterize(self, video: _Video) -> None:
        s, info = self.s, video.info
        # a file whose timestamps start again (recordings joined) cannot be cut by timestamp: one piece
        video.chunks = plan_chunks(None if info.get("restarts") else info["duration"], s.chunk_seconds)
        video.item.chunks = len(video.chunks)
        out = video.job.outputs[0]
        whole = len(video.chunks) == 1
        for c in video.chunks:
            self._add(work.posterize_part, (str(video.job.input), str(out if whole else part_name(out, c.index)),
                                            self.shared_palette, c),
                      {"crf": s.crf, "preset": s.preset, "fps": info["fps"], "pixel_aspect": info["pixel_aspect"],
                       "audio": whole}, video, self._part_done, f"{video.job.input}#{c.index}")

    def _part_done(self, video: _Video, res: dict[str, Any]) -> None:
        self._account(video, f"{video.job.input}#{res['index']}", res)
        video.parts[res["index"]] = res
        if len(video.parts) < len(video.chunks):
            return
        if len(video.chunks) == 1:
            self._finish(video)
            return
        parts = [video.parts[i] for i in range(len(video.chunks))]
        self.queue.appendleft(_Task(work.join, ([p["out"] for p in parts], [p["t_first"] for p in parts],
                                                str(video.job.outputs[0])),
                                    {"audio_from": str(video.job.input) if video.info["audio"] else None},
                                    video, self._joined, f"{video.job.input}#join", reports=False))

    def _joined(self, video: _Video, res: dict[str, Any]) -> None:
        video.item.seconds = round(video.item.seconds + res["seconds"], 3)
        self._finish(video)


def _outcome(fut: Any) -> tuple[Any, BaseException | None]:
    """A finished future's result, or the error it ended with (a failed or cancelled task)."""
    if fut.status == "finished":
        return fut.result(), None
    if fut.status == "error":
        return None, fut.exception()
    return None, RuntimeError(f"task {fut.status}")


def save_palette(palette: Palette, path: Path) -> None:
    """Write ``palette`` as ``path`` (Palette JSON, atomic), replacing an older one."""
    palette.save(path, overwrite=True)

"""What a batch will do, decided before any work runs: inputs, outputs, resume, chunks.

Everything here is pure (paths and numbers, no Dask, no decoding), so it is
tested on its own. Paths leave this module absolute: a Dask worker runs in its
own working directory, often on another machine, and must find the same files
under the same names (shared storage).

Chunks of one long video are cut by timestamp: chunk ``i`` holds the frames
whose presentation time ``t`` satisfies ``start_i <= t < end_i``, with the
first chunk open at the start and the last open at the end. The chunks
therefore partition the frames of a sequential read exactly, whatever the
frame rate (variable rates included), as long as the reader seeks by
timestamp (:class:`videotools.sources.file.FileSource` with ``start``/``end``).

A background video is one task, never chunked: its plate
(:class:`~videotools.processors.plate.PlateModel`, what the ``background``
command writes first) learns in one sequential pass and cannot be combined
from parts, and the task that builds it reads every frame anyway, so the
running averages come from the same pass (the ``background`` command's model,
byte for byte its PNGs).

:class:`ChunkFold` still combines running averages computed in chunks, by the
exact EMA recurrence. A chunk of ``n`` frames run from a zero state with rate
``a`` leaves ``E = sum_i a (1-a)^(n-1-i) x_i``; the state after the previous
chunks, ``S``, becomes ``(1-a)^n S + E``. That holds only at a constant rate,
so only after the warm-up (whose rate is ``1/t``): :func:`plan_chunks` merges
the first chunks until the first should hold the warm-up, and
:class:`ChunkFold` asks for the next chunk to be run on from the model's own
state while a first chunk still holds fewer frames. The batch no longer uses
it (``benchmarks/batch.py`` does).
"""

from __future__ import annotations

import glob
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import ParameterError, SourceError, VideotoolsError
from ..processors.background import BackgroundState, background_names
from ..processors.posterize import FIT_FRAMES

VIDEO_EXTENSIONS = frozenset(".mp4 .m4v .mov .mkv .avi .webm .mpg .mpeg .ts .mts .m2ts .wmv .flv .3gp .ogv".split())
TASKS = ("background", "posterize")


class BatchError(VideotoolsError, RuntimeError):
    """The batch cannot run (no inputs, no scheduler, workers that do not see the files)."""


def absolute(path: str | os.PathLike) -> Path:
    """``path`` made absolute against this process's working directory, ``..`` folded, links kept.

    Links are not resolved, so a linked input keeps its own name in the outputs.
    """
    return Path(os.path.abspath(os.path.expanduser(os.fspath(path))))


def find_videos(spec: str | os.PathLike) -> list[Path]:
    """Video files named by a folder (searched recursively), a glob, or one file: absolute and sorted.

    Raises
    ------
    BatchError
        If nothing of that name exists, or it holds no video.
    """
    s = os.fspath(spec)
    p = absolute(s)
    if p.is_file():
        return [p]
    if p.is_dir():
        found = [q for q in p.rglob("*") if q.is_file() and q.suffix.lower() in VIDEO_EXTENSIONS]
    elif any(ch in s for ch in "*?["):
        found = [absolute(q) for q in glob.glob(os.path.expanduser(s), recursive=True) if Path(q).is_file()]
    else:
        raise BatchError(f"no such file or folder: {s}")
    if not found:
        raise BatchError(f"no videos found in {s}")
    return sorted(found)


def input_root(spec: str | os.PathLike, videos: Sequence[Path]) -> Path:
    """The folder output names are made relative to: the input folder, else the inputs' common folder."""
    p = absolute(spec)
    return p if p.is_dir() else Path(os.path.commonpath([v.parent for v in videos]))


def outputs_for(do: str, video: Path, root: Path, out_dir: Path, alphas: Sequence[float]) -> list[Path]:
    """Where ``video``'s outputs go: ``<name>.mp4`` (posterize), or a folder ``<name>/`` (background).

    A background folder holds ``background-plate.png`` and one
    ``background-alpha<A>.png`` per alpha: the names the ``background`` command
    writes (:func:`~videotools.processors.background.background_names`), in
    its order, without the ``<name>-`` it starts them with (the folder says it).
    """
    rel = video.relative_to(root) if root in video.parents else Path(video.name)
    if do == "posterize":
        return [out_dir / rel.with_suffix(".mp4")]
    folder = out_dir / rel.parent / rel.stem
    return [folder / n.removeprefix(f"{rel.stem}-") for n in background_names(rel.stem, alphas)]


def part_name(out: Path, index: int) -> Path:
    """Where chunk ``index`` of a chunked video output is written before the parts are joined."""
    return out.with_name(f"{out.stem}.part{index:04d}{out.suffix}")


@dataclass(frozen=True)
class Settings:
    """What to do to each video (the options of :func:`videotools.batch.run_batch`)."""

    do: str
    alphas: tuple[float, ...]
    warmup: bool = True
    selective: bool = False
    threshold: float = 25.0
    k: int = 8
    seed: int = 0
    space: str = "rgb"
    fit_frames: int = FIT_FRAMES
    crf: int = 20
    preset: str = "veryfast"
    chunk_seconds: float | None = 60.0


@dataclass(frozen=True)
class Job:
    """One input video and the outputs it makes."""

    input: Path
    outputs: tuple[Path, ...]

    def complete(self) -> bool:
        """Whether every output exists (outputs appear only when finished, so existing means complete)."""
        return all(o.exists() for o in self.outputs)


def leftovers(job: Job) -> list[Path]:
    """Files a killed or interrupted run left for ``job``: hidden temporaries and parts of a chunked video.

    They are never outputs (those appear under their own name only when
    complete) and are safe to delete before the job runs again.
    """
    found: list[Path] = []
    for o in job.outputs:
        if o.parent.is_dir():
            stem, ext = glob.escape(o.stem), glob.escape(o.suffix)
            found += o.parent.glob(f".{stem}.*.partial{ext}")
            found += o.parent.glob(f"{stem}.part[0-9][0-9][0-9][0-9]{ext}")
    return sorted(found)


@dataclass(frozen=True)
class Plan:
    """The batch: every job in input order, and which of them still need work."""

    do: str
    root: Path
    out_dir: Path
    jobs: tuple[Job, ...]
    todo: tuple[Job, ...]
    overwrite: bool = False  # redo everything, the batch's palette included

    @property
    def palette_path(self) -> Path:
        """Where a posterize batch keeps its one palette (reused when the batch is resumed)."""
        return self.out_dir / "palette.json"

    @property
    def report_path(self) -> Path:
        return self.out_dir / "batch.json"


def make_plan(inputs: str | os.PathLike, out_dir: str | os.PathLike, *, do: str, alphas: Sequence[float],
              overwrite: bool = False) -> Plan:
    """Find the inputs, name their outputs, and keep as ``todo`` those not complete (all with ``overwrite``).

    Raises
    ------
    ParameterError
        ``do`` is not a known task.
    BatchError
        No inputs, or the output folder's parent does not exist.
    """
    if do not in TASKS:
        raise ParameterError(f"--do must be background or posterize, got {do!r}")
    videos = find_videos(inputs)
    root = input_root(inputs, videos)
    out = absolute(out_dir)
    if not out.parent.is_dir():
        raise BatchError(f"output folder's parent does not exist: {out.parent}")
    jobs = tuple(Job(v, tuple(outputs_for(do, v, root, out, alphas))) for v in videos)
    todo = tuple(j for j in jobs if overwrite or not j.complete())
    return Plan(do, root, out, jobs, todo, overwrite)


@dataclass(frozen=True)
class Chunk:
    """Frames with presentation time in ``[start, end)`` seconds; None is open (the video's start or end)."""

    index: int
    start: float | None
    end: float | None


def plan_chunks(duration: float | None, chunk_seconds: float | None, *, min_first: float = 0.0) -> list[Chunk]:
    """Split a video of ``duration`` seconds into equal chunks of at most ``chunk_seconds``.

    A video longer than ``chunk_seconds`` is chunked (79.5 s at 60 gives two
    chunks of 39.75 s). Boundaries are rounded to the microsecond so every
    worker compares frame times against the same numbers. ``min_first``:
    the first chunks are merged until the first is at least this long (a
    background's warm-up); the others keep their length.

    >>> [(c.start, c.end) for c in plan_chunks(79.5, 60)]
    [(None, 39.75), (39.75, None)]
    >>> [(c.start, c.end) for c in plan_chunks(20.0, 4, min_first=9.0)]
    [(None, 12.0), (12.0, 16.0), (16.0, None)]
    >>> len(plan_chunks(60.0, 60)), len(plan_chunks(None, 60)), len(plan_chunks(300, None))
    (1, 1, 1)
    """
    if chunk_seconds is not None and chunk_seconds < 0:
        raise ParameterError(f"--chunk-seconds must be >= 0, got {chunk_seconds}")
    if not chunk_seconds or not duration or duration <= chunk_seconds:
        return [Chunk(0, None, None)]
    n = math.ceil(duration / chunk_seconds)
    cuts = [c for c in (round(duration * i / n, 6) for i in range(1, n)) if c >= min_first]
    edges: list[float | None] = [None, *cuts, None]
    return [Chunk(i, edges[i], edges[i + 1]) for i in range(len(edges) - 1)]


WARMUP_MARGIN = 1.5
"""The first chunk is planned this many times as long as the warm-up takes at the header's frame rate."""


def warmup_frames(alphas: Sequence[float], warmup: bool) -> int:
    """Frames the first chunk must hold: the warm-up of the slowest rate (``1/alpha``), else one."""
    return math.ceil(1 / min(alphas)) if warmup else 1


def warmup_seconds(frames: int, *, fps: float | None, frame_count: int | None, duration: float | None) -> float:
    """How long a first chunk is planned to hold ``frames`` frames (with :data:`WARMUP_MARGIN`).

    The rate is the header's frames over its duration when it gives both (the
    mean rate, right for variable-rate video too), else its frame rate, else 25.
    """
    rate = frame_count / duration if frame_count and duration else fps or 25.0
    return 0.0 if frames <= 1 else WARMUP_MARGIN * frames / rate


class ChunkFold:
    """Background chunk results folded in frame order as they arrive, in any order.

    Two kinds of result come in. A *model* result is the real model's state
    after chunks ``0..index``: chunk 0's, or a chunk run on from the state of
    the chunks before it. A *zero-started* result is one later chunk run
    from a zero state at constant rates; it folds in by the EMA recurrence,
    which is exact only once the warm-up is over. So while the model results
    hold fewer than ``min_first`` frames, :meth:`add` returns the chunk to
    run on from :meth:`model_state`, and zero-started results of the chunks
    the model runs through are dropped. Out-of-order results wait until the
    chunks before them are in, so at most the chunks in flight are held.

    Parameters
    ----------
    alphas : sequence of float
    chunks : int
        How many chunks make the video.
    min_first : int
        Frames of the warm-up: zero-started chunks fold in only after them.
    """

    def __init__(self, alphas: Sequence[float], chunks: int, *, min_first: int = 1) -> None:
        self.alphas, self.chunks, self.min_first = tuple(alphas), chunks, min_first
        self.state: list[np.ndarray] | None = None
        self.frames = 0
        self.next = 0
        self.continued = 0  # chunks run on from the model's state, the first one not counted
        self._model: list[np.ndarray] = []  # the model's own float32 state, while its warm-up goes on
        self._waiting: dict[int, tuple[int, list[np.ndarray]]] = {}

    def add(self, index: int, frames: int, states: Sequence[np.ndarray], *, model: bool | None = None) -> int | None:
        """Take chunk ``index``'s result: ``frames`` read and one float32 ``(H, W, 3)`` state per alpha.

        ``model``: whether ``states`` are the real model's (default: for chunk 0 only).

        Returns
        -------
        int or None
            The chunk to run on from :meth:`model_state`, because the warm-up
            is not over after the chunks before it; None otherwise.

        Raises
        ------
        SourceError
            If a chunk is empty (the video is shorter than its index said, or damaged).
        """
        if frames == 0:
            raise SourceError(f"chunk {index} of {self.chunks} holds no frames: the file is shorter than "
                              f"its index says, or damaged")
        if index == 0 if model is None else model:
            if index != self.next:
                raise SourceError(f"chunk {index} was run on from the model, but chunk {self.next} was next")
            self.state = [s.astype(np.float64) for s in states]
            self.frames += frames
            self.next = index + 1
            self.continued += index > 0
            for i in [i for i in self._waiting if i < self.next]:
                del self._waiting[i]
            if self.frames < self.min_first and self.next < self.chunks:
                self._model = [np.asarray(s, np.float32) for s in states]
                return self.next
            self._model = []
        elif index >= self.next:
            self._waiting[index] = (frames, list(states))
        if self.state is None or self.frames < self.min_first:
            return None
        while self.next in self._waiting:
            n, st = self._waiting.pop(self.next)
            self.state = [e + (1 - a) ** n * s for e, s, a in zip(st, self.state, self.alphas)]
            self.frames += n
            self.next += 1
        return None

    def model_state(self) -> BackgroundState:
        """The model's state to run the chunk :meth:`add` asked for on from (its warm-up goes on)."""
        return BackgroundState(t=self.frames, accumulators=list(self._model))

    @property
    def done(self) -> bool:
        return self.next == self.chunks

    def result(self) -> list[np.ndarray]:
        """The combined float32 states, one per alpha (once :attr:`done`)."""
        if not self.done or self.state is None:
            raise SourceError(f"only {self.next} of {self.chunks} chunks are in")
        return [s.astype(np.float32) for s in self.state]

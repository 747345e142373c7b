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
"""

from __future__ import annotations

import glob
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..backgrounds import background_names
from ..errors import ParameterError, VideotoolsError
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
    writes (:func:`~videotools.backgrounds.background_names`), in
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
        raise ParameterError(f"do must be background or posterize, got {do!r}", param="do")
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


def plan_chunks(duration: float | None, chunk_seconds: float | None) -> list[Chunk]:
    """Split a video of ``duration`` seconds into equal chunks of at most ``chunk_seconds``.

    A video longer than ``chunk_seconds`` is chunked (79.5 s at 60 gives two
    chunks of 39.75 s). Boundaries are rounded to the microsecond so every
    worker compares frame times against the same numbers.

    >>> [(c.start, c.end) for c in plan_chunks(79.5, 60)]
    [(None, 39.75), (39.75, None)]
    >>> len(plan_chunks(60.0, 60)), len(plan_chunks(None, 60)), len(plan_chunks(300, None))
    (1, 1, 1)
    """
    if chunk_seconds is not None and chunk_seconds < 0:
        raise ParameterError(f"chunk_seconds must be >= 0, got {chunk_seconds}", param="chunk_seconds")
    if not chunk_seconds or not duration or duration <= chunk_seconds:
        return [Chunk(0, None, None)]
    n = math.ceil(duration / chunk_seconds)
    edges: list[float | None] = [None, *(round(duration * i / n, 6) for i in range(1, n)), None]
    return [Chunk(i, edges[i], edges[i + 1]) for i in range(len(edges) - 1)]

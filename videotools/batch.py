"""Many or long videos on Dask distributed: one task per video, or per chunk of one long video.

Chunk-parallel backgrounds are exact. The running average after the warm-up
is an exponential moving average, and EMAs over consecutive chunks combine:
a chunk of ``n`` frames started from zero with rate ``a`` leaves
``E = sum_i a (1-a)^(n-1-i) x_i``, and the state after chunk 1 then chunk 2 is
``E2 + (1-a)^n2 * S1``. The first chunk runs the real :class:`BackgroundModel`
(warm-up included: the cumulative mean of the first ``1/a`` frames), so the
combined result equals the sequential run to float rounding. Selective update
is not linear and cannot be chunked: with ``selective`` each video is one task.

Posterize chunks of a long video are encoded as separate H.264 segments with
the same settings and joined without re-encoding (FFmpeg's concat demuxer),
the source's soundtrack added at the join.
"""

from __future__ import annotations

import itertools
import json
import logging
import math
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from .errors import ParameterError, SourceError, VideotoolsError
from .kmeans import Palette
from .processors.background import BackgroundModel, check_alphas
from .sources.file import FileSource, threads_beside_encoder

log = logging.getLogger(__name__)

VIDEO_EXTENSIONS = frozenset(".mp4 .m4v .mov .mkv .avi .webm .mpg .mpeg .ts .mts .m2ts .wmv .flv .3gp .ogv".split())


class BatchError(VideotoolsError, RuntimeError):
    """The batch cannot run (no inputs, no scheduler)."""


def find_videos(spec: str | os.PathLike) -> list[Path]:
    """Video files named by a folder (recursive), a glob, or one file; sorted."""
    import glob

    s = str(spec)
    p = Path(s)
    if p.is_file():
        return [p]
    if p.is_dir():
        found = [q for q in p.rglob("*") if q.is_file() and q.suffix.lower() in VIDEO_EXTENSIONS]
    elif any(ch in s for ch in "*?["):
        found = [Path(q) for q in glob.glob(s, recursive=True) if Path(q).is_file()]
    else:
        raise BatchError(f"no such file or folder: {s}")
    if not found:
        raise BatchError(f"no videos found in {s}")
    return sorted(found)


# -- work done on the workers ----------------------------------------------------------
def read_range(path: str, first: int, count: int | None, fps: float, threads: int | None = None):
    """Frames ``first .. first+count-1`` of a video (to the end if ``count`` is None), frame-accurately.

    Seeks to half a frame before ``first``: ffmpeg then starts at exactly that frame.
    """
    start = (first - 0.5) / fps if first > 0 else None
    src = FileSource(path, start=start, threads=threads)
    return src, (f for _, f in zip(range(count) if count is not None else itertools.count(), src))


def background_chunk(path: str, first: int, count: int | None, fps: float, alphas: Sequence[float],
                     warmup: bool, selective: bool, threshold: float) -> dict:
    """Accumulator states of one chunk: the real model for the first chunk, zero-started EMAs after."""
    t0 = time.perf_counter()
    src, frames = read_range(path, first, count, fps)
    with src:
        if first == 0:
            model = BackgroundModel(alphas, warmup=warmup, selective=selective, threshold=threshold)
            n = 0
            for f in frames:
                model.update(f)
                n += 1
            states = [a.astype(np.float32) for a in model._acc]
        else:
            states, n = None, 0
            for f in frames:
                if states is None:
                    states = [np.zeros(f.shape, np.float32) for _ in alphas]
                for acc, a in zip(states, alphas):
                    cv2.accumulateWeighted(f, acc, a)  # acc = (1-a) acc + a f, from zero
                n += 1
        warning = src.warning
    return {"first": first, "frames": n, "states": states or [], "seconds": time.perf_counter() - t0,
            "warning": warning}


def combine_chunks(chunks: Sequence[dict], alphas: Sequence[float]) -> list[np.ndarray]:
    """Fold chunk states in frame order: ``S = E_c + (1-a)^n_c * S``."""
    ordered = sorted((c for c in chunks if c["frames"]), key=lambda c: c["first"])
    if not ordered:
        raise SourceError("no frames were decoded")
    total = [s.astype(np.float64) for s in ordered[0]["states"]]
    for c in ordered[1:]:
        for i, a in enumerate(alphas):
            total[i] = c["states"][i] + (1 - a) ** c["frames"] * total[i]
    return [t.astype(np.float32) for t in total]


def posterize_range(path: str, out: str, palette: Palette, crf: int, preset: str, first: int = 0,
                    count: int | None = None, fps: float | None = None, audio: bool = True) -> dict:
    """Apply one palette to frames ``first .. first+count-1`` (default: the whole video), writing ``out``.

    The file is written under a temporary name and renamed when complete, so an
    output that exists is finished (what resume relies on). A whole video keeps
    its soundtrack; chunks are video only (the soundtrack is added when they are joined).
    """
    from .sinks.video import VideoSink

    t0 = time.perf_counter()
    tmp = Path(out).with_name(Path(out).stem + ".partial" + Path(out).suffix)
    threads = threads_beside_encoder()
    src, frames = read_range(path, first, count, fps or 25.0, threads) if count is not None or first else \
        (FileSource(path, threads=threads), None)
    n = 0
    try:
        with src:
            sound = path if audio and first == 0 and count is None and src.info.audio_codec else None
            with VideoSink(tmp, fps=fps or src.fps, crf=crf, preset=preset, overwrite=True,
                           audio_from=sound, pixel_aspect=src.info.pixel_aspect) as sink:
                for f in frames if frames is not None else src:
                    sink.write(palette.apply(f))
                    n += 1
            warning = src.warning
        if n == 0:
            raise SourceError(f"no frames decoded from {path}")
    except BaseException:
        tmp.unlink(missing_ok=True)  # our own unfinished file; never the user's
        raise
    os.replace(tmp, out)
    return {"first": first, "frames": n, "seconds": time.perf_counter() - t0, "warning": warning, "out": out}


def join_parts(parts: Sequence[str], out: str, *, audio_from: str | None = None) -> None:
    """Join H.264 segments made with the same settings into ``out`` without re-encoding (ffmpeg concat demuxer)."""
    import subprocess

    import imageio_ffmpeg

    listing = Path(out).with_suffix(".parts.txt")
    listing.write_text("".join(f"file '{Path(p).resolve().as_posix()}'\n" for p in parts))
    tmp = Path(out).with_name(Path(out).stem + ".partial" + Path(out).suffix)
    cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-f", "concat", "-safe", "0", "-i", str(listing)]
    if audio_from:
        cmd += ["-i", audio_from, "-map", "0:v:0", "-map", "1:a:0?", "-c:a", "aac", "-b:a", "160k", "-shortest"]
    cmd += ["-c:v", "copy", "-movflags", "+faststart", str(tmp)]
    try:
        subprocess.run(cmd, check=True, capture_output=True)
    except subprocess.CalledProcessError as err:
        raise SourceError(f"joining {len(parts)} parts into {out} failed: "
                          f"{err.stderr.decode(errors='replace').strip().splitlines()[-1:]}") from err
    finally:
        listing.unlink(missing_ok=True)
    os.replace(tmp, out)
    for p in parts:  # our own temporary segments
        Path(p).unlink(missing_ok=True)


def part_name(out: Path, index: int) -> Path:
    """Where chunk ``index`` of a chunked output ``out`` is written before the parts are joined."""
    return out.with_name(f"{out.stem}.part{index:04d}{out.suffix}")


def chunk_bounds(n: int | None, fps: float, chunk_seconds: float | None, min_first: int = 1
                 ) -> list[tuple[int, int | None]]:
    """``(first, count)`` per chunk of a video of ``n`` frames; the last chunk reads to the end.

    One chunk when the video is short (under 1.5 chunks), its length unknown, or chunking is off.
    """
    if not chunk_seconds or not n or n <= chunk_seconds * fps * 1.5:
        return [(0, None)]
    size = max(int(chunk_seconds * fps), min_first)
    starts = list(range(0, n, size))
    if len(starts) > 1 and n - starts[-1] < size // 2:
        starts.pop()  # no tiny last chunk
    return [(s, (starts[i + 1] - s) if i + 1 < len(starts) else None) for i, s in enumerate(starts)]


# -- the client side ------------------------------------------------------------------
@dataclass
class BatchItem:
    """One input's entry in ``batch.json``."""

    input: str
    status: str = "pending"   # done | skipped | failed
    frames: int = 0
    seconds: float = 0.0
    outputs: list[str] = field(default_factory=list)
    error: str | None = None
    warning: str | None = None
    chunks: int = 0
    audio_from: str | None = field(default=None, repr=False)


def connect(scheduler: str | None, workers: int | None):
    """A Dask client: to ``scheduler`` if given, else a LocalCluster (one single-threaded process per core)."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError as err:
        raise BatchError("videotools batch needs Dask: pip install 'videotools[batch]' "
                         "(or pip install 'dask[distributed]')") from err
    if scheduler:
        try:
            return Client(scheduler, timeout="5s"), None
        except (OSError, TimeoutError, ValueError) as err:
            raise BatchError(f"cannot reach the Dask scheduler at {scheduler}: "
                             f"{str(err).splitlines()[0] if str(err) else type(err).__name__}") from err
    n = workers or os.cpu_count() or 1
    cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0",
                           silence_logs=logging.ERROR)
    return Client(cluster), cluster


def _outputs(do: str, video: Path, root: Path, out_dir: Path, alphas: Sequence[float]) -> list[Path]:
    rel = video.relative_to(root) if root in video.parents else Path(video.name)
    if do == "posterize":
        return [out_dir / rel.with_suffix(".mp4")]
    folder = out_dir / rel.parent / rel.stem
    return [folder / f"background-alpha{a:g}.png" for a in alphas]


def run_batch(inputs: str | os.PathLike, out_dir: str | os.PathLike, *, do: str = "background",
              alphas: Sequence[float] = (0.1, 0.01), warmup: bool = True, selective: bool = False,
              threshold: float = 25.0, k: int = 8, palette: Palette | None = None, seed: int = 0,
              space: str = "rgb", fit_frames: int = 4, crf: int = 20, preset: str = "veryfast",
              chunk_seconds: float | None = 60.0, scheduler: str | None = None, workers: int | None = None,
              client=None, overwrite: bool = False,
              progress: Callable[[int, int], None] | None = None) -> list[BatchItem]:
    """Run ``do`` over every video in ``inputs`` on Dask; write outputs and ``out_dir/batch.json``.

    Parameters
    ----------
    inputs : folder (recursive), glob, or file
    out_dir : folder
        Outputs mirror the input names: ``<name>.mp4`` (posterize) or
        ``<name>/background-alpha<A>.png`` (background).
    chunk_seconds : float, optional
        Backgrounds of videos longer than this are split into chunks of about
        this length, processed in parallel and combined exactly; None disables.
    palette : Palette, optional
        For posterize: use this palette everywhere; otherwise one palette is
        fitted on ``fit_frames`` frames sampled from every input, so all
        outputs share it.
    scheduler : str, optional
        ``tcp://host:port`` of a running Dask scheduler; default a LocalCluster
        with ``workers`` processes (default: one per core).
    client : dask.distributed.Client, optional
        Use this client (it is left open); ``scheduler`` and ``workers`` are then ignored.
    overwrite : bool
        Redo inputs whose outputs exist; otherwise they are skipped (resume).
    progress : callable, optional
        Called with ``(done, total)`` as tasks finish.

    Raises
    ------
    BatchError
        No inputs, an unreachable scheduler, Dask missing. A failing input does
        not raise: it is reported with ``status="failed"`` and the rest go on.
    """
    if do not in ("background", "posterize"):
        raise ParameterError(f"--do must be background or posterize, got {do!r}")
    alphas = check_alphas(alphas)
    videos = find_videos(inputs)
    root = Path(inputs) if Path(inputs).is_dir() else Path(os.path.commonpath([v.parent for v in videos]))
    out = Path(out_dir)
    if not out.parent.is_dir():
        raise BatchError(f"output folder does not exist: {out.parent}")
    out.mkdir(exist_ok=True)
    items = {str(v): BatchItem(str(v)) for v in videos}
    todo = []
    for v in videos:
        outs = _outputs(do, v, root, out, alphas)
        if not overwrite and all(o.exists() for o in outs):
            it = items[str(v)]
            it.status, it.outputs = "skipped", [str(o) for o in outs]
        else:
            todo.append((v, outs))
    own = client is None and bool(todo)
    cluster = None
    if own:
        client, cluster = connect(scheduler, workers)
    try:
        if todo:
            _submit_all(client, todo, items, do=do, alphas=alphas, warmup=warmup, selective=selective,
                        threshold=threshold, k=k, palette=palette, seed=seed, space=space,
                        fit_frames=fit_frames, crf=crf, preset=preset, chunk_seconds=chunk_seconds,
                        progress=progress)
    finally:
        if own:
            client.close()
            if cluster is not None:
                cluster.close()
    report = [items[str(v)] for v in videos]
    (out / "batch.json").write_text(json.dumps({"do": do, "inputs": len(videos), "items": [
        {k2: v2 for k2, v2 in it.__dict__.items() if k2 != "audio_from"} for it in report]}, indent=1) + "\n")
    return report


def _submit_all(client, todo, items, *, do, alphas, warmup, selective, threshold, k, palette, seed, space,
                fit_frames, crf, preset, chunk_seconds, progress) -> None:
    from dask.distributed import as_completed

    from .sinks.images import write_image
    from .sources import sample_frames

    futures = {}
    if do == "posterize":
        if palette is None:
            samples = []
            for v, _ in todo:
                try:
                    samples += sample_frames(str(v), fit_frames)
                except SourceError as err:
                    log.warning("not sampled for the palette: %s", err)
            if not samples:
                raise BatchError("no frames could be sampled from the inputs to fit a palette")
            palette = Palette.fit(samples, k, seed=seed, space=space)
        # sent to each worker once; hash=False: a unique key, so a batch never shares (and loses) a
        # scattered palette with another batch on the same client
        shared = client.scatter(palette, broadcast=True, hash=False)
    for v, outs in todo:
        it = items[str(v)]
        try:
            with FileSource(v) as probe:
                fps, n, has_audio = probe.fps, probe.frame_count, bool(probe.info.audio_codec)
        except SourceError as err:
            it.status, it.error = "failed", str(err)
            continue
        outs[0].parent.mkdir(parents=True, exist_ok=True)
        if do == "posterize":
            bounds = chunk_bounds(n, fps, chunk_seconds)
            it.chunks = len(bounds)
            it.audio_from = str(v) if has_audio else None
            for i, (first, count) in enumerate(bounds):
                part = str(outs[0]) if len(bounds) == 1 else str(part_name(outs[0], i))
                fut = client.submit(posterize_range, str(v), part, shared, crf, preset, first,
                                    count if len(bounds) > 1 else None, fps, pure=False)
                futures[fut] = (str(v), outs, first)
        else:
            min_first = math.ceil(1 / min(alphas)) if warmup else 1
            bounds = chunk_bounds(None if selective else n, fps, chunk_seconds, min_first)
            it.chunks = len(bounds)
            for first, count in bounds:
                fut = client.submit(background_chunk, str(v), first, count, fps, alphas, warmup, selective,
                                    threshold, pure=False)
                futures[fut] = (str(v), outs, first)
    total, done = len(futures), 0
    partial: dict[str, list] = {}
    for fut in as_completed(list(futures)):
        name, outs, first = futures[fut]
        it = items[name]
        done += 1
        if progress:
            progress(done, total)
        if it.status == "failed":
            continue
        try:
            res = fut.result()
        except Exception as err:  # a corrupt input: report it, the rest go on
            it.status, it.error = "failed", f"{type(err).__name__}: {str(err).strip().splitlines()[0][:300]}"
            continue
        it.warning = res.get("warning") or it.warning
        it.seconds += res["seconds"]
        partial.setdefault(name, []).append(res)
        if len(partial[name]) < it.chunks:
            continue
        chunks = sorted(partial.pop(name), key=lambda c: c["first"])
        it.frames = sum(c["frames"] for c in chunks)
        try:
            if do == "posterize":
                if len(chunks) > 1:
                    join_parts([c["out"] for c in chunks], str(outs[0]), audio_from=it.audio_from)
            else:
                states = combine_chunks(chunks, alphas)
                for o, st in zip(outs, states):
                    tmp = o.with_name(o.stem + ".partial.png")
                    write_image(tmp, cv2.convertScaleAbs(st), overwrite=True)
                    os.replace(tmp, o)
            it.status, it.outputs = "done", [str(o) for o in outs]
        except VideotoolsError as err:
            it.status, it.error = "failed", str(err)
    outs_of = {str(v): outs for v, outs in todo}
    for name, it in items.items():
        if it.status == "pending":
            it.status = "failed"
            it.error = it.error or "not processed"
        if do == "posterize" and it.status == "failed" and it.chunks > 1:
            for i in range(it.chunks):  # the parts that did finish are of no use alone
                part_name(outs_of[name][0], i).unlink(missing_ok=True)

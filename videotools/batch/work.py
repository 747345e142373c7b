"""The work a batch sends to its Dask workers: plain functions of paths and numbers, no Dask inside.

Each function opens what it needs by absolute path (the workers share the
file system with the client, see :mod:`videotools.batch`), reports frames done
through ``on_frames`` (a count, called now and then), and returns a small
dict. A video output is written under a hidden temporary name and renamed
when complete, so an output that exists under its own name is finished: what
resume relies on, and what keeps two runs writing the same output (a
resumed batch while a cancelled task still runs) from mixing their bytes.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import SourceError
from ..kmeans import Palette
from ..processors.background import BackgroundModel
from ..sources import sample_frames
from ..sources.file import FileSource
from ..sources.probe import timestamps_restart
from .plan import Chunk

OnFrames = Callable[[int], None]


def probe(path: str, *, samples: int = 0, pixels: int = 0, seed: int = 0) -> dict[str, Any]:
    """What a video's header says (rate, frames, duration, sound), and pixels for a palette fit.

    ``restarts``: its timestamps start again somewhere (MPEG-TS recordings joined), so it cannot be cut into
    chunks by timestamp (:func:`~videotools.sources.probe.timestamps_restart`).

    With ``samples``, up to that many frames spread over the video (keyframes:
    :func:`~videotools.sources.sample_frames`) are decoded and
    ``pixels`` of their pixels drawn at random (``seed``): an ``(N, 3) uint8``
    array under ``"pixels"``, so only a small sample travels to the client.

    Raises
    ------
    SourceError
        If it is not a readable video, or no frame could be sampled.
    """
    with FileSource(path) as src:
        info = src.info
    drawn = np.zeros((0, 3), np.uint8)
    if samples:
        frames = sample_frames(path, samples)
        if not frames:
            raise SourceError(f"no frame could be sampled from {path}")
        flat = np.concatenate([f.reshape(-1, 3) for f in frames])
        rng = np.random.default_rng(seed)
        drawn = flat[rng.choice(len(flat), min(pixels, len(flat)), replace=False)]
    return {"fps": info.fps, "frame_count": info.frame_count, "duration": info.duration,
            "audio": bool(info.audio_codec), "pixel_aspect": info.pixel_aspect, "pixels": drawn,
            "restarts": timestamps_restart(path)}


def _open(path: str, chunk: Chunk) -> FileSource:
    return FileSource(path, start=chunk.start, end=chunk.end)


def background_chunk(path: str, chunk: Chunk, *, alphas: Sequence[float], warmup: bool, selective: bool,
                     threshold: float, on_frames: OnFrames | None = None) -> dict[str, Any]:
    """The background of a video (``Chunk(0, None, None)``), or the running averages over one chunk of it.

    A whole video runs the model the ``background`` command runs, plate
    included; a chunk runs the same model over its frames, without the plate.

    Returns ``{"index", "frames", "states", "plate", "seconds", "warning"}``:
    ``states`` holds the model's float32 ``(H, W, 3)`` array per alpha;
    ``plate`` is the ``(H, W, 3) uint8`` RGB plate of a whole video, else None.
    """
    t0 = time.perf_counter()
    n = 0
    whole = chunk.start is None and chunk.end is None
    model = BackgroundModel(alphas, plate=whole, warmup=warmup, selective=selective, threshold=threshold)
    with _open(path, chunk) as src:
        for f in src:
            model.update(f)
            n += 1
            if on_frames is not None and n % 50 == 0:
                on_frames(n)
        warning = src.warning
    return {"index": chunk.index, "frames": n, "states": model.accumulators,
            "plate": model.plate if whole and n else None, "seconds": time.perf_counter() - t0, "warning": warning}


def temp_name(out: Path) -> Path:
    """A hidden name beside ``out``, unique to this writer, with the same extension."""
    return out.with_name(f".{out.stem}.{secrets.token_hex(4)}.partial{out.suffix}")


def posterize_part(path: str, out: str, palette: Palette, chunk: Chunk, *, crf: int, preset: str, fps: float,
                   pixel_aspect: tuple[int, int] = (1, 1), audio: bool = False,
                   on_frames: OnFrames | None = None) -> dict[str, Any]:
    """Apply ``palette`` to the frames of ``chunk`` and encode them to ``out`` (H.264).

    ``audio``: carry the source's soundtrack (a whole video; chunks get it when
    they are joined). Frames keep their source times, so variable-rate video
    keeps its timing. Returns ``{"index", "frames", "t_first", "seconds",
    "warning", "out"}``; ``t_first`` is the source time of the first frame.

    Raises
    ------
    SourceError
        If no frame was decoded.
    """
    from ..sinks.video import VideoSink

    t0 = time.perf_counter()
    target = Path(out)
    tmp = temp_name(target)
    n, t_first = 0, None
    try:
        with _open(path, chunk) as src:
            with VideoSink(tmp, fps=fps, crf=crf, preset=preset, overwrite=True, pixel_aspect=pixel_aspect,
                           audio_from=path if audio and src.info.audio_codec else None) as sink:
                for f in src:
                    if t_first is None:
                        t_first = src.time
                    sink.write(palette.apply(f), src.time)
                    n += 1
                    if on_frames is not None and n % 25 == 0:
                        on_frames(n)
            warning = src.warning
        if n == 0:
            raise SourceError(f"no frames decoded from {path}" + (f" in chunk {chunk.index} (from {chunk.start} s)"
                                                                   if chunk.start else ""))
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)  # our own unfinished file; never the user's
    return {"index": chunk.index, "frames": n, "t_first": t_first, "seconds": time.perf_counter() - t0,
            "warning": warning, "out": out}


def join(parts: Sequence[str], starts: Sequence[float], out: str, *, audio_from: str | None) -> dict[str, Any]:
    """Join posterized parts into ``out`` (see :func:`videotools.batch.join.join_parts`), then remove them."""
    from .join import join_parts

    t0 = time.perf_counter()
    target = Path(out)
    tmp = temp_name(target)
    try:
        join_parts(parts, starts, str(tmp), audio_from=audio_from)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    for p in parts:  # our own temporary segments
        Path(p).unlink(missing_ok=True)
    return {"seconds": time.perf_counter() - t0, "out": out}

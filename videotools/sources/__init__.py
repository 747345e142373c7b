"""Frame sources, opened from a spec string by :func:`open_source`.

Specs
-----
``path/to/video.mp4``           a video file (anything ffmpeg reads)
``rtsp://…``, ``http(s)://…``   a network stream through ffmpeg
``0``, ``camera:0``, ``/dev/video0``  a camera
``photo.jpg``                    one image (a one-frame source)
``folder/``, ``'shots/*.png'``   a folder or glob of images, in natural order
``synthetic:traffic?size=640x360&seconds=10&seed=1``  the generated traffic scene
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

from ..errors import ParameterError, SourceError
from ..frames import Frame
from ..protocols import Source
from .base import SourceBase, StreamInfo
from .camera import LOST_AFTER as CAMERA_LOST_AFTER
from .camera import CameraSource, list_cameras
from .file import LOST_AFTER as STREAM_LOST_AFTER
from .file import STREAM_SCHEMES, FileSource
from .images import ImageSource, is_glob, is_image_path, list_images, read_image
from .loop import LoopSource
from .synthetic import SyntheticTraffic, parse_synthetic

__all__ = ["Source", "SourceBase", "StreamInfo", "open_source", "FileSource", "CameraSource",
           "ImageSource", "SyntheticTraffic", "LoopSource", "list_cameras", "read_image", "list_images",
           "sample_frames", "source_name"]


def camera_device(spec: str) -> int | str | None:
    """The camera named by ``spec`` (``0``, ``camera:0``, ``camera:/dev/video2``, ``/dev/video0``), or None."""
    s = spec.strip()
    if s.isdigit():
        return int(s)
    if s.startswith("camera:"):
        rest = s[len("camera:"):]
        return int(rest) if rest.isdigit() else rest
    if re.fullmatch(r"/dev/video\d+", s):
        return s
    return None


def source_name(spec: str | os.PathLike) -> str:
    """A short file-name-safe name for what ``spec`` opens, to name outputs after it.

    ``clips/street.mp4`` -> ``street``, ``0`` -> ``camera0``, ``/dev/video2`` -> ``video2``,
    ``synthetic:traffic?seed=1`` -> ``synthetic-traffic``, ``rtsp://host/cam1`` -> ``cam1``,
    ``udp://10.0.0.7:5000`` -> ``10.0.0.7-5000``, ``shots/`` -> ``shots``. Only characters that file
    systems refuse are replaced.
    """
    s = os.fspath(spec).strip()
    if s.startswith("synthetic:"):
        name = "synthetic-" + s[len("synthetic:"):].split("?")[0]
    else:
        dev = camera_device(s)
        if isinstance(dev, int) and not Path(s).exists():
            name = f"camera{dev}"
        else:
            url = urlsplit(s) if "://" in s else None
            base = url.path.rstrip("/") if url else s.rstrip("/\\")
            if url and not base:  # the host and port (two streams from one host); never the user or password
                name = "-".join(str(part) for part in (url.hostname, url.port) if part)
            else:
                name = Path(base).stem if not is_glob(base) else Path(base).parent.name
    name = re.sub(r'[/\\:*?"<>|\x00-\x1f]+', "-", name).strip(" -.")
    return name or "source"


def open_source(spec: str | os.PathLike, *, start: float | None = None, end: float | None = None,
                camera_mode: str = "latest", camera_size: tuple[int, int] | None = None,
                camera_fps: float | None = None, image_fps: float = 25.0,
                decode_threads: int | None = None, lost_after: float | None = None,
                deinterlace: bool = False) -> SourceBase:
    """Open the source named by ``spec``; see the module docstring for the forms.

    The returned source is open: its ``fps``, ``size`` and ``frame_count`` are
    known. Use it in a ``with`` block (or call ``close()``) to release it.

    Parameters
    ----------
    spec : str or PathLike
    start, end : float, optional
        Seconds; seek within video files and streams.
    camera_mode : {"latest", "every"}
        ``latest`` keeps only the newest camera frame (live use), ``every``
        returns each frame (recording).
    camera_size, camera_fps
        Requested capture size (W, H) and rate.
    image_fps : float
        Frame rate given to image sequences.
    decode_threads : int, optional
        Decoder threads for video files and streams (None: FFmpeg's choice).
    lost_after : float, optional
        Seconds without a frame after which a camera or a live network stream
        counts as gone and its frames end (the run ends, recordings finalized).
        Until then a stream that stops (a camera rebooting, a switch
        restarting) is reopened and its frames go on, their times still
        increasing. None: 2 s for a camera, 20 s for a stream.
    deinterlace : bool
        Video files and streams: rebuild frames flagged interlaced from their
        two fields (FFmpeg's ``bwdif``, a frame per frame); False hands them
        out woven, as FFmpeg does. ``source.info.interlaced`` says whether
        the first frame is.

    Raises
    ------
    SourceError
        With the spec in its message, if nothing readable is there.

    Examples
    --------
    >>> with open_source("samples/traffic.mp4") as src:
    ...     print(src.size, src.fps)
    (640, 360) 25.0
    """
    s = os.fspath(spec)
    if not s.strip():
        raise SourceError("empty source spec")
    seeks = bool(start) or end is not None
    if s.startswith("synthetic:"):
        if seeks:
            raise ParameterError(f"start/end apply to video files and streams, not to {s}")
        return parse_synthetic(s)
    dev = camera_device(s)
    if dev is not None and not (isinstance(dev, int) and Path(s).exists()):
        if seeks:
            raise ParameterError(f"start/end apply to video files and streams, not to camera {s}")
        return CameraSource(dev, mode=camera_mode, size=camera_size, fps=camera_fps,
                            lost_after=CAMERA_LOST_AFTER if lost_after is None else lost_after)
    if s.lower().startswith(STREAM_SCHEMES):
        return FileSource(s, start=start, end=end, threads=decode_threads, deinterlace=deinterlace,
                          lost_after=STREAM_LOST_AFTER if lost_after is None else lost_after)
    if is_glob(s):
        if seeks:
            raise ParameterError(f"start/end apply to video files and streams, not to images ({s})")
        return ImageSource(s, fps=image_fps)
    p = Path(s)
    if not p.exists() and not p.is_dir():
        raise SourceError(f"no such file: {s}")
    if p.is_dir() or is_image_path(p):
        if seeks:
            raise ParameterError(f"start/end apply to video files and streams, not to images ({s})")
        return ImageSource(s, fps=image_fps)
    return FileSource(s, start=start, end=end, threads=decode_threads, deinterlace=deinterlace)


def sample_frames(spec: str | os.PathLike, n: int, *, start: float | None = None,
                  end: float | None = None) -> list[Frame]:
    """Up to ``n`` RGB frames spread evenly over a source.

    A video file is sampled at its keyframes nearest before evenly spread
    times (one seek and one decoded frame each: fast whatever the length, and
    good enough to fit a palette; not frame-exact: a keyframe that two times
    share is taken once, so a clip with keyframes 10 s apart gives one frame
    per 10 s); an image
    sequence by index; a synthetic scene by frame number. Live sources
    (cameras, streams) give an empty list: there is no "whole length" to sample;
    a file that does not say how long it is gives its first frame.
    """
    if n < 1:
        raise SourceError(f"the number of frames to sample must be >= 1, got {n}")
    with open_source(spec, start=start, end=end) as src:
        if isinstance(src, SyntheticTraffic):
            total = src.frame_count or n
            return [src.frame(int(total * (i + 0.5) / n)) for i in range(min(n, total))]
        if isinstance(src, ImageSource):
            paths = src.paths
            picks = sorted({int(len(paths) * (i + 0.5) / n) for i in range(min(n, len(paths)))})
            out = []
            for i in picks:
                try:
                    out.append(read_image(paths[i]))
                except SourceError:
                    continue
            return out
        if not isinstance(src, FileSource) or src.info.live:
            return []
        if not src.info.duration:  # a file that does not say how long it is (a one-frame GIF): its first frame
            first = next(iter(src), None)
            return [] if first is None else [first]
        t0, duration = start or 0.0, src.info.duration
        return src.frames_near([t0 + duration * (i + 0.5) / n for i in range(n)])

"""Frame sinks: video files, image files, a window, an MJPEG preview."""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import SinkError
from .base import Sink, SinkBase, check_output, free_name
from .images import ImageSink, write_image
from .serve import MjpegSink
from .video import VIDEO_EXTENSIONS, VideoSink
from .window import WindowSink, display_problem

__all__ = ["Sink", "SinkBase", "VideoSink", "ImageSink", "WindowSink", "MjpegSink", "open_sink",
           "write_image", "check_output", "free_name", "display_problem"]

IMAGE_OUT = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")


def open_sink(path: str | os.PathLike, *, fps: float = 25.0, crf: int = 20, preset: str = "veryfast",
              overwrite: bool = False, audio_from: str | None = None, audio_start: float = 0.0,
              pixel_aspect: tuple[int, int] = (1, 1), queue_size: int = 0) -> VideoSink | ImageSink:
    """A file sink chosen by extension: a video for ``.mp4/.mkv/.mov/.m4v/.avi``, images otherwise.

    ``frames/%05d.png`` writes a numbered sequence; ``out.png`` the last frame.

    Raises
    ------
    SinkError
        Unknown extension, missing folder; ``OutputExistsError`` without ``overwrite``.
    """
    ext = Path(path).suffix.lower()
    if ext in VIDEO_EXTENSIONS:
        return VideoSink(path, fps=fps, crf=crf, preset=preset, overwrite=overwrite, audio_from=audio_from,
                         audio_start=audio_start, pixel_aspect=pixel_aspect, queue_size=queue_size)
    if ext in IMAGE_OUT:
        return ImageSink(path, overwrite=overwrite)
    raise SinkError(f"unknown output extension {ext or '(none)'!r} in {path}; use a video "
                    f"({', '.join(VIDEO_EXTENSIONS)}) or an image (.png, .jpg, frames/%05d.png)")

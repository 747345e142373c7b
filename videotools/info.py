"""What a source is, as plain data: what ``videotools info`` prints."""

from __future__ import annotations

import os
from typing import Any

from .sources import open_source
from .sources.file import count_frames


def describe(spec: str | os.PathLike, *, count: bool = False) -> dict[str, Any]:
    """Size, rate, frame count, duration, codecs and pixel shape of ``spec``, as a JSON-ready dict.

    Parameters
    ----------
    spec : str or PathLike
        Any source spec (see :func:`videotools.open_source`).
    count : bool
        Decode a video file to the end and count its frames exactly (the number
        FFmpeg decodes), instead of trusting the container.

    Raises
    ------
    SourceError
        If nothing readable is there.

    Examples
    --------
    >>> describe("samples/traffic.mp4")["frames"]
    500
    """
    with open_source(spec) as src:
        inf = src.info
        doc: dict[str, Any] = {
            "source": os.fspath(spec), "kind": inf.kind, "width": inf.size[0], "height": inf.size[1],
            "fps": round(inf.fps, 3), "frames": inf.frame_count, "frames_exact": False,
            "duration": round(inf.duration, 3) if inf.duration else None, "codec": inf.codec,
            "audio": inf.audio_codec, "pixel_aspect": "{}:{}".format(*inf.pixel_aspect), "live": inf.live}
        decoded = inf.kind in ("video", "stream")  # read by FFmpeg: rotation, colour matrix, time base
        if decoded:
            i420 = getattr(src, "i420", None)
            doc["rotation"] = getattr(src, "rotation", 0)
            doc["matrix"] = None if i420 is None else f"{i420[0]} {'full' if i420[1] else 'limited'} range"
            doc["time_base"] = str(inf.time_base) if inf.time_base else None
            doc["interlaced"] = inf.interlaced
            doc["hdr"] = inf.transfer
    if count and decoded and not inf.live:
        doc["frames"], doc["frames_exact"] = count_frames(spec), True
    return doc

"""Joining posterized parts of one video into one MP4 in process: packets copied, nothing re-encoded.

The parts are H.264 made with the same settings (same parameter sets), each
starting on a key frame; their packets are copied in order into one MP4, each
part shifted to where its first frame sat in the source, so the joined video
keeps the source's timing (variable frame rates included). The source's
soundtrack is carried along (copied when MP4 takes its codec, else
re-encoded to AAC) and cut where the video ends. PyAV does the muxing, so no
``ffmpeg`` program is needed.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import av
import av.error

from ..errors import SinkError, SourceError
from ..sinks.audio import AudioTrack


def join_parts(parts: Sequence[str], starts: Sequence[float], out: str, *, audio_from: str | None = None) -> None:
    """Copy the video packets of ``parts`` into ``out`` (MP4, index in front), part ``i`` from ``starts[i]``.

    Parameters
    ----------
    parts : sequence of str
        MP4 files of H.264 made with the same encoder settings, in order.
    starts : sequence of float
        Source time of each part's first frame, in seconds; part ``i`` is
        placed at ``starts[i] - starts[0]``.
    out : str
    audio_from : str, optional
        A media file whose first audio stream is added, cut to the video.

    Raises
    ------
    SinkError
        If the parts cannot be read or joined (different encodings, damaged files).
    """
    if len(parts) != len(starts) or not parts:
        raise SinkError(f"join needs one start time per part, got {len(parts)} parts and {len(starts)} starts")
    try:
        with av.open(parts[0]) as first:
            template = first.streams.video[0]
            output = av.open(out, "w", format="mp4", options={"movflags": "+faststart"})
            try:
                video = output.add_stream_from_template(template)
                sound = AudioTrack(audio_from, output, container_format="mp4") if audio_from else None
                try:
                    end = _copy_parts(parts, starts, output, video, sound)
                    if sound is not None:
                        sound.finish(end)
                        sound = None
                finally:
                    if sound is not None:
                        sound.close()
            finally:
                output.close()
    except (av.error.FFmpegError, OSError, SourceError) as err:
        raise SinkError(f"joining {len(parts)} parts into {out} failed: {err}") from err


def _delays(parts: Sequence[str]) -> list[tuple[int, int]]:
    """Per part, ``(first presentation time, first decode time)`` in the part's time base."""
    out = []
    for path in parts:
        with av.open(path) as part:
            stream = part.streams.video[0]
            first = next((p for p in part.demux(stream) if p.dts is not None), None)
            if first is None:
                raise SinkError(f"{path} holds no video packet")
            out.append((stream.start_time or 0, first.dts))
    return out


def _copy_parts(parts: Sequence[str], starts: Sequence[float], output: Any, video: Any,
                sound: AudioTrack | None) -> float:
    """Mux every part's video packets, shifted into place; return the video's end in seconds.

    A part's presentation times move by its start in the source. Its decode
    times move with them, less the largest decode delay of all parts (``D``):
    x264 may open one part with a delay of two frames and the next with one,
    and shifting decode times by each part's own delay would then make them
    collide at the join. With ``D`` for all, decode times still increase
    across joins (they follow the frames' own times) and never pass the
    presentation times.
    """
    delays = _delays(parts)
    most = max(pts0 - dts0 for pts0, dts0 in delays)
    last_dts: int | None = None
    end = 0.0
    for path, start, (pts0, dts0) in zip(parts, starts, delays):
        with av.open(path) as part:
            stream = part.streams.video[0]
            tb: Fraction = stream.time_base
            offset = round((start - starts[0]) / tb)
            for packet in part.demux(stream):
                if packet.dts is None:  # the demuxer's end-of-stream marker
                    continue
                packet.pts = None if packet.pts is None else packet.pts - pts0 + offset
                packet.dts = packet.dts - dts0 - most + offset
                if last_dts is not None and packet.dts <= last_dts:
                    raise SinkError(f"{path} overlaps the part before it (decode time {float(packet.dts * tb):.3f} s)")
                last_dts = packet.dts
                if packet.pts is not None:
                    end = max(end, float((packet.pts + (packet.duration or 0)) * tb))
                packet.stream = video
                output.mux(packet)
                if sound is not None:
                    sound.mux_until(float(packet.dts * tb))
    return end

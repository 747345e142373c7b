"""Recordings cut into segments, each a whole playable MP4 named by its start time (UTC).

:class:`CopyRecorder` muxes the stream's own packets (no decoding, no
encoding), cutting at the first keyframe past each segment's length;
:class:`EncodeRecorder` re-encodes full-size frames through
:class:`videotools.VideoSink`. Both write crash-safe fragmented MP4 (see
:mod:`videotools.sinks.video`): a segment cut short by a crash or a killed
worker still plays up to its last fragment. After each segment closes,
retention removes the oldest ones beyond the limits.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import SinkError

log = logging.getLogger(__name__)


def segment_path(folder: Path, when: float | None = None) -> Path:
    """``folder/YYYYMMDD-HHMMSS.mp4`` for ``when`` (UTC), with ``_2``, ``_3``... if that name is taken
    (``_`` sorts after ``.``: names still sort in time order)."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime(time.time() if when is None else when))
    path, n = folder / f"{stamp}.mp4", 1
    while path.exists():
        n += 1
        path = folder / f"{stamp}_{n}.mp4"
    return path


class CopySegment:
    """One MP4 that the stream's packets are copied into, timestamps starting at 0.

    Written nameless and published with its first fragment, through
    :class:`videotools.files.WholeWrites`, so it always ends on a whole fragment.
    """

    def __init__(self, path: Path, video: Any, audio: Any | None) -> None:
        import av

        from ..files import PendingFile, WholeWrites
        from ..sinks.video import MUXER_OPTIONS

        self.path = path
        self.pending = PendingFile(path)
        self.writes = WholeWrites(self.pending.fd)  # type: ignore[arg-type]
        self.out = av.open(self.writes, "w", format="mp4", options=MUXER_OPTIONS["mp4"])
        self.video, self.ov = video, self.out.add_stream_from_template(video)
        self.audio, self.oa, self._adts = audio, None, None
        if audio is not None and audio.codec_context.name == "aac" and not audio.codec_context.extradata:
            from av.bitstream import BitStreamFilterContext

            self._adts = BitStreamFilterContext("aac_adtstoasc", audio)  # AAC from MPEG-TS is ADTS-framed
        if audio is not None:
            try:
                self.oa = self.out.add_stream_from_template(audio)
            except (ValueError, av.error.FFmpegError) as err:  # a codec MP4 does not take
                log.warning("%s: the sound is not recorded (%s)", path, err)
                self.audio = None
        self._offset: dict[Any, int] = {}
        self.first: float | None = None  # the first video packet's time, s
        self.last = 0.0

    def mux(self, packet: Any) -> None:
        """Copy one packet (the first must be a video keyframe)."""
        stream = packet.stream
        if stream is self.video:
            stamp = packet.dts if packet.dts is not None else packet.pts  # no dts: Matroska's first B-frame packets
            t = float(stamp * packet.time_base)
            if self.first is None:
                self.first = t
                self._offset[self.video] = stamp
                if self.audio is not None:
                    self._offset[self.audio] = int(t / self.audio.time_base)
            self.last = t
            target = self.ov
        elif stream is self.audio and self.first is not None:
            target = self.oa
        else:
            return
        off = self._offset[stream]
        if (packet.dts is not None and packet.dts - off < 0) or (packet.pts is not None and packet.pts - off < 0):
            return  # sound from before the segment's first picture
        if packet.dts is not None:
            packet.dts -= off
        if packet.pts is not None:
            packet.pts -= off
        if self._adts is not None and stream is self.audio:
            packets = self._adts.filter(packet)
        else:
            packets = [packet]
        for p in packets:
            p.stream = target
            self.out.mux(p)
        self._commit()

    @property
    def seconds(self) -> float:
        return 0.0 if self.first is None else self.last - self.first

    def _commit(self) -> None:
        size = self.writes.commit()
        if size and not self.pending.published:
            self.pending.publish()

    def close(self) -> None:
        """Write the rest and the trailer; a segment with no video is dropped."""
        try:
            if self.first is not None:
                self.out.close()
                self._commit()
            else:
                self.out.close()
        finally:
            self.pending.discard() if not self.pending.published else self.pending.close()


class CopyRecorder:
    """Packets of a file or stream (:class:`~videotools.watch.feed.FileFeed`'s ``on_packet``) into segments of
    ``seconds``, each from a video keyframe.

    A video packet of another stream than the segment's (the source opened
    the stream again: its timestamps start over) ends the segment; the next
    begins at the next keyframe. ``on_closed(path)`` is called after each
    segment is finished (retention).
    """

    def __init__(self, folder: Path, *, seconds: float, on_closed: Callable[[Path], None] | None = None) -> None:
        self.folder, self.seconds = folder, seconds
        self.on_closed = on_closed
        self.segment: CopySegment | None = None
        self.failed = False  # the muxer refused a packet: wait for the next keyframe in a new segment

    def packet(self, packet: Any) -> None:
        import av.error

        stream = packet.stream
        if stream.type == "video":
            if self.segment is not None and stream is not self.segment.video:
                self.close_segment()
            if packet.is_keyframe and (self.segment is None or self.failed or self.segment.seconds >= self.seconds):
                self.close_segment()
                audio = stream.container.streams.audio
                self.segment = CopySegment(segment_path(self.folder), stream, audio[0] if audio else None)
                self.failed = False
        if self.segment is None or self.failed:
            return
        try:
            self.segment.mux(packet)
        except (av.error.FFmpegError, OSError) as err:  # timestamps that jump back, a full disk
            log.warning("%s: segment cut short (%s)", self.segment.path, err)
            self.failed = True

    @property
    def current(self) -> Path | None:
        return self.segment.path if self.segment is not None else None

    def close_segment(self) -> None:
        seg, self.segment = self.segment, None
        if seg is None:
            return
        try:
            seg.close()
        except Exception as err:  # noqa: BLE001 - a broken segment must not stop the camera
            log.warning("%s: could not be finished (%s)", seg.path, err)
        if self.on_closed is not None:
            self.on_closed(seg.path)

    def close(self) -> None:
        self.close_segment()


class EncodeRecorder:
    """Full-size RGB frames re-encoded (H.264) into segments of ``seconds`` through :class:`videotools.VideoSink`."""

    def __init__(self, folder: Path, *, fps: float, seconds: float, crf: int = 23, preset: str = "veryfast",
                 on_closed: Callable[[Path], None] | None = None) -> None:
        self.folder, self.fps, self.seconds, self.crf, self.preset = folder, fps, seconds, crf, preset
        self.on_closed = on_closed
        self.sink: Any = None
        self.path: Path | None = None
        self.t0 = 0.0

    def frame(self, rgb: Any, t: float) -> None:
        if self.sink is not None and t - self.t0 >= self.seconds:
            self.close_segment()
        if self.sink is None:
            from ..sinks import VideoSink

            self.path = segment_path(self.folder)
            self.sink = VideoSink(self.path, fps=self.fps, crf=self.crf, preset=self.preset)
            self.t0 = t
        self.sink.write(rgb, t - self.t0)

    @property
    def current(self) -> Path | None:
        return self.path if self.sink is not None else None

    def close_segment(self) -> None:
        sink, self.sink = self.sink, None
        if sink is None:
            return
        try:
            sink.close()
        except SinkError as err:
            log.warning("%s: could not be finished (%s)", self.path, err)
        if self.on_closed is not None and self.path is not None:
            self.on_closed(self.path)

    def close(self) -> None:
        self.close_segment()

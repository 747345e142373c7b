"""Recordings cut into segments, each a whole playable MP4 named by its start time (UTC).

:class:`CopyRecorder` muxes the stream's own packets (no decoding, no
encoding), cutting at the first keyframe past each segment's length;
:class:`EncodeRecorder` re-encodes full-size frames with one H.264 encoder
for all its segments, forcing a keyframe where each begins (as FFmpeg's
segment muxer does). Both write crash-safe fragmented MP4 (see
:mod:`videotools.sinks.video`): a segment cut short by a crash or a killed
worker still plays up to its last fragment. Each segment's time starts at 0
with its first picture. After each segment closes, retention removes the
oldest ones beyond the limits.
"""

from __future__ import annotations

import logging
import time
from collections import deque
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
            if self.first is None:  # the keyframe: shown at 0 (its dts may go below 0: B-frames' delay)
                start = packet.pts if packet.pts is not None else packet.dts
                self.first = float(start * packet.time_base)
                self._offset[self.video] = start
                if self.audio is not None:
                    self._offset[self.audio] = int(self.first / self.audio.time_base)
            stamp = packet.dts if packet.dts is not None else packet.pts  # no dts: Matroska's first B-frame packets
            self.last = float(stamp * packet.time_base)
            target = self.ov
        elif stream is self.audio and self.first is not None:
            target = self.oa
        else:
            return
        off = self._offset[stream]
        if packet.pts is not None and packet.pts - off < 0:
            return  # shown before the segment's first picture: sound, or an open GOP's leading pictures
        if stream is self.audio and packet.dts is not None and packet.dts - off < 0:
            return
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


TAIL_SECONDS = 2.0
"""How long (stream time past a cut) a finished segment waits for sound that belongs before its end."""


class _Segments:
    """The segment being written, what closing one does (``on_closed(path)``: retention), and the warnings of
    a recording that cannot write (a full disk): one when it stops, one when it writes again."""

    folder: Path
    segment: CopySegment | None
    on_closed: Callable[[Path], None] | None
    _troubled = False

    @property
    def current(self) -> Path | None:
        return self.segment.path if self.segment is not None else None

    def close_segment(self) -> None:
        seg, self.segment = self.segment, None
        if seg is not None:
            self._close(seg)

    def _close(self, seg: CopySegment) -> None:
        try:
            seg.close()
        except Exception as err:  # noqa: BLE001 - a broken segment must not stop the camera
            self._trouble(f"{seg.path}: could not be finished ({err})")
        if self.on_closed is not None:
            self.on_closed(seg.path)

    def _trouble(self, message: str) -> None:
        if not self._troubled:
            log.warning("%s; recording paused, a new segment is tried every segment's length", message)
        self._troubled = True

    def _writing(self) -> None:
        if self._troubled:
            log.warning("%s: recording again", self.folder)
        self._troubled = False


class CopyRecorder(_Segments):
    """Packets of a file or stream (:class:`~videotools.watch.feed.FileFeed`'s ``on_packet``) into segments of
    ``seconds``, each from a video keyframe.

    A video packet of another stream than the segment's (the source opened
    the stream again: its timestamps start over) ends the segment; the next
    begins at the next keyframe. Sound that plays before a cut often comes
    after the cut's keyframe (MPEG-TS and Matroska send video ahead): the
    finished segment takes it until the sound reaches the cut (at most
    :data:`TAIL_SECONDS`), so no sound is lost between segments. A segment
    that cannot be written (a full disk) pauses the recording until the next
    segment is due; the camera goes on. ``on_closed(path)`` is called after
    each segment is finished (retention).
    """

    def __init__(self, folder: Path, *, seconds: float, on_closed: Callable[[Path], None] | None = None) -> None:
        self.folder, self.seconds = folder, seconds
        self.on_closed = on_closed
        self.segment: CopySegment | None = None
        self.failed = False  # the segment could not be written: wait until the next one is due
        self._retry_at: float | None = None  # stream time (s) the next segment may start after a failure
        self._tail: CopySegment | None = None  # the segment before the cut, still taking its sound
        self._cut_at = 0.0  # stream time (s) of that cut

    def packet(self, packet: Any) -> None:
        stream = packet.stream
        t = _seconds(packet)
        if stream.type == "video":
            if self.segment is not None and stream is not self.segment.video:  # the stream was opened again
                self._end_tail()
                self.close_segment()
            if packet.is_keyframe and self._due(t):
                self._cut(packet, t)
            elif self._tail is not None and t is not None and t >= self._cut_at + TAIL_SECONDS:
                self._end_tail()
        elif self._tail is not None and stream is self._tail.audio:
            if t is not None and t < self._cut_at:
                self._mux(self._tail, packet)
                return
            self._end_tail()
        if self.segment is not None and not self.failed:
            self._mux(self.segment, packet)

    def _due(self, t: float | None) -> bool:
        if self.segment is None or self.failed:
            return self._retry_at is None or t is None or t >= self._retry_at
        return self.segment.seconds >= self.seconds

    def _cut(self, packet: Any, t: float | None) -> None:
        old, self.segment = self.segment, None
        self._end_tail()
        if old is not None and not self.failed and old.audio is not None and t is not None:
            self._tail, self._cut_at = old, t
        elif old is not None:
            self._close(old)
        audio = packet.stream.container.streams.audio
        try:
            self.segment = CopySegment(segment_path(self.folder), packet.stream, audio[0] if audio else None)
        except OSError as err:  # a full disk, a folder gone: the camera goes on, unrecorded for now
            self._failed(t, f"{self.folder}: cannot start a segment ({err})")
            return
        self.failed, self._retry_at = False, None
        self._writing()

    def _mux(self, seg: CopySegment, packet: Any) -> None:
        import av.error

        try:
            seg.mux(packet)
        except (av.error.FFmpegError, OSError) as err:  # timestamps that jump back, a full disk
            if seg is self._tail:
                self._end_tail()
            else:
                self._failed(_seconds(packet), f"{seg.path}: segment cut short ({err})")

    def _failed(self, t: float | None, message: str) -> None:
        self.failed = True
        self._retry_at = None if t is None else t + self.seconds
        self._trouble(message)

    def _end_tail(self) -> None:
        tail, self._tail = self._tail, None
        if tail is not None:
            self._close(tail)

    def close(self) -> None:
        self._end_tail()
        self.close_segment()


def _seconds(packet: Any) -> float | None:
    """A packet's time in its stream, in seconds (its pts, else its dts)."""
    stamp = packet.pts if packet.pts is not None else packet.dts
    return None if stamp is None or packet.time_base is None else float(stamp * packet.time_base)


class EncodeRecorder(_Segments):
    """Full-size RGB frames re-encoded (H.264, BT.601 tags) into segments of ``seconds``.

    One encoder serves every segment: the frame that starts a segment is
    forced to a keyframe (an IDR: nothing after it refers to what came
    before), and its packet, the first of the new segment in decode order,
    closes the last one. An encoder made per segment would cost its start-up
    and its threads each time, and restart its rate control.
    """

    def __init__(self, folder: Path, *, fps: float, seconds: float, crf: int = 23, preset: str = "veryfast",
                 on_closed: Callable[[Path], None] | None = None) -> None:
        self.folder, self.fps, self.seconds, self.crf, self.preset = folder, fps, seconds, crf, preset
        self.on_closed = on_closed
        self.segment: CopySegment | None = None
        self._encoder: Any = None  # the video stream of a container never written to a file
        self._template: Any = None
        self._source_size = self._size = (0, 0)  # the frames' size, and the even size encoded
        self._tb: Any = None
        self._t0 = 0.0  # the encoder's first frame (s): its timestamps count from there
        self._cuts: deque[int] = deque()  # pts of the keyframes that start the next segments (the encoder lags)
        self._last_pts = -1
        self._started = 0.0  # time of the current segment's first frame (s)

    def frame(self, rgb: Any, t: float) -> None:
        """Encode one ``(H, W, 3) uint8`` RGB frame shown at ``t`` s (a frame of another size is letterboxed)."""
        import av
        import cv2
        from av.video.frame import PictureType

        from ..frames import fit_into

        h, w = rgb.shape[:2]
        if self._encoder is None:
            self._open(w, h)
            self._t0, self._started = t, t
            self._cuts.append(0)
        elif (w, h) != self._source_size:
            rgb = fit_into(rgb, self._source_size)
        if self._size != self._source_size:  # one black row/column for yuv420p, never a rescale
            (ew, eh), (sw, sh) = self._size, self._source_size
            rgb = cv2.copyMakeBorder(rgb, 0, eh - sh, 0, ew - sw, cv2.BORDER_CONSTANT, value=(0, 0, 0))
        pts = max(int(round((t - self._t0) / self._tb)), self._last_pts + 1)
        self._last_pts = pts
        frame = av.VideoFrame.from_ndarray(cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420), format="yuv420p")
        frame.pts, frame.time_base = pts, self._tb
        if t - self._started >= self.seconds:
            self._cuts.append(pts)
            self._started = t
        if self._cuts and self._cuts[-1] == pts:
            frame.pict_type = PictureType.I
        try:
            self._mux(self._encoder.encode(frame))
        except av.error.FFmpegError as err:
            raise SinkError(f"{self.folder}: the recording's encoder failed ({err})") from None

    def _open(self, width: int, height: int) -> None:
        import io
        from fractions import Fraction

        import av

        from ..frames import even_size
        from ..sinks.video import COLOUR_TAGS, ENCODER_THREADS, TIME_BASE

        self._source_size = (width, height)
        self._size = even_size(width, height)
        self._template = av.open(io.BytesIO(), "w", format="mp4")
        v = self._encoder = self._template.add_stream("libx264", rate=Fraction(self.fps).limit_denominator(1001))
        v.width, v.height = self._size
        v.pix_fmt = "yuv420p"
        v.time_base = v.codec_context.time_base = self._tb = TIME_BASE
        cc = v.codec_context
        cc.options = {"crf": str(self.crf), "preset": self.preset}
        cc.colorspace, cc.color_primaries, cc.color_trc = COLOUR_TAGS["bt601"]
        cc.color_range = 1
        cc.thread_type, cc.thread_count = "AUTO", ENCODER_THREADS
        self._template.start_encoding()  # opens the encoder: its parameters (SPS/PPS) go to every segment

    def _mux(self, packets: Any) -> None:
        import av.error

        for packet in packets:
            if self._cuts and packet.is_keyframe and packet.pts >= self._cuts[0]:
                self.close_segment()
                self._cuts.popleft()
                try:
                    self.segment = CopySegment(segment_path(self.folder), self._encoder, None)
                    self._writing()
                except OSError as err:  # a full disk, a folder gone: the next segment tries again
                    self._trouble(f"{self.folder}: cannot start a segment ({err})")
            if self.segment is None:
                continue
            try:
                self.segment.mux(packet)
            except (av.error.FFmpegError, OSError) as err:  # a full disk
                self._trouble(f"{self.segment.path}: segment cut short ({err})")
                self.close_segment()


    def close(self) -> None:
        """Flush the encoder into the last segment and finish it."""
        import av.error

        if self._encoder is not None:
            try:
                self._mux(self._encoder.encode(None))
            except av.error.FFmpegError as err:
                log.warning("%s: the recording's last frames are lost (%s)", self.folder, err)
            try:
                self._template.close()
            except (av.error.FFmpegError, OSError):
                pass
            self._encoder = self._template = None
        self.close_segment()

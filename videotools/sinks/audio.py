"""A source file's soundtrack, carried into a recording: stream-copied when the container takes it.

The sound keeps its place against the pictures: the recording's time 0 is the
source's first video frame (from ``start`` on), and each sound packet is placed
by its own time against that origin, so a file whose sound starts before or
after its video keeps that offset. It is cut where the recording's last frame
ends, so a run stopped early, or cut with ``--end``, stays in sync.

* Copied (the container takes the codec): packets keep their timing, cut at
  packet boundaries (a packet is the codec's smallest unit). Where the file's
  timestamps start again (two recordings joined), the sound moves by as much as
  the video does (``sources.timing``: one frame after the last), so each part
  keeps its own sync, and a ``start`` in such a file (MPEG-TS/PS) is reached by
  reading the packets before it rather than by an ambiguous seek. AAC with ADTS
  headers (MPEG-TS, HLS, ``.aac``) loses them on the way (``aac_adtstoasc``):
  MP4's fragmented muxer refuses such packets.
* Re-encoded (G.711 or PCM into MP4, anything Matroska or AVI cannot hold):
  decoded, cut to the sample at the video's first and last frame, and encoded
  to AAC for MP4/MOV, to 16-bit PCM for Matroska and AVI (no encoder delay to
  shift the sound against the video in containers without edit lists).
"""

from __future__ import annotations

import logging
from collections import deque
from fractions import Fraction
from typing import Any

import av
import av.bitstream
import av.error
import numpy as np

from ..errors import SourceError
from ..sources.probe import TS_DISCONT, video_stream
from ..sources.timing import Timeline

log = logging.getLogger(__name__)

# Audio codecs each container takes as they are (FFmpeg's codec names); anything else is re-encoded.
COPYABLE: dict[str, set[str] | None] = {
    "mp4": {"aac", "mp3", "ac3", "eac3", "alac", "opus", "flac"},
    "mov": {"aac", "mp3", "ac3", "eac3", "alac", "pcm_s16le", "pcm_s16be", "pcm_s24le", "pcm_mulaw", "pcm_alaw"},
    "matroska": None,  # whatever its muxer accepts (not G.711)
    "avi": {"mp3", "ac3", "pcm_s16le", "pcm_mulaw", "pcm_alaw"},
}
REENCODE = {"mp4": "aac", "mov": "aac", "matroska": "pcm_s16le", "avi": "pcm_s16le"}
NO_EDIT_LISTS = {"avi"}
"""Containers whose sound always starts at 0: a copy that starts with the video (within ``SHIFT_TOLERANCE``)
is moved to start exactly with it; a sound that starts earlier or later is re-encoded, cut or led by silence."""
LOOKAHEAD = 5000
"""Packets read ahead, at most, for where the video's timestamps start again once the sound's did."""
JOIN_TOLERANCE = 0.002
"""Seconds a copied sound packet may start before the previous one ends before it counts as a new stretch."""
SHIFT_TOLERANCE = 0.010
"""Seconds a copied sound may be moved in such a container: well below what anyone hears as out of sync."""
_LAYOUTS = {1: "mono", 2: "stereo", 6: "5.1", 8: "7.1"}  # for streams that give a channel count without a layout
_DTYPES = {"fltp": np.float32, "flt": np.float32, "s16": np.int16, "s16p": np.int16}  # of the encoders above
_CHUNK = 1024  # samples per frame for encoders that take any size (PCM), and AAC's before it opens


def _codec_name(stream: Any) -> str:
    """FFmpeg's name of the codec (``mp3``), not of the decoder PyAV picked (``mp3float``)."""
    codec = stream.codec_context.codec
    return getattr(codec, "canonical_name", None) or codec.name


def channel_layout(stream: Any) -> str:
    layout = stream.layout
    if layout is not None and not all(c.name == "NONE" for c in layout.channels):
        return layout.name
    return _LAYOUTS.get(stream.channels, "stereo")


class AudioTrack:
    """The first audio stream of ``source``, muxed into ``output`` from ``start`` seconds on.

    Create it before the first packet is muxed (a container's streams are fixed
    by then); call :meth:`begin_at` with the first frame's time, :meth:`mux_until`
    as video is written and :meth:`finish` at the end.

    Parameters
    ----------
    source : str
        A media file with an audio stream.
    output : av.container.OutputContainer
    container_format : str
        ``mp4``, ``mov``, ``matroska`` or ``avi``: decides copy or re-encode.
    start : float
        Seconds of the source (after its first video frame) to skip.

    Raises
    ------
    SourceError
        If ``source`` does not open or has no audio stream.
    """

    def __init__(self, source: str, output: Any, *, container_format: str, start: float = 0.0) -> None:
        try:
            self._in = av.open(source)
        except (av.error.FFmpegError, OSError) as err:
            raise SourceError(f"cannot read the soundtrack of {source}: {err}") from err
        if not self._in.streams.audio:
            self._in.close()
            raise SourceError(f"{source} has no audio stream")
        a = self._a = self._in.streams.audio[0]
        self.start = start
        self.codec = _codec_name(a)
        self._tb = a.time_base or Fraction(1, a.rate or 48000)
        self._zero = _origin(self._in, a) + start  # source seconds at the recording's time 0
        self._output = output
        # where timestamps may start again (MPEG-TS/PS: recordings joined), a seek by timestamp is ambiguous: the
        # packets before start are read instead (not decoded), following the video's timeline as a whole read does
        self._read_to_start = start > 0 and bool(self._in.format.flags & TS_DISCONT)
        if start > 0 and not self._read_to_start:
            self._in.seek(int(self._zero / self._tb), stream=a, backward=True)
        # video packets (not decoded) only say where the video's timestamps start again
        self._v = video_stream(self._in)
        self._packets = self._in.demux(*(a, self._v) if self._v is not None else (a,))
        self._ahead: deque[Any] = deque()  # sound packets read while looking for where the video goes on
        step = 1.0 / float(self._v.average_rate or self._v.guessed_rate or 25) if self._v is not None else 0.04
        self._video: Timeline[None] = Timeline(step, origin=0.0, window=0)
        self._video_shift = 0.0  # how far the video's timeline had moved when the sound last went back
        self._video_resets = 0  # the video's resets the sound has followed
        self._pending: Any = None  # a packet read but not yet due
        self.done = False
        self._bsf: Any = None
        self._checked = False  # whether the first copied packet was looked at (ADTS headers)
        self._refused = 0  # damaged packets the ADTS filter could not read
        self._jump = 0.0  # seconds added to the sound's timestamps since they went back (recordings joined)
        self._sound_end: float | None = None  # recording seconds where the sound read so far ends
        self._last: float | None = None  # recording seconds of the last packet read
        self._overlap: float | None = None  # after a new stretch: sound before this time is already muxed
        self._joins = 0
        first = self._next()
        first = self._pending = self._skip_to_start(first) if self._read_to_start else first
        off = first is not None and abs(self._time(first)) > SHIFT_TOLERANCE
        self._clamp = container_format in NO_EDIT_LISTS
        self._shift: float | None = None  # seconds added to copied packets' times (set by the first one)
        allowed = COPYABLE.get(container_format, set())
        self._out: Any = None
        if (allowed is None or self.codec in allowed) and not (self._clamp and off):
            self._out = self._copy_stream(output, a, fresh=self._clamp)
        self.copy = self._out is not None
        if not self.copy:
            self._reencode_stream(output, a, REENCODE.get(container_format, "aac"))

    def _copy_stream(self, output: Any, a: Any, *, fresh: bool) -> Any:
        """The output stream for copied packets, or None when the muxer refuses the codec.

        ``fresh``: described from scratch rather than from the source's header, whose
        container-specific fields (an AVI's block size for AC-3) would mistime the packets.
        """
        try:
            if not fresh:
                return output.add_stream_from_template(a)
            out = output.add_stream(self.codec, rate=a.rate)
            out.layout = channel_layout(a)
            if a.codec_context.bit_rate:
                out.bit_rate = a.codec_context.bit_rate
            return out
        except (ValueError, av.error.FFmpegError) as err:
            log.info("%s cannot be copied into this container (%s): re-encoding", self.codec, err)
            return None

    def _reencode_stream(self, output: Any, a: Any, codec: str) -> None:
        rates = av.codec.Codec(codec, "w").audio_rates
        rate = a.rate or 48000
        out = self._out = output.add_stream(codec, rate=rate if not rates or rate in rates else 48000)
        out.layout = channel_layout(a)
        self._rate = out.rate
        self._resampler = av.AudioResampler(format=out.format.name, layout=out.layout, rate=self._rate)
        self._fifo = av.AudioFifo()
        self._written = 0  # the recording's sample where the next encoded frame starts (0: the first frame)
        self._drop = 0  # samples still to cut from the FIFO's head
        self._started = False

    def begin_at(self, time: float) -> None:
        """Make the recording's time 0 the source's ``time`` seconds: its first frame written, which a cut
        at ``start`` puts at or after ``start`` (up to a frame later). Call before :meth:`mux_until`."""
        moved = time - self.start
        self._zero += moved
        self.start = time
        # the times of the sound already read (before start) count from the new zero too
        self._last, self._sound_end, self._overlap = (None if v is None else v - moved
                                                      for v in (self._last, self._sound_end, self._overlap))

    def _skip_to_start(self, p: Any) -> Any:
        """The first sound packet that plays past ``start`` (from ``p`` on; None: none does), those before it
        read, not muxed, moved as the video's timeline is where timestamps start again (:meth:`_follow`)."""
        while p is not None:
            ts = self._follow(p, self._time(p))
            if ts is not None and ts + (float(p.duration * self._tb) if p.duration else 0.0) > 1e-6:
                return p
            p = self._next()
        return None

    def describe(self) -> str:
        """``aac (copied)``, ``pcm_mulaw (re-encoded to aac)``."""
        return f"{self.codec} ({'copied' if self.copy else 're-encoded to ' + self._out.codec_context.name})"

    def _next(self) -> Any:
        if self._pending is not None:
            p, self._pending = self._pending, None
            return p
        while not self._ahead and self._pull():
            pass
        return self._ahead.popleft() if self._ahead else None

    def _pull(self) -> bool:
        """Read one packet: sound is queued, video only moves the video's timeline. False at the end."""
        p = next(self._packets, None)
        if p is None:
            return False
        if p.stream.type == "video":
            if p.pts is not None and p.time_base:
                self._video.push(None, float(p.pts * p.time_base))
        elif p.pts is not None and p.size:
            self._ahead.append(p)
        return True

    def _time(self, p: Any) -> float:
        """A packet's time in the recording, in seconds."""
        return float(p.pts * self._tb) - self._zero + self._jump

    def _follow(self, p: Any, ts: float) -> float | None:
        """``ts``, moved as the video's timeline was where the sound's timestamps went back (a new stretch);
        None for a packet of a new stretch that would mostly play over the sound already muxed (dropped).

        The video's packets are read ahead to its own reset; without one (or
        without video) the sound goes on right after the sound before.
        """
        if self._last is not None and ts < self._last - JOIN_TOLERANCE:
            looked = 0
            while self._video.resets == self._video_resets and looked < LOOKAHEAD and self._pull():
                looked += 1
            shift = self._video.place(0.0)
            if self._video.resets > self._video_resets and shift is not None:
                self._jump += shift - self._video_shift
                self._video_shift = shift
            else:
                self._jump += (self._sound_end or 0.0) - ts
            self._video_resets = self._video.resets
            self._joins += 1
            self._overlap = self._sound_end
            ts = self._time(p)
        self._last = ts
        duration = float(p.duration * self._tb) if p.duration else 0.0
        if self._overlap is not None:
            # players play a copy's packets back to back: the join is off by the gap or overlap left, at
            # most half a packet when a packet that mostly plays over the sound before is dropped
            if ts + duration / 2 < self._overlap - JOIN_TOLERANCE:
                return None
            self._overlap = None
        self._sound_end = ts + duration
        return ts

    def mux_until(self, t: float) -> None:
        """Mux the sound that plays before ``t`` seconds of the recording."""
        while not self.done:
            p = self._next()
            if p is None:
                self.done = True
                break
            ts = self._time(p)
            if ts >= t:
                self._pending = p
                break
            placed = self._follow(p, ts)
            if placed is None:
                continue
            ts = placed
            if self.copy:
                self._mux_copy(p, ts)
            else:
                for frame in p.decode():  # the decoder's own time: it may drop a start (Opus pre-skip)
                    known = frame.pts is not None and frame.time_base
                    self._queue(frame, float(frame.pts * frame.time_base) - self._zero + self._jump if known else ts)
        if not self.copy:
            self._drain(int(t * self._rate), final=False)

    def _mux_copy(self, p: Any, ts: float) -> None:
        if ts < -1e-6 and self.start > 0:  # before the cut (from the file's start, sound before the video stays)
            return
        if self._shift is None:  # without edit lists, sound before the video is moved to start with it
            self._shift = max(0.0, -ts) if self._clamp else 0.0
        shift = int(round((self._zero - self._shift - self._jump) / self._tb))
        p.pts -= shift
        if p.dts is not None:
            p.dts -= shift
        self._mux_stripped(p, self._a)

    def _mux_stripped(self, p: Any, template: Any) -> None:
        """Mux a copied packet; AAC with ADTS headers (MPEG-TS) goes through ``aac_adtstoasc`` first, as MP4
        and Matroska want it (a damaged packet the filter cannot read is skipped and counted)."""
        tb = p.time_base
        if not self._checked:
            self._checked = True
            if self.codec == "aac" and bytes(p)[:2] >= b"\xff\xf0":
                self._bsf = av.bitstream.BitStreamFilterContext("aac_adtstoasc", template)
        try:
            filtered = self._bsf.filter(p) if self._bsf is not None else [p]
        except av.error.FFmpegError:
            self._refused += 1
            return
        for q in filtered:
            q.time_base = tb
            q.stream = self._out
            self._output.mux(q)

    def _queue(self, frame: Any, ts: float) -> None:
        """Resample a decoded frame into the FIFO; the first one fixes where the sound starts."""
        if not self._started:
            self._started = True
            first = round(ts * self._rate)
            for k in range(0, first, self._rate):  # sound that starts after the video keeps its delay, as silence
                self._fifo.write(self._silence(min(self._rate, first - k)))
                self._drain(first, final=False)  # a second at a time, however long the delay
            self._drop = max(0, -first)  # sound before the video's first frame is cut
        frame.pts = None
        for out in self._resampler.resample(frame):
            self._fifo.write(out)
        if self._drop:
            drop = min(self._drop, self._fifo.samples)
            self._fifo.read(drop)
            self._drop -= drop

    def _silence(self, samples: int) -> Any:
        fmt, layout = self._out.format, self._out.layout
        channels = layout.nb_channels
        shape = (channels, samples) if fmt.is_planar else (1, samples * channels)
        frame = av.AudioFrame.from_ndarray(np.zeros(shape, _DTYPES[fmt.name]), format=fmt.name, layout=layout.name)
        frame.sample_rate = self._rate
        return frame

    def _drain(self, limit: int, *, final: bool) -> None:
        """Encode the FIFO's whole frames that play before sample ``limit`` (and, if ``final``, the rest up to it)."""
        while True:
            size = self._out.codec_context.frame_size or _CHUNK  # known once the encoder opened (AAC: 1024)
            n = min(size, limit - self._written, self._fifo.samples)
            if n <= 0 or (n < size and not final):
                break
            frame = self._fifo.read(n)
            if frame is None:  # cannot happen: n <= samples held
                break
            frame.pts, frame.time_base = self._written, Fraction(1, self._rate)
            self._written += frame.samples
            self._output.mux(self._out.encode(frame))

    def finish(self, end: float) -> None:
        """Mux the rest of the sound up to ``end`` seconds, flush, and release the source."""
        try:
            self.mux_until(end)
            if not self.copy:
                if self._started:
                    for out in self._resampler.resample(None):
                        self._fifo.write(out)
                self._drain(round(end * self._rate), final=True)
                self._output.mux(self._out.encode(None))
        finally:
            self.close()

    def close(self) -> None:
        if self._refused:
            log.warning("%d damaged sound packets were skipped", self._refused)
            self._refused = 0
        if self._joins:
            log.info("the sound's timestamps went back %d time(s): each part follows the one before", self._joins)
            self._joins = 0
        self._in.close()


def _origin(container: Any, audio: Any) -> float:
    """Source seconds where the recording starts: the first video frame's (else the sound's own start)."""
    video = video_stream(container)
    for s in (*([video] if video is not None else []), audio):
        if s.start_time is not None and s.time_base:
            return float(s.start_time * s.time_base)
    return 0.0

"""One camera, watched until told to stop: open, run, and on failure mark it down, back off and reopen.

Only streams and camera devices are reopened: a file (or any source that
would start again from its beginning) that fails has failed for good.

A camera's loop decodes every frame (the recording needs them), hands a
scaled-down copy to its chain at most ``detect_fps`` times a second, and
keeps its outputs under ``OUT/NAME/``: ``plate.png`` and ``latest.jpg``
(replaced atomically), ``stats-YYYYMMDD.csv``, ``status.json`` and
``rec/*.mp4`` segments. Files and synthetic scenes are played at their own
rate (times ``speed``), as a camera would send them.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path
from typing import Any

from .config import CameraConfig
from .detect import Detector
from .feed import FeedFrame, live_source, open_feed
from .memory import memory_trimmer
from .outputs import StatsLog, write_picture
from .record import CopyRecorder, EncodeRecorder
from .retention import prune
from .status import CameraStatus, write_status

log = logging.getLogger(__name__)

BACKOFF_FIRST, BACKOFF_MAX = 1.0, 60.0
"""Seconds before the first retry of a camera that failed, doubled at each failure up to the most."""
LATE = 1.0
"""Seconds behind its own clock after which a frame due for processing is dropped (counted)."""
REPORT_EVERY = 1.0
"""Seconds between two ``status.json`` (and ``latest.jpg``) writes."""


def one_line(err: BaseException) -> str:
    text = str(err) or type(err).__name__
    return " ".join(text.split())


class CameraRunner:
    """Watch one camera until ``stop`` is set (or a file ends or fails); :meth:`run` never raises for its faults.

    Parameters
    ----------
    cam : CameraConfig
    out_dir : path
        The camera writes under ``out_dir / cam.name``.
    stop : threading.Event
        Set it to end the camera: the segment and the plate are finished first.
    """

    def __init__(self, cam: CameraConfig, out_dir: str | os.PathLike, stop: threading.Event) -> None:
        self.cam, self.stop = cam, stop
        self.folder = Path(out_dir) / cam.name
        self.rec = self.folder / "rec"
        self.status = CameraStatus(cam.name, cam.source, pid=os.getpid())
        self.retried = live_source(cam.source)  # reopening a file would replay it: duplicate stats and segments
        Detector(cam.chain, name=cam.name)  # a chain that does not parse fails now, not in the loop
        self.detector: Detector | None = None
        self._size: tuple[int, int] | None = None
        self._small: Any = None
        self._recorder: CopyRecorder | EncodeRecorder | None = None
        self._stats = StatsLog(self.folder)
        self._trim = memory_trimmer()
        self._reported = self._pictured = 0.0
        self._meter = (time.monotonic(), 0)

    # -- the supervisor ----------------------------------------------------------------
    def run(self) -> CameraStatus:
        """Watch until stopped; returns the last status: state ``stopped``, ``ended``, or ``failed`` (a file's
        failure, final: its ``error`` says why)."""
        self.rec.mkdir(parents=True, exist_ok=True)
        delay = BACKOFF_FIRST
        try:
            while not self.stop.is_set():
                if self.status.state != "down":  # a camera being retried stays down until a frame comes
                    self.status.set_state("starting")
                self.status.retry_in = None
                self._report(force=True)
                seen = self.status.frames
                try:
                    ended = self._attempt()
                except Exception as err:  # noqa: BLE001 - a camera's fault, whatever it is, must not end the watch
                    if self.stop.is_set():  # stopped while it waited on a silent stream: nothing to retry
                        break
                    if not self.retried:
                        log.warning("camera %s failed for good (%s): a file is not opened again, it would play "
                                    "from its start once more", self.cam.name, one_line(err))
                        self.status.set_state("failed", one_line(err))
                        break
                    if self.status.frames > seen:  # it was working: start the backoff again
                        delay = BACKOFF_FIRST
                    log.warning("camera %s is down (%s); retrying in %g s", self.cam.name, one_line(err), delay)
                    self.status.set_state("down", one_line(err))
                    self.status.retry_in = delay
                    self.status.restarts += 1
                    self._report(force=True)
                    self.stop.wait(delay)
                    delay = min(delay * 2, BACKOFF_MAX)
                    continue
                if ended:
                    self.status.set_state("ended")
                    break
        finally:
            if self.status.state not in ("ended", "failed"):
                self.status.set_state("stopped")
            self._finish()
        return self.status

    def _finish(self) -> None:
        self._stats.close()
        self._write_pictures()
        self.status.fps, self.status.retry_in, self.status.segment = 0.0, None, None
        self._report(force=True)
        if self.detector is not None:
            self.detector.close()

    # -- one connection ----------------------------------------------------------------
    def _attempt(self) -> bool:
        """Run the camera once; True when a file or scene came to its end, False when stopped."""
        cam = self.cam
        copier = (CopyRecorder(self.rec, seconds=cam.segment_seconds, on_closed=self._segment_closed)
                  if cam.record != "off" and cam.copies else None)
        with open_feed(cam.source, lost_after=cam.lost_after,
                       on_packet=copier.packet if copier is not None else None) as feed:
            self._recorder = copier
            if cam.record != "off" and copier is None:
                self._recorder = EncodeRecorder(self.rec, fps=feed.fps, seconds=cam.segment_seconds,
                                                crf=cam.crf, preset=cam.preset, on_closed=self._segment_closed)
                if feed.audio_codec and not self.status.restarts:
                    log.warning("camera %s: its sound (%s) is not recorded when re-encoding; record: copy keeps it",
                                cam.name, feed.audio_codec)
            try:
                self._loop(feed)
            finally:
                recorder, self._recorder = self._recorder, None
                if recorder is not None:
                    recorder.close()
            if self.stop.is_set():
                return False
            if feed.live:
                from ..errors import SourceError

                raise SourceError(f"{cam.source}: the stream ended")
            return True

    def _loop(self, feed: Any) -> None:
        cam, status = self.cam, self.status
        step = 1.0 / cam.detect_fps if cam.detect_fps else 0.0
        origin: float | None = None
        due = 0.0
        errors0, dropped0, late_drops = status.errors, status.dropped, 0
        for ff in feed:
            if self.stop.is_set():
                break
            late = 0.0
            if not feed.live:  # a file or a scene plays at its own rate, as a camera sends it
                now = time.monotonic()
                origin = now - ff.t / cam.speed if origin is None else origin
                wait = origin + ff.t / cam.speed - now
                if wait > 0 and self.stop.wait(wait):
                    break
                late = -wait
            if status.state != "up":
                status.set_state("up")
                due = ff.t
            status.frames += 1
            status.errors = errors0 + feed.errors
            if isinstance(self._recorder, EncodeRecorder):
                self._recorder.frame(ff.rgb(), ff.t)
            if ff.t >= due:
                due = due + step if due + step > ff.t else ff.t + step
                if late > LATE:
                    late_drops += 1
                else:
                    self._process(ff)
            status.dropped = dropped0 + late_drops + int(getattr(feed, "dropped", 0))  # a camera drops frames too
            status.segment = (str(self._recorder.current.name) if self._recorder is not None
                              and self._recorder.current is not None else None)
            self._report()

    def _process(self, ff: FeedFrame) -> None:
        small = ff.small(self.cam.detect_width)
        size = (small.shape[1], small.shape[0])
        if self.detector is None or size != self._size:  # a camera that comes back at another size starts afresh
            if self.detector is not None:
                self.detector.close()
            self.detector, self._size = Detector(self.cam.chain, name=self.cam.name), size
        _, finding = self.detector(small)
        self._small = small
        self.status.processed += 1
        if finding is not None:
            self._stats.write(ff.t, finding)

    # -- outputs -----------------------------------------------------------------------
    def _segment_closed(self, path: Path) -> None:
        self.status.segments += 1
        removed = prune(self.rec, keep_seconds=self.cam.keep_seconds, keep_bytes=self.cam.keep_bytes,
                        current=self._recorder.current if self._recorder is not None else None)
        for p in removed:
            log.info("camera %s: removed %s (retention)", self.cam.name, p.name)
        self._trim()  # the segment's muxer and encoder are freed: give their pages back (see .memory)

    def _write_pictures(self) -> None:
        try:
            if self._small is not None:
                write_picture(self.folder / "latest.jpg", self._small)
            plate = self.detector.plate() if self.detector is not None else None
            if plate is not None:
                write_picture(self.folder / "plate.png", plate)
        except OSError as err:  # a full disk: the camera goes on, the next write may succeed
            log.warning("camera %s: %s", self.cam.name, one_line(err))

    def _report(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._reported < REPORT_EVERY:
            return
        t0, n0 = self._meter
        if now - t0 >= REPORT_EVERY:
            self.status.fps = (self.status.frames - n0) / (now - t0)
            self._meter = (now, self.status.frames)
        if self.status.state != "up":  # nothing is decoded or recorded while a camera is not up
            self.status.fps, self.status.segment = 0.0, None
        if now - self._pictured >= self.cam.plate_seconds:
            self._write_pictures()
            self._pictured = now
        elif self._small is not None:
            try:
                write_picture(self.folder / "latest.jpg", self._small)
            except OSError as err:
                log.warning("camera %s: %s", self.cam.name, one_line(err))
        self._reported = now
        try:
            write_status(self.folder / "status.json", self.status)
        except OSError as err:
            log.warning("camera %s: %s", self.cam.name, one_line(err))

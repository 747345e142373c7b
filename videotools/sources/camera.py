"""Cameras through OpenCV's VideoCapture, with a latest-frame grabber for live use."""

from __future__ import annotations

import contextlib
import logging
import math
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import cv2

from ..errors import ParameterError, SourceError
from ..frames import Frame, to_rgb
from .base import SourceBase, StreamInfo

log = logging.getLogger(__name__)

MODES = ("latest", "every")
LOST_AFTER = 2.0
"""Seconds a camera may deliver nothing before it counts as gone (unplugged)."""


@contextlib.contextmanager
def quiet_opencv():
    """Silence OpenCV's own log while probing devices (it prints every backend it tries)."""
    lg = getattr(getattr(cv2, "utils", None), "logging", None)
    if lg is None:  # pragma: no cover - very old OpenCV
        yield
        return
    old = lg.getLogLevel()
    lg.setLogLevel(lg.LOG_LEVEL_SILENT)
    try:
        yield
    finally:
        lg.setLogLevel(old)


def open_capture(device: int | str) -> cv2.VideoCapture:
    """cv2.VideoCapture on the platform's native camera API (V4L2 on Linux), quietly."""
    api = cv2.CAP_V4L2 if sys.platform.startswith("linux") else cv2.CAP_ANY
    with quiet_opencv():
        return cv2.VideoCapture(device, api)


def check_camera_options(*, mode: str = "latest", size: tuple[int, int] | None = None, fps: float | None = None,
                         lost_after: float = LOST_AFTER) -> None:
    """Validate camera options before a device is opened.

    Raises
    ------
    ParameterError
        Naming the parameter and its value: ``mode`` not latest|every, ``size`` not two
        whole numbers in 1..16384, ``fps`` not in (0, 1000], ``lost_after`` not a positive number.
    """
    if mode not in MODES:
        raise ParameterError(f"camera mode must be latest or every, got {mode!r}")
    if size is not None:
        ok = (isinstance(size, (tuple, list)) and len(size) == 2
              and all(isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 16384 for v in size))
        if not ok:
            raise ParameterError(f"camera size must be (width, height) in 1..16384, got {size!r}")
    if fps is not None and (isinstance(fps, bool) or not isinstance(fps, (int, float))
                            or not math.isfinite(fps) or not 0 < fps <= 1000):
        raise ParameterError(f"camera fps must be a number in (0, 1000], got {fps!r}")
    if isinstance(lost_after, bool) or not isinstance(lost_after, (int, float)) or not math.isfinite(lost_after) \
            or lost_after <= 0:
        raise ParameterError(f"lost_after must be a number of seconds > 0, got {lost_after!r}")


class CameraSource(SourceBase):
    """Frames from a camera (index or device path), RGB.

    In ``"latest"`` mode (the default, for live use) a grabber thread reads the
    camera continuously and keeps only the newest frame: a slow consumer gets
    the freshest picture and older frames are dropped and counted in
    ``dropped``, never queued. In ``"every"`` mode each frame the driver
    delivers is returned in order (for recording).

    Parameters
    ----------
    device : int or str
        Camera index (``0``) or device path (``/dev/video0``).
    mode : {"latest", "every"}
    size : (W, H), optional
        Requested capture size; the driver may pick another, see ``.size``.
    fps : float, optional
        Requested capture rate.
    lost_after : float
        Seconds without a frame after which the camera counts as gone.
    capture_factory : callable, optional
        Builds the capture object (default ``cv2.VideoCapture``); tests pass a stub.

    Raises
    ------
    ParameterError
        A bad ``mode``, ``size``, ``fps`` or ``lost_after`` (before the device is touched).
    SourceError
        If the camera cannot be opened or delivers no first frame.
    """

    def __init__(self, device: int | str = 0, *, mode: str = "latest",
                 size: tuple[int, int] | None = None, fps: float | None = None,
                 lost_after: float = LOST_AFTER,
                 capture_factory: Callable[..., Any] | None = None) -> None:
        check_camera_options(mode=mode, size=size, fps=fps, lost_after=lost_after)
        self.device, self.mode, self.lost_after = device, mode, lost_after
        factory = capture_factory or open_capture
        self._cap = factory(device)
        if not self._cap.isOpened():
            self._cap.release()
            raise SourceError(f"cannot open camera {device!r} (missing, busy, or no permission)")
        if size or fps:
            # USB webcams deliver raw YUYV by default, which caps 1080p at a few fps; ask for MJPG
            # (compressed, full rate). A camera without it keeps its format.
            self._cap.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter.fourcc(*"MJPG"))
        if size:
            self._cap.set(cv2.CAP_PROP_FRAME_WIDTH, size[0])
            self._cap.set(cv2.CAP_PROP_FRAME_HEIGHT, size[1])
        if fps:
            self._cap.set(cv2.CAP_PROP_FPS, fps)
        with quiet_opencv():
            ok, first = self._cap.read()
        if not ok or first is None:
            self._cap.release()
            raise SourceError(f"camera {device!r} opened but delivered no frame (busy?)")
        self._first: Frame | None = to_rgb(first, bgr=True)
        h, w = self._first.shape[:2]
        cam_fps = float(self._cap.get(cv2.CAP_PROP_FPS) or 0) or (fps or 30.0)
        self.info = StreamInfo(fps=cam_fps, size=(w, h), kind="camera")
        self.grabbed = 1  # frames delivered by the camera
        self.dropped = 0  # frames replaced by a newer one before they were used
        self.last_timestamp = time.monotonic()  # capture time of the frame last returned
        self._opened_at = self.last_timestamp
        self._cond = threading.Condition()
        self._latest: Frame | None = None
        self._latest_ts = 0.0
        self._seq = 0
        self._ended = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._released = False

    # -- grabber thread (latest mode) -------------------------------------------------
    def _reads(self) -> Iterator[tuple[Frame, float]]:
        """Frames from the device with their capture times, until it stops delivering for ``lost_after`` s."""
        last_ok = time.monotonic()
        while not self._stop.is_set():
            try:
                ok, bgr = self._cap.read()
            except cv2.error:  # some backends raise instead of failing the read when a device vanishes
                ok, bgr = False, None
            now = time.monotonic()
            if not ok or bgr is None:
                if now - last_ok > self.lost_after:
                    return
                time.sleep(0.005)
                continue
            last_ok = now
            yield to_rgb(bgr, bgr=True), now

    def _grab_loop(self) -> None:
        for frame, now in self._reads():
            with self._cond:
                if self._latest is not None:
                    self.dropped += 1
                self._latest, self._latest_ts = frame, now
                self._seq += 1
                self.grabbed += 1
                self._cond.notify_all()
        with self._cond:
            self._ended = True
            self._cond.notify_all()

    def _iter_latest(self) -> Iterator[Frame]:
        self._thread = threading.Thread(target=self._grab_loop, daemon=True, name="videotools-camera")
        self._thread.start()
        while True:
            with self._cond:
                while self._latest is None and not self._ended:
                    self._cond.wait(0.1)
                if self._latest is None:
                    return
                frame, self.last_timestamp = self._latest, self._latest_ts
                self._latest = None
            self.frames_read += 1
            yield frame

    def _iter_every(self) -> Iterator[Frame]:
        for frame, now in self._reads():
            self.grabbed += 1
            self.last_timestamp = now
            self.frames_read += 1
            yield frame

    @property
    def time(self) -> float:  # type: ignore[override]
        """Capture time of the frame last returned, in seconds since the first frame was captured."""
        return self.last_timestamp - self._opened_at

    def __iter__(self) -> Iterator[Frame]:
        first, self._first = self._first, None
        if first is not None:
            self.frames_read += 1
            yield first
        inner = self._iter_latest() if self.mode == "latest" else self._iter_every()
        yield from inner
        if not self._stop.is_set():
            self.warning = f"camera {self.device!r} stopped delivering frames (unplugged?); run ended"
            log.warning(self.warning)

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.lost_after + 1)
        if not self._released:
            self._released = True
            self._cap.release()


def list_cameras(max_index: int = 10, *, capture_factory: Callable[..., Any] | None = None
                 ) -> list[dict]:
    """Try camera indices ``0 .. max_index-1``; return those that open with their size and fps.

    Raises
    ------
    ParameterError
        If ``max_index`` is not a whole number in 1..64.
    """
    if isinstance(max_index, bool) or not isinstance(max_index, int) or not 1 <= max_index <= 64:
        raise ParameterError(f"max_index must be a whole number in 1..64, got {max_index!r}")
    factory = capture_factory or open_capture
    found = []
    for i in range(max_index):
        cap = factory(i)
        try:
            if not cap.isOpened():
                continue
            with quiet_opencv():
                ok, frame = cap.read()
            if not ok or frame is None:
                continue
            found.append({"index": i, "device": f"/dev/video{i}",
                          "size": (frame.shape[1], frame.shape[0]),
                          "fps": float(cap.get(cv2.CAP_PROP_FPS) or 0) or None})
        finally:
            cap.release()
    return found

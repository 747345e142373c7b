"""A display window (OpenCV imshow) with keys."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable

import cv2

from ..errors import DisplayError, StopRequested
from ..frames import Frame, check_frame, label, rgb_to_bgr
from .base import SinkBase

QUIT_KEYS = {ord("q"), 27}  # q, Esc
BUILTIN_KEYS = {"q / Esc": "quit", "space": "pause / resume", "?": "list the keys"}


def display_problem() -> str | None:
    """Why no window can be opened here, or None if one probably can.

    Checked before touching OpenCV's GUI, because Qt aborts the whole process
    when it finds no display.
    """
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return "no display (DISPLAY is not set)"
    gui = [ln for ln in cv2.getBuildInformation().splitlines() if ln.strip().startswith("GUI:")]
    if gui and gui[0].split(":", 1)[1].strip().upper() in ("NONE", "NO", ""):
        return "this OpenCV build has no GUI (opencv-python-headless?)"
    return None


def _quiet_qt_fonts() -> None:
    """opencv-python's Qt looks for fonts inside the wheel and warns on every window; point it at the system's."""
    if os.environ.get("QT_QPA_FONTDIR") or not sys.platform.startswith("linux"):
        return
    for d in ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/truetype", "/usr/share/fonts"):
        if os.path.isdir(d):
            os.environ["QT_QPA_FONTDIR"] = d
            return


class WindowSink(SinkBase):
    """Show frames in a window; ``q``/Esc or closing the window ends the run.

    Parameters
    ----------
    title : str
    keys : dict of str -> (callable, str)
        Extra keys: a one-character key to ``(action, description)``. The
        action gets no argument; its return value (if a string) is flashed on
        the picture.
    max_size : (W, H), optional
        Larger frames are shown scaled down to fit (the recording is not).
    overlay : callable, optional
        Returns lines of text drawn over the picture (the window only, never recordings).

    Raises
    ------
    DisplayError
        If no window can be opened (headless machine, OpenCV without GUI).
    """

    def __init__(self, title: str = "videotools", *,
                 keys: dict[str, tuple[Callable[[], object], str]] | None = None,
                 max_size: tuple[int, int] | None = (1920, 1080),
                 overlay: Callable[[], list[str]] | None = None) -> None:
        self.title = title
        self.overlay = overlay
        self.keys = dict(keys or {})
        self.max_size = max_size
        self.paused = False
        self._flash: tuple[str, float] | None = None
        self._last: Frame | None = None
        self._opened = False
        problem = display_problem()
        if problem:
            raise DisplayError(f"cannot open a window: {problem}; use --out FILE or --serve PORT instead")
        _quiet_qt_fonts()
        try:
            cv2.namedWindow(self.title, cv2.WINDOW_NORMAL | cv2.WINDOW_KEEPRATIO)
        except cv2.error as err:
            raise DisplayError(f"cannot open a window: {str(err).strip().splitlines()[-1]}; "
                               "use --out FILE or --serve PORT instead") from err
        self._opened = True
        self._sized = False

    def help_text(self) -> str:
        lines = [f"{k}: {v}" for k, v in BUILTIN_KEYS.items()]
        lines += [f"{k}: {desc}" for k, (_, desc) in sorted(self.keys.items())]
        return "  ".join(lines)

    def _show(self, frame: Frame) -> None:
        if not self._sized:
            h, w = frame.shape[:2]
            if self.max_size:
                s = min(1.0, self.max_size[0] / w, self.max_size[1] / h)
                cv2.resizeWindow(self.title, max(1, int(w * s)), max(1, int(h * s)))
            self._sized = True
        lines = list(self.overlay()) if self.overlay else []
        if self._flash and time.monotonic() < self._flash[1]:
            lines += self._flash[0].split("  ") if len(self._flash[0]) > 60 else [self._flash[0]]
        if lines:
            frame = label(frame.copy(), "\n".join(lines))
        cv2.imshow(self.title, rgb_to_bgr(frame))

    def _handle(self, key: int) -> None:
        if key < 0:
            return
        key &= 0xFF
        if key in QUIT_KEYS:
            raise StopRequested("quit key")
        if key == ord(" "):
            self.paused = not self.paused
            self.flash("paused" if self.paused else "playing")
            return
        ch = chr(key)
        if ch == "?":
            self.flash(self.help_text(), seconds=6)
            print(self.help_text().replace("  ", "\n"), file=sys.stderr)
            return
        if ch in self.keys:
            result = self.keys[ch][0]()
            if isinstance(result, str):
                self.flash(result)

    def flash(self, text: str, seconds: float = 1.5) -> None:
        """Show ``text`` over the picture for a moment."""
        self._flash = (text, time.monotonic() + seconds)
        if self._last is not None:
            self._show(self._last)

    def _closed_by_user(self) -> bool:
        try:
            return cv2.getWindowProperty(self.title, cv2.WND_PROP_VISIBLE) < 1
        except cv2.error:
            return True

    def write(self, frame: Frame, time: float | None = None) -> None:
        """Show ``frame`` (its time is not needed: the pipeline paces playback) and handle keys."""
        check_frame(frame)
        self._last = frame
        self._show(frame)
        self._handle(cv2.waitKey(1))
        while self.paused:  # keep the window alive, react to keys
            self._handle(cv2.waitKey(30))
            if self._closed_by_user():
                raise StopRequested("window closed")
        if self._closed_by_user():
            raise StopRequested("window closed")

    def hold(self, done: Callable[[], bool]) -> None:
        """Keep the last frame on screen, saying the source ended, until a key, the window closing or ``done()``."""
        if self._last is None:
            return
        self.flash("end of source: press any key to close", seconds=1e9)
        while not done() and not self._closed_by_user():
            if cv2.waitKey(50) >= 0:
                return

    def close(self) -> None:
        if self._opened:
            self._opened = False
            try:
                cv2.destroyWindow(self.title)
                cv2.waitKey(1)
            except cv2.error:
                pass

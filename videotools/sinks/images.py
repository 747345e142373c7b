"""Image files as sinks: one image per frame (a numbered sequence) or the last frame."""

from __future__ import annotations

import os
from pathlib import Path

import cv2

from ..errors import OutputExistsError, SinkError
from ..frames import Frame, check_frame, rgb_to_bgr
from .base import SinkBase, check_output


class ImageSink(SinkBase):
    """Write frames as image files.

    A pattern with a ``%d``-style field (``frames/%05d.png``) writes one file per
    frame, counting from 0 (its folder is created if its parent exists); a
    plain name (``out.png``) keeps the last frame and writes it on close.

    Raises
    ------
    SinkError, OutputExistsError
    """

    def __init__(self, path: str | os.PathLike, *, overwrite: bool = False, start: int = 0) -> None:
        self.pattern = os.fspath(path)
        self.overwrite = overwrite
        self.sequence = "%" in self.pattern
        self.index = start
        self.frames_written = 0
        self._last: Frame | None = None
        if self.sequence:
            try:
                first = Path(self.pattern % start)
            except (TypeError, ValueError) as err:
                raise SinkError(f"bad image pattern {self.pattern!r}: use one field like %05d") from err
            folder = first.parent
            if not folder.exists() and str(folder) and folder.parent.is_dir():
                folder.mkdir()
            check_output(first, overwrite=overwrite)
        else:
            check_output(self.pattern, overwrite=overwrite)
        if Path(self.pattern).suffix.lower() not in (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp"):
            raise SinkError(f"unknown image extension in {self.pattern!r}; use .png, .jpg, .bmp, .tif or .webp")

    def _save(self, path: Path, frame: Frame) -> None:
        ok, buf = cv2.imencode(path.suffix, rgb_to_bgr(frame))
        if not ok:
            raise SinkError(f"cannot encode image {path}")
        buf.tofile(str(path))

    def write(self, frame: Frame) -> None:
        check_frame(frame)
        if self.sequence:
            p = Path(self.pattern % self.index)
            if self.index and p.exists() and not self.overwrite:
                raise OutputExistsError(f"output exists: {p} (use --overwrite to replace it)")
            self._save(p, frame)
            self.index += 1
            self.frames_written += 1
        else:
            self._last = frame.copy()

    def close(self) -> None:
        if self._last is not None:
            self._save(Path(self.pattern), self._last)
            self.frames_written = 1
            self._last = None


def write_image(path: str | os.PathLike, frame: Frame, *, overwrite: bool = False) -> Path:
    """Write one RGB frame to an image file (PNG, JPEG, ...), refusing to overwrite unless asked."""
    with ImageSink(path, overwrite=overwrite) as sink:
        sink.write(frame)
    return Path(path)

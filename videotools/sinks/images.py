"""Image files as sinks: one image per frame (a numbered sequence) or the last frame.

Every file is written atomically (:func:`videotools.files.write_bytes`): it
appears complete under its name, or not at all, and a read-only folder or a
full disk ends in one :class:`~videotools.errors.SinkError` naming the file
and the cause.
"""

from __future__ import annotations

import os
from pathlib import Path

import cv2

from ..errors import SinkError
from ..files import write_bytes
from ..frames import Frame, check_frame, rgb_to_bgr
from ..outputs import IMAGE_EXTENSIONS, check_outputs, make_folders
from .base import SinkBase


def encode_image(path: str | os.PathLike, frame: Frame) -> bytes:
    """The bytes of an RGB frame as the image format ``path``'s extension names.

    Raises
    ------
    SinkError
        If the extension is not an image format or OpenCV cannot encode the frame.
    """
    ext = Path(path).suffix.lower()
    if ext not in IMAGE_EXTENSIONS:
        raise SinkError(f"unknown image extension in {os.fspath(path)!r}; use .png, .jpg, .bmp, .tif or .webp")
    try:
        ok, buf = cv2.imencode(ext, rgb_to_bgr(frame))
    except cv2.error as err:
        raise SinkError(f"cannot encode image {path}: {str(err).strip().splitlines()[-1]}") from None
    if not ok:
        raise SinkError(f"cannot encode image {path}")
    return buf.tobytes()


class ImageSink(SinkBase):
    """Write frames as image files.

    A pattern with a ``%d``-style field (``frames/%05d.png``) writes one file per
    frame, counting from ``start``; its missing folders (``nd/x`` of
    ``nd/x/%05d.png``) are created with the first frame. A plain name
    (``out.png``) keeps the last frame and writes it on close. Each file is
    written atomically.

    Raises
    ------
    SinkError, OutputExistsError, ParameterError
        Checked when the sink is made, before any frame: a bad pattern or
        extension, a missing or read-only folder, an existing file.
    """

    def __init__(self, path: str | os.PathLike, *, overwrite: bool = False, start: int = 0) -> None:
        self.pattern = os.fspath(path)
        self.overwrite = overwrite
        self.index = start
        self.frames_written = 0
        self._last: Frame | None = None
        (out,) = check_outputs([], also=[self.pattern], overwrite=overwrite)
        if Path(self.pattern).suffix.lower() not in IMAGE_EXTENSIONS:
            raise SinkError(f"unknown image extension in {self.pattern!r}; use .png, .jpg, .bmp, .tif or .webp")
        self.sequence = out.kind == "sequence"
        self._folders = out.folders

    def _save(self, path: Path, frame: Frame) -> None:
        write_bytes(path, encode_image(path, frame), overwrite=self.overwrite)

    def write(self, frame: Frame, time: float | None = None) -> None:
        check_frame(frame)
        if self.sequence:
            if self._folders:
                make_folders(self._folders)
                self._folders = ()
            self._save(Path(self.pattern % self.index), frame)
            self.index += 1
            self.frames_written += 1
        else:
            self._last = frame.copy()

    def close(self) -> None:
        if self._last is not None:
            last, self._last = self._last, None
            self._save(Path(self.pattern), last)
            self.frames_written = 1


def write_image(path: str | os.PathLike, frame: Frame, *, overwrite: bool = False) -> Path:
    """Write one RGB frame to an image file (PNG, JPEG, ...) atomically, refusing to overwrite unless asked.

    Raises what :func:`videotools.files.write_bytes` raises, and :class:`SinkError` for an extension
    OpenCV cannot encode.
    """
    check_frame(frame)
    p = Path(path)
    check_outputs([], also=[p], overwrite=overwrite)
    write_bytes(p, encode_image(p, frame), overwrite=overwrite)
    return p

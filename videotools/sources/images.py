"""Still images as sources: one image, a folder, or a glob, in natural order."""

from __future__ import annotations

import glob
import logging
import os
import re
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

from ..errors import SourceError
from ..frames import Frame, to_rgb
from .base import SourceBase, StreamInfo

log = logging.getLogger(__name__)

IMAGE_EXTENSIONS = frozenset(
    ".png .jpg .jpeg .bmp .tif .tiff .webp .jp2 .pbm .pgm .ppm .pnm .exr .hdr .avif".split())


def is_image_path(path: str | os.PathLike) -> bool:
    """True if the name ends in an image extension OpenCV reads."""
    return Path(path).suffix.lower() in IMAGE_EXTENSIONS


def read_image(path: str | os.PathLike) -> Frame:
    """Read one image as ``(H, W, 3) uint8`` RGB (grey, alpha and 16-bit converted).

    Raises
    ------
    SourceError
        If the file is missing or is not an image OpenCV can decode.
    """
    return read_image_rgba(path)[0]


def read_image_rgba(path: str | os.PathLike) -> tuple[Frame, np.ndarray | None]:
    """Read an image as RGB and its alpha mask (``(H, W) bool``, True = not fully transparent), if it has one.

    A truncated or damaged file is read as far as it decodes (see
    :func:`decode_damaged`), with a one-line warning.

    Raises
    ------
    SourceError
        If the file is missing or nothing of it decodes.
    """
    p = Path(path)
    if not p.exists():
        raise SourceError(f"no such file: {path}")
    # imdecode on bytes also copes with non-ASCII paths, which imread does not on every platform
    data = np.fromfile(str(p), np.uint8)
    # JPEGs (never with alpha) are decoded upright, as their EXIF orientation says: phone photos
    # are stored sideways. IMREAD_UNCHANGED, needed to keep other formats' alpha, ignores it.
    jpeg = data[:2].tobytes() == b"\xff\xd8"
    flags = cv2.IMREAD_ANYCOLOR | cv2.IMREAD_ANYDEPTH if jpeg else cv2.IMREAD_UNCHANGED
    img = cv2.imdecode(data, flags) if data.size else None
    if img is None and data.size:
        img = decode_damaged(data.tobytes())
        if img is not None:
            log.warning("%s is truncated or damaged: read as far as it decodes", path)
    if img is None:
        raise SourceError(f"not a readable image: {path}")
    alpha = None
    if img.ndim == 3 and img.shape[2] == 4:
        alpha = img[:, :, 3] > 0
        img = img[:, :, :3]
    return to_rgb(img, bgr=img.ndim == 3 and img.shape[2] >= 3), alpha


def decode_damaged(data: bytes) -> np.ndarray | None:
    """Decode a truncated or damaged image as far as it goes, as OpenCV would return it (BGR[A], grey).

    OpenCV refuses a truncated JPEG or PNG outright; Pillow (a dependency for
    this alone) decodes up to the damage and leaves the rest grey or black. A
    JPEG is turned upright as its EXIF orientation says. Returns None when
    nothing decodes.
    """
    import io

    from PIL import Image, ImageFile, ImageOps
    old = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = True
    try:
        with Image.open(io.BytesIO(data)) as im:
            im.load()
            if im.format == "JPEG":
                im = ImageOps.exif_transpose(im)
            if im.mode in ("I;16", "I;16B", "I;16L", "I"):
                return np.asarray(im).astype(np.uint16)
            if im.mode == "L":
                return np.asarray(im)
            rgba = im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info)
            arr = np.asarray(im.convert("RGBA" if rgba else "RGB"))
    except Exception:  # noqa: BLE001 - whatever Pillow raises, the file does not decode
        return None
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = old
    return cv2.cvtColor(arr, cv2.COLOR_RGBA2BGRA if arr.shape[2] == 4 else cv2.COLOR_RGB2BGR)


def natural_key(path: str) -> list:
    """Sort key that puts img2 before img10."""
    return [int(t) if t.isdigit() else t.lower() for t in re.split(r"(\d+)", path)]


def is_glob(spec: str | os.PathLike) -> bool:
    """True for a pattern (``shots/*.png``): glob characters, and no file or folder of that very name
    (``photo [1].jpg``, ``Holiday [2023]/`` are names, as they are written)."""
    s = str(spec)
    return any(ch in s for ch in "*?[") and not os.path.exists(s)


def list_images(spec: str | os.PathLike) -> list[str]:
    """Image paths named by a file, a folder (not recursive) or a glob, in natural order."""
    s = str(spec)
    if is_glob(s):
        paths = [p for p in glob.glob(s, recursive=True) if is_image_path(p) and os.path.isfile(p)]
    elif os.path.isdir(s):
        paths = [str(p) for p in Path(s).iterdir() if p.is_file() and is_image_path(p)]
    else:
        paths = [s]
    return sorted(paths, key=natural_key)


class ImageSource(SourceBase):
    """A sequence of still images as frames (one image is a one-frame source).

    Images keep their own size; sinks that need one size (video files)
    letterbox later frames into the first one's size. Unreadable files are
    skipped with a warning and counted in ``skipped``.

    Raises
    ------
    SourceError
        If the spec names no image, or the first image cannot be read.
    """

    def __init__(self, spec: str | os.PathLike, *, fps: float = 25.0) -> None:
        self.spec = str(spec)
        self.paths = list_images(spec)
        if not self.paths:
            raise SourceError(f"no images found in {self.spec}")
        if fps <= 0:
            raise SourceError(f"fps must be > 0, got {fps}")
        self.skipped: list[str] = []
        first = None
        while self.paths and first is None:
            try:
                first = read_image(self.paths[0])
            except SourceError:
                if len(self.paths) == 1:
                    raise
                self.skipped.append(self.paths.pop(0))
        assert first is not None  # the loop either read one or raised on the last path
        self._first: Frame | None = first
        h, w = first.shape[:2]
        n = len(self.paths)
        self.info = StreamInfo(fps=fps, size=(w, h), frame_count=n, duration=n / fps,
                               codec=Path(self.paths[0]).suffix.lstrip(".").lower(),
                               kind="image" if n == 1 else "images")
        self.current_path: str | None = None

    def __iter__(self) -> Iterator[Frame]:
        for i, p in enumerate(self.paths):
            if i == 0 and self._first is not None:
                frame, self._first = self._first, None
            else:
                try:
                    frame = read_image(p)
                except SourceError as err:
                    log.warning("skipped %s", err)
                    self.skipped.append(p)
                    continue
            self.current_path = p
            self.time = self.frames_read / self.info.fps
            self.frames_read += 1
            yield frame
        if self.skipped:
            self.warning = f"skipped {len(self.skipped)} unreadable image(s): {', '.join(self.skipped[:3])}"

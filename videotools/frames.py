"""The frame type and the few conversions every module shares.

A frame is an ``(H, W, 3) uint8`` numpy array in RGB order. BGR exists only on
the lines that call OpenCV; helpers here do the conversion at that edge.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import cv2
import numpy as np

from .errors import FrameError

Frame = np.ndarray
"""``(H, W, 3) uint8`` RGB array."""


def check_frame(frame: object) -> Frame:
    """Return ``frame`` if it is an ``(H, W, 3) uint8`` array, else raise :class:`FrameError`."""
    if not isinstance(frame, np.ndarray):
        raise FrameError(f"expected a numpy array, got {type(frame).__name__}")
    if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
        raise FrameError(f"expected (H, W, 3) uint8, got {frame.shape} {frame.dtype}")
    if frame.shape[0] == 0 or frame.shape[1] == 0:
        raise FrameError(f"expected a non-empty frame, got shape {frame.shape}")
    return frame


def to_rgb(image: np.ndarray, *, bgr: bool = False) -> Frame:
    """Convert grey, grey+alpha, RGB(A) or BGR(A) of any integer/float depth to ``(H, W, 3) uint8`` RGB.

    Parameters
    ----------
    image : (H, W[, C]) ndarray
        C in {1, 2, 3, 4}. 16-bit images are scaled down to 8 bits; floats are
        taken as 0..1. Alpha is dropped (composited on black).
    bgr : bool
        True if a 3/4-channel input is in OpenCV's BGR(A) order.

    Raises
    ------
    FrameError
        If the shape cannot be read as an image.
    """
    a = np.asarray(image)
    if a.ndim == 2:
        a = a[:, :, None]
    if a.ndim != 3 or a.shape[2] not in (1, 2, 3, 4) or a.size == 0:
        raise FrameError(f"cannot read an image of shape {a.shape}")
    a = to_uint8(a)
    c = a.shape[2]
    if c in (2, 4):
        alpha = a[:, :, -1:].astype(np.uint16)
        colour = (a[:, :, :-1].astype(np.uint16) * alpha + 127) // 255
        a = colour.astype(np.uint8)
        c -= 1
    if c == 1:
        return np.ascontiguousarray(np.repeat(a, 3, axis=2))
    if bgr:
        return cv2.cvtColor(a, cv2.COLOR_BGR2RGB)
    return np.ascontiguousarray(a)


def to_uint8(a: np.ndarray) -> np.ndarray:
    """Scale any integer or float array to uint8 (16-bit >> 8, floats in 0..1)."""
    if a.dtype == np.uint8:
        return a
    if a.dtype == np.uint16:
        return (a >> 8).astype(np.uint8)
    if np.issubdtype(a.dtype, np.floating):
        return np.clip(np.rint(a * 255.0), 0, 255).astype(np.uint8)
    if a.dtype == bool:
        return a.astype(np.uint8) * 255
    return np.clip(a, 0, 255).astype(np.uint8)


def rgb_to_bgr(frame: Frame) -> np.ndarray:
    """RGB -> BGR for OpenCV calls (a new contiguous array)."""
    return cv2.cvtColor(frame, cv2.COLOR_RGB2BGR)


def even_size(width: int, height: int) -> tuple[int, int]:
    """Smallest even ``(W, H)`` at least as large: what yuv420p H.264 needs."""
    return width + (width & 1), height + (height & 1)


def _letterbox(src: tuple[int, int], dst: tuple[int, int], step: int = 1) -> tuple[int, int, int, int, int]:
    """Where ``src`` (W, H) goes scaled into ``dst`` keeping its aspect, centred: ``(x, y, w, h, interpolation)``,
    every number a multiple of ``step`` (2 for I420, whose chroma covers 2x2 blocks)."""
    s = min(dst[0] / src[0], dst[1] / src[1])
    w, h = (min(d, max(step, round(n * s / step) * step)) for n, d in zip(src, dst))
    x, y = (dst[0] - w) // (2 * step) * step, (dst[1] - h) // (2 * step) * step
    return x, y, w, h, cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR


def fit_into(frame: Frame, size: tuple[int, int]) -> Frame:
    """Scale ``frame`` to fit ``size`` (W, H) keeping its aspect, centred on black (letterbox)."""
    fh, fw = frame.shape[:2]
    if (fw, fh) == size:
        return frame
    x, y, nw, nh, interp = _letterbox((fw, fh), size)
    out = np.zeros((size[1], size[0], 3), np.uint8)
    out[y : y + nh, x : x + nw] = cv2.resize(frame, (nw, nh), interpolation=interp)
    return out


def label(frame: Frame, text: str) -> Frame:
    """Draw ``text`` (lines split on newlines) in the top-left corner on a dark box; in place, returns ``frame``."""
    h = frame.shape[0]
    scale = max(0.4, h / 720)
    thick = max(1, round(scale * 1.5))
    pad = max(3, round(4 * scale))
    lines = text.splitlines() or [""]
    sizes = [cv2.getTextSize(ln, cv2.FONT_HERSHEY_SIMPLEX, scale, thick) for ln in lines]
    line_h = max(th + base for (_, th), base in sizes) + pad
    width = max(tw for (tw, _), _ in sizes)
    cv2.rectangle(frame, (0, 0), (width + 2 * pad, line_h * len(lines) + pad), (0, 0, 0), -1)
    for i, ln in enumerate(lines):
        y = pad + i * line_h + sizes[i][0][1]
        cv2.putText(frame, ln, (pad, y), cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), thick, cv2.LINE_AA)
    return frame


def tile(frames: list[Frame], size: tuple[int, int], names: list[str] | None = None) -> Frame:
    """Lay ``frames`` out on a grid that fills ``size`` (W, H), each scaled to its cell and labelled."""
    n = len(frames)
    cols = int(np.ceil(np.sqrt(n)))
    rows = int(np.ceil(n / cols))
    w, h = size
    cw, ch = w // cols, h // rows
    out = np.zeros((h, w, 3), np.uint8)
    for i, f in enumerate(frames):
        r, c = divmod(i, cols)
        cell = fit_into(f, (cw, ch)).copy()
        if names:
            label(cell, names[i])
        out[r * ch : (r + 1) * ch, c * cw : (c + 1) * cw] = cell
    return out


# -- YUV 4:2:0 <-> RGB, at the edge of the decoder and the encoder ------------------------
# Y'CbCr -> R'G'B' for limited ("tv") range: Kr, Kb of each matrix.
_MATRICES = {"bt601": (0.299, 0.114), "bt709": (0.2126, 0.0722), "bt2020": (0.2627, 0.0593)}


def _yuv_to_rgb_matrix(matrix: str, full_range: bool) -> np.ndarray:
    kr, kb = _MATRICES[matrix]
    kg = 1 - kr - kb
    ys, cs, y0 = (1.0, 1.0, 0.0) if full_range else (255 / 219, 255 / 224, 16.0)
    # R = ys(Y-y0) + 2(1-kr) cs (V-128); B = ys(Y-y0) + 2(1-kb) cs (U-128); G from luma
    rv, bu = 2 * (1 - kr) * cs, 2 * (1 - kb) * cs
    gu, gv = -kb * bu / kg, -kr * rv / kg
    m = np.array([[ys, 0.0, rv], [ys, gu, gv], [ys, bu, 0.0]])
    offset = -(m @ np.array([y0, 128.0, 128.0]))
    return np.hstack([m, offset[:, None]]).astype(np.float32)


def rgb_to_yuv(colors: np.ndarray, *, matrix: str = "bt601", full_range: bool = False) -> np.ndarray:
    """``(N, 3) uint8`` RGB colours -> ``(N, 3) uint8`` (Y, U, V) in ``matrix`` and range.

    BT.601 limited range is OpenCV's own RGB -> I420 conversion (what a video
    sink does to RGB frames), so a colour comes out the same either way.

    Examples
    --------
    >>> rgb_to_yuv(np.array([[0, 0, 0], [255, 255, 255]], np.uint8)).tolist()
    [[16, 128, 128], [235, 128, 128]]
    """
    c = np.asarray(colors, np.uint8).reshape(-1, 3)
    if matrix == "bt601" and not full_range:
        blocks = np.repeat(np.repeat(c[:, None, None, :], 2, 1), 2, 2)  # a 2x2 block per colour
        planes = cv2.cvtColor(np.ascontiguousarray(blocks.reshape(-1, 2, 3)), cv2.COLOR_RGB2YUV_I420)
        n = len(c)
        chroma = planes[2 * n:].reshape(-1)
        return np.stack([planes[:2 * n].reshape(n, 2, 2)[:, 0, 0], chroma[:n], chroma[n:]], 1)
    if matrix not in _MATRICES:
        raise FrameError(f"unknown YUV matrix {matrix!r}; use one of {', '.join(_MATRICES)}")
    m = _yuv_to_rgb_matrix(matrix, full_range).astype(np.float64)
    yuv = (c - m[:, 3]) @ np.linalg.inv(m[:, :3]).T
    return np.clip(np.rint(yuv), 0, 255).astype(np.uint8)


class I420ToRGB:
    """Convert planar YUV 4:2:0 frames (I420, even size) of one stream to ``(H, W, 3) uint8`` RGB.

    BT.601 limited range goes through OpenCV's own conversion; other matrices or
    full range through a 3x4 ``cv2.transform`` after replicating each chroma
    sample over its 2x2 block, which is what ffmpeg's own conversion does
    (measured: within 2 grey levels of its rgb24 output everywhere). Both
    chroma planes are upsampled in one resize into a full-size YUV buffer kept
    between frames: 1.5 ms per 1080p frame instead of 3.6 ms with fresh
    temporaries. Each call returns a new array. Not for use from two threads at once.
    """

    def __init__(self, width: int, height: int, *, matrix: str = "bt601", full_range: bool = False) -> None:
        if width % 2 or height % 2:
            raise FrameError(f"I420 needs an even size, got {width}x{height}")
        if matrix not in _MATRICES:
            raise FrameError(f"unknown YUV matrix {matrix!r}; use one of {', '.join(_MATRICES)}")
        self.width, self.height, self.matrix, self.full_range = width, height, matrix, full_range
        self._fast = matrix == "bt601" and not full_range
        self._m = _yuv_to_rgb_matrix(matrix, full_range)
        self._zero = np.zeros((height // 2, width // 2), np.uint8)
        self._yuv: np.ndarray | None = None

    def __call__(self, buf: np.ndarray) -> Frame:
        w, h = self.width, self.height
        planes = np.asarray(buf, np.uint8).reshape(h * 3 // 2, w)
        if self._fast:
            return cv2.cvtColor(planes, cv2.COLOR_YUV2RGB_I420)
        if self._yuv is None:
            self._yuv = np.empty((h, w, 3), np.uint8)
        quarter = (h // 2) * (w // 2)
        chroma = planes.reshape(-1)[w * h:]
        u = chroma[:quarter].reshape(h // 2, w // 2)
        v = chroma[quarter:].reshape(h // 2, w // 2)
        # (0, U, V) upsampled in one resize, then Y written into channel 0 in place
        cv2.resize(cv2.merge([self._zero, u, v]), (w, h), dst=self._yuv, interpolation=cv2.INTER_NEAREST)
        cv2.mixChannels([planes[:h]], [self._yuv], [0, 0])
        return cv2.transform(self._yuv, self._m)


def letterbox_i420(frame: YuvFrame, size: tuple[int, int]) -> YuvFrame:
    """:func:`fit_into` for I420: ``frame`` scaled to fit ``size`` (even W, H), keeping its aspect, centred on black.

    For a stream whose frames change size mid-way (adaptive streams, spliced
    files) while it is written as I420: each plane is scaled on its own, so no
    colour conversion is needed whatever the matrix.
    """
    if frame.size == size:
        return frame
    x, y, nw, nh, interp = _letterbox(frame.size, size, step=2)
    out = YuvFrame(np.full((size[1] * 3 // 2, size[0]), 128, np.uint8), frame.matrix, frame.full_range)
    oy, ou, ov = out.split()
    oy[:] = 0 if frame.full_range else 16
    for src, dst, k in zip(frame.split(), (oy, ou, ov), (1, 2, 2)):
        dst[y // k:(y + nh) // k, x // k:(x + nw) // k] = cv2.resize(src, (nw // k, nh // k), interpolation=interp)
    return out


def i420_to_rgb(buf: np.ndarray, width: int, height: int, *, matrix: str = "bt601",
                full_range: bool = False) -> Frame:
    """Convert one planar YUV 4:2:0 frame (even size) to ``(H, W, 3) uint8`` RGB; see :class:`I420ToRGB`."""
    return I420ToRGB(width, height, matrix=matrix, full_range=full_range)(buf)


class YuvFrame:
    """A decoded 8-bit 4:2:0 frame left as planar I420: Y, then U, then V, as ``(H * 3 // 2, W)`` uint8.

    Sources hand these out (``FileSource.iter_yuv``) only to a pipeline whose
    processors all work on planes and that writes only video files (a copy,
    ``flip``, ``posterize``): the pixels then reach the encoder without a round
    trip through RGB, which is faster and loses nothing. Everything else sees
    RGB frames.

    A frame straight from a decoder keeps the decoder's own frame in
    ``decoded`` and reads its planes only when asked (:meth:`from_decoder`):
    a plain copy hands ``decoded`` to the encoder untouched, with no copy in
    or out of numpy (0.85 ms a 480p frame, 20 % of ffmpeg's own time there).
    """

    __slots__ = ("_planes", "_load", "_size", "decoded", "matrix", "full_range")

    def __init__(self, planes: np.ndarray, matrix: str = "bt601", full_range: bool = False) -> None:
        self._planes: np.ndarray | None = planes
        self._load: Callable[[Any], np.ndarray] | None = None
        self._size = (planes.shape[1], planes.shape[0] * 2 // 3)
        self.decoded: Any = None
        self.matrix, self.full_range = matrix, full_range

    @classmethod
    def from_decoder(cls, decoded: Any, load: Callable[[Any], np.ndarray], size: tuple[int, int],
                     matrix: str = "bt601", full_range: bool = False) -> YuvFrame:
        """A frame of ``size`` whose planes ``load(decoded)`` reads on first use."""
        frame = cls.__new__(cls)
        frame._planes, frame._load, frame._size, frame.decoded = None, load, size, decoded
        frame.matrix, frame.full_range = matrix, full_range
        return frame

    @property
    def planes(self) -> np.ndarray:
        """The ``(H * 3 // 2, W)`` uint8 planes."""
        if self._planes is None:
            assert self._load is not None  # from_decoder always sets it
            self._planes = self._load(self.decoded)
        return self._planes

    @property
    def size(self) -> tuple[int, int]:
        """``(W, H)``."""
        return self._size

    @property
    def pristine(self) -> Any:
        """The decoder's frame if nobody has read the planes (so nothing can have changed them), else None."""
        return self.decoded if self._planes is None else None

    def split(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Views of the Y ``(H, W)``, U and V ``(H/2, W/2)`` planes (writing to them writes the frame)."""
        w, h = self.size
        chroma = self.planes[h:].reshape(2, h // 2, w // 2)
        return self.planes[:h], chroma[0], chroma[1]

    def like(self, planes: np.ndarray) -> YuvFrame:
        """New planes of the same size in this frame's colour matrix and range (a planar processor's output)."""
        return YuvFrame(planes, self.matrix, self.full_range)

    def to_rgb(self) -> Frame:
        w, h = self.size
        return i420_to_rgb(self.planes, w, h, matrix=self.matrix, full_range=self.full_range)

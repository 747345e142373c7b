"""Posterize: one palette fitted once (or on a policy), applied to every frame by exact lookup."""

from __future__ import annotations

import functools
import logging
import numbers
import re
import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from ..errors import ParameterError
from ..kmeans.choices import DEFAULT_SAMPLE, MAX_K, check_space

if TYPE_CHECKING:
    from ..frames import Frame, YuvFrame
    from ..kmeans import Palette

log = logging.getLogger(__name__)

REFIT_HELP = "never | every:N | scene"
FIT_FRAMES = 5
"""Frames the first fit of a palette samples, everywhere (API, command line, chain step, batch):
spread over a video file (the keyframe before each of 5 times), or the first ones of a live source.
One frame can miss colours that enter later; five spread over a clip catch most of a scene, and
keyframes (every 1-2 s in camera footage, and at each scene cut) cost one decoded frame each."""


def _whole(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)  # numpy's integers are Integral


def parse_refit(policy: str) -> tuple[str, int]:
    """``"never"`` -> ("never", 0); ``"every:30"`` -> ("every", 30); ``"scene"`` -> ("scene", 0)."""
    p = str(policy).strip().lower()
    if p in ("never", "scene"):
        return p, 0
    m = re.fullmatch(r"every:(\d+)", p)
    if m and int(m.group(1)) > 0:
        return "every", int(m.group(1))
    raise ParameterError(f"refit must be {REFIT_HELP} (N > 0), got {policy!r}", param="refit")


class SceneCutDetector:
    """Flags a scene cut when a small grey thumbnail changes by more than ``threshold`` levels on average."""

    def __init__(self, threshold: float = 30.0) -> None:
        self.threshold = threshold
        self._prev: Any = None  # the last thumbnail, (36, 64) int16

    def __call__(self, frame: Frame) -> bool:
        import cv2
        import numpy as np

        thumb = cv2.resize(cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY), (64, 36),
                           interpolation=cv2.INTER_AREA).astype(np.int16)
        prev, self._prev = self._prev, thumb
        return prev is not None and float(np.abs(thumb - prev).mean()) > self.threshold

    def reset(self) -> None:
        self._prev = None


class Posterize:
    """A processor that maps every frame onto one k-colour palette.

    The palette is fitted on the first frame (or on frames given to
    :meth:`fit`, or taken from ``palette``), then kept: every frame goes
    through the same exact nearest-colour lookup, so static parts of the
    picture never flicker. Refits (by policy or on request) keep label order.

    Parameters
    ----------
    k : int
        Colours, 1..256.
    space : {"rgb", "lab"}
    seed : int
    refit : str
        ``never`` (default), ``every:N`` frames, or ``scene`` (on a scene cut).
    fit_frames : int
        Frames the first fit samples (default :data:`FIT_FRAMES`). Frames
        given to :meth:`fit` beforehand (:func:`videotools.posterize` samples
        them spread over a file) make the palette; else the first frame is used
        at once and, with N > 1, the palette is refitted once, after N frames,
        on all of them (a live source).
    palette : Palette, optional
        Start from this palette (``--palette-from``); no fit happens unless
        the refit policy or a key asks.

    sample : int
        Pixels drawn per fit.

    If a fit finds fewer distinct colours than ``k`` (a black first frame from a
    camera warming up), it is retried every 10 frames, during the first 100.
    """

    def __init__(self, k: int = 8, *, space: str = "rgb", seed: int = 0, refit: str = "never",
                 fit_frames: int = FIT_FRAMES, palette: Palette | None = None,
                 sample: int = DEFAULT_SAMPLE) -> None:
        if not _whole(k) or not 1 <= k <= MAX_K:
            raise ParameterError(f"k must be an integer in 1..{MAX_K}, got {k!r}", param="k")
        for name, value, lo in (("seed", seed, 0), ("fit_frames", fit_frames, 1), ("sample", sample, 1)):
            if not _whole(value) or value < lo:
                raise ParameterError(f"{name} must be an integer >= {lo}, got {value!r}", param=name)
        self.k, self.space, self.seed, self.sample = int(k), check_space(space), int(seed), int(sample)
        self.refit_mode, self.refit_every = parse_refit(refit)
        self.refit_policy = refit
        self.fit_frames = fit_frames
        self.palette: Palette | None = palette
        self.fixed = palette is not None
        self.frames = 0
        self.refits = 0
        self._pending: list[Frame] = []
        self._refit_now = False
        self._scene = SceneCutDetector()
        self.on_refit: Callable[[Palette], None] | None = None

    def fit(self, frames: Sequence[Frame] | Frame) -> Palette:
        """Fit (or refit, keeping label order) the palette on ``frames`` now."""
        from ..kmeans import Palette

        # numba's loops (if any) start loading at the first frame posterized, which does not wait for them:
        # loading them now would only slow the fit and the tables, which need none of them
        with warnings.catch_warnings():
            if self.palette is not None:  # a k reduction was already reported at the first fit
                warnings.simplefilter("ignore")
            new = Palette.fit(frames, self.k, seed=self.seed, sample=self.sample, space=self.space,
                              previous=self.palette)
        if self.palette is not None:
            self.palette.close()
            self.refits += 1
        self.palette = new.build_lookup(wait=False)  # on a thread: frames meanwhile are labelled directly
        if self.on_refit is not None:
            self.on_refit(new)
        return new

    def request_refit(self) -> str:
        """Refit on the next frame (the ``r`` key)."""
        self._refit_now = True
        return "refitting palette"

    def set_k(self, k: int) -> str:
        """Change k and refit on the next frame (the ``+``/``-`` keys)."""
        self.k = int(min(256, max(1, k)))
        self.fixed = False
        self._refit_now = True
        return f"k = {self.k}"

    def status(self) -> str:
        """One line for the window's overlay."""
        return f"posterize k={self.k}  refit {self.refit_policy}"

    @property
    def keys(self) -> dict[str, tuple[Callable[[], object], str]]:
        """Window keys this processor answers."""
        return {"r": (self.request_refit, "refit the palette now"),
                "+": (lambda: self.set_k(self.k + 1), "one more colour"),
                "=": (lambda: self.set_k(self.k + 1), "one more colour"),
                "-": (lambda: self.set_k(self.k - 1), "one colour fewer")}

    def __call__(self, frame: Frame) -> Frame:
        return self._update(lambda: frame).apply(frame)

    def accepts_yuv(self, matrix: str, full_range: bool) -> bool:
        """Planar for an RGB-space palette whose refits need no per-frame look at RGB (not ``scene``)."""
        return self.space == "rgb" and self.refit_mode != "scene"

    def process_yuv(self, frame: YuvFrame) -> YuvFrame:
        """``__call__`` on an I420 frame: the same palette and labels; a frame becomes RGB only to be fitted on."""
        return self._update(functools.cache(frame.to_rgb)).apply_yuv(frame)

    def _update(self, rgb: Callable[[], Frame]) -> Palette:
        """Count the frame, fit or refit as the policy says (on ``rgb()``, called only then); the palette."""
        self.frames += 1
        cut = self._scene(rgb()) if self.refit_mode == "scene" else False
        if self.palette is None:
            self.fit(rgb())
            if self.fit_frames > 1:
                self._pending = [rgb()]
        elif self._pending:
            if (self.frames - 1) % max(1, self.fit_frames // 8) == 0:  # at most ~8 frames kept
                self._pending.append(rgb())
            if self.frames >= self.fit_frames:
                frames, self._pending = self._pending, []
                self.fit(frames)
        elif self.palette.k < self.k and not self.fixed and self.frames % 10 == 0 and self.frames <= 100:
            self.fit(rgb())  # the first frames had too few colours (a camera warming up): try again
        elif self._refit_now and self.palette.k != self.k:
            self.palette = None  # a new k: fit afresh (label order cannot carry over)
            self.fit(rgb())
        elif self._refit_now or cut or (self.refit_mode == "every" and (self.frames - 1) % self.refit_every == 0):
            self.fit(rgb())
        self._refit_now = False
        assert self.palette is not None  # every branch above leaves a palette
        return self.palette

    def reset(self) -> None:
        """Forget the fitted palette (a given ``palette`` is kept)."""
        if not self.fixed:
            self.palette = None
        self.frames = 0
        self._pending = []
        self._scene.reset()

    def close(self) -> None:
        if self.palette is not None:
            self.palette.close()

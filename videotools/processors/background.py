"""Background models: running averages at several learning rates, a clean plate, foreground masks.

The running averages (``cv2.accumulateWeighted``) are the classic way to pull
the empty road out of traffic footage; the plate (:class:`PlateModel`) is
built to stay clean where they smear: cars queued at lights, people standing.
Masks compare a frame with either; what is done with a mask (boxes, a picture, shadows left out)
lives in masks.py, the plate itself in plate.py.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np

from ..errors import NotFittedError, ParameterError
from ..frames import Frame, check_frame, fit_into, tile
from ..settings import check_alphas
from .masks import mask_image, shadow_mask
from .plate import PlateModel

log = logging.getLogger(__name__)

VIEWS = ("background", "side-by-side", "mask", "foreground")
MODELS = ("plate", "average")


@dataclass
class BackgroundState:
    """What the running averages have learnt, as plain arrays: to save, restore, or combine chunks.

    Attributes
    ----------
    t : int
        Frames seen.
    accumulators : list of (H, W, 3) float32 ndarray
        One exact (unrounded) running average per alpha, RGB, in the order of ``alphas``.
    ages : list of (H, W) uint16 ndarray
        Per alpha, frames each pixel has been foreground in a row (selective update only, else empty).
    """

    t: int
    accumulators: list[np.ndarray]
    ages: list[np.ndarray] = field(default_factory=list)


class BackgroundModel:
    """Exponential running averages of the frames (``cv2.accumulateWeighted``), one per alpha, and a plate.

    A fast rate (0.1) follows lighting and parked cars within a second; a slow
    rate (0.01) averages traffic away into the empty road.

    Parameters
    ----------
    alphas : sequence of float
        Learning rates in (0, 1], fastest first by convention; the *last* is the
        reference for :meth:`foreground`.
    warmup : bool
        Seed from the first frame and use the cumulative mean while
        ``t < 1/alpha`` (``alpha_t = max(alpha, 1/t)``), so a slow model is
        usable after seconds instead of keeping the first frame burnt in.
        False gives the textbook update (seed, then constant alpha).
    selective : bool
        After warm-up, a model learns only where the frame matches it (within
        ``threshold``), so queues and stopped cars do not smear into the
        background. Two guards keep it from freezing: a pixel that has differed
        for longer than ``2/alpha`` frames in a row is a real change (a ghost of
        a car that was there at the start, a parked car) and is learnt; and if
        less than half the picture matches (a lighting jump, a camera move),
        the whole frame is learnt.
    threshold : float
        Grey levels of difference (max over channels) that count as foreground.
    plate : bool
        Also keep a :class:`PlateModel`: a clean plate that queued cars and
        standing people do not smear (:attr:`plate`); masks are then measured
        against it. At 1080p: a few ms a frame, at most 77 MB
        (:meth:`PlateModel.memory_bytes`).
    plate_every : int, optional
        The plate samples one frame in ``plate_every`` (default: the plate's own default).

    Examples
    --------
    >>> from videotools import open_source
    >>> model = BackgroundModel((0.1, 0.01))
    >>> with open_source("synthetic:traffic?size=160x90&seconds=2") as src:
    ...     for frame in src:
    ...         model.update(frame)
    >>> [b.shape for b in model.backgrounds]
    [(90, 160, 3), (90, 160, 3)]
    """

    def __init__(self, alphas: Sequence[float] = (0.1, 0.01), *, warmup: bool = True,
                 selective: bool = False, threshold: float = 25.0, plate: bool = False,
                 plate_every: int | None = None) -> None:
        self.alphas = check_alphas(alphas)
        if not 0 < threshold < 256:
            raise ParameterError(f"threshold must be in (0, 256), got {threshold}", param="threshold")
        self.warmup, self.selective, self.threshold = warmup, selective, float(threshold)
        plate_options = {} if plate_every is None else {"every": plate_every}
        self.plate_model = PlateModel(**plate_options) if plate else None
        self._kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))
        self.reset()

    def reset(self) -> None:
        """Forget everything learnt."""
        self.t = 0
        self._acc: list[np.ndarray] = []
        self._age: list[np.ndarray] = []  # frames each pixel has been foreground in a row (selective)
        if self.plate_model is not None:
            self.plate_model.reset()

    @property
    def size(self) -> tuple[int, int] | None:
        """``(W, H)`` of the frames learnt, None before the first."""
        return (self._acc[0].shape[1], self._acc[0].shape[0]) if self._acc else None

    # -- state, for saving and for combining chunks (videotools.batch) -------------------------
    @property
    def accumulators(self) -> list[np.ndarray]:
        """The exact running averages, one ``(H, W, 3) float32`` RGB copy per alpha (empty before a frame).

        These are what chunked batches combine (an EMA over consecutive chunks
        is ``E2 + (1 - a)**n2 * S1``); :attr:`backgrounds` are these rounded to uint8.
        """
        return [a.copy() for a in self._acc]

    @property
    def state(self) -> BackgroundState:
        """A copy of what the running averages learnt (not the plate): see :meth:`from_state`."""
        return BackgroundState(self.t, self.accumulators, [a.copy() for a in self._age])

    @classmethod
    def from_state(cls, state: BackgroundState, alphas: Sequence[float] = (0.1, 0.01), **options) -> BackgroundModel:
        """A model that goes on from ``state`` (same alphas and options as the one that made it).

        Raises
        ------
        ParameterError
            The state holds another number of accumulators than ``alphas``, or of mixed sizes.
        """
        model = cls(alphas, **options)
        accs = [np.asarray(a, np.float32) for a in state.accumulators]
        if accs and len(accs) != len(model.alphas):
            raise ParameterError(f"state has {len(accs)} accumulators for {len(model.alphas)} alphas")
        if any(a.ndim != 3 or a.shape[2] != 3 or a.shape != accs[0].shape for a in accs):
            raise ParameterError(f"accumulators must be (H, W, 3) of one size, got {[a.shape for a in accs]}")
        model.t = int(state.t) if accs else 0
        model._acc = [a.copy() for a in accs]
        h, w = accs[0].shape[:2] if accs else (0, 0)
        model._age = ([a.astype(np.uint16) for a in state.ages] if state.ages else
                      [np.zeros((h, w), np.uint16) for _ in accs]) if model.selective else []
        return model

    def rate(self, i: int) -> float:
        """The learning rate model ``i`` uses for the next frame."""
        a = self.alphas[i]
        return max(a, 1.0 / (self.t + 1)) if self.warmup else a

    def update(self, frame: Frame) -> None:
        """Feed one RGB frame to every model (and the plate)."""
        check_frame(frame)
        if self._acc and self._acc[0].shape[:2] != frame.shape[:2]:
            raise ParameterError(f"frame size {frame.shape[1]}x{frame.shape[0]} differs from the model's "
                                 f"{self._acc[0].shape[1]}x{self._acc[0].shape[0]}; reset() first")
        if self.plate_model is not None:
            self.plate_model.update(frame)
        if not self._acc:
            self._acc = [frame.astype(np.float32) for _ in self.alphas]
            self._age = [np.zeros(frame.shape[:2], np.uint16) for _ in self.alphas] if self.selective else []
            self.t = 1
            return
        for i, acc in enumerate(self._acc):
            a = self.rate(i)
            warm = not self.warmup or self.t >= 1.0 / self.alphas[i]
            if self.selective and warm:
                learn = self._learn_mask(frame, acc, self._age[i], int(2 / self.alphas[i]))
                if cv2.countNonZero(learn) * 2 >= learn.size:
                    cv2.accumulateWeighted(frame, acc, a, mask=learn)
                    continue
            cv2.accumulateWeighted(frame, acc, a)
        self.t += 1

    def _diff(self, frame: Frame, acc: np.ndarray) -> np.ndarray:
        """Max-over-channels absolute difference, uint8 (H, W)."""
        bg = cv2.convertScaleAbs(acc)
        d = cv2.absdiff(frame, bg)
        return cv2.max(cv2.max(d[:, :, 0], d[:, :, 1]), d[:, :, 2])

    def _learn_mask(self, frame: Frame, acc: np.ndarray, age: np.ndarray, timeout: int) -> np.ndarray:
        """uint8 mask (255 = learn): where the frame agrees with the model, or has differed for > timeout frames.

        All in OpenCV calls (no numpy temporaries): this runs per frame per model.
        """
        _, fg = cv2.threshold(self._diff(frame, acc), self.threshold, 255, cv2.THRESH_BINARY)
        fg = cv2.dilate(fg, self._kernel, iterations=2)
        # saturating count of foreground frames
        cv2.add(age, 1, dst=age, mask=fg, dtype=cv2.CV_16U)  # type: ignore[call-overload, unused-ignore]
        age[...] = cv2.bitwise_and(age, age, mask=fg)           # reset where the pixel matches again
        stale = cv2.compare(age, timeout, cv2.CMP_GT)  # type: ignore[call-overload, unused-ignore]
        return cv2.bitwise_or(cv2.bitwise_not(fg), stale)

    @property
    def backgrounds(self) -> list[Frame]:
        """One ``(H, W, 3) uint8`` RGB image per alpha, in the order of ``alphas``."""
        return [cv2.convertScaleAbs(a) for a in self._acc]

    def background(self, i: int = -1) -> Frame:
        """The background of model ``i`` (default: the last, slowest)."""
        if not self._acc:
            raise NotFittedError("no frame seen yet: call update() first")
        return cv2.convertScaleAbs(self._acc[i])

    @property
    def plate(self) -> Frame:
        """The clean plate, ``(H, W, 3) uint8`` RGB.

        Raises
        ------
        NotFittedError
            The model keeps no plate (``plate=False``), or has seen no frame.
        """
        if self.plate_model is None:
            raise NotFittedError("this model keeps no plate: make it with plate=True")
        return self.plate_model.plate

    def reference(self, model: int | str | None = None) -> Frame:
        """The background masks are measured against: ``"plate"``, or running average ``model``.

        ``None`` means the plate when the model keeps one, else the slowest average.
        Not a copy: do not write to it.
        """
        if model is None:
            model = "plate" if self.plate_model is not None else -1
        if model == "plate":
            if self.plate_model is None:
                raise NotFittedError("this model keeps no plate: make it with plate=True")
            return self.plate_model.view()
        if not self._acc:
            raise NotFittedError("no frame seen yet: call update() first")
        if not isinstance(model, int):
            raise ParameterError(f"model must be 'plate' or an alpha's index, got {model!r}", param="model")
        return cv2.convertScaleAbs(self._acc[model])

    def foreground(self, frame: Frame, threshold: float | None = None, *, model: int | str | None = None,
                   shadows: bool = False) -> np.ndarray:
        """``(H, W) bool`` mask of what differs from the background by more than ``threshold`` levels.

        Parameters
        ----------
        frame : (H, W, 3) uint8 ndarray
            RGB.
        threshold : float, optional
            Grey levels in any channel (default: the model's).
        model : int or "plate", optional
            The background compared with (see :meth:`reference`); default the
            plate if kept, else the slowest running average.
        shadows : bool
            Leave out pixels that look like a shadow on the background (darker by
            a similar factor in every channel): see :func:`shadow_mask`.

        The mask is cleaned with a 3x3 median (a majority vote: drops speckle
        noise and fills pinholes in one pass, 5x cheaper than an opening and a
        closing at 1080p).
        """
        check_frame(frame)
        if not self._acc:
            raise NotFittedError("no frame seen yet: call update() first")
        bg = self.reference(model)
        thr = self.threshold if threshold is None else float(threshold)
        d = cv2.absdiff(frame, bg)
        cv2.threshold(d, thr, 255, cv2.THRESH_BINARY, dst=d)
        fg = cv2.cvtColor(d, cv2.COLOR_RGB2GRAY)       # non-zero iff some channel is over the threshold
        cv2.threshold(fg, 0, 1, cv2.THRESH_BINARY, dst=fg)
        fg = cv2.medianBlur(fg, 3)
        mask = fg.view(bool)
        if shadows:
            mask &= ~shadow_mask(frame, bg, mask)
        return mask


class Background:
    """The background model as a chain processor: feeds each frame, returns a view of the models.

    Parameters
    ----------
    alphas, warmup, selective, threshold
        As for :class:`BackgroundModel`.
    view : {"background", "side-by-side", "mask", "foreground"}
        ``background``: the chosen ``model``; ``side-by-side``: four labelled
        views, 2 x 2 in the input's size: input | chosen model, mask | the other
        background (the slowest running average beside the plate, the fastest
        beside an average); ``mask``: the foreground mask in white;
        ``foreground``: the input where it is foreground, black elsewhere.
    model : {"plate", "average"}
        What ``background`` shows and masks are measured against: the clean
        plate (:class:`PlateModel`, the default: the same plate as the
        ``background`` command, the demo and batches), or the slowest running
        average (the plate is then not kept).
    shadows : bool
        Masks leave out shadows (see :func:`shadow_mask`).

    Frames of another size than the first (a folder of photos of several sizes, a stream that changes
    resolution) are scaled to fit the first size, letterboxed as video files are, with one warning.
    """

    def __init__(self, alphas: Sequence[float] = (0.1, 0.01), *, view: str = "background",
                 warmup: bool = True, selective: bool = False, threshold: float = 25.0,
                 model: str = "plate", shadows: bool = False) -> None:
        if view not in VIEWS:
            raise ParameterError(f"view must be one of {', '.join(VIEWS)}, got {view!r}", param="view")
        if model not in MODELS:
            raise ParameterError(f"model must be one of {', '.join(MODELS)}, got {model!r}", param="model")
        self.model = BackgroundModel(alphas, warmup=warmup, selective=selective, threshold=threshold,
                                     plate=model == "plate")
        self.view, self.reference, self.shadows = view, model, bool(shadows)
        self._views = list(VIEWS)
        self._last: tuple[Frame, np.ndarray] | None = None
        self._warned_size = False

    @property
    def keys(self) -> dict[str, tuple[Callable[[], object], str]]:
        return {"b": (self.cycle_view, "cycle the background view")}

    def cycle_view(self) -> str:
        self.view = self._views[(self._views.index(self.view) + 1) % len(self._views)]
        return f"view: {self.view}"

    def __call__(self, frame: Frame) -> Frame:
        frame = self._fit(frame)
        self.model.update(frame)
        self._last = None
        return self.view_of(frame)

    def _fit(self, frame: Frame) -> Frame:
        """``frame`` letterboxed into the size the models learnt, if it has another."""
        size = self.model.size
        h, w = frame.shape[:2]
        if size is None or (w, h) == size:
            return frame
        if not self._warned_size:
            log.warning("frame size %dx%d differs from the first frames' %dx%d: the background scales it to "
                        "fit (letterboxed)", w, h, *size)
            self._warned_size = True
        return fit_into(frame, size)

    def background(self) -> Frame:
        """The chosen model's background, ``(H, W, 3) uint8`` RGB."""
        return self.model.plate if self.reference == "plate" else self.model.background()

    def mask_of(self, frame: Frame) -> np.ndarray:
        """``(H, W) bool`` foreground of ``frame``; computed once per frame (views, mask outputs, stats share it)."""
        if self._last is not None and self._last[0] is frame:
            return self._last[1]
        original, frame = frame, self._fit(frame)
        mask = self.model.foreground(frame, model=self.reference if self.reference == "plate" else -1,
                                     shadows=self.shadows)
        self._last = (original, mask)
        return mask

    def view_of(self, frame: Frame) -> Frame:
        """The current view for ``frame`` without feeding it to the models."""
        m = self.model
        if self.view == "background":
            return self.background()
        mask = self.mask_of(frame)
        if self.view == "mask":
            return mask_image(mask)
        if self.view == "foreground":
            return frame * mask[:, :, None]
        h, w = frame.shape[:2]
        if h < 2 or w < 2:                        # no room for four views
            return self.background()
        backgrounds = m.backgrounds
        if m.plate_model is not None:
            tiles = [frame, m.plate_model.view(), mask_image(mask), backgrounds[-1]]
            names = ["input", "plate", "mask", f"alpha {m.alphas[-1]:g}"]
        else:
            tiles = [frame, backgrounds[-1], mask_image(mask), backgrounds[0]]
            names = ["input", f"alpha {m.alphas[-1]:g}", "mask", f"alpha {m.alphas[0]:g}"]
        return tile(tiles, (w, h), names)

    def reset(self) -> None:
        self.model.reset()
        self._last = None

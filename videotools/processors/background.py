"""Running-average background models with several learning rates side by side."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import cv2
import numpy as np

from ..errors import NotFittedError, ParameterError
from ..frames import Frame, check_frame, tile

VIEWS = ("background", "side-by-side", "mask", "foreground")


def check_alphas(alphas: Sequence[float]) -> tuple[float, ...]:
    """Validate learning rates: at least one, each in (0, 1]."""
    try:
        values = tuple(float(a) for a in alphas)
    except (TypeError, ValueError) as err:
        raise ParameterError(f"alphas must be numbers in (0, 1], got {alphas!r}") from err
    if not values:
        raise ParameterError("at least one alpha is needed")
    for a in values:
        if not 0 < a <= 1 or a != a:
            raise ParameterError(f"alpha must be in (0, 1], got {a}")
    return values


class BackgroundModel:
    """Exponential running averages of the frames (``cv2.accumulateWeighted``), one per alpha.

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
                 selective: bool = False, threshold: float = 25.0) -> None:
        self.alphas = check_alphas(alphas)
        if not 0 < threshold < 256:
            raise ParameterError(f"threshold must be in (0, 256), got {threshold}")
        self.warmup, self.selective, self.threshold = warmup, selective, float(threshold)
        self._kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))
        self.reset()

    def reset(self) -> None:
        """Forget everything learnt."""
        self.t = 0
        self._acc: list[np.ndarray] = []
        self._age: list[np.ndarray] = []  # frames each pixel has been foreground in a row (selective)

    def rate(self, i: int) -> float:
        """The learning rate model ``i`` uses for the next frame."""
        a = self.alphas[i]
        return max(a, 1.0 / (self.t + 1)) if self.warmup else a

    def update(self, frame: Frame) -> None:
        """Feed one RGB frame to every model."""
        check_frame(frame)
        if self._acc and self._acc[0].shape[:2] != frame.shape[:2]:
            raise ParameterError(f"frame size {frame.shape[1]}x{frame.shape[0]} differs from the model's "
                                 f"{self._acc[0].shape[1]}x{self._acc[0].shape[0]}; reset() first")
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
        cv2.add(age, 1, dst=age, mask=fg, dtype=cv2.CV_16U)   # saturating count of foreground frames
        age[...] = cv2.bitwise_and(age, age, mask=fg)           # reset where the pixel matches again
        stale = cv2.compare(age, timeout, cv2.CMP_GT)
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

    def foreground(self, frame: Frame, threshold: float | None = None, *, model: int = -1) -> np.ndarray:
        """``(H, W) bool`` mask of what differs from model ``model`` by more than ``threshold`` levels.

        Cleaned with a 3x3 opening (drops speckle noise) and closing (fills small holes).
        """
        check_frame(frame)
        if not self._acc:
            raise NotFittedError("no frame seen yet: call update() first")
        thr = self.threshold if threshold is None else float(threshold)
        fg = (self._diff(frame, self._acc[model]) > thr).astype(np.uint8)
        fg = cv2.morphologyEx(fg, cv2.MORPH_OPEN, self._kernel)
        fg = cv2.morphologyEx(fg, cv2.MORPH_CLOSE, self._kernel)
        return fg.astype(bool)


class Background:
    """The background model as a chain processor: feeds each frame, returns a view of the models.

    Parameters
    ----------
    alphas, warmup, selective, threshold
        As for :class:`BackgroundModel`.
    view : {"background", "side-by-side", "mask", "foreground"}
        ``background``: the slowest model; ``side-by-side``: input | each model
        | mask, labelled, tiled into the input's size; ``mask``: the foreground
        mask in white; ``foreground``: the input where it is foreground, black
        elsewhere.
    """

    def __init__(self, alphas: Sequence[float] = (0.1, 0.01), *, view: str = "background",
                 warmup: bool = True, selective: bool = False, threshold: float = 25.0) -> None:
        if view not in VIEWS:
            raise ParameterError(f"view must be one of {', '.join(VIEWS)}, got {view!r}")
        self.model = BackgroundModel(alphas, warmup=warmup, selective=selective, threshold=threshold)
        self.view = view
        self._views = list(VIEWS)

    @property
    def keys(self) -> dict[str, tuple[Callable[[], object], str]]:
        return {"b": (self.cycle_view, "cycle the background view")}

    def cycle_view(self) -> str:
        self.view = self._views[(self._views.index(self.view) + 1) % len(self._views)]
        return f"view: {self.view}"

    def __call__(self, frame: Frame) -> Frame:
        self.model.update(frame)
        return self.view_of(frame)

    def view_of(self, frame: Frame) -> Frame:
        """The current view for ``frame`` without feeding it to the models."""
        m = self.model
        if self.view == "background":
            return m.background()
        mask = m.foreground(frame)
        if self.view == "mask":
            return np.repeat(mask[:, :, None], 3, axis=2).astype(np.uint8) * 255
        if self.view == "foreground":
            return frame * mask[:, :, None]
        tiles = [frame, *m.backgrounds, np.repeat(mask[:, :, None], 3, axis=2).astype(np.uint8) * 255]
        names = ["input", *[f"alpha {a:g}" for a in m.alphas], "mask"]
        h, w = frame.shape[:2]
        return tile(tiles, (w, h), names)

    def reset(self) -> None:
        self.model.reset()

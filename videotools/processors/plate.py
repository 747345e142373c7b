"""A clean background plate: per block, a few candidate colours, and the one seen over the longest span of time.

Why not a running average or a median? Both summarise *everything* a pixel
saw, so a car waiting at a light, or a person standing at a counter for most
of a clip, is most of the summary. The plate instead keeps, for each block of
``block x block`` pixels, up to ``modes`` candidate backgrounds and decides
between them by *when* each was seen:

* **Candidates.** Every ``every``-th frame is a sample. A block of the sample
  that matches a candidate (its mean colour within ``match`` grey levels)
  refines that candidate: a running mean of the samples it matched (the last
  32, once it has that many), pixel by pixel. A block that matches none and
  has not changed since the previous sample (still: a parked car, a person
  standing, the road between two cars) becomes a new candidate in place of the
  weakest; moving blocks never do.
* **Decision.** A candidate's score is the span of time from the first to
  the last sample it matched (capped at ten times the samples it matched, so
  two passing cars of one colour a minute apart are not a long span). The road
  seen before a queue and again after it spans the whole clip; the queue, the
  person who stood a minute and left, spans only that minute. A candidate that
  has been in view without a break for ``absorb_frames`` wins outright: a car
  that parks for good becomes background.
* **No specks.** Decisions are per block, from block means: a raindrop, a
  compression block or sensor noise moves a block mean little and cannot make
  a pixel of its own. Within a block a pixel learns only samples within
  ``threshold`` of its candidate (the edge of a person standing beside it does
  not leak in); a pixel that disagrees for ``resample_frames`` in a row while
  its block agrees is retaken from the frame, so nothing stays frozen at a
  value the footage no longer shows.
* **Lighting.** One gain per channel, from the blocks that agree with the
  plate (median of their ratios), scales every candidate: clouds, dusk and
  auto exposure are followed at once, and the plate at the end of a clip has
  the light of its end. Candidates are stored relative to that gain.

Memory, for a ``W x H`` frame: ``modes`` float32 colour images (12 bytes a
pixel each), the plate (3), a disagreement counter (1), per-block state
(negligible) and scratch images during an update: ``memory_bytes((1920, 1080))``
is the bound, whatever the length of the video.
"""

from __future__ import annotations

import cv2
import numpy as np

from ..errors import FrameError, NotFittedError, ParameterError
from ..frames import Frame, check_frame

#: samples a candidate's running mean averages at most (its memory: about 6 s at 5 samples a second)
MEAN_SAMPLES = 32
#: samples a new candidate learns from every pixel, before pixels that disagree are held back
YOUNG_SAMPLES = 4
#: a candidate's span counts at most this many times the samples it matched
SPAN_PER_SAMPLE = 10
#: frames a stretch in view must last to extend a candidate's span (a passing car of the same colour does not)
HELD_FRAMES = 30
#: frames, and relative change, within which a lighting change counts as lasting
STEADY_FRAMES, STEADY_CHANGE = 50, 0.1
#: samples without a match that end a candidate's stretch in view
GAP_SAMPLES = 2
#: bytes per pixel kept between frames, beyond 12 per candidate: the plate (3) and the pixel counter (1)
STATE_BYTES_PER_PIXEL = 4
#: bytes per pixel of scratch images alive at once during one update (measured peak, rounded up)
SCRATCH_BYTES_PER_PIXEL = 80


def _count(frames: int, every: int) -> int:
    """Frames expressed in samples (at least one)."""
    return max(1, round(frames / every))


def _whole(name: str, value: object, lo: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < lo:
        raise ParameterError(f"{name} must be an integer >= {lo}, got {value!r}", param=name)
    return int(value)


class PlateModel:
    """A background plate that keeps queues, standing people, rain and compression noise out and follows light.

    Parameters
    ----------
    every : int
        Look at one frame in ``every`` (>= 1).
    threshold : float
        Grey levels (any channel) within which a pixel of a sample counts as
        its candidate's colour and refines it.
    match : float
        Grey levels (any channel) within which a block's mean matches a candidate's.
    still : float
        Grey levels of change of a block's mean between two samples that still
        count as "not moving".
    absorb_frames : int
        Frames a candidate must stay in view without a break to win at once:
        how long a car or a person may stand before it counts as part of the
        scene (default 1500, one minute at 25 fps).
    resample_frames : int
        Frames a pixel may disagree with its candidate, while its block agrees,
        before it is retaken from the frame.
    light_frames : int
        Frames over which the lighting gain is the median of the samples' gains, unless the light has
        settled at a new level (then it follows at once).
    block : int
        Side of the square blocks decisions are made on, in pixels.
    modes : int
        Candidates kept per block (>= 2).

    Raises
    ------
    ParameterError
        A value out of range, named with the value.

    Examples
    --------
    >>> from videotools import SyntheticTraffic
    >>> scene = SyntheticTraffic(size=(160, 90), seed=1)
    >>> model = PlateModel()
    >>> for t in range(250):
    ...     model.update(scene.frame(t))
    >>> model.plate.shape
    (90, 160, 3)
    """

    def __init__(self, *, every: int = 5, threshold: float = 20.0, match: float = 10.0, still: float = 6.0,
                 absorb_frames: int = 1500, resample_frames: int = 150, light_frames: int = 250, block: int = 4,
                 modes: int = 4) -> None:
        self.every = _whole("every", every, 1)
        for name, v in (("threshold", threshold), ("match", match), ("still", still)):
            if not 0 < v < 256:  # also rejects NaN
                raise ParameterError(f"{name} must be in (0, 256) grey levels, got {v}", param=name)
        self.absorb_frames = _whole("absorb_frames", absorb_frames, 1)
        self.resample_frames = _whole("resample_frames", resample_frames, 1)
        self.light_frames = _whole("light_frames", light_frames, 1)
        self.block = _whole("block", block, 1)
        self.modes = _whole("modes", modes, 2)
        self.threshold, self.match, self.still = float(threshold), float(match), float(still)
        self.reset()

    def reset(self) -> None:
        """Forget everything learnt."""
        self.t = 0          # frames seen
        self.samples = 0    # frames looked at
        self._plate: np.ndarray | None = None

    @staticmethod
    def memory_bytes(size: tuple[int, int], *, modes: int = 4) -> int:
        """Upper bound, in bytes, of the model's memory for frames of ``size`` (W, H): state plus the scratch
        images of one update, whatever the length of the video."""
        w, h = size
        return (12 * modes + STATE_BYTES_PER_PIXEL + SCRATCH_BYTES_PER_PIXEL) * w * h

    @property
    def nbytes(self) -> int:
        """Bytes of state held now (0 before the first frame)."""
        if self._plate is None:
            return 0
        arrays = [*self._colour, self._plate, self._off, self._mean, self._count, self._first, self._last,
                  self._start, self._prev]
        return sum(a.nbytes for a in arrays)

    @property
    def plate(self) -> Frame:
        """The plate, ``(H, W, 3) uint8`` RGB (a copy); :class:`NotFittedError` before the first frame."""
        return self.view().copy()

    @property
    def gain(self) -> np.ndarray:
        """``(3,) float``: the lighting now relative to the lighting the candidates are stored in, per channel."""
        if self._plate is None:
            raise NotFittedError("no frame seen yet: call update() first")
        return self._gain.copy()

    def view(self) -> Frame:
        """The plate without copying (read only by convention): for per-frame comparisons."""
        if self._plate is None:
            raise NotFittedError("no frame seen yet: call update() first")
        return self._plate

    def update(self, frame: Frame) -> None:
        """Feed one RGB frame; every ``every``-th one is sampled.

        Raises
        ------
        FrameError
            Not ``(H, W, 3) uint8``, or a size other than the model's.
        """
        check_frame(frame)
        t = self.t
        self.t += 1
        if self._plate is None:
            self._start_with(frame)
            return
        if frame.shape != self._plate.shape:
            raise FrameError(f"frame size {frame.shape[1]}x{frame.shape[0]} differs from the plate's "
                             f"{self._plate.shape[1]}x{self._plate.shape[0]}; reset() first")
        if t % self.every:
            return
        self._sample(frame)

    # -- internals ---------------------------------------------------------------------------
    def _grid(self, frame: Frame) -> tuple[int, int]:
        b = self.block
        return -(-frame.shape[0] // b), -(-frame.shape[1] // b)

    def _block_means(self, frame: Frame) -> np.ndarray:
        """``(gh, gw, 3) float32`` mean colour of each block (edge blocks padded by repetition)."""
        gh, gw = self._gh, self._gw
        b = self.block
        h, w = frame.shape[:2]
        if (gh * b, gw * b) != (h, w):
            frame = cv2.copyMakeBorder(frame, 0, gh * b - h, 0, gw * b - w, cv2.BORDER_REPLICATE)
        if b == 1:
            return frame.astype(np.float32)
        return cv2.resize(frame, (gw, gh), interpolation=cv2.INTER_AREA).astype(np.float32)

    def _full(self, blocks: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
        """Per-block values of the block box ``(x, y, w, h)`` spread over its pixels, cropped to the frame."""
        x, y, w, h = box
        b = self.block
        out = cv2.resize(blocks[y:y + h, x:x + w], (w * b, h * b), interpolation=cv2.INTER_NEAREST)
        H, W = self._shape
        return out[:max(0, min(h * b, H - y * b)), :max(0, min(w * b, W - x * b))]

    def _pixels(self, box: tuple[int, int, int, int]) -> tuple[slice, slice]:
        x, y, w, h = box
        b = self.block
        return slice(y * b, (y + h) * b), slice(x * b, (x + w) * b)

    def _start_with(self, frame: Frame) -> None:
        h, w = frame.shape[:2]
        self._shape = (h, w)
        self._gh, self._gw = self._grid(frame)
        k, gh, gw = self.modes, self._gh, self._gw
        self._gain = np.ones(3, np.float32)
        self._gains = np.ones((_count(self.light_frames, self.every), 3), np.float32)  # the last samples' gains
        self._colour = [frame.astype(np.float32)] + [np.zeros((h, w, 3), np.float32) for _ in range(k - 1)]
        self._mean = np.zeros((k, gh, gw, 3), np.float32)         # block means of the candidates
        self._count = np.zeros((k, gh, gw), np.int32)             # samples matched (0: an empty slot)
        self._first = np.zeros((k, gh, gw), np.int32)             # sample index first matched
        self._last = np.zeros((k, gh, gw), np.int32)              # ... last matched
        self._start = np.zeros((k, gh, gw), np.int32)             # ... when its stretch in view began
        self._back = np.zeros((k, gh, gw), bool)                  # seen again after something covered it
        self._held = np.zeros((k, gh, gw), np.int32)              # the last sample of a stretch of HELD_FRAMES
        self._off = np.zeros((h, w), np.uint8)                    # samples a pixel disagreed while its block agreed
        self._prev = self._block_means(frame)
        self._calm = np.zeros((gh, gw), bool)                     # the block held since the previous sample
        self._mean[0] = self._prev
        self._count[0] = 1
        self._held[0] = -1
        self._chosen = np.zeros((gh, gw), np.int8)
        self._plate = frame.copy()
        self.samples = 1

    def _relight(self, means: np.ndarray, still: np.ndarray | None) -> None:
        """Update the gain from the blocks that agree with the plate, relit (after a jump: the still ones)."""
        plate = np.take_along_axis(self._mean, self._chosen[None, :, :, None].astype(np.intp), 0)[0] * self._gain
        lit = plate.min(axis=2) > 12                               # ratios of near-black blocks are noise
        near = lit & (np.abs(means - plate).max(axis=2) < 3 * self.match)
        use = near if np.count_nonzero(near) * 10 >= near.size else None
        if use is None and still is not None and np.count_nonzero(still & lit) * 4 >= still.size:
            use = still & lit                                      # a lighting jump: most of the picture is still
        if use is None:
            return
        ratio = np.median(means[use] / plate[use], axis=0)
        self._gain = np.clip(self._gain * ratio, 1 / 64, 64).astype(np.float32)

    def _lighting(self) -> np.ndarray:
        """The plate's gain: the sample's own once it has held for ``STEADY_FRAMES`` (dusk, a cloud that
        stays, exposure that settled), else the median over ``light_frames`` (a white car's exposure dip)."""
        n = len(self._gains)
        self._gains[self.samples % n] = self._gain
        recent = self._gains[(self.samples - np.arange(min(n, self.samples, _count(STEADY_FRAMES, self.every)))) % n]
        if float((recent.max(axis=0) / recent.min(axis=0)).max()) < 1 + STEADY_CHANGE:
            return self._gain
        return np.median(self._gains[:self.samples], axis=0)

    def _sample(self, frame: Frame) -> None:
        """One sampled frame: lighting, stillness, matching, new candidates, decision, plate."""
        s = self.samples
        self.samples += 1
        raw = self._block_means(frame)
        # still: the block's mean held over the last two gaps between samples (the uniform roof of a
        # passing car may hold over one)
        calm = np.abs(raw - self._prev).max(axis=2) < self.still * self._gain.max()
        still = calm & self._calm
        self._prev, self._calm = raw, calm
        self._relight(raw, still)
        means = raw / self._gain
        valid = self._count > 0
        d = np.abs(means[None] - self._mean).max(axis=3)
        d[~valid] = np.inf
        best = d.argmin(axis=0)
        matched = np.take_along_axis(d, best[None], 0)[0] < self.match
        # new candidates: still blocks that match none, in the weakest slot that is not the plate's
        new = still & ~matched
        weakest = self._weakest(s - 1)
        slot = np.where(matched, best, weakest).astype(np.int8)
        slot[~(matched | new)] = -1
        ks = np.arange(self.modes)[:, None, None]
        hit = slot[None] == ks                                     # (k, gh, gw): the slot this sample feeds
        born = hit & new[None]
        fed = hit & matched[None]
        self._count[born] = 0
        self._first[born] = s
        self._start[born] = s
        self._mean[born] = 0
        gap = fed & (s - self._last > GAP_SAMPLES)
        self._start[gap] = s
        self._back[gap] = True
        self._back[born] = False
        self._last[hit] = s
        self._count[hit] += 1
        held = hit & (s - self._start >= _count(HELD_FRAMES, self.every))
        self._held[held] = s
        self._held[born] = s - 1
        rate = np.where(hit, 1.0 / np.clip(self._count, 1, MEAN_SAMPLES), 0).astype(np.float32)
        self._mean += (means[None] - self._mean) * rate[..., None]
        self._feed(frame, slot, born, rate)
        self._chosen = self._score(s).argmax(axis=0).astype(np.int8)
        self._compose()

    def _weakest(self, s: int) -> np.ndarray:
        """``(gh, gw)``: the slot a new candidate takes: an empty one, else the lowest score that is neither
        the plate's nor the one seen earliest (the background seen before a long stay is kept for after it)."""
        ks = np.arange(self.modes)[:, None, None]
        score = self._score(s)
        first = np.where(self._count > 0, self._first, np.iinfo(np.int32).max)
        first[self._chosen[None] == ks] = np.iinfo(np.int32).max
        score[first.argmin(axis=0)[None] == ks] = np.inf
        score[self._chosen[None] == ks] = np.inf
        return score.argmin(axis=0)

    def _score(self, s: int) -> np.ndarray:
        """``(k, gh, gw) float``: how strongly each candidate is the background at sample ``s``."""
        span = (self._held - self._first + 1).astype(np.float64)
        score = np.minimum(span, SPAN_PER_SAMPLE * self._count)
        valid = self._count > 0
        in_view = s - self._last <= GAP_SAMPLES
        absorbed = in_view & (s - self._start >= _count(self.absorb_frames, self.every))
        # a stay (in view without a break since it appeared) ranks below the earliest candidate that came
        # back after something covered it: the road seen before a parked car and between passing cars
        back = valid & self._back
        first = np.where(back, self._first, np.iinfo(np.int32).max)
        earliest = first.argmin(axis=0)[None]
        has = np.any(back, axis=0)[None, :, :]
        e = np.take_along_axis(score, earliest, 0)
        stay = in_view & (self._start == self._first) & ~absorbed & has & (self._first > np.take_along_axis(
            first, earliest, 0))
        score = np.where(stay, np.minimum(score, e - 0.5), score)
        score[absorbed] += 1e9
        score[~valid] = -1
        return score

    def _feed(self, frame: Frame, slot: np.ndarray, born: np.ndarray, rate: np.ndarray) -> None:
        """Pixel colours: new candidates copy the frame; fed ones move towards it where the pixel agrees."""
        scale = (*(1.0 / self._gain).tolist(), 0.0)
        resample = min(255, _count(self.resample_frames, self.every))
        for k in range(self.modes):
            hit = (slot == k).view(np.uint8)
            x, y, w, h = cv2.boundingRect(hit)
            if not w:
                continue
            box = (x, y, w, h)
            sl = self._pixels(box)
            col = self._colour[k][sl]
            f = cv2.multiply(frame[sl], scale, dtype=cv2.CV_32F)  # type: ignore[call-overload, unused-ignore]
            b = self._full(born[k].view(np.uint8), box)
            if cv2.countNonZero(b):
                cv2.copyTo(f, b, col)
            r = self._full(rate[k], box)
            # where a grown candidate is fed, pixels farther than `threshold` in any channel hold back
            fed = self._full(((self._count[k] > YOUNG_SAMPLES) & (hit > 0) & ~born[k]).view(np.uint8), box)
            a = cv2.absdiff(f, col)
            cv2.threshold(a, self.threshold, 1, cv2.THRESH_BINARY, dst=a)
            far = cv2.cvtColor(a, cv2.COLOR_RGB2GRAY) > 0
            disagree = far & fed.view(bool)
            off = self._off[sl]
            off[fed.view(bool) & ~far] = 0
            cv2.add(off, 1, dst=off, mask=disagree.view(np.uint8))  # type: ignore[call-overload, unused-ignore]
            r[disagree] = 0
            diff = cv2.subtract(f, col)
            cv2.multiply(diff, cv2.cvtColor(r, cv2.COLOR_GRAY2RGB), dst=diff)
            cv2.add(col, diff, dst=col)
            retake = (off >= resample).view(np.uint8)
            if cv2.countNonZero(retake):
                cv2.copyTo(f, retake, col)
                off[retake > 0] = 0

    def _compose(self) -> None:
        """The plate: each block's chosen candidate, relit, as uint8."""
        plate = self._plate
        assert plate is not None
        h, w = self._shape
        whole = (0, 0, self._gw, self._gh)
        out = np.empty((h, w, 3), np.float32)
        for k in range(self.modes):
            m = self._full((self._chosen == k).view(np.uint8), whole)
            cv2.copyTo(self._colour[k], m, out)
        cv2.multiply(out, (*self._lighting().tolist(), 0.0), dst=out)  # type: ignore[call-overload, unused-ignore]
        np.copyto(plate, cv2.convertScaleAbs(out))

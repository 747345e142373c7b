"""A clean background plate: a running median of the samples where the pixel is still and shows the background.

Why not a running average? An average is the mean of *everything* a pixel saw,
so a car waiting at a light for most of a clip is most of the average. The
idea behind LaBGen-P (a top method of the SBMnet benchmark) is to choose which
samples a pixel learns from: only moments where it is still (no motion
between samples) and, once the pixel is known, where it agrees with what is
known; and to summarise them with a median, which ignores the few wrong
samples that still slip through (a car edge, a compression artefact).

This model keeps that idea in bounded memory and a few OpenCV calls per frame:

* **Median without a reservoir.** LaBGen-P keeps S samples per pixel and
  takes their median. We keep the median itself and move it one grey level
  towards each admitted sample (the approximate running median of McFarlane
  and Schofield): it converges to the median of the admitted samples, costs
  one uint8 image instead of S of them, follows slow lighting (clouds, dusk:
  up to one level per sample, six levels a second) and never blends a car
  in, since one sample moves it by one level at most.
* **Sampling schedule.** The plate looks at one frame in ``every`` (4: about
  6 samples a second at 25 fps). That divides its cost by four, and motion is
  judged between samples ``every`` frames apart, which also catches the
  uniform inside of a moving car (still between consecutive frames).
* **What is learnt.** A sample refines the median where the pixel is still and
  agrees with the plate. A pixel that disagrees replaces the plate
  (``plate = frame``) only once it has been still, and away from the plate,
  for long: ``ghost_frames`` (1 s) where the plate value has never been
  *confirmed*, ``absorb_frames`` (60 s) where it has. A value is confirmed
  when something covered the pixel for two samples or more and it came back:
  the road between cars is confirmed by the first car that drives over it. So
  a car that waits at the light, or a person who stands for a while, on a road
  that was seen before stays out of the plate for a minute, while a car that
  stood there from the first frame (a ghost: the model started with it) gives
  way to the road a second after it drives off. Something that stays for
  longer than ``absorb_frames`` is a real change (a parked car) and becomes
  background.
* **Busy lanes.** Where the road between cars never stays still for a second,
  an unconfirmed pixel that has not shown its plate value for 16 frames moves
  up to 6 levels towards *every* sample: the median of everything it sees,
  which in traffic is the road. Once it agrees again it is confirmed by the
  next car, and from then on only still, agreeing samples count.
* **Lighting jumps.** If less than half of the still pixels agree with the
  plate (lights switched on, a camera moved), every still pixel is retaken.

Memory, for a ``W x H`` frame: the plate (3 bytes a pixel), the previous
sample's luma (1), three counters (2 + 2 + 1), two constant images (4) and,
during an update, scratch images (at most 24 bytes a pixel; measured peak 23):
``memory_bytes((1920, 1080))`` is **77 MB at 1080p** (27 MB of it kept between
frames), whatever the length of the video.
"""

from __future__ import annotations

import cv2
import numpy as np

from ..errors import FrameError, NotFittedError, ParameterError
from ..frames import Frame, check_frame

#: grey levels an unconfirmed pixel that lost its value moves per sample; frames before it does
FAST_STEP, SEEK_FRAMES = 6, 16
#: bytes of state kept per pixel (plate 3, previous sample's luma 1, still run 2, away 2, confirmed 1,
#: and two constant 16-bit images, 4: OpenCV is 3x faster with an image than with a scalar operand)
STATE_BYTES_PER_PIXEL = 13
#: bytes of scratch images alive at once during one update, per pixel (measured peak: 23)
SCRATCH_BYTES_PER_PIXEL = 24


# `type: ignore[call-overload, unused-ignore]` below: a scalar operand, which OpenCV takes but some of its stubs
# versions do not know (unused-ignore: newer stubs do).


def _count(frames: int, every: int) -> int:
    """Frames expressed in samples (at least one)."""
    return max(1, round(frames / every))


class PlateModel:
    """A background plate that keeps queues, standing people and ghosts out and follows slow light.

    Parameters
    ----------
    every : int
        Look at one frame in ``every`` (>= 1). Motion is judged between samples.
    threshold : float
        Grey levels (any channel) beyond which a frame disagrees with the plate.
    still : float
        Grey levels (any channel) of change between two samples that still count
        as "not moving" (sensor noise, compression).
    ghost_frames : int
        Frames a pixel must stay still before an unconfirmed plate value is
        replaced by what it shows (a car that stood there since the start and left).
    absorb_frames : int
        Frames a pixel must stay still before a confirmed plate value is
        replaced: how long a car or a person may stand before it counts as part
        of the scene (default 1500, one minute at 25 fps).

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

    def __init__(self, *, every: int = 4, threshold: float = 20.0, still: float = 12.0,
                 ghost_frames: int = 25, absorb_frames: int = 1500) -> None:
        if isinstance(every, bool) or not isinstance(every, (int, np.integer)) or every < 1:
            raise ParameterError(f"every must be an integer >= 1, got {every!r}")
        for name, v in (("threshold", threshold), ("still", still)):
            if not 0 < v < 256:  # also rejects NaN
                raise ParameterError(f"{name} must be in (0, 256) grey levels, got {v}")
        for name, f in (("ghost_frames", ghost_frames), ("absorb_frames", absorb_frames)):
            if isinstance(f, bool) or not isinstance(f, (int, np.integer)) or f < 1:
                raise ParameterError(f"{name} must be an integer >= 1, got {f!r}")
        if absorb_frames < ghost_frames:
            raise ParameterError(f"absorb_frames ({absorb_frames}) must be >= ghost_frames ({ghost_frames})")
        self.every, self.threshold, self.still = int(every), float(threshold), float(still)
        self.ghost_frames, self.absorb_frames = int(ghost_frames), int(absorb_frames)
        self.fast, self.seek_frames = FAST_STEP, SEEK_FRAMES
        self._kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3))
        self.reset()

    def reset(self) -> None:
        """Forget everything learnt."""
        self.t = 0          # frames seen
        self.samples = 0    # frames looked at
        self._plate: np.ndarray | None = None

    @staticmethod
    def memory_bytes(size: tuple[int, int]) -> int:
        """Upper bound of the memory the model uses for frames of ``size`` (W, H), in bytes.

        State plus the scratch images of one update; constant for any video length.
        ``memory_bytes((1920, 1080))`` is 77 MB.
        """
        w, h = size
        return (STATE_BYTES_PER_PIXEL + SCRATCH_BYTES_PER_PIXEL) * w * h

    @property
    def nbytes(self) -> int:
        """Bytes of state held now (0 before the first frame)."""
        if self._plate is None:
            return 0
        return sum(a.nbytes for a in (self._plate, self._prev, self._run, self._away, self._confirmed,
                                      self._one16, self._zero16))

    @property
    def plate(self) -> Frame:
        """The plate, ``(H, W, 3) uint8`` RGB (a copy).

        Raises
        ------
        NotFittedError
            Before the first frame.
        """
        if self._plate is None:
            raise NotFittedError("no frame seen yet: call update() first")
        return self._plate.copy()

    @property
    def confirmed(self) -> np.ndarray:
        """``(H, W) bool``: where the plate value has been seen again after something passed over it."""
        if self._plate is None:
            raise NotFittedError("no frame seen yet: call update() first")
        return self._confirmed > 0

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
            h, w = frame.shape[:2]
            self._plate = frame.copy()
            self._prev = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)  # motion is judged on luma
            self._run = np.zeros((h, w), np.uint16)       # samples the pixel has been still in a row
            self._away = np.zeros((h, w), np.uint16)      # samples it showed something else since it last agreed
            self._confirmed = np.zeros((h, w), np.uint8)  # 255 once the plate value came back after a passer-by
            self._one16, self._zero16 = np.ones((h, w), np.uint16), np.zeros((h, w), np.uint16)
            self.samples = 1
            return
        if frame.shape != self._plate.shape:
            raise FrameError(f"frame size {frame.shape[1]}x{frame.shape[0]} differs from the plate's "
                             f"{self._plate.shape[1]}x{self._plate.shape[0]}; reset() first")
        if t % self.every:
            return
        self._sample(frame)

    def _sample(self, frame: Frame) -> None:
        """One sampled frame: stillness, agreement, median step, take-over.

        OpenCV calls only, a dozen passes over the colour image: about 10 ms at
        1080p, so under 3 ms a frame with ``every=4``.
        """
        plate = self._plate
        assert plate is not None
        self.samples += 1
        grey = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
        moving = cv2.absdiff(grey, self._prev)
        cv2.threshold(moving, self.still, 255, cv2.THRESH_BINARY, dst=moving)
        cv2.dilate(moving, self._kernel, dst=moving)          # edges of moving things move too
        self._prev = grey
        still = cv2.bitwise_not(moving)
        run, away, confirmed = self._run, self._away, self._confirmed
        # constant images, not scalars: OpenCV expands a scalar to a full image on every call
        one, zero = self._one16, self._zero16
        cv2.add(run, one, dst=run)                             # saturating: still for one more sample ...
        cv2.copyTo(zero, moving, run)                          # ... or restart where it moved
        up = cv2.subtract(frame, plate)                        # saturating: f - p where f > p, else 0
        down = cv2.subtract(plate, frame)
        d = cv2.bitwise_or(up, down)                           # |f - p|
        cv2.threshold(d, self.threshold, 255, cv2.THRESH_BINARY, dst=d)
        differs = cv2.cvtColor(d, cv2.COLOR_RGB2GRAY)          # non-zero iff a channel differs
        cv2.threshold(differs, 0, 255, cv2.THRESH_BINARY, dst=differs)
        learn = cv2.bitwise_and(still, differs, mask=None)
        cv2.bitwise_xor(learn, still, dst=learn)               # still and agreeing
        # a value is confirmed when the pixel comes back to it, still, after something covered it for at
        # least two samples (a passing car; not the windscreen of a car that starts to move)
        cv2.bitwise_or(confirmed, cv2.compare(away, 2, cv2.CMP_GE), dst=confirmed, mask=learn)  # type: ignore[call-overload, unused-ignore]
        cv2.add(away, one, dst=away, mask=differs)             # saturating: one more sample away from it
        cv2.copyTo(zero, learn, away)                          # back: still, and agreeing
        still_px = cv2.countNonZero(still)
        if still_px * 4 > still.size and cv2.countNonZero(learn) * 2 < still_px:
            take = still                                       # a lighting jump or a camera move
        else:
            # long enough = still for that many samples in a row, and away from the plate as long (motion
            # is judged on luma, which misses a car of the road's brightness: `away` does not)
            held = cv2.min(run, away)
            ghost = cv2.compare(held, _count(self.ghost_frames, self.every), cv2.CMP_GE)  # type: ignore[call-overload, unused-ignore]
            cv2.bitwise_and(ghost, cv2.bitwise_not(confirmed), dst=ghost)
            old = cv2.compare(held, _count(self.absorb_frames, self.every), cv2.CMP_GE)  # type: ignore[call-overload, unused-ignore]
            take = cv2.bitwise_and(cv2.bitwise_or(ghost, old), cv2.bitwise_and(differs, still))
        # approximate running median, per channel: one grey level towards each sample the pixel learns
        # from; an unconfirmed pixel that has not shown its plate value for `seek_frames` moves up to
        # `fast` levels towards every sample (the median of everything it sees: the road between the
        # cars of a lane too busy to ever stand still for long).
        _, limit = cv2.threshold(learn, 0, 1, cv2.THRESH_BINARY)
        seek = cv2.compare(away, _count(self.seek_frames, self.every), cv2.CMP_GE)  # type: ignore[call-overload, unused-ignore]
        cv2.bitwise_and(seek, cv2.bitwise_not(confirmed), dst=seek)
        cv2.threshold(seek, 0, self.fast, cv2.THRESH_BINARY, dst=seek)
        cv2.max(limit, seek, dst=limit)
        limit3 = cv2.cvtColor(limit, cv2.COLOR_GRAY2RGB)
        cv2.min(up, limit3, dst=up)
        cv2.min(down, limit3, dst=down)
        cv2.add(plate, up, dst=plate)
        cv2.subtract(plate, down, dst=plate)
        x, y, w, h = cv2.boundingRect(take)                    # usually a few small regions: work on their box
        if w:
            box = (slice(y, y + h), slice(x, x + w))
            t = take[box]
            cv2.copyTo(frame[box], t, plate[box])
            cv2.bitwise_and(confirmed[box], cv2.bitwise_not(t), dst=confirmed[box])
            cv2.copyTo(zero[box], t, away[box])

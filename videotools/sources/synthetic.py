"""A deterministic synthetic traffic scene that knows its true background.

Seen from above: grass, pavements and a road with lanes in both directions;
cars of several colours drive across, some lanes stop at a light now and then
(queues); optionally people walk beside the road and stand still for a while
(crowds), cars cast shadows; sensor noise and a slow lighting drift. Every
frame is a pure function of ``(seed, t)``, so any frame can be made on its own
(chunked batches, tests), and the scene hands back its true background and the
true foreground mask (cars and people, never shadows) for any frame.

Past 300 lines because the scene is one generator: road, cars, people, shadows, lighting and
noise all draw from the same seeded state and geometry, and the truth (background, masks, boxes)
must come from the same code that draws the frame.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qsl

import cv2
import numpy as np

from ..errors import SourceError
from ..frames import Frame
from .base import SourceBase, StreamInfo
from .photo_set import synthetic_photo_set  # noqa: F401 - its old place, where tests/stills and benchmarks import it

CAR_COLOURS = np.array([
    [200, 30, 30], [30, 60, 170], [235, 235, 235], [25, 25, 28], [230, 190, 20],
    [160, 165, 170], [20, 120, 60], [240, 120, 20], [110, 30, 120], [90, 180, 220],
], np.float32)


#: bytes per pixel the scene holds: the float32 background, four float32 noise fields, one frame being made
BYTES_PER_PIXEL = 4 * 3 * (1 + 4 + 2)


def _available_memory() -> int | None:
    """Physical memory available now, in bytes (None where the system does not say)."""
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def _bytes(n: int) -> str:
    return f"{n / 1e9:.1f} GB" if n >= 1e9 else f"{n / 1e6:.0f} MB"


def _check_number(name: str, value: object, lo: float, hi: float, *, lo_open: bool = False) -> float:
    """``value`` as a finite float in ``[lo, hi]`` (``(lo, hi]`` if ``lo_open``), or SourceError naming it."""
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError) as err:
        raise SourceError(f"synthetic {name} must be a number, got {value!r}") from err
    if not math.isfinite(v) or v < lo or v > hi or (lo_open and v == lo):
        span = f"{'(' if lo_open else '['}{lo:g}, {hi:g}]"
        raise SourceError(f"synthetic {name} must be a finite number in {span}, got {value!r}")
    return v


@dataclass(frozen=True)
class _Person:
    y: int           # row of the centre
    offset: float    # position along the loop at t=0, px
    speed: float     # px per frame while walking (signed)
    period: float    # frames of one walk-and-stand cycle
    stand: float     # frames standing in each cycle
    phase: float     # frames
    radius: int
    colour: tuple[float, float, float]


@dataclass(frozen=True)
class _Car:
    lane: int
    offset: float  # position along the lane's loop at t=0, px
    length: int
    colour: tuple[float, float, float]


class SyntheticTraffic(SourceBase):
    """Generated traffic footage with known background.

    Parameters
    ----------
    size : (W, H)
        Frame size; any size from 64x48 up, odd sizes allowed.
    fps, seconds : float
        Frame rate and length; ``seconds=0`` means endless.
    seed : int
        Everything random (texture, cars, noise) follows from it.
    noise : float
        Standard deviation of sensor noise in grey levels (0 for none).
    drift : float
        Relative amplitude of a slow lighting change (0.03 = +-3 %).
    density : float
        Fraction of each lane covered by cars, 0..0.8.
    stops : bool
        Let half of the lanes stop at a light for part of each 20 s cycle.
    people : float
        Crowd density beside the road, 0..1 (0: nobody). People walk along the
        pavements and grass and each stands still for 5-25 s of every 30-60 s.
    shadows : float
        Cars cast a shadow that darkens the ground by this fraction, 0..0.8
        (0: none). Shadows are not foreground in :meth:`foreground_mask`.

    Raises
    ------
    SourceError
        A parameter out of range, NaN or infinite (named with its value), or a
        size whose frame buffers would not fit in memory (checked before allocating).

    Examples
    --------
    >>> from videotools import open_source
    >>> src = open_source("synthetic:traffic?size=160x90&seconds=1")
    >>> src.size, src.frame_count
    ((160, 90), 25)
    """

    def __init__(self, *, size: tuple[int, int] = (640, 360), fps: float = 25.0,
                 seconds: float = 10.0, seed: int = 0, noise: float = 2.0, drift: float = 0.03,
                 density: float = 0.15, stops: bool = True, people: float = 0.0,
                 shadows: float = 0.0) -> None:
        try:
            w, h = (int(v) for v in size)
        except (TypeError, ValueError) as err:
            raise SourceError(f"synthetic size must be (width, height), got {size!r}") from err
        if w < 64 or h < 48:
            raise SourceError(f"synthetic size must be at least 64x48, got {w}x{h}")
        need, avail = BYTES_PER_PIXEL * w * h, _available_memory()
        if w > 16384 or h > 16384 or (avail is not None and need > avail):
            raise SourceError(f"synthetic size {w}x{h} needs {_bytes(need)} of frame buffers"
                              + (f", more than the {_bytes(avail)} available" if avail is not None else "")
                              + "; at most 16384 a side")
        fps = _check_number("fps", fps, 0, 1000, lo_open=True)
        seconds = _check_number("seconds", seconds, 0, 1e7)
        noise = _check_number("noise", noise, 0, 100)
        drift = _check_number("drift", drift, 0, 0.9)
        density = _check_number("density", density, 0, 0.8)
        people = _check_number("people", people, 0, 1)
        shadows = _check_number("shadows", shadows, 0, 0.8)
        self.seed, self.noise, self.drift, self.density, self.stops = seed, noise, drift, density, stops
        self.people, self.shadows = people, shadows
        n = round(seconds * fps) if seconds else None
        self.info = StreamInfo(fps=float(fps), size=(int(w), int(h)), frame_count=n,
                               duration=seconds or None, codec="synthetic", kind="synthetic")
        rng = np.random.default_rng(seed)
        self._base, self._lanes = self._make_background(rng)
        self._cars = self._make_cars(rng)
        # people and shadows draw from their own streams, so scenes without them stay as they were
        self._people = self._make_people(np.random.default_rng([seed, 2])) if people > 0 else []
        nrng = np.random.default_rng([seed, 1])
        # A small bank of noise fields, rolled per frame: cheap and deterministic.
        self._noise_bank = (nrng.standard_normal((4, h, w, 3)).astype(np.float32) * noise
                            if noise > 0 else None)

    # -- scene construction -----------------------------------------------------------
    def _make_background(self, rng: np.random.Generator) -> tuple[np.ndarray, list[tuple[int, int, int]]]:
        w, h = self.size
        img = np.empty((h, w, 3), np.float32)
        road_top, road_bot = round(h * 0.22), round(h * 0.78)
        walk = max(2, round(h * 0.05))
        grass = np.array([70, 120, 50], np.float32)
        img[:] = grass
        # smooth, large-scale texture
        tex = cv2.resize(rng.standard_normal((max(2, h // 8), max(2, w // 8))).astype(np.float32),
                         (w, h), interpolation=cv2.INTER_CUBIC)
        fine = rng.standard_normal((h, w)).astype(np.float32)
        img += (tex * 10 + fine * 4)[:, :, None]
        img[road_top - walk:road_top] = [175, 170, 160]
        img[road_bot:road_bot + walk] = [175, 170, 160]
        img[road_top - walk:road_bot + walk] += (fine[road_top - walk:road_bot + walk] * 3)[:, :, None]
        img[road_top:road_bot] = [88, 88, 92]
        img[road_top:road_bot] += (tex[road_top:road_bot] * 4 + fine[road_top:road_bot] * 5)[:, :, None]
        nl = 4
        lane_h = (road_bot - road_top) / nl
        lanes = []
        for i in range(nl):
            y0 = road_top + round(i * lane_h)
            y1 = road_top + round((i + 1) * lane_h)
            direction = 1 if i >= nl // 2 else -1
            lanes.append((y0, y1, direction))
        line = max(1, round(h / 180))
        dash = max(6, w // 24)
        for i in range(1, nl):
            y = road_top + round(i * lane_h)
            if i == nl // 2:  # double centre line
                img[y - line:y + line] = [225, 200, 60]
            else:
                for x in range(0, w, 2 * dash):
                    img[y - line // 2 - 1:y + line // 2 + 1, x:x + dash] = [230, 230, 230]
        # a few trees (dark blobs) in the grass for structure
        for _ in range(max(2, w // 120)):
            cx = int(rng.integers(0, w))
            cy = int(rng.integers(0, max(1, road_top - walk))) if rng.random() < 0.5 else \
                int(rng.integers(min(h - 1, road_bot + walk), h))
            r = max(3, int(h * rng.uniform(0.03, 0.06)))
            cv2.circle(img, (cx, cy), r, (35, 80, 30), -1, cv2.LINE_AA)
        return np.clip(img, 0, 255), lanes

    def _make_cars(self, rng: np.random.Generator) -> list[_Car]:
        w, _ = self.size
        cars = []
        for li in range(len(self._lanes)):
            loop = w * 2.0
            mean_len = w * 0.11
            n = int(round(self.density * loop / mean_len))
            if n == 0:
                continue
            slots = np.sort(rng.uniform(0, loop, n))
            # keep at least a car length between cars
            for j in range(n):
                slots[j] = max(slots[j], slots[j - 1] + mean_len * 1.4) if j else slots[j]
            for s in slots:
                if s > loop - mean_len:
                    break
                cars.append(_Car(lane=li, offset=float(s), length=int(mean_len * rng.uniform(0.8, 1.3)),
                                 colour=tuple(CAR_COLOURS[rng.integers(len(CAR_COLOURS))].tolist())))
        return cars

    def _make_people(self, rng: np.random.Generator) -> list[_Person]:
        """People beside the road: walking along it, each standing still for a while in every cycle."""
        w, h = self.size
        road_top, road_bot = self._lanes[0][0], self._lanes[-1][1]
        bands = [(2, road_top - 2), (road_bot + 2, h - 2)]  # grass and pavement above and below the road
        radius = max(2, round(h / 55))
        n = int(round(self.people * 2 * w / (radius * 3)))
        fps = self.fps
        out = []
        for _ in range(n):
            y0, y1 = bands[int(rng.integers(2))]
            period = fps * rng.uniform(30, 60)
            rgb = rng.integers(20, 240, 3)
            out.append(_Person(
                y=int(rng.integers(y0 + radius, max(y0 + radius + 1, y1 - radius))),
                offset=float(rng.uniform(0, 2 * w)),
                speed=float(rng.choice([-1, 1]) * w / fps / rng.uniform(12, 25)),
                period=period, stand=float(fps * rng.uniform(5, 25)), phase=float(rng.uniform(0, period)),
                radius=int(radius * rng.uniform(0.8, 1.3)),
                colour=(float(rgb[0]), float(rgb[1]), float(rgb[2]))))
        return out

    def _draw_people(self, img: np.ndarray, t: int, mask: bool = False) -> None:
        w, _ = self.size
        for p in self._people:
            k, r = divmod(t + p.phase, p.period)
            walked = k * (p.period - p.stand) + min(r, p.period - p.stand) - p.phase
            x = round((p.offset + p.speed * walked) % (2 * w) - w / 2)
            if -p.radius <= x < w + p.radius:
                cv2.circle(img, (x, p.y), p.radius, 255 if mask else p.colour, -1)

    def _draw_shadows(self, img: np.ndarray, t: int) -> None:
        """Darken the ground beside and below each car by ``shadows``."""
        dark = np.zeros(img.shape[:2], np.uint8)
        for x0, cy0, x1, cy1, _car in self._car_boxes(t):
            dx, dy = max(2, (x1 - x0) // 8), max(2, (cy1 - cy0) // 3)
            cv2.rectangle(dark, (x0 + dx, cy0 + dy), (x1 - 1 + dx, cy1 - 1 + dy), 255, -1)
        sel = dark > 0
        img[sel] *= 1.0 - self.shadows

    # -- per-frame ------------------------------------------------------------------
    def _lane_shift(self, lane: int, t: int) -> float:
        """Distance travelled by a lane's cars at frame t (cars stop at red lights)."""
        w, _ = self.size
        speed = w / (3.0 + 0.7 * lane) / self.fps  # px per frame: crosses in 3-5 s
        secs = t / self.fps
        if not (self.stops and lane % 2 == 0):
            return speed * t
        cycle, red = 20.0, 7.0  # red for 7 s of every 20 s, phased per lane
        phase = 5.0 + 4.0 * lane
        k, r = divmod(secs + phase, cycle)
        moving = k * (cycle - red) + min(r, cycle - red) - phase
        return speed * self.fps * moving

    def _light(self, t: int) -> float:
        return 1.0 + self.drift * math.sin(2 * math.pi * t / (self.fps * 60.0))

    def _car_boxes(self, t: int) -> Iterator[tuple[int, int, int, int, _Car]]:
        """``(x0, y0, x1, y1, car)`` of each car in view at frame t (x1, y1 exclusive)."""
        w, _ = self.size
        loop = w * 2.0
        for car in self._cars:
            y0, y1, direction = self._lanes[car.lane]
            pos = (car.offset + self._lane_shift(car.lane, t)) % loop - car.length
            x0 = round(pos) if direction > 0 else round(w - pos - car.length)
            x1 = x0 + car.length
            if x1 < 0 or x0 >= w:
                continue
            m = max(1, (y1 - y0) // 6)
            yield x0, y0 + m, x1, y1 - m, car

    def cars_in_view(self, t: int) -> list[tuple[int, int, int, int]]:
        """Boxes ``(x, y, w, h)`` of the cars in frame ``t``, cut to the frame: the true blobs."""
        w, _ = self.size
        return [(max(0, x0), y0, min(w, x1) - max(0, x0), y1 - y0) for x0, y0, x1, y1, _ in self._car_boxes(t)]

    def _draw_cars(self, img: np.ndarray, t: int, mask: np.ndarray | None = None) -> None:
        for x0, cy0, x1, cy1, car in self._car_boxes(t):
            direction = self._lanes[car.lane][2]
            col = car.colour
            if mask is not None:
                cv2.rectangle(mask, (x0, cy0), (x1 - 1, cy1 - 1), 255, -1)
                continue
            cv2.rectangle(img, (x0, cy0), (x1 - 1, cy1 - 1), col, -1)
            # windscreen and rear window, darker
            dark = tuple(c * 0.35 for c in col)
            ws = max(2, car.length // 6)
            front = x1 - 2 * ws if direction > 0 else x0 + ws
            rear = x0 + ws // 2 if direction > 0 else x1 - ws - ws // 2
            cv2.rectangle(img, (front, cy0 + 2), (front + ws, cy1 - 3), dark, -1)
            cv2.rectangle(img, (rear, cy0 + 2), (rear + ws // 2, cy1 - 3), dark, -1)

    def frame(self, t: int) -> Frame:
        """Frame number ``t`` (0-based), RGB uint8."""
        img = self._base.copy()
        if self.shadows:
            self._draw_shadows(img, t)
        self._draw_cars(img, t)
        self._draw_people(img, t)
        img *= self._light(t)
        if self._noise_bank is not None:
            h = self.size[1]
            img += np.roll(self._noise_bank[t % 4], (t * 37) % h, axis=0)
        return np.clip(img + 0.5, 0, 255).astype(np.uint8)

    def background(self, t: int = 0) -> Frame:
        """The true empty-road background as frame ``t`` would show it (lighting included, no noise)."""
        return np.clip(self._base * self._light(t) + 0.5, 0, 255).astype(np.uint8)

    def foreground_mask(self, t: int) -> np.ndarray:
        """``(H, W) bool``: True where a car covers the background in frame ``t``."""
        w, h = self.size
        mask = np.zeros((h, w), np.uint8)
        self._draw_cars(mask, t, mask=mask)
        self._draw_people(mask, t, mask=True)
        return mask > 0

    def __iter__(self) -> Iterator[Frame]:
        t = 0
        n = self.frame_count
        while n is None or t < n:
            self.frames_read += 1
            self.time = t / self.fps
            yield self.frame(t)
            t += 1


SYNTHETIC_PARAMS = {"size", "fps", "seconds", "seed", "noise", "drift", "density", "stops", "people", "shadows"}


def parse_synthetic(spec: str) -> SyntheticTraffic:
    """Build a scene from ``synthetic:traffic?size=640x360&seconds=10&seed=1&...``."""
    body = spec.split(":", 1)[1]
    name, _, query = body.partition("?")
    if name != "traffic":
        raise SourceError(f"unknown synthetic scene {name!r} in {spec!r}; known: traffic")
    kw: dict = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key not in SYNTHETIC_PARAMS:
            raise SourceError(f"unknown synthetic parameter {key!r} in {spec!r}; known: "
                              f"{', '.join(sorted(SYNTHETIC_PARAMS))}")
        try:
            if key == "size":
                w, h = value.lower().split("x")
                kw["size"] = (int(w), int(h))
            elif key == "seed":
                kw["seed"] = int(value)
            elif key == "stops":
                kw["stops"] = value.lower() not in ("0", "false", "no", "off")
            else:
                kw[key] = float(value)
        except ValueError as err:
            raise SourceError(f"bad value for synthetic {key}: {value!r}") from err
    return SyntheticTraffic(**kw)

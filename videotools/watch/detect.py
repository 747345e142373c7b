"""The chain a camera runs on its detection copy, and what it yields: the plate and the foreground's figures."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..errors import ParameterError


@dataclass(frozen=True)
class Finding:
    """What one processed frame showed: the share of foreground pixels and the boxes of its blobs."""

    share: float
    boxes: list[tuple[int, int, int, int]]

    def boxes_json(self) -> str:
        return json.dumps([list(b) for b in self.boxes], separators=(",", ":"))


class Detector:
    """Runs a chain (built by :func:`videotools.parse_chain`) on each detection frame.

    When the chain has a ``background`` step, each frame also gives a
    :class:`Finding` (its mask, as the step computed it) and :meth:`plate`
    gives that step's background (the clean plate with ``model=plate``).

    Raises
    ------
    ParameterError
        The chain does not parse (naming the camera).
    """

    def __init__(self, chain: str, *, name: str = "", min_area: int = 20) -> None:
        from ..chain import parse_chain
        from ..protocols import Separates

        try:
            self.steps = parse_chain(chain)
        except ParameterError as err:
            raise ParameterError(f"camera {name!r}: chain: {err}") from None
        found = [i for i, s in enumerate(self.steps) if isinstance(s, Separates)]
        self.at = found[0] if found else None
        self.background: Any = self.steps[self.at] if self.at is not None else None
        self.min_area = min_area

    def __call__(self, frame: Any) -> tuple[Any, Finding | None]:
        """The chain's output for ``frame`` (RGB), and the foreground figures if there is a background step."""
        import cv2
        import numpy as np

        from ..processors import find_blobs

        into_background = None
        out = frame
        for i, step in enumerate(self.steps):
            if i == self.at:
                into_background = out
            out = step(out)
        if self.background is None or into_background is None:
            return out, None
        mask = self.background.mask_of(into_background)
        share = cv2.countNonZero(mask.view(np.uint8)) / mask.size
        return out, Finding(share, find_blobs(mask, min_area=self.min_area))

    def plate(self) -> Any | None:
        """The background step's current background (``(H, W, 3) uint8`` RGB), or None before a frame."""
        from ..errors import NotFittedError

        if self.background is None:
            return None
        try:
            return self.background.background()
        except NotFittedError:
            return None

    def close(self) -> None:
        for step in self.steps:
            close = getattr(step, "close", None)
            if callable(close):
                close()

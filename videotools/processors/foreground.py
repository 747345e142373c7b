"""The foreground as an output: mask recordings and per-frame statistics of a :class:`Background` run."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from ..errors import ParameterError
from ..files import write_text
from .background import Background
from .masks import find_blobs, mask_image

STATS_COLUMNS = ("index", "time", "foreground_share", "blobs", "boxes")


class ForegroundWriter:
    """Record the masks of a :class:`Background` processor and one row of statistics per frame.

    Use it as the run's ``on_frame`` callback (it reads ``Step.index``,
    ``Step.time`` and ``Step.frame``); :meth:`close` finishes both outputs.
    The mask is the one the processor computed for its view (computed once).

    Parameters
    ----------
    background : Background
        The processor of the run.
    mask_out : path, optional
        Masks, white on black: a video (``masks.mp4``) or an image sequence
        (``masks/%05d.png``, lossless), through :func:`videotools.open_sink`.
        The video's rate is taken from the first two frames' timestamps.
    stats_out : path, optional
        CSV with a header and one row per frame: ``index``, ``time`` (seconds,
        the frame's own timestamp), ``foreground_share`` (0..1), ``blobs`` (regions
        of at least ``min_area`` pixels) and ``boxes`` (their ``[x, y, w, h]`` as
        JSON). Written atomically by :meth:`close`; rows are kept in memory until
        then (about 60 bytes a frame plus 20 per box: 10 MB for an hour at 30 fps).
    min_area : int
        Pixels a region needs to count as a blob.
    overwrite, crf, preset
        As for :func:`videotools.open_sink`.
    """

    def __init__(self, background: Background, *, mask_out: str | os.PathLike | None = None,
                 stats_out: str | os.PathLike | None = None, min_area: int = 50, overwrite: bool = False,
                 crf: int = 20, preset: str = "veryfast") -> None:
        if isinstance(min_area, bool) or not isinstance(min_area, (int, np.integer)) or min_area < 1:
            raise ParameterError(f"min_area must be an integer >= 1 pixel, got {min_area!r}", param="min_area")
        self.background, self.min_area = background, int(min_area)
        self.mask_out = None if mask_out is None else str(mask_out)
        self.stats_out = None if stats_out is None else Path(stats_out)
        self.overwrite, self.crf, self.preset = overwrite, crf, preset
        self.rows: list[tuple[int, float, float, int, str]] = []
        self._sink: Any = None  # a sink from open_sink, opened at the second frame
        self._pending: list[tuple[np.ndarray, float]] = []  # masks held until the rate is known

    def __call__(self, step) -> None:
        mask = self.background.mask_of(step.frame)
        if self.stats_out is not None:
            boxes = find_blobs(mask, min_area=self.min_area)
            share = cv2.countNonZero(mask.view(np.uint8)) / mask.size
            self.rows.append((step.index, float(step.time), share, len(boxes),
                              json.dumps([list(b) for b in boxes], separators=(",", ":"))))
        if self.mask_out is not None:
            img = mask_image(mask)
            if self._sink is None:
                self._pending.append((img, float(step.time)))
                if len(self._pending) < 2:
                    return
                self._open()
            else:
                self._sink.write(img)

    def _open(self) -> None:
        from ..sinks import open_sink

        assert self.mask_out is not None
        times = [t for _, t in self._pending]
        dt = times[1] - times[0] if len(times) > 1 else 0.0
        fps = round(1.0 / dt, 3) if dt > 0 else 25.0
        sink: Any = open_sink(self.mask_out, fps=fps, crf=self.crf, preset=self.preset,
                             overwrite=self.overwrite)
        self._sink = sink
        for img, _ in self._pending:
            sink.write(img)
        self._pending = []

    def stats_text(self) -> str:
        """The CSV text of the rows so far."""
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(STATS_COLUMNS)
        for index, t, share, n, boxes in self.rows:
            w.writerow((index, f"{t:.6f}", f"{share:.6f}", n, boxes))
        return buf.getvalue()

    def close(self) -> None:
        """Finish the mask recording and write the statistics file."""
        try:
            if self.mask_out is not None and self._sink is None and self._pending:
                self._open()
        finally:
            if self._sink is not None:
                self._sink.close()
                self._sink = None
        if self.stats_out is not None:
            write_text(self.stats_out, self.stats_text(), overwrite=self.overwrite)

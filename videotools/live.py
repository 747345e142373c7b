"""Live viewing: overlay, keys, side-by-side, snapshots and recording on demand, around any chain.

:class:`LiveChain` is a processor that runs a chain and adds what a person at
the screen needs; :class:`Recorder` is a sink that records only while switched
on. ``videotools live`` and every ``--display`` use them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path

from .frames import Frame, tile
from .processors import Background
from .protocols import Closeable, HasKeys, HasStatus, KeyMap, Lossy, Processor, Resettable
from .sinks.base import SinkBase, free_name
from .sinks.images import write_image
from .sinks.video import VideoSink

log = logging.getLogger(__name__)


def stamp() -> str:
    return time.strftime("%Y%m%d-%H%M%S")


class Recorder(SinkBase):
    """A sink that writes an MP4 only between ``start()`` and ``stop()`` (the ``o`` key).

    Each recording gets a new timestamped name in ``folder`` and is finalized
    when stopped, and on close (quit, Ctrl-C, a lost camera).
    """

    def __init__(self, folder: str | Path = ".", *, fps: float = 30.0, crf: int = 20,
                 preset: str = "veryfast", prefix: str = "videotools",
                 pixel_aspect: tuple[int, int] = (1, 1)) -> None:
        self.folder, self.fps, self.crf, self.preset, self.prefix = Path(folder), fps, crf, preset, prefix
        self.pixel_aspect = pixel_aspect
        self.sink: VideoSink | None = None
        self.path: Path | None = None
        self.written: list[Path] = []

    @property
    def recording(self) -> bool:
        return self.sink is not None

    def start(self) -> str:
        if self.sink is None:
            self.path = free_name(self.folder / f"{self.prefix}-{stamp()}.mp4")
            self.sink = VideoSink(self.path, fps=self.fps, crf=self.crf, preset=self.preset, queue_size=4,
                                  pixel_aspect=self.pixel_aspect)
        return f"recording {self.sink.path.name}"

    def stop(self) -> str:
        if self.sink is None:
            return "not recording"
        sink, self.sink = self.sink, None
        sink.close()
        self.written.append(sink.path)
        return f"saved {sink.path.name}"

    def toggle(self) -> str:
        return self.stop() if self.recording else self.start()

    def write(self, frame: Frame, time: float | None = None) -> None:
        if self.sink is not None:
            self.sink.write(frame, time)

    def close(self) -> None:
        self.stop()


class LiveChain:
    """Run ``processors`` on each frame and add the live controls.

    Keys (in a window): ``h`` overlay, ``v`` original | processed side by side,
    ``b`` background view, ``s`` snapshot PNG, ``o`` start/stop recording, plus
    the processors' own keys (posterize: ``r`` refit, ``+``/``-`` k).

    Parameters
    ----------
    processors : sequence of callables
    recorder : Recorder, optional
        Needed for the ``o`` key.
    snapshot_dir : path
        Where ``s`` writes ``snapshot-<time>.png``.
    source : object, optional
        Read for ``dropped`` and ``last_timestamp`` (a camera) to show drops and latency.
    """

    def __init__(self, processors: Sequence[Processor], *, recorder: Recorder | None = None,
                 snapshot_dir: str | Path = ".", source: object | None = None, refit_policy: str = "") -> None:
        self.processors = list(processors)
        self.recorder = recorder
        self.snapshot_dir = Path(snapshot_dir)
        self.source = source
        self.refit_policy = refit_policy
        self.show_overlay = True
        self.side_by_side = False
        self.background: Background | None = None
        self.show_background = False
        self.proc_ms = 0.0
        self.fps = 0.0
        self.frames = 0
        self._last_t: float | None = None
        self._last_out: Frame | None = None
        self.snapshots: list[Path] = []

    # -- keys -----------------------------------------------------------------------
    def toggle_overlay(self) -> str:
        self.show_overlay = not self.show_overlay
        return "overlay on" if self.show_overlay else "overlay off"

    def toggle_side_by_side(self) -> str:
        self.side_by_side = not self.side_by_side
        return "original | processed" if self.side_by_side else "processed only"

    def toggle_background(self) -> str:
        self.show_background = not self.show_background
        if self.show_background and self.background is None:
            self.background = Background((0.1, 0.01), view="side-by-side")
        return "background view" if self.show_background else "processed view"

    def snapshot(self) -> str:
        if self._last_out is None:
            return "nothing to save yet"
        path = free_name(self.snapshot_dir / f"snapshot-{stamp()}.png")
        write_image(path, self._last_out)
        self.snapshots.append(path)
        return f"saved {path.name}"

    def toggle_recording(self) -> str:
        if self.recorder is None:
            return "recording needs a recorder"
        return self.recorder.toggle()

    @property
    def keys(self) -> KeyMap:
        keys: KeyMap = {"h": (self.toggle_overlay, "overlay on/off"),
                "v": (self.toggle_side_by_side, "original | processed side by side"),
                "b": (self.toggle_background, "background model view"),
                "s": (self.snapshot, "save a PNG snapshot"),
                "o": (self.toggle_recording, "start/stop recording an MP4")}
        for proc in self.processors:  # a processor's own key wins (background: b cycles its views)
            if isinstance(proc, HasKeys):
                keys.update(proc.keys)
        return keys

    # -- per frame --------------------------------------------------------------------
    def __call__(self, frame: Frame) -> Frame:
        t0 = time.perf_counter()
        if self.background is not None:
            self.background.model.update(frame)
        out = frame
        for proc in self.processors:
            out = proc(out)
        if self.show_background and self.background is not None:
            out = self.background.view_of(frame)
        elif self.side_by_side:
            h, w = frame.shape[:2]
            out = tile([frame, out], (w, h // 2 * 2) if w < h else (w, h), ["original", "processed"])
        now = time.perf_counter()
        ms = (now - t0) * 1e3
        self.proc_ms = ms if self.frames == 0 else 0.9 * self.proc_ms + 0.1 * ms
        if self._last_t is not None and now > self._last_t:
            inst = 1.0 / (now - self._last_t)
            self.fps = inst if self.frames < 2 else 0.9 * self.fps + 0.1 * inst
        self._last_t = now
        self.frames += 1
        self._last_out = out
        return out

    def overlay_lines(self) -> list[str]:
        """What the overlay shows: fps, processing time, drops, k, refit policy, recording."""
        if not self.show_overlay:
            return []
        dropped = self.source.dropped if isinstance(self.source, Lossy) else 0
        lines = [f"{self.fps:4.1f} fps  {self.proc_ms:5.1f} ms/frame  dropped {dropped}"]
        lines += [proc.status() for proc in self.processors if isinstance(proc, HasStatus)]
        if self.recorder is not None and self.recorder.sink is not None:
            lines.append(f"REC {self.recorder.sink.path.name}")
        lines.append("? keys")
        return lines

    def reset(self) -> None:
        for proc in self.processors:
            if isinstance(proc, Resettable):
                proc.reset()

    def close(self) -> None:
        for proc in self.processors:
            if isinstance(proc, Closeable):
                proc.close()

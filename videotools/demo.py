"""What ``videotools demo`` shows: the bundled clip (or the scene it was made from), six views side by side."""

from __future__ import annotations

from pathlib import Path

from .frames import Frame, tile
from .processors import Background, Posterize, mask_image

SAMPLE_SPEC = "synthetic:traffic?size=640x360&seconds=20&seed=7&noise=1.5"
"""The generated scene ``samples/traffic.mp4`` was made from; the demo's source when the clip is not here."""

VIEWS = ("input", "average alpha 0.1", "average alpha 0.01", "plate (clean background)", "foreground mask",
         "posterize k=6")


def sample_path() -> Path | None:
    """The bundled sample clip, from a source checkout or the current folder, or None (an installed wheel)."""
    for base in (Path(__file__).resolve().parents[1], Path.cwd()):
        p = base / "samples" / "traffic.mp4"
        if p.is_file():
            return p
    return None


class DemoView:
    """A processor that tiles six views of each frame: the input, both running averages, the plate,
    the foreground mask (against the plate) and the input posterized with 6 colours.

    ``plate`` is the clean background so far: the demo saves it at the end.
    """

    def __init__(self) -> None:
        self.background = Background((0.1, 0.01), model="plate", view="side-by-side")
        self.posterize = Posterize(k=6, fit_frames=1)

    @property
    def plate(self) -> Frame:
        plate = self.background.model.plate
        assert plate is not None, "no frame seen yet"
        return plate

    def __call__(self, frame: Frame) -> Frame:
        model = self.background.model
        model.update(frame)
        tiles = [frame, *model.backgrounds, self.plate, mask_image(model.foreground(frame)), self.posterize(frame)]
        h, w = frame.shape[:2]
        # 3 x 2 views at half size: an exact 2x reduction, 8x cheaper than any other scale (OpenCV's INTER_AREA)
        return tile(tiles, (w // 2 * 3, h), list(VIEWS))

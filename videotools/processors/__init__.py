"""Processors: callables that map an RGB frame to an RGB frame.

Names are imported on first use (PEP 562), so that a command importing
``videotools.processors.posterize`` for a constant does not load the others.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy import lazy_names

if TYPE_CHECKING:
    from .background import Background, BackgroundModel, BackgroundState
    from .basic import Blur, Flip, Grey, Resize
    from .masks import find_blobs, mask_image, shadow_mask
    from .plate import PlateModel
    from .posterize import Posterize, SceneCutDetector

_WHERE = {  # public name -> the module that defines it
    **dict.fromkeys(["Background", "BackgroundModel", "BackgroundState"], ".background"),
    **dict.fromkeys(["find_blobs", "mask_image", "shadow_mask"], ".masks"),
    **dict.fromkeys(["Blur", "Flip", "Grey", "Resize"], ".basic"),
    **dict.fromkeys(["PlateModel"], ".plate"),
    **dict.fromkeys(["Posterize", "SceneCutDetector"], ".posterize"),
}


__getattr__, __dir__ = lazy_names(__name__, _WHERE)


__all__ = ["Background", "BackgroundModel", "BackgroundState", "PlateModel", "find_blobs", "mask_image",
           "shadow_mask", "Posterize", "SceneCutDetector", "Resize", "Grey", "Blur", "Flip"]

"""Processors: callables that map an RGB frame to an RGB frame.

Names are imported on first use (PEP 562), so that a command importing
``videotools.processors.posterize`` for a constant does not load the others.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .background import Background, BackgroundModel, BackgroundState, find_blobs, mask_image, shadow_mask
    from .basic import Blur, Flip, Grey, Resize
    from .plate import PlateModel
    from .posterize import Posterize, SceneCutDetector

_WHERE = {  # public name -> the module that defines it
    **dict.fromkeys(["Background", "BackgroundModel", "BackgroundState", "find_blobs", "mask_image",
                     "shadow_mask"], ".background"),
    **dict.fromkeys(["Blur", "Flip", "Grey", "Resize"], ".basic"),
    **dict.fromkeys(["PlateModel"], ".plate"),
    **dict.fromkeys(["Posterize", "SceneCutDetector"], ".posterize"),
}


def __getattr__(name: str) -> Any:
    """Import the module that defines ``name`` on first use, and keep the name here."""
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(where, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_WHERE})


__all__ = ["Background", "BackgroundModel", "BackgroundState", "PlateModel", "find_blobs", "mask_image",
           "shadow_mask", "Posterize", "SceneCutDetector", "Resize", "Grey", "Blur", "Flip"]

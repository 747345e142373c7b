"""Processors: callables that map an RGB frame to an RGB frame."""

from .background import Background, BackgroundModel
from .basic import Blur, Flip, Grey, Resize
from .posterize import Posterize, SceneCutDetector

__all__ = ["Background", "BackgroundModel", "Posterize", "SceneCutDetector", "Resize", "Grey",
           "Blur", "Flip"]

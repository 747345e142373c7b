"""Processors: callables that map an RGB frame to an RGB frame."""

from .background import Background, BackgroundModel, BackgroundState, find_blobs, mask_image, shadow_mask
from .basic import Blur, Flip, Grey, Resize
from .plate import PlateModel
from .posterize import Posterize, SceneCutDetector

__all__ = ["Background", "BackgroundModel", "BackgroundState", "PlateModel", "find_blobs", "mask_image",
           "shadow_mask", "Posterize", "SceneCutDetector", "Resize", "Grey", "Blur", "Flip"]

"""Still-image tools on the shared k-means core: dominant palettes, segmentation, grouping."""

from .group import GroupResult, adjusted_rand_index, group_images, image_features
from .palette import ColorShare, dominant_colors, palette_bar, source_colors, write_gpl
from .segment import Segmentation, label_colors, segment

__all__ = ["dominant_colors", "source_colors", "ColorShare", "palette_bar", "write_gpl", "segment", "Segmentation",
           "label_colors", "group_images", "GroupResult", "image_features", "adjusted_rand_index"]

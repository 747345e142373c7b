"""Still-image tools on the shared k-means core: dominant palettes, segmentation, grouping."""

from .group import GroupResult, adjusted_rand_index, group_images, image_features
from .palette import ColorShare, dominant_colors, extract_palette, palette_bar, source_colors, write_gpl
from .segment import Segmentation, label_colors, segment, segment_file

__all__ = ["extract_palette", "segment_file", "dominant_colors", "source_colors", "ColorShare", "palette_bar",
           "write_gpl", "segment", "Segmentation", "label_colors", "group_images", "GroupResult", "image_features",
           "adjusted_rand_index"]

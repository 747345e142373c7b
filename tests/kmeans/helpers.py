"""Reference computations the k-means tests compare against."""

import numpy as np

import videotools as vt
from tests.conftest import ROOT
from videotools.kmeans import to_space

SAMPLES = ROOT / "samples"


def brute_nearest_dist(pixels: np.ndarray, colors: np.ndarray, space: str = "rgb") -> np.ndarray:
    """Reference: squared distance from each pixel to its nearest colour, by plain numpy."""
    p = to_space(pixels.reshape(-1, 3), space).astype(np.float64)
    c = to_space(colors, space).astype(np.float64)
    return ((p[:, None, :] - c[None, :, :]) ** 2).sum(2).min(1)


def dist_to(pixels, colors, labels, space="rgb"):
    p = to_space(pixels.reshape(-1, 3), space).astype(np.float64)
    c = to_space(colors, space).astype(np.float64)
    return ((p - c[labels.reshape(-1)]) ** 2).sum(1)


def real_image():
    return vt.read_image(SAMPLES / "coffee.png")


def clip_frame():
    with vt.open_source(SAMPLES / "traffic.mp4", start=4) as src:
        return next(iter(src))

"""Colour spaces and hex parsing."""

import numpy as np
import pytest

import videotools as vt
from videotools.kmeans import from_space, luminance, parse_color, to_hex, to_space


@pytest.mark.parametrize("value,want", [("#ff8800", (255, 136, 0)), ("FF8800", (255, 136, 0)),
                                        (" #f80 ", (255, 136, 0)), ((1, 2, 3), (1, 2, 3)),
                                        (np.array([9, 8, 7]), (9, 8, 7))])
def test_parse_color(value, want):
    assert parse_color(value) == want


@pytest.mark.parametrize("value", ["red", "#ff88", "#gg0000", (1, 2), (0, 0, 256), (0.5, 0, 0)])
def test_parse_color_names_the_bad_value(value):
    with pytest.raises(vt.ParameterError, match="bad colour"):
        parse_color(value)


def test_to_hex_round_trips_parse_color():
    assert to_hex((255, 136, 0)) == "#ff8800" and parse_color(to_hex((1, 2, 3))) == (1, 2, 3)


@pytest.mark.parametrize("space", ["rgb", "lab"])
def test_space_round_trip_is_within_one_level(space):
    rgb = np.random.default_rng(0).integers(0, 256, (1000, 3)).astype(np.uint8)
    back = from_space(to_space(rgb, space), space)
    assert np.abs(back.astype(int) - rgb).max() <= 1


def test_lab_of_white_and_black():
    lab = to_space(np.array([[255, 255, 255], [0, 0, 0]], np.uint8), "lab")
    np.testing.assert_allclose(lab, [[100, 0, 0], [0, 0, 0]], atol=0.01)


def test_bad_space_is_named():
    with pytest.raises(vt.ParameterError, match="space must be one of .*got 'hsv'"):
        to_space(np.zeros((1, 3), np.uint8), "hsv")


def test_luminance_weights():
    np.testing.assert_allclose(luminance(np.array([[255, 0, 0], [0, 255, 0], [0, 0, 255]])),
                               [76.245, 149.685, 29.07])

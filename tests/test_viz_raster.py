"""viz/raster.py: fields as PNG layout images must show the colours and the places a Plotly heatmap would."""

import base64
import io

import numpy as np
import pytest
from PIL import Image
from plotly.colors import sample_colorscale, unlabel_rgb

from viz import raster

SCALE = [[0.0, "#E69F00"], [0.5, "#FFFFFF"], [1.0, "#0072B2"]]


def _decode(uri: str) -> np.ndarray:
    assert uri.startswith("data:image/png;base64,")
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))).convert("RGB"))


def test_colour_table_matches_plotly_sampling():
    """Plotly's own sample_colorscale is the reference for the blend between stops."""
    table = raster.colour_table(SCALE, 11)
    expected = np.array([unlabel_rgb(c) for c in sample_colorscale(SCALE, np.linspace(0, 1, 11).tolist())])
    np.testing.assert_allclose(table, expected, atol=1.0)


def test_field_image_orientation_and_values():
    """Row 0 of the values is the lowest y, so it must be the bottom row of the picture."""
    values = np.zeros((3, 4))
    values[0, :] = 1.0  # bottom row blue, the rest orange
    rgb = _decode(raster.png_data_uri(raster.field_rgb(values, SCALE, 0.0, 1.0)))
    assert rgb.shape == (3, 4, 3)
    np.testing.assert_array_equal(rgb[-1, 0], (0x00, 0x72, 0xB2))
    np.testing.assert_array_equal(rgb[0, 0], (0xE6, 0x9F, 0x00))


def test_field_image_covers_the_heatmap_cells():
    ticks_x, ticks_y = np.linspace(-2, 2, 5), np.linspace(0, 1, 3)
    image = raster.field_image(ticks_x, ticks_y, np.zeros((3, 5)), SCALE, 0, 1)
    # cells of width 1 centred on -2..2: edges at -2.5 and 2.5; rows of height 0.5 centred on 0..1
    assert image["x"] == pytest.approx(-2.5) and image["sizex"] == pytest.approx(5.0)
    assert image["y"] == pytest.approx(1.25) and image["sizey"] == pytest.approx(1.5)
    clipped = raster.field_image(ticks_x, ticks_y, np.zeros((3, 5)), SCALE, 0, 1, to_centres=True)
    assert clipped["x"] == pytest.approx(-2.0) and clipped["sizex"] == pytest.approx(4.0)


def test_iso_lines_trace_a_circle():
    ticks = np.linspace(-2, 2, 81)
    g1, g2 = np.meshgrid(ticks, ticks)
    xs, ys = raster.iso_lines(ticks, ticks, g1**2 + g2**2, 1.0)
    points = np.array([(x, y) for x, y in zip(xs, ys, strict=True) if x is not None])
    assert len(points) > 50
    np.testing.assert_allclose(np.hypot(points[:, 0], points[:, 1]), 1.0, atol=2e-3)
    assert xs.count(None) == 1  # one closed curve


def test_colorbar_trace_is_outside_the_plot():
    trace = raster.colorbar_trace(SCALE, 0.0, 1.0, {"title": {"text": "P"}}, outside=20.0)
    assert min(trace["x"]) >= 20.0 and trace["zmin"] == 0.0 and trace["zmax"] == 1.0

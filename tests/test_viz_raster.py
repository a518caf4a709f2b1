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


# --------------------------------------------------------------------------------------------- dots

BLUE, VERMILION = "#0072B2", "#D55E00"


def _pixel_centre(i: int, j: int, side: int, lo: float = 0.0, hi: float = 1.0) -> tuple[float, float]:
    """The (x, y) of pixel (row i, column j) of a side × side picture over [lo, hi]² (row 0 at the top)."""
    step = (hi - lo) / side
    return lo + (j + 0.5) * step, hi - (i + 0.5) * step


def test_a_dot_lands_on_its_pixel_with_its_colour_and_opacity():
    x, y = _pixel_centre(5, 12, 40)
    rgba = raster.dots_rgba([(np.array([[x, y]]), BLUE)], (0, 1), (0, 1), (40, 40), 3.0, 0.6)
    assert rgba.shape == (40, 40, 4)
    np.testing.assert_array_equal(rgba[5, 12, :3], (0x00, 0x72, 0xB2))
    assert rgba[5, 12, 3] == round(0.6 * 255)
    # the disc: nothing beyond r + ½ from the centre, and its area (coverage summed over opacity) is π r²
    rows, cols = np.nonzero(rgba[..., 3])
    assert np.hypot(rows - 5, cols - 12).max() <= 3.5
    assert rgba[..., 3].sum() / 255 / 0.6 == pytest.approx(np.pi * 3.0**2, rel=0.05)


def test_overlapping_dots_stack_as_plotly_markers_do():
    """k translucent markers of opacity o over one another cover 1 − (1 − o)^k (the "over" rule, k times)."""
    x, y = _pixel_centre(10, 10, 20)
    for k in (1, 2, 5):
        rgba = raster.dots_rgba([(np.repeat([[x, y]], k, axis=0), BLUE)], (0, 1), (0, 1), (20, 20), 2.0, 0.35)
        assert rgba[10, 10, 3] == round((1 - 0.65**k) * 255)


def test_groups_are_painted_in_order():
    x, y = _pixel_centre(8, 8, 16)
    dot = np.array([[x, y]])
    first_blue = raster.dots_rgba([(dot, BLUE), (dot, VERMILION)], (0, 1), (0, 1), (16, 16), 2.0, 1.0)
    first_red = raster.dots_rgba([(dot, VERMILION), (dot, BLUE)], (0, 1), (0, 1), (16, 16), 2.0, 1.0)
    np.testing.assert_array_equal(first_blue[8, 8], (0xD5, 0x5E, 0x00, 255))
    np.testing.assert_array_equal(first_red[8, 8], (0x00, 0x72, 0xB2, 255))
    # half-opaque red over opaque blue: the blend 0.5 red + 0.5 blue, fully opaque
    blend = raster.dots_rgba([(dot, BLUE, 2.0), (dot, VERMILION, 2.0)], (0, 1), (0, 1), (16, 16), 2.0, 1.0)
    assert blend[8, 8, 3] == 255


def test_points_outside_the_picture_or_missing_are_left_out():
    points = np.array([[5.0, 5.0], [np.nan, 0.5], [-3.0, 0.5]])
    rgba = raster.dots_rgba([(points, BLUE)], (0, 1), (0, 1), (10, 10), 1.5, 0.8)
    assert not rgba[..., 3].any()


def test_dots_image_covers_the_ranges_and_keeps_its_picture():
    points = np.random.default_rng(0).normal(size=(300, 2))
    image = raster.dots_image([(points, BLUE)], (-3, 3), (-2, 2), radius_px=3, opacity=0.7, xref="x2", yref="y2")
    assert (image["x"], image["y"], image["sizex"], image["sizey"]) == (-3, 2, 6, 4)
    assert (image["xref"], image["yref"], image["layer"]) == ("x2", "y2", "below")
    picture = Image.open(io.BytesIO(base64.b64decode(image["source"].split(",", 1)[1])))
    assert picture.size == (raster.DOTS_IMAGE_PX, round(raster.DOTS_IMAGE_PX * 4 / 6))  # the ranges' shape
    again = raster.dots_image([(points.copy(), BLUE)], (-3, 3), (-2, 2), radius_px=3, opacity=0.7)
    assert again["source"] is image["source"]  # the same dots are drawn once


def test_the_palette_picture_looks_like_the_full_one():
    """The PNG keeps DOTS_PALETTE colours: every pixel within a few levels of the unquantised picture."""
    rng = np.random.default_rng(1)
    groups = [(rng.normal(size=(180, 2)), colour) for colour in (BLUE, VERMILION, "#009E73", "#F0E442", "#000000")]
    full = raster.dots_rgba(groups, (-3, 3), (-3, 3), (320, 320), 3.0, 0.75).astype(float)
    image = raster.dots_image(groups, (-3, 3), (-3, 3), radius_px=3.0, opacity=0.75, size_px=(320, 320))
    shown = np.asarray(Image.open(io.BytesIO(base64.b64decode(image["source"].split(",", 1)[1]))).convert("RGBA"))
    # compare as drawn on white (what the figure shows)
    on_white = lambda px: px[..., :3] * px[..., 3:] / 255 + 255 * (1 - px[..., 3:] / 255)  # noqa: E731
    difference = np.abs(on_white(full) - on_white(shown.astype(float)))
    assert np.percentile(difference, 99) < 12
    assert difference.mean() < 1.5


def test_cells_picture_gives_each_pixel_its_nearest_cells_colour():
    """As Plotly draws a heatmap without smoothing: a flat colour per cell, cell edges halfway between centres."""
    ticks_x, ticks_y = np.linspace(-1, 1, 5), np.linspace(0, 2, 3)
    values = np.arange(15, dtype=float).reshape(3, 5) / 14
    picture = raster.cells_rgb(ticks_x, ticks_y, values, SCALE, 0, 1, (50, 30), (-1, 1), (0, 2))
    assert picture.shape == (30, 50, 3)
    table = raster.field_rgb(values, SCALE, 0, 1)[::-1]  # rows = increasing y
    for row, col in ((0, 0), (29, 49), (15, 25), (3, 11), (22, 38)):
        x = -1 + (col + 0.5) * 2 / 50
        y = 2 - (row + 0.5) * 2 / 30
        i, j = int(np.argmin(abs(ticks_y - y))), int(np.argmin(abs(ticks_x - x)))
        np.testing.assert_array_equal(picture[row, col], table[i, j])


def test_dots_over_a_background_keep_it_where_there_is_no_dot():
    background = np.full((20, 20, 3), (10, 200, 30), dtype=np.uint8)
    x, y = _pixel_centre(10, 10, 20)
    rgba = raster.dots_rgba([(np.array([[x, y]]), BLUE)], (0, 1), (0, 1), (20, 20), 2.0, 0.5, background)
    assert (rgba[..., 3] == 255).all()
    np.testing.assert_array_equal(rgba[0, 0, :3], (10, 200, 30))
    # half-opaque blue over the green: the mean of the two
    np.testing.assert_array_equal(
        rgba[10, 10, :3], np.rint((np.array((0x00, 0x72, 0xB2)) + np.array((10, 200, 30))) / 2)
    )

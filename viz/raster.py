"""Fields over a plane as small PNG images inside a Plotly figure, and iso-lines as one line trace.

Why: a live view redraws every tenth of a second, and in the browser a Plotly ``heatmap`` trace costs tens of
milliseconds per redraw (and a ``contour`` trace more: Plotly runs marching squares in JavaScript each time),
while a layout image of the same field is one ``<image>`` element the browser scales (with bilinear
smoothing, the look of TF Playground's canvas). Measured in Chromium on the neural-network trainer: see
``docs/benchmarks.md`` (browser frames).

The colours come from the same Plotly colour scale the heatmap would use, so a picture keeps its legend
(:func:`colorbar_trace` draws the scale's bar without drawing any cells).
"""

from __future__ import annotations

import base64
import functools
import io
from collections.abc import Sequence

import contourpy
import numpy as np
from PIL import Image
from plotly.colors import hex_to_rgb, unlabel_rgb

Colorscale = Sequence[Sequence]
"""Plotly's form: [[0.0, "#E69F00"], [0.5, "#FFFFFF"], [1.0, "#0072B2"]]."""


def _rgb(colour: str) -> tuple[float, float, float]:
    return tuple(float(c) for c in (hex_to_rgb(colour) if colour.startswith("#") else unlabel_rgb(colour)))


def colour_table(colorscale: Colorscale, n: int = 256) -> np.ndarray:
    """The scale sampled at n evenly spaced levels, (n, 3) uint8: the same piecewise-linear RGB blend Plotly
    uses between the stops."""
    return _colour_table(tuple((float(s), str(c)) for s, c in colorscale), n)


@functools.lru_cache(maxsize=32)
def _colour_table(colorscale: tuple[tuple[float, str], ...], n: int) -> np.ndarray:
    stops = np.array([float(s) for s, _ in colorscale])
    rgb = np.array([_rgb(c) for _, c in colorscale])  # (stops, 3)
    levels = np.linspace(0.0, 1.0, n)
    table = np.stack([np.interp(levels, stops, rgb[:, channel]) for channel in range(3)], axis=1)
    table = np.rint(table).astype(np.uint8)
    table.setflags(write=False)  # shared by every call with this scale
    return table


def field_rgb(values: np.ndarray, colorscale: Colorscale, zmin: float, zmax: float) -> np.ndarray:
    """values (rows = increasing y, columns = increasing x) → an RGB image (rows = decreasing y, as drawn)."""
    table = colour_table(colorscale)
    scaled = (np.asarray(values, dtype=np.float64) - zmin) / ((zmax - zmin) or 1.0)
    index = np.rint(np.clip(np.nan_to_num(scaled, nan=0.5), 0.0, 1.0) * (len(table) - 1)).astype(np.intp)
    return table[index[::-1]]  # (h, w, 3): image row 0 is the top of the plane


def png_data_uri(rgb: np.ndarray) -> str:
    """An (h, w, 3) uint8 image (or (h, w, 4) with alpha) as a ``data:image/png`` URI (fast compression: the
    image is redrawn often)."""
    buffer = io.BytesIO()
    mode = "RGBA" if rgb.shape[-1] == 4 else "RGB"
    Image.fromarray(np.ascontiguousarray(rgb, dtype=np.uint8), mode=mode).save(buffer, format="PNG", compress_level=1)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def layout_image(
    source: str, x: float, y: float, sizex: float, sizey: float, *, xref: str = "x", yref: str = "y", **extra
) -> dict:
    """A picture under the traces of axes (xref, yref), its top-left corner at (x, y), stretched over sizex × sizey
    in those axes' units (``extra``: more of Plotly's layout-image properties, e.g. opacity)."""
    return dict(
        source=source,
        xref=xref,
        yref=yref,
        x=x,
        y=y,
        sizex=sizex,
        sizey=sizey,
        sizing="stretch",
        xanchor="left",
        yanchor="top",
        layer="below",
        **extra,
    )


def field_image(
    ticks_x: np.ndarray,
    ticks_y: np.ndarray,
    values: np.ndarray,
    colorscale: Colorscale,
    zmin: float,
    zmax: float,
    *,
    xref: str = "x",
    yref: str = "y",
    to_centres: bool = False,
) -> dict:
    """A layout image covering the cells of a heatmap on ``ticks_x`` × ``ticks_y`` (cell centres, evenly spaced),
    where ``go.Heatmap(x=ticks_x, y=ticks_y, z=values)`` would draw them; ``to_centres`` stops it at the outer
    cells' centres instead (for axes whose range ends there: layout images are not clipped to the plot area)."""
    dx = 0.0 if to_centres else (ticks_x[-1] - ticks_x[0]) / max(1, len(ticks_x) - 1)
    dy = 0.0 if to_centres else (ticks_y[-1] - ticks_y[0]) / max(1, len(ticks_y) - 1)
    return layout_image(
        png_data_uri(field_rgb(values, colorscale, zmin, zmax)),
        float(ticks_x[0] - dx / 2),
        float(ticks_y[-1] + dy / 2),
        float(ticks_x[-1] - ticks_x[0] + dx),
        float(ticks_y[-1] - ticks_y[0] + dy),
        xref=xref,
        yref=yref,
    )


def iso_lines(ticks_x: np.ndarray, ticks_y: np.ndarray, values: np.ndarray, level: float) -> tuple[list, list]:
    """The level set {values = level} as x and y lists of polylines separated by None (one Plotly line trace),
    by contourpy's marching squares (the algorithm matplotlib's contour uses)."""
    generator = contourpy.contour_generator(
        np.asarray(ticks_x, dtype=np.float64), np.asarray(ticks_y, dtype=np.float64), np.asarray(values, np.float64)
    )
    xs: list = []
    ys: list = []
    for line in generator.lines(level):  # each (k, 2): x, y
        xs += [*np.round(line[:, 0], 4).tolist(), None]
        ys += [*np.round(line[:, 1], 4).tolist(), None]
    return xs, ys


def colorbar_trace(colorscale: Colorscale, zmin: float, zmax: float, colorbar: dict, *, outside: float) -> dict:
    """A two-cell heatmap placed at x, y = ``outside`` (beyond the axes' fixed ranges, so its cells are clipped
    away) that draws the colour bar of the scale, for a figure whose field is a layout image. (Plotly draws no
    bar for a heatmap of missing values.)"""
    return dict(
        type="heatmap",
        z=[[zmin, zmax]],
        x=[outside, outside + 1.0],
        y=[outside],
        colorscale=[list(stop) for stop in colorscale],
        zmin=zmin,
        zmax=zmax,
        colorbar=colorbar,
        hoverinfo="skip",
        showlegend=False,
    )


# --------------------------------------------------------------------------------------------- dots

DOTS_IMAGE_PX = 640
"""Longer side of a dots picture: above a half-column panel's size on a 1920-px screen, so the dots stay crisp."""


def _disc(radius_px: float, opacity: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A dot's kernel: the pixel offsets (dx, dy) it touches and log(1 − o·w) of each, w the fraction of that
    pixel inside the disc."""
    reach = int(np.ceil(radius_px + 0.5))
    dy, dx = np.mgrid[-reach : reach + 1, -reach : reach + 1]
    w = np.clip(radius_px + 0.5 - np.hypot(dx, dy), 0.0, 1.0)
    inside = w > 0
    return dx[inside], dy[inside], np.log1p(-opacity * np.minimum(w[inside], 1 - 1e-9))


def dots_rgba(
    groups: Sequence[tuple],
    x_range: tuple[float, float],
    y_range: tuple[float, float],
    size_px: tuple[int, int],
    radius_px: float,
    opacity: float,
    background: np.ndarray | None = None,
) -> np.ndarray:
    """Scattered points as round dots on a transparent (h, w, 4) uint8 image over x_range × y_range (row 0 at the
    top), or over ``background`` (an opaque (h, w, 3) uint8 picture of the same size): ``groups`` of
    (points (n, 2), colour), or (points, colour, its own radius_px) or (points, colour, radius_px, opacity),
    painted in order, each group over the ones before, as Plotly paints its traces.

    Translucent dots stack as Plotly's markers do: where k dots of opacity o overlap, the coverage is
    1 − (1 − o)^k. Each dot's edge is antialiased (a pixel at distance d from the centre is covered by
    w = clip(r + ½ − d, 0, 1)), so the coverage of a group at a pixel is 1 − Π_dots (1 − o·w): summed as logs
    with one bincount per group."""
    width, height = size_px
    (x0, x1), (y0, y1) = x_range, y_range
    if background is None:
        premultiplied = np.zeros((height * width, 3), dtype=np.float32)
        alpha = np.zeros(height * width, dtype=np.float32)
    else:
        premultiplied = np.asarray(background, dtype=np.float32).reshape(height * width, 3).copy()
        alpha = np.ones(height * width, dtype=np.float32)
    for points, colour, *own in groups:
        dx, dy, log_clear = _disc(own[0] if own else radius_px, own[1] if len(own) > 1 else opacity)
        points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        points = points[np.isfinite(points).all(axis=1)]
        if not len(points):
            continue
        # pixel centres: column j at x0 + (j + ½)·(x1 − x0)/w; rows run down from y1
        cx = np.rint((points[:, 0] - x0) / (x1 - x0) * width - 0.5).astype(np.int64)
        cy = np.rint((y1 - points[:, 1]) / (y1 - y0) * height - 0.5).astype(np.int64)
        cols = (cx[:, None] + dx[None, :]).ravel()
        rows = (cy[:, None] + dy[None, :]).ravel()
        keep = (cols >= 0) & (cols < width) & (rows >= 0) & (rows < height)
        weights = np.broadcast_to(log_clear, (len(points), len(log_clear))).ravel()[keep]
        # only the pixels under this group's dots change (a small part of the picture)
        touched, slot = np.unique(rows[keep] * width + cols[keep], return_inverse=True)
        coverage = (-np.expm1(np.bincount(slot, weights=weights))).astype(np.float32)  # 1 − Π (1 − o·w)
        # this group over what is painted so far (premultiplied colour)
        rgb = np.asarray(_rgb(colour), dtype=np.float32)
        premultiplied[touched] = premultiplied[touched] * (1 - coverage)[:, None] + coverage[:, None] * rgb[None, :]
        alpha[touched] = alpha[touched] * (1 - coverage) + coverage
    rgba = np.zeros((height * width, 4), dtype=np.uint8)
    painted = np.flatnonzero(alpha)
    rgba[painted, :3] = np.rint(np.clip(premultiplied[painted] / alpha[painted, None], 0, 255))
    rgba[painted, 3] = np.rint(alpha[painted] * 255)
    return rgba.reshape(height, width, 4)


DOTS_PALETTE = 256
"""Colours of a dots picture's PNG palette (the most a PNG palette holds): the dots' colours at the levels their
edges and overlaps make. Drawn on white, 99 % of the pixels stay within 13 of 255 levels of the full picture (64
colours: 30, and up to 183 where five colours overlap), and the file is ~3× smaller than the full RGBA one."""


def marker_radius(marker_px: float, panel_px: float, image_px: int) -> float:
    """The radius, in a picture ``image_px`` wide stretched over a panel ``panel_px`` wide in the browser, of the
    dot that looks like a Plotly marker of size (diameter) ``marker_px``."""
    return marker_px / 2 * image_px / panel_px


@functools.lru_cache(maxsize=32)
def _dots_png(key: tuple, x_range, y_range, size_px, radius_px, opacity) -> str:
    """The PNG of dots without a background, kept: the same dots (a data set that does not change) are drawn once."""
    groups = [(np.frombuffer(points, dtype=np.float64).reshape(-1, 2), *rest) for points, *rest in key]
    return _png(dots_rgba(groups, x_range, y_range, size_px, radius_px, opacity))


def _png(rgba: np.ndarray) -> str:
    buffer = io.BytesIO()
    Image.fromarray(rgba, mode="RGBA").quantize(DOTS_PALETTE, method=Image.Quantize.FASTOCTREE).save(
        buffer, format="PNG", compress_level=3
    )
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def dots_image(
    groups: Sequence[tuple],
    x_range: tuple[float, float],
    y_range: tuple[float, float],
    *,
    radius_px: float,
    opacity: float,
    size_px: tuple[int, int] | None = None,
    background: np.ndarray | None = None,
    xref: str = "x",
    yref: str = "y",
) -> dict:
    """A layout image of the dots of :func:`dots_rgba`, stretched over x_range × y_range of axes (xref, yref): one
    ``<image>`` where Plotly would draw one SVG path per point (1,800 markers took ~150 ms to draw in Chromium;
    the picture a few). ``size_px`` defaults to DOTS_IMAGE_PX on the longer side of the ranges' shape; a
    ``radius_px`` is in that picture's pixels (:func:`marker_radius`); ``background``, an opaque picture of
    ``size_px`` under the dots (a field the dots lie on). Dots without a background are drawn once and kept; over
    a background (a field that moves with every live frame) they are drawn each time, and not kept. One picture
    per axes: Plotly draws a single image of several that share their place and size."""
    (x0, x1), (y0, y1) = (float(v) for v in x_range), (float(v) for v in y_range)
    if size_px is None:
        aspect = (y1 - y0) / (x1 - x0)
        size_px = (
            (DOTS_IMAGE_PX, max(1, round(DOTS_IMAGE_PX * aspect)))
            if aspect <= 1
            else (max(1, round(DOTS_IMAGE_PX / aspect)), DOTS_IMAGE_PX)
        )
    if background is None:
        key = tuple(
            (np.ascontiguousarray(points, dtype=np.float64).tobytes(), str(colour), *(float(v) for v in own))
            for points, colour, *own in groups
        )
        source = _dots_png(key, (x0, x1), (y0, y1), tuple(size_px), float(radius_px), float(opacity))
    else:
        source = _png(dots_rgba(groups, (x0, x1), (y0, y1), tuple(size_px), radius_px, opacity, background))
    return layout_image(source, x0, y1, x1 - x0, y1 - y0, xref=xref, yref=yref)


def legend_entry(name: str, colour: str, size: int, opacity: float, **extra) -> dict:
    """A legend item for dots drawn in a picture: a marker trace with no points (``extra``: legendgroup, axes)."""
    return dict(
        type="scatter",
        x=[None],
        y=[None],
        mode="markers",
        name=name,
        marker=dict(color=colour, size=size, opacity=opacity),
        hoverinfo="skip",
        **extra,
    )


def pictured_points(
    points: np.ndarray,
    name: str,
    colour: str,
    size: int,
    opacity: float,
    *,
    hover_label: str | None = None,
    show_legend: bool = True,
    **axes,
) -> list[dict]:
    """The traces of points drawn as dots in a picture (:func:`dots_image`): one invisible marker each, for hover
    and clicks (``viz.plain.click_marker``: Plotly draws one of them), and the legend's entry for their colour.
    ``axes``: xaxis, yaxis of a subplot."""
    from viz import plain  # here: viz.plain imports the theme, which this module does not need

    points = np.asarray(points)
    return [
        dict(
            type="scatter",
            x=points[:, 0].astype(np.float32),
            y=points[:, 1].astype(np.float32),
            mode="markers",
            name=name,
            legendgroup=name,
            showlegend=False,
            marker=plain.click_marker(size + 4),
            hovertemplate=f"{hover_label or name} (%{{x:.2f}}, %{{y:.2f}})<extra></extra>",
            **axes,
        ),
        legend_entry(name, colour, size, opacity, legendgroup=name, showlegend=show_legend, **axes),
    ]


def cells_rgb(
    ticks_x: np.ndarray,
    ticks_y: np.ndarray,
    values: np.ndarray,
    colorscale: Colorscale,
    zmin: float,
    zmax: float,
    size_px: tuple[int, int],
    x_range: tuple[float, float],
    y_range: tuple[float, float],
) -> np.ndarray:
    """The heatmap of ``values`` on cell centres ``ticks_x`` × ``ticks_y`` as Plotly draws it inside the axes'
    ranges (each cell one flat colour, no smoothing): an (h, w, 3) picture of ``size_px`` over x_range × y_range,
    each pixel the colour of the cell whose centre is nearest (a background for :func:`dots_rgba`)."""
    width, height = size_px
    (x0, x1), (y0, y1) = x_range, y_range
    centres_x = x0 + (np.arange(width) + 0.5) * (x1 - x0) / width
    centres_y = y1 - (np.arange(height) + 0.5) * (y1 - y0) / height  # rows run down
    dx = (ticks_x[-1] - ticks_x[0]) / max(1, len(ticks_x) - 1)
    dy = (ticks_y[-1] - ticks_y[0]) / max(1, len(ticks_y) - 1)
    col = np.clip(np.rint((centres_x - ticks_x[0]) / (dx or 1.0)), 0, len(ticks_x) - 1).astype(np.intp)
    row = np.clip(np.rint((centres_y - ticks_y[0]) / (dy or 1.0)), 0, len(ticks_y) - 1).astype(np.intp)
    picture = field_rgb(values, colorscale, zmin, zmax)[::-1]  # back to rows = increasing y
    return picture[row[:, None], col[None, :]]

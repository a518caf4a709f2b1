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

"""A K-class decision field as one picture: every point of the plane in the colour of its most probable class,
paler where the model is less sure (the multi-class form of TF Playground's two-colour background).

Drawn as a layout image (see viz/raster.py for why a picture, not a heatmap trace, on a live chart).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from viz import raster

WHITE = np.array([255.0, 255.0, 255.0])


def confidence_strength(probs: np.ndarray) -> np.ndarray:
    """s = (max_k p_k − 1/K) / (1 − 1/K) ∈ [0, 1]: 0 where every class is equally likely, 1 where one class has
    p = 1 (for K = 2 this is |2p − 1|, the two-colour scale's distance from white). probs: (K, ...)."""
    n_classes = probs.shape[0]
    # s = (max_k p_k − 1/K) / (1 − 1/K)
    return np.clip((probs.max(axis=0) - 1.0 / n_classes) / (1.0 - 1.0 / n_classes), 0.0, 1.0)


def class_field_rgb(probs: np.ndarray, colours: Sequence[str]) -> np.ndarray:
    """probs (K, rows = increasing y, columns = increasing x) → an RGB image (rows = decreasing y, as drawn): the
    colour of argmax_k p_k mixed with white, white·(1 − s) + colour·s with s = :func:`confidence_strength`."""
    probs = np.asarray(probs, dtype=np.float64)
    palette = np.array([raster.colour_table([[0.0, c], [1.0, c]], 2)[0] for c in colours], dtype=np.float64)
    winner = probs.argmax(axis=0)  # (h, w): the most probable class
    strength = confidence_strength(probs)[..., None]  # (h, w, 1)
    # white·(1 − s) + colour·s
    rgb = WHITE * (1.0 - strength) + palette[winner % len(palette)] * strength
    return np.rint(rgb[::-1]).astype(np.uint8)  # (h, w, 3): image row 0 is the top of the plane


def class_field_image(
    ticks_x: np.ndarray, ticks_y: np.ndarray, probs: np.ndarray, colours: Sequence[str], *, to_centres: bool = True
) -> dict:
    """A layout image of :func:`class_field_rgb` placed as ``raster.field_image`` places a field on ``ticks_x`` ×
    ``ticks_y`` (``to_centres``: it ends at the outer cells' centres, for axes whose range ends there)."""
    dx = 0.0 if to_centres else (ticks_x[-1] - ticks_x[0]) / max(1, len(ticks_x) - 1)
    dy = 0.0 if to_centres else (ticks_y[-1] - ticks_y[0]) / max(1, len(ticks_y) - 1)
    return raster.layout_image(
        raster.png_data_uri(class_field_rgb(probs, colours)),
        float(ticks_x[0] - dx / 2),
        float(ticks_y[-1] + dy / 2),
        float(ticks_x[-1] - ticks_x[0] + dx),
        float(ticks_y[-1] - ticks_y[0] + dy),
    )


def region_edges(ticks_x: np.ndarray, ticks_y: np.ndarray, probs: np.ndarray) -> tuple[list, list]:
    """The borders between the classes' regions as x, y polylines separated by None: for each class k the level
    set p_k − max_{j≠k} p_j = 0 (where k stops being the most probable class). probs: (K, len(ticks_y),
    len(ticks_x))."""
    probs = np.asarray(probs, dtype=np.float64)
    xs: list = []
    ys: list = []
    for k in range(probs.shape[0]):
        others = np.delete(probs, k, axis=0).max(axis=0)
        # p_k − max_{j≠k} p_j: positive exactly where class k wins
        edge_x, edge_y = raster.iso_lines(ticks_x, ticks_y, probs[k] - others, 0.0)
        xs += edge_x
        ys += edge_y
    return xs, ys

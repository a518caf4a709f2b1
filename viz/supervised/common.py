"""What the supervised-learning figures share: one colour per class, a scatter of labelled 2-D points, and the
invisible grid that lets a click on a chart add a point (Plotly reports clicks on markers, not on empty space)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from viz import plain, theme

CLASS_COLOURS = (
    theme.BLUE,
    theme.ORANGE,
    theme.GREEN,
    theme.PURPLE,
    theme.SKY,
    theme.VERMILION,
    theme.YELLOW,
    theme.BLACK,
)
CLASS_COLOUR_NAMES = ("blue", "orange", "green", "purple", "sky", "vermilion", "yellow", "black")
"""How notes and controls name CLASS_COLOURS[k]."""
CLICK_NAME = "click to add"


def class_scatter(
    fig: go.Figure, x1: np.ndarray, x2: np.ndarray, labels: np.ndarray, names: Sequence[str] | None = None, **kw
) -> None:
    """One marker trace per class k (colour CLASS_COLOURS[k], legend "class <names[k]>"); ``kw`` places it in a
    subplot (row=, col=)."""
    for k in np.unique(labels):
        mask = labels == k
        name = names[int(k)] if names else str(int(k))
        colour = CLASS_COLOURS[int(k) % len(CLASS_COLOURS)]
        # yellow and black need a dark edge to stand out; the first six keep the white one
        edge = "#333333" if int(k) % len(CLASS_COLOURS) >= 6 else "white"
        fig.add_trace(
            go.Scatter(
                x=x1[mask],
                y=x2[mask],
                mode="markers",
                name=f"class {name}",
                marker=dict(color=colour, size=9, line=dict(color=edge, width=1)),
            ),
            **kw,
        )


def click_grid(x_range: Sequence[float], y_range: Sequence[float], nx: int = 40, ny: int = 30) -> dict:
    """Invisible markers over the view ``x_range`` × ``y_range`` (a trace dict): a click on one selects its
    position, which the page adds as a point."""
    gx, gy = np.meshgrid(np.linspace(*x_range, nx), np.linspace(*y_range, ny))
    return dict(
        type="scatter",
        x=gx.ravel().astype(np.float32),
        y=gy.ravel().astype(np.float32),
        mode="markers",
        marker=plain.click_marker(12),
        name=CLICK_NAME,
        showlegend=False,
        hovertemplate="(%{x:.3g}, %{y:.3g}): click to add a point<extra></extra>",
    )


def empty_canvas(
    title: str,
    x_range: Sequence[float],
    y_range: Sequence[float],
    x_title: str,
    y_title: str,
    *,
    points: np.ndarray | None = None,
    labels: np.ndarray | None = None,
    names: Sequence[str] | None = None,
    equal_aspect: bool = False,
    height: int = 460,
) -> go.Figure:
    """A chart with nothing fitted yet, to click the first points on: the points so far (``labels`` colour them by
    class; without, black) over the click grid."""
    traces = []
    if points is not None and len(points):
        classes = np.zeros(len(points), dtype=int) if labels is None else np.asarray(labels, dtype=int)
        for k in np.unique(classes):
            keep = classes == k
            traces.append(
                dict(
                    type="scatter",
                    x=points[keep, 0],
                    y=points[keep, 1],
                    mode="markers",
                    name="data" if labels is None else f"class {names[k] if names else k}",
                    marker=dict(
                        color=theme.BLACK if labels is None else CLASS_COLOURS[k % len(CLASS_COLOURS)],
                        size=9,
                        line=dict(color="#333333", width=1),
                    ),
                )
            )
    traces.append(click_grid(x_range, y_range))
    yaxis = dict(title=dict(text=y_title), range=list(y_range))
    if equal_aspect:
        yaxis.update(scaleanchor="x", scaleratio=1)
    return plain.figure(
        traces,
        plain.layout(
            title,
            height,
            xaxis=dict(title=dict(text=x_title), range=list(x_range)),
            yaxis=yaxis,
            legend=dict(orientation="h", yref="container", y=0, yanchor="bottom", x=0),
            margin=dict(b=90),
            clickmode="event+select",
            dragmode=False,
        ),
    )

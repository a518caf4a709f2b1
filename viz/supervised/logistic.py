"""Logistic-regression figures: GD vs Newton loss gaps, their paths over the contours of J, the decision
boundary (sheet 4a, 4b)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from core.supervised.logistic import BOUNDARY_MARGIN, LogisticReport
from viz import theme
from viz.supervised.common import class_scatter, click_grid

GD_COLOUR, NEWTON_COLOUR = theme.BLUE, theme.VERMILION
# Loss gaps are drawn no lower than this on the log axis (an exact 0 has no logarithm).
GAP_FLOOR = 1e-16


def logistic_losses(r: LogisticReport) -> go.Figure:
    """J(θ_k) − J* per iteration on a log axis: GD's straight line (linear rate) vs Newton's plunge."""
    fig = go.Figure()
    gaps = []
    for name, run, colour in (("gradient descent", r.gd, GD_COLOUR), ("Newton", r.newton, NEWTON_COLOUR)):
        gap = np.maximum(run.losses - r.best_loss, GAP_FLOOR)
        gap = np.where(np.isfinite(gap), gap, np.nan)
        gaps.append(gap)
        fig.add_trace(
            go.Scatter(
                x=np.arange(len(gap)),
                y=gap,
                mode="lines+markers",
                name=name,
                line=dict(color=colour, width=3),
                marker=dict(size=6 if name == "Newton" else 3),
            )
        )
    fig.update_yaxes(**theme.log_axis(np.concatenate(gaps), 460 - 150), title="J(θₖ) − J*")
    fig.update_xaxes(title="iteration k")
    theme.style(fig, "Loss gap per iteration (log scale)", height=460)
    # under the plot: in a half column a legend beside the title runs into it
    fig.update_layout(legend=dict(orientation="h", yref="container", y=0, yanchor="bottom", x=0), margin=dict(b=90))
    return fig


def _clip_path(thetas: np.ndarray, t1: np.ndarray, t2: np.ndarray) -> np.ndarray:
    """Points of a diverging path far outside the contour window are not drawn (NaN breaks the line)."""
    pts = thetas[:, 1:].astype(float).copy()
    span1, span2 = t1[-1] - t1[0], t2[-1] - t2[0]
    far = (
        (pts[:, 0] < t1[0] - span1)
        | (pts[:, 0] > t1[-1] + span1)
        | (pts[:, 1] < t2[0] - span2)
        | (pts[:, 1] > t2[-1] + span2)
        | ~np.all(np.isfinite(pts), axis=1)
    )
    pts[far] = np.nan
    return pts


def logistic_paths(r: LogisticReport) -> go.Figure:
    """(θ1, θ2) after each step of GD and Newton over the contours of J (θ0 fixed at Newton's final θ0)."""
    fig = go.Figure()
    fig.add_trace(
        go.Contour(
            x=r.contour_t1,
            y=r.contour_t2,
            z=np.log10(r.contour_loss),
            colorscale=theme.SEQUENTIAL,
            reversescale=True,
            ncontours=25,
            contours=dict(coloring="lines"),
            line=dict(width=1.2),
            showscale=False,
            name="log₁₀ J",
            hovertemplate="θ1 = %{x:.2f}, θ2 = %{y:.2f}<br>log₁₀ J = %{z:.3f}<extra></extra>",
        )
    )
    for name, run, colour, size in (("gradient descent", r.gd, GD_COLOUR, 4), ("Newton", r.newton, NEWTON_COLOUR, 9)):
        pts = _clip_path(run.thetas, r.contour_t1, r.contour_t2)
        fig.add_trace(
            go.Scatter(
                x=pts[:, 0],
                y=pts[:, 1],
                mode="lines+markers",
                name=name,
                line=dict(color=colour, width=2.5),
                marker=dict(color=colour, size=size),
            )
        )
    start = r.gd.thetas[0]
    fig.add_trace(
        go.Scatter(
            x=[start[1]],
            y=[start[2]],
            mode="markers",
            name="start",
            marker=dict(color=theme.BLACK, size=13, symbol="x"),
        )
    )
    fig.update_xaxes(title="θ1", range=[r.contour_t1[0], r.contour_t1[-1]])
    fig.update_yaxes(title="θ2", range=[r.contour_t2[0], r.contour_t2[-1]])
    theme.style(fig, "Paths over the contours of J", height=460)
    fig.update_layout(legend=dict(orientation="h", yref="container", y=0, yanchor="bottom", x=0), margin=dict(b=90))
    return fig


def _extended(x1: np.ndarray, x2: np.ndarray, low: float, high: float) -> tuple[list[float], list[float]]:
    """The straight boundary line through its first and last finite points, from x1 = low to high (the equal-aspect
    view may be wider than the line's own x1 range)."""
    ok = np.isfinite(x2)
    if ok.sum() < 2:
        return list(x1), list(x2)
    (xa, xb), (ya, yb) = x1[ok][[0, -1]], x2[ok][[0, -1]]
    slope = (yb - ya) / (xb - xa)
    return [low, high], [ya + slope * (low - xa), ya + slope * (high - xa)]


def logistic_boundary(
    r: LogisticReport, column_px: float = theme.MAIN_COLUMN_PX, *, clickable: bool = False
) -> go.Figure:
    """The data and the line θ0 + θ1 x1 + θ2 x2 = 0 (h = ½) of each method's final θ, with equal aspect (so the
    line's angle is true), as tall as a column ``column_px`` wide needs to show the data (360–620 px).
    ``clickable`` lays the click grid over the view (to add points)."""
    X, y = r.data.X, r.data.y
    fig = go.Figure()
    class_scatter(fig, X[:, 1], X[:, 2], y.astype(int), r.data.classes)
    # the view: the boundary's x1 range, the data's x2 range with the same margin
    low = (r.boundary_x1[0], X[:, 2].min() - BOUNDARY_MARGIN)
    high = (r.boundary_x1[-1], X[:, 2].max() + BOUNDARY_MARGIN)
    span1, span2 = high[0] - low[0], high[1] - low[1]
    frame_y = 60 + 50 + 60  # title; x ticks and title; the legend below
    plot_w = column_px - 70
    height = int(np.clip(plot_w * span2 / span1 + frame_y, 360, 620))
    # Plotly widens one range to keep the aspect: the lines must reach the edges of the widest possible view
    reach = max(span1, span2 * plot_w / max(height - frame_y, 1))
    for name, key, colour, dash in (
        ("GD boundary", "gradient descent", GD_COLOUR, "solid"),
        ("Newton boundary", "Newton", NEWTON_COLOUR, "dash"),
    ):
        if key not in r.boundaries:
            continue
        line_x, line_y = _extended(r.boundary_x1, r.boundaries[key], low[0] - reach, high[0] + reach)
        fig.add_trace(
            go.Scatter(x=line_x, y=line_y, mode="lines", name=name, line=dict(color=colour, width=3, dash=dash))
        )
    if clickable:
        fig.add_trace(go.Scatter(click_grid((low[0], high[0]), (low[1], high[1]))))
        fig.update_layout(clickmode="event+select", dragmode=False)
    fig.update_xaxes(title="x1", range=[low[0], high[0]])
    fig.update_yaxes(title="x2", range=[low[1], high[1]], scaleanchor="x", scaleratio=1)
    theme.style(fig, "Decision boundary h(x) = ½", height=height)
    fig.update_layout(
        legend=dict(orientation="h", yref="container", y=0, yanchor="bottom", x=0),
        margin=dict(b=50 + 60),
    )
    return fig

"""Softmax-regression figure: decision regions with the data, and the loss curve (sheet 4c)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.supervised.softmax_regression import SoftmaxReport
from viz import theme
from viz.supervised.common import CLASS_COLOURS, class_scatter, click_grid


def softmax_regions(r: SoftmaxReport, *, clickable: bool = False) -> go.Figure:
    """Decision regions argmax_k p̂_k (colour, fading where the winning p̂_k is low) and the data; loss curve.
    ``clickable`` lays the click grid over the regions panel (to add points)."""
    fig = make_subplots(
        rows=1,
        cols=2,
        column_widths=[0.62, 0.38],
        subplot_titles=("Decision regions argmaxₖ p̂ₖ", "J(Θ) per iteration"),
        horizontal_spacing=0.1,
    )
    classes = r.Theta.shape[1]
    # a discrete colour scale: class k gets CLASS_COLOURS[k] on [k/K, (k+1)/K]
    scale = []
    for k in range(classes):
        colour = CLASS_COLOURS[k % len(CLASS_COLOURS)]
        scale += [[k / classes, colour], [(k + 1) / classes, colour]]
    fig.add_trace(
        go.Heatmap(
            x=r.grid_x1,
            y=r.grid_x2,
            z=r.grid_class + 0.5,
            zmin=0,
            zmax=classes,
            colorscale=scale,
            opacity=0.3,
            showscale=False,
            customdata=r.grid_confidence,
            text=np.array(r.class_names)[r.grid_class],
            hovertemplate="class %{text}, max p̂ = %{customdata:.2f}<extra></extra>",
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Contour(
            x=r.grid_x1,
            y=r.grid_x2,
            z=r.grid_confidence,
            contours=dict(coloring="lines", start=0.5, end=0.9, size=0.2, showlabels=True),
            line=dict(color=theme.GREY, width=1),
            colorscale=[[0, theme.GREY], [1, theme.GREY]],
            showscale=False,
            hoverinfo="skip",
            name="max p̂",
        ),
        row=1,
        col=1,
    )
    class_scatter(fig, r.X[:, 1], r.X[:, 2], r.labels, r.class_names, row=1, col=1)
    if clickable:
        fig.add_trace(go.Scatter(click_grid(r.grid_x1[[0, -1]], r.grid_x2[[0, -1]])), row=1, col=1)
        fig.update_layout(clickmode="event+select", dragmode=False)
    fig.add_trace(
        go.Scatter(
            x=np.arange(len(r.losses)),
            y=r.losses,
            mode="lines",
            name="J(Θ)",
            line=dict(color=theme.BLACK, width=3),
            showlegend=False,
        ),
        row=1,
        col=2,
    )
    # equal aspect (the regions' boundaries at their true angles); the panel shrinks to the grid's shape
    fig.update_xaxes(title="x1", range=[r.grid_x1[0], r.grid_x1[-1]], constrain="domain", row=1, col=1)
    fig.update_yaxes(
        title="x2", range=[r.grid_x2[0], r.grid_x2[-1]], scaleanchor="x", scaleratio=1, constrain="domain", row=1, col=1
    )
    fig.update_xaxes(title="iteration", row=1, col=2)
    fig.update_yaxes(title="cross-entropy", row=1, col=2)
    theme.style(fig, f"Softmax regression, K = {classes} (grey lines: max p̂ = 0.5, 0.7, 0.9)", height=560)
    # the legend under the figure, not beside it: the regions panel keeps the width
    fig.update_layout(legend=dict(orientation="h", yref="container", y=0, yanchor="bottom", x=0), margin=dict(b=100))
    return fig

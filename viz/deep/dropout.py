"""The dropout page's decision boundaries (sheet 6c): the MLP boundary figure, sized for a half column and with
points that stay visible on a background of their own class colour."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from core.deep import toy_data
from viz import theme
from viz.deep import mlp as mlp_viz

# The point outlines: training points dark-edged circles, test points white-edged diamonds. An orange point on
# the orange region (or a blue one on blue) shows as a ring of its edge colour.
TRAIN_EDGE = dict(color=theme.BLACK, width=1.5)
TEST_EDGE = dict(color="white", width=2)
# Margins: y tick labels and title on the left, the title above, x ticks, x title and the two-row legend below.
_LEFT, _RIGHT, _TOP, _BOTTOM = 50, 10, 50, 125


def boundary(
    ticks: np.ndarray,
    prob: np.ndarray,
    data: toy_data.Dataset,
    title: str,
    column_px: float = theme.HALF_COLUMN_PX,
) -> go.Figure:
    """P(y=1|x) over the plane with the train and test points, a square plot as wide as a column ``column_px``
    wide allows (no colour bar: orange = class 0, white = ½, blue = class 1, as the page's caption says)."""
    side = column_px - _LEFT - _RIGHT
    fig = mlp_viz.boundary(ticks, prob, data, title=title, height=int(side + _TOP + _BOTTOM))
    for trace in fig.data:
        name = trace.name or ""
        if name.startswith("train"):
            trace.marker.line = TRAIN_EDGE
        elif name.startswith("test"):
            trace.marker.symbol = "diamond"
            trace.marker.size = 10
            trace.marker.line = TEST_EDGE
    fig.update_traces(showscale=False, selector=dict(type="heatmap"))
    fig.update_layout(
        margin=dict(l=_LEFT, r=_RIGHT, t=_TOP, b=_BOTTOM),
        legend=dict(orientation="h", yref="container", y=0, yanchor="bottom", x=0),
    )
    return fig

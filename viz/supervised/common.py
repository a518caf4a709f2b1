"""What the supervised-learning figures share: one colour per class and a scatter of labelled 2-D points."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from viz import theme

CLASS_COLOURS = (theme.BLUE, theme.ORANGE, theme.GREEN, theme.PURPLE, theme.SKY, theme.VERMILION)


def class_scatter(fig: go.Figure, x1: np.ndarray, x2: np.ndarray, labels: np.ndarray, **kw) -> None:
    """One marker trace per class k (colour CLASS_COLOURS[k]); ``kw`` places it in a subplot (row=, col=)."""
    for k in np.unique(labels):
        mask = labels == k
        fig.add_trace(
            go.Scatter(
                x=x1[mask],
                y=x2[mask],
                mode="markers",
                name=f"class {int(k)}",
                marker=dict(color=CLASS_COLOURS[int(k) % 6], size=9, line=dict(color="white", width=1)),
            ),
            **kw,
        )

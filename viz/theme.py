"""Shared look of every figure: large type for a projector, colour-blind-safe colours.

Categorical colours are Okabe & Ito's palette (distinguishable with every common colour-vision
deficiency). Sequential maps are Viridis/Cividis; diverging maps (values around 0) are RdBu with 0 white.
"""

from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio

# Okabe-Ito
BLUE = "#0072B2"
ORANGE = "#E69F00"
GREEN = "#009E73"
VERMILION = "#D55E00"
SKY = "#56B4E9"
PURPLE = "#CC79A7"
YELLOW = "#F0E442"
BLACK = "#000000"
GREY = "#7F7F7F"
WALL = "#3B3B3B"

CATEGORICAL = (BLUE, ORANGE, GREEN, VERMILION, PURPLE, SKY, YELLOW, BLACK)
SEQUENTIAL = "Viridis"
DIVERGING = "RdBu"

FONT_SIZE = 16
TITLE_SIZE = 20


def _register_template() -> None:
    """Make the playground's look Plotly's default template, once per process.

    Assigning a template to every figure costs ~40 ms (a deep copy and validation); a default template is
    applied at construction for almost nothing, so every figure built anywhere gets the look for free.
    """
    template = go.layout.Template(pio.templates["plotly_white"])
    template.layout.update(
        font=dict(size=FONT_SIZE, family="Inter, Helvetica, Arial, sans-serif"),
        colorway=list(CATEGORICAL),
        legend=dict(font=dict(size=FONT_SIZE - 2)),
        hoverlabel=dict(font=dict(size=FONT_SIZE)),
        title=dict(font=dict(size=TITLE_SIZE), x=0.01, xanchor="left"),
    )
    pio.templates["playground"] = template
    pio.templates.default = "playground"


_register_template()


def style(fig: go.Figure, title: str | None = None, height: int = 460) -> go.Figure:
    """The playground's per-figure layout: title, height and compact margins (fonts and colours come from
    the default template registered above)."""
    fig.update_layout(
        title=dict(text=title) if title else None,
        margin=dict(l=50, r=20, t=60 if title else 20, b=50),
        height=height,
    )
    return fig


def diverging_scale(values) -> dict:
    """zmin/zmax symmetric about 0 so that 0 is white in the diverging map."""
    import numpy as np

    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    bound = float(np.abs(finite).max()) if finite.size else 1.0
    bound = bound or 1.0
    return dict(colorscale=DIVERGING, zmin=-bound, zmax=bound, zmid=0.0)

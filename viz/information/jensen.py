"""Jensen figure: the curve, the weighted points, E[f(x)] against f(E[x]) and the gap (sheet 2.1)."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from core.information.jensen import JENSEN_FUNCTIONS, JensenReport, jensen_f
from viz import theme


def jensen_figure(r: JensenReport) -> go.Figure:
    """The curve f, the points (x_i, f(x_i)) sized by p_i, their weighted mean (E[x], E[f(x)]) and f(E[x])."""
    lo, hi = float(r.x.min()), float(r.x.max())
    width = max(hi - lo, 1.0)
    spec = JENSEN_FUNCTIONS[r.name]
    left = lo - 0.25 * width
    if math.isfinite(spec.domain_min):
        left = max(left, spec.domain_min + (1e-3 * width if spec.open_at_min else 0.0))
    grid = np.linspace(left, hi + 0.25 * width, 400)
    fx = jensen_f(r.name, r.x)
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=grid,
            y=jensen_f(r.name, grid),
            mode="lines",
            name=f"f(x) = {r.name}",
            line=dict(color=theme.BLUE, width=3),
        )
    )
    # the polygon through the points (sorted by x): E[(x, f(x))] lies inside their convex hull
    order = np.argsort(r.x)
    fig.add_trace(
        go.Scatter(
            x=r.x[order], y=fx[order], mode="lines", name="chords", line=dict(color=theme.GREY, dash="dot", width=2)
        )
    )
    fig.add_trace(
        go.Scatter(
            x=r.x,
            y=fx,
            mode="markers",
            name="(x_i, f(x_i)), size ∝ p_i",
            marker=dict(color=theme.GREY, size=10 + 40 * np.sqrt(r.p), line=dict(width=1)),
            text=[f"p = {p:.2f}" for p in r.p],
            hovertemplate="x=%{x:.3f}, f=%{y:.3f}, %{text}",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=[r.mean_x],
            y=[r.mean_of_f],
            mode="markers",
            name="E[f(x)] = ∑ p_i f(x_i)",
            marker=dict(color=theme.VERMILION, size=16, symbol="square"),
        )
    )
    fig.add_trace(
        go.Scatter(
            x=[r.mean_x],
            y=[r.f_of_mean],
            mode="markers",
            name="f(E[x]) = f(∑ p_i x_i)",
            marker=dict(color=theme.GREEN, size=16, symbol="diamond"),
        )
    )
    # labels on a white box, pushed to opposite sides so the chord and the curve stay visible
    upper_is_mean_of_f = r.mean_of_f >= r.f_of_mean
    for y, text, colour, up in (
        (r.mean_of_f, f"E[f(x)] = {r.mean_of_f:.3f}", theme.VERMILION, upper_is_mean_of_f),
        (r.f_of_mean, f"f(E[x]) = {r.f_of_mean:.3f}", theme.GREEN, not upper_is_mean_of_f),
    ):
        fig.add_annotation(
            x=r.mean_x,
            y=y,
            text=text,
            showarrow=True,
            arrowcolor=colour,
            ax=-90 if up else 90,
            ay=-35 if up else 35,
            bgcolor="rgba(255,255,255,0.9)",
            bordercolor=colour,
            font=dict(color=theme.BLACK),
        )
    fig.add_shape(
        type="line", x0=r.mean_x, x1=r.mean_x, y0=r.f_of_mean, y1=r.mean_of_f, line=dict(color=theme.BLACK, width=3)
    )
    fig.add_vline(x=r.mean_x, line=dict(color=theme.GREY, dash="dash", width=1))
    fig.add_annotation(x=r.mean_x, y=0, yref="paper", text=f"E[x] = {r.mean_x:.3f}", showarrow=False, yanchor="bottom")
    fig.update_xaxes(title="x")
    fig.update_yaxes(title="f(x)")
    fig.update_layout(legend=dict(orientation="h", y=-0.18, x=0))
    kind = "convex" if r.convex else "concave"
    return theme.style(fig, f"{r.name} is {kind}: gap E[f(x)] − f(E[x]) = {r.gap:+.4f}", height=500)

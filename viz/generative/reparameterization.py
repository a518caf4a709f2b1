"""Reparameterization figures: aN(μ, σ²) + b by sampling, the two computation graphs, the estimators' variance."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.generative import reparameterization as rp
from viz import theme

EPS_COLOUR, X_COLOUR, Y_COLOUR = theme.GREY, theme.BLUE, theme.ORANGE
ESTIMATOR_COLOURS = {
    "reparameterized": theme.BLUE,
    "score function": theme.VERMILION,
    "score function − b": theme.GREEN,
}
BINS = 40


def _normal_pdf(x: np.ndarray, mean: float, sd: float) -> np.ndarray:
    return np.exp(-0.5 * ((x - mean) / sd) ** 2) / (sd * math.sqrt(2 * math.pi))


def affine_figure(samples: rp.AffineSamples, height: int = 380) -> go.Figure:
    """Histograms (as densities) of ε, x = μ + σε and y = a x + b, each with the normal density it should follow."""
    sd_y = abs(samples.a) * samples.sigma
    fig = make_subplots(
        rows=1,
        cols=3,
        horizontal_spacing=0.07,
        subplot_titles=(
            "ε ~ N(0, 1)",
            f"x = μ + σε ~ N({samples.mu:.3g}, {samples.sigma:.3g}²)",
            f"y = ax + b ~ N({samples.predicted_mean:.3g}, {sd_y:.3g}²)",
        ),
    )
    panels = (
        (samples.eps, 0.0, 1.0, EPS_COLOUR, "ε"),
        (samples.x, samples.mu, samples.sigma, X_COLOUR, "x"),
        (samples.y, samples.predicted_mean, sd_y, Y_COLOUR, "y"),
    )
    for col, (values, mean, sd, colour, name) in enumerate(panels, start=1):
        if sd == 0:  # a = 0: y = b for every draw, a point mass (the degenerate normal N(b, 0))
            fig.add_trace(
                go.Bar(x=[mean], y=[1.0], width=0.05, marker_color=colour, name=name, showlegend=False),
                row=1,
                col=col,
            )
            fig.add_annotation(
                text="a = 0: every y = b", x=mean, y=1.0, showarrow=False, yshift=14, row=1, col=col, font=dict(size=14)
            )
            continue
        counts, edges = np.histogram(values, bins=BINS, density=True)
        centres = 0.5 * (edges[:-1] + edges[1:])
        fig.add_trace(
            go.Bar(
                x=centres,
                y=counts,
                width=edges[1] - edges[0],
                marker=dict(color=colour, opacity=0.55, line=dict(width=0)),
                name=f"samples of {name}",
                showlegend=False,
                hovertemplate=f"{name} ≈ %{{x:.2f}}: density %{{y:.3f}}<extra></extra>",
            ),
            row=1,
            col=col,
        )
        grid = np.linspace(mean - 4 * sd, mean + 4 * sd, 200)
        fig.add_trace(
            go.Scatter(
                x=grid,
                y=_normal_pdf(grid, mean, sd),
                mode="lines",
                line=dict(color=theme.BLACK, width=2),
                name="the normal density",
                showlegend=col == 1,
                hoverinfo="skip",
            ),
            row=1,
            col=col,
        )
    fig.update_yaxes(title="density", row=1, col=1)
    fig.update_layout(bargap=0, legend=dict(orientation="h", y=-0.18, x=0))
    theme.style(fig, None, height=height)
    fig.update_layout(margin=dict(l=60, r=10, t=40, b=60))
    return fig


# --------------------------------------------------------------------------------------------- computation graphs

_NODE = dict(showarrow=False, font=dict(size=16), borderpad=6, borderwidth=2)
_TOP, _MIDDLE, _BOTTOM = 2.4, 1.2, 0.0  # rows: the inputs, z, f(z)


def _node(x: float, y: float, text: str, colour: str, where: dict, *, random: bool = False) -> dict:
    """A box with ``text``; shaded orange for a random quantity."""
    fill = "#FBE8C4" if random else "#FFFFFF"  # opaque: the edges pass under the boxes
    return dict(x=x, y=y, text=text, bordercolor=colour, bgcolor=fill, **where, **_NODE)


def _line(x0: float, y0: float, x1: float, y1: float, where: dict) -> dict:
    """A forward edge (grey, under the boxes)."""
    return dict(type="line", x0=x0, y0=y0, x1=x1, y1=y1, line=dict(color=theme.GREY, width=2), layer="below", **where)


def _gradient(tail: tuple[float, float], head: tuple[float, float], text: str, where: dict, side: str) -> list[dict]:
    """A backward edge: a blue arrow from ``tail`` to ``head`` with its derivative written beside its middle."""
    colour = theme.BLUE
    arrow = dict(
        x=head[0],
        y=head[1],
        ax=tail[0],
        ay=tail[1],
        axref=where["xref"],
        ayref=where["yref"],
        showarrow=True,
        arrowhead=3,
        arrowsize=1.2,
        arrowwidth=3,
        arrowcolor=colour,
        standoff=22,
        startstandoff=20,
        text="",
        **where,
    )
    label = dict(
        x=(tail[0] + head[0]) / 2,
        y=(tail[1] + head[1]) / 2,
        text=text,
        showarrow=False,
        font=dict(size=14, color=colour),
        xanchor="right" if side == "left" else "left",
        xshift=-8 if side == "left" else 8,
        **where,
    )
    return [arrow, label]


def gradient_flow_figure(example: rp.PathwiseExample, mu: float, sigma: float, height: int = 340) -> go.Figure:
    """Two computation graphs of f(z), inputs on top, f(z) at the bottom; blue arrows are the backward pass.
    Sampling z ~ N(μ, σ²) directly: the gradient reaches z and stops (a draw has no derivative in μ, σ).
    z = μ + σε: it reaches μ and σ, with ∂z/∂μ = 1 and ∂z/∂σ = ε (one draw's numbers)."""
    left, right = dict(xref="x", yref="y"), dict(xref="x2", yref="y2")
    z_at, f_at = (2.0, _MIDDLE), (2.0, _BOTTOM)
    df_dz = f"∂f/∂z = {example.f_prime:.2f}"
    notes: list[dict] = []
    shapes: list[dict] = []
    # left: μ and σ feed a random draw
    notes += [
        _node(0.5, _TOP, f"μ = {mu:.3g}", theme.BLACK, left),
        _node(3.5, _TOP, f"σ = {sigma:.3g}", theme.BLACK, left),
        _node(*z_at, "z ~ N(μ, σ²)", theme.ORANGE, left, random=True),
        _node(*f_at, f"f(z) = {example.f_value:.3f}", theme.BLACK, left),
    ]
    shapes += [_line(0.5, _TOP, *z_at, left), _line(3.5, _TOP, *z_at, left), _line(*z_at, *f_at, left)]
    notes += _gradient(f_at, z_at, df_dz, left, "right")
    for x in (1.25, 2.75):
        notes.append(dict(x=x, y=1.8, text="×", showarrow=False, font=dict(size=22, color=theme.VERMILION), **left))
    notes.append(
        dict(
            x=2.0,
            y=1.8,
            text="stops",
            showarrow=False,
            font=dict(size=14, color=theme.VERMILION),
            yshift=2,
            **left,
        )
    )
    # right: ε is an input of its own, z an ordinary differentiable node
    notes += [
        _node(0.0, _TOP, f"μ = {mu:.3g}", theme.BLACK, right),
        _node(2.0, _TOP, f"ε = {example.eps:.3f}", theme.ORANGE, right, random=True),
        _node(4.0, _TOP, f"σ = {sigma:.3g}", theme.BLACK, right),
        _node(*z_at, f"z = μ + σε = {example.z:.3f}", theme.BLACK, right),
        _node(*f_at, f"f(z) = {example.f_value:.3f}", theme.BLACK, right),
    ]
    shapes += [_line(0.0, _TOP, *z_at, right), _line(2.0, _TOP, *z_at, right), _line(4.0, _TOP, *z_at, right)]
    shapes.append(_line(*z_at, *f_at, right))
    notes += _gradient(f_at, z_at, df_dz, right, "right")
    notes += _gradient(z_at, (0.0, _TOP), "∂z/∂μ = 1", right, "left")
    notes += _gradient(z_at, (4.0, _TOP), f"∂z/∂σ = ε = {example.eps:.2f}", right, "right")
    fig = make_subplots(
        rows=1,
        cols=2,
        horizontal_spacing=0.06,
        subplot_titles=("Sampling z ~ N(μ, σ²): the gradient stops at z", "z = μ + σε: it reaches μ and σ"),
    )
    for col in (1, 2):
        # an invisible point per panel so that each has axes to draw on
        fig.add_trace(
            go.Scatter(x=[0, 4], y=[0, 2.4], mode="markers", marker=dict(opacity=0), hoverinfo="skip"), 1, col
        )
        fig.update_xaxes(visible=False, range=[-1.0, 5.0], fixedrange=True, row=1, col=col)
        fig.update_yaxes(visible=False, range=[-0.35, 2.75], fixedrange=True, row=1, col=col)
    fig.update_layout(annotations=list(fig.layout.annotations) + notes, shapes=shapes, showlegend=False, dragmode=False)
    theme.style(fig, None, height=height)
    fig.update_layout(margin=dict(l=10, r=10, t=40, b=10))
    return fig


# --------------------------------------------------------------------------------------------- variance


def variance_figure(study: rp.VarianceStudy, height: int = 400) -> go.Figure:
    """Var[ĝ_N] against N (log–log) for ∂J/∂μ and ∂J/∂σ, one line per estimator, a dotted 1/N through N = 1."""
    fig = make_subplots(
        rows=1, cols=2, horizontal_spacing=0.1, subplot_titles=("estimates of ∂J/∂μ", "estimates of ∂J/∂σ")
    )
    values = []
    # the 1/N guide starts at the first estimator with a positive one-draw variance (the pathwise estimate of a
    # step is 0 for every draw: no line on a log axis)
    anchor = next((e for e in rp.ESTIMATORS if np.all(study.variance(e)[0] > 0)), None)
    for estimator in rp.ESTIMATORS:
        variance = study.variance(estimator)
        colour = ESTIMATOR_COLOURS[estimator]
        for component in (0, 1):
            y = variance[:, component]
            values.append(y)
            fig.add_trace(
                go.Scatter(
                    x=study.sizes,
                    y=y,
                    mode="lines+markers",
                    name=estimator,
                    legendgroup=estimator,
                    showlegend=component == 0,
                    line=dict(color=colour, width=3),
                    marker=dict(size=7),
                    hovertemplate=f"{estimator}, N = %{{x}}: Var = %{{y:.3g}}<extra></extra>",
                ),
                row=1,
                col=component + 1,
            )
            if estimator == anchor:
                fig.add_trace(
                    go.Scatter(
                        x=study.sizes,
                        y=y[0] / study.sizes,
                        mode="lines",
                        name="∝ 1/N",
                        legendgroup="1/N",
                        showlegend=component == 0,
                        line=dict(color=theme.GREY, dash="dot", width=2),
                        hoverinfo="skip",
                    ),
                    row=1,
                    col=component + 1,
                )
    positive = np.concatenate(values)
    for col in (1, 2):
        fig.update_xaxes(**theme.log_axis(study.sizes, length_px=330, title="N (draws per estimate)"), row=1, col=col)
        fig.update_yaxes(**theme.log_axis(positive, length_px=260), row=1, col=col)
    fig.update_yaxes(title="Var[ĝ_N]", row=1, col=1)
    fig.update_layout(legend=dict(orientation="h", y=1.12, yanchor="bottom", x=0))
    theme.style(fig, None, height=height)
    fig.update_layout(margin=dict(l=70, r=10, t=90, b=60))
    return fig


def estimates_figure(study: rp.VarianceStudy, n: int, height: int = 360) -> go.Figure:
    """The spread of the estimates at one N: a box per estimator (mean dashed), the true gradient as a line."""
    row = study.at(n)
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.1, subplot_titles=(f"ĝ_μ at N = {n}", f"ĝ_σ at N = {n}"))
    for component in (0, 1):
        for estimator in rp.ESTIMATORS:
            fig.add_trace(
                go.Box(
                    y=study.estimates[estimator][row, :, component],
                    name=estimator.replace("score function", "score fn"),
                    marker_color=ESTIMATOR_COLOURS[estimator],
                    boxmean=True,
                    boxpoints=False,
                    showlegend=False,
                    hoverinfo="y",
                ),
                row=1,
                col=component + 1,
            )
        fig.add_hline(
            y=study.true_gradient[component],
            line=dict(color=theme.BLACK, dash="dash", width=2),
            row=1,
            col=component + 1,
        )
    fig.update_xaxes(tickfont=dict(size=14))
    theme.style(fig, None, height=height)
    fig.update_layout(margin=dict(l=60, r=10, t=40, b=40))
    return fig

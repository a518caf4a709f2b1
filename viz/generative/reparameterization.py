"""Reparameterization figures: aN(μ, σ²) + b by sampling, the two computation graphs, the estimators' variance.

Every figure is written as plain trace and layout dicts (viz.plain): Plotly's validation of ``make_subplots``,
``add_trace`` and ``update_*`` was ~40 % of the page's rerun after the estimates themselves. With ``as_json``
a builder returns the figure's JSON form (what the page's figure cache keeps) without a go.Figure in between."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from core.generative import reparameterization as rp
from viz import plain, theme

EPS_COLOUR, X_COLOUR, Y_COLOUR = theme.GREY, theme.BLUE, theme.ORANGE
ESTIMATOR_COLOURS = {
    "reparameterized": theme.BLUE,
    "score function": theme.VERMILION,
    "score function − b": theme.GREEN,
}
BINS = 40


def _normal_pdf(x: np.ndarray, mean: float, sd: float) -> np.ndarray:
    return np.exp(-0.5 * ((x - mean) / sd) ** 2) / (sd * math.sqrt(2 * math.pi))


def affine_figure(samples: rp.AffineSamples, height: int = 380, as_json: bool = False) -> go.Figure | dict:
    """Histograms (as densities) of ε, x = μ + σε and y = a x + b, each with the normal density it should follow."""
    sd_y = abs(samples.a) * samples.sigma
    layout = plain.subplots_layout(
        None,
        height,
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
    traces: list[dict] = []
    for col, (values, mean, sd, colour, name) in enumerate(panels, start=1):
        axes = dict(xaxis=f"x{col if col > 1 else ''}", yaxis=f"y{col if col > 1 else ''}")
        if sd == 0:  # a = 0: y = b for every draw, a point mass (the degenerate normal N(b, 0))
            traces.append(
                dict(type="bar", x=[mean], y=[1.0], width=0.05, marker=dict(color=colour), name=name, showlegend=False)
                | axes
            )
            layout["annotations"].append(
                dict(
                    text="a = 0: every y = b",
                    x=mean,
                    y=1.0,
                    showarrow=False,
                    yshift=14,
                    xref=axes["xaxis"],
                    yref=axes["yaxis"],
                    font=dict(size=14),
                )
            )
            continue
        counts, edges = np.histogram(values, bins=BINS, density=True)
        centres = 0.5 * (edges[:-1] + edges[1:])
        traces.append(
            dict(
                type="bar",
                x=centres,
                y=counts,
                width=edges[1] - edges[0],
                marker=dict(color=colour, opacity=0.55, line=dict(width=0)),
                name=f"samples of {name}",
                showlegend=False,
                hovertemplate=f"{name} ≈ %{{x:.2f}}: density %{{y:.3f}}<extra></extra>",
            )
            | axes
        )
        grid = np.linspace(mean - 4 * sd, mean + 4 * sd, 200)
        traces.append(
            dict(
                type="scatter",
                x=grid,
                y=_normal_pdf(grid, mean, sd),
                mode="lines",
                line=dict(color=theme.BLACK, width=2),
                name="the normal density",
                showlegend=col == 1,
                hoverinfo="skip",
            )
            | axes
        )
    plain.merge(
        layout,
        dict(
            yaxis=dict(title=dict(text="density")),
            bargap=0,
            legend=dict(orientation="h", y=-0.18, x=0),
            margin=dict(l=60, r=10, t=40, b=60),
        ),
    )
    return plain.spec(traces, layout) if as_json else plain.figure(traces, layout)


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


def gradient_flow_figure(
    example: rp.PathwiseExample, mu: float, sigma: float, height: int = 340, as_json: bool = False
) -> go.Figure | dict:
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
    layout = plain.subplots_layout(
        None,
        height,
        rows=1,
        cols=2,
        horizontal_spacing=0.06,
        subplot_titles=("Sampling z ~ N(μ, σ²): the gradient stops at z", "z = μ + σε: it reaches μ and σ"),
    )
    traces = []
    for suffix in ("", "2"):
        # an invisible point per panel so that each has axes to draw on
        traces.append(
            dict(
                type="scatter",
                x=[0, 4],
                y=[0, 2.4],
                mode="markers",
                marker=dict(opacity=0),
                hoverinfo="skip",
                xaxis=f"x{suffix}",
                yaxis=f"y{suffix}",
            )
        )
        plain.merge(layout[f"xaxis{suffix}"], dict(visible=False, range=[-1.0, 5.0], fixedrange=True))
        plain.merge(layout[f"yaxis{suffix}"], dict(visible=False, range=[-0.35, 2.75], fixedrange=True))
    layout["annotations"] += notes
    plain.merge(layout, dict(shapes=shapes, showlegend=False, dragmode=False, margin=dict(l=10, r=10, t=40, b=10)))
    return plain.spec(traces, layout) if as_json else plain.figure(traces, layout)


# --------------------------------------------------------------------------------------------- variance


def variance_figure(study: rp.VarianceStudy, height: int = 400, as_json: bool = False) -> go.Figure | dict:
    """Var[ĝ_N] against N (log–log) for ∂J/∂μ and ∂J/∂σ, one line per estimator, a dotted 1/N through N = 1."""
    layout = plain.subplots_layout(
        None,
        height,
        rows=1,
        cols=2,
        horizontal_spacing=0.1,
        subplot_titles=("estimates of ∂J/∂μ", "estimates of ∂J/∂σ"),
    )
    traces = []
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
            axes = dict(xaxis="x2", yaxis="y2") if component else dict(xaxis="x", yaxis="y")
            traces.append(
                dict(
                    type="scatter",
                    x=study.sizes,
                    y=y,
                    mode="lines+markers",
                    name=estimator,
                    legendgroup=estimator,
                    showlegend=component == 0,
                    line=dict(color=colour, width=3),
                    marker=dict(size=7),
                    hovertemplate=f"{estimator}, N = %{{x}}: Var = %{{y:.3g}}<extra></extra>",
                    **axes,
                )
            )
            if estimator == anchor:
                traces.append(
                    dict(
                        type="scatter",
                        x=study.sizes,
                        y=y[0] / study.sizes,
                        mode="lines",
                        name="∝ 1/N",
                        legendgroup="1/N",
                        showlegend=component == 0,
                        line=dict(color=theme.GREY, dash="dot", width=2),
                        hoverinfo="skip",
                        **axes,
                    )
                )
    positive = np.concatenate(values)
    x_axis = theme.log_axis(study.sizes, length_px=330, title=dict(text="N (draws per estimate)"))
    y_axis = theme.log_axis(positive, length_px=260)
    for suffix in ("", "2"):
        plain.merge(layout[f"xaxis{suffix}"], x_axis)
        plain.merge(layout[f"yaxis{suffix}"], y_axis)
    plain.merge(
        layout,
        dict(
            yaxis=dict(title=dict(text="Var[ĝ_N]")),
            legend=dict(orientation="h", y=1.12, yanchor="bottom", x=0),
            margin=dict(l=70, r=10, t=90, b=60),
        ),
    )
    return plain.spec(traces, layout) if as_json else plain.figure(traces, layout)


def estimates_figure(study: rp.VarianceStudy, n: int, height: int = 360, as_json: bool = False) -> go.Figure | dict:
    """The spread of the estimates at one N: a box per estimator (mean dashed), the true gradient as a line."""
    row = study.at(n)
    layout = plain.subplots_layout(
        None,
        height,
        rows=1,
        cols=2,
        horizontal_spacing=0.1,
        subplot_titles=(f"ĝ_μ at N = {n}", f"ĝ_σ at N = {n}"),
    )
    traces = []
    shapes = []
    for component in (0, 1):
        suffix = "2" if component else ""
        for estimator in rp.ESTIMATORS:
            traces.append(
                dict(
                    type="box",
                    y=study.estimates[estimator][row, :, component],
                    name=estimator.replace("score function", "score fn"),
                    marker=dict(color=ESTIMATOR_COLOURS[estimator]),
                    boxmean=True,
                    boxpoints=False,
                    showlegend=False,
                    hoverinfo="y",
                    xaxis=f"x{suffix}",
                    yaxis=f"y{suffix}",
                )
            )
        shapes.append(
            plain.hline(
                study.true_gradient[component],
                dict(color=theme.BLACK, dash="dash", width=2),
                xref=f"x{suffix} domain",
                yref=f"y{suffix}",
            )
        )
    plain.update_axes(layout, "x", tickfont=dict(size=14))
    plain.merge(layout, dict(shapes=shapes, margin=dict(l=60, r=10, t=40, b=40)))
    return plain.spec(traces, layout) if as_json else plain.figure(traces, layout)

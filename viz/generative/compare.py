"""VAE vs GAN figures: each model's samples over the training data (2-D) or beside training digits, and the
objective each one drives over training. Built as plain dicts (no validation): they are redrawn every chunk."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from core.generative import compare as cmp
from core.generative import gan, toy2d
from viz import raster, theme

DATA_COLOUR, SAMPLE_COLOUR, MEAN_COLOUR = theme.BLUE, theme.VERMILION, theme.GREEN
"""Training points blue, samples vermilion (as on the GAN page), the VAE's decoder means green."""
NEGATIVE_ELBO_COLOUR, RECONSTRUCTION_COLOUR, KL_COLOUR = theme.VERMILION, theme.BLUE, theme.GREEN
VALUE_COLOUR, HISTOGRAM_COLOUR = theme.PURPLE, theme.SKY
POINTS_SHOWN = 500
"""Training points and samples drawn per panel (the measures use all of them)."""
LIMIT = 2.3
"""Half-width of the square drawn (every data set lies within it)."""
SAMPLES = "samples x = μ_θ(z) + s·ε"
MEANS = "decoder means μ_θ(z)"
BOTH = "both"
VAE_VIEWS = (SAMPLES, MEANS, BOTH)
"""What the 2-D VAE panel draws."""
_LEGEND = dict(orientation="h", yref="container", y=0.0, yanchor="bottom", x=0, font=dict(size=14))


DOT_OPACITY = 0.7
PANEL_PX = 330
"""A square's side in the browser (the figure's 470-px height less its margins): a marker of size s px there is a
dot of raster.marker_radius(s, PANEL_PX, PANEL_IMAGE_PX) in the picture."""
PANEL_IMAGE_PX = 480
"""Side of a panel's picture (the panel is PANEL_PX on any screen: its figure's height sets it)."""


def _markers(points: np.ndarray, name: str, colour: str, axes: str, show_legend: bool, size: int = 5) -> list[dict]:
    """The first POINTS_SHOWN points for hover only (the dots are in the panel's picture, :func:`_panel_dots`),
    and the legend's entry."""
    shown = np.asarray(points)[:POINTS_SHOWN]
    return raster.pictured_points(
        shown, name, colour, size, DOT_OPACITY, show_legend=show_legend, xaxis=f"x{axes}", yaxis=f"y{axes}"
    )


def _panel_dots(groups: list[tuple[np.ndarray, str, int]], axes: str) -> dict:
    """A panel's points as one picture (1,000 to 2,000 SVG markers were most of the figure's drawing time in
    Chromium): (points, colour, marker size) painted in order."""
    return raster.dots_image(
        [
            (np.asarray(points)[:POINTS_SHOWN], colour, raster.marker_radius(size, PANEL_PX, PANEL_IMAGE_PX))
            for points, colour, size in groups
        ],
        (-LIMIT, LIMIT),
        (-LIMIT, LIMIT),
        radius_px=1.0,
        opacity=DOT_OPACITY,
        size_px=(PANEL_IMAGE_PX, PANEL_IMAGE_PX),
        xref=f"x{axes}",
        yref=f"y{axes}",
    )


def _mode_circles(centres: np.ndarray, axes: str, show_legend: bool) -> dict:
    """The 3σ circle of each ring mode (what gan.covered_modes counts in)."""
    angle = np.linspace(0, 2 * np.pi, 37)
    radius = gan.MODE_RADIUS_STDS * toy2d.RING_STD
    xs: list = []
    ys: list = []
    for cx, cy in centres:
        xs += [*(cx + radius * np.cos(angle)), None]
        ys += [*(cy + radius * np.sin(angle)), None]
    return dict(
        type="scatter",
        x=xs,
        y=ys,
        xaxis=f"x{axes}",
        yaxis=f"y{axes}",
        mode="lines",
        line=dict(color=theme.BLACK, width=1.5, dash="dot"),
        name="mode: 3σ circle",
        legendgroup="modes",
        showlegend=show_legend,
        hoverinfo="skip",
    )


def points_figure(
    data: np.ndarray,
    vae_summary: cmp.Summary | None,
    gan_summary: cmp.Summary | None,
    *,
    centres: np.ndarray | None = None,
    vae_view: str = SAMPLES,
    height: int = 470,
) -> go.Figure:
    """Two squares side by side: the VAE's and the GAN's samples (vermilion) over the shared training points
    (blue); ``vae_view`` swaps the VAE's samples for its decoder means (green) or draws both."""
    if vae_view not in VAE_VIEWS:
        raise ValueError(f"vae_view must be one of {VAE_VIEWS}; got {vae_view!r}")
    data_list, layout = [], {}
    gap = 0.08
    for k, (name, summary) in enumerate((("VAE", vae_summary), ("GAN", gan_summary))):
        axes = "" if k == 0 else "2"
        first = k == 0
        left = k * (0.5 + gap / 2)
        layout[f"xaxis{axes}"] = dict(
            domain=[left, left + 0.5 - gap / 2],
            range=[-LIMIT, LIMIT],
            anchor=f"y{axes}",
            constrain="domain",
            zeroline=False,
            title=dict(text="x₁"),
        )
        layout[f"yaxis{axes}"] = dict(
            range=[-LIMIT, LIMIT],
            anchor=f"x{axes}",
            scaleanchor=f"x{axes}",
            zeroline=False,
            title=dict(text="x₂" if first else None),
        )
        if centres is not None:
            data_list.append(_mode_circles(centres, axes, first))
        dots = [(data, DATA_COLOUR, 4)]
        data_list += _markers(data, "training points", DATA_COLOUR, axes, first, size=4)
        if summary is not None:
            if name == "VAE" and summary.means is not None and vae_view in (MEANS, BOTH):
                dots.append((summary.means, MEAN_COLOUR, 5))
                data_list += _markers(summary.means, "VAE decoder mean μ_θ(z)", MEAN_COLOUR, axes, True)
            if name == "GAN" or vae_view in (SAMPLES, BOTH) or summary.means is None:
                dots.append((summary.samples, SAMPLE_COLOUR, 5))
                data_list += _markers(summary.samples, f"{name} samples", SAMPLE_COLOUR, axes, True)
        layout.setdefault("images", []).append(_panel_dots(dots, axes))
    notes = [
        dict(
            text=f"<b>{title}</b>",
            x=x,
            y=1.0,
            xref="paper",
            yref="paper",
            xanchor="center",
            yanchor="bottom",
            showarrow=False,
            font=dict(size=16),
        )
        for title, x in (("VAE", 0.25 - gap / 4), ("GAN", 0.75 + gap / 4))
    ]
    # no theme.style: its title=None would leave the presenter view (which scales the title's font) nothing to scale
    layout |= dict(annotations=notes, height=height, margin=dict(l=50, r=10, t=30, b=110), legend=_LEGEND)
    return go.Figure(dict(data=data_list, layout=dict(layout, dragmode=False)), _validate=False)


def _line(x, y, name: str, colour: str, axes: str, unit: str, dash: str = "solid") -> dict:
    return dict(
        type="scatter",
        x=list(x),
        y=list(y),
        xaxis=f"x{axes}",
        yaxis=f"y{axes}",
        mode="lines",
        name=name,
        line=dict(color=colour, width=3, dash=dash),
        hovertemplate=f"{unit} %{{x}}: {name} = %{{y:.3f}}<extra></extra>",
    )


def _range_past_the_start(curves: tuple[list[float], ...]) -> list[float]:
    """A y-range holding every value after the first tenth of the epochs (the first epochs' loss is often many
    times the rest and would flatten it: those run off the top, their values on hover), and every low value."""
    skip = max(1, len(curves[0]) // 10) if len(curves[0]) > 2 else 0
    low = min(min(c) for c in curves)
    high = max(max(c[skip:]) for c in curves)
    pad = 0.08 * (high - low) if high > low else 1.0
    return [low - pad, high + pad]


def curves_figure(vae_trainer, gan_trainer, height: int = 400) -> go.Figure:
    """Left: the VAE's −ELBO = reconstruction + KL per epoch (nats per example). Right: the GAN's V̂(D, G) with
    the current D over generator steps, next to 2·JS − log 4 of the 2-D histograms where there is one, and
    −log 4, the value at p_g = p_data."""
    gap = 0.14
    layout = {
        "xaxis": dict(domain=[0, 0.5 - gap / 2], anchor="y", title=dict(text="VAE epoch")),
        "yaxis": dict(anchor="x", title=dict(text="nats per example"), nticks=6),
        "xaxis2": dict(domain=[0.5 + gap / 2, 1], anchor="y2", title=dict(text="GAN generator step")),
        "yaxis2": dict(anchor="x2", title=dict(text="nats"), nticks=6),
    }
    data = []
    if vae_trainer is not None and vae_trainer.steps:
        epochs = range(1, vae_trainer.steps + 1)
        curves = (vae_trainer.losses, vae_trainer.reconstruction, vae_trainer.kl)
        data += [
            _line(epochs, curves[0], "−ELBO (VAE loss)", NEGATIVE_ELBO_COLOUR, "", "epoch"),
            _line(epochs, curves[1], "E_q[−log p(x|z)]", RECONSTRUCTION_COLOUR, "", "epoch"),
            _line(epochs, curves[2], "KL(q ‖ N(0, I))", KL_COLOUR, "", "epoch"),
        ]
        layout["yaxis"]["range"] = _range_past_the_start(curves)
    shapes = []
    if gan_trainer is not None and gan_trainer.history:
        steps = [r.g_steps for r in gan_trainer.history]
        # V̂ = 2·(V̂ + log 4)/2 − log 4: the history keeps the JS lower bound
        value = [2.0 * r.js_from_d - gan.LOG4 for r in gan_trainer.history]
        data.append(_line(steps, value, "V̂(D, G) (GAN)", VALUE_COLOUR, "2", "G-step"))
        histogram = [2.0 * r.js_histogram - gan.LOG4 for r in gan_trainer.history]
        if all(math.isfinite(v) for v in histogram):
            data.append(_line(steps, histogram, "2·JS(histograms) − log 4", HISTOGRAM_COLOUR, "2", "G-step", "dash"))
        shapes.append(
            dict(
                type="line",
                xref="x2 domain",
                yref="y2",
                x0=0,
                x1=1,
                y0=-gan.LOG4,
                y1=-gan.LOG4,
                line=dict(color=theme.GREY, dash="dot", width=2),
            )
        )
    notes = [
        dict(
            text=text,
            x=x,
            y=1.0,
            xref="paper",
            yref="paper",
            xanchor="center",
            yanchor="bottom",
            showarrow=False,
            font=dict(size=16),
        )
        for text, x in (
            ("<b>VAE minimises −ELBO</b>", 0.25 - gap / 4),
            ("<b>GAN: g descends V(D, G)</b>", 0.75 + gap / 4),
        )
    ]
    layout |= dict(annotations=notes, shapes=shapes, height=height, margin=dict(l=60, r=10, t=35, b=120))
    return go.Figure(dict(data=data, layout=dict(layout, legend=_LEGEND)), _validate=False)

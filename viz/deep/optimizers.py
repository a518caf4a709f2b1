"""Figures for the optimizers page (sheet 6d): paths on a 2-D loss surface, loss per step, the η × μ map."""

from __future__ import annotations

import functools

import numpy as np
import plotly.graph_objects as go

from core.deep import optim2d
from viz import plain, raster
from viz.deep.mlp import _axis
from viz.theme import BLACK, BLUE, GREEN, GREY, MAIN_COLUMN_PX, MIN_TEXT_SIZE, PURPLE, VERMILION, log_axis

CONTOUR_LEVELS = 25
"""Contour lines of log₁₀(f − f*) drawn (what the contour trace's ncontours asked for)."""

DIVERGED_RGB = (200, 200, 200)  # #C8C8C8
OPTIMIZER_COLOURS = {"SGD": VERMILION, "Momentum": GREEN, "Adam": BLUE, "Adam (no bias correction)": PURPLE}


def _figure(traces: list[dict], title: str | None, height: int, **layout) -> go.Figure:
    """The figure in the playground's style, built without validation. The margins are left to ``ui.figure``
    (viz.margins.fit sizes them for the legend below the plot and the colour bar; the fixed margins of
    viz.deep.mlp's trainer figures cut both off here)."""
    return plain.figure(traces, plain.layout(title, height, **layout))


def trajectories(
    surf: optim2d.Surface, xs: np.ndarray, ys: np.ndarray, f: np.ndarray, runs: dict[str, optim2d.Trajectory]
) -> go.Figure:
    """Contours of log₁₀(f − f*) with each optimizer's path.

    The contour lines are traced here (viz.raster.iso_lines, contourpy's marching squares) and sent as one line
    trace per level: a Plotly ``contour`` trace runs marching squares in JavaScript at every draw, which was
    about half of this figure's drawing time in Chromium. An invisible heatmap of the same values keeps the
    hover."""
    z = np.log10(np.maximum(f - surf.f_min, 1e-6)).astype(np.float32)  # float32: half the bytes to send
    traces = [
        dict(
            type="heatmap",
            x=xs,
            y=ys,
            z=z,
            opacity=0,
            showscale=False,
            hovertemplate="x=%{x:.2f}, y=%{y:.2f}<br>log₁₀(f − f*)=%{z:.2f}<extra></extra>",
        )
    ]
    zmin, zmax = float(np.nanmin(z)), float(np.nanmax(z))
    levels = np.linspace(zmin, zmax, CONTOUR_LEVELS + 2)[1:-1]
    # as the contour trace coloured its lines: the lowest level (near the minimum) white, the highest black
    greys = raster.colour_table(plain.colorscale("Greys"))
    for level in levels:
        lx, ly = raster.iso_lines(xs, ys, z, float(level))
        grey = greys[round(float((level - zmin) / ((zmax - zmin) or 1.0)) * (len(greys) - 1))]
        traces.append(
            dict(
                type="scatter",
                x=lx,
                y=ly,
                mode="lines",
                line=dict(color=f"rgb({grey[0]},{grey[1]},{grey[2]})", width=1),
                showlegend=False,
                hoverinfo="skip",
            )
        )
    for name, run in runs.items():
        traces.append(
            dict(
                type="scatter",
                x=run.path[:, 0],
                y=run.path[:, 1],
                name=name + (" (diverged)" if run.diverged else ""),
                mode="lines+markers",
                line=dict(color=OPTIMIZER_COLOURS.get(name, BLACK), width=2.5),
                marker=dict(size=4),
            )
        )
    traces.append(
        dict(
            type="scatter",
            x=[m[0] for m in surf.minima],
            y=[m[1] for m in surf.minima],
            mode="markers",
            name="minimum",
            marker=dict(symbol="star", size=16, color=BLACK),
        )
    )
    if runs:
        start = next(iter(runs.values())).path[0]
        traces.append(
            dict(
                type="scatter",
                x=[start[0]],
                y=[start[1]],
                mode="markers",
                name="start",
                marker=dict(size=13, color=GREY),
            )
        )
    x0, x1, y0, y1 = surf.box
    return _figure(
        traces,
        "Paths on the loss surface (contours: log₁₀(f − f*))",
        540,
        xaxis=_axis("x", range=[x0, x1]),
        yaxis=_axis("y", range=[y0, y1]),
        legend=dict(orientation="h", y=-0.15, font=dict(size=14)),
    )


def per_step(surf: optim2d.Surface, runs: dict[str, optim2d.Trajectory]) -> go.Figure:
    """Two panels side by side: the loss gap f(θ_t) − f* (log) per step, and the length of each step
    ‖θ_{t+1} − θ_t‖ (log). One figure, not two: each Plotly figure costs the browser a fixed ~15 ms to lay out
    and draw (axes, legend, mode bar) besides its traces, and both panels change together."""
    gaps = {name: np.maximum(run.loss - surf.f_min, 1e-16) for name, run in runs.items()}
    panels = (
        ("Loss gap f(θₜ) − f*", gaps, "x", "y"),
        ("Step length ‖θₜ₊₁ − θₜ‖", {n: r.step_size for n, r in runs.items()}, "x2", "y2"),
    )
    traces = [
        dict(
            type="scatter",
            y=curve,
            xaxis=xaxis,
            yaxis=yaxis,
            name=name,
            legendgroup=name,
            showlegend=xaxis == "x",
            line=dict(color=OPTIMIZER_COLOURS.get(name, BLACK), width=3),
        )
        for _, curves, xaxis, yaxis in panels
        for name, curve in curves.items()
    ]
    height, gap = 360, 0.1
    plot_px = height - 130  # less the title, the panel titles, the axis titles and the legend
    layout = dict(
        xaxis=_axis("step t", domain=[0.0, 0.5 - gap / 2]),
        xaxis2=_axis("step t", domain=[0.5 + gap / 2, 1.0], anchor="y2"),
        annotations=[
            dict(
                text=title,
                x=x,
                y=1.0,
                xref="paper",
                yref="paper",
                xanchor="center",
                yanchor="bottom",
                showarrow=False,
                font=dict(size=16),
            )
            for x, (title, *_) in zip((0.25 - gap / 4, 0.75 + gap / 4), panels)
        ],
        legend=dict(orientation="h", y=-0.22, yanchor="top", x=0.5, xanchor="center", font=dict(size=MIN_TEXT_SIZE)),
        margin=dict(t=40),
    )
    for suffix, (_, curves, *_) in zip(("", "2"), panels):
        values = np.concatenate(list(curves.values())) if curves else None
        layout[f"yaxis{suffix}"] = _axis(None, **log_axis(values, plot_px), **({"anchor": "x2"} if suffix else {}))
    return _figure(traces, None, height, **layout)


@functools.cache
def _grey_pixel() -> str:
    """A one-pixel PNG in the diverged grey, as a data URI."""
    return raster.png_data_uri(np.array([[DIVERGED_RGB]], dtype=np.uint8))


def momentum_map(grid: optim2d.MomentumGrid, marker: tuple[float, float] | None = None) -> go.Figure:
    """log₁₀ of the final loss gap over (η, μ); diverged runs in grey."""
    finite = np.isfinite(grid.gap)
    traces = [
        dict(
            type="heatmap",
            x=grid.lrs,
            y=grid.momenta,
            z=np.where(finite, np.log10(np.maximum(np.where(finite, grid.gap, 1.0), 1e-16)), np.nan),
            colorscale="Viridis",
            colorbar=dict(title=dict(text="log₁₀ gap"), thickness=14),
            hovertemplate="η=%{x:.3g}, μ=%{y:.2f}<br>log₁₀(f − f*)=%{z:.2f}<extra></extra>",
        ),
    ]
    # The diverged cells (NaN: the heatmap leaves them transparent) show a grey picture under the whole plot area,
    # which is the grid (the heatmap's autorange ends at the outer cells' edges). A second heatmap of just those
    # cells cost the browser ~10 ms more per draw; no grid lines, which would show on the grey.
    diverged = raster.layout_image(_grey_pixel(), 0, 1, 1, 1, xref="x domain", yref="y domain")
    if marker is not None:
        traces.append(
            dict(
                type="scatter",
                x=[marker[0]],
                y=[marker[1]],
                mode="markers",
                marker=dict(symbol="x", size=15, color=VERMILION, line=dict(width=2)),
                name="current (η, μ)",
            )
        )
    return _figure(
        traces,
        "Momentum: final loss over learning rate × momentum (grey = diverged)",
        480,
        xaxis=_axis("learning rate η (log)", showgrid=False, **log_axis(grid.lrs, MAIN_COLUMN_PX - 160)),
        yaxis=_axis("momentum μ", showgrid=False, zeroline=False),
        showlegend=False,
        images=[diverged] if (~finite).any() else [],
    )

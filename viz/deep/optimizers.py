"""Figures for the optimizers page (sheet 6d): paths on a 2-D loss surface, loss per step, the η × μ map."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from core.deep import optim2d
from viz.deep.mlp import _axis, _figure
from viz.theme import BLACK, BLUE, GREEN, GREY, MAIN_COLUMN_PX, MIN_TEXT_SIZE, PURPLE, VERMILION, log_axis

OPTIMIZER_COLOURS = {"SGD": VERMILION, "Momentum": GREEN, "Adam": BLUE, "Adam (no bias correction)": PURPLE}


def trajectories(
    surf: optim2d.Surface, xs: np.ndarray, ys: np.ndarray, f: np.ndarray, runs: dict[str, optim2d.Trajectory]
) -> go.Figure:
    """Contours of log₁₀(f − f*) with each optimizer's path."""
    traces = [
        dict(
            type="contour",
            x=xs,
            y=ys,
            z=np.log10(np.maximum(f - surf.f_min, 1e-6)).astype(np.float32),  # float32: half the bytes to send
            colorscale="Greys",
            reversescale=True,
            ncontours=25,
            contours=dict(coloring="lines"),
            line=dict(width=1),
            showscale=False,
            hovertemplate="x=%{x:.2f}, y=%{y:.2f}<br>log₁₀(f − f*)=%{z:.2f}<extra></extra>",
        )
    ]
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


def loss_per_step(surf: optim2d.Surface, runs: dict[str, optim2d.Trajectory], step_sizes: bool = False) -> go.Figure:
    """f(θ_t) − f* (log) per step, or the length of each step ‖θ_{t+1} − θ_t‖."""
    curves = [run.step_size if step_sizes else np.maximum(run.loss - surf.f_min, 1e-16) for run in runs.values()]
    traces = [
        dict(
            type="scatter",
            y=run.step_size if step_sizes else np.maximum(run.loss - surf.f_min, 1e-16),
            name=name,
            line=dict(color=OPTIMIZER_COLOURS.get(name, BLACK), width=3),
        )
        for name, run in runs.items()
    ]
    return _figure(
        traces,
        "Step length ‖θₜ₊₁ − θₜ‖" if step_sizes else "Loss gap f(θₜ) − f*",
        340,
        xaxis=_axis("step t"),
        yaxis=_axis(None, **log_axis(np.concatenate(curves) if curves else None, 340 - 110)),
        legend=dict(font=dict(size=MIN_TEXT_SIZE)),
    )


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
        dict(
            type="heatmap",
            x=grid.lrs,
            y=grid.momenta,
            z=np.where(finite, np.nan, 1.0),
            colorscale=[[0, "#C8C8C8"], [1, "#C8C8C8"]],
            showscale=False,
            hovertemplate="η=%{x:.3g}, μ=%{y:.2f}<br>diverged<extra></extra>",
        ),
    ]
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
        xaxis=_axis("learning rate η (log)", **log_axis(grid.lrs, MAIN_COLUMN_PX - 160)),
        yaxis=_axis("momentum μ"),
        showlegend=False,
    )

"""Diffusion figures: the noised cloud at a timestep, the ᾱ_t / SNR curves, DDPM vs DDIM samples and trajectories,
the training loss."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.generative import diffusion as diff
from core.numerics import moving_average
from viz import animation, theme

DATA_COLOUR, NOISED_COLOUR = theme.GREY, theme.BLUE
DDPM_COLOUR, DDIM_COLOUR = theme.VERMILION, theme.GREEN
# Every cloud is drawn on the same square so that scrubbing t does not rescale the axes.
LIMIT = 3.5
# Points whose trajectories are drawn.
TRAJECTORIES = 8
# The denoising movie: at most this many frames (evenly spaced timesteps) and points (the first of the samples);
# its frames hold 2 × points × 2 numbers each, all sent to the browser once (~0.5 MB at these caps).
MAX_DENOISE_FRAMES = 101
DENOISE_POINTS = 200


def _circle(radius: float) -> tuple[np.ndarray, np.ndarray]:
    angle = np.linspace(0, 2 * np.pi, 121)
    return radius * np.cos(angle), radius * np.sin(angle)


def _square_axes(fig: go.Figure, cols: int = 1) -> None:
    """The same square [−LIMIT, LIMIT]² with equal units on both axes in each of ``cols`` panels."""
    for col in range(1, cols + 1):
        suffix = "" if col == 1 else str(col)
        fig.update_layout(
            {
                f"xaxis{suffix}": dict(range=[-LIMIT, LIMIT], title="x₁"),
                f"yaxis{suffix}": dict(
                    range=[-LIMIT, LIMIT], scaleanchor=f"x{suffix}", scaleratio=1, title="x₂" if col == 1 else None
                ),
            }
        )


def _data_trace(data: np.ndarray, show_legend: bool = True) -> go.Scatter:
    return go.Scatter(
        x=data[:, 0],
        y=data[:, 1],
        mode="markers",
        name="data x₀",
        marker=dict(color=DATA_COLOUR, size=4, opacity=0.35),
        showlegend=show_legend,
        legendgroup="data",
    )


def forward_cloud(report: diff.ForwardReport, t: int) -> go.Figure:
    """x_0 (grey) and x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε (blue) for the same points, with the 1σ and 2σ circles of N(0, I)."""
    xt = report.at(t)
    alpha_bar = report.schedule.alpha_bars[t]
    fig = go.Figure()
    for radius in (1.0, 2.0):
        cx, cy = _circle(radius)
        fig.add_trace(
            go.Scatter(
                x=cx,
                y=cy,
                mode="lines",
                line=dict(color=theme.BLACK, dash="dot", width=1),
                name="N(0, I): 1σ, 2σ",
                showlegend=radius == 1.0,
                legendgroup="prior",
                hoverinfo="skip",
            )
        )
    fig.add_trace(_data_trace(report.data))
    fig.add_trace(
        go.Scatter(
            x=xt[:, 0], y=xt[:, 1], mode="markers", name=f"x_{t}", marker=dict(color=NOISED_COLOUR, size=5, opacity=0.7)
        )
    )
    _square_axes(fig)
    fig.update_layout(legend=dict(orientation="h", y=1.02, yanchor="bottom", x=1, xanchor="right"))
    return theme.style(fig, f"q(x_t | x₀) at t = {t}: ᾱ_t = {alpha_bar:.4f}", height=500)


def schedule_curves(schedule: diff.Schedule, t: int) -> go.Figure:
    """Left: ᾱ_t, √ᾱ_t (signal scale), √(1 − ᾱ_t) (noise scale) and β_t; right: log₁₀ SNR = log₁₀ ᾱ_t/(1 − ᾱ_t)."""
    steps = np.arange(schedule.T + 1)
    fig = make_subplots(
        rows=1, cols=2, subplot_titles=("Signal and noise scales", "Signal-to-noise ratio ᾱ_t / (1 − ᾱ_t)")
    )
    curves = (
        ("ᾱ_t", schedule.alpha_bars, theme.BLUE, "solid"),
        ("√ᾱ_t (signal)", schedule.signal_scale, theme.GREEN, "dash"),
        ("√(1 − ᾱ_t) (noise)", schedule.noise_scale, theme.VERMILION, "dash"),
        ("β_t", schedule.betas, theme.ORANGE, "dot"),
    )
    for name, values, colour, dash in curves:
        fig.add_trace(
            go.Scatter(x=steps[1:], y=values[1:], name=name, mode="lines", line=dict(color=colour, dash=dash, width=3)),
            row=1,
            col=1,
        )
    fig.add_trace(
        go.Scatter(
            x=steps[1:],
            y=schedule.snr[1:],
            name="SNR",
            mode="lines",
            line=dict(color=theme.PURPLE, width=3),
            showlegend=False,
        ),
        row=1,
        col=2,
    )
    for col in (1, 2):
        fig.add_vline(x=t, line=dict(color=theme.BLACK, width=1.5), row=1, col=col)
        fig.update_xaxes(title="t", range=[0, schedule.T], row=1, col=col)
    fig.update_yaxes(range=[0, 1.02], row=1, col=1)
    fig.update_yaxes(**theme.log_axis(schedule.snr[1:], 330), row=1, col=2)
    fig.update_layout(legend=dict(orientation="h", y=-0.25, yanchor="top", x=0))
    return theme.style(fig, f"{schedule.kind} schedule, T = {schedule.T} (black line: t = {t})", height=430)


def reverse_empty(data: np.ndarray) -> go.Figure:
    """The reverse-process figure before any training: the data and a note on how to start."""
    fig = go.Figure()
    fig.add_trace(_data_trace(data))
    fig.add_annotation(
        text="No ε_θ trained yet for these settings.<br>Press Train: then DDPM and DDIM samples appear here.",
        x=0,
        y=0,
        showarrow=False,
        font=dict(size=18),
        bgcolor="rgba(255,255,255,0.85)",
    )
    _square_axes(fig)
    return theme.style(fig, "Reverse process: samples (not trained yet)", height=460)


def samples_figure(data: np.ndarray, ddpm: diff.Trajectory, ddim: diff.Trajectory) -> go.Figure:
    """DDPM (left) and DDIM (right) samples x_0 over the data, both from the same x_T."""
    ddpm_steps, ddim_steps = len(ddpm.timesteps) - 1, len(ddim.timesteps) - 1
    fig = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=(f"DDPM: {ddpm_steps} stochastic steps", f"DDIM (η = 0): {ddim_steps} deterministic steps"),
        horizontal_spacing=0.06,
    )
    for col, (name, trajectory, colour) in enumerate((("DDPM", ddpm, DDPM_COLOUR), ("DDIM", ddim, DDIM_COLOUR)), 1):
        fig.add_trace(_data_trace(data, show_legend=col == 1), row=1, col=col)
        samples = trajectory.samples
        fig.add_trace(
            go.Scatter(
                x=samples[:, 0],
                y=samples[:, 1],
                mode="markers",
                name=f"{name} samples",
                marker=dict(color=colour, size=5, opacity=0.75),
            ),
            row=1,
            col=col,
        )
    _square_axes(fig, cols=2)
    fig.update_layout(legend=dict(orientation="h", y=-0.15, yanchor="top", x=0))
    return theme.style(fig, "Samples x₀ vs the data (same x_T for both samplers)", height=520)


def trajectories_figure(data: np.ndarray, ddpm: diff.Trajectory, ddim: diff.Trajectory) -> go.Figure:
    """Paths of a few points from x_T (open circle) to x_0 (filled): DDPM wanders, DDIM glides."""
    fig = make_subplots(
        rows=1, cols=2, subplot_titles=("DDPM trajectories", "DDIM trajectories"), horizontal_spacing=0.06
    )
    count = min(TRAJECTORIES, ddpm.points.shape[1])
    for col, (trajectory, colour) in enumerate(((ddpm, DDPM_COLOUR), (ddim, DDIM_COLOUR)), 1):
        fig.add_trace(_data_trace(data, show_legend=col == 1), row=1, col=col)
        for i in range(count):
            path = trajectory.points[:, i, :]  # (K + 1, 2)
            fig.add_trace(
                go.Scatter(
                    x=path[:, 0],
                    y=path[:, 1],
                    mode="lines",
                    line=dict(color=theme.CATEGORICAL[i % 6], width=1.5),
                    opacity=0.8,
                    showlegend=False,
                    hovertemplate=f"point {i}<extra></extra>",
                ),
                row=1,
                col=col,
            )
        ends = trajectory.points[[0, -1], :count, :]  # (2, count, 2)
        for k, (label, symbol) in enumerate((("x_T", "circle-open"), ("x₀", "circle"))):
            fig.add_trace(
                go.Scatter(
                    x=ends[k, :, 0],
                    y=ends[k, :, 1],
                    mode="markers",
                    name=f"{label} (start)" if k == 0 else f"{label} (end)",
                    marker=dict(color=colour, size=10, symbol=symbol, line=dict(width=2, color=colour)),
                    showlegend=col == 1,
                    legendgroup=label,
                ),
                row=1,
                col=col,
            )
    _square_axes(fig, cols=2)
    fig.update_layout(legend=dict(orientation="h", y=-0.15, yanchor="top", x=0))
    return theme.style(fig, f"Trajectories of {count} points from the same x_T", height=520)


def denoise_frames(ddpm: diff.Trajectory, ddim: diff.Trajectory) -> list[tuple[int, int, int]]:
    """(t, DDPM index, DDIM index) of each frame of the denoising movie: DDPM's timesteps T … 0 (evenly spaced
    ones past MAX_DENOISE_FRAMES), and with each the DDIM state at the last timestep it has reached, t′ ≥ t
    (DDIM holds still between its jumps)."""
    frames = []
    for j in animation.even_sample(len(ddpm.timesteps), MAX_DENOISE_FRAMES):
        t = int(ddpm.timesteps[j])
        # DDIM's visited timesteps fall from T to 0: the last one not below t
        i = int(np.flatnonzero(ddim.timesteps >= t)[-1])
        frames.append((t, j, i))
    return frames


def denoising_animation(data: np.ndarray, ddpm: diff.Trajectory, ddim: diff.Trajectory) -> go.Figure:
    """The reverse process as a movie played in the browser: the same DENOISE_POINTS samples moving from x_T
    (noise) to x₀, DDPM (left) step by step, DDIM (right) in its few jumps, frame by frame over t = T … 0.

    Each frame moves the two point clouds only (scatter x and y, no redraw of the figure): ▶ play runs at
    12–15 frames/s in Chromium."""
    ddpm_steps, ddim_steps = len(ddpm.timesteps) - 1, len(ddim.timesteps) - 1
    count = min(DENOISE_POINTS, ddpm.points.shape[1])
    frames = denoise_frames(ddpm, ddim)
    fig = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=(f"DDPM (vermilion): {ddpm_steps} noisy steps", f"DDIM (green, η = 0): {ddim_steps} jumps"),
        horizontal_spacing=0.06,
    )

    def clouds(j: int, i: int) -> list[dict]:
        return [
            dict(type="scatter", x=animation.plain(points[:count, 0], 2), y=animation.plain(points[:count, 1], 2))
            for points in (ddpm.points[j], ddim.points[i])
        ]

    first = clouds(*frames[0][1:])
    for col, (name, colour) in enumerate((("DDPM", DDPM_COLOUR), ("DDIM", DDIM_COLOUR)), 1):
        fig.add_trace(_data_trace(data, show_legend=col == 1), row=1, col=col)
        fig.add_trace(
            go.Scatter(
                **{k: v for k, v in first[col - 1].items() if k != "type"},
                mode="markers",
                name=f"{name}: x_t",
                marker=dict(color=colour, size=5, opacity=0.75),
                hoverinfo="skip",
            ),
            row=1,
            col=col,
        )
    _square_axes(fig, cols=2)
    # no legend (the panel titles name the colours): Plotly redraws a legend with every frame, a third of its cost
    fig.update_layout(
        showlegend=False,
        dragmode=False,
        **animation.controls([str(t) for t, _, _ in frames], prefix="t = ", gap_px=55),
    )
    theme.style(fig, "Denoising: the same x_T → x₀ by both samplers (grey: the data)", height=540)
    fig.update_layout(margin=dict(t=70, b=55 + animation.CONTROLS_PX))
    moving = [1, 3]  # the two point clouds, after each panel's data trace
    return animation.with_frames(fig, [dict(name=str(t), data=clouds(j, i), traces=moving) for t, j, i in frames])


def loss_figure(losses: list[float], window: int = 50) -> go.Figure:
    """The DDPM loss per gradient step (faint) and its moving average over full windows of ``window`` steps."""
    values = np.asarray(losses, dtype=float)
    steps = np.arange(1, len(values) + 1)
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(x=steps, y=values, mode="lines", name="batch loss", line=dict(color=theme.SKY, width=1), opacity=0.5)
    )
    if len(values) >= window:
        smooth = moving_average(values, window)[window - 1 :]  # from the first full window on
        fig.add_trace(
            go.Scatter(
                x=steps[window - 1 :],
                y=smooth,
                mode="lines",
                name=f"mean of {window}",
                line=dict(color=theme.BLUE, width=3),
            )
        )
    fig.update_xaxes(title="gradient step")
    fig.update_yaxes(title="‖ε − ε_θ‖²", rangemode="tozero")
    fig.update_layout(legend=dict(orientation="h", y=1.02, yanchor="bottom", x=1, xanchor="right"))
    return theme.style(fig, "Training loss L(θ)", height=360)

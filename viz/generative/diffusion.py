"""Diffusion figures: the noised cloud at a timestep, the ᾱ_t / SNR curves, DDPM vs DDIM samples and trajectories,
the training loss.

Written as plain trace and layout dicts (viz.plain): validated ``go`` figures cost ~40 ms each here, ~300 ms for the
page's sampler figures together, on every rerun that built them. Coordinates are rounded to 3 decimals (a
thousandth of the plotted square's side is far below a pixel): a third of the JSON the browser parses."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from core.generative import diffusion as diff
from core.numerics import moving_average
from viz import animation, plain, raster, theme

DATA_COLOUR, NOISED_COLOUR = theme.GREY, theme.BLUE
DATA_OPACITY = 0.35
NOISED_OPACITY, SAMPLE_OPACITY = 0.7, 0.75
DDPM_COLOUR, DDIM_COLOUR = theme.VERMILION, theme.GREEN
# Every cloud is drawn on the same square so that scrubbing t does not rescale the axes.
LIMIT = 3.5
# Points whose trajectories are drawn.
TRAJECTORIES = 8
# The denoising movie: at most this many frames (evenly spaced timesteps) and points (the first of the samples);
# its frames hold 2 × points × 2 numbers each, all sent to the browser once (~0.25 MB at these caps). 51 frames
# (every second step of T = 100) play as smoothly as 101 did, and a new visitor's page drew its first figure
# ~0.3 s sooner in Chromium (1.76 -> 1.41 s) with half the movie to parse.
MAX_DENOISE_FRAMES = 51
DENOISE_POINTS = 200


def _built(traces: list[dict], layout: dict, as_json: bool) -> go.Figure | dict:
    """The figure, or with ``as_json`` its JSON form (what a figure cache keeps, :func:`viz.plain.spec`) without a
    go.Figure in between (building one and converting it back cost ~25 ms of a 1,000-point figure)."""
    return plain.spec(traces, layout) if as_json else plain.figure(traces, layout)


def _circle(radius: float) -> tuple[list, list]:
    angle = np.linspace(0, 2 * np.pi, 121)
    return animation.plain(radius * np.cos(angle), 3), animation.plain(radius * np.sin(angle), 3)


def _square_axes(layout: dict, cols: int = 1) -> None:
    """The same square [−LIMIT, LIMIT]² with equal units on both axes in each of ``cols`` panels."""
    for col in range(1, cols + 1):
        suffix = "" if col == 1 else str(col)
        plain.merge(layout.setdefault(f"xaxis{suffix}", {}), dict(range=[-LIMIT, LIMIT], title=dict(text="x₁")))
        y_axis = dict(range=[-LIMIT, LIMIT], scaleanchor=f"x{suffix}", scaleratio=1)
        if col == 1:
            y_axis["title"] = dict(text="x₂")
        plain.merge(layout.setdefault(f"yaxis{suffix}", {}), y_axis)


def _panel(col: int) -> dict:
    return dict(xaxis="x" if col == 1 else f"x{col}", yaxis="y" if col == 1 else f"y{col}")


DATA_MARKER_PX = 4
"""A data dot's diameter in the browser."""
PANEL_PX = 400
"""A square panel's side in the browser (about: its figure's height less the margins, on any screen): a marker of
size s px is a dot of raster.marker_radius(s, PANEL_PX, DOTS_IMAGE_PX) in its picture."""


def _dots(groups: list[tuple[np.ndarray, str, float, float]], col: int = 1) -> dict:
    """Points as one layout image under panel ``col``'s traces: (points, colour, marker size in px, opacity) painted
    in order (the page showed the 500 data points in seven panels, and up to 1,000 samples in one: as SVG
    markers, most of its drawing time in Chromium). One picture per panel: Plotly draws one of several images
    that share their place."""
    return raster.dots_image(
        [
            (np.asarray(points), colour, raster.marker_radius(size, PANEL_PX, raster.DOTS_IMAGE_PX), opacity)
            for points, colour, size, opacity in groups
        ],
        (-LIMIT, LIMIT),
        (-LIMIT, LIMIT),
        radius_px=1.0,
        opacity=1.0,
        xref=_panel(col)["xaxis"],
        yref=_panel(col)["yaxis"],
    )


def _data_dots(data: np.ndarray) -> tuple[np.ndarray, str, float, float]:
    """The data x₀ as a group of grey dots (:func:`_dots`): the same picture under every panel that shows no other
    points."""
    return (data, DATA_COLOUR, DATA_MARKER_PX, DATA_OPACITY)


def _points(
    points: np.ndarray, name: str, colour: str, size: int, opacity: float, col: int = 1, show_legend: bool = True
) -> list[dict]:
    """Points drawn in a picture (:func:`_dots`): their hover (one invisible marker each) and legend entry."""
    return raster.pictured_points(points, name, colour, size, opacity, show_legend=show_legend, **_panel(col))


def _data_trace(data: np.ndarray, show_legend: bool = True, col: int = 1) -> dict:
    """The data's legend entry (the points themselves are in the panel's picture, :func:`_with_data`)."""
    return dict(
        type="scatter",
        x=[None],
        y=[None],
        mode="markers",
        name="data x₀",
        marker=dict(color=DATA_COLOUR, size=6, opacity=0.6),
        showlegend=show_legend,
        legendgroup="data",
        hoverinfo="skip",
        **_panel(col),
    )


def _with_data(layout: dict, data: np.ndarray, cols: int = 1, over: dict | None = None) -> dict:
    """The data's picture under each of ``cols`` panels, with the dot groups ``over[col]`` painted over it."""
    over = over or {}
    layout["images"] = [
        *layout.get("images", []),
        *(_dots([_data_dots(data), *over.get(col, [])], col) for col in range(1, cols + 1)),
    ]
    return layout


def forward_cloud(report: diff.ForwardReport, t: int, as_json: bool = False) -> go.Figure | dict:
    """x_0 (grey) and x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε (blue) for the same points, with the 1σ and 2σ circles of N(0, I)."""
    xt = report.at(t)
    alpha_bar = report.schedule.alpha_bars[t]
    traces = []
    for radius in (1.0, 2.0):
        cx, cy = _circle(radius)
        traces.append(
            dict(
                type="scatter",
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
    traces.append(_data_trace(report.data))
    traces += _points(xt, f"x_{t}", NOISED_COLOUR, 5, NOISED_OPACITY)
    layout = plain.layout(
        f"q(x_t | x₀) at t = {t}: ᾱ_t = {alpha_bar:.4f}",
        500,
        legend=dict(orientation="h", y=1.02, yanchor="bottom", x=1, xanchor="right"),
    )
    _square_axes(layout)
    _with_data(layout, report.data, over={1: [(xt, NOISED_COLOUR, 5, NOISED_OPACITY)]})
    return _built(traces, layout, as_json)


def schedule_curves(schedule: diff.Schedule, t: int) -> go.Figure:
    """Left: ᾱ_t, √ᾱ_t (signal scale), √(1 − ᾱ_t) (noise scale) and β_t; right: log₁₀ SNR = log₁₀ ᾱ_t/(1 − ᾱ_t)."""
    steps = np.arange(schedule.T + 1)
    layout = plain.subplots_layout(
        f"{schedule.kind} schedule, T = {schedule.T} (black line: t = {t})",
        430,
        rows=1,
        cols=2,
        subplot_titles=("Signal and noise scales", "Signal-to-noise ratio ᾱ_t / (1 − ᾱ_t)"),
    )
    curves = (
        ("ᾱ_t", schedule.alpha_bars, theme.BLUE, "solid"),
        ("√ᾱ_t (signal)", schedule.signal_scale, theme.GREEN, "dash"),
        ("√(1 − ᾱ_t) (noise)", schedule.noise_scale, theme.VERMILION, "dash"),
        ("β_t", schedule.betas, theme.ORANGE, "dot"),
    )
    traces = [
        dict(
            type="scatter",
            x=steps[1:],
            y=np.asarray(values[1:], dtype=float),
            name=name,
            mode="lines",
            line=dict(color=colour, dash=dash, width=3),
            **_panel(1),
        )
        for name, values, colour, dash in curves
    ]
    traces.append(
        dict(
            type="scatter",
            x=steps[1:],
            y=np.asarray(schedule.snr[1:], dtype=float),
            name="SNR",
            mode="lines",
            line=dict(color=theme.PURPLE, width=3),
            showlegend=False,
            **_panel(2),
        )
    )
    layout["shapes"] = [
        plain.vline(
            t, dict(color=theme.BLACK, width=1.5), xref=_panel(col)["xaxis"], yref=f"{_panel(col)['yaxis']} domain"
        )
        for col in (1, 2)
    ]
    plain.update_axes(layout, "x", title=dict(text="t"), range=[0, schedule.T])
    plain.merge(layout["yaxis"], dict(range=[0, 1.02]))
    plain.merge(layout["yaxis2"], theme.log_axis(schedule.snr[1:], 330))
    layout["legend"] = dict(orientation="h", y=-0.25, yanchor="top", x=0)
    return plain.figure(traces, layout)


def reverse_empty(data: np.ndarray) -> go.Figure:
    """The reverse-process figure before any training: the data and a note on how to start."""
    layout = plain.layout("Reverse process: samples (not trained yet)", 460)
    layout["annotations"] = [
        dict(
            text="No ε_θ trained yet for these settings.<br>Press Train: then DDPM and DDIM samples appear here.",
            x=0,
            y=0,
            showarrow=False,
            font=dict(size=18),
            bgcolor="rgba(255,255,255,0.85)",
        )
    ]
    _square_axes(layout)
    _with_data(layout, data)
    return plain.figure([_data_trace(data)], layout)


def _two_panels(
    title: str, subplot_titles: tuple[str, str], height: int, data: np.ndarray, over: dict | None = None
) -> dict:
    layout = plain.subplots_layout(
        title, height, rows=1, cols=2, subplot_titles=subplot_titles, horizontal_spacing=0.06
    )
    _square_axes(layout, cols=2)
    return _with_data(layout, data, cols=2, over=over)


def samples_figure(
    data: np.ndarray, ddpm: diff.Trajectory, ddim: diff.Trajectory, as_json: bool = False
) -> go.Figure | dict:
    """DDPM (left) and DDIM (right) samples x_0 over the data, both from the same x_T."""
    ddpm_steps, ddim_steps = len(ddpm.timesteps) - 1, len(ddim.timesteps) - 1
    samplers = (("DDPM", ddpm, DDPM_COLOUR), ("DDIM", ddim, DDIM_COLOUR))
    layout = _two_panels(
        "Samples x₀ vs the data (same x_T for both samplers)",
        (f"DDPM: {ddpm_steps} stochastic steps", f"DDIM (η = 0): {ddim_steps} deterministic steps"),
        520,
        data,
        over={col: [(t.samples, colour, 5, SAMPLE_OPACITY)] for col, (_, t, colour) in enumerate(samplers, 1)},
    )
    traces = []
    for col, (name, trajectory, colour) in enumerate(samplers, 1):
        traces.append(_data_trace(data, show_legend=col == 1, col=col))
        # each panel's samples have their own colour, and their own legend entry
        traces += _points(trajectory.samples, f"{name} samples", colour, 5, SAMPLE_OPACITY, col)
    layout["legend"] = dict(orientation="h", y=-0.15, yanchor="top", x=0)
    return _built(traces, layout, as_json)


def trajectories_figure(
    data: np.ndarray, ddpm: diff.Trajectory, ddim: diff.Trajectory, as_json: bool = False
) -> go.Figure | dict:
    """Paths of a few points from x_T (open circle) to x_0 (filled): DDPM wanders, DDIM glides."""
    count = min(TRAJECTORIES, ddpm.points.shape[1])
    layout = _two_panels(
        f"Trajectories of {count} points from the same x_T", ("DDPM trajectories", "DDIM trajectories"), 520, data
    )
    traces = []
    for col, (trajectory, colour) in enumerate(((ddpm, DDPM_COLOUR), (ddim, DDIM_COLOUR)), 1):
        traces.append(_data_trace(data, show_legend=col == 1, col=col))
        for i in range(count):
            path = trajectory.points[:, i, :]  # (K + 1, 2)
            traces.append(
                dict(
                    type="scatter",
                    x=animation.plain(path[:, 0], 3),
                    y=animation.plain(path[:, 1], 3),
                    mode="lines",
                    line=dict(color=theme.CATEGORICAL[i % 6], width=1.5),
                    opacity=0.8,
                    showlegend=False,
                    hovertemplate=f"point {i}<extra></extra>",
                    **_panel(col),
                )
            )
        ends = trajectory.points[[0, -1], :count, :]  # (2, count, 2)
        for k, (label, symbol) in enumerate((("x_T", "circle-open"), ("x₀", "circle"))):
            traces.append(
                dict(
                    type="scatter",
                    x=animation.plain(ends[k, :, 0], 3),
                    y=animation.plain(ends[k, :, 1], 3),
                    mode="markers",
                    name=f"{label} (start)" if k == 0 else f"{label} (end)",
                    marker=dict(color=colour, size=10, symbol=symbol, line=dict(width=2, color=colour)),
                    showlegend=col == 1,
                    legendgroup=label,
                    **_panel(col),
                )
            )
    layout["legend"] = dict(orientation="h", y=-0.15, yanchor="top", x=0)
    return _built(traces, layout, as_json)


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
    spec = denoising_animation_json(data, ddpm, ddim)
    return animation.with_frames(plain.figure(spec["data"], spec["layout"]), spec["frames"])


def denoising_animation_json(data: np.ndarray, ddpm: diff.Trajectory, ddim: diff.Trajectory) -> dict:
    """``denoising_animation(...).to_plotly_json()``, written directly: that copy of its ~80,000 frame
    coordinates (``to_dict`` deep-copies them one by one) took ~150 ms. Every value is a plain list or dict."""
    ddpm_steps, ddim_steps = len(ddpm.timesteps) - 1, len(ddim.timesteps) - 1
    count = min(DENOISE_POINTS, ddpm.points.shape[1])
    frames = denoise_frames(ddpm, ddim)
    layout = _two_panels(
        "Denoising: the same x_T → x₀ by both samplers (grey: the data)",
        (f"DDPM (vermilion): {ddpm_steps} noisy steps", f"DDIM (green, η = 0): {ddim_steps} jumps"),
        540,
        data,
    )

    def clouds(j: int, i: int) -> list[dict]:
        return [
            dict(type="scatter", x=animation.plain(points[:count, 0], 2), y=animation.plain(points[:count, 1], 2))
            for points in (ddpm.points[j], ddim.points[i])
        ]

    first = clouds(*frames[0][1:])
    traces = []
    for col, (name, colour) in enumerate((("DDPM", DDPM_COLOUR), ("DDIM", DDIM_COLOUR)), 1):
        traces.append(_data_trace(data, show_legend=col == 1, col=col))
        traces.append(
            dict(
                **first[col - 1],
                mode="markers",
                name=f"{name}: x_t",
                marker=dict(color=colour, size=5, opacity=0.75),
                hoverinfo="skip",
                **_panel(col),
            )
        )
    # no legend (the panel titles name the colours): Plotly redraws a legend with every frame, a third of its cost
    plain.merge(
        layout,
        dict(
            showlegend=False,
            dragmode=False,
            margin=dict(t=70, b=55 + animation.CONTROLS_PX),
            **animation.controls([str(t) for t, _, _ in frames], prefix="t = ", gap_px=55),
        ),
    )
    moving = [1, 3]  # the two point clouds, after each panel's data trace
    return dict(
        data=traces,
        layout=layout,
        frames=[dict(name=str(t), data=clouds(j, i), traces=moving) for t, j, i in frames],
    )


def loss_figure(losses: list[float], window: int = 50) -> go.Figure:
    """The DDPM loss per gradient step (faint) and its moving average over full windows of ``window`` steps."""
    values = np.asarray(losses, dtype=float)
    steps = np.arange(1, len(values) + 1)
    traces = [
        dict(
            type="scatter",
            x=steps,
            y=values.astype(np.float32),
            mode="lines",
            name="batch loss",
            line=dict(color=theme.SKY, width=1),
            opacity=0.5,
        )
    ]
    if len(values) >= window:
        smooth = moving_average(values, window)[window - 1 :]  # from the first full window on
        traces.append(
            dict(
                type="scatter",
                x=steps[window - 1 :],
                y=np.asarray(smooth, dtype=np.float32),
                mode="lines",
                name=f"mean of {window}",
                line=dict(color=theme.BLUE, width=3),
            )
        )
    layout = plain.layout(
        "Training loss L(θ)",
        360,
        xaxis=dict(title=dict(text="gradient step")),
        yaxis=dict(title=dict(text="‖ε − ε_θ‖²"), rangemode="tozero"),
        legend=dict(orientation="h", y=1.02, yanchor="bottom", x=1, xanchor="right"),
    )
    return plain.figure(traces, layout)

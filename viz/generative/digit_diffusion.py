"""Figures of diffusion on the digits: the denoising frames (x_t beside the predicted x̂_0, played by Plotly), final
samples of two samplers, the classifier's class histogram, the loss curve and the cost of a denoising step; the same
frames as an animated GIF and a PNG strip.

Every grid of digits is one small PNG (ink black on white paper, 1-px light gaps) in a ``go.Image`` trace: a frame
of 25 digits is ~1 kB, where a heatmap would send ~2,000 numbers, and Plotly draws it without smoothing (each
grey level stays a crisp square)."""

from __future__ import annotations

import io
import math

import numpy as np
import plotly.graph_objects as go
from PIL import Image
from plotly.subplots import make_subplots

from core.generative import digit_diffusion as dd
from core.generative import latent_diffusion as ldm
from core.numerics import moving_average
from viz import animation, plain, theme
from viz.raster import png_data_uri

GAP_GREY = 225
"""Grey level of the 1-px lines between digits (paper is 255, full ink 0)."""
GIF_SCALE = 4
"""Screen pixels per digit pixel in the downloads (8×8 digits are otherwise too small to see)."""
GIF_MS = 10 * round(animation.PLAY_MS / 10)
"""The in-browser play rate, rounded to what a GIF can store (frame delays are whole centiseconds)."""
"""Frame duration of the GIF: the same 12.5 frames/s as ▶ play."""
SAMPLER_COLOURS = {"DDPM": theme.BLUE, "DDIM": theme.ORANGE, "noise x_T": theme.GREY}


def grid_shape(count: int, columns: int | None = None) -> tuple[int, int]:
    """(rows, columns) of a grid for ``count`` images: ``columns`` wide, or as square as possible."""
    columns = columns or math.ceil(math.sqrt(count))
    return math.ceil(count / columns), columns


def grid_grey(images: np.ndarray, columns: int | None = None) -> np.ndarray:
    """Images (n, 8, 8) of grey levels in [0, 1] as one uint8 canvas of ink on paper (rows·9 − 1, columns·9 − 1):
    255 (1 − p), light 1-px gaps, blank cells where the last row is short."""
    images = np.asarray(images, dtype=float)
    count, side = images.shape[0], images.shape[1]
    rows, columns = grid_shape(count, columns)
    cell = side + 1
    canvas = np.full((rows * cell - 1, columns * cell - 1), GAP_GREY, dtype=np.uint8)
    ink = np.rint(255.0 * (1.0 - np.clip(images, 0.0, 1.0))).astype(np.uint8)
    for k in range(count):
        r, c = divmod(k, columns)
        canvas[r * cell : r * cell + side, c * cell : c * cell + side] = ink[k]
    return canvas


def grid_uri(images: np.ndarray, columns: int | None = None) -> str:
    """A grid of digits as a PNG data URI (grey copied to the three channels)."""
    grey = grid_grey(images, columns)
    return png_data_uri(np.repeat(grey[:, :, None], 3, axis=2))


def _image_axes(fig: go.Figure, cols: int) -> None:
    for col in range(1, cols + 1):
        fig.update_xaxes(visible=False, constrain="domain", row=1, col=col)
        fig.update_yaxes(visible=False, constrain="domain", scaleanchor=f"x{'' if col == 1 else col}", row=1, col=col)


FRAME_TITLES = ("x_t (what the sampler holds)", "x̂₀ = (x_t − √(1−ᾱ_t) ε_θ)/√ᾱ_t")


def frame_uris(frames: dd.Frames, k: int, columns: int | None = None) -> tuple[str, str]:
    """The two PNG data URIs of visited step k: the grid of x_t and the grid of x̂_0."""
    return grid_uri(frames.images[k], columns), grid_uri(frames.predicted_images[k], columns)


def frames_figure(uris: list[tuple[str, str]], names: list[str], active: int, *, title: str, height: int = 500) -> dict:
    """x_t (left) and the predicted x̂_0 (right) at each frame (``uris``: one pair of PNGs per frame, ``names``:
    its timestep), as a Plotly animation in JSON form: ▶ play at 12.5 frames/s, ❚❚ pause and a t-slider; it opens
    on frame ``active``. Written as plain dicts (viz.plain): ~50 frames of two images would cost ~50 ms to
    validate on every change of the scrubber."""
    layout = plain.subplots_layout(f"{title}: t = {names[active]}", height, 1, 2, FRAME_TITLES, horizontal_spacing=0.04)
    for axis in plain.axes(layout, "x"):
        axis.update(visible=False, constrain="domain")
    for index, axis in enumerate(plain.axes(layout, "y"), start=1):
        axis.update(visible=False, constrain="domain", scaleanchor="x" if index == 1 else f"x{index}")
    for annotation in layout.get("annotations", []):
        annotation["font"] = dict(size=theme.MIN_TEXT_SIZE + 2)
    plain.merge(layout, animation.controls(names, names, redraw=True, prefix="t = ", active=active))
    plain.merge(layout, dict(margin=dict(l=10, r=10, t=80, b=animation.CONTROLS_PX + 10)))

    def images(pair: tuple[str, str]) -> list[dict]:
        return [
            dict(type="image", source=pair[0], xaxis="x", yaxis="y", hoverinfo="skip"),
            dict(type="image", source=pair[1], xaxis="x2", yaxis="y2", hoverinfo="skip"),
        ]

    frames = [
        dict(name=name, data=images(pair), traces=[0, 1], layout=dict(title=dict(text=f"{title}: t = {name}")))
        for name, pair in zip(names, uris)
    ]
    return dict(data=images(uris[active]), layout=layout, frames=frames)


def samples_figure(runs: dict[str, np.ndarray], columns: int | None = None, height: int = 420) -> go.Figure:
    """Final samples of each run side by side: label → images (n, 8, 8)."""
    labels = list(runs)
    fig = make_subplots(rows=1, cols=len(labels), horizontal_spacing=0.04, subplot_titles=labels)
    for col, label in enumerate(labels, start=1):
        fig.add_trace(go.Image(source=grid_uri(runs[label], columns), hoverinfo="skip"), row=1, col=col)
    _image_axes(fig, len(labels))
    for annotation in fig.layout.annotations:
        annotation.font = dict(size=theme.MIN_TEXT_SIZE + 2)
    theme.style(fig, None, height=height)
    fig.update_layout(margin=dict(l=10, r=10, t=40, b=10))
    return fig


def class_histogram(qualities: dict[str, dd.Quality], height: int = 340) -> go.Figure:
    """How many samples the digit classifier puts in each class, one bar group per class, one colour per run."""
    fig = go.Figure()
    for index, (label, q) in enumerate(qualities.items()):
        fig.add_trace(
            go.Bar(
                x=[str(k) for k in range(10)],
                y=q.counts,
                name=label,
                marker_color=SAMPLER_COLOURS.get(label, theme.CATEGORICAL[index % len(theme.CATEGORICAL)]),
                hovertemplate=f"{label}: %{{y}} read as a %{{x}}<extra></extra>",
            )
        )
    fig.update_xaxes(title="class the classifier reads (argmax p(k | x))", type="category")
    fig.update_yaxes(title="samples", rangemode="tozero")
    fig.update_layout(barmode="group", legend=dict(orientation="h", y=1.02, yanchor="bottom", x=1, xanchor="right"))
    return theme.style(fig, "Class histogram", height=height)


def loss_figure(losses: list[float], window: int = 100, height: int = 320) -> go.Figure:
    """The DDPM loss per gradient step (faint) and its moving average over full windows of ``window`` steps."""
    values = np.asarray(losses, dtype=float)
    steps = np.arange(1, len(values) + 1)
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=steps, y=values.astype(np.float32), mode="lines", name="batch loss", line=dict(color=theme.SKY, width=1)
        )
    )
    if len(values) >= window:
        smooth = moving_average(values, window)[window - 1 :]  # from the first full window on
        fig.add_trace(
            go.Scatter(
                x=steps[window - 1 :],
                y=smooth.astype(np.float32),
                mode="lines",
                name=f"mean of {window}",
                line=dict(color=theme.BLUE, width=3),
            )
        )
    fig.update_xaxes(title="gradient step")
    fig.update_yaxes(title="(1/D) ‖ε − ε_θ‖²", rangemode="tozero")
    fig.update_layout(legend=dict(orientation="h", y=1.02, yanchor="bottom", x=1, xanchor="right"))
    return theme.style(fig, "Training loss L(θ)", height=height)


def cost_figure(costs: dict[str, ldm.StepCost], height: int = 360) -> go.Figure:
    """FLOPs and memory of one denoising step, one bar per model, each panel with the ratio to the first model."""
    labels = list(costs)
    panels = (
        ("FLOPs per step", [costs[k].flops for k in labels], "{:,.0f}"),
        ("memory (kB)", [costs[k].memory_bytes / 1000 for k in labels], "{:,.1f} kB"),
    )
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.14, subplot_titles=[p[0] for p in panels])
    colours = [theme.BLUE, theme.GREEN, theme.ORANGE]
    for col, (name, values, fmt) in enumerate(panels, start=1):
        first = values[0] or 1.0
        fig.add_trace(
            go.Bar(
                x=labels,
                y=values,
                marker_color=colours[: len(labels)],
                text=[
                    fmt.format(v) + ("" if i == 0 else f" (÷{first / max(v, 1e-12):.1f})") for i, v in enumerate(values)
                ],
                textposition="outside",
                textfont=dict(size=theme.MIN_TEXT_SIZE),
                cliponaxis=False,
                hovertemplate="%{x}: %{y:,.1f}<extra>" + name + "</extra>",
                showlegend=False,
            ),
            row=1,
            col=col,
        )
        fig.update_yaxes(rangemode="tozero", range=[0, 1.25 * max(values)], row=1, col=col)
    for annotation in fig.layout.annotations:
        annotation.font = dict(size=theme.MIN_TEXT_SIZE + 2)
    return theme.style(fig, None, height=height)


# --------------------------------------------------------------------------------------------- downloads


def _frame_canvas(frames: dd.Frames, k: int, columns: int | None) -> np.ndarray:
    """x_t and x̂_0 of visited step k side by side (a 3-px paper gap between them), upscaled GIF_SCALE times."""
    left, right = grid_grey(frames.images[k], columns), grid_grey(frames.predicted_images[k], columns)
    gap = np.full((left.shape[0], 3), 255, dtype=np.uint8)
    both = np.concatenate([left, gap, right], axis=1)
    return np.kron(both, np.ones((GIF_SCALE, GIF_SCALE), dtype=np.uint8))


def frames_gif(frames: dd.Frames, shown: list[int], columns: int | None = None, hold_ms: int = 1200) -> bytes:
    """The frames ``shown`` (x_t beside x̂_0) as a looping animated GIF at GIF_MS per frame; the last one held for
    ``hold_ms`` so the finished digits can be seen before the loop starts again."""
    pictures = [Image.fromarray(_frame_canvas(frames, k, columns), mode="L") for k in shown]
    durations = [GIF_MS] * (len(pictures) - 1) + [hold_ms]
    buffer = io.BytesIO()
    pictures[0].save(buffer, format="GIF", save_all=True, append_images=pictures[1:], duration=durations, loop=0)
    return buffer.getvalue()


def frames_strip_png(frames: dd.Frames, shown: list[int], columns: int | None = None) -> bytes:
    """The frames ``shown`` as one PNG: one column of (x_t over x̂_0) per step, from x_T on the left to x_0."""
    strips = []
    for k in shown:
        top, bottom = grid_grey(frames.images[k], columns), grid_grey(frames.predicted_images[k], columns)
        gap = np.full((3, top.shape[1]), 255, dtype=np.uint8)
        strips.append(np.concatenate([top, gap, bottom], axis=0))
        strips.append(np.full((strips[-1].shape[0], 3), 255, dtype=np.uint8))
    canvas = np.concatenate(strips[:-1], axis=1)
    canvas = np.kron(canvas, np.ones((GIF_SCALE, GIF_SCALE), dtype=np.uint8))
    buffer = io.BytesIO()
    Image.fromarray(canvas, mode="L").save(buffer, format="PNG")
    return buffer.getvalue()

"""Figures of the deep-RL pages (sheet 1.3–1.6): learning curves, losses, overestimation, state-slice heatmaps,
the gradient-variance experiment, advantages along an episode, and a rendered episode as an animation."""

from __future__ import annotations

import base64
import io

import numpy as np
import plotly.graph_objects as go
from PIL import Image

from core.numerics import moving_average
from core.rl.common import TrainingLog
from viz import animation
from viz.theme import BLACK, CATEGORICAL, GREY, MAIN_COLUMN_PX, SEQUENTIAL, diverging_scale, log_axis, style


def _colour(i: int) -> str:
    return CATEGORICAL[i % len(CATEGORICAL)]


def _rgba(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def empty_figure(title: str, message: str, height: int = 380) -> go.Figure:
    """A placeholder with a centred message (nothing trained yet)."""
    fig = go.Figure()
    fig.add_annotation(
        text=message, x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False, font=dict(size=18, color=GREY)
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return style(fig, title, height=height)


def learning_curves(
    logs: dict[str, TrainingLog], solved: float | None = None, title: str = "Return while training", height: int = 440
) -> go.Figure:
    """Greedy-evaluation mean return (± sd band, markers) and the smoothed training-episode return (thin)."""
    if not any(log.episode_step or log.eval_step for log in logs.values()):
        return empty_figure(title, "Nothing trained yet: press ▶ Train.", height)
    fig = go.Figure()
    for i, (name, log) in enumerate(logs.items()):
        colour = _colour(i)
        if log.episode_step:
            fig.add_trace(
                go.Scatter(
                    x=log.episode_step,
                    y=moving_average(log.episode_return, 10),
                    name=f"{name} · training episodes (avg of 10)",
                    line=dict(color=_rgba(colour, 0.45), width=1.5),
                    legendgroup=name,
                )
            )
        if log.eval_step:
            mean, sd = np.array(log.eval_mean), np.array(log.eval_sd)
            x = list(log.eval_step)
            fig.add_trace(
                go.Scatter(
                    x=x + x[::-1],
                    y=list(mean + sd) + list((mean - sd)[::-1]),
                    fill="toself",
                    fillcolor=_rgba(colour, 0.15),
                    line=dict(width=0),
                    hoverinfo="skip",
                    showlegend=False,
                    legendgroup=name,
                )
            )
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=mean,
                    name=f"{name} · greedy eval (10 episodes)",
                    mode="lines+markers",
                    line=dict(color=colour, width=3),
                    legendgroup=name,
                )
            )
    if solved is not None:
        fig.add_hline(y=solved, line=dict(color=BLACK, dash="dot"), annotation_text=f"solved ({solved:g})")
    fig.update_xaxes(title="environment steps")
    fig.update_yaxes(title="return of an episode")
    style(fig, title, height=height)
    fig.update_layout(legend=dict(orientation="h", y=-0.25))
    return fig


def series_plot(
    series: dict[str, tuple[list, list]],
    title: str,
    y_title: str,
    log_y: bool = False,
    height: int = 340,
    dash: dict | None = None,
) -> go.Figure:
    """Several named (x, y) lines against environment steps."""
    if not any(len(x) for x, _ in series.values()):
        return empty_figure(title, "Nothing trained yet.", height)
    fig = go.Figure()
    for i, (name, (x, y)) in enumerate(series.items()):
        fig.add_trace(
            go.Scatter(
                x=x, y=y, name=name, mode="lines", line=dict(color=_colour(i), width=2.5, dash=(dash or {}).get(name))
            )
        )
    fig.update_xaxes(title="environment steps")
    if log_y:
        fig.update_yaxes(**log_axis([v for _, y in series.values() for v in y], height - 150))
    fig.update_yaxes(title=y_title)
    style(fig, title, height=height)
    fig.update_layout(legend=dict(orientation="h", y=-0.3))
    return fig


def overestimation(logs: dict[str, TrainingLog], height: int = 420) -> go.Figure:
    """Mean max_a Q(s,a) predicted (solid) vs mean discounted return G_t obtained (dashed), per variant."""
    title = "Overestimation: predicted max_a Q(s,a) vs discounted return actually obtained"
    if not any(log.extra.get("q_step") for log in logs.values()):
        return empty_figure(title, "Appears after the first greedy evaluation.", height)
    fig = go.Figure()
    for i, (name, log) in enumerate(logs.items()):
        steps = log.extra.get("q_step", [])
        if not steps:
            continue
        colour = _colour(i)
        fig.add_trace(
            go.Scatter(
                x=steps,
                y=log.extra["q_predicted"],
                name=f"{name}: mean max_a Q(s,a) predicted",
                line=dict(color=colour, width=3),
            )
        )
        fig.add_trace(
            go.Scatter(
                x=steps,
                y=log.extra["q_actual"],
                name=f"{name}: mean G_t obtained",
                line=dict(color=colour, width=2, dash="dash"),
            )
        )
    fig.update_xaxes(title="environment steps")
    fig.update_yaxes(title="value (discounted)")
    style(fig, title, height=height)
    fig.update_layout(legend=dict(orientation="h", y=-0.3))
    return fig


def state_heatmap(
    xs: np.ndarray,
    ys: np.ndarray,
    z: np.ndarray,
    x_title: str,
    y_title: str,
    title: str,
    colorbar: str,
    diverging: bool = False,
    height: int = 440,
) -> go.Figure:
    """A value over a 2-D slice of the state space; z has shape (len(ys), len(xs))."""
    colours = diverging_scale(z) if diverging else dict(colorscale=SEQUENTIAL)
    fig = go.Figure(
        go.Heatmap(
            x=xs,
            y=ys,
            z=z,
            colorbar=dict(title=dict(text=colorbar, side="right")),
            hovertemplate=f"{x_title} = %{{x:.3f}}<br>{y_title} = %{{y:.3f}}<br>{colorbar} = %{{z:.3f}}<extra></extra>",
            **colours,
        )
    )
    fig.update_xaxes(title=x_title)
    fig.update_yaxes(title=y_title)
    return style(fig, title, height=height)


def _png_uri(frame: np.ndarray) -> str:
    buffer = io.BytesIO()
    Image.fromarray(frame).save(buffer, format="PNG", optimize=False, compress_level=6)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


# the rendered frame at most this tall: with the title and the play controls the figure fits a 720-px screen
MAX_FRAME_PX = 460


def episode_animation(
    frames: np.ndarray, frame_steps: np.ndarray, title: str, column_px: float = MAIN_COLUMN_PX
) -> go.Figure:
    """A rendered episode (rgb_array frames) with ▶ play / ❚❚ pause and a step slider, as wide as a column
    ``column_px`` wide allows (equal aspect, at most MAX_FRAME_PX tall).

    Each frame is a PNG data URI (a CartPole frame at half resolution: ~2 kB) that a frame swaps into the one
    image trace; an image changes only with a redraw, which for this figure (one image, no axes) stays far
    below a frame's duration, so the episode plays at ▶ play's 12–15 frames/s."""
    uris = [_png_uri(f) for f in frames]
    h, w = frames.shape[1:3]
    frame_px = min((column_px - 20) * h / w, MAX_FRAME_PX)  # 10-px margins left and right
    names = [str(int(s)) for s in frame_steps]
    fig = go.Figure(go.Image(source=uris[0], hoverinfo="skip"))
    fig.update_layout(
        # a thin frame: the render's white background would otherwise melt into the page
        shapes=[dict(type="rect", x0=0, y0=0, x1=w, y1=h, line=dict(color=GREY, width=1), layer="above")],
        **animation.controls(names, redraw=True, prefix="step "),
    )
    fig.update_xaxes(visible=False, range=[0, w], constrain="domain")
    fig.update_yaxes(visible=False, range=[h, 0], scaleanchor="x", scaleratio=1, constrain="domain")
    style(fig, title, height=int(frame_px) + 60 + animation.CONTROLS_PX + 8)
    fig.update_layout(margin=dict(l=10, r=10, t=60, b=animation.CONTROLS_PX + 8))
    frames_data = [dict(name=name, data=[dict(type="image", source=uri)], traces=[0]) for name, uri in zip(names, uris)]
    return animation.with_frames(fig, frames_data)


def variance_plot(
    batch_sizes: np.ndarray, variance: dict[str, np.ndarray], single: dict[str, float], height: int = 440
) -> go.Figure:
    """Var of the gradient estimate vs N on log-log axes, measured (markers) and σ²/N (dotted)."""
    fig = go.Figure()
    n = np.asarray(batch_sizes, dtype=float)
    for i, (name, values) in enumerate(variance.items()):
        colour = _colour(i)
        fig.add_trace(
            go.Scatter(
                x=n,
                y=values,
                name=f"{name} (measured)",
                mode="lines+markers",
                line=dict(color=colour, width=3),
                marker=dict(size=9),
            )
        )
        fig.add_trace(
            go.Scatter(
                x=n,
                y=single[name] / n,
                name=f"{name}: σ²/N",
                mode="lines",
                line=dict(color=colour, width=1.5, dash="dot"),
                showlegend=False,
            )
        )
    every = [v for values in variance.values() for v in values] + [single[name] / v for name in single for v in n]
    fig.update_xaxes(**log_axis(n, MAIN_COLUMN_PX - 90), title="N, trajectories per estimate")
    fig.update_yaxes(**log_axis(every, height - 150), title="total variance ∑ₚ Var[ĝₚ]")
    style(fig, "Variance of the REINFORCE gradient estimate", height=height)
    fig.update_layout(legend=dict(orientation="h", y=-0.3))
    return fig


def advantage_plot(rewards: np.ndarray, values: np.ndarray, advantages: np.ndarray, height: int = 400) -> go.Figure:
    """V̂(s_t) and Â_t = r_t + γ V̂(s_{t+1}) − V̂(s_t) along one episode."""
    t = np.arange(len(rewards))
    fig = go.Figure()
    fig.add_trace(go.Bar(x=t, y=advantages, name="Â_t = r + γV̂(s') − V̂(s)", marker_color=_colour(1), yaxis="y2"))
    fig.add_trace(go.Scatter(x=t, y=values, name="V̂(s_t)", line=dict(color=_colour(0), width=3)))
    fig.update_layout(
        yaxis=dict(title="V̂(s_t)"),
        yaxis2=dict(title="advantage Â_t", overlaying="y", side="right", zeroline=True),
    )
    fig.update_xaxes(title="step t of the episode")
    style(fig, "Critic value and advantage along one episode", height=height)
    fig.update_layout(legend=dict(orientation="h", y=-0.25), margin=dict(r=70))
    return fig


def solve_steps_plot(
    per_algorithm: dict[str, list[float | None]], budget: float, title: str, y_title: str, height: int = 400
) -> go.Figure:
    """One dot per seed of the steps (or seconds) each algorithm needed to solve; unsolved seeds at the top, hollow."""
    fig = go.Figure()
    for i, (name, values) in enumerate(per_algorithm.items()):
        solved = [v for v in values if v is not None]
        unsolved = sum(v is None for v in values)
        fig.add_trace(
            go.Box(
                y=solved,
                name=name,
                boxpoints="all",
                jitter=0.3,
                pointpos=0,
                marker=dict(color=_colour(i), size=10),
                line=dict(color=_colour(i)),
            )
        )
        if unsolved:
            fig.add_trace(
                go.Scatter(
                    x=[name] * unsolved,
                    y=[budget] * unsolved,
                    mode="markers",
                    showlegend=False,
                    marker=dict(symbol="x-open", size=14, color=_colour(i)),
                    hovertext="not solved within the budget",
                )
            )
    fig.update_yaxes(title=y_title, rangemode="tozero")
    style(fig, title, height=height)
    fig.update_layout(showlegend=False)
    return fig

"""Figures of the DQN page's stabilisers: the kept best network on the learning curve, the gradient norm that
clipping bounds, and the ε / learning-rate schedules."""

from __future__ import annotations

import plotly.graph_objects as go

from core.rl.common import TrainingLog
from viz.rl.deep import empty_figure
from viz.theme import BLACK, CATEGORICAL, GREY, log_axis, style


def mark_kept(fig: go.Figure, kept: dict[str, tuple[int, float]]) -> go.Figure:
    """Add a star at each run's kept evaluation (label → (env step, greedy mean)) to a learning-curve figure.

    The kept evaluation is often the latest one, at the right end of the solved line, so that line's label moves
    to the left end (the curves are low there)."""
    fig.update_annotations(selector=lambda a: "solved" in (a.text or ""), x=0.0, xanchor="left")
    for i, (label, (step, mean)) in enumerate(kept.items()):
        fig.add_trace(
            go.Scatter(
                x=[step],
                y=[mean],
                mode="markers",
                marker=dict(
                    symbol="star", size=20, color=CATEGORICAL[i % len(CATEGORICAL)], line=dict(color=BLACK, width=1.5)
                ),
                name=f"{label} · kept network (best greedy eval)",
                hovertemplate=f"{label}: kept network from step %{{x:,}}<br>greedy eval %{{y:.0f}}<extra></extra>",
                legendgroup=label,
            )
        )
    return fig


def grad_norm_plot(logs: dict[str, TrainingLog], max_norm: float, height: int = 340) -> go.Figure:
    """‖∂L/∂θ‖ before clipping (mean per training round) per run, with the clipping bound as a dashed line."""
    title = "Gradient norm ‖g‖ before clipping"
    series = {k: (v.loss_step, v.extra.get("grad_norm", [])) for k, v in logs.items()}
    values = [g for _, ys in series.values() for g in ys if g > 0]
    if not values:
        return empty_figure(title, "Nothing trained yet.", height)
    fig = go.Figure()
    for i, (label, (steps, norms)) in enumerate(series.items()):
        fig.add_trace(
            go.Scatter(
                x=steps[: len(norms)],
                y=norms,
                name=label,
                mode="lines",
                line=dict(color=CATEGORICAL[i % len(CATEGORICAL)], width=2.5),
            )
        )
    if max_norm > 0:
        values.append(max_norm)
        # a trace, not add_hline: an hline's annotation on a log axis lands at 10^max_norm and stretches the axis
        all_steps = [x for steps, _ in series.values() for x in steps]
        fig.add_trace(
            go.Scatter(
                x=[min(all_steps), max(all_steps)],
                y=[max_norm, max_norm],
                name=f"clipped above {max_norm:g}",
                mode="lines",
                line=dict(color=BLACK, dash="dash", width=2),
                hoverinfo="skip",
            )
        )
    fig.update_xaxes(title="environment steps")
    fig.update_yaxes(title="‖g‖", **log_axis(values, height - 150))
    style(fig, title, height=height)
    fig.update_layout(legend=dict(orientation="h", y=-0.3))
    return fig


def schedules_plot(log: TrainingLog | None, learning_rate: float, height: int = 340) -> go.Figure:
    """ε_t (at each episode end) and α_t / α₀ (at each training round) of one run: the two decays on one axis."""
    title = "Schedules: exploration ε and step size α / α₀"
    if log is None or not log.episode_step:
        return empty_figure(title, "Nothing trained yet.", height)
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=log.episode_step[: len(log.extra.get("epsilon", []))],
            y=log.extra.get("epsilon", []),
            name="ε",
            mode="lines",
            line=dict(color=CATEGORICAL[0], width=2.5),
        )
    )
    rates = log.extra.get("learning_rate", [])
    fig.add_trace(
        go.Scatter(
            x=log.loss_step[: len(rates)],
            y=[r / learning_rate for r in rates],
            name="α / α₀",
            mode="lines",
            line=dict(color=CATEGORICAL[1], width=2.5, dash="dash"),
            hovertemplate="α = %{customdata:.2g} at step %{x:,}<extra></extra>",
            customdata=rates,
        )
    )
    fig.update_xaxes(title="environment steps")
    fig.update_yaxes(title="ε, α / α₀", range=[0, 1.05], gridcolor=None, zerolinecolor=GREY)
    style(fig, title, height=height)
    fig.update_layout(legend=dict(orientation="h", y=-0.3))
    return fig

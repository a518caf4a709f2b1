"""Figures of the skip-connections page (sheet 7g): gradient norms per layer and loss curves, plain vs residual."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from core.deep.skip_connections import SkipResult
from viz.theme import BLUE, GREY, VERMILION, log_axis, style


def gradient_norm_figure(result: SkipResult) -> go.Figure:
    """‖∂L/∂W_l‖ per layer at initialization (log scale), plain vs residual."""
    layers = np.arange(len(result.grad_plain))
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(x=layers, y=result.grad_plain, mode="lines+markers", name="plain", line=dict(color=VERMILION))
    )
    fig.add_trace(
        go.Scatter(x=layers, y=result.grad_residual, mode="lines+markers", name="residual", line=dict(color=BLUE))
    )
    fig.update_yaxes(
        **log_axis(np.concatenate([result.grad_plain, result.grad_residual]), 380), title_text="‖∂L/∂W_l‖ (log)"
    )
    fig.update_xaxes(title_text="layer l (0 = next to the input, last = output layer)")
    return style(fig, "Gradient norm per layer at initialization")


def loss_figure(loss_plain: list[float], loss_residual: list[float]) -> go.Figure:
    """Training loss per SGD step of both nets on a log axis (one spike of the residual net to tens would
    otherwise flatten the contrast near chance), with chance level ln 10 ≈ 2.30 dotted.

    The curves may differ in length: a net that diverged ends at its last finite step."""
    fig = go.Figure()
    for name, losses, colour in (("plain", loss_plain, VERMILION), ("residual", loss_residual, BLUE)):
        steps = np.arange(1, len(losses) + 1)
        # a net that diverged at its second step has one point: a line alone would not draw it
        mode = "lines" if len(losses) > 1 else "markers"
        fig.add_trace(go.Scatter(x=steps, y=losses, mode=mode, name=name, line=dict(color=colour)))
    # chance: a uniform guess over the 10 classes has cross-entropy −log(1/10) = ln 10
    chance = float(np.log(10))
    fig.add_hline(
        y=chance,
        line=dict(color=GREY, dash="dot", width=1.5),
        annotation_text=f"chance: ln 10 ≈ {chance:.2f}",
        annotation_position="top right",
    )
    fig.update_xaxes(title_text="SGD step")
    # readable log ticks (1, 2, 5 × 10^k written in full over a narrow range), the chance line included
    values = [v for v in [*loss_plain, *loss_residual, chance] if v > 0]
    fig.update_yaxes(**log_axis(values, 380), title_text="cross-entropy (log)")
    return style(fig, "Training curves on the same batches")

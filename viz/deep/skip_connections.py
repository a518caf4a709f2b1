"""Figures of the skip-connections page (sheet 7g): gradient norms per layer and loss curves, plain vs residual."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from core.deep.skip_connections import SkipResult
from viz.theme import BLUE, VERMILION, style


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
    fig.update_yaxes(type="log", title_text="‖∂L/∂W_l‖ (log)", exponentformat="power")
    fig.update_xaxes(title_text="layer l (0 = next to the input, last = output layer)")
    return style(fig, "Gradient norm per layer at initialization")


def loss_figure(loss_plain: list[float], loss_residual: list[float]) -> go.Figure:
    fig = go.Figure()
    steps = np.arange(1, len(loss_plain) + 1)
    fig.add_trace(go.Scatter(x=steps, y=loss_plain, mode="lines", name="plain", line=dict(color=VERMILION)))
    fig.add_trace(go.Scatter(x=steps, y=loss_residual, mode="lines", name="residual", line=dict(color=BLUE)))
    fig.update_xaxes(title_text="SGD step")
    fig.update_yaxes(title_text="training loss (cross-entropy)")
    return style(fig, "Training curves on the same batches")

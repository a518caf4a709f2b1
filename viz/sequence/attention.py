"""Attention figures: the attention map, one map per head, a digit cut into ViT patches and its patch matrix."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.sequence import attention as seq
from viz import theme


def _labels(tokens: list[str]) -> list[str]:
    """Position-prefixed token labels, so repeated words stay distinct rows on a heatmap axis."""
    return [f"{k + 1}:{token}" for k, token in enumerate(tokens)]


def attention_map(r: seq.AttentionReport) -> go.Figure:
    """A (N × N): row = query token, column = key token; each row sums to 1."""
    labels = _labels(r.tokens)
    fig = go.Figure(
        go.Heatmap(
            z=r.single.A,
            x=labels,
            y=labels,
            colorscale=theme.SEQUENTIAL,
            zmin=0,
            zmax=1,
            text=np.round(r.single.A, 2),
            texttemplate="%{text}" if len(labels) <= 8 else None,
            hovertemplate="query %{y}<br>key %{x}<br>A = %{z:.3f}<extra></extra>",
            colorbar=dict(title=dict(text="A", side="right")),
        )
    )
    fig.update_yaxes(autorange="reversed", title="query (row of A)")
    fig.update_xaxes(title="key (column of A)", tickangle=-30)
    n = len(labels)
    return theme.style(fig, f"Attention A = softmax(QKᵀ/√D), {n}×{n}", height=480)


def head_grid(r: seq.AttentionReport) -> go.Figure:
    """One attention map per head, same colour scale."""
    heads = len(r.multi.heads)
    cols = min(heads, 4)
    rows = -(-heads // cols)
    labels = _labels(r.tokens)
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=[f"head {j + 1}" for j in range(heads)],
        horizontal_spacing=0.04,
        vertical_spacing=0.12,
    )
    for j, head in enumerate(r.multi.heads):
        fig.add_trace(
            go.Heatmap(
                z=head.A,
                x=labels,
                y=labels,
                colorscale=theme.SEQUENTIAL,
                zmin=0,
                zmax=1,
                showscale=j == 0,
                hovertemplate=f"head {j + 1}<br>query %{{y}}<br>key %{{x}}<br>A = %{{z:.3f}}<extra></extra>",
            ),
            row=j // cols + 1,
            col=j % cols + 1,
        )
    fig.update_yaxes(autorange="reversed", showticklabels=False)
    fig.update_yaxes(showticklabels=True, col=1)
    fig.update_xaxes(showticklabels=False)
    size = r.dim // heads
    return theme.style(fig, f"{heads} heads, each D/h = {size} wide", height=300 * rows + 80)


def digit_with_patches(image: np.ndarray, patch: int, label: int) -> go.Figure:
    """The 8×8 digit (grey levels in [0, 1]) with the patch grid drawn over it and each patch numbered in reading order."""
    fig = go.Figure(
        go.Heatmap(
            z=image,
            colorscale="Greys",
            zmin=0,
            zmax=1,
            showscale=False,
            hovertemplate="row %{y}, col %{x}<br>pixel %{z:.2f}<extra></extra>",
        )
    )
    side = image.shape[0]
    # the whole patch grid as one trace (None breaks the line): far cheaper than one shape per line
    grid_x, grid_y = [], []
    for edge in np.arange(0, side + 1, patch) - 0.5:
        grid_x += [edge, edge, None, -0.5, side - 0.5, None]
        grid_y += [-0.5, side - 0.5, None, edge, edge, None]
    fig.add_trace(
        go.Scatter(
            x=grid_x, y=grid_y, mode="lines", line=dict(color=theme.ORANGE, width=3), hoverinfo="skip", showlegend=False
        )
    )
    per_side = side // patch
    if per_side <= 4:
        for k in range(per_side * per_side):
            row, col = divmod(k, per_side)
            fig.add_annotation(
                x=col * patch + (patch - 1) / 2,
                y=row * patch + (patch - 1) / 2,
                text=str(k + 1),
                showarrow=False,
                font=dict(color=theme.VERMILION, size=18),
                bgcolor="rgba(255, 255, 255, 0.8)",
            )
    fig.update_yaxes(autorange="reversed", scaleanchor="x", showticklabels=False)
    fig.update_xaxes(showticklabels=False)
    return theme.style(fig, f"Digit “{label}”, {per_side}×{per_side} patches of {patch}×{patch}", height=420)


def patch_matrix(patches: np.ndarray) -> go.Figure:
    """The N × P² matrix (grey levels in [0, 1]): one flattened patch per row, the sequence a ViT reads."""
    n, width = patches.shape
    fig = go.Figure(
        go.Heatmap(
            z=patches,
            x=np.arange(1, width + 1),
            y=np.arange(1, n + 1),
            colorscale="Greys",
            zmin=0,
            zmax=1,
            showscale=False,
            hovertemplate="patch %{y}, pixel %{x}<br>value %{z:.2f}<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed", title="patch (token) n", dtick=max(1, n // 16))
    fig.update_xaxes(title="pixel inside the patch (row-major)", dtick=max(1, width // 16))
    return theme.style(fig, f"Patch matrix, N × P² = {n} × {width}", height=420)

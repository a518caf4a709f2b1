"""Attention figures: the attention map, one map per head, a digit cut into ViT patches and its patch matrix."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from core.sequence import attention as seq
from viz import plain, theme


def _labels(tokens: list[str]) -> list[str]:
    """Position-prefixed token labels, so repeated words stay distinct rows on a heatmap axis."""
    return [f"{k + 1}:{token}" for k, token in enumerate(tokens)]


def attention_map(r: seq.AttentionReport) -> go.Figure:
    """A (N × N): row = query token, column = key token; each row sums to 1."""
    labels = _labels(r.tokens)
    heatmap = dict(
        type="heatmap",
        z=r.single.A,
        x=labels,
        y=labels,
        colorscale=plain.colorscale(theme.SEQUENTIAL),
        zmin=0,
        zmax=1,
        text=np.round(r.single.A, 2),
        hovertemplate="query %{y}<br>key %{x}<br>A = %{z:.3f}<extra></extra>",
        colorbar=dict(title=dict(text="A", side="right")),
    )
    if len(labels) <= 8:
        heatmap["texttemplate"] = "%{text}"
    n = len(labels)
    return plain.figure(
        [heatmap],
        plain.layout(
            f"Attention A = softmax(QKᵀ/√D), {n}×{n}",
            480,
            yaxis=dict(autorange="reversed", title=dict(text="query (row of A)")),
            xaxis=dict(title=dict(text="key (column of A)"), tickangle=-30),
        ),
    )


def head_grid(r: seq.AttentionReport) -> go.Figure:
    """One attention map per head, same colour scale."""
    heads = len(r.multi.heads)
    cols = min(heads, 4)
    rows = -(-heads // cols)
    labels = _labels(r.tokens)
    size = r.dim // heads
    layout = plain.subplots_layout(
        f"{heads} heads, each D/h = {size} wide",
        300 * rows + 80,
        rows=rows,
        cols=cols,
        subplot_titles=tuple(f"head {j + 1}" for j in range(heads)),
        horizontal_spacing=0.04,
        vertical_spacing=0.12,
    )
    traces = []
    for j, head in enumerate(r.multi.heads):
        axis = "" if j == 0 else str(j + 1)  # subplot (row, col) has axes number (row − 1)·cols + col
        traces.append(
            dict(
                type="heatmap",
                z=head.A,
                x=labels,
                y=labels,
                colorscale=plain.colorscale(theme.SEQUENTIAL),
                zmin=0,
                zmax=1,
                showscale=j == 0,
                hovertemplate=f"head {j + 1}<br>query %{{y}}<br>key %{{x}}<br>A = %{{z:.3f}}<extra></extra>",
                xaxis=f"x{axis}",
                yaxis=f"y{axis}",
            )
        )
    plain.update_axes(layout, "y", autorange="reversed", showticklabels=False)
    for row in range(rows):  # the first column keeps its tick labels
        plain.merge(layout["yaxis" if row == 0 else f"yaxis{row * cols + 1}"], dict(showticklabels=True))
    plain.update_axes(layout, "x", showticklabels=False)
    return plain.figure(traces, layout)


def digit_with_patches(image: np.ndarray, patch: int, label: int) -> go.Figure:
    """The 8×8 digit (grey levels in [0, 1]) with the patch grid drawn over it and each patch numbered in reading order."""
    side = image.shape[0]
    # the whole patch grid as one trace (None breaks the line): far cheaper than one shape per line
    grid_x, grid_y = [], []
    for edge in np.arange(0, side + 1, patch) - 0.5:
        grid_x += [edge, edge, None, -0.5, side - 0.5, None]
        grid_y += [-0.5, side - 0.5, None, edge, edge, None]
    traces = [
        dict(
            type="heatmap",
            z=image,
            colorscale=plain.colorscale("Greys"),
            zmin=0,
            zmax=1,
            showscale=False,
            hovertemplate="row %{y}, col %{x}<br>pixel %{z:.2f}<extra></extra>",
        ),
        dict(
            type="scatter",
            x=grid_x,
            y=grid_y,
            mode="lines",
            line=dict(color=theme.ORANGE, width=3),
            hoverinfo="skip",
            showlegend=False,
        ),
    ]
    per_side = side // patch
    annotations = []
    if per_side <= 4:
        for k in range(per_side * per_side):
            row, col = divmod(k, per_side)
            annotations.append(
                dict(
                    x=col * patch + (patch - 1) / 2,
                    y=row * patch + (patch - 1) / 2,
                    text=str(k + 1),
                    showarrow=False,
                    font=dict(color=theme.VERMILION, size=18),
                    bgcolor="rgba(255, 255, 255, 0.8)",
                )
            )
    layout = plain.layout(
        f"Digit “{label}”, {per_side}×{per_side} patches of {patch}×{patch}",
        420,
        yaxis=dict(autorange="reversed", scaleanchor="x", showticklabels=False),
        xaxis=dict(showticklabels=False),
    )
    if annotations:
        layout["annotations"] = annotations
    return plain.figure(traces, layout)


def patch_matrix(patches: np.ndarray) -> go.Figure:
    """The N × P² matrix (grey levels in [0, 1]): one flattened patch per row, the sequence a ViT reads."""
    n, width = patches.shape
    heatmap = dict(
        type="heatmap",
        z=patches,
        x=np.arange(1, width + 1),
        y=np.arange(1, n + 1),
        colorscale=plain.colorscale("Greys"),
        zmin=0,
        zmax=1,
        showscale=False,
        hovertemplate="patch %{y}, pixel %{x}<br>value %{z:.2f}<extra></extra>",
    )
    return plain.figure(
        [heatmap],
        plain.layout(
            f"Patch matrix, N × P² = {n} × {width}",
            420,
            yaxis=dict(autorange="reversed", title=dict(text="patch (token) n"), dtick=max(1, n // 16)),
            xaxis=dict(title=dict(text="pixel inside the patch (row-major)"), dtick=max(1, width // 16)),
        ),
    )

"""The back-propagation walk-through's figure: a small network as a graph with every number (sheet 6a)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from core.deep import mlp
from viz import theme

GAP_X, GAP_Y = 3.4, 1.7  # layer and unit spacing in data units
MAX_NODE_PX, MIN_NODE_PX = 112, 92  # a unit's circle: room for four lines of numbers at theme.MIN_TEXT_SIZE
KNOWN_COLOUR, WEIGHT_COLOUR = theme.VERMILION, "#555555"


def _edge_text(w: float, grad: float | None) -> str:
    return f"w={w:+.2f}" + ("" if grad is None else f"<br>∂L/∂w={grad:+.3f}")


def backprop_graph(
    config: mlp.MLPConfig,
    params: Sequence[np.ndarray],
    fwd: mlp.Forward,
    back: mlp.Backward | None,
    shown_forward: int,
    shown_backward: int,
    input_names: Sequence[str],
    title: str | None = None,
    focus: tuple[int, int] | None = None,
    column_px: float = theme.MAIN_COLUMN_PX,
) -> go.Figure:
    """A small network as a graph: units labelled with z and a (layers ≤ ``shown_forward``) and δ, ∂L/∂b
    (layers ≥ ``shown_backward`` once ``back`` is given); every edge shows w, and ∂L/∂w once known, on hover.

    The edges into unit ``focus = (layer, j)`` (the unit the page's formula works on) are labelled on the
    picture: labels for every edge cannot fit at theme.MIN_TEXT_SIZE, since the fan-ins of a layer cross.
    """
    sizes = config.layer_sizes
    tallest = max(sizes)
    height = int(230 + tallest * 150)
    pos = [[(layer * GAP_X, ((n - 1) / 2 - j) * GAP_Y) for j in range(n)] for layer, n in enumerate(sizes)]
    x_range = [-1.1, (len(sizes) - 1) * GAP_X + 1.1]
    px_per_x = (column_px - 70) / (x_range[1] - x_range[0])  # theme.style's margins: 50 left, 20 right
    # the circles shrink on deep networks so that a two-line edge label fits between two layers
    label_w = theme.text_width("∂L/∂w=+0.000")
    node_px = int(np.clip(GAP_X * px_per_x - label_w - 12, MIN_NODE_PX, MAX_NODE_PX))

    edge_x, edge_y, hover_x, hover_y, hover_text, labels = [], [], [], [], [], []
    focus_x, focus_y, focus_known = [], [], False
    for layer in range(1, len(sizes)):
        W = params[2 * layer - 2]
        known = back is not None and layer >= shown_backward
        for j in range(W.shape[0]):
            for i in range(W.shape[1]):
                (xa, ya), (xb, yb) = pos[layer - 1][i], pos[layer][j]
                edge_x += [xa, xb, None]
                edge_y += [ya, yb, None]
                grad = back.grads[2 * layer - 2][j, i] if known else None
                text = _edge_text(W[j, i], grad)
                # the middle of the edge: between the circles, and the fan-in's labels a half unit-gap apart
                mx, my = (xa + xb) / 2, (ya + yb) / 2
                hover_x.append(mx)
                hover_y.append(my)
                hover_text.append(f"W^[{layer}]_{j + 1}{i + 1}: {text}")
                if focus == (layer, j):
                    # drawn bold: in a symmetric layout the label's midpoint is also where two edges cross
                    focus_x += [xa, xb, None]
                    focus_y += [ya, yb, None]
                    focus_known = known
                    labels.append(
                        dict(
                            x=mx,
                            y=my,
                            text=text,
                            showarrow=False,
                            font=dict(size=theme.MIN_TEXT_SIZE, color=KNOWN_COLOUR if known else WEIGHT_COLOUR),
                            bgcolor="rgba(255,255,255,0.88)",
                        )
                    )
    node_x, node_y, node_text, node_col = [], [], [], []
    for layer, column in enumerate(pos):
        for j, (x, y) in enumerate(column):
            node_x.append(x)
            node_y.append(y)
            if layer == 0:
                lines = [f"<b>{input_names[j]}</b>", f"a={fwd.a[0][j, 0]:+.3f}"]
            else:
                lines = [f"<b>{'output' if layer == len(sizes) - 1 else f'h{layer}.{j + 1}'}</b>"]
                if layer <= shown_forward:
                    lines += [f"z={fwd.z[layer][j, 0]:+.3f}", f"a={fwd.a[layer][j, 0]:+.3f}"]
                    if fwd.masks[layer] is not None and fwd.masks[layer][j, 0] == 0:
                        lines.append("(dropped)")
                if back is not None and layer >= shown_backward:
                    lines += [f"δ={back.delta[layer][j, 0]:+.3f}"]
            node_text.append("<br>".join(lines))
            if back is not None and layer >= shown_backward and layer > 0:
                node_col.append("#FDE9C9")
            elif layer == 0 or layer <= shown_forward:
                node_col.append("#D6E9F8")
            else:
                node_col.append("#F2F2F2")
    fig = go.Figure(
        [
            go.Scatter(x=edge_x, y=edge_y, mode="lines", line=dict(color="#C8C8C8", width=2), hoverinfo="skip"),
            go.Scatter(
                x=focus_x,
                y=focus_y,
                mode="lines",
                line=dict(color=KNOWN_COLOUR if focus_known else WEIGHT_COLOUR, width=3.5),
                hoverinfo="skip",
            ),
            go.Scatter(
                x=hover_x,
                y=hover_y,
                mode="markers",
                marker=dict(size=14, color="rgba(0,0,0,0)"),
                hovertext=hover_text,
                hoverinfo="text",
                name="edges",
            ),
            go.Scatter(
                x=node_x,
                y=node_y,
                mode="markers+text",
                marker=dict(size=node_px, color=node_col, line=dict(color=theme.BLACK, width=1.5)),
                text=node_text,
                textfont=dict(size=theme.MIN_TEXT_SIZE),
                hoverinfo="skip",
            ),
        ]
    )
    span = (tallest - 1) / 2 * GAP_Y + 1.1
    fig.update_layout(
        annotations=labels,
        xaxis=dict(visible=False, range=x_range),
        yaxis=dict(visible=False, range=[-span, span]),
        showlegend=False,
        dragmode=False,
    )
    return theme.style(fig, title, height=height)

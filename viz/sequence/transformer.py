"""Tiny-transformer figures: every layer × head as a small map (click one), the chosen head enlarged with its
query row outlined, accuracy and loss curves of two runs, and the softmax saturation per head."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from viz import theme

SELECTED_COLOUR = theme.VERMILION
GRID_CELL_PX = 150
"""Side of one small map in the heads grid."""


def token_labels(tokens: list[str]) -> list[str]:
    """Position-prefixed labels (``3:_``), so repeated tokens stay distinct rows and columns."""
    return [f"{k + 1}:{token}" for k, token in enumerate(tokens)]


def _axis_name(index: int, axis: str) -> str:
    return axis if index == 0 else f"{axis}{index + 1}"


def heads_grid(
    attention: np.ndarray, tokens: list[str], selected: tuple[int, int], query: int, *, title: str
) -> go.Figure:
    """All maps A (layers × heads, each L × L, rows = queries): one small heatmap per head, an empty text label
    on every cell (Plotly heatmaps report no clicks: these do, with layer, head, query and key as their
    customdata), the selected head framed and its query row outlined."""
    layers, heads, L, _ = attention.shape
    gap = 0.03
    width, height = (1 - gap * (heads - 1)) / heads, (1 - 0.08 * (layers - 1)) / layers
    labels = token_labels(tokens)
    data, layout, shapes, notes = [], {}, [], []
    rows, cols = np.meshgrid(np.arange(L), np.arange(L), indexing="ij")
    for layer in range(layers):
        for head in range(heads):
            index = layer * heads + head
            xa, ya = _axis_name(index, "x"), _axis_name(index, "y")
            data.append(
                dict(
                    type="heatmap",
                    z=np.round(attention[layer, head], 3),
                    xaxis=xa,
                    yaxis=ya,
                    colorscale=theme.SEQUENTIAL,
                    zmin=0,
                    zmax=1,
                    showscale=index == 0,
                    colorbar=dict(title=dict(text="A", side="right"), len=0.9),
                    hoverinfo="skip",
                )
            )
            data.append(
                dict(
                    type="scatter",
                    x=cols.ravel(),
                    y=rows.ravel(),
                    xaxis=xa,
                    yaxis=ya,
                    # empty text, not transparent markers: as clickable, and a third cheaper to draw
                    mode="text",
                    text=[""] * (L * L),
                    customdata=np.stack(
                        [np.full(L * L, layer), np.full(L * L, head), rows.ravel(), cols.ravel()], axis=1
                    ),
                    hovertext=[
                        f"query {labels[r]}, key {labels[c]}: A = {attention[layer, head, r, c]:.2f}"
                        for r, c in zip(rows.ravel(), cols.ravel())
                    ],
                    hovertemplate=f"layer {layer + 1}, head {head + 1}<br>%{{hovertext}}<extra>click: enlarge</extra>",
                    showlegend=False,
                )
            )
            x0 = head * (width + gap)
            y1 = 1 - layer * (height + 0.08)
            layout[_axis_name(index, "xaxis")] = dict(
                domain=[round(x0, 6), round(min(1.0, x0 + width), 6)],
                showticklabels=False,
                showgrid=False,
                zeroline=False,
                range=[-0.5, L - 0.5],
            )
            layout[_axis_name(index, "yaxis")] = dict(
                domain=[round(max(0.0, y1 - height), 6), round(y1, 6)],
                showticklabels=False,
                showgrid=False,
                zeroline=False,
                range=[L - 0.5, -0.5],  # row 1 at the top, as a matrix
                scaleanchor=xa,
            )
            chosen = (layer, head) == tuple(selected)
            notes.append(
                dict(
                    text=f"<b>L{layer + 1} H{head + 1}</b>" if chosen else f"L{layer + 1} H{head + 1}",
                    xref=f"{xa} domain",
                    yref=f"{ya} domain",
                    x=0.5,
                    y=1.0,
                    yanchor="bottom",
                    showarrow=False,
                    font=dict(size=theme.MIN_TEXT_SIZE + 2, color=SELECTED_COLOUR if chosen else None),
                )
            )
            if chosen:
                shapes.append(
                    dict(
                        type="rect",
                        xref=f"{xa} domain",
                        yref=f"{ya} domain",
                        x0=-0.02,
                        x1=1.02,
                        y0=-0.02,
                        y1=1.02,
                        line=dict(color=SELECTED_COLOUR, width=4),
                    )
                )
                shapes.append(
                    dict(
                        type="rect",
                        xref=xa,
                        yref=ya,
                        x0=-0.5,
                        x1=L - 0.5,
                        y0=query - 0.5,
                        y1=query + 0.5,
                        line=dict(color=SELECTED_COLOUR, width=2),
                    )
                )
    fig = go.Figure(dict(data=data), _validate=False)
    fig.update_layout(**layout, shapes=shapes, annotations=notes, clickmode="event+select", dragmode=False)
    theme.style(fig, title, height=int(GRID_CELL_PX * 1.25 * layers + 90))
    fig.update_layout(margin=dict(l=10, r=10, t=80, b=10))
    return fig


def head_map(
    A: np.ndarray, tokens: list[str], query: int, answer_positions: list[int], *, title: str, height: int = 520
) -> go.Figure:
    """One head's A enlarged (rows = queries, columns = keys, each row sums to 1), the values written in the
    cells, the selected query row outlined and the answer rows' labels in bold."""
    L = len(tokens)
    labels = token_labels(tokens)
    shown = [f"<b>{label}</b>" if k in answer_positions else label for k, label in enumerate(labels)]
    cell_px = theme.MAIN_COLUMN_PX / (L + 2)
    text = np.where(A >= 0.005, np.vectorize(lambda v: f"{v:.2f}".lstrip("0"))(A), "")
    fits = theme.text_width(".00") <= cell_px - 4
    fig = go.Figure(
        dict(
            data=[
                dict(
                    type="heatmap",
                    z=np.round(A, 3),
                    x=labels,
                    y=shown,
                    colorscale=theme.SEQUENTIAL,
                    zmin=0,
                    zmax=1,
                    text=text,
                    texttemplate="%{text}" if fits else None,
                    textfont=dict(size=theme.MIN_TEXT_SIZE),
                    hovertemplate="query %{y}<br>key %{x}<br>A = %{z:.3f}<extra></extra>",
                    colorbar=dict(title=dict(text="A", side="right")),
                )
            ]
        ),
        _validate=False,
    )
    fig.update_layout(
        shapes=[
            dict(
                type="rect",
                xref="x",
                yref="y",
                x0=-0.5,
                x1=L - 0.5,
                y0=query - 0.5,
                y1=query + 0.5,
                line=dict(color=SELECTED_COLOUR, width=4),
            )
        ]
    )
    fig.update_yaxes(autorange="reversed", title="query (row of A)", type="category")
    fig.update_xaxes(title="key (column of A)", tickangle=-45 if L > 9 else 0, type="category")
    return theme.style(fig, title, height=height)


def accuracy_curves(runs: dict[str, tuple[list[int], list[float]]], colours: dict[str, str], ceiling=None) -> go.Figure:
    """Test accuracy against gradient steps for each run; ``ceiling`` = (value, label) draws a dashed line
    (the order-blind bound)."""
    fig = go.Figure()
    for label, (steps, values) in runs.items():
        fig.add_trace(
            go.Scatter(
                x=steps,
                y=values,
                name=label,
                mode="lines",
                line=dict(color=colours[label], width=3),
                hovertemplate=f"{label}<br>step %{{x}}<br>accuracy %{{y:.3f}}<extra></extra>",
            )
        )
    if ceiling is not None:
        value, text = ceiling
        fig.add_hline(
            y=value,
            line=dict(color=theme.GREY, dash="dash", width=2),
            annotation=dict(text=text, font=dict(size=theme.MIN_TEXT_SIZE), xanchor="right", x=1),
        )
    fig.update_yaxes(title="test accuracy", range=[0, 1.04], tickformat=".0%")
    fig.update_xaxes(title="gradient step")
    fig.update_layout(legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0))
    return theme.style(fig, None, height=340)


def loss_curves(runs: dict[str, list[float]], colours: dict[str, str], window: int = 20) -> go.Figure:
    """Training cross-entropy per step (a trailing mean over ``window`` steps), log axis."""
    from core.numerics import moving_average

    fig = go.Figure()
    values = []
    for label, losses in runs.items():
        smooth = moving_average(np.asarray(losses, dtype=float), window)
        values.append(smooth)
        fig.add_trace(
            go.Scatter(
                x=np.arange(1, len(smooth) + 1),
                y=smooth,
                name=label,
                mode="lines",
                line=dict(color=colours[label], width=2),
                hovertemplate=f"{label}<br>step %{{x}}<br>loss %{{y:.4f}}<extra></extra>",
            )
        )
    joined = np.concatenate(values) if values else np.array([1.0])
    fig.update_yaxes(**theme.log_axis(joined, length_px=220), title="loss (nats)")
    fig.update_xaxes(title="gradient step")
    fig.update_layout(showlegend=False)
    return theme.style(fig, None, height=340)


def saturation_bars(peaks: dict[str, np.ndarray], colours: dict[str, str], length: int) -> go.Figure:
    """Mean largest weight per row of A, per layer and head, for each run (1 = one-hot rows: a saturated
    softmax; 1/L = uniform rows)."""
    fig = go.Figure()
    for label, values in peaks.items():
        layers, heads = values.shape
        fig.add_trace(
            go.Bar(
                x=[f"L{layer + 1} H{head + 1}" for layer in range(layers) for head in range(heads)],
                y=values.ravel(),
                name=label,
                marker_color=colours[label],
                hovertemplate=f"{label}<br>%{{x}}<br>mean max A = %{{y:.3f}}<extra></extra>",
            )
        )
    fig.add_hline(
        y=1 / length,
        line=dict(color=theme.GREY, dash="dash", width=2),
        annotation=dict(text=f"uniform 1/L = {1 / length:.2f}", font=dict(size=theme.MIN_TEXT_SIZE)),
    )
    fig.update_yaxes(title="mean of max_m A_nm", range=[0, 1.05])
    fig.update_layout(barmode="group", legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0))
    return theme.style(fig, None, height=340)

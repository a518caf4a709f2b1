"""Tiny-transformer figures: every layer × head as a small map (click one), the chosen head enlarged with its
query row outlined, accuracy and loss curves of two runs, and the softmax saturation per head."""

from __future__ import annotations

import numpy as np

from viz import plain, theme

SELECTED_COLOUR = theme.VERMILION
GRID_CELL_PX = 150
"""Side of one small map in the heads grid."""


def token_labels(tokens: list[str]) -> list[str]:
    """Position-prefixed labels (``3:_``), so repeated tokens stay distinct rows and columns."""
    return [f"{k + 1}:{token}" for k, token in enumerate(tokens)]


def _axis_name(index: int, axis: str) -> str:
    return axis if index == 0 else f"{axis}{index + 1}"


def heads_grid(attention: np.ndarray, tokens: list[str], selected: tuple[int, int], query: int, *, title: str) -> dict:
    """All maps A (layers × heads, each L × L, rows = queries): one small heatmap per head, an empty text label
    on every cell (Plotly heatmaps report no clicks: these do, with layer, head, query and key as their
    customdata), the selected head framed and its query row outlined.

    Returned as the figure's JSON form (viz.plain, no validation): choosing another head, query or input
    rebuilds it, and Plotly's validation of its 16 axes took ~60 ms of that rerun."""
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
                    # click targets, one per cell (one drawn: viz.plain.click_marker)
                    mode="markers",
                    marker=plain.click_marker(),
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
                    font=dict(size=theme.MIN_TEXT_SIZE + 2, **({"color": SELECTED_COLOUR} if chosen else {})),
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
    grid_layout = plain.layout(
        title,
        int(GRID_CELL_PX * 1.25 * layers + 90),
        **layout,
        shapes=shapes,
        annotations=notes,
        clickmode="event+select",
        dragmode=False,
        margin=dict(l=10, r=10, t=80, b=10),
    )
    return plain.spec(data, grid_layout)


def head_map(
    A: np.ndarray, tokens: list[str], query: int, answer_positions: list[int], *, title: str, height: int = 520
) -> dict:
    """One head's A enlarged (rows = queries, columns = keys, each row sums to 1), the values written in the
    cells, the selected query row outlined and the answer rows' labels in bold (the figure's JSON form, as
    :func:`heads_grid`)."""
    L = len(tokens)
    labels = token_labels(tokens)
    shown = [f"<b>{label}</b>" if k in answer_positions else label for k, label in enumerate(labels)]
    cell_px = theme.MAIN_COLUMN_PX / (L + 2)
    text = np.where(A >= 0.005, np.vectorize(lambda v: f"{v:.2f}".lstrip("0"))(A), "")
    fits = theme.text_width(".00") <= cell_px - 4
    heatmap = dict(
        type="heatmap",
        z=np.round(A, 3),
        x=labels,
        y=shown,
        colorscale=theme.SEQUENTIAL,
        zmin=0,
        zmax=1,
        text=text.tolist(),
        textfont=dict(size=theme.MIN_TEXT_SIZE),
        hovertemplate="query %{y}<br>key %{x}<br>A = %{z:.3f}<extra></extra>",
        colorbar=dict(title=dict(text="A", side="right")),
    )
    if fits:
        heatmap["texttemplate"] = "%{text}"
    row = dict(type="rect", xref="x", yref="y", x0=-0.5, x1=L - 0.5, y0=query - 0.5, y1=query + 0.5)
    map_layout = plain.layout(title, height, shapes=[row | dict(line=dict(color=SELECTED_COLOUR, width=4))])
    plain.update_axes(map_layout, "y", autorange="reversed", title=dict(text="query (row of A)"), type="category")
    plain.update_axes(
        map_layout, "x", title=dict(text="key (column of A)"), tickangle=-45 if L > 9 else 0, type="category"
    )
    return plain.spec([heatmap], map_layout)


def accuracy_curves(runs: dict[str, tuple[list[int], list[float]]], colours: dict[str, str], ceiling=None) -> dict:
    """Test accuracy against gradient steps for each run; ``ceiling`` = (value, label) draws a dashed line
    (the order-blind bound). The figure's JSON form (viz.plain): it is rebuilt on every frame of training."""
    traces = [
        dict(
            type="scatter",
            x=list(steps),
            y=list(values),
            name=label,
            mode="lines",
            line=dict(color=colours[label], width=3),
            hovertemplate=f"{label}<br>step %{{x}}<br>accuracy %{{y:.3f}}<extra></extra>",
        )
        for label, (steps, values) in runs.items()
    ]
    curves_layout = plain.layout(None, 340, legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0))
    if ceiling is not None:
        value, text = ceiling
        curves_layout["shapes"] = [plain.hline(value, dict(color=theme.GREY, dash="dash", width=2))]
        curves_layout["annotations"] = [_hline_note(value, text, dict(size=theme.MIN_TEXT_SIZE))]
    plain.update_axes(curves_layout, "y", title=dict(text="test accuracy"), range=[0, 1.04], tickformat=".0%")
    plain.update_axes(curves_layout, "x", title=dict(text="gradient step"))
    return plain.spec(traces, curves_layout)


def _hline_note(y: float, text: str, font: dict) -> dict:
    """The annotation ``fig.add_hline(y, annotation=...)`` puts at the line's top right (Plotly's default)."""
    return dict(
        text=text, font=font, showarrow=False, xref="x domain", yref="y", x=1, y=y, xanchor="right", yanchor="bottom"
    )


def loss_curves(runs: dict[str, list[float]], colours: dict[str, str], window: int = 20) -> dict:
    """Training cross-entropy per step (a trailing mean over ``window`` steps), log axis (the JSON form, as
    :func:`accuracy_curves`)."""
    from core.numerics import moving_average

    traces, values = [], []
    for label, losses in runs.items():
        smooth = moving_average(np.asarray(losses, dtype=float), window)
        values.append(smooth)
        traces.append(
            dict(
                type="scatter",
                x=np.arange(1, len(smooth) + 1),
                y=smooth,
                name=label,
                mode="lines",
                line=dict(color=colours[label], width=2),
                hovertemplate=f"{label}<br>step %{{x}}<br>loss %{{y:.4f}}<extra></extra>",
            )
        )
    joined = np.concatenate(values) if values else np.array([1.0])
    curves_layout = plain.layout(None, 340, showlegend=False)
    plain.update_axes(curves_layout, "y", **theme.log_axis(joined, length_px=220), title=dict(text="loss (nats)"))
    plain.update_axes(curves_layout, "x", title=dict(text="gradient step"))
    return plain.spec(traces, curves_layout)


def saturation_bars(peaks: dict[str, np.ndarray], colours: dict[str, str], length: int) -> dict:
    """Mean largest weight per row of A, per layer and head, for each run (1 = one-hot rows: a saturated
    softmax; 1/L = uniform rows); the JSON form, as :func:`accuracy_curves`."""
    traces = []
    for label, values in peaks.items():
        layers, heads = values.shape
        traces.append(
            dict(
                type="bar",
                x=[f"L{layer + 1} H{head + 1}" for layer in range(layers) for head in range(heads)],
                y=np.asarray(values).ravel(),
                name=label,
                marker=dict(color=colours[label]),
                hovertemplate=f"{label}<br>%{{x}}<br>mean max A = %{{y:.3f}}<extra></extra>",
            )
        )
    bars_layout = plain.layout(
        None,
        340,
        barmode="group",
        legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0),
        shapes=[plain.hline(1 / length, dict(color=theme.GREY, dash="dash", width=2))],
        annotations=[_hline_note(1 / length, f"uniform 1/L = {1 / length:.2f}", dict(size=theme.MIN_TEXT_SIZE))],
    )
    plain.update_axes(bars_layout, "y", title=dict(text="mean of max_m A_nm"), range=[0, 1.05])
    return plain.spec(traces, bars_layout)

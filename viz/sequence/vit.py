"""ViT figures: the class token's attention over the patches drawn on the digit (one panel per head), the
accuracy per epoch, and the confusion matrix of the test digits."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from viz import plain, theme


def cls_attention(image: np.ndarray, maps: np.ndarray, patch: int, *, title: str) -> go.Figure:
    """The digit alone, then the digit in grey under each head's A_{cls, patch} (a see-through colour per
    patch, its weight written in the cell) and under the mean of the heads; three panels per row.

    Written as plain dicts (viz.plain): built with make_subplots and validated traces it took ~90 ms, most of the
    rerun that shows another run or layer."""
    panels = [None, *maps, maps.mean(axis=0)]
    names = ["the digit", *[f"head {j + 1}" for j in range(len(maps))], "mean of the heads"]
    cols = 3
    rows = -(-len(panels) // cols)
    layout = plain.subplots_layout(
        title,
        300 * rows + 60,
        rows=rows,
        cols=cols,
        subplot_titles=tuple(names),
        horizontal_spacing=0.03,
        vertical_spacing=0.08,
    )
    side = image.shape[0]
    per_side = side // patch
    centres = np.arange(per_side) * patch + (patch - 1) / 2  # pixel coordinates of the patch centres
    top = float(maps.max())
    write = theme.text_width(".00") <= theme.MAIN_COLUMN_PX / cols / per_side - 8
    greys, sequential = plain.colorscale("Greys"), plain.colorscale(theme.SEQUENTIAL)
    traces = []
    for k, (values, name) in enumerate(zip(panels, names)):
        panel = dict(xaxis="x" if k == 0 else f"x{k + 1}", yaxis="y" if k == 0 else f"y{k + 1}")
        traces.append(
            dict(
                type="heatmap",
                z=np.asarray(image, dtype=float),
                colorscale=greys,
                zmin=0,
                zmax=1,
                showscale=False,
                hovertemplate="row %{y}, col %{x}: grey level %{z:.2f}<extra></extra>",
                **panel,
            )
        )
        if values is not None:
            heat = dict(
                type="heatmap",
                z=np.asarray(values, dtype=float),
                x=centres,
                y=centres,
                colorscale=sequential,
                zmin=0,
                zmax=top,
                opacity=0.55,
                showscale=k == 1,
                colorbar=dict(title=dict(text="A_cls", side="right")),
                text=[[f"{v:.2f}".lstrip("0") for v in row] for row in np.asarray(values, dtype=float)],
                textfont=dict(size=theme.MIN_TEXT_SIZE, color="white"),
                hovertemplate=f"{name}<br>patch at row %{{y}}, col %{{x}}<br>A_cls = %{{z:.3f}}<extra></extra>",
                **panel,
            )
            if write:
                heat["texttemplate"] = "%{text}"
            traces.append(heat)
    plain.update_axes(layout, "x", showticklabels=False, showgrid=False, zeroline=False, range=[-0.5, side - 0.5])
    plain.update_axes(layout, "y", showticklabels=False, showgrid=False, zeroline=False, range=[side - 0.5, -0.5])
    for k in range(len(panels)):
        suffix = "" if k == 0 else str(k + 1)
        plain.merge(layout[f"yaxis{suffix}"], dict(scaleanchor=f"x{suffix}", scaleratio=1))
    return plain.figure(traces, layout)


def accuracy_curves(runs: dict[str, tuple[list[float], list[float]]], colours: dict[str, str]) -> go.Figure:
    """Training (dotted) and test (solid) accuracy per epoch for each run."""
    fig = go.Figure()
    for label, (train, test) in runs.items():
        epochs = np.arange(1, len(test) + 1)
        fig.add_trace(
            go.Scatter(
                x=epochs,
                y=test,
                name=f"{label}: test",
                mode="lines",
                line=dict(color=colours[label], width=3),
                hovertemplate=f"{label}<br>epoch %{{x}}<br>test accuracy %{{y:.3f}}<extra></extra>",
            )
        )
        fig.add_trace(
            go.Scatter(
                x=epochs,
                y=train,
                name=f"{label}: train",
                mode="lines",
                line=dict(color=colours[label], width=2, dash="dot"),
                hovertemplate=f"{label}<br>epoch %{{x}}<br>training accuracy %{{y:.3f}}<extra></extra>",
            )
        )
    fig.add_hline(y=0.1, line=dict(color=theme.GREY, dash="dash", width=2))
    fig.update_yaxes(title="accuracy", range=[0, 1.04], tickformat=".0%")
    fig.update_xaxes(title="epoch")
    fig.update_layout(legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0))
    return theme.style(fig, None, height=360)


def confusion(true: np.ndarray, predicted: np.ndarray, *, title: str) -> go.Figure:
    """Counts of (true digit, predicted digit) over the test digits; the diagonal is what is right."""
    counts = np.zeros((10, 10), dtype=int)
    np.add.at(counts, (true, predicted), 1)
    fig = go.Figure(
        go.Heatmap(
            z=counts,
            x=list(range(10)),
            y=list(range(10)),
            colorscale="Blues",
            text=np.where(counts > 0, counts.astype(str), ""),
            texttemplate="%{text}",
            textfont=dict(size=theme.MIN_TEXT_SIZE),
            hovertemplate="true %{y}, predicted %{x}: %{z}<extra></extra>",
            showscale=False,
        )
    )
    fig.update_xaxes(title="predicted", dtick=1)
    fig.update_yaxes(title="true digit", dtick=1, autorange="reversed")
    return theme.style(fig, title, height=420)

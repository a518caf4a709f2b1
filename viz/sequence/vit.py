"""ViT figures: the class token's attention over the patches drawn on the digit (one panel per head), the
accuracy per epoch, and the confusion matrix of the test digits."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from viz import theme


def cls_attention(image: np.ndarray, maps: np.ndarray, patch: int, *, title: str) -> go.Figure:
    """The digit alone, then the digit in grey under each head's A_{cls, patch} (a see-through colour per
    patch, its weight written in the cell) and under the mean of the heads; three panels per row."""
    panels = [None, *maps, maps.mean(axis=0)]
    names = ["the digit", *[f"head {j + 1}" for j in range(len(maps))], "mean of the heads"]
    cols = 3
    rows = -(-len(panels) // cols)
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=names, horizontal_spacing=0.03, vertical_spacing=0.08)
    side = image.shape[0]
    per_side = side // patch
    centres = np.arange(per_side) * patch + (patch - 1) / 2  # pixel coordinates of the patch centres
    top = float(maps.max())
    write = theme.text_width(".00") <= theme.MAIN_COLUMN_PX / cols / per_side - 8
    for k, (values, name) in enumerate(zip(panels, names)):
        row, col = k // cols + 1, k % cols + 1
        fig.add_trace(
            go.Heatmap(
                z=image,
                colorscale="Greys",
                zmin=0,
                zmax=1,
                showscale=False,
                hovertemplate="row %{y}, col %{x}: grey level %{z:.2f}<extra></extra>",
            ),
            row=row,
            col=col,
        )
        if values is not None:
            fig.add_trace(
                go.Heatmap(
                    z=values,
                    x=centres,
                    y=centres,
                    colorscale=theme.SEQUENTIAL,
                    zmin=0,
                    zmax=top,
                    opacity=0.55,
                    showscale=k == 1,
                    colorbar=dict(title=dict(text="A_cls", side="right")),
                    text=np.vectorize(lambda v: f"{v:.2f}".lstrip("0"))(values),
                    texttemplate="%{text}" if write else None,
                    textfont=dict(size=theme.MIN_TEXT_SIZE, color="white"),
                    hovertemplate=f"{name}<br>patch at row %{{y}}, col %{{x}}<br>A_cls = %{{z:.3f}}<extra></extra>",
                ),
                row=row,
                col=col,
            )
    fig.update_xaxes(showticklabels=False, showgrid=False, zeroline=False, range=[-0.5, side - 0.5])
    fig.update_yaxes(showticklabels=False, showgrid=False, zeroline=False, range=[side - 0.5, -0.5])
    for k in range(len(panels)):
        suffix = "" if k == 0 else str(k + 1)
        fig.update_yaxes(scaleanchor=f"x{suffix}", scaleratio=1, row=k // cols + 1, col=k % cols + 1)
    return theme.style(fig, title, height=300 * rows + 60)


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

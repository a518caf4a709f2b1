"""Figures of the normalization page (sheet 7b, 7c): which axes each norm averages over, BatchNorm vs batch size."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.deep.normalization import BatchSizeStudy, RunningStatsTrace
from viz.theme import BLACK, BLUE, CATEGORICAL, GREY, ORANGE, log_axis, style


def _cube_mesh(cells, color, name, showlegend=True):
    """One Mesh3d holding many unit cubes (with gaps) at integer positions ``cells`` = [(x, y, z), ...]."""
    gap = 0.12
    corners = np.array([[dx, dy, dz] for dz in (0, 1) for dy in (0, 1) for dx in (0, 1)], dtype=float)
    corners = corners * (1 - gap) + gap / 2
    # the 12 triangles of a cube over its 8 corners (index = dx + 2 dy + 4 dz)
    faces = np.array(
        [
            [0, 1, 3], [0, 3, 2], [4, 5, 7], [4, 7, 6],  # z = 0, z = 1
            [0, 1, 5], [0, 5, 4], [2, 3, 7], [2, 7, 6],  # y = 0, y = 1
            [0, 2, 6], [0, 6, 4], [1, 3, 7], [1, 7, 5],  # x = 0, x = 1
        ]
    )  # fmt: skip
    vertices = np.concatenate([corners + np.array(c, dtype=float) for c in cells])
    triangles = np.concatenate([faces + 8 * k for k in range(len(cells))])
    return go.Mesh3d(
        x=vertices[:, 0],
        y=vertices[:, 1],
        z=vertices[:, 2],
        i=triangles[:, 0],
        j=triangles[:, 1],
        k=triangles[:, 2],
        color=color,
        opacity=1.0,
        flatshading=True,
        name=name,
        showlegend=showlegend,
        hoverinfo="name",
    )


def norm_cube_figure(n: int, c: int, hw: int, methods: tuple[str, str]) -> go.Figure:
    """Two (N, C, H·W) cubes; every group of values that shares one mean and variance has one colour."""
    fig = make_subplots(
        rows=1, cols=2, specs=[[{"type": "scene"}, {"type": "scene"}]], subplot_titles=methods, horizontal_spacing=0.02
    )
    for col, method in enumerate(methods, start=1):
        groups: dict[tuple[int, ...], list] = {}
        for a in range(n):
            for b in range(c):
                for s in range(hw):
                    # group key: the indices NOT normalized over
                    key = {"BatchNorm": (b,), "LayerNorm": (a,), "InstanceNorm": (a, b)}[method]
                    groups.setdefault(key, []).append((s, b, a))
        for g, (key, cells) in enumerate(sorted(groups.items())):
            label = {"BatchNorm": "channel c={}", "LayerNorm": "example n={}", "InstanceNorm": "n={}, c={}"}[method]
            fig.add_trace(
                _cube_mesh(cells, CATEGORICAL[g % len(CATEGORICAL)], f"{method}: {label.format(*key)}", False), 1, col
            )
    scene = dict(
        xaxis=dict(title="H·W", showticklabels=False),
        yaxis=dict(title="C", showticklabels=False),
        zaxis=dict(title="N", showticklabels=False),
        aspectmode="data",
        camera=dict(eye=dict(x=1.6, y=-1.6, z=1.1)),
    )
    fig.update_layout(scene=scene, scene2=scene)
    style(fig, height=480)
    return fig


def _band(fig, x, spread, color, name, row, col, dash=None):
    fig.add_trace(
        go.Scatter(
            x=np.concatenate([x, x[::-1]]),
            y=np.concatenate([spread[:, 2], spread[::-1, 0]]),
            fill="toself",
            fillcolor=color,
            opacity=0.25,
            line=dict(width=0),
            hoverinfo="skip",
            showlegend=False,
        ),
        row,
        col,
    )
    fig.add_trace(
        go.Scatter(x=x, y=spread[:, 1], mode="lines+markers", line=dict(color=color, dash=dash), name=name), row, col
    )


def batch_size_figure(study: BatchSizeStudy) -> go.Figure:
    """Batch mean μ_B vs batch size (10–90 % band) and one example's BN vs LN output vs batch size."""
    fig = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=("Batch mean μ_B of one channel", "Output for the same value of one example"),
        horizontal_spacing=0.1,
    )
    x = study.batch_sizes
    _band(fig, x, study.mean_spread, BLUE, "μ_B (median, 10–90 % band)", 1, 1)
    fig.add_hline(y=study.true_mean, line=dict(color=BLACK, dash="dot"), row=1, col=1)
    _band(fig, x, study.bn_output, ORANGE, "BatchNorm output (band over batch-mates)", 1, 2)
    fig.add_trace(
        go.Scatter(
            x=x,
            y=study.ln_output[:, 1],
            mode="lines+markers",
            line=dict(color=BLUE, dash="dash"),
            name="LayerNorm output",
        ),
        1,
        2,
    )
    # a tick at each batch size of the study, written in full
    fig.update_xaxes(**log_axis(x, tickvals=list(x), ticktext=[str(v) for v in x]), title_text="batch size N")
    fig.update_yaxes(title_text="μ_B", row=1, col=1)
    fig.update_yaxes(title_text="normalized value", row=1, col=2)
    style(fig, height=440)
    fig.update_layout(legend=dict(orientation="h", y=-0.25, x=0))
    return fig


def running_stats_figure(trace: RunningStatsTrace) -> go.Figure:
    """Running mean during training vs the true mean; train-mode outputs vs the single eval-mode output."""
    fig = make_subplots(
        rows=1,
        cols=2,
        column_widths=[0.6, 0.4],
        subplot_titles=("Running mean while training", f"One test value x = {trace.test_value:.2f}: train vs eval"),
        horizontal_spacing=0.1,
    )
    fig.add_trace(
        go.Scatter(
            x=trace.steps[1:],
            y=trace.batch_mean,
            mode="markers",
            marker=dict(color=GREY, size=5),
            name="batch mean μ_B",
        ),
        1,
        1,
    )
    fig.add_trace(
        go.Scatter(
            x=trace.steps, y=trace.running_mean, mode="lines", line=dict(color=BLUE, width=3), name="running mean"
        ),
        1,
        1,
    )
    fig.add_hline(y=trace.true_mean, line=dict(color=BLACK, dash="dot"), row=1, col=1)
    fig.add_trace(
        go.Box(
            x=trace.train_outputs, name="train mode", marker_color=ORANGE, boxpoints="all", jitter=0.4, orientation="h"
        ),
        1,
        2,
    )
    fig.add_trace(
        go.Scatter(
            x=[trace.eval_output],
            y=["eval mode"],
            mode="markers",
            marker=dict(color=BLUE, size=16, symbol="diamond"),
            name="eval mode",
        ),
        1,
        2,
    )
    fig.update_xaxes(title_text="training step", row=1, col=1)
    fig.update_xaxes(title_text="BN output", row=1, col=2)
    style(fig, height=420)
    fig.update_layout(legend=dict(orientation="h", y=-0.25, x=0))
    return fig

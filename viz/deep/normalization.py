"""Figures of the normalization page (sheet 7b, 7c): which axes each norm averages over, BatchNorm vs batch size."""

from __future__ import annotations

import copy

import numpy as np
import plotly.graph_objects as go

from core.deep.normalization import BatchSizeStudy, RunningStatsTrace
from viz import plain
from viz.theme import BLACK, BLUE, CATEGORICAL, GREY, ORANGE, log_axis


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
    return dict(
        type="mesh3d",
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
    layout = plain.subplots_layout(
        None,
        480,
        rows=1,
        cols=2,
        specs=[[{"type": "scene"}, {"type": "scene"}]],
        subplot_titles=tuple(methods),
        horizontal_spacing=0.02,
    )
    traces = []
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
            mesh = _cube_mesh(cells, CATEGORICAL[g % len(CATEGORICAL)], f"{method}: {label.format(*key)}", False)
            traces.append({**mesh, "scene": "scene" if col == 1 else f"scene{col}"})
    scene = dict(
        xaxis=dict(title=dict(text="H·W"), showticklabels=False),
        yaxis=dict(title=dict(text="C"), showticklabels=False),
        zaxis=dict(title=dict(text="N"), showticklabels=False),
        aspectmode="data",
        camera=dict(eye=dict(x=1.6, y=-1.6, z=1.1)),
    )
    plain.merge(layout["scene"], copy.deepcopy(scene))
    plain.merge(layout["scene2"], copy.deepcopy(scene))
    return plain.figure(traces, layout)


def _band(x, spread, color, name, axis: str, dash=None) -> list[dict]:
    """The median as a line with markers over a 10–90 % band, on the axes x{axis}, y{axis}."""
    where = dict(xaxis=f"x{axis}", yaxis=f"y{axis}")
    return [
        dict(
            type="scatter",
            x=np.concatenate([x, x[::-1]]),
            y=np.concatenate([spread[:, 2], spread[::-1, 0]]),
            fill="toself",
            fillcolor=color,
            opacity=0.25,
            line=dict(width=0),
            hoverinfo="skip",
            showlegend=False,
            **where,
        ),
        dict(
            type="scatter",
            x=x,
            y=spread[:, 1],
            mode="lines+markers",
            line=dict(color=color) if dash is None else dict(color=color, dash=dash),
            name=name,
            **where,
        ),
    ]


def batch_size_figure(study: BatchSizeStudy) -> go.Figure:
    """Batch mean μ_B vs batch size (10–90 % band) and one example's BN vs LN output vs batch size."""
    layout = plain.subplots_layout(
        None,
        440,
        rows=1,
        cols=2,
        subplot_titles=("Batch mean μ_B of one channel", "Output for the same value of one example"),
        horizontal_spacing=0.1,
    )
    x = study.batch_sizes
    traces = [
        *_band(x, study.mean_spread, BLUE, "μ_B (median, 10–90 % band)", ""),
        *_band(x, study.bn_output, ORANGE, "BatchNorm output (band over batch-mates)", "2"),
        dict(
            type="scatter",
            x=x,
            y=study.ln_output[:, 1],
            mode="lines+markers",
            line=dict(color=BLUE, dash="dash"),
            name="LayerNorm output",
            xaxis="x2",
            yaxis="y2",
        ),
    ]
    layout["shapes"] = [plain.hline(study.true_mean, dict(color=BLACK, dash="dot"))]
    # a tick at each batch size of the study, written in full
    plain.update_axes(
        layout,
        "x",
        **log_axis(x, tickvals=list(x), ticktext=[str(v) for v in x]),
        title=dict(text="batch size N"),
    )
    plain.merge(layout["yaxis"], dict(title=dict(text="μ_B")))
    plain.merge(layout["yaxis2"], dict(title=dict(text="normalized value")))
    layout["legend"] = dict(orientation="h", y=-0.25, x=0)
    return plain.figure(traces, layout)


def running_stats_figure(trace: RunningStatsTrace) -> go.Figure:
    """Running mean during training vs the true mean; train-mode outputs vs the single eval-mode output."""
    layout = plain.subplots_layout(
        None,
        420,
        rows=1,
        cols=2,
        column_widths=[0.6, 0.4],
        subplot_titles=("Running mean while training", f"One test value x = {trace.test_value:.2f}: train vs eval"),
        horizontal_spacing=0.1,
    )
    traces = [
        dict(
            type="scatter",
            x=trace.steps[1:],
            y=trace.batch_mean,
            mode="markers",
            marker=dict(color=GREY, size=5),
            name="batch mean μ_B",
            xaxis="x",
            yaxis="y",
        ),
        dict(
            type="scatter",
            x=trace.steps,
            y=trace.running_mean,
            mode="lines",
            line=dict(color=BLUE, width=3),
            name="running mean",
            xaxis="x",
            yaxis="y",
        ),
        dict(
            type="box",
            x=trace.train_outputs,
            name="train mode",
            marker=dict(color=ORANGE),
            boxpoints="all",
            jitter=0.4,
            orientation="h",
            xaxis="x2",
            yaxis="y2",
        ),
        dict(
            type="scatter",
            x=[trace.eval_output],
            y=["eval mode"],
            mode="markers",
            marker=dict(color=BLUE, size=16, symbol="diamond"),
            name="eval mode",
            xaxis="x2",
            yaxis="y2",
        ),
    ]
    layout["shapes"] = [plain.hline(trace.true_mean, dict(color=BLACK, dash="dot"))]
    plain.merge(layout["xaxis"], dict(title=dict(text="training step")))
    plain.merge(layout["xaxis2"], dict(title=dict(text="BN output")))
    layout["legend"] = dict(orientation="h", y=-0.25, x=0)
    return plain.figure(traces, layout)


def image_normalization_figure(result) -> go.Figure:
    """The user's image x₀ and its three normalized versions side by side: LayerNorm (its own μ, σ) and BatchNorm
    with dark and with bright batch-mates, on one diverging scale so equal colours are equal values."""
    from plotly.subplots import make_subplots

    from viz import theme

    panels = [
        ("x₀ (your image)", result.image, None),
        ("LayerNorm", result.layer, "LayerNorm"),
        ("BatchNorm, dark mates", result.batch_dark, "BatchNorm, dark batch"),
        ("BatchNorm, bright mates", result.batch_bright, "BatchNorm, bright batch"),
    ]
    titles = []
    for title, _, stat in panels:
        if stat is None:
            titles.append(title)
        else:
            mean, var = result.stats[stat]
            titles.append(f"{title}<br>μ = {mean:.2f}, σ² = {var:.3f}")
    fig = make_subplots(rows=1, cols=4, subplot_titles=titles, horizontal_spacing=0.03)
    reach = max(float(np.abs(panel).max()) for _, panel, stat in panels if stat is not None)
    for col, (title, values, stat) in enumerate(panels, start=1):
        grey = stat is None
        fig.add_trace(
            go.Heatmap(
                z=values,
                colorscale="Greys" if grey else theme.DIVERGING,
                reversescale=grey,  # Plotly's Greys runs white → black; an image's 0 is black
                zmin=0 if grey else -reach,
                zmax=1 if grey else reach,
                showscale=col == 4,
                colorbar=dict(title="x̂", len=0.9),
                hovertemplate=f"{title.split('<br>')[0]}<br>row %{{y}}, column %{{x}}: %{{z:.3f}}<extra></extra>",
            ),
            row=1,
            col=col,
        )
        fig.update_yaxes(
            autorange="reversed", scaleanchor=f"x{col if col > 1 else ''}", showticklabels=False, row=1, col=col
        )
        fig.update_xaxes(showticklabels=False, showgrid=False, zeroline=False, row=1, col=col)
        fig.update_yaxes(showgrid=False, zeroline=False, row=1, col=col)
    fig.update_annotations(font_size=14)
    # four panels of about 175 px across the main column: as tall as the image's aspect needs, plus the titles
    height = int(np.clip(95 + 175 * values.shape[0] / values.shape[1], 200, 460))
    return theme.style(fig, None, height=height).update_layout(margin=dict(t=70, b=10))

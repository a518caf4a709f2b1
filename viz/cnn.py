"""Figures for the CNN pages (sheet 7): calculator chart and receptive field, convolution explorer,
normalization cube and statistics, plain-vs-residual gradients and losses."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.cnn import Result, receptive_box
from core.conv import BatchSizeStudy, RunningStatsTrace, SkipResult, Term
from viz.theme import BLACK, BLUE, CATEGORICAL, GREY, ORANGE, VERMILION, diverging_scale, style

# ------------------------------------------------------------------------------------------ calculator


def _shape_text(shape) -> str:
    return "—" if shape is None else "×".join(str(s) for s in shape)


def _fmt_int(value) -> str:
    return "—" if value is None else f"{value:,}"


def calculator_table(result: Result) -> pd.DataFrame:
    """One row per layer: what the page's table shows (numbers formatted for reading)."""
    rows = [
        {
            "line": "",
            "layer": "input",
            "output D×H×W": _shape_text(result.stack.input_shape),
            "params": "",
            "FLOPs": "",
            "mults": "",
            "RF": "1",
            "jump": "1",
            "W₂ formula / problem": "",
        }
    ]
    for row in result.rows:
        if row.problem:
            note = "🛑 " + row.problem
        elif row.skipped:
            note = "not computed: an earlier layer is impossible"
        else:
            note = row.formula
        rows.append(
            {
                "line": str(row.layer.line),
                "layer": row.layer.text,
                "output D×H×W": _shape_text(row.shape),
                "params": _fmt_int(row.params),
                "FLOPs": _fmt_int(row.flops),
                "mults": _fmt_int(row.multiplications),
                "RF": "all" if row.ok and row.rf is None else _fmt_int(row.rf),
                "jump": _fmt_int(row.jump),
                "W₂ formula / problem": note,
            }
        )
    return pd.DataFrame(rows)


def layer_chart(result: Result) -> go.Figure:
    """Left: spatial size W₂ and receptive field per layer; right: parameters and FLOPs per layer (log)."""
    fig = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=("Output width W₂ and receptive field", "Parameters and FLOPs per layer"),
        horizontal_spacing=0.1,
    )
    labels = ["input"] + [f"{r.layer.line}: {r.layer.text}" for r in result.rows]
    widths = [result.stack.input_shape[2]] + [
        r.shape[2] if r.shape is not None and len(r.shape) == 3 else None for r in result.rows
    ]
    rfs = [1] + [r.rf for r in result.rows]
    fig.add_trace(go.Scatter(x=labels, y=widths, name="W₂", mode="lines+markers", line=dict(color=BLUE)), 1, 1)
    fig.add_trace(
        go.Scatter(x=labels, y=rfs, name="receptive field", mode="lines+markers", line=dict(color=ORANGE, dash="dash")),
        1,
        1,
    )
    bad = [(labels[k + 1], r) for k, r in enumerate(result.rows) if r.problem]
    if bad:
        fig.add_trace(
            go.Scatter(
                x=[b[0] for b in bad],
                y=[1] * len(bad),
                mode="markers",
                marker=dict(symbol="x", size=16, color=VERMILION),
                name="impossible layer",
                hovertext=[b[1].problem for b in bad],
            ),
            1,
            1,
        )
    param_layers = [(labels[k + 1], r) for k, r in enumerate(result.rows) if r.params]
    fig.add_trace(
        go.Bar(
            x=[p[0] for p in param_layers], y=[p[1].params for p in param_layers], name="parameters", marker_color=BLUE
        ),
        1,
        2,
    )
    fig.add_trace(
        go.Bar(x=[p[0] for p in param_layers], y=[p[1].flops for p in param_layers], name="FLOPs", marker_color=ORANGE),
        1,
        2,
    )
    fig.update_yaxes(type="log", title_text="pixels", row=1, col=1)
    fig.update_yaxes(type="log", title_text="count (log)", row=1, col=2)
    fig.update_xaxes(tickangle=-60, tickfont=dict(size=11))
    style(fig, height=520)
    fig.update_layout(
        legend=dict(orientation="h", y=0.99, yanchor="top", x=0, yref="container"), margin=dict(t=110, b=150)
    )
    return fig


def receptive_field_figure(result: Result, row_index: int, i: int, j: int) -> go.Figure:
    """Left: the chosen layer's output grid (click a unit); right: the input with that unit's receptive field."""
    row = result.rows[row_index]
    _, h2, w2 = row.shape
    _, h, w = result.stack.input_shape
    top, left, bottom, right = receptive_box(row, i, j)
    fig = make_subplots(
        rows=1,
        cols=2,
        column_widths=[0.42, 0.58],
        subplot_titles=(
            f"Output of line {row.layer.line}: {h2}×{w2} units (click one)",
            f"Input {h}×{w}: receptive field {row.rf}×{row.rf} of unit ({i}, {j})",
        ),
        horizontal_spacing=0.08,
    )
    ys, xs = np.mgrid[0:h2, 0:w2]
    scatter = go.Scattergl if h2 * w2 > 2500 else go.Scatter
    fig.add_trace(
        scatter(
            x=xs.ravel(),
            y=ys.ravel(),
            mode="markers",
            marker=dict(symbol="square", size=max(3, min(22, 380 // max(h2, w2))), color=GREY, opacity=0.35),
            hovertemplate="unit (row %{y}, col %{x})<extra></extra>",
            name="output units",
            showlegend=False,
        ),
        1,
        1,
    )
    fig.add_trace(
        go.Scatter(
            x=[j],
            y=[i],
            mode="markers",
            marker=dict(
                symbol="square", size=max(8, min(24, 400 // max(h2, w2))), color=ORANGE, line=dict(color=BLACK, width=2)
            ),
            name="selected unit",
            hoverinfo="skip",
        ),
        1,
        1,
    )
    # the input image and, around it, the zero padding that the box may reach into
    lo_y, lo_x = min(top, 0), min(left, 0)
    hi_y, hi_x = max(bottom, h - 1), max(right, w - 1)
    fig.add_shape(
        type="rect", x0=-0.5, y0=-0.5, x1=w - 0.5, y1=h - 0.5, fillcolor="#DDE8F3", line=dict(color=BLUE), row=1, col=2
    )
    fig.add_shape(
        type="rect",
        x0=left - 0.5,
        y0=top - 0.5,
        x1=right + 0.5,
        y1=bottom + 0.5,
        fillcolor=ORANGE,
        opacity=0.45,
        line=dict(color=VERMILION, width=3),
        row=1,
        col=2,
    )
    if row.jump and j + 1 < w2:
        n_top, n_left, n_bottom, n_right = receptive_box(row, i, j + 1)
        fig.add_shape(
            type="rect",
            x0=n_left - 0.5,
            y0=n_top - 0.5,
            x1=n_right + 0.5,
            y1=n_bottom + 0.5,
            line=dict(color=BLACK, width=2, dash="dot"),
            row=1,
            col=2,
        )
    centre = ((top + bottom) / 2, (left + right) / 2)
    fig.add_trace(
        go.Scatter(
            x=[centre[1]],
            y=[centre[0]],
            mode="markers+text",
            marker=dict(color=BLACK, size=8),
            text=[f"rows {top}…{bottom}, cols {left}…{right}"],
            textposition="bottom center",
            textfont=dict(size=14),
            name="receptive-field box (dotted: the unit to the right, one jump over)",
            hoverinfo="skip",
        ),
        1,
        2,
    )
    fig.update_xaxes(range=[-0.5 - 0.5, w2 - 0.5 + 0.5], row=1, col=1, title_text="column")
    fig.update_yaxes(range=[h2 - 0.5 + 0.5, -1], row=1, col=1, title_text="row", scaleanchor="x", scaleratio=1)
    pad = 0.03 * max(hi_x - lo_x, hi_y - lo_y) + 1
    fig.update_xaxes(range=[lo_x - pad, hi_x + pad], row=1, col=2, title_text="input column")
    fig.update_yaxes(
        range=[hi_y + pad, lo_y - pad], row=1, col=2, title_text="input row", scaleanchor="x2", scaleratio=1
    )
    style(fig, height=560)
    fig.update_layout(legend=dict(orientation="h", y=-0.15, x=0), clickmode="event+select", dragmode=False)
    return fig


# ------------------------------------------------------------------------------------------ convolution


def _grid_heatmap(fig, values, row, col, annotate, scale, name, text_fmt="{:.2f}"):
    text = [[text_fmt.format(v) for v in line] for line in values] if annotate else None
    fig.add_trace(
        go.Heatmap(
            z=values,
            text=text,
            texttemplate="%{text}" if annotate else None,
            textfont=dict(size=11),
            showscale=False,
            hovertemplate=f"{name} [%{{y}}, %{{x}}] = %{{z:.3f}}<extra></extra>",
            **scale,
        ),
        row,
        col,
    )


def convolution_figure(
    image: np.ndarray,
    kernel_used: np.ndarray,
    output: np.ndarray,
    terms: list[Term],
    i: int,
    j: int,
    padding: int,
) -> go.Figure:
    """Input (with its zero padding) and the taps of the current position; the kernel as applied; the output map."""
    h, w = image.shape
    f = kernel_used.shape[0]
    padded = np.pad(image, padding)
    fig = make_subplots(
        rows=1,
        cols=3,
        column_widths=[0.45, 0.2, 0.35],
        subplot_titles=(
            f"Input {h}×{w}" + (f" + padding {padding}" if padding else ""),
            f"Kernel as applied ({f}×{f})",
            f"Output {output.shape[0]}×{output.shape[1]}",
        ),
        horizontal_spacing=0.06,
    )
    annotate = max(padded.shape) <= 16
    _grid_heatmap(
        fig,
        padded,
        1,
        1,
        annotate,
        dict(colorscale="Greys", zmin=0, zmax=max(1.0, float(image.max()))),
        "I",
    )
    # padded coordinates = image coordinates + P
    xs = [t.n + padding for t in terms]
    ys = [t.m + padding for t in terms]
    fig.add_trace(
        go.Scatter(
            x=xs,
            y=ys,
            mode="markers",
            marker=dict(
                symbol="square-open", size=max(8, min(28, 440 // max(padded.shape))), color=ORANGE, line=dict(width=3)
            ),
            hovertext=[f"I[{t.m},{t.n}] = {t.value:.2f} × K[{t.ku},{t.kv}] = {t.weight:.2f}" for t in terms],
            hoverinfo="text",
            name="taps of the current output",
            showlegend=False,
        ),
        1,
        1,
    )
    if padding:
        fig.add_shape(
            type="rect",
            x0=padding - 0.5,
            y0=padding - 0.5,
            x1=padding + w - 0.5,
            y1=padding + h - 0.5,
            line=dict(color=BLUE, width=2, dash="dash"),
            row=1,
            col=1,
        )
    _grid_heatmap(fig, kernel_used, 1, 2, True, diverging_scale(kernel_used), "K")
    _grid_heatmap(fig, output, 1, 3, max(output.shape) <= 16, diverging_scale(output), "O")
    fig.add_shape(
        type="rect", x0=j - 0.5, y0=i - 0.5, x1=j + 0.5, y1=i + 0.5, line=dict(color=ORANGE, width=4), row=1, col=3
    )
    for col in (1, 2, 3):
        fig.update_yaxes(
            autorange="reversed",
            scaleanchor=f"x{col if col > 1 else ''}",
            scaleratio=1,
            constrain="domain",
            row=1,
            col=col,
        )
        fig.update_xaxes(showgrid=False, constrain="domain", row=1, col=col)
    style(fig, height=480)
    return fig


def sum_latex(terms: list[Term], i: int, j: int, flip: bool, max_terms: int = 25) -> str:
    """The written-out sum for output (i, j), F terms per line, with the numbers of each product."""
    f = round(len(terms) ** 0.5)
    name = "(I * K)" if flip else "(I \\star K)"
    lines = []
    for u in range(f):
        chunk = terms[u * f : (u + 1) * f]
        parts = []
        for t in chunk:
            shown = f"{t.value:.2f}" if not t.padding else "0_{\\text{pad}}"
            parts.append(f"{shown}\\cdot({t.weight:.2f})")
        lines.append(" + ".join(parts))
    total = sum(t.product for t in terms)
    body = " \\\\ &+ ".join(lines)
    return f"\\begin{{aligned}} {name}[{i},{j}] &= {body} \\\\ &= {total:.3f} \\end{{aligned}}"


# ------------------------------------------------------------------------------------------ normalization


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
    fig.update_xaxes(type="log", title_text="batch size N", tickvals=list(x), ticktext=[str(v) for v in x])
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


# ------------------------------------------------------------------------------------------ skip connections


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

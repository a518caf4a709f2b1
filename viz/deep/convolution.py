"""Figures of the convolution page (sheet 7e): image, kernel and output grids, and the written-out sum."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.deep.convolution import Term
from viz.theme import BLUE, ORANGE, diverging_scale, style


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

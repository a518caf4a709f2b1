"""Figures of the convolution page (sheet 7e): image, kernel and output grids, and the written-out sum."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.deep.convolution import Term
from viz import theme
from viz.theme import BLUE, ORANGE, diverging_scale, style

HEIGHT = 480
# theme.style's margins without a title (50 left, 20 right; 20 above, 50 below) and the gaps between the panels
_FRAME_X, _FRAME_Y, _SPACING = 70, 70, 0.045
# the kernel's panel keeps at least this share of the width, however small the kernel
_MIN_KERNEL_SHARE = 0.16


def cell_text(values: np.ndarray, side: float) -> list[list[str]] | None:
    """The numbers of a grid as printed in cells ``side`` px wide at theme.MIN_TEXT_SIZE: two decimals, else one,
    else None (the cells are too small: the value shows on hover)."""
    for fmt in ("{:.2f}", "{:.1f}"):
        text = [[fmt.format(v) for v in line] for line in np.asarray(values, dtype=float)]
        widest = max((theme.text_width(t) for line in text for t in line), default=0.0)
        if widest + 6 <= side and theme.text_height() + 4 <= side:
            return text
    return None


def _grid_heatmap(fig, values, row, col, text, scale, name):
    fig.add_trace(
        go.Heatmap(
            z=values,
            text=text,
            texttemplate="%{text}" if text is not None else None,
            textfont=dict(size=theme.MIN_TEXT_SIZE),
            showscale=False,
            hovertemplate=f"{name} [%{{y}}, %{{x}}] = %{{z:.3f}}<extra></extra>",
            **scale,
        ),
        row,
        col,
    )


def panel_shares(columns: tuple[int, int, int]) -> list[float]:
    """Widths of the input, kernel and output panels: proportional to their columns (the same cell size in all
    three), the kernel's at least _MIN_KERNEL_SHARE."""
    total = float(sum(columns))
    kernel = max(columns[1] / total, _MIN_KERNEL_SHARE)
    rest = columns[0] + columns[2]
    return [(1 - kernel) * columns[0] / rest, kernel, (1 - kernel) * columns[2] / rest]


def convolution_figure(
    image: np.ndarray,
    kernel_used: np.ndarray,
    output: np.ndarray,
    terms: list[Term],
    i: int,
    j: int,
    padding: int,
    column_px: float = theme.MAIN_COLUMN_PX,
    photo: bool = False,
) -> go.Figure:
    """Input (with its zero padding) and the taps of the current position; the kernel as applied; the output map.

    The input is drawn as ink (1 = black: a digit's pen strokes, a pattern) or, for a ``photo``, as light
    (1 = white, so a picture looks like itself and zero padding is black).

    Each grid prints its numbers when they fit its cells at theme.MIN_TEXT_SIZE in a column ``column_px`` wide;
    otherwise they show on hover, and the selected output value stands in a box beside its cell.
    """
    h, w = image.shape
    f = kernel_used.shape[0]
    padded = np.pad(image, padding)
    grids = (padded, kernel_used, output)
    shares = panel_shares((padded.shape[1], f, output.shape[1]))
    fig = make_subplots(
        rows=1,
        cols=3,
        column_widths=shares,
        subplot_titles=(
            f"Input {h}×{w}" + (f" + padding {padding}" if padding else ""),
            f"Kernel as applied ({f}×{f})",
            f"Output {output.shape[0]}×{output.shape[1]}",
        ),
        horizontal_spacing=_SPACING,
    )
    domain_px = (column_px - _FRAME_X) * (1 - 2 * _SPACING)
    sides = [min(domain_px * share / g.shape[1], (HEIGHT - _FRAME_Y) / g.shape[0]) for share, g in zip(shares, grids)]
    texts = [cell_text(g, side) for g, side in zip(grids, sides)]
    scale = dict(colorscale="Greys", reversescale=photo, zmin=0, zmax=max(1.0, float(image.max())))
    _grid_heatmap(fig, padded, 1, 1, texts[0], scale, "I")
    # padded coordinates = image coordinates + P
    xs = [t.n + padding for t in terms]
    ys = [t.m + padding for t in terms]
    fig.add_trace(
        go.Scatter(
            x=xs,
            y=ys,
            mode="markers",
            # the outline runs along the cell's edge, around its number
            marker=dict(symbol="square-open", size=max(8, 0.92 * sides[0]), color=ORANGE, line=dict(width=3)),
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
    _grid_heatmap(fig, kernel_used, 1, 2, texts[1], diverging_scale(kernel_used), "K")
    _grid_heatmap(fig, output, 1, 3, texts[2], diverging_scale(output), "O")
    fig.add_shape(
        type="rect", x0=j - 0.5, y0=i - 0.5, x1=j + 0.5, y1=i + 0.5, line=dict(color=ORANGE, width=4), row=1, col=3
    )
    if texts[2] is None:
        above = i >= output.shape[0] / 2
        fig.add_annotation(
            x=j,
            y=i,
            xref="x3",
            yref="y3",
            text=f"O[{i}, {j}] = {output[i, j]:.2f}",
            showarrow=True,
            arrowcolor=ORANGE,
            arrowwidth=2,
            ax=0,
            ay=-(sides[2] / 2 + 30) if above else sides[2] / 2 + 30,
            font=dict(size=theme.MIN_TEXT_SIZE + 1, color=theme.BLACK),
            bgcolor="rgba(255,255,255,0.92)",
            bordercolor=ORANGE,
            borderwidth=2,
        )
    for col, (grid, side) in enumerate(zip(grids, sides), start=1):
        rows, cols = grid.shape
        fig.update_yaxes(
            autorange="reversed",
            scaleanchor=f"x{col if col > 1 else ''}",
            scaleratio=1,
            constrain="domain",
            row=1,
            col=col,
            **theme.integer_axis(rows, side * rows, label_px=theme.text_height(theme.FONT_SIZE) + 4),
        )
        fig.update_xaxes(showgrid=False, constrain="domain", row=1, col=col, **theme.integer_axis(cols, side * cols))
    # no taller than the grids need: their cells are square and as wide as the panels allow
    tallest = max(side * g.shape[0] for g, side in zip(grids, sides))
    style(fig, height=int(min(HEIGHT, tallest + _FRAME_Y + 30)))
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

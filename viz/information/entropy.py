"""Entropy figures: the binary-entropy curve, a distribution with its surprisal terms, H(X) against log|X|."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.information.entropy import binary_entropy, surprisal_terms
from viz import theme
from viz.information.text import outcome_labels, unit_name


def binary_entropy_curve(p_current: float, base: float) -> go.Figure:
    """H(p) on [0, 1] with its maximum at p = 0.5 and the current p marked."""
    unit = unit_name(base)
    grid = np.linspace(0, 1, 401)
    h = binary_entropy(grid, base)
    h_now = float(binary_entropy(p_current, base))
    h_max = float(binary_entropy(0.5, base))
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=grid, y=h, mode="lines", name="H(p)", line=dict(color=theme.BLUE, width=3)))
    fig.add_trace(
        go.Scatter(
            x=[0.5],
            y=[h_max],
            mode="markers+text",
            name="maximum",
            text=[f"max {h_max:.3f} at p = 0.5"],
            textposition="top center",
            marker=dict(color=theme.GREY, size=11, symbol="diamond"),
        )
    )
    fig.add_trace(
        go.Scatter(
            x=[p_current],
            y=[h_now],
            mode="markers+text",
            name="current p",
            text=[f"H({p_current:.2f}) = {h_now:.3f}"],
            textposition="bottom right" if p_current < 0.5 else "bottom left",
            marker=dict(color=theme.VERMILION, size=15),
        )
    )
    fig.update_xaxes(title="p = P(X = 1)", range=[-0.02, 1.02])
    fig.update_yaxes(title=f"H(p) [{unit}]", range=[0, h_max * 1.25])
    fig.update_layout(showlegend=False)
    return theme.style(fig, "Binary entropy H(p) = −p log p − (1−p) log(1−p)", height=380)


def distribution_with_surprisal(p: np.ndarray, base: float, names: Sequence[str] | None = None) -> go.Figure:
    """Bars P(x_i) and next to them each term −P(x_i) log P(x_i) of the entropy sum; outcomes named by ``names``
    (x1, x2, … without)."""
    unit = unit_name(base)
    labels = outcome_labels(p.size, "x", names)
    terms = surprisal_terms(p, base)
    fig = make_subplots(rows=1, cols=2, subplot_titles=("P(x)", f"−P(x) log P(x) [{unit}]  (sum = H)"))
    fig.add_trace(
        go.Bar(x=labels, y=p, marker_color=theme.BLUE, text=[f"{v:.2f}" for v in p], textposition="outside"), 1, 1
    )
    fig.add_trace(
        go.Bar(x=labels, y=terms, marker_color=theme.ORANGE, text=[f"{v:.3f}" for v in terms], textposition="outside"),
        1,
        2,
    )
    fig.update_xaxes(type="category")  # observed names such as "1", "2" are outcomes, not numbers
    fig.update_yaxes(range=[0, 1.15], row=1, col=1)
    fig.update_yaxes(range=[0, max(terms.max(), 0.1) * 1.25], row=1, col=2)
    fig.update_layout(showlegend=False)
    return theme.style(fig, None, height=360)


def entropy_vs_bound(h: float, bound: float, base: float) -> go.Figure:
    """H(X) as a bar against the bound log_b|X| (the uniform distribution's entropy)."""
    unit = unit_name(base)
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            y=["H(X)", "log|X|"],
            x=[h, bound],
            orientation="h",
            marker_color=[theme.BLUE, theme.GREY],
            text=[f"{h:.3f}", f"{bound:.3f}"],
            textposition="outside",
        )
    )
    fig.update_xaxes(title=unit, range=[0, max(bound, 0.1) * 1.25])
    fig.update_layout(showlegend=False)
    return theme.style(fig, f"H(X) ≤ log|X|  ({100 * h / bound:.0f}% of the bound)" if bound > 0 else "H(X)", 250)


MAX_CHARACTER_BARS = 40
"""Characters drawn as bars (the most frequent ones); the rest are summed in one "other" bar."""
# invisible characters as symbols that DejaVu Sans draws: one narrow tick label each, no rotation needed
_CHARACTER_NAMES = {" ": "␣", "\n": "↵", "\t": "⇥", "\r": "←"}


def character_label(char: str) -> str:
    """A character as the axis shows it: ␣ the space, ↵ a line break, ⇥ a tab, ← a carriage return."""
    return _CHARACTER_NAMES.get(char, char)


def character_bars(chars: tuple[str, ...], counts: np.ndarray, base: float) -> go.Figure:
    """P(c) = n_c / n of a text's characters, most frequent first, each bar's −P(c) log P(c) on hover; beyond
    MAX_CHARACTER_BARS characters the rest share one "other" bar (the entropy itself uses them all)."""
    unit = unit_name(base)
    p = counts / counts.sum()  # P(c) = n_c / n
    terms = surprisal_terms(p, base)
    shown = min(len(chars), MAX_CHARACTER_BARS)
    labels = [character_label(c) for c in chars[:shown]]
    values, shown_terms, shown_counts = list(p[:shown]), list(terms[:shown]), list(counts[:shown])
    if len(chars) > shown:
        labels.append("…")  # the other characters, named on hover
        values.append(float(p[shown:].sum()))
        shown_terms.append(float(terms[shown:].sum()))
        shown_counts.append(int(counts[shown:].sum()))
    fig = go.Figure(
        go.Bar(
            x=labels,
            y=values,
            marker_color=[theme.BLUE] * shown + [theme.GREY] * (len(labels) - shown),
            customdata=np.column_stack([shown_counts, shown_terms]),
            hovertemplate="%{x}: n = %{customdata[0]}, P = %{y:.4f}, −P log P = %{customdata[1]:.4f} "
            + unit
            + "<extra></extra>",
        )
    )
    fig.update_xaxes(type="category", tickangle=0)
    fig.update_yaxes(title="P(c) = n_c / n")
    rest = f"; … = the other {len(chars) - shown}" if len(chars) > shown else ""
    title = f"Character frequencies ({len(chars)} distinct, {int(counts.sum()):,} in all; ␣ = space{rest})"
    return theme.style(fig, title, 380)

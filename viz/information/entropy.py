"""Entropy figures: the binary-entropy curve, a distribution with its surprisal terms, H(X) against log|X|."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from core.information.entropy import binary_entropy, surprisal_terms
from viz import plain, theme
from viz.information.text import outcome_labels, unit_name


def binary_entropy_curve(p_current: float, base: float) -> dict:
    """H(p) on [0, 1] with its maximum at p = 0.5 and the current p marked.

    This module's figures are written as their JSON form (viz.plain): every move of a control rebuilds them,
    and Plotly's validation of four small figures was most of the page's rerun."""
    unit = unit_name(base)
    grid = np.linspace(0, 1, 401)
    h = binary_entropy(grid, base)
    h_now = float(binary_entropy(p_current, base))
    h_max = float(binary_entropy(0.5, base))
    traces = [
        dict(type="scatter", x=grid, y=h, mode="lines", name="H(p)", line=dict(color=theme.BLUE, width=3)),
        dict(
            type="scatter",
            x=[0.5],
            y=[h_max],
            mode="markers+text",
            name="maximum",
            text=[f"max {h_max:.3f} at p = 0.5"],
            textposition="top center",
            marker=dict(color=theme.GREY, size=11, symbol="diamond"),
        ),
        dict(
            type="scatter",
            x=[p_current],
            y=[h_now],
            mode="markers+text",
            name="current p",
            text=[f"H({p_current:.2f}) = {h_now:.3f}"],
            textposition="bottom right" if p_current < 0.5 else "bottom left",
            marker=dict(color=theme.VERMILION, size=15),
        ),
    ]
    layout = plain.layout(
        "Binary entropy H(p) = −p log p − (1−p) log(1−p)",
        380,
        showlegend=False,
        xaxis=dict(title=dict(text="p = P(X = 1)"), range=[-0.02, 1.02]),
        yaxis=dict(title=dict(text=f"H(p) [{unit}]"), range=[0, h_max * 1.25]),
    )
    return plain.spec(traces, layout)


def distribution_with_surprisal(p: np.ndarray, base: float, names: Sequence[str] | None = None) -> dict:
    """Bars P(x_i) and next to them each term −P(x_i) log P(x_i) of the entropy sum; outcomes named by ``names``
    (x1, x2, … without)."""
    unit = unit_name(base)
    labels = outcome_labels(p.size, "x", names)
    terms = surprisal_terms(p, base)
    traces = [
        dict(
            type="bar", x=labels, y=p, marker=dict(color=theme.BLUE), text=[f"{v:.2f}" for v in p],
            textposition="outside", xaxis="x", yaxis="y",
        ),
        dict(
            type="bar", x=labels, y=terms, marker=dict(color=theme.ORANGE), text=[f"{v:.3f}" for v in terms],
            textposition="outside", xaxis="x2", yaxis="y2",
        ),
    ]  # fmt: skip
    layout = plain.subplots_layout(
        None, 360, rows=1, cols=2, subplot_titles=("P(x)", f"−P(x) log P(x) [{unit}]  (sum = H)")
    )
    layout["showlegend"] = False
    plain.update_axes(layout, "x", type="category")  # observed names such as "1", "2" are outcomes, not numbers
    layout["yaxis"]["range"] = [0, 1.15]
    layout["yaxis2"]["range"] = [0, max(terms.max(), 0.1) * 1.25]
    return plain.spec(traces, layout)


def entropy_vs_bound(h: float, bound: float, base: float) -> dict:
    """H(X) as a bar against the bound log_b|X| (the uniform distribution's entropy)."""
    unit = unit_name(base)
    bar = dict(
        type="bar",
        y=["H(X)", "log|X|"],
        x=[h, bound],
        orientation="h",
        marker=dict(color=[theme.BLUE, theme.GREY]),
        text=[f"{h:.3f}", f"{bound:.3f}"],
        textposition="outside",
    )
    title = f"H(X) ≤ log|X|  ({100 * h / bound:.0f}% of the bound)" if bound > 0 else "H(X)"
    layout = plain.layout(
        title, 250, showlegend=False, xaxis=dict(title=dict(text=unit), range=[0, max(bound, 0.1) * 1.25])
    )
    return plain.spec([bar], layout)


MAX_CHARACTER_BARS = 40
"""Characters drawn as bars (the most frequent ones); the rest are summed in one "other" bar."""
# invisible characters as symbols that DejaVu Sans draws: one narrow tick label each, no rotation needed
_CHARACTER_NAMES = {" ": "␣", "\n": "↵", "\t": "⇥", "\r": "←"}


def character_label(char: str) -> str:
    """A character as the axis shows it: ␣ the space, ↵ a line break, ⇥ a tab, ← a carriage return."""
    return _CHARACTER_NAMES.get(char, char)


def character_bars(chars: tuple[str, ...], counts: np.ndarray, base: float) -> dict:
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
    bars = dict(
        type="bar",
        x=labels,
        y=values,
        marker=dict(color=[theme.BLUE] * shown + [theme.GREY] * (len(labels) - shown)),
        customdata=np.column_stack([shown_counts, shown_terms]),
        hovertemplate="%{x}: n = %{customdata[0]}, P = %{y:.4f}, −P log P = %{customdata[1]:.4f} "
        + unit
        + "<extra></extra>",
    )
    rest = f"; … = the other {len(chars) - shown}" if len(chars) > shown else ""
    title = f"Character frequencies ({len(chars)} distinct, {int(counts.sum()):,} in all; ␣ = space{rest})"
    layout = plain.layout(
        title, 380, xaxis=dict(type="category", tickangle=0), yaxis=dict(title=dict(text="P(c) = n_c / n"))
    )
    return plain.spec([bars], layout)

"""Naive-Bayes figures: the smoothed likelihood table and the factors and posterior of one message (sheet 5a)."""

from __future__ import annotations

import numpy as np

from core.supervised import naive_bayes as nb
from core.supervised import naive_bayes_texts as nbt
from viz import plain, theme
from viz.supervised.common import CLASS_COLOURS


def _likelihood_heatmap(x: list[str], y: list[str], z: np.ndarray, text: list[list[str]], bar_title: str) -> dict:
    """The heatmap of a likelihood table: P per class (rows) and word (columns), its count and value written in."""
    return dict(
        type="heatmap",
        x=x,
        y=y,
        z=z,
        text=text,
        texttemplate="%{text}",
        textfont=dict(size=14),
        colorscale=plain.colorscale(theme.SEQUENTIAL),
        zmin=0,
        colorbar=dict(title=dict(text=bar_title)),
        hovertemplate="P(%{x}|%{y}) = %{z:.4f}<extra></extra>",
    )


def _table_layout(title: str, height: int, boxes: list[dict]) -> dict:
    """Rows top to bottom in class order, words along the top, ``boxes`` outlined in vermilion."""
    line = dict(color=theme.VERMILION, width=4)
    return plain.layout(
        title,
        height,
        shapes=[dict(type="rect", **box, line=line) for box in boxes],
        xaxis=dict(side="top"),
        yaxis=dict(autorange="reversed"),
    )


def nb_likelihood_table(model: nb.NaiveBayesModel, message: nb.Message) -> dict:
    """P(x_i|C_k) per class (rows) and word (columns), with the count N_{x_i,C_k}; the message's words boxed.

    This module's figures are written as their JSON form (viz.plain): each move of α or of the message rebuilds
    them, and Plotly's validation was most of that rerun."""
    classes, words = list(nb.NB_CLASSES), list(nb.NB_VOCABULARY)
    text = [
        [f"N = {model.word_counts[k, i]}<br><b>{model.likelihoods[k, i]:.3f}</b>" for i in range(len(words))]
        for k in range(len(classes))
    ]
    boxes = [
        dict(x0=int(i) - 0.5, x1=int(i) + 0.5, y0=-0.5, y1=len(classes) - 0.5) for i in np.flatnonzero(message.counts)
    ]
    title = f"Smoothed P(xᵢ|Cₖ) = (N + α)/(N_C + αD), α = {model.alpha:g} (boxed: words of the message)"
    heatmap = _likelihood_heatmap(words, classes, model.likelihoods, text, "P(xᵢ|Cₖ)")
    return plain.spec([heatmap], _table_layout(title, 330, boxes))


def nb_posterior_bars(model: nb.NaiveBayesModel, message: nb.Message, result: nb.NaiveBayesPosterior) -> dict:
    """Left: the factors P(C_k) and P(x_i|C_k) of each class (a 0 marked); right: the posterior P(C_k|x)."""
    labels = ["prior", *message.words]
    factors_per_class = nb.nb_factors(model, message)  # (K, 1 + words)
    traces = []
    for k, name in enumerate(nb.NB_CLASSES):
        factors = factors_per_class[k].tolist()
        traces.append(
            dict(
                type="bar",
                x=labels,
                y=factors,
                name=name,
                marker=dict(color=CLASS_COLOURS[k]),
                text=[("0 !" if f == 0 else f"{f:.3f}") for f in factors],
                textposition="outside",
                legendgroup=name,
                xaxis="x",
                yaxis="y",
            )
        )
    traces.append(
        dict(
            type="bar",
            x=list(nb.NB_CLASSES),
            y=np.nan_to_num(result.posterior, nan=0.0),
            marker=dict(color=[CLASS_COLOURS[k] for k in range(len(nb.NB_CLASSES))]),
            text=["undefined" if np.isnan(p) else f"{p:.4f}" for p in result.posterior],
            textposition="outside",
            showlegend=False,
            xaxis="x2",
            yaxis="y2",
        )
    )
    layout = plain.subplots_layout(
        None,
        400,
        rows=1,
        cols=2,
        column_widths=[0.65, 0.35],
        subplot_titles=("Factors of P(Cₖ) ∏ P(xᵢ|Cₖ)", "Posterior P(Cₖ|x)"),
        horizontal_spacing=0.1,
    )
    plain.merge(layout, dict(barmode="group", legend=dict(orientation="h", y=1.1, yanchor="bottom", x=0)))
    plain.merge(layout, dict(yaxis=dict(range=[0, 1.15], title=dict(text="probability")), yaxis2=dict(range=[0, 1.15])))
    return plain.spec(traces, layout)


# --------------------------------------------------------------------------------------------- your own texts
MAX_TABLE_WORDS = 16
"""Columns of the per-word table that stay readable at 1280 px (each label ≥ 14 px); further words on hover."""


def texts_likelihood_table(model: nbt.TextModel, result: nbt.SentenceResult) -> dict:
    """P(w|C_k) per class (rows) for each distinct known word of the sentence (columns), with N_{w,C_k} and how
    often w occurs in the sentence; a zero probability (α = 0 and a zero count) outlined in vermilion."""
    words = list(result.distinct[:MAX_TABLE_WORDS])
    labels = [f"{w} ×{c}" if c > 1 else w for w, c in zip(words, result.counts)]
    shown = result.likelihoods[:, : len(words)]  # (K, W)
    text = [
        [f"N = {result.word_counts[k, i]}<br><b>{shown[k, i]:.3f}</b>" for i in range(len(words))]
        for k in range(len(model.classes))
    ]
    boxes = [
        dict(x0=int(i) - 0.5, x1=int(i) + 0.5, y0=int(k) - 0.5, y1=int(k) + 0.5) for k, i in np.argwhere(shown == 0)
    ]
    title = f"P(w|Cₖ) = (N + α)/(N_C + αD), α = {model.alpha:g}, D = {len(model.vocabulary)} (outlined: P = 0)"
    heatmap = _likelihood_heatmap(labels, list(model.classes), shown, text, "P(w|Cₖ)")
    return plain.spec([heatmap], _table_layout(title, 150 + 70 * len(model.classes), boxes))


def texts_posterior_bars(report: nbt.TextsReport) -> dict:
    """P(C_k|x) per class under α = 0 (raw counts) and under the chosen α: a zero count's veto side by side with
    its smoothed version."""
    traces = [
        dict(
            type="bar",
            x=list(report.model.classes),
            y=np.nan_to_num(result.posterior, nan=0.0),
            name=name,
            marker=dict(color=colour),
            text=["undefined (0/0)" if np.isnan(p) else f"{p:.3f}" for p in result.posterior],
            textposition="outside",
            textfont=dict(size=14),
            hovertemplate="P(%{x}|x) = %{y:.4f}<extra>" + name + "</extra>",
        )
        for name, result, colour in (
            ("α = 0 (raw counts)", report.raw_result, theme.VERMILION),
            (f"α = {report.model.alpha:g}", report.result, theme.BLUE),
        )
    ]
    layout = plain.layout(
        None,
        360,
        barmode="group",
        legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0),
        yaxis=dict(range=[0, 1.18], title=dict(text="P(Cₖ | sentence)")),
    )
    return plain.spec(traces, layout)

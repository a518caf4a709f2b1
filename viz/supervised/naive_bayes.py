"""Naive-Bayes figures: the smoothed likelihood table and the factors and posterior of one message (sheet 5a)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.supervised import naive_bayes as nb
from core.supervised import naive_bayes_texts as nbt
from viz import theme
from viz.supervised.common import CLASS_COLOURS


def nb_likelihood_table(model: nb.NaiveBayesModel, message: nb.Message) -> go.Figure:
    """P(x_i|C_k) per class (rows) and word (columns), with the count N_{x_i,C_k}; the message's words boxed."""
    classes, words = list(nb.NB_CLASSES), list(nb.NB_VOCABULARY)
    text = [
        [f"N = {model.word_counts[k, i]}<br><b>{model.likelihoods[k, i]:.3f}</b>" for i in range(len(words))]
        for k in range(len(classes))
    ]
    fig = go.Figure(
        go.Heatmap(
            x=words,
            y=classes,
            z=model.likelihoods,
            text=text,
            texttemplate="%{text}",
            textfont=dict(size=14),
            colorscale=theme.SEQUENTIAL,
            zmin=0,
            colorbar=dict(title="P(xᵢ|Cₖ)"),
            hovertemplate="P(%{x}|%{y}) = %{z:.4f}<extra></extra>",
        )
    )
    for i in np.flatnonzero(message.counts):
        fig.add_shape(
            type="rect",
            x0=i - 0.5,
            x1=i + 0.5,
            y0=-0.5,
            y1=len(classes) - 0.5,
            line=dict(color=theme.VERMILION, width=4),
        )
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(side="top")
    title = f"Smoothed P(xᵢ|Cₖ) = (N + α)/(N_C + αD), α = {model.alpha:g} (boxed: words of the message)"
    return theme.style(fig, title, height=330)


def nb_posterior_bars(model: nb.NaiveBayesModel, message: nb.Message, result: nb.NaiveBayesPosterior) -> go.Figure:
    """Left: the factors P(C_k) and P(x_i|C_k) of each class (a 0 marked); right: the posterior P(C_k|x)."""
    fig = make_subplots(
        rows=1,
        cols=2,
        column_widths=[0.65, 0.35],
        subplot_titles=("Factors of P(Cₖ) ∏ P(xᵢ|Cₖ)", "Posterior P(Cₖ|x)"),
        horizontal_spacing=0.1,
    )
    labels = ["prior", *message.words]
    factors_per_class = nb.nb_factors(model, message)  # (K, 1 + words)
    for k, name in enumerate(nb.NB_CLASSES):
        factors = factors_per_class[k].tolist()
        fig.add_trace(
            go.Bar(
                x=labels,
                y=factors,
                name=name,
                marker_color=CLASS_COLOURS[k],
                text=[("0 !" if f == 0 else f"{f:.3f}") for f in factors],
                textposition="outside",
                legendgroup=name,
            ),
            row=1,
            col=1,
        )
    shown = np.nan_to_num(result.posterior, nan=0.0)
    fig.add_trace(
        go.Bar(
            x=list(nb.NB_CLASSES),
            y=shown,
            marker_color=[CLASS_COLOURS[k] for k in range(len(nb.NB_CLASSES))],
            text=["undefined" if np.isnan(p) else f"{p:.4f}" for p in result.posterior],
            textposition="outside",
            showlegend=False,
        ),
        row=1,
        col=2,
    )
    fig.update_layout(barmode="group", legend=dict(orientation="h", y=1.1, yanchor="bottom", x=0))
    fig.update_yaxes(range=[0, 1.15], row=1, col=1, title="probability")
    fig.update_yaxes(range=[0, 1.15], row=1, col=2)
    return theme.style(fig, None, height=400)


# --------------------------------------------------------------------------------------------- your own texts
MAX_TABLE_WORDS = 16
"""Columns of the per-word table that stay readable at 1280 px (each label ≥ 14 px); further words on hover."""


def texts_likelihood_table(model: nbt.TextModel, result: nbt.SentenceResult) -> go.Figure:
    """P(w|C_k) per class (rows) for each distinct known word of the sentence (columns), with N_{w,C_k} and how
    often w occurs in the sentence; a zero probability (α = 0 and a zero count) outlined in vermilion."""
    words = list(result.distinct[:MAX_TABLE_WORDS])
    labels = [f"{w} ×{c}" if c > 1 else w for w, c in zip(words, result.counts)]
    shown = result.likelihoods[:, : len(words)]  # (K, W)
    text = [
        [f"N = {result.word_counts[k, i]}<br><b>{shown[k, i]:.3f}</b>" for i in range(len(words))]
        for k in range(len(model.classes))
    ]
    fig = go.Figure(
        go.Heatmap(
            x=labels,
            y=list(model.classes),
            z=shown,
            text=text,
            texttemplate="%{text}",
            textfont=dict(size=14),
            colorscale=theme.SEQUENTIAL,
            zmin=0,
            colorbar=dict(title="P(w|Cₖ)"),
            hovertemplate="P(%{x}|%{y}) = %{z:.4f}<extra></extra>",
        )
    )
    for k, i in np.argwhere(shown == 0):
        fig.add_shape(
            type="rect", x0=i - 0.5, x1=i + 0.5, y0=k - 0.5, y1=k + 0.5, line=dict(color=theme.VERMILION, width=4)
        )
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(side="top")
    title = f"P(w|Cₖ) = (N + α)/(N_C + αD), α = {model.alpha:g}, D = {len(model.vocabulary)} (outlined: P = 0)"
    return theme.style(fig, title, height=150 + 70 * len(model.classes))


def texts_posterior_bars(report: nbt.TextsReport) -> go.Figure:
    """P(C_k|x) per class under α = 0 (raw counts) and under the chosen α: a zero count's veto side by side with
    its smoothed version."""
    fig = go.Figure()
    for name, result, colour in (
        ("α = 0 (raw counts)", report.raw_result, theme.VERMILION),
        (f"α = {report.model.alpha:g}", report.result, theme.BLUE),
    ):
        fig.add_trace(
            go.Bar(
                x=list(report.model.classes),
                y=np.nan_to_num(result.posterior, nan=0.0),
                name=name,
                marker_color=colour,
                text=["undefined (0/0)" if np.isnan(p) else f"{p:.3f}" for p in result.posterior],
                textposition="outside",
                textfont=dict(size=14),
                hovertemplate="P(%{x}|x) = %{y:.4f}<extra>" + name + "</extra>",
            )
        )
    fig.update_layout(barmode="group", legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0))
    fig.update_yaxes(range=[0, 1.18], title="P(Cₖ | sentence)")
    return theme.style(fig, None, height=360)

"""Naive-Bayes figures: the smoothed likelihood table and the factors and posterior of one message (sheet 5a)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.supervised import naive_bayes as nb
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

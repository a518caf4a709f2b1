"""Regression figures: fitted curves, ridge/LASSO coefficient paths, GD vs Newton (loss, path over the loss
contours, decision boundary), softmax decision regions.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core import regression as reg
from viz import theme

METHOD_COLOURS = {"least squares": theme.BLUE, "ridge": theme.GREEN, "LASSO": theme.VERMILION}
GD_COLOUR, NEWTON_COLOUR = theme.BLUE, theme.VERMILION
CLASS_COLOURS = (theme.BLUE, theme.ORANGE, theme.GREEN, theme.PURPLE, theme.SKY, theme.VERMILION)
# Loss gaps are drawn no lower than this on the log axis (an exact 0 has no logarithm).
GAP_FLOOR = 1e-16


# --------------------------------------------------------------------------------------------- linear


def linear_fits(r: reg.LinearReport) -> go.Figure:
    """Data, the true curve and the least-squares / ridge / LASSO fits at the current λ."""
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=r.grid,
            y=reg.true_function(r.grid),
            mode="lines",
            name="true curve",
            line=dict(color=theme.GREY, dash="dash", width=2),
        )
    )
    fig.add_trace(
        go.Scatter(
            x=r.data.x, y=r.data.y, mode="markers", name="data", marker=dict(color=theme.BLACK, size=8, opacity=0.7)
        )
    )
    for name, curve in r.curves.items():
        fig.add_trace(
            go.Scatter(x=r.grid, y=curve, mode="lines", name=name, line=dict(color=METHOD_COLOURS[name], width=3))
        )
    # an over-fitted polynomial shoots off between points: keep the axis on the data
    low, high = float(r.data.y.min()), float(r.data.y.max())
    margin = 0.4 * (high - low) + 0.2
    fig.update_yaxes(range=[low - margin, high + margin], title="y")
    fig.update_xaxes(title="x")
    fig.update_layout(legend=dict(orientation="h", y=1.02, yanchor="bottom", x=1, xanchor="right"))
    return theme.style(fig, f"Polynomial fits, degree {r.data.degree}, λ = {r.lam:g}", height=430)


def coefficient_paths(r: reg.LinearReport) -> go.Figure:
    """w_1..w_d against λ (log axis): ridge (left) shrinks smoothly, LASSO (right) sets weights to exactly 0."""
    fig = make_subplots(
        rows=1,
        cols=2,
        shared_yaxes=True,
        subplot_titles=("Ridge: every wⱼ shrinks, none is 0", "LASSO: wⱼ hit exactly 0 one by one"),
        horizontal_spacing=0.05,
    )
    degree = r.ridge_path.shape[1]
    for col, path in ((1, r.ridge_path), (2, r.lasso_path)):
        for j in range(degree):
            fig.add_trace(
                go.Scatter(
                    x=r.lambdas,
                    y=path[:, j],
                    mode="lines",
                    name=f"w{j + 1}",
                    legendgroup=f"w{j + 1}",
                    showlegend=col == 1,
                    line=dict(color=theme.CATEGORICAL[j % 6], width=2, dash="solid" if j < 6 else "dot"),
                    hovertemplate=f"w{j + 1}" + " = %{y:.4f} at λ = %{x:.2g}<extra></extra>",
                ),
                row=1,
                col=col,
            )
        fig.add_vline(x=r.lam, line=dict(color=theme.BLACK, dash="dash", width=1.5), row=1, col=col)
    nonzero = int(np.count_nonzero(r.lasso[1:]))
    fig.update_xaxes(type="log", title="λ (log scale)", exponentformat="power")
    fig.update_yaxes(title="coefficient wⱼ", row=1, col=1)
    title = f"Coefficient paths (dashed: current λ; LASSO keeps {nonzero} of {degree} features)"
    return theme.style(fig, title, height=430)


# --------------------------------------------------------------------------------------------- logistic


def logistic_losses(r: reg.LogisticReport) -> go.Figure:
    """J(θ_k) − J* per iteration on a log axis: GD's straight line (linear rate) vs Newton's plunge."""
    fig = go.Figure()
    for name, run, colour in (("gradient descent", r.gd, GD_COLOUR), ("Newton", r.newton, NEWTON_COLOUR)):
        gap = np.maximum(run.losses - r.best_loss, GAP_FLOOR)
        gap = np.where(np.isfinite(gap), gap, np.nan)
        fig.add_trace(
            go.Scatter(
                x=np.arange(len(gap)),
                y=gap,
                mode="lines+markers",
                name=name,
                line=dict(color=colour, width=3),
                marker=dict(size=6 if name == "Newton" else 3),
            )
        )
    fig.update_yaxes(type="log", title="J(θₖ) − J*", exponentformat="power")
    fig.update_xaxes(title="iteration k")
    fig.update_layout(legend=dict(orientation="h", y=1.02, yanchor="bottom", x=1, xanchor="right"))
    return theme.style(fig, "Loss gap per iteration (log scale)", height=420)


def _clip_path(thetas: np.ndarray, t1: np.ndarray, t2: np.ndarray) -> np.ndarray:
    """Points of a diverging path far outside the contour window are not drawn (NaN breaks the line)."""
    pts = thetas[:, 1:].astype(float).copy()
    span1, span2 = t1[-1] - t1[0], t2[-1] - t2[0]
    far = (
        (pts[:, 0] < t1[0] - span1)
        | (pts[:, 0] > t1[-1] + span1)
        | (pts[:, 1] < t2[0] - span2)
        | (pts[:, 1] > t2[-1] + span2)
        | ~np.all(np.isfinite(pts), axis=1)
    )
    pts[far] = np.nan
    return pts


def logistic_paths(r: reg.LogisticReport) -> go.Figure:
    """(θ1, θ2) after each step of GD and Newton over the contours of J (θ0 fixed at Newton's final θ0)."""
    fig = go.Figure()
    fig.add_trace(
        go.Contour(
            x=r.contour_t1,
            y=r.contour_t2,
            z=np.log10(r.contour_loss),
            colorscale=theme.SEQUENTIAL,
            reversescale=True,
            ncontours=25,
            contours=dict(coloring="lines"),
            line=dict(width=1.2),
            showscale=False,
            name="log₁₀ J",
            hovertemplate="θ1 = %{x:.2f}, θ2 = %{y:.2f}<br>log₁₀ J = %{z:.3f}<extra></extra>",
        )
    )
    for name, run, colour, size in (("gradient descent", r.gd, GD_COLOUR, 4), ("Newton", r.newton, NEWTON_COLOUR, 9)):
        pts = _clip_path(run.thetas, r.contour_t1, r.contour_t2)
        fig.add_trace(
            go.Scatter(
                x=pts[:, 0],
                y=pts[:, 1],
                mode="lines+markers",
                name=name,
                line=dict(color=colour, width=2.5),
                marker=dict(color=colour, size=size),
            )
        )
    start = r.gd.thetas[0]
    fig.add_trace(
        go.Scatter(
            x=[start[1]],
            y=[start[2]],
            mode="markers",
            name="start",
            marker=dict(color=theme.BLACK, size=13, symbol="x"),
        )
    )
    fig.update_xaxes(title="θ1", range=[r.contour_t1[0], r.contour_t1[-1]])
    fig.update_yaxes(title="θ2", range=[r.contour_t2[0], r.contour_t2[-1]])
    fig.update_layout(legend=dict(orientation="h", y=1.02, yanchor="bottom", x=1, xanchor="right"))
    return theme.style(fig, "Paths over the contours of J", height=420)


def _class_scatter(fig: go.Figure, x1: np.ndarray, x2: np.ndarray, labels: np.ndarray, **kw) -> None:
    for k in np.unique(labels):
        mask = labels == k
        fig.add_trace(
            go.Scatter(
                x=x1[mask],
                y=x2[mask],
                mode="markers",
                name=f"class {int(k)}",
                marker=dict(color=CLASS_COLOURS[int(k) % 6], size=9, line=dict(color="white", width=1)),
            ),
            **kw,
        )


def logistic_boundary(r: reg.LogisticReport) -> go.Figure:
    """The data and the line θ0 + θ1 x1 + θ2 x2 = 0 (h = ½) of each method's final θ."""
    X, y = r.data.X, r.data.y
    fig = go.Figure()
    _class_scatter(fig, X[:, 1], X[:, 2], y.astype(int))
    low = X[:, 1:].min(axis=0) - 0.5
    high = X[:, 1:].max(axis=0) + 0.5
    x1 = np.linspace(low[0], high[0], 50)
    for name, run, colour, dash in (
        ("GD boundary", r.gd, GD_COLOUR, "solid"),
        ("Newton boundary", r.newton, NEWTON_COLOUR, "dash"),
    ):
        t0, t1, t2 = run.thetas[-1]
        if not np.all(np.isfinite(run.thetas[-1])) or abs(t2) < 1e-12:
            continue
        # θ0 + θ1 x1 + θ2 x2 = 0  ⇔  x2 = −(θ0 + θ1 x1)/θ2
        fig.add_trace(
            go.Scatter(
                x=x1, y=-(t0 + t1 * x1) / t2, mode="lines", name=name, line=dict(color=colour, width=3, dash=dash)
            )
        )
    fig.update_xaxes(title="x1", range=[low[0], high[0]])
    fig.update_yaxes(title="x2", range=[low[1], high[1]])
    fig.update_layout(legend=dict(orientation="h", y=1.02, yanchor="bottom", x=1, xanchor="right"))
    return theme.style(fig, "Decision boundary h(x) = ½", height=420)


# --------------------------------------------------------------------------------------------- softmax


def softmax_regions(r: reg.SoftmaxReport) -> go.Figure:
    """Decision regions argmax_k p̂_k (colour, fading where the winning p̂_k is low) and the data; loss curve."""
    fig = make_subplots(
        rows=1,
        cols=2,
        column_widths=[0.62, 0.38],
        subplot_titles=("Decision regions argmaxₖ p̂ₖ", "J(Θ) per iteration"),
        horizontal_spacing=0.1,
    )
    classes = r.Theta.shape[1]
    # a discrete colour scale: class k gets CLASS_COLOURS[k] on [k/K, (k+1)/K]
    scale = []
    for k in range(classes):
        scale += [[k / classes, CLASS_COLOURS[k % 6]], [(k + 1) / classes, CLASS_COLOURS[k % 6]]]
    fig.add_trace(
        go.Heatmap(
            x=r.grid_x1,
            y=r.grid_x2,
            z=r.grid_class + 0.5,
            zmin=0,
            zmax=classes,
            colorscale=scale,
            opacity=0.3,
            showscale=False,
            customdata=r.grid_confidence,
            hovertemplate="class %{z:.0f}, max p̂ = %{customdata:.2f}<extra></extra>",
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Contour(
            x=r.grid_x1,
            y=r.grid_x2,
            z=r.grid_confidence,
            contours=dict(coloring="lines", start=0.5, end=0.9, size=0.2, showlabels=True),
            line=dict(color=theme.GREY, width=1),
            colorscale=[[0, theme.GREY], [1, theme.GREY]],
            showscale=False,
            hoverinfo="skip",
            name="max p̂",
        ),
        row=1,
        col=1,
    )
    _class_scatter(fig, r.X[:, 1], r.X[:, 2], r.labels, row=1, col=1)
    fig.add_trace(
        go.Scatter(
            x=np.arange(len(r.losses)),
            y=r.losses,
            mode="lines",
            name="J(Θ)",
            line=dict(color=theme.BLACK, width=3),
            showlegend=False,
        ),
        row=1,
        col=2,
    )
    fig.update_xaxes(title="x1", range=[r.grid_x1[0], r.grid_x1[-1]], row=1, col=1)
    fig.update_yaxes(title="x2", range=[r.grid_x2[0], r.grid_x2[-1]], row=1, col=1)
    fig.update_xaxes(title="iteration", row=1, col=2)
    fig.update_yaxes(title="cross-entropy", row=1, col=2)
    return theme.style(fig, f"Softmax regression, K = {classes} (grey lines: max p̂ = 0.5, 0.7, 0.9)", height=460)


# --------------------------------------------------------------------------------------------- naive Bayes


def nb_likelihood_table(model: reg.NaiveBayesModel, message: reg.Message) -> go.Figure:
    """P(x_i|C_k) per class (rows) and word (columns), with the count N_{x_i,C_k}; the message's words boxed."""
    classes, words = list(reg.NB_CLASSES), list(reg.NB_VOCABULARY)
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


def nb_posterior_bars(model: reg.NaiveBayesModel, message: reg.Message, result: reg.NaiveBayesPosterior) -> go.Figure:
    """Left: the factors P(C_k) and P(x_i|C_k) of each class (a 0 marked); right: the posterior P(C_k|x)."""
    fig = make_subplots(
        rows=1,
        cols=2,
        column_widths=[0.65, 0.35],
        subplot_titles=("Factors of P(Cₖ) ∏ P(xᵢ|Cₖ)", "Posterior P(Cₖ|x)"),
        horizontal_spacing=0.1,
    )
    labels = ["prior", *message.words]
    index = {w: i for i, w in enumerate(reg.NB_VOCABULARY)}
    for k, name in enumerate(reg.NB_CLASSES):
        factors = [model.priors[k], *[model.likelihoods[k, index[w]] for w in message.words]]
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
            x=list(reg.NB_CLASSES),
            y=shown,
            marker_color=[CLASS_COLOURS[k] for k in range(len(reg.NB_CLASSES))],
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

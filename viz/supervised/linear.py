"""Linear-regression figures: the fitted curves and the ridge/LASSO coefficient paths (sheet 3)."""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.supervised.linear import LinearReport
from viz import theme

METHOD_COLOURS = {"least squares": theme.BLUE, "ridge": theme.GREEN, "LASSO": theme.VERMILION}


def linear_fits(r: LinearReport) -> go.Figure:
    """Data, the true curve and the least-squares / ridge / LASSO fits at the current λ."""
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=r.grid,
            y=r.true_curve,
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


def coefficient_paths(r: LinearReport) -> go.Figure:
    """w_1..w_d against λ (log axis): ridge (left) shrinks smoothly, LASSO (right) sets weights to exactly 0."""
    fig = make_subplots(
        rows=1,
        cols=2,
        shared_yaxes=True,
        subplot_titles=("Ridge: every wⱼ shrinks, none is 0", "LASSO: wⱼ hit exactly 0 one by one"),
        horizontal_spacing=0.08,  # room between the left panel's last λ label and the right panel's first
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
    fig.update_xaxes(**theme.log_axis(r.lambdas, (theme.MAIN_COLUMN_PX - 150) / 2), title="λ (log scale)")
    fig.update_yaxes(title="coefficient wⱼ", row=1, col=1)
    title = f"Coefficient paths (dashed: current λ; LASSO keeps {r.lasso_nonzero} of {degree} features)"
    return theme.style(fig, title, height=430)

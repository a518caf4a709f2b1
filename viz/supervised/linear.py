"""Linear-regression figures: the fitted curves and the ridge/LASSO coefficient paths (sheet 3)."""

from __future__ import annotations

import plotly.graph_objects as go

from core.supervised.linear import LinearReport
from viz import plain, theme
from viz.supervised.common import click_grid

METHOD_COLOURS = {"least squares": theme.BLUE, "ridge": theme.GREEN, "LASSO": theme.VERMILION}


def linear_fits(r: LinearReport, *, clickable: bool = False) -> go.Figure:
    """Data, the true curve (generated data only) and the least-squares / ridge / LASSO fits at the current λ, in
    the data's own units. ``clickable`` lays the click grid over the view (to add points)."""
    data = r.data
    grid_x = data.shown_x(r.grid)
    traces = []
    if r.true_curve is not None:
        traces.append(
            dict(
                type="scatter",
                x=grid_x,
                y=r.true_curve,
                mode="lines",
                name="true curve",
                line=dict(color=theme.GREY, dash="dash", width=2),
            )
        )
    points_y = data.y_scale * data.y
    traces.append(
        dict(
            type="scatter",
            x=data.shown_x(data.x),
            y=points_y,
            mode="markers",
            name="data",
            marker=dict(color=theme.BLACK, size=8, opacity=0.7),
        )
    )
    for name, curve in r.curves.items():
        traces.append(
            dict(
                type="scatter",
                x=grid_x,
                y=data.y_scale * curve,
                mode="lines",
                name=name,
                line=dict(color=METHOD_COLOURS[name], width=3),
            )
        )
    # an over-fitted polynomial shoots off between points: keep the axis on the data
    low, high = float(points_y.min()), float(points_y.max())
    margin = 0.4 * (high - low) + 0.2 * data.y_scale
    y_range = [low - margin, high + margin]
    xaxis: dict = dict(title=dict(text="x"))
    if clickable:
        pad = 0.08 * (grid_x[-1] - grid_x[0])
        x_range = [float(grid_x[0] - pad), float(grid_x[-1] + pad)]
        xaxis["range"] = x_range
        traces.append(click_grid(x_range, y_range))
    return plain.figure(
        traces,
        plain.layout(
            f"Polynomial fits, degree {data.degree}, λ = {r.lam:g}",
            430,
            xaxis=xaxis,
            yaxis=dict(range=y_range, title=dict(text="y")),
            legend=dict(orientation="h", y=1.02, yanchor="bottom", x=1, xanchor="right"),
            **(dict(clickmode="event+select", dragmode=False) if clickable else {}),
        ),
    )


def coefficient_paths(r: LinearReport) -> go.Figure:
    """w_1..w_d against λ (log axis): ridge (left) shrinks smoothly, LASSO (right) sets weights to exactly 0."""
    title = f"Coefficient paths (dashed: current λ; LASSO keeps {r.lasso_nonzero} of {r.ridge_path.shape[1]} features)"
    layout = plain.subplots_layout(
        title,
        430,
        rows=1,
        cols=2,
        shared_yaxes=True,
        subplot_titles=("Ridge: every wⱼ shrinks, none is 0", "LASSO: wⱼ hit exactly 0 one by one"),
        horizontal_spacing=0.08,  # room between the left panel's last λ label and the right panel's first
    )
    degree = r.ridge_path.shape[1]
    traces, shapes = [], []
    for col, path in ((1, r.ridge_path), (2, r.lasso_path)):
        axis = "" if col == 1 else str(col)
        for j in range(degree):
            traces.append(
                dict(
                    type="scatter",
                    x=r.lambdas,
                    y=path[:, j],
                    mode="lines",
                    name=f"w{j + 1}",
                    legendgroup=f"w{j + 1}",
                    showlegend=col == 1,
                    line=dict(color=theme.CATEGORICAL[j % 6], width=2, dash="solid" if j < 6 else "dot"),
                    hovertemplate=f"w{j + 1}" + " = %{y:.4f} at λ = %{x:.2g}<extra></extra>",
                    xaxis=f"x{axis}",
                    yaxis=f"y{axis}",
                )
            )
        shapes.append(
            plain.vline(r.lam, dict(color=theme.BLACK, dash="dash", width=1.5), f"x{axis}", f"y{axis} domain")
        )
    layout["shapes"] = shapes
    plain.update_axes(
        layout, "x", **theme.log_axis(r.lambdas, (theme.MAIN_COLUMN_PX - 150) / 2), title=dict(text="λ (log scale)")
    )
    plain.merge(layout["yaxis"], dict(title=dict(text="coefficient wⱼ")))
    return plain.figure(traces, layout)

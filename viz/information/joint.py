"""Joint-table figures: P(X, Y) with marginals, conditional-entropy terms, the chain rule (sheet 2.2 d)."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

from core.information.joint import JointReport
from viz import plain, theme
from viz.information.text import outcome_labels, unit_name, variable_title


def joint_heatmap(
    report: JointReport,
    x_names: Sequence[str] | None = None,
    y_names: Sequence[str] | None = None,
    x_title: str | None = None,
    y_title: str | None = None,
) -> go.Figure:
    """P(x, y) as a heatmap with its numbers, the marginal P(y) above and P(x) at the right; rows and columns are
    named by the data's own names (``x_names``, ``y_names``; x1…, y1… without) and the axes by X's and Y's."""
    nx, ny = report.joint.shape
    xs, ys = outcome_labels(nx, "x", x_names), outcome_labels(ny, "y", y_names)
    # the grid's axes: (row 1, col 1) x/y: P(y) · (2, 1) x3/y3: the table · (2, 2) x4/y4: P(x)
    layout = plain.subplots_layout(
        "P(X, Y) and its marginals",
        max(380, 110 + 70 * nx),
        rows=2,
        cols=2,
        column_widths=[0.78, 0.22],
        row_heights=[0.25, 0.75],
        shared_xaxes=True,
        shared_yaxes=True,
        horizontal_spacing=0.02,
        vertical_spacing=0.03,
    )
    traces = [
        dict(
            type="heatmap",
            z=report.joint,
            x=ys,
            y=xs,
            colorscale=plain.colorscale(theme.SEQUENTIAL),
            zmin=0,
            showscale=False,
            text=[[f"{v:.3f}" for v in row] for row in report.joint],
            texttemplate="%{text}",
            textfont=dict(size=16),
            hovertemplate="P(%{y}, %{x}) = %{z:.4f}<extra></extra>",
            xaxis="x3",
            yaxis="y3",
        ),
        dict(
            type="bar",
            x=ys,
            y=report.p_y,
            marker=dict(color=theme.ORANGE),
            text=[f"{v:.2f}" for v in report.p_y],
            textposition="outside",
            name="P(y)",
            xaxis="x",
            yaxis="y",
        ),
        dict(
            type="bar",
            y=xs,
            x=report.p_x,
            orientation="h",
            marker=dict(color=theme.BLUE),
            text=[f"{v:.2f}" for v in report.p_x],
            textposition="outside",
            name="P(x)",
            xaxis="x4",
            yaxis="y4",
        ),
    ]
    # category axes: names such as "0" and "1" from observations are values, not positions on a number line
    for axis in ("xaxis", "xaxis3", "yaxis3", "yaxis4"):
        plain.merge(layout[axis], dict(type="category"))
    plain.merge(layout["yaxis3"], dict(autorange="reversed", title=dict(text=variable_title("X", x_title))))
    plain.merge(layout["yaxis"], dict(range=[0, 1.3], showticklabels=False))
    plain.merge(layout["xaxis4"], dict(range=[0, 1.7], showticklabels=False))
    plain.merge(layout["xaxis3"], dict(title=dict(text=variable_title("Y", y_title))))
    layout["annotations"] = [
        *layout.get("annotations", []),
        dict(text="P(y) ↑", xref="paper", yref="paper", x=1.0, y=0.9, showarrow=False, xanchor="right"),
        dict(text="P(x) →", xref="paper", yref="paper", x=1.0, y=0.8, showarrow=False, xanchor="right"),
    ]
    layout["showlegend"] = False
    return plain.figure(traces, layout)


def conditional_terms(report: JointReport, x_names: Sequence[str] | None = None) -> go.Figure:
    """Per x: H(Y|X=x) against H(Y), and the weighted terms P(x) H(Y|X=x) stacked into H(Y|X); the values x are
    named by ``x_names`` (x1, x2, … without)."""
    unit = unit_name(report.base)
    xs = outcome_labels(report.joint.shape[0], "x", x_names)
    weighted = report.h_y_given_x_terms
    layout = plain.subplots_layout(
        None,
        400,
        rows=1,
        cols=2,
        column_widths=[0.6, 0.4],
        # the dashed line is named in the title: a label on the line would sit on a y tick whenever H(Y) is
        # near one (0.922 right beside "1") or on a bar
        subplot_titles=(
            f"H(Y|X=x) per x; dashed: H(Y) = {report.h_y:.3f} [{unit}]",
            f"H(Y|X) = ∑ P(x) H(Y|X=x) [{unit}]",
        ),
    )
    above = report.h_y_given_x_each > report.h_y + 1e-12
    traces = [
        dict(
            type="bar",
            x=xs,
            y=report.h_y_given_x_each,
            marker=dict(color=[theme.VERMILION if a else theme.BLUE for a in above]),
            text=[f"{v:.3f}" for v in report.h_y_given_x_each],
            textposition="outside",
            name="H(Y|X=x)",
            hovertemplate="H(Y|X=%{x}) = %{y:.4f}<extra></extra>",
            xaxis="x",
            yaxis="y",
        )
    ]
    for i, (x, w) in enumerate(zip(xs, weighted)):
        traces.append(
            dict(
                type="bar",
                x=["H(Y|X)"],
                y=[w],
                name=x,
                marker=dict(color=theme.CATEGORICAL[i % len(theme.CATEGORICAL)]),
                text=[f"{x}: {w:.3f}" if w > 0.03 * max(report.h_y_given_x, 1e-9) else ""],
                textposition="inside",
                # hover text, not a template: a name of the user's data may hold "%{"
                hovertext=[f"P({x}) H(Y|X={x}) = {report.p_x[i]:.3f} × {report.h_y_given_x_each[i]:.3f} = {w:.4f}"],
                hoverinfo="text",
                xaxis="x2",
                yaxis="y2",
            )
        )
    traces.append(
        dict(
            type="bar",
            x=["H(Y)"],
            y=[report.h_y],
            marker=dict(color=theme.GREY),
            text=[f"{report.h_y:.3f}"],
            textposition="inside",
            name="H(Y)",
            xaxis="x2",
            yaxis="y2",
        )
    )
    layout["shapes"] = [plain.hline(report.h_y, dict(color=theme.BLACK, dash="dash", width=2))]
    top = max(float(report.h_y_given_x_each.max()), report.h_y, 0.1) * 1.25
    plain.merge(layout["yaxis"], dict(range=[0, top]))
    plain.merge(layout["yaxis2"], dict(range=[0, top]))
    plain.merge(layout["xaxis"], dict(type="category"))
    layout.update(barmode="stack", showlegend=False)
    return plain.figure(traces, layout)


def chain_rule_bars(report: JointReport) -> go.Figure:
    """H(X,Y) = H(X) + H(Y|X) = H(Y) + H(X|Y) as three stacked horizontal bars of equal total length."""
    unit = unit_name(report.base)
    rows = ["H(X,Y)", "H(X) + H(Y|X)", "H(Y) + H(X|Y)"]
    segments = [
        ("H(X,Y)", [report.h_xy, 0, 0], theme.PURPLE),
        ("H(X)", [0, report.h_x, 0], theme.BLUE),
        ("H(Y|X)", [0, report.h_y_given_x, 0], theme.SKY),
        ("H(Y)", [0, 0, report.h_y], theme.ORANGE),
        ("H(X|Y)", [0, 0, report.h_x_given_y], theme.YELLOW),
    ]
    traces = [
        dict(
            type="bar",
            y=rows,
            x=values,
            orientation="h",
            name=name,
            marker=dict(color=colour),
            text=[f"{name} {v:.3f}" if v > 0 else "" for v in values],
            textposition="inside",
            insidetextanchor="middle",
        )
        for name, values, colour in segments
    ]
    return plain.figure(
        traces,
        plain.layout(
            "Chain rule: all three bars have the same length",
            280,
            barmode="stack",
            showlegend=False,
            yaxis=dict(autorange="reversed"),
            xaxis=dict(title=dict(text=unit)),
        ),
    )

"""Mutual-information figures: a Venn diagram true to the areas and the sheet's bracket bar (sheet 2.5)."""

from __future__ import annotations

import plotly.graph_objects as go

from core.information.joint import JointReport, VennLayout
from viz import plain, theme
from viz.information.text import unit_name


def venn(report: JointReport, layout: VennLayout) -> go.Figure:
    """Two circles with areas H(X), H(Y) and overlap area I(X;Y) (true to the numbers), regions labelled."""
    r_x, r_y, d = layout.r_x, layout.r_y, layout.distance
    cx, cy = 0.0, d
    shapes = []
    for centre, r, colour in ((cx, r_x, theme.BLUE), (cy, r_y, theme.ORANGE)):
        if r > 0:
            shapes.append(
                dict(
                    type="circle",
                    x0=centre - r,
                    x1=centre + r,
                    y0=-r,
                    y1=r,
                    line=dict(color=colour, width=4),
                    fillcolor=colour,
                    opacity=0.35,
                    layer="below",
                )
            )
    # region label positions: the middle of the non-overlapping part of each circle and of the lens
    left_edge, right_edge = min(cx - r_x, cy - r_y), max(cx + r_x, cy + r_y)
    lens_left, lens_right = max(cx - r_x, cy - r_y), min(cx + r_x, cy + r_y)
    lens_mid = (lens_left + lens_right) / 2 if lens_right > lens_left else (cx + r_x + cy - r_y) / 2
    x_only = (cx - r_x + lens_left) / 2 if r_x > 0 else cx
    y_only = (lens_right + cy + r_y) / 2 if r_y > 0 else cy
    span = max(right_edge - left_edge, 1e-6)
    labels = [
        (x_only, 0, f"H(X|Y)<br>{report.h_x_given_y:.3f}"),
        (lens_mid, 0, f"I(X;Y)<br>{report.mutual_information:.3f}"),
        (y_only, 0, f"H(Y|X)<br>{report.h_y_given_x:.3f}"),
    ]
    traces = [
        dict(
            type="scatter",
            x=[p[0] for p in labels],
            y=[p[1] for p in labels],
            mode="text",
            text=[p[2] for p in labels],
            textfont=dict(size=16, color=theme.BLACK),
            hoverinfo="skip",
        )
    ]
    top = max(r_x, r_y, 1e-6)
    # circle names above each circle, anchored away from each other so they never collide
    annotations = [
        dict(
            x=cx,
            y=r_x,
            text=f"H(X) = {report.h_x:.3f}",
            showarrow=False,
            xanchor="right",
            yanchor="bottom",
            yshift=6,
            font=dict(size=17, color=theme.BLUE),
        ),
        dict(
            x=cy,
            y=r_y,
            text=f"H(Y) = {report.h_y:.3f}",
            showarrow=False,
            xanchor="left",
            yanchor="bottom",
            yshift=6,
            font=dict(size=17, color=theme.VERMILION),
        ),
    ]
    pad = 0.12 * span
    unit = unit_name(report.base)
    return plain.figure(
        traces,
        plain.layout(
            f"Venn diagram, areas true to the numbers [{unit}]",
            440,
            shapes=shapes,
            annotations=annotations,
            xaxis=dict(range=[left_edge - pad, right_edge + pad], visible=False),
            yaxis=dict(range=[-top * 1.15, top * 1.35], visible=False, scaleanchor="x", scaleratio=1),
            showlegend=False,
        ),
    )


def venn_bar(report: JointReport) -> go.Figure:
    """The sheet's bracket picture H(X,Y) = {H(X|Y) [I(X;Y)] H(Y|X)} as one stacked bar, H(X), H(Y) as brackets."""
    parts = [
        ("H(X|Y)", report.h_x_given_y, theme.BLUE),
        ("I(X;Y)", report.mutual_information, theme.GREEN),
        ("H(Y|X)", report.h_y_given_x, theme.ORANGE),
    ]
    traces = [
        dict(
            type="bar",
            y=["H(X,Y)"],
            x=[value],
            orientation="h",
            name=name,
            marker=dict(color=colour),
            text=[f"{name} {value:.3f}" if value > 0.02 else ""],
            textposition="inside",
            insidetextanchor="middle",
        )
        for name, value, colour in parts
    ]
    traces += [
        dict(
            type="bar",
            y=["H(X)"],
            x=[report.h_x],
            orientation="h",
            marker=dict(color=theme.SKY),
            text=[f"H(X) {report.h_x:.3f}"],
            textposition="inside",
            name="H(X)",
        ),
        dict(
            type="bar",
            y=["H(Y)"],
            x=[report.h_x_given_y],
            orientation="h",
            marker=dict(color="rgba(0,0,0,0)"),
            showlegend=False,
            hoverinfo="skip",
        ),
        dict(
            type="bar",
            y=["H(Y)"],
            x=[report.h_y],
            orientation="h",
            marker=dict(color=theme.YELLOW),
            text=[f"H(Y) {report.h_y:.3f}"],
            textposition="inside",
            name="H(Y)",
        ),
    ]
    return plain.figure(
        traces,
        plain.layout(
            "H(X,Y) = H(X|Y) + I(X;Y) + H(Y|X)",
            260,
            barmode="stack",
            showlegend=False,
            yaxis=dict(categoryorder="array", categoryarray=["H(Y)", "H(X)", "H(X,Y)"]),
            xaxis=dict(title=dict(text=unit_name(report.base))),
        ),
    )

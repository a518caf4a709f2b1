"""Information-theory figures: entropy curves and bars, joint-table heatmaps, true-area Venn diagrams,
divergence bars (with ∞ drawn as a marked, capped bar), Gaussian KL Monte-Carlo, Jensen and MLE curves.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core import information as info
from viz import theme

# An infinite divergence is drawn as a hatched bar this many times the largest finite value, labelled ∞.
INFINITY_DRAW_FACTOR = 1.6


def _labels(n: int, symbol: str = "x") -> list[str]:
    return [f"{symbol}{i + 1}" for i in range(n)]


def _fmt(v: float) -> str:
    return info.format_value(v)


def _drawn(values: list[float]) -> tuple[list[float], list[bool]]:
    """Finite values as they are; infinite ones capped at INFINITY_DRAW_FACTOR × the largest finite value."""
    finite = [v for v in values if math.isfinite(v)]
    cap = INFINITY_DRAW_FACTOR * max([*finite, 0.5])
    return [v if math.isfinite(v) else cap for v in values], [not math.isfinite(v) for v in values]


# --------------------------------------------------------------------------------------------- entropy


def binary_entropy_curve(p_current: float, base: float) -> go.Figure:
    """H(p) on [0, 1] with its maximum at p = 0.5 and the current p marked."""
    unit = info.unit_name(base)
    grid = np.linspace(0, 1, 401)
    h = info.binary_entropy(grid, base)
    h_now = float(info.binary_entropy(p_current, base))
    h_max = float(info.binary_entropy(0.5, base))
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


def distribution_with_surprisal(p: np.ndarray, base: float) -> go.Figure:
    """Bars P(x_i) and next to them each term −P(x_i) log P(x_i) of the entropy sum."""
    unit = info.unit_name(base)
    labels = _labels(p.size)
    terms = info.surprisal_terms(p, base)
    fig = make_subplots(rows=1, cols=2, subplot_titles=("P(x)", f"−P(x) log P(x) [{unit}]  (sum = H)"))
    fig.add_trace(
        go.Bar(x=labels, y=p, marker_color=theme.BLUE, text=[f"{v:.2f}" for v in p], textposition="outside"), 1, 1
    )
    fig.add_trace(
        go.Bar(x=labels, y=terms, marker_color=theme.ORANGE, text=[f"{v:.3f}" for v in terms], textposition="outside"),
        1,
        2,
    )
    fig.update_yaxes(range=[0, 1.15], row=1, col=1)
    fig.update_yaxes(range=[0, max(terms.max(), 0.1) * 1.25], row=1, col=2)
    fig.update_layout(showlegend=False)
    return theme.style(fig, None, height=360)


def entropy_vs_bound(h: float, bound: float, base: float) -> go.Figure:
    """H(X) as a bar against the bound log_b|X| (the uniform distribution's entropy)."""
    unit = info.unit_name(base)
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


# --------------------------------------------------------------------------------------------- joint tables


def joint_heatmap(report: info.JointReport) -> go.Figure:
    """P(x, y) as a heatmap with its numbers, the marginal P(y) above and P(x) at the right."""
    nx, ny = report.joint.shape
    xs, ys = _labels(nx, "x"), _labels(ny, "y")
    fig = make_subplots(
        rows=2,
        cols=2,
        column_widths=[0.78, 0.22],
        row_heights=[0.25, 0.75],
        shared_xaxes=True,
        shared_yaxes=True,
        horizontal_spacing=0.02,
        vertical_spacing=0.03,
    )
    fig.add_trace(
        go.Heatmap(
            z=report.joint,
            x=ys,
            y=xs,
            colorscale=theme.SEQUENTIAL,
            zmin=0,
            showscale=False,
            text=[[f"{v:.3f}" for v in row] for row in report.joint],
            texttemplate="%{text}",
            textfont=dict(size=16),
            hovertemplate="P(%{y}, %{x}) = %{z:.4f}<extra></extra>",
        ),
        2,
        1,
    )
    fig.add_trace(
        go.Bar(
            x=ys,
            y=report.p_y,
            marker_color=theme.ORANGE,
            text=[f"{v:.2f}" for v in report.p_y],
            textposition="outside",
            name="P(y)",
        ),
        1,
        1,
    )
    fig.add_trace(
        go.Bar(
            y=xs,
            x=report.p_x,
            orientation="h",
            marker_color=theme.BLUE,
            text=[f"{v:.2f}" for v in report.p_x],
            textposition="outside",
            name="P(x)",
        ),
        2,
        2,
    )
    fig.update_yaxes(autorange="reversed", row=2, col=1)
    fig.update_yaxes(range=[0, 1.3], showticklabels=False, row=1, col=1)
    fig.update_xaxes(range=[0, 1.7], showticklabels=False, row=2, col=2)
    fig.update_xaxes(title="Y", row=2, col=1)
    fig.update_yaxes(title="X", row=2, col=1)
    fig.add_annotation(text="P(y) ↑", xref="paper", yref="paper", x=1.0, y=0.9, showarrow=False, xanchor="right")
    fig.add_annotation(text="P(x) →", xref="paper", yref="paper", x=1.0, y=0.8, showarrow=False, xanchor="right")
    fig.update_layout(showlegend=False)
    return theme.style(fig, "P(X, Y) and its marginals", height=max(380, 110 + 70 * nx))


def conditional_terms(report: info.JointReport) -> go.Figure:
    """Per x: H(Y|X=x) against H(Y), and the weighted terms P(x) H(Y|X=x) stacked into H(Y|X)."""
    unit = info.unit_name(report.base)
    xs = _labels(report.joint.shape[0], "x")
    weighted = report.p_x * report.h_y_given_x_each
    fig = make_subplots(
        rows=1,
        cols=2,
        column_widths=[0.6, 0.4],
        subplot_titles=(f"H(Y|X=x) per x vs H(Y) [{unit}]", f"H(Y|X) = ∑ P(x) H(Y|X=x) [{unit}]"),
    )
    above = report.h_y_given_x_each > report.h_y + 1e-12
    fig.add_trace(
        go.Bar(
            x=xs,
            y=report.h_y_given_x_each,
            marker_color=[theme.VERMILION if a else theme.BLUE for a in above],
            text=[f"{v:.3f}" for v in report.h_y_given_x_each],
            textposition="outside",
            name="H(Y|X=x)",
            hovertemplate="H(Y|X=%{x}) = %{y:.4f}<extra></extra>",
        ),
        1,
        1,
    )
    fig.add_hline(y=report.h_y, line=dict(color=theme.BLACK, dash="dash", width=2), row=1, col=1)
    fig.add_annotation(
        text=f"H(Y) = {report.h_y:.3f}",
        x=0,
        xref="x domain",
        y=report.h_y,
        yref="y",
        showarrow=False,
        yshift=12,
        xanchor="left",
        bgcolor="rgba(255,255,255,0.85)",
    )
    for i, (x, w) in enumerate(zip(xs, weighted)):
        fig.add_trace(
            go.Bar(
                x=["H(Y|X)"],
                y=[w],
                name=x,
                marker_color=theme.CATEGORICAL[i % len(theme.CATEGORICAL)],
                text=[f"{x}: {w:.3f}" if w > 0.03 * max(report.h_y_given_x, 1e-9) else ""],
                textposition="inside",
                hovertemplate=f"P({x}) H(Y|X={x}) = {report.p_x[i]:.3f} × {report.h_y_given_x_each[i]:.3f} "
                f"= {w:.4f}<extra></extra>",
            ),
            1,
            2,
        )
    fig.add_trace(
        go.Bar(
            x=["H(Y)"],
            y=[report.h_y],
            marker_color=theme.GREY,
            text=[f"{report.h_y:.3f}"],
            textposition="inside",
            name="H(Y)",
        ),
        1,
        2,
    )
    top = max(float(report.h_y_given_x_each.max()), report.h_y, 0.1) * 1.25
    fig.update_yaxes(range=[0, top], row=1, col=1)
    fig.update_yaxes(range=[0, top], row=1, col=2)
    fig.update_layout(barmode="stack", showlegend=False)
    return theme.style(fig, None, height=400)


def chain_rule_bars(report: info.JointReport) -> go.Figure:
    """H(X,Y) = H(X) + H(Y|X) = H(Y) + H(X|Y) as three stacked horizontal bars of equal total length."""
    unit = info.unit_name(report.base)
    rows = ["H(X,Y)", "H(X) + H(Y|X)", "H(Y) + H(X|Y)"]
    fig = go.Figure()
    segments = [
        ("H(X,Y)", [report.h_xy, 0, 0], theme.PURPLE),
        ("H(X)", [0, report.h_x, 0], theme.BLUE),
        ("H(Y|X)", [0, report.h_y_given_x, 0], theme.SKY),
        ("H(Y)", [0, 0, report.h_y], theme.ORANGE),
        ("H(X|Y)", [0, 0, report.h_x_given_y], theme.YELLOW),
    ]
    for name, values, colour in segments:
        fig.add_trace(
            go.Bar(
                y=rows,
                x=values,
                orientation="h",
                name=name,
                marker_color=colour,
                text=[f"{name} {v:.3f}" if v > 0 else "" for v in values],
                textposition="inside",
                insidetextanchor="middle",
            )
        )
    fig.update_layout(barmode="stack", showlegend=False)
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title=unit)
    return theme.style(fig, "Chain rule: all three bars have the same length", height=280)


def venn(report: info.JointReport, layout: info.VennLayout) -> go.Figure:
    """Two circles with areas H(X), H(Y) and overlap area I(X;Y) (true to the numbers), regions labelled."""
    r_x, r_y, d = layout.r_x, layout.r_y, layout.distance
    cx, cy = 0.0, d
    fig = go.Figure()
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
    fig.update_layout(shapes=shapes)
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
    fig.add_trace(
        go.Scatter(
            x=[p[0] for p in labels],
            y=[p[1] for p in labels],
            mode="text",
            text=[p[2] for p in labels],
            textfont=dict(size=16, color=theme.BLACK),
            hoverinfo="skip",
        )
    )
    top = max(r_x, r_y, 1e-6)
    # circle names above each circle, anchored away from each other so they never collide
    fig.add_annotation(
        x=cx,
        y=r_x,
        text=f"H(X) = {report.h_x:.3f}",
        showarrow=False,
        xanchor="right",
        yanchor="bottom",
        yshift=6,
        font=dict(size=17, color=theme.BLUE),
    )
    fig.add_annotation(
        x=cy,
        y=r_y,
        text=f"H(Y) = {report.h_y:.3f}",
        showarrow=False,
        xanchor="left",
        yanchor="bottom",
        yshift=6,
        font=dict(size=17, color=theme.VERMILION),
    )
    pad = 0.12 * span
    fig.update_xaxes(range=[left_edge - pad, right_edge + pad], visible=False)
    fig.update_yaxes(range=[-top * 1.15, top * 1.35], visible=False, scaleanchor="x", scaleratio=1)
    fig.update_layout(showlegend=False)
    unit = info.unit_name(report.base)
    return theme.style(fig, f"Venn diagram, areas true to the numbers [{unit}]", height=440)


def venn_bar(report: info.JointReport) -> go.Figure:
    """The sheet's bracket picture H(X,Y) = {H(X|Y) [I(X;Y)] H(Y|X)} as one stacked bar, H(X), H(Y) as brackets."""
    fig = go.Figure()
    parts = [
        ("H(X|Y)", report.h_x_given_y, theme.BLUE),
        ("I(X;Y)", report.mutual_information, theme.GREEN),
        ("H(Y|X)", report.h_y_given_x, theme.ORANGE),
    ]
    for name, value, colour in parts:
        fig.add_trace(
            go.Bar(
                y=["H(X,Y)"],
                x=[value],
                orientation="h",
                name=name,
                marker_color=colour,
                text=[f"{name} {value:.3f}" if value > 0.02 else ""],
                textposition="inside",
                insidetextanchor="middle",
            )
        )
    fig.add_trace(
        go.Bar(
            y=["H(X)"],
            x=[report.h_x],
            orientation="h",
            marker_color=theme.SKY,
            text=[f"H(X) {report.h_x:.3f}"],
            textposition="inside",
            name="H(X)",
        )
    )
    fig.add_trace(
        go.Bar(
            y=["H(Y)"],
            x=[report.h_x_given_y],
            orientation="h",
            marker_color="rgba(0,0,0,0)",
            showlegend=False,
            hoverinfo="skip",
        )
    )
    fig.add_trace(
        go.Bar(
            y=["H(Y)"],
            x=[report.h_y],
            orientation="h",
            marker_color=theme.YELLOW,
            text=[f"H(Y) {report.h_y:.3f}"],
            textposition="inside",
            name="H(Y)",
        )
    )
    fig.update_layout(barmode="stack", showlegend=False)
    fig.update_yaxes(categoryorder="array", categoryarray=["H(Y)", "H(X)", "H(X,Y)"])
    fig.update_xaxes(title=info.unit_name(report.base))
    return theme.style(fig, "H(X,Y) = H(X|Y) + I(X;Y) + H(Y|X)", height=260)


# --------------------------------------------------------------------------------------------- divergences


def pair_bars(r: info.PairReport) -> go.Figure:
    """P, Q and M = (P+Q)/2 side by side per outcome; outcomes where P > 0 = Q (KL(P‖Q) = ∞) marked."""
    labels = _labels(r.p.size)
    fig = go.Figure()
    for name, values, colour in (("P", r.p, theme.BLUE), ("Q", r.q, theme.ORANGE), ("M = (P+Q)/2", r.m, theme.GREY)):
        fig.add_trace(
            go.Bar(
                x=labels,
                y=values,
                name=name,
                marker_color=colour,
                text=[f"{v:.2f}" for v in values],
                textposition="outside",
            )
        )
    for i in np.flatnonzero((r.p > 0) & (r.q == 0)):
        fig.add_annotation(
            x=labels[i],
            y=float(r.p[i]) + 0.17,
            text="Q = 0 < P → KL(P‖Q) = ∞",
            font=dict(color=theme.VERMILION, size=14),
            showarrow=False,
        )
    fig.update_yaxes(title="probability", range=[0, min(1.35, float(max(r.p.max(), r.q.max())) + 0.3)])
    fig.update_layout(barmode="group", legend=dict(orientation="h", y=1.12, x=0))
    return theme.style(fig, None, height=380)


def kl_term_bars(r: info.PairReport) -> go.Figure:
    """Per outcome: P(x) log P(x)/Q(x) and Q(x) log Q(x)/P(x); an infinite term drawn capped, hatched and labelled ∞."""
    labels = _labels(r.p.size)
    fig = go.Figure()
    all_terms = [*r.kl_pq_terms.tolist(), *r.kl_qp_terms.tolist()]
    drawn, _ = _drawn(all_terms)
    k = r.p.size
    for name, values, shown, colour in (
        ("P log P/Q  (→ KL(P‖Q))", r.kl_pq_terms, drawn[:k], theme.BLUE),
        ("Q log Q/P  (→ KL(Q‖P))", r.kl_qp_terms, drawn[k:], theme.ORANGE),
    ):
        fig.add_trace(
            go.Bar(
                x=labels,
                y=shown,
                name=name,
                marker_color=colour,
                marker_pattern_shape=["/" if math.isinf(v) else "" for v in values],
                text=[_fmt(v) for v in values],
                textposition="outside",
            )
        )
    fig.add_hline(y=0, line=dict(color=theme.BLACK, width=1))
    fig.update_layout(barmode="group", legend=dict(orientation="h", y=-0.15, x=0))
    fig.update_yaxes(title=info.unit_name(r.base))
    finite = [v for v in drawn]
    fig.update_yaxes(range=[min(min(finite), 0) * 1.3 - 0.05, max(max(finite), 0.1) * 1.3])
    return theme.style(fig, "Per-outcome KL terms", height=380)


def divergence_summary(r: info.PairReport) -> go.Figure:
    """Stacked bars H(P,Q) = H(P) + KL(P‖Q) and H(Q,P) = H(Q) + KL(Q‖P), and JS against its bound log 2."""
    unit = info.unit_name(r.base)
    drawn, infinite = _drawn([r.kl_pq, r.kl_qp])
    rows = ["H(P,Q)", "H(Q,P)", "JS(P‖Q)"]
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            y=rows,
            x=[r.h_p, r.h_q, 0],
            orientation="h",
            name="entropy",
            marker_color=theme.SKY,
            text=[f"H(P) {r.h_p:.3f}", f"H(Q) {r.h_q:.3f}", ""],
            textposition="inside",
            insidetextanchor="middle",
        )
    )
    fig.add_trace(
        go.Bar(
            y=rows,
            x=[*drawn, 0],
            orientation="h",
            name="KL",
            marker_color=theme.VERMILION,
            marker_pattern_shape=["/" if inf else "" for inf in infinite] + [""],
            text=[f"KL(P‖Q) {_fmt(r.kl_pq)}", f"KL(Q‖P) {_fmt(r.kl_qp)}", ""],
            textposition="inside",
            insidetextanchor="middle",
        )
    )
    fig.add_trace(
        go.Bar(
            y=rows,
            x=[0, 0, r.js],
            orientation="h",
            name="JS",
            marker_color=theme.GREEN,
            text=["", "", f"JS {r.js:.3f}"],
            textposition="outside",
        )
    )
    fig.add_shape(
        type="line", x0=r.js_bound, x1=r.js_bound, y0=1.6, y1=2.4, line=dict(color=theme.BLACK, dash="dash", width=3)
    )
    fig.add_annotation(
        x=r.js_bound, y=2.45, text=f"log 2 = {r.js_bound:.3f}", showarrow=False, yanchor="bottom", xanchor="left"
    )
    for i, inf in enumerate(infinite):
        if inf:
            end = (r.h_p, r.h_q)[i] + drawn[i]
            fig.add_annotation(
                x=end,
                y=rows[i],
                text="∞ (capped)",
                showarrow=False,
                xanchor="left",
                xshift=6,
                font=dict(color=theme.VERMILION),
            )
    fig.update_layout(barmode="stack", showlegend=False)
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title=unit)
    return theme.style(fig, "Cross-entropy = entropy + KL;  JS ≤ log 2", height=330)


def gaussian_densities(mu_p: float, sigma_p: float, mu_q: float, sigma_q: float) -> go.Figure:
    """The two densities p = N(μ_p, σ_p²) and q = N(μ_q, σ_q²)."""
    lo = min(mu_p - 4 * sigma_p, mu_q - 4 * sigma_q)
    hi = max(mu_p + 4 * sigma_p, mu_q + 4 * sigma_q)
    x = np.linspace(lo, hi, 400)
    fig = go.Figure()
    for name, mu, sigma, colour in (("p", mu_p, sigma_p, theme.BLUE), ("q", mu_q, sigma_q, theme.ORANGE)):
        density = np.exp(info.gaussian_log_density(x, mu, sigma))
        fig.add_trace(
            go.Scatter(
                x=x, y=density, name=f"{name} = N({mu:g}, {sigma:g}²)", fill="tozeroy", line=dict(color=colour, width=3)
            )
        )
    fig.update_xaxes(title="x")
    fig.update_yaxes(title="density")
    fig.update_layout(legend=dict(orientation="h", y=1.12, x=0))
    return theme.style(fig, None, height=340)


def monte_carlo_kl(mc: info.MonteCarloKL, base: float) -> go.Figure:
    """MC estimates with ±2 standard-error band versus n (log axis) and the closed form; right: |error| vs n."""
    unit = info.unit_name(base)
    n = mc.sample_sizes
    fig = make_subplots(rows=1, cols=2, subplot_titles=(f"estimate vs n [{unit}]", "|error| vs n (log–log)"))
    fig.add_trace(
        go.Scatter(
            x=np.r_[n, n[::-1]],
            y=np.r_[mc.estimates + 2 * mc.standard_errors, (mc.estimates - 2 * mc.standard_errors)[::-1]],
            fill="toself",
            fillcolor="rgba(0,114,178,0.18)",
            line=dict(width=0),
            name="±2 SE",
            hoverinfo="skip",
        ),
        1,
        1,
    )
    fig.add_trace(
        go.Scatter(x=n, y=mc.estimates, mode="lines+markers", name="MC estimate", line=dict(color=theme.BLUE, width=3)),
        1,
        1,
    )
    fig.add_trace(
        go.Scatter(
            x=[n[0], n[-1]],
            y=[mc.exact, mc.exact],
            mode="lines",
            name="closed form",
            line=dict(color=theme.VERMILION, dash="dash", width=3),
        ),
        1,
        1,
    )
    error = np.maximum(np.abs(mc.estimates - mc.exact), 1e-12)
    fig.add_trace(
        go.Scatter(
            x=n, y=error, mode="lines+markers", name="|estimate − exact|", line=dict(color=theme.GREEN, width=3)
        ),
        1,
        2,
    )
    fig.add_trace(
        go.Scatter(
            x=n,
            y=mc.standard_errors,
            mode="lines",
            name="standard error ∝ 1/√n",
            line=dict(color=theme.GREY, dash="dot", width=3),
        ),
        1,
        2,
    )
    fig.update_xaxes(type="log", title="samples n", dtick=1)
    fig.update_yaxes(type="log", dtick=1, exponentformat="power", row=1, col=2)
    fig.update_layout(legend=dict(orientation="h", y=-0.28, x=0))
    return theme.style(fig, None, height=430)


# --------------------------------------------------------------------------------------------- Jensen


def jensen_figure(r: info.JensenReport) -> go.Figure:
    """The curve f, the points (x_i, f(x_i)) sized by p_i, their weighted mean (E[x], E[f(x)]) and f(E[x])."""
    lo, hi = float(r.x.min()), float(r.x.max())
    width = max(hi - lo, 1.0)
    spec = info.JENSEN_FUNCTIONS[r.name]
    left = lo - 0.25 * width
    if math.isfinite(spec.domain_min):
        left = max(left, spec.domain_min + (1e-3 * width if spec.open_at_min else 0.0))
    grid = np.linspace(left, hi + 0.25 * width, 400)
    fx = info.jensen_f(r.name, r.x)
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=grid,
            y=info.jensen_f(r.name, grid),
            mode="lines",
            name=f"f(x) = {r.name}",
            line=dict(color=theme.BLUE, width=3),
        )
    )
    # the polygon through the points (sorted by x): E[(x, f(x))] lies inside their convex hull
    order = np.argsort(r.x)
    fig.add_trace(
        go.Scatter(
            x=r.x[order], y=fx[order], mode="lines", name="chords", line=dict(color=theme.GREY, dash="dot", width=2)
        )
    )
    fig.add_trace(
        go.Scatter(
            x=r.x,
            y=fx,
            mode="markers",
            name="(x_i, f(x_i)), size ∝ p_i",
            marker=dict(color=theme.GREY, size=10 + 40 * np.sqrt(r.p), line=dict(width=1)),
            text=[f"p = {p:.2f}" for p in r.p],
            hovertemplate="x=%{x:.3f}, f=%{y:.3f}, %{text}",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=[r.mean_x],
            y=[r.mean_of_f],
            mode="markers",
            name="E[f(x)] = ∑ p_i f(x_i)",
            marker=dict(color=theme.VERMILION, size=16, symbol="square"),
        )
    )
    fig.add_trace(
        go.Scatter(
            x=[r.mean_x],
            y=[r.f_of_mean],
            mode="markers",
            name="f(E[x]) = f(∑ p_i x_i)",
            marker=dict(color=theme.GREEN, size=16, symbol="diamond"),
        )
    )
    # labels on a white box, pushed to opposite sides so the chord and the curve stay visible
    upper_is_mean_of_f = r.mean_of_f >= r.f_of_mean
    for y, text, colour, up in (
        (r.mean_of_f, f"E[f(x)] = {r.mean_of_f:.3f}", theme.VERMILION, upper_is_mean_of_f),
        (r.f_of_mean, f"f(E[x]) = {r.f_of_mean:.3f}", theme.GREEN, not upper_is_mean_of_f),
    ):
        fig.add_annotation(
            x=r.mean_x,
            y=y,
            text=text,
            showarrow=True,
            arrowcolor=colour,
            ax=-90 if up else 90,
            ay=-35 if up else 35,
            bgcolor="rgba(255,255,255,0.9)",
            bordercolor=colour,
            font=dict(color=theme.BLACK),
        )
    fig.add_shape(
        type="line", x0=r.mean_x, x1=r.mean_x, y0=r.f_of_mean, y1=r.mean_of_f, line=dict(color=theme.BLACK, width=3)
    )
    fig.add_vline(x=r.mean_x, line=dict(color=theme.GREY, dash="dash", width=1))
    fig.add_annotation(x=r.mean_x, y=0, yref="paper", text=f"E[x] = {r.mean_x:.3f}", showarrow=False, yanchor="bottom")
    fig.update_xaxes(title="x")
    fig.update_yaxes(title="f(x)")
    fig.update_layout(legend=dict(orientation="h", y=-0.18, x=0))
    kind = "convex" if r.convex else "concave"
    return theme.style(fig, f"{r.name} is {kind}: gap E[f(x)] − f(E[x]) = {r.gap:+.4f}", height=500)


# --------------------------------------------------------------------------------------------- MLE


def mle_curves(trace: info.MLETrace, step: int, base: float) -> go.Figure:
    """Average NLL, H(p̂, q_θ) and KL(p̂‖q_θ) + H(p̂) per step (they coincide), H(p̂) floor, KL(p‖q_θ) to the truth."""
    unit = info.unit_name(base)
    steps = np.arange(trace.nll.size)
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(x=steps, y=trace.nll, name="NLL = −(1/N) ∑ log q_θ(x_i)", line=dict(color=theme.BLUE, width=9))
    )
    fig.add_trace(go.Scatter(x=steps, y=trace.cross_entropy, name="H(p̂, q_θ)", line=dict(color=theme.ORANGE, width=5)))
    fig.add_trace(
        go.Scatter(
            x=steps, y=trace.kl_plus_entropy, name="KL(p̂‖q_θ) + H(p̂)", line=dict(color=theme.BLACK, width=2, dash="dot")
        )
    )
    fig.add_trace(
        go.Scatter(
            x=[0, steps[-1]],
            y=[trace.h_p_hat] * 2,
            name="H(p̂): the floor",
            line=dict(color=theme.GREY, dash="dash", width=2),
        )
    )
    fig.add_trace(
        go.Scatter(x=steps, y=trace.kl_to_truth, name="KL(p‖q_θ), to the true p", line=dict(color=theme.GREEN, width=3))
    )
    fig.add_vline(x=step, line=dict(color=theme.VERMILION, width=2))
    fig.update_xaxes(title="gradient-descent step")
    fig.update_yaxes(title=unit, rangemode="tozero")
    fig.update_layout(legend=dict(orientation="h", y=-0.22, x=0))
    return theme.style(fig, "Three names, one curve: NLL = cross-entropy = KL + H(p̂)", height=470)


def mle_bars(trace: info.MLETrace, step: int) -> go.Figure:
    """True p, empirical p̂ and the model q_θ at the chosen step, per outcome."""
    labels = _labels(trace.p_true.size)
    fig = go.Figure()
    for name, values, colour in (
        ("true p", trace.p_true, theme.GREEN),
        ("empirical p̂", trace.p_hat, theme.ORANGE),
        (f"model q_θ at step {step}", trace.q_history[step], theme.BLUE),
    ):
        fig.add_trace(go.Bar(x=labels, y=values, name=name, marker_color=colour))
    fig.update_layout(barmode="group", legend=dict(orientation="h", y=1.14, x=0))
    fig.update_yaxes(title="probability", rangemode="tozero")
    return theme.style(fig, None, height=360)


def classifier_curves(trace: info.ClassifierTrace, base: float) -> go.Figure:
    """NLL and mean cross-entropy of the classifier per step (identical), with accuracy on a second axis."""
    steps = np.arange(trace.nll.size)
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(x=steps, y=trace.nll, name="NLL −(1/N) ∑ log q_θ(y_i|x_i)", line=dict(color=theme.BLUE, width=9))
    )
    fig.add_trace(
        go.Scatter(
            x=steps,
            y=trace.cross_entropy,
            name="(1/N) ∑ H(onehot(y_i), q_θ(·|x_i))",
            line=dict(color=theme.ORANGE, width=3),
        )
    )
    fig.add_trace(
        go.Scatter(
            x=steps, y=trace.accuracy, name="accuracy", yaxis="y2", line=dict(color=theme.GREEN, dash="dot", width=2)
        )
    )
    fig.update_layout(
        xaxis=dict(title="gradient-descent step"),
        yaxis=dict(title=info.unit_name(base), rangemode="tozero"),
        yaxis2=dict(
            title="accuracy",
            overlaying="y",
            side="right",
            range=[0, 1.05],
            showgrid=False,
            tickmode="array",
            tickvals=[0, 0.25, 0.5, 0.75, 1.0],
            tickformat=".0%",
        ),
        legend=dict(orientation="h", y=-0.25, x=0),
    )
    return theme.style(fig, "Supervised: cross-entropy loss = NLL", height=430)


def classifier_regions(trace: info.ClassifierTrace) -> go.Figure:
    """The data coloured by class over the final model's predicted class."""
    pad = 0.8
    x0, y0 = trace.features.min(axis=0) - pad
    x1, y1 = trace.features.max(axis=0) + pad
    gx, gy = np.meshgrid(np.linspace(x0, x1, 120), np.linspace(y0, y1, 120))
    grid = np.stack([gx.ravel(), gy.ravel()], axis=1)  # (120*120, 2)
    predicted = (info.classifier_design(grid) @ trace.weights).argmax(axis=1).reshape(gx.shape)  # (120, 120)
    n_classes = trace.weights.shape[1]
    colours = [theme.CATEGORICAL[k] for k in range(n_classes)]
    scale = [[k / max(n_classes - 1, 1), c] for k, c in enumerate(colours)]
    fig = go.Figure()
    fig.add_trace(
        go.Heatmap(
            x=gx[0],
            y=gy[:, 0],
            z=predicted,
            colorscale=scale,
            opacity=0.25,
            showscale=False,
            hoverinfo="skip",
            zmin=0,
            zmax=max(n_classes - 1, 1),
        )
    )
    for k in range(n_classes):
        mask = trace.labels == k
        fig.add_trace(
            go.Scatter(
                x=trace.features[mask, 0],
                y=trace.features[mask, 1],
                mode="markers",
                name=f"class {k}",
                marker=dict(color=colours[k], size=9, line=dict(width=1)),
            )
        )
    fig.update_yaxes(scaleanchor="x", scaleratio=1)
    fig.update_layout(legend=dict(orientation="h", y=1.1, x=0))
    return theme.style(fig, None, height=430)

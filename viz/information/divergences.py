"""Divergence figures: P, Q, M bars, per-outcome KL terms (∞ drawn capped and hatched), cross-entropy = H + KL,
and the Gaussian KL closed form against Monte Carlo (sheet 2.3–2.4).
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.information.divergences import MonteCarloKL, PairReport, gaussian_log_density
from viz import theme
from viz.information.text import format_value, outcome_labels, unit_name

# An infinite divergence is drawn as a hatched bar this many times the largest finite value, labelled ∞.
INFINITY_DRAW_FACTOR = 1.6


def _drawn(values: list[float]) -> tuple[list[float], list[bool]]:
    """Finite values as they are; infinite ones capped at INFINITY_DRAW_FACTOR × the largest finite value."""
    finite = [v for v in values if math.isfinite(v)]
    cap = INFINITY_DRAW_FACTOR * max([*finite, 0.5])
    return [v if math.isfinite(v) else cap for v in values], [not math.isfinite(v) for v in values]


def pair_bars(r: PairReport) -> go.Figure:
    """P, Q and M = (P+Q)/2 side by side per outcome; outcomes where P > 0 = Q (KL(P‖Q) = ∞) marked."""
    labels = outcome_labels(r.p.size)
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


def kl_term_bars(r: PairReport) -> go.Figure:
    """Per outcome: P(x) log P(x)/Q(x) and Q(x) log Q(x)/P(x); an infinite term drawn capped, hatched and labelled ∞."""
    labels = outcome_labels(r.p.size)
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
                text=[format_value(v) for v in values],
                textposition="outside",
            )
        )
    fig.add_hline(y=0, line=dict(color=theme.BLACK, width=1))
    fig.update_layout(barmode="group", legend=dict(orientation="h", y=-0.15, x=0))
    fig.update_yaxes(title=unit_name(r.base))
    finite = [v for v in drawn]
    fig.update_yaxes(range=[min(min(finite), 0) * 1.3 - 0.05, max(max(finite), 0.1) * 1.3])
    return theme.style(fig, "Per-outcome KL terms", height=380)


def divergence_summary(r: PairReport) -> go.Figure:
    """Stacked bars H(P,Q) = H(P) + KL(P‖Q) and H(Q,P) = H(Q) + KL(Q‖P), and JS against its bound log 2."""
    unit = unit_name(r.base)
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
            text=[f"KL(P‖Q) {format_value(r.kl_pq)}", f"KL(Q‖P) {format_value(r.kl_qp)}", ""],
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
        density = np.exp(gaussian_log_density(x, mu, sigma))
        fig.add_trace(
            go.Scatter(
                x=x, y=density, name=f"{name} = N({mu:g}, {sigma:g}²)", fill="tozeroy", line=dict(color=colour, width=3)
            )
        )
    fig.update_xaxes(title="x")
    fig.update_yaxes(title="density")
    fig.update_layout(legend=dict(orientation="h", y=1.12, x=0))
    return theme.style(fig, None, height=340)


def monte_carlo_kl(mc: MonteCarloKL, base: float) -> go.Figure:
    """MC estimates with ±2 standard-error band versus n (log axis) and the closed form; right: |error| vs n."""
    unit = unit_name(base)
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
    fig.update_xaxes(**theme.log_axis(n, (theme.MAIN_COLUMN_PX - 70) / 2), title="samples n")
    fig.update_yaxes(**theme.log_axis(np.concatenate([error, mc.standard_errors]), 430 - 150), row=1, col=2)
    fig.update_layout(legend=dict(orientation="h", y=-0.28, x=0))
    return theme.style(fig, None, height=430)

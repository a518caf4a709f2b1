"""Divergence figures: P, Q, M bars, per-outcome KL terms (∞ drawn capped and hatched), cross-entropy = H + KL,
and the Gaussian KL closed form against Monte Carlo (sheet 2.3–2.4).
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from core.information.divergences import MonteCarloKL, PairReport, gaussian_log_density
from viz import plain, theme
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
    traces = [
        dict(
            type="bar",
            x=labels,
            y=values,
            name=name,
            marker=dict(color=colour),
            text=[f"{v:.2f}" for v in values],
            textposition="outside",
        )
        for name, values, colour in (("P", r.p, theme.BLUE), ("Q", r.q, theme.ORANGE), ("M = (P+Q)/2", r.m, theme.GREY))
    ]
    annotations = [
        dict(
            x=labels[i],
            y=float(r.p[i]) + 0.17,
            text="Q = 0 < P → KL(P‖Q) = ∞",
            font=dict(color=theme.VERMILION, size=14),
            showarrow=False,
        )
        for i in np.flatnonzero((r.p > 0) & (r.q == 0))
    ]
    layout = plain.layout(
        None,
        380,
        yaxis=dict(title=dict(text="probability"), range=[0, min(1.35, float(max(r.p.max(), r.q.max())) + 0.3)]),
        barmode="group",
        legend=dict(orientation="h", y=1.12, x=0),
    )
    if annotations:
        layout["annotations"] = annotations
    return plain.figure(traces, layout)


def kl_term_bars(r: PairReport) -> go.Figure:
    """Per outcome: P(x) log P(x)/Q(x) and Q(x) log Q(x)/P(x); an infinite term drawn capped, hatched and labelled ∞."""
    labels = outcome_labels(r.p.size)
    all_terms = [*r.kl_pq_terms.tolist(), *r.kl_qp_terms.tolist()]
    drawn, _ = _drawn(all_terms)
    k = r.p.size
    traces = [
        dict(
            type="bar",
            x=labels,
            y=shown,
            name=name,
            marker=dict(color=colour, pattern=dict(shape=["/" if math.isinf(v) else "" for v in values])),
            text=[format_value(v) for v in values],
            textposition="outside",
        )
        for name, values, shown, colour in (
            ("P log P/Q  (→ KL(P‖Q))", r.kl_pq_terms, drawn[:k], theme.BLUE),
            ("Q log Q/P  (→ KL(Q‖P))", r.kl_qp_terms, drawn[k:], theme.ORANGE),
        )
    ]
    finite = [v for v in drawn]
    return plain.figure(
        traces,
        plain.layout(
            "Per-outcome KL terms",
            380,
            shapes=[plain.hline(0, dict(color=theme.BLACK, width=1))],
            barmode="group",
            legend=dict(orientation="h", y=-0.15, x=0),
            yaxis=dict(
                title=dict(text=unit_name(r.base)),
                range=[min(min(finite), 0) * 1.3 - 0.05, max(max(finite), 0.1) * 1.3],
            ),
        ),
    )


def divergence_summary(r: PairReport) -> go.Figure:
    """Stacked bars H(P,Q) = H(P) + KL(P‖Q) and H(Q,P) = H(Q) + KL(Q‖P), and JS against its bound log 2."""
    unit = unit_name(r.base)
    drawn, infinite = _drawn([r.kl_pq, r.kl_qp])
    rows = ["H(P,Q)", "H(Q,P)", "JS(P‖Q)"]
    traces = [
        dict(
            type="bar",
            y=rows,
            x=[r.h_p, r.h_q, 0],
            orientation="h",
            name="entropy",
            marker=dict(color=theme.SKY),
            text=[f"H(P) {r.h_p:.3f}", f"H(Q) {r.h_q:.3f}", ""],
            textposition="inside",
            insidetextanchor="middle",
        ),
        dict(
            type="bar",
            y=rows,
            x=[*drawn, 0],
            orientation="h",
            name="KL",
            marker=dict(color=theme.VERMILION, pattern=dict(shape=["/" if inf else "" for inf in infinite] + [""])),
            text=[f"KL(P‖Q) {format_value(r.kl_pq)}", f"KL(Q‖P) {format_value(r.kl_qp)}", ""],
            textposition="inside",
            insidetextanchor="middle",
        ),
        dict(
            type="bar",
            y=rows,
            x=[0, 0, r.js],
            orientation="h",
            name="JS",
            marker=dict(color=theme.GREEN),
            text=["", "", f"JS {r.js:.3f}"],
            textposition="outside",
        ),
    ]
    annotations = [
        dict(x=r.js_bound, y=2.45, text=f"log 2 = {r.js_bound:.3f}", showarrow=False, yanchor="bottom", xanchor="left")
    ]
    for i, inf in enumerate(infinite):
        if inf:
            end = (r.h_p, r.h_q)[i] + drawn[i]
            annotations.append(
                dict(
                    x=end,
                    y=rows[i],
                    text="∞ (capped)",
                    showarrow=False,
                    xanchor="left",
                    xshift=6,
                    font=dict(color=theme.VERMILION),
                )
            )
    return plain.figure(
        traces,
        plain.layout(
            "Cross-entropy = entropy + KL;  JS ≤ log 2",
            330,
            shapes=[
                dict(
                    type="line",
                    x0=r.js_bound,
                    x1=r.js_bound,
                    y0=1.6,
                    y1=2.4,
                    line=dict(color=theme.BLACK, dash="dash", width=3),
                )
            ],
            annotations=annotations,
            barmode="stack",
            showlegend=False,
            yaxis=dict(autorange="reversed"),
            xaxis=dict(title=dict(text=unit)),
        ),
    )


def gaussian_densities(mu_p: float, sigma_p: float, mu_q: float, sigma_q: float) -> go.Figure:
    """The two densities p = N(μ_p, σ_p²) and q = N(μ_q, σ_q²)."""
    lo = min(mu_p - 4 * sigma_p, mu_q - 4 * sigma_q)
    hi = max(mu_p + 4 * sigma_p, mu_q + 4 * sigma_q)
    x = np.linspace(lo, hi, 400)
    traces = [
        dict(
            type="scatter",
            x=x,
            y=np.exp(gaussian_log_density(x, mu, sigma)),
            name=f"{name} = N({mu:g}, {sigma:g}²)",
            fill="tozeroy",
            line=dict(color=colour, width=3),
        )
        for name, mu, sigma, colour in (("p", mu_p, sigma_p, theme.BLUE), ("q", mu_q, sigma_q, theme.ORANGE))
    ]
    return plain.figure(
        traces,
        plain.layout(
            None,
            340,
            xaxis=dict(title=dict(text="x")),
            yaxis=dict(title=dict(text="density")),
            legend=dict(orientation="h", y=1.12, x=0),
        ),
    )


def monte_carlo_kl(mc: MonteCarloKL, base: float) -> go.Figure:
    """MC estimates with ±2 standard-error band versus n (log axis) and the closed form; right: |error| vs n."""
    unit = unit_name(base)
    n = mc.sample_sizes
    layout = plain.subplots_layout(
        None, 430, rows=1, cols=2, subplot_titles=(f"estimate vs n [{unit}]", "|error| vs n (log–log)")
    )
    error = np.maximum(np.abs(mc.estimates - mc.exact), 1e-12)
    left, right = dict(xaxis="x", yaxis="y"), dict(xaxis="x2", yaxis="y2")
    traces = [
        dict(
            type="scatter",
            x=np.r_[n, n[::-1]],
            y=np.r_[mc.estimates + 2 * mc.standard_errors, (mc.estimates - 2 * mc.standard_errors)[::-1]],
            fill="toself",
            fillcolor="rgba(0,114,178,0.18)",
            line=dict(width=0),
            name="±2 SE",
            hoverinfo="skip",
            **left,
        ),
        dict(
            type="scatter",
            x=n,
            y=mc.estimates,
            mode="lines+markers",
            name="MC estimate",
            line=dict(color=theme.BLUE, width=3),
            **left,
        ),
        dict(
            type="scatter",
            x=[n[0], n[-1]],
            y=[mc.exact, mc.exact],
            mode="lines",
            name="closed form",
            line=dict(color=theme.VERMILION, dash="dash", width=3),
            **left,
        ),
        dict(
            type="scatter",
            x=n,
            y=error,
            mode="lines+markers",
            name="|estimate − exact|",
            line=dict(color=theme.GREEN, width=3),
            **right,
        ),
        dict(
            type="scatter",
            x=n,
            y=mc.standard_errors,
            mode="lines",
            name="standard error ∝ 1/√n",
            line=dict(color=theme.GREY, dash="dot", width=3),
            **right,
        ),
    ]
    plain.update_axes(layout, "x", **theme.log_axis(n, (theme.MAIN_COLUMN_PX - 70) / 2), title=dict(text="samples n"))
    plain.merge(layout["yaxis2"], theme.log_axis(np.concatenate([error, mc.standard_errors]), 430 - 150))
    layout["legend"] = dict(orientation="h", y=-0.28, x=0)
    return plain.figure(traces, layout)

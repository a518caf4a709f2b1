"""MLE figures: NLL = cross-entropy = KL + H(p̂) per step, p / p̂ / q_θ bars, the classifier's curves and regions
(sheet 2.4 c).
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from core.information.mle import ClassifierTrace, DecisionRegions, MLETrace
from viz import plain, theme
from viz.information.text import outcome_labels, unit_name


def mle_curves(trace: MLETrace, step: int, base: float) -> go.Figure:
    """Average NLL, H(p̂, q_θ) and KL(p̂‖q_θ) + H(p̂) per step (they coincide), H(p̂) floor, KL(p‖q_θ) to the truth."""
    unit = unit_name(base)
    steps = np.arange(trace.nll.size)
    traces = [
        dict(
            type="scatter",
            x=steps,
            y=trace.nll,
            name="NLL = −(1/N) ∑ log q_θ(x_i)",
            line=dict(color=theme.BLUE, width=9),
        ),
        dict(type="scatter", x=steps, y=trace.cross_entropy, name="H(p̂, q_θ)", line=dict(color=theme.ORANGE, width=5)),
        dict(
            type="scatter",
            x=steps,
            y=trace.kl_plus_entropy,
            name="KL(p̂‖q_θ) + H(p̂)",
            line=dict(color=theme.BLACK, width=2, dash="dot"),
        ),
        dict(
            type="scatter",
            x=[0, steps[-1]],
            y=[trace.h_p_hat] * 2,
            name="H(p̂): the floor",
            line=dict(color=theme.GREY, dash="dash", width=2),
        ),
        dict(
            type="scatter",
            x=steps,
            y=trace.kl_to_truth,
            name="KL(p‖q_θ), to the true p",
            line=dict(color=theme.GREEN, width=3),
        ),
    ]
    return plain.figure(
        traces,
        plain.layout(
            "Three names, one curve: NLL = cross-entropy = KL + H(p̂)",
            470,
            shapes=[plain.vline(step, dict(color=theme.VERMILION, width=2))],
            xaxis=dict(title=dict(text="gradient-descent step")),
            yaxis=dict(title=dict(text=unit), rangemode="tozero"),
            legend=dict(orientation="h", y=-0.22, x=0),
        ),
    )


def mle_bars(trace: MLETrace, step: int) -> go.Figure:
    """True p, empirical p̂ and the model q_θ at the chosen step, per outcome."""
    labels = outcome_labels(trace.p_true.size)
    traces = [
        dict(type="bar", x=labels, y=values, name=name, marker=dict(color=colour))
        for name, values, colour in (
            ("true p", trace.p_true, theme.GREEN),
            ("empirical p̂", trace.p_hat, theme.ORANGE),
            (f"model q_θ at step {step}", trace.q_history[step], theme.BLUE),
        )
    ]
    return plain.figure(
        traces,
        plain.layout(
            None,
            360,
            barmode="group",
            legend=dict(orientation="h", y=1.14, x=0),
            yaxis=dict(title=dict(text="probability"), rangemode="tozero"),
        ),
    )


def classifier_curves(trace: ClassifierTrace, base: float) -> go.Figure:
    """NLL and mean cross-entropy of the classifier per step (identical), with accuracy on a second axis."""
    steps = np.arange(trace.nll.size)
    traces = [
        dict(
            type="scatter",
            x=steps,
            y=trace.nll,
            name="NLL −(1/N) ∑ log q_θ(y_i|x_i)",
            line=dict(color=theme.BLUE, width=9),
        ),
        dict(
            type="scatter",
            x=steps,
            y=trace.cross_entropy,
            name="(1/N) ∑ H(onehot(y_i), q_θ(·|x_i))",
            line=dict(color=theme.ORANGE, width=3),
        ),
        dict(
            type="scatter",
            x=steps,
            y=trace.accuracy,
            name="accuracy",
            yaxis="y2",
            line=dict(color=theme.GREEN, dash="dot", width=2),
        ),
    ]
    return plain.figure(
        traces,
        plain.layout(
            "Supervised: cross-entropy loss = NLL",
            430,
            xaxis=dict(title=dict(text="gradient-descent step")),
            yaxis=dict(title=dict(text=unit_name(base)), rangemode="tozero"),
            yaxis2=dict(
                title=dict(text="accuracy"),
                overlaying="y",
                side="right",
                range=[0, 1.05],
                showgrid=False,
                tickmode="array",
                tickvals=[0, 0.25, 0.5, 0.75, 1.0],
                tickformat=".0%",
            ),
            legend=dict(orientation="h", y=-0.25, x=0),
        ),
    )


def classifier_regions(trace: ClassifierTrace, regions: DecisionRegions) -> go.Figure:
    """The data coloured by class over the final model's predicted class (``core.information.mle.decision_regions``)."""
    n_classes = trace.weights.shape[1]
    colours = [theme.CATEGORICAL[k] for k in range(n_classes)]
    scale = [[k / max(n_classes - 1, 1), c] for k, c in enumerate(colours)]
    traces = [
        dict(
            type="heatmap",
            x=regions.xs,
            y=regions.ys,
            z=regions.predicted,
            colorscale=scale,
            opacity=0.25,
            showscale=False,
            hoverinfo="skip",
            zmin=0,
            zmax=max(n_classes - 1, 1),
        )
    ]
    for k in range(n_classes):
        mask = trace.labels == k
        traces.append(
            dict(
                type="scatter",
                x=trace.features[mask, 0],
                y=trace.features[mask, 1],
                mode="markers",
                name=f"class {k}",
                marker=dict(color=colours[k], size=9, line=dict(width=1)),
            )
        )
    return plain.figure(
        traces,
        plain.layout(None, 430, yaxis=dict(scaleanchor="x", scaleratio=1), legend=dict(orientation="h", y=1.1, x=0)),
    )

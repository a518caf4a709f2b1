"""Memory-task figures: accuracy while training, ‖∂ℓ/∂h_t‖ over t and training, the LSTM's gates along one
input, accuracy against the delay T, and the gradient norm per step with and without clipping."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from viz import plain, theme


def accuracy_curves(
    runs: dict[str, tuple[list[int], list[float]]], colours: dict[str, str], chance: float
) -> go.Figure:
    """Test accuracy against gradient steps per run, with chance 1/K dashed."""
    fig = go.Figure()
    for label, (steps, values) in runs.items():
        fig.add_trace(
            go.Scatter(
                x=steps,
                y=values,
                name=label,
                mode="lines",
                line=dict(color=colours[label], width=3),
                hovertemplate=f"{label}<br>step %{{x}}<br>accuracy %{{y:.3f}}<extra></extra>",
            )
        )
    fig.add_hline(
        y=chance,
        line=dict(color=theme.GREY, dash="dash", width=2),
        annotation=dict(text=f"chance 1/K = {chance:.0%}", font=dict(size=theme.MIN_TEXT_SIZE), x=1, xanchor="right"),
    )
    fig.update_yaxes(title="test accuracy", range=[0, 1.04], tickformat=".0%")
    fig.update_xaxes(title="gradient step")
    fig.update_layout(legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0))
    return theme.style(fig, None, height=340)


def _log_ticks(low: float, high: float) -> tuple[list[float], list[str]]:
    """Colour-bar ticks at whole powers of ten between two log10 values, written 10ⁿ."""
    superscript = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
    exponents = list(range(int(np.floor(low)), int(np.ceil(high)) + 1))
    step = max(1, len(exponents) // 6)
    exponents = exponents[::step]
    return [float(e) for e in exponents], [f"10{str(e).translate(superscript)}" for e in exponents]


def gradient_maps(maps: dict[str, tuple[list[int], np.ndarray]], *, height: int = 360) -> go.Figure:
    """One heatmap per run: rows = the training step of the measurement, columns = t = 1..T, colour =
    log₁₀ ‖∂ℓ/∂h_t‖ (one colour scale for both, so brighter is larger in either). Built as plain dicts."""
    labels = list(maps)
    layout = plain.subplots_layout(
        None, height, 1, len(labels), tuple(labels), horizontal_spacing=0.08, shared_yaxes=True
    )
    logs = {label: np.log10(np.maximum(values, 1e-30)) for label, (_, values) in maps.items()}
    finite = np.concatenate([v.ravel() for v in logs.values()])
    low, high = float(np.percentile(finite, 1)), float(finite.max())
    low = max(low, high - 12)  # twelve decades at most: below that it is all "nothing arrives"
    tickvals, ticktext = _log_ticks(low, high)
    traces = []
    for column, label in enumerate(labels, start=1):
        steps, values = maps[label]
        T = values.shape[1]
        suffix = "" if column == 1 else str(column)
        traces.append(
            dict(
                type="heatmap",
                z=np.clip(logs[label], low, high),
                x=np.arange(1, T + 1),
                y=np.asarray(steps),
                zmin=low,
                zmax=high,
                colorscale=plain.colorscale(theme.SEQUENTIAL),
                showscale=column == 1,
                customdata=values,
                colorbar=dict(title=dict(text="‖∂ℓ/∂h_t‖", side="right"), tickvals=tickvals, ticktext=ticktext),
                hovertemplate=f"{label}<br>step %{{y}}, t = %{{x}}<br>‖∂ℓ/∂h_t‖ = %{{customdata:.2e}}<extra></extra>",
                xaxis=f"x{suffix}",
                yaxis=f"y{suffix}",
            )
        )
        plain.merge(
            layout[f"xaxis{suffix}"], dict(title=dict(text="t (the symbol is at t = 1)"), **theme.integer_axis(T, 300))
        )
    plain.merge(layout["yaxis"], dict(title=dict(text="training step")))
    return plain.figure(traces, layout)


def gradient_profile(profiles: dict[str, np.ndarray], colours: dict[str, str], step: int) -> go.Figure:
    """‖∂ℓ/∂h_t‖ against t for each run at one measurement (log axis)."""
    fig = go.Figure()
    values = []
    for label, norms in profiles.items():
        values.append(norms)
        fig.add_trace(
            go.Scatter(
                x=np.arange(1, len(norms) + 1),
                y=norms,
                name=label,
                mode="lines+markers",
                line=dict(color=colours[label], width=3),
                hovertemplate=f"{label}<br>t = %{{x}}<br>‖∂ℓ/∂h_t‖ = %{{y:.2e}}<extra></extra>",
            )
        )
    T = len(values[0]) if values else 1
    fig.update_xaxes(title="t", **theme.integer_axis(T, 700))
    fig.update_yaxes(**theme.log_axis(np.concatenate(values) if values else None, length_px=240), title="‖∂ℓ/∂h_t‖")
    fig.update_layout(legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0))
    return theme.style(fig, f"How much of the error at T reaches step t (training step {step})", height=340)


def gate_traces(fields: dict[str, np.ndarray], units: list[int], letters: list[str]) -> go.Figure:
    """The LSTM along one input: the gates f, i, o (top) and the cell state C (bottom) of the units that hold
    the symbol, against t, the input symbols as the time axis labels. Built as plain dicts."""
    T = len(letters)
    layout = plain.subplots_layout(
        None, 560, 2, 1, ("gates f, i, o", "cell state C"), shared_xaxes=True, vertical_spacing=0.1
    )
    styles = {"f": "solid", "i": "dash", "o": "dot"}
    t = np.arange(1, T + 1)
    traces = []
    for k, unit in enumerate(units):
        colour = theme.CATEGORICAL[k % len(theme.CATEGORICAL)]
        for gate, dash in styles.items():
            traces.append(
                dict(
                    type="scatter",
                    x=t,
                    y=fields[gate][:, unit],
                    mode="lines",
                    name=f"{gate}, unit {unit + 1}",
                    legendgroup=str(unit),
                    line=dict(color=colour, dash=dash, width=2.5),
                    hovertemplate=f"unit {unit + 1}: {gate}_t = %{{y:.3f}} at t = %{{x}}<extra></extra>",
                    xaxis="x",
                    yaxis="y",
                )
            )
        traces.append(
            dict(
                type="scatter",
                x=t,
                y=fields["C"][:, unit],
                mode="lines+markers",
                name=f"C, unit {unit + 1}",
                legendgroup=str(unit),
                line=dict(color=colour, width=3),
                hovertemplate=f"unit {unit + 1}: C_t = %{{y:.3f}} at t = %{{x}}<extra></extra>",
                xaxis="x2",
                yaxis="y2",
            )
        )
    step = theme.integer_axis(T, 700, label_px=34)["dtick"]
    ticks = list(range(1, T + 1, step))
    plain.merge(
        layout["xaxis2"], dict(tickvals=ticks, ticktext=[letters[k - 1] for k in ticks], title=dict(text="input x_t"))
    )
    plain.merge(layout["yaxis"], dict(range=[-0.05, 1.05], title=dict(text="gate")))
    plain.merge(layout["yaxis2"], dict(title=dict(text="C_t")))
    layout["legend"] = dict(orientation="h", y=-0.22, yanchor="top", x=0)
    return plain.figure(traces, layout)


def sweep_figure(
    results: dict[str, tuple[list[int], list[float]]], colours: dict[str, str], chance: float
) -> go.Figure:
    """Final test accuracy against the delay T for each cell."""
    fig = go.Figure()
    for label, (delays, values) in results.items():
        fig.add_trace(
            go.Scatter(
                x=delays,
                y=values,
                name=label,
                mode="lines+markers",
                marker=dict(size=12),
                line=dict(color=colours[label], width=3),
                hovertemplate=f"{label}<br>T = %{{x}}<br>accuracy %{{y:.3f}}<extra></extra>",
            )
        )
    fig.add_hline(y=chance, line=dict(color=theme.GREY, dash="dash", width=2))
    delays = sorted({d for steps, _ in results.values() for d in steps})
    fig.update_xaxes(tickvals=delays, title="delay T (steps between the symbol and the answer)")
    fig.update_yaxes(title="test accuracy after training", range=[0, 1.04], tickformat=".0%")
    fig.update_layout(legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0))
    return theme.style(fig, None, height=360)


def grad_norm_curves(runs: dict[str, list[float]], colours: dict[str, str], clip: float) -> go.Figure:
    """‖∇_θ L‖ per step (before clipping), log axis, with the clipping threshold dashed."""
    fig = go.Figure()
    values = []
    for label, norms in runs.items():
        norms = np.asarray(norms, dtype=float)
        values.append(norms)
        fig.add_trace(
            go.Scatter(
                x=np.arange(1, len(norms) + 1),
                y=norms,
                name=label,
                mode="lines",
                line=dict(color=colours[label], width=1.5),
                hovertemplate=f"{label}<br>step %{{x}}<br>‖g‖ = %{{y:.3g}}<extra></extra>",
            )
        )
    fig.add_hline(
        y=clip,
        line=dict(color=theme.GREY, dash="dash", width=2),
        annotation=dict(text=f"clip at ‖g‖ = {clip:g}", font=dict(size=theme.MIN_TEXT_SIZE)),
    )
    joined = np.concatenate(values) if values else None
    fig.update_yaxes(**theme.log_axis(joined, length_px=240), title="‖∇θ L‖ (before clipping)")
    fig.update_xaxes(title="gradient step")
    fig.update_layout(legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0))
    return theme.style(fig, None, height=340)


def loss_curves(runs: dict[str, list[float]], colours: dict[str, str]) -> go.Figure:
    """Training loss per step, one line per run (log axis)."""
    fig = go.Figure()
    values = []
    for label, losses in runs.items():
        losses = np.asarray(losses, dtype=float)
        values.append(losses)
        fig.add_trace(
            go.Scatter(
                x=np.arange(1, len(losses) + 1),
                y=losses,
                name=label,
                mode="lines",
                line=dict(color=colours[label], width=1.5),
                hovertemplate=f"{label}<br>step %{{x}}<br>loss %{{y:.3f}}<extra></extra>",
            )
        )
    joined = np.concatenate(values) if values else None
    fig.update_yaxes(**theme.log_axis(joined, length_px=240), title="loss (nats)")
    fig.update_xaxes(title="gradient step")
    fig.update_layout(showlegend=False)
    return theme.style(fig, None, height=340)

"""RNN & LSTM figures: input and output over time, hidden-state / gate heatmaps, gradient norms vs T − t."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from core.sequence import rnn as seq
from viz import plain, theme

# Norms are drawn no lower than this on the log axis (an exact 0 has no logarithm).
NORM_FLOOR = 1e-30
# The sweep map's colours saturate at this many decades either side of 1.
SWEEP_CLIP = 6


def signal_and_output(r: seq.SequenceReport) -> go.Figure:
    """x_t and the (untrained) RNN read-out y_t = W_hy h_t + b_y."""
    t = np.arange(1, len(r.x) + 1)
    traces = [
        dict(type="scatter", x=t, y=r.x[:, 0], mode="lines+markers", name="input xₜ", line=dict(color=theme.BLACK)),
        dict(
            type="scatter",
            x=t,
            y=r.rnn.y[:, 0],
            mode="lines",
            name="RNN output yₜ",
            line=dict(color=theme.BLUE, width=3),
        ),
    ]
    return plain.figure(
        traces,
        plain.layout(
            "Input sequence and the RNN's read-out (random weights)",
            300,
            xaxis=dict(title=dict(text="time step t")),
            legend=dict(orientation="h", y=1.02, yanchor="bottom", x=1, xanchor="right"),
        ),
    )


def _heatmap(values: np.ndarray, name: str, *, diverging: bool, showscale: bool = True, **props) -> dict:
    """values (T, H) drawn as units (rows) × time (columns); ``props`` are further heatmap properties."""
    t = np.arange(1, values.shape[0] + 1)
    colour = theme.diverging_scale([-1.0, 1.0]) if diverging else dict(colorscale=theme.SEQUENTIAL, zmin=0, zmax=1)
    return dict(
        type="heatmap",
        z=values.T,  # (T, H) -> (H, T): one row per unit
        x=t,
        y=np.arange(1, values.shape[1] + 1),
        name=name,
        hovertemplate=f"{name}<br>t=%{{x}}, unit %{{y}}<br>value %{{z:.3f}}<extra></extra>",
        showscale=showscale,
        **{**colour, "colorscale": plain.colorscale(colour["colorscale"])},
        **props,
    )


def rnn_states(r: seq.SequenceReport) -> go.Figure:
    """The RNN's hidden state h_t ∈ (−1, 1)^H over time."""
    T, H = r.rnn.h.shape
    plot_px = theme.MAIN_COLUMN_PX - 70 - 80  # margins and the colour bar
    return plain.figure(
        [_heatmap(r.rnn.h, "hₜ", diverging=True)],
        plain.layout(
            f"RNN hidden state hₜ (ρ = {r.spectral_radius:g})",
            320,
            xaxis=dict(title=dict(text="time step t"), **theme.integer_axis(T, plot_px, label_px=60)),
            yaxis=dict(title=dict(text="hidden unit"), **theme.integer_axis(H, 320 - 110, label_px=22)),
        ),
    )


def lstm_gates(r: seq.SequenceReport) -> go.Figure:
    """The LSTM's gates (0..1, sequential colours) and states (diverging colours) over time."""
    panels = (
        ("forget gate fₜ", r.lstm.f, False),
        ("input gate iₜ", r.lstm.i, False),
        ("output gate oₜ", r.lstm.o, False),
        ("candidate C̃ₜ", r.lstm.c_tilde, True),
        ("cell state Cₜ", r.lstm.C, True),
        ("hidden state hₜ", r.lstm.h, True),
    )
    layout = plain.subplots_layout(
        f"LSTM gates and states (forget bias b_f = {r.forget_bias:g})",
        560,
        rows=2,
        cols=3,
        subplot_titles=tuple(p[0] for p in panels),
        shared_yaxes=True,
        vertical_spacing=0.14,
    )
    cell_bound = max(1.0, float(np.abs(r.lstm.C).max()))
    traces = []
    for index, (name, values, diverging) in enumerate(panels):
        # C is not bounded by 1 (it accumulates); C̃ and h are, and share C's scale to stay comparable
        bounds = dict(zmin=-cell_bound, zmax=cell_bound) if diverging else {}
        axis = "" if index == 0 else str(index + 1)
        trace = _heatmap(
            values, name, diverging=diverging, showscale=index in (0, 3), xaxis=f"x{axis}", yaxis=f"y{axis}"
        )
        trace.update(bounds, colorbar=dict(len=0.42, y=0.79 if index == 0 else 0.21, thickness=14))
        traces.append(trace)
    T, H = r.lstm.h.shape
    panel_px = (theme.MAIN_COLUMN_PX - 70 - 80) * 0.8 / 3  # a third of the plot, less the gaps between panels
    plain.update_axes(layout, "x", **theme.integer_axis(T, panel_px, label_px=40))
    plain.update_axes(layout, "y", **theme.integer_axis(H, (560 - 80) * 0.86 / 2, label_px=22))
    for name in ("xaxis4", "xaxis5", "xaxis6"):  # the bottom row
        plain.merge(layout[name], dict(title=dict(text="t")))
    for name in ("yaxis", "yaxis4"):  # the first column
        plain.merge(layout[name], dict(title=dict(text="unit")))
    return plain.figure(traces, layout)


def gradient_norms(r: seq.SequenceReport) -> go.Figure:
    """‖∂h_T/∂h_t‖ against T − t, log scale: RNN, the linear bound ρ^{T−t}, LSTM (whole state, cell path)."""
    lag = np.arange(len(r.rnn_norms))
    traces = [
        dict(
            type="scatter",
            x=lag,
            y=np.maximum(r.linear_bound, NORM_FLOOR),
            mode="lines",
            name=f"ρ^(T−t), ρ = {r.spectral_radius:g}",
            line=dict(color=theme.GREY, dash="dash", width=2),
        )
    ]
    curves = (
        ("RNN ‖∂h_T/∂h_t‖", r.rnn_norms, theme.BLUE, "solid"),
        ("LSTM ‖∂h_T/∂(h_t, C_t)‖", r.lstm_norms["h"], theme.VERMILION, "solid"),
        ("LSTM cell path ‖∂C_T/∂C_t‖", r.lstm_norms["C"], theme.ORANGE, "dot"),
    )
    for name, values, colour, dash in curves:
        traces.append(
            dict(
                type="scatter",
                x=lag,
                y=np.maximum(values, NORM_FLOOR),
                mode="lines+markers",
                name=name,
                line=dict(color=colour, width=3, dash=dash),
                marker=dict(size=5),
            )
        )
    finite = np.concatenate([r.rnn_norms, r.lstm_norms["h"], r.lstm_norms["C"]])
    finite = np.maximum(finite[np.isfinite(finite)], NORM_FLOOR)
    low, high = np.log10(finite.min()), np.log10(finite.max())
    y_axis = {
        **theme.log_axis(finite, 430 - 70),
        "title": dict(text="gradient norm (log)"),
        "range": [min(low, -1) - 0.5, max(high, 1) + 0.5],
    }
    return plain.figure(
        traces,
        plain.layout(
            None,
            430,
            yaxis=y_axis,
            xaxis=dict(title=dict(text="steps back in time  T − t")),
            legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0, xanchor="left"),
        ),
    )


def gradient_sweep(r: seq.SequenceReport) -> go.Figure:
    """log₁₀ ‖∂h_T/∂h_t‖ of the RNN over ρ (rows) and T − t (columns); the current ρ marked."""
    logs = np.log10(np.maximum(r.sweep_norms, NORM_FLOOR))
    lag = np.arange(logs.shape[1])
    heatmap = dict(
        type="heatmap",
        # colours saturate at ±SWEEP_CLIP decades so that modest explosion stays visible next to deep vanishing
        z=np.clip(logs, -SWEEP_CLIP, SWEEP_CLIP),
        customdata=logs,
        x=lag,
        y=r.sweep_radii,
        colorscale=plain.colorscale("RdBu_r"),
        zmin=-SWEEP_CLIP,
        zmax=SWEEP_CLIP,
        colorbar=dict(title=dict(text="log₁₀ ‖·‖", side="right"), tickvals=[-SWEEP_CLIP, -3, 0, 3, SWEEP_CLIP]),
        hovertemplate="ρ = %{y}<br>T − t = %{x}<br>log₁₀‖∂h_T/∂h_t‖ = %{customdata:.2f}<extra></extra>",
    )
    return plain.figure(
        [heatmap],
        plain.layout(
            "RNN: log₁₀ ‖∂h_T/∂h_t‖ for every ρ — blue vanishes (< 1), red explodes (> 1); dotted: your ρ",
            380,
            shapes=[plain.hline(r.spectral_radius, dict(color=theme.BLACK, width=2, dash="dot"))],
            xaxis=dict(title=dict(text="steps back in time  T − t")),
            yaxis=dict(title=dict(text="spectral radius ρ")),
        ),
    )

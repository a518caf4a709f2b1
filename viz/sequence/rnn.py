"""RNN & LSTM figures: input and output over time, hidden-state / gate heatmaps, gradient norms vs T − t."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.sequence import rnn as seq
from viz import theme

# Norms are drawn no lower than this on the log axis (an exact 0 has no logarithm).
NORM_FLOOR = 1e-30
# The sweep map's colours saturate at this many decades either side of 1.
SWEEP_CLIP = 6


def signal_and_output(r: seq.SequenceReport) -> go.Figure:
    """x_t and the (untrained) RNN read-out y_t = W_hy h_t + b_y."""
    t = np.arange(1, len(r.x) + 1)
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=t, y=r.x[:, 0], mode="lines+markers", name="input xₜ", line=dict(color=theme.BLACK)))
    fig.add_trace(
        go.Scatter(x=t, y=r.rnn.y[:, 0], mode="lines", name="RNN output yₜ", line=dict(color=theme.BLUE, width=3))
    )
    fig.update_xaxes(title="time step t")
    fig.update_layout(legend=dict(orientation="h", y=1.02, yanchor="bottom", x=1, xanchor="right"))
    return theme.style(fig, "Input sequence and the RNN's read-out (random weights)", height=300)


def _heatmap(values: np.ndarray, name: str, *, diverging: bool, showscale: bool = True, colorbar_x=None) -> go.Heatmap:
    """values (T, H) drawn as units (rows) × time (columns)."""
    t = np.arange(1, values.shape[0] + 1)
    colour = theme.diverging_scale([-1.0, 1.0]) if diverging else dict(colorscale=theme.SEQUENTIAL, zmin=0, zmax=1)
    return go.Heatmap(
        z=values.T,  # (T, H) -> (H, T): one row per unit
        x=t,
        y=np.arange(1, values.shape[1] + 1),
        name=name,
        hovertemplate=f"{name}<br>t=%{{x}}, unit %{{y}}<br>value %{{z:.3f}}<extra></extra>",
        showscale=showscale,
        colorbar=dict(x=colorbar_x, len=0.45, y=0.77 if colorbar_x else None) if colorbar_x else None,
        **colour,
    )


def rnn_states(r: seq.SequenceReport) -> go.Figure:
    """The RNN's hidden state h_t ∈ (−1, 1)^H over time."""
    fig = go.Figure(_heatmap(r.rnn.h, "hₜ", diverging=True))
    T, H = r.rnn.h.shape
    plot_px = theme.MAIN_COLUMN_PX - 70 - 80  # margins and the colour bar
    fig.update_xaxes(title="time step t", **theme.integer_axis(T, plot_px, label_px=60))
    fig.update_yaxes(title="hidden unit", **theme.integer_axis(H, 320 - 110, label_px=22))
    return theme.style(fig, f"RNN hidden state hₜ (ρ = {r.spectral_radius:g})", height=320)


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
    fig = make_subplots(rows=2, cols=3, subplot_titles=[p[0] for p in panels], shared_yaxes=True, vertical_spacing=0.14)
    cell_bound = max(1.0, float(np.abs(r.lstm.C).max()))
    for index, (name, values, diverging) in enumerate(panels):
        row, col = divmod(index, 3)
        trace = _heatmap(values, name, diverging=diverging, showscale=index in (0, 3))
        if diverging:
            # C is not bounded by 1 (it accumulates); C̃ and h are, and share C's scale to stay comparable
            trace.update(zmin=-cell_bound, zmax=cell_bound)
        trace.update(colorbar=dict(len=0.42, y=0.79 if index == 0 else 0.21, thickness=14))
        fig.add_trace(trace, row=row + 1, col=col + 1)
    T, H = r.lstm.h.shape
    panel_px = (theme.MAIN_COLUMN_PX - 70 - 80) * 0.8 / 3  # a third of the plot, less the gaps between panels
    fig.update_xaxes(**theme.integer_axis(T, panel_px, label_px=40))
    fig.update_yaxes(**theme.integer_axis(H, (560 - 80) * 0.86 / 2, label_px=22))
    fig.update_xaxes(title="t", row=2)
    fig.update_yaxes(title="unit", col=1)
    return theme.style(fig, f"LSTM gates and states (forget bias b_f = {r.forget_bias:g})", height=560)


def gradient_norms(r: seq.SequenceReport) -> go.Figure:
    """‖∂h_T/∂h_t‖ against T − t, log scale: RNN, the linear bound ρ^{T−t}, LSTM (whole state, cell path)."""
    lag = np.arange(len(r.rnn_norms))
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=lag,
            y=np.maximum(r.linear_bound, NORM_FLOOR),
            mode="lines",
            name=f"ρ^(T−t), ρ = {r.spectral_radius:g}",
            line=dict(color=theme.GREY, dash="dash", width=2),
        )
    )
    curves = (
        ("RNN ‖∂h_T/∂h_t‖", r.rnn_norms, theme.BLUE, "solid"),
        ("LSTM ‖∂h_T/∂(h_t, C_t)‖", r.lstm_norms["h"], theme.VERMILION, "solid"),
        ("LSTM cell path ‖∂C_T/∂C_t‖", r.lstm_norms["C"], theme.ORANGE, "dot"),
    )
    for name, values, colour, dash in curves:
        fig.add_trace(
            go.Scatter(
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
    fig.update_yaxes(
        **theme.log_axis(finite, 430 - 70), title="gradient norm (log)", range=[min(low, -1) - 0.5, max(high, 1) + 0.5]
    )
    fig.update_xaxes(title="steps back in time  T − t")
    fig.update_layout(legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0, xanchor="left"))
    return theme.style(fig, None, height=430)


def gradient_sweep(r: seq.SequenceReport) -> go.Figure:
    """log₁₀ ‖∂h_T/∂h_t‖ of the RNN over ρ (rows) and T − t (columns); the current ρ marked."""
    logs = np.log10(np.maximum(r.sweep_norms, NORM_FLOOR))
    lag = np.arange(logs.shape[1])
    fig = go.Figure(
        go.Heatmap(
            # colours saturate at ±SWEEP_CLIP decades so that modest explosion stays visible next to deep vanishing
            z=np.clip(logs, -SWEEP_CLIP, SWEEP_CLIP),
            customdata=logs,
            x=lag,
            y=r.sweep_radii,
            colorscale="RdBu_r",
            zmin=-SWEEP_CLIP,
            zmax=SWEEP_CLIP,
            colorbar=dict(title=dict(text="log₁₀ ‖·‖", side="right"), tickvals=[-SWEEP_CLIP, -3, 0, 3, SWEEP_CLIP]),
            hovertemplate="ρ = %{y}<br>T − t = %{x}<br>log₁₀‖∂h_T/∂h_t‖ = %{customdata:.2f}<extra></extra>",
        )
    )
    fig.add_hline(y=r.spectral_radius, line=dict(color=theme.BLACK, width=2, dash="dot"))
    fig.update_xaxes(title="steps back in time  T − t")
    fig.update_yaxes(title="spectral radius ρ")
    return theme.style(
        fig, "RNN: log₁₀ ‖∂h_T/∂h_t‖ for every ρ — blue vanishes (< 1), red explodes (> 1); dotted: your ρ", height=380
    )

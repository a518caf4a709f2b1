"""RNN & LSTM (sheet 8, 9): states and gates over time, and ‖∂h_T/∂h_t‖ — vanishing vs exploding gradients."""

import numpy as np
import streamlit as st

from core.sequence import rnn as seq
from ui import contract as ui
from viz.sequence import rnn as viz


@st.cache_data(max_entries=64)
def report(
    signal: str, steps: int, hidden: int, amplitude: float, radius: float, forget_bias: float, seed: int
) -> seq.SequenceReport:
    return seq.sequence_report(signal, steps, hidden, amplitude, radius, forget_bias, seed)


def _sci(value: float) -> str:
    """A number in LaTeX scientific notation, e.g. 8.78 × 10⁻⁵."""
    if value == 0 or not np.isfinite(value):
        return f"{value:g}"
    exponent = int(np.floor(np.log10(abs(value))))
    if -2 <= exponent <= 2:
        return f"{value:.3g}"
    return rf"{value / 10.0**exponent:.2f}\times 10^{{{exponent}}}"


def _at(values: np.ndarray, lag: int) -> str:
    return _sci(float(values[lag]))


ui.begin(
    __file__,
    intro="A vanilla RNN and an LSTM with random (untrained) weights read the **same** input sequence. Top: what "
    "their hidden states and gates do over time. Bottom: how much of a gradient arriving at the last step T "
    "survives on its way back to step t — computed exactly as the product of the step Jacobians.",
)
signal = ui.select(
    "Input signal", "signal", seq.SIGNALS, "sine", help="impulse: one spike at t = 1 — what does the state remember?"
)
steps = int(ui.slider("Sequence length T", "T", 5, 80, 40, 1))
hidden = int(ui.slider("Hidden size H", "H", 2, 24, 10, 1))
amplitude = ui.slider("Input amplitude", "amp", 0.0, 3.0, 1.0, 0.1, help="Large inputs saturate tanh and the gates.")
radius = ui.slider(
    "Spectral radius ρ of the recurrent weights",
    "rho",
    0.1,
    2.0,
    0.9,
    0.05,
    help="W_hh = ρ·Q with Q random orthogonal (every eigenvalue has |λ| = ρ); the LSTM's recurrent blocks W_g[:, :H] "
    "use the same ρ.",
)
forget_bias = ui.slider(
    "LSTM forget-gate bias b_f",
    "bf",
    -4.0,
    6.0,
    1.0,
    0.5,
    help="f_t = σ(W_f[h_{t−1}, x_t] + b_f): a large b_f keeps the forget gate open (f ≈ 1, remember).",
)
seed = ui.seed()

r = ui.attempt(report, signal, steps, hidden, amplitude, radius, forget_bias, seed)
T = steps

st.subheader("(a) Hidden states and gates over time")
ui.figure(viz.signal_and_output(r))
ui.figure(viz.rnn_states(r))
ui.formula(
    rf"h_t = \tanh(W_{{hh}} h_{{t-1}} + W_{{xh}} x_t + b_h),\quad y_t = W_{{hy}} h_t + b_y,\quad "
    rf"W_{{hh}} \in \mathbb{{R}}^{{{hidden}\times{hidden}}},\ W_{{xh}} \in \mathbb{{R}}^{{{hidden}\times 1}}:\quad "
    rf"\|h_{{{T}}}\| = {r.final_state_norm:.3f},\ y_{{{T}}} = {r.rnn.y[-1, 0]:.3f}",
    caption="Vanilla RNN (sheet 8a) with the current numbers, h₀ = 0",
)
ui.figure(viz.lstm_gates(r))
gates = r.gate_means
ui.formula(
    r"f_t = \sigma(W_f[h_{t-1}, x_t] + b_f),\ i_t = \sigma(W_i[h_{t-1}, x_t] + b_i),\ "
    r"\tilde C_t = \tanh(W_c[h_{t-1}, x_t] + b_c),\ o_t = \sigma(W_o[h_{t-1}, x_t] + b_o)",
    caption=f"LSTM gates (sheet 9a); each W_g is {hidden}×{hidden + 1}, acting on [h_(t−1), x_t]",
)
ui.formula(
    rf"C_t = f_t * C_{{t-1}} + i_t * \tilde C_t,\quad h_t = o_t * \tanh(C_t):\quad "
    rf"\bar f = {gates['f']:.3f}\ (\sigma(b_f) = {r.forget_gate_at_zero:.3f}),\ "
    rf"\bar i = {gates['i']:.3f},\ \bar o = {gates['o']:.3f},\ \max|C_t| = {gates['C_max']:.3f}",
    caption="Cell and hidden state, with the current averages of the gates over all units and steps",
)

st.subheader("(b) Vanishing and exploding gradients")
ui.figure(viz.gradient_norms(r))
last = T - 1
ui.formula(
    r"\frac{\partial h_T}{\partial h_t} = \prod_{k=t+1}^{T} \operatorname{diag}(1 - h_k^2)\, W_{hh},\qquad "
    r"\Big\|\frac{\partial h_T}{\partial h_t}\Big\| \le \prod_{k=t+1}^{T}\|\operatorname{diag}(1-h_k^2)\|\,"
    rf"\|W_{{hh}}\| \le \rho^{{T-t}} = {radius:g}^{{T-t}}",
    caption="RNN back-propagation through time: one Jacobian per step (|tanh′| ≤ 1, ‖W_hh‖₂ = ρ here)",
)
ui.formula(
    rf"T - t = {last}:\quad \text{{RNN}}\ \|\partial h_T/\partial h_t\| = {_at(r.rnn_norms, last)},\quad "
    rf"\rho^{{{last}}} = {_at(r.linear_bound, last)},\quad \text{{LSTM}}\ \|\partial h_T/\partial(h_t, C_t)\| = "
    rf"{_at(r.lstm_norms['h'], last)},\ \|\partial C_T/\partial C_t\| = {_at(r.lstm_norms['C'], last)}",
    caption="The norms (spectral, ‖·‖₂) from the first step to the last, with the current numbers",
)
ui.formula(
    r"\frac{\partial C_k}{\partial C_{k-1}} = \operatorname{diag}(f_k)\quad\Rightarrow\quad "
    r"\text{along the cell path}\ \frac{\partial C_T}{\partial C_t} = \operatorname{diag}\Big(\prod_{k=t+1}^{T} f_k\Big)"
    r"\ \text{(plus the paths through } h\text{)}",
    caption="Why the LSTM is different: the cell state is updated additively, so its own Jacobian is just the forget gate",
)
ui.figure(viz.gradient_sweep(r))
ui.what_to_notice(
    "- ρ < 1: the RNN's gradient norm falls on a straight line on the log axis — geometric decay, at least as fast "
    "as the grey ρ^(T−t). After a few dozen steps nothing of the error at T reaches the early inputs (vanishing).\n"
    "- ρ > 1: the norm can grow exponentially (exploding), until tanh saturates — then diag(1 − h²) ≈ 0 cuts it "
    "back. The sweep map shows both regimes and the narrow band near ρ ≈ 1 between them.\n"
    "- Raise the LSTM's forget bias: f ≈ 1 and the dotted ‖∂C_T/∂C_t‖ (whose direct part is diag(∏ f_k)) stays near 1 for many steps — the "
    "additive update C_t = f_t * C_(t−1) + … is the LSTM's gradient highway. A negative b_f closes it (f ≈ 0), and "
    "the LSTM forgets as fast as the RNN.\n"
    "- Impulse input: the RNN's state rings and dies out within a few steps at small ρ; the LSTM's cell state "
    "holds the spike as long as f stays near 1.\n"
    "- The weights are random, not trained: this is the gradient signal at initialization, the one training "
    "has to start from."
)
ui.end()

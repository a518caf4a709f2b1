"""Vanilla RNN and LSTM forward passes and their exact state Jacobians (sheet 8, 9), in NumPy.

Notation follows the course sheet:

* RNN (8a): ``h_t = tanh(W_hh h_{t-1} + W_xh x_t + b_h)``, ``y_t = W_hy h_t + b_y``;
* LSTM (9a), every gate acting on the concatenation ``[h_{t-1}, x_t]`` (h first, as on the sheet):
  ``f_t = σ(W_f[h_{t-1}, x_t] + b_f)``, ``i_t = σ(W_i[h_{t-1}, x_t] + b_i)``,
  ``C̃_t = tanh(W_c[h_{t-1}, x_t] + b_c)``, ``C_t = f_t * C_{t-1} + i_t * C̃_t``,
  ``o_t = σ(W_o[h_{t-1}, x_t] + b_o)``, ``h_t = o_t * tanh(C_t)``;
* vanishing / exploding gradients (8c): the back-propagated signal from step T to step t is the Jacobian
  product ``∂h_T/∂h_t = ∏_{k=t+1}^{T} ∂h_k/∂h_{k-1}``; for the RNN ``∂h_k/∂h_{k-1} = diag(1 − h_k²) W_hh``.

Shapes: ``x`` is ``(T, F)`` (T steps, F input features), hidden states are ``(T, H)``.
Recurrent matrices are ``ρ · Q`` with ``Q`` a random orthogonal matrix, so every eigenvalue has modulus ρ
(spectral radius = spectral norm = ρ): the slider value is exactly the factor by which the linear part of one
step stretches or shrinks a gradient.

Attention (sheet 10) lives in :mod:`core.sequence.attention`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.errors import InputError
from core.numerics import seed_streams, sigmoid

SIGNALS = ("sine", "square", "impulse", "noisy sine")
MAX_STEPS = 200
MAX_HIDDEN = 64
# Gate names in the sheet's order (torch stores them as i, f, g(=C̃), o).
LSTM_GATES = ("f", "i", "c", "o")

Seed = int | np.random.SeedSequence
"""An integer seed or one stream spawned from it (``core.numerics.seed_streams``)."""


def _orthogonal(rng: np.random.Generator, n: int) -> np.ndarray:
    """A random orthogonal n×n matrix (QR of a Gaussian, signs fixed so the draw is uniform)."""
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))


def _check_sizes(steps: int, hidden: int) -> None:
    if not 1 <= steps <= MAX_STEPS:
        raise InputError(f"The sequence length T must be between 1 and {MAX_STEPS}; got {steps}.")
    if not 1 <= hidden <= MAX_HIDDEN:
        raise InputError(f"The hidden size H must be between 1 and {MAX_HIDDEN}; got {hidden}.")


def make_signal(kind: str, steps: int, amplitude: float, seed: Seed) -> np.ndarray:
    """A one-feature input sequence x_1..x_T, shape (T, 1).

    sine: ``a sin(2π t / 12)``; square: its sign; impulse: ``a`` at t = 1, then 0 (what does the state
    remember of one event?); noisy sine: the sine plus N(0, (a/3)²) noise drawn from ``seed``.
    """
    if kind not in SIGNALS:
        raise InputError(f"Unknown signal {kind!r}; choose one of {', '.join(SIGNALS)}.")
    if steps < 1:
        raise InputError(f"The sequence length T must be at least 1; got {steps}.")
    t = np.arange(1, steps + 1)
    # a period of 12 steps: a few full cycles fit in the default T
    sine = np.sin(2 * np.pi * t / 12.0)
    if kind == "sine":
        x = amplitude * sine
    elif kind == "square":
        x = amplitude * np.where(sine >= 0, 1.0, -1.0)
    elif kind == "impulse":
        x = np.zeros(steps)
        x[0] = amplitude
    else:
        rng = np.random.default_rng(seed)
        x = amplitude * (sine + rng.normal(0.0, 1.0 / 3.0, steps))
    return x[:, None]  # (T,) -> (T, 1)


# --------------------------------------------------------------------------------------------- RNN


@dataclass(frozen=True)
class RNNParams:
    """Weights of a one-layer tanh RNN with a linear read-out (sheet 8a)."""

    W_xh: np.ndarray
    """Input-to-hidden, shape (H, F)."""
    W_hh: np.ndarray
    """Hidden-to-hidden, shape (H, H)."""
    b_h: np.ndarray
    """Hidden bias, shape (H,)."""
    W_hy: np.ndarray
    """Hidden-to-output, shape (O, H)."""
    b_y: np.ndarray
    """Output bias, shape (O,)."""


@dataclass(frozen=True)
class RNNRun:
    """A forward pass: the hidden state and output at every step."""

    h: np.ndarray
    """h_1..h_T, shape (T, H)."""
    y: np.ndarray
    """y_1..y_T, shape (T, O)."""


def init_rnn(inputs: int, hidden: int, outputs: int, spectral_radius: float, seed: Seed) -> RNNParams:
    """Random RNN weights: ``W_hh = ρ Q`` (Q orthogonal), ``W_xh, W_hy ~ N(0, 1/fan_in)``, small biases."""
    if spectral_radius < 0:
        raise InputError(f"The spectral radius ρ cannot be negative; got {spectral_radius}.")
    rng = np.random.default_rng(seed)
    return RNNParams(
        W_xh=rng.standard_normal((hidden, inputs)) / np.sqrt(inputs),
        W_hh=spectral_radius * _orthogonal(rng, hidden),
        b_h=0.1 * rng.standard_normal(hidden),
        W_hy=rng.standard_normal((outputs, hidden)) / np.sqrt(hidden),
        b_y=0.1 * rng.standard_normal(outputs),
    )


def rnn_forward(p: RNNParams, x: np.ndarray, h0: np.ndarray | None = None) -> RNNRun:
    """``h_t = tanh(W_hh h_{t-1} + W_xh x_t + b_h)``, ``y_t = W_hy h_t + b_y`` for t = 1..T (h_0 = 0 by default)."""
    steps, hidden = len(x), len(p.b_h)
    h_prev = np.zeros(hidden) if h0 is None else np.asarray(h0, dtype=float)
    hs = np.empty((steps, hidden))
    for t in range(steps):
        # h_t = tanh(W_hh h_{t-1} + W_xh x_t + b_h)
        h_prev = np.tanh(p.W_hh @ h_prev + p.W_xh @ x[t] + p.b_h)
        hs[t] = h_prev
    # y_t = W_hy h_t + b_y, all steps at once
    ys = hs @ p.W_hy.T + p.b_y
    return RNNRun(h=hs, y=ys)


def rnn_gradient_norms(p: RNNParams, run: RNNRun) -> np.ndarray:
    """``‖∂h_T/∂h_t‖₂`` for T − t = 0..T−1 (index = T − t), the spectral norm of the exact Jacobian product.

    ``∂h_T/∂h_t = ∏_{k=t+1}^{T} diag(1 − h_k²) W_hh`` (chain rule through ``h_k = tanh(W_hh h_{k-1} + ...)``),
    accumulated from k = T backwards, as back-propagation through time does.
    """
    steps, hidden = run.h.shape
    jacobian = np.eye(hidden)
    products = np.empty((steps, hidden, hidden))  # [T − t]: ∂h_T/∂h_t
    products[0] = jacobian
    for k in range(steps - 1, 0, -1):  # k is the 0-based index of h_k; this multiplies in ∂h_k/∂h_{k-1}
        # ∂h_T/∂h_{k-1} = ∂h_T/∂h_k · diag(1 − h_k²) W_hh
        jacobian = jacobian @ ((1.0 - run.h[k] ** 2)[:, None] * p.W_hh)
        products[steps - k] = jacobian
    # the spectral norms of all the products in one batched SVD (one call, not one per step)
    norms = np.linalg.norm(products, 2, axis=(1, 2))
    norms[0] = 1.0
    return norms


# --------------------------------------------------------------------------------------------- LSTM


@dataclass(frozen=True)
class LSTMParams:
    """Weights of a one-layer LSTM (sheet 9a): each gate g ∈ {f, i, c, o} has ``W_g`` of shape (H, H + F)
    acting on ``[h_{t-1}, x_t]`` and a bias ``b_g`` of shape (H,)."""

    W: dict[str, np.ndarray]
    b: dict[str, np.ndarray]

    @property
    def hidden(self) -> int:
        return len(self.b["f"])


@dataclass(frozen=True)
class LSTMRun:
    """Gate activations and states at every step, each of shape (T, H)."""

    f: np.ndarray
    i: np.ndarray
    c_tilde: np.ndarray
    C: np.ndarray
    o: np.ndarray
    h: np.ndarray


def init_lstm(inputs: int, hidden: int, spectral_radius: float, forget_bias: float, seed: Seed) -> LSTMParams:
    """Random LSTM weights: each gate's recurrent block ``W_g[:, :H] = ρ Q_g`` (Q_g orthogonal), input block
    ``~ N(0, 1/F)``, biases 0 except ``b_f`` = the forget-gate bias (a large b_f opens the forget gate: f ≈ 1)."""
    if spectral_radius < 0:
        raise InputError(f"The spectral radius ρ cannot be negative; got {spectral_radius}.")
    rng = np.random.default_rng(seed)
    W, b = {}, {}
    for gate in LSTM_GATES:
        recurrent = spectral_radius * _orthogonal(rng, hidden)
        from_input = rng.standard_normal((hidden, inputs)) / np.sqrt(inputs)
        W[gate] = np.hstack([recurrent, from_input])  # (H, H) | (H, F) -> (H, H + F): acts on [h_{t-1}, x_t]
        b[gate] = np.full(hidden, forget_bias if gate == "f" else 0.0)
    return LSTMParams(W=W, b=b)


def lstm_forward(p: LSTMParams, x: np.ndarray, h0: np.ndarray | None = None, C0: np.ndarray | None = None) -> LSTMRun:
    """The sheet's LSTM equations for t = 1..T (h_0 = C_0 = 0 by default)."""
    steps, hidden = len(x), p.hidden
    h_prev = np.zeros(hidden) if h0 is None else np.asarray(h0, dtype=float)
    C_prev = np.zeros(hidden) if C0 is None else np.asarray(C0, dtype=float)
    out = {name: np.empty((steps, hidden)) for name in ("f", "i", "c_tilde", "C", "o", "h")}
    for t in range(steps):
        z = np.concatenate([h_prev, x[t]])  # [h_{t-1}, x_t], shape (H + F,)
        # f_t = σ(W_f[h_{t-1}, x_t] + b_f)
        f = sigmoid(p.W["f"] @ z + p.b["f"])
        # i_t = σ(W_i[h_{t-1}, x_t] + b_i)
        i = sigmoid(p.W["i"] @ z + p.b["i"])
        # C̃_t = tanh(W_c[h_{t-1}, x_t] + b_c)
        c_tilde = np.tanh(p.W["c"] @ z + p.b["c"])
        # C_t = f_t * C_{t-1} + i_t * C̃_t
        C_prev = f * C_prev + i * c_tilde
        # o_t = σ(W_o[h_{t-1}, x_t] + b_o)
        o = sigmoid(p.W["o"] @ z + p.b["o"])
        # h_t = o_t * tanh(C_t)
        h_prev = o * np.tanh(C_prev)
        for name, value in zip(("f", "i", "c_tilde", "C", "o", "h"), (f, i, c_tilde, C_prev, o, h_prev)):
            out[name][t] = value
    return LSTMRun(**out)


def lstm_step_jacobian(p: LSTMParams, run: LSTMRun, k: int, C_before: np.ndarray) -> np.ndarray:
    """``∂(h_k, C_k)/∂(h_{k-1}, C_{k-1})``, shape (2H, 2H), at 0-based step ``k`` (``C_before`` = C_{k-1}).

    With ``W_g^h = W_g[:, :H]``: ``∂f/∂h = diag(f(1−f)) W_f^h`` (same for i, o), ``∂C̃/∂h = diag(1−C̃²) W_c^h``;
    ``∂C_k/∂h_{k-1} = diag(C_{k-1}) ∂f/∂h + diag(C̃) ∂i/∂h + diag(i) ∂C̃/∂h``, ``∂C_k/∂C_{k-1} = diag(f)``;
    ``∂h_k/∂· = diag(tanh C_k) ∂o/∂· + diag(o (1 − tanh² C_k)) ∂C_k/∂·``.
    """
    H = p.hidden
    f, i, c_tilde, o = run.f[k], run.i[k], run.c_tilde[k], run.o[k]
    tanh_C = np.tanh(run.C[k])
    d_f = (f * (1 - f))[:, None] * p.W["f"][:, :H]
    d_i = (i * (1 - i))[:, None] * p.W["i"][:, :H]
    d_o = (o * (1 - o))[:, None] * p.W["o"][:, :H]
    d_c = (1 - c_tilde**2)[:, None] * p.W["c"][:, :H]
    # ∂C_k/∂h_{k-1} through f, i and C̃; ∂C_k/∂C_{k-1} = diag(f_k)
    dC_dh = C_before[:, None] * d_f + c_tilde[:, None] * d_i + i[:, None] * d_c
    dC_dC = np.diag(f)
    through_C = (o * (1 - tanh_C**2))[:, None]
    # h_k = o_k * tanh(C_k): product rule
    dh_dh = tanh_C[:, None] * d_o + through_C * dC_dh
    dh_dC = through_C * dC_dC
    return np.block([[dh_dh, dh_dC], [dC_dh, dC_dC]])


def lstm_gradient_norms(p: LSTMParams, run: LSTMRun) -> dict[str, np.ndarray]:
    """For T − t = 0..T−1 (index = T − t), spectral norms of the exact Jacobian products:

    ``"h"``: ``‖∂h_T/∂(h_t, C_t)‖₂`` — how strongly the last output depends on the whole state at step t;
    ``"C"``: ``‖∂C_T/∂C_t‖₂`` — the cell-state path alone (the "constant error carousel").
    Both from ``∂s_T/∂s_t = ∏_{k=t+1}^{T} ∂s_k/∂s_{k-1}``, ``s = (h, C)``.
    """
    steps, H = run.h.shape
    jacobian = np.eye(2 * H)
    products = np.empty((steps, 2 * H, 2 * H))  # [T − t]: ∂s_T/∂s_t
    products[0] = jacobian
    for k in range(steps - 1, 0, -1):
        # ∂s_T/∂s_{k-1} = ∂s_T/∂s_k · ∂s_k/∂s_{k-1}
        jacobian = jacobian @ lstm_step_jacobian(p, run, k, run.C[k - 1])
        products[steps - k] = jacobian
    # spectral norms of the h rows and of the C block, each in one batched SVD
    norms_h = np.linalg.norm(products[:, :H], 2, axis=(1, 2))
    norms_C = np.linalg.norm(products[:, H:, H:], 2, axis=(1, 2))
    norms_h[0], norms_C[0] = 1.0, 1.0
    return {"h": norms_h, "C": norms_C}


# --------------------------------------------------------------------------------------------- report


@dataclass(frozen=True)
class SequenceReport:
    """Everything the RNN & LSTM page shows for one setting."""

    x: np.ndarray
    """Input sequence, shape (T, 1)."""
    rnn: RNNRun
    lstm: LSTMRun
    rnn_norms: np.ndarray
    """‖∂h_T/∂h_t‖ for T − t = 0..T−1."""
    lstm_norms: dict[str, np.ndarray]
    spectral_radius: float
    forget_bias: float
    sweep_radii: np.ndarray
    """ρ values of the sweep, shape (R,)."""
    sweep_norms: np.ndarray
    """RNN ‖∂h_T/∂h_t‖ for each ρ (rows) and T − t (columns), shape (R, T)."""

    @property
    def linear_bound(self) -> np.ndarray:
        """ρ^{T−t} for T − t = 0..T−1: the bound ‖∂h_T/∂h_t‖ ≤ ∏‖diag(1 − h_k²)‖ ‖W_hh‖ ≤ ρ^{T−t} (|tanh′| ≤ 1)."""
        # ρ^{T−t}, one entry per lag T − t
        return self.spectral_radius ** np.arange(len(self.rnn_norms))

    @property
    def final_state_norm(self) -> float:
        """‖h_T‖₂, the length of the RNN's last hidden state."""
        return float(np.linalg.norm(self.rnn.h[-1]))

    @property
    def forget_gate_at_zero(self) -> float:
        """σ(b_f): the forget gate's value when W_f[h_{t-1}, x_t] = 0, i.e. what the bias alone sets."""
        return float(sigmoid(self.forget_bias))

    @property
    def gate_means(self) -> dict[str, float]:
        """f̄, ī, ō (means over all units and steps) and max_t |C_t| of the LSTM."""
        return {
            "f": float(self.lstm.f.mean()),
            "i": float(self.lstm.i.mean()),
            "o": float(self.lstm.o.mean()),
            "C_max": float(np.abs(self.lstm.C).max()),
        }


def sequence_report(
    signal: str,
    steps: int,
    hidden: int,
    amplitude: float,
    spectral_radius: float,
    forget_bias: float,
    seed: int,
    sweep_radii: tuple[float, ...] = tuple(np.round(np.linspace(0.2, 2.0, 19), 2)),
) -> SequenceReport:
    """Both networks on the same input: states over time and the gradient norms ‖∂h_T/∂h_t‖.

    The signal noise, the RNN and the LSTM weights come from three independent streams
    ``SeedSequence(seed).spawn(3)``; every ρ of the sweep reuses the RNN's stream (the same Q, scaled by ρ).
    """
    _check_sizes(steps, hidden)
    signal_stream, rnn_stream, lstm_stream = seed_streams(seed, 3)
    x = make_signal(signal, steps, amplitude, signal_stream)
    rnn_p = init_rnn(1, hidden, 1, spectral_radius, rnn_stream)
    rnn = rnn_forward(rnn_p, x)
    lstm_p = init_lstm(1, hidden, spectral_radius, forget_bias, lstm_stream)
    lstm = lstm_forward(lstm_p, x)
    sweep = np.empty((len(sweep_radii), steps))
    for row, radius in enumerate(sweep_radii):
        p = init_rnn(1, hidden, 1, radius, rnn_stream)
        sweep[row] = rnn_gradient_norms(p, rnn_forward(p, x))
    return SequenceReport(
        x=x,
        rnn=rnn,
        lstm=lstm,
        rnn_norms=rnn_gradient_norms(rnn_p, rnn),
        lstm_norms=lstm_gradient_norms(lstm_p, lstm),
        spectral_radius=spectral_radius,
        forget_bias=forget_bias,
        sweep_radii=np.asarray(sweep_radii, dtype=float),
        sweep_norms=sweep,
    )

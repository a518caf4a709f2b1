"""core.sequence.rnn against torch.nn.RNN / torch.nn.LSTM and torch.autograd; bad input raises InputError."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from core.errors import InputError
from core.sequence import rnn as seq


def _torch(a: np.ndarray) -> torch.Tensor:
    return torch.tensor(a, dtype=torch.float64)


def _random_input(steps: int, features: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((steps, features))


# --------------------------------------------------------------------------------------------- RNN


def _torch_rnn(p: seq.RNNParams) -> torch.nn.RNN:
    hidden, features = p.W_xh.shape
    net = torch.nn.RNN(features, hidden, nonlinearity="tanh", batch_first=True).double()
    with torch.no_grad():
        net.weight_ih_l0.copy_(_torch(p.W_xh))
        net.weight_hh_l0.copy_(_torch(p.W_hh))
        # torch adds two biases, b_ih + b_hh; the sheet has one: split it to check the sum is what counts
        net.bias_ih_l0.copy_(_torch(0.3 * p.b_h))
        net.bias_hh_l0.copy_(_torch(0.7 * p.b_h))
    return net


@pytest.mark.parametrize("features,hidden,radius", [(1, 6, 0.9), (3, 5, 1.7)])
def test_rnn_forward_matches_torch(features, hidden, radius):
    p = seq.init_rnn(features, hidden, 2, radius, seed=4)
    x = _random_input(15, features)
    h0 = np.random.default_rng(9).standard_normal(hidden) * 0.5
    run = seq.rnn_forward(p, x, h0)
    out, h_last = _torch_rnn(p)(_torch(x)[None], _torch(h0)[None, None])
    np.testing.assert_allclose(run.h, out[0].detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(run.h[-1], h_last[0, 0].detach().numpy(), atol=1e-12)
    y = out[0] @ _torch(p.W_hy).T + _torch(p.b_y)
    np.testing.assert_allclose(run.y, y.detach().numpy(), atol=1e-12)


def test_rnn_recurrent_matrix_has_the_chosen_spectral_radius():
    p = seq.init_rnn(1, 8, 1, 1.3, seed=2)
    np.testing.assert_allclose(np.abs(np.linalg.eigvals(p.W_hh)), 1.3, atol=1e-10)


@pytest.mark.parametrize("radius", [0.6, 1.0, 1.8])
def test_rnn_gradient_norms_match_autograd(radius):
    p = seq.init_rnn(2, 5, 1, radius, seed=1)
    x = _random_input(12, 2, seed=3)
    run = seq.rnn_forward(p, x)
    norms = seq.rnn_gradient_norms(p, run)
    W_xh, W_hh, b_h = _torch(p.W_xh), _torch(p.W_hh), _torch(p.b_h)
    xt = _torch(x)
    for t in range(len(x)):  # 0-based t: h_t = run.h[t]

        def last_from(h_t, t=t):
            h = h_t
            for k in range(t + 1, len(x)):
                h = torch.tanh(W_hh @ h + W_xh @ xt[k] + b_h)
            return h

        jac = torch.autograd.functional.jacobian(last_from, _torch(run.h[t]))
        expected = torch.linalg.matrix_norm(jac, ord=2).item()
        assert norms[len(x) - 1 - t] == pytest.approx(expected, rel=1e-9, abs=1e-14)


def test_rnn_gradient_vanishes_below_and_grows_above_radius_one():
    x = seq.make_signal("sine", 60, 0.3, 0)
    small = seq.init_rnn(1, 12, 1, 0.5, 0)
    large = seq.init_rnn(1, 12, 1, 2.0, 0)
    # the linear part bounds it: ‖∂h_T/∂h_t‖ ≤ ρ^{T−t} since |tanh′| ≤ 1 and ‖W_hh‖₂ = ρ
    small_norms = seq.rnn_gradient_norms(small, seq.rnn_forward(small, x))
    assert np.all(small_norms <= 0.5 ** np.arange(60) * (1 + 1e-9))
    assert small_norms[-1] < 1e-12
    assert seq.rnn_gradient_norms(large, seq.rnn_forward(large, x))[-1] > 1e2


# --------------------------------------------------------------------------------------------- LSTM


def _torch_lstm(p: seq.LSTMParams) -> torch.nn.LSTM:
    H = p.hidden
    features = p.W["f"].shape[1] - H
    net = torch.nn.LSTM(features, H, batch_first=True).double()
    order = ("i", "f", "c", "o")  # torch's gate order: input, forget, cell (g), output
    with torch.no_grad():
        net.weight_hh_l0.copy_(_torch(np.vstack([p.W[g][:, :H] for g in order])))  # (4H, H)
        net.weight_ih_l0.copy_(_torch(np.vstack([p.W[g][:, H:] for g in order])))  # (4H, F)
        biases = np.concatenate([p.b[g] for g in order])
        net.bias_ih_l0.copy_(_torch(0.25 * biases))
        net.bias_hh_l0.copy_(_torch(0.75 * biases))
    return net


@pytest.mark.parametrize("features,hidden,forget_bias", [(1, 4, 1.0), (3, 6, -2.0)])
def test_lstm_forward_matches_torch(features, hidden, forget_bias):
    p = seq.init_lstm(features, hidden, 1.1, forget_bias, seed=5)
    # non-zero biases in every gate, so a gate mix-up cannot hide behind zeros
    rng = np.random.default_rng(7)
    p = seq.LSTMParams(W=p.W, b={g: v + 0.5 * rng.standard_normal(hidden) for g, v in p.b.items()})
    x = _random_input(14, features, seed=2)
    h0, C0 = 0.4 * rng.standard_normal(hidden), 0.8 * rng.standard_normal(hidden)
    run = seq.lstm_forward(p, x, h0, C0)
    out, (_, C_last) = _torch_lstm(p)(_torch(x)[None], (_torch(h0)[None, None], _torch(C0)[None, None]))
    np.testing.assert_allclose(run.h, out[0].detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(run.C[-1], C_last[0, 0].detach().numpy(), atol=1e-12)
    # the gates obey the sheet's identities
    np.testing.assert_allclose(run.h, run.o * np.tanh(run.C), atol=1e-14)
    np.testing.assert_allclose(run.C[1:], run.f[1:] * run.C[:-1] + run.i[1:] * run.c_tilde[1:], atol=1e-14)


@pytest.mark.parametrize("forget_bias", [-1.0, 3.0])
def test_lstm_gradient_norms_match_autograd(forget_bias):
    p = seq.init_lstm(2, 4, 1.2, forget_bias, seed=3)
    x = _random_input(10, 2, seed=8)
    run = seq.lstm_forward(p, x)
    norms = seq.lstm_gradient_norms(p, run)
    net = _torch_lstm(p)
    xt = _torch(x)[None]
    H, steps = p.hidden, len(x)
    for t in range(steps):

        def final_state(h_t, C_t, t=t):
            if t == steps - 1:
                return h_t, C_t
            _, (h, C) = net(xt[:, t + 1 :], (h_t[None, None], C_t[None, None]))
            return h[0, 0], C[0, 0]

        (dh_dh, dh_dC), (_, dC_dC) = torch.autograd.functional.jacobian(
            final_state, (_torch(run.h[t]), _torch(run.C[t]))
        )
        d_h_state = torch.cat([dh_dh, dh_dC], dim=1)  # ∂h_T/∂(h_t, C_t), shape (H, 2H)
        k = steps - 1 - t
        assert norms["h"][k] == pytest.approx(torch.linalg.matrix_norm(d_h_state, ord=2).item(), rel=1e-9)
        assert norms["C"][k] == pytest.approx(torch.linalg.matrix_norm(dC_dC, ord=2).item(), rel=1e-9)
        assert d_h_state.shape == (H, 2 * H)


def test_open_forget_gate_keeps_the_cell_gradient_alive():
    x = seq.make_signal("sine", 50, 0.5, 0)
    closed = seq.init_lstm(1, 8, 0.9, -3.0, 0)
    opened = seq.init_lstm(1, 8, 0.9, 5.0, 0)
    closed_C = seq.lstm_gradient_norms(closed, seq.lstm_forward(closed, x))["C"][-1]
    opened_C = seq.lstm_gradient_norms(opened, seq.lstm_forward(opened, x))["C"][-1]
    # ∂C_T/∂C_t = diag(∏ f_k): f ≈ σ(5) ≈ 0.993 keeps it near 1, f ≈ σ(−3) ≈ 0.05 kills it
    assert opened_C > 0.5
    assert closed_C < 1e-20


# --------------------------------------------------------------------------------------------- input


def test_report_shapes_and_bad_input():
    r = seq.sequence_report("impulse", 20, 5, 1.0, 0.9, 1.0, 0)
    assert r.rnn.h.shape == r.lstm.f.shape == (20, 5)
    assert r.sweep_norms.shape == (len(r.sweep_radii), 20)
    np.testing.assert_allclose(r.x[1:], 0.0)
    with pytest.raises(InputError, match="length T"):
        seq.sequence_report("sine", 0, 5, 1.0, 0.9, 1.0, 0)
    with pytest.raises(InputError, match="hidden size"):
        seq.sequence_report("sine", 10, 500, 1.0, 0.9, 1.0, 0)
    with pytest.raises(InputError, match="Unknown signal"):
        seq.make_signal("triangle", 10, 1.0, 0)
    with pytest.raises(InputError, match="spectral radius"):
        seq.init_rnn(1, 4, 1, -1.0, 0)


def test_report_summaries_match_their_definitions():
    r = seq.sequence_report("noisy sine", 30, 6, 1.5, 1.3, 2.0, 3)
    lag = np.arange(30)
    np.testing.assert_allclose(r.linear_bound, 1.3**lag)
    # |tanh′| ≤ 1 and ‖W_hh‖₂ = ρ: the exact norms never exceed ρ^{T−t}
    assert np.all(r.rnn_norms <= r.linear_bound * (1 + 1e-9))
    assert r.final_state_norm == pytest.approx(float(torch.linalg.vector_norm(_torch(r.rnn.h[-1]))))
    assert r.forget_gate_at_zero == pytest.approx(float(torch.sigmoid(torch.tensor(2.0, dtype=torch.float64))))
    gates = r.gate_means
    assert gates["f"] == pytest.approx(float(np.mean(r.lstm.f)))
    assert gates["C_max"] == pytest.approx(float(np.max(np.abs(r.lstm.C))))
    # the sweep reuses the RNN's weights: its row at the current ρ is the RNN's own curve
    row = int(np.argmin(np.abs(r.sweep_radii - 1.3)))
    np.testing.assert_allclose(r.sweep_norms[row], r.rnn_norms)


def test_report_is_seeded_with_independent_streams():
    first = seq.sequence_report("noisy sine", 20, 5, 1.0, 0.9, 1.0, 7)
    again = seq.sequence_report("noisy sine", 20, 5, 1.0, 0.9, 1.0, 7)
    other = seq.sequence_report("noisy sine", 20, 5, 1.0, 0.9, 1.0, 8)
    np.testing.assert_array_equal(first.rnn.h, again.rnn.h)
    np.testing.assert_array_equal(first.lstm.h, again.lstm.h)
    assert not np.allclose(first.x, other.x)
    assert not np.allclose(first.rnn.h, other.rnn.h)

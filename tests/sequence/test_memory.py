"""The memory task (core/sequence/memory.py): the trained torch.nn.RNN / torch.nn.LSTM equal the sheet's NumPy
forward (core/sequence/rnn.py) on their weights; ‖∂ℓ/∂h_t‖ equals the NumPy Jacobian products; clipping bounds
the step; the shipped LSTM solves delay 20 where the shipped RNN stays at chance."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from core.errors import InputError
from core.sequence import memory as mem
from core.sequence import rnn as seq


def _trained(config: mem.MemoryConfig, steps: int = 20) -> mem.MemoryTrainer:
    trainer = mem.MemoryTrainer(dataclasses.replace(config, steps=steps, eval_every=10))
    trainer.train_chunk(steps)
    return trainer


def test_memory_batch_flags_the_first_symbol():
    x, y = mem.memory_batch(4, 7, 50, np.random.default_rng(0))
    assert x.shape == (50, 7, 5) and y.shape == (50,)
    np.testing.assert_array_equal(x[:, :, :4].sum(axis=2), 1.0)  # one symbol per step
    np.testing.assert_array_equal(x[:, 0, :4].argmax(axis=1), y)
    assert x[:, 0, 4].all() and not x[:, 1:, 4].any()
    assert mem.describe(x[0])[0] == f"[{chr(ord('A') + int(y[0]))}]"


@pytest.mark.parametrize("cell", mem.CELLS)
def test_trained_network_equals_the_numpy_forward(cell):
    """The gate traces the page draws come from core.sequence.rnn on the trained weights: same states."""
    trainer = _trained(mem.MemoryConfig(cell=cell, delay=9, hidden=6, seed=2))
    x = trainer.test[0][:3].double()
    net = trainer.net.double()
    with torch.no_grad():
        states, _ = net.recurrent(x)
        logits = net(x)
    net.float()
    for b in range(3):
        _, run, p = trainer.trace(x[b].numpy())
        np.testing.assert_allclose(run.h, states[b].numpy(), atol=1e-6)
        np.testing.assert_allclose(p, torch.softmax(logits[b], 0).numpy(), atol=1e-6)
    if cell == "LSTM":  # the sheet's identities hold on the trained gates
        np.testing.assert_allclose(run.C[1:], run.f[1:] * run.C[:-1] + run.i[1:] * run.c_tilde[1:], atol=1e-12)


@pytest.mark.parametrize("cell", mem.CELLS)
def test_unrolled_states_match_the_fused_module(cell):
    trainer = mem.MemoryTrainer(mem.MemoryConfig(cell=cell, delay=8, hidden=5, seed=1))
    x = trainer.test[0][:4]
    hs, Cs = mem.unrolled_states(trainer.net, x)
    states, (_, C_last) = (trainer.net.recurrent(x)[0], (None, None)) if cell == "RNN" else trainer.net.recurrent(x)
    np.testing.assert_allclose(torch.stack(hs, 1).detach().numpy(), states.detach().numpy(), atol=1e-6)
    if cell == "LSTM":
        np.testing.assert_allclose(Cs[-1].detach().numpy(), C_last[0].detach().numpy(), atol=1e-6)


@pytest.mark.parametrize("cell", mem.CELLS)
def test_state_gradients_equal_the_numpy_jacobian_products(cell):
    """‖∂ℓ/∂h_t‖ by autograd through the unrolled cell against (∂s_T/∂s_t)ᵀ ∂ℓ/∂s_T from the tested Jacobians."""
    trainer = _trained(mem.MemoryConfig(cell=cell, delay=10, hidden=6, seed=5), steps=15)
    x, y = trainer.test[0][:1].double(), trainer.test[1][:1]
    net = trainer.net.double()
    measured = mem.state_gradient_norms(net, x, y)
    params, run, p = trainer.trace(x[0].numpy())
    net.float()
    H, T = 6, 10
    # ∂ℓ/∂h_T for ℓ = −log softmax(W_hy h_T + b)_y: W_hyᵀ (p − onehot(y))
    W_hy = trainer.net.readout.weight.detach().double().numpy()
    g_h = W_hy.T @ (p - np.eye(len(p))[int(y[0])])
    expected_h, expected_C = np.empty(T), np.empty(T)
    if cell == "RNN":
        for t in range(T - 1, -1, -1):
            expected_h[t] = np.linalg.norm(g_h)
            # ∂ℓ/∂h_{t−1} = (diag(1 − h_t²) W_hh)ᵀ ∂ℓ/∂h_t
            g_h = ((1 - run.h[t] ** 2)[:, None] * params.W_hh).T @ g_h
    else:
        g = np.concatenate([g_h, np.zeros(H)])  # ∂ℓ/∂(h_T, C_T): ℓ reads h_T only
        for t in range(T - 1, -1, -1):
            # autograd's ∂ℓ/∂C_t also moves h_t = o_t tanh(C_t) with it: + diag(o_t (1 − tanh² C_t)) ∂ℓ/∂h_t
            through_h = run.o[t] * (1 - np.tanh(run.C[t]) ** 2) * g[:H]
            expected_h[t], expected_C[t] = np.linalg.norm(g[:H]), np.linalg.norm(g[H:] + through_h)
            if t > 0:
                g = seq.lstm_step_jacobian(params, run, t, run.C[t - 1]).T @ g
        np.testing.assert_allclose(measured["C"], expected_C, rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(measured["h"], expected_h, rtol=1e-6, atol=1e-12)


def test_clipping_bounds_the_step():
    """Plain SGD: the step θ' − θ is −η·g, and with clipping ‖g‖ ≤ clip however large the gradient was."""
    config = mem.MemoryConfig(cell="RNN", optimizer="SGD", learning_rate=0.5, init_radius=1.0, clip=0.01, seed=0)
    trainer = mem.MemoryTrainer(dataclasses.replace(config, steps=1))
    before = torch.cat([p.detach().flatten().clone() for p in trainer.net.parameters()])
    trainer.train_chunk(1)
    after = torch.cat([p.detach().flatten() for p in trainer.net.parameters()])
    assert trainer.grad_norms[0] > 0.01  # the raw gradient was larger than the threshold ...
    assert float((after - before).norm()) / 0.5 == pytest.approx(0.01, rel=1e-4)  # ... the step was clipped


def test_untrained_rnn_gradient_vanishes_and_the_lstm_keeps_it():
    """At initialization (torch's default weights, b_f = 2) the error at T = 20 reaches step 1 of the LSTM
    orders of magnitude better than step 1 of the RNN."""
    rnn = mem.MemoryTrainer(mem.MemoryConfig(cell="RNN"))
    lstm = mem.MemoryTrainer(mem.MemoryConfig(cell="LSTM"))
    reach = {name: t.state_grads[0][0] / t.state_grads[0][-1] for name, t in (("rnn", rnn), ("lstm", lstm))}
    assert reach["rnn"] < 1e-3
    assert reach["lstm"] > 100 * reach["rnn"]


def test_shipped_lstm_solves_delay_20_where_the_rnn_fails():
    """The page's shipped default runs (T = 20, K = 4, Adam 3·10⁻³, 1000 steps), accuracy measured afresh."""
    base = mem.MemoryConfig()
    runs = {cell: mem.load_shipped(dataclasses.replace(base, cell=cell)) for cell in mem.CELLS}
    assert all(runs.values()), "run python -m scripts.make_pretrained seq-rnn-lstm"
    accuracy = {}
    for cell, trainer in runs.items():
        x, y = trainer.test
        with torch.no_grad():
            accuracy[cell] = float((trainer.net(x).argmax(1) == y).float().mean())
        assert accuracy[cell] == pytest.approx(trainer.test_accuracy, abs=1e-6)
    assert accuracy["LSTM"] >= 0.95 and accuracy["RNN"] <= 0.4


def test_sweep_shares_the_steps_and_reports_per_cell():
    sweep = mem.MemorySweep(mem.MemoryConfig(hidden=4, steps=6, eval_every=3), delays=(3, 5))
    sweep.train_chunk(10)
    assert [run.steps for run in sweep.runs] == [3, 3, 2, 2]
    sweep.train_chunk(100)
    assert sweep.finished and sweep.steps == sweep.total_steps == 24
    results = sweep.results()
    assert set(results) == set(mem.CELLS) and results["RNN"][0] == [3, 5]


def test_shipped_round_trips(tmp_path):
    config = mem.MemoryConfig(cell="LSTM", delay=4, hidden=3, steps=4, eval_every=2)
    trainer = mem.MemoryTrainer(config)
    trainer.train_chunk(4)
    mem.save_shipped(trainer, tmp_path)
    back = mem.load_shipped(config, tmp_path)
    assert back.finished and back.losses == pytest.approx(trainer.losses)
    assert back.fingerprint() == trainer.fingerprint()
    np.testing.assert_allclose(np.array(back.cell_grads), np.array(trainer.cell_grads), rtol=1e-6)
    sweep = mem.MemorySweep(dataclasses.replace(config, steps=2), delays=(3,))
    with pytest.raises(InputError, match="finished"):
        mem.save_sweep(sweep, tmp_path)
    sweep.train_chunk(10)
    mem.save_sweep(sweep, tmp_path)
    again = mem.load_sweep(sweep.base, (3,), tmp_path)
    assert again.finished
    for cell, (delays, values) in sweep.results().items():
        assert again.results()[cell][0] == delays and again.results()[cell][1] == pytest.approx(values)


def test_bad_configs_name_the_problem():
    with pytest.raises(InputError, match="Unknown cell"):
        mem.MemoryTrainer(mem.MemoryConfig(cell="GRU"))
    with pytest.raises(InputError, match="delay"):
        mem.MemoryTrainer(mem.MemoryConfig(delay=1))
    with pytest.raises(InputError, match="optimizer"):
        mem.MemoryTrainer(mem.MemoryConfig(optimizer="RMSprop"))

"""DQN / Double DQN (sheet 1.3): replay buffer, target network, DDQN target, determinism, Q slice, page."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch
from scipy import stats

from core.errors import InputError
from core.rl.common import EVAL_EPISODES, SLICE_RANGES, evaluate, mlp
from core.rl.dqn import (
    Q_SLICE_QUANTITIES,
    DQNConfig,
    DQNTrainer,
    ReplayBuffer,
    kept_evaluation,
    learning_rate_at,
    linear_epsilon,
    polyak_update,
    q_slice,
    q_slice_label,
    td_loss,
    td_target,
)
from tests.apptest_helpers import assert_healthy, run_page, train_to_end


# ------------------------------------------------------------------------------------------- replay buffer
def test_replay_buffer_is_bounded_and_keeps_the_newest():
    buffer = ReplayBuffer(capacity=10, obs_dim=1)
    for i in range(25):
        buffer.add([i], 0, float(i), [i + 1], False)
    assert buffer.size == 10
    assert sorted(buffer.rewards.tolist()) == list(range(15, 25))


def test_replay_sampling_is_uniform():
    buffer = ReplayBuffer(capacity=20, obs_dim=1)
    for i in range(20):
        buffer.add([i], 0, 0.0, [i], False)
    idx = buffer.sample_indices(200_000, np.random.default_rng(0))
    assert idx.min() >= 0 and idx.max() < 20
    counts = np.bincount(idx, minlength=20)
    assert stats.chisquare(counts).pvalue > 1e-3


# ------------------------------------------------------------------------------------------- target network
def test_target_network_changes_only_every_C_updates():
    C = 5
    trainer = DQNTrainer(DQNConfig(learning_starts=10, batch_size=8, target_update_C=C), seed=0)
    trainer.train_chunk(200)  # fills the buffer (no update before learning_starts... then rounds of 128)
    start = trainer.updates
    for _ in range(3 * C):
        before = [p.clone() for p in trainer.target_net.parameters()]
        trainer._update(trainer.buffer.sample_indices(8, trainer.rng))
        changed = any(not torch.equal(a, b) for a, b in zip(before, trainer.target_net.parameters()))
        assert changed == (trainer.updates % C == 0), f"update {trainer.updates}"
        if trainer.updates % C == 0:
            for a, b in zip(trainer.target_net.parameters(), trainer.q_net.parameters()):
                assert torch.equal(a, b)
    assert trainer.updates == start + 3 * C


def test_no_target_network_means_the_online_net_bootstraps():
    trainer = DQNTrainer(DQNConfig(target_network=False), seed=0)
    assert trainer.target_net is trainer.q_net


# ------------------------------------------------------------------------------------------- DDQN target
def _linear(weight, bias):
    layer = torch.nn.Linear(1, 2)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor(weight).reshape(2, 1))
        layer.bias.copy_(torch.tensor(bias))
    return layer


def test_double_dqn_target_uses_online_argmax_and_target_value():
    # online Q(s', ·) = (1, 2) at s' = 1: argmax is action 1; target Q(s', ·) = (10, 3)
    online = _linear([0.0, 0.0], [1.0, 2.0])
    target = _linear([0.0, 0.0], [10.0, 3.0])
    r, s_next, done = torch.tensor([0.5]), torch.tensor([[1.0]]), torch.tensor([0.0])
    gamma = 0.9
    ddqn = td_target(online, target, r, s_next, done, gamma, double=True)
    dqn = td_target(online, target, r, s_next, done, gamma, double=False)
    assert ddqn.item() == pytest.approx(0.5 + 0.9 * 3.0)  # Q(s', a*=1; θ⁻)
    assert dqn.item() == pytest.approx(0.5 + 0.9 * 10.0)  # max_a Q(s', a; θ⁻)
    terminal = td_target(online, target, r, s_next, torch.tensor([1.0]), gamma, double=True)
    assert terminal.item() == pytest.approx(0.5)


def test_dqn_is_deterministic_given_the_seed():
    logs = []
    for _ in range(2):
        trainer = DQNTrainer(DQNConfig(total_steps=1_500, learning_starts=500, eval_every=1_500), seed=7)
        trainer.train_chunk(1_500)
        logs.append((trainer.log.episode_return, trainer.log.loss, trainer.log.eval_mean))
    assert logs[0] == logs[1]


def test_huge_learning_rate_is_reported_as_divergence_with_finite_curves():
    trainer = DQNTrainer(
        DQNConfig(learning_rate=1e4, total_steps=5_000, learning_starts=500, train_frequency=4, gradient_steps=4),
        seed=0,
    )
    trainer.train_chunk(5_000)
    assert trainer.diverged and "learning rate" in trainer.diverged_reason
    assert all(np.isfinite(trainer.log.loss))
    assert all(np.isfinite(p.detach().numpy()).all() for p in trainer.q_net.parameters())


# ------------------------------------------------------------------------------------------- Q slice
def _toy_q(states: np.ndarray) -> np.ndarray:
    """Q(s, a₀) = θ (component 2), Q(s, a₁) = 2 θ̇ (component 3): a hand-checkable Q-function."""
    return np.stack([states[:, 2], 2.0 * states[:, 3]], axis=1)


def test_q_slice_max_and_preference_by_hand():
    n = 5
    xs, ys, z = q_slice(_toy_q, "CartPole-v1", 2, 3, "max_a Q(s,a)", n=n)
    np.testing.assert_allclose(xs, np.linspace(*SLICE_RANGES["CartPole-v1"][2], n))
    np.testing.assert_allclose(ys, np.linspace(*SLICE_RANGES["CartPole-v1"][3], n))
    # z[i, j] = max(Q(s_ij, a₀), Q(s_ij, a₁)) = max(x_j, 2 y_i): rows along y, columns along x
    assert z.shape == (n, n)
    for i in range(n):
        for j in range(n):
            assert z[i, j] == pytest.approx(max(xs[j], 2 * ys[i]))
    _, _, pref = q_slice(_toy_q, "CartPole-v1", 2, 3, "Q(s,a₁) − Q(s,a₀)", n=n)
    np.testing.assert_allclose(pref, 2 * ys[:, None] - xs[None, :])
    assert q_slice_label("CartPole-v1", Q_SLICE_QUANTITIES[1]) == "Q(push right) − Q(push left)"


def test_q_slice_of_a_trainer_matches_its_q_values_and_sets_other_components_to_zero():
    trainer = DQNTrainer(DQNConfig(), seed=0)
    xs, ys, z = q_slice(trainer.q_values, "CartPole-v1", 0, 1, n=7)
    state = np.zeros(4)
    state[0], state[1] = xs[3], ys[5]
    assert z[5, 3] == pytest.approx(trainer.q_values(state[None, :]).max())


@pytest.mark.parametrize("args", [(2, 2, "max_a Q(s,a)"), (0, 9, "max_a Q(s,a)"), (0, 1, "Q(s)")])
def test_q_slice_bad_input_raises(args):
    with pytest.raises(InputError):
        q_slice(_toy_q, "CartPole-v1", *args)


# ------------------------------------------------------------------------------------------- page
def test_dqn_page_trains_on_click_and_reports_divergence():
    at = run_page("pages/rl/dqn.py", {"steps": "2000", "variants": "DQN"})
    assert_healthy(at)
    at.selectbox(key="lr").set_value(1e4).run()
    train_to_end(at.button(key="rl_dqn_train").click().run(), "rl_dqn")
    assert_healthy(at, "after training with a huge learning rate")
    assert any("diverged" in w.value for w in at.warning)
    assert at.get("plotly_chart")


# ------------------------------------------------------------------------------------------- stabilisers
def test_huber_gradient_is_the_td_error_clipped_at_delta():
    q = torch.tensor([0.0, 0.0, 0.0, 0.0], requires_grad=True)
    y = torch.tensor([0.3, -0.5, 5.0, -40.0])
    delta = 1.0
    td_loss(q, y, "huber", delta).backward()
    # ∂L/∂Q_i = −clip(y_i − Q_i, −δ, δ) / B: the two far-off targets pull with δ, not with 5 and 40
    expected = -np.clip(y.numpy() - 0.0, -delta, delta) / 4
    np.testing.assert_allclose(q.grad.numpy(), expected, rtol=1e-6)
    q.grad = None
    td_loss(q, y, "mse").backward()
    np.testing.assert_allclose(q.grad.numpy(), -2 * y.numpy() / 4, rtol=1e-6)
    # the value: ½ e² within δ = 2 of the target (e = 0.5), δ (|e| − ½ δ) beyond it (e = 3)
    value = td_loss(torch.tensor([0.0, 0.0]), torch.tensor([0.5, 3.0]), "huber", 2.0).item()
    assert value == pytest.approx((0.5 * 0.5**2 + 2.0 * (3.0 - 1.0)) / 2)


def test_polyak_update_by_hand_and_tau_one_is_a_hard_copy():
    online = mlp((4, 8, 2), seed=1)
    target = mlp((4, 8, 2), seed=2)
    before = [p.detach().clone() for p in target.parameters()]
    polyak_update(target, online, 0.25)
    for p_target, p_before, p in zip(target.parameters(), before, online.parameters()):
        # θ⁻ ← τ θ + (1 − τ) θ⁻, elementwise
        torch.testing.assert_close(p_target, 0.25 * p + 0.75 * p_before)
    copied = mlp((4, 8, 2), seed=2)
    copied.load_state_dict(online.state_dict())
    polyak_update(target, online, 1.0)
    for a, b in zip(target.parameters(), copied.parameters()):
        assert torch.equal(a, b)


def test_soft_target_follows_every_update():
    trainer = DQNTrainer(DQNConfig(learning_starts=10, batch_size=8, target_update="soft", tau=0.1), seed=0)
    trainer.train_chunk(300)
    idx = trainer.buffer.sample_indices(8, trainer.replay_rng)
    before = [p.detach().clone() for p in trainer.target_net.parameters()]
    trainer._update(idx)
    for p_target, p_before, p in zip(trainer.target_net.parameters(), before, trainer.q_net.parameters()):
        torch.testing.assert_close(p_target, 0.1 * p.detach() + 0.9 * p_before)


def test_learning_rate_decay_matches_torch_linear_lr():
    config = DQNConfig(learning_rate=1e-3, lr_decay=True, lr_end_fraction=0.1, lr_decay_steps=1_000)
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([param], lr=config.learning_rate)
    reference = torch.optim.lr_scheduler.LinearLR(optimizer, start_factor=1.0, end_factor=0.1, total_iters=1_000)
    for t in range(1_200):
        assert learning_rate_at(t, config) == pytest.approx(optimizer.param_groups[0]["lr"], rel=1e-9), t
        optimizer.step()
        reference.step()
    assert learning_rate_at(10**6, config) == pytest.approx(1e-4)
    constant = DQNConfig(learning_rate=1e-3, lr_decay=False)
    assert learning_rate_at(0, constant) == learning_rate_at(10**6, constant) == 1e-3


def test_the_trainer_steps_with_the_scheduled_learning_rate():
    config = DQNConfig(learning_starts=256, lr_decay=True, lr_decay_steps=2_000, total_steps=3_000)
    trainer = DQNTrainer(config, seed=0)
    trainer.train_chunk(1_024)
    # the last training round began at env step 1_023 (rounds every train_frequency = 256 steps)
    assert trainer.optimizer.param_groups[0]["lr"] == pytest.approx(learning_rate_at(1_023, config))
    assert trainer.log.extra["learning_rate"][-1] == pytest.approx(learning_rate_at(1_023, config))
    assert learning_rate_at(1_023, config) < config.learning_rate


def test_epsilon_decays_over_exploration_steps_whatever_the_budget():
    for budget in (20_000, 100_000):
        config = DQNConfig(total_steps=budget, exploration_steps=10_000, epsilon_start=1.0, epsilon_end=0.04)
        assert linear_epsilon(0, config) == 1.0
        assert linear_epsilon(5_000, config) == pytest.approx(0.52)
        assert linear_epsilon(10_000, config) == linear_epsilon(19_000, config) == pytest.approx(0.04)


@pytest.mark.parametrize("max_norm", [1e-3, 0.5])
def test_gradient_clipping_bounds_the_norm_like_torch(max_norm):
    trainer = DQNTrainer(DQNConfig(learning_starts=10, batch_size=32, max_grad_norm=max_norm, loss="mse"), seed=0)
    trainer.train_chunk(300)
    reference = DQNTrainer(DQNConfig(learning_starts=10, batch_size=32, max_grad_norm=0.0, loss="mse"), seed=0)
    reference.q_net.load_state_dict(trainer.q_net.state_dict())
    reference.target_net.load_state_dict(trainer.target_net.state_dict())
    reference.buffer = trainer.buffer
    idx = trainer.buffer.sample_indices(32, trainer.replay_rng)
    trainer.optimizer.step = lambda: None  # look at the gradient the optimizer would use, weights unchanged
    reference.optimizer.step = lambda: None
    trainer._update(idx)
    reference._update(idx)
    raw = [p.grad.clone() for p in reference.q_net.parameters()]
    raw_norm = torch.linalg.vector_norm(torch.cat([g.flatten() for g in raw])).item()
    assert trainer._round_grad_norms[-1] == pytest.approx(raw_norm, rel=1e-5)  # the logged norm: before clipping
    clipped_norm = torch.linalg.vector_norm(torch.cat([p.grad.flatten() for p in trainer.q_net.parameters()])).item()
    assert clipped_norm <= max_norm * (1 + 1e-5) and raw_norm > max_norm
    # the same gradient as torch's clip_grad_norm_ applied to the unclipped one
    torch.nn.utils.clip_grad_norm_(list(reference.q_net.parameters()), max_norm)
    for a, b in zip(trainer.q_net.parameters(), reference.q_net.parameters()):
        torch.testing.assert_close(a.grad, b.grad)


# ------------------------------------------------------------------------------------------- keep the best
def test_kept_evaluation_takes_the_best_and_the_latest_of_ties():
    assert kept_evaluation([], []) is None
    assert kept_evaluation([2, 4, 6, 8], [10.0, 500.0, 300.0, 500.0]) == (8, 500.0)
    assert kept_evaluation([2, 4, 6], [10.0, 480.0, 300.0]) == (4, 480.0)


def test_the_kept_network_scores_its_kept_evaluation_again():
    config = DQNConfig(total_steps=8_000, eval_every=1_000, learning_starts=500)
    trainer = DQNTrainer(config, seed=2)
    trainer.train_chunk(8_000)
    step, mean = trainer.kept()
    assert mean == max(trainer.log.eval_mean)
    # evaluation is deterministic on the eval stream's start states: the copy reproduces its score there
    again = evaluate(trainer.result_actions, config.env_id, EVAL_EPISODES, trainer.streams["eval"])
    assert again.mean == pytest.approx(mean)
    if step != trainer.log.eval_step[-1]:
        # the online network moved on since
        assert not all(torch.equal(a, b) for a, b in zip(trainer.best_net.parameters(), trainer.q_net.parameters()))
    off = DQNTrainer(dataclasses.replace(config, keep_best=False), seed=2)
    off.train_chunk(8_000)
    assert not off.keeps_best
    np.testing.assert_array_equal(off.result_q_values(np.zeros((1, 4))), off.q_values(np.zeros((1, 4))))


@pytest.mark.parametrize(
    "bad",
    [
        dict(target_update="sometimes"),
        dict(tau=0.0),
        dict(tau=1.5),
        dict(loss="l1"),
        dict(huber_delta=0.0),
        dict(max_grad_norm=-1.0),
        dict(lr_end_fraction=0.0),
        dict(exploration_steps=0),
    ],
)
def test_bad_stabiliser_settings_raise(bad):
    with pytest.raises(InputError):
        dataclasses.replace(DQNConfig(), **bad).validate()

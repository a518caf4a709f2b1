"""DQN / Double DQN (sheet 1.3): replay buffer, target network, DDQN target, determinism, Q slice, page."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy import stats

from core.errors import InputError
from core.rl.common import SLICE_RANGES
from core.rl.dqn import Q_SLICE_QUANTITIES, DQNConfig, DQNTrainer, ReplayBuffer, q_slice, q_slice_label, td_target
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

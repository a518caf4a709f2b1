"""Deep RL (sheet 1.3–1.6): replay, target network, DDQN target, REINFORCE gradient, learning, pages."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
from scipy import stats

from core.actor_critic import ActorCriticConfig, ActorCriticTrainer, one_step_advantage
from core.dqn import DQNConfig, DQNTrainer, ReplayBuffer, td_target
from core.errors import InputError
from core.reinforce import (
    ReinforceConfig,
    ReinforceTrainer,
    gradient_variance,
    per_step_log_prob_gradients,
    surrogate_loss,
    trajectory_weights,
)
from core.rl_common import NumpyPolicy, discounted_returns, evaluate, mlp
from tests.apptest_helpers import assert_healthy, run_page

RANDOM_CARTPOLE_RETURN = 22.0  # mean return of the uniform random policy on CartPole-v1 (about 22)


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


# ------------------------------------------------------------------------------------------- REINFORCE
@pytest.mark.parametrize("reward_to_go", [False, True])
def test_reinforce_expected_gradient_equals_analytic_gradient(reward_to_go):
    """Two steps, a state-free softmax policy over 3 actions, reward r(a_t): enumerate all 9 trajectories."""
    logits = torch.tensor([0.3, -0.2, 0.5], requires_grad=True)
    reward = torch.tensor([1.0, -2.0, 3.0])
    pi = torch.softmax(logits, 0)
    # J(θ) = E[r(a_0) + r(a_1)] = 2 ∑_a π(a) r(a)   (γ = 1)
    analytic = torch.autograd.grad(2 * (pi * reward).sum(), logits)[0]
    expected = torch.zeros(3)
    for a0, a1 in itertools.product(range(3), repeat=2):
        p_tau = float((pi[a0] * pi[a1]).detach())
        log_probs = torch.log_softmax(logits, 0)[[a0, a1]]
        w = trajectory_weights([np.array([reward[a0].item(), reward[a1].item()])], 1.0, reward_to_go, baseline=False)[0]
        g = torch.autograd.grad(-surrogate_loss(log_probs, torch.tensor(w, dtype=torch.float32), 1), logits)[0]
        expected += p_tau * g
    torch.testing.assert_close(expected, analytic, atol=1e-6, rtol=1e-5)


def test_trajectory_weights_reward_to_go_and_baseline():
    rewards = [np.array([1.0, 1.0, 1.0]), np.array([1.0])]
    full = trajectory_weights(rewards, 0.5, reward_to_go=False, baseline=False)
    np.testing.assert_allclose(full[0], [1.75, 1.75, 1.75])
    rtg = trajectory_weights(rewards, 0.5, reward_to_go=True, baseline=False)
    np.testing.assert_allclose(rtg[0], [1.75, 1.5, 1.0])
    based = trajectory_weights(rewards, 0.5, reward_to_go=True, baseline=True)
    # b_0 = (1.75 + 1) / 2; later steps have only the first trajectory alive, so b_t = its own weight
    np.testing.assert_allclose(based[0], [1.75 - 1.375, 0.0, 0.0])
    np.testing.assert_allclose(based[1], [1.0 - 1.375])


def test_per_step_gradients_match_autograd():
    net = mlp((4, 8, 8, 2), seed=3)
    rng = np.random.default_rng(0)
    obs = rng.normal(size=(5, 4)).astype(np.float32)
    actions = np.array([0, 1, 1, 0, 1])
    ours = per_step_log_prob_gradients(net, obs, actions)
    for t in range(5):
        lp = torch.log_softmax(net(torch.from_numpy(obs[t : t + 1])), 1)[0, actions[t]]
        ref = torch.cat([g.reshape(-1) for g in torch.autograd.grad(lp, list(net.parameters()))]).numpy()
        np.testing.assert_allclose(ours[t], ref, rtol=1e-4, atol=1e-6)


def test_gradient_variance_falls_as_one_over_N_and_baseline_helps():
    gv = gradient_variance(seed=0, n_pool=60, batch_sizes=(1, 4, 16), n_batches=400)
    for name, v in gv.variance.items():
        ratio = v[0] / v[-1]
        assert 8 < ratio < 32, f"{name}: variance ratio N=1 vs 16 is {ratio}"
    assert gv.single_variance["r(τ) − b"] < gv.single_variance["r(τ)"]


def test_discounted_returns():
    np.testing.assert_allclose(discounted_returns(np.array([1.0, 2.0, 4.0]), 0.5), [1 + 1 + 1, 2 + 2, 4])


def test_one_step_advantage():
    target, adv = one_step_advantage(
        torch.tensor([1.0, 1.0]), torch.tensor([2.0, 2.0]), torch.tensor([3.0, 3.0]), torch.tensor([0.0, 1.0]), 0.5
    )
    torch.testing.assert_close(target, torch.tensor([2.5, 1.0]))
    torch.testing.assert_close(adv, torch.tensor([0.5, -1.0]))


def test_numpy_policy_matches_torch():
    net = mlp((4, 16, 16, 2), seed=1)
    x = np.random.default_rng(1).normal(size=(7, 4))
    np.testing.assert_allclose(
        NumpyPolicy(net)(x), net(torch.tensor(x, dtype=torch.float32)).detach().numpy(), rtol=1e-5, atol=1e-6
    )


# ------------------------------------------------------------------------------------------- input errors
@pytest.mark.parametrize(
    "make",
    [
        lambda: DQNConfig(gamma=1.5).validate(),
        lambda: DQNConfig(batch_size=100, buffer_size=10).validate(),
        lambda: DQNConfig(env_id="Pong").validate(),
        lambda: ReinforceConfig(episodes_per_batch=0).validate(),
        lambda: ActorCriticConfig(variant="sideways").validate(),
        lambda: ActorCriticConfig(actor_lr=-1.0).validate(),
    ],
)
def test_bad_hyperparameters_raise_input_error(make):
    with pytest.raises(InputError):
        make()


# ------------------------------------------------------------------------------------------- learning
def _random_mean() -> float:
    rng = np.random.default_rng(0)
    return evaluate(lambda obs: rng.integers(0, 2, size=len(obs)), "CartPole-v1", 20, seed=0).mean


def test_random_policy_baseline():
    assert abs(_random_mean() - RANDOM_CARTPOLE_RETURN) < 8


@pytest.mark.parametrize(
    "make",
    [
        lambda: DQNTrainer(DQNConfig(total_steps=12_000, eval_every=12_000), seed=1),
        lambda: ReinforceTrainer(ReinforceConfig(total_steps=20_000, eval_every=20_000), seed=0),
        lambda: ActorCriticTrainer(ActorCriticConfig(total_steps=30_000, eval_every=30_000), seed=0),
    ],
    ids=["dqn", "reinforce", "actor_critic_batch"],
)
def test_agent_beats_random_within_small_budget(make):
    trainer = make()
    while not trainer.finished:
        trainer.train_chunk(5_000)
    assert trainer.log.eval_mean, "no evaluation happened"
    assert trainer.log.eval_mean[-1] > 3 * RANDOM_CARTPOLE_RETURN


def test_online_actor_critic_trains_and_is_deterministic():
    runs = []
    for _ in range(2):
        trainer = ActorCriticTrainer(ActorCriticConfig(variant="online", total_steps=600, eval_every=600), seed=4)
        trainer.train_chunk(600)
        runs.append((trainer.log.episode_return, trainer.log.loss, trainer.log.eval_mean))
    assert runs[0] == runs[1]
    assert runs[0][1] and all(np.isfinite(runs[0][1]))


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


# ------------------------------------------------------------------------------------------- pages
def test_dqn_page_trains_on_click_and_reports_divergence():
    at = run_page("pages/rl_dqn.py", {"steps": "2000", "variants": "DQN"})
    assert_healthy(at)
    at.selectbox(key="lr").set_value(1e4).run()
    at.button(key="rl_dqn_train").click().run()
    assert_healthy(at, "after training with a huge learning rate")
    assert any("diverged" in w.value for w in at.warning)
    assert at.get("plotly_chart")


def test_policy_gradient_page_trains_and_measures_variance():
    at = run_page("pages/rl_policy_gradient.py", {"steps": "5000", "variants": "reward-to-go − b", "pool": "50"})
    at.button(key="rl_policy_gradient_train").click().run()
    assert_healthy(at, "after training")
    assert any("5,0" in m.value or "steps in" in m.value for m in at.markdown)
    at.button(key="measure").click().run()
    assert_healthy(at, "after the variance experiment")


def test_actor_critic_page_trains_and_shows_the_critic():
    at = run_page("pages/rl_actor_critic.py", {"steps": "5000"})
    at.button(key="rl_actor_critic_train").click().run()
    assert_healthy(at, "after training")
    assert len(at.get("plotly_chart")) >= 4

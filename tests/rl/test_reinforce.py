"""REINFORCE (sheet 1.4): the gradient estimator, reward-to-go and baseline weights, gradient variance, page."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from core.rl.common import mlp
from core.rl.reinforce import (
    gradient_variance,
    per_step_log_prob_gradients,
    surrogate_loss,
    trajectory_weights,
)
from tests.apptest_helpers import assert_healthy, run_page, train_to_end


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
    # the factor the page states is the ratio of the one-trajectory variances
    assert gv.reduction("r(τ) − b") == gv.single_variance["r(τ)"] / gv.single_variance["r(τ) − b"] > 1
    assert gv.reduction("r(τ)") == 1


# ------------------------------------------------------------------------------------------- page
def test_policy_gradient_page_trains_and_measures_variance():
    at = run_page("pages/rl/policy_gradient.py", {"steps": "5000", "variants": "reward-to-go − b", "pool": "50"})
    train_to_end(at.button(key="rl_policy_gradient_train").click().run(), "rl_policy_gradient")
    assert_healthy(at, "after training")
    assert any("5,0" in m.value or "steps in" in m.value for m in at.markdown)
    at.button(key="measure").click().run()
    assert_healthy(at, "after the variance experiment")
    measured = next(m.value for m in at.markdown if m.value.startswith("**Measured here:**"))
    assert "×" in measured and "order of magnitude" not in " ".join(m.value for m in at.markdown)

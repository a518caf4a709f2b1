"""The NumPy MLP of the online actor-critic against torch: forward, backward, Adam, clipping, one full update."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

from core.rl.actor_critic import ActorCriticConfig, ActorCriticTrainer
from core.rl.common import mlp
from core.rl.flat_mlp import FlatAdam, FlatMLP

X = np.random.default_rng(0).normal(size=(3, 4))


def _torch_grads(net, x, d_out):
    net.zero_grad()
    out = net(torch.tensor(x, dtype=torch.float64))
    out.backward(torch.tensor(d_out, dtype=torch.float64))
    return [p.grad.numpy() for p in net.parameters()]


def test_forward_and_backward_match_torch_autograd():
    net = mlp((4, 16, 16, 3), seed=1).double()
    flat = FlatMLP(net)
    out, inputs = flat.forward(X)
    np.testing.assert_allclose(out, net(torch.tensor(X)).detach().numpy(), rtol=1e-12)
    d_out = np.random.default_rng(1).normal(size=(3, 3))
    flat.backward(inputs, d_out)
    torch_grads = _torch_grads(net, X, d_out)
    # torch orders the parameters W_1, b_1, W_2, … and stores W as (n_out, n_in)
    ours = [g for w, b in zip(flat.weight_grads, flat.bias_grads) for g in (w.T, b)]
    for a, b in zip(ours, torch_grads):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_copy_to_and_load_from_round_trip():
    net = mlp((4, 8, 8, 2), seed=2)
    flat = FlatMLP(net)
    flat.params += 0.5
    other = copy.deepcopy(net)
    flat.copy_to(other)
    np.testing.assert_allclose(other[0].bias.detach().numpy(), net[0].bias.detach().numpy() + 0.5, rtol=1e-6)
    again = FlatMLP(other)
    np.testing.assert_allclose(again.params, flat.params, rtol=1e-6)


@pytest.mark.parametrize("beta1", [0.9, 0.0])
def test_flat_adam_matches_torch_adam(beta1):
    rng = np.random.default_rng(3)
    theta = rng.normal(size=50)
    torch_theta = torch.tensor(theta.copy(), requires_grad=True)
    reference = torch.optim.Adam([torch_theta], lr=1e-2, betas=(beta1, 0.999))
    adam = FlatAdam(50, lr=1e-2, beta1=beta1)
    for _ in range(20):
        g = rng.normal(size=50)
        adam.step(theta, g)
        torch_theta.grad = torch.tensor(g)
        reference.step()
    np.testing.assert_allclose(theta, torch_theta.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_clip_grad_norm_matches_torch():
    net = mlp((4, 8, 8, 2), seed=4).double()
    flat = FlatMLP(net)
    _, inputs = flat.forward(X)
    d_out = 100.0 * np.ones((3, 2))
    flat.backward(inputs, d_out)
    _torch_grads(net, X, d_out)
    norm = flat.clip_grad_norm(1.0)
    torch_norm = torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
    assert norm == pytest.approx(torch_norm.item(), rel=1e-10)
    assert np.linalg.norm(flat.grad) == pytest.approx(1.0, rel=1e-5)
    clipped = np.concatenate([g.T.ravel() for g in flat.weight_grads[:1]])
    np.testing.assert_allclose(clipped, net[0].weight.grad.numpy().ravel(), rtol=1e-9)


@pytest.mark.parametrize("entropy_coef", [0.0, 0.05])
def test_one_online_update_equals_the_torch_loss_and_adam(entropy_coef):
    """The hand-written online step equals autograd on the sheet's losses followed by torch.optim.Adam."""
    config = ActorCriticConfig(variant="online", reward_scale=0.01, adam_beta1=0.0, entropy_coef=entropy_coef)
    trainer = ActorCriticTrainer(config, seed=5)
    actor, critic = copy.deepcopy(trainer.actor).double(), copy.deepcopy(trainer.critic).double()
    s, s_next = np.array([0.01, 0.2, -0.03, 0.1]), np.array([0.02, 0.3, -0.04, -0.2])
    action, reward = 1, 1.0
    out, inputs = trainer._flat_actor.forward(s[None, :])
    trainer._losses = []
    assert trainer._online_update(inputs, out[0], action, reward, s, s_next, False)

    opt = torch.optim.Adam(
        [
            {"params": actor.parameters(), "lr": config.actor_lr},
            {"params": critic.parameters(), "lr": config.critic_lr},
        ],
        betas=(0.0, 0.999),
    )
    st, st_next = torch.tensor(s)[None, :], torch.tensor(s_next)[None, :]
    v = critic(st)[0, 0]
    target = config.reward_scale * reward + config.gamma * critic(st_next)[0, 0].detach()
    advantage = (target - v).detach()
    log_probs = torch.log_softmax(actor(st), dim=1)[0]
    entropy = -(log_probs.exp() * log_probs).sum()
    loss = (v - target) ** 2 - log_probs[action] * advantage - entropy_coef * entropy
    loss.backward()
    opt.step()
    for ours, net in ((trainer._flat_actor, actor), (trainer._flat_critic, critic)):
        expected = FlatMLP(net).params
        np.testing.assert_allclose(ours.params, expected, rtol=1e-6, atol=1e-9)

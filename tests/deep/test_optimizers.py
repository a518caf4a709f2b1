"""SGD, momentum and Adam against torch.optim, and the 2-D loss surfaces of the optimizers page (sheet 6d)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from core.deep import optim2d, optimizers


@pytest.mark.parametrize("bias_correction", [True, False])
def test_adam_matches_torch_step_for_step(bias_correction):
    rng = np.random.default_rng(3)
    theta0 = [rng.normal(size=(3, 2)), rng.normal(size=3)]
    cfg = optimizers.OptimizerConfig("adam", lr=0.01, beta1=0.8, beta2=0.99, eps=1e-8, bias_correction=bias_correction)
    tensors = [torch.tensor(p.copy(), requires_grad=True) for p in theta0]
    if bias_correction:
        reference = torch.optim.Adam(tensors, lr=0.01, betas=(0.8, 0.99), eps=1e-8)
    ours, state = [p.copy() for p in theta0], optimizers.OptimizerState()
    # without bias correction torch has no switch; the reference is then the update written out in torch
    m_ref = [torch.zeros_like(t) for t in tensors]
    v_ref = [torch.zeros_like(t) for t in tensors]
    for _ in range(25):
        grads = [rng.normal(size=p.shape) for p in theta0]
        ours, state = optimizers.optimizer_step(ours, grads, state, cfg)
        if bias_correction:
            reference.zero_grad()
            for t, g in zip(tensors, grads):
                t.grad = torch.tensor(g)
            reference.step()
        else:
            with torch.no_grad():
                for i, (t, g) in enumerate(zip(tensors, grads)):
                    g = torch.tensor(g)
                    m_ref[i].mul_(0.8).add_(0.2 * g)
                    v_ref[i].mul_(0.99).add_(0.01 * g * g)
                    t.sub_(0.01 * m_ref[i] / (v_ref[i].sqrt() + 1e-8))
        for p, t in zip(ours, tensors):
            np.testing.assert_allclose(p, t.detach().numpy(), rtol=1e-10, atol=1e-13)


def test_adam_without_bias_correction_differs_early():
    g = [np.array([1.0])]
    on, _ = optimizers.optimizer_step(
        [np.zeros(1)], g, optimizers.OptimizerState(), optimizers.OptimizerConfig("adam", lr=0.1)
    )
    off, _ = optimizers.optimizer_step(
        [np.zeros(1)], g, optimizers.OptimizerState(), optimizers.OptimizerConfig("adam", lr=0.1, bias_correction=False)
    )
    assert on[0][0] == pytest.approx(-0.1, rel=1e-6)  # first bias-corrected step is η·sign(g)
    assert off[0][0] == pytest.approx(-0.1 * 0.1 / np.sqrt(0.001), rel=1e-6)  # (1−β₁)/√(1−β₂) ≈ 3.16 η


@pytest.mark.parametrize("mu", [0.0, 0.5, 0.95])
def test_momentum_matches_torch_sgd(mu):
    rng = np.random.default_rng(4)
    theta0 = [rng.normal(size=(2, 2)), rng.normal(size=2)]
    tensors = [torch.tensor(p.copy(), requires_grad=True) for p in theta0]
    reference = torch.optim.SGD(tensors, lr=0.05, momentum=mu)
    cfg = optimizers.OptimizerConfig("momentum", lr=0.05, momentum=mu)
    ours, state = [p.copy() for p in theta0], optimizers.OptimizerState()
    for _ in range(30):
        grads = [rng.normal(size=p.shape) for p in theta0]
        ours, state = optimizers.optimizer_step(ours, grads, state, cfg)
        reference.zero_grad()
        for t, g in zip(tensors, grads):
            t.grad = torch.tensor(g)
        reference.step()
        for p, t in zip(ours, tensors):
            np.testing.assert_allclose(p, t.detach().numpy(), rtol=1e-11, atol=1e-13)


def test_sgd_matches_torch():
    theta = [np.array([1.0, -2.0])]
    t = torch.tensor(theta[0].copy(), requires_grad=True)
    opt = torch.optim.SGD([t], lr=0.3)
    t.grad = torch.tensor([0.5, 0.25], dtype=torch.float64)
    opt.step()
    ours, _ = optimizers.optimizer_step(
        theta, [np.array([0.5, 0.25])], optimizers.OptimizerState(), optimizers.OptimizerConfig("sgd", 0.3)
    )
    np.testing.assert_allclose(ours[0], t.detach().numpy())


@pytest.mark.parametrize("name", optim2d.SURFACES)
def test_surface_gradients_are_the_slopes(name):
    surf = optim2d.surface(name)
    rng = np.random.default_rng(0)
    for x, y in rng.uniform(-1.5, 1.5, size=(10, 2)):
        h = 1e-6
        gx, gy = surf.grad(x, y)
        assert gx == pytest.approx((surf.f(x + h, y) - surf.f(x - h, y)) / (2 * h), rel=1e-5, abs=1e-5)
        assert gy == pytest.approx((surf.f(x, y + h) - surf.f(x, y - h)) / (2 * h), rel=1e-5, abs=1e-5)
        assert surf.f(x, y) >= surf.f_min - 1e-12


def test_gradient_descent_on_quadratic_diverges_exactly_beyond_two_over_kappa():
    surf = optim2d.surface("quadratic", kappa=10.0)
    stable = optim2d.trajectory(surf, optimizers.OptimizerConfig("sgd", lr=0.19), (1.0, 1.0), 300)
    unstable = optim2d.trajectory(surf, optimizers.OptimizerConfig("sgd", lr=0.21), (1.0, 1.0), 300)
    assert not stable.diverged and stable.loss[-1] < 1e-6
    # y_{t+1} = (1 − ηκ) y_t: |1 − 2.1| > 1 grows geometrically
    assert unstable.diverged or unstable.loss[-1] > 1e3


def test_momentum_grid_matches_single_trajectories():
    surf = optim2d.surface("rosenbrock")
    grid = optim2d.momentum_grid(surf, surf.start, 150, (1e-5, 2e-3), n_lr=5, n_mu=4)
    for i, mu in enumerate(grid.momenta):
        for j, lr in enumerate(grid.lrs):
            run = optim2d.trajectory(surf, optimizers.OptimizerConfig("momentum", lr=lr, momentum=mu), surf.start, 150)
            if run.diverged:
                assert np.isinf(grid.gap[i, j])
            else:
                assert grid.gap[i, j] == pytest.approx(run.loss[-1] - surf.f_min, rel=1e-8, abs=1e-12)


def test_momentum_beats_gd_on_ill_conditioned_quadratic():
    # with the optimal heavy-ball parameters the rate is (√κ − 1)/(√κ + 1) instead of (κ − 1)/(κ + 1)
    kappa = 100.0
    surf = optim2d.surface("quadratic", kappa)
    gd = optim2d.trajectory(surf, optimizers.OptimizerConfig("sgd", lr=2 / (1 + kappa)), (1.0, 1.0), 200)
    mu = ((np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1)) ** 2
    lr = (2 / (1 + np.sqrt(kappa))) ** 2
    hb = optim2d.trajectory(surf, optimizers.OptimizerConfig("momentum", lr=lr, momentum=mu), (1.0, 1.0), 200)
    assert hb.loss[-1] < 1e-10 < gd.loss[-1]

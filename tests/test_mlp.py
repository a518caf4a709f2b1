"""core/mlp.py and core/optim2d.py against PyTorch: autograd for backprop, torch.optim for the optimizers."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from core import mlp, optim2d
from core.errors import InputError

TORCH_G = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu, "linear": lambda z: z}


def torch_loss(params, x, y, config, masks):
    """The same network and loss written in torch, so that autograd gives the reference gradients."""
    tensors = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in params]
    a = torch.tensor(x)
    for layer in range(1, config.n_layers + 1):
        W, b = tensors[2 * layer - 2], tensors[2 * layer - 1]
        z = W @ a + b[:, None]
        a = TORCH_G[config.g(layer)](z)
        if masks is not None and masks[layer] is not None:
            a = a * torch.tensor(masks[layer])
    yt = torch.tensor(y)
    if config.loss == "cross_entropy":
        loss = torch.nn.functional.binary_cross_entropy_with_logits(z[0], yt)
    else:
        loss = torch.nn.functional.mse_loss(torch.sigmoid(z[0]), yt)
    weights = tensors[0::2]
    if config.regularization == "L2":
        loss = loss + 0.5 * config.reg_rate * sum((W**2).sum() for W in weights)
    elif config.regularization == "L1":
        loss = loss + config.reg_rate * sum(W.abs().sum() for W in weights)
    loss.backward()
    return float(loss.detach()), [t.grad.numpy() for t in tensors]


@pytest.mark.parametrize("activation", mlp.ACTIVATIONS)
@pytest.mark.parametrize("loss", mlp.LOSSES)
@pytest.mark.parametrize("dropout", [0.0, 0.4])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_backprop_equals_autograd(activation, loss, dropout, seed):
    rng = np.random.default_rng(seed)
    hidden = tuple(int(n) for n in rng.integers(1, 7, size=rng.integers(1, 4)))
    config = mlp.MLPConfig((2, *hidden, 1), activation, loss, dropout=dropout)
    params = mlp.init_params(config, seed)
    params = [p + rng.normal(0, 0.3, p.shape) for p in params]  # non-zero biases too
    m = 9
    x = rng.normal(size=(2, m))
    y = (rng.random(m) < 0.5).astype(float)
    masks = mlp.dropout_masks(config, m, rng) if dropout else None
    fwd = mlp.forward(params, x, config, masks)
    back = mlp.backward(params, fwd, y, config)
    ref_loss, ref_grads = torch_loss(params, x, y, config, masks)
    assert mlp.data_loss(fwd.z[-1][0], y, loss) == pytest.approx(ref_loss, rel=1e-10)
    for ours, ref in zip(back.grads, ref_grads):
        np.testing.assert_allclose(ours, ref, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("regularization", ["L1", "L2"])
def test_regularization_gradient_equals_autograd(regularization):
    rng = np.random.default_rng(5)
    config = mlp.MLPConfig((2, 4, 3, 1), "tanh", "cross_entropy", regularization=regularization, reg_rate=0.07)
    params = [p + rng.normal(0, 0.3, p.shape) for p in mlp.init_params(config, 5)]
    x, y = rng.normal(size=(2, 6)), np.array([0, 1, 1, 0, 1, 0.0])
    back = mlp.backward(params, mlp.forward(params, x, config), y, config)
    ref_loss, ref_grads = torch_loss(params, x, y, config, None)
    fwd = mlp.forward(params, x, config)
    total = mlp.data_loss(fwd.z[-1][0], y, config.loss) + mlp.regularization_penalty(params, config)
    assert total == pytest.approx(ref_loss, rel=1e-10)
    for ours, ref in zip(back.grads, ref_grads):
        np.testing.assert_allclose(ours, ref, rtol=1e-9, atol=1e-12)


def test_dropout_is_inverted_and_off_in_evaluation():
    config = mlp.MLPConfig((2, 400, 1), "relu", dropout=0.3)
    masks = mlp.dropout_masks(config, 500, np.random.default_rng(0))
    kept = masks[1][masks[1] > 0]
    assert np.allclose(kept, 1 / 0.7)  # survivors are scaled by 1/(1−p)
    assert masks[1].mean() == pytest.approx(1.0, abs=0.01)  # E[r/(1−p)] = 1
    assert (masks[1] == 0).mean() == pytest.approx(0.3, abs=0.01)
    assert masks[0] is None and masks[2] is None  # never on the inputs or the output unit
    params = mlp.init_params(config, 0)
    x = np.random.default_rng(1).normal(size=(2, 5))
    a_eval = mlp.forward(params, x, config).a[1]
    assert np.array_equal(a_eval, np.maximum(params[0] @ x + params[1][:, None], 0))


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu"])
@given(z=st.floats(-30, 30).filter(lambda v: abs(v) > 1e-3))
@settings(max_examples=60, deadline=None)
def test_derivative_is_the_slope(name, z):
    h = 1e-6
    numeric = (mlp.activation(name, np.array(z + h)) - mlp.activation(name, np.array(z - h))) / (2 * h)
    assert mlp.activation_derivative(name, np.array(z)) == pytest.approx(numeric, abs=1e-6)


@pytest.mark.parametrize("bias_correction", [True, False])
def test_adam_matches_torch_step_for_step(bias_correction):
    rng = np.random.default_rng(3)
    theta0 = [rng.normal(size=(3, 2)), rng.normal(size=3)]
    cfg = mlp.OptimizerConfig("adam", lr=0.01, beta1=0.8, beta2=0.99, eps=1e-8, bias_correction=bias_correction)
    tensors = [torch.tensor(p.copy(), requires_grad=True) for p in theta0]
    if bias_correction:
        reference = torch.optim.Adam(tensors, lr=0.01, betas=(0.8, 0.99), eps=1e-8)
    ours, state = [p.copy() for p in theta0], mlp.OptimizerState()
    # without bias correction torch has no switch; the reference is then the update written out in torch
    m_ref = [torch.zeros_like(t) for t in tensors]
    v_ref = [torch.zeros_like(t) for t in tensors]
    for _ in range(25):
        grads = [rng.normal(size=p.shape) for p in theta0]
        ours, state = mlp.optimizer_step(ours, grads, state, cfg)
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
    on, _ = mlp.optimizer_step([np.zeros(1)], g, mlp.OptimizerState(), mlp.OptimizerConfig("adam", lr=0.1))
    off, _ = mlp.optimizer_step(
        [np.zeros(1)], g, mlp.OptimizerState(), mlp.OptimizerConfig("adam", lr=0.1, bias_correction=False)
    )
    assert on[0][0] == pytest.approx(-0.1, rel=1e-6)  # first bias-corrected step is η·sign(g)
    assert off[0][0] == pytest.approx(-0.1 * 0.1 / np.sqrt(0.001), rel=1e-6)  # (1−β₁)/√(1−β₂) ≈ 3.16 η


@pytest.mark.parametrize("mu", [0.0, 0.5, 0.95])
def test_momentum_matches_torch_sgd(mu):
    rng = np.random.default_rng(4)
    theta0 = [rng.normal(size=(2, 2)), rng.normal(size=2)]
    tensors = [torch.tensor(p.copy(), requires_grad=True) for p in theta0]
    reference = torch.optim.SGD(tensors, lr=0.05, momentum=mu)
    cfg = mlp.OptimizerConfig("momentum", lr=0.05, momentum=mu)
    ours, state = [p.copy() for p in theta0], mlp.OptimizerState()
    for _ in range(30):
        grads = [rng.normal(size=p.shape) for p in theta0]
        ours, state = mlp.optimizer_step(ours, grads, state, cfg)
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
    ours, _ = mlp.optimizer_step(theta, [np.array([0.5, 0.25])], mlp.OptimizerState(), mlp.OptimizerConfig("sgd", 0.3))
    np.testing.assert_allclose(ours[0], t.detach().numpy())


@pytest.mark.parametrize("name", ["moons", "circles", "spiral", "xor", "blobs"])
def test_datasets_are_balanced_and_in_the_square(name):
    data = mlp.make_dataset(name, 200, 0.3, 0.5, seed=0)
    x = np.concatenate([data.x_train, data.x_test])
    y = np.concatenate([data.y_train, data.y_test])
    assert x.shape == (200, 2) and set(np.unique(y)) == {0.0, 1.0}
    assert np.abs(x).max() <= mlp.DOMAIN
    assert 0.35 < y.mean() < 0.65
    assert len(data.x_train) == 100


def test_user_points_join_the_training_set():
    pts = mlp.parse_points("0.5, 0.5, 1\n# comment\n-1 -1 0\n")
    assert pts.shape == (2, 3)
    data = mlp.make_dataset("user points only", 0, 0.0, 0.5, 0, extra=pts)
    assert data.x_train.shape == (2, 2) and list(data.y_train) == [1.0, 0.0]
    for bad in ("1, 2", "a, b, c", "0, 0, 2", "5, 0, 1"):
        with pytest.raises(InputError):
            mlp.parse_points(bad)
    with pytest.raises(InputError):
        mlp.make_dataset("user points only", 0, 0.0, 0.5, 0, extra=pts[:1])


def test_parse_hidden():
    assert mlp.parse_hidden("8, 8") == (8, 8)
    assert mlp.parse_hidden("") == ()
    for bad in ("8, x", "0", "100", "1,1,1,1,1,1,1"):
        with pytest.raises(InputError):
            mlp.parse_hidden(bad)


def test_training_learns_xor_and_is_deterministic():
    data = mlp.make_dataset("xor", 200, 0.0, 0.5, seed=1)
    config = mlp.TrainConfig(mlp.MLPConfig((2, 8, 8, 1), "tanh"), mlp.OptimizerConfig("adam", lr=0.03), batch_size=20)
    history, _params, ok = mlp.train_full_batch(config, data, 600, seed=0)
    again, _, _ = mlp.train_full_batch(config, data, 600, seed=0)
    assert ok and np.array_equal(history, again)
    assert history[-1, 2] < 0.2 < history[0, 2]  # test cross-entropy falls well below chance (log 2 ≈ 0.69)


def test_divergence_keeps_the_last_finite_state():
    data = mlp.make_dataset("moons", 100, 0.2, 0.5, seed=0)
    config = mlp.TrainConfig(mlp.MLPConfig((2, 8, 8, 1), "relu", "mse"), mlp.OptimizerConfig("sgd", lr=1e9))
    trainer = mlp.new_trainer(config, 0)
    ok = mlp.train_steps(trainer, data, 50)
    assert not ok and trainer.diverged_at is not None
    assert all(np.all(np.isfinite(p)) for p in trainer.params)
    steps_before = trainer.step
    assert not mlp.train_steps(trainer, data, 5) and trainer.step == steps_before  # refuses to go on


def test_bad_configs_raise_input_errors():
    with pytest.raises(InputError):
        mlp.MLPConfig((2, 3, 1), dropout=1.0)
    with pytest.raises(InputError):
        mlp.OptimizerConfig("adam", lr=0.0)
    with pytest.raises(InputError):
        mlp.features(np.zeros((3, 2)), ())


# --------------------------------------------------------------------------------------------- optim2d


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
    stable = optim2d.trajectory(surf, mlp.OptimizerConfig("sgd", lr=0.19), (1.0, 1.0), 300)
    unstable = optim2d.trajectory(surf, mlp.OptimizerConfig("sgd", lr=0.21), (1.0, 1.0), 300)
    assert not stable.diverged and stable.loss[-1] < 1e-6
    # y_{t+1} = (1 − ηκ) y_t: |1 − 2.1| > 1 grows geometrically
    assert unstable.diverged or unstable.loss[-1] > 1e3


def test_momentum_grid_matches_single_trajectories():
    surf = optim2d.surface("rosenbrock")
    grid = optim2d.momentum_grid(surf, surf.start, 150, (1e-5, 2e-3), n_lr=5, n_mu=4)
    for i, mu in enumerate(grid.momenta):
        for j, lr in enumerate(grid.lrs):
            run = optim2d.trajectory(surf, mlp.OptimizerConfig("momentum", lr=lr, momentum=mu), surf.start, 150)
            if run.diverged:
                assert np.isinf(grid.gap[i, j])
            else:
                assert grid.gap[i, j] == pytest.approx(run.loss[-1] - surf.f_min, rel=1e-8, abs=1e-12)


def test_momentum_beats_gd_on_ill_conditioned_quadratic():
    # with the optimal heavy-ball parameters the rate is (√κ − 1)/(√κ + 1) instead of (κ − 1)/(κ + 1)
    kappa = 100.0
    surf = optim2d.surface("quadratic", kappa)
    gd = optim2d.trajectory(surf, mlp.OptimizerConfig("sgd", lr=2 / (1 + kappa)), (1.0, 1.0), 200)
    mu = ((np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1)) ** 2
    lr = (2 / (1 + np.sqrt(kappa))) ** 2
    hb = optim2d.trajectory(surf, mlp.OptimizerConfig("momentum", lr=lr, momentum=mu), (1.0, 1.0), 200)
    assert hb.loss[-1] < 1e-10 < gd.loss[-1]


def test_numerical_gradient_agrees_with_backprop():
    config = mlp.MLPConfig((2, 3, 2, 1), "sigmoid", "mse", regularization="L2", reg_rate=0.1)
    params = mlp.init_params(config, 0, bias_std=0.5)
    x, y = np.array([[0.3], [-0.7]]), np.array([1.0])
    back = mlp.backward(params, mlp.forward(params, x, config), y, config)
    for ours, numeric in zip(back.grads, mlp.numerical_gradient(params, x, y, config)):
        np.testing.assert_allclose(ours, numeric, atol=1e-8)


def test_deep_sigmoid_gradients_vanish_towards_the_input():
    sig = mlp.layer_gradient_norms("sigmoid", 8, 16, seed=0)
    relu = mlp.layer_gradient_norms("relu", 8, 16, seed=0)
    assert sig[0] < 0.05 * sig[-1]  # σ' ≤ 1/4 per layer
    assert relu[0] > 0.1 * relu[-1]


def test_output_loss_curves_match_autograd():
    z = torch.linspace(-8, 8, 33, dtype=torch.float64, requires_grad=True)
    curves = mlp.output_loss_curves(z.detach().numpy())
    ce = torch.nn.functional.binary_cross_entropy_with_logits(z, torch.ones_like(z), reduction="sum")
    (grad_ce,) = torch.autograd.grad(ce, z)
    se = ((torch.sigmoid(z) - 1) ** 2).sum()
    (grad_se,) = torch.autograd.grad(se, z)
    np.testing.assert_allclose(curves["cross-entropy"][1], grad_ce.numpy(), atol=1e-12)
    np.testing.assert_allclose(curves["squared error"][1], grad_se.numpy(), atol=1e-12)
    # wrong and confident (z = −8): cross-entropy still pushes with |∂L/∂z| ≈ 1, squared error barely
    assert abs(curves["cross-entropy"][1][0]) > 0.99 and abs(curves["squared error"][1][0]) < 1e-3


# --------------------------------------------------------------------------------------------- trainer page


def test_trainer_page_steps_plays_and_survives_divergence():
    from tests.apptest_helpers import assert_healthy, run_page

    at = run_page("pages/nn_trainer.py")
    at.button(key="nn_step").click().run()
    assert_healthy(at, "step")
    assert at.metric[0].value == "1"
    at.button(key="nn_play").click().run()  # playing: each run of the fragment trains one chunk
    assert_healthy(at, "play")
    assert int(at.metric[0].value.replace(",", "")) > 1
    at.button(key="nn_pause").click().run()
    paused_at = at.metric[0].value
    at.run()
    assert at.metric[0].value == paused_at, "training went on after Pause"
    assert at.button(key="nn_play")
    at = run_page("pages/nn_trainer.py", {"lr": "100", "act": "relu", "spf": "50"})
    at.button(key="nn_play").click().run()
    assert_healthy(at, "diverging")
    assert any("diverged" in w.value for w in at.warning), "no caution for a diverging learning rate"
    assert not at.error


def test_trainer_page_rejects_bad_points_clearly():
    from tests.apptest_helpers import assert_healthy, run_page

    at = run_page("pages/nn_trainer.py", {"pts": "0.5, 0.5, 7"})
    assert_healthy(at, "bad points")
    assert any("class must be 0 or 1" in e.value for e in at.error)

"""The NumPy MLP (sheet 6a–6c) against torch autograd; training, divergence and the trainer page."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from core.deep import mlp, optimizers, toy_data
from core.errors import InputError

TORCH_G = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu, "linear": lambda z: z}


def torch_loss(params, x, y, config, masks):
    """The same network and loss written in torch, so that autograd gives the reference gradients."""
    tensors = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in params]
    a = torch.tensor(x)
    for layer in range(1, config.n_layers + 1):
        W, b = tensors[2 * layer - 2], tensors[2 * layer - 1]
        z = W @ a + b[:, None]
        if config.g(layer) == "softmax":
            a = torch.softmax(z, dim=0)
        else:
            a = TORCH_G[config.g(layer)](z)
        if masks is not None and masks[layer] is not None:
            a = a * torch.tensor(masks[layer])
    yt = torch.tensor(y)
    if config.softmax_output and config.loss == "cross_entropy":
        # torch's own K-class cross-entropy on the logits, one row per sample
        loss = torch.nn.functional.cross_entropy(z.T, yt.long())
    elif config.softmax_output:
        # the Brier score: ‖softmax(z) − e_y‖² per sample, averaged
        one_hot = torch.nn.functional.one_hot(yt.long(), config.n_classes).T.double()
        loss = ((torch.softmax(z, dim=0) - one_hot) ** 2).sum(dim=0).mean()
    elif config.loss == "cross_entropy":
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


@pytest.mark.parametrize("n_classes", [2, 3, 5])
@pytest.mark.parametrize("activation", ["tanh", "relu"])
@pytest.mark.parametrize("loss", mlp.LOSSES)
@pytest.mark.parametrize("dropout", [0.0, 0.4])
def test_softmax_backprop_equals_autograd(n_classes, activation, loss, dropout):
    """K softmax units: δ^[L] = a − e_y (cross-entropy) and Jᵀ 2(a − e_y) (squared error) give torch's gradients."""
    rng = np.random.default_rng(n_classes)
    config = mlp.MLPConfig((2, 5, 4, n_classes), activation, loss, dropout=dropout, regularization="L2", reg_rate=0.01)
    params = [p + rng.normal(0, 0.5, p.shape) for p in mlp.init_params(config, n_classes)]
    m = 11
    x = rng.normal(size=(2, m))
    y = rng.integers(0, n_classes, m).astype(float)  # class indices, kept as floats like the datasets
    masks = mlp.dropout_masks(config, m, rng) if dropout else None
    fwd = mlp.forward(params, x, config, masks)
    back = mlp.backward(params, fwd, y, config)
    ref_loss, ref_grads = torch_loss(params, x, y, config, masks)
    total = mlp.data_loss(fwd.z[-1], y, loss) + mlp.regularization_penalty(params, config)
    assert total == pytest.approx(ref_loss, rel=1e-10)
    for ours, ref in zip(back.grads, ref_grads):
        np.testing.assert_allclose(ours, ref, rtol=1e-9, atol=1e-12)


def test_softmax_outputs_are_class_probabilities():
    config = mlp.MLPConfig((2, 4, 3), "tanh")
    assert config.softmax_output and config.n_classes == 3 and config.g(2) == "softmax"
    params = mlp.init_params(config, 0, bias_std=1.0)
    x = np.random.default_rng(0).normal(size=(2, 7))
    probs = mlp.class_probabilities(params, x, config)
    assert probs.shape == (3, 7)
    np.testing.assert_allclose(probs.sum(axis=0), 1.0, atol=1e-12)
    # a confident softmax does not overflow: huge logits give −log a_y = the logit gap, exactly
    z = np.array([[1000.0, 0.0], [0.0, 1000.0], [-5.0, -5.0]])
    assert mlp.data_loss(z, np.array([0, 0]), "cross_entropy") == pytest.approx(500.0)
    with pytest.raises(InputError, match="0 … 2"):
        mlp.data_loss(z, np.array([0, 3]), "cross_entropy")
    # the sigmoid unit's probabilities are (1 − a, a), and accuracy reads the most probable class
    binary = mlp.MLPConfig((2, 3, 1), "tanh")
    params = mlp.init_params(binary, 1, bias_std=1.0)
    two = mlp.class_probabilities(params, x, binary)
    np.testing.assert_allclose(two[1], mlp.predict_proba(params, x, binary))
    labels = (two[1] > 0.5).astype(float)
    assert mlp.accuracy(params, x, labels, binary) == 1.0
    assert mlp.accuracy(params, x, 1 - labels, binary) == 0.0


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


def test_parse_hidden():
    assert mlp.parse_hidden("8, 8") == (8, 8)
    assert mlp.parse_hidden("") == ()
    for bad in ("8, x", "0", "100", "1,1,1,1,1,1,1"):
        with pytest.raises(InputError):
            mlp.parse_hidden(bad)


def test_training_learns_xor_and_is_deterministic():
    data = toy_data.make_dataset("xor", 200, 0.0, 0.5, seed=1)
    config = mlp.TrainConfig(
        mlp.MLPConfig((2, 8, 8, 1), "tanh"), optimizers.OptimizerConfig("adam", lr=0.03), batch_size=20
    )
    history, _params, ok = mlp.train_full_batch(config, data, 600, seed=0)
    again, _, _ = mlp.train_full_batch(config, data, 600, seed=0)
    assert ok and np.array_equal(history, again)
    assert history[-1, 2] < 0.2 < history[0, 2]  # test cross-entropy falls well below chance (log 2 ≈ 0.69)


def test_divergence_keeps_the_last_finite_state():
    data = toy_data.make_dataset("moons", 100, 0.2, 0.5, seed=0)
    config = mlp.TrainConfig(mlp.MLPConfig((2, 8, 8, 1), "relu", "mse"), optimizers.OptimizerConfig("sgd", lr=1e9))
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
        optimizers.OptimizerConfig("adam", lr=0.0)
    with pytest.raises(InputError):
        toy_data.features(np.zeros((3, 2)), ())


# --------------------------------------------------------------------------------------------- optim2d


def test_numerical_gradient_agrees_with_backprop():
    config = mlp.MLPConfig((2, 3, 2, 1), "sigmoid", "mse", regularization="L2", reg_rate=0.1)
    params = mlp.init_params(config, 0, bias_std=0.5)
    x, y = np.array([[0.3], [-0.7]]), np.array([1.0])
    back = mlp.backward(params, mlp.forward(params, x, config), y, config)
    for ours, numeric in zip(back.grads, mlp.numerical_gradient(params, x, y, config)):
        np.testing.assert_allclose(ours, numeric, atol=1e-8)


def test_trainer_page_steps_plays_and_survives_divergence():
    from core.deep.live_trainer import SHIPPED_STEPS
    from tests.apptest_helpers import assert_healthy, run_page

    at = run_page("pages/deep/trainer.py")
    assert at.metric[0].value == f"{SHIPPED_STEPS:,}"  # the shipped default network, trained
    at.button(key="nn_reset").click().run()  # the untrained start of the same seed
    assert at.metric[0].value == "0"
    untrained_loss = at.metric[1].value
    at.button(key="nn_step").click().run()
    assert_healthy(at, "step")
    assert at.metric[0].value == "1"
    at.button(key="nn_train").click().run()  # playing: each run of the fragment draws, then trains one chunk
    at.run()  # the fragment's timer tick: the first chunk drawn
    assert_healthy(at, "play")
    assert int(at.metric[0].value.replace(",", "")) > 1
    at.button(key="nn_pause").click().run()
    paused_at = at.metric[0].value
    at.run()
    assert at.metric[0].value == paused_at, "training went on after Pause"
    assert at.button(key="nn_train")
    at.button(key="nn_reset").click().run()  # back to the same initial weights
    assert at.metric[0].value == "0" and at.metric[1].value == untrained_loss
    at = run_page("pages/deep/trainer.py", {"lr": "100", "act": "relu", "spf": "50"})
    at.button(key="nn_train").click().run()
    assert_healthy(at, "diverging")
    assert any("diverged" in w.value for w in at.warning), "no caution for a diverging learning rate"
    assert not at.error
    assert at.button(key="nn_train").disabled and at.button(key="nn_step").disabled
    diverged_at = at.metric[0].value
    # a lower η is a new optimizer: the divergence is cleared and Step/Play go on from the last finite weights
    at.selectbox(key="lr").set_value("0.01").run()
    assert not any("diverged" in w.value for w in at.warning)
    assert not at.button(key="nn_train").disabled
    at.button(key="nn_step").click().run()
    assert_healthy(at, "after lowering η")
    assert int(at.metric[0].value.replace(",", "")) == int(diverged_at.replace(",", "")) + 1


def test_trainer_page_rejects_bad_points_clearly():
    from tests.apptest_helpers import assert_healthy, run_page

    at = run_page("pages/deep/trainer.py", {"pts": "0.5, 0.5, 7"})
    assert_healthy(at, "bad points")
    assert any("class must be 0 or 1" in e.value for e in at.error)


def test_reconfigure_resets_the_optimizer_state_only_when_the_optimizer_changes():
    data = toy_data.make_dataset("moons", 80, 0.2, 0.5, seed=0)
    net = mlp.MLPConfig((2, 4, 1), "tanh")
    config = mlp.TrainConfig(net, optimizers.OptimizerConfig("adam", 0.03), batch_size=10)
    trainer = mlp.new_trainer(config, seed=0)
    mlp.train_steps(trainer, data, 5)
    assert trainer.opt_state.t == 5
    assert not mlp.reconfigure(trainer, config)  # unchanged settings: nothing happens
    assert trainer.opt_state.t == 5
    # a new batch size keeps the Adam moments and the weights
    bigger = mlp.TrainConfig(net, config.optimizer, batch_size=20)
    assert not mlp.reconfigure(trainer, bigger)
    assert trainer.config == bigger and trainer.opt_state.t == 5
    # a new learning rate resets the moments and clears a divergence
    trainer.diverged_at = 3
    weights_before = [p.copy() for p in trainer.params]
    slower = mlp.TrainConfig(net, optimizers.OptimizerConfig("adam", 0.001), batch_size=20)
    assert mlp.reconfigure(trainer, slower)
    assert trainer.opt_state == optimizers.OptimizerState() and trainer.diverged_at is None
    assert trainer.config == slower and trainer.step == 5
    assert all(np.array_equal(a, b) for a, b in zip(weights_before, trainer.params))


def test_new_trainer_is_reproducible_and_draws_batches_from_another_stream():
    config = mlp.TrainConfig(mlp.MLPConfig((2, 3, 1)), optimizers.OptimizerConfig())
    a, b = mlp.new_trainer(config, 3), mlp.new_trainer(config, 3)
    assert all(np.array_equal(p, q) for p, q in zip(a.params, b.params))
    assert a.rng.random() == b.rng.random()
    other = mlp.new_trainer(config, 4)
    assert not np.array_equal(a.params[0], other.params[0])


def test_walkthrough_helpers():
    config = mlp.MLPConfig((2, 3, 1), "tanh", dropout=0.5)
    params = mlp.init_params(config, 0, bias_std=0.5)
    x, y = np.array([[0.5], [-1.0]]), np.array([1.0])
    masks = mlp.walkthrough_masks(config, 0)
    assert masks[1].shape == (3, 1) and set(np.unique(masks[1])) <= {0.0, 2.0}
    assert all(np.array_equal(m1, m2) for m1, m2 in zip(masks[1:2], mlp.walkthrough_masks(config, 0)[1:2]))
    back = mlp.backward(params, mlp.forward(params, x, config, masks), y, config)
    stepped = mlp.gradient_step(params, back.grads, 0.1)
    assert all(np.allclose(s, p - 0.1 * g) for s, p, g in zip(stepped, params, back.grads))
    numeric = mlp.numerical_gradient(params, x, y, config, masks)
    assert mlp.max_gradient_gap(back.grads, numeric) < 1e-7
    shifted = [g + (0.25 if k == 2 else 0.0) for k, g in enumerate(numeric)]
    assert mlp.max_gradient_gap(back.grads, shifted) == pytest.approx(0.25, abs=1e-7)

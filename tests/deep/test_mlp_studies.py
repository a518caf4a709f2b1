"""Studies of the activations page: vanishing gradients and saturating output losses (sheet 6b)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from core.deep import mlp, mlp_studies, optimizers, toy_data


def test_deep_sigmoid_gradients_vanish_towards_the_input():
    sig = mlp_studies.layer_gradient_norms("sigmoid", 8, 16, seed=0)
    relu = mlp_studies.layer_gradient_norms("relu", 8, 16, seed=0)
    assert sig[0] < 0.05 * sig[-1]  # σ' ≤ 1/4 per layer
    assert relu[0] > 0.1 * relu[-1]


def test_output_loss_curves_match_autograd():
    z = torch.linspace(-8, 8, 33, dtype=torch.float64, requires_grad=True)
    curves = mlp_studies.output_loss_curves(z.detach().numpy())
    ce = torch.nn.functional.binary_cross_entropy_with_logits(z, torch.ones_like(z), reduction="sum")
    (grad_ce,) = torch.autograd.grad(ce, z)
    se = ((torch.sigmoid(z) - 1) ** 2).sum()
    (grad_se,) = torch.autograd.grad(se, z)
    np.testing.assert_allclose(curves["cross-entropy"][1], grad_ce.numpy(), atol=1e-12)
    np.testing.assert_allclose(curves["squared error"][1], grad_se.numpy(), atol=1e-12)
    # wrong and confident (z = −8): cross-entropy still pushes with |∂L/∂z| ≈ 1, squared error barely
    assert abs(curves["cross-entropy"][1][0]) > 0.99 and abs(curves["squared error"][1][0]) < 1e-3


# --------------------------------------------------------------------------------------------- trainer page


def test_first_to_last_ratio():
    assert mlp_studies.first_to_last_ratio(np.array([1e-3, 0.5, 2.0])) == pytest.approx(5e-4)
    assert mlp_studies.first_to_last_ratio(np.array([1.0, 0.0])) is None


def test_activation_training_equals_training_each_net_by_hand():
    out = mlp_studies.activation_training(("tanh", "relu"), 3, 8, 60, seed=0)
    assert set(out) == {"tanh", "relu"}
    data = toy_data.make_dataset("moons", 200, 0.2, 0.5, 0)
    config = mlp.TrainConfig(mlp.MLPConfig((2, 8, 8, 8, 1), "relu"), optimizers.OptimizerConfig("sgd", 0.3), 20)
    history, _, _ = mlp.train_full_batch(config, data, 60, 0, record_every=2)
    np.testing.assert_array_equal(out["relu"], history)


def test_dropout_comparison_matches_its_parts():
    data, runs = mlp_studies.dropout_comparison("moons", 40, 0.5, 8, 0.5, 50, seed=1, resolution=20)
    assert list(runs) == ["no dropout", "dropout p = 0.5"]
    plain = runs["no dropout"]
    config = mlp.TrainConfig(mlp.MLPConfig((2, 8, 8, 1), "relu"), optimizers.OptimizerConfig("adam", 0.01), 40)
    history, params, _ = mlp.train_full_batch(config, data, 50, 1, record_every=10)
    np.testing.assert_array_equal(plain.history, history)
    _ticks, points = toy_data.grid(20)
    prob = mlp.predict_proba(params, toy_data.features(points, ("x1", "x2")), config.net)
    np.testing.assert_allclose(plain.prob, prob.reshape(20, 20))
    test_prob = mlp.predict_proba(params, toy_data.features(data.x_test, ("x1", "x2")), config.net)
    assert plain.test_accuracy == pytest.approx(np.mean((test_prob > 0.5) == data.y_test))
    loss, step = plain.best_test
    assert loss == history[:, 2].min() and step == history[np.argmin(history[:, 2]), 0]
    assert plain.prob.shape == (20, 20) and 0 <= runs["dropout p = 0.5"].test_accuracy <= 1

"""Studies of the MLP pages (sheet 6b–6c): vanishing gradients by activation, saturating output losses, and
training with and without dropout.

Each function runs the network of :mod:`core.deep.mlp` on the toy data of :mod:`core.deep.toy_data`; the pages
only draw the results.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core.deep.mlp import (
    MLPConfig,
    TrainConfig,
    activation,
    backward,
    forward,
    init_params,
    predict_proba,
    weights,
)
from core.deep.mlp_stack import train_stack
from core.deep.optimizers import OptimizerConfig
from core.deep.toy_data import Dataset, features, grid, make_dataset
from core.errors import InputError


def layer_gradient_norms(activation_name: str, depth: int, width: int, seed: int, n_samples: int = 200) -> np.ndarray:
    """‖∂L/∂W^[l]‖_F for l = 1..L of a fresh (Glorot/He-initialised) net with ``depth`` hidden layers of
    ``width`` units, cross-entropy on the moons data: how much gradient reaches each layer."""
    if not 1 <= depth <= 20 or not 1 <= width <= 64:
        raise InputError("Depth must lie in [1, 20] and width in [1, 64].")
    config = MLPConfig((2, *([width] * depth), 1), activation_name, "cross_entropy")
    data = make_dataset("moons", n_samples, 0.2, 0.9, seed)
    params = init_params(config, seed)
    x = features(data.x_train, ("x1", "x2"))
    back = backward(params, forward(params, x, config), data.y_train, config)
    return np.array([np.linalg.norm(g) for g in weights(back.grads)])


def output_loss_curves(z: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Loss and ∂L/∂z of one sigmoid output with label y = 1, as functions of z.

    cross-entropy: L = −log σ(z), ∂L/∂z = σ(z) − 1;  squared error: L = (σ(z) − 1)², ∂L/∂z = 2(σ(z) − 1) σ'(z).
    """
    s = activation("sigmoid", z)
    return {
        # −log σ(z) = log(1 + e^−z); ∂/∂z = σ(z) − 1
        "cross-entropy": (np.logaddexp(0.0, -z), s - 1.0),
        # (σ − 1)²; ∂/∂z = 2(σ − 1) σ(1 − σ)
        "squared error": ((s - 1.0) ** 2, 2.0 * (s - 1.0) * s * (1.0 - s)),
    }


def activation_training(names: Sequence[str], depth: int, width: int, steps: int, seed: int) -> dict[str, np.ndarray]:
    """Train the same deep net (``depth`` hidden layers of min(width, 16) units) once per hidden activation with
    SGD, η = 0.3, batches of 20 on 200 moons points; the (k, 3) histories [step, train loss, test loss]."""
    data = make_dataset("moons", 200, 0.2, 0.5, seed)
    configs = [
        TrainConfig(MLPConfig((2, *([min(width, 16)] * depth), 1), name), OptimizerConfig("sgd", lr=0.3), 20)
        for name in names
    ]
    # the nets differ only in their activation: trained side by side, with the same numbers as one by one
    runs = train_stack(configs, data, steps, seed, record_every=max(steps // 30, 1))
    return {name: history for name, (history, _params, _ok) in zip(names, runs)}


def first_to_last_ratio(norms: np.ndarray) -> float | None:
    """‖∂L/∂W^[1]‖ / ‖∂L/∂W^[L]‖: how much of the output layer's gradient reaches the first layer (None if 0)."""
    # ratio = ‖∂L/∂W^[1]‖_F / ‖∂L/∂W^[L]‖_F
    return float(norms[0] / norms[-1]) if norms[-1] > 0 else None


@dataclass
class DropoutRun:
    """One training run of the dropout comparison."""

    history: np.ndarray
    """(k, 3) [step, train loss, test loss]."""
    ticks: np.ndarray
    """(resolution,) grid ticks over [−2, 2]."""
    prob: np.ndarray
    """(resolution, resolution) P(y=1|x) over the grid, rows = x2."""
    test_accuracy: float
    """Fraction of test points with (P(y=1|x) > ½) = y."""

    @property
    def best_test(self) -> tuple[float, int]:
        """The lowest test loss and the step at which it was recorded."""
        k = int(np.argmin(self.history[:, 2]))
        return float(self.history[k, 2]), int(self.history[k, 0])


def dropout_data(name: str, n: int, noise: float, seed: int) -> Dataset:
    """The dropout study's data: ``n`` points of the toy set ``name``, half of them for training."""
    return make_dataset(name, n, noise, 0.5, seed)


def dropout_runs(
    name: str, n: int, noise: float, width: int, p: float, steps: int, seed: int, resolution: int = 60
) -> dict[str, DropoutRun]:
    """Train a 2-hidden-layer ReLU net (full batch, Adam η = 0.01) without and with inverted dropout p on the
    study's data, from the same initial weights (the same seed); each run's loss curves, boundary P(y=1|x) and
    test accuracy, under the names of :func:`dropout_labels`."""
    data = dropout_data(name, n, noise, seed)
    ticks, points = grid(resolution)
    configs = [
        TrainConfig(MLPConfig((2, width, width, 1), "relu", dropout=rate), OptimizerConfig("adam", 0.01), n)
        for rate in (0.0, p)
    ]
    out = {}
    # the two nets differ only in p: trained side by side, with the same numbers as one by one
    for label, config, (history, params, _ok) in zip(
        dropout_labels(p), configs, train_stack(configs, data, steps, seed, record_every=10)
    ):
        prob = predict_proba(params, features(points, ("x1", "x2")), config.net).reshape(resolution, resolution)
        # accuracy = mean over test points of [ (P(y=1|x) > ½) = y ]
        correct = (predict_proba(params, features(data.x_test, ("x1", "x2")), config.net) > 0.5) == data.y_test
        out[label] = DropoutRun(history, ticks, prob, float(correct.mean()))
    return out


def dropout_labels(p: float) -> tuple[str, str]:
    """The names of the two runs of the comparison: without dropout, and with dropout p."""
    return "no dropout", f"dropout p = {p:g}"


def dropout_comparison(
    name: str, n: int, noise: float, width: int, p: float, steps: int, seed: int, resolution: int = 60
) -> tuple[Dataset, dict[str, DropoutRun]]:
    """Train a 2-hidden-layer ReLU net (full batch, Adam η = 0.01) without and with inverted dropout p on the
    same data from the same initial weights; each run's loss curves, boundary P(y=1|x) and test accuracy."""
    return dropout_data(name, n, noise, seed), dropout_runs(name, n, noise, width, p, steps, seed, resolution)

"""The trainer page's network behind the training-session protocol (core/deep/live_trainer.py)."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from core.deep import mlp, optimizers, toy_data
from core.deep.live_trainer import LiveMLP
from core.errors import InputError
from core.training import Trainable

DATA = toy_data.make_dataset("moons", 120, 0.2, 0.5, seed=0)


def _config(lr: float = 0.03, rule: str = "adam", dropout: float = 0.2) -> mlp.TrainConfig:
    net = mlp.MLPConfig((2, 6, 5, 1), "tanh", dropout=dropout, regularization="L2", reg_rate=0.001)
    return mlp.TrainConfig(net, optimizers.OptimizerConfig(rule, lr), batch_size=8)


def _params_equal(a: list[np.ndarray], b: list[np.ndarray]) -> bool:
    return len(a) == len(b) and all(np.array_equal(p, q) for p, q in zip(a, b))


def test_it_is_a_trainable_that_runs_until_paused():
    live = LiveMLP(_config(), DATA, seed=3)
    assert isinstance(live, Trainable)
    assert live.total_steps is None and not live.finished and live.diverged_reason is None
    assert live.steps == 0 and live.train_seconds == 0.0
    assert [step for step, *_ in live.trainer.history] == [0]  # the untrained losses, to draw before Play


@pytest.mark.parametrize("n_steps", [1, 7, 25])
def test_a_chunk_is_exactly_n_single_steps(n_steps):
    """train_chunk(n) = n calls of mlp.train_steps(·, 1) from the same start: bit-identical weights (the
    minibatch and dropout draws come from the trainer's own generator in the same order)."""
    live = LiveMLP(_config(), DATA, seed=5)
    reference = copy.deepcopy(live.trainer)
    live.train_chunk(n_steps)
    for _ in range(n_steps):
        assert mlp.train_steps(reference, DATA, 1)
    assert live.steps == reference.step == n_steps
    assert _params_equal(live.trainer.params, reference.params)
    assert live.trainer.opt_state.t == reference.opt_state.t == n_steps
    assert live.trainer.history[-1] == reference.history[-1]  # the losses after the chunk
    assert live.train_seconds > 0.0


def test_the_same_seed_starts_from_the_same_weights():
    first, again, other = (LiveMLP(_config(), DATA, seed) for seed in (4, 4, 9))
    assert _params_equal(first.trainer.params, again.trainer.params)
    assert not _params_equal(first.trainer.params, other.trainer.params)


def test_divergence_names_the_step_keeps_the_last_finite_weights_and_a_lower_lr_goes_on():
    # η = 10⁴ with SGD: a few finite steps, then the weights blow up (step 6 for this seed)
    live = LiveMLP(_config(lr=1e4, rule="sgd", dropout=0.0), DATA, seed=0)
    reference = copy.deepcopy(live.trainer)
    live.train_chunk(50)
    assert live.finished and 0 < live.steps < 50
    assert live.diverged_reason is not None
    assert f"step {live.trainer.diverged_at:,}" in live.diverged_reason and "η = 10000" in live.diverged_reason
    # the weights are those after the last good step: finite and equal to a step-by-step run up to there
    assert all(np.all(np.isfinite(p)) for p in live.trainer.params)
    for _ in range(live.steps):
        mlp.train_steps(reference, DATA, 1)
    assert _params_equal(live.trainer.params, reference.params)
    # a diverged run refuses to train on: nothing changes
    before = [p.copy() for p in live.trainer.params]
    live.train_chunk(10)
    assert live.steps == reference.step and _params_equal(live.trainer.params, before)
    # a lower η is a new optimizer: the divergence is cleared and training goes on from the kept weights
    assert mlp.reconfigure(live.trainer, _config(lr=0.01, rule="sgd", dropout=0.0))
    assert not live.finished and live.diverged_reason is None
    live.train_chunk(3)
    assert live.steps == reference.step + 3 and not live.finished


def test_an_empty_chunk_is_an_input_error():
    with pytest.raises(InputError):
        LiveMLP(_config(), DATA, seed=0).train_chunk(0)


def _blobs_csv(seed: int = 0, per_class: int = 30) -> str:
    """Three well-separated blobs as the CSV a user would upload: a header, class names, coordinates in cm."""
    rng = np.random.default_rng(seed)
    centres = {"red": (10.0, 80.0), "green": (60.0, 20.0), "blue": (110.0, 80.0)}
    rows = ["width_cm,height_cm,colour"]
    for name, (cx, cy) in centres.items():
        for x1, x2 in rng.normal((cx, cy), 6.0, size=(per_class, 2)):
            rows.append(f"{x1:.2f},{x2:.2f},{name}")
    return "\n".join(rows)


def test_the_trainer_learns_a_user_csv_of_three_classes():
    """A user's CSV of three separable blobs (outside the square, named classes) → softmax net, ≥ 95 % on the
    training points after a few hundred steps."""
    points = toy_data.parse_user_points(_blobs_csv())
    data, scaling = toy_data.user_dataset(points)
    assert data.classes == ("red", "green", "blue") and data.n_classes == 3  # names in the order they appear
    assert not scaling.identity and np.abs(data.x_train).max() <= toy_data.DOMAIN
    net = mlp.MLPConfig((2, 8, 3), "tanh")
    config = mlp.TrainConfig(net, optimizers.OptimizerConfig("adam", 0.03), batch_size=10)
    live = LiveMLP(config, data, seed=0)
    before = live.train_accuracy()
    live.train_chunk(300)
    assert not live.finished
    assert live.train_accuracy() >= 0.95 > before
    # the loss fell from about log 3 (a near-uniform softmax at the start) towards 0
    (_, start, _), (_, end, _) = live.trainer.history[0], live.trainer.history[-1]
    assert start == pytest.approx(np.log(3), abs=0.4) and end < 0.2

"""core.deep.mlp_stack: k networks trained as one stack give exactly the runs of core.deep.mlp, one by one."""

from __future__ import annotations

import numpy as np
import pytest

from core.deep import mlp, mlp_stack
from core.deep.optimizers import OptimizerConfig
from core.deep.toy_data import make_dataset


def _configs(activations, dropouts, optimizer, batch, loss="cross_entropy", reg=("none", 0.0), sizes=(2, 8, 8, 1)):
    return [
        mlp.TrainConfig(
            mlp.MLPConfig(sizes, a, loss, dropout=p, regularization=reg[0], reg_rate=reg[1]), optimizer, batch
        )
        for a, p in zip(activations, dropouts)
    ]


CASES = {
    # the activation study: deep sigmoid / tanh / ReLU nets, SGD on minibatches
    "activations": (
        _configs(("sigmoid", "tanh", "relu"), (0.0,) * 3, OptimizerConfig("sgd", lr=0.3), 20, sizes=(2, 16, 16, 16, 1)),
        "moons",
        60,
        6,
    ),
    # the dropout study: the same ReLU net without and with dropout, Adam on the full batch
    "dropout": (
        _configs(("relu", "relu"), (0.0, 0.5), OptimizerConfig("adam", 0.01), 60, sizes=(2, 24, 24, 1)),
        "moons",
        90,
        10,
    ),
    "mse, L2, momentum, minibatch dropout": (
        _configs(("tanh", "sigmoid"), (0.3, 0.0), OptimizerConfig("momentum", 0.05), 10, "mse", ("L2", 0.01)),
        "xor",
        40,
        7,
    ),
    "L1, linear and tanh": (
        _configs(("linear", "tanh", "relu"), (0.0, 0.2, 0.0), OptimizerConfig("sgd", 0.1), 15, reg=("L1", 0.001)),
        "circles",
        33,
        5,
    ),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
@pytest.mark.parametrize("test_share", [0.5, 0.3], ids=["sets of one size", "sets of two sizes"])
def test_the_stack_gives_each_run_bit_for_bit(case, test_share):
    """Also when the training and test sets differ in size (the history's losses then take a forward pass
    each, not one pass over both)."""
    configs, dataset, steps, record = CASES[case]
    data = make_dataset(dataset, 80, 0.3, test_share, 4)
    stacked = mlp_stack.train_stack(configs, data, steps, seed=2, record_every=record)
    for config, (history, params, ok) in zip(configs, stacked):
        alone_history, alone_params, alone_ok = mlp.train_full_batch(config, data, steps, 2, record)
        assert ok == alone_ok
        np.testing.assert_array_equal(history, alone_history)
        for a, b in zip(params, alone_params):
            np.testing.assert_array_equal(a, b)


def test_the_activation_pages_default_run_is_each_net_alone_bit_for_bit():
    """The page's own study: three 6 × 16 nets, 200 moons points, 200 SGD steps recorded every 6."""
    configs = _configs(
        ("sigmoid", "tanh", "relu"), (0.0,) * 3, OptimizerConfig("sgd", lr=0.3), 20, sizes=(2, *[16] * 6, 1)
    )
    data = make_dataset("moons", 200, 0.2, 0.5, 0)
    for config, (history, params, ok) in zip(configs, mlp_stack.train_stack(configs, data, 200, 0, 6)):
        alone_history, alone_params, alone_ok = mlp.train_full_batch(config, data, 200, 0, 6)
        assert ok and alone_ok
        np.testing.assert_array_equal(history, alone_history)
        for a, b in zip(params, alone_params):
            np.testing.assert_array_equal(a, b)


def test_a_diverging_net_ends_as_it_would_alone():
    """η far too large: one net leaves the finite range; every run is then exactly the one-by-one run."""
    configs = [
        mlp.TrainConfig(mlp.MLPConfig((2, 8, 1), "relu"), OptimizerConfig("sgd", lr=1e4), 20),
        mlp.TrainConfig(mlp.MLPConfig((2, 8, 1), "tanh"), OptimizerConfig("sgd", lr=1e4), 20),
    ]
    data = make_dataset("moons", 80, 0.3, 0.5, 1)
    stacked = mlp_stack.train_stack(configs, data, 200, seed=0, record_every=10)
    alone = [mlp.train_full_batch(c, data, 200, 0, 10) for c in configs]
    assert not all(ok for _, _, ok in alone), "the case must diverge to test anything"
    for (history, params, ok), (h, p, o) in zip(stacked, alone):
        assert ok == o
        np.testing.assert_array_equal(history, h)
        for a, b in zip(params, p):
            np.testing.assert_array_equal(a, b)


def test_nets_of_different_shapes_are_trained_one_by_one():
    configs = [
        mlp.TrainConfig(mlp.MLPConfig((2, 8, 1), "relu"), OptimizerConfig("sgd", 0.1), 20),
        mlp.TrainConfig(mlp.MLPConfig((2, 4, 1), "relu"), OptimizerConfig("sgd", 0.1), 20),
    ]
    data = make_dataset("moons", 60, 0.3, 0.5, 1)
    for (history, _, _), config in zip(mlp_stack.train_stack(configs, data, 30, 0, 10), configs):
        np.testing.assert_array_equal(history, mlp.train_full_batch(config, data, 30, 0, 10)[0])

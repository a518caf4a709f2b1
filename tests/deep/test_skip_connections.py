"""Plain vs residual deep nets (sheet 7g): shared initial weights, gradient norms, training; the page."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from core.deep import skip_connections as skip

# ---------------------------------------------------------------------------------- skip connections


def test_plain_and_residual_start_from_the_same_weights():
    plain, residual = skip.build_pair(skip.SkipConfig(depth=5, init="He"))
    for a, b in zip(plain.state_dict().values(), residual.state_dict().values()):
        assert torch.equal(a, b)


@pytest.mark.parametrize("architecture", ["MLP", "CNN"])
def test_residual_keeps_early_gradients_alive(architecture):
    config = skip.SkipConfig(architecture=architecture, depth=20, width=16, activation="sigmoid")
    result = skip.init_gradients(config, examples=64)
    # plain sigmoid nets: the first layer's gradient vanishes compared with the last
    assert result.grad_plain[0] / result.grad_plain[-1] < 1e-3
    assert result.grad_residual[0] / result.grad_residual[-1] > 100 * result.grad_plain[0] / result.grad_plain[-1]


def test_short_training_lowers_the_residual_loss():
    trainer = skip.SkipTrainer(skip.SkipConfig(depth=10, width=32, activation="relu", learning_rate=0.05))
    trainer.train(60)
    plain, residual = trainer.losses
    assert len(plain) == len(residual) == 60
    assert np.mean(residual[-10:]) < np.mean(residual[:10])


def test_skip_page_trains_one_chunk_on_click():
    from tests.apptest_helpers import assert_healthy, run_page

    at = run_page("pages/deep/skip_connections.py", {"depth": "4", "steps": "50"})
    at.button(key="train").click().run()
    assert_healthy(at, "skip connections after Train")
    assert len(at.get("plotly_chart")) == 2

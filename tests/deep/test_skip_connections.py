"""Plain vs residual deep nets (sheet 7g): shared initial weights, gradient norms, training; the page."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from core.deep import skip_connections as skip
from core.training import Trainable

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


def _trainer(residual=True, total_steps=60, **overrides):
    config = dict(depth=10, width=32, activation="relu", learning_rate=0.05)
    return skip.SkipTrainer(skip.SkipConfig(**{**config, **overrides}), residual, total_steps)


def test_short_training_lowers_the_residual_loss():
    trainer = _trainer()
    trainer.train_chunk(1000)  # capped at the budget
    assert trainer.steps == len(trainer.losses) == 60 and trainer.finished
    assert np.mean(trainer.losses[-10:]) < np.mean(trainer.losses[:10])
    assert 0.0 <= trainer.accuracy() <= 1.0


def test_trainer_is_a_trainable():
    trainer = _trainer(total_steps=7)
    assert isinstance(trainer, Trainable)
    assert (trainer.steps, trainer.total_steps, trainer.finished, trainer.diverged_reason) == (0, 7, False, None)
    trainer.train_chunk(3)
    assert trainer.steps == 3 and trainer.train_seconds > 0 and not trainer.finished


@pytest.mark.parametrize("architecture", ["MLP", "CNN"])
def test_chunking_does_not_change_the_result(architecture):
    whole, chunked = (_trainer(architecture=architecture, depth=3, width=8, total_steps=12) for _ in range(2))
    whole.train_chunk(12)
    chunked.train_chunk(5)
    chunked.train_chunk(7)
    assert chunked.losses == whole.losses
    for a, b in zip(whole.net.state_dict().values(), chunked.net.state_dict().values()):
        assert torch.equal(a, b)


def test_plain_and_residual_trainers_share_weights_and_batches():
    plain, residual = _trainer(residual=False), _trainer(residual=True)
    for a, b in zip(plain.net.state_dict().values(), residual.net.state_dict().values()):
        assert torch.equal(a, b)
    plain.train_chunk(9)
    residual.train_chunk(9)
    # one draw per step from the same stream: the next batch of both nets is the same
    assert torch.equal(plain.generator.get_state(), residual.generator.get_state())
    assert plain.losses != residual.losses  # ...yet the two nets learn differently


@pytest.mark.parametrize("residual", [False, True])
def test_a_huge_learning_rate_is_reported_and_only_finite_losses_are_kept(residual):
    trainer = _trainer(residual=residual, learning_rate=1e6, depth=4, width=16, total_steps=200)
    trainer.train_chunk(200)
    assert trainer.diverged_reason is not None and "loss became" in trainer.diverged_reason
    assert trainer.finished and trainer.steps < 200
    assert len(trainer.losses) == trainer.steps and np.all(np.isfinite(trainer.losses))
    trainer.train_chunk(10)  # a diverged run trains no further
    assert len(trainer.losses) == trainer.steps


def test_loss_figure_uses_a_log_axis_and_curves_of_their_own_length():
    from viz.deep.skip_connections import loss_figure

    fig = loss_figure([2.3, 2.2, 2.1], [2.0, 43.0])
    assert fig.layout.yaxis.type == "log"
    assert [len(trace.x) for trace in fig.data] == [3, 2]


def _button(at, name):
    return next(b for b in at.button if b.key == f"skip_connections_{name}")


def test_skip_page_trains_both_nets_and_shows_the_accuracy():
    from tests.apptest_helpers import all_charts, assert_healthy, run_page

    at = run_page("pages/deep/skip_connections.py", {"depth": "4", "steps": "100"})
    assert len(at.get("plotly_chart")) == 1  # gradient norms; no training curves before Train
    # each fragment run draws its frame, then trains one chunk of 25 steps per net (ui/training.py)
    _button(at, "train").click().run()  # the untrained frame (no curves yet), then the first chunk
    at.run()  # the timer tick: the first chunk drawn
    assert_healthy(at, "skip connections after Train")
    assert len(all_charts(at)) == 2
    assert "plain 25 / 100 · residual 25 / 100" in at.get("progress")[0].proto.text  # one count per net
    at.run()
    at.run()  # the last chunk finishes both nets; the page reruns once with the accuracy
    assert_healthy(at, "skip connections finished")
    assert any("Training accuracy" in m.value and "after 100 steps" in m.value for m in at.markdown)
    assert _button(at, "train").disabled
    _button(at, "reset").click().run()
    assert not any("Training accuracy" in m.value for m in at.markdown)


def test_skip_page_reports_a_diverged_residual_net_while_the_plain_one_trains_on():
    from tests.apptest_helpers import assert_healthy, run_page

    # ReLU + He: each residual block adds the variance of its branch, the forward pass overflows at once
    at = run_page("pages/deep/skip_connections.py", {"act": "relu", "init": "He", "lr": "0.05", "steps": "100"})
    _button(at, "train").click().run()  # the untrained frame, then the first chunk (the residual net diverges)
    at.run()
    assert any("residual: training diverged" in w.value for w in at.warning)  # shown while the plain net trains
    assert "plain 25 / 100" in at.get("progress")[0].proto.text
    at.run()
    at.run()  # the plain net's last chunk: the page reruns once with the accuracy
    assert_healthy(at, "skip connections, residual diverged")
    assert any(
        "plain" in m.value and "after 100 steps" in m.value and "residual diverged" in m.value for m in at.markdown
    )
    assert any("residual: training diverged" in w.value for w in at.warning)

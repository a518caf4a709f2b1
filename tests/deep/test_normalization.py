"""BatchNorm, LayerNorm and InstanceNorm (sheet 7b, 7c) against torch.nn; batch-size and running-stats studies."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from core.deep import normalization as norm

# ------------------------------------------------------------------------------ normalization vs torch


def test_batch_norm_equals_torch_in_train_and_eval():
    rng = np.random.default_rng(3)
    torch_bn = nn.BatchNorm2d(4, momentum=0.2, dtype=torch.float64)
    with torch.no_grad():
        torch_bn.weight.copy_(torch.tensor(rng.normal(size=4)))
        torch_bn.bias.copy_(torch.tensor(rng.normal(size=4)))
    gamma, beta = torch_bn.weight.detach().numpy().copy(), torch_bn.bias.detach().numpy().copy()
    r_mean, r_var = np.zeros(4), np.ones(4)
    torch_bn.train()
    for _ in range(5):
        x = rng.normal(2.0, 3.0, size=(6, 4, 5, 5))
        ours, r_mean, r_var = norm.batch_norm(x, gamma, beta, r_mean, r_var, training=True, momentum=0.2)
        np.testing.assert_allclose(ours, torch_bn(torch.tensor(x)).detach().numpy(), atol=1e-10)
    np.testing.assert_allclose(r_mean, torch_bn.running_mean.numpy(), atol=1e-12)
    np.testing.assert_allclose(r_var, torch_bn.running_var.numpy(), atol=1e-12)
    torch_bn.eval()
    x = rng.normal(size=(2, 4, 3, 3))
    ours, _, _ = norm.batch_norm(x, gamma, beta, r_mean, r_var, training=False)
    np.testing.assert_allclose(ours, torch_bn(torch.tensor(x)).detach().numpy(), atol=1e-10)


def test_layer_and_instance_norm_equal_torch():
    rng = np.random.default_rng(4)
    x = rng.normal(1.0, 2.0, size=(3, 4, 5, 6))
    torch_ln = nn.LayerNorm([4, 5, 6], dtype=torch.float64)
    with torch.no_grad():
        torch_ln.weight.copy_(torch.tensor(rng.normal(size=(4, 5, 6))))
        torch_ln.bias.copy_(torch.tensor(rng.normal(size=(4, 5, 6))))
    ours = norm.layer_norm(x, torch_ln.weight.detach().numpy(), torch_ln.bias.detach().numpy())
    np.testing.assert_allclose(ours, torch_ln(torch.tensor(x)).detach().numpy(), atol=1e-10)
    # LayerNorm does not depend on the other examples: normalizing one example alone gives the same
    np.testing.assert_allclose(norm.layer_norm(x[:1]), norm.layer_norm(x)[:1])
    instance = nn.InstanceNorm2d(4, dtype=torch.float64)(torch.tensor(x)).numpy()
    np.testing.assert_allclose(norm.normalize_over(x, norm.NORM_AXES["InstanceNorm"]), instance, atol=1e-10)


def test_batch_norm_statistics_get_less_noisy_with_batch_size():
    study = norm.batch_size_study(seed=0)
    spread = study.mean_spread[:, 2] - study.mean_spread[:, 0]
    assert np.all(np.diff(spread) < 0)
    assert np.ptp(study.ln_output) == 0


def test_running_stats_approach_true_values_and_eval_is_deterministic():
    trace = norm.running_stats_trace(seed=0, batch_size=16, steps=200, momentum=0.1)
    assert abs(trace.running_mean[-1] - trace.true_mean) < 0.3
    assert abs(trace.running_var[-1] / trace.true_var - 1) < 0.15
    assert np.ptp(trace.train_outputs) > 0

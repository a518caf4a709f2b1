"""Normalization layers (sheet 7b, 7c): BatchNorm, LayerNorm, InstanceNorm, and how BatchNorm depends on the batch.

* Batch normalization over a batch ``x`` of shape (N, C, H, W): per channel, ``μ_B = (1/m) Σ x_i``,
  ``σ_B² = (1/m) Σ (x_i − μ_B)²`` over the ``m = N·H·W`` values of that channel, ``x̂ = (x − μ_B)/√(σ_B² + ε)``,
  ``y = γ x̂ + β``. In eval mode running averages replace μ_B and σ_B².
* Layer normalization: the same, but per example over (C, H, W): independent of the batch size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.errors import InputError
from core.numerics import rng_streams

NORM_AXES = {
    # axes of (N, C, H, W) that one mean/variance is taken over
    "BatchNorm": (0, 2, 3),
    "LayerNorm": (1, 2, 3),
    "InstanceNorm": (2, 3),
}


def batch_norm(
    x: np.ndarray,
    gamma: np.ndarray,
    beta: np.ndarray,
    running_mean: np.ndarray,
    running_var: np.ndarray,
    training: bool,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """BatchNorm2d forward on x of shape (N, C, H, W); returns (y, new running mean, new running var).

    Training: ``μ_B = (1/m) Σ x_i``, ``σ_B² = (1/m) Σ (x_i − μ_B)²`` per channel over m = N·H·W values,
    ``y = γ (x − μ_B)/√(σ_B² + ε) + β``; running stats ``r ← (1 − momentum) r + momentum · stat`` where the
    variance's stat is the unbiased ``m/(m − 1) σ_B²`` (PyTorch's convention). Eval: μ_B, σ_B² ← running stats.
    """
    x = np.asarray(x, dtype=float)
    if x.ndim != 4:
        raise InputError(f"BatchNorm expects (N, C, H, W); got shape {x.shape}.")
    n, c, h, w = x.shape
    m = n * h * w
    if training:
        if m < 2:
            raise InputError("BatchNorm in training mode needs more than one value per channel (N·H·W ≥ 2).")
        # μ_B = (1/m) Σ x_i over N, H, W
        mean = x.mean(axis=(0, 2, 3))
        # σ_B² = (1/m) Σ (x_i − μ_B)²
        var = x.var(axis=(0, 2, 3))
        # running averages use the unbiased variance m/(m − 1) σ_B²
        new_mean = (1 - momentum) * running_mean + momentum * mean
        new_var = (1 - momentum) * running_var + momentum * var * m / (m - 1)
    else:
        mean, var = np.asarray(running_mean, float), np.asarray(running_var, float)
        new_mean, new_var = mean.copy(), var.copy()
    shape = (1, c, 1, 1)  # broadcast per-channel vectors over (N, C, H, W)
    # x̂ = (x − μ_B)/√(σ_B² + ε);  y = γ x̂ + β
    x_hat = (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps)
    y = np.asarray(gamma).reshape(shape) * x_hat + np.asarray(beta).reshape(shape)
    return y, new_mean, new_var


def layer_norm(
    x: np.ndarray, gamma: np.ndarray | None = None, beta: np.ndarray | None = None, eps: float = 1e-5
) -> np.ndarray:
    """LayerNorm over (C, H, W) of each example: ``μ = mean``, ``σ² = biased var`` over C·H·W values,
    ``y = γ (x − μ)/√(σ² + ε) + β`` with γ, β of shape (C, H, W) (torch.nn.LayerNorm([C, H, W])). Same in train/eval.
    """
    x = np.asarray(x, dtype=float)
    if x.ndim != 4:
        raise InputError(f"LayerNorm expects (N, C, H, W); got shape {x.shape}.")
    # μ, σ² per example over C, H, W
    mean = x.mean(axis=(1, 2, 3), keepdims=True)
    var = x.var(axis=(1, 2, 3), keepdims=True)
    y = (x - mean) / np.sqrt(var + eps)
    if gamma is not None:
        y = y * gamma[None]
    if beta is not None:
        y = y + beta[None]
    return y


def normalize_over(x: np.ndarray, axes: tuple[int, ...], eps: float = 1e-5) -> np.ndarray:
    """(x − μ)/√(σ² + ε) with μ, σ² (biased) over ``axes``; BN, LN and InstanceNorm differ only in the axes."""
    mean = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True)
    return (x - mean) / np.sqrt(var + eps)


@dataclass
class BatchSizeStudy:
    """How BatchNorm's statistics and one example's output vary with the batch size m."""

    batch_sizes: np.ndarray
    """(B,) batch sizes N."""
    mean_spread: np.ndarray
    """(B, 3) 10th, 50th, 90th percentile of μ_B over the repeats (channel 0)."""
    var_spread: np.ndarray
    """(B, 3) percentiles of σ_B²."""
    bn_output: np.ndarray
    """(B, 3) percentiles of BN's output for one fixed value of a fixed example, across random batch-mates."""
    ln_output: np.ndarray
    """(B, 3) the same for LayerNorm (constant: it never looks at the other examples)."""
    true_mean: float
    true_var: float


def batch_size_study(
    seed: int,
    channels: int = 3,
    size: int = 4,
    batch_sizes: tuple[int, ...] = (2, 4, 8, 16, 32, 64),
    repeats: int = 200,
    true_mean: float = 2.0,
    true_std: float = 3.0,
) -> BatchSizeStudy:
    """Draw ``repeats`` batches of each size from x ~ N(true_mean, true_std²) (per pixel), always containing the
    same example x₀ first, and record μ_B, σ_B² and BN/LN's output for x₀[0, 0, 0, 0]."""
    if repeats < 2:
        raise InputError("At least two repeats are needed to see a spread.")
    rng = np.random.default_rng(seed)
    x0 = rng.normal(true_mean, true_std, size=(1, channels, size, size))
    means, variances, bn_out, ln_out = [], [], [], []
    q = (10, 50, 90)
    ln_value = layer_norm(x0)[0, 0, 0, 0]  # LayerNorm never sees the batch: one value for every batch size
    for n in batch_sizes:
        others = rng.normal(true_mean, true_std, size=(repeats, n - 1, channels, size, size))
        batches = np.concatenate([np.broadcast_to(x0, (repeats, 1, channels, size, size)), others], axis=1)
        # μ_B and σ_B² of channel 0 over (N, H, W), for each repeat
        mu = batches[:, :, 0].mean(axis=(1, 2, 3))
        var = batches[:, :, 0].var(axis=(1, 2, 3))
        # BN output of x₀'s first pixel: (x − μ_B)/√(σ_B² + ε)
        out = (x0[0, 0, 0, 0] - mu) / np.sqrt(var + 1e-5)
        means.append(np.percentile(mu, q))
        variances.append(np.percentile(var, q))
        bn_out.append(np.percentile(out, q))
        ln_out.append([ln_value] * 3)
    return BatchSizeStudy(
        np.array(batch_sizes),
        np.array(means),
        np.array(variances),
        np.array(bn_out),
        np.array(ln_out),
        true_mean,
        true_std**2,
    )


@dataclass
class RunningStatsTrace:
    """Running mean/var of a BatchNorm layer fed a stream of training batches, and train vs eval outputs."""

    steps: np.ndarray
    running_mean: np.ndarray
    """(T + 1,) running mean of channel 0 after each step (starts at 0, PyTorch's init)."""
    running_var: np.ndarray
    """(T + 1,) running variance (starts at 1)."""
    batch_mean: np.ndarray
    """(T,) μ_B of each batch."""
    true_mean: float
    true_var: float
    train_outputs: np.ndarray
    """(R,) BN output in train mode for one fixed test value, in R different random batches."""
    eval_output: float
    """BN output in eval mode for the same value (uses running stats: one number)."""
    test_value: float


def running_stats_trace(
    seed: int,
    batch_size: int,
    steps: int,
    momentum: float,
    true_mean: float = 2.0,
    true_std: float = 3.0,
    channels: int = 2,
    size: int = 4,
) -> RunningStatsTrace:
    """Feed ``steps`` training batches of N(true_mean, true_std²) through :func:`batch_norm` and record the
    running statistics ``r ← (1 − momentum) r + momentum · stat``; then compare train vs eval output."""
    if not 0 < momentum <= 1:
        raise InputError(f"The momentum must lie in (0, 1]; got {momentum}.")
    if batch_size * size * size < 2:
        raise InputError("BatchNorm in training mode needs more than one value per channel.")
    rng = np.random.default_rng(seed)
    gamma, beta = np.ones(channels), np.zeros(channels)
    r_mean, r_var = np.zeros(channels), np.ones(channels)
    means, variances, batch_means = [r_mean[0]], [r_var[0]], []
    for _ in range(steps):
        x = rng.normal(true_mean, true_std, size=(batch_size, channels, size, size))
        batch_means.append(x[:, 0].mean())
        _, r_mean, r_var = batch_norm(x, gamma, beta, r_mean, r_var, training=True, momentum=momentum)
        means.append(r_mean[0])
        variances.append(r_var[0])
    test = rng.normal(true_mean, true_std, size=(1, channels, size, size))
    train_outputs = []
    for _ in range(50):
        mates = rng.normal(true_mean, true_std, size=(batch_size - 1, channels, size, size))
        y, _, _ = batch_norm(np.concatenate([test, mates]), gamma, beta, r_mean, r_var, training=True)
        train_outputs.append(y[0, 0, 0, 0])
    y_eval, _, _ = batch_norm(test, gamma, beta, r_mean, r_var, training=False)
    return RunningStatsTrace(
        np.arange(steps + 1),
        np.array(means),
        np.array(variances),
        np.array(batch_means),
        true_mean,
        true_std**2,
        np.array(train_outputs),
        float(y_eval[0, 0, 0, 0]),
        float(test[0, 0, 0, 0]),
    )


# --------------------------------------------------------------------------------------------- your image
IMAGE_SIDE = 48
"""Longer side of an uploaded image on the normalization page (48 × 48 values per map stay readable)."""
DARK_MATES = (0.0, 0.3)
BRIGHT_MATES = (0.7, 1.0)
"""Pixel ranges of the batch-mates: uniform noise images darker or brighter than most photos."""


@dataclass(frozen=True)
class ImageNormalization:
    """One grey image x₀ (C = 1) normalized by LayerNorm and by BatchNorm in two batches of N − 1 batch-mates."""

    image: np.ndarray
    """(H, W) x₀, grey levels in [0, 1]."""
    layer: np.ndarray
    """(H, W) LayerNorm: (x₀ − μ₀)/√(σ₀² + ε), μ₀, σ₀² over x₀'s own pixels (for C = 1, InstanceNorm too)."""
    batch_dark: np.ndarray
    """(H, W) x₀'s BatchNorm output in a batch with dark batch-mates: μ_B, σ_B² over all N·H·W values."""
    batch_bright: np.ndarray
    """(H, W) the same with bright batch-mates."""
    stats: dict[str, tuple[float, float]]
    """(μ, σ²) that each output used: "LayerNorm", "BatchNorm, dark batch", "BatchNorm, bright batch"."""
    batch_size: int


def image_in_batches(image: np.ndarray, batch_size: int, seed: int, eps: float = 1e-5) -> ImageNormalization:
    """x̂₀ = (x₀ − μ)/√(σ² + ε) for x₀ of shape (1, 1, H, W): LayerNorm's μ, σ² over (C, H, W) of x₀ alone, and
    BatchNorm's (training mode) over (N, H, W) of x₀ stacked with N − 1 uniform-noise batch-mates, once darker
    (pixels in DARK_MATES) and once brighter (BRIGHT_MATES); the mates of the two batches come from independent
    streams of ``seed``."""
    image = np.asarray(image, dtype=float)
    if image.ndim != 2 or min(image.shape) < 1:
        raise InputError(f"the image must be a 2-D grey image (got shape {image.shape}).")
    if batch_size < 2:
        raise InputError(f"BatchNorm needs batch-mates: the batch size N must be at least 2 (got {batch_size}).")
    x0 = image[None, None]  # (1, 1, H, W)
    dark_rng, bright_rng = rng_streams(seed, 2)
    mates = {
        "dark": dark_rng.uniform(*DARK_MATES, size=(batch_size - 1, 1, *image.shape)),
        "bright": bright_rng.uniform(*BRIGHT_MATES, size=(batch_size - 1, 1, *image.shape)),
    }
    stats = {"LayerNorm": (float(x0.mean()), float(x0.var()))}
    outputs = {}
    for name, others in mates.items():
        batch = np.concatenate([x0, others])  # (N, 1, H, W), x₀ first
        # BatchNorm: μ_B, σ_B² over the N·H·W values of the channel; x₀'s output is row 0
        outputs[name] = normalize_over(batch, NORM_AXES["BatchNorm"], eps)[0, 0]
        stats[f"BatchNorm, {name} batch"] = (float(batch.mean()), float(batch.var()))
    # LayerNorm: μ₀, σ₀² over x₀'s own (C, H, W)
    layer = normalize_over(x0, NORM_AXES["LayerNorm"], eps)[0, 0]
    return ImageNormalization(image, layer, outputs["dark"], outputs["bright"], stats, batch_size)

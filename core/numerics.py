"""Numerical primitives every section uses: one softmax, one sigmoid, one moving average, one seed tree.

Each is written once here so that "softmax" means the same function on the attention page, in the policy
network and in softmax regression.
"""

from __future__ import annotations

import numpy as np


def softmax(logits: np.ndarray, axis: int = -1) -> np.ndarray:
    """p_k = e^{z_k} / ∑_j e^{z_j} along ``axis``.

    The max is subtracted first: softmax(z − c) = softmax(z) for any constant c, and e^{z − max} ≤ 1 never
    overflows.
    """
    z = np.asarray(logits, dtype=float)
    shifted = z - z.max(axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=axis, keepdims=True)


def sigmoid(z: np.ndarray) -> np.ndarray:
    """σ(z) = 1 / (1 + e^{−z}).

    Written as ½(1 + tanh(z/2)), an identity that never evaluates e^{−z} for large negative z (no overflow
    warning) and is exact to rounding on the whole real line.
    """
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=float)))


def moving_average(values: np.ndarray, window: int) -> np.ndarray:
    """Trailing mean m_t = (1/w_t) ∑_{i=t−w_t+1}^{t} x_i with w_t = min(window, t + 1), along the last axis.

    The first points average over what exists so far (the curve starts at x_0, not at zero), and NaNs (an
    episode not yet played by some seed) are skipped rather than poisoning the window.
    """
    x = np.asarray(values, dtype=float)
    if window <= 1 or x.shape[-1] == 0:
        return x.copy()
    valid = ~np.isnan(x)
    # cumulative sums with a leading zero: sum over (t − w, t] = c[t + 1] − c[t + 1 − w]
    pad = [(0, 0)] * (x.ndim - 1) + [(1, 0)]
    c_sum = np.pad(np.cumsum(np.where(valid, x, 0.0), axis=-1), pad)
    c_cnt = np.pad(np.cumsum(valid, axis=-1), pad)
    t = np.arange(x.shape[-1])
    lo = np.maximum(t + 1 - window, 0)
    total = c_sum[..., t + 1] - c_sum[..., lo]
    count = c_cnt[..., t + 1] - c_cnt[..., lo]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def seed_streams(seed: int, n: int) -> list[np.random.SeedSequence]:
    """``n`` independent child streams of one seed: ``np.random.SeedSequence(seed).spawn(n)``.

    Use this instead of ``seed + 1``, ``seed + 777``: neighbouring integer seeds give neighbouring runs the same
    streams (the critic of seed 0 would start like the actor of seed 1); spawned children never collide.
    """
    return np.random.SeedSequence(seed).spawn(n)


def rng_streams(seed: int, n: int) -> list[np.random.Generator]:
    """``n`` independent NumPy generators from one seed (see :func:`seed_streams`)."""
    return [np.random.default_rng(s) for s in seed_streams(seed, n)]


def torch_seed(stream: np.random.SeedSequence) -> int:
    """A 63-bit integer for ``torch.Generator().manual_seed`` drawn from one spawned stream."""
    return int(stream.generate_state(2, dtype=np.uint32).astype(np.uint64) @ np.array([1 << 31, 1], np.uint64))

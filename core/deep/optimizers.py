"""Optimizers of sheet 6d acting on a list of parameter arrays: SGD, momentum and Adam.

Each step returns new arrays (the old ones are kept intact, so a diverging step can be thrown away). The same
update rules drive the MLP trainer (:mod:`core.deep.mlp`) and the 2-D loss surfaces (:mod:`core.deep.optim2d`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from core.errors import InputError

OPTIMIZERS = ("sgd", "momentum", "adam")


@dataclass(frozen=True)
class OptimizerConfig:
    """Hyperparameters of the update rule θ ← θ − η · step."""

    name: str = "sgd"
    """sgd, momentum or adam."""
    lr: float = 0.03
    """η, the learning rate."""
    momentum: float = 0.9
    """μ of momentum (PyTorch convention v ← μ v + g, θ ← θ − η v)."""
    beta1: float = 0.9
    """β₁ of Adam: decay of the first-moment estimate m."""
    beta2: float = 0.999
    """β₂ of Adam: decay of the second-moment estimate v."""
    eps: float = 1e-8
    """ε of Adam, added to √v̂ to avoid division by 0."""
    bias_correction: bool = True
    """Adam's m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ); off: use m and v directly."""

    def __post_init__(self) -> None:
        if self.name not in OPTIMIZERS:
            raise InputError(f"Unknown optimizer {self.name!r}; choose one of {', '.join(OPTIMIZERS)}.")
        if not self.lr > 0 or not np.isfinite(self.lr):
            raise InputError(f"The learning rate η must be a positive number; got {self.lr}.")
        if not 0.0 <= self.momentum < 1.0:
            raise InputError(f"The momentum μ must lie in [0, 1); got {self.momentum}.")
        if not (0.0 <= self.beta1 < 1.0 and 0.0 <= self.beta2 < 1.0):
            raise InputError("Adam's β₁ and β₂ must lie in [0, 1).")


@dataclass
class OptimizerState:
    """Running state of an optimizer: step count t and one buffer per parameter array."""

    t: int = 0
    velocity: list[np.ndarray] = field(default_factory=list)
    """momentum buffer v (momentum) or first moment m (Adam)."""
    second: list[np.ndarray] = field(default_factory=list)
    """second moment v (Adam)."""


def _flat(arrays: Sequence[np.ndarray]) -> np.ndarray:
    """Every entry of ``arrays``, in order, as one 1-D array."""
    return np.concatenate([np.ravel(a) for a in arrays])


def _split(flat: np.ndarray, like: Sequence[np.ndarray]) -> list[np.ndarray]:
    """``flat`` cut back into arrays shaped like ``like`` (views of ``flat``)."""
    out, start = [], 0
    for a in like:
        out.append(flat[start : start + a.size].reshape(a.shape))
        start += a.size
    return out


def optimizer_step(
    params: Sequence[np.ndarray], grads: Sequence[np.ndarray], state: OptimizerState, config: OptimizerConfig
) -> tuple[list[np.ndarray], OptimizerState]:
    """One update; returns new parameters and a new state (the inputs are not modified).

    SGD: θ ← θ − η g.  Momentum: v ← μ v + g, θ ← θ − η v.
    Adam: m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ), θ ← θ − η m̂/(√v̂ + ε)
    (without bias correction m̂ = m and v̂ = v).

    Every rule acts entry by entry, so all parameter arrays are updated as one flat vector (the same numbers,
    bit for bit, in a few NumPy calls instead of several per array: a small network's step is call-bound).
    """
    velocity = _flat(state.velocity) if state.velocity else None
    second = _flat(state.second) if state.second else None
    theta, velocity, second = flat_step(_flat(params), _flat(grads), state.t + 1, velocity, second, config)
    buffers = [_split(b, params) for b in (velocity, second) if b is not None]
    return _split(theta, params), OptimizerState(state.t + 1, *buffers)


def flat_step(
    theta: np.ndarray,
    g: np.ndarray,
    t: int,
    velocity: np.ndarray | None,
    second: np.ndarray | None,
    config: OptimizerConfig,
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Step ``t`` (from 1) of :func:`optimizer_step` on flat vectors: the parameters θ, the gradient g and the
    buffers (momentum's v or Adam's m, then Adam's v; None before the first step, or where the rule has none).
    Returns the new θ and buffers as new arrays; for a caller that keeps its parameters as one vector."""
    if config.name == "sgd":
        # θ ← θ − η g
        return theta - config.lr * g, None, None
    if config.name == "momentum":
        old = velocity if velocity is not None else np.zeros_like(theta)
        # v ← μ v + g
        velocity = config.momentum * old + g
        # θ ← θ − η v
        return theta - config.lr * velocity, velocity, None
    old_m = velocity if velocity is not None else np.zeros_like(theta)
    old_v = second if second is not None else np.zeros_like(theta)
    # m ← β₁ m + (1 − β₁) g ;  v ← β₂ v + (1 − β₂) g²
    m = config.beta1 * old_m + (1.0 - config.beta1) * g
    v = config.beta2 * old_v + (1.0 - config.beta2) * g * g
    if config.bias_correction:
        # m̂ = m / (1 − β₁ᵗ), v̂ = v / (1 − β₂ᵗ): undo the pull towards the zero initialisation
        c1, c2 = 1.0 - config.beta1**t, 1.0 - config.beta2**t
    else:
        c1 = c2 = 1.0
    # θ ← θ − η m̂ / (√v̂ + ε)
    return theta - config.lr * (m / c1) / (np.sqrt(v / c2) + config.eps), m, v

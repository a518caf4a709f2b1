"""A multilayer perceptron in NumPy, written with the course sheet's equations (sheet 6).

Notation (sheet 6a), one column per sample, so a batch of ``m`` samples is a matrix with ``m`` columns:

* forward: ``z^[l] = W^[l] a^[l-1] + b^[l]`` and ``a^[l] = g^[l](z^[l])``, with ``a^[0] = x``;
* output error: ``δ^[L] = ∂L/∂a^[L] ⊙ g'^[L](z^[L])``;
* back-propagation: ``δ^[l] = ((W^[l+1])ᵀ δ^[l+1]) ⊙ g'^[l](z^[l])``;
* gradients: ``∂L/∂W^[l] = δ^[l] (a^[l-1])ᵀ`` and ``∂L/∂b^[l] = δ^[l]`` (summed over the batch columns).

``L`` is the *mean* loss over the batch, so every ``δ`` already carries the factor ``1/m`` and the sheet's
gradient formulas hold for a batch exactly as written (the sum over columns is the matrix product).

The network is a binary classifier: one sigmoid output unit ``a^[L] = σ(z^[L]) = P(y=1|x)``, trained with
cross-entropy ``L = −log σ((2y−1) z^[L])`` (sheet 6b) or mean squared error ``L = (a^[L] − y)²``.
Dropout is *inverted* dropout on the hidden layers: in training ``ã^[l] = a^[l] ⊙ r^[l] / (1−p)`` with
``r ~ Bernoulli(1−p)``; in evaluation nothing is dropped and nothing is rescaled.

Optimizers (sheet 6d) act on the list of parameter arrays and return new arrays (the old ones are kept
intact, so a diverging step can be thrown away).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from sklearn.datasets import make_blobs, make_circles, make_moons

from core.errors import InputError

ACTIVATIONS = ("sigmoid", "tanh", "relu", "linear")
LOSSES = ("cross_entropy", "mse")
OPTIMIZERS = ("sgd", "momentum", "adam")
REGULARIZATIONS = ("none", "L1", "L2")
DATASETS = ("moons", "circles", "spiral", "xor", "blobs", "user points only")
FEATURES = ("x1", "x2", "x1²", "x2²", "x1·x2", "sin x1", "sin x2")
# The plane the datasets live in and the decision boundary is drawn over.
DOMAIN = 2.0
MAX_HIDDEN_LAYERS = 6
MAX_UNITS = 32
MAX_USER_POINTS = 500
# A loss or parameter this large counts as diverged (long before float64 overflows to inf).
DIVERGENCE_BOUND = 1e8


# --------------------------------------------------------------------------------------------- activations


def activation(name: str, z: np.ndarray) -> np.ndarray:
    """g(z): σ(z) = 1/(1+e^−z), tanh(z), ReLU(z) = max(0, z), or the identity."""
    if name == "sigmoid":
        # σ(z) = 1 / (1 + e^−z), written through tanh so that large |z| never overflows exp
        return 0.5 * (1.0 + np.tanh(0.5 * z))
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        # ReLU(z) = max(0, z)
        return np.maximum(z, 0.0)
    if name == "linear":
        return np.asarray(z, dtype=float).copy()
    raise InputError(f"Unknown activation {name!r}; choose one of {', '.join(ACTIVATIONS)}.")


def activation_derivative(name: str, z: np.ndarray) -> np.ndarray:
    """g'(z): σ(z)(1 − σ(z)), 1 − tanh²(z), 1 if z > 0 else 0 (0 at z = 0, like the sheet), or 1."""
    if name == "sigmoid":
        s = activation("sigmoid", z)
        # σ'(z) = σ(z)(1 − σ(z))
        return s * (1.0 - s)
    if name == "tanh":
        # tanh'(z) = 1 − tanh²(z)
        return 1.0 - np.tanh(z) ** 2
    if name == "relu":
        # ReLU'(z) = 1 if z > 0 else 0
        return (np.asarray(z) > 0).astype(float)
    if name == "linear":
        return np.ones_like(np.asarray(z, dtype=float))
    raise InputError(f"Unknown activation {name!r}; choose one of {', '.join(ACTIVATIONS)}.")


# --------------------------------------------------------------------------------------------- network


@dataclass(frozen=True)
class MLPConfig:
    """The architecture and the training objective of a binary-classifier MLP."""

    layer_sizes: tuple[int, ...]
    """(n_0, n_1, ..., n_L): inputs, hidden widths, and 1 output unit."""
    hidden_activation: str = "tanh"
    """g^[l] of every hidden layer: sigmoid, tanh, relu or linear."""
    loss: str = "cross_entropy"
    """cross_entropy (−log σ((2y−1)z)) or mse ((σ(z) − y)²)."""
    dropout: float = 0.0
    """p, the probability that a hidden unit is dropped in training (inverted dropout)."""
    regularization: str = "none"
    """none, L1 (λ ∑|W|) or L2 ((λ/2) ∑ W²), on the weights only (not the biases)."""
    reg_rate: float = 0.0
    """λ."""

    def __post_init__(self) -> None:
        if len(self.layer_sizes) < 2 or self.layer_sizes[-1] != 1:
            raise InputError("The network needs at least an input layer and one output unit.")
        if any(n < 1 for n in self.layer_sizes):
            raise InputError("Every layer needs at least one unit.")
        if self.hidden_activation not in ACTIVATIONS:
            raise InputError(f"Unknown activation {self.hidden_activation!r}.")
        if self.loss not in LOSSES:
            raise InputError(f"Unknown loss {self.loss!r}; choose cross_entropy or mse.")
        if not 0.0 <= self.dropout < 1.0:
            raise InputError(f"The dropout probability p must lie in [0, 1); got {self.dropout}.")
        if self.regularization not in REGULARIZATIONS:
            raise InputError(f"Unknown regularization {self.regularization!r}.")
        if self.reg_rate < 0:
            raise InputError("The regularization rate λ cannot be negative.")

    @property
    def n_layers(self) -> int:
        """L, the number of weight layers."""
        return len(self.layer_sizes) - 1

    def g(self, layer: int) -> str:
        """Activation name of layer ``layer`` (1-based, like the sheet): hidden layers, then the sigmoid output."""
        return "sigmoid" if layer == self.n_layers else self.hidden_activation


def parse_hidden(text: str) -> tuple[int, ...]:
    """'8, 8' -> (8, 8); an empty text is a network without hidden layers (logistic regression)."""
    parts = [p for p in re.split(r"[,\s;]+", text.strip()) if p]
    try:
        sizes = tuple(int(p) for p in parts)
    except ValueError:
        raise InputError(
            f"Hidden layers must be whole numbers separated by commas, like '8, 8'; got {text!r}."
        ) from None
    if len(sizes) > MAX_HIDDEN_LAYERS:
        raise InputError(f"At most {MAX_HIDDEN_LAYERS} hidden layers; got {len(sizes)}.")
    if any(not 1 <= n <= MAX_UNITS for n in sizes):
        raise InputError(f"Every hidden layer needs between 1 and {MAX_UNITS} units; got {text!r}.")
    return sizes


def init_params(config: MLPConfig, seed: int, bias_std: float = 0.0) -> list[np.ndarray]:
    """[W^[1], b^[1], ..., W^[L], b^[L]] with W^[l] of shape (n_l, n_{l−1}) and b^[l] ~ N(0, bias_std²) (0 by default).

    Glorot/Xavier normal W ~ N(0, 2/(n_{l−1}+n_l)) for sigmoid/tanh/linear, He W ~ N(0, 2/n_{l−1}) for ReLU.
    """
    rng = np.random.default_rng(seed)
    params = []
    for layer in range(1, config.n_layers + 1):
        n_in, n_out = config.layer_sizes[layer - 1], config.layer_sizes[layer]
        he = config.g(layer) == "relu"
        std = np.sqrt(2.0 / n_in) if he else np.sqrt(2.0 / (n_in + n_out))
        params.append(rng.normal(0.0, std, size=(n_out, n_in)))
        params.append(rng.normal(0.0, bias_std, size=n_out) if bias_std > 0 else np.zeros(n_out))
    return params


def weights(params: Sequence[np.ndarray]) -> list[np.ndarray]:
    return list(params[0::2])


def biases(params: Sequence[np.ndarray]) -> list[np.ndarray]:
    return list(params[1::2])


@dataclass
class Forward:
    """Everything the forward pass computed, indexed like the sheet (index 0 is the input layer)."""

    z: list[np.ndarray]
    """z[l], shape (n_l, m); z[0] is None."""
    a: list[np.ndarray]
    """a[l], shape (n_l, m): the activation after dropout (what the next layer sees); a[0] = x."""
    masks: list[np.ndarray | None]
    """masks[l], shape (n_l, m): r^[l] / (1−p) for dropped-out hidden layers, else None."""


def dropout_masks(config: MLPConfig, m: int, rng: np.random.Generator) -> list[np.ndarray | None]:
    """Inverted-dropout masks r^[l]/(1−p) with r ~ Bernoulli(1−p), one per hidden layer; None where p = 0."""
    masks: list[np.ndarray | None] = [None] * (config.n_layers + 1)
    if config.dropout > 0:
        keep = 1.0 - config.dropout
        for layer in range(1, config.n_layers):
            # E[r / (1−p)] = 1, so the expected activation is the same as in evaluation
            masks[layer] = (rng.random((config.layer_sizes[layer], m)) < keep) / keep
    return masks


def forward(
    params: Sequence[np.ndarray], x: np.ndarray, config: MLPConfig, masks: Sequence[np.ndarray | None] | None = None
) -> Forward:
    """z^[l] = W^[l] a^[l−1] + b^[l], a^[l] = g^[l](z^[l]) (⊙ r^[l]/(1−p) in training); x has shape (n_0, m).

    ``masks=None`` is evaluation mode: no unit is dropped.
    """
    x = np.asarray(x, dtype=float)
    if x.ndim != 2 or x.shape[0] != config.layer_sizes[0]:
        raise InputError(f"Inputs must have shape ({config.layer_sizes[0]}, m); got {x.shape}.")
    zs: list = [None]
    acts = [x]
    used = [None] * (config.n_layers + 1) if masks is None else list(masks)
    for layer in range(1, config.n_layers + 1):
        W, b = params[2 * layer - 2], params[2 * layer - 1]
        # z^[l] = W^[l] a^[l−1] + b^[l]
        z = W @ acts[-1] + b[:, None]
        # a^[l] = g^[l](z^[l])
        a = activation(config.g(layer), z)
        if used[layer] is not None:
            a = a * used[layer]
        zs.append(z)
        acts.append(a)
    return Forward(zs, acts, used)


def predict_proba(params: Sequence[np.ndarray], x: np.ndarray, config: MLPConfig) -> np.ndarray:
    """P(y=1|x) = a^[L] in evaluation mode, shape (m,)."""
    return forward(params, x, config).a[-1][0]


def data_loss(z_out: np.ndarray, y: np.ndarray, loss: str) -> float:
    """Mean loss over the batch from the output pre-activation z^[L] (shape (m,)), y in {0, 1}.

    cross-entropy: L = −log σ((2y−1) z) = softplus(−(2y−1) z); mse: L = (σ(z) − y)².
    """
    z_out = np.asarray(z_out, dtype=float)
    y = np.asarray(y, dtype=float)
    if loss == "cross_entropy":
        # −log σ((2y−1)z) = log(1 + e^{−(2y−1)z}), computed without overflow
        return float(np.mean(np.logaddexp(0.0, -(2.0 * y - 1.0) * z_out)))
    if loss == "mse":
        # L = (σ(z) − y)²
        return float(np.mean((activation("sigmoid", z_out) - y) ** 2))
    raise InputError(f"Unknown loss {loss!r}.")


def numerical_gradient(
    params: Sequence[np.ndarray],
    x: np.ndarray,
    y: np.ndarray,
    config: MLPConfig,
    masks: Sequence[np.ndarray | None] | None = None,
    h: float = 1e-6,
) -> list[np.ndarray]:
    """Central differences ∂L/∂θ ≈ (L(θ + h) − L(θ − h)) / 2h for every parameter (a check of backprop)."""

    def total(ps: Sequence[np.ndarray]) -> float:
        z_out = forward(ps, x, config, masks).z[-1][0]
        return data_loss(z_out, y, config.loss) + regularization_penalty(ps, config)

    grads = []
    for k, p in enumerate(params):
        g = np.zeros_like(p)
        for index in np.ndindex(p.shape):
            shifted = [q.copy() for q in params]
            shifted[k][index] += h
            up = total(shifted)
            shifted[k][index] -= 2 * h
            g[index] = (up - total(shifted)) / (2 * h)
        grads.append(g)
    return grads


def regularization_penalty(params: Sequence[np.ndarray], config: MLPConfig) -> float:
    """λ ∑|W| (L1) or (λ/2) ∑ W² (L2) over all weight matrices; 0 without regularization."""
    if config.regularization == "L1":
        return config.reg_rate * float(sum(np.abs(W).sum() for W in weights(params)))
    if config.regularization == "L2":
        return 0.5 * config.reg_rate * float(sum((W**2).sum() for W in weights(params)))
    return 0.0


@dataclass
class Backward:
    """δ^[l] and the gradients of one backward pass (index 0 unused)."""

    delta: list[np.ndarray]
    """delta[l], shape (n_l, m): ∂L/∂z^[l] for the batch-mean loss."""
    grads: list[np.ndarray]
    """[∂L/∂W^[1], ∂L/∂b^[1], ...], matching ``params`` (regularization included)."""


def backward(params: Sequence[np.ndarray], fwd: Forward, y: np.ndarray, config: MLPConfig) -> Backward:
    """Back-propagation with the sheet's equations.

    δ^[L] = ∂L/∂a^[L] ⊙ g'(z^[L]); δ^[l] = ((W^[l+1])ᵀ δ^[l+1]) ⊙ r^[l]/(1−p) ⊙ g'(z^[l]);
    ∂L/∂W^[l] = δ^[l] (a^[l−1])ᵀ (+ λ sign W or λ W); ∂L/∂b^[l] = ∑_columns δ^[l].
    """
    y = np.asarray(y, dtype=float).reshape(1, -1)  # (1, m), like a^[L]
    m = y.shape[1]
    L = config.n_layers
    z_out, a_out = fwd.z[L], fwd.a[L]
    delta: list = [None] * (L + 1)
    if config.loss == "cross_entropy":
        # ∂L/∂a = (a − y) / (a(1 − a)) / m and g'(z) = a(1 − a): the product is (a − y)/m, which we use
        # directly because the factors overflow separately once σ saturates
        delta[L] = (a_out - y) / m
    else:
        # δ^[L] = ∂L/∂a ⊙ g'(z^[L]) with L = mean (a − y)²
        delta[L] = 2.0 * (a_out - y) / m * activation_derivative("sigmoid", z_out)
    for layer in range(L - 1, 0, -1):
        W_next = params[2 * layer]
        # δ^[l] = ((W^[l+1])ᵀ δ^[l+1]) ⊙ g'(z^[l]); dropout multiplies by the same mask as the forward pass
        back = W_next.T @ delta[layer + 1]
        if fwd.masks[layer] is not None:
            back = back * fwd.masks[layer]
        delta[layer] = back * activation_derivative(config.g(layer), fwd.z[layer])
    grads = []
    for layer in range(1, L + 1):
        # ∂L/∂W^[l] = δ^[l] (a^[l−1])ᵀ
        dW = delta[layer] @ fwd.a[layer - 1].T
        W = params[2 * layer - 2]
        if config.regularization == "L1":
            dW = dW + config.reg_rate * np.sign(W)
        elif config.regularization == "L2":
            dW = dW + config.reg_rate * W
        # ∂L/∂b^[l] = δ^[l], summed over the batch
        db = delta[layer].sum(axis=1)
        grads.extend([dW, db])
    return Backward(delta, grads)


# --------------------------------------------------------------------------------------------- optimizers


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


def optimizer_step(
    params: Sequence[np.ndarray], grads: Sequence[np.ndarray], state: OptimizerState, config: OptimizerConfig
) -> tuple[list[np.ndarray], OptimizerState]:
    """One update; returns new parameters and a new state (the inputs are not modified).

    SGD: θ ← θ − η g.  Momentum: v ← μ v + g, θ ← θ − η v.
    Adam: m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ), θ ← θ − η m̂/(√v̂ + ε)
    (without bias correction m̂ = m and v̂ = v).
    """
    t = state.t + 1
    if config.name == "sgd":
        # θ ← θ − η g
        return [p - config.lr * g for p, g in zip(params, grads)], OptimizerState(t)
    if config.name == "momentum":
        old = state.velocity or [np.zeros_like(p) for p in params]
        # v ← μ v + g
        velocity = [config.momentum * v + g for v, g in zip(old, grads)]
        # θ ← θ − η v
        return [p - config.lr * v for p, v in zip(params, velocity)], OptimizerState(t, velocity)
    old_m = state.velocity or [np.zeros_like(p) for p in params]
    old_v = state.second or [np.zeros_like(p) for p in params]
    # m ← β₁ m + (1 − β₁) g ;  v ← β₂ v + (1 − β₂) g²
    m = [config.beta1 * mi + (1.0 - config.beta1) * g for mi, g in zip(old_m, grads)]
    v = [config.beta2 * vi + (1.0 - config.beta2) * g * g for vi, g in zip(old_v, grads)]
    if config.bias_correction:
        # m̂ = m / (1 − β₁ᵗ), v̂ = v / (1 − β₂ᵗ): undo the pull towards the zero initialisation
        c1, c2 = 1.0 - config.beta1**t, 1.0 - config.beta2**t
    else:
        c1 = c2 = 1.0
    # θ ← θ − η m̂ / (√v̂ + ε)
    new = [p - config.lr * (mi / c1) / (np.sqrt(vi / c2) + config.eps) for p, mi, vi in zip(params, m, v)]
    return new, OptimizerState(t, m, v)


# --------------------------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Dataset:
    """A 2-D binary classification set, split into train and test."""

    x_train: np.ndarray
    """(m_train, 2) raw coordinates."""
    y_train: np.ndarray
    """(m_train,) labels in {0, 1}."""
    x_test: np.ndarray
    y_test: np.ndarray


def parse_points(text: str) -> np.ndarray:
    """Lines 'x1, x2, class' (class 0 or 1) -> array of shape (k, 3); blank lines and '#' comments skipped."""
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        parts = [p for p in re.split(r"[,\s;]+", line) if p]
        try:
            x1, x2, label = (float(p) for p in parts)
        except ValueError:
            raise InputError(f"Point line {number} ({line!r}) must be 'x1, x2, class', e.g. '0.5, -1, 1'.") from None
        if label not in (0.0, 1.0):
            raise InputError(f"Point line {number}: the class must be 0 or 1; got {label:g}.")
        if not (abs(x1) <= DOMAIN and abs(x2) <= DOMAIN):
            raise InputError(f"Point line {number}: coordinates must lie in [−{DOMAIN:g}, {DOMAIN:g}].")
        rows.append((x1, x2, label))
    if len(rows) > MAX_USER_POINTS:
        raise InputError(f"At most {MAX_USER_POINTS} added points; got {len(rows)}.")
    return np.array(rows, dtype=float).reshape(-1, 3)  # (k, 3): x1, x2, class


def _spiral(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved arms r = t, angle = 1.75·t·2π (+π for class 1), like TF Playground's spiral."""
    half = n // 2
    t = np.concatenate([np.linspace(0.05, 1, half), np.linspace(0.05, 1, n - half)])
    label = np.concatenate([np.zeros(half), np.ones(n - half)])
    angle = 1.75 * 2 * np.pi * t + np.pi * label
    x = np.stack([t * np.sin(angle), t * np.cos(angle)], axis=1) * 1.6
    return x + rng.normal(0, noise * 0.3, x.shape), label


def make_dataset(
    name: str, n_points: int, noise: float, train_fraction: float, seed: int, extra: np.ndarray | None = None
) -> Dataset:
    """Generate ``n_points`` samples of a named 2-D set in [−2, 2]², add the user's points, split train/test.

    Moons, circles and blobs come from scikit-learn (then centred and scaled into the square); spiral and
    XOR are generated here.  Added points always go to the training set.
    """
    if name not in DATASETS:
        raise InputError(f"Unknown dataset {name!r}; choose one of {', '.join(DATASETS)}.")
    if not 0.1 <= train_fraction <= 0.9:
        raise InputError("The training fraction must lie between 0.1 and 0.9.")
    if noise < 0:
        raise InputError("The noise level cannot be negative.")
    rng = np.random.default_rng(seed)
    extra = np.zeros((0, 3)) if extra is None else np.asarray(extra, dtype=float).reshape(-1, 3)
    if name == "user points only":
        x, y = np.zeros((0, 2)), np.zeros(0)
    else:
        if n_points < 4:
            raise InputError("At least 4 points are needed.")
        state = int(rng.integers(2**31 - 1))
        if name == "moons":
            x, y = make_moons(n_points, noise=0.25 * noise, random_state=state)
            # moons span x1 ∈ [−1, 2], x2 ∈ [−0.5, 1]: centre them and stretch into the square
            x = (x - np.array([0.5, 0.25])) * 1.2
        elif name == "circles":
            x, y = make_circles(n_points, noise=0.12 * noise, factor=0.45, random_state=state)
            x = x * 1.6
        elif name == "blobs":
            x, y = make_blobs(
                n_points, centers=[(-0.9, -0.9), (0.9, 0.9)], cluster_std=0.25 + 0.5 * noise, random_state=state
            )
        elif name == "xor":
            x = rng.uniform(-1.8, 1.8, size=(n_points, 2))
            # keep points off the axes a little, like TF Playground, so the classes are separable when noise = 0
            x = x + np.sign(x) * 0.1
            y = ((x[:, 0] > 0) ^ (x[:, 1] > 0)).astype(float)
            x = x + rng.normal(0, 0.25 * noise, x.shape)
        else:
            x, y = _spiral(n_points, noise, rng)
        x = np.clip(x, -DOMAIN, DOMAIN)
    order = rng.permutation(len(x))
    x, y = x[order], np.asarray(y, dtype=float)[order]
    n_train = round(train_fraction * len(x))
    x_train = np.concatenate([x[:n_train], extra[:, :2]])
    y_train = np.concatenate([y[:n_train], extra[:, 2]])
    if len(x_train) < 2 or len(np.unique(y_train)) < 2:
        raise InputError("The training set needs points of both classes: add points of class 0 and of class 1.")
    return Dataset(x_train, y_train, x[n_train:], y[n_train:])


def features(x: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """The input layer a^[0]: chosen features of raw points x of shape (m, 2), returned as (n_0, m)."""
    if not names:
        raise InputError("Choose at least one input feature.")
    x1, x2 = x[:, 0], x[:, 1]
    table = {
        "x1": x1,
        "x2": x2,
        "x1²": x1**2,
        "x2²": x2**2,
        "x1·x2": x1 * x2,
        "sin x1": np.sin(x1),
        "sin x2": np.sin(x2),
    }
    unknown = [n for n in names if n not in table]
    if unknown:
        raise InputError(f"Unknown input feature(s): {', '.join(unknown)}.")
    return np.stack([table[n] for n in names])  # (n_0, m)


def grid(resolution: int) -> tuple[np.ndarray, np.ndarray]:
    """Axis ticks (resolution,) over [−2, 2] and the raw grid points (resolution², 2), x1 varying fastest."""
    ticks = np.linspace(-DOMAIN, DOMAIN, resolution)
    g1, g2 = np.meshgrid(ticks, ticks)
    return ticks, np.stack([g1.ravel(), g2.ravel()], axis=1)  # (resolution², 2)


# --------------------------------------------------------------------------------------------- training


@dataclass(frozen=True)
class TrainConfig:
    """Everything that defines one training run (except the data)."""

    net: MLPConfig
    optimizer: OptimizerConfig
    batch_size: int = 10
    """Samples per gradient step (capped at the training-set size)."""
    feature_names: tuple[str, ...] = ("x1", "x2")
    """Which functions of (x1, x2) feed the input layer."""


@dataclass
class Trainer:
    """A network being trained, step by step: the state a page keeps in ``st.session_state``."""

    config: TrainConfig
    params: list[np.ndarray]
    opt_state: OptimizerState
    rng: np.random.Generator
    step: int = 0
    history: list[tuple[int, float, float]] = field(default_factory=list)
    """(step, train loss, test loss) after each chunk."""
    diverged_at: int | None = None
    """The step at which the loss or the weights stopped being finite (training then refuses to go on)."""


def new_trainer(config: TrainConfig, seed: int) -> Trainer:
    """A freshly initialised network; the same seed gives the same initial weights (rewind = same start)."""
    return Trainer(config, init_params(config.net, seed), OptimizerState(), np.random.default_rng(seed + 1))


def evaluate(trainer: Trainer, data: Dataset) -> tuple[float, float]:
    """Data loss (no dropout, no penalty) on the training and test sets."""
    out = []
    for x, y in ((data.x_train, data.y_train), (data.x_test, data.y_test)):
        if len(x) == 0:
            out.append(float("nan"))
            continue
        fwd = forward(trainer.params, features(x, trainer.config.feature_names), trainer.config.net)
        out.append(data_loss(fwd.z[-1][0], y, trainer.config.net.loss))
    return out[0], out[1]


def _finite(arrays: Sequence[np.ndarray]) -> bool:
    # one sum of squares per array: inf/NaN anywhere, or any entry beyond the bound, shows in the total
    total = sum(float(np.vdot(a, a)) for a in arrays)
    return bool(np.isfinite(total)) and total < DIVERGENCE_BOUND**2


def train_steps(trainer: Trainer, data: Dataset, n_steps: int) -> bool:
    """Run up to ``n_steps`` minibatch steps in place; record the losses once at the end.

    Returns False (and leaves the last finite parameters in place) if a step produced a non-finite
    loss or weights: the learning rate is too large for this network.
    """
    config = trainer.config
    inputs = features(data.x_train, config.feature_names)  # (n_0, m_train)
    m = inputs.shape[1]
    batch = max(1, min(config.batch_size, m))
    ok = trainer.diverged_at is None
    for _ in range(n_steps if ok else 0):
        idx = trainer.rng.choice(m, size=batch, replace=False) if batch < m else np.arange(m)
        masks = dropout_masks(config.net, batch, trainer.rng) if config.net.dropout > 0 else None
        fwd = forward(trainer.params, inputs[:, idx], config.net, masks)
        back = backward(trainer.params, fwd, data.y_train[idx], config.net)
        new_params, new_state = optimizer_step(trainer.params, back.grads, trainer.opt_state, config.optimizer)
        if not _finite(new_params):
            trainer.diverged_at = trainer.step + 1
            ok = False
            break
        trainer.params, trainer.opt_state = new_params, new_state
        trainer.step += 1
    train_loss, test_loss = evaluate(trainer, data)
    if not np.isfinite(train_loss):
        trainer.diverged_at = trainer.diverged_at or trainer.step
        ok = False
    if not trainer.history or trainer.history[-1][0] != trainer.step:
        trainer.history.append((trainer.step, train_loss, test_loss))
    return ok


def unit_outputs(trainer: Trainer, resolution: int) -> list[np.ndarray]:
    """a^[l] of every unit over the grid, in evaluation mode: one array (n_l, resolution, resolution) per layer."""
    _ticks, points = grid(resolution)
    fwd = forward(trainer.params, features(points, trainer.config.feature_names), trainer.config.net)
    return [a.reshape(a.shape[0], resolution, resolution) for a in fwd.a]  # (n_l, res, res): rows are x2


def train_full_batch(
    config: TrainConfig, data: Dataset, n_steps: int, seed: int, record_every: int = 10
) -> tuple[np.ndarray, list[np.ndarray], bool]:
    """Train from scratch for ``n_steps`` steps; returns the (k, 3) history [step, train, test], the final
    parameters and whether training stayed finite."""
    trainer = new_trainer(config, seed)
    trainer.history.append((0, *evaluate(trainer, data)))
    ok = True
    for _ in range(0, n_steps, record_every):
        ok = train_steps(trainer, data, record_every)
        if not ok:
            break
    return np.array(trainer.history), trainer.params, ok


# --------------------------------------------------------------------------------------------- analyses


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

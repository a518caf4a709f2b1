"""A multilayer perceptron in NumPy, written with the course sheet's equations (sheet 6).

Notation (sheet 6a), one column per sample, so a batch of ``m`` samples is a matrix with ``m`` columns:

* forward: ``z^[l] = W^[l] a^[l-1] + b^[l]`` and ``a^[l] = g^[l](z^[l])``, with ``a^[0] = x``;
* output error: ``δ^[L] = ∂L/∂a^[L] ⊙ g'^[L](z^[L])``;
* back-propagation: ``δ^[l] = ((W^[l+1])ᵀ δ^[l+1]) ⊙ g'^[l](z^[l])``;
* gradients: ``∂L/∂W^[l] = δ^[l] (a^[l-1])ᵀ`` and ``∂L/∂b^[l] = δ^[l]`` (summed over the batch columns).

``L`` is the *mean* loss over the batch, so every ``δ`` already carries the factor ``1/m`` and the sheet's
gradient formulas hold for a batch exactly as written (the sum over columns is the matrix product).

The output layer is one sigmoid unit for two classes, ``a^[L] = σ(z^[L]) = P(y=1|x)``, trained with cross-entropy
``L = −log σ((2y−1) z^[L])`` (sheet 6b) or squared error ``L = (a^[L] − y)²``; or, for K classes, K softmax units
``a^[L]_k = e^{z_k} / ∑_j e^{z_j} = P(y=k|x)``, trained with cross-entropy ``L = −log a^[L]_y`` or squared error
``L = ‖a^[L] − e_y‖²`` against the one-hot label ``e_y``. Both cross-entropies have the output error
``δ^[L] = a^[L] − (the label)``: y for the sigmoid unit, e_y for softmax.
Dropout is *inverted* dropout on the hidden layers: in training ``ã^[l] = a^[l] ⊙ r^[l] / (1−p)`` with
``r ~ Bernoulli(1−p)``; in evaluation nothing is dropped and nothing is rescaled.

The optimizers live in :mod:`core.deep.optimizers`, the 2-D datasets and input features in
:mod:`core.deep.toy_data`, and the studies of the activations/dropout pages in :mod:`core.deep.mlp_studies`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from core.deep.optimizers import OptimizerConfig, OptimizerState, optimizer_step
from core.deep.toy_data import Dataset, features, grid
from core.errors import InputError
from core.numerics import seed_streams, sigmoid, softmax

ACTIVATIONS = ("sigmoid", "tanh", "relu", "linear")
LOSSES = ("cross_entropy", "mse")
REGULARIZATIONS = ("none", "L1", "L2")
MAX_HIDDEN_LAYERS = 6
MAX_UNITS = 32
# A loss or parameter this large counts as diverged (long before float64 overflows to inf).
DIVERGENCE_BOUND = 1e8


# --------------------------------------------------------------------------------------------- activations


def activation(name: str, z: np.ndarray) -> np.ndarray:
    """g(z): σ(z) = 1/(1+e^−z), tanh(z), ReLU(z) = max(0, z), the identity, or (the output of K classes)
    softmax(z)_k = e^{z_k} / ∑_j e^{z_j} over the units (the rows of z)."""
    if name == "softmax":
        # a_k = e^{z_k} / ∑_j e^{z_j}: rows are units, columns samples (axis −2 also serves a stack of nets)
        return softmax(z, axis=-2)
    if name == "sigmoid":
        # σ(z) = 1 / (1 + e^−z) (core.numerics: written through tanh, so large |z| never overflows exp)
        return sigmoid(z)
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        # ReLU(z) = max(0, z)
        return np.maximum(z, 0.0)
    if name == "linear":
        return np.asarray(z, dtype=float).copy()
    raise InputError(f"Unknown activation {name!r}; choose one of {', '.join(ACTIVATIONS)}.")


def activation_derivative(name: str, z: np.ndarray) -> np.ndarray:
    """g'(z): σ(z)(1 − σ(z)), 1 − tanh²(z), 1 if z > 0 else 0 (0 at z = 0, like the sheet), or 1.

    Softmax has none: each a_k depends on every z_j (its Jacobian is diag(a) − a aᵀ), so :func:`backward`
    writes its δ^[L] directly."""
    if name == "softmax":
        raise InputError("softmax has no element-wise derivative: its Jacobian is diag(a) − a aᵀ.")
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
    """The architecture and the training objective of a classifier MLP (two classes or K)."""

    layer_sizes: tuple[int, ...]
    """(n_0, n_1, ..., n_L): inputs, hidden widths, and the outputs: 1 sigmoid unit P(y=1|x) for two classes, or
    K ≥ 2 softmax units P(y=k|x) for K classes."""
    hidden_activation: str = "tanh"
    """g^[l] of every hidden layer: sigmoid, tanh, relu or linear."""
    loss: str = "cross_entropy"
    """cross_entropy (−log σ((2y−1)z); softmax: −log a_y) or mse ((σ(z) − y)²; softmax: ‖a − e_y‖²)."""
    dropout: float = 0.0
    """p, the probability that a hidden unit is dropped in training (inverted dropout)."""
    regularization: str = "none"
    """none, L1 (λ ∑|W|) or L2 ((λ/2) ∑ W²), on the weights only (not the biases)."""
    reg_rate: float = 0.0
    """λ."""

    def __post_init__(self) -> None:
        if len(self.layer_sizes) < 2:
            raise InputError("The network needs at least an input layer and an output layer.")
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

    @property
    def softmax_output(self) -> bool:
        """Whether the output is K ≥ 2 softmax units (else one sigmoid unit)."""
        return self.layer_sizes[-1] > 1

    @property
    def n_classes(self) -> int:
        """K: 2 for the one sigmoid unit, else the number of softmax units."""
        return self.layer_sizes[-1] if self.softmax_output else 2

    def g(self, layer: int) -> str:
        """Activation name of layer ``layer`` (1-based, like the sheet): hidden layers, then the output's
        sigmoid (one unit) or softmax (K units)."""
        if layer == self.n_layers:
            return "softmax" if self.softmax_output else "sigmoid"
        return self.hidden_activation


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


def init_params(config: MLPConfig, seed: int | np.random.SeedSequence, bias_std: float = 0.0) -> list[np.ndarray]:
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
    """P(y=1|x) = a^[L] of the one sigmoid unit in evaluation mode, shape (m,)."""
    return forward(params, x, config).a[-1][0]


def class_probabilities(params: Sequence[np.ndarray], x: np.ndarray, config: MLPConfig) -> np.ndarray:
    """P(y=k|x) for every class k in evaluation mode, shape (K, m): (1 − a, a) of a sigmoid unit, a^[L] of softmax."""
    a_out = forward(params, x, config).a[-1]
    return a_out if config.softmax_output else np.vstack([1.0 - a_out, a_out])  # (K, m)


def accuracy(params: Sequence[np.ndarray], x: np.ndarray, y: np.ndarray, config: MLPConfig) -> float:
    """The share of samples whose most probable class is their label, mean_i [argmax_k P(y=k|x_i) = y_i]."""
    if x.shape[1] == 0:
        return float("nan")
    return float(np.mean(class_probabilities(params, x, config).argmax(axis=0) == np.asarray(y)))


def _class_indices(y: np.ndarray, n_classes: int) -> np.ndarray:
    """Labels 0, …, K−1 as integers (the datasets keep them as floats), refused when out of range."""
    labels = np.asarray(y).astype(np.int64)
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise InputError(f"Class labels must be whole numbers 0 … {n_classes - 1} for {n_classes} output units.")
    return labels


def data_loss(z_out: np.ndarray, y: np.ndarray, loss: str) -> float:
    """Mean loss over the batch from the output pre-activation z^[L]; y the class of each sample.

    One sigmoid unit (z of shape (m,) or (1, m), y in {0, 1}): cross-entropy L = −log σ((2y−1) z) =
    softplus(−(2y−1) z); mse L = (σ(z) − y)². K softmax units (z of shape (K, m), y in {0, …, K−1}):
    cross-entropy L = −log a_y = log ∑_j e^{z_j} − z_y; mse L = ‖a − e_y‖² = ∑_k (a_k − [y = k])², a = softmax(z).
    """
    z_out = np.asarray(z_out, dtype=float)
    if z_out.ndim == 2 and z_out.shape[0] == 1:
        z_out = z_out[0]  # (m,): the one sigmoid unit
    if z_out.ndim == 2:
        return _softmax_data_loss(z_out, y, loss)
    y = np.asarray(y, dtype=float)
    if loss == "cross_entropy":
        # −log σ((2y−1)z) = log(1 + e^{−(2y−1)z}), computed without overflow
        return float(np.mean(np.logaddexp(0.0, -(2.0 * y - 1.0) * z_out)))
    if loss == "mse":
        # L = (σ(z) − y)²
        return float(np.mean((activation("sigmoid", z_out) - y) ** 2))
    raise InputError(f"Unknown loss {loss!r}.")


def _softmax_data_loss(z_out: np.ndarray, y: np.ndarray, loss: str) -> float:
    """The K-class losses of :func:`data_loss`; z_out of shape (K, m)."""
    n_classes, m = z_out.shape
    labels = _class_indices(y, n_classes)
    if loss == "cross_entropy":
        # −log a_y = log ∑_j e^{z_j} − z_y, with the max subtracted inside the log (no overflow)
        top = z_out.max(axis=0)
        log_sum = top + np.log(np.exp(z_out - top).sum(axis=0))
        return float(np.mean(log_sum - z_out[labels, np.arange(m)]))
    if loss == "mse":
        one_hot = np.eye(n_classes)[:, labels]  # (K, m): e_y, one column per sample
        # L = ‖a − e_y‖² = ∑_k (a_k − [y = k])²
        return float(np.mean(((activation("softmax", z_out) - one_hot) ** 2).sum(axis=0)))
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
        z_out = forward(ps, x, config, masks).z[-1]
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

    δ^[L] = ∂L/∂a^[L] ⊙ g'(z^[L]) (sigmoid unit) or Jᵀ ∂L/∂a^[L] with the softmax Jacobian J (softmax units);
    δ^[l] = ((W^[l+1])ᵀ δ^[l+1]) ⊙ r^[l]/(1−p) ⊙ g'(z^[l]);
    ∂L/∂W^[l] = δ^[l] (a^[l−1])ᵀ (+ λ sign W or λ W); ∂L/∂b^[l] = ∑_columns δ^[l].
    """
    L = config.n_layers
    z_out, a_out = fwd.z[L], fwd.a[L]
    delta: list = [None] * (L + 1)
    if config.softmax_output:
        m = a_out.shape[1]
        one_hot = np.eye(config.n_classes)[:, _class_indices(y, config.n_classes)]  # (K, m): e_y per column
        if config.loss == "cross_entropy":
            # δ^[L] = ∂L/∂z^[L] = (a − e_y)/m. Why: ∂L/∂a_j = −[y=j]/a_j and the softmax Jacobian is
            # ∂a_j/∂z_k = a_j([j=k] − a_k), so ∑_j ∂L/∂a_j ∂a_j/∂z_k = −[y=k] + a_k ∑_j [y=j] = a_k − [y=k]:
            # the same "prediction minus label" as the sigmoid unit, and the 1/a_j that overflows never appears
            delta[L] = (a_out - one_hot) / m
        else:
            # L = mean ‖a − e_y‖²: g = ∂L/∂a = 2(a − e_y)/m, then δ = Jᵀ g with J = diag(a) − a aᵀ (symmetric),
            # δ_k = a_k (g_k − ∑_j a_j g_j): like σ′ for one unit, a saturated softmax (a ≈ e_j) passes back ≈ 0
            g = 2.0 * (a_out - one_hot) / m
            delta[L] = a_out * (g - (a_out * g).sum(axis=0, keepdims=True))
    else:
        y = np.asarray(y, dtype=float).reshape(1, -1)  # (1, m), like a^[L]
        m = y.shape[1]
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
        name = config.g(layer)
        if fwd.masks[layer] is not None:
            back = back * fwd.masks[layer]
            slope = activation_derivative(name, fwd.z[layer])
        elif name == "sigmoid":
            # σ'(z) = σ(z)(1 − σ(z)) with σ(z) = a^[l] from the forward pass (the same numbers, one pass less)
            slope = fwd.a[layer] * (1.0 - fwd.a[layer])
        elif name == "tanh":
            # tanh'(z) = 1 − tanh²(z) = 1 − (a^[l])²
            slope = 1.0 - fwd.a[layer] ** 2
        else:
            slope = activation_derivative(name, fwd.z[layer])
        delta[layer] = back * slope
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
    """A freshly initialised network; the same seed gives the same initial weights (rewind = same start).

    Two independent streams of ``SeedSequence(seed)``: the initial weights, and the minibatch/dropout draws.
    """
    init_stream, batch_stream = seed_streams(seed, 2)
    return Trainer(config, init_params(config.net, init_stream), OptimizerState(), np.random.default_rng(batch_stream))


def reconfigure(trainer: Trainer, config: TrainConfig) -> bool:
    """Apply changed settings to a running trainer in place; returns whether the optimizer state was reset.

    Settings that keep the architecture (η, optimizer, batch size, dropout, regularization, loss) go on from the
    current weights. A changed optimizer configuration (another rule, or a lower η after a divergence) starts
    with fresh buffers (t = 0, v = m = 0) and clears the divergence flag, so training may go on.
    """
    if trainer.config == config:
        return False
    reset = trainer.config.optimizer != config.optimizer
    if reset:
        # a new optimizer (or a lower η after a divergence) starts with fresh moment buffers
        trainer.opt_state = OptimizerState()
        trainer.diverged_at = None
    trainer.config = config
    return reset


def evaluate(trainer: Trainer, data: Dataset) -> tuple[float, float]:
    """Data loss (no dropout, no penalty) on the training and test sets."""
    out = []
    for x, y in ((data.x_train, data.y_train), (data.x_test, data.y_test)):
        if len(x) == 0:
            out.append(float("nan"))
            continue
        fwd = forward(trainer.params, features(x, trainer.config.feature_names), trainer.config.net)
        out.append(data_loss(fwd.z[-1], y, trainer.config.net.loss))
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
    full_batch = (inputs[:, np.arange(m)], data.y_train[np.arange(m)]) if batch >= m else None
    for _ in range(n_steps if ok else 0):
        if batch < m:
            idx = trainer.rng.choice(m, size=batch, replace=False)
            x_batch, y_batch = inputs[:, idx], data.y_train[idx]
        else:  # the full batch, in order (copied once, in the memory layout a fancy index gives)
            x_batch, y_batch = full_batch
        masks = dropout_masks(config.net, batch, trainer.rng) if config.net.dropout > 0 else None
        fwd = forward(trainer.params, x_batch, config.net, masks)
        back = backward(trainer.params, fwd, y_batch, config.net)
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


# --------------------------------------------------------------------------------------------- one-sample walkthrough


def gradient_step(params: Sequence[np.ndarray], grads: Sequence[np.ndarray], lr: float) -> list[np.ndarray]:
    """One plain gradient-descent step θ ← θ − η ∂L/∂θ on every parameter array (new arrays)."""
    # θ ← θ − η ∂L/∂θ
    return [p - lr * g for p, g in zip(params, grads)]


def max_gradient_gap(grads: Sequence[np.ndarray], numeric: Sequence[np.ndarray]) -> float:
    """max over all parameters of |∂L/∂θ (backprop) − (L(θ+h) − L(θ−h))/2h|: the gradient check."""
    # max_θ |g_backprop − g_numeric|
    return max(float(np.abs(a - b).max()) for a, b in zip(grads, numeric))


def walkthrough_masks(config: MLPConfig, seed: int) -> list[np.ndarray | None]:
    """The fixed inverted-dropout masks r^[l]/(1−p), r ~ Bernoulli(1−p), of the one-sample walkthrough.

    Drawn from their own spawned stream of ``SeedSequence(seed)`` (the weights use ``seed`` itself).
    """
    (mask_stream,) = seed_streams(seed, 1)
    return dropout_masks(config, 1, np.random.default_rng(mask_stream))

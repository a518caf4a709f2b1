"""Maximum likelihood = minimum cross-entropy = minimum KL (sheet 2.4 c), unsupervised and supervised.

``-1/N sum_i log q_theta(x_i) = H(p_hat, q_theta) = KL(p_hat||q_theta) + H(p_hat)``, for a categorical model
``q_θ = softmax(θ)`` and for softmax regression ``q_θ(y|x) = softmax(θᵀ[x; 1])``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from core.errors import InputError
from core.information.divergences import kl_divergence
from core.information.entropy import BITS, check_base, entropy
from core.information.parsing import normalize
from core.numerics import rng_streams, softmax

# --------------------------------------------------------------------------------------------- MLE = min KL


@dataclass(frozen=True)
class MLEConfig:
    """Fitting a categorical model q_θ = softmax(θ) to samples of a true distribution p by gradient descent."""

    sample_size: int = 50
    """N, the number of samples x_i ~ p in the dataset D."""
    steps: int = 150
    """Gradient-descent steps on the average NLL."""
    learning_rate: float = 0.2
    """Step size α in θ ← θ − α ∇_θ NLL(θ)."""
    seed: int = 0
    """Seed of the dataset draw and of the initial θ (two independent spawned streams)."""


@dataclass(frozen=True)
class MLETrace:
    """The fit, step by step: the three quantities the sheet proves equal, and the gap to the truth."""

    p_true: np.ndarray
    """(K,) p."""
    p_hat: np.ndarray
    """(K,) empirical distribution p̂(x) = count(x)/N."""
    samples: np.ndarray
    """(N,) the dataset D."""
    q_history: np.ndarray
    """(steps + 1, K) q_θ after each step (row 0 = initial)."""
    nll: np.ndarray
    """(steps + 1,) −(1/N) sum_i log_b q_θ(x_i), computed sample by sample."""
    cross_entropy: np.ndarray
    """(steps + 1,) H(p̂, q_θ)."""
    kl_plus_entropy: np.ndarray
    """(steps + 1,) KL(p̂||q_θ) + H(p̂)."""
    kl_to_truth: np.ndarray
    """(steps + 1,) KL(p||q_θ): MLE approaches p̂, not p."""
    h_p_hat: float
    """H(p̂), the floor of the NLL."""


def nll_gradient(theta: np.ndarray, p_hat: np.ndarray) -> np.ndarray:
    """∇_θ of −(1/N) sum_i log softmax(θ)_{x_i} = softmax(θ) − p̂ (the empirical distribution)."""
    # d/dθ_k [−sum_j p̂_j log q_j] = q_k − p̂_k
    return softmax(theta) - p_hat


def fit_categorical_mle(p_true: np.ndarray, config: MLEConfig, base: float = BITS) -> MLETrace:
    """Maximum likelihood by gradient descent on the average NLL of q_θ = softmax(θ) (sheet 2.4 c).

    ``−(1/N) sum_i log q_θ(x_i) = H(p̂, q_θ) = KL(p̂||q_θ) + H(p̂)``: the three are recorded separately at
    every step (the NLL from the samples themselves) so that the page can show them coincide.
    """
    p_true, _ = normalize(p_true, "the true distribution")
    if config.sample_size < 1:
        raise InputError("the dataset needs at least one sample.")
    if config.steps < 1 or config.learning_rate <= 0:
        raise InputError("gradient descent needs at least one step and a positive learning rate.")
    base = check_base(base)
    # independent streams: the initial θ does not change when only N changes
    data_rng, init_rng = rng_streams(config.seed, 2)
    k = p_true.size
    samples = data_rng.choice(k, size=config.sample_size, p=p_true)
    # p̂(x) = count(x) / N
    p_hat = np.bincount(samples, minlength=k) / config.sample_size
    theta = init_rng.normal(0.0, 1.0, size=k)
    h_p_hat = entropy(p_hat, base)
    history = np.empty((config.steps + 1, k))
    for step in range(config.steps + 1):
        history[step] = softmax(theta)
        # θ ← θ − α ∇_θ NLL(θ)
        theta = theta - config.learning_rate * nll_gradient(theta, p_hat)
    log_q = np.log(history) / math.log(base)  # (steps + 1, K); softmax > 0 so finite
    # NLL = −(1/N) sum_i log q_θ(x_i), straight from the samples: (steps + 1, N) gathered then averaged
    nll = -log_q[:, samples].mean(axis=1)
    # H(p̂, q_θ) = −sum_x p̂(x) log q_θ(x)
    cross = -(log_q @ p_hat)
    kl_hat = np.array([kl_divergence(p_hat, q, base) for q in history])
    kl_true = np.array([kl_divergence(p_true, q, base) for q in history])
    # KL(p̂||q_θ) + H(p̂)
    return MLETrace(p_true, p_hat, samples, history, nll, cross, kl_hat + h_p_hat, kl_true, h_p_hat)


@dataclass(frozen=True)
class ClassifierTrace:
    """Softmax regression trained by gradient descent: cross-entropy and NLL per step (sheet 2.4 c, supervised)."""

    features: np.ndarray
    """(N, 2) inputs x_i."""
    labels: np.ndarray
    """(N,) classes y_i."""
    weights: np.ndarray
    """(3, C) final [w_1; w_2; b]."""
    nll: np.ndarray
    """(steps + 1,) −(1/N) sum_i log_b q_θ(y_i|x_i)."""
    cross_entropy: np.ndarray
    """(steps + 1,) (1/N) sum_i H(onehot(y_i), q_θ(·|x_i))."""
    accuracy: np.ndarray
    """(steps + 1,) fraction of argmax_k q_θ(k|x_i) = y_i."""


def make_blobs(n_per_class: int, n_classes: int, spread: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian blobs around points on a circle of radius 2: x ~ N(c_k, spread² I) for class k."""
    rng = np.random.default_rng(seed)
    angles = 2 * math.pi * np.arange(n_classes) / n_classes
    centres = 2.0 * np.stack([np.cos(angles), np.sin(angles)], axis=1)  # (C, 2)
    labels = np.repeat(np.arange(n_classes), n_per_class)
    features = centres[labels] + spread * rng.normal(size=(labels.size, 2))
    return features, labels


def classifier_design(features: np.ndarray) -> np.ndarray:
    """[x_1, x_2, 1] per row: (N, 3), the bias as a constant feature."""
    return np.hstack([features, np.ones((features.shape[0], 1))])


def predict_classes(weights: np.ndarray, features: np.ndarray) -> np.ndarray:
    """ŷ(x) = argmax_k q_θ(k|x) = argmax_k (θᵀ[x; 1])_k: (N,) predicted classes of (N, 2) inputs.

    The softmax is monotone, so the argmax of the logits is the argmax of the probabilities.
    """
    # (N, 3) @ (3, C) -> (N, C) logits θᵀ[x; 1]
    return (classifier_design(np.asarray(features, dtype=float)) @ weights).argmax(axis=1)


@dataclass(frozen=True)
class DecisionRegions:
    """The predicted class on a regular grid covering the data (the classifier's decision regions)."""

    xs: np.ndarray
    """(R,) grid coordinates along x_1."""
    ys: np.ndarray
    """(R,) grid coordinates along x_2."""
    predicted: np.ndarray
    """(R, R) ŷ at (xs[j], ys[i]) in row i, column j."""


def decision_regions(trace: ClassifierTrace, resolution: int = 120, pad: float = 0.8) -> DecisionRegions:
    """ŷ(x) = argmax_k q_θ(k|x) of the final model on a resolution × resolution grid, data bounds ± ``pad``."""
    x0, y0 = trace.features.min(axis=0) - pad
    x1, y1 = trace.features.max(axis=0) + pad
    xs, ys = np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution)
    gx, gy = np.meshgrid(xs, ys)
    grid = np.stack([gx.ravel(), gy.ravel()], axis=1)  # (R*R, 2)
    return DecisionRegions(xs, ys, predict_classes(trace.weights, grid).reshape(gx.shape))


def fit_softmax_classifier(
    n_per_class: int, n_classes: int, spread: float, steps: int, learning_rate: float, seed: int, base: float = BITS
) -> ClassifierTrace:
    """Softmax regression q_θ(y|x) = softmax(θᵀ[x; 1]) by gradient descent on the cross-entropy.

    Records at every step the NLL −(1/N) sum_i log q_θ(y_i|x_i) and the mean cross-entropy between the one-hot
    label distribution and the prediction, (1/N) sum_i H(onehot(y_i), q_θ(·|x_i)); the sheet says they are equal.
    """
    if n_classes < 2 or n_per_class < 1 or steps < 1 or learning_rate <= 0 or spread <= 0:
        raise InputError("the classifier needs ≥ 2 classes, ≥ 1 point per class, ≥ 1 step, α > 0 and spread > 0.")
    base = check_base(base)
    features, labels = make_blobs(n_per_class, n_classes, spread, seed)
    design = classifier_design(features)  # (N, 3)
    onehot = np.eye(n_classes)[labels]  # (N, C)
    theta = np.zeros((3, n_classes))
    nll, cross, accuracy = [], [], []
    for step in range(steps + 1):
        q = softmax(design @ theta)  # (N, C) q_θ(k|x_i)
        log_q = np.log(np.clip(q, 1e-300, None)) / math.log(base)
        # NLL = −(1/N) sum_i log q_θ(y_i|x_i)
        nll.append(-log_q[np.arange(labels.size), labels].mean())
        # (1/N) sum_i H(onehot(y_i), q_θ(·|x_i)) = −(1/N) sum_i sum_k y_ik log q_ik
        cross.append(-(onehot * log_q).sum(axis=1).mean())
        accuracy.append(float((q.argmax(axis=1) == labels).mean()))
        if step < steps:
            # ∇_θ = (1/N) Xᵀ (q − y) (the sheet's softmax-regression update, averaged)
            theta = theta - learning_rate * design.T @ (q - onehot) / labels.size
    return ClassifierTrace(features, labels, theta, np.array(nll), np.array(cross), np.array(accuracy))

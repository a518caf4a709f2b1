"""Softmax regression by gradient descent on K Gaussian blobs (sheet 4c).

Notation follows the course sheet: ``p_hat_k = e^{theta_k^T x} / sum_j e^{theta_j^T x}``,
``J = -1/m sum_i sum_k y_k log p_hat_k``, ``grad_{theta_k} J = 1/m sum_i x_i (p_hat_k^(i) - y_k^(i))`` (the sheet sums
without 1/m, which only rescales the step size). ``X`` has a 1 at the head of every row: (1, x1, x2).

The user's own points (:func:`parse_classes`, :func:`user_softmax_report`) are used as they are inside
[−3, 3]², else rescaled into it axis by axis (as for logistic regression).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
from sklearn.datasets import make_blobs

from core.errors import InputError
from core.numerics import softmax
from core.supervised.logistic import USER_BOUND
from core.user_data import MAX_CLASSES, LabelledPoints, Rescaling, fit_rescaling, parse_labelled_points

EXAMPLE_POINTS = """x1,x2,class
-1.38,-0.68,0
-1.70,-1.48,0
-1.49,-1.02,0
-0.87,-0.66,0
-1.41,-0.50,0
1.41,-1.42,1
1.76,-0.74,1
1.40,-1.35,1
1.60,-2.12,1
1.81,-0.78,1
-0.74,1.53,2
-0.43,1.84,2
-0.92,1.09,2
0.32,2.02,2
-0.97,1.28,2"""
"""The "your data" set the page opens with: three clusters of five points, one per class."""


def softmax_loss(Theta: np.ndarray, X: np.ndarray, labels: np.ndarray) -> float:
    """J(Θ) = −1/m ∑_i ∑_k y_k^(i) log p_hat_k^(i); Θ has one column θ_k per class, shape (f+1, K)."""
    scores = X @ Theta  # (m, K)
    # log p_hat_k = s_k − log ∑_j e^{s_j}, shifted by the max (its own log-sum-exp: no log 0)
    log_p = scores - scores.max(axis=1, keepdims=True)
    log_p = log_p - np.log(np.exp(log_p).sum(axis=1, keepdims=True))
    return float(-np.mean(log_p[np.arange(len(labels)), labels]))


def softmax_gradient(Theta: np.ndarray, X: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """∇_{θ_k} J = 1/m ∑_i x_i (p_hat_k^(i) − y_k^(i)), all k at once: shape (f+1, K)."""
    p_hat = softmax(X @ Theta)  # (m, K)
    one_hot = np.eye(Theta.shape[1])[labels]  # (m, K)
    return X.T @ (p_hat - one_hot) / len(labels)


@dataclass(frozen=True)
class SoftmaxReport:
    X: np.ndarray
    """(1, x1, x2) per point, shape (m, 3)."""
    labels: np.ndarray
    """Class index per point, shape (m,)."""
    Theta: np.ndarray
    """Trained parameters, shape (3, K)."""
    losses: np.ndarray
    accuracy: float
    grid_x1: np.ndarray
    grid_x2: np.ndarray
    grid_class: np.ndarray
    """argmax_k p_hat_k on the grid, shape (len(x2), len(x1))."""
    grid_confidence: np.ndarray
    """max_k p_hat_k on the grid, same shape."""
    diverged: bool = field(default=False)
    classes: tuple[str, ...] = ()
    """The name of each class (the user's labels); empty for generated data: class k is called k."""
    rescaling: Rescaling | None = None
    """How the user's points were put into the square (X holds x′ = (x − c)/s); None for generated data."""

    @property
    def class_names(self) -> tuple[str, ...]:
        return self.classes or tuple(str(k) for k in range(self.Theta.shape[1]))

    @property
    def uniform_loss(self) -> float:
        """J(0) = log K: at Θ = 0 every p_hat_k = 1/K."""
        return float(np.log(self.Theta.shape[1]))


def softmax_report(m: int, classes: int, spread: float, alpha: float, steps: int, seed: int) -> SoftmaxReport:
    """Softmax regression by gradient descent Θ := Θ − α ∇J(Θ) from Θ = 0 on K Gaussian blobs."""
    if classes < 2:
        raise InputError(f"need at least 2 classes (got {classes}).")
    if m < classes:
        raise InputError(f"need at least one point per class ({m} points for {classes} classes).")
    if alpha <= 0:
        raise InputError(f"the learning rate α must be positive (got {alpha}).")
    features, labels = make_blobs(n_samples=m, centers=classes, cluster_std=spread, random_state=seed)
    features = (features - features.mean(axis=0)) / features.std(axis=0)
    return fit_softmax(features, labels, classes, alpha, steps)


def parse_classes(text: str) -> LabelledPoints:
    """The user's points, rows 'x1, x2, class', of 2 to MAX_CLASSES classes (whole numbers or names)."""
    return parse_labelled_points(text, n_features=2, source="Your data", max_classes=MAX_CLASSES)


def user_softmax_report(points: LabelledPoints, alpha: float, steps: int) -> SoftmaxReport:
    """Softmax regression on the user's points, put into the square first (the identity when they lie in it)."""
    if alpha <= 0:
        raise InputError(f"the learning rate α must be positive (got {alpha}).")
    scaling = fit_rescaling(points.x, USER_BOUND)
    report = fit_softmax(scaling.apply(points.x), points.label, points.n_classes, alpha, steps)
    return replace(report, classes=points.classes, rescaling=scaling)


def fit_softmax(features: np.ndarray, labels: np.ndarray, classes: int, alpha: float, steps: int) -> SoftmaxReport:
    """Θ := Θ − α ∇J(Θ), ``steps`` times from Θ = 0, on points ``features`` (m, 2) with class indices ``labels``."""
    m = len(labels)
    X = np.hstack([np.ones((m, 1)), features])  # (m, 3): (1, x1, x2)
    Theta = np.zeros((3, classes))
    losses = [softmax_loss(Theta, X, labels)]
    for _ in range(steps):
        # θ_k := θ_k − α ∇_{θ_k} J for every k
        Theta = Theta - alpha * softmax_gradient(Theta, X, labels)
        losses.append(softmax_loss(Theta, X, labels))
    losses = np.array(losses)
    accuracy = float(np.mean(np.argmax(X @ Theta, axis=1) == labels))
    g1 = np.linspace(features[:, 0].min() - 0.5, features[:, 0].max() + 0.5, 120)
    g2 = np.linspace(features[:, 1].min() - 0.5, features[:, 1].max() + 0.5, 120)
    G1, G2 = np.meshgrid(g1, g2)  # (120, 120) each
    grid = np.stack([np.ones(G1.size), G1.ravel(), G2.ravel()], axis=1)  # (120·120, 3)
    p_grid = softmax(grid @ Theta)
    return SoftmaxReport(
        X=X,
        labels=labels,
        Theta=Theta,
        losses=losses,
        accuracy=accuracy,
        grid_x1=g1,
        grid_x2=g2,
        grid_class=p_grid.argmax(axis=1).reshape(G1.shape),  # back to the (120, 120) grid
        grid_confidence=p_grid.max(axis=1).reshape(G1.shape),
        diverged=bool(losses[-1] > losses[0] or not np.isfinite(losses[-1])),
    )

"""Logistic regression by gradient descent and by Newton's method (sheet 4a, 4b).

Notation follows the course sheet: ``J(theta) = -1/m sum [y_i log h(x_i) + (1 - y_i) log(1 - h(x_i))]``,
``h(x) = sigma(theta^T x) = 1 / (1 + e^{-theta^T x})``; gradient descent
``theta := theta - alpha 1/m sum (h(x_i) - y_i) x_i`` (4a) and Newton ``theta := theta - H^{-1} grad J(theta)`` with
``H = 1/m sum h(x_i)(1 - h(x_i)) x_i x_i^T`` (4b). ``X`` has a 1 at the head of every row: (1, x1, x2).

The user's own points (:func:`parse_two_classes`, :func:`user_logistic_data`) are used as they are inside
[−USER_BOUND, USER_BOUND]² (the range of the standardized generated data), else rescaled into it axis by axis.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.optimize
from sklearn.datasets import make_classification

from core.errors import InputError
from core.numerics import sigmoid
from core.user_data import MAX_CLASSES, LabelledPoints, Rescaling, fit_rescaling, parse_labelled_points

# Points of the decision-boundary line, and how far it reaches past the data on each side.
BOUNDARY_POINTS = 50
BOUNDARY_MARGIN = 0.5
EXAMPLE_POINTS = """x1,x2,class
-1.00,-0.97,0
-1.54,-0.77,0
-0.46,-0.67,1
-0.13,-0.64,0
-0.78,0.58,0
-0.42,-0.85,0
-0.93,-0.12,0
2.15,0.41,1
0.63,1.30,1
0.18,0.40,0
1.42,1.01,1
0.86,1.07,1
-1.18,1.31,1
0.13,-0.57,1"""
"""The "your data" set the page opens with: two overlapping clusters (not separable, so J has a minimum)."""
# The user's points are used as they are in [−3, 3]² (where the standardized generated points lie), else rescaled.
USER_BOUND = 3.0


def logistic_loss(theta: np.ndarray, X: np.ndarray, y: np.ndarray) -> float:
    """J(θ) = −1/m ∑ [y_i log h(x_i) + (1 − y_i) log(1 − h(x_i))], via log(1 + e^z) − y z (no log 0)."""
    z = X @ theta
    # −[y log σ(z) + (1−y) log(1−σ(z))] = log(1 + e^z) − y z
    return float(np.mean(np.logaddexp(0.0, z) - y * z))


def logistic_gradient(theta: np.ndarray, X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """∇J(θ) = 1/m ∑ (h(x_i) − y_i) x_i."""
    return X.T @ (sigmoid(X @ theta) - y) / len(y)


def logistic_hessian(theta: np.ndarray, X: np.ndarray) -> np.ndarray:
    """H = 1/m ∑ h(x_i)(1 − h(x_i)) x_i x_iᵀ."""
    h = sigmoid(X @ theta)
    return (X * (h * (1.0 - h))[:, None]).T @ X / len(X)


@dataclass(frozen=True)
class LogisticData:
    X: np.ndarray
    """Design matrix with a leading column of ones, shape (m, 3): (1, x1, x2)."""
    y: np.ndarray
    """Labels in {0, 1}, shape (m,)."""
    separable: bool
    """Some θ classifies every point correctly with margin: then J has no minimum and ‖θ‖ grows without bound."""
    classes: tuple[str, ...] = ("0", "1")
    """The names of class 0 and class 1 (the user's labels)."""
    rescaling: Rescaling | None = None
    """How the user's points were put into the square (X holds x′ = (x − c)/s); None for generated data."""


def is_linearly_separable(X: np.ndarray, y: np.ndarray) -> bool:
    """Is there a θ with (2y_i − 1) θᵀx_i ≥ 1 for all i? (a linear-programming feasibility problem)"""
    signs = 2.0 * y - 1.0
    # −(2y_i − 1) x_iᵀ θ ≤ −1
    result = scipy.optimize.linprog(
        c=np.zeros(X.shape[1]),
        A_ub=-(signs[:, None] * X),
        b_ub=-np.ones(len(y)),
        bounds=[(None, None)] * X.shape[1],
        method="highs",
    )
    return bool(result.status == 0)


def make_logistic_data(m: int, class_sep: float, flip: float, seed: int) -> LogisticData:
    """Two classes in 2-D (scikit-learn ``make_classification``, seeded), features standardized."""
    if m < 4:
        raise InputError(f"need at least 4 points (got {m}).")
    if not 0.0 <= flip < 0.5:
        raise InputError(f"the label-flip fraction must be in [0, 0.5) (got {flip}).")
    features, y = make_classification(
        n_samples=m,
        n_features=2,
        n_redundant=0,
        n_informative=2,
        n_clusters_per_class=1,
        class_sep=class_sep,
        flip_y=flip,
        random_state=seed,
    )
    features = (features - features.mean(axis=0)) / features.std(axis=0)
    if len(np.unique(y)) < 2:
        raise InputError("the draw has only one class: change the seed or the number of points.")
    X = np.hstack([np.ones((m, 1)), features])
    y = y.astype(float)
    return LogisticData(X=X, y=y, separable=is_linearly_separable(X, y))


def parse_two_classes(text: str) -> LabelledPoints:
    """The user's points, rows 'x1, x2, class', of exactly two classes (0/1 or two names)."""
    points = parse_labelled_points(text, n_features=2, source="Your data", max_classes=MAX_CLASSES)
    if points.n_classes != 2:
        raise InputError(
            f"Your data has {points.n_classes} classes ({', '.join(points.classes)}): logistic regression is "
            "for two classes: use the softmax part."
        )
    return points


def user_logistic_data(points: LabelledPoints) -> LogisticData:
    """The user's two-class points as the design matrix X = (1, x1′, x2′), x′ the points in the square
    (:func:`core.user_data.fit_rescaling`, the identity when they already lie in it)."""
    scaling = fit_rescaling(points.x, USER_BOUND)
    X = np.hstack([np.ones((len(points.x), 1)), scaling.apply(points.x)])  # (m, 3): (1, x1′, x2′)
    y = points.label.astype(float)
    return LogisticData(X, y, is_linearly_separable(X, y), points.classes, scaling)


@dataclass(frozen=True)
class OptimizerRun:
    thetas: np.ndarray
    """θ after each step, θ_0 first; shape (steps + 1, 3)."""
    losses: np.ndarray
    """J(θ_k), shape (steps + 1,)."""
    gradient_norms: np.ndarray
    """‖∇J(θ_k)‖, shape (steps + 1,)."""
    failed: str | None = None
    """Why the run stopped early (non-finite numbers, singular H), else None."""


def gradient_descent(X, y, theta0, alpha: float, steps: int) -> OptimizerRun:
    """θ := θ − α 1/m ∑ (h(x_i) − y_i) x_i, ``steps`` times."""
    if alpha <= 0:
        raise InputError(f"the learning rate α must be positive (got {alpha}).")
    theta = np.asarray(theta0, dtype=float).copy()
    thetas, losses, norms = [theta.copy()], [logistic_loss(theta, X, y)], []
    for _ in range(steps):
        gradient = logistic_gradient(theta, X, y)
        norms.append(float(np.linalg.norm(gradient)))
        # θ := θ − α ∇J(θ)
        theta = theta - alpha * gradient
        thetas.append(theta.copy())
        losses.append(logistic_loss(theta, X, y))
    norms.append(float(np.linalg.norm(logistic_gradient(theta, X, y))))
    return OptimizerRun(np.array(thetas), np.array(losses), np.array(norms))


def newton(X, y, theta0, steps: int) -> OptimizerRun:
    """θ := θ − H⁻¹ ∇J(θ), ``steps`` times or until ∇J is zero to machine precision."""
    theta = np.asarray(theta0, dtype=float).copy()
    thetas, losses, norms = [theta.copy()], [logistic_loss(theta, X, y)], []
    failed = None
    for _ in range(steps):
        gradient = logistic_gradient(theta, X, y)
        norms.append(float(np.linalg.norm(gradient)))
        if norms[-1] < 1e-14:
            break
        try:
            # H⁻¹∇J as the solution of H d = ∇J
            step = np.linalg.solve(logistic_hessian(theta, X), gradient)
        except np.linalg.LinAlgError:
            failed = "the Hessian H became singular (every h(x_i) is 0 or 1)"
            break
        # θ := θ − H⁻¹ ∇J(θ)
        theta = theta - step
        if not np.all(np.isfinite(theta)):
            failed = "θ became infinite"
            break
        thetas.append(theta.copy())
        losses.append(logistic_loss(theta, X, y))
    if len(norms) < len(thetas):
        norms.append(float(np.linalg.norm(logistic_gradient(theta, X, y))))
    return OptimizerRun(np.array(thetas), np.array(losses), np.array(norms[: len(thetas)]), failed)


def _went_up(losses: np.ndarray) -> bool:
    """Did J increase on some step (beyond rounding)?"""
    return bool(np.any(np.diff(losses) > 1e-12 * np.maximum(1.0, np.abs(losses[:-1]))))


def decision_boundary(theta: np.ndarray, x1: np.ndarray) -> np.ndarray | None:
    """The line h(x) = ½ ⇔ θ0 + θ1 x1 + θ2 x2 = 0, as x2 = −(θ0 + θ1 x1)/θ2 at each x1.

    None when θ is not finite or θ2 ≈ 0 (the boundary is vertical or undefined: no x2 per x1).
    """
    t0, t1, t2 = np.asarray(theta, dtype=float)
    if not np.all(np.isfinite([t0, t1, t2])) or abs(t2) < 1e-12:
        return None
    # θ0 + θ1 x1 + θ2 x2 = 0  ⇔  x2 = −(θ0 + θ1 x1)/θ2
    return -(t0 + t1 * np.asarray(x1, dtype=float)) / t2


@dataclass(frozen=True)
class LogisticReport:
    data: LogisticData
    gd: OptimizerRun
    newton: OptimizerRun
    best_loss: float
    """The smallest J found (Newton run long), the reference for J(θ_k) − J*."""
    alpha: float
    alpha_limit: float
    """2/L with L = λ_max(XᵀX)/(4m), the largest α for which GD is guaranteed to decrease J."""
    gd_diverged: bool
    """J went up on some GD step (α too large)."""
    newton_diverged: bool
    """J went up on some Newton step, or Newton stopped on non-finite numbers (pure Newton has no step control)."""
    contour_t1: np.ndarray
    contour_t2: np.ndarray
    contour_loss: np.ndarray
    """J(θ0*, θ1, θ2) on the grid, θ0 fixed at Newton's final θ0; shape (len(t2), len(t1))."""
    boundary_x1: np.ndarray
    """x1 values of the decision-boundary lines: the data's x1 range ± BOUNDARY_MARGIN, shape (BOUNDARY_POINTS,)."""
    boundaries: dict[str, np.ndarray]
    """x2 on ``boundary_x1`` of the line h(x) = ½ for the final θ of "gradient descent" and "Newton"; a method is
    missing when its boundary is undefined (see :func:`decision_boundary`)."""


def logistic_report(
    m: int, class_sep: float, flip: float, alpha: float, steps: int, start: tuple[float, float], seed: int
) -> LogisticReport:
    """GD and Newton from the same start θ = (0, start) on the same generated data, with the loss landscape."""
    if steps < 1:
        raise InputError(f"need at least one iteration (got {steps}).")
    return fit_logistic(make_logistic_data(m, class_sep, flip, seed), alpha, steps, start)


def fit_logistic(data: LogisticData, alpha: float, steps: int, start: tuple[float, float]) -> LogisticReport:
    """GD and Newton from the same start θ = (0, start) on ``data`` (generated or the user's)."""
    if steps < 1:
        raise InputError(f"need at least one iteration (got {steps}).")
    X, y = data.X, data.y
    theta0 = np.array([0.0, *start])
    gd = gradient_descent(X, y, theta0, alpha, steps)
    nt = newton(X, y, theta0, min(steps, 25))
    reference = newton(X, y, np.zeros(3), 60)
    best = float(min(reference.losses.min(), nt.losses.min(), gd.losses.min()))
    # L = λ_max(XᵀX)/(4m) bounds the curvature of J (h(1−h) ≤ 1/4)
    lipschitz = float(np.linalg.eigvalsh(X.T @ X).max() / (4 * len(y)))
    gd_diverged = _went_up(gd.losses)
    newton_diverged = _went_up(nt.losses) or nt.failed is not None
    all_t = np.vstack([gd.thetas[:, 1:], nt.thetas[:, 1:], reference.thetas[-1:, 1:]])
    finite = all_t[np.all(np.isfinite(all_t), axis=1)]
    low, high = finite.min(axis=0), finite.max(axis=0)
    pad = np.maximum(0.25 * (high - low), 1.0)
    t1 = np.linspace(low[0] - pad[0], high[0] + pad[0], 70)
    t2 = np.linspace(low[1] - pad[1], high[1] + pad[1], 70)
    theta0_star = float(nt.thetas[-1, 0])
    T1, T2 = np.meshgrid(t1, t2)  # (70, 70) each
    # z_i = θ0* + θ1 x_i1 + θ2 x_i2 for every grid θ: shape (70, 70, m)
    z = theta0_star + T1[..., None] * X[:, 1] + T2[..., None] * X[:, 2]
    # J = 1/m ∑ [log(1 + e^{z_i}) − y_i z_i] at every grid θ (the logistic loss's log-sum-exp form)
    contour = np.mean(np.logaddexp(0.0, z) - y * z, axis=-1)
    boundary_x1 = np.linspace(X[:, 1].min() - BOUNDARY_MARGIN, X[:, 1].max() + BOUNDARY_MARGIN, BOUNDARY_POINTS)
    lines = {
        name: decision_boundary(run.thetas[-1], boundary_x1) for name, run in (("gradient descent", gd), ("Newton", nt))
    }
    return LogisticReport(
        data=data,
        gd=gd,
        newton=nt,
        best_loss=best,
        alpha=alpha,
        alpha_limit=2.0 / lipschitz,
        gd_diverged=gd_diverged,
        newton_diverged=newton_diverged,
        contour_t1=t1,
        contour_t2=t2,
        contour_loss=contour,
        boundary_x1=boundary_x1,
        boundaries={name: line for name, line in lines.items() if line is not None},
    )

"""Linear, ridge, LASSO, logistic (gradient descent and Newton) and softmax regression (sheet 3, 4a–4c).

Notation follows the course sheet:

* linear regression ``J(w) = 1/N sum_i (y_i - w^T x_i)^2`` with a 1 added to the head of every row of ``X``
  (``N x (f + 1)``), solved by ``w_hat = (X^T X)^{-1} X^T y`` (3.1, 3.2) — computed with a least-squares solver,
  never by inverting ``X^T X``;
* ridge and LASSO (3.3) in glmnet's / scikit-learn's scaling, the bias ``w_0`` never penalized:
  ridge ``J(w) = 1/(2N) ||y - Xw||^2 + lambda/2 ||w_{1:}||^2`` (sklearn ``Ridge(alpha=N lambda)``),
  LASSO ``J(w) = 1/(2N) ||y - Xw||^2 + lambda ||w_{1:}||_1`` (sklearn ``Lasso(alpha=lambda)``);
* logistic regression ``J(theta) = -1/m sum [y_i log h(x_i) + (1 - y_i) log(1 - h(x_i))]``,
  ``h(x) = 1 / (1 + e^{-theta^T x})``; gradient descent ``theta := theta - alpha 1/m sum (h(x_i) - y_i) x_i`` (4a)
  and Newton ``theta := theta - H^{-1} grad J(theta)`` with ``H = 1/m sum h(x_i)(1 - h(x_i)) x_i x_i^T`` (4b);
* softmax regression ``p_hat_k = e^{theta_k^T x} / sum_j e^{theta_j^T x}``, ``J = -1/m sum_i sum_k y_k log p_hat_k``,
  ``grad_{theta_k} J = 1/m sum_i x_i (p_hat_k^(i) - y_k^(i))`` (4c; the sheet sums without 1/m, which only
  rescales the step size);
* naive Bayes ``P(C_k|x) = P(x|C_k) P(C_k) / P(x)`` with ``P(x|C_k) = prod_i P(x_i|C_k)`` (one factor per word
  occurrence) and Laplace smoothing ``P(x_i|C_k) = (N_{x_i,C_k} + alpha) / (N_{C_k} + alpha D)`` (5a): ``N_{x_i,C_k}``
  the count of word i in class k, ``N_{C_k}`` the total word count of class k, ``D`` the number of distinct words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import scipy.optimize
from sklearn.datasets import make_blobs, make_classification

from core.errors import InputError

# Regularization strengths of the coefficient-path figure (log-spaced).
PATH_LAMBDAS = np.logspace(-4, 1, 26)
# Coordinate descent stops when no coefficient moved more than this in a sweep.
LASSO_TOLERANCE = 1e-9
LASSO_MAX_SWEEPS = 5000
# A loss gap below this counts as converged (float64 cannot resolve much less on a loss of order 1).
CONVERGED_GAP = 1e-12


# --------------------------------------------------------------------------------------------- linear


@dataclass(frozen=True)
class LinearData:
    """A 1-D regression data set and its standardized polynomial design matrix."""

    x: np.ndarray
    """Inputs, shape (N,), in [-1, 1]."""
    y: np.ndarray
    """Targets ``y = sin(2.5 x) + 0.5 x + noise``, shape (N,)."""
    degree: int
    feature_mean: np.ndarray
    """Mean of each polynomial feature P_1(x), …, P_d(x), shape (degree,), used to standardize new inputs."""
    feature_std: np.ndarray
    """Standard deviation (1/N) of each polynomial feature, shape (degree,)."""

    def design(self, x: np.ndarray) -> np.ndarray:
        """X with a column of ones first, then the standardized features (P_k(x) − mean_k)/std_k; shape (len(x), d+1)."""
        powers = legendre_features(np.asarray(x, dtype=float), self.degree)  # (n, degree)
        standardized = (powers - self.feature_mean) / self.feature_std
        return np.hstack([np.ones((len(x), 1)), standardized])

    @property
    def X(self) -> np.ndarray:
        return self.design(self.x)


def legendre_features(x: np.ndarray, degree: int) -> np.ndarray:
    """P_1(x), …, P_d(x): Legendre polynomials, shape (len(x), d).

    They span the same functions as x, x², …, x^d (so least squares fits the same curve) but are nearly
    uncorrelated on [-1, 1], so coefficients can be compared and coordinate descent converges in few sweeps.
    """
    return np.polynomial.legendre.legvander(x, degree)[:, 1:]


def true_function(x: np.ndarray) -> np.ndarray:
    """The curve the data are drawn around."""
    return np.sin(2.5 * x) + 0.5 * x


def make_linear_data(n: int, noise: float, degree: int, seed: int) -> LinearData:
    """N points x ~ U[-1, 1], y = sin(2.5x) + 0.5x + ε with ε ~ N(0, noise²); polynomial features up to ``degree``."""
    if n < 2:
        raise InputError(f"need at least 2 data points (got {n}).")
    if degree < 1:
        raise InputError(f"the polynomial degree must be at least 1 (got {degree}).")
    if noise < 0:
        raise InputError(f"the noise level must be non-negative (got {noise}).")
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(-1.0, 1.0, n))
    y = true_function(x) + noise * rng.standard_normal(n)
    powers = legendre_features(x, degree)  # (n, degree): P_1(x), …, P_degree(x)
    std = powers.std(axis=0)
    # a constant column (cannot happen for distinct x) would divide by zero
    std[std == 0] = 1.0
    return LinearData(x=x, y=y, degree=degree, feature_mean=powers.mean(axis=0), feature_std=std)


def least_squares(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """w_hat = (X^T X)^{-1} X^T y, by a least-squares solve. Raises InputError when X^T X is singular."""
    n, columns = X.shape
    rank = np.linalg.matrix_rank(X)
    if rank < columns:
        raise InputError(
            f"XᵀX is singular: X has {columns} columns (bias + {columns - 1} features) but rank {rank} "
            f"(N = {n} points). (XᵀX)⁻¹ does not exist — use fewer polynomial features than points, or ridge "
            "(λ > 0 makes XᵀX + NλI′ invertible)."
        )
    # w_hat = argmin ||y - Xw||² = (XᵀX)⁻¹Xᵀy, without forming the inverse
    w, *_ = np.linalg.lstsq(X, y, rcond=None)
    return w


def _penalty_identity(columns: int) -> np.ndarray:
    """I′: the identity with a 0 for the bias, so that w_0 is not penalized."""
    eye = np.eye(columns)
    eye[0, 0] = 0.0
    return eye


def ridge(X: np.ndarray, y: np.ndarray, lam: float) -> np.ndarray:
    """Ridge, closed form: minimizes 1/(2N)||y − Xw||² + λ/2 ||w_{1:}||², so w = (XᵀX + NλI′)⁻¹Xᵀy."""
    if lam < 0:
        raise InputError(f"λ must be non-negative (got {lam}).")
    n, columns = X.shape
    # (XᵀX + NλI′) w = Xᵀy
    A = X.T @ X + n * lam * _penalty_identity(columns)
    try:
        return np.linalg.solve(A, X.T @ y)
    except np.linalg.LinAlgError:
        raise InputError("XᵀX + NλI′ is singular: raise λ above 0 or use fewer features.") from None


def soft_threshold(z: float, t: float) -> float:
    """S(z, t) = sign(z) max(|z| − t, 0): the proximal step of t|w|."""
    return float(np.sign(z) * max(abs(z) - t, 0.0))


@dataclass(frozen=True)
class LassoResult:
    w: np.ndarray
    """(w_0, w_1, …), w_0 the unpenalized bias."""
    sweeps: int
    converged: bool


def lasso(X: np.ndarray, y: np.ndarray, lam: float, w_start: np.ndarray | None = None) -> LassoResult:
    """LASSO by cyclic coordinate descent: minimizes 1/(2N)||y − Xw||² + λ||w_{1:}||₁ (bias w_0 unpenalized).

    With G = XᵀX/N and c = Xᵀy/N, coordinate j ≥ 1 is set to its exact minimizer
    w_j = S(c_j − ∑_{k≠j} G_jk w_k, λ) / G_jj, and the bias to w_0 = (c_0 − ∑_{k≠0} G_0k w_k) / G_00.
    """
    if lam < 0:
        raise InputError(f"λ must be non-negative (got {lam}).")
    n, columns = X.shape
    G = (X.T @ X / n).tolist()
    c = (X.T @ y / n).tolist()
    w = [0.0] * columns if w_start is None else [float(v) for v in w_start]
    # plain Python floats: for ≤ 20 coefficients this is several times faster than NumPy scalar indexing
    for sweep in range(1, LASSO_MAX_SWEEPS + 1):
        largest_move = 0.0
        for j in range(columns):
            row = G[j]
            # partial residual correlation ρ_j = c_j − ∑_{k≠j} G_jk w_k
            rho = c[j] - sum(row[k] * w[k] for k in range(columns)) + row[j] * w[j]
            if row[j] == 0.0:
                new = 0.0
            elif j == 0:
                new = rho / row[j]
            else:
                # w_j = S(ρ_j, λ) / G_jj
                new = (rho - lam if rho > lam else rho + lam if rho < -lam else 0.0) / row[j]
            largest_move = max(largest_move, abs(new - w[j]))
            w[j] = new
        if largest_move < LASSO_TOLERANCE:
            return LassoResult(np.array(w), sweep, True)
    return LassoResult(np.array(w), LASSO_MAX_SWEEPS, False)


@dataclass(frozen=True)
class LinearReport:
    data: LinearData
    lam: float
    ols: np.ndarray | None
    """Least-squares weights, or None when XᵀX is singular (``ols_problem`` says why)."""
    ols_problem: str | None
    ridge: np.ndarray
    lasso: np.ndarray
    lasso_converged: bool
    grid: np.ndarray
    """x values of the fitted curves, shape (G,)."""
    curves: dict[str, np.ndarray]
    """Fitted curve per method on ``grid``, each shape (G,)."""
    mse: dict[str, float]
    """Training J(w) = 1/N ∑ (y_i − wᵀx_i)² per method."""
    lambdas: np.ndarray
    ridge_path: np.ndarray
    """Ridge coefficients w_1..w_d per λ in ``lambdas``, shape (len(lambdas), d)."""
    lasso_path: np.ndarray
    """LASSO coefficients w_1..w_d per λ, shape (len(lambdas), d)."""


def linear_report(n: int, noise: float, degree: int, lam: float, seed: int) -> LinearReport:
    """Least squares, ridge and LASSO on the same data, with coefficient paths over PATH_LAMBDAS."""
    data = make_linear_data(n, noise, degree, seed)
    X, y = data.X, data.y
    try:
        ols, ols_problem = least_squares(X, y), None
    except InputError as error:
        ols, ols_problem = None, str(error)
    w_ridge = ridge(X, y, lam)
    lasso_now = lasso(X, y, lam)
    ridge_path = np.array([ridge(X, y, float(lam_k))[1:] for lam_k in PATH_LAMBDAS])
    # from large λ (all zero) down: each solve warm-starts from the previous one
    lasso_path, w_warm, path_converged = [], None, True
    for lam_k in PATH_LAMBDAS[::-1]:
        result = lasso(X, y, float(lam_k), w_warm)
        w_warm = result.w
        path_converged &= result.converged
        lasso_path.append(result.w[1:])
    lasso_path = np.array(lasso_path[::-1])
    grid = np.linspace(-1.0, 1.0, 200)
    X_grid = data.design(grid)
    weights = {"least squares": ols, "ridge": w_ridge, "LASSO": lasso_now.w}
    curves = {name: X_grid @ w for name, w in weights.items() if w is not None}
    # J(w) = 1/N ∑ (y_i − wᵀx_i)²
    mse = {name: float(np.mean((y - X @ w) ** 2)) for name, w in weights.items() if w is not None}
    return LinearReport(
        data=data,
        lam=lam,
        ols=ols,
        ols_problem=ols_problem,
        ridge=w_ridge,
        lasso=lasso_now.w,
        lasso_converged=lasso_now.converged and path_converged,
        grid=grid,
        curves=curves,
        mse=mse,
        lambdas=PATH_LAMBDAS,
        ridge_path=ridge_path,
        lasso_path=lasso_path,
    )


# --------------------------------------------------------------------------------------------- logistic


def sigmoid(z: np.ndarray) -> np.ndarray:
    """h = 1 / (1 + e^{−z}), computed without overflow."""
    return np.exp(-np.logaddexp(0.0, -z))


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


def logistic_report(
    m: int, class_sep: float, flip: float, alpha: float, steps: int, start: tuple[float, float], seed: int
) -> LogisticReport:
    """GD and Newton from the same start θ = (0, start) on the same data, with the loss landscape."""
    if steps < 1:
        raise InputError(f"need at least one iteration (got {steps}).")
    data = make_logistic_data(m, class_sep, flip, seed)
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
    contour = np.mean(np.logaddexp(0.0, z) - y * z, axis=-1)
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
    )


# --------------------------------------------------------------------------------------------- softmax


def softmax(scores: np.ndarray) -> np.ndarray:
    """p_hat_k = e^{s_k} / ∑_j e^{s_j} along the last axis (shifted by the max: no overflow)."""
    shifted = scores - scores.max(axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=-1, keepdims=True)


def softmax_loss(Theta: np.ndarray, X: np.ndarray, labels: np.ndarray) -> float:
    """J(Θ) = −1/m ∑_i ∑_k y_k^(i) log p_hat_k^(i); Θ has one column θ_k per class, shape (f+1, K)."""
    scores = X @ Theta  # (m, K)
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
    X = np.hstack([np.ones((m, 1)), features])
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


# --------------------------------------------------------------------------------------------- naive Bayes
# Multinomial naive Bayes with Laplace smoothing on a generated spam/ham word-count corpus (sheet 5a). With α = 0
# a word never seen in a class gets P(x_i|C_k) = 0 and wipes out that class's posterior.
NB_VOCABULARY = ("free", "win", "money", "prize", "click", "offer", "meeting", "project", "lunch", "report")
NB_CLASSES = ("spam", "ham")
# Expected occurrences of each word per document, per class. The zeros are deliberate: "prize" never occurs in
# ham and "meeting"/"report" never in spam, so α = 0 shows the zero-probability problem.
NB_WORD_RATES = np.array(
    [
        [1.6, 1.2, 1.4, 0.8, 1.0, 1.1, 0.0, 0.2, 0.3, 0.0],  # spam
        [0.3, 0.1, 0.4, 0.0, 0.2, 0.3, 1.4, 1.2, 0.8, 1.0],  # ham
    ]
)
NB_SPAM_FRACTION = 0.4
NB_MAX_MESSAGE_WORDS = 30


@dataclass(frozen=True)
class Corpus:
    counts: np.ndarray
    """Word counts per training document, shape (documents, D)."""
    labels: np.ndarray
    """Class index per document (0 = spam, 1 = ham), shape (documents,)."""


def make_corpus(documents: int, seed: int) -> Corpus:
    """Documents with Poisson word counts at NB_WORD_RATES; a fraction NB_SPAM_FRACTION is spam (at least one of each)."""
    if documents < 2:
        raise InputError(f"need at least 2 training documents, one per class (got {documents}).")
    rng = np.random.default_rng(seed)
    spam = int(np.clip(round(NB_SPAM_FRACTION * documents), 1, documents - 1))
    labels = np.array([0] * spam + [1] * (documents - spam))
    counts = rng.poisson(NB_WORD_RATES[labels])  # (documents, D)
    return Corpus(counts=counts, labels=labels)


@dataclass(frozen=True)
class NaiveBayesModel:
    alpha: float
    word_counts: np.ndarray
    """N_{x_i,C_k}: shape (K, D)."""
    class_totals: np.ndarray
    """N_{C_k} = sum_i N_{x_i,C_k}: shape (K,)."""
    priors: np.ndarray
    """P(C_k): fraction of documents in class k, shape (K,)."""
    likelihoods: np.ndarray
    """P(x_i|C_k) = (N_{x_i,C_k} + α)/(N_{C_k} + αD): shape (K, D); rows sum to 1."""

    @property
    def log_likelihoods(self) -> np.ndarray:
        """log P(x_i|C_k), −inf where the probability is 0 (α = 0 and an unseen word)."""
        with np.errstate(divide="ignore"):
            return np.log(self.likelihoods)


def nb_fit(corpus: Corpus, alpha: float) -> NaiveBayesModel:
    """Counts N_{x_i,C_k}, totals N_{C_k}, priors P(C_k) and the smoothed table (N + α)/(N_C + αD)."""
    if not np.isfinite(alpha) or alpha < 0:
        raise InputError(f"the smoothing α must be a non-negative number (got {alpha}).")
    classes, vocabulary = len(NB_CLASSES), corpus.counts.shape[1]
    word_counts = np.stack([corpus.counts[corpus.labels == k].sum(axis=0) for k in range(classes)])  # (K, D)
    class_totals = word_counts.sum(axis=1)
    if np.any(class_totals + alpha * vocabulary == 0):
        raise InputError("a class has no words at all and α = 0: P(x_i|C_k) = 0/0. Raise α above 0.")
    priors = np.bincount(corpus.labels, minlength=classes) / len(corpus.labels)
    # P(x_i|C_k) = (N_{x_i,C_k} + α) / (N_{C_k} + α D)
    likelihoods = (word_counts + alpha) / (class_totals + alpha * vocabulary)[:, None]
    return NaiveBayesModel(alpha, word_counts, class_totals, priors, likelihoods)


@dataclass(frozen=True)
class Message:
    counts: np.ndarray
    """How often each vocabulary word occurs in the message, shape (D,)."""
    words: tuple[str, ...]
    """The message's vocabulary words, in order."""
    ignored: tuple[str, ...]
    """Words that are not in the vocabulary (naive Bayes has no factor for them)."""


def parse_message(text: str) -> Message:
    """Lower-cased words; vocabulary words are counted, the others set aside."""
    tokens = re.findall(r"[a-zA-Z]+", text.lower())
    if len(tokens) > NB_MAX_MESSAGE_WORDS:
        raise InputError(f"the message has {len(tokens)} words; at most {NB_MAX_MESSAGE_WORDS} are supported.")
    index = {w: i for i, w in enumerate(NB_VOCABULARY)}
    counts = np.zeros(len(NB_VOCABULARY), dtype=int)
    kept, ignored = [], []
    for token in tokens:
        if token in index:
            counts[index[token]] += 1
            kept.append(token)
        else:
            ignored.append(token)
    return Message(counts, tuple(kept), tuple(ignored))


@dataclass(frozen=True)
class NaiveBayesPosterior:
    log_joint: np.ndarray
    """log P(C_k) + sum_i x_i log P(x_i|C_k), shape (K,); −inf for a class with a zero factor."""
    joint: np.ndarray
    """P(C_k) prod_i P(x_i|C_k)^{x_i}, shape (K,)."""
    posterior: np.ndarray
    """P(C_k|x) = joint_k / sum_j joint_j, shape (K,); NaN when every joint is 0 (undefined)."""
    zero_classes: tuple[str, ...]
    """Classes whose posterior is exactly 0 because an unseen word has P(x_i|C_k) = 0."""

    @property
    def undefined(self) -> bool:
        return bool(np.all(np.isnan(self.posterior)))


def nb_posterior(model: NaiveBayesModel, message: Message) -> NaiveBayesPosterior:
    """P(C_k|x) = P(C_k) prod_i P(x_i|C_k)^{x_i} / sum_j P(C_j) prod_i P(x_i|C_j)^{x_i}, in log space."""
    present = message.counts > 0
    # log P(C_k) + sum_i x_i log P(x_i|C_k), only over words in the message (0 · log 0 must not become NaN)
    log_joint = np.log(model.priors) + model.log_likelihoods[:, present] @ message.counts[present]
    zero = ~np.isfinite(log_joint)
    if np.all(zero):
        post = np.full(len(NB_CLASSES), np.nan)
    else:
        # P(C_k|x) = exp(log joint_k − logsumexp_j log joint_j)
        top = log_joint[~zero].max()
        weights = np.exp(log_joint - top)
        post = weights / weights.sum()
    zero_classes = tuple(c for c, z in zip(NB_CLASSES, zero) if z)
    return NaiveBayesPosterior(log_joint=log_joint, joint=np.exp(log_joint), posterior=post, zero_classes=zero_classes)


@dataclass(frozen=True)
class NaiveBayesReport:
    corpus: Corpus
    model: NaiveBayesModel
    message: Message
    result: NaiveBayesPosterior


def naive_bayes_report(documents: int, alpha: float, text: str, seed: int) -> NaiveBayesReport:
    """Generate the corpus, fit with smoothing α, classify the message."""
    corpus = make_corpus(documents, seed)
    model = nb_fit(corpus, alpha)
    message = parse_message(text)
    return NaiveBayesReport(corpus, model, message, nb_posterior(model, message))

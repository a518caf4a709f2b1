"""Linear least squares, ridge and LASSO on Legendre polynomial features (sheet 3).

Notation follows the course sheet:

* linear regression ``J(w) = 1/N sum_i (y_i - w^T x_i)^2`` with a 1 added to the head of every row of ``X``
  (``N x (f + 1)``), solved by ``w_hat = (X^T X)^{-1} X^T y`` (3.1, 3.2) — computed with a least-squares solver,
  never by inverting ``X^T X``;
* ridge and LASSO (3.3) in glmnet's / scikit-learn's scaling, the bias ``w_0`` never penalized:
  ridge ``J(w) = 1/(2N) ||y - Xw||^2 + lambda/2 ||w_{1:}||^2`` (sklearn ``Ridge(alpha=N lambda)``),
  LASSO ``J(w) = 1/(2N) ||y - Xw||^2 + lambda ||w_{1:}||_1`` (sklearn ``Lasso(alpha=lambda)``).

The user's own (x, y) points (:func:`parse_xy`, :func:`user_linear_data`) are fitted in the same units as the
generated ones: x mapped onto [−1, 1] (where the Legendre basis is nearly orthogonal) and y divided by its
standard deviation (so λ means the same for any unit of y); the curves are drawn back in the user's units.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.errors import InputError
from core.user_data import parse_numbers_table

EXAMPLE_POINTS = """x,y
0,2.82
0.5,1.93
1.1,4.08
1.6,4.22
2.1,4.50
2.6,4.55
3.2,3.50
3.7,3.85
4.2,3.28
4.7,4.82
5.3,3.77
5.8,4.03
6.3,4.80
6.8,5.57
7.4,6.57
7.9,7.69
8.4,8.67
8.9,8.73
9.5,9.23
10,8.54"""
"""The "your data" set the page opens with: twenty noisy points of a wavy trend on x ∈ [0, 10]."""
# Regularization strengths of the coefficient-path figure (log-spaced).
PATH_LAMBDAS = np.logspace(-4, 1, 26)
# Coordinate descent stops when no coefficient moved more than this in a sweep.
LASSO_TOLERANCE = 1e-9
LASSO_MAX_SWEEPS = 5000
# Every this many sweeps, coordinate descent tries the exact minimizer on its current support (see ``lasso``).
POLISH_EVERY = 5


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
    x_offset: float = 0.0
    x_scale: float = 1.0
    """The user's x is x_offset + x_scale · x (x in [−1, 1] is what the features see); 0 and 1 for generated data."""
    y_scale: float = 1.0
    """The user's y is y_scale · y (y_scale = the standard deviation of the user's y; 1 for generated data)."""
    generated: bool = True
    """The page's own data around sin(2.5x) + 0.5x (there is a true curve), not the user's."""

    def shown_x(self, x: np.ndarray) -> np.ndarray:
        """x in the user's units: x_offset + x_scale · x."""
        return self.x_offset + self.x_scale * np.asarray(x, dtype=float)

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
    return _with_features(x, y, degree)


def _with_features(x: np.ndarray, y: np.ndarray, degree: int, **scales: float | bool) -> LinearData:
    powers = legendre_features(x, degree)  # (n, degree): P_1(x), …, P_degree(x)
    std = powers.std(axis=0)
    # a constant column (cannot happen for distinct x) would divide by zero
    std[std == 0] = 1.0
    return LinearData(x=x, y=y, degree=degree, feature_mean=powers.mean(axis=0), feature_std=std, **scales)


def parse_xy(text: str) -> np.ndarray:
    """The user's points, rows 'x, y' (a header line and '#' comments allowed), shape (N, 2); at least two
    different x values (a curve through one x is not a function of x)."""
    _header, values = parse_numbers_table(text, columns=2, source="Your data")
    if len(np.unique(values[:, 0])) < 2:
        raise InputError("Your data need at least two different x values to fit a curve of x.")
    return values


def readable_xy(text: str) -> np.ndarray | None:
    """The (x, y) rows a text holds so far, also a single point (to draw while the user clicks the first points
    in); None when the text cannot be read."""
    try:
        return parse_numbers_table(text, columns=2, source="Your data")[1]
    except InputError:
        return None


def user_linear_data(points: np.ndarray, degree: int) -> LinearData:
    """The user's (x, y) points, shape (N, 2), in the fitting units: x ↦ (x − c)/h ∈ [−1, 1] with c the middle and
    h the half-width of the x range, y ↦ y / s_y with s_y the standard deviation of y (1 when y is constant)."""
    if degree < 1:
        raise InputError(f"the polynomial degree must be at least 1 (got {degree}).")
    order = np.argsort(points[:, 0], kind="stable")
    x, y = points[order, 0], points[order, 1]
    low, high = float(x.min()), float(x.max())
    centre, half = (low + high) / 2.0, (high - low) / 2.0
    y_scale = float(y.std()) or 1.0
    # x ∈ [−1, 1], where P_1 … P_d are nearly uncorrelated; y in units of its spread
    return _with_features(
        (x - centre) / half, y / y_scale, degree, x_offset=centre, x_scale=half, y_scale=y_scale, generated=False
    )


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


def _exact_on_support(G: np.ndarray, c: np.ndarray, w: np.ndarray, lam: float) -> np.ndarray | None:
    """The exact LASSO minimizer, found from ``w`` by an active-set method; None if it does not settle.

    With a support A (the bias and the w_j ≠ 0) and their signs s_j, the objective is a quadratic on A, minimized
    by G_AA w_A = c_A − λ s_A (s_0 = 0: the bias is not penalized). A w_j of that solution with the wrong sign
    means the support is wrong: walk from w towards the solution until the first such w_j reaches 0, drop j,
    solve again. A j outside A with |ρ_j| = |c_j − (Gw)_j| > λ must join A with sign(ρ_j). When neither happens
    w satisfies the optimality (KKT) conditions — sign(w_j) = s_j on A, |ρ_j| ≤ λ off A — and is the minimizer.
    """
    columns = len(w)
    w = w.copy()
    signs = np.sign(w)
    signs[0] = 0.0
    tolerance = 1e-12 * max(lam, 1.0)
    for _ in range(3 * columns):
        support = signs != 0
        support[0] = True
        A = np.flatnonzero(support)
        try:
            # G_AA w_A = c_A − λ s_A
            w_A = np.linalg.solve(G[np.ix_(A, A)], c[A] - lam * signs[A])
        except np.linalg.LinAlgError:
            return None
        target = np.zeros(columns)
        target[A] = w_A
        wrong = A[1:][np.sign(w_A[1:]) != signs[A][1:]]
        if len(wrong):
            # w_j + t (target_j − w_j) = 0 at t = w_j / (w_j − target_j) ∈ [0, 1]: the first j to reach 0 leaves A
            t = w[wrong] / (w[wrong] - target[wrong])
            first = int(np.argmin(t))
            w = w + float(t[first]) * (target - w)
            w[wrong[first]] = 0.0
            signs[wrong[first]] = 0.0
            continue
        w = target
        # ρ_j = c_j − (Gw)_j for w_j = 0: |ρ_j| > λ means moving w_j off 0 lowers the objective
        outside = np.flatnonzero(~support)
        if not len(outside):
            return w
        rho = c[outside] - G[outside] @ w
        worst = int(np.argmax(np.abs(rho)))
        if abs(rho[worst]) <= lam + tolerance:
            return w
        signs[outside[worst]] = np.sign(rho[worst])
    return None


def lasso(X: np.ndarray, y: np.ndarray, lam: float, w_start: np.ndarray | None = None) -> LassoResult:
    """LASSO by cyclic coordinate descent: minimizes 1/(2N)||y − Xw||² + λ||w_{1:}||₁ (bias w_0 unpenalized).

    With G = XᵀX/N and c = Xᵀy/N, coordinate j ≥ 1 is set to its exact minimizer
    w_j = S(c_j − ∑_{k≠j} G_jk w_k, λ) / G_jj, and the bias to w_0 = (c_0 − ∑_{k≠0} G_0k w_k) / G_00.
    Coordinate descent finds the support (which w_j ≠ 0) and the signs within a few sweeps but then creeps
    towards the minimum for thousands of sweeps when features are correlated; so every POLISH_EVERY sweeps the
    exact minimizer for the current support and signs is tried (``_exact_on_support``), and accepted when it
    satisfies the optimality conditions — the same minimizer, without the creep.
    """
    if lam < 0:
        raise InputError(f"λ must be non-negative (got {lam}).")
    n, columns = X.shape
    G_array, c_array = X.T @ X / n, X.T @ y / n
    G, c = G_array.tolist(), c_array.tolist()
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
        if sweep % POLISH_EVERY == 0:
            exact = _exact_on_support(G_array, c_array, np.array(w), lam)
            if exact is not None:
                return LassoResult(exact, sweep, True)
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
    """x values of the fitted curves, shape (G,), in the fitting units ([−1, 1])."""
    true_curve: np.ndarray | None
    """The curve the data are drawn around, sin(2.5x) + 0.5x on ``grid``, shape (G,); None for the user's data."""
    curves: dict[str, np.ndarray]
    """Fitted curve per method on ``grid``, each shape (G,), in the fitting units (× data.y_scale: the user's)."""
    mse: dict[str, float]
    """Training J(w) = 1/N ∑ (y_i − wᵀx_i)² per method, in the user's units of y (y_scale² × the fitting units')."""
    lambdas: np.ndarray
    ridge_path: np.ndarray
    """Ridge coefficients w_1..w_d per λ in ``lambdas``, shape (len(lambdas), d)."""
    lasso_path: np.ndarray
    """LASSO coefficients w_1..w_d per λ, shape (len(lambdas), d)."""

    @property
    def lasso_nonzero(self) -> int:
        """#{j ≥ 1 : w_j ≠ 0} for the LASSO weights at the current λ (the features LASSO keeps)."""
        return int(np.count_nonzero(self.lasso[1:]))


def linear_report(n: int, noise: float, degree: int, lam: float, seed: int) -> LinearReport:
    """Least squares, ridge and LASSO on the same generated data, with coefficient paths over PATH_LAMBDAS."""
    return fit_report(make_linear_data(n, noise, degree, seed), lam)


def fit_report(data: LinearData, lam: float) -> LinearReport:
    """Least squares, ridge and LASSO on ``data`` (generated or the user's), with coefficient paths over
    PATH_LAMBDAS."""
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
    # J(w) = 1/N ∑ (y_i − wᵀx_i)², back in the user's units of y (y = y_scale · ỹ)
    mse = {name: data.y_scale**2 * float(np.mean((y - X @ w) ** 2)) for name, w in weights.items() if w is not None}
    return LinearReport(
        data=data,
        lam=lam,
        ols=ols,
        ols_problem=ols_problem,
        ridge=w_ridge,
        lasso=lasso_now.w,
        lasso_converged=lasso_now.converged and path_converged,
        grid=grid,
        true_curve=true_function(grid) if data.generated else None,
        curves=curves,
        mse=mse,
        lambdas=PATH_LAMBDAS,
        ridge_path=ridge_path,
        lasso_path=lasso_path,
    )

"""core.supervised.linear against scikit-learn and the normal equations; bad input raises InputError."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import Lasso, LinearRegression, Ridge

from core.errors import InputError
from core.supervised import linear as lin


@pytest.fixture(scope="module")
def linear_data():
    return lin.make_linear_data(n=40, noise=0.3, degree=6, seed=3)


def test_closed_form_matches_sklearn_linear_regression(linear_data):
    X, y = linear_data.X, linear_data.y
    w = lin.least_squares(X, y)
    model = LinearRegression().fit(X[:, 1:], y)
    np.testing.assert_allclose(w[0], model.intercept_, atol=1e-10)
    np.testing.assert_allclose(w[1:], model.coef_, atol=1e-10)


def test_closed_form_matches_normal_equations_on_raw_powers():
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, 25)
    y = 1 + 2 * x - x**2 + 0.1 * rng.standard_normal(25)
    X = np.vander(x, 3, increasing=True)  # the sheet's X: 1 at the head of every row
    np.testing.assert_allclose(lin.least_squares(X, y), np.linalg.inv(X.T @ X) @ X.T @ y, atol=1e-10)


@pytest.mark.parametrize("lam", [1e-3, 0.05, 1.0])
def test_ridge_matches_sklearn_ridge_with_unpenalized_intercept(linear_data, lam):
    X, y = linear_data.X, linear_data.y
    n = len(y)
    w = lin.ridge(X, y, lam)
    # ours: 1/(2N)||y − Xw||² + λ/2||w||²  ⇔  sklearn: ||y − Xw − b||² + (Nλ)||w||²
    model = Ridge(alpha=n * lam, fit_intercept=True, solver="cholesky").fit(X[:, 1:], y)
    np.testing.assert_allclose(w[0], model.intercept_, atol=1e-9)
    np.testing.assert_allclose(w[1:], model.coef_, atol=1e-9)


def test_ridge_at_zero_is_least_squares(linear_data):
    X, y = linear_data.X, linear_data.y
    np.testing.assert_allclose(lin.ridge(X, y, 0.0), lin.least_squares(X, y), atol=1e-9)


@pytest.mark.parametrize("lam", [1e-3, 0.02, 0.2])
def test_lasso_matches_sklearn_lasso(linear_data, lam):
    X, y = linear_data.X, linear_data.y
    result = lin.lasso(X, y, lam)
    assert result.converged
    model = Lasso(alpha=lam, fit_intercept=True, tol=1e-12, max_iter=100_000).fit(X[:, 1:], y)
    np.testing.assert_allclose(result.w[0], model.intercept_, atol=1e-6)
    np.testing.assert_allclose(result.w[1:], model.coef_, atol=1e-6)
    # the same coefficients are exactly zero
    np.testing.assert_array_equal(result.w[1:] == 0, model.coef_ == 0)


@pytest.mark.parametrize("lam", [6.31e-4, 2.51e-4, 0.0316])
def test_lasso_on_correlated_features_meets_the_optimality_conditions(lam):
    """Degree 12 on 20 points: features so correlated that plain coordinate descent creeps for thousands of
    sweeps. The result must satisfy the LASSO's KKT conditions: with ρ = Xᵀ(y − Xw)/N, ρ_0 = 0 (free bias),
    ρ_j = λ sign(w_j) where w_j ≠ 0, and |ρ_j| ≤ λ where w_j = 0."""
    data = lin.make_linear_data(n=20, noise=0.3, degree=12, seed=0)
    X, y = data.X, data.y
    result = lin.lasso(X, y, lam)
    assert result.converged and result.sweeps < 100
    rho = X.T @ (y - X @ result.w) / len(y)
    active = result.w[1:] != 0
    assert abs(rho[0]) < 1e-10
    np.testing.assert_allclose(rho[1:][active], lam * np.sign(result.w[1:][active]), atol=1e-10)
    assert np.all(np.abs(rho[1:][~active]) <= lam + 1e-10)


def test_lasso_zeroes_while_ridge_only_shrinks():
    report = lin.linear_report(n=40, noise=0.3, degree=8, lam=0.05, seed=0)
    assert np.count_nonzero(report.lasso_path[-1]) == 0  # largest λ: every LASSO weight is 0
    assert np.all(report.ridge_path[-1] != 0)  # ridge: small but not zero
    norms = np.linalg.norm(report.ridge_path, axis=1)
    assert np.all(np.diff(norms) <= 1e-9)  # ridge norm shrinks as λ grows


def test_singular_design_is_reported():
    data = lin.make_linear_data(n=5, noise=0.1, degree=8, seed=0)
    with pytest.raises(InputError, match="singular"):
        lin.least_squares(data.X, data.y)
    report = lin.linear_report(n=5, noise=0.1, degree=8, lam=0.01, seed=0)
    assert report.ols is None and "ridge" in report.ols_problem
    assert np.all(np.isfinite(report.ridge))


@pytest.mark.parametrize(
    "call",
    [
        lambda: lin.make_linear_data(1, 0.1, 2, 0),
        lambda: lin.make_linear_data(10, -1.0, 2, 0),
        lambda: lin.ridge(np.ones((3, 2)), np.ones(3), -1.0),
        lambda: lin.lasso(np.ones((3, 2)), np.ones(3), -1.0),
    ],
)
def test_bad_input_raises_input_error(call):
    with pytest.raises(InputError):
        call()


def test_report_curves_and_lasso_count():
    """The report carries the true curve on its grid and counts the LASSO weights that are not exactly 0."""
    report = lin.linear_report(n=40, noise=0.3, degree=8, lam=0.05, seed=0)
    np.testing.assert_allclose(report.true_curve, np.sin(2.5 * report.grid) + 0.5 * report.grid, atol=1e-15)
    assert report.lasso_nonzero == sum(1 for w in report.lasso[1:] if w != 0.0)
    assert 0 < report.lasso_nonzero < 8  # λ = 0.05 drops some features but not all
    # the plotted curve is Xw on the grid
    np.testing.assert_allclose(report.curves["ridge"], report.data.design(report.grid) @ report.ridge, atol=1e-12)


# ------------------------------------------------------------------------------------------------ your data


def test_your_data_in_any_units_are_fitted_and_drawn_in_those_units():
    """x ∈ [1000, 3000], y in the thousands: x is mapped onto [−1, 1] and y divided by its spread for the fit,
    and least squares of degree 2 still recovers the parabola exactly in the user's units."""
    x = np.linspace(1000, 3000, 15)
    y = 5000 + 3 * x - 0.001 * x**2
    points = lin.parse_xy("x,y\n" + "\n".join(f"{a:.17g},{b:.17g}" for a, b in zip(x, y)))
    data = lin.user_linear_data(points, degree=2)
    assert not data.generated and data.x.min() == -1.0 and data.x.max() == 1.0
    assert data.y_scale == pytest.approx(y.std())
    report = lin.fit_report(data, 1e-3)
    assert report.true_curve is None
    shown_x = data.shown_x(report.grid)
    assert shown_x[0] == pytest.approx(1000) and shown_x[-1] == pytest.approx(3000)
    np.testing.assert_allclose(data.y_scale * report.curves["least squares"], 5000 + 3 * shown_x - 0.001 * shown_x**2)
    assert report.mse["least squares"] < 1e-12 * y.var()


def test_lambda_means_the_same_in_any_unit_of_y():
    rng = np.random.default_rng(4)
    points = np.column_stack([rng.uniform(0, 10, 30), rng.normal(0, 1, 30)])
    metres = lin.fit_report(lin.user_linear_data(points, 8), 0.01)
    millimetres = lin.fit_report(lin.user_linear_data(points * [1, 1000], 8), 0.01)
    for name in ("ridge", "LASSO"):
        np.testing.assert_allclose(
            millimetres.data.y_scale * millimetres.curves[name], 1000 * metres.data.y_scale * metres.curves[name]
        )
    assert millimetres.lasso_nonzero == metres.lasso_nonzero


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "empty"), ("1,2\n1,5", "two different x"), ("1,2\n3,abc", "line 2: 'abc' is not a number"), ("1,2,3", "2")],
)
def test_your_data_messages(text, message):
    with pytest.raises(InputError, match=message):
        lin.parse_xy(text)

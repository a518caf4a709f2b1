"""core.supervised.logistic against scikit-learn and torch.autograd; bad input raises InputError."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.linear_model import LogisticRegression

from core.errors import InputError
from core.supervised import logistic


@pytest.fixture(scope="module")
def logistic_data():
    data = logistic.make_logistic_data(m=120, class_sep=0.8, flip=0.1, seed=1)
    assert not data.separable
    return data


def test_gd_and_newton_converge_to_sklearn(logistic_data):
    X, y = logistic_data.X, logistic_data.y
    # C = ∞ is penalty=None in scikit-learn ≥ 1.8 (penalty is deprecated there): plain maximum likelihood
    model = LogisticRegression(C=np.inf, tol=1e-12, max_iter=10_000).fit(X[:, 1:], y)
    reference = np.concatenate([model.intercept_, model.coef_[0]])
    nt = logistic.newton(X, y, np.zeros(3), 30)
    gd = logistic.gradient_descent(X, y, np.zeros(3), alpha=2.0, steps=5000)
    np.testing.assert_allclose(nt.thetas[-1], reference, atol=1e-5)
    np.testing.assert_allclose(gd.thetas[-1], reference, atol=1e-4)
    assert len(nt.thetas) <= 12  # a handful of Newton steps


def test_newton_gradient_and_hessian_match_autograd(logistic_data):
    X, y = logistic_data.X, logistic_data.y
    theta = np.array([0.3, -1.2, 0.7])
    Xt, yt = torch.tensor(X), torch.tensor(y)

    def loss(t):
        h = torch.sigmoid(Xt @ t)
        return -(yt * torch.log(h) + (1 - yt) * torch.log(1 - h)).mean()

    t = torch.tensor(theta, requires_grad=True)
    (grad,) = torch.autograd.grad(loss(t), t)
    hessian = torch.autograd.functional.hessian(loss, torch.tensor(theta))
    np.testing.assert_allclose(logistic.logistic_gradient(theta, X, y), grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(logistic.logistic_hessian(theta, X), hessian.numpy(), atol=1e-12)
    np.testing.assert_allclose(logistic.logistic_loss(theta, X, y), loss(t).item(), atol=1e-12)


def test_separable_data_detected_and_weights_grow():
    data = logistic.make_logistic_data(m=60, class_sep=4.0, flip=0.0, seed=0)
    assert data.separable
    gd = logistic.gradient_descent(data.X, data.y, np.zeros(3), alpha=1.0, steps=2000)
    norms = np.linalg.norm(gd.thetas, axis=1)
    assert norms[-1] > norms[500] > norms[100]
    assert gd.losses[-1] < 1e-2


def test_large_alpha_flags_divergence():
    report = logistic.logistic_report(100, 1.0, 0.05, 60.0, 50, (0.0, 0.0), 0)
    assert report.alpha > report.alpha_limit
    assert report.gd_diverged
    calm = logistic.logistic_report(100, 1.0, 0.05, 0.5, 50, (0.0, 0.0), 0)
    assert not calm.gd_diverged and not calm.newton_diverged


def test_bad_input_raises_input_error():
    with pytest.raises(InputError):
        logistic.logistic_report(50, 1.0, 0.05, 0.0, 10, (0.0, 0.0), 0)


def test_decision_boundary_is_where_h_is_one_half(logistic_data):
    theta = np.array([0.4, -1.3, 2.1])
    x1 = np.linspace(-2, 2, 11)
    x2 = logistic.decision_boundary(theta, x1)
    X = np.stack([np.ones_like(x1), x1, x2], axis=1)
    # h(x) = σ(θᵀx) = ½ on the line, via torch's sigmoid (an independent implementation)
    np.testing.assert_allclose(torch.sigmoid(torch.tensor(X @ theta)).numpy(), 0.5, atol=1e-12)
    assert logistic.decision_boundary(np.array([1.0, 1.0, 0.0]), x1) is None  # vertical: no x2(x1)
    assert logistic.decision_boundary(np.array([np.nan, 1.0, 1.0]), x1) is None


def test_report_boundaries_follow_the_final_thetas():
    report = logistic.logistic_report(100, 1.0, 0.05, 0.5, 50, (0.0, 0.0), 0)
    X = report.data.X
    assert report.boundary_x1[0] == pytest.approx(X[:, 1].min() - 0.5)
    assert report.boundary_x1[-1] == pytest.approx(X[:, 1].max() + 0.5)
    for name, run in (("gradient descent", report.gd), ("Newton", report.newton)):
        t0, t1, t2 = run.thetas[-1]
        np.testing.assert_allclose(t0 + t1 * report.boundary_x1 + t2 * report.boundaries[name], 0.0, atol=1e-12)


# ------------------------------------------------------------------------------------------------ your data


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0,0,a\n1,1,b\n2,0,c", "has 3 classes \\(a, b, c\\): logistic regression is for two classes: use the softmax"),
        ("0,0,1\n1,1,1", "only one class"),
        ("0,0,0\n1,one,1", "line 2: 'one' is not a number"),
        ("", "empty"),
    ],
)
def test_your_data_must_be_two_classes_of_numbers(text, message):
    with pytest.raises(InputError, match=message):
        logistic.parse_two_classes(text)


def test_your_points_inside_the_square_are_fitted_as_they_are_and_newton_finds_sklearns_optimum():
    points = logistic.parse_two_classes(logistic.EXAMPLE_POINTS)
    data = logistic.user_logistic_data(points)
    assert data.rescaling.identity and not data.separable
    np.testing.assert_array_equal(data.X[:, 1:], points.x)
    report = logistic.fit_logistic(data, alpha=1.0, steps=40, start=(0.0, 0.0))
    model = LogisticRegression(C=np.inf, tol=1e-12, max_iter=10_000).fit(points.x, points.label)
    np.testing.assert_allclose(report.newton.thetas[-1], [*model.intercept_, *model.coef_[0]], atol=1e-5)


def test_your_points_outside_the_square_are_rescaled_and_named():
    points = logistic.parse_two_classes("w,h,kind\n150,60,cat\n180,75,dog\n160,80,cat\n175,55,dog")
    data = logistic.user_logistic_data(points)
    assert data.classes == ("cat", "dog") and not data.rescaling.identity
    assert np.abs(data.X[:, 1:]).max() == pytest.approx(0.9 * logistic.USER_BOUND)
    np.testing.assert_allclose(data.rescaling.invert(data.X[:, 1:]), points.x)

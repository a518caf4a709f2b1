"""core.regression against scikit-learn and torch.autograd; bad input raises InputError."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from sklearn.linear_model import Lasso, LinearRegression, LogisticRegression, Ridge

from core import regression as reg
from core.errors import InputError


@pytest.fixture(scope="module")
def linear_data():
    return reg.make_linear_data(n=40, noise=0.3, degree=6, seed=3)


# --------------------------------------------------------------------------------------------- linear


def test_closed_form_matches_sklearn_linear_regression(linear_data):
    X, y = linear_data.X, linear_data.y
    w = reg.least_squares(X, y)
    model = LinearRegression().fit(X[:, 1:], y)
    np.testing.assert_allclose(w[0], model.intercept_, atol=1e-10)
    np.testing.assert_allclose(w[1:], model.coef_, atol=1e-10)


def test_closed_form_matches_normal_equations_on_raw_powers():
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, 25)
    y = 1 + 2 * x - x**2 + 0.1 * rng.standard_normal(25)
    X = np.vander(x, 3, increasing=True)  # the sheet's X: 1 at the head of every row
    np.testing.assert_allclose(reg.least_squares(X, y), np.linalg.inv(X.T @ X) @ X.T @ y, atol=1e-10)


@pytest.mark.parametrize("lam", [1e-3, 0.05, 1.0])
def test_ridge_matches_sklearn_ridge_with_unpenalized_intercept(linear_data, lam):
    X, y = linear_data.X, linear_data.y
    n = len(y)
    w = reg.ridge(X, y, lam)
    # ours: 1/(2N)||y − Xw||² + λ/2||w||²  ⇔  sklearn: ||y − Xw − b||² + (Nλ)||w||²
    model = Ridge(alpha=n * lam, fit_intercept=True, solver="cholesky").fit(X[:, 1:], y)
    np.testing.assert_allclose(w[0], model.intercept_, atol=1e-9)
    np.testing.assert_allclose(w[1:], model.coef_, atol=1e-9)


def test_ridge_at_zero_is_least_squares(linear_data):
    X, y = linear_data.X, linear_data.y
    np.testing.assert_allclose(reg.ridge(X, y, 0.0), reg.least_squares(X, y), atol=1e-9)


@pytest.mark.parametrize("lam", [1e-3, 0.02, 0.2])
def test_lasso_matches_sklearn_lasso(linear_data, lam):
    X, y = linear_data.X, linear_data.y
    result = reg.lasso(X, y, lam)
    assert result.converged
    model = Lasso(alpha=lam, fit_intercept=True, tol=1e-12, max_iter=100_000).fit(X[:, 1:], y)
    np.testing.assert_allclose(result.w[0], model.intercept_, atol=1e-6)
    np.testing.assert_allclose(result.w[1:], model.coef_, atol=1e-6)
    # the same coefficients are exactly zero
    np.testing.assert_array_equal(result.w[1:] == 0, model.coef_ == 0)


def test_lasso_zeroes_while_ridge_only_shrinks():
    report = reg.linear_report(n=40, noise=0.3, degree=8, lam=0.05, seed=0)
    assert np.count_nonzero(report.lasso_path[-1]) == 0  # largest λ: every LASSO weight is 0
    assert np.all(report.ridge_path[-1] != 0)  # ridge: small but not zero
    norms = np.linalg.norm(report.ridge_path, axis=1)
    assert np.all(np.diff(norms) <= 1e-9)  # ridge norm shrinks as λ grows


def test_singular_design_is_reported():
    data = reg.make_linear_data(n=5, noise=0.1, degree=8, seed=0)
    with pytest.raises(InputError, match="singular"):
        reg.least_squares(data.X, data.y)
    report = reg.linear_report(n=5, noise=0.1, degree=8, lam=0.01, seed=0)
    assert report.ols is None and "ridge" in report.ols_problem
    assert np.all(np.isfinite(report.ridge))


@pytest.mark.parametrize(
    "call",
    [
        lambda: reg.make_linear_data(1, 0.1, 2, 0),
        lambda: reg.make_linear_data(10, -1.0, 2, 0),
        lambda: reg.ridge(np.ones((3, 2)), np.ones(3), -1.0),
        lambda: reg.lasso(np.ones((3, 2)), np.ones(3), -1.0),
        lambda: reg.logistic_report(50, 1.0, 0.05, 0.0, 10, (0.0, 0.0), 0),
        lambda: reg.softmax_report(2, 3, 1.0, 0.5, 10, 0),
    ],
)
def test_bad_input_raises_input_error(call):
    with pytest.raises(InputError):
        call()


# --------------------------------------------------------------------------------------------- logistic


@pytest.fixture(scope="module")
def logistic_data():
    data = reg.make_logistic_data(m=120, class_sep=0.8, flip=0.1, seed=1)
    assert not data.separable
    return data


def test_gd_and_newton_converge_to_sklearn(logistic_data):
    X, y = logistic_data.X, logistic_data.y
    # C = ∞ is penalty=None in scikit-learn ≥ 1.8 (penalty is deprecated there): plain maximum likelihood
    model = LogisticRegression(C=np.inf, tol=1e-12, max_iter=10_000).fit(X[:, 1:], y)
    reference = np.concatenate([model.intercept_, model.coef_[0]])
    nt = reg.newton(X, y, np.zeros(3), 30)
    gd = reg.gradient_descent(X, y, np.zeros(3), alpha=2.0, steps=5000)
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
    np.testing.assert_allclose(reg.logistic_gradient(theta, X, y), grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(reg.logistic_hessian(theta, X), hessian.numpy(), atol=1e-12)
    np.testing.assert_allclose(reg.logistic_loss(theta, X, y), loss(t).item(), atol=1e-12)


def test_separable_data_detected_and_weights_grow():
    data = reg.make_logistic_data(m=60, class_sep=4.0, flip=0.0, seed=0)
    assert data.separable
    gd = reg.gradient_descent(data.X, data.y, np.zeros(3), alpha=1.0, steps=2000)
    norms = np.linalg.norm(gd.thetas, axis=1)
    assert norms[-1] > norms[500] > norms[100]
    assert gd.losses[-1] < 1e-2


def test_large_alpha_flags_divergence():
    report = reg.logistic_report(100, 1.0, 0.05, 60.0, 50, (0.0, 0.0), 0)
    assert report.alpha > report.alpha_limit
    assert report.gd_diverged
    calm = reg.logistic_report(100, 1.0, 0.05, 0.5, 50, (0.0, 0.0), 0)
    assert not calm.gd_diverged and not calm.newton_diverged


# --------------------------------------------------------------------------------------------- softmax


def test_softmax_gradient_matches_autograd_cross_entropy():
    rng = np.random.default_rng(0)
    X = np.hstack([np.ones((30, 1)), rng.standard_normal((30, 2))])
    labels = rng.integers(0, 4, 30)
    Theta = rng.standard_normal((3, 4))
    t = torch.tensor(Theta, requires_grad=True)
    loss = F.cross_entropy(torch.tensor(X) @ t, torch.tensor(labels))
    (grad,) = torch.autograd.grad(loss, t)
    np.testing.assert_allclose(reg.softmax_gradient(Theta, X, labels), grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(reg.softmax_loss(Theta, X, labels), loss.item(), atol=1e-12)


def test_softmax_training_learns_blobs():
    report = reg.softmax_report(m=150, classes=3, spread=1.0, alpha=0.5, steps=300, seed=0)
    assert report.losses[-1] < report.losses[0]
    assert report.accuracy > 0.9
    assert set(np.unique(report.grid_class)) == {0, 1, 2}


# --------------------------------------------------------------------------------------------- page


@pytest.mark.parametrize(
    ("query", "caution"),
    [
        ({"n": "5", "degree": "12"}, "singular"),
        ({"part": "Logistic: GD vs Newton", "alpha": "30"}, "overshoots"),
        ({"part": "Logistic: GD vs Newton", "sep": "4", "flip": "0"}, "separable"),
        ({"part": "Logistic: GD vs Newton", "t1": "-3", "t2": "3"}, "Newton's method diverged"),
        ({"part": "Softmax (K classes)", "k": "5"}, None),
    ],
)
def test_page_parts_and_cautions(query, caution):
    from tests.apptest_helpers import assert_healthy, run_page

    at = run_page("pages/sl_regression.py", query)
    assert_healthy(at, str(query))
    assert at.get("plotly_chart")
    warnings = " ".join(w.value for w in at.warning)
    if caution is None:
        assert not warnings
    else:
        assert caution in warnings


# --------------------------------------------------------------------------------------------- naive Bayes


@pytest.mark.parametrize("alpha", [0.1, 1.0, 2.5])
def test_naive_bayes_matches_sklearn_multinomial_nb(alpha):
    from sklearn.naive_bayes import MultinomialNB

    corpus = reg.make_corpus(60, seed=2)
    model = reg.nb_fit(corpus, alpha)
    reference = MultinomialNB(alpha=alpha, force_alpha=True, fit_prior=True).fit(corpus.counts, corpus.labels)
    np.testing.assert_allclose(model.log_likelihoods, reference.feature_log_prob_, atol=1e-12)
    np.testing.assert_allclose(np.log(model.priors), reference.class_log_prior_, atol=1e-12)
    np.testing.assert_allclose(model.likelihoods.sum(axis=1), 1.0, atol=1e-12)
    for text in ["free money meeting", "prize prize report lunch", "click", ""]:
        message = reg.parse_message(text)
        result = reg.nb_posterior(model, message)
        np.testing.assert_allclose(result.posterior, reference.predict_proba(message.counts[None])[0], atol=1e-12)
        np.testing.assert_allclose(
            result.log_joint, reference.predict_joint_log_proba(message.counts[None])[0], atol=1e-10
        )


def test_naive_bayes_matches_categorical_nb_on_one_word_documents():
    """A one-word document is one categorical feature with D values: CategoricalNB smooths the same way."""
    from sklearn.naive_bayes import CategoricalNB

    rng = np.random.default_rng(0)
    words = rng.integers(0, len(reg.NB_VOCABULARY), 80)
    labels = rng.integers(0, 2, 80)
    counts = np.eye(len(reg.NB_VOCABULARY), dtype=int)[words]  # one-hot (80, D)
    model = reg.nb_fit(reg.Corpus(counts=counts, labels=labels), alpha=1.0)
    reference = CategoricalNB(alpha=1.0, min_categories=len(reg.NB_VOCABULARY)).fit(words[:, None], labels)
    np.testing.assert_allclose(model.log_likelihoods, reference.feature_log_prob_[0], atol=1e-12)


def test_alpha_zero_gives_an_exact_zero_posterior():
    corpus = reg.make_corpus(40, seed=0)
    model = reg.nb_fit(corpus, 0.0)
    meeting = reg.NB_VOCABULARY.index("meeting")
    assert model.word_counts[0, meeting] == 0 and model.likelihoods[0, meeting] == 0.0
    result = reg.nb_posterior(model, reg.parse_message("free free money win meeting"))
    assert result.posterior[0] == 0.0 and result.posterior[1] == 1.0
    assert result.zero_classes == ("spam",)
    both = reg.nb_posterior(model, reg.parse_message("prize meeting"))
    assert both.undefined
    smoothed = reg.nb_posterior(reg.nb_fit(corpus, 1.0), reg.parse_message("free free money win meeting"))
    assert 0.0 < smoothed.posterior[0] < 1.0


def test_naive_bayes_bad_input():
    with pytest.raises(InputError):
        reg.make_corpus(1, 0)
    with pytest.raises(InputError):
        reg.nb_fit(reg.make_corpus(10, 0), -0.5)
    with pytest.raises(InputError):
        reg.parse_message("free " * 31)
    message = reg.parse_message("Free MONEY, now!")
    assert message.words == ("free", "money") and message.ignored == ("now",)


@pytest.mark.parametrize(
    ("query", "caution"),
    [
        ({}, None),
        ({"alpha": "0"}, "exactly 0"),
        ({"alpha": "0", "msg": "prize meeting"}, "undefined"),
        ({"msg": "hello world"}, None),
    ],
)
def test_naive_bayes_page(query, caution):
    from tests.apptest_helpers import assert_healthy, run_page

    at = run_page("pages/sl_naive_bayes.py", query)
    assert_healthy(at, str(query))
    warnings = " ".join(w.value for w in at.warning)
    assert (caution in warnings) if caution else not warnings

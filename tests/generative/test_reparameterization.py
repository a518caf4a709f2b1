"""The reparameterization trick and the two gradient estimators (core/generative/reparameterization.py) against
exact references: SciPy's normal distribution and quadrature, Gauss–Hermite rules (which turn an estimator into
an exact expectation) and the estimators' variances worked out from the moments of N(0, 1)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy import integrate, stats

from core.errors import InputError
from core.generative import reparameterization as rp

NODES, WEIGHTS = np.polynomial.hermite_e.hermegauss(120)
WEIGHTS = WEIGHTS / WEIGHTS.sum()  # E_{ε~N(0,1)}[g(ε)] = Σ_k w_k g(ε_k), exact for polynomials of degree < 240


@pytest.mark.parametrize(("mu", "sigma", "a", "b"), [(0.5, 0.8, 2.0, 1.0), (-1.0, 2.0, -0.5, 3.0)])
def test_affine_map_of_a_gaussian_is_the_gaussian_of_the_sheet(mu, sigma, a, b):
    """y = a(μ + σε) + b follows N(aμ + b, a²σ²): Kolmogorov–Smirnov against SciPy's normal, and the moments."""
    samples = rp.affine_samples(mu, sigma, a, b, 20_000, seed=1)
    assert samples.predicted_mean == pytest.approx(a * mu + b)
    assert samples.predicted_variance == pytest.approx(a * a * sigma * sigma)
    assert stats.kstest(samples.y, stats.norm(a * mu + b, abs(a) * sigma).cdf).pvalue > 1e-3
    assert stats.kstest(samples.x, stats.norm(mu, sigma).cdf).pvalue > 1e-3
    np.testing.assert_allclose(samples.y, a * samples.x + b)
    # a wrong variance (|a|σ² instead of a²σ²) is rejected by the same test
    assert stats.kstest(samples.y, stats.norm(a * mu + b, math.sqrt(abs(a)) * sigma).cdf).pvalue < 1e-6


@pytest.mark.parametrize("name", list(rp.OBJECTIVES))
@pytest.mark.parametrize(("mu", "sigma"), [(0.5, 0.8), (-1.2, 1.7), (2.0, 0.3)])
def test_closed_form_objective_and_gradient_match_quadrature(name, mu, sigma):
    """J(μ, σ) = ∫ f(z) N(z; μ, σ²) dz by SciPy's quad, and its gradient by central differences of that integral."""
    target = rp.objective(name)

    def J(m: float, s: float) -> float:
        points = [1.0] if name.startswith("step") else None  # the step's jump
        value, _ = integrate.quad(
            lambda z: _f_numpy(name, z) * stats.norm.pdf(z, m, s), m - 12 * s, m + 12 * s, points=points, limit=200
        )
        return value

    assert target.value(mu, sigma) == pytest.approx(J(mu, sigma), abs=1e-9)
    h = 1e-4
    d_mu = (J(mu + h, sigma) - J(mu - h, sigma)) / (2 * h)
    d_sigma = (J(mu, sigma + h) - J(mu, sigma - h)) / (2 * h)
    np.testing.assert_allclose(target.gradient(mu, sigma), [d_mu, d_sigma], atol=1e-6)


def _f_numpy(name: str, z: float) -> float:
    """The objectives written again in plain Python (an independent copy of the torch versions)."""
    if name.startswith("(z"):
        return (z - 2.0) ** 2
    if name.startswith("sin"):
        return math.sin(3.0 * z)
    return 1.0 if z > 1.0 else 0.0


@pytest.mark.parametrize("name", ["(z − 2)²", "sin(3z)"])
@pytest.mark.parametrize("estimator", ["reparameterized", "score function"])
@pytest.mark.parametrize(("mu", "sigma"), [(0.5, 0.8), (-1.2, 1.3)])
def test_estimators_on_gauss_hermite_nodes_are_the_exact_gradient(name, estimator, mu, sigma):
    """With ε on Gauss–Hermite nodes and weights, each estimator is its own expectation: both equal ∇J exactly
    (unbiased), the pathwise one by differentiating through z = μ + σε."""
    target = rp.objective(name)
    estimate = rp.gradient_estimates(target, mu, sigma, NODES, estimator, weights=WEIGHTS)[0]
    np.testing.assert_allclose(estimate, target.gradient(mu, sigma), rtol=1e-8, atol=1e-10)


def test_pathwise_estimate_of_a_step_is_zero_and_biased_while_the_score_function_is_not():
    target = rp.objective("step 1[z > 1]")
    eps = np.random.default_rng(0).standard_normal((1, 400_000))
    pathwise = rp.gradient_estimates(target, 0.5, 0.8, eps, "reparameterized")[0]
    np.testing.assert_array_equal(pathwise, [0.0, 0.0])
    true = np.array(target.gradient(0.5, 0.8))
    assert np.all(np.abs(true) > 0.2)  # so 0 is far off
    per_draw = rp.gradient_estimates(target, 0.5, 0.8, eps.reshape(-1, 1), "score function")  # (N, 2)
    standard_error = per_draw.std(axis=0) / math.sqrt(len(per_draw))
    assert np.all(np.abs(per_draw.mean(axis=0) - true) < 4 * standard_error)


@pytest.mark.parametrize(("mu", "sigma"), [(0.5, 0.8), (-1.0, 1.5)])
def test_measured_variances_match_the_moments_of_a_standard_normal(mu, sigma):
    """For f = (z − 2)², with d = μ − 2: one draw's pathwise ĝ_μ = 2(d + σε) has variance 4σ²; the score
    function's ĝ_μ = (d + σε)² ε/σ has E[(d + σε)⁴ε²]/σ² − (2d)² = (d⁴ + 18d²σ² + 15σ⁴)/σ² − 4d²."""
    study = rp.variance_study("(z − 2)²", mu, sigma, (1, 8), 4000, seed=3)
    d = mu - 2.0
    pathwise = 4 * sigma**2
    score = (d**4 + 18 * d**2 * sigma**2 + 15 * sigma**4) / sigma**2 - 4 * d**2
    for row, n in enumerate(study.sizes):
        # Var[ĝ_N] = Var[one draw] / N; the sample variance of 4000 estimates is within ~10 % (heavier tails of
        # the score function: 25 %)
        assert study.variance("reparameterized")[row, 0] == pytest.approx(pathwise / n, rel=0.1)
        assert study.variance("score function")[row, 0] == pytest.approx(score / n, rel=0.25)
    assert score > 5 * pathwise  # the gap the page measures


def test_every_estimator_is_unbiased_and_the_baseline_lowers_the_variance():
    study = rp.variance_study("(z − 2)²", 0.5, 0.8, (16,), 3000, seed=4)
    true = np.array(study.true_gradient)
    for estimator in rp.ESTIMATORS:
        standard_error = np.sqrt(study.variance(estimator)[0] / 3000)
        assert np.all(np.abs(study.mean(estimator)[0] - true) < 4 * standard_error), estimator
    assert np.all(study.variance("score function − b")[0] < 0.8 * study.variance("score function")[0])
    assert np.all(study.variance("reparameterized")[0] < study.variance("score function − b")[0])


def test_the_gradient_of_one_draw_is_the_chain_rule_through_z():
    target = rp.objective("(z − 2)²")
    example = rp.pathwise_example(target, 0.5, 0.8, seed=7)
    assert example.z == pytest.approx(0.5 + 0.8 * example.eps)
    assert example.f_prime == pytest.approx(2 * (example.z - 2.0))  # f′(z) = 2(z − 2)
    assert example.d_mu == pytest.approx(example.f_prime)  # ∂z/∂μ = 1
    assert example.d_sigma == pytest.approx(example.f_prime * example.eps)  # ∂z/∂σ = ε
    assert rp.pathwise_example(target, 0.5, 0.8, seed=7) == example


def test_the_study_is_reproducible_and_seeded():
    first = rp.variance_study("sin(3z)", 0.5, 0.8, (1, 4), 50, seed=0)
    again = rp.variance_study("sin(3z)", 0.5, 0.8, (1, 4), 50, seed=0)
    other = rp.variance_study("sin(3z)", 0.5, 0.8, (1, 4), 50, seed=1)
    np.testing.assert_array_equal(first.estimates["score function"], again.estimates["score function"])
    assert not np.allclose(first.estimates["score function"], other.estimates["score function"])


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: rp.affine_samples(0.0, 0.0, 1.0, 0.0, 100, 0), "σ must be a positive"),
        (lambda: rp.affine_samples(0.0, 1.0, math.inf, 0.0, 100, 0), "finite"),
        (lambda: rp.objective("z³"), "Unknown objective"),
        (lambda: rp.variance_study("sin(3z)", 0.0, -1.0, (1,), 10, 0), "σ must be a positive"),
        (lambda: rp.variance_study("sin(3z)", 0.0, 1.0, (1 << 20,), 100, 0), "Repeats × N"),
        (
            lambda: rp.gradient_estimates(rp.objective("sin(3z)"), 0.0, 1.0, NODES, "score function − b", WEIGHTS),
            "baseline",
        ),
    ],
)
def test_bad_input_names_the_problem(call, match):
    with pytest.raises(InputError, match=match):
        call()


def _autograd_estimates(target: rp.Objective, mu: float, sigma: float, eps: np.ndarray, estimator: str, weights=None):
    """The estimators taken by torch autograd, as a VAE takes its gradients (the independent reference): through
    z = μ + σε for the pathwise one, through log N(z; μ, σ²) with z held fixed for the score function; one (μ, σ)
    leaf per row of ``eps``, so that one backward pass gives every row's own estimate."""
    eps_t = torch.as_tensor(np.atleast_2d(eps), dtype=torch.float64)
    repeats, n = eps_t.shape
    w = torch.full((n,), 1.0 / n, dtype=torch.float64) if weights is None else torch.as_tensor(weights).double()
    mu_t = torch.full((repeats, 1), float(mu), dtype=torch.float64, requires_grad=True)
    sigma_t = torch.full((repeats, 1), float(sigma), dtype=torch.float64, requires_grad=True)
    if estimator == "reparameterized":
        surrogate = (target.torch_f(mu_t + sigma_t * eps_t) * w).sum()
    else:
        z = (mu_t + sigma_t * eps_t).detach()
        value = target.torch_f(z).detach()
        if estimator == "score function − b":
            baseline = (value.sum(dim=1, keepdim=True) - value) / (n - 1) if n > 1 else torch.zeros_like(value)
            value = value - baseline
        log_density = -0.5 * math.log(2 * math.pi) - torch.log(sigma_t) - (z - mu_t) ** 2 / (2 * sigma_t**2)
        surrogate = (value * log_density * w).sum()
    surrogate.backward()
    return torch.cat([mu_t.grad, sigma_t.grad], dim=1).numpy()


@pytest.mark.parametrize("name", list(rp.OBJECTIVES))
@pytest.mark.parametrize("estimator", rp.ESTIMATORS)
@pytest.mark.parametrize(("mu", "sigma", "n"), [(0.5, 0.8, 1), (0.5, 0.8, 16), (0.9, 0.1, 1024), (2.5, 3.0, 2)])
def test_numpy_estimates_are_torch_autograds_on_the_same_draws(name, estimator, mu, sigma, n):
    """Every estimator of every objective, on the same (R, N) draws, equals torch autograd's gradient of the
    surrogate (f(μ + σε) averaged, or f(z) log N(z; μ, σ²) with z fixed) to rounding: ~1e-12 of the values."""
    target = rp.objective(name)
    eps = np.random.default_rng(n).standard_normal((50, n))
    ours = rp.gradient_estimates(target, mu, sigma, eps, estimator)
    np.testing.assert_allclose(ours, _autograd_estimates(target, mu, sigma, eps, estimator), rtol=1e-12, atol=1e-12)
    if not (name.startswith("step") and estimator == "reparameterized"):
        assert np.ptp(ours, axis=0).min() > 1e-3  # estimates that vary with the draws: not a vacuous match


@pytest.mark.parametrize("name", list(rp.OBJECTIVES))
@pytest.mark.parametrize("estimator", ["reparameterized", "score function"])
def test_weighted_numpy_estimates_are_torch_autograds(name, estimator):
    target = rp.objective(name)
    ours = rp.gradient_estimates(target, -0.3, 1.1, NODES, estimator, weights=WEIGHTS)
    np.testing.assert_allclose(
        ours, _autograd_estimates(target, -0.3, 1.1, NODES, estimator, WEIGHTS), rtol=1e-12, atol=1e-12
    )


def test_the_study_is_torch_autograds_estimates_on_the_seeds_draws():
    """The variance study's estimates at each N are autograd's on the draws of that N's stream of the seed: the
    seed's draws (and so the page's numbers) are those of the autograd implementation."""
    sizes, repeats, seed = (1, 3, 64), 40, 5
    study = rp.variance_study("sin(3z)", 0.4, 0.9, sizes, repeats, seed)
    streams = rp.seed_stream(seed, rp.STUDY_STREAM).spawn(len(sizes))
    for row, (n, stream) in enumerate(zip(sizes, streams)):
        eps = np.random.default_rng(stream).standard_normal((repeats, n))
        for estimator in rp.ESTIMATORS:
            reference = _autograd_estimates(rp.objective("sin(3z)"), 0.4, 0.9, eps, estimator)
            np.testing.assert_allclose(study.estimates[estimator][row], reference, rtol=1e-12, atol=1e-12)

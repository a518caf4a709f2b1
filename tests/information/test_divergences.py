"""core.information.divergences against SciPy, identities with Hypothesis, zeros and infinity."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.integrate
import scipy.spatial.distance
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import InputError
from core.information.divergences import (
    cross_entropy,
    gaussian_kl,
    gaussian_kl_monte_carlo,
    js_divergence,
    kl_divergence,
    pair_report,
)
from core.information.entropy import BITS, NATS, entropy
from core.information.parsing import normalize
from viz.information.text import format_value

BASES = [BITS, NATS]


def random_distribution(rng: np.random.Generator, k: int, zeros: bool = False) -> np.ndarray:
    w = rng.dirichlet(np.ones(k) * 0.7)
    if zeros:
        w[rng.random(k) < 0.3] = 0.0
        if w.sum() == 0:
            w[0] = 1.0
    return w / w.sum()


# Hypothesis: weight vectors (normalized inside the tests)
weights_with_zeros = st.lists(st.one_of(st.just(0.0), st.floats(0.01, 10.0)), min_size=2, max_size=8).filter(
    lambda w: sum(w) > 0
)


@pytest.mark.parametrize("base", BASES)
@pytest.mark.parametrize("seed", range(10))
def test_entropy_kl_match_scipy(base, seed):
    rng = np.random.default_rng(seed)
    k = int(rng.integers(2, 10))
    p, q = random_distribution(rng, k, zeros=seed % 2 == 0), random_distribution(rng, k)
    assert entropy(p, base) == pytest.approx(scipy.stats.entropy(p, base=base), abs=1e-12)
    assert kl_divergence(p, q, base) == pytest.approx(scipy.stats.entropy(p, q, base=base), abs=1e-12)
    assert cross_entropy(p, q, base) == pytest.approx(
        scipy.stats.entropy(p, base=base) + scipy.stats.entropy(p, q, base=base), abs=1e-12
    )


@pytest.mark.parametrize("base", BASES)
@pytest.mark.parametrize("seed", range(10))
def test_js_matches_scipy_jensenshannon_squared(base, seed):
    rng = np.random.default_rng(100 + seed)
    k = int(rng.integers(2, 10))
    p, q = random_distribution(rng, k, zeros=True), random_distribution(rng, k, zeros=True)
    # SciPy returns the JS *distance*, the square root of the divergence
    assert js_divergence(p, q, base) == pytest.approx(
        scipy.spatial.distance.jensenshannon(p, q, base=base) ** 2, abs=1e-12
    )


@pytest.mark.parametrize("seed", range(5))
def test_gaussian_kl_closed_form_matches_numeric_integral(seed):
    rng = np.random.default_rng(seed)
    mu_p, mu_q = rng.normal(size=2)
    s_p, s_q = rng.uniform(0.5, 2.0, size=2)
    x = np.linspace(-30, 30, 200_001)
    log_p = scipy.stats.norm.logpdf(x, mu_p, s_p)
    integrand = np.exp(log_p) * (log_p - scipy.stats.norm.logpdf(x, mu_q, s_q))
    numeric = scipy.integrate.trapezoid(integrand, x)
    assert gaussian_kl(mu_p, s_p, mu_q, s_q, NATS) == pytest.approx(numeric, abs=1e-8)


def test_gaussian_kl_monte_carlo_converges():
    mc = gaussian_kl_monte_carlo(0.0, 1.0, 1.0, 2.0, 20_000, seed=0, base=NATS)
    last_error = abs(mc.estimates[-1] - mc.exact)
    assert last_error < 4 * mc.standard_errors[-1]
    assert mc.standard_errors[-1] < mc.standard_errors[0] / 10
    again = gaussian_kl_monte_carlo(0.0, 1.0, 1.0, 2.0, 20_000, seed=0, base=NATS)
    np.testing.assert_array_equal(mc.estimates, again.estimates)


@settings(max_examples=60, deadline=None)
@given(weights_with_zeros, st.data(), st.sampled_from(BASES))
def test_kl_is_cross_entropy_minus_entropy_and_nonnegative(w_p, data, base):
    w_q = data.draw(st.lists(st.floats(0.01, 10.0), min_size=len(w_p), max_size=len(w_p)))
    p, _ = normalize(w_p)
    q, _ = normalize(w_q)
    kl = kl_divergence(p, q, base)
    # KL = H(P,Q) - H(P), Gibbs: KL >= 0, = 0 iff P = Q
    assert kl == pytest.approx(cross_entropy(p, q, base) - entropy(p, base), abs=1e-9)
    assert kl >= 0
    assert kl_divergence(p, p, base) == 0.0


@settings(max_examples=60, deadline=None)
@given(weights_with_zeros, st.data(), st.sampled_from(BASES))
def test_js_bounds(w_p, data, base):
    w_q = data.draw(
        st.lists(st.one_of(st.just(0.0), st.floats(0.01, 10.0)), min_size=len(w_p), max_size=len(w_p)).filter(
            lambda w: sum(w) > 0
        )
    )
    p, _ = normalize(w_p)
    q, _ = normalize(w_q)
    js = js_divergence(p, q, base)
    assert -1e-12 <= js <= math.log(2) / math.log(base) + 1e-12
    assert js == pytest.approx(js_divergence(q, p, base), abs=1e-12)
    if not np.any((p > 0) & (q > 0)):  # disjoint support reaches the bound
        assert js == pytest.approx(math.log(2) / math.log(base))


def test_kl_infinite_where_q_lacks_support_but_not_reverse():
    p, q = np.array([0.5, 0.5, 0.0]), np.array([0.5, 0.0, 0.5])
    assert kl_divergence(p, q) == math.inf
    assert cross_entropy(p, q) == math.inf
    assert scipy.stats.entropy(p, q) == math.inf
    p2, q2 = np.array([1.0, 0.0]), np.array([0.5, 0.5])
    assert kl_divergence(p2, q2) == pytest.approx(1.0)  # 0 log 0/q = 0
    assert kl_divergence(q2, p2) == math.inf  # asymmetry
    r = pair_report(p, q)
    assert math.isinf(r.kl_pq) and math.isfinite(r.js) and not np.isnan(r.kl_pq_terms).any()
    assert format_value(r.kl_pq) == "∞"


def test_bad_base_and_sigma():
    with pytest.raises(InputError):
        entropy([0.5, 0.5], base=1.0)
    with pytest.raises(InputError):
        gaussian_kl(0, 0, 0, 1)

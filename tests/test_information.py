"""core.information against SciPy / scikit-learn / torch, identities with Hypothesis, zeros and bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.spatial.distance
import scipy.stats
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import mutual_info_score

from core import information as info
from core.errors import InputError

BASES = [info.BITS, info.NATS]


def random_distribution(rng: np.random.Generator, k: int, zeros: bool = False) -> np.ndarray:
    w = rng.dirichlet(np.ones(k) * 0.7)
    if zeros:
        w[rng.random(k) < 0.3] = 0.0
        if w.sum() == 0:
            w[0] = 1.0
    return w / w.sum()


# Hypothesis: strictly positive weight vectors (normalized inside the tests)
weights = st.lists(st.floats(0.01, 10.0), min_size=2, max_size=8)
weights_with_zeros = st.lists(st.one_of(st.just(0.0), st.floats(0.01, 10.0)), min_size=2, max_size=8).filter(
    lambda w: sum(w) > 0
)


# --------------------------------------------------------------------------------------------- references


@pytest.mark.parametrize("base", BASES)
@pytest.mark.parametrize("seed", range(10))
def test_entropy_kl_match_scipy(base, seed):
    rng = np.random.default_rng(seed)
    k = int(rng.integers(2, 10))
    p, q = random_distribution(rng, k, zeros=seed % 2 == 0), random_distribution(rng, k)
    assert info.entropy(p, base) == pytest.approx(scipy.stats.entropy(p, base=base), abs=1e-12)
    assert info.kl_divergence(p, q, base) == pytest.approx(scipy.stats.entropy(p, q, base=base), abs=1e-12)
    assert info.cross_entropy(p, q, base) == pytest.approx(
        scipy.stats.entropy(p, base=base) + scipy.stats.entropy(p, q, base=base), abs=1e-12
    )


@pytest.mark.parametrize("base", BASES)
@pytest.mark.parametrize("seed", range(10))
def test_js_matches_scipy_jensenshannon_squared(base, seed):
    rng = np.random.default_rng(100 + seed)
    k = int(rng.integers(2, 10))
    p, q = random_distribution(rng, k, zeros=True), random_distribution(rng, k, zeros=True)
    # SciPy returns the JS *distance*, the square root of the divergence
    assert info.js_divergence(p, q, base) == pytest.approx(
        scipy.spatial.distance.jensenshannon(p, q, base=base) ** 2, abs=1e-12
    )


@pytest.mark.parametrize("seed", range(10))
def test_mutual_information_matches_sklearn(seed):
    rng = np.random.default_rng(200 + seed)
    shape = tuple(rng.integers(2, 6, size=2))
    counts = rng.integers(0, 20, size=shape)
    counts[0, 0] += 1
    joint = counts / counts.sum()
    # sklearn works in nats from a contingency table of counts
    reference = mutual_info_score(None, None, contingency=counts)
    assert info.mutual_information(joint, info.NATS) == pytest.approx(reference, abs=1e-12)
    assert info.joint_report(joint, info.BITS).mutual_information == pytest.approx(reference / math.log(2), abs=1e-12)


def test_conditional_entropy_matches_definition_by_scipy():
    rng = np.random.default_rng(3)
    joint = rng.random((4, 3))
    joint /= joint.sum()
    report = info.joint_report(joint, info.BITS)
    expected = sum(joint[x].sum() * scipy.stats.entropy(joint[x] / joint[x].sum(), base=2) for x in range(4))
    assert report.h_y_given_x == pytest.approx(expected, abs=1e-12)
    # chain rule H(X,Y) = H(X) + H(Y|X) = H(Y) + H(X|Y)
    assert report.h_xy == pytest.approx(report.h_x + report.h_y_given_x, abs=1e-12)
    assert report.h_xy == pytest.approx(report.h_y + report.h_x_given_y, abs=1e-12)


def test_textbook_values():
    assert info.entropy([0.5, 0.5]) == pytest.approx(1.0)
    assert info.entropy([0.25] * 4) == pytest.approx(2.0)
    assert info.entropy([1.0, 0.0, 0.0]) == 0.0
    assert info.binary_entropy(0.5) == pytest.approx(1.0)
    assert info.binary_entropy(np.array([0.0, 1.0])).tolist() == [0.0, 0.0]
    assert info.max_entropy(8) == pytest.approx(3.0)
    assert info.js_divergence([1, 0], [0, 1], info.BITS) == pytest.approx(1.0)
    assert info.js_divergence([1, 0], [0, 1], info.NATS) == pytest.approx(math.log(2))


@pytest.mark.parametrize("seed", range(5))
def test_gaussian_kl_closed_form_matches_numeric_integral(seed):
    rng = np.random.default_rng(seed)
    mu_p, mu_q = rng.normal(size=2)
    s_p, s_q = rng.uniform(0.5, 2.0, size=2)
    x = np.linspace(-30, 30, 200_001)
    log_p = scipy.stats.norm.logpdf(x, mu_p, s_p)
    integrand = np.exp(log_p) * (log_p - scipy.stats.norm.logpdf(x, mu_q, s_q))
    numeric = scipy.integrate.trapezoid(integrand, x)
    assert info.gaussian_kl(mu_p, s_p, mu_q, s_q, info.NATS) == pytest.approx(numeric, abs=1e-8)


def test_gaussian_kl_monte_carlo_converges():
    mc = info.gaussian_kl_monte_carlo(0.0, 1.0, 1.0, 2.0, 20_000, seed=0, base=info.NATS)
    last_error = abs(mc.estimates[-1] - mc.exact)
    assert last_error < 4 * mc.standard_errors[-1]
    assert mc.standard_errors[-1] < mc.standard_errors[0] / 10
    again = info.gaussian_kl_monte_carlo(0.0, 1.0, 1.0, 2.0, 20_000, seed=0, base=info.NATS)
    np.testing.assert_array_equal(mc.estimates, again.estimates)


# --------------------------------------------------------------------------------------------- identities


@settings(max_examples=60, deadline=None)
@given(weights_with_zeros, st.data(), st.sampled_from(BASES))
def test_kl_is_cross_entropy_minus_entropy_and_nonnegative(w_p, data, base):
    w_q = data.draw(st.lists(st.floats(0.01, 10.0), min_size=len(w_p), max_size=len(w_p)))
    p, _ = info.normalize(w_p)
    q, _ = info.normalize(w_q)
    kl = info.kl_divergence(p, q, base)
    # KL = H(P,Q) - H(P), Gibbs: KL >= 0, = 0 iff P = Q
    assert kl == pytest.approx(info.cross_entropy(p, q, base) - info.entropy(p, base), abs=1e-9)
    assert kl >= 0
    assert info.kl_divergence(p, p, base) == 0.0


@settings(max_examples=60, deadline=None)
@given(weights_with_zeros, st.data(), st.sampled_from(BASES))
def test_js_bounds(w_p, data, base):
    w_q = data.draw(
        st.lists(st.one_of(st.just(0.0), st.floats(0.01, 10.0)), min_size=len(w_p), max_size=len(w_p)).filter(
            lambda w: sum(w) > 0
        )
    )
    p, _ = info.normalize(w_p)
    q, _ = info.normalize(w_q)
    js = info.js_divergence(p, q, base)
    assert -1e-12 <= js <= math.log(2) / math.log(base) + 1e-12
    assert js == pytest.approx(info.js_divergence(q, p, base), abs=1e-12)
    if not np.any((p > 0) & (q > 0)):  # disjoint support reaches the bound
        assert js == pytest.approx(math.log(2) / math.log(base))


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 5), st.integers(2, 5), st.data(), st.sampled_from(BASES))
def test_mutual_information_identities(nx, ny, data, base):
    cells = data.draw(st.lists(st.one_of(st.just(0.0), st.floats(0.01, 5.0)), min_size=nx * ny, max_size=nx * ny))
    if sum(cells) == 0:
        cells[0] = 1.0
    joint, _ = info.normalize(cells)
    joint = joint.reshape(nx, ny)
    r = info.joint_report(joint, base)
    # I = H(X) - H(X|Y) = H(Y) - H(Y|X) = KL(P(X,Y) || P(X)P(Y)) >= 0; H(X,Y) <= H(X) + H(Y)
    assert r.mutual_information == pytest.approx(r.kl_joint_product, abs=1e-9)
    assert r.mutual_information == pytest.approx(r.h_y - r.h_y_given_x, abs=1e-9)
    assert r.mutual_information >= 0
    assert r.h_xy <= r.h_x + r.h_y + 1e-9
    assert r.h_y_given_x <= r.h_y + 1e-9  # conditioning reduces entropy on average
    transposed = info.joint_report(joint.T, base)
    assert transposed.mutual_information == pytest.approx(r.mutual_information, abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(weights_with_zeros, st.sampled_from(BASES))
def test_entropy_bounds(w, base):
    p, _ = info.normalize(w)
    h = info.entropy(p, base)
    assert 0 <= h <= info.max_entropy(p.size, base) + 1e-12


@settings(max_examples=40, deadline=None)
@given(st.floats(0.0, 5.0), st.floats(0.0, 5.0), st.floats(0.0, 1.0))
def test_venn_areas_are_true(h_x, h_y, share):
    mi = share * min(h_x, h_y)
    layout = info.venn_layout(h_x, h_y, mi)
    assert math.pi * layout.r_x**2 == pytest.approx(h_x, abs=1e-12)
    assert math.pi * layout.r_y**2 == pytest.approx(h_y, abs=1e-12)
    assert info.lens_area(layout.r_x, layout.r_y, layout.distance) == pytest.approx(mi, abs=1e-9)


def test_lens_area_against_monte_carlo():
    rng = np.random.default_rng(0)
    r1, r2, d = 1.0, 0.7, 1.1
    pts = rng.uniform(-1.0, 1.0, size=(400_000, 2)) * 2
    inside = (np.hypot(pts[:, 0], pts[:, 1]) <= r1) & (np.hypot(pts[:, 0] - d, pts[:, 1]) <= r2)
    assert info.lens_area(r1, r2, d) == pytest.approx(inside.mean() * 16, rel=0.02)


# --------------------------------------------------------------------------------------------- zeros, infinity


def test_kl_infinite_where_q_lacks_support_but_not_reverse():
    p, q = np.array([0.5, 0.5, 0.0]), np.array([0.5, 0.0, 0.5])
    assert info.kl_divergence(p, q) == math.inf
    assert info.cross_entropy(p, q) == math.inf
    assert scipy.stats.entropy(p, q) == math.inf
    p2, q2 = np.array([1.0, 0.0]), np.array([0.5, 0.5])
    assert info.kl_divergence(p2, q2) == pytest.approx(1.0)  # 0 log 0/q = 0
    assert info.kl_divergence(q2, p2) == math.inf  # asymmetry
    r = info.pair_report(p, q)
    assert math.isinf(r.kl_pq) and math.isfinite(r.js) and not np.isnan(r.kl_pq_terms).any()
    assert info.format_value(r.kl_pq) == "∞"


def test_zero_rows_and_columns_in_joint_table():
    joint = np.array([[0.5, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.25, 0.25]])
    r = info.joint_report(joint)
    for value in (r.h_x, r.h_y, r.h_xy, r.h_y_given_x, r.h_x_given_y, r.mutual_information):
        assert math.isfinite(value)
    assert r.h_y_given_x_each[1] == 0.0
    assert r.mutual_information == pytest.approx(mutual_info_score(None, None, contingency=joint * 4) / math.log(2))


def test_conditional_entropy_of_one_x_can_exceed_h_y():
    # the sheet: H(Y|X=x) > H(Y) is possible
    joint = np.array([[0.9, 0.0], [0.05, 0.05]])
    r = info.joint_report(joint)
    assert r.h_y_given_x_each[1] > r.h_y
    assert r.h_y_given_x < r.h_y


# --------------------------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("0 0\n0 0", "all zeros"),
        ("0.5 -0.1\n0.3 0.3", "negative"),
        ("0.5 0.5\n0.3", "same number of entries"),
        ("0.5 abc", "not a number"),
        ("", "empty"),
        ("0.5 inf", "not finite"),
    ],
)
def test_bad_joint_tables_name_the_problem(text, fragment):
    with pytest.raises(InputError, match=fragment):
        info.parse_joint_table(text)


def test_joint_table_normalizes_with_flag():
    table, changed = info.parse_joint_table("1 1\n1 1")
    assert changed and table.tolist() == [[0.25, 0.25], [0.25, 0.25]]
    table, changed = info.parse_joint_table("0.25, 0.25 | 0.25, 0.25")
    assert not changed and table.shape == (2, 2)


def test_distribution_text_normalizes_with_flag():
    p, changed = info.parse_distribution("2, 1, 1")
    assert changed and p.tolist() == [0.5, 0.25, 0.25]
    p, changed = info.parse_distribution("0.5 0.25 0.25")
    assert not changed
    with pytest.raises(InputError, match="negative"):
        info.parse_distribution("0.5, -0.5, 1")
    with pytest.raises(InputError, match="all zeros"):
        info.parse_distribution("0, 0")
    with pytest.raises(InputError, match="same number"):
        info.pair_report(np.array([0.5, 0.5]), np.array([1.0, 0.0, 0.0]))


def test_bad_base_and_sigma():
    with pytest.raises(InputError):
        info.entropy([0.5, 0.5], base=1.0)
    with pytest.raises(InputError):
        info.gaussian_kl(0, 0, 0, 1)


# --------------------------------------------------------------------------------------------- Jensen


@pytest.mark.parametrize("name", list(info.JENSEN_FUNCTIONS))
def test_jensen_direction(name):
    rng = np.random.default_rng(0)
    for _ in range(20):
        x = rng.uniform(0.1, 3.0, size=4)
        p, _ = info.normalize(rng.random(4))
        r = info.jensen(name, x, p)
        # convex: f(E[x]) <= E[f(x)]; concave: the reverse
        assert (r.gap >= -1e-12) if r.convex else (r.gap <= 1e-12)


def test_jensen_counter_example_to_the_sheet():
    r = info.jensen("x²", [1.0, 3.0], [0.5, 0.5])
    # the sheet's "sum p_i f(x_i) <= f(sum p_i x_i)" would say 5 <= 4
    assert r.mean_of_f == pytest.approx(5.0) and r.f_of_mean == pytest.approx(4.0)
    assert not r.mean_of_f <= r.f_of_mean
    assert info.jensen("x²", [2.0, 2.0], [0.3, 0.7]).gap == pytest.approx(0.0)


def test_jensen_domain_errors():
    with pytest.raises(InputError, match="x > 0"):
        info.jensen("log x", [0.0, 1.0], [0.5, 0.5])
    with pytest.raises(InputError, match="x ≥ 0"):
        info.jensen("√x", [-1.0, 1.0], [0.5, 0.5])
    with pytest.raises(InputError, match="one weight per point"):
        info.jensen("x²", [1.0, 2.0], [1.0])


# --------------------------------------------------------------------------------------------- MLE


def test_softmax_nll_gradient_matches_autograd():
    rng = np.random.default_rng(0)
    theta = rng.normal(size=5)
    samples = rng.integers(0, 5, size=30)
    p_hat = np.bincount(samples, minlength=5) / samples.size
    t = torch.tensor(theta, requires_grad=True)
    nll = torch.nn.functional.cross_entropy(t.expand(samples.size, 5), torch.tensor(samples))
    nll.backward()
    np.testing.assert_allclose(info.nll_gradient(theta, p_hat), t.grad.numpy(), atol=1e-12)


def test_mle_three_curves_coincide_and_reach_p_hat():
    p = np.array([0.5, 0.2, 0.2, 0.1])
    trace = info.fit_categorical_mle(p, info.MLEConfig(sample_size=40, steps=400, learning_rate=1.0, seed=1))
    np.testing.assert_allclose(trace.nll, trace.cross_entropy, atol=1e-10)
    np.testing.assert_allclose(trace.cross_entropy, trace.kl_plus_entropy, atol=1e-10)
    assert trace.nll[-1] < trace.nll[0]
    np.testing.assert_allclose(trace.q_history[-1], trace.p_hat, atol=1e-3)
    assert trace.nll[-1] == pytest.approx(trace.h_p_hat, abs=1e-5)


def test_classifier_cross_entropy_equals_nll_and_torch():
    trace = info.fit_softmax_classifier(20, 3, 0.8, 50, 0.5, seed=0, base=info.NATS)
    np.testing.assert_allclose(trace.nll, trace.cross_entropy, atol=1e-12)
    logits = torch.tensor(info.classifier_design(trace.features) @ trace.weights)
    reference = torch.nn.functional.cross_entropy(logits, torch.tensor(trace.labels)).item()
    assert trace.nll[-1] == pytest.approx(reference, abs=1e-10)
    assert trace.nll[-1] < trace.nll[0] and trace.accuracy[-1] > 0.8

"""Divergences between two distributions: KL, cross-entropy, Jensen–Shannon; Gaussian KL (sheet 2.3–2.4).

* ``KL(P||Q) = sum_x P(x) log P(x)/Q(x)`` (2.3 a), cross entropy ``H(P, Q) = -sum_x P(x) log Q(x)`` (2.3 c),
  ``KL(P||Q) = H(P, Q) - H(P)`` (2.3 d);
* ``JS(P||Q) = 1/2 KL(P||M) + 1/2 KL(Q||M)`` with ``M = (P+Q)/2``, ``0 <= JS <= log 2`` (2.4);
* ``KL(N(μ_p, σ_p²) || N(μ_q, σ_q²))`` in closed form and by Monte Carlo.

Zeros follow the usual conventions: ``0 log 0/q = 0``; ``KL(P||Q) = H(P, Q) = inf`` as soon as ``P(x) > 0 = Q(x)``
for some ``x``. No function returns NaN for valid input.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core.errors import InputError
from core.information.entropy import BITS, check_base, entropy, xlogy


def _check_pair(p: np.ndarray, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    if p.shape != q.shape:
        raise InputError(f"P and Q need the same number of outcomes (P has {p.size}, Q has {q.size}).")
    return p, q


def kl_terms(p: np.ndarray, q: np.ndarray, base: float = BITS) -> np.ndarray:
    """The terms P(x) log_b P(x)/Q(x) of KL(P||Q): 0 where P(x) = 0, +inf where P(x) > 0 = Q(x)."""
    p, q = _check_pair(p, q)
    base = check_base(base)
    terms = np.zeros(p.shape)
    support = p > 0
    with np.errstate(divide="ignore"):
        # P(x) log P(x)/Q(x) = P(x) (log P(x) - log Q(x)); log 0 = -inf gives +inf where Q(x) = 0 < P(x)
        terms[support] = p[support] * (np.log(p[support]) - np.log(q[support])) / math.log(base)
    return terms


def kl_divergence(p: Sequence[float] | np.ndarray, q: Sequence[float] | np.ndarray, base: float = BITS) -> float:
    """KL(P||Q) = sum_x P(x) log_b P(x)/Q(x) (sheet 2.3 a); inf when P puts mass where Q has none."""
    terms = kl_terms(np.asarray(p, float), np.asarray(q, float), base)
    if np.isinf(terms).any():
        return math.inf
    # KL(P||Q) = sum_x P(x) log P(x)/Q(x); Gibbs: >= 0 (clip rounding noise)
    return float(max(terms.sum(), 0.0))


def cross_entropy(p: Sequence[float] | np.ndarray, q: Sequence[float] | np.ndarray, base: float = BITS) -> float:
    """H(P, Q) = -sum_x P(x) log_b Q(x) = -E_P[log Q(X)] (sheet 2.3 c); inf when Q(x) = 0 < P(x)."""
    p, q = _check_pair(p, q)
    base = check_base(base)
    if np.any((p > 0) & (q <= 0)):
        return math.inf
    # H(P, Q) = -sum_x P(x) log Q(x), with 0 log Q = 0
    return float(-xlogy(p, q).sum() / math.log(base))


def js_divergence(p: Sequence[float] | np.ndarray, q: Sequence[float] | np.ndarray, base: float = BITS) -> float:
    """JS(P||Q) = 1/2 KL(P||M) + 1/2 KL(Q||M), M = (P+Q)/2 (sheet 2.4); always finite, 0 <= JS <= log_b 2."""
    p, q = _check_pair(p, q)
    # M = (P + Q) / 2 has mass wherever P or Q has, so both KL terms are finite
    m = (p + q) / 2
    return float(0.5 * kl_divergence(p, m, base) + 0.5 * kl_divergence(q, m, base))


@dataclass(frozen=True)
class PairReport:
    """Every two-distribution measure of the Divergences page, in one unit."""

    p: np.ndarray
    """(K,) P."""
    q: np.ndarray
    """(K,) Q."""
    m: np.ndarray
    """(K,) M = (P+Q)/2."""
    base: float
    h_p: float
    """H(P)."""
    h_q: float
    """H(Q)."""
    cross_pq: float
    """H(P, Q) = -sum P log Q."""
    cross_qp: float
    """H(Q, P)."""
    kl_pq: float
    """KL(P||Q)."""
    kl_qp: float
    """KL(Q||P)."""
    kl_pq_terms: np.ndarray
    """(K,) P(x) log P(x)/Q(x)."""
    kl_qp_terms: np.ndarray
    """(K,) Q(x) log Q(x)/P(x)."""
    js: float
    """JS(P||Q)."""
    js_bound: float
    """log_b 2."""


def pair_report(p: np.ndarray, q: np.ndarray, base: float = BITS) -> PairReport:
    """All of H(P), H(Q), H(P,Q), H(Q,P), KL both ways (with terms), JS and M for two distributions."""
    p, q = _check_pair(p, q)
    return PairReport(
        p=p,
        q=q,
        m=(p + q) / 2,
        base=base,
        h_p=entropy(p, base),
        h_q=entropy(q, base),
        cross_pq=cross_entropy(p, q, base),
        cross_qp=cross_entropy(q, p, base),
        kl_pq=kl_divergence(p, q, base),
        kl_qp=kl_divergence(q, p, base),
        kl_pq_terms=kl_terms(p, q, base),
        kl_qp_terms=kl_terms(q, p, base),
        js=js_divergence(p, q, base),
        js_bound=math.log(2) / math.log(base),
    )


# --------------------------------------------------------------------------------------------- Gaussians


def gaussian_kl(mu_p: float, sigma_p: float, mu_q: float, sigma_q: float, base: float = BITS) -> float:
    """KL(N(μ_p, σ_p²) || N(μ_q, σ_q²)) = log(σ_q/σ_p) + (σ_p² + (μ_p − μ_q)²) / (2σ_q²) − 1/2, in log_b units."""
    if sigma_p <= 0 or sigma_q <= 0:
        raise InputError("a standard deviation σ must be positive.")
    base = check_base(base)
    # closed form in nats, then / ln b
    nats = math.log(sigma_q / sigma_p) + (sigma_p**2 + (mu_p - mu_q) ** 2) / (2 * sigma_q**2) - 0.5
    return max(nats, 0.0) / math.log(base)


def gaussian_log_density(x: np.ndarray, mu: float, sigma: float) -> np.ndarray:
    """log N(x; μ, σ²) = −(x − μ)²/(2σ²) − log(σ √(2π)), natural log."""
    return -((x - mu) ** 2) / (2 * sigma**2) - math.log(sigma * math.sqrt(2 * math.pi))


@dataclass(frozen=True)
class MonteCarloKL:
    """Monte-Carlo estimates of KL(P||Q) = E_P[log P(x) − log Q(x)] from nested sample prefixes."""

    sample_sizes: np.ndarray
    """(M,) n for each estimate."""
    estimates: np.ndarray
    """(M,) (1/n) sum_{i<=n} [log p(x_i) − log q(x_i)], x_i ~ P."""
    standard_errors: np.ndarray
    """(M,) sample std of the log-ratio / sqrt(n)."""
    exact: float
    """The closed form."""


def gaussian_kl_monte_carlo(
    mu_p: float, sigma_p: float, mu_q: float, sigma_q: float, max_samples: int, seed: int, base: float = BITS
) -> MonteCarloKL:
    """KL(P||Q) ≈ (1/n) sum_i log p(x_i)/q(x_i), x_i ~ P, for n on a log grid up to ``max_samples``."""
    if max_samples < 10:
        raise InputError("the Monte-Carlo estimate needs at least 10 samples.")
    exact = gaussian_kl(mu_p, sigma_p, mu_q, sigma_q, base)
    rng = np.random.default_rng(seed)
    x = rng.normal(mu_p, sigma_p, size=max_samples)
    # log p(x_i)/q(x_i) in log_b units
    log_ratio = (gaussian_log_density(x, mu_p, sigma_p) - gaussian_log_density(x, mu_q, sigma_q)) / math.log(base)
    sizes = np.unique(np.geomspace(10, max_samples, num=25).astype(int))
    running_sum = np.cumsum(log_ratio)
    running_sq = np.cumsum(log_ratio**2)
    # estimate_n = (1/n) sum_{i<=n} log p(x_i)/q(x_i)
    estimates = running_sum[sizes - 1] / sizes
    variances = np.maximum(running_sq[sizes - 1] / sizes - estimates**2, 0.0) * sizes / np.maximum(sizes - 1, 1)
    return MonteCarloKL(sizes, estimates, np.sqrt(variances / sizes), exact)

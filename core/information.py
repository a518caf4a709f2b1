"""Information-theory measures of discrete and Gaussian distributions (sheet 2.1–2.5).

Notation follows the course sheet:

* entropy ``H(X) = -sum_i P(x_i) log_b P(x_i)`` (2.2), ``H(X) <= log_b |X|``;
* conditional entropy ``H(Y|X) = sum_x P(X=x) H(Y|X=x)`` with
  ``H(Y|X=x) = -sum_y P(y|x) log P(y|x)`` (2.2 d);
* ``KL(P||Q) = sum_x P(x) log P(x)/Q(x)`` (2.3 a), cross entropy ``H(P, Q) = -sum_x P(x) log Q(x)`` (2.3 c),
  ``KL(P||Q) = H(P, Q) - H(P)`` (2.3 d);
* ``JS(P||Q) = 1/2 KL(P||M) + 1/2 KL(Q||M)`` with ``M = (P+Q)/2``, ``0 <= JS <= log 2`` (2.4);
* ``I(X;Y) = H(X) - H(X|Y) = KL(P(X,Y) || P(X)P(Y))`` (2.5);
* Jensen's inequality ``f(E[x]) <= E[f(x)]`` for convex ``f`` (2.1, corrected; the sheet has it backwards);
* MLE: ``-1/N sum_i log q_theta(x_i) = H(p_hat, q_theta) = KL(p_hat||q_theta) + H(p_hat)`` (2.4 c).

Every measure takes ``base`` (2 for bits, e for nats). Zeros follow the usual conventions: ``0 log 0 = 0``
and ``0 log 0/q = 0``; ``KL(P||Q) = H(P, Q) = inf`` as soon as ``P(x) > 0 = Q(x)`` for some ``x``. No function
returns NaN for valid input.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.optimize

from core.errors import InputError

BITS = 2.0
NATS = math.e
UNITS = {"bits": BITS, "nats": NATS}
# A sum of probabilities this close to 1 is taken as 1 (no "normalized" notice for rounding noise).
SUM_TOLERANCE = 1e-6
# Largest table / support the pages accept from a text field (beyond this nothing is readable anyway).
MAX_CATEGORIES = 40


# --------------------------------------------------------------------------------------------- input


def unit_name(base: float) -> str:
    """``bits`` for base 2, ``nats`` for base e, else ``log_b units``."""
    if math.isclose(base, BITS):
        return "bits"
    if math.isclose(base, NATS):
        return "nats"
    return f"log_{base:g} units"


def _check_base(base: float) -> float:
    if not (np.isfinite(base) and base > 0 and base != 1):
        raise InputError(f"the logarithm base must be positive and not 1 (got {base}).")
    return float(base)


def parse_numbers(text: str, name: str = "the list") -> np.ndarray:
    """Numbers separated by commas, semicolons or spaces, e.g. ``"0.5, 0.25 0.25"``."""
    tokens = [t for t in re.split(r"[,;\s]+", text.strip()) if t]
    if not tokens:
        raise InputError(f"{name} is empty: type numbers separated by commas, e.g. 0.5, 0.3, 0.2.")
    values = []
    for token in tokens:
        try:
            values.append(float(token))
        except ValueError:
            raise InputError(f"{name}: {token!r} is not a number.") from None
    array = np.asarray(values, dtype=float)
    if not np.all(np.isfinite(array)):
        raise InputError(f"{name} contains a value that is not finite (inf or nan).")
    if array.size > MAX_CATEGORIES:
        raise InputError(f"{name} has {array.size} numbers; at most {MAX_CATEGORIES} are supported.")
    return array


def normalize(weights: Sequence[float] | np.ndarray, name: str = "the distribution") -> tuple[np.ndarray, bool]:
    """P(x_i) = w_i / sum_j w_j for non-negative weights; also says whether the weights were not yet summing to 1.

    Raises InputError on a negative, non-finite or all-zero weight vector.
    """
    w = np.asarray(weights, dtype=float)
    if w.size == 0:
        raise InputError(f"{name} is empty.")
    if not np.all(np.isfinite(w)):
        raise InputError(f"{name} contains a value that is not finite (inf or nan).")
    if np.any(w < 0):
        raise InputError(f"{name} has a negative entry ({w.min():g}); probabilities cannot be negative.")
    total = float(w.sum())
    if total <= 0:
        raise InputError(f"{name} is all zeros; at least one outcome needs positive probability.")
    return w / total, abs(total - 1.0) > SUM_TOLERANCE


def parse_distribution(text: str, name: str = "the distribution") -> tuple[np.ndarray, bool]:
    """A probability vector from text (``"0.5, 0.25, 0.25"``), normalized; also whether normalizing changed it."""
    return normalize(parse_numbers(text, name), name)


def parse_joint_table(text: str, name: str = "the joint table") -> tuple[np.ndarray, bool]:
    """A joint table P(X, Y) from text: one row per x, entries per y separated by commas or spaces.

    Returns the (|X|, |Y|) table normalized to sum to 1 and whether normalizing changed it. Raises InputError for
    rows of different lengths, non-numbers, negative entries or a table of all zeros.
    """
    lines = [line for line in re.split(r"[\n|/]+", text.strip()) if line.strip()]
    if not lines:
        raise InputError(f"{name} is empty: type one row per value of X, e.g. '0.25 0.25' on two lines.")
    rows = [parse_numbers(line, f"{name}, row {i + 1}") for i, line in enumerate(lines)]
    widths = {row.size for row in rows}
    if len(widths) != 1:
        sizes = ", ".join(str(row.size) for row in rows)
        raise InputError(f"{name}: every row needs the same number of entries (rows have {sizes}).")
    if len(rows) > MAX_CATEGORIES:
        raise InputError(f"{name} has {len(rows)} rows; at most {MAX_CATEGORIES} are supported.")
    # (|X|, |Y|): row x holds P(x, y) for every y
    table = np.vstack(rows)
    flat, changed = normalize(table.ravel(), name)
    return flat.reshape(table.shape), changed  # back to (|X|, |Y|)


def format_value(value: float, digits: int = 3) -> str:
    """A measure as text: ``∞`` for an infinite divergence, else fixed digits."""
    if math.isinf(value):
        return "∞"
    return f"{value:.{digits}f}"


def latex_log(base: float) -> str:
    r"""The log of a base for st.latex: ``\log_2`` for bits, ``\ln`` for nats, else ``\log_{b}``."""
    if math.isclose(base, BITS):
        return r"\log_2"
    if math.isclose(base, NATS):
        return r"\ln"
    return rf"\log_{{{base:g}}}"


def latex_value(value: float, digits: int = 3) -> str:
    """Like :func:`format_value`, for st.latex."""
    return r"\infty" if math.isinf(value) else f"{value:.{digits}f}"


# --------------------------------------------------------------------------------------------- measures


def _xlogy(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """x log y elementwise with 0 log y = 0 (any y, even 0), natural log."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    out = np.zeros(np.broadcast(x, y).shape)
    positive = np.broadcast_to(x > 0, out.shape)
    x_b, y_b = np.broadcast_to(x, out.shape), np.broadcast_to(y, out.shape)
    with np.errstate(divide="ignore"):
        out[positive] = x_b[positive] * np.log(y_b[positive])
    return out


def surprisal_terms(p: np.ndarray, base: float = BITS) -> np.ndarray:
    """The terms -P(x_i) log_b P(x_i) of the entropy sum (0 where P(x_i) = 0)."""
    base = _check_base(base)
    # -P(x) log_b P(x), with 0 log 0 = 0
    return -_xlogy(p, p) / math.log(base)


def entropy(p: Sequence[float] | np.ndarray, base: float = BITS) -> float:
    """H(X) = -sum_i P(x_i) log_b P(x_i), with 0 log 0 = 0 (sheet 2.2 a). ``p`` must sum to 1."""
    p = np.asarray(p, dtype=float)
    # H(X) = -sum_i P(x_i) log_b P(x_i)
    return float(max(surprisal_terms(p, base).sum(), 0.0))


def binary_entropy(p: float | np.ndarray, base: float = BITS) -> np.ndarray:
    """H(p) = -p log_b p - (1-p) log_b (1-p), the entropy of a coin with P(X=1) = p (sheet 2.2 b.3)."""
    p = np.asarray(p, dtype=float)
    base = _check_base(base)
    # H(p) = -p log p - (1-p) log(1-p), 0 log 0 = 0
    return -(_xlogy(p, p) + _xlogy(1 - p, 1 - p)) / math.log(base)


def max_entropy(n_outcomes: int, base: float = BITS) -> float:
    """log_b |X|: the entropy of the uniform distribution, the upper bound of H(X) (sheet 2.2 b.4)."""
    return math.log(n_outcomes) / math.log(_check_base(base))


def _check_pair(p: np.ndarray, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    if p.shape != q.shape:
        raise InputError(f"P and Q need the same number of outcomes (P has {p.size}, Q has {q.size}).")
    return p, q


def kl_terms(p: np.ndarray, q: np.ndarray, base: float = BITS) -> np.ndarray:
    """The terms P(x) log_b P(x)/Q(x) of KL(P||Q): 0 where P(x) = 0, +inf where P(x) > 0 = Q(x)."""
    p, q = _check_pair(p, q)
    base = _check_base(base)
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
    base = _check_base(base)
    if np.any((p > 0) & (q <= 0)):
        return math.inf
    # H(P, Q) = -sum_x P(x) log Q(x), with 0 log Q = 0
    return float(-_xlogy(p, q).sum() / math.log(base))


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


# --------------------------------------------------------------------------------------------- joint tables


@dataclass(frozen=True)
class JointReport:
    """Every measure of a joint table P(X, Y), in one unit (sheet 2.2 d and 2.5)."""

    joint: np.ndarray
    """(|X|, |Y|) P(x, y), sums to 1."""
    p_x: np.ndarray
    """(|X|,) P(x) = sum_y P(x, y)."""
    p_y: np.ndarray
    """(|Y|,) P(y) = sum_x P(x, y)."""
    base: float
    h_x: float
    h_y: float
    h_xy: float
    """H(X, Y)."""
    h_y_given_x_each: np.ndarray
    """(|X|,) H(Y|X=x); NaN-free: 0 for a row with P(x) = 0 (it gets weight 0 anyway)."""
    h_x_given_y_each: np.ndarray
    """(|Y|,) H(X|Y=y)."""
    h_y_given_x: float
    """H(Y|X) = sum_x P(x) H(Y|X=x)."""
    h_x_given_y: float
    """H(X|Y) = sum_y P(y) H(X|Y=y)."""
    mutual_information: float
    """I(X;Y) = H(X) - H(X|Y)."""
    kl_joint_product: float
    """KL(P(X,Y) || P(X)P(Y)), equal to I(X;Y)."""

    @property
    def y_given_x(self) -> np.ndarray:
        """(|X|, |Y|) P(y|x) = P(x, y) / P(x); a row with P(x) = 0 has no conditional and is NaN (shown as —)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            # P(y|x) = P(x, y) / P(x), row by row
            return np.where(self.p_x[:, None] > 0, self.joint / self.p_x[:, None], np.nan)


def _conditional_rows(joint: np.ndarray, base: float) -> tuple[np.ndarray, np.ndarray]:
    """P(x) and H(Y|X=x) for every row x of a joint table."""
    p_x = joint.sum(axis=1)
    each = np.zeros(joint.shape[0])
    for x, mass in enumerate(p_x):
        if mass > 0:
            # P(y|x) = P(x, y) / P(x); H(Y|X=x) = -sum_y P(y|x) log P(y|x)
            each[x] = entropy(joint[x] / mass, base)
    return p_x, each


def joint_report(joint: np.ndarray, base: float = BITS) -> JointReport:
    """H(X), H(Y), H(X,Y), H(Y|X) = sum_x P(x) H(Y|X=x), H(X|Y), I(X;Y) = H(X) - H(X|Y) and KL(P(X,Y)||P(X)P(Y)).

    ``joint`` is a (|X|, |Y|) table summing to 1 (see :func:`parse_joint_table`).
    """
    joint = np.asarray(joint, dtype=float)
    if joint.ndim != 2:
        raise InputError(f"a joint table needs two dimensions (got shape {joint.shape}).")
    base = _check_base(base)
    p_x, h_y_given_x_each = _conditional_rows(joint, base)
    p_y, h_x_given_y_each = _conditional_rows(joint.T, base)
    # H(Y|X) = sum_x P(X=x) H(Y|X=x)
    h_y_given_x = float(p_x @ h_y_given_x_each)
    h_x_given_y = float(p_y @ h_x_given_y_each)
    h_x = entropy(p_x, base)
    # (|X|, |Y|) product of the marginals P(x)P(y)
    product = np.outer(p_x, p_y)
    return JointReport(
        joint=joint,
        p_x=p_x,
        p_y=p_y,
        base=base,
        h_x=h_x,
        h_y=entropy(p_y, base),
        h_xy=entropy(joint.ravel(), base),
        h_y_given_x_each=h_y_given_x_each,
        h_x_given_y_each=h_x_given_y_each,
        h_y_given_x=h_y_given_x,
        h_x_given_y=h_x_given_y,
        # I(X;Y) = H(X) - H(X|Y); rounding can leave -1e-16, and I >= 0
        mutual_information=max(h_x - h_x_given_y, 0.0),
        # I(X;Y) = KL(P(X,Y) || P(X)P(Y)); the product has mass wherever the joint has, so this is finite
        kl_joint_product=kl_divergence(joint.ravel(), product.ravel(), base),
    )


def binary_channel_joint(p_one: float, flip: float) -> np.ndarray:
    """P(X, Y) of a binary channel: X ~ Bernoulli(p_one), Y = X flipped with probability ε = ``flip``."""
    if not (0 <= p_one <= 1 and 0 <= flip <= 1):
        raise InputError("P(X=1) and the flip probability ε must lie in [0, 1].")
    p_x = np.array([1 - p_one, p_one])
    # P(y|x): keep the bit with 1 − ε, flip it with ε; rows x, columns y
    channel = np.array([[1 - flip, flip], [flip, 1 - flip]])
    # P(x, y) = P(x) P(y|x)
    return p_x[:, None] * channel


def mutual_information(joint: np.ndarray, base: float = BITS) -> float:
    """I(X;Y) = KL(P(X,Y) || P(X)P(Y)) = H(X) - H(X|Y) (sheet 2.5)."""
    return joint_report(joint, base).kl_joint_product


# --------------------------------------------------------------------------------------------- Venn geometry


def lens_area(r1: float, r2: float, d: float) -> float:
    """Area of the intersection of two circles with radii r1, r2 whose centres are d apart."""
    if d >= r1 + r2:
        return 0.0
    if d <= abs(r1 - r2):
        return math.pi * min(r1, r2) ** 2
    # circular-segment formula: r² acos((d² + r² - R²)/(2dr)) for each circle, minus the kite
    a1 = r1**2 * math.acos(max(-1.0, min(1.0, (d**2 + r1**2 - r2**2) / (2 * d * r1))))
    a2 = r2**2 * math.acos(max(-1.0, min(1.0, (d**2 + r2**2 - r1**2) / (2 * d * r2))))
    kite = 0.5 * math.sqrt(max(0.0, (-d + r1 + r2) * (d + r1 - r2) * (d - r1 + r2) * (d + r1 + r2)))
    return a1 + a2 - kite


@dataclass(frozen=True)
class VennLayout:
    """Two circles whose areas are H(X), H(Y) and whose overlap has area I(X;Y)."""

    r_x: float
    r_y: float
    distance: float
    """Distance between the centres, solved so that lens_area(r_x, r_y, distance) = I(X;Y)."""
    overlap_error: float
    """|lens area - I(X;Y)| after the solve (shown by the tests to be ~0)."""


def venn_layout(h_x: float, h_y: float, mutual_info: float) -> VennLayout:
    """Radii r = sqrt(H/π) (area = H) and the centre distance d with lens area = I(X;Y), solved by Brent's method.

    The lens area decreases monotonically in d from π min(r)² (nested) to 0 (touching), so the root is unique.
    """
    if min(h_x, h_y, mutual_info) < 0:
        raise InputError("entropies and mutual information cannot be negative.")
    r_x, r_y = math.sqrt(h_x / math.pi), math.sqrt(h_y / math.pi)
    # I <= min(H(X), H(Y)); clip rounding noise
    target = min(mutual_info, math.pi * min(r_x, r_y) ** 2)
    d_nested, d_apart = abs(r_x - r_y), r_x + r_y
    if target <= 1e-12 or min(r_x, r_y) == 0:
        distance = d_apart
    elif target >= math.pi * min(r_x, r_y) ** 2 * (1 - 1e-12):
        distance = d_nested
    else:
        distance = scipy.optimize.brentq(lambda d: lens_area(r_x, r_y, d) - target, d_nested, d_apart, xtol=1e-12)
    return VennLayout(r_x, r_y, distance, abs(lens_area(r_x, r_y, distance) - target))


# --------------------------------------------------------------------------------------------- Gaussians


def gaussian_kl(mu_p: float, sigma_p: float, mu_q: float, sigma_q: float, base: float = BITS) -> float:
    """KL(N(μ_p, σ_p²) || N(μ_q, σ_q²)) = log(σ_q/σ_p) + (σ_p² + (μ_p − μ_q)²) / (2σ_q²) − 1/2, in log_b units."""
    if sigma_p <= 0 or sigma_q <= 0:
        raise InputError("a standard deviation σ must be positive.")
    base = _check_base(base)
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


# --------------------------------------------------------------------------------------------- Jensen


@dataclass(frozen=True)
class JensenFunction:
    """A function for the Jensen page: its formula and curvature."""

    label: str
    convex: bool
    domain_min: float
    """Smallest allowed x."""
    open_at_min: bool
    """True when x must be strictly greater than ``domain_min`` (log)."""


JENSEN_FUNCTIONS = {
    "x²": JensenFunction("x²", True, -math.inf, False),
    "eˣ": JensenFunction("eˣ", True, -math.inf, False),
    "−log x": JensenFunction("−log x", True, 0.0, True),
    "log x": JensenFunction("log x", False, 0.0, True),
    "√x": JensenFunction("√x", False, 0.0, False),
}


def jensen_f(name: str, x: np.ndarray) -> np.ndarray:
    """Evaluate one of :data:`JENSEN_FUNCTIONS` (natural log)."""
    x = np.asarray(x, dtype=float)
    if name == "x²":
        return x**2
    if name == "eˣ":
        return np.exp(x)
    if name == "−log x":
        return -np.log(x)
    if name == "log x":
        return np.log(x)
    if name == "√x":
        return np.sqrt(x)
    raise InputError(f"unknown function {name!r}.")


@dataclass(frozen=True)
class JensenReport:
    """Both sides of Jensen's inequality for points x_i with weights p_i."""

    name: str
    convex: bool
    x: np.ndarray
    """(n,) points x_i."""
    p: np.ndarray
    """(n,) weights p_i, sum to 1."""
    mean_x: float
    """E[x] = sum_i p_i x_i."""
    f_of_mean: float
    """f(E[x])."""
    mean_of_f: float
    """E[f(x)] = sum_i p_i f(x_i)."""

    @property
    def gap(self) -> float:
        """E[f(x)] − f(E[x]): >= 0 for convex f, <= 0 for concave f."""
        return self.mean_of_f - self.f_of_mean


def jensen(name: str, x: Sequence[float] | np.ndarray, p: Sequence[float] | np.ndarray) -> JensenReport:
    """f(sum_i p_i x_i) versus sum_i p_i f(x_i); convex f: f(E[x]) <= E[f(x)], concave f: the reverse (sheet 2.1)."""
    if name not in JENSEN_FUNCTIONS:
        raise InputError(f"unknown function {name!r}.")
    spec = JENSEN_FUNCTIONS[name]
    x = np.asarray(x, dtype=float)
    p = np.asarray(p, dtype=float)
    if x.shape != p.shape:
        raise InputError(f"one weight per point is needed ({x.size} points, {p.size} weights).")
    if spec.open_at_min and np.any(x <= spec.domain_min):
        raise InputError(f"{name} is only defined for x > 0; every point x_i must be positive (got {x.min():g}).")
    if np.any(x < spec.domain_min):
        raise InputError(f"{name} is only defined for x ≥ 0; every point x_i must be ≥ 0 (got {x.min():g}).")
    if name == "eˣ" and np.any(np.abs(x) > 50):
        raise InputError("for eˣ keep the points within [−50, 50] so the values stay readable.")
    # E[x] = sum_i p_i x_i
    mean_x = float(p @ x)
    # E[f(x)] = sum_i p_i f(x_i)
    mean_of_f = float(p @ jensen_f(name, x))
    return JensenReport(name, spec.convex, x, p, mean_x, float(jensen_f(name, np.array(mean_x))), mean_of_f)


# --------------------------------------------------------------------------------------------- MLE = min KL


@dataclass(frozen=True)
class MLEConfig:
    """Fitting a categorical model q_θ = softmax(θ) to samples of a true distribution p by gradient descent."""

    sample_size: int = 50
    """N, the number of samples x_i ~ p in the dataset D."""
    steps: int = 150
    """Gradient-descent steps on the average NLL."""
    learning_rate: float = 0.2
    """Step size α in θ ← θ − α ∇_θ NLL(θ)."""
    seed: int = 0
    """Seed of the dataset draw and of the initial θ."""


@dataclass(frozen=True)
class MLETrace:
    """The fit, step by step: the three quantities the sheet proves equal, and the gap to the truth."""

    p_true: np.ndarray
    """(K,) p."""
    p_hat: np.ndarray
    """(K,) empirical distribution p̂(x) = count(x)/N."""
    samples: np.ndarray
    """(N,) the dataset D."""
    q_history: np.ndarray
    """(steps + 1, K) q_θ after each step (row 0 = initial)."""
    nll: np.ndarray
    """(steps + 1,) −(1/N) sum_i log_b q_θ(x_i), computed sample by sample."""
    cross_entropy: np.ndarray
    """(steps + 1,) H(p̂, q_θ)."""
    kl_plus_entropy: np.ndarray
    """(steps + 1,) KL(p̂||q_θ) + H(p̂)."""
    kl_to_truth: np.ndarray
    """(steps + 1,) KL(p||q_θ): MLE approaches p̂, not p."""
    h_p_hat: float
    """H(p̂), the floor of the NLL."""


def softmax(theta: np.ndarray) -> np.ndarray:
    """q_θ(k) = e^{θ_k} / sum_j e^{θ_j} (max subtracted for stability)."""
    z = np.exp(theta - theta.max(axis=-1, keepdims=True))
    return z / z.sum(axis=-1, keepdims=True)


def nll_gradient(theta: np.ndarray, p_hat: np.ndarray) -> np.ndarray:
    """∇_θ of −(1/N) sum_i log softmax(θ)_{x_i} = softmax(θ) − p̂ (the empirical distribution)."""
    # d/dθ_k [−sum_j p̂_j log q_j] = q_k − p̂_k
    return softmax(theta) - p_hat


def fit_categorical_mle(p_true: np.ndarray, config: MLEConfig, base: float = BITS) -> MLETrace:
    """Maximum likelihood by gradient descent on the average NLL of q_θ = softmax(θ) (sheet 2.4 c).

    ``−(1/N) sum_i log q_θ(x_i) = H(p̂, q_θ) = KL(p̂||q_θ) + H(p̂)``: the three are recorded separately at
    every step (the NLL from the samples themselves) so that the page can show them coincide.
    """
    p_true, _ = normalize(p_true, "the true distribution")
    if config.sample_size < 1:
        raise InputError("the dataset needs at least one sample.")
    if config.steps < 1 or config.learning_rate <= 0:
        raise InputError("gradient descent needs at least one step and a positive learning rate.")
    base = _check_base(base)
    rng = np.random.default_rng(config.seed)
    k = p_true.size
    samples = rng.choice(k, size=config.sample_size, p=p_true)
    # p̂(x) = count(x) / N
    p_hat = np.bincount(samples, minlength=k) / config.sample_size
    theta = rng.normal(0.0, 1.0, size=k)
    h_p_hat = entropy(p_hat, base)
    history = np.empty((config.steps + 1, k))
    for step in range(config.steps + 1):
        history[step] = softmax(theta)
        # θ ← θ − α ∇_θ NLL(θ)
        theta = theta - config.learning_rate * nll_gradient(theta, p_hat)
    log_q = np.log(history) / math.log(base)  # (steps + 1, K); softmax > 0 so finite
    # NLL = −(1/N) sum_i log q_θ(x_i), straight from the samples: (steps + 1, N) gathered then averaged
    nll = -log_q[:, samples].mean(axis=1)
    # H(p̂, q_θ) = −sum_x p̂(x) log q_θ(x)
    cross = -(log_q @ p_hat)
    kl_hat = np.array([kl_divergence(p_hat, q, base) for q in history])
    kl_true = np.array([kl_divergence(p_true, q, base) for q in history])
    # KL(p̂||q_θ) + H(p̂)
    return MLETrace(p_true, p_hat, samples, history, nll, cross, kl_hat + h_p_hat, kl_true, h_p_hat)


@dataclass(frozen=True)
class ClassifierTrace:
    """Softmax regression trained by gradient descent: cross-entropy and NLL per step (sheet 2.4 c, supervised)."""

    features: np.ndarray
    """(N, 2) inputs x_i."""
    labels: np.ndarray
    """(N,) classes y_i."""
    weights: np.ndarray
    """(3, C) final [w_1; w_2; b]."""
    nll: np.ndarray
    """(steps + 1,) −(1/N) sum_i log_b q_θ(y_i|x_i)."""
    cross_entropy: np.ndarray
    """(steps + 1,) (1/N) sum_i H(onehot(y_i), q_θ(·|x_i))."""
    accuracy: np.ndarray
    """(steps + 1,) fraction of argmax_k q_θ(k|x_i) = y_i."""


def make_blobs(n_per_class: int, n_classes: int, spread: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian blobs around points on a circle of radius 2: x ~ N(c_k, spread² I) for class k."""
    rng = np.random.default_rng(seed)
    angles = 2 * math.pi * np.arange(n_classes) / n_classes
    centres = 2.0 * np.stack([np.cos(angles), np.sin(angles)], axis=1)  # (C, 2)
    labels = np.repeat(np.arange(n_classes), n_per_class)
    features = centres[labels] + spread * rng.normal(size=(labels.size, 2))
    return features, labels


def classifier_design(features: np.ndarray) -> np.ndarray:
    """[x_1, x_2, 1] per row: (N, 3), the bias as a constant feature."""
    return np.hstack([features, np.ones((features.shape[0], 1))])


def fit_softmax_classifier(
    n_per_class: int, n_classes: int, spread: float, steps: int, learning_rate: float, seed: int, base: float = BITS
) -> ClassifierTrace:
    """Softmax regression q_θ(y|x) = softmax(θᵀ[x; 1]) by gradient descent on the cross-entropy.

    Records at every step the NLL −(1/N) sum_i log q_θ(y_i|x_i) and the mean cross-entropy between the one-hot
    label distribution and the prediction, (1/N) sum_i H(onehot(y_i), q_θ(·|x_i)); the sheet says they are equal.
    """
    if n_classes < 2 or n_per_class < 1 or steps < 1 or learning_rate <= 0 or spread <= 0:
        raise InputError("the classifier needs ≥ 2 classes, ≥ 1 point per class, ≥ 1 step, α > 0 and spread > 0.")
    base = _check_base(base)
    features, labels = make_blobs(n_per_class, n_classes, spread, seed)
    design = classifier_design(features)  # (N, 3)
    onehot = np.eye(n_classes)[labels]  # (N, C)
    theta = np.zeros((3, n_classes))
    nll, cross, accuracy = [], [], []
    for step in range(steps + 1):
        q = softmax(design @ theta)  # (N, C) q_θ(k|x_i)
        log_q = np.log(np.clip(q, 1e-300, None)) / math.log(base)
        # NLL = −(1/N) sum_i log q_θ(y_i|x_i)
        nll.append(-log_q[np.arange(labels.size), labels].mean())
        # (1/N) sum_i H(onehot(y_i), q_θ(·|x_i)) = −(1/N) sum_i sum_k y_ik log q_ik
        cross.append(-(onehot * log_q).sum(axis=1).mean())
        accuracy.append(float((q.argmax(axis=1) == labels).mean()))
        if step < steps:
            # ∇_θ = (1/N) Xᵀ (q − y) (the sheet's softmax-regression update, averaged)
            theta = theta - learning_rate * design.T @ (q - onehot) / labels.size
    return ClassifierTrace(features, labels, theta, np.array(nll), np.array(cross), np.array(accuracy))


# --------------------------------------------------------------------------------------------- presets


def entropy_preset(name: str, n: int) -> list[float]:
    """Weights of the entropy page's presets for n outcomes: certain, uniform, skewed (geometric halves)."""
    if name == "certain":
        return [1.0] + [0.0] * (n - 1)
    if name == "uniform":
        return [1.0 / n] * n
    if name == "skewed":
        weights = np.array([0.5**i for i in range(n)])
        return [round(float(w), 2) for w in weights / weights.sum()]
    raise InputError(f"unknown preset {name!r}.")


def table_to_text(table: Sequence[Sequence[float]]) -> str:
    """Rows of a joint table as the text-area format: one line per x, entries separated by spaces."""
    return "\n".join("  ".join(f"{v:g}" for v in row) for row in table)

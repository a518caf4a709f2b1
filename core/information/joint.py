"""Joint tables P(X, Y): conditional entropy, chain rule, mutual information and its Venn layout (sheet 2.2 d, 2.5).

* ``H(Y|X) = sum_x P(X=x) H(Y|X=x)`` with ``H(Y|X=x) = -sum_y P(y|x) log P(y|x)`` (2.2 d);
* ``I(X;Y) = H(X) - H(X|Y) = KL(P(X,Y) || P(X)P(Y))`` (2.5).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.optimize

from core.errors import InputError
from core.information.divergences import kl_divergence
from core.information.entropy import BITS, check_base, entropy

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
    def h_y_given_x_terms(self) -> np.ndarray:
        """(|X|,) the terms P(x) H(Y|X=x) of H(Y|X) = sum_x P(x) H(Y|X=x)."""
        # P(x) H(Y|X=x), one term per row x
        return self.p_x * self.h_y_given_x_each

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
    base = check_base(base)
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

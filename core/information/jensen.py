"""Jensen's inequality ``f(E[x]) <= E[f(x)]`` for convex ``f`` (sheet 2.1, corrected; the sheet has it backwards)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core.errors import InputError

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

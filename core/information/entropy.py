"""Entropy of a discrete distribution and the logarithm units (sheet 2.2).

* ``H(X) = -sum_i P(x_i) log_b P(x_i)`` with ``0 log 0 = 0`` (2.2 a), ``0 <= H(X) <= log_b |X|`` (2.2 b.4);
* binary entropy ``H(p) = -p log_b p - (1-p) log_b (1-p)`` (2.2 b.3).

Every measure of this package takes ``base`` (2 for bits, e for nats) and returns plain numbers; how a number is
shown (units, LaTeX, ∞) lives in ``viz/information/text.py``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from core.errors import InputError

BITS = 2.0
NATS = math.e
UNITS = {"bits": BITS, "nats": NATS}


def check_base(base: float) -> float:
    """The logarithm base b as a float; InputError unless b > 0 and b ≠ 1."""
    if not (np.isfinite(base) and base > 0 and base != 1):
        raise InputError(f"the logarithm base must be positive and not 1 (got {base}).")
    return float(base)


def xlogy(x: np.ndarray, y: np.ndarray) -> np.ndarray:
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
    base = check_base(base)
    # -P(x) log_b P(x), with 0 log 0 = 0
    return -xlogy(p, p) / math.log(base)


def entropy(p: Sequence[float] | np.ndarray, base: float = BITS) -> float:
    """H(X) = -sum_i P(x_i) log_b P(x_i), with 0 log 0 = 0 (sheet 2.2 a). ``p`` must sum to 1."""
    p = np.asarray(p, dtype=float)
    # H(X) = -sum_i P(x_i) log_b P(x_i)
    return float(max(surprisal_terms(p, base).sum(), 0.0))


def binary_entropy(p: float | np.ndarray, base: float = BITS) -> np.ndarray:
    """H(p) = -p log_b p - (1-p) log_b (1-p), the entropy of a coin with P(X=1) = p (sheet 2.2 b.3)."""
    p = np.asarray(p, dtype=float)
    base = check_base(base)
    # H(p) = -p log p - (1-p) log(1-p), 0 log 0 = 0
    return -(xlogy(p, p) + xlogy(1 - p, 1 - p)) / math.log(base)


def max_entropy(n_outcomes: int, base: float = BITS) -> float:
    """log_b |X|: the entropy of the uniform distribution, the upper bound of H(X) (sheet 2.2 b.4)."""
    return math.log(n_outcomes) / math.log(check_base(base))


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


def character_counts(text: str) -> tuple[tuple[str, ...], np.ndarray]:
    """The distinct characters of a text and n_c, how often each occurs; most frequent first (ties in code-point
    order). Every character counts, spaces and line breaks included. InputError for an empty text."""
    if not text:
        raise InputError("The text is empty: type or paste a few words.")
    # counted as code points: a NumPy string array would drop trailing NUL characters
    points, counts = np.unique(np.fromiter(map(ord, text), dtype=np.int64, count=len(text)), return_counts=True)
    order = np.lexsort((points, -counts))  # by count descending, then by code point
    return tuple(chr(c) for c in points[order]), counts[order]


def character_entropy(text: str, base: float = BITS) -> float:
    """H = −Σ_c (n_c/n) log_b (n_c/n): the entropy of the text's character frequencies, P(c) = n_c / n."""
    _, counts = character_counts(text)
    # P(c) = n_c / n
    return entropy(counts / counts.sum(), base)

"""Presentation of information-theory numbers: unit names, fixed-digit text, ∞, and the LaTeX pieces the pages use.

Core returns numbers only; every string shown for a number comes from here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from core.information.entropy import BITS, NATS
from core.information.parsing import JointData

# LaTeX of each Jensen-page function (core.information.jensen.JENSEN_FUNCTIONS names), for st.latex
JENSEN_LATEX = {"x²": "x^2", "eˣ": "e^x", "−log x": r"-\log x", "log x": r"\log x", "√x": r"\sqrt{x}"}


def unit_name(base: float) -> str:
    """``bits`` for base 2, ``nats`` for base e, else ``log_b units``."""
    if math.isclose(base, BITS):
        return "bits"
    if math.isclose(base, NATS):
        return "nats"
    return f"log_{base:g} units"


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


def outcome_labels(n: int, symbol: str = "x", names: Sequence[str] | None = None) -> list[str]:
    """Outcome names for axes and tables: the data's own ``names`` when it has them, else x1, x2, … (y1, …)."""
    if names is not None:
        return [str(name) for name in names]
    return [f"{symbol}{i + 1}" for i in range(n)]


def variable_title(symbol: str, name: str | None) -> str:
    """An axis title for a random variable: ``X``, or ``X: weather`` when the data names it."""
    return f"{symbol}: {name}" if name else symbol


def describe_joint(data: JointData) -> str:
    """Which shape a joint table was read from: "a 2×3 table of probabilities" or "120 observations of (x, y)
    counted into a 2×2 table"."""
    nx, ny = data.table.shape
    if data.observations is not None:
        pair = f"({data.x_title or 'x'}, {data.y_title or 'y'})"
        return f"{data.observations:,} observations of {pair} counted into a {nx}×{ny} table"
    numbers = "counts or weights, divided by their sum" if data.changed else "probabilities"
    return f"a {nx}×{ny} table of {numbers}"

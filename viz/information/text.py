"""Presentation of information-theory numbers: unit names, fixed-digit text, ∞, and the LaTeX pieces the pages use.

Core returns numbers only; every string shown for a number comes from here.
"""

from __future__ import annotations

import math

from core.information.entropy import BITS, NATS

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


def outcome_labels(n: int, symbol: str = "x") -> list[str]:
    """Outcome names x1, x2, … (or y1, y2, …) for axes and tables."""
    return [f"{symbol}{i + 1}" for i in range(n)]

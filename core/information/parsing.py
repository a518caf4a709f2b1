"""Distributions and joint tables typed as text: parsing, validation and normalization (sheet 2.2–2.5 inputs).

``P(x_i) = w_i / sum_j w_j`` for non-negative weights; bad input raises ``InputError`` naming the problem.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from core.errors import InputError
from core.user_data import split_table

# A sum of probabilities this close to 1 is taken as 1 (no "normalized" notice for rounding noise).
SUM_TOLERANCE = 1e-6
# Largest table / support the pages accept from a text field (beyond this nothing is readable anyway).
MAX_CATEGORIES = 40


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


# --------------------------------------------------------------------------------------------- CSV tables
def _numeric(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def joint_csv_values(text: str, name: str = "The joint table") -> tuple[tuple[str, ...] | None, np.ndarray]:
    """A joint table as a CSV (core.user_data.split_table: commas, semicolons, tabs or spaces; ``#`` comments):
    an optional header line of names, an optional first column of row names (a column whose every cell is not
    a number), then one row per x of non-negative numbers (probabilities or counts). Returns the header (None
    without one) and the raw (|X|, |Y|) values, not yet normalized. InputError names the line: a row of another
    width, a non-number, NaN or infinity, a negative entry, more than MAX_CATEGORIES rows or columns."""
    table = split_table(text, source=name, max_rows=MAX_CATEGORIES)
    rows = table.rows
    header = table.header
    if all(not _numeric(row[0]) for row in rows):
        rows = tuple(row[1:] for row in rows)  # x names: not probabilities
        header = header[1:] if header else None
    if not rows[0]:
        raise InputError(f"{name} holds names only: add a column of numbers, one per value of Y.")
    values = np.empty((len(rows), len(rows[0])))  # (|X|, |Y|)
    for i, (row, line) in enumerate(zip(rows, table.lines)):
        for j, cell in enumerate(row):
            if not _numeric(cell):
                raise InputError(f"{name}, line {line}: {cell!r} is not a number.")
            values[i, j] = float(cell)
            if not np.isfinite(values[i, j]):
                raise InputError(f"{name}, line {line}: {cell!r} is not a finite number (NaN or infinity).")
            if values[i, j] < 0:
                raise InputError(f"{name}, line {line}: {cell} is negative; probabilities and counts cannot be.")
    return header, values


def parse_joint_csv(text: str, name: str = "The joint table") -> tuple[np.ndarray, bool]:
    """:func:`joint_csv_values`, normalized: P(x, y) = v_xy / Σ v; also whether normalizing changed it."""
    _, values = joint_csv_values(text, name)
    flat, changed = normalize(values.ravel(), name)
    return flat.reshape(values.shape), changed  # back to (|X|, |Y|)


def parse_joint_text(text: str, name: str = "the joint table") -> tuple[np.ndarray, bool]:
    """The joint-table text box: a CSV with a header line or row names goes through :func:`parse_joint_csv`,
    plain rows of numbers (rows also separated by ``|`` or ``/``) through :func:`parse_joint_table`."""
    try:
        table = split_table(text, source=name, max_rows=MAX_CATEGORIES)
    except InputError:
        return parse_joint_table(text, name)  # its own messages for the plain format
    if table.header is not None or all(not _numeric(row[0]) for row in table.rows):
        return parse_joint_csv(text, name[:1].upper() + name[1:])
    return parse_joint_table(text, name)

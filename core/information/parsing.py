"""Distributions and joint tables typed as text: parsing, validation and normalization (sheet 2.2–2.5 inputs).

``P(x_i) = w_i / sum_j w_j`` for non-negative weights; bad input raises ``InputError`` naming the problem.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core.errors import InputError
from core.user_data import MAX_ROWS, Table, is_number, split_table

# A sum of probabilities this close to 1 is taken as 1 (no "normalized" notice for rounding noise).
SUM_TOLERANCE = 1e-6
# Largest table / support the pages accept from a text field (beyond this nothing is readable anyway).
MAX_CATEGORIES = 40
# Longest name of a value (an axis label or table row of a figure; longer ones would crowd the axes out).
MAX_NAME_CHARS = 40


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
@dataclass(frozen=True)
class JointData:
    """A joint table P(X, Y) read from text, with the names it came with (None where the text gave none)."""

    table: np.ndarray
    """(|X|, |Y|) P(x, y), sums to 1."""
    changed: bool
    """The numbers did not sum to 1 and were divided by their sum (always False for counted observations)."""
    x_names: tuple[str, ...] | None
    """The values x, from a first column of row names or from the observations (sorted)."""
    y_names: tuple[str, ...] | None
    """The values y, from the header line or from the observations (sorted)."""
    x_title: str | None
    """The name of X: the header's first cell over a column of row names, or the first column's header."""
    y_title: str | None
    """The name of Y: the second column's header of observations."""
    observations: int | None
    """The number n of (x, y) pairs counted into the table; None for a table of numbers."""


def _unique(names: Sequence[str], what: str, name: str, lines: Sequence[int] | None = None) -> None:
    """InputError when a name repeats (a heatmap cannot show two rows or two columns of the same name)."""
    seen: set[str] = set()
    for position, cell in enumerate(names):
        if cell in seen:
            where = f", line {lines[position]}" if lines is not None else ""
            raise InputError(f"{name}{where}: the {what} {cell!r} appears twice; each needs its own name.")
        seen.add(cell)


def _table_values(
    table: Table, name: str
) -> tuple[tuple[str, ...] | None, tuple[str, ...] | None, str | None, np.ndarray]:
    """A CSV table of non-negative numbers with an optional header and first column of row names: the x names,
    the y names, the name of X (each None when absent) and the raw (|X|, |Y|) values."""
    rows = table.rows
    header = table.header
    x_names = x_title = None
    if len(rows) > MAX_CATEGORIES:
        raise InputError(
            f"{name} has more than {MAX_CATEGORIES} rows (line {table.lines[MAX_CATEGORIES]} is row "
            f"{MAX_CATEGORIES + 1})."
        )
    if all(not is_number(row[0]) for row in rows):
        x_names = tuple(row[0] for row in rows)
        _unique(x_names, "row name", name, table.lines)
        rows = tuple(row[1:] for row in rows)  # x names: not probabilities
        if header:
            x_title, header = header[0], header[1:]
    if not rows[0]:
        raise InputError(f"{name} holds names only: add a column of numbers, one per value of Y.")
    if header:
        _unique(header, "column name", name)
    values = np.empty((len(rows), len(rows[0])))  # (|X|, |Y|)
    for i, (row, line) in enumerate(zip(rows, table.lines)):
        for j, cell in enumerate(row):
            if not is_number(cell):
                raise InputError(f"{name}, line {line}: {cell!r} is not a number.")
            values[i, j] = float(cell)
            if not np.isfinite(values[i, j]):
                raise InputError(f"{name}, line {line}: {cell!r} is not a finite number (NaN or infinity).")
            if values[i, j] < 0:
                raise InputError(f"{name}, line {line}: {cell} is negative; probabilities and counts cannot be.")
    return x_names, header or None, x_title, values


def _table_data(table: Table, name: str) -> JointData:
    """:func:`_table_values` normalized: P(x, y) = v_xy / Σ v."""
    x_names, y_names, x_title, values = _table_values(table, name)
    flat, changed = normalize(values.ravel(), name)
    return JointData(flat.reshape(values.shape), changed, x_names, y_names, x_title, None, None)


def count_pairs(pairs: Sequence[tuple[str, str]], name: str = "The observations") -> JointData:
    """The empirical joint distribution of observed pairs: P̂(x, y) = n_xy / n, n_xy the pairs equal to (x, y).

    The values of X and of Y are the distinct values seen, sorted; InputError when there is no pair, or when X or
    Y takes more than MAX_CATEGORIES values."""
    if not pairs:
        raise InputError(f"{name}: there is no (x, y) pair to count.")
    if len(pairs) > MAX_ROWS:
        raise InputError(f"{name} has more than {MAX_ROWS:,} rows ({len(pairs):,} observations).")
    x_names = tuple(sorted({x for x, _ in pairs}))
    y_names = tuple(sorted({y for _, y in pairs}))
    for symbol, values in (("X", x_names), ("Y", y_names)):
        if len(values) > MAX_CATEGORIES:
            raise InputError(
                f"{name}: {symbol} takes {len(values)} different values; at most {MAX_CATEGORIES} are supported."
            )
    row, column = {x: i for i, x in enumerate(x_names)}, {y: j for j, y in enumerate(y_names)}
    counts = np.zeros((len(x_names), len(y_names)))  # (|X|, |Y|) n_xy
    for (x, y), n_xy in Counter(pairs).items():
        counts[row[x], column[y]] = n_xy
    # P̂(x, y) = n_xy / n
    return JointData(counts / len(pairs), False, x_names, y_names, None, None, len(pairs))


def _check_names(cells: Sequence[str], where: str) -> None:
    """InputError when a name (a cell that is not a number) is longer than MAX_NAME_CHARS."""
    for cell in cells:
        if len(cell) > MAX_NAME_CHARS and not is_number(cell):
            raise InputError(
                f"{where}: the name {cell[:24] + '…'!r} has {len(cell)} characters; at most {MAX_NAME_CHARS}."
            )


def _is_observations(table: Table) -> bool:
    """Two columns of values, not of numbers: a second column of names only, or a first column of names that
    repeat (a table has one row per x, so a repeated x can only be an observation)."""
    if len(table.rows[0]) != 2:
        return False
    if all(not is_number(row[1]) for row in table.rows):
        return True
    first = [row[0] for row in table.rows]
    return all(not is_number(cell) for cell in first) and len(set(first)) < len(first)


def read_joint_csv(text: str, name: str = "The joint table") -> JointData:
    """A joint table from a CSV (core.user_data.split_table: commas, semicolons, tabs or spaces; ``#`` comments),
    in one of two shapes:

    - a table: an optional header line of y names, an optional first column of x names (a column whose every
      cell is not a number; the header's first cell then names X), one row per x of non-negative numbers
      (probabilities or counts), divided by their sum: P(x, y) = v_xy / Σ v;
    - observations: two columns, one (x, y) pair per line (``rain,yes``), counted: P̂(x, y) = n_xy / n (see
      :func:`count_pairs`); a first line of two names names X and Y, unless a name of it is seen again in its
      column below (then it is the first observation).

    InputError names the line or the problem: a row of another width, a non-number, NaN or infinity, a negative
    entry, a repeated name, more than MAX_CATEGORIES rows, columns or values, more than MAX_ROWS observations."""
    table = split_table(text, source=name, max_rows=MAX_ROWS)
    _check_names(table.header or (), f"{name}, the header line")
    for row, line in zip(table.rows, table.lines):
        _check_names(row, f"{name}, line {line}")
    if _is_observations(table):
        pairs = [(row[0], row[1]) for row in table.rows]
        header = table.header
        if header and (header[0] in {x for x, _ in pairs} or header[1] in {y for _, y in pairs}):
            # "rain,yes" on the first line names no variable: a value seen again below is a first observation
            pairs.insert(0, (header[0], header[1]))
            header = None
        data = count_pairs(pairs, name)
        if header:
            x_title, y_title = header
            return JointData(data.table, False, data.x_names, data.y_names, x_title, y_title, data.observations)
        return data
    return _table_data(table, name)


def joint_csv_values(text: str, name: str = "The joint table") -> tuple[tuple[str, ...] | None, np.ndarray]:
    """The y names (None without any) and the raw (|X|, |Y|) values of :func:`read_joint_csv`, not yet
    normalized: the numbers of a table, the counts n_xy of observations."""
    table = split_table(text, source=name, max_rows=MAX_ROWS)
    if _is_observations(table):
        data = read_joint_csv(text, name)
        return data.y_names, data.table * data.observations  # n_xy = P̂(x, y) · n
    _, y_names, _, values = _table_values(table, name)
    return y_names, values


def parse_joint_csv(text: str, name: str = "The joint table") -> tuple[np.ndarray, bool]:
    """:func:`read_joint_csv`'s table and whether normalizing changed it."""
    data = read_joint_csv(text, name)
    return data.table, data.changed


def read_joint_text(text: str, name: str = "the joint table") -> JointData:
    """The joint-table text box: a CSV with a header line, row names or observations goes through
    :func:`read_joint_csv`; plain rows of numbers (rows also separated by ``|`` or ``/``) through
    :func:`parse_joint_table`, with no names."""
    try:
        table = split_table(text, source=name, max_rows=MAX_ROWS)
    except InputError:
        uncommented = "\n".join(line.split("#", 1)[0] for line in text.splitlines())
        names = [t for t in re.split(r"[,;\s|/]+", uncommented) if t and not is_number(t)]
        if names:
            raise  # a CSV with names: its line is named by split_table
        table = None  # plain rows of numbers: parse_joint_table gives its own messages
    if table is not None and (
        table.header is not None or all(not is_number(row[0]) for row in table.rows) or _is_observations(table)
    ):
        return read_joint_csv(text, name[:1].upper() + name[1:])
    joint, changed = parse_joint_table(text, name)
    return JointData(joint, changed, None, None, None, None, None)


def parse_joint_text(text: str, name: str = "the joint table") -> tuple[np.ndarray, bool]:
    """:func:`read_joint_text`'s table and whether normalizing changed it."""
    data = read_joint_text(text, name)
    return data.table, data.changed


# ------------------------------------------------------------------------------ one variable's observations
def count_values(values: Sequence[str], name: str = "The observations") -> tuple[tuple[str, ...], np.ndarray]:
    """The empirical distribution of observed values: P̂(x) = n_x / n over the distinct values x, sorted."""
    if not values:
        raise InputError(f"{name}: there is no value to count.")
    counts = Counter(values)
    names = tuple(sorted(counts))
    if len(names) > MAX_CATEGORIES:
        raise InputError(f"{name}: {len(names)} different values; at most {MAX_CATEGORIES} are supported.")
    # P̂(x) = n_x / n
    return names, np.array([counts[x] for x in names], dtype=float) / len(values)


def parse_outcomes(text: str, name: str = "the list") -> tuple[np.ndarray, bool, tuple[str, ...] | None, int | None]:
    """A distribution typed as numbers (:func:`parse_distribution`) or as observed values: names separated by
    commas, semicolons or spaces (``rain sun rain``), counted by :func:`count_values`.

    Returns P, whether normalizing changed the numbers, the outcome names and the number of observations (both
    None for numbers). A mix of numbers and names raises InputError naming the first name."""
    tokens = [t for t in re.split(r"[,;\s]+", text.strip()) if t]
    if tokens and not any(is_number(t) for t in tokens):
        _check_names(tokens, name[:1].upper() + name[1:])
        names, p = count_values(tokens, name[:1].upper() + name[1:])
        return p, False, names, len(tokens)
    try:
        p, changed = parse_distribution(text, name)
    except InputError as error:
        if any(not is_number(t) for t in tokens):
            raise InputError(f"{error} Type only numbers (weights) or only names (observations to count).") from None
        raise
    return p, changed, None, None

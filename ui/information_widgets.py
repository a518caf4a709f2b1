"""Controls shared by the information-theory pages: unit switch, preset loading, distribution and joint-table editors.

Everything goes through the page-contract helpers (``ui.*``), so every control is URL-bound.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
import streamlit as st

from core.information.entropy import UNITS
from core.information.parsing import (
    JointData,
    normalize,
    parse_numbers,
    parse_outcomes,
    read_joint_csv,
    read_joint_text,
)
from ui import contract as ui
from ui import text_upload
from viz.information.text import describe_joint


class Typed(NamedTuple):
    """What a typed field gives the page: the value to draw and whether it is the current text's."""

    value: Any
    stale: bool
    """The current text cannot be used (its message is under the field): ``value`` is the last valid one."""
    default: bool
    """Not one valid text in this session (a link with bad text): ``value`` comes from the field's default."""

    def mark(self, what: str, where: str, default_shown: str) -> None:
        """The "showing the last valid …" caption over figures drawn from a stale value (nothing when fresh)."""
        if self.stale:
            ui.showing_last_valid(what, where, shown=default_shown if self.default else None)


def unit_switch(container=None) -> float:
    """bits / nats radio; returns the logarithm base (2 or e)."""
    unit = ui.select(
        "Unit",
        "unit",
        list(UNITS),
        "bits",
        horizontal_radio=True,
        container=container,
        help="bits: log base 2; nats: natural log. 1 nat = 1/ln 2 ≈ 1.443 bits.",
    )
    return UNITS[unit]


def load_preset_on_change(select_key: str, choice: str, values: Mapping[str, object]) -> None:
    """When the preset chosen under ``select_key`` changed since the last run, write ``values`` into the widgets.

    Call it after the preset control and before the widgets named in ``values``. On a page's first run nothing is
    written, so values from a shared URL win over the preset.
    """
    memory = f"_preset_last_{select_key}"
    last = st.session_state.get(memory)
    st.session_state[memory] = choice
    if last is not None and last != choice:
        for key, value in values.items():
            st.session_state[key] = value


def table_to_text(table: Sequence[Sequence[float]]) -> str:
    """Rows of a joint table as the text-area format: one line per x, entries separated by spaces."""
    return "\n".join("  ".join(f"{v:g}" for v in row) for row in table)


def notice_normalized(name: str, raw_sum: float | None = None) -> None:
    """A visible notice that the numbers given were rescaled to sum to 1."""
    total = f" (they summed to {raw_sum:.4g})" if raw_sum is not None else ""
    ui.caution(f"{name}: the numbers did not sum to 1{total}, so they were divided by their sum.")


def _distribution(text: str, label: str) -> tuple[np.ndarray, float | None]:
    """P from typed numbers, and their sum when they had to be rescaled to 1 (None when they already summed to 1)."""
    numbers = parse_numbers(text, label)
    p, changed = normalize(numbers, label)
    return p, float(numbers.sum()) if changed else None


def _outcomes(text: str, label: str) -> tuple[np.ndarray, float | None, tuple[str, ...] | None, int | None]:
    """P from typed numbers or counted names (core.information.parsing.parse_outcomes), the numbers' sum when they
    had to be rescaled, the outcome names and the number of observations (None, None for numbers)."""
    p, changed, names, observations = parse_outcomes(text, label)
    raw_sum = float(parse_numbers(text, label).sum()) if changed else None
    return p, raw_sum, names, observations


class Outcomes(NamedTuple):
    """A distribution from :func:`distribution_text` with ``observations=True``."""

    p: np.ndarray
    names: tuple[str, ...] | None
    """The observed values (sorted), None for typed numbers."""
    observations: int | None
    """How many values were counted, None for typed numbers."""


def distribution_text(
    label: str, key: str, default: str, *, container=None, help: str | None = None, observations: bool = False
) -> Typed:
    """A distribution typed as numbers; normalized with a visible notice. With ``observations`` the field also
    takes observed values (``rain sun rain``), counted into P̂(x) = n_x / n with a caption saying so, and the
    value is an :class:`Outcomes` (P, names, count) instead of P alone.

    Text that cannot be read is named right under the field and the page goes on: the value is then the last
    valid distribution typed there in this session (``stale``), or the ``default`` text's before any.
    """
    if observations:
        return _outcomes_text(label, key, default, container=container, help=help)
    where = container if container is not None else st.sidebar
    text = ui.text_input(
        label,
        key,
        default,
        container=where,
        help=help or "Numbers separated by commas or spaces; they are rescaled to sum to 1.",
    )
    parsed, stale = ui.attempt_or_last(f"distribution {key}", _distribution, text, label, container=where)
    never_valid = parsed is None
    if never_valid:
        parsed = _distribution(default, label)
    p, raw_sum = parsed
    if not stale and raw_sum is not None:
        notice_normalized(label, raw_sum)
    return Typed(p, stale, never_valid)


def _outcomes_text(label: str, key: str, default: str, *, container=None, help: str | None = None) -> Typed:
    """:func:`distribution_text` for numbers or observed values (its ``observations=True``)."""
    where = container if container is not None else st.sidebar
    text = ui.text_input(
        label,
        key,
        default,
        container=where,
        help=help
        or "Numbers separated by commas or spaces (rescaled to sum to 1), or observed values, e.g. 'rain sun rain "
        "snow rain': each distinct value is an outcome and P(x) = n_x / n.",
    )
    parsed, stale = ui.attempt_or_last(f"distribution {key}", _outcomes, text, label, container=where)
    never_valid = parsed is None
    if never_valid:
        parsed = _outcomes(default, label)
    p, raw_sum, names, observations = parsed
    if not stale and raw_sum is not None:
        notice_normalized(label, raw_sum)
    if not stale and observations is not None:
        where.caption(
            f":material/bar_chart: {observations:,} observations counted into {len(names)} outcomes: P(x) = n_x / n."
        )
    return Typed(Outcomes(p, names, observations), stale, never_valid)


def joint_table_editor(presets: Mapping[str, list[list[float]]], default: str, *, key: str = "joint") -> Typed:
    """Preset choice + a text area of rows (one row per x) or of observed (x, y) pairs; the value is the
    :class:`core.information.parsing.JointData` read from it (normalized table, names, observation count).

    A table that cannot be read is named right under the text area and the page goes on with the last valid
    table of this session (``stale``), or before any the chosen preset's (``default``'s when "custom"). A caption
    under a readable table says which of the two shapes it was read as.
    """
    names = [*presets, "custom"]
    choice = ui.select(
        "Joint table preset",
        f"{key}_preset",
        names,
        default,
        help="Loads a table into the text box below; edit the box freely afterwards.",
    )
    if choice != "custom":
        load_preset_on_change(f"{key}_preset", choice, {key: table_to_text(presets[choice])})
    text = ui.text_area(
        "P(X, Y): one row per x, one column per y — or one (x, y) pair per line",
        key,
        table_to_text(presets[default]),
        height=150,
        help="A table: numbers separated by spaces or commas, one line per value of X; counts are fine (the table "
        "is divided by its sum); a header line of y names and a first column of x names are used as labels. "
        "Or observations: two columns of names, one (x, y) pair per line (e.g. rain,yes), counted into the "
        "table; a header line names X and Y.",
    )
    parsed, stale = ui.attempt_or_last(f"joint table {key}", read_joint_text, text, container=st.sidebar)
    if parsed is not None and not stale:
        st.sidebar.caption(f":material/table_chart: Read as {describe_joint(parsed)}.")
    text_upload.text_uploader(
        "Upload a joint table (CSV)",
        key,
        read_joint_csv,
        on_loaded=lambda: st.session_state.__setitem__(f"{key}_preset", "custom"),
        help="A table (one row per x, one column per y: probabilities or counts, separated by commas, semicolons "
        "or tabs; a header line and a first column of names label the axes) or observations (two columns, one "
        "(x, y) pair per line, counted). It replaces the text above once it can be read; a file that cannot be "
        "read leaves the current table as it is.",
    )
    text_upload.url_note(text)
    never_valid = parsed is None
    if never_valid:
        parsed = read_joint_text(table_to_text(presets[choice if choice != "custom" else default]))
    if parsed.changed and not stale:
        notice_normalized("The joint table")
    return Typed(parsed, stale, never_valid)


def joint_labels(data: JointData) -> dict[str, Any]:
    """The names of a joint table's rows, columns and variables, as keyword arguments of the joint figures."""
    return dict(x_names=data.x_names, y_names=data.y_names, x_title=data.x_title, y_title=data.y_title)

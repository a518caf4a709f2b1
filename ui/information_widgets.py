"""Controls shared by the information-theory pages: unit switch, preset loading, distribution and joint-table editors.

Everything goes through the page-contract helpers (``ui.*``), so every control is URL-bound.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
import streamlit as st

from core.information.entropy import UNITS
from core.information.parsing import joint_csv_values, normalize, parse_joint_csv, parse_joint_text, parse_numbers
from ui import contract as ui
from ui import text_upload


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


def distribution_text(label: str, key: str, default: str, *, container=None, help: str | None = None) -> Typed:
    """A distribution typed as numbers; normalized with a visible notice.

    Text that cannot be read is named right under the field and the page goes on: the value is then the last
    valid distribution typed there in this session (``stale``), or the ``default`` text's before any.
    """
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


def joint_table_editor(presets: Mapping[str, list[list[float]]], default: str, *, key: str = "joint") -> Typed:
    """Preset choice + a text area of rows (one row per x); the value is the normalized (|X|, |Y|) table.

    A table that cannot be read is named right under the text area and the page goes on with the last valid
    table of this session (``stale``), or before any the chosen preset's (``default``'s when "custom").
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
        "P(X, Y): one row per x, one column per y",
        key,
        table_to_text(presets[default]),
        height=150,
        help="Numbers separated by spaces or commas, one line per value of X. Counts are fine: the table is "
        "divided by its sum. A pasted CSV with a header line or a first column of names works too.",
    )
    parsed, stale = ui.attempt_or_last(f"joint table {key}", parse_joint_text, text, container=st.sidebar)
    text_upload.text_uploader(
        "Upload a joint table (CSV)",
        key,
        parse_joint_csv,
        transform=lambda csv: table_to_text(joint_csv_values(csv)[1]),
        on_loaded=lambda: st.session_state.__setitem__(f"{key}_preset", "custom"),
        help="One row per x, one column per y: probabilities or counts, separated by commas, semicolons or tabs; "
        "a header line and a first column of names are allowed (and dropped). It replaces the table above once "
        "it can be read; a file that cannot be read leaves the current table as it is.",
    )
    text_upload.url_note(text)
    never_valid = parsed is None
    if never_valid:
        parsed = parse_joint_text(table_to_text(presets[choice if choice != "custom" else default]))
    table, changed = parsed
    if changed and not stale:
        notice_normalized("The joint table")
    return Typed(table, stale, never_valid)

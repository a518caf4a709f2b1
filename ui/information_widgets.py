"""Controls shared by the information-theory pages: unit switch, preset loading, distribution and joint-table editors.

Everything goes through the page-contract helpers (``ui.*``), so every control is URL-bound.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import streamlit as st

from core.information.entropy import UNITS
from core.information.parsing import normalize, parse_joint_table, parse_numbers
from ui import contract as ui


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


def distribution_text(label: str, key: str, default: str, *, container=None, help: str | None = None) -> np.ndarray:
    """A distribution typed as numbers; normalized with a visible notice; bad text stops the page with a message."""
    text = ui.text_input(
        label,
        key,
        default,
        container=container,
        help=help or "Numbers separated by commas or spaces; they are rescaled to sum to 1.",
    )
    numbers = ui.attempt(parse_numbers, text, label)
    p, changed = ui.attempt(normalize, numbers, label)
    if changed:
        notice_normalized(label, float(numbers.sum()))
    return p


def joint_table_editor(presets: Mapping[str, list[list[float]]], default: str, *, key: str = "joint") -> np.ndarray:
    """Preset choice + a text area of rows (one row per x); returns the normalized (|X|, |Y|) table."""
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
        "divided by its sum.",
    )
    table, changed = ui.attempt(parse_joint_table, text)
    if changed:
        notice_normalized("The joint table")
    return table

"""The "your data" controls of the pages that learn from the user's own points (the trainer, the regressions).

One URL-bound text holds the dataset, so a copied link or a lesson step restores it; everything else writes into
that text from a callback (it runs before the script, so the text area may take the new value):

- a CSV upload replaces it (the file's text as it is, once it parses: precision, header and comments kept);
- an editable table (``st.data_editor``) writes its rows back to it, cells joined by commas, under the text's
  header line (kept: it names the user's columns, and titles the table's);
- a page's chart click appends a line (the page's own ``on_select`` callback, with :func:`append_line`).

A file, a table edit or a text that cannot be read leaves a message beside its control and changes nothing: the
page keeps drawing its previous data (``ui.attempt_or_last``). Nothing but bytes and text reach
``core.user_data``'s parsers: no pickle, no eval.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import pandas as pd
import streamlit as st

from core import user_data
from core.errors import InputError
from ui import contract as ui

T = TypeVar("T")
UPLOAD_TYPES = ["csv", "txt", "tsv"]
TABLE_COLUMN_PX = 56


def _upload_error_key(key: str) -> str:
    return f"_{key}_upload_error"


def _table_error_key(key: str) -> str:
    return f"_{key}_table_error"


def edited_rows(base: Sequence[Sequence[Any]], state: Mapping, columns: Sequence[str]) -> list[list[Any]]:
    """The table's rows after the edits of a ``st.data_editor`` state (Streamlit's order: cell edits by position
    in ``base``, then deleted rows dropped, then added rows appended)."""
    rows = [list(row) for row in base]
    for index, changes in (state.get("edited_rows") or {}).items():
        position = int(index)
        if 0 <= position < len(rows):
            for column, value in changes.items():
                if column in columns:
                    rows[position][list(columns).index(column)] = value
    deleted = {int(i) for i in state.get("deleted_rows") or []}
    rows = [row for i, row in enumerate(rows) if i not in deleted]
    for added in state.get("added_rows") or []:
        rows.append([added.get(column) for column in columns])
    return rows


def table_edit_text(
    base: Sequence[Sequence[Any]], state: Mapping, columns: Sequence[str], numeric: Sequence[bool]
) -> str:
    """The dataset text of an edited table (``core.user_data.table_text``: a bad cell raises, naming its row)."""
    return user_data.table_text(edited_rows(base, state, columns), columns, numeric)


def class_choice_label(name: str, classes: Sequence[str], colour_names: Sequence[str]) -> str:
    """A choice of the click-class control, with the colour its points are drawn in: ``2 (green)``; a name that is
    not a class yet (the "new class" option) with the name and colour the next class gets
    (``core.user_data.next_class_name``): ``new class 3 (red)``, ``new class: class4 (red)`` beside named ones."""
    if name in classes:
        return f"{name} ({colour_names[list(classes).index(name) % len(colour_names)]})"
    new = user_data.next_class_name(tuple(classes))
    colour = colour_names[len(classes) % len(colour_names)]  # the new class comes last
    return f"new class {new} ({colour})" if new.isdigit() else f"new class: {new} ({colour})"


def no_fit_caption(sketch: object | None, what: str) -> None:
    """The caption over the plane drawn while the point list gives no fit: "the points so far" when some can be
    read (e.g. of one class only), else that there are no valid points yet (the plane is empty)."""
    if sketch is not None:
        ui.showing_last_valid("points", "point list (sidebar)", shown=f"the points so far, with no {what}")
        return
    st.caption(
        ":material/info: **No valid points yet**: the point list (sidebar) cannot be read (its message says why), "
        "so the plane is empty. Fix the list, or clear it and click on the plane to add points."
    )


def append_line(key: str, line: str) -> None:
    """Append one line to the dataset text under ``key`` (for a click callback: it runs before the widget)."""
    lines = str(st.session_state.get(key, "")).rstrip("\n")
    st.session_state[key] = (lines + "\n" if lines else "") + line


def upload_text(content: bytes, file_name: str, parse: Callable[[str], Any]) -> str:
    """An uploaded file's text once ``parse`` reads it (InputError naming the file and the problem otherwise)."""
    text = user_data.decode_text(content, f"The file {file_name}").strip()
    parse(text)
    return text


def _load_upload(key: str, parse: Callable[[str], Any], on_new_data: Callable[[], None] | None) -> None:
    """file_uploader callback: a file that parses replaces the dataset text; else a message, the data kept."""
    upload = st.session_state.get(f"{key}_file")
    st.session_state.pop(_upload_error_key(key), None)
    if upload is None:
        return
    try:
        text = upload_text(upload.getvalue(), upload.name, parse)
    except InputError as error:
        st.session_state[_upload_error_key(key)] = f"{upload.name}: {error} Your current data are kept."
        return
    st.session_state[key] = text
    st.session_state.pop(_table_error_key(key), None)
    if on_new_data is not None:
        on_new_data()


def _apply_table(
    editor_key: str,
    key: str,
    base: list[list[Any]],
    columns: tuple[str, ...],
    numeric: tuple[bool, ...],
    parse: Callable[[str], Any],
    on_new_data: Callable[[], None] | None,
) -> None:
    """data_editor callback: valid edits become the dataset text; a bad cell leaves a message naming its row (the
    table keeps the edit so it can be fixed, the page keeps its data)."""
    st.session_state.pop(_table_error_key(key), None)
    # the text's header line names the columns the user chose (e.g. sepal_cm,petal_cm,species): kept
    header = user_data.header_line(str(st.session_state.get(key, "")))
    try:
        text = table_edit_text(base, st.session_state.get(editor_key) or {}, columns, numeric)
        if header is not None:
            text = f"{header}\n{text}"
        parse(text)
    except InputError as error:
        st.session_state[_table_error_key(key)] = f"{error} Your current data are kept."
        return
    st.session_state[key] = text
    if on_new_data is not None:
        on_new_data()


def dataset_input(
    label: str,
    key: str,
    default: str,
    *,
    parse: Callable[[str], T],
    rows: Callable[[T], list[list[Any]]],
    columns: tuple[str, ...],
    numeric: tuple[bool, ...],
    help: str,
    on_new_data: Callable[[], None] | None = None,
    height: int = 140,
) -> tuple[T | None, bool, str]:
    """The sidebar's dataset controls: the URL-bound text (``key``), a CSV upload, an editable table.

    ``parse`` reads the text (raising InputError), ``rows`` turns its result into table rows (cells in
    ``columns`` order; ``numeric`` marks the number columns). ``on_new_data`` runs when an upload or a table edit
    replaced the data (e.g. to pause a training session). Returns ``(data, stale, text)``: like
    ``ui.attempt_or_last``, the parsed text, or after a bad text the last valid data of this session (None when
    there never was any), and the text itself.
    """
    text = ui.text_area(label, key, default, help=help, height=height)
    data, stale = ui.attempt_or_last(key, parse, text, container=st.sidebar)
    if not user_data.fits_in_url(text):
        st.sidebar.caption(
            f":material/link_off: These {len(text):,} characters are more than a link carries safely "
            f"({user_data.URL_DATA_CHARS:,}): this tab keeps them, but a copied link may arrive cut off. To show "
            f"them in a lesson, save them as a file in `lessons/data/` and name it in the step: `[steps.data]` "
            f'`{key} = "points.csv"`.'
        )
    st.sidebar.file_uploader(
        f"Upload a CSV of {', '.join(columns)} rows (replaces the data)",
        type=UPLOAD_TYPES,
        key=f"{key}_file",
        on_change=_load_upload,
        args=(key, parse, on_new_data),
        max_upload_size=user_data.MAX_UPLOAD_BYTES // 1_000_000,
        help=f"Up to {user_data.MAX_UPLOAD_BYTES / 1e6:.0f} MB and {user_data.MAX_ROWS:,} rows; commas, "
        "semicolons, tabs or spaces between the cells; an optional header line. A file that cannot be read "
        "leaves your current data as they are.",
    )
    if st.session_state.get(_upload_error_key(key)):
        with st.sidebar:
            ui.problem(st.session_state[_upload_error_key(key)])
    base = rows(data) if data is not None else []
    # the table's column titles: the text's own header names when it has one per column
    header = user_data.header_line(text)
    names = list(user_data.split_cells(header)) if header is not None else []
    titles = names if len(names) == len(columns) else list(columns)
    digest = hashlib.sha1(repr(base).encode()).hexdigest()[:12]
    # a new key for other data: the editor's pending edits belong to the rows they were made on
    editor_key = f"{key}_table_{digest}"
    with st.sidebar.expander(f"Edit as a table ({len(base)} rows)"):
        table = pd.DataFrame(base, columns=list(columns))
        # typed columns, also when empty: a number column must hold floats for its NumberColumn editor
        table = table.astype({name: float if is_number else str for name, is_number in zip(columns, numeric)})
        if st.session_state.get(_table_error_key(key)):
            # above the table, not under its 10 visible rows: the message shows where the edit was made
            ui.problem(st.session_state[_table_error_key(key)])
        st.data_editor(
            table,
            key=editor_key,
            num_rows="dynamic",
            hide_index=True,
            width="stretch",
            column_config={
                # three columns of 56 px fit the sidebar beside the row markers
                # a title longer than the column is cut: its help (on hover) names it whole
                name: st.column_config.NumberColumn(title, help=title, format="%.4g", width=TABLE_COLUMN_PX)
                if is_number
                else st.column_config.TextColumn(title, help=title, width=TABLE_COLUMN_PX)
                for name, title, is_number in zip(columns, titles, numeric)
            },
            on_change=_apply_table,
            args=(editor_key, key, base, columns, numeric, parse, on_new_data),
        )
    return data, stale, text

"""Every figure's way out of the app, under it (``ui.figure``): a standalone HTML page and a CSV of its numbers,
both built only when their button is clicked (a deferred download: a rerun computes nothing for them), and the
PNG of Plotly's own mode bar (the camera, client-side and offline) at slide resolution.

The HTML of an animated figure keeps its ▶ play controls and has Save-as-GIF / PNG-strip buttons
(``viz/export.py``); a live trainer's figure, once paused, also has its run as such an animation (``ui/recording.py``). Tables (``st.dataframe``) have Streamlit's own CSV download in their toolbar.
"""

from __future__ import annotations

import streamlit as st

from ui import contract, lessons

KEY = "figexport"
"""Key prefix of the download rows (the presenter view and "ask the room first" hide them by it)."""
PNG_SCALE = 2
"""The mode bar's PNG at twice the figure's screen size: sharp on a 1920-wide slide."""


def next_name() -> str:
    """The file name of the next figure of this run: ``<url_path>-figure-<n>``, n counting from 1 per page run."""
    run = st.session_state.get(contract._RUN)
    if run is None:  # a figure outside ui.begin (tests drawing a bare figure)
        return "figure"
    run["figures"] = run.get("figures", 0) + 1
    return f"{st.session_state.get(contract._OPENED, 'page')}-figure-{run['figures']}"


def png_options(name: str) -> dict:
    return {"format": "png", "filename": name, "scale": PNG_SCALE + (1 if lessons.presenting() else 0)}


def _animated(fig) -> bool:
    return bool(fig.frames)  # a go.Figure's, or a viz.plain.Spec's JSON frames


def _download(row, label: str, icon: str, data, file_name: str, mime: str, key: str, help: str) -> None:
    """One small download button of the row; ``data`` is a callable, run only when the button is clicked."""
    row.download_button(
        label, data=data, file_name=file_name, mime=mime, on_click="ignore", type="tertiary", icon=icon, key=key,
        help=help,
    )  # fmt: skip


def downloads(fig, name: str, recorded: tuple[list, list[str], str] | None = None) -> None:
    """A right-aligned row of small download buttons under the figure: HTML and CSV, and with ``recorded`` (the
    figure's snapshots while it trained, their labels and the slider's prefix: ``ui.recording``) the run as an
    animation."""
    from ui import recording
    from viz import animation, export

    row = st.container(horizontal=True, horizontal_alignment="right", gap="small", key=f"{KEY}_{name}")
    _download(
        row, "HTML", ":material/download:", lambda: export.html(fig, name), f"{name}.html", "text/html",
        f"{KEY}_html_{name}",
        "The figure as a standalone web page that opens offline (Plotly's JavaScript inside, ~4.7 MB): for a slide "
        "deck or a browser."
        + (" This one keeps its ▶ play controls and has Save-as-GIF and PNG-strip buttons." if _animated(fig) else ""),
    )  # fmt: skip
    _download(
        row, "CSV", ":material/table:", lambda: export.csv_text(fig), f"{name}.csv", "text/csv", f"{KEY}_csv_{name}",
        "The numbers the figure draws, one row per point or cell.",
    )  # fmt: skip
    if recorded is not None:
        snapshots, labels, prefix = recorded
        _download(
            row, "Recording", ":material/movie:",
            lambda: export.html(
                animation.recording(recording.as_dicts(snapshots), labels, prefix=prefix), f"{name}-recording"
            ),
            f"{name}-recording.html", "text/html", f"{KEY}_recording_{name}",
            f"This figure at {len(snapshots)} moments of the training run (evenly kept), as a web page that opens "
            "offline with ▶ play, a slider, and Save-as-GIF and PNG-strip buttons.",
        )  # fmt: skip
